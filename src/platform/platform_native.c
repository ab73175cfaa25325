/* platform_native.c — servers as processes on the host.
 *
 * Each server is `hostmix serve ROLE ...`, started by fork+exec of this
 * very binary (/proc/self/exe), on its own loopback address 127.S.R.1
 * (R counted from 1 in role order).  Where a writable cgroup v2 hierarchy
 * exists every server runs in its own group below one group per run
 * (cgroup.h) and its CPU is that group's cpu.stat (children and exited
 * threads included).  Otherwise the server's CPU is read from
 * /proc/PID/stat and the report says why.
 *
 * A server dies with the controller (PR_SET_PDEATHSIG) and lives in its
 * own process group, so a terminal's ^C reaches only the controller,
 * which then stops the servers in order.
 *
 * A role with software = real runs its real server instead (the role
 * row's .real, docs/real-servers.md): its configuration is written to
 * /run/hostmix-real-PID/NAME/ (a copy goes beside its log), its working
 * copy is given to the user it needs, it runs in the foreground as the
 * user its ops name, its whole process tree in its cgroup, it is asked to
 * stop with its own signal, and a forced stop kills the whole group.  A
 * run killed outright leaves /run/hostmix-real-PID: the next run's sweep
 * removes it (and its cgroups, killing what still runs there). */
#include "platform/platform.h"
#include "platform/cgroup.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/fs.h"
#include "core/spawn.h"
#include "roles/real.h"
#include "roles/role.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define NATIVE_REAL_DIR "/run/hostmix-real-"    /* + the run's pid */

struct native {
    int cgroup;                     /* CPU per server from its cgroup */
    char why[512];                  /* why /proc accounting was chosen */
    char cg_base[512];              /* the parent group found by meas_cg_detect */
    char cg_run[600];               /* the run's group, BASE/hostmix-PID */
    int real_dir;                   /* NATIVE_REAL_DIR<pid> was made */
};

/* A real server's user, when its ops name one. */
struct native_srv {
    int as_user;
    struct real_user user;
};

static int native_probe(struct plat *p, char *why, size_t n)
{
    struct native *nt = p->priv;
    if (plat_probe_common(p, "", why, n)) return -1;
    nt->cgroup = meas_cg_detect(p->proc_root, nt->cg_base, sizeof nt->cg_base, nt->why,
                                sizeof nt->why) == 0;
    if (!nt->cgroup) log_warn("server CPU from /proc/PID/stat: %s", nt->why);
    return 0;
}

static void native_addr(const struct plat *p, int set, int role, char *ip, size_t n)
{
    (void)p;
    snprintf(ip, n, "127.%d.%d.1", set, role + 1);
}

static int native_prepare(struct plat *p, char *why, size_t n)
{
    struct native *nt = p->priv;
    (void)why; (void)n;
    if (!nt->cgroup) return 0;
    if (cg_run_create(p->proc_root, nt->cg_base, nt->cg_run, sizeof nt->cg_run, nt->why,
                      sizeof nt->why)) {
        nt->cgroup = 0;
        log_warn("server CPU from /proc/PID/stat: %s", nt->why);
    }
    return 0;
}

/* Says (in why) that ip:port is taken, before a server is started to fail
 * on it: the usual cause is another hostmix run, or another server bound
 * to the wildcard address.  Returns -1 if taken, else 0. */
static int native_port_taken(const char *ip, int port, char *why, size_t n)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) return 0;   /* the server will say */
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, rc = 0;
    if (fd < 0) return 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);   /* as the servers do */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno == EADDRINUSE) {
        snprintf(why, n, "%s:%d is already in use (another hostmix run on this host, or a "
                 "server listening on it or on 0.0.0.0:%d)", ip, port, port);
        rc = -1;
    }
    close(fd);
    return rc;
}

/* Makes NATIVE_REAL_DIR<pid>/NAME for s's configuration, owned by user
 * u (NULL: root), into dir.  Returns 0 or -1 (why). */
static int native_real_dir(struct plat *p, const struct plat_server *s, const struct real_user *u,
                           struct buf *dir, char *why, size_t n)
{
    struct native *nt = p->priv;
    buf_printf(dir, NATIVE_REAL_DIR "%d", (int)getpid());
    if (mkdir(buf_cstr(dir), 0755) && errno != EEXIST) goto fail;
    nt->real_dir = 1;
    buf_printf(dir, "/%s", s->spec->name);
    if (mkdir(buf_cstr(dir), 0755) && errno != EEXIST) goto fail;
    if (u && chown(buf_cstr(dir), u->uid, u->gid)) goto fail;
    return 0;
fail:
    snprintf(why, n, "cannot make %s: %s", buf_cstr(dir), strerror(errno));
    return -1;
}

/* Writes conf to path and a copy beside the server's log (LOG less .log,
 * plus .conf).  Returns 0 or -1 (why). */
static int native_real_conf(const struct server_spec *sp, const char *path,
                            const struct buf *conf, char *why, size_t n)
{
    struct buf copy = BUF_INIT;
    size_t l = strlen(sp->log);
    buf_printf(&copy, "%.*s.conf", (int)(l > 4 && strcmp(sp->log + l - 4, ".log") == 0 ? l - 4 : l),
               sp->log);
    int rc = fs_write_atomic(path, conf->data, conf->len) ? -1
           : fs_write_atomic(buf_cstr(&copy), conf->data, conf->len);
    if (rc) snprintf(why, n, "cannot write %s: %s", rc ? path : buf_cstr(&copy), strerror(errno));
    buf_free(&copy);
    return rc;
}

/* Gives s's working copy to the user its real server needs, checks that
 * the user it runs as can reach it.  Returns 0 or -1 (why). */
static int native_real_data(const struct role_real *real, struct plat_server *s, char *why,
                            size_t n)
{
    struct native_srv *ns = s->priv;
    struct real_user owner;
    const char *data = s->spec->data;
    if (!data) return 0;
    if (ns->as_user && real_path_reachable(data, &ns->user, why, n)) return -1;
    if (!real->data_owner) return 0;
    if (real_user_find(real->data_owner, &owner, why, n) ||
        real_path_reachable(data, &owner, why, n))
        return -1;
    if (s->spec->data_rw && real_chown_tree(data, &owner) == 0) return 0;
    snprintf(why, n, "cannot give %s to user %s: %s", data, owner.name,
             s->spec->data_rw ? strerror(errno) : "it is not a working copy");
    return -1;
}

/* The argv of s's real server (argv[0] its program), its configuration
 * written, its data given to its user.  Returns 0 or -1 (why). */
static int native_real_argv(struct plat *p, struct plat_server *s, struct strvec *argv,
                            char *why, size_t n)
{
    const struct server_spec *sp = s->spec;
    const struct role_real *real = role_def(sp->role)->real;
    struct native_srv *ns = s->priv;
    struct buf dir = BUF_INIT, conf = BUF_INIT, path = BUF_INIT;
    ns->as_user = real->user != NULL;
    int rc = real->probe(why, n) ||
             (ns->as_user && real_user_find(real->user, &ns->user, why, n)) ||
             native_real_data(real, s, why, n) ||
             native_real_dir(p, s, ns->as_user ? &ns->user : NULL, &dir, why, n) ? -1 : 0;
    buf_printf(&path, "%s/%s.conf", buf_cstr(&dir), role_names[sp->role]);
    struct real_server rs = { sp->name, sp->ip, sp->port, sp->data, buf_cstr(&dir),
                              buf_cstr(&path), sp->ro };
    if (rc == 0) rc = real->config(&rs, &conf, argv, why, n);
    if (rc == 0) rc = native_real_conf(sp, buf_cstr(&path), &conf, why, n);
    buf_free(&dir);
    buf_free(&conf);
    buf_free(&path);
    return rc;
}

static int native_start(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct native *nt = p->priv;
    const struct server_spec *sp = s->spec;
    char procs[1200] = "";
    if (native_port_taken(sp->ip, sp->port, why, n)) return -1;
    if (nt->cgroup) {
        if (cg_child_create(p->proc_root, nt->cg_run, sp->name, s->cgroup, sizeof s->cgroup,
                            why, n))
            return -1;
        cg_procs_path(p->proc_root, s->cgroup, procs, sizeof procs);
    }
    struct strvec argv = STRVEC_INIT;
    struct native_srv *ns = s->priv;
    if (sp->real && native_real_argv(p, s, &argv, why, n)) {
        strvec_clear(&argv);
        return -1;
    }
    if (!sp->real) {        /* a builtin server counts what it serves for the run */
        plat_serve_argv(sp, sp->data, &argv);
        if (plat_served_open(s, &argv, why, n)) {
            strvec_clear(&argv);
            return -1;
        }
    }
    struct spawn sw = { .exe = sp->real ? argv.v[0] : p->self_exe, .argv = strvec_argv(&argv),
                        .out = sp->log, .cgroup_procs = procs[0] ? procs : NULL, .own_pgrp = 1,
                        .pdeathsig = SIGTERM, .child_fn = ns->as_user ? real_user_become : NULL,
                        .child_arg = &ns->user, .fd3 = s->served_fd };
    pid_t pid = spawn_start(&sw, why, n);
    strvec_clear(&argv);
    if (pid < 0) return -1;
    s->pid = pid;
    s->exited = s->stopping = 0;
    memset(&s->cpu, 0, sizeof s->cpu);
    return 0;
}

/* A real server has ended when its main process has: what it leaves
 * (dovecot's master exits before its log and mail processes) is killed
 * with its group. */
static int native_reap(struct plat *p, struct plat_server *s)
{
    if (!s->pid || s->exited) return 1;
    if (!plat_reap_pid(s->pid, &s->status)) return 0;
    s->exited = 1;
    if (s->spec->real && s->cgroup[0]) cg_kill(p->proc_root, s->cgroup);
    return 1;
}

static int native_ready(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    if (native_reap(p, s)) {
        char st[96];
        plat_status_text(s->status, st, sizeof st);
        snprintf(why, n, "%s %s before it answered (see %s)", s->spec->name, st, s->spec->log);
        return -1;
    }
    const struct role_real *real = s->spec->real ? role_def(s->spec->role)->real : NULL;
    if (real && real->ready)
        return plat_tcp_answers(s->spec->ip, s->spec->port) && real->ready(s->spec->ip,
                                                                           s->spec->port);
    return plat_tcp_answers(s->spec->ip, s->spec->port);
}

/* The server's CPU, and its split by thread (every server process is
 * sampled per thread, as guests are). */
static int native_cpu(struct plat *p, struct plat_server *s)
{
    if (plat_cpu_host(p, s)) return -1;
    plat_cpu_threads(p, s, 0, NULL, 0);
    return 0;
}

/* A real server is asked with its own signal (PostgreSQL: SIGINT, a fast
 * shutdown); forced, its whole group is killed (what its main process
 * started goes too). */
static void native_stop(struct plat *p, struct plat_server *s, int force)
{
    const struct role_real *real = s->spec->real ? role_def(s->spec->role)->real : NULL;
    if (s->pid && !s->exited) kill(s->pid, force ? SIGKILL : real ? real->stop_signal : SIGTERM);
    if (force && real && s->cgroup[0]) cg_kill(p->proc_root, s->cgroup);
}

/* Removes the run's groups.  The servers must have been reaped
 * (plat_stop_all). */
static void native_cleanup(struct plat *p)
{
    struct native *nt = p->priv;
    if (nt->real_dir) {
        const struct numstr dir = numstr_fmt(NATIVE_REAL_DIR "%d", (int)getpid());
        if (fs_rmtree(dir.s)) log_warn("cannot remove %s: %s", dir.s, strerror(errno));
        nt->real_dir = 0;
    }
    if (!nt->cg_run[0]) return;
    cg_kill(p->proc_root, nt->cg_run);      /* anything a server left behind */
    cg_remove_tree(p->proc_root, nt->cg_run);
    nt->cg_run[0] = '\0';
}

static void native_sweep_one(const char *name, void *arg)
{
    char *dir = strfmt("/run/%s", name);
    (void)arg;
    log_info("removing %s of a run that no longer exists", dir);
    if (fs_rmtree(dir)) log_warn("cannot remove %s: %s", dir, strerror(errno));
    free(dir);
}

/* The configuration directories of real servers of dead runs. */
static void native_sweep(const char *proc_root)
{
    if (proc_root && proc_root[0]) return;          /* a fixture: nothing live to sweep */
    fs_sweep_dead("/run", "hostmix-real-", native_sweep_one, NULL);
}

static void native_describe(const struct plat *p, struct plat_acct *a)
{
    const struct native *nt = p->priv;
    memset(a, 0, sizeof *a);
    if (nt->cgroup) {
        snprintf(a->method, sizeof a->method, "cgroup");
        snprintf(a->base, sizeof a->base, "%s", nt->cg_base);
        snprintf(a->text, sizeof a->text,
                 "cgroup v2 cpu.stat, one group per server below %s", nt->cg_base);
    } else {
        snprintf(a->method, sizeof a->method, "proc");
        snprintf(a->why, sizeof a->why, "%s", nt->why);
        snprintf(a->text, sizeof a->text, "/proc/PID/stat per server process (%s)",
                 nt->why);
    }
}

const struct platform_ops plat_native_ops = {
    .name = "native",
    .caps = PLAT_CAP_CGROUP | PLAT_CAP_REAL,
    .priv_size = sizeof(struct native),
    .server_priv_size = sizeof(struct native_srv),
    .ready_timeout_ns = 30 * CLOCK_NS_PER_S,
    .probe = native_probe,
    .addr = native_addr,
    .prepare = native_prepare,
    .start = native_start,
    .ready = native_ready,
    .cpu = native_cpu,
    .reap = native_reap,
    .stop = native_stop,
    .cleanup = native_cleanup,
    .describe = native_describe,
    .sweep = native_sweep,
};
