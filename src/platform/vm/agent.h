/* agent.h (vm) — the host side of the guest agent channel: connect to the
 * unix socket QEMU serves for the org.hostmix.agent port, ask for the
 * guest's CPU counters, ask it to power off.  The protocol and its codec
 * are in guest/agent.h. */
#ifndef HOSTMIX_VM_AGENT_H
#define HOSTMIX_VM_AGENT_H

#include "core/buf.h"
#include "guest/agent.h"
#include "platform/platform.h"

#define VM_AGENT_TIMEOUT_MS 500     /* a sample's wait for the guest's answer */

/* Connects to the agent socket at path, retrying until timeout_ms pass
 * (QEMU creates it shortly after it starts).  Returns a close-on-exec
 * descriptor the caller closes, or -1 (why). */
int vm_agent_connect(const char *path, int timeout_ms, struct buf *why);

/* Sends "stat" and parses the answer into st.  Waits at most timeout_ms
 * (a guest still booting answers once its init serves the port).
 * Returns 0, or -1 (timeout, closed channel, bad frame; why). */
int vm_agent_query(int fd, int timeout_ms, struct agent_stat *st, struct buf *why);

/* One sample of the busy time the guest reports about itself (its
 * /proc/stat, measured as on the host: guest/agent.h), into s->cpu's
 * parts PLAT_CPU_GUEST_BUSY and PLAT_CPU_GUEST_STEAL, over the channel *fd (-1: none).  When the guest
 * answers late, garbage or never, the channel is closed (*fd = -1: a late
 * answer must not pass for the next one), the part is no longer had (the
 * figure is missing, not stale) and s's note says why.  Returns 0 or -1. */
int vm_agent_cpu(int *fd, int timeout_ms, struct plat_server *s);

/* Sends "poweroff" and waits at most timeout_ms for the guest's "ok"
 * (the guest then stops its server, unmounts and powers off; wait for
 * QEMU's exit separately).  Returns 0 or -1 (why). */
int vm_agent_poweroff(int fd, int timeout_ms, struct buf *why);

#endif
