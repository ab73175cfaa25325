/* init.c — PID 1 of a hostmix guest (see init.h).  Every failure is
 * logged to the console and ends in power-off: PID 1 must never exit. */
#include "guest/init.h"
#include "guest/agent.h"
#include "guest/gcfg.h"
#include "guest/gnet.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/exitcode.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define GUEST_DISK_WAIT_MS 5000
#define GUEST_PORT_WAIT_MS 5000
#define GUEST_STOP_WAIT_MS 5000
/* While no host is connected the port reports POLLHUP at once, so poll
 * cannot wait for a connection: look again this often.  The host keeps
 * its agent connection open for the guest's life (no wake-ups) but
 * connects again at its next sample after a missed answer, and waits 500
 * ms for that answer (VM_AGENT_TIMEOUT_MS): so well under that. */
#define GUEST_HUP_RETRY_MS 100

static void guest_console(void)
{
    int fd = open("/dev/console", O_RDWR | O_NOCTTY);
    if (fd < 0) return;
    for (int i = 0; i < 3; i++) dup2(fd, i);
    if (fd > 2) close(fd);
}

/* Syncs, unmounts the data disk and powers off.  Never returns. */
static void guest_poweroff(void)
{
    sync();
    if (umount2("/data", 0) < 0 && errno != EINVAL) log_warn("umount /data: %s", strerror(errno));
    log_info("powering off");
    reboot(RB_POWER_OFF);
    /* Without a power-off method, reset: QEMU's -no-reboot ends it. */
    reboot(RB_AUTOBOOT);
    for (;;) pause();
}

static int guest_mounts(void)
{
    static const struct { const char *src, *dir, *type; } m[] = {
        { "proc", "/proc", "proc" },     { "sysfs", "/sys", "sysfs" },
        { "devtmpfs", "/dev", "devtmpfs" }, { "tmpfs", "/tmp", "tmpfs" },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        mkdir(m[i].dir, 0755);
        if (mount(m[i].src, m[i].dir, m[i].type, MS_NOSUID, NULL) < 0 && errno != EBUSY) {
            log_error("mount %s: %s", m[i].dir, strerror(errno));
            return -1;
        }
    }
    return 0;
}

/* Loads one module file with finit_module; an already loaded one is fine. */
static int guest_load_module(const char *name)
{
    char *path = strfmt("%s/%s", GUEST_MODULES_DIR, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) log_error("%s: %s", path, strerror(errno));
    free(path);
    if (fd < 0) return -1;
    int rc = (int)syscall(SYS_finit_module, fd, "", 0);
    int err = errno;
    close(fd);
    if (rc < 0 && err != EEXIST) {
        log_error("load %s: %s", name, strerror(err));
        return -1;
    }
    log_debug("loaded %s", name);
    return 0;
}

static int guest_modules(void)
{
    FILE *f = fopen(GUEST_MODULES_LIST, "r");
    if (!f) {
        log_error("%s: %s", GUEST_MODULES_LIST, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    int rc = 0;
    while (rc == 0 && getline(&line, &cap, f) > 0) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] && !strchr(line, '/')) rc = guest_load_module(line);
    }
    free(line);
    fclose(f);
    return rc;
}

static int guest_network(const struct gcfg *g)
{
    struct buf why = BUF_INIT;
    int rc = gnet_up("lo", "127.0.0.1", 8, &why);
    if (rc == 0 && gnet_wait("eth0", GUEST_DISK_WAIT_MS) < 0) {
        buf_puts(&why, "no eth0 appeared");
        rc = -1;
    }
    if (rc == 0) rc = gnet_up("eth0", g->ip, g->prefix, &why);
    if (rc == 0 && g->gw) rc = gnet_route_default(g->gw, &why);
    if (rc) log_error("network: %s", buf_cstr(&why));
    else log_info("eth0 %s/%d", g->ip, g->prefix);
    buf_free(&why);
    return rc;
}

static int guest_disk(const struct gcfg *g)
{
    if (!g->disk) return 0;
    char *dev = strfmt("/dev/%s", g->disk);
    for (int t = 0; access(dev, F_OK) < 0 && t < GUEST_DISK_WAIT_MS; t += 20) usleep(20000);
    unsigned long fl = MS_NOATIME | (g->disk_rw ? 0 : MS_RDONLY);
    int rc = mount(dev, "/data", "ext4", fl, NULL);
    if (rc < 0) log_error("mount %s on /data: %s", dev, strerror(errno));
    else log_info("%s on /data (%s)", dev, g->disk_rw ? "rw" : "ro");
    free(dev);
    return rc < 0 ? -1 : 0;
}

/* Starts `hostmix SERVER-ARGV` from this same binary.  Returns its pid. */
static pid_t guest_server(const struct gcfg *g)
{
    pid_t pid = fork();
    if (pid != 0) return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    char **argv = calloc(g->argc + 2, sizeof *argv);
    if (!argv) _exit(127);
    argv[0] = "hostmix";
    for (size_t i = 0; i < g->argc; i++) argv[i + 1] = g->argv[i];
    char *envp[] = { "PATH=/", "HOME=/tmp", NULL };
    execve("/init", argv, envp);
    log_error("exec /init: %s", strerror(errno));
    _exit(127);
}

/* Whether /sys/class/virtio-ports/DEV/name holds our port's name. */
static int guest_is_agent_port(const char *dev)
{
    char *path = strfmt("/sys/class/virtio-ports/%s/name", dev);
    struct buf name = BUF_INIT;
    int is = 0;
    if (meas_read_buf("", path, &name) >= 0) {
        name.data[strcspn(name.data, "\n")] = '\0';
        is = strcmp(name.data, VM_AGENT_PORT) == 0;
    }
    buf_free(&name);
    free(path);
    return is;
}

/* Opens /dev/vportNpM whose /sys/class/virtio-ports/NAME/name is ours. */
static int guest_agent_open(void)
{
    for (int t = 0; t < GUEST_PORT_WAIT_MS; t += 50) {
        DIR *d = opendir("/sys/class/virtio-ports");
        struct dirent *e;
        while (d && (e = readdir(d))) {
            if (e->d_name[0] == '.' || !guest_is_agent_port(e->d_name)) continue;
            char *p = strfmt("/dev/%s", e->d_name);
            closedir(d);
            int fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) log_error("%s: %s", p, strerror(errno));
            free(p);
            return fd;
        }
        if (d) closedir(d);
        usleep(50000);
    }
    log_warn("no virtio port named " VM_AGENT_PORT "; serving without agent");
    return -1;
}

/* PID 1's state while the server runs. */
struct guest {
    pid_t server;
    int agent, sfd;
    struct buf in;          /* agent request bytes not yet handled */
    int server_done;
};

/* Writes all of b to the (non-blocking) agent port. */
static void guest_send(struct guest *gs, const struct buf *b)
{
    const char *p = buf_head(b);
    size_t left = buf_used(b);
    while (left) {
        ssize_t n = write(gs->agent, p, left);
        if (n > 0) {
            p += n;
            left -= (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            struct pollfd pf = { gs->agent, POLLOUT, 0 };
            if (poll(&pf, 1, 1000) == 0) break;
        } else {
            log_warn("agent write: %s", n < 0 ? strerror(errno) : "closed");
            break;
        }
    }
}

static void guest_reply_err(struct guest *gs, const char *msg)
{
    struct buf out = BUF_INIT;
    size_t len = strlen(msg);
    agent_frame_put(&out, "err", 1, &msg, &len);
    guest_send(gs, &out);
    buf_free(&out);
}

/* Answers a stat request; id (len idn, 0: none) is the request's number,
 * echoed as the frame's fourth section. */
static void guest_reply_stat(struct guest *gs, const char *id, size_t idn)
{
    struct buf host = BUF_INIT, proc = BUF_INIT;
    int64_t t0 = clock_mono_ns();
    ssize_t a = meas_read_buf("", "/proc/stat", &host);
    int64_t t1 = clock_mono_ns();
    ssize_t b = gs->server_done || a < 0 ? -1
              : meas_read_buf("", numstr_fmt("/proc/%d/stat", (int)gs->server).s, &proc);
    if (a < 0 || b < 0) {
        guest_reply_err(gs, a < 0 ? "cannot read /proc/stat" : "server process gone");
    } else {
        static char idle;               /* the kernel's way does not change */
        if (!idle) {
            enum meas_idle_kind k = meas_idle_kind("", NULL, 0);
            idle = k == MEAS_IDLE_MEASURED ? 'm' : k == MEAS_IDLE_TICK ? 't' : 'u';
        }
        const struct numstr mono = numstr_fmt("%lld %c", (long long)(t0 + (t1 - t0) / 2), idle);
        const char *sect[4] = { buf_head(&host), buf_head(&proc), mono.s, id };
        size_t len[4] = { buf_used(&host), buf_used(&proc), strlen(mono.s), idn };
        struct buf out = BUF_INIT;
        agent_frame_put(&out, "stat", idn ? 4 : 3, sect, len);
        guest_send(gs, &out);
        buf_free(&out);
    }
    buf_free(&host);
    buf_free(&proc);
}

/* Reaps every exited child; notes the server's end. */
static void guest_reap(struct guest *gs)
{
    struct signalfd_siginfo si;
    while (read(gs->sfd, &si, sizeof si) == sizeof si) {}
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (pid != gs->server) continue;
        gs->server_done = 1;
        if (WIFEXITED(st)) log_info("server exited with status %d", WEXITSTATUS(st));
        else log_info("server killed by signal %d", WTERMSIG(st));
    }
}

/* SIGTERM to the server, SIGKILL after GUEST_STOP_WAIT_MS. */
static void guest_stop_server(struct guest *gs)
{
    if (gs->server_done) return;
    kill(gs->server, SIGTERM);
    for (int t = 0; !gs->server_done && t < GUEST_STOP_WAIT_MS; t += 10) {
        usleep(10000);
        guest_reap(gs);
    }
    if (gs->server_done) return;
    kill(gs->server, SIGKILL);
    while (!gs->server_done) {
        usleep(10000);
        guest_reap(gs);
    }
}

/* Handles each complete request line in gs->in. */
static void guest_requests(struct guest *gs)
{
    for (;;) {
        const char *p = buf_head(&gs->in);
        const char *nl = memchr(p, '\n', buf_used(&gs->in));
        if (!nl) {
            if (buf_used(&gs->in) > 256) buf_reset(&gs->in);
            return;
        }
        size_t len = (size_t)(nl - p);
        if (len && p[len - 1] == '\r') len--;
        if (len == 4 && memcmp(p, "stat", 4) == 0) {
            guest_reply_stat(gs, NULL, 0);
        } else if (len > 5 && len <= 25 && memcmp(p, "stat ", 5) == 0 &&
                   strspn(p + 5, "0123456789") == len - 5) {
            guest_reply_stat(gs, p + 5, len - 5);
        } else if (len == 8 && memcmp(p, "poweroff", 8) == 0) {
            log_info("poweroff requested by the host");
            guest_stop_server(gs);
            sync();
            umount2("/data", 0);
            struct buf out = BUF_INIT;
            agent_frame_put(&out, "ok", 0, NULL, NULL);
            guest_send(gs, &out);
            buf_free(&out);
            guest_poweroff();
        } else {
            guest_reply_err(gs, "unknown request (want stat or poweroff)");
        }
        buf_consume(&gs->in, (size_t)(nl - p) + 1);
    }
}

/* Reads the agent port.  Returns 1 when the host is not connected. */
static int guest_agent_read(struct guest *gs)
{
    ssize_t n = read(gs->agent, buf_reserve(&gs->in, 4096), 4096);
    if (n > 0) {
        gs->in.len += (size_t)n;
        guest_requests(gs);
        return 0;
    }
    return n == 0 || errno != EINTR;
}

/* Serves the agent and reaps children until the server ends. */
static void guest_loop(struct guest *gs)
{
    int idle = 0;       /* host side closed: poll the port again later */
    while (!gs->server_done) {
        struct pollfd p[2] = { { gs->sfd, POLLIN, 0 }, { gs->agent, POLLIN, 0 } };
        int np = gs->agent >= 0 && !idle ? 2 : 1;
        int rc = poll(p, (nfds_t)np, idle ? GUEST_HUP_RETRY_MS : -1);
        idle = 0;
        if (rc < 0 && errno != EINTR) break;
        if (p[0].revents) guest_reap(gs);
        if (np == 2 && (p[1].revents & POLLIN)) idle = guest_agent_read(gs);
        else if (np == 2 && p[1].revents) idle = 1;
    }
}

/* Everything before the server starts; -1 on a fatal error. */
static int guest_setup(struct gcfg *g)
{
    if (guest_mounts()) return -1;
    guest_console();
    struct buf why = BUF_INIT, cmdline = BUF_INIT;
    int rc = meas_read_buf("", "/proc/cmdline", &cmdline) < 0 ? -1 : 0;
    if (rc) log_error("/proc/cmdline: %s", strerror(errno));
    if (rc == 0 && gcfg_decode(buf_cstr(&cmdline), g, &why)) {
        log_error("%s", buf_cstr(&why));
        rc = -1;
    }
    buf_free(&why);
    buf_free(&cmdline);
    if (rc == 0) rc = guest_modules();
    if (rc == 0) rc = guest_network(g);
    if (rc == 0) rc = guest_disk(g);
    return rc;
}

int guest_init_cmd(int argc, char **argv)
{
    if (getpid() != 1) {
        fprintf(stderr, "hostmix guest-init: runs only as PID 1 of a hostmix guest\n");
        return CLI_USAGE;
    }
    guest_console();
    log_set_tag("guest-init");
    struct gcfg g;
    memset(&g, 0, sizeof g);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct guest gs = { 0, -1, signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC), BUF_INIT, 0 };
    if (gs.sfd >= 0 && guest_setup(&g) == 0) {
        gs.server = guest_server(&g);
        if (gs.server > 0) {
            log_info("server %s started (pid %d)", g.argc > 1 ? g.argv[1] : "?", (int)gs.server);
            gs.agent = guest_agent_open();
            guest_loop(&gs);
        }
    }
    guest_poweroff();
    return CLI_FAILED;
}
