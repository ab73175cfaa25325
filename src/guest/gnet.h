/* gnet.h — the guest's network set-up with plain ioctls (no netlink
 * library, no ip binary in the initramfs): bring an interface up with an
 * IPv4 address, add a default route. */
#ifndef HOSTMIX_GNET_H
#define HOSTMIX_GNET_H

#include "core/buf.h"

/* Brings ifname up; when ip is not NULL, first gives it ip/prefix.
 * Returns 0 or -1 (why). */
int gnet_up(const char *ifname, const char *ip, int prefix, struct buf *why);

/* Adds a default route through gw.  Returns 0 or -1 (why). */
int gnet_route_default(const char *gw, struct buf *why);

/* Waits up to timeout_ms for ifname to exist.  Returns 0 or -1. */
int gnet_wait(const char *ifname, int timeout_ms);

#endif
