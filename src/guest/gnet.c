/* gnet.c — interface address, flags and default route through the
 * SIOCSIF* and SIOCADDRT ioctls (see gnet.h). */
#include "guest/gnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void gnet_sin(struct sockaddr *sa, in_addr_t a)
{
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = a };
    memcpy(sa, &sin, sizeof sin);
}

/* One SIOCSIF* ioctl on ifr, or a message naming it. */
static int gnet_ioctl(int s, unsigned long req, struct ifreq *ifr, const char *what, struct buf *why)
{
    if (ioctl(s, req, ifr) == 0) return 0;
    buf_printf(why, "%s %s: %s", ifr->ifr_name, what, strerror(errno));
    return -1;
}

int gnet_up(const char *ifname, const char *ip, int prefix, struct buf *why)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    if (strlen(ifname) >= IFNAMSIZ) return buf_printf(why, "bad interface %s", ifname), -1;
    strcpy(ifr.ifr_name, ifname);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return buf_printf(why, "socket: %s", strerror(errno)), -1;
    int rc = 0;
    struct in_addr a;
    if (ip && inet_pton(AF_INET, ip, &a) != 1) {
        buf_printf(why, "bad address %s", ip);
        rc = -1;
    } else if (ip) {
        gnet_sin(&ifr.ifr_addr, a.s_addr);
        rc = gnet_ioctl(s, SIOCSIFADDR, &ifr, "set address", why);
        in_addr_t mask = prefix <= 0 ? 0 : htonl(0xffffffffu << (32 - prefix));
        gnet_sin(&ifr.ifr_netmask, mask);
        if (rc == 0) rc = gnet_ioctl(s, SIOCSIFNETMASK, &ifr, "set netmask", why);
    }
    if (rc == 0) rc = gnet_ioctl(s, SIOCGIFFLAGS, &ifr, "get flags", why);
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (rc == 0) rc = gnet_ioctl(s, SIOCSIFFLAGS, &ifr, "set up", why);
    close(s);
    return rc;
}

int gnet_route_default(const char *gw, struct buf *why)
{
    struct in_addr a;
    if (inet_pton(AF_INET, gw, &a) != 1) return buf_printf(why, "bad gateway %s", gw), -1;
    struct rtentry rt;
    memset(&rt, 0, sizeof rt);
    gnet_sin(&rt.rt_dst, INADDR_ANY);
    gnet_sin(&rt.rt_genmask, INADDR_ANY);
    gnet_sin(&rt.rt_gateway, a.s_addr);
    rt.rt_flags = RTF_UP | RTF_GATEWAY;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rc = s >= 0 && ioctl(s, SIOCADDRT, &rt) == 0 ? 0 : -1;
    if (rc) buf_printf(why, "default route via %s: %s", gw, strerror(errno));
    if (s >= 0) close(s);
    return rc;
}

int gnet_wait(const char *ifname, int timeout_ms)
{
    for (int t = 0; t <= timeout_ms; t += 20) {
        if (if_nametoindex(ifname)) return 0;
        usleep(20000);
    }
    return -1;
}
