/* vm_boot.c — boots one hostmix guest under QEMU and checks it end to
 * end: the Debian kernel (fetched into the cache), the initramfs, an ext4
 * disk of a tiny data set through a qcow2 overlay, the idle server
 * answering PING over the tap, one agent query, then power-off and QEMU's
 * exit.  tests/integ/68_vm_boot.sh runs it inside a network namespace
 * with a bridge and a tap it creates.  Prints "ok NAME" / "FAIL NAME"
 * lines; exits 77 (with "# skipped: why") when no kernel can be had.
 * The kernel is cached in --cache (shared across runs); the initramfs,
 * the disk image and QEMU's sockets go to --work, which the caller
 * removes.
 *
 *   vm-boot-test --hostmix BIN --cache DIR --work DIR --data DIR --tap NAME
 *                --ip A.B.C.D --gw A.B.C.D --port N [--accel tcg|kvm]
 *                [--machine microvm|q35] [--mem MIB (256)] [--disk-ro]
 *   --disk-ro boots from the raw ext4 image read-only (mounted ro), else
 *   from a qcow2 overlay mounted rw.
 *   vm-boot-test --cache DIR --fetch-kernel
 *       only obtains the kernel (run outside the namespace, which has no
 *       route to the Debian archive). */
#include "guest/gcfg.h"
#include "platform/vm/agent.h"
#include "platform/vm/image.h"
#include "platform/vm/qemu.h"
#include "core/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct vb {
    const char *hostmix, *cache, *work, *data, *tap, *ip, *gw;
    int port;
    enum vm_accel accel;
    enum vm_machine machine;
    int failed, fetch_only;
    int mem_mib, disk_ro;
};

static void vb_check(struct vb *v, const char *name, int ok, const char *why)
{
    if (ok) printf("ok %s\n", name);
    else printf("FAIL %s%s%s\n", name, why ? ": " : "", why ? why : "");
    fflush(stdout);
    if (!ok) v->failed = 1;
}

/* Opens the existing tap device name; the fd is inherited by QEMU. */
static int vb_tap(const char *name, struct buf *why)
{
    int fd = open("/dev/net/tun", O_RDWR);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (fd >= 0 && ioctl(fd, TUNSETIFF, &ifr) == 0) return fd;
    buf_printf(why, "tap %s: %s", name, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
}

/* Connects to ip:port until deadline or QEMU's exit (its status then in
 * *status, *exited set); sends PING 1 and appends the answer. */
static int vb_ping(const struct vb *v, pid_t qemu, int64_t deadline, struct buf *answer,
                   int *exited, int *status)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)v->port) };
    inet_pton(AF_INET, v->ip, &sa.sin_addr);
    while (clock_mono_ns() < deadline) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct timeval tv = { 2, 0 };
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(s, (struct sockaddr *)&sa, sizeof sa) == 0 && write(s, "PING 1\n", 7) == 7) {
            char b[64];
            ssize_t n = read(s, b, sizeof b);
            close(s);
            if (n > 0) buf_append(answer, b, (size_t)n);
            return n > 0 ? 0 : -1;
        }
        close(s);
        if (waitpid(qemu, status, WNOHANG) == qemu) {
            *exited = 1;
            buf_puts(answer, "QEMU exited before the server answered");
            return -1;
        }
        usleep(100000);
    }
    return -1;
}

/* Waits for pid until deadline; returns 0 if it exited, -1 if not. */
static int vb_wait(pid_t pid, int64_t deadline, int *status)
{
    while (clock_mono_ns() < deadline) {
        if (waitpid(pid, status, WNOHANG) == pid) return 0;
        usleep(50000);
    }
    return -1;
}

/* Obtains the kernel only: 0, or 77 when it cannot be had. */
static int vb_fetch(const char *cache)
{
    struct vmimg_kernel k;
    struct buf why = BUF_INIT;
    int64_t t0 = clock_mono_ns();
    int rc = vmimg_kernel_debian(cache, &k, &why);
    if (rc) printf("ok vm_boot # skipped: no guest kernel: %s\n", buf_cstr(&why));
    else printf("ok vm_kernel %s in %.2f s\n", buf_head(&k.version),
                (double)(clock_mono_ns() - t0) / 1e9);
    if (rc == 0) vmimg_kernel_free(&k);
    buf_free(&why);
    return rc ? 77 : 0;
}

/* Kernel, initramfs, disk overlay and kernel command line. */
static int vb_images(struct vb *v, struct vmimg_kernel *k, struct buf *initrd, struct buf *ovl,
                     struct buf *cmdline)
{
    struct buf why = BUF_INIT, disk = BUF_INIT;
    int64_t t0 = clock_mono_ns();
    if (vmimg_kernel_debian(v->cache, k, &why)) {
        printf("ok vm_boot # skipped: no guest kernel: %s\n", buf_cstr(&why));
        exit(77);
    }
    printf("# kernel %s (%d Hz)\n", buf_head(&k->version), k->hz);
    int rc = vmimg_initramfs(v->work, v->hostmix, k, v->machine, initrd, &why);
    vb_check(v, "vm_initramfs", rc == 0, buf_cstr(&why));
    if (rc == 0) rc = vmimg_disk(v->work, v->data, "vmboot-test", 0, &disk, &why);
    if (rc == 0 && v->disk_ro) {
        buf_puts(ovl, buf_cstr(&disk));
    } else if (rc == 0) {
        buf_printf(ovl, "%s/data.qcow2", v->work);
        rc = vmimg_overlay(buf_cstr(&disk), buf_cstr(ovl), &why);
        vb_check(v, "vm_disk_overlay", rc == 0, buf_cstr(&why));
    }
    printf("# images ready in %.2f s\n", (double)(clock_mono_ns() - t0) / 1e9);
    const char *from;
    struct vm_timing t = vm_guest_timing(v->accel, vmimg_host_tsc_khz("", &from), k->hz);
    struct buf listen = BUF_INIT;
    buf_printf(&listen, "%s:%d", v->ip, v->port);
    char *argv[] = { "serve", "idle", "--listen", (char *)buf_cstr(&listen), "--data", "/data" };
    struct gcfg g = { argv, 6, (char *)v->ip, 15, (char *)v->gw, "vda", !v->disk_ro };
    if (rc == 0) rc = gcfg_cmdline(&g, t.tsc_khz, t.lpj, cmdline, &why);
    if (rc) vb_check(v, "vm_cmdline", 0, buf_cstr(&why));
    buf_free(&listen);
    buf_free(&why);
    buf_free(&disk);
    return rc;
}

static pid_t vb_start(struct vb *v, const struct vm_qemu_cfg *c)
{
    struct strvec a = STRVEC_INIT;
    struct buf why = BUF_INIT;
    if (vm_qemu_argv(c, &a, &why)) {
        vb_check(v, "vm_qemu_argv", 0, buf_cstr(&why));
        return -1;
    }
    printf("# qemu argv:");
    for (size_t i = 0; i < a.n; i++) printf(" '%s'", a.v[i]);
    printf("\n");
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        execvp(a.v[0], a.v);
        perror(a.v[0]);
        _exit(127);
    }
    strvec_clear(&a);
    buf_free(&why);
    return pid;
}

/* Runs the guest: PING, agent query, power-off. */
static void vb_run(struct vb *v, struct vm_qemu_cfg *c, const char *agent_path)
{
    int64_t t0 = clock_mono_ns();
    pid_t pid = vb_start(v, c);
    if (pid < 0) return;
    struct buf ans = BUF_INIT, why = BUF_INIT;
    int status = 0, exited = 0;
    int rc = vb_ping(v, pid, t0 + 120 * CLOCK_NS_PER_S, &ans, &exited, &status);
    double boot = (double)(clock_mono_ns() - t0) / 1e9;
    vb_check(v, "vm_idle_pong", rc == 0 && strcmp(buf_cstr(&ans), "PONG 1\n") == 0, buf_cstr(&ans));
    printf("# boot to first PONG: %.2f s\n", boot);
    int fd = exited ? -1 : vm_agent_connect(agent_path, 5000, &why);
    struct agent_stat st;
    rc = fd >= 0 ? vm_agent_query(fd, 7, 30000, &st, &why) : -1;
    vb_check(v, "vm_agent_stat", rc == 0 && st.host.ncpu == c->vcpus && st.host.cpu[MEAS_IDLE] > 0,
             buf_cstr(&why));
    vb_check(v, "vm_agent_stat_numbered", rc == 0 && st.version == 3 && st.id == 7,
             "the guest did not echo the request number");
    if (rc == 0)
        printf("# guest: %d cpus, user %llu system %llu idle %llu ticks; server utime %llu "
               "stime %llu\n", st.host.ncpu, (unsigned long long)st.host.cpu[MEAS_USER],
               (unsigned long long)st.host.cpu[MEAS_SYSTEM], (unsigned long long)st.host.cpu[MEAS_IDLE],
               (unsigned long long)st.srv_utime, (unsigned long long)st.srv_stime);
    rc = fd >= 0 ? vm_agent_poweroff(fd, 30000, &why) : -1;
    vb_check(v, "vm_agent_poweroff", rc == 0, buf_cstr(&why));
    int64_t t1 = clock_mono_ns();
    rc = exited ? 0 : vb_wait(pid, t1 + 60 * CLOCK_NS_PER_S, &status);
    vb_check(v, "vm_qemu_exited", rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
             rc ? "QEMU still running after power-off" : "QEMU exit status not 0");
    printf("# power-off to QEMU exit: %.2f s\n", (double)(clock_mono_ns() - t1) / 1e9);
    if (rc) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    if (fd >= 0) close(fd);
    buf_free(&ans);
    buf_free(&why);
}

/* The guest's console shows the data disk mounted as asked and a clean
 * power-off. */
static void vb_console(struct vb *v, const char *path)
{
    FILE *f = fopen(path, "r");
    static char text[1 << 16];
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f) fclose(f);
    text[n] = '\0';
    const char *want = v->disk_ro ? "/dev/vda on /data (ro)" : "/dev/vda on /data (rw)";
    vb_check(v, v->disk_ro ? "vm_data_mounted_ro" : "vm_data_mounted_rw", strstr(text, want) != NULL,
             want);
    vb_check(v, "vm_console_power_down", strstr(text, "reboot: Power down") != NULL,
             "no 'reboot: Power down' on the console");
}

static void vb_args(struct vb *v, int argc, char **argv)
{
    static const struct option lo[] = {
        { "hostmix", 1, 0, 'h' }, { "cache", 1, 0, 'c' }, { "work", 1, 0, 'w' },
        { "data", 1, 0, 'd' },    { "tap", 1, 0, 't' },   { "ip", 1, 0, 'i' },
        { "gw", 1, 0, 'g' },      { "port", 1, 0, 'p' },  { "accel", 1, 0, 'a' },
        { "machine", 1, 0, 'm' }, { "fetch-kernel", 0, 0, 'f' }, { "mem", 1, 0, 'M' }, { "disk-ro", 0, 0, 'r' },
        { 0, 0, 0, 0 },
    };
    int o;
    while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o) {
        case 'h': v->hostmix = optarg; break;
        case 'c': v->cache = optarg; break;
        case 'w': v->work = optarg; break;
        case 'd': v->data = optarg; break;
        case 't': v->tap = optarg; break;
        case 'i': v->ip = optarg; break;
        case 'g': v->gw = optarg; break;
        case 'p': v->port = atoi(optarg); break;
        case 'a': v->accel = strcmp(optarg, "kvm") == 0 ? VM_ACCEL_KVM : VM_ACCEL_TCG; break;
        case 'm': v->machine = strcmp(optarg, "q35") == 0 ? VM_MACHINE_Q35 : VM_MACHINE_MICROVM; break;
        case 'f': v->fetch_only = 1; break;
        case 'M': v->mem_mib = atoi(optarg); break;
        case 'r': v->disk_ro = 1; break;
        default: exit(2);
        }
    }
    if (v->fetch_only && v->cache) return;
    if (!v->hostmix || !v->cache || !v->work || !v->data || !v->tap || !v->ip || !v->gw || !v->port) {
        fprintf(stderr, "vm-boot-test: missing options (see the file's header)\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    struct vb v = { 0 };
    v.mem_mib = 256;
    vb_args(&v, argc, argv);
    struct vmimg_kernel k;
    if (v.fetch_only) return vb_fetch(v.cache);
    struct buf initrd = BUF_INIT, ovl = BUF_INIT, cmd = BUF_INIT, why = BUF_INIT;
    struct buf qmp = BUF_INIT, agent = BUF_INIT, con = BUF_INIT;
    if (vb_images(&v, &k, &initrd, &ovl, &cmd) == 0) {
        int tap = vb_tap(v.tap, &why);
        vb_check(&v, "vm_tap_open", tap >= 0, buf_cstr(&why));
        buf_printf(&qmp, "%s/qmp.sock", v.work);
        buf_printf(&agent, "%s/agent.sock", v.work);
        buf_printf(&con, "%s/console.log", v.work);
        struct vm_disk d = { buf_cstr(&ovl), v.disk_ro ? VM_DISK_RAW : VM_DISK_QCOW2, v.disk_ro, 1,
                             VM_AIO_THREADS };
        struct vm_qemu_cfg c = {
            .accel = v.accel, .machine = v.machine, .name = "hostmix-vmboot", .vcpus = 1,
            .mem_bytes = (uint64_t)v.mem_mib << 20, .huge = VM_HUGE_NO,
            .kernel = buf_head(&k.vmlinuz), .initrd = buf_cstr(&initrd), .cmdline = buf_cstr(&cmd),
            .disks = &d, .ndisks = 1, .tap_fd = tap, .set = 1, .role = 6,
            .qmp_path = buf_cstr(&qmp), .agent_path = buf_cstr(&agent), .console_log = buf_cstr(&con),
        };
        if (tap >= 0) vb_run(&v, &c, buf_cstr(&agent));
        if (tap >= 0) vb_console(&v, buf_cstr(&con));
        if (tap >= 0) close(tap);
    }
    vmimg_kernel_free(&k);
    buf_free(&initrd);
    buf_free(&ovl);
    buf_free(&cmd);
    buf_free(&why);
    buf_free(&qmp);
    buf_free(&agent);
    buf_free(&con);
    return v.failed;
}
