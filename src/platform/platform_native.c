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
 * which then stops the servers in order. */
#include "platform/platform.h"
#include "platform/cgroup.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/spawn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct native {
    int cgroup;                     /* CPU per server from its cgroup */
    char why[512];                  /* why /proc accounting was chosen */
    char cg_base[512];              /* the parent group found by meas_cg_detect */
    char cg_run[600];               /* the run's group, BASE/hostmix-PID */
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
    plat_serve_argv(sp, sp->data, &argv);
    if (plat_served_open(s, &argv, why, n)) {
        strvec_clear(&argv);
        return -1;
    }
    struct spawn sw = { .exe = p->self_exe, .argv = strvec_argv(&argv), .out = sp->log,
                        .cgroup_procs = procs[0] ? procs : NULL, .own_pgrp = 1,
                        .pdeathsig = SIGTERM, .fd3 = s->served_fd };
    pid_t pid = spawn_start(&sw, why, n);
    strvec_clear(&argv);
    if (pid < 0) return -1;
    s->pid = pid;
    s->exited = s->stopping = 0;
    memset(&s->cpu, 0, sizeof s->cpu);
    return 0;
}

static int native_reap(struct plat *p, struct plat_server *s)
{
    (void)p;
    if (!s->pid || s->exited) return 1;
    if (!plat_reap_pid(s->pid, &s->status)) return 0;
    s->exited = 1;
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

static void native_stop(struct plat *p, struct plat_server *s, int force)
{
    (void)p;
    if (s->pid && !s->exited) kill(s->pid, force ? SIGKILL : SIGTERM);
}

/* Removes the run's groups.  The servers must have been reaped
 * (plat_stop_all). */
static void native_cleanup(struct plat *p)
{
    struct native *nt = p->priv;
    if (!nt->cg_run[0]) return;
    cg_remove_tree(p->proc_root, nt->cg_run);
    nt->cg_run[0] = '\0';
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
    .caps = PLAT_CAP_CGROUP,
    .priv_size = sizeof(struct native),
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
};
