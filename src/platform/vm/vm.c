/* vm.c — the vm platform: every server in its own QEMU guest.
 *
 * A guest boots Debian's cloud kernel (fetched once into the data cache,
 * or the job's own) with an initramfs holding hostmix as PID 1
 * (`hostmix guest-init`, src/guest/), which mounts the server's data disk
 * and runs `hostmix serve ROLE ...` from the spec carried on the kernel
 * command line (guest/gcfg.h).  The accelerator is KVM where /dev/kvm can
 * run a guest, TCG otherwise (option accel); every report names it.
 *
 * Per run: a bridge hmxb<pid> at its /17 of 198.18.0.0/15 (net.h), a tap
 * per guest opened here and handed to QEMU as a descriptor (it vanishes
 * with QEMU), a cgroup per guest below the run's (so QEMU's threads,
 * vhost workers included, are counted together), and a directory
 * /run/hostmix-vm-<pid>/ (made new, 0700, in root's /run) for QMP and
 * agent sockets, consoles and the qcow2 overlays of data that servers
 * change.  Data sets become ext4 images cached by the data set's key
 * (vm/image.h); web and nfs attach theirs read-only, db and imap through
 * a per-run overlay, so no run ever copies a data set.
 *
 * CPU per guest: the cgroup's cpu.stat (total, user, system), split by
 * QEMU thread class (vCPU threads from QMP query-cpus-fast, main loop, I/O
 * threads, thread pool, vhost: measure/thread.h), the guest time of the
 * vCPU threads (KVM), and the busy time the guest itself reports over the
 * agent channel (virtio-serial), read at the same instant.  Host CPU per
 * guest-reported busy second is the hypervisor-neutral overhead.
 *
 * Teardown: QMP quit (else SIGTERM), then SIGKILL (ctl.c); QEMU dies with
 * hostmix (PR_SET_PDEATHSIG); the next run of any platform sweeps the
 * bridges, run directories and cgroups of runs that died outright
 * (vm_sweep and platform/sweep.c). */
#include "platform/platform.h"
#include "platform/cgroup.h"
#include "platform/net.h"
#include "platform/qmp.h"
#include "platform/vm/agent.h"
#include "platform/vm/ctl.h"
#include "platform/vm/image.h"
#include "platform/vm/kmods.h"
#include "platform/vm/probe.h"
#include "platform/vm/qemu.h"
#include "guest/gcfg.h"
#include "core/clock.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/spawn.h"
#include "roles/role.h"
#include "measure/thread.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define VM_RUNDIR_FMT "/run/hostmix-vm-%d"     /* /run: only root creates there */
#define VM_MAX_VCPUS 64

/* ---- options ([platform] with platform = vm) ------------------------- */

static const char *const vm_accel_names[] = { "auto", "kvm", "tcg", NULL };
static const char *const vm_machine_names[] = { "microvm", "q35", NULL };
static const char *const vm_huge_names[] = { "no", "2M", "1G", NULL };
static const char *const vm_aio_names[] = { "threads", "native", "io_uring", NULL };

struct vm_opts {
    int accel;                  /* 0 auto, 1 kvm, 2 tcg */
    int machine;                /* enum vm_machine */
    int huge;                   /* enum vm_huge */
    int aio;                    /* enum vm_aio */
    char kernel[256];           /* a kernel image of the user's, or "" */
    char modules[256];          /* its modules directory */
    char qemu[256];             /* QEMU binary */
    int64_t boot_timeout;       /* ns a guest may take to answer */
};

#define VO(f) offsetof(struct vm_opts, f)
#define SP OPT_SEC_ANY
static const struct opt_def vm_opt_table[] = {
    { "accel", OPT_ENUM, VO(accel), 0, "auto", OPT_NO_RANGE, vm_accel_names, SP,
      "accelerator: kvm where /dev/kvm can run a guest, else tcg (emulation)" },
    { "machine", OPT_ENUM, VO(machine), 0, "microvm", OPT_NO_RANGE, vm_machine_names, SP,
      "QEMU machine: microvm (virtio-mmio, fast boot) or q35 (PCI)" },
    { "hugepages", OPT_ENUM, VO(huge), 0, "no", OPT_NO_RANGE, vm_huge_names, SP,
      "guest memory on hugetlbfs pages of this size, preallocated" },
    { "aio", OPT_ENUM, VO(aio), 0, "threads", OPT_NO_RANGE, vm_aio_names, SP,
      "disk I/O of virtio-blk (cache=none): QEMU's thread pool, Linux AIO or io_uring" },
    { "kernel", OPT_STR, VO(kernel), 256, "", OPT_NO_RANGE, NULL, SP,
      "guest kernel image (default: Debian's linux-image-cloud-amd64, fetched once)" },
    { "modules", OPT_STR, VO(modules), 256, "", OPT_NO_RANGE, NULL, SP,
      "the modules directory of that kernel (lib/modules/VERSION)" },
    { "qemu", OPT_STR, VO(qemu), 256, "qemu-system-x86_64", OPT_NO_RANGE, NULL, SP,
      "QEMU binary" },
    { "boot_timeout", OPT_DURATION, VO(boot_timeout), 0, "180s", 1e9, 3600e9, NULL, SP,
      "how long a guest may take from start to its server answering" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* ---- state ------------------------------------------------------------- */

struct vm {
    const struct vm_opts *o;
    char qemu[512];             /* the QEMU binary */
    enum vm_accel accel;
    char accel_why[320];        /* why this accelerator */
    char kver[64];              /* the guest kernel's version (kept for the reports) */
    struct vmimg_kernel kernel;
    struct buf initrd;
    unsigned long host_tsc_khz; /* 0: unknown */
    const char *tsc_from;       /* where host_tsc_khz came from (static) */
    struct vm_timing timing;    /* the guests' tsc_early_khz and lpj (TCG only) */
    struct numstr rundir;       /* VM_RUNDIR_FMT of this run's pid, "" when not ours */
    char bridge[16];
    int bridge_up;
    struct net_slot slot;       /* this run's addresses (net.h) */
    char cg_base[512], cg_run[600], cg_why[512];
    int cgroup;
    int vhost;                  /* /dev/vhost-net opens: guests use vhost-net */
    char vhost_why[200];        /* why not, when not */
    struct vm_huge_facts huge;  /* hugetlbfs mounts and pools (hugepages != no) */
    uint64_t huge_need;         /* bytes of huge pages the guests placed so far need */
    const char *huge_path;      /* the mount they come from (in huge) */
    int ntap;
};

struct vm_srv {
    struct buf disk;            /* image attached (cached image or overlay), "" none */
    struct buf qmp_path, agent_path, console;
    struct qmp *qmp;
    struct vm_agent_chan agent; /* the guest agent channel (fd -1: down) */
    pid_t vcpu[VM_MAX_VCPUS];
    int nvcpu;
    int qmp_tries;              /* sampling's late attempts at the vCPU thread ids */
};

static struct vm *vm_of(const struct plat *p) { return p->priv; }

/* ---- probe ------------------------------------------------------------- */

/* Whether kernel module mod is loaded (root's /sys/module/MOD exists). */
static int vm_module_loaded(const char *root, const char *mod)
{
    char *path = strfmt("%s/sys/module/%s", root, mod);
    int yes = access(path, F_OK) == 0;
    free(path);
    return yes;
}

/* Whether root's /dev/kvm can create a VM with a vCPU here (probe.h). */
int vm_kvm_usable(const char *root, char *why, size_t n)
{
    /* PVM (kvm_pvm) runs only guests built for it: stock kernels hang or
     * QEMU aborts setting MSRs.  Hardware KVM is kvm_intel or kvm_amd. */
    if (vm_module_loaded(root, "kvm_pvm") && !vm_module_loaded(root, "kvm_intel") &&
        !vm_module_loaded(root, "kvm_amd")) {
        snprintf(why, n, "/dev/kvm is PVM (kvm_pvm), which cannot run stock guests");
        return 0;
    }
    char *path = strfmt("%s/dev/kvm", root);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    free(path);
    if (fd < 0) {
        snprintf(why, n, "no usable /dev/kvm (%s)", strerror(errno));
        return 0;
    }
    int ok = 0, vm = ioctl(fd, KVM_CREATE_VM, 0);
    if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        snprintf(why, n, "/dev/kvm speaks another API version");
    else if (vm < 0)
        snprintf(why, n, "/dev/kvm cannot create a VM (%s)", strerror(errno));
    else if (ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY) <= 0)
        snprintf(why, n, "/dev/kvm lacks user memory");
    else {
        int cpu = ioctl(vm, KVM_CREATE_VCPU, 0);
        ok = cpu >= 0;
        if (!ok) snprintf(why, n, "/dev/kvm cannot create a vCPU (%s)", strerror(errno));
        else close(cpu);
    }
    if (vm >= 0) close(vm);
    close(fd);
    return ok;
}

static int vm_pick_accel(struct vm *v, const char *root, char *why, size_t n)
{
    v->accel_why[0] = '\0';
    int kvm = vm_kvm_usable(root, v->accel_why, sizeof v->accel_why);   /* why not, first */
    if (v->o->accel == 1 && !kvm) {
        snprintf(why, n, "accel = kvm, but %s", v->accel_why);
        return -1;
    }
    v->accel = v->o->accel == 2 || !kvm ? VM_ACCEL_TCG : VM_ACCEL_KVM;
    char *w = v->accel == VM_ACCEL_KVM
                  ? strfmt("KVM (hardware virtualization)")
                  : strfmt("TCG: guest time is emulation, not hardware virtualization (%s)",
                           v->o->accel == 2 ? "accel = tcg" : v->accel_why);
    snprintf(v->accel_why, sizeof v->accel_why, "%s", w);
    free(w);
    return 0;
}

/* Finds the QEMU binary (a path, or a name in PATH) into dst. */
static int vm_find_qemu(const char *name, char *dst, size_t dn, char *why, size_t n)
{
    if (fs_which(name, dst, dn) == 0) return 0;
    snprintf(why, n, "QEMU binary '%s' not found (Debian: apt-get install qemu-system-x86)",
             name);
    return -1;
}

static int vm_probe(struct plat *p, char *why, size_t n)
{
    struct vm *v = vm_of(p);
    static const struct vm_opts defaults_if_none;
    v->o = p->opt ? p->opt : &defaults_if_none;
    net_slot_init(&v->slot, 0);             /* not held until prepare takes one */
    if (plat_probe_common(p, "bridge and taps", why, n)) return -1;
    if (vm_find_qemu(v->o->qemu[0] ? v->o->qemu : "qemu-system-x86_64", v->qemu,
                     sizeof v->qemu, why, n))
        return -1;
    if (access("/dev/net/tun", R_OK | W_OK) != 0) {
        snprintf(why, n, "cannot open /dev/net/tun (%s): guests need taps", strerror(errno));
        return -1;
    }
    if (vm_pick_accel(v, p->proc_root, why, n)) return -1;
    char *vpath = strfmt("%s/dev/vhost-net", p->proc_root);
    v->vhost = vm_vhost_usable(vpath, v->vhost_why, sizeof v->vhost_why);
    free(vpath);
    if (!v->vhost) log_info("vm: no vhost-net, QEMU moves the packets: %s", v->vhost_why);
    v->cgroup = meas_cg_detect(p->proc_root, v->cg_base, sizeof v->cg_base, v->cg_why,
                               sizeof v->cg_why) == 0;
    p->ready_timeout_ns = v->o->boot_timeout ? v->o->boot_timeout : 180 * CLOCK_NS_PER_S;
    return 0;
}

static void vm_addr(const struct plat *p, int set, int role, char *ip, size_t n)
{
    net_addr(&vm_of((struct plat *)p)->slot, set, role, ip, n);
}

/* ---- prepare ----------------------------------------------------------- */

/* Removes /run/NAME, a run directory of a run that no longer exists. */
static void vm_sweep_one(const char *name, void *arg)
{
    (void)arg;
    char *path = strfmt("/run/%s", name);
    log_info("removing %s of a run that no longer exists", path);
    fs_rmtree(path);
    free(path);
}

/* The platform's sweep (plat_sweep_dead): run directories of dead runs. */
static void vm_sweep(const char *proc_root)
{
    (void)proc_root;
    fs_sweep_dead("/run", "hostmix-vm-", vm_sweep_one, NULL);
}

/* The guest kernel and the initramfs with this very binary as /init. */
static int vm_images(struct plat *p, struct vm *v, char *why, size_t n)
{
    struct buf w = BUF_INIT;
    int rc = v->o->kernel[0]
                 ? vmimg_kernel_user(v->o->kernel, v->o->modules, &v->kernel, &w)
                 : vmimg_kernel_debian(p->cache_dir, &v->kernel, &w);
    if (rc == 0)
        rc = vmimg_initramfs(p->cache_dir, p->self_exe, &v->kernel,
                             (enum vm_machine)v->o->machine, &v->initrd, &w);
    if (rc) snprintf(why, n, "guest image: %s", buf_cstr(&w));
    snprintf(v->kver, sizeof v->kver, "%s", buf_head(&v->kernel.version));
    buf_free(&w);
    v->host_tsc_khz = vmimg_host_tsc_khz(p->proc_root, &v->tsc_from);
    v->timing = vm_guest_timing(v->accel, v->host_tsc_khz, v->kernel.hz);
    return rc;
}

static int vm_prepare(struct plat *p, char *why, size_t n)
{
    struct vm *v = vm_of(p);
    v->rundir = numstr_fmt(VM_RUNDIR_FMT, (int)getpid());
    if (fs_mkdir_private(v->rundir.s, why, n)) {
        v->rundir.s[0] = '\0';         /* not ours: teardown leaves it alone */
        return -1;
    }
    if (v->cgroup && cg_run_create(p->proc_root, v->cg_base, v->cg_run, sizeof v->cg_run,
                                   v->cg_why, sizeof v->cg_why))
        v->cgroup = 0;
    if (!v->cgroup) log_warn("guest CPU from /proc/PID/stat of QEMU: %s", v->cg_why);
    if (v->o->huge != VM_HUGE_NO) vm_huge_read(p->proc_root, &v->huge);
    if (vm_images(p, v, why, n)) return -1;
    net_name(v->bridge, sizeof v->bridge, NET_BRIDGE, getpid(), 0);
    if (net_slot_take(&v->slot, why, n) || net_bridge_create(v->bridge, v->slot.cidr, why, n))
        return -1;
    v->bridge_up = 1;
    log_info("vm: %s, machine %s, kernel %s, bridge %s", v->accel == VM_ACCEL_KVM ? "kvm" : "tcg",
             vm_machine_names[v->o->machine], buf_head(&v->kernel.version), v->bridge);
    if (v->timing.tsc_khz)
        log_info("vm: guests get tsc_early_khz=%lu lpj=%lu (host TSC from %s)",
                 v->timing.tsc_khz, v->timing.lpj, v->tsc_from);
    else if (v->accel == VM_ACCEL_TCG)
        log_info("vm: no trustworthy host TSC frequency: guests calibrate their own");
    return 0;
}

/* The ext4 image of the server's data (cached by the data set's key);
 * data the server changes gets a qcow2 overlay in the run directory. */
/* The kernel unpacks the initramfs into a tmpfs beside the archive itself,
 * and the tmpfs may take half the memory: a guest with less than three
 * times its size plus 64 MiB fails to unpack it (measured: a 40 MiB
 * initramfs fails in 160 MiB and boots in 256 MiB). */
static int vm_memory_enough(const struct vm *v, const struct server_spec *sp, char *why, size_t n)
{
    struct stat st;
    if (stat(buf_head(&v->initrd), &st) != 0) return 0;
    int64_t need = 3 * (int64_t)st.st_size + (64 << 20);
    if (sp->memory >= need) return 0;
    snprintf(why, n, "memory = %lld MiB is too small for the guest's %lld MiB initramfs: give "
             "[%s] memory = %lld MiB or more", (long long)(sp->memory >> 20),
             (long long)(st.st_size >> 20), role_names[sp->role],
             (long long)((need + (1 << 20) - 1) >> 20));
    return -1;
}

/* With hugepages, the guests placed so far must fit the free pool of a
 * hugetlbfs mount of the page size (else QEMU fails at preallocation). */
static int vm_huge_enough(struct vm *v, const struct server_spec *sp, char *why, size_t n)
{
    if (v->o->huge == VM_HUGE_NO) return 0;
    uint64_t page = v->o->huge == VM_HUGE_1G ? 1ULL << 30 : 2ULL << 20;
    v->huge_need += (uint64_t)sp->memory;
    if (vm_huge_pick(&v->huge, page, v->huge_need, &v->huge_path, why, n) == 0) return 0;
    char *w = strfmt("hugepages = %s: %s", vm_huge_names[v->o->huge], why);
    snprintf(why, n, "%s", w);
    free(w);
    return -1;
}

static int vm_place(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct vm *v = vm_of(p);
    struct vm_srv *vs = s->priv;
    const struct server_spec *sp = s->spec;
    vs->agent.fd = -1;
    if (vm_memory_enough(v, sp, why, n) || vm_huge_enough(v, sp, why, n)) return -1;
    buf_printf(&vs->qmp_path, "%s/%s.qmp", v->rundir.s, sp->name);
    buf_printf(&vs->agent_path, "%s/%s.agent", v->rundir.s, sp->name);
    vs->agent.path = buf_cstr(&vs->agent_path);     /* the buf is not changed again */
    buf_printf(&vs->console, "%s.console", sp->log);
    unlink(buf_cstr(&vs->console));     /* QEMU appends to a serial file */
    if (!sp->data_cached) return 0;
    struct buf w = BUF_INIT;
    int rc = vmimg_server_disk(p->cache_dir, sp->data_cached, sp->data_key, sp->data_rw,
                               v->rundir.s, sp->name, &vs->disk, &w);
    if (rc) snprintf(why, n, "%s", buf_cstr(&w));
    buf_free(&w);
    return rc;
}

/* ---- start ------------------------------------------------------------- */

/* The guest's kernel command line: the server's argv as the guest sees it
 * (its data on /data), its address and its disk. */
static int vm_cmdline(const struct vm *v, const struct vm_srv *vs, const struct server_spec *sp,
                      struct buf *out, char *why, size_t n)
{
    struct strvec argv = STRVEC_INIT;
    struct buf w = BUF_INIT;
    plat_serve_argv(sp, buf_used(&vs->disk) ? "/data" : NULL, &argv);
    struct gcfg g = { .argv = argv.v + 1, .argc = argv.n - 1, .ip = (char *)sp->ip,
                      .prefix = NET_PREFIXLEN, .gw = (char *)v->slot.gw,
                      .disk = buf_used(&vs->disk) ? "vda" : NULL, .disk_rw = sp->data_rw };
    int rc = gcfg_cmdline(&g, v->timing.tsc_khz, v->timing.lpj, out, &w);
    if (rc) snprintf(why, n, "kernel command line: %s", buf_cstr(&w));
    strvec_clear(&argv);
    buf_free(&w);
    return rc;
}

/* QEMU's argv for the server, with the tap on descriptor tap. */
static int vm_argv(const struct vm *v, const struct vm_srv *vs, const struct server_spec *sp,
                   const char *cmdline, int tap, struct strvec *a, char *why, size_t n)
{
    struct vm_disk disk = { buf_cstr((struct buf *)&vs->disk),
                            sp->data_rw ? VM_DISK_QCOW2 : VM_DISK_RAW, !sp->data_rw, 1,
                            (enum vm_aio)v->o->aio };
    struct vm_qemu_cfg c = {
        .binary = v->qemu, .accel = v->accel, .machine = (enum vm_machine)v->o->machine,
        .name = sp->name, .vcpus = (int)sp->vcpus, .mem_bytes = (uint64_t)sp->memory,
        .huge = (enum vm_huge)v->o->huge, .huge_path = v->huge_path, .kernel = buf_head(&v->kernel.vmlinuz),
        .initrd = buf_head(&v->initrd), .cmdline = cmdline,
        .disks = &disk, .ndisks = buf_used(&vs->disk) ? 1 : 0, .tap_fd = tap, .vhost = v->vhost,
        .set = sp->set, .role = sp->role, .qmp_path = buf_head(&vs->qmp_path),
        .agent_path = buf_head(&vs->agent_path), .console_log = buf_head(&vs->console),
    };
    struct buf w = BUF_INIT;
    int rc = vm_qemu_argv(&c, a, &w);
    if (rc) snprintf(why, n, "QEMU command line: %s", buf_cstr(&w));
    buf_free(&w);
    return rc;
}

static int vm_start(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct vm *v = vm_of(p);
    struct vm_srv *vs = s->priv;
    const struct server_spec *sp = s->spec;
    char tapname[16], procs[1400] = "";
    int tap = -1;
    struct buf cmdline = BUF_INIT;
    struct strvec a = STRVEC_INIT;
    net_name(tapname, sizeof tapname, NET_TAP, getpid(), v->ntap++);
    int rc = vm_cmdline(v, vs, sp, &cmdline, why, n);
    if (rc == 0) rc = net_tap_open(tapname, v->bridge, &tap, why, n);
    if (rc == 0) rc = vm_argv(v, vs, sp, buf_cstr(&cmdline), tap, &a, why, n);
    if (rc == 0 && v->cgroup &&
        (rc = cg_child_create(p->proc_root, v->cg_run, sp->name, s->cgroup, sizeof s->cgroup,
                              why, n)) == 0)
        cg_procs_path(p->proc_root, s->cgroup, procs, sizeof procs);
    if (rc == 0) {
        struct spawn sw = { .exe = v->qemu, .argv = a.v, .out = sp->log,
                            .cgroup_procs = procs[0] ? procs : NULL, .own_pgrp = 1,
                            .pdeathsig = SIGKILL, .keep_fds = &tap, .nkeep = 1 };
        pid_t pid = spawn_start(&sw, why, n);
        s->pid = pid > 0 ? pid : 0;
        rc = pid > 0 ? 0 : -1;
    }
    if (tap >= 0) close(tap);       /* QEMU holds the tap now */
    strvec_clear(&a);
    buf_free(&cmdline);
    return rc;
}

/* ---- ready, reap, stop ------------------------------------------------- */

/* Releases the guest's control channels (after it exited or at cleanup). */
static void vm_srv_close(struct vm_srv *vs)
{
    if (vs->qmp) qmp_close(vs->qmp);
    vs->qmp = NULL;
    if (vs->agent.fd >= 0) close(vs->agent.fd);
    vs->agent.fd = -1;
    vs->agent.path = NULL;          /* the guest is gone: no reconnecting */
}

static int vm_reap(struct plat *p, struct plat_server *s)
{
    (void)p;
    if (!s->pid || s->exited) return 1;
    if (!plat_reap_pid(s->pid, &s->status)) return 0;
    s->exited = 1;
    vm_srv_close(s->priv);
    return 1;
}

/* Connects QMP once QEMU listens, and reads the vCPU thread ids. */
static void vm_connect_qmp(struct plat_server *s)
{
    struct vm_srv *vs = s->priv;
    char why[256];
    if (!vs->qmp && access(buf_cstr(&vs->qmp_path), F_OK) == 0)
        vs->qmp = qmp_connect(buf_cstr(&vs->qmp_path), 200, why, sizeof why);
    if (vs->qmp && !vs->nvcpu) vs->nvcpu = vm_ctl_vcpus(vs->qmp, s, vs->vcpu, VM_MAX_VCPUS);
}

static int vm_ready(struct plat *p, struct plat_server *s, char *why, size_t n)
{
    struct vm_srv *vs = s->priv;
    if (vm_reap(p, s)) {
        char st[96];
        plat_status_text(s->status, st, sizeof st);
        snprintf(why, n, "%s: QEMU %s before the guest's server answered (see %s and %s)",
                 s->spec->name, st, s->spec->log, buf_cstr(&vs->console));
        return -1;
    }
    vm_connect_qmp(s);
    if (!plat_tcp_answers(s->spec->ip, s->spec->port)) return 0;
    vm_agent_ready(&vs->agent, s);
    return 1;
}

static void vm_stop(struct plat *p, struct plat_server *s, int force)
{
    (void)p;
    struct vm_srv *vs = s->priv;
    vm_ctl_stop(vs->qmp, s, force);
}

/* ---- cpu ----------------------------------------------------------------- */

static int vm_cpu(struct plat *p, struct plat_server *s)
{
    if (!s->pid || s->exited) return 0;     /* keep the last reading */
    if (plat_cpu_host(p, s)) return -1;
    struct vm_srv *vs = s->priv;
    if (!vs->nvcpu && vs->qmp_tries++ < 3)
        vm_connect_qmp(s);              /* QMP was not up when the guest first answered */
    plat_cpu_threads(p, s, 1, vs->vcpu, vs->nvcpu);
    vm_agent_cpu(&vs->agent, VM_AGENT_TIMEOUT_MS, s);
    return 0;
}

/* ---- cleanup, describe ------------------------------------------------- */

static void vm_cleanup(struct plat *p)
{
    struct vm *v = vm_of(p);
    if (v->bridge_up && net_link_del(v->bridge) && errno != ENODEV)
        log_warn("cannot remove bridge %s: %s", v->bridge, strerror(errno));
    v->bridge_up = 0;
    net_slot_release(&v->slot);
    if (v->cg_run[0]) cg_remove_tree(p->proc_root, v->cg_run);
    v->cg_run[0] = '\0';
    if (v->rundir.s[0] && fs_rmtree(v->rundir.s))
        log_warn("cannot remove %s: %s", v->rundir.s, strerror(errno));
    v->rundir.s[0] = '\0';
    vmimg_kernel_free(&v->kernel);
    buf_free(&v->initrd);
}

static void vm_server_release(struct plat *p, struct plat_server *s)
{
    (void)p;
    struct vm_srv *vs = s->priv;
    vm_srv_close(vs);
    buf_free(&vs->disk);
    buf_free(&vs->qmp_path);
    buf_free(&vs->agent_path);
    buf_free(&vs->console);
}

static void vm_describe(const struct plat *p, struct plat_acct *a)
{
    const struct vm *v = vm_of(p);
    memset(a, 0, sizeof *a);
    snprintf(a->method, sizeof a->method, "%s", v->cgroup ? "cgroup" : "proc");
    snprintf(a->base, sizeof a->base, "%s", v->cgroup ? v->cg_base : "");
    snprintf(a->why, sizeof a->why, "%s", v->cgroup ? "" : v->cg_why);
    snprintf(a->text, sizeof a->text, "each guest's QEMU process %s, split by "
             "QEMU thread class; guest-reported busy time over the agent channel",
             v->cgroup ? "in its own cgroup v2 group" : "from /proc/PID/stat");
    snprintf(a->accel, sizeof a->accel, "%s", v->accel == VM_ACCEL_KVM ? "kvm" : "tcg");
    struct buf b = BUF_INIT;
    buf_printf(&b, "vm: accelerator %s; machine %s, kernel %s, vhost-net %s, hugepages %s%s%s, "
               "disks cache=none aio=%s", v->accel_why, vm_machine_names[v->o ? v->o->machine : 0],
               v->kver, v->vhost ? "on" : v->vhost_why, vm_huge_names[v->o ? v->o->huge : 0],
               v->huge_path ? " on " : "", v->huge_path ? v->huge_path : "",
               vm_aio_names[v->o ? v->o->aio : 0]);
    if (v->timing.tsc_khz)
        buf_printf(&b, ", guests' tsc_early_khz %lu (host TSC from %s)", v->timing.tsc_khz,
                   v->tsc_from);
    const char *note = vm_vhost_machine_note((enum vm_machine)(v->o ? v->o->machine : 0), v->vhost);
    if (note) buf_printf(&b, "; %s", note);
    snprintf(a->facts, sizeof a->facts, "%s", buf_cstr(&b));   /* cut to the field */
    buf_free(&b);
}

/* ---- preflight (hostmix check) ------------------------------------------ */

/* kvm's module parameters that change what a run measures. */
static void vm_pre_kvm(const char *root, struct buf *out)
{
    static const char *const mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };
    struct numstr val;                  /* a parameter's value: a number or Y/N */
    if (meas_read(root, "/sys/module/kvm/parameters/halt_poll_ns", val.s, sizeof val.s) <= 0) {
        buf_puts(out, "  kvm module: not loaded\n");
        return;
    }
    val.s[strcspn(val.s, "\n")] = '\0';
    buf_printf(out, "  kvm module: halt_poll_ns %s", val.s);
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        struct numstr path = numstr_fmt("/sys/module/%s/parameters/nested", mods[i]);
        if (meas_read(root, path.s, val.s, sizeof val.s) <= 0) continue;
        val.s[strcspn(val.s, "\n")] = '\0';
        buf_printf(out, ", %s nested %s", mods[i], val.s);
    }
    buf_puts(out, "\n");
}

/* hugetlbfs mounts with their page size and free pages. */
static void vm_pre_huge(const char *root, struct buf *out)
{
    struct vm_huge_facts f;
    vm_huge_read(root, &f);
    buf_puts(out, "  hugetlbfs:");
    if (!f.n) buf_puts(out, " none mounted (hugepages = 2M|1G needs one)");
    for (int i = 0; i < f.n; i++) {
        buf_printf(out, "%s %s %llu kB pages, ", i ? ";" : "", f.m[i].path,
                   (unsigned long long)(f.m[i].page >> 10));
        if (f.m[i].free_pages < 0) buf_puts(out, "free pages unknown");
        else buf_printf(out, "%ld free", f.m[i].free_pages);
    }
    buf_puts(out, "\n");
}

static void vm_preflight(struct plat *p, struct buf *out)
{
    static const struct vm_opts defaults_if_none;
    const struct vm_opts *o = p->opt ? p->opt : &defaults_if_none;
    const char *root = p->proc_root;
    char why[320], path[600], qemu[512];
    const char *from;
    int kvm = vm_kvm_usable(root, why, sizeof why);
    buf_printf(out, "  accelerator: %s%s%s\n", kvm && o->accel != 2 ? "KVM" : "TCG",
               kvm ? "" : ": ", kvm ? "" : why);
    vm_pre_kvm(root, out);
    snprintf(path, sizeof path, "%s/dev/vhost-net", root);
    int vhost = vm_vhost_usable(path, why, sizeof why);
    buf_printf(out, "  vhost-net: %s\n", vhost ? "usable" : why);
    vm_pre_huge(root, out);
    unsigned long khz = vmimg_host_tsc_khz(root, &from);
    if (khz) buf_printf(out, "  host TSC: %lu kHz (from %s; given to TCG guests only)\n", khz, from);
    else buf_puts(out, "  host TSC: no trustworthy frequency (TCG guests calibrate their own)\n");
    const char *q = o->qemu[0] ? o->qemu : "qemu-system-x86_64";
    buf_printf(out, "  QEMU: %s\n", fs_which(q, qemu, sizeof qemu) == 0 ? qemu : "not found");
    if (o->kernel[0]) buf_printf(out, "  guest kernel: %s\n", o->kernel);
    else buf_puts(out, "  guest kernel: Debian's linux-image-cloud-amd64 (fetched on the first "
                       "run)\n");
}

const struct platform_ops plat_vm_ops = {
    .name = "vm",
    .caps = PLAT_CAP_OWN_NET | PLAT_CAP_GUEST_TIME | PLAT_CAP_CGROUP | PLAT_CAP_ROOT |
            PLAT_CAP_OWN_COPY,
    .priv_size = sizeof(struct vm),
    .server_priv_size = sizeof(struct vm_srv),
    .opts = vm_opt_table,
    .opt_size = sizeof(struct vm_opts),
    .ready_timeout_ns = 180 * CLOCK_NS_PER_S,
    .probe = vm_probe,
    .addr = vm_addr,
    .prepare = vm_prepare,
    .place = vm_place,
    .start = vm_start,
    .ready = vm_ready,
    .cpu = vm_cpu,
    .reap = vm_reap,
    .stop = vm_stop,
    .cleanup = vm_cleanup,
    .release = vm_server_release,
    .describe = vm_describe,
    .preflight = vm_preflight,
    .sweep = vm_sweep,
};
