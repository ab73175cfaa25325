/* t_net.c — bridge, taps, veth, sweep and delete over rtnetlink, each
 * test run in a child process inside a network namespace of its own
 * (unshare(CLONE_NEWNET)), so nothing touches the host's links.  Needs
 * root; skipped with a message otherwise.  Links are read back through
 * netlink (net_link_get) since /sys/class/net shows the namespace that
 * mounted sysfs, not ours. */
#include "test.h"
#include "platform/net.h"
#include "platform/qmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Message of the first failed check of a scenario (in the child). */
static char fail_msg[512];

/* Records a failure message and returns 1 (for `if (CHECK...) return`). */
static int failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(fail_msg, sizeof fail_msg, fmt, ap);
    va_end(ap);
    return 1;
}

#define CHECK(c) do { if (!(c)) return failf("%s:%d: %s", __FILE__, __LINE__, #c); } while (0)
#define CHECKW(c, why) do { if (!(c)) return failf("%s:%d: %s: %s", __FILE__, __LINE__, #c, why); } while (0)

/* Runs scenario fn in a forked child inside a new network namespace.
 * Returns NULL when it passed, "skip: ..." when it cannot run here, or
 * the failure message (static). */
static const char *in_netns(int (*fn)(void))
{
    static char msg[512];
    if (geteuid() != 0) return "skip: not root (network namespaces need CAP_NET_ADMIN)";
    int p[2];
    if (pipe(p)) return "pipe failed";
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        int rc;
        if (unshare(CLONE_NEWNET) < 0) {
            snprintf(fail_msg, sizeof fail_msg, "skip: unshare(CLONE_NEWNET): %s", strerror(errno));
            rc = 2;
        } else {
            rc = fn();
        }
        if (rc && write(p[1], fail_msg, strlen(fail_msg)) < 0) rc = 1;
        _exit(rc);
    }
    close(p[1]);
    ssize_t r = read(p[0], msg, sizeof msg - 1);
    msg[r > 0 ? r : 0] = '\0';
    close(p[0]);
    int st;
    waitpid(pid, &st, 0);
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return NULL;
    if (!msg[0]) snprintf(msg, sizeof msg, "scenario child died (status 0x%x)", st);
    return msg;
}

/* Asserts a scenario passed, or prints why it was skipped. */
#define T_NETNS(fn) do { const char *m_ = in_netns(fn);                    \
        if (m_ && strncmp(m_, "skip: ", 6) == 0) T_SKIP("%s", m_ + 6);   \
        if (m_) { t_fail(__FILE__, __LINE__, "%s", m_); return; } } while (0)

TEST(net_names_and_plan)
{
    char b[IFNAMSIZ];
    T_EQ_INT(net_name(b, sizeof b, NET_BRIDGE, 4194304, 0), 0);
    T_EQ_STR(b, "hmxb4194304");
    T_EQ_INT(net_name(b, sizeof b, NET_TAP, 4194304, 999), 0);
    T_EQ_STR(b, "hmxt4194304.999");
    T_EQ_INT(strlen(b), IFNAMSIZ - 1);
    T_EQ_INT(net_name(b, sizeof b, NET_VETH, 12, 3), 0);
    T_EQ_STR(b, "hmxv12.3");
    T_EQ_INT(net_name(b, sizeof b, NET_TAP, 12, 1000), -1);
    T_EQ_INT(net_name(b, sizeof b, NET_TAP, 4194305, 0), -1);
    T_EQ_INT(net_name(b, sizeof b, NET_VETH, 12, -1), -1);
    T_EQ_INT(net_name(b, 6, NET_BRIDGE, 1234, 0), -1);
    char a[32];
    struct net_slot s0, s1, s3;
    net_slot_init(&s0, 0);
    net_slot_init(&s1, 1);
    net_slot_init(&s3, 3);
    T_EQ_STR(s0.cidr, "198.18.0.1/17");
    T_EQ_STR(s1.gw, "198.18.128.1");
    T_EQ_STR(s3.cidr, "198.19.128.1/17");
    T_EQ_INT(s0.fd, -1);
    T_EQ_INT(net_addr(&s0, 1, 0, a, sizeof a), 0);
    T_EQ_STR(a, "198.18.1.10");
    T_EQ_INT(net_addr(&s0, 64, 5, a, sizeof a), 0);
    T_EQ_STR(a, "198.18.64.15");
    T_EQ_INT(net_addr(&s1, 1, 0, a, sizeof a), 0);
    T_EQ_STR(a, "198.18.129.10");                         /* inside 198.18.128.0/17 */
    T_EQ_INT(net_addr(&s3, 64, 5, a, sizeof a), 0);
    T_EQ_STR(a, "198.19.192.15");                         /* inside 198.19.128.0/17 */
    T_EQ_INT(net_addr(&s0, 0, 0, a, sizeof a), -1);
    T_EQ_STR(a, "");
    T_EQ_INT(net_addr(&s0, 65, 0, a, sizeof a), -1);
    T_EQ_INT(net_addr(&s0, 1, 6, a, sizeof a), -1);
}

/* Runs that share the host take different address ranges: a slot held
 * (its lock file in /run) is not handed out again until released. */
TEST(net_slots_taken_apart)
{
    if (geteuid() != 0) T_SKIP("not root: the slots' lock files live in /run");
    struct net_slot a, b;
    char why[256];
    T_EQ_INT(net_slot_take(&a, why, sizeof why), 0);
    T_EQ_INT(net_slot_take(&b, why, sizeof why), 0);
    T_ASSERT(a.slot != b.slot && strcmp(a.cidr, b.cidr) != 0);
    int was = a.slot;
    net_slot_release(&a);
    T_EQ_INT(a.fd, -1);
    T_EQ_INT(net_slot_take(&a, why, sizeof why), 0);
    T_EQ_INT(a.slot, was);                                /* free again */
    net_slot_release(&a);
    net_slot_release(&b);
}

/* Returns 2 with a skip message when this system has no usable tun
 * device (some containers), else 0. */
static int no_tun(void)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return 0;
    }
    snprintf(fail_msg, sizeof fail_msg, "skip: /dev/net/tun: %s", strerror(errno));
    return 2;
}

/* Bridge and two taps: attached, up, addressed; a tap goes with its fd. */
static int sc_bridge_taps(void)
{
    if (no_tun()) return 2;
    char br[IFNAMSIZ], t0[IFNAMSIZ], t1[IFNAMSIZ], why[256] = "";
    pid_t me = getpid();
    net_name(br, sizeof br, NET_BRIDGE, me, 0);
    net_name(t0, sizeof t0, NET_TAP, me, 0);
    net_name(t1, sizeof t1, NET_TAP, me, 1);
    CHECKW(net_bridge_create(br, "198.18.0.1/17", why, sizeof why) == 0, why);
    struct net_link lb, l0, l1;
    CHECK(net_link_get(br, &lb) == 0);
    CHECK(strcmp(lb.kind, "bridge") == 0 && lb.up && lb.master == 0);
    CHECKW(strcmp(lb.addr, "198.18.0.1/17") == 0, lb.addr);
    CHECK(net_bridge_create(br, "198.18.0.1/17", why, sizeof why) == -1);
    CHECKW(strstr(why, "File exists") && strstr(why, br), why);
    int f0 = -1, f1 = -1;
    CHECKW(net_tap_open(t0, br, &f0, why, sizeof why) == 0, why);
    CHECKW(net_tap_open(t1, br, &f1, why, sizeof why) == 0, why);
    CHECK(net_link_get(t0, &l0) == 0 && net_link_get(t1, &l1) == 0);
    CHECK(strcmp(l0.kind, "tun") == 0 && l0.up && l0.master == lb.ifindex);
    CHECK(strcmp(l1.kind, "tun") == 0 && l1.up && l1.master == lb.ifindex);
    struct ifreq ifr;
    CHECK(ioctl(f0, TUNGETIFF, &ifr) == 0);
    CHECK((ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) == (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR));
    CHECK((fcntl(f0, F_GETFD) & FD_CLOEXEC) != 0);
    close(f0);
    CHECK(net_link_get(t0, &l0) == -1 && errno == ENODEV);       /* not persistent */
    CHECK(net_tap_open(t0, "hmxnobridge", &f0, why, sizeof why) == -1);
    CHECKW(strstr(why, "hmxnobridge") != NULL, why);
    CHECK(net_link_get(t0, &l0) == -1);                          /* nothing left */
    close(f1);
    CHECK(net_link_del(br) == 0);
    CHECK(net_link_get(br, &lb) == -1 && net_link_get(t1, &l1) == -1);
    CHECK(net_link_del(br) == -1 && errno == ENODEV);
    return 0;
}

TEST(net_bridge_taps)
{
    T_NETNS(sc_bridge_taps);
}

/* Checks, inside the container's namespace, eth0's address, lo and the
 * default route (a UDP connect to an address outside 198.18.0.0/15 picks
 * eth0's address as source only through the default route). */
static int sc_inside_checks(void)
{
    struct net_link e, lo;
    CHECK(net_link_get("eth0", &e) == 0 && net_link_get("lo", &lo) == 0);
    CHECKW(strcmp(e.addr, "198.18.1.10/15") == 0, e.addr);
    CHECK(strcmp(e.kind, "veth") == 0 && e.up && lo.up);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in d = { .sin_family = AF_INET, .sin_port = htons(9) }, src;
    socklen_t sl = sizeof src;
    inet_pton(AF_INET, "192.0.2.1", &d.sin_addr);
    int c = connect(s, (struct sockaddr *)&d, sizeof d);
    int g = getsockname(s, (struct sockaddr *)&src, &sl);
    close(s);
    CHECKW(c == 0, strerror(errno));
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &src.sin_addr, ip, sizeof ip);
    CHECKW(g == 0 && strcmp(ip, "198.18.1.10") == 0, ip);
    return 0;
}

/* A "container": its own namespace; waits for "go", runs the inside
 * checks, writes the result ("ok" or the failure) and exits. */
static pid_t container(int *go, int *result)
{
    int a[2], b[2];
    if (pipe(a) || pipe(b)) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(a[1]);
        close(b[0]);
        int rc = unshare(CLONE_NEWNET);
        if (write(b[1], rc ? "E" : "R", 1) != 1) _exit(1);
        char c;
        if (rc || read(a[0], &c, 1) != 1) _exit(1);
        const char *m = sc_inside_checks() ? fail_msg : "ok";
        _exit(write(b[1], m, strlen(m)) < 0);
    }
    close(a[0]);
    close(b[1]);
    *go = a[1];
    *result = b[0];
    char c = 0;
    if (read(b[0], &c, 1) != 1 || c != 'R') return -1;
    return pid;
}

/* veth into a container's namespace, the host end on the bridge. */
static int sc_veth(void)
{
    char br[IFNAMSIZ], v0[IFNAMSIZ], why[256] = "", res[512] = "";
    net_name(br, sizeof br, NET_BRIDGE, getpid(), 0);
    net_name(v0, sizeof v0, NET_VETH, getpid(), 0);
    CHECKW(net_bridge_create(br, "198.18.0.1/15", why, sizeof why) == 0, why);
    int go, result;
    pid_t c = container(&go, &result);
    CHECK(c > 0);
    int rc = net_veth_create(v0, "eth0", br, c, "198.18.1.10/15", "198.18.0.1", why, sizeof why);
    /* the host end, read while the namespace lives: once its process has
     * exited, the kernel removes the pair with the namespace, later */
    struct net_link lb, lv;
    int got = rc == 0 && net_link_get(br, &lb) == 0 && net_link_get(v0, &lv) == 0;
    if (write(go, "g", 1) != 1) rc = -9;
    ssize_t r = read(result, res, sizeof res - 1);
    res[r > 0 ? r : 0] = '\0';
    close(go);
    close(result);
    waitpid(c, NULL, 0);
    CHECKW(rc == 0, why);
    CHECKW(strcmp(res, "ok") == 0, res);
    CHECK(got);
    CHECK(strcmp(lv.kind, "veth") == 0 && lv.up && lv.master == lb.ifindex);
    /* a second pair into a namespace that is gone fails and leaves nothing */
    char v1[IFNAMSIZ];
    net_name(v1, sizeof v1, NET_VETH, getpid(), 1);
    CHECK(net_veth_create(v1, "eth0", br, c, "198.18.1.11/15", "198.18.0.1", why, sizeof why) == -1);
    CHECK(net_link_get(v1, &lv) == -1);
    CHECK(net_veth_create(v1, "eth0", br, getpid(), "198.18.1.11/33", "198.18.0.1", why, sizeof why) == -1);
    CHECKW(strstr(why, "bad address"), why);
    /* v0 goes with the namespace, or here if the kernel has not got to it */
    CHECK((net_link_del(v0) == 0 || errno == ENODEV) && net_link_get(v0, &lv) == -1);
    CHECK(net_link_del(br) == 0);
    return 0;
}

TEST(net_veth_into_netns)
{
    T_NETNS(sc_veth);
}

/* A pid that no longer exists: a child that has exited and been reaped. */
static pid_t dead_pid(void)
{
    pid_t p = fork();
    if (p == 0) _exit(0);
    waitpid(p, NULL, 0);
    return p;
}

/* Sweep removes the links of a dead pid and keeps live and foreign ones. */
static int sc_sweep(void)
{
    if (no_tun()) return 2;
    char live[IFNAMSIZ], d0[IFNAMSIZ], d1[IFNAMSIZ], why[256] = "";
    pid_t dead = dead_pid();
    CHECK(kill(dead, 0) == -1 && errno == ESRCH);
    net_name(live, sizeof live, NET_BRIDGE, getpid(), 0);
    net_name(d0, sizeof d0, NET_BRIDGE, dead, 0);
    net_name(d1, sizeof d1, NET_TAP, dead, 7);
    CHECKW(net_bridge_create(live, "198.18.0.1/15", why, sizeof why) == 0, why);
    CHECKW(net_bridge_create(d0, "198.19.0.1/16", why, sizeof why) == 0, why);
    int fd;
    CHECKW(net_tap_open(d1, d0, &fd, why, sizeof why) == 0, why);
    CHECKW(net_bridge_create("hmxbogus", "198.19.1.1/24", why, sizeof why) == 0, why);
    /* a tap of a dead run that is still open (fd kept) is removed too */
    CHECK(net_sweep_stale(NET_PREFIX) == 2);
    struct net_link l;
    CHECK(net_link_get(d0, &l) == -1 && net_link_get(d1, &l) == -1);
    CHECK(net_link_get(live, &l) == 0 && net_link_get("hmxbogus", &l) == 0);
    CHECK(net_sweep_stale(NET_PREFIX) == 0);
    close(fd);
    CHECK(net_link_del(live) == 0 && net_link_del("hmxbogus") == 0);
    CHECK(net_sweep_stale("") == -1 && errno == EINVAL);
    return 0;
}

TEST(net_sweep)
{
    T_NETNS(sc_sweep);
}

TEST(net_bad_input)
{
    char why[256];
    int fd;
    T_EQ_INT(net_bridge_create("hmxb-way-too-long-name", "198.18.0.1/15", why, sizeof why), -1);
    T_ASSERT(strstr(why, "bad interface name"));
    T_EQ_INT(net_bridge_create("hmxb1", "198.18.0.1", why, sizeof why), -1);
    T_ASSERT(strstr(why, "bad address"));
    T_EQ_INT(net_tap_open("", "hmxb1", &fd, why, sizeof why), -1);
    T_EQ_INT(net_veth_create("a", "eth0", "b", 1, "198.18.1.10/15", "nope", why, sizeof why), -1);
    T_ASSERT(strstr(why, "bad gateway"));
    T_EQ_INT(net_veth_create("a", "eth0", "b", 0, "198.18.1.10/15", "198.18.0.1", why, sizeof why), -1);
    T_ASSERT(strstr(why, "namespace pid"));
    T_EQ_INT(net_link_del(""), -1);
}

/* QEMU takes the tap fd as handed over (FD_CLOEXEC cleared in the child
 * only): -netdev tap,fd=N without vnet_hdr= (QEMU probes the flag). */
static pid_t qemu_with_tap(int fd, const char *sock)
{
    char netdev[64], qmp[160];
    snprintf(netdev, sizeof netdev, "tap,id=n0,fd=%d", fd);
    snprintf(qmp, sizeof qmp, "unix:%s,server=on,wait=off", sock);
    pid_t pid = fork();
    if (pid == 0) {
        fcntl(fd, F_SETFD, 0);
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        execlp("qemu-system-x86_64", "qemu-system-x86_64", "-M", "microvm", "-accel", "tcg",
               "-nodefaults", "-display", "none", "-S", "-netdev", netdev,
               "-device", "virtio-net-device,netdev=n0", "-qmp", qmp, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Asks QEMU for "info network" over QMP into out; 0 or -1 with why. */
static int qemu_info_network(const char *sock, struct buf *out, char *why, size_t n)
{
    struct qmp *q = qmp_connect(sock, 10000, why, n);
    if (!q) return -1;
    int rc = qmp_exec(q, "human-monitor-command", "{\"command-line\": \"info network\"}",
                      out, why, n);
    qmp_quit(q, why, n);
    qmp_close(q);
    return rc;
}

static int sc_qemu_tap(void)
{
    if (no_tun()) return 2;
    char br[IFNAMSIZ], t0[IFNAMSIZ], why[256] = "", sock[108];
    net_name(br, sizeof br, NET_BRIDGE, getpid(), 0);
    net_name(t0, sizeof t0, NET_TAP, getpid(), 0);
    snprintf(sock, sizeof sock, "/tmp/hmx-t-net-%d.sock", (int)getpid());
    CHECKW(net_bridge_create(br, "198.18.0.1/15", why, sizeof why) == 0, why);
    int fd;
    CHECKW(net_tap_open(t0, br, &fd, why, sizeof why) == 0, why);
    pid_t q = qemu_with_tap(fd, sock);
    close(fd);                                  /* QEMU holds the tap now */
    struct buf info = BUF_INIT;
    int rc = qemu_info_network(sock, &info, why, sizeof why);
    int st = -1;
    for (int i = 0; i < 1000 && waitpid(q, &st, WNOHANG) == 0; i++) usleep(10000);
    if (!WIFEXITED(st)) { kill(q, SIGKILL); waitpid(q, &st, 0); }
    unlink(sock);
    int tap_seen = strstr(buf_cstr(&info), "type=tap,fd=") != NULL;
    buf_free(&info);
    CHECKW(rc == 0, why);
    CHECK(tap_seen);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    struct net_link l;
    CHECK(net_link_get(t0, &l) == -1 && errno == ENODEV);        /* gone with QEMU */
    CHECK(net_link_del(br) == 0);
    return 0;
}

TEST(net_qemu_takes_tap)
{
    if (system("command -v qemu-system-x86_64 >/dev/null 2>&1") != 0) {
        T_SKIP("qemu-system-x86_64 not installed (scripts/deps.sh test)");
    }
    T_NETNS(sc_qemu_tap);
}
