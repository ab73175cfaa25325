/* net.c — bridges, taps and veths over rtnetlink; see net.h.
 *
 * Why libmnl rather than exec'ing iproute2 (`ip link add ...`): every
 * request gets its own netlink acknowledgement, so a failure comes back
 * as the exact errno of that request (EEXIST, EPERM, ENODEV) instead of
 * text to parse; reading links back is a structured dump, not `ip`
 * output whose format changes between versions; and no process is
 * forked per link, which matters with a tap per VM and a veth per
 * container across 64 sets.  libmnl only frames and walks netlink
 * messages; the requests are the kernel's own structures. */
#include "platform/net.h"
#include "core/buf.h"
#include "core/fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* if_nametoindex without <net/if.h>, which clashes with <linux/if.h>. */
extern unsigned int if_nametoindex(const char *ifname);

#define NL_BUF 16384

/* One rtnetlink socket and the buffer its requests and replies use. */
struct nl {
    struct mnl_socket *s;
    unsigned portid, seq;
    char buf[NL_BUF];
};

/* Opens an rtnetlink socket in the calling thread's network namespace.
 * Returns 0 or -1 with errno. */
static int nl_open(struct nl *nl)
{
    nl->s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl->s) return -1;
    if (mnl_socket_bind(nl->s, 0, MNL_SOCKET_AUTOPID) < 0) {
        int e = errno;
        mnl_socket_close(nl->s);
        errno = e;
        return -1;
    }
    nl->portid = mnl_socket_get_portid(nl->s);
    nl->seq = 1;
    return 0;
}

static void nl_close(struct nl *nl)
{
    if (nl->s) mnl_socket_close(nl->s);
    nl->s = NULL;
}

/* Starts a request of type with flags (NLM_F_REQUEST | NLM_F_ACK added)
 * and an extra header of hlen zeroed bytes, returned in *hdr. */
static struct nlmsghdr *nl_req(struct nl *nl, int type, int flags, void **hdr, size_t hlen)
{
    struct nlmsghdr *h = mnl_nlmsg_put_header(nl->buf);
    h->nlmsg_type = (uint16_t)type;
    h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    h->nlmsg_seq = ++nl->seq;
    *hdr = mnl_nlmsg_put_extra_header(h, hlen);
    return h;
}

/* Sends h and runs cb (may be NULL) on each reply until the ack or the
 * end of a dump.  Returns 0, or -1 with errno (the kernel's, for a
 * refused request). */
static int nl_talk(struct nl *nl, struct nlmsghdr *h, mnl_cb_t cb, void *data)
{
    unsigned seq = h->nlmsg_seq;
    if (mnl_socket_sendto(nl->s, h, h->nlmsg_len) < 0) return -1;
    for (;;) {
        ssize_t r = mnl_socket_recvfrom(nl->s, nl->buf, sizeof nl->buf);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        int rc = mnl_cb_run(nl->buf, (size_t)r, seq, nl->portid, cb, data);
        if (rc <= MNL_CB_STOP) return rc < 0 ? -1 : 0;
    }
}

/* ifindex of name in the calling thread's namespace, or 0 (errno ENODEV). */
static int nl_index(const char *name)
{
    unsigned i = if_nametoindex(name);
    if (!i) errno = ENODEV;
    return (int)i;
}

/* Checks an interface name: non-empty and shorter than IFNAMSIZ. */
static int net_name_ok(const char *name, char *why, size_t n)
{
    if (name && name[0] && strlen(name) < IFNAMSIZ && !strchr(name, '/')) return 0;
    snprintf(why, n, "net: bad interface name \"%s\" (1..%d characters)",
             name ? name : "", IFNAMSIZ - 1);
    return -1;
}

/* Writes "net: WHAT NAME: strerror(errno)" into why; returns -1. */
static int net_fail(char *why, size_t n, const char *what, const char *name)
{
    snprintf(why, n, "net: %s %s: %s", what, name, strerror(errno));
    return -1;
}

/* ---- requests ------------------------------------------------------- */

/* RTM_NEWLINK on an existing link: up and/or master (master < 0 leaves
 * it).  Returns 0 or -1 with errno. */
static int nl_link_set(struct nl *nl, int ifindex, int up, int master)
{
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = nl_req(nl, RTM_NEWLINK, 0, (void **)&ifi, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    if (up) {
        ifi->ifi_change = IFF_UP;
        ifi->ifi_flags = IFF_UP;
    }
    if (master >= 0) mnl_attr_put_u32(h, IFLA_MASTER, (uint32_t)master);
    return nl_talk(nl, h, NULL, NULL);
}

/* Parses "a.b.c.d/len" (len 0..32); 0 or -1. */
static int net_cidr(const char *cidr, struct in_addr *a, int *len)
{
    char ip[INET_ADDRSTRLEN];
    const char *slash = cidr ? strchr(cidr, '/') : NULL;
    if (!slash || (size_t)(slash - cidr) >= sizeof ip) return -1;
    memcpy(ip, cidr, (size_t)(slash - cidr));
    ip[slash - cidr] = '\0';
    char *end;
    long l = strtol(slash + 1, &end, 10);
    if (end == slash + 1 || *end || l < 0 || l > 32) return -1;
    *len = (int)l;
    return inet_pton(AF_INET, ip, a) == 1 ? 0 : -1;
}

/* RTM_NEWADDR: address a/len on ifindex.  0 or -1 with errno. */
static int nl_addr_add(struct nl *nl, int ifindex, struct in_addr a, int len)
{
    struct ifaddrmsg *ifa;
    struct nlmsghdr *h = nl_req(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL,
                                (void **)&ifa, sizeof *ifa);
    ifa->ifa_family = AF_INET;
    ifa->ifa_prefixlen = (unsigned char)len;
    ifa->ifa_scope = RT_SCOPE_UNIVERSE;
    ifa->ifa_index = (unsigned)ifindex;
    mnl_attr_put(h, IFA_LOCAL, sizeof a, &a);
    mnl_attr_put(h, IFA_ADDRESS, sizeof a, &a);
    return nl_talk(nl, h, NULL, NULL);
}

/* RTM_NEWROUTE: default route via gw out of ifindex.  0 or -1 with errno. */
static int nl_default_route(struct nl *nl, int ifindex, struct in_addr gw)
{
    struct rtmsg *rt;
    struct nlmsghdr *h = nl_req(nl, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL,
                                (void **)&rt, sizeof *rt);
    rt->rtm_family = AF_INET;
    rt->rtm_table = RT_TABLE_MAIN;
    rt->rtm_protocol = RTPROT_BOOT;
    rt->rtm_scope = RT_SCOPE_UNIVERSE;
    rt->rtm_type = RTN_UNICAST;
    mnl_attr_put(h, RTA_GATEWAY, sizeof gw, &gw);
    mnl_attr_put_u32(h, RTA_OIF, (uint32_t)ifindex);
    return nl_talk(nl, h, NULL, NULL);
}

/* RTM_DELLINK by index.  0 or -1 with errno. */
static int nl_link_del(struct nl *nl, int ifindex)
{
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = nl_req(nl, RTM_DELLINK, 0, (void **)&ifi, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_index = ifindex;
    return nl_talk(nl, h, NULL, NULL);
}

/* Deletes link name in the calling thread's namespace; 0 or -1/errno. */
static int net_del_name(struct nl *nl, const char *name)
{
    int i = nl_index(name);
    return i ? nl_link_del(nl, i) : -1;
}

/* ---- names and addresses ------------------------------------------- */

int net_name(char *dst, size_t n, enum net_kind kind, pid_t pid, int idx)
{
    int w;
    if (pid <= 0 || pid > 4194304) return -1;
    if (kind == NET_BRIDGE)
        w = snprintf(dst, n, NET_PREFIX "b%d", (int)pid);
    else if ((kind == NET_TAP || kind == NET_VETH) && idx >= 0 && idx <= NET_IDX_MAX)
        w = snprintf(dst, n, NET_PREFIX "%c%d.%d", (char)kind, (int)pid, idx);
    else
        return -1;
    return w > 0 && (size_t)w < n && w < IFNAMSIZ ? 0 : -1;
}

/* ---- address slots ---------------------------------------------------- */

void net_slot_init(struct net_slot *s, int k)
{
    k = k >= 0 && k < NET_SLOTS ? k : 0;
    s->slot = k;
    s->fd = -1;
    snprintf(s->gw, sizeof s->gw, "198.%d.%d.1", 18 + k / 2, 128 * (k % 2));
    snprintf(s->cidr, sizeof s->cidr, "%s/%d", s->gw, NET_PREFIXLEN);
}

/* Opens slot k's lock file and tries to take it: 1 taken (s filled), 0
 * held by another run, -1 with why. */
static int net_slot_try(struct net_slot *s, int k, char *why, size_t n)
{
    struct buf path = BUF_INIT;
    buf_printf(&path, "/run/hostmix.net%d", k);
    int fd = fs_open_own(buf_cstr(&path), O_RDWR, why, n), rc = fd < 0 ? -1 : 0;
    buf_free(&path);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
        net_slot_init(s, k);
        s->fd = fd;
        return 1;
    }
    if (fd >= 0) close(fd);
    return rc;
}

int net_slot_take(struct net_slot *s, char *why, size_t n)
{
    for (int k = 0; k < NET_SLOTS; k++) {
        int rc = net_slot_try(s, k, why, n);
        if (rc) return rc > 0 ? 0 : -1;
    }
    snprintf(why, n, "all %d address ranges of 198.18.0.0/15 are held by other runs", NET_SLOTS);
    return -1;
}

void net_slot_release(struct net_slot *s)
{
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
}

int net_addr(const struct net_slot *s, int set, int role, char *dst, size_t n)
{
    if (set < 1 || set > NET_SETS || role < 0 || role >= NET_ROLES) {
        if (n) dst[0] = '\0';
        return -1;
    }
    int w = snprintf(dst, n, "198.%d.%d.%d", 18 + s->slot / 2, 128 * (s->slot % 2) + set,
                     10 + role);
    return w > 0 && (size_t)w < n ? 0 : -1;
}

/* ---- bridge --------------------------------------------------------- */

/* RTM_NEWLINK creating a bridge; 0 or -1 with errno. */
static int nl_bridge_add(struct nl *nl, const char *name)
{
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = nl_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                                (void **)&ifi, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(h, IFLA_IFNAME, name);
    struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(h, info);
    return nl_talk(nl, h, NULL, NULL);
}

/* Addresses and raises the new bridge; -1 with why. */
static int net_bridge_setup(struct nl *nl, const char *name, struct in_addr a, int len,
                            char *why, size_t n)
{
    int i = nl_index(name);
    if (!i) return net_fail(why, n, "find bridge", name);
    if (nl_addr_add(nl, i, a, len)) return net_fail(why, n, "address bridge", name);
    if (nl_link_set(nl, i, 1, -1)) return net_fail(why, n, "bring up bridge", name);
    return 0;
}

int net_bridge_create(const char *name, const char *cidr, char *why, size_t n)
{
    struct in_addr a;
    int len;
    if (net_name_ok(name, why, n)) return -1;
    if (net_cidr(cidr, &a, &len)) {
        snprintf(why, n, "net: bad address \"%s\" (want a.b.c.d/len)", cidr ? cidr : "");
        return -1;
    }
    struct nl *nl = calloc(1, sizeof *nl);
    if (!nl) abort();
    int rc = nl_open(nl) ? net_fail(why, n, "netlink socket for", name) : 0;
    if (rc == 0 && nl_bridge_add(nl, name)) rc = net_fail(why, n, "create bridge", name);
    else if (rc == 0 && net_bridge_setup(nl, name, a, len, why, n)) {
        rc = -1;
        net_del_name(nl, name);
    }
    nl_close(nl);
    free(nl);
    return rc;
}

/* ---- tap ------------------------------------------------------------ */

/* Attaches ifindex to bridge and brings it up; -1 with why. */
static int net_attach(const char *name, const char *bridge, char *why, size_t n)
{
    int i = nl_index(name), b = nl_index(bridge);
    if (!i) return net_fail(why, n, "find", name);
    if (!b) return net_fail(why, n, "find bridge", bridge);
    struct nl *nl = calloc(1, sizeof *nl);
    if (!nl) abort();
    int rc = nl_open(nl) ? net_fail(why, n, "netlink socket for", name) : 0;
    if (rc == 0 && nl_link_set(nl, i, 1, b)) {
        snprintf(why, n, "net: attach to %s and bring up %s: %s", bridge, name, strerror(errno));
        rc = -1;
    }
    nl_close(nl);
    free(nl);
    return rc;
}

int net_tap_open(const char *name, const char *bridge, int *fd, char *why, size_t n)
{
    if (net_name_ok(name, why, n) || net_name_ok(bridge, why, n)) return -1;
    int t = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (t < 0) return net_fail(why, n, "open", "/dev/net/tun");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    memcpy(ifr.ifr_name, name, strlen(name));
    if (ioctl(t, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(t);
        errno = e;
        return net_fail(why, n, "create tap", name);
    }
    if (net_attach(name, bridge, why, n)) {
        close(t);                               /* the tap goes with it */
        return -1;
    }
    *fd = t;
    return 0;
}

/* ---- veth ----------------------------------------------------------- */

/* RTM_NEWLINK creating veth host_end with peer born in the namespace of
 * pid.  0 or -1 with errno. */
static int nl_veth_add(struct nl *nl, const char *host_end, const char *peer, pid_t pid)
{
    struct ifinfomsg *ifi;
    struct nlmsghdr *h = nl_req(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                                (void **)&ifi, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    mnl_attr_put_strz(h, IFLA_IFNAME, host_end);
    struct nlattr *info = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "veth");
    struct nlattr *data = mnl_attr_nest_start(h, IFLA_INFO_DATA);
    struct nlattr *pe = mnl_attr_nest_start(h, VETH_INFO_PEER);
    struct ifinfomsg *pi = mnl_nlmsg_get_payload_tail(h);
    memset(pi, 0, sizeof *pi);
    pi->ifi_family = AF_UNSPEC;
    h->nlmsg_len += MNL_ALIGN(sizeof *pi);
    mnl_attr_put_strz(h, IFLA_IFNAME, peer);
    mnl_attr_put_u32(h, IFLA_NET_NS_PID, (uint32_t)pid);
    mnl_attr_nest_end(h, pe);
    mnl_attr_nest_end(h, data);
    mnl_attr_nest_end(h, info);
    return nl_talk(nl, h, NULL, NULL);
}

/* What the thread inside the namespace does, and its outcome (why is
 * the caller's: it waits for the thread before reading it). */
struct net_inside {
    pid_t pid;
    const char *peer;
    struct in_addr addr, gw;
    int len;
    int rc;
    char *why;
    size_t n;
};

/* Addresses and raises peer and lo and adds the default route, in the
 * calling thread's namespace; -1 with why. */
static int net_inside_setup(struct net_inside *in)
{
    char *why = in->why;
    size_t n = in->n;
    struct nl *nl = calloc(1, sizeof *nl);
    if (!nl) abort();
    int rc = nl_open(nl) ? net_fail(why, n, "netlink socket for", in->peer) : 0;
    int i = rc ? 0 : nl_index(in->peer), lo = rc ? 0 : nl_index("lo");
    if (rc == 0 && (!i || !lo)) rc = net_fail(why, n, "find in namespace", i ? "lo" : in->peer);
    if (rc == 0 && nl_addr_add(nl, i, in->addr, in->len)) rc = net_fail(why, n, "address", in->peer);
    if (rc == 0 && nl_link_set(nl, i, 1, -1)) rc = net_fail(why, n, "bring up", in->peer);
    if (rc == 0 && nl_link_set(nl, lo, 1, -1)) rc = net_fail(why, n, "bring up", "lo");
    if (rc == 0 && nl_default_route(nl, i, in->gw)) rc = net_fail(why, n, "default route via", in->peer);
    nl_close(nl);
    free(nl);
    return rc;
}

/* Thread body: joins the namespace of in->pid (only this thread moves)
 * and sets it up; the thread's end discards its namespace membership. */
static void *net_inside_thread(void *arg)
{
    struct net_inside *in = arg;
    struct buf path = BUF_INIT;
    buf_printf(&path, "/proc/%d/ns/net", (int)in->pid);
    int fd = open(buf_cstr(&path), O_RDONLY | O_CLOEXEC);
    if (fd < 0) in->rc = net_fail(in->why, in->n, "open", buf_cstr(&path));
    else if (setns(fd, CLONE_NEWNET) < 0) in->rc = net_fail(in->why, in->n, "setns", buf_cstr(&path));
    else in->rc = net_inside_setup(in);
    if (fd >= 0) close(fd);
    buf_free(&path);
    return NULL;
}

/* Runs net_inside_setup in the namespace of in->pid; -1 with in->why. */
static int net_inside_run(struct net_inside *in)
{
    pthread_t th;
    int e = pthread_create(&th, NULL, net_inside_thread, in);
    if (e) {
        errno = e;
        return net_fail(in->why, in->n, "thread for", in->peer);
    }
    pthread_join(th, NULL);
    return in->rc;
}

/* Checks the veth arguments into in; -1 with why. */
static int net_veth_args(struct net_inside *in, const char *host_end, const char *peer,
                         const char *bridge, const char *cidr, const char *gw,
                         char *why, size_t n)
{
    if (net_name_ok(host_end, why, n) || net_name_ok(peer, why, n) ||
        net_name_ok(bridge, why, n)) return -1;
    if (in->pid <= 0) {
        snprintf(why, n, "net: bad namespace pid %d", (int)in->pid);
        return -1;
    }
    if (net_cidr(cidr, &in->addr, &in->len)) {
        snprintf(why, n, "net: bad address \"%s\" (want a.b.c.d/len)", cidr ? cidr : "");
        return -1;
    }
    if (!gw || inet_pton(AF_INET, gw, &in->gw) != 1) {
        snprintf(why, n, "net: bad gateway \"%s\"", gw ? gw : "");
        return -1;
    }
    return 0;
}

int net_veth_create(const char *host_end, const char *peer, const char *bridge,
                    pid_t netns_pid, const char *peer_cidr, const char *gw,
                    char *why, size_t n)
{
    struct net_inside in = { .pid = netns_pid, .peer = peer, .why = why, .n = n };
    if (net_veth_args(&in, host_end, peer, bridge, peer_cidr, gw, why, n)) return -1;
    struct nl *nl = calloc(1, sizeof *nl);
    if (!nl) abort();
    int rc = nl_open(nl) ? net_fail(why, n, "netlink socket for", host_end) : 0;
    if (rc == 0 && nl_veth_add(nl, host_end, peer, netns_pid))
        rc = net_fail(why, n, "create veth", host_end);
    else if (rc == 0 && (net_attach(host_end, bridge, why, n) || net_inside_run(&in))) {
        net_del_name(nl, host_end);             /* takes the peer with it */
        rc = -1;
    }
    nl_close(nl);
    free(nl);
    return rc;
}

/* ---- delete, sweep, read back -------------------------------------- */

int net_link_del(const char *name)
{
    if (!name || !name[0] || strlen(name) >= IFNAMSIZ) {
        errno = EINVAL;
        return -1;
    }
    struct nl *nl = calloc(1, sizeof *nl);
    if (!nl) abort();
    int rc = nl_open(nl) ? -1 : net_del_name(nl, name);
    int e = errno;
    nl_close(nl);
    free(nl);
    errno = e;
    return rc;
}

/* The pid in a name PREFIX[letter]<pid>[.<n>], or 0 if it is not one. */
static pid_t net_name_pid(const char *name, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(name, prefix, pl) != 0) return 0;
    const char *p = name + pl;
    if (*p >= 'a' && *p <= 'z') p++;
    if (*p < '1' || *p > '9') return 0;
    char *end;
    long v = strtol(p, &end, 10);
    if (*end && *end != '.') return 0;
    return v > 0 && v <= 4194304 ? (pid_t)v : 0;
}

/* Names of links collected by a dump. */
struct net_names { char (*v)[IFNAMSIZ]; size_t n, cap; const char *prefix; };

/* Dump callback: keeps names that carry the prefix and a dead pid. */
static int net_collect_cb(const struct nlmsghdr *h, void *arg)
{
    struct net_names *s = arg;
    struct nlattr *a;
    mnl_attr_for_each(a, h, sizeof(struct ifinfomsg)) {
        if (mnl_attr_get_type(a) != IFLA_IFNAME) continue;
        const char *name = mnl_attr_get_str(a);
        pid_t pid = net_name_pid(name, s->prefix);
        if (!pid || strlen(name) >= IFNAMSIZ) break;
        if (kill(pid, 0) == 0 || errno != ESRCH) break;
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 16;
            s->v = realloc(s->v, s->cap * sizeof *s->v);
            if (!s->v) abort();
        }
        memcpy(s->v[s->n++], name, strlen(name) + 1);
    }
    return MNL_CB_OK;
}

int net_sweep_stale(const char *prefix)
{
    if (!prefix || !prefix[0]) {
        errno = EINVAL;
        return -1;
    }
    struct nl *nl = calloc(1, sizeof *nl);
    if (!nl) abort();
    struct net_names s = { .prefix = prefix };
    int rc = nl_open(nl);
    if (rc == 0) {
        struct ifinfomsg *ifi;
        struct nlmsghdr *h = nl_req(nl, RTM_GETLINK, NLM_F_DUMP, (void **)&ifi, sizeof *ifi);
        ifi->ifi_family = AF_UNSPEC;
        rc = nl_talk(nl, h, net_collect_cb, &s);
    }
    int gone = 0;
    for (size_t i = 0; rc == 0 && i < s.n; i++)
        gone += net_del_name(nl, s.v[i]) == 0;   /* a veth's peer may go first */
    int e = errno;
    nl_close(nl);
    free(nl);
    free(s.v);
    errno = e;
    return rc ? -1 : gone;
}

/* Reply callback of RTM_GETLINK: master, flags and kind. */
static int net_link_cb(const struct nlmsghdr *h, void *arg)
{
    struct net_link *l = arg;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(h);
    l->ifindex = ifi->ifi_index;
    l->up = (ifi->ifi_flags & IFF_UP) != 0;
    struct nlattr *a, *k;
    mnl_attr_for_each(a, h, sizeof *ifi) {
        if (mnl_attr_get_type(a) == IFLA_MASTER) l->master = (int)mnl_attr_get_u32(a);
        if (mnl_attr_get_type(a) != IFLA_LINKINFO) continue;
        mnl_attr_for_each_nested(k, a)
            if (mnl_attr_get_type(k) == IFLA_INFO_KIND)
                snprintf(l->kind, sizeof l->kind, "%s", mnl_attr_get_str(k));
    }
    return MNL_CB_OK;
}

/* Dump callback of RTM_GETADDR: the first IPv4 address of l->ifindex. */
static int net_addr_cb(const struct nlmsghdr *h, void *arg)
{
    struct net_link *l = arg;
    const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(h);
    struct nlattr *a;
    if (l->addr[0] || ifa->ifa_family != AF_INET || (int)ifa->ifa_index != l->ifindex)
        return MNL_CB_OK;
    mnl_attr_for_each(a, h, sizeof *ifa) {
        if (mnl_attr_get_type(a) != IFA_LOCAL || mnl_attr_get_payload_len(a) != 4) continue;
        inet_ntop(AF_INET, mnl_attr_get_payload(a), l->addr, sizeof l->addr);
        size_t k = strlen(l->addr);
        snprintf(l->addr + k, sizeof l->addr - k, "/%d", ifa->ifa_prefixlen);
    }
    return MNL_CB_OK;
}

int net_link_get(const char *name, struct net_link *l)
{
    memset(l, 0, sizeof *l);
    int i = name && strlen(name) < IFNAMSIZ ? nl_index(name) : 0;
    if (!i) return -1;
    struct nl *nl = calloc(1, sizeof *nl);
    if (!nl) abort();
    int rc = nl_open(nl);
    if (rc == 0) {
        struct ifinfomsg *ifi;
        struct nlmsghdr *h = nl_req(nl, RTM_GETLINK, 0, (void **)&ifi, sizeof *ifi);
        ifi->ifi_family = AF_UNSPEC;
        ifi->ifi_index = i;
        rc = nl_talk(nl, h, net_link_cb, l);
    }
    if (rc == 0) {
        struct ifaddrmsg *ifa;
        struct nlmsghdr *h = nl_req(nl, RTM_GETADDR, NLM_F_DUMP, (void **)&ifa, sizeof *ifa);
        ifa->ifa_family = AF_INET;
        rc = nl_talk(nl, h, net_addr_cb, l);
    }
    int e = errno;
    nl_close(nl);
    free(nl);
    errno = e;
    return rc;
}
