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

/* Sends "stat ID" and parses the answer into st, skipping answers to
 * earlier requests (a late one, or one the guest sent before the host
 * reconnected).  Waits at most timeout_ms (a guest still booting answers
 * once its init serves the port).  Returns 0, or -1 (timeout, closed
 * channel, bad frame; why). */
int vm_agent_query(int fd, uint64_t id, int timeout_ms, struct agent_stat *st, struct buf *why);

/* The host's end of one guest's agent channel. */
struct vm_agent_chan {
    int fd;                     /* connected socket, or -1 */
    const char *path;           /* the socket QEMU serves, connected again at the next
                                 * sample after a failure; NULL: never again */
    uint64_t seq;               /* the last request's number */
    int fails;                  /* samples the guest did not answer */
};

/* One sample of the busy time the guest reports about itself (its
 * /proc/stat, measured as on the host: guest/agent.h), into s->cpu's
 * parts PLAT_CPU_GUEST_BUSY and PLAT_CPU_GUEST_STEAL, over ch.  A channel
 * that is down is connected again first (ch->path), with whatever the
 * guest sent meanwhile dropped.  When the guest answers late, garbage or
 * never, the channel is closed (a late answer must not pass for the next
 * one), the parts are not had in this sample (missing, not stale: the
 * report counts such samples), ch->fails counts it and s's note says why
 * the first time.  Returns 0 or -1. */
int vm_agent_cpu(struct vm_agent_chan *ch, int timeout_ms, struct plat_server *s);

/* The guest's server answers: connects its agent channel ch when it is
 * down (a channel that cannot be had is noted in s, the run goes on
 * without the guest's own figures) and logs the time from start to
 * answer.  For the platforms that run guests (vm, libvirt). */
void vm_agent_ready(struct vm_agent_chan *ch, struct plat_server *s);

/* Sends "poweroff" and waits at most timeout_ms for the guest's "ok"
 * (the guest then stops its server, unmounts and powers off; wait for
 * QEMU's exit separately).  Returns 0 or -1 (why). */
int vm_agent_poweroff(int fd, int timeout_ms, struct buf *why);

#endif
