/* fuzz_http_resp.c — the load driver's HTTP response parser (proto/http1_resp.c).
 *
 * The first input byte picks a feed size; the rest is fed in pieces of
 * that size, responses back to back, as the engine does.  Checks: no
 * crash, consumed bytes never exceed what was offered, and a whole-buffer
 * parse agrees with the piecewise one on the first response. */
#include "proto/http1_resp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Parses responses from p[0..n) offering step bytes more each time; returns
 * the verdict of the first response and its status in *status. */
static int run(const char *p, size_t n, size_t step, int *status, struct buf *keep)
{
    struct http_resp r;
    size_t off = 0, avail = 0;
    int first = -1;
    http_resp_init(&r, keep);
    while (off < n) {
        avail = avail + step < n ? avail + step : n;
        size_t used = 0;
        int rc = http_resp_feed(&r, p + off, avail - off, &used);
        if (used > avail - off) abort();
        off += used;
        if (rc == HTTP_RESP_MORE) {
            if (avail == n) break;
            continue;
        }
        if (first < 0) { first = rc; *status = r.status; }
        if (rc == HTTP_RESP_ERROR) break;
        if (keep) buf_reset(keep);
        http_resp_init(&r, keep);
    }
    return first < 0 ? HTTP_RESP_MORE : first;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t step = (size_t)data[0] % 64 + 1;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    struct buf keep = BUF_INIT;
    int s1 = 0, s2 = 0;
    int a = run(p, n, step, &s1, &keep);
    int b = run(p, n, n ? n : 1, &s2, NULL);
    if (a != b || (a == HTTP_RESP_DONE && s1 != s2)) abort();
    buf_free(&keep);
    return 0;
}
