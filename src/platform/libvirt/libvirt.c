/* libvirt.c — the libvirt platform: every server in its own transient
 * libvirt domain, through the libvirt C API (never virsh's output).
 *
 * A guest is the vm platform's q35 guest: the same kernel, initramfs and
 * command line (vm/image.h, guest/gcfg.h), the same ext4 data images and
 * qcow2 overlays, the same agent (vm/agent.h) — only who starts QEMU
 * differs: libvirtd, with its own cgroups, daemons and device defaults.
 * The domain type is kvm only where hostmix's own KVM probe says stock
 * guests run (libvirt offers kvm whenever /dev/kvm exists, PVM's
 * included), else qemu (TCG).
 *
 * Per run: one connection to a local libvirtd (option uri; remote URIs
 * are refused: host busy and the daemons' CPU are read on this host), a
 * bridge hmxb<pid> (net.h) that the domains' <interface type='bridge'>
 * join (libvirt makes and removes the taps), and a directory
 * /run/hostmix-libvirt-<pid>/ (0700) for the agent sockets and overlays;
 * QEMU reads it because each domain carries a DAC seclabel of hostmix's
 * own uid:gid (domain.h).  Each domain, hmx<pid>-set1-web, is created
 * with VIR_DOMAIN_START_AUTODESTROY: libvirtd destroys it when this
 * connection closes, so a killed hostmix leaves no guest running; the
 * next run's sweep destroys any hmx<deadpid>-* domain still listed and
 * removes the dead run's directory and bridge.
 *
 * CPU per guest: virConnectGetAllDomainStats (stats.h): cpu.time as the
 * total, cpu.user/system, the vCPUs' time, emulator time (the rest), the
 * vCPUs' run delay, and the busy time the guest reports over the agent.
 * libvirtd's and virtlogd's own CPU over the run (their pid files, their
 * /proc/PID/stat) is reported as the platform's management consumer. */
#include "platform/platform.h"
#include "platform/net.h"
#include "platform/libvirt/domain.h"
#include "platform/libvirt/lvapi.h"
#include "platform/libvirt/stats.h"
#include "platform/vm/agent.h"
#include "platform/vm/image.h"
#include "platform/vm/probe.h"
#include "platform/vm/qemu.h"
#include "guest/gcfg.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LV_RUNDIR_FMT "/run/hostmix-libvirt-%d"
#define LV_DOM_PREFIX "hmx"
#define LV_QEMU_PIDDIR "/run/libvirt/qemu"       /* libvirt's qemu driver's pid files */
#define LV_QEMU_LOGDIR "/var/log/libvirt/qemu"   /* its per-domain QEMU logs */
#define LV_STATS_FRESH_NS (100 * CLOCK_NS_PER_MS)

/* ---- options ([platform] with platform = libvirt) ---------------------- */

static const char *const lv_type_names[] = { "auto", "kvm", "qemu", NULL };
static const char *const lv_aio_names[] = { "threads", "native", "io_uring", NULL };

struct lv_opts {
    char uri[256];
    int type;                   /* 0 auto, 1 kvm, 2 qemu */
    int aio;
    char kernel[256], modules[256];
    int64_t boot_timeout;
};

#define LO(f) offsetof(struct lv_opts, f)
#define SP OPT_SEC_ANY
static const struct opt_def lv_opt_table[] = {
    { "uri", OPT_STR, LO(uri), 256, "qemu:///system", OPT_NO_RANGE, NULL, SP,
      "libvirt connection URI: a local libvirtd (remote URIs are refused)" },
    { "domain_type", OPT_ENUM, LO(type), 0, "auto", OPT_NO_RANGE, lv_type_names, SP,
      "domain type: kvm where /dev/kvm runs stock guests (hostmix's own probe), else qemu "
      "(TCG)" },
    { "aio", OPT_ENUM, LO(aio), 0, "threads", OPT_NO_RANGE, lv_aio_names, SP,
      "disk I/O of virtio-blk (cache='none'): QEMU's thread pool, Linux AIO or io_uring" },
    { "kernel", OPT_STR, LO(kernel), 256, "", OPT_NO_RANGE, NULL, SP,
      "guest kernel image (default: Debian's linux-image-cloud-amd64, fetched once)" },
    { "modules", OPT_STR, LO(modules), 256, "", OPT_NO_RANGE, NULL, SP,
      "the modules directory of that kernel (lib/modules/VERSION)" },
    { "boot_timeout", OPT_DURATION, LO(boot_timeout), 0, "180s", 1e9, 3600e9, NULL, SP,
      "how long a guest may take from start to its server answering" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* ---- state ------------------------------------------------------------- */

/* libvirtd's and virtlogd's CPU, in ns, at prepare and at the last read. */
struct lv_daemon {
    const char *name, *pidfile;
    pid_t pid;
    uint64_t first_ns, last_ns;
    int have;
};

struct lv {
    const struct lv_opts *o;
    virConnectPtr conn;
    int kvm;                    /* domain type kvm, else qemu */
    char type_why[320];
    char libvirt_ver[32];
    struct vmimg_kernel kernel;
    struct buf initrd;
    char kver[64];
    struct vm_timing timing;
    char rundir[64];
    char bridge[16];
    int bridge_up;
    struct net_slot slot;
    struct lv_daemon dmn[2];
    int64_t dmn_first_t, dmn_last_t;
    virDomainStatsRecordPtr *recs;  /* the last stats of every active domain */
    int nrecs;
    int64_t stats_t;            /* when they were fetched */
};

struct lv_srv {
    char dname[64];             /* hmx<pid>-set1-web */
    virDomainPtr dom;
    struct buf disk, agent_path, console;
    struct vm_agent_chan agent; /* the guest agent's channel (fd -1: down) */
};

static struct lv *lv_of(const struct plat *p) { return p->priv; }

/* The loaded API (lvapi.h): set by probe, sweep and preflight before any
 * other call. */
static const struct lv_api *api;

static const char *lv_err(void)
{
    const char *m = api->GetLastErrorMessage();
    return m ? m : "unknown libvirt error";
}

/* ---- probe ------------------------------------------------------------- */

/* Refuses URIs of another host: "driver[+transport]://[host]/path";
 * local means no host and no transport but unix. */
static int lv_uri_local(const char *uri, char *why, size_t n)
{
    const char *sep = strstr(uri, "://");
    const char *plus = strchr(uri, '+');
    if (!sep || sep == uri) {
        snprintf(why, n, "uri '%s' is not a libvirt URI (driver:///path, e.g. qemu:///system)",
                 uri);
        return -1;
    }
    int transport = plus && plus < sep && strncmp(plus, "+unix://", 8) != 0;
    if (sep[3] != '/' || transport) {
        snprintf(why, n, "uri '%s' names a remote host: host busy and the daemons' CPU are "
                 "read on this host, so the libvirt platform takes a local URI only (remote "
                 "hosts wait for multi-host agents)", uri);
        return -1;
    }
    return 0;
}

static int lv_pick_type(struct lv *v, const char *root, char *why, size_t n)
{
    char kwhy[200] = "";
    int kvm = vm_kvm_usable(root, kwhy, sizeof kwhy);
    if (v->o->type == 1 && !kvm) {
        snprintf(why, n, "domain_type = kvm, but %s", kwhy);
        return -1;
    }
    v->kvm = v->o->type != 2 && kvm;
    if (v->kvm) snprintf(v->type_why, sizeof v->type_why, "kvm (hardware virtualization)");
    else snprintf(v->type_why, sizeof v->type_why, "qemu: guest time is TCG emulation, not "
                  "hardware virtualization (%s)", v->o->type == 2 ? "domain_type = qemu" : kwhy);
    return 0;
}

/* Opens the connection to the job's URI.  Returns it, or NULL (why). */
static virConnectPtr lv_connect(const char *uri, char *why, size_t n)
{
    virConnectPtr c = api->ConnectOpen(uri);
    if (c) return c;
    struct buf w = BUF_INIT;
    buf_printf(&w, "cannot connect to libvirt at %s: %s (is libvirtd running?)", uri, lv_err());
    snprintf(why, n, "%s", buf_cstr(&w));
    buf_free(&w);
    return NULL;
}

static int lv_probe(struct plat *p, char *why, size_t n)
{
    struct lv *v = lv_of(p);
    static const struct lv_opts defaults_if_none = { .uri = "qemu:///system" };
    v->o = p->opt ? p->opt : &defaults_if_none;
    net_slot_init(&v->slot, 0);
    if (plat_probe_common(p, "bridge and libvirt's system daemon", why, n)) return -1;
    if (!(api = lv_api_load(why, n))) return -1;
    if (lv_uri_local(v->o->uri, why, n) || lv_pick_type(v, p->proc_root, why, n)) return -1;
    virConnectPtr c = lv_connect(v->o->uri, why, n);
    if (!c) return -1;
    unsigned long ver = 0;
    if (api->ConnectGetLibVersion(c, &ver) == 0)
        snprintf(v->libvirt_ver, sizeof v->libvirt_ver, "%lu.%lu.%lu", ver / 1000000,
                 ver / 1000 % 1000, ver % 1000);
    api->ConnectClose(c);
    p->ready_timeout_ns = v->o->boot_timeout ? v->o->boot_timeout : 180 * CLOCK_NS_PER_S;
    return 0;
}

static void lv_addr(const struct plat *p, int set, int role, char *ip, size_t n)
{
    net_addr(&lv_of((struct plat *)p)->slot, set, role, ip, n);
}

/* ---- the daemons' CPU -------------------------------------------------- */

/* The CPU of the process named in pidfile so far, in ns.  Returns 0 or -1. */
static int lv_daemon_read(const char *root, struct lv_daemon *d, uint64_t *ns)
{
    uint64_t u, s;
    if (!d->pid) {
        struct buf text = BUF_INIT;
        if (meas_read_buf(root, d->pidfile, &text) > 0) d->pid = (pid_t)atoi(buf_cstr(&text));
        buf_free(&text);
        if (!d->pid) return -1;
    }
    if (d->pid <= 0 || meas_pid_cpu(root, d->pid, &u, &s)) return -1;
    *ns = (u + s) * (uint64_t)(1000000000LL / meas_hz());
    return 0;
}

/* Reads both daemons: the first reading at prepare, the last at every
 * later call. */
static void lv_daemons_read(struct plat *p, int first)
{
    struct lv *v = lv_of(p);
    uint64_t ns;
    for (int i = 0; i < 2; i++) {
        struct lv_daemon *d = &v->dmn[i];
        if (lv_daemon_read(p->proc_root, d, &ns)) continue;
        if (first) d->first_ns = ns, d->have = 1;
        d->last_ns = ns;
    }
    if (first) v->dmn_first_t = clock_mono_ns();
    v->dmn_last_t = clock_mono_ns();
}

/* ---- prepare ----------------------------------------------------------- */

static int lv_images(struct plat *p, struct lv *v, char *why, size_t n)
{
    struct buf w = BUF_INIT;
    int rc = v->o->kernel[0] ? vmimg_kernel_user(v->o->kernel, v->o->modules, &v->kernel, &w)
                             : vmimg_kernel_debian(p->cache_dir, &v->kernel, &w);
    if (rc == 0)
        rc = vmimg_initramfs(p->cache_dir, p->self_exe, &v->kernel, VM_MACHINE_Q35, &v->initrd,
                             &w);
    if (rc) snprintf(why, n, "guest image: %s", buf_cstr(&w));
    snprintf(v->kver, sizeof v->kver, "%s", buf_head(&v->kernel.version));
    buf_free(&w);
    const char *from;
    unsigned long khz = vmimg_host_tsc_khz(p->proc_root, &from);
    v->timing = vm_guest_timing(v->kvm ? VM_ACCEL_KVM : VM_ACCEL_TCG, khz, v->kernel.hz);
    return rc;
}

static int lv_prepare(struct plat *p, char *why, size_t n)
{
    struct lv *v = lv_of(p);
    v->dmn[0] = (struct lv_daemon){ .name = "libvirtd", .pidfile = "/run/libvirtd.pid" };
    v->dmn[1] = (struct lv_daemon){ .name = "virtlogd", .pidfile = "/run/virtlogd.pid" };
    snprintf(v->rundir, sizeof v->rundir, LV_RUNDIR_FMT, (int)getpid());
    if (fs_mkdir_private(v->rundir, why, n)) {
        v->rundir[0] = '\0';
        return -1;
    }
    if (!(v->conn = lv_connect(v->o->uri, why, n))) return -1;
    lv_daemons_read(p, 1);
    if (lv_images(p, v, why, n)) return -1;
    net_name(v->bridge, sizeof v->bridge, NET_BRIDGE, getpid(), 0);
    if (net_slot_take(&v->slot, why, n) || net_bridge_create(v->bridge, v->slot.cidr, why, n))
        return -1;
    v->bridge_up = 1;
    log_info("libvirt: %s at %s, kernel %s, bridge %s", v->kvm ? "kvm" : "qemu", v->o->uri,
             v->kver, v->bridge);
    return 0;
}

/* The data disk: the cached ext4 image, or a qcow2 overlay of it in the
 * run directory for a server that changes its data. */
static int lv_place(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct lv *v = lv_of(p);
    struct lv_srv *ls = s->priv;
    const struct server_spec *sp = s->spec;
    ls->agent.fd = -1;
    snprintf(ls->dname, sizeof ls->dname, LV_DOM_PREFIX "%d-%s", (int)getpid(), sp->name);
    buf_printf(&ls->agent_path, "%s/%s.agent", v->rundir, sp->name);
    ls->agent.path = buf_cstr(&ls->agent_path);     /* the buf is not changed again */
    buf_printf(&ls->console, "%s.console", sp->log);
    unlink(buf_cstr(&ls->console));
    if (!sp->data_cached) return 0;
    struct buf w = BUF_INIT;
    int rc = vmimg_server_disk(p->cache_dir, sp->data_cached, sp->data_key, sp->data_rw,
                               v->rundir, sp->name, &ls->disk, &w);
    if (rc) snprintf(why, n, "%s", buf_cstr(&w));
    buf_free(&w);
    return rc;
}

/* ---- start ------------------------------------------------------------- */

static int lv_cmdline(const struct lv *v, const struct lv_srv *ls, const struct server_spec *sp,
                      struct buf *out, char *why, size_t n)
{
    struct strvec argv = STRVEC_INIT;
    struct buf w = BUF_INIT;
    int disk = buf_used(&ls->disk) > 0;
    plat_serve_argv(sp, disk ? "/data" : NULL, &argv);
    struct gcfg g = { .argv = argv.v + 1, .argc = argv.n - 1, .ip = (char *)sp->ip,
                      .prefix = NET_PREFIXLEN, .gw = (char *)v->slot.gw,
                      .disk = disk ? "vda" : NULL, .disk_rw = sp->data_rw };
    int rc = gcfg_cmdline(&g, v->timing.tsc_khz, v->timing.lpj, out, &w);
    if (rc) snprintf(why, n, "kernel command line: %s", buf_cstr(&w));
    strvec_clear(&argv);
    buf_free(&w);
    return rc;
}

static int lv_xml(const struct lv *v, struct lv_srv *ls, const struct server_spec *sp,
                  const char *cmdline, struct buf *xml, char *why, size_t n)
{
    const struct numstr mac = vm_mac(sp->set, sp->role);
    int disk = buf_used(&ls->disk) > 0;
    struct lv_dom_cfg c = {
        .type = v->kvm ? "kvm" : "qemu", .name = ls->dname, .vcpus = (int)sp->vcpus,
        .mem_bytes = (uint64_t)sp->memory, .kernel = buf_head(&v->kernel.vmlinuz),
        .initrd = buf_head(&v->initrd), .cmdline = cmdline,
        .disk = disk ? buf_cstr(&ls->disk) : NULL, .disk_qcow2 = sp->data_rw,
        .disk_ro = !sp->data_rw, .aio = lv_aio_names[v->o->aio], .bridge = v->bridge,
        .mac = mac.s, .agent_path = buf_cstr(&ls->agent_path),
        .console_log = buf_cstr(&ls->console), .uid = geteuid(), .gid = getegid(),
    };
    struct buf w = BUF_INIT;
    int rc = lv_domain_xml(&c, xml, &w);
    if (rc) snprintf(why, n, "%s: %s", sp->name, buf_cstr(&w));
    buf_free(&w);
    return rc;
}

/* QEMU's pid from the qemu driver's pid file (the API does not give it):
 * for the reports and the collectors; 0 if unreadable. */
static pid_t lv_qemu_pid(const char *root, const char *dname)
{
    char *path = strfmt(LV_QEMU_PIDDIR "/%s.pid", dname);
    struct buf text = BUF_INIT;
    pid_t pid = meas_read_buf(root, path, &text) > 0 ? (pid_t)atoi(buf_cstr(&text)) : 0;
    buf_free(&text);
    free(path);
    return pid;
}

static int lv_start(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct lv *v = lv_of(p);
    struct lv_srv *ls = s->priv;
    struct buf cmdline = BUF_INIT, xml = BUF_INIT;
    int rc = lv_cmdline(v, ls, s->spec, &cmdline, why, n);
    if (rc == 0) rc = lv_xml(v, ls, s->spec, buf_cstr(&cmdline), &xml, why, n);
    if (rc == 0) {
        ls->dom = api->DomainCreateXML(v->conn, buf_cstr(&xml), VIR_DOMAIN_START_AUTODESTROY);
        if (!ls->dom) {
            snprintf(why, n, "%s: libvirt cannot start domain %s: %s", s->spec->name,
                     ls->dname, lv_err());
            rc = -1;
        }
    }
    if (rc == 0 && (s->pid = lv_qemu_pid(p->proc_root, ls->dname)) <= 0) {
        snprintf(why, n, "%s: no QEMU pid in " LV_QEMU_PIDDIR "/%s.pid", s->spec->name,
                 ls->dname);
        s->pid = 0;
        api->DomainDestroy(ls->dom);
        rc = -1;
    }
    buf_free(&cmdline);
    buf_free(&xml);
    return rc;
}

/* ---- ready, reap, stop ------------------------------------------------- */

static void lv_srv_close(struct lv_srv *ls)
{
    if (ls->agent.fd >= 0) close(ls->agent.fd);
    ls->agent.fd = -1;
    ls->agent.path = NULL;          /* the guest is gone: no reconnecting */
}

/* 1 once the domain has ended (a transient domain vanishes then). */
static int lv_reap(struct plat *p, struct plat_server *s)
{
    (void)p;
    struct lv_srv *ls = s->priv;
    if (!s->pid || s->exited) return 1;
    if (ls->dom && api->DomainIsActive(ls->dom) == 1) return 0;
    s->exited = 1;
    /* libvirt keeps no exit status of a transient domain: a stop asked
     * for is a clean end, any other end is reported as a failure */
    s->status = s->stopping ? 0 : 1 << 8;
    if (!s->stopping) plat_note(s, "domain %s ended on its own", ls->dname);
    lv_srv_close(ls);
    return 1;
}

static int lv_ready(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct lv_srv *ls = s->priv;
    if (lv_reap(p, s)) {
        snprintf(why, n, "%s: domain %s ended before the guest's server answered (see %s and "
                 LV_QEMU_LOGDIR "/%s.log)", s->spec->name, ls->dname, buf_cstr(&ls->console),
                 ls->dname);
        return -1;
    }
    if (!plat_tcp_answers(s->spec->ip, s->spec->port)) return 0;
    vm_agent_ready(&ls->agent, s);
    return 1;
}

/* Graceful: libvirt sends QEMU SIGTERM and waits for it; force: SIGKILL. */
static void lv_stop(struct plat *p, struct plat_server *s, int force)
{
    (void)p;
    struct lv_srv *ls = s->priv;
    if (!ls->dom || s->exited) return;
    unsigned flags = force ? 0 : VIR_DOMAIN_DESTROY_GRACEFUL;
    if (api->DomainDestroyFlags(ls->dom, flags) && api->DomainIsActive(ls->dom) == 1)
        log_warn("%s: destroying domain %s: %s", s->spec->name, ls->dname, lv_err());
}

/* ---- cpu ----------------------------------------------------------------- */

/* Every active domain's stats, fetched at most once per
 * LV_STATS_FRESH_NS (one call serves all servers of a sample, so the
 * measuring adds one request per sample to libvirtd's load, not one per
 * server). */
static void lv_stats_fetch(struct lv *v)
{
    int64_t now = clock_mono_ns();
    if (v->recs && now - v->stats_t < LV_STATS_FRESH_NS) return;
    if (v->recs) api->DomainStatsRecordListFree(v->recs);
    v->recs = NULL;
    unsigned what = VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_VCPU;
    v->nrecs = api->ConnectGetAllDomainStats(v->conn, what, &v->recs,
                                           VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE);
    if (v->nrecs < 0) log_warn("libvirt: domain stats: %s", lv_err());
    v->stats_t = now;
}

/* The server's domain's stats from the last fetch.  Returns 0 or -1. */
static int lv_stats_of(const struct lv *v, const struct lv_srv *ls, struct lv_stats *st)
{
    for (int i = 0; i < v->nrecs; i++) {
        const char *name = api->DomainGetName(v->recs[i]->dom);
        if (name && strcmp(name, ls->dname) == 0)
            return lv_stats_parse(v->recs[i]->params, v->recs[i]->nparams, st);
    }
    return -1;
}

/* The stats into s->cpu's parts: total, user, system, vcpu, other (the
 * emulator), and the vCPUs' run delay. */
static void lv_stats_apply(const struct lv_stats *st, struct plat_cpu *c)
{
    c->total_ns = st->cpu_ns;
    if (st->have & LV_HAVE_SPLIT) {
        c->part_ns[PLAT_CPU_USER] = st->user_ns;
        c->part_ns[PLAT_CPU_SYSTEM] = st->system_ns;
        c->have |= 1u << PLAT_CPU_USER | 1u << PLAT_CPU_SYSTEM;
    }
    if (st->have & LV_HAVE_VCPU) {
        c->part_ns[PLAT_CPU_VCPU] = st->vcpu_ns;
        c->part_ns[PLAT_CPU_OTHER] = st->emulator_ns;
        c->have |= 1u << PLAT_CPU_VCPU | 1u << PLAT_CPU_OTHER;
    }
    if (st->have & LV_HAVE_DELAY) {
        c->part_ns[PLAT_CPU_VCPU_DELAY] = st->delay_ns;
        c->have |= 1u << PLAT_CPU_VCPU_DELAY;
    }
    if (st->have & LV_HAVE_WAIT) {
        c->part_ns[PLAT_CPU_VCPU_WAIT] = st->wait_ns;
        c->have |= 1u << PLAT_CPU_VCPU_WAIT;
    }
}

static int lv_cpu(struct plat *p, struct plat_server *s)
{
    struct lv *v = lv_of(p);
    struct lv_srv *ls = s->priv;
    if (!s->pid || s->exited || !ls->dom) return 0;
    struct lv_stats st;
    lv_stats_fetch(v);
    if (lv_stats_of(v, ls, &st)) return -1;     /* the last reading stays */
    lv_stats_apply(&st, &s->cpu);
    vm_agent_cpu(&ls->agent, VM_AGENT_TIMEOUT_MS, s);
    lv_daemons_read(p, 0);
    return 0;
}

/* ---- cleanup, describe, sweep ------------------------------------------- */

/* Removes the QEMU log libvirt kept for a domain of this run. */
static void lv_log_remove(const char *dname)
{
    char *path = strfmt(LV_QEMU_LOGDIR "/%s.log", dname);
    unlink(path);
    free(path);
}

static void lv_cleanup(struct plat *p)
{
    struct lv *v = lv_of(p);
    if (v->recs) api->DomainStatsRecordListFree(v->recs);
    v->recs = NULL;
    v->nrecs = 0;
    if (v->conn) {
        lv_daemons_read(p, 0);
        api->ConnectClose(v->conn);       /* autodestroy: no domain of ours outlives it */
    }
    v->conn = NULL;
    if (v->bridge_up && net_link_del(v->bridge) && errno != ENODEV)
        log_warn("cannot remove bridge %s: %s", v->bridge, strerror(errno));
    v->bridge_up = 0;
    net_slot_release(&v->slot);
    if (v->rundir[0] && fs_rmtree(v->rundir))
        log_warn("cannot remove %s: %s", v->rundir, strerror(errno));
    v->rundir[0] = '\0';
    vmimg_kernel_free(&v->kernel);
    buf_free(&v->initrd);
}

static void lv_server_release(struct plat *p, struct plat_server *s)
{
    (void)p;
    struct lv_srv *ls = s->priv;
    lv_srv_close(ls);
    if (ls->dom) api->DomainFree(ls->dom);
    ls->dom = NULL;
    if (ls->dname[0]) lv_log_remove(ls->dname);
    buf_free(&ls->disk);
    buf_free(&ls->agent_path);
    buf_free(&ls->console);
}

/* libvirtd's and virtlogd's CPU over the run, into b. */
static void lv_daemons_text(const struct lv *v, struct buf *b)
{
    double secs = (double)(v->dmn_last_t - v->dmn_first_t) / 1e9;
    buf_puts(b, "; management daemons' CPU over the run");
    if (secs > 0) buf_printf(b, " (%.1f s)", secs);
    buf_puts(b, ":");
    for (int i = 0; i < 2; i++) {
        const struct lv_daemon *d = &v->dmn[i];
        if (!d->have) {
            buf_printf(b, " %s not read (%s)", d->name, d->pidfile);
            continue;
        }
        double cpu = (double)(d->last_ns - d->first_ns) / 1e9;
        buf_printf(b, " %s %.2f s", d->name, cpu);
        if (secs > 0) buf_printf(b, " (%.2f%% of a core)", 100.0 * cpu / secs);
        buf_puts(b, i == 0 ? "," : "");
    }
}

static void lv_describe(const struct plat *p, struct plat_acct *a)
{
    const struct lv *v = lv_of(p);
    memset(a, 0, sizeof *a);
    snprintf(a->method, sizeof a->method, "libvirt");
    snprintf(a->text, sizeof a->text, "each guest's domain from libvirt's domain stats "
             "(cpu.time, vCPU time, emulator = the rest, vCPU run delay); guest-reported busy "
             "time over the agent channel");
    snprintf(a->accel, sizeof a->accel, "%s", v->kvm ? "kvm" : "tcg");
    struct buf b = BUF_INIT;
    buf_printf(&b, "libvirt %s at %s: domain type %s; machine q35, kernel %s, disks cache=none "
               "io=%s", v->libvirt_ver, v->o ? v->o->uri : "", v->type_why, v->kver,
               v->o ? lv_aio_names[v->o->aio] : "");
    lv_daemons_text(v, &b);
    snprintf(a->facts, sizeof a->facts, "%s", buf_cstr(&b));
    buf_free(&b);
}

/* 1 if pid is no live process. */
static int lv_pid_dead(pid_t pid)
{
    return kill(pid, 0) != 0 && errno == ESRCH;
}

/* hmx<pid>-...: the pid of the run that made the domain, or 0. */
static pid_t lv_dom_pid(const char *name)
{
    if (strncmp(name, LV_DOM_PREFIX, 3) != 0) return 0;
    char *end;
    long pid = strtol(name + 3, &end, 10);
    return end != name + 3 && *end == '-' && pid > 0 ? (pid_t)pid : 0;
}

/* Destroys the domains of runs that no longer exist (autodestroy ends
 * them when a run dies; this is for a daemon that kept them). */
static void lv_sweep_domains(void)
{
    if (access("/run/libvirt/libvirt-sock", F_OK) != 0) return;   /* no system daemon */
    char why[300];
    if (!(api = lv_api_load(why, sizeof why))) return;
    virConnectPtr c = api->ConnectOpen("qemu:///system");
    if (!c) return;
    virDomainPtr *doms = NULL;
    int nd = api->ConnectListAllDomains(c, &doms, 0);
    for (int i = 0; i < nd; i++) {
        const char *name = api->DomainGetName(doms[i]);
        pid_t pid = name ? lv_dom_pid(name) : 0;
        if (pid && lv_pid_dead(pid)) {
            log_info("destroying domain %s of a run that no longer exists", name);
            if (api->DomainDestroy(doms[i]) == 0) lv_log_remove(name);
            else log_warn("cannot destroy domain %s: %s", name, lv_err());
        }
        api->DomainFree(doms[i]);
    }
    free(doms);
    api->ConnectClose(c);
}

/* Removes the QEMU logs libvirt kept of dead runs' domains (regular files
 * named hmx<deadpid>-*.log; a domain autodestroyed with its run leaves
 * one). */
static void lv_sweep_logs(void)
{
    DIR *d = opendir(LV_QEMU_LOGDIR);
    if (!d) return;
    struct dirent *e;
    struct stat st;
    while ((e = readdir(d))) {
        pid_t pid = lv_dom_pid(e->d_name);
        size_t len = strlen(e->d_name);
        if (!pid || len < 5 || strcmp(e->d_name + len - 4, ".log") != 0 || !lv_pid_dead(pid))
            continue;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

static void lv_sweep_one(const char *name, void *arg)
{
    char *path = strfmt("/run/%s", name);
    (void)arg;
    log_info("removing %s of a run that no longer exists", path);
    fs_rmtree(path);
    free(path);
}

static void lv_sweep(const char *proc_root)
{
    (void)proc_root;
    lv_sweep_domains();
    lv_sweep_logs();
    fs_sweep_dead("/run", "hostmix-libvirt-", lv_sweep_one, NULL);
}

static void lv_preflight(struct plat *p, struct buf *out)
{
    static const struct lv_opts defaults_if_none = { .uri = "qemu:///system" };
    const struct lv_opts *o = p->opt ? p->opt : &defaults_if_none;
    char why[320];
    int kvm = vm_kvm_usable(p->proc_root, why, sizeof why);
    buf_printf(out, "  domain type: %s%s%s\n", kvm && o->type != 2 ? "kvm" : "qemu",
               kvm ? "" : ": ", kvm ? "" : why);
    virConnectPtr c = !(api = lv_api_load(why, sizeof why)) || lv_uri_local(o->uri, why, sizeof why)
                      ? NULL
                      : lv_connect(o->uri, why, sizeof why);
    buf_printf(out, "  libvirt: %s%s\n", c ? "reachable at " : "", c ? o->uri : why);
    if (c) api->ConnectClose(c);
}

const struct platform_ops plat_libvirt_ops = {
    .name = "libvirt",
    .caps = PLAT_CAP_OWN_NET | PLAT_CAP_GUEST_TIME | PLAT_CAP_ROOT | PLAT_CAP_OWN_COPY,
    .priv_size = sizeof(struct lv),
    .server_priv_size = sizeof(struct lv_srv),
    .opts = lv_opt_table,
    .opt_size = sizeof(struct lv_opts),
    .ready_timeout_ns = 180 * CLOCK_NS_PER_S,
    .probe = lv_probe,
    .addr = lv_addr,
    .prepare = lv_prepare,
    .place = lv_place,
    .start = lv_start,
    .ready = lv_ready,
    .cpu = lv_cpu,
    .reap = lv_reap,
    .stop = lv_stop,
    .cleanup = lv_cleanup,
    .release = lv_server_release,
    .describe = lv_describe,
    .preflight = lv_preflight,
    .sweep = lv_sweep,
};
