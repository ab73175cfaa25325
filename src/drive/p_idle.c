/* p_idle.c — the idle role's heartbeat: "PING n\n" -> "PONG n\n", with n
 * the connection's request counter; anything else is an error. */
#include "drive/proto.h"
#include "core/buf.h"
#include "job/job.h"

#include <string.h>

static const char *const idle_ops[] = { "ping" };

struct idle_state { uint64_t seq; };

static int idle_request(struct dp_conn *c)
{
    struct idle_state *s = c->state;
    buf_printf(c->out, "PING %llu\n", (unsigned long long)++s->seq);
    return 0;
}

/* One line; it must echo the token just sent. */
static int idle_parse(struct dp_conn *c, const char *p, size_t n, size_t *used)
{
    struct idle_state *s = c->state;
    const char *nl = memchr(p, '\n', n);
    if (!nl) {
        *used = 0;
        return n > 128 ? DP_FATAL : DP_MORE;
    }
    *used = (size_t)(nl - p) + 1;
    const struct numstr want = numstr_fmt("PONG %llu", (unsigned long long)s->seq);
    size_t len = (size_t)(nl - p);
    if (len && p[len - 1] == '\r') len--;
    return len == strlen(want.s) && memcmp(p, want.s, len) == 0 ? DP_OK : DP_ERR;
}

const struct drive_proto drive_proto_idle = {
    .name = "idle",
    .nops = 1,
    .ops = idle_ops,
    .state_size = sizeof(struct idle_state),
    .request = idle_request,
    .parse = idle_parse,
};
