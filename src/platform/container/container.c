/* container.c — the container platform: every server in its own OCI
 * container, started by crun or runc (option runtime) from a bundle
 * hostmix writes.
 *
 * Per container: a network namespace made first by a small holder
 * process (it unshares CLONE_NEWNET and waits; it dies with hostmix), a
 * veth pair with its end inside that namespace on the run's bridge
 * hmxb<pid> (its /17 of 198.18.0.0/15, platform/net.h), a bundle
 * (config.json) that points the runtime at /proc/HOLDER/ns/net, new pid, ipc, uts and mount
 * namespaces, and its own cgroup below the run's.  The root file system
 * is hostmix and its libraries, built once into the data cache and shared
 * read-only by every container (bundle.h); the server's data is a bind
 * mount at /data, read-only unless the server changes it (db, imap: the
 * run's working copy).
 *
 * The runtime runs in the foreground (`RUNTIME run --bundle DIR ID`) as
 * the server's process: it forwards SIGTERM to the server, exits with the
 * server's status (so reaping is native's), and gets SIGTERM if hostmix
 * dies.  A forced stop is `RUNTIME kill ID KILL`; `RUNTIME delete -f ID`
 * always follows the runtime's exit.  crun 1.8 refuses hybrid cgroup
 * hosts whose v2 hierarchy has controllers; there it runs in a private
 * mount namespace where an empty file hides the unified hierarchy's
 * cgroup.controllers (nothing changes for the rest of the host).
 *
 * CPU per container: the runtime puts the container in cgroupsPath
 * REL/hostmix-PID/NAME of every hierarchy; hostmix reads the cgroup v2
 * group's cpu.stat (pure v2 and hybrid hosts) or cpuacct (v1-only hosts).
 *
 * State of a run: /run/hostmix-ctr-PID (runtime state, bundles), the
 * bridge, the cgroups; a run killed outright leaves them, and the next
 * run of any platform deletes its containers and removes them (ctr_sweep
 * and platform/sweep.c). */
#include "platform/platform.h"
#include "platform/cgroup.h"
#include "platform/container/bundle.h"
#include "platform/net.h"
#include "platform/pcmd.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/spawn.h"
#include "core/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CTR_RUNDIR_FMT "/run/hostmix-ctr-%d"
#define CTR_MAX (NET_IDX_MAX + 1)       /* containers per run (one veth each) */

/* ---- options ([platform] with platform = container) ------------------- */

enum ctr_rt { CTR_AUTO, CTR_CRUN, CTR_RUNC };
static const char *const ctr_rt_names[] = { "auto", "crun", "runc", NULL };

struct ctr_opts {
    int runtime;                /* enum ctr_rt */
    int64_t start_timeout;      /* ns a container may take to answer */
};

#define CO(f) offsetof(struct ctr_opts, f)
static const struct opt_def ctr_opt_table[] = {
    { "runtime", OPT_ENUM, CO(runtime), 0, "auto", OPT_NO_RANGE, ctr_rt_names,
      OPT_SEC_ANY, "OCI runtime: crun or runc (auto: the first of them that is installed)" },
    { "start_timeout", OPT_DURATION, CO(start_timeout), 0, "30s", 1e9, 3600e9, NULL,
      OPT_SEC_ANY, "how long a container may take from start to its server answering" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* ---- state ----------------------------------------------------------------- */

enum ctr_acct { CTR_ACCT_V2, CTR_ACCT_V1, CTR_ACCT_PROC };

struct ctr {
    const struct ctr_opts *o;
    enum ctr_rt rt;
    char rt_path[512];          /* the runtime binary */
    char rt_version[96];        /* first line of its --version */
    struct ctr_cgmounts mnt;
    int hybrid;                 /* v1 hierarchies and a v2 one */
    int hide_controllers;       /* crun on hybrid with v2 controllers: the mount trick */
    char controllers[300];      /* the unified hierarchy's cgroup.controllers */
    enum ctr_acct acct;
    char acct_why[512];         /* why not cgroup v2 */
    char cg_base[512];          /* v2: the group hostmix runs in (absolute) */
    char cg_rel[512];           /* that group below its mount ("" for the root) */
    char cg_run[600];           /* v2: CG_BASE/hostmix-PID, or "" */
    char rundir[64], state[96], empty[96];
    struct buf rootfs;
    char bridge[16];
    int bridge_up;
    struct net_slot slot;       /* this run's addresses (net.h) */
    struct plat_server *srv[CTR_MAX];     /* every container started, for cleanup */
    int nsrv, nready;
    int64_t first_start_ns;     /* monotonic: the first start call */
};

struct ctr_srv {
    char id[64];                /* container id: hmx<PID>-set1-web */
    char veth[16];              /* host end */
    pid_t holder;               /* network namespace holder, 0 when gone */
    pid_t init;                 /* the container's PID 1 (host pid), 0 unknown */
    int created;                /* the runtime was started: delete it */
    char cg_v1[700];            /* v1 cpuacct group (CTR_ACCT_V1) */
};

static struct ctr *ctr_of(const struct plat *p) { return p->priv; }

/* ---- running the runtime --------------------------------------------------- */

/* Child hook: a private mount namespace in which the unified hierarchy's
 * cgroup.controllers reads empty (crun then accepts the hybrid host). */
static int ctr_hide_controllers(void *arg)
{
    const struct ctr *ct = arg;
    if (unshare(CLONE_NEWNS) != 0) return -1;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return -1;
    return mount(ct->empty, ct->controllers, NULL, MS_BIND, NULL);
}

/* The spawn set-up for running the runtime binary exe with argv. */
static struct spawn ctr_spawn_of(const struct ctr *ct, const char *exe, char *const *argv,
                                 const char *out)
{
    struct spawn sw = { .exe = exe, .argv = argv, .out = out, .own_pgrp = 1,
                        .pdeathsig = SIGTERM };
    if (ct->hide_controllers && strcmp(strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe,
                                       "crun") == 0) {
        sw.child_fn = ctr_hide_controllers;
        sw.child_arg = (void *)ct;
    }
    return sw;
}

/* Runs `EXE --root ROOT VERB [-f] ID [ARG]` to completion.  Returns its
 * exit status, or -1 if it could not run. */
static int ctr_rt_cmd(const struct ctr *ct, const char *exe, const char *root, const char *verb,
                      const char *id, const char *arg)
{
    struct strvec v = STRVEC_INIT;
    char why[256];
    strvec_push(&v, exe);
    strvec_push(&v, "--root");
    strvec_push(&v, root);
    strvec_push(&v, verb);
    if (strcmp(verb, "delete") == 0) strvec_push(&v, "-f");
    strvec_push(&v, id);
    if (arg) strvec_push(&v, arg);
    struct spawn sw = ctr_spawn_of(ct, exe, strvec_argv(&v), NULL);
    pid_t pid = spawn_start(&sw, why, sizeof why);
    strvec_clear(&v);
    int st = 0;
    if (pid < 0) return -1;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- probe ------------------------------------------------------------------- */

/* Whether runtime name is installed and answers --version (its first
 * line kept in ct->rt_version).  Returns 0 or -1. */
static int ctr_rt_try(struct ctr *ct, enum ctr_rt rt)
{
    if (fs_which(ctr_rt_names[rt], ct->rt_path, sizeof ct->rt_path)) return -1;
    char *argv[] = { ct->rt_path, "--version", NULL };
    struct buf out = BUF_INIT, why = BUF_INIT;
    int rc = pcmd_check(argv, NULL, &out, &why);
    if (rc == 0) {
        const char *t = buf_cstr(&out);
        snprintf(ct->rt_version, sizeof ct->rt_version, "%.*s", (int)strcspn(t, "\n"), t);
        ct->rt = rt;
    }
    buf_free(&out);
    buf_free(&why);
    return rc;
}

static int ctr_pick_runtime(struct ctr *ct, char *why, size_t n)
{
    enum ctr_rt want = (enum ctr_rt)ct->o->runtime;
    if (want != CTR_AUTO) {
        if (ctr_rt_try(ct, want) == 0) return 0;
        snprintf(why, n, "runtime = %s, but %s is not installed or does not run "
                 "(Debian: apt-get install %s)", ctr_rt_names[want], ctr_rt_names[want],
                 ctr_rt_names[want]);
        return -1;
    }
    if (ctr_rt_try(ct, CTR_CRUN) == 0 || ctr_rt_try(ct, CTR_RUNC) == 0) return 0;
    snprintf(why, n, "no OCI runtime: neither crun nor runc is installed "
             "(Debian: apt-get install crun)");
    return -1;
}

/* The group hostmix runs in, below the cgroup2 mount ("" for its root). */
static void ctr_cg_rel(struct ctr *ct)
{
    size_t ml = strlen(ct->mnt.v2);
    const char *rel = strncmp(ct->cg_base, ct->mnt.v2, ml) == 0 ? ct->cg_base + ml : "";
    snprintf(ct->cg_rel, sizeof ct->cg_rel, "%s", strcmp(rel, "/") == 0 ? "" : rel);
}

/* Reads the host's cgroup layout and chooses how CPU is accounted. */
static void ctr_probe_cgroups(struct plat *p, struct ctr *ct)
{
    char text[16384], ctl[256] = "";
    ssize_t len = meas_read(p->proc_root, "/proc/self/mounts", text, sizeof text);
    ctr_cg_mounts(len > 0 ? text : "", &ct->mnt);
    ct->hybrid = ct->mnt.v2[0] && ct->mnt.nv1 > 0;
    if (ct->mnt.v2[0]) {
        snprintf(ct->controllers, sizeof ct->controllers, "%s/cgroup.controllers", ct->mnt.v2);
        ssize_t k = meas_read(p->proc_root, ct->controllers, ctl, sizeof ctl);
        ct->hide_controllers = ct->hybrid && k > 0 && strspn(ctl, " \n") < (size_t)k;
    }
    if (meas_cg_detect(p->proc_root, ct->cg_base, sizeof ct->cg_base, ct->acct_why,
                       sizeof ct->acct_why) == 0) {
        ct->acct = CTR_ACCT_V2;
        ctr_cg_rel(ct);
    } else if (ct->mnt.cpuacct >= 0) {
        ct->acct = CTR_ACCT_V1;
        ct->cg_rel[0] = '\0';
    } else {
        ct->acct = CTR_ACCT_PROC;
    }
}

static int ctr_probe(struct plat *p, char *why, size_t n)
{
    struct ctr *ct = ctr_of(p);
    static const struct ctr_opts defaults_if_none = { .runtime = CTR_AUTO };
    ct->o = p->opt ? p->opt : &defaults_if_none;
    net_slot_init(&ct->slot, 0);            /* not held until prepare takes one */
    if (plat_probe_common(p, "namespaces, veths, a bridge", why, n)) return -1;
    if (ctr_pick_runtime(ct, why, n)) return -1;
    ctr_probe_cgroups(p, ct);
    if (!ct->mnt.v2[0] && !ct->mnt.nv1) {
        snprintf(why, n, "no cgroup file system is mounted here, and OCI runtimes need one "
                 "(`ip netns exec` mounts a fresh /sys: enter a network namespace with "
                 "`nsenter --net=/run/netns/NAME` instead)");
        return -1;
    }
    if (ct->o->start_timeout) p->ready_timeout_ns = ct->o->start_timeout;
    return 0;
}

static void ctr_addr(const struct plat *p, int set, int role, char *ip, size_t n)
{
    net_addr(&ctr_of((struct plat *)p)->slot, set, role, ip, n);
}

/* ---- prepare: sweep what dead runs left, then make this run's ---------- */

/* Deletes every container recorded in the runtime state directory root
 * (of a run that no longer exists) with runtime binary name. */
static void ctr_sweep_state(const struct ctr *ct, const char *root, const char *name)
{
    char exe[512];
    DIR *d = opendir(root);
    if (!d) return;
    if (fs_which(name, exe, sizeof exe)) {
        closedir(d);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            log_info("deleting container %s of a run that no longer exists", e->d_name);
            ctr_rt_cmd(ct, exe, root, "delete", e->d_name, NULL);
        }
    closedir(d);
}

/* Removes /run/NAME, the directory of a run that no longer exists,
 * deleting its containers first (crun's hidden controllers, where needed,
 * by that run's own empty file). */
static void ctr_sweep_one(const char *name, void *arg)
{
    struct ctr *ct = arg;
    char path[64], root[100];     /* name: hostmix-ctr-PID (fs_sweep_dead) */
    snprintf(path, sizeof path, "/run/%.50s", name);
    snprintf(ct->empty, sizeof ct->empty, "%s/empty", path);
    for (int rt = CTR_CRUN; rt <= CTR_RUNC; rt++) {
        snprintf(root, sizeof root, "%s/%s", path, ctr_rt_names[rt]);
        ctr_sweep_state(ct, root, ctr_rt_names[rt]);
    }
    log_info("removing %s of a run that no longer exists", path);
    fs_rmtree(path);
}

/* Removes the hostmix-PID groups of dead runs in every v1 hierarchy (the
 * runtimes make them; cg_run_create sweeps the v2 ones). */
static void ctr_sweep_v1(const struct ctr *ct)
{
    char dir[900];
    for (int i = 0; i < ct->mnt.nv1; i++) {
        snprintf(dir, sizeof dir, "%s%s", ct->mnt.v1[i], ct->cg_rel);
        cg_sweep_stale("", dir);
    }
}

/* The platform's sweep (plat_sweep_dead): the run directories, the
 * containers recorded there and the v1 groups of dead container runs. */
static void ctr_sweep(const char *proc_root)
{
    struct plat p = { .proc_root = proc_root };
    struct ctr *ct = calloc(1, sizeof *ct);
    if (!ct) abort();
    ctr_probe_cgroups(&p, ct);
    fs_sweep_dead("/run", "hostmix-ctr-", ctr_sweep_one, ct);
    ctr_sweep_v1(ct);
    free(ct);
}

/* This run's directory: runtime state, bundles, the empty file. */
static int ctr_rundir(struct ctr *ct, char *why, size_t n)
{
    snprintf(ct->rundir, sizeof ct->rundir, CTR_RUNDIR_FMT, (int)getpid());
    snprintf(ct->state, sizeof ct->state, "%s/%s", ct->rundir, ctr_rt_names[ct->rt]);
    snprintf(ct->empty, sizeof ct->empty, "%s/empty", ct->rundir);
    if (fs_mkdir_private(ct->rundir, why, n)) {
        ct->rundir[0] = '\0';          /* not ours: teardown leaves it alone */
        return -1;
    }
    int fd = -1;
    if (mkdir(ct->state, 0700) == 0)
        fd = open(ct->empty, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0) {
        snprintf(why, n, "cannot create %s: %s", ct->rundir, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

static int ctr_prepare(struct plat *p, char *why, size_t n)
{
    struct ctr *ct = ctr_of(p);
    if (ctr_rundir(ct, why, n)) return -1;
    if (ct->acct == CTR_ACCT_V2 && cg_run_create(p->proc_root, ct->cg_base, ct->cg_run,
                                                 sizeof ct->cg_run, ct->acct_why,
                                                 sizeof ct->acct_why))
        ct->acct = ct->mnt.cpuacct >= 0 ? CTR_ACCT_V1 : CTR_ACCT_PROC;
    struct buf w = BUF_INIT;
    int rc = ctr_rootfs(p->cache_dir ? p->cache_dir : HOSTMIX_DATA_DIR, p->self_exe,
                        &ct->rootfs, &w);
    if (rc) snprintf(why, n, "container root file system: %s", buf_cstr(&w));
    buf_free(&w);
    if (rc) return -1;
    net_name(ct->bridge, sizeof ct->bridge, NET_BRIDGE, getpid(), 0);
    if (net_slot_take(&ct->slot, why, n) || net_bridge_create(ct->bridge, ct->slot.cidr, why, n))
        return -1;
    ct->bridge_up = 1;
    log_info("container: %s, cgroups %s, rootfs %s, bridge %s", ct->rt_version,
             ct->hybrid ? "hybrid" : ct->mnt.v2[0] ? "v2" : "v1", buf_cstr(&ct->rootfs),
             ct->bridge);
    return 0;
}

/* ---- start ------------------------------------------------------------------- */

/* Starts a process that owns a new network namespace and waits for
 * SIGKILL (it dies with hostmix).  Returns its pid, or -1 with why. */
static pid_t ctr_holder_start(char *why, size_t n)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        snprintf(why, n, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setpgid(0, 0);
        char ok = unshare(CLONE_NEWNET) == 0 ? 'y' : 'n';
        if (write(pfd[1], &ok, 1) != 1) _exit(1);
        syscall(SYS_close_range, 0U, ~0U, 0U);
        for (;;) pause();
    }
    close(pfd[1]);
    char c = 0;
    while (pid > 0 && read(pfd[0], &c, 1) < 0 && errno == EINTR) {}
    close(pfd[0]);
    if (pid > 0 && c == 'y') return pid;
    snprintf(why, n, "cannot create a network namespace: %s",
             pid < 0 ? strerror(errno) : "unshare(CLONE_NEWNET) failed");
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    return -1;
}

/* The container's namespace, with its veth on the bridge. */
static int ctr_net(struct ctr *ct, struct plat_server *s, struct ctr_srv *cs, char *why,
                   size_t n)
{
    char cidr[64];
    if ((cs->holder = ctr_holder_start(why, n)) < 0) {
        cs->holder = 0;
        return -1;
    }
    net_name(cs->veth, sizeof cs->veth, NET_VETH, getpid(), ct->nsrv);
    snprintf(cidr, sizeof cidr, "%s/%d", s->spec->ip, NET_PREFIXLEN);
    if (net_veth_create(cs->veth, "eth0", ct->bridge, cs->holder, cidr, ct->slot.gw, why, n)) {
        cs->veth[0] = '\0';
        return -1;
    }
    return 0;
}

/* The container's cgroup: created here (v2) so that it can be read from
 * the first sample; cgroupsPath names the same place for the runtime. */
static int ctr_cgroup(struct plat *p, struct ctr *ct, struct plat_server *s, struct ctr_srv *cs,
                      struct buf *cgpath, char *why, size_t n)
{
    buf_printf(cgpath, "%s/hostmix-%d/%s", ct->cg_rel, (int)getpid(), s->spec->name);
    if (ct->acct == CTR_ACCT_V2)
        return cg_child_create(p->proc_root, ct->cg_run, s->spec->name, s->cgroup,
                               sizeof s->cgroup, why, n);
    if (ct->acct == CTR_ACCT_V1)
        snprintf(cs->cg_v1, sizeof cs->cg_v1, "%s%s", ct->mnt.v1[ct->mnt.cpuacct],
                 buf_cstr(cgpath));
    return 0;
}

/* Writes BUNDLE/config.json for s into the bundle directory dir. */
static int ctr_bundle(struct ctr *ct, struct plat_server *s, struct ctr_srv *cs,
                      const char *cgpath, struct buf *dir, char *why, size_t n)
{
    const struct server_spec *sp = s->spec;
    struct strvec argv = STRVEC_INIT;
    struct buf json = BUF_INIT, path = BUF_INIT;
    char netns[64];
    snprintf(netns, sizeof netns, "/proc/%d/ns/net", (int)cs->holder);
    plat_serve_argv(sp, sp->data ? CTR_DATA : NULL, &argv);
    struct ctr_config c = { .rootfs = buf_cstr(&ct->rootfs), .argv = strvec_argv(&argv),
                            .hostname = sp->name, .netns = netns,
                            .cgroups_path = ct->acct == CTR_ACCT_PROC ? NULL : cgpath,
                            .data = sp->data, .data_rw = sp->data_rw };
    ctr_config_json(&c, &json);
    buf_printf(dir, "%s/bundle-%s", ct->rundir, sp->name);
    buf_printf(&path, "%s/config.json", buf_cstr(dir));
    int rc = fs_mkdirs(buf_cstr(dir)) ? -1
             : fs_write_atomic(buf_cstr(&path), buf_head(&json), buf_used(&json));
    if (rc) snprintf(why, n, "cannot write %s: %s", buf_cstr(&path), strerror(errno));
    strvec_clear(&argv);
    buf_free(&json);
    buf_free(&path);
    return rc;
}

/* Starts the runtime in the foreground on bundle dir. */
static int ctr_run(struct ctr *ct, struct plat_server *s, struct ctr_srv *cs, const char *dir,
                   char *why, size_t n)
{
    struct strvec v = STRVEC_INIT;
    strvec_push(&v, ct->rt_path);
    strvec_push(&v, "--root");
    strvec_push(&v, ct->state);
    strvec_push(&v, "run");
    strvec_push(&v, "--bundle");
    strvec_push(&v, dir);
    strvec_push(&v, cs->id);
    struct spawn sw = ctr_spawn_of(ct, ct->rt_path, strvec_argv(&v), s->spec->log);
    pid_t pid = spawn_start(&sw, why, n);
    strvec_clear(&v);
    if (pid < 0) return -1;
    s->pid = pid;
    cs->created = 1;
    return 0;
}

static void ctr_finish(struct plat *p, struct plat_server *s);

static int ctr_start(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct ctr *ct = ctr_of(p);
    struct ctr_srv *cs = s->priv;
    if (ct->nsrv >= CTR_MAX) {
        snprintf(why, n, "more than %d containers in one run", CTR_MAX);
        return -1;
    }
    ct->srv[ct->nsrv] = s;
    if (!ct->nsrv) ct->first_start_ns = clock_mono_ns();
    snprintf(cs->id, sizeof cs->id, "hmx%d-%s", (int)getpid(), s->spec->name);
    s->exited = s->stopping = 0;
    memset(&s->cpu, 0, sizeof s->cpu);
    struct buf cgpath = BUF_INIT, dir = BUF_INIT;
    int rc = ctr_net(ct, s, cs, why, n);
    ct->nsrv++;
    if (rc == 0) rc = ctr_cgroup(p, ct, s, cs, &cgpath, why, n);
    if (rc == 0) rc = ctr_bundle(ct, s, cs, buf_cstr(&cgpath), &dir, why, n);
    if (rc == 0) rc = ctr_run(ct, s, cs, buf_cstr(&dir), why, n);
    if (rc) ctr_finish(p, s);
    buf_free(&cgpath);
    buf_free(&dir);
    return rc;
}

/* ---- ready, reap, stop ------------------------------------------------------ */

/* The container's PID 1: the runtime's child (any of its threads'). */
static pid_t ctr_find_init(pid_t rt)
{
    char path[64], text[256];
    snprintf(path, sizeof path, "/proc/%d/task", (int)rt);
    DIR *d = opendir(path);
    if (!d) return 0;
    pid_t found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char f[400];
        snprintf(f, sizeof f, "%s/%s/children", path, e->d_name);
        ssize_t k = meas_read("", f, text, sizeof text);
        if (k > 0) found = (pid_t)atoi(text);
    }
    closedir(d);
    return found;
}

/* After the runtime exited (or failed to start): delete the container,
 * kill whatever is left in its cgroup, remove its veth and namespace. */
static void ctr_finish(struct plat *p, struct plat_server *s)
{
    struct ctr *ct = ctr_of(p);
    struct ctr_srv *cs = s->priv;
    if (cs->created) ctr_rt_cmd(ct, ct->rt_path, ct->state, "delete", cs->id, NULL);
    cs->created = 0;
    if (s->cgroup[0]) cg_kill(p->proc_root, s->cgroup);
    if (cs->veth[0] && net_link_del(cs->veth) && errno != ENODEV)
        log_warn("cannot remove %s: %s", cs->veth, strerror(errno));
    cs->veth[0] = '\0';
    if (cs->holder > 0) {
        kill(cs->holder, SIGKILL);
        while (waitpid(cs->holder, NULL, 0) < 0 && errno == EINTR) {}
    }
    cs->holder = 0;
}

static int ctr_reap(struct plat *p, struct plat_server *s)
{
    if (!s->pid || s->exited) return 1;
    if (!plat_reap_pid(s->pid, &s->status)) return 0;
    s->exited = 1;
    ctr_finish(p, s);
    return 1;
}

static int ctr_ready(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct ctr_srv *cs = s->priv;
    if (ctr_reap(p, s)) {
        char st[96];
        plat_status_text(s->status, st, sizeof st);
        snprintf(why, n, "%s: the container runtime %s before the server answered (see %s)",
                 s->spec->name, st, s->spec->log);
        return -1;
    }
    if (!plat_tcp_answers(s->spec->ip, s->spec->port)) return 0;
    struct ctr *ct = ctr_of(p);
    int64_t now = clock_mono_ns();
    cs->init = ctr_find_init(s->pid);
    log_info("%s: container %s answered %.0f ms after start (init pid %d)", s->spec->name,
             cs->id, (double)(now - s->started_ns) / 1e6, (int)cs->init);
    if (++ct->nready == ct->nsrv)
        log_info("containers: all %d ready %.0f ms after the first start", ct->nready,
                 (double)(now - ct->first_start_ns) / 1e6);
    return 1;
}

static void ctr_stop(struct plat *p, struct plat_server *s, int force)
{
    struct ctr *ct = ctr_of(p);
    struct ctr_srv *cs = s->priv;
    if (!s->pid || s->exited) return;
    if (!force) {
        kill(s->pid, SIGTERM);      /* the runtime passes it to the server */
        return;
    }
    ctr_rt_cmd(ct, ct->rt_path, ct->state, "kill", cs->id, "KILL");
    pid_t init = ctr_find_init(s->pid);
    if (init > 0) kill(init, SIGKILL);
}

/* ---- cpu ------------------------------------------------------------------------ */

/* v1: cpuacct.usage (ns) and cpuacct.stat (user and system, in ticks). */
static int ctr_cpu_v1(const struct ctr_srv *cs, struct plat_cpu *c)
{
    char path[800], text[512];
    snprintf(path, sizeof path, "%s/cpuacct.usage", cs->cg_v1);
    if (meas_read("", path, text, sizeof text) <= 0) return -1;
    c->total_ns = strtoull(text, NULL, 10);
    snprintf(path, sizeof path, "%s/cpuacct.stat", cs->cg_v1);
    unsigned long long u = 0, sy = 0;
    if (meas_read("", path, text, sizeof text) <= 0 ||
        sscanf(text, "user %llu system %llu", &u, &sy) != 2)
        return -1;
    uint64_t tick = (uint64_t)(1000000000LL / meas_hz());
    c->part_ns[PLAT_CPU_USER] = u * tick;
    c->part_ns[PLAT_CPU_SYSTEM] = sy * tick;
    return 0;
}

static int ctr_cpu(struct plat *p, struct plat_server *s)
{
    struct ctr *ct = ctr_of(p);
    struct ctr_srv *cs = s->priv;
    if (!s->pid || s->exited) return 0;     /* keep the last reading */
    if (ct->acct == CTR_ACCT_V2 && s->cgroup[0]) {
        struct meas_cg c;
        if (meas_cg_read(p->proc_root, s->cgroup, &c)) return -1;
        s->cpu.total_ns = c.usage_usec * 1000;
        s->cpu.part_ns[PLAT_CPU_USER] = c.user_usec * 1000;
        s->cpu.part_ns[PLAT_CPU_SYSTEM] = c.system_usec * 1000;
    } else if (ct->acct == CTR_ACCT_V1) {
        if (ctr_cpu_v1(cs, &s->cpu)) return -1;
    } else {
        uint64_t u, st, tick = (uint64_t)(1000000000LL / meas_hz());
        if (!cs->init && !(cs->init = ctr_find_init(s->pid))) return -1;
        if (meas_pid_cpu(p->proc_root, cs->init, &u, &st)) return -1;
        s->cpu.total_ns = (u + st) * tick;
        s->cpu.part_ns[PLAT_CPU_USER] = u * tick;
        s->cpu.part_ns[PLAT_CPU_SYSTEM] = st * tick;
    }
    s->cpu.have = 1u << PLAT_CPU_USER | 1u << PLAT_CPU_SYSTEM;
    return 0;
}

/* ---- cleanup, describe ------------------------------------------------------ */

static void ctr_cleanup(struct plat *p)
{
    struct ctr *ct = ctr_of(p);
    char dir[900];
    for (int i = 0; i < ct->nsrv; i++) ctr_finish(p, ct->srv[i]);
    ct->nsrv = 0;
    if (ct->bridge_up && net_link_del(ct->bridge) && errno != ENODEV)
        log_warn("cannot remove bridge %s: %s", ct->bridge, strerror(errno));
    ct->bridge_up = 0;
    net_slot_release(&ct->slot);
    if (ct->cg_run[0]) cg_remove_tree(p->proc_root, ct->cg_run);
    ct->cg_run[0] = '\0';
    for (int i = 0; ct->rundir[0] && i < ct->mnt.nv1; i++) {
        snprintf(dir, sizeof dir, "%s%s/hostmix-%d", ct->mnt.v1[i], ct->cg_rel, (int)getpid());
        if (access(dir, F_OK) == 0) cg_remove_tree("", dir);
    }
    if (ct->rundir[0] && fs_rmtree(ct->rundir))
        log_warn("cannot remove %s: %s", ct->rundir, strerror(errno));
    ct->rundir[0] = '\0';
    buf_free(&ct->rootfs);
}

/* The platform's facts for the reports: runtime, cgroups, isolation. */
static void ctr_facts(const struct ctr *ct, char *dst, size_t n)
{
    snprintf(dst, n, "container: runtime %s%s; cgroups %s; own network (veth on a bridge), "
             "pid, mount, ipc and uts namespaces; read-only root of hostmix and its libraries",
             ct->rt_version,
             ct->hide_controllers && ct->rt == CTR_CRUN
                 ? " (in a private mount namespace hiding the unified hierarchy's controllers)"
                 : "",
             ct->hybrid ? "hybrid (v1 controllers, v2 unified)" : ct->mnt.v2[0] ? "v2" : "v1");
}

static void ctr_describe(const struct plat *p, struct plat_acct *a)
{
    const struct ctr *ct = ctr_of(p);
    static const char *const method[] = { "cgroup", "cgroup-v1", "proc" };
    memset(a, 0, sizeof *a);
    snprintf(a->method, sizeof a->method, "%s", method[ct->acct]);
    if (ct->acct == CTR_ACCT_V2) {
        snprintf(a->base, sizeof a->base, "%s", ct->cg_base);
        snprintf(a->text, sizeof a->text, "server CPU: cgroup v2 cpu.stat of each container's "
                 "group below %s/hostmix-PID", ct->cg_base);
    } else {
        snprintf(a->why, sizeof a->why, "%s", ct->acct_why);
        snprintf(a->text, sizeof a->text, "server CPU: %s (no cgroup v2: %s)",
                 ct->acct == CTR_ACCT_V1 ? "cgroup v1 cpuacct of each container's group"
                                         : "/proc/PID/stat of each container's PID 1",
                 ct->acct_why);
    }
    ctr_facts(ct, a->facts, sizeof a->facts);
}

const struct platform_ops plat_container_ops = {
    .name = "container",
    .caps = PLAT_CAP_OWN_NET | PLAT_CAP_CGROUP | PLAT_CAP_ROOT,
    .priv_size = sizeof(struct ctr),
    .server_priv_size = sizeof(struct ctr_srv),
    .opts = ctr_opt_table,
    .opt_size = sizeof(struct ctr_opts),
    .ready_timeout_ns = 30 * CLOCK_NS_PER_S,
    .probe = ctr_probe,
    .addr = ctr_addr,
    .prepare = ctr_prepare,
    .start = ctr_start,
    .ready = ctr_ready,
    .cpu = ctr_cpu,
    .reap = ctr_reap,
    .stop = ctr_stop,
    .cleanup = ctr_cleanup,
    .describe = ctr_describe,
    .sweep = ctr_sweep,
};
