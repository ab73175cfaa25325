/* spawn.h — starting a child program, in one place: fork, an empty signal
 * mask, its own process group, death with the parent, a cgroup to join,
 * output to a log file, and only the descriptors asked for inherited.
 *
 * Everything between fork and exec is async-signal-safe (the caller may
 * have threads).  A child that cannot set itself up exits with 126, one
 * that cannot exec with 127. */
#ifndef HOSTMIX_SPAWN_H
#define HOSTMIX_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct spawn {
    const char *exe;            /* program to execv */
    char *const *argv;
    const char *out;            /* receives stdout and stderr, opened by the output-file
                                 * rule (fs_open_out: truncated); NULL: /dev/null */
    int pipes;                  /* 1: out_fd and err_fd become stdout and stderr instead */
    int out_fd, err_fd;
    const char *cwd;            /* directory to run in, or NULL */
    const char *cgroup_procs;   /* cgroup.procs file to join first, or NULL */
    int own_pgrp;               /* lead a new process group (a terminal's ^C skips it) */
    int pdeathsig;              /* signal the child gets when hostmix dies, or 0 */
    const int *keep_fds;        /* descriptors inherited at the same numbers */
    int nkeep;
    int fd3;                    /* > 2: a descriptor the child gets as descriptor 3 (a
                                 * container runtime passes 3 on with --preserve-fds=1),
                                 * 0: none; not with keep_fds */
    /* Called in the child after it joined the cgroup and before its output
     * (opened by the parent) is redirected (e.g. to enter a private mount
     * namespace); only
     * async-signal-safe calls.  Non-zero: the child exits with 126. */
    int (*child_fn)(void *arg);
    void *child_arg;
};

/* Starts the child.  Returns its pid, or -1 with the reason in why. */
pid_t spawn_start(const struct spawn *s, char *why, size_t n);

#endif
