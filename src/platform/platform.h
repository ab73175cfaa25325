/* platform.h — where servers run, as an ops table (fio's ioengine_ops
 * style): one row per platform, registered by name (registry.c), chosen by
 * the job file's `platform`.
 *
 * A platform receives structured server specs from the run's plan
 * (src/run/plan.c), never a finished host command line: it owns its
 * address plan, where a server's data goes, how a server is started and
 * stopped, and how its CPU is read.  The run controller only speaks to a
 * platform through these calls, in this order:
 *
 *   probe     can this platform run here?  (why not, if not)
 *   addr      the address plan: where server (set, role) listens
 *   (sweep)   what dead runs of the platform left (plat_sweep_dead calls
 *             every platform's, before any prepare)
 *   prepare   create what one run needs (the run's cgroup, a bridge, ...)
 *   place     put one server's data where it will see it (may be slow:
 *             called before any server starts, outside the measurement)
 *   start     start one server
 *   ready     has the server begun answering on its address?
 *   cpu       the server's CPU so far, in named parts
 *   reap      has the server exited?  (collects its status, never blocks)
 *   stop      ask one server to stop (force: kill it); plat_stop_all
 *             sends TERM to all, waits PLAT_STOP_GRACE_NS, then KILLs
 *   cleanup   undo prepare and place: nothing of the run may be left
 *   release   free what the platform holds for one server (with its priv)
 *   describe  how CPU was accounted, in words and keys, for the reports
 *   (preflight) the host facts the platform depends on, for `hostmix
 *             check`: read, never changed, nothing started
 *
 * The core allocates each platform's private state (priv_size bytes, in
 * struct plat.priv) and each server's (server_priv_size, in
 * plat_server.priv), zeroed, and frees them; a platform never grows the
 * shared structs (libevent's fdinfo_len, curl's backend data). */
#ifndef HOSTMIX_PLATFORM_H
#define HOSTMIX_PLATFORM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"
#include "core/strvec.h"
#include "core/opt.h"
#include "measure/measure.h"

struct role_opts;

/* Capability flags (platform_ops.caps). */
#define PLAT_CAP_OWN_NET    0x1u   /* servers have their own network (bridge addresses) */
#define PLAT_CAP_GUEST_TIME 0x2u   /* servers run as guests: CPU has a guest part */
#define PLAT_CAP_CGROUP     0x4u   /* server CPU comes from a cgroup per server */
#define PLAT_CAP_ROOT       0x8u   /* needs root */
#define PLAT_CAP_OWN_COPY   0x10u  /* makes its own writable copy of data servers change
                                    * (the run then makes no working copy) */
#define PLAT_CAP_REAL       0x20u  /* runs roles' real software (software = real) */

/* One server of the run, as the plan describes it.  Built once by
 * run/plan.c and read-only for platforms; every string is owned by the
 * spec (plan_free releases them). */
struct server_spec {
    int set, role;              /* set from 1; enum role_id */
    char name[32];              /* "set1-web" */
    char ip[48];                /* where it listens (the platform's address plan) */
    int port;
    int peer_role;              /* the server it uses (web: nfs, app: db), or -1 */
    char peer_ip[48];
    int peer_port;
    char *data;                 /* host directory it serves (the cached data set, or
                                 * the run's working copy of it), or NULL */
    char *data_cached;          /* the cached data set that directory comes from */
    char *data_key;             /* cache key of that data set ("web-seed1-set1-..." plus
                                 * "-nfs" for the part nfs serves), or NULL */
    int data_rw;                /* the server changes its data (db, imap) */
    struct strvec opts;         /* role options after --listen and --data */
    int64_t vcpus, memory;      /* from the role's section (guests and containers) */
    char *log;                  /* file that receives the server's output */
    int real;                   /* runs the role's real software (role_def()->real) */
    const struct role_opts *ro; /* its role's job options (the job's, read-only) */
};

/* CPU of one server, cumulative, in nanoseconds.  total is what the
 * reports use; parts name where it went as far as the platform knows
 * (have says which parts were measured). */
enum plat_cpu_part {
    PLAT_CPU_USER, PLAT_CPU_SYSTEM,         /* host user and system time */
    PLAT_CPU_GUEST,                         /* guest time (KVM vCPUs in guest mode) */
    PLAT_CPU_VCPU, PLAT_CPU_MAIN, PLAT_CPU_IO, PLAT_CPU_POOL, PLAT_CPU_VHOST,
    PLAT_CPU_OTHER,                         /* per thread class (VMs) */
    PLAT_CPU_GUEST_BUSY,                    /* busy time the guest itself reports */
    PLAT_CPU_GUEST_STEAL,                   /* time the guest's vCPUs waited for the host */
    PLAT_CPU_GUEST_CLOCK,                   /* not CPU: the guest's own monotonic clock,
                                               the time base of its busy and steal */
    PLAT_CPU_VCPU_DELAY,                    /* not CPU: time the vCPUs were runnable but
                                               not running (libvirt's vcpu.N.delay) */
    PLAT_CPU_VCPU_WAIT,                     /* not CPU: time the vCPUs wanted to run while
                                               another ran (libvirt's vcpu.N.wait, Xen) */
    PLAT_CPU_NPARTS
};
extern const char *const plat_cpu_part_names[];   /* PLAT_CPU_NPARTS names */

struct plat_cpu {
    uint64_t total_ns;
    uint64_t part_ns[PLAT_CPU_NPARTS];
    unsigned have;                          /* 1u << part for each part measured */
};

/* A running (or finished) server: the spec plus the run-time state. */
struct plat_server {
    const struct server_spec *spec;
    pid_t pid;                  /* the process the platform started; 0 when not running */
    int exited;                 /* reaped */
    int status;                 /* waitpid status once exited */
    int stopping;               /* stop requested: an exit is expected */
    int64_t started_ns, ready_ns;   /* monotonic: start call, first answer */
    char cgroup[700];           /* its cgroup (below root), or "" */
    struct plat_cpu cpu;        /* last reading (kept after it exits) */
    char note[512];             /* what of its figures is missing or estimated, and
                                 * why (plat_note), or "" */
    struct served *served;      /* the requests it answered, counted by the server itself
                                 * in memory shared with the run (core/served.h), or NULL
                                 * where the platform cannot share it */
    int served_fd;              /* their memfd (valid while served is set) */
    void *priv;                 /* the platform's own per-server state */
};

/* How server CPU was accounted, for the reports (describe). */
struct plat_acct {
    char method[32];            /* "cgroup", "proc", ... (result.json key) */
    char text[1024];            /* one sentence for the text report */
    char base[512];             /* where (a cgroup directory), or "" */
    char why[600];              /* why a fallback was used, or "" */
    char facts[600];            /* other facts of the platform (accelerator, runtime), or "" */
    char accel[16];             /* guests' accelerator ("kvm", "tcg"), or "" */
};

struct plat {
    const struct platform_ops *ops;
    const char *proc_root;      /* "" for the live system (tests: fixtures) */
    const void *opt;            /* the job's [platform] options (ops->opt_size bytes) */
    const char *cache_dir;      /* the job's data_dir: images and file systems are cached there */
    int64_t ready_timeout_ns;   /* set by probe where options change it; else the ops' */
    char self_exe[512];         /* binary the servers are started from */
    void *priv;                 /* the platform's own state */
};

struct platform_ops {
    const char *name;
    unsigned caps;                          /* PLAT_CAP_* */
    size_t priv_size, server_priv_size;     /* allocated and freed by the core */
    const struct opt_def *opts;             /* [platform] options; offsets into opt */
    size_t opt_size;                        /* bytes of that options struct (<= JOB_PLAT_OPT_MAX) */
    int64_t ready_timeout_ns;               /* how long a server may take to answer */
    int (*probe)(struct plat *p, char *why, size_t n);
    void (*addr)(const struct plat *p, int set, int role, char *ip, size_t n);
    int (*prepare)(struct plat *p, char *why, size_t n);
    int (*place)(struct plat *p, struct plat_server *s, char *why, size_t n);  /* NULL: none */
    int (*start)(struct plat *p, struct plat_server *s, char *why, size_t n);
    /* 1 ready, 0 not yet, -1 it exited (why says how) */
    int (*ready)(struct plat *p, struct plat_server *s, char *why, size_t n);
    int (*cpu)(struct plat *p, struct plat_server *s);     /* updates s->cpu */
    /* 1 if the server has exited (s->exited, s->status set), else 0 */
    int (*reap)(struct plat *p, struct plat_server *s);
    void (*stop)(struct plat *p, struct plat_server *s, int force);
    void (*cleanup)(struct plat *p);
    /* frees what the platform keeps for one server (NULL: only priv) */
    void (*release)(struct plat *p, struct plat_server *s);
    void (*describe)(const struct plat *p, struct plat_acct *a);
    /* appends what the platform finds on this host, one fact a line
     * ("  name: value"); NULL: nothing to say */
    void (*preflight)(struct plat *p, struct buf *out);
    /* removes what dead runs of this platform left that plat_sweep_dead
     * does not (run directories, runtime state); NULL: nothing */
    void (*sweep)(const char *proc_root);
};

/* ---- registry (registry.c) ------------------------------------------ */

/* The platform named name, or NULL. */
const struct platform_ops *plat_find_name(const char *name);
/* The registered platforms' names in the registry's order, NULL-ended:
 * the job's platform option indexes it (filled from the ops tables by
 * registry.c before main runs). */
extern const char *platform_names[];
/* The ops of the job's platform index (into platform_names), or NULL. */
const struct platform_ops *plat_find(int id);
/* Every registered platform, NULL-terminated (for help and docs). */
extern const struct platform_ops *const plat_registry[];

/* Sets p up for ops: zeroes it, allocates the private state and points
 * opt at the job's [platform] options.  plat_close frees what plat_open
 * and the servers' private states took (after cleanup). */
void plat_open(struct plat *p, const struct platform_ops *ops, const char *proc_root,
               const void *opt);
void plat_close(struct plat *p);
/* Allocates s->priv for p's platform (zeroed), once; plat_server_free
 * calls the platform's release and frees it. */
void plat_server_init(const struct plat *p, struct plat_server *s, const struct server_spec *spec);
void plat_server_free(struct plat *p, struct plat_server *s);

/* ---- what dead runs left (sweep.c) ---------------------------------- */

/* Removes what runs killed outright left, of every platform: each
 * platform's sweep, then links (net.h) and cgroup v2 groups (cgroup.h)
 * named after a pid that is no live process.  Called by every run before
 * prepare. */
void plat_sweep_dead(const char *proc_root);

/* ---- shared helpers (platform.c) ------------------------------------ */

/* Describes a waitpid status: "exited with status 3", "killed by signal 9 (Killed)". */
void plat_status_text(int status, char *dst, size_t n);
/* Stops every running server of the array: TERM, wait up to the grace
 * period, KILL the rest and reap them.  Never leaves a process behind. */
void plat_stop_all(struct plat *p, struct plat_server *s, int n);
/* Bound between SIGTERM and SIGKILL in stop. */
#define PLAT_STOP_GRACE_NS (3 * 1000000000LL)
/* The `hostmix serve ROLE --listen IP:PORT [--data DATA] OPTS...` words
 * for spec, with data as the server sees it (NULL: none), appended to v. */
void plat_serve_argv(const struct server_spec *spec, const char *data, struct strvec *v);
/* Fresh served-request counters for s (an earlier start's are dropped)
 * and the words that tell the server where they are, appended to v: the
 * platform starts the server with the memfd s->served_fd as its
 * descriptor 3 (spawn.fd3).  Returns 0, or -1 (why). */
int plat_served_open(struct plat_server *s, struct strvec *v, char *why, size_t n);
/* Drops s's counters (plat_server_free calls it). */
void plat_served_close(struct plat_server *s);
/* 1 if something accepts TCP connections on ip:port now, else 0. */
int plat_tcp_answers(const char *ip, int port);
/* What every probe does first: finds the binary servers start from
 * (p->self_exe), and refuses without root when the platform's caps say it
 * needs it (what: for what, in the message).  Returns 0 or -1 (why). */
int plat_probe_common(struct plat *p, const char *what, char *why, size_t n);
/* The server's host CPU into s->cpu (total, user, system): its cgroup's
 * cpu.stat when s->cgroup is set, else /proc/PID/stat of its process (the
 * last reading stays once it has exited).  Returns 0 or -1. */
int plat_cpu_host(const struct plat *p, struct plat_server *s);
/* Splits the server process's CPU by thread (/proc/PID/task) into the
 * parts of s->cpu: the main thread, QEMU's I/O threads, pool and vhost,
 * and for a guest (guest != 0) the vCPUs, known by their thread ids from
 * QMP (vcpu, nvcpu) or else by QEMU's thread names, with their guest
 * time; other threads.  Threads that have exited are no longer counted
 * there (cpu.total_ns still has them). */
void plat_cpu_threads(const struct plat *p, struct plat_server *s, int guest, const pid_t *vcpu,
                      int nvcpu);
/* Adds one sentence to s->note (after "; "), unless the note has it
 * already: for the reports, what of the server's figures is missing or
 * estimated and why. */
void plat_note(struct plat_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reaps pid without blocking: 1 (and *status) once it has exited or is
 * not our child any more, else 0. */
int plat_reap_pid(pid_t pid, int *status);

extern const struct platform_ops plat_native_ops;

#endif
