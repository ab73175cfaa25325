/* agent.c (vm) — host-side agent client (see vm/agent.h). */
#include "platform/vm/agent.h"
#include "core/clock.h"
#include "core/log.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int vm_agent_connect(const char *path, int timeout_ms, struct buf *why)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof sa.sun_path) {
        buf_printf(why, "agent socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    for (int waited = 0;; waited += 20) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) break;
        if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) return fd;
        close(fd);
        if (waited >= timeout_ms) break;
        usleep(20000);
    }
    buf_printf(why, "agent socket %s: %s", path, strerror(errno));
    return -1;
}

/* Reads until one whole frame is at the head of in (f; *len its bytes),
 * until the monotonic deadline end; what names the request in messages. */
static int vm_agent_frame(int fd, int64_t end, const char *what, int timeout_ms, struct buf *in,
                          struct agent_frame *f, size_t *len, struct buf *why)
{
    for (;;) {
        ssize_t got = agent_frame_parse(buf_head(in), buf_used(in), f, why);
        if (got > 0) *len = (size_t)got;
        if (got != 0) return got < 0 ? -1 : 0;
        int64_t now = clock_mono_ns();
        struct pollfd p = { fd, POLLIN, 0 };
        int left = now >= end ? 0 : (int)((end - now) / CLOCK_NS_PER_MS) + 1;
        if (left == 0 || poll(&p, 1, left) == 0) {
            buf_printf(why, "agent: no answer to '%s' within %d ms", what, timeout_ms);
            return -1;
        }
        ssize_t r = read(fd, buf_reserve(in, 65536), 65536);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            buf_printf(why, "agent: channel closed%s%s", r ? ": " : "", r ? strerror(errno) : "");
            return -1;
        }
        in->len += (size_t)r;
    }
}

/* Writes the request line req. */
static int vm_agent_send(int fd, const char *req, struct buf *why)
{
    size_t n = strlen(req);
    if (send(fd, req, n, MSG_NOSIGNAL) == (ssize_t)n) return 0;
    buf_printf(why, "agent: send: %s", strerror(errno));
    return -1;
}

/* Writes a request line and reads until one whole frame is in in. */
static int vm_agent_call(int fd, const char *req, int timeout_ms, struct buf *in,
                         struct agent_frame *f, struct buf *why)
{
    size_t len;
    char what[32];
    snprintf(what, sizeof what, "%.*s", (int)strcspn(req, " \n"), req);
    if (vm_agent_send(fd, req, why)) return -1;
    return vm_agent_frame(fd, clock_mono_ns() + timeout_ms * CLOCK_NS_PER_MS, what, timeout_ms,
                          in, f, &len, why);
}

int vm_agent_query(int fd, uint64_t id, int timeout_ms, struct agent_stat *st, struct buf *why)
{
    struct buf in = BUF_INIT;
    struct agent_frame f;
    char req[40];
    snprintf(req, sizeof req, "stat %llu\n", (unsigned long long)id);
    int64_t end = clock_mono_ns() + timeout_ms * CLOCK_NS_PER_MS;
    int rc = vm_agent_send(fd, req, why);
    for (size_t len = 0; rc == 0; buf_consume(&in, len)) {
        rc = vm_agent_frame(fd, end, "stat", timeout_ms, &in, &f, &len, why);
        if (rc == 0 && strcmp(f.kind, "err") == 0) {
            buf_printf(why, "agent: guest says: %.*s", (int)f.len[0], f.nsect ? f.sect[0] : "");
            rc = -1;
        } else if (rc == 0) {
            rc = agent_stat_decode(&f, st, why);
            if (rc || st->version < 3 || st->id == id) break;
        }       /* else an answer to an earlier request: the next frame */
    }
    buf_free(&in);
    return rc;
}

int vm_agent_poweroff(int fd, int timeout_ms, struct buf *why)
{
    struct buf in = BUF_INIT;
    struct agent_frame f;
    int rc = vm_agent_call(fd, "poweroff\n", timeout_ms, &in, &f, why);
    if (rc == 0 && strcmp(f.kind, "ok") != 0) {
        buf_printf(why, "agent: poweroff answered with '%s'", f.kind);
        rc = -1;
    }
    buf_free(&in);
    return rc;
}

/* The guest's busy time in a stat answer, as a cumulative count in ns,
 * and the guest time it is counted against (*clock_ns).  Where the guest
 * kernel measures idle time (NO_HZ, protocol 2 says so): vCPUs x its
 * monotonic clock - idle - iowait - steal, against that clock.  Where it
 * keeps idle by the tick, or does not say: the busy tick fields against
 * all its tick fields per CPU, a ratio of the guest's own counts that a
 * guest clock running at another rate than its tick cannot skew. */
static uint64_t vm_agent_busy_ns(const struct agent_stat *st, uint64_t *clock_ns)
{
    const struct meas_host *h = &st->host;
    uint64_t busy = 0, all = 0, tick = (uint64_t)(1000000000LL / meas_hz());
    if (st->version >= 2 && st->idle == 'm') {
        *clock_ns = (uint64_t)h->t_ns;
        return meas_busy_counter_ns(h);
    }
    for (int k = 0; k < MEAS_NFIELDS; k++) {
        uint64_t v = h->cpu[k] < UINT64_MAX / 16 ? h->cpu[k] : UINT64_MAX / 16;
        if (k == MEAS_GUEST || k == MEAS_GUEST_NICE) continue;  /* inside user, nice */
        all += v;
        if (k != MEAS_IDLE && k != MEAS_IOWAIT && k != MEAS_STEAL) busy += v;
    }
    all /= (uint64_t)(h->ncpu > 0 ? h->ncpu : 1);
    *clock_ns = all < UINT64_MAX / tick ? all * tick : UINT64_MAX;
    return busy < UINT64_MAX / tick ? busy * tick : UINT64_MAX;    /* no wrap */
}

/* Connects ch again (one attempt: QEMU serves the socket at once) and
 * drops what the guest sent while no one listened.  Returns 0 or -1. */
static int vm_agent_reconnect(struct vm_agent_chan *ch, struct plat_server *s)
{
    struct buf w = BUF_INIT;
    ch->fd = vm_agent_connect(ch->path, 0, &w);
    buf_free(&w);
    if (ch->fd < 0) return -1;
    char junk[4096];
    struct pollfd p = { ch->fd, POLLIN, 0 };
    while (poll(&p, 1, 0) == 1 && read(ch->fd, junk, sizeof junk) > 0) {}
    log_info("%s: agent channel connected again", s->spec->name);
    return 0;
}

void vm_agent_ready(struct vm_agent_chan *ch, struct plat_server *s)
{
    struct buf w = BUF_INIT;
    if (ch->fd < 0 && ch->path) ch->fd = vm_agent_connect(ch->path, 1000, &w);
    if (ch->fd < 0) {
        log_warn("%s: agent channel: %s", s->spec->name, buf_cstr(&w));
        plat_note(s, "no guest agent channel (%s)", buf_cstr(&w));
    }
    buf_free(&w);
    log_info("%s: guest answered %.2f s after start", s->spec->name,
             (double)(clock_mono_ns() - s->started_ns) / 1e9);
}

int vm_agent_cpu(struct vm_agent_chan *ch, int timeout_ms, struct plat_server *s)
{
    struct agent_stat st;
    struct buf w = BUF_INIT;
    if (ch->fd < 0 && ch->path) vm_agent_reconnect(ch, s);
    int rc = ch->fd >= 0 ? vm_agent_query(ch->fd, ++ch->seq, timeout_ms, &st, &w) : -1;
    if (rc == 0 && s->spec->vcpus > 0 && st.host.ncpu > s->spec->vcpus) {
        buf_printf(&w, "agent: the guest reports %d CPUs and has %lld", st.host.ncpu,
                   (long long)s->spec->vcpus);
        rc = -1;
    }
    if (rc == 0) {
        s->cpu.part_ns[PLAT_CPU_GUEST_BUSY] =
            vm_agent_busy_ns(&st, &s->cpu.part_ns[PLAT_CPU_GUEST_CLOCK]);
        s->cpu.part_ns[PLAT_CPU_GUEST_STEAL] = st.host.cpu[MEAS_STEAL] *
                                               (uint64_t)(1000000000LL / meas_hz());
        s->cpu.have |= 1u << PLAT_CPU_GUEST_BUSY | 1u << PLAT_CPU_GUEST_STEAL;
        s->cpu.have |= 1u << PLAT_CPU_GUEST_CLOCK;
        if (st.version < 2 || st.idle != 'm')
            plat_note(s, "guest busy time from the guest's tick fields (its kernel %s)",
                      st.version < 2 ? "sent no clock" : st.idle == 't' ? "keeps idle by the tick"
                                                                        : "does not say how it keeps idle");
    } else if (ch->fd >= 0) {
        if (!ch->fails) {
            log_warn("%s: %s", s->spec->name, buf_cstr(&w));
            plat_note(s, "the guest agent missed samples (first: %s); it was asked again at "
                      "the next", buf_cstr(&w));
        }
        close(ch->fd);
        ch->fd = -1;
    }
    if (rc) ch->fails++;
    if (rc) s->cpu.have &= ~(1u << PLAT_CPU_GUEST_BUSY | 1u << PLAT_CPU_GUEST_STEAL |
                             1u << PLAT_CPU_GUEST_CLOCK);
    buf_free(&w);
    return rc;
}
