/* platform.h — where servers run, as an ops table (fio's ioengine_ops
 * style): one row per platform, chosen by the job file's `platform`.
 *
 * The run controller only speaks to a platform through these calls:
 *
 *   probe    can this platform run here?  (why not, if not)
 *   prepare  create what one run needs (the run's cgroup, a bridge, ...)
 *   start    start one server (plat_server says which role, set, address)
 *   ready    has the server begun answering on its address?
 *   cpu      the server's CPU time so far, in nanoseconds
 *   reap     has the server exited?  (collects its status, never blocks)
 *   stop     ask one server to stop (force: kill it); plat_stop_all
 *            sends TERM to all, waits PLAT_STOP_GRACE_NS, then KILLs
 *   cleanup  undo prepare: nothing of the run may be left behind
 *
 * native is implemented (platform_native.c).  container, vm and libvirt
 * have rows whose probe says "not implemented", so a job asking for them
 * fails with a clear message rather than a crash. */
#ifndef HOSTMIX_PLATFORM_H
#define HOSTMIX_PLATFORM_H

#include <stdint.h>
#include <sys/types.h>

#include "measure/measure.h"

/* How a server's CPU is accounted. */
enum plat_acct { PLAT_ACCT_CGROUP, PLAT_ACCT_PROC };

struct plat_server {
    int set, role;                  /* set from 1; enum role_id */
    char name[32];                  /* "set1-web" */
    char ip[24];
    int port;
    char *argv[24];                 /* `hostmix serve ROLE ...` arguments (owned by caller) */
    char log[512];                  /* file that receives the server's output */
    /* platform state */
    pid_t pid;                      /* 0 when not running */
    char cg[700];                   /* its cgroup (below the run's), or "" */
    int exited;                     /* reaped */
    int status;                     /* waitpid status once exited */
    int stopping;                   /* stop requested: an exit is expected */
    uint64_t cpu_last_ns;           /* last reading (kept after it exits) */
    uint64_t cpu_user_ns, cpu_sys_ns;
};

struct plat {
    const struct platform_ops *ops;
    const char *proc_root;          /* "" for the live system (tests: fixtures) */
    enum plat_acct acct;
    char acct_why[800];             /* why /proc accounting was chosen */
    char cg_base[512];              /* the parent group found by meas_cg_detect */
    char cg_run[600];               /* the run's group, e.g. BASE/hostmix-PID */
    char self_exe[512];             /* binary the servers are started from */
};

struct platform_ops {
    const char *name;
    int (*probe)(struct plat *p, char *why, size_t n);
    int (*prepare)(struct plat *p, char *why, size_t n);
    int (*start)(struct plat *p, struct plat_server *s, char *why, size_t n);
    /* 1 ready, 0 not yet, -1 it exited (why says how) */
    int (*ready)(struct plat *p, struct plat_server *s, char *why, size_t n);
    int (*cpu)(struct plat *p, struct plat_server *s);  /* updates s->cpu_* */
    /* 1 if the server has exited (s->exited, s->status set), else 0 */
    int (*reap)(struct plat *p, struct plat_server *s);
    void (*stop)(struct plat *p, struct plat_server *s, int force);
    void (*cleanup)(struct plat *p);
};

extern const struct platform_ops plat_native_ops, plat_container_ops, plat_vm_ops,
                                 plat_libvirt_ops;

/* The ops of enum platform_id (job.h) id. */
const struct platform_ops *plat_find(int id);
/* Describes a waitpid status: "exited with status 3", "killed by signal 9 (Killed)". */
void plat_status_text(int status, char *dst, size_t n);
/* Stops every running server of the array: TERM, wait up to the grace
 * period, KILL the rest and reap them.  Never leaves a process behind. */
void plat_stop_all(struct plat *p, struct plat_server *s, int n);
/* Bound between SIGTERM and SIGKILL in stop. */
#define PLAT_STOP_GRACE_NS (3 * 1000000000LL)

#endif
