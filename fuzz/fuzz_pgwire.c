/* fuzz_pgwire.c — the PostgreSQL v3 message framing and the parsers of
 * StartupMessage, Parse and Bind bodies (src/proto/pgwire.c) on arbitrary
 * bytes: the first message is framed as a startup packet, the rest as
 * typed messages, as the db server does. */
#include "proto/pgwire.h"

#include <stddef.h>
#include <stdint.h>

static struct pgw_bind fz_bind;
static struct pgw_parse fz_parse;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    size_t n = size;
    int startup = 1;
    struct buf err = BUF_INIT;
    for (;;) {
        struct pgw_msg m;
        long used = pgw_frame(p, n, startup, 1 << 16, &m, &err);
        if (used <= 0) break;
        if (startup) {
            struct pgw_startup su;
            pgw_parse_startup(&m, &su, &err);
            startup = su.version == PGW_SSL_REQUEST;
        } else if (m.type == 'P') {
            pgw_parse_parse(&m, &fz_parse, &err);
        } else if (m.type == 'B') {
            pgw_parse_bind(&m, &fz_bind, &err);
        } else {
            struct pgw_rd r;
            pgw_rd_init(&r, &m);
            pgw_rd_str(&r);
            pgw_rd_i32(&r);
        }
        p += used;
        n -= (size_t)used;
        buf_reset(&err);
    }
    buf_free(&err);
    return 0;
}
