/* net.h — per-run network plumbing for the container and VM platforms:
 * one bridge per run, a tap per VM, a veth pair per container, all in
 * 198.18.0.0/15 (RFC 2544 benchmarking space), created and removed over
 * rtnetlink.
 *
 * Names (IFNAMSIZ is 16 with the NUL, so at most 15 characters):
 *   bridge  hmxb<pid>          "hmxb4194304"      11 chars
 *   tap     hmxt<pid>.<n>      "hmxt4194304.999"  15 chars
 *   veth    hmxv<pid>.<n>      "hmxv4194304.999"  15 chars
 * where pid is the hostmix process owning the run (pid_max is at most
 * 4194304, 7 digits) and n is 0..999.  net_sweep_stale removes what a
 * run that died left behind by reading the pid back from the name.
 *
 * Address plan (net_addr): 198.18.0.0/15 is cut into NET_SLOTS /17
 * ranges, one per run that uses the host at once (a run holds its slot's
 * lock file /run/hostmix.netK while it lives: net_slot_take; a dead run's
 * lock goes with it).  In slot K, with A = 18 + K/2 and B = 128 x (K%2),
 * the bridge is 198.A.B.1/17, the gateway of every guest and container,
 * and the server of role R (0..5, the role table's order) in set S
 * (1..64) is 198.A.(B+S).(10+R)/17: every address reachable on the bridge
 * without routes, and no run's address on another run's bridge. */
#ifndef HOSTMIX_NET_H
#define HOSTMIX_NET_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/types.h>

#define NET_PREFIX      "hmx"
#define NET_SLOTS       4           /* runs with their own range at once */
#define NET_PREFIXLEN   17
#define NET_SETS        64          /* sets 1..NET_SETS */
#define NET_ROLES       6           /* roles 0..NET_ROLES-1 */
#define NET_IDX_MAX     999         /* taps and veths per run: 0..999 */
/* Room for "a.b.c.d/len": an IPv4 address (INET_ADDRSTRLEN with its
 * NUL), '/' and a prefix length of up to two digits. */
#define NET_CIDR_MAX    (INET_ADDRSTRLEN + 3)
/* Room for a link kind as the kernel names it (IFLA_INFO_KIND: "bridge",
 * "veth", "tun"); a longer one is cut, and matches none of them. */
#define NET_KIND_MAX    16

enum net_kind { NET_BRIDGE = 'b', NET_TAP = 't', NET_VETH = 'v' };

/* Writes the name of a link of the run of pid: the bridge (idx ignored)
 * or tap/veth number idx.  Returns 0, or -1 if pid or idx is out of
 * range or dst (which should hold IFNAMSIZ bytes) is too small. */
int net_name(char *dst, size_t n, enum net_kind kind, pid_t pid, int idx);

/* A run's range of addresses. */
struct net_slot {
    int slot;                   /* 0..NET_SLOTS-1 */
    int fd;                     /* its lock file while held, else -1 */
    char cidr[NET_CIDR_MAX];    /* the bridge's address, "198.18.0.1/17" */
    char gw[INET_ADDRSTRLEN];   /* the same without the length: the gateway */
};
/* Fills s for slot k without taking it (fd -1). */
void net_slot_init(struct net_slot *s, int k);
/* Takes the first free slot (its lock file held until net_slot_release
 * or the process ends).  Returns 0, or -1 with the reason in why. */
int net_slot_take(struct net_slot *s, char *why, size_t n);
void net_slot_release(struct net_slot *s);

/* Writes the address of role in set within slot s into dst.  Returns 0,
 * or -1 (dst "") when set is outside 1..NET_SETS or role outside
 * 0..NET_ROLES-1. */
int net_addr(const struct net_slot *s, int set, int role, char *dst, size_t n);

/* Creates bridge name, gives it the address cidr ("198.18.0.1/15") and
 * brings it up.  Returns 0, or -1 with the reason in why (nothing is
 * left behind).  The caller removes it with net_link_del. */
int net_bridge_create(const char *name, const char *cidr, char *why, size_t n);

/* Opens /dev/net/tun as tap `name` with IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, not persistent: the tap exists while an fd of it is
 * open and vanishes with the last close.  Attaches it to bridge and
 * brings it up.  Returns 0 with the fd in *fd (O_CLOEXEC is set: the
 * caller clears it, or dup2s the fd, in the child that execs QEMU, and
 * closes its own copy after the fork), or -1 with why.
 *
 * QEMU: pass `-netdev tap,id=X,fd=N` without vnet_hdr= (QEMU rejects
 * vnet_hdr= together with fd=); QEMU probes the fd (TUNGETIFF) and sees
 * IFF_VNET_HDR, which enables virtio-net checksum/GSO offloads and is
 * what vhost=on requires.  QEMU sets the header length itself. */
int net_tap_open(const char *name, const char *bridge, int *fd, char *why, size_t n);

/* Creates veth pair host_end / peer with peer born inside the network
 * namespace of process netns_pid, attaches host_end to bridge and
 * brings it up; then, inside that namespace (a short-lived thread that
 * setns()s there), gives peer the address peer_cidr, brings peer and lo
 * up and adds the default route via gw.  peer is the name inside the
 * namespace ("eth0"); it must be free there.  Returns 0, or -1 with why
 * (the pair is removed again).  Removing host_end removes both ends; so
 * does the end of the namespace. */
int net_veth_create(const char *host_end, const char *peer, const char *bridge,
                    pid_t netns_pid, const char *peer_cidr, const char *gw,
                    char *why, size_t n);

/* Deletes link name.  Returns 0, or -1 with errno (ENODEV: no such link). */
int net_link_del(const char *name);

/* Deletes every link named PREFIX<letter><pid>[.<n>] (or
 * PREFIX<pid>[.<n>]) whose pid is not a live process.  Returns how many
 * were deleted, or -1 with errno when links cannot be listed. */
int net_sweep_stale(const char *prefix);

/* What net_link_get reads back about a link. */
struct net_link {
    int ifindex;
    int master;             /* ifindex of the bridge it is attached to, or 0 */
    int up;                 /* IFF_UP */
    char kind[NET_KIND_MAX];    /* "bridge", "tun", "veth", ... ("" if none) */
    char addr[NET_CIDR_MAX];    /* first IPv4 address "a.b.c.d/len", or "" */
};

/* Reads link name of the calling thread's network namespace.  Returns 0,
 * or -1 with errno (ENODEV: no such link). */
int net_link_get(const char *name, struct net_link *l);

#endif
