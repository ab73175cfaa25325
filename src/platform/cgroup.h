/* cgroup.h — the cgroup v2 groups of a run, shared by every platform that
 * accounts CPU per server through cgroups (native, container, vm).
 *
 * Layout, below the group hostmix itself runs in (found by
 * meas_cg_detect: /sys/fs/cgroup on pure v2 hosts, the unified/ mount of
 * hybrid ones, where cpu.stat works in child groups even with no
 * controllers enabled):
 *
 *     BASE/hostmix-PID/NAME     one group per server
 *
 * A run killed outright leaves hostmix-PID behind; cg_run_create removes
 * every such group whose PID is gone before it makes its own.  Paths are
 * below proc_root ("" live, a fixture tree in tests). */
#ifndef HOSTMIX_CGROUP_H
#define HOSTMIX_CGROUP_H

#include <stddef.h>

#include "measure/measure.h"

/* Removes BASE/hostmix-PID groups (and their children) of dead PIDs.
 * Returns how many it removed. */
int cg_sweep_stale(const char *root, const char *base);
/* Sweeps, then creates BASE/hostmix-<getpid()> into run (n bytes).
 * Returns 0, or -1 with the reason in why. */
int cg_run_create(const char *root, const char *base, char *run, size_t n, char *why,
                  size_t whyn);
/* Creates DIR/NAME into out.  Returns 0, or -1 with the reason in why. */
int cg_child_create(const char *root, const char *dir, const char *name, char *out, size_t n,
                    char *why, size_t whyn);
/* Removes a group and the groups below it (their processes must be gone;
 * a group busy for a moment after its last process was reaped is retried). */
void cg_remove_tree(const char *root, const char *dir);
/* Kills every process in dir and the groups below it (cgroup.kill; a
 * kernel without it: nothing). */
void cg_kill(const char *root, const char *dir);
/* The cgroup.procs file of dir (with root), for moving a process in. */
void cg_procs_path(const char *root, const char *dir, char *dst, size_t n);

#endif
