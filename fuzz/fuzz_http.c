/* fuzz_http.c — libFuzzer target for the HTTP/1.1 request parser.
 *
 * Feeds the input whole and then in pieces split at the first byte's value
 * (the incremental path must agree with the one-shot path), walks every
 * request found and exercises the helpers that read request data. */
#include "proto/http1.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Parses every request in p[0..n) in one go; returns the bytes consumed. */
static size_t fuzz_http_all(const char *p, size_t n, const struct http_limits *lim)
{
    struct http_parser ps;
    struct http_req r;
    http_parser_init(&ps, lim);
    size_t off = 0;
    while (off < n) {
        int rc = http_parse(&ps, p + off, n - off, &r);
        if (rc <= 0) break;
        char out[256];
        int64_t o, l;
        http_query_get(r.query, "q", out, sizeof out);
        http_unescape(r.path.p, r.path.n, out, sizeof out, 0);
        const struct http_slice *v = http_header(&r, "range");
        if (v) http_parse_range(*v, 12345, &o, &l);
        v = http_header(&r, "if-modified-since");
        time_t t;
        if (v) http_parse_date(*v, &t);
        off += (size_t)rc;
    }
    return off;
}

/* The same, fed step bytes more at a time. */
static size_t fuzz_http_steps(const char *p, size_t n, size_t step, const struct http_limits *lim)
{
    struct http_parser ps;
    struct http_req r;
    http_parser_init(&ps, lim);
    size_t off = 0, avail = 0;
    while (off < n) {
        avail = avail + step > n - off ? n - off : avail + step;
        int rc = http_parse(&ps, p + off, avail, &r);
        if (rc < 0) break;
        if (rc > 0) {
            off += (size_t)rc;
            avail = 0;
        } else if (avail == n - off) {
            break;
        }
    }
    return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct http_limits lim = { 200, 600, 300, 8 };
    char *p = malloc(size ? size : 1);
    if (!p) return 0;
    memcpy(p, data, size);
    size_t a = fuzz_http_all(p, size, &lim);
    size_t b = fuzz_http_steps(p, size, size ? (size_t)(data[0] % 17) + 1 : 1, &lim);
    if (a != b) abort();        /* incremental and one-shot parsing disagree */
    fuzz_http_all(p, size, NULL);
    free(p);
    return 0;
}
