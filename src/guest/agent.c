/* agent.c — the agent protocol's frame writer and parser (see agent.h). */
#include "guest/agent.h"

#include <stdlib.h>
#include <string.h>

void agent_frame_put(struct buf *out, const char *kind, int nsect, const char *const sect[],
                     const size_t len[])
{
    buf_puts(out, kind);
    for (int i = 0; i < nsect; i++) buf_printf(out, " %zu", len[i]);
    buf_puts(out, "\n");
    for (int i = 0; i < nsect; i++) buf_append(out, sect[i], len[i]);
}

/* Parses "KIND N1 N2...\n" (the header without its newline). */
static int agent_header(const char *h, size_t n, struct agent_frame *f, struct buf *why)
{
    size_t k = 0;
    while (k < n && h[k] >= 'a' && h[k] <= 'z') k++;
    if (k == 0 || k >= sizeof f->kind) return buf_puts(why, "agent frame: bad kind"), -1;
    memcpy(f->kind, h, k);
    f->kind[k] = '\0';
    for (size_t i = k; i < n;) {
        if (h[i] != ' ' || i + 1 == n || h[i + 1] < '0' || h[i + 1] > '9')
            return buf_puts(why, "agent frame: bad length list"), -1;
        if (f->nsect == AGENT_MAX_SECT) return buf_puts(why, "agent frame: too many sections"), -1;
        size_t v = 0;
        for (i++; i < n && h[i] >= '0' && h[i] <= '9'; i++) {
            v = v * 10 + (size_t)(h[i] - '0');
            if (v > AGENT_MAX_LEN) return buf_puts(why, "agent frame: section too long"), -1;
        }
        f->len[f->nsect++] = v;
    }
    return 0;
}

ssize_t agent_frame_parse(const char *p, size_t n, struct agent_frame *f, struct buf *why)
{
    memset(f, 0, sizeof *f);
    const char *nl = memchr(p, '\n', n < AGENT_MAX_HEADER ? n : AGENT_MAX_HEADER);
    if (!nl) {
        if (n < AGENT_MAX_HEADER) return 0;
        buf_puts(why, "agent frame: header line too long");
        return -1;
    }
    if (agent_header(p, (size_t)(nl - p), f, why)) return -1;
    size_t at = (size_t)(nl - p) + 1;
    for (int i = 0; i < f->nsect; i++) {
        if (n - at < f->len[i]) return 0;
        f->sect[i] = p + at;
        at += f->len[i];
    }
    return (ssize_t)at;
}

/* The guest clock section: 1 to 18 decimal digits, positive, then
 * optionally a blank and how the guest keeps idle time: 'm' measured
 * (NO_HZ), 't' by the tick, 'u' unknown (absent: unknown). */
static int agent_clock(const char *p, size_t n, int64_t *ns, char *idle)
{
    int64_t v = 0;
    size_t i = 0;
    *idle = 'u';
    for (; i < n && p[i] != ' '; i++) {
        if (p[i] < '0' || p[i] > '9' || i == 18) return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (i < n && (n != i + 2 || !strchr("mtu", p[i + 1]) || !p[i + 1])) return -1;
    if (i < n) *idle = p[i + 1];
    *ns = v;
    return v > 0 ? 0 : -1;
}

/* The request number of a version 3 answer: 1 to 20 decimal digits. */
static int agent_id(const char *p, size_t n, uint64_t *id)
{
    if (n == 0 || n > 20) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (UINT64_MAX - 9) / 10) return -1;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    *id = v;
    return 0;
}

int agent_stat_decode(const struct agent_frame *f, struct agent_stat *st, struct buf *why)
{
    memset(st, 0, sizeof *st);
    if (strcmp(f->kind, "stat") != 0 || f->nsect < 2 || f->nsect > 4) {
        buf_printf(why, "agent: expected a stat frame with 2 to 4 sections, got %s with %d",
                   f->kind, f->nsect);
        return -1;
    }
    st->version = f->nsect - 1;
    struct buf a = BUF_INIT, b = BUF_INIT;
    buf_append(&a, f->sect[0], f->len[0]);
    buf_append(&b, f->sect[1], f->len[1]);
    int rc = 0;
    if (meas_host_parse(buf_cstr(&a), &st->host)) {
        buf_puts(why, "agent: guest /proc/stat unreadable");
        rc = -1;
    } else if (meas_stat_parse(buf_cstr(&b), &st->srv_utime, &st->srv_stime)) {
        buf_puts(why, "agent: server /proc/PID/stat unreadable");
        rc = -1;
    } else if (st->version >= 2 &&
               agent_clock(f->sect[2], f->len[2], &st->host.t_ns, &st->idle)) {
        buf_puts(why, "agent: guest clock is not a positive decimal number");
        rc = -1;
    } else if (st->version == 3 && agent_id(f->sect[3], f->len[3], &st->id)) {
        buf_puts(why, "agent: request number is not a decimal number");
        rc = -1;
    }
    buf_free(&a);
    buf_free(&b);
    return rc;
}
