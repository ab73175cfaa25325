/* http1_resp.c — see http1_resp.h.
 *
 * States: HEAD (waiting for the blank line that ends the headers), BODY
 * (Content-Length bytes left), CHUNK_SIZE / CHUNK_DATA / CHUNK_END (the
 * CRLF after a chunk's data) / TRAILER (lines up to the blank one). */
#include "proto/http1_resp.h"

#include <string.h>
#include <strings.h>

enum { ST_HEAD, ST_BODY, ST_CHUNK_SIZE, ST_CHUNK_DATA, ST_CHUNK_END, ST_TRAILER };

#define HTTP_RESP_MAX_LINE 1024

void http_resp_init(struct http_resp *r, struct buf *keep)
{
    memset(r, 0, sizeof *r);
    r->keep = keep;
    r->content_length = -1;
    r->state = ST_HEAD;
}

static int fail(struct http_resp *r, const char *why)
{
    r->error = why;
    return HTTP_RESP_ERROR;
}

/* Case-insensitive: does the header value v[0..n) contain the token t? */
static int has_token(const char *v, size_t n, const char *t)
{
    size_t tl = strlen(t);
    for (size_t i = 0; i + tl <= n; i++)
        if (strncasecmp(v + i, t, tl) == 0) return 1;
    return 0;
}

/* Parses a decimal number of at most 18 digits; -1 if malformed. */
static int64_t parse_dec(const char *v, size_t n)
{
    int64_t x = 0;
    if (n == 0 || n > 18) return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') return -1;
        x = x * 10 + (v[i] - '0');
    }
    return x;
}

/* One header line (without its line end). */
static int header(struct http_resp *r, const char *l, size_t n, int *chunked)
{
    const char *colon = memchr(l, ':', n);
    if (!colon || colon == l) return fail(r, "malformed header line");
    size_t kl = (size_t)(colon - l);
    const char *v = colon + 1, *end = l + n;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
    size_t vl = (size_t)(end - v);
    if (kl == 14 && strncasecmp(l, "content-length", 14) == 0) {
        int64_t cl = parse_dec(v, vl);
        if (cl < 0) return fail(r, "bad Content-Length");
        if (r->content_length >= 0 && r->content_length != cl)
            return fail(r, "conflicting Content-Length");
        r->content_length = cl;
    } else if (kl == 17 && strncasecmp(l, "transfer-encoding", 17) == 0) {
        if (!has_token(v, vl, "chunked")) return fail(r, "unsupported Transfer-Encoding");
        *chunked = 1;
    } else if (kl == 10 && strncasecmp(l, "connection", 10) == 0) {
        if (has_token(v, vl, "close")) r->close = 1;
        else if (has_token(v, vl, "keep-alive")) r->close = 0;
    }
    return HTTP_RESP_MORE;
}

/* The header block h[0..n), ending with its blank line. */
static int head(struct http_resp *r, const char *h, size_t n)
{
    const char *nl = memchr(h, '\n', n);
    size_t ll = (size_t)(nl - h);
    if (ll && h[ll - 1] == '\r') ll--;
    if (ll < 12 || memcmp(h, "HTTP/1.", 7) != 0 || (h[7] != '0' && h[7] != '1') ||
        h[8] != ' ' || h[9] < '1' || h[9] > '5' || h[10] < '0' || h[10] > '9' ||
        h[11] < '0' || h[11] > '9' || (ll > 12 && h[12] != ' '))
        return fail(r, "malformed status line");
    r->status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    r->close = h[7] == '0';
    int chunked = 0;
    const char *p = nl + 1, *end = h + n;
    for (;;) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        size_t l = (size_t)(e - p);
        if (l && p[l - 1] == '\r') l--;
        if (l == 0) break;
        if (header(r, p, l, &chunked) == HTTP_RESP_ERROR) return HTTP_RESP_ERROR;
        p = e + 1;
    }
    if (chunked) {
        r->state = ST_CHUNK_SIZE;
        r->content_length = -1;
    } else if (r->content_length >= 0) {
        r->state = ST_BODY;
        r->left = (uint64_t)r->content_length;
    } else if (r->status < 200 || r->status == 204 || r->status == 304) {
        r->left = 0;
        r->state = ST_BODY;
    } else {
        return fail(r, "response without Content-Length or chunked coding");
    }
    return HTTP_RESP_MORE;
}

/* Finds the end of the header block: returns its length incl. the blank
 * line, 0 if not there yet. */
static size_t head_end(const char *p, size_t n)
{
    for (const char *s = p; (s = memchr(s, '\n', (size_t)(p + n - s))) != NULL; s++) {
        const char *t = s + 1;
        if (t < p + n && *t == '\n') return (size_t)(t - p) + 1;
        if (t + 1 < p + n && t[0] == '\r' && t[1] == '\n') return (size_t)(t - p) + 2;
    }
    return 0;
}

static void body_bytes(struct http_resp *r, const char *p, size_t n)
{
    r->body_bytes += n;
    if (r->keep) buf_append(r->keep, p, n);
}

/* One chunk-size line (without its line end); sets left. */
static int chunk_size(struct http_resp *r, const char *l, size_t n)
{
    uint64_t x = 0;
    size_t i = 0;
    for (; i < n; i++) {
        int c = l[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else break;
        if (i >= 15) return fail(r, "chunk size too large");
        x = x * 16 + (uint64_t)d;
    }
    if (i == 0 || (i < n && l[i] != ';' && l[i] != ' ' && l[i] != '\t'))
        return fail(r, "malformed chunk size");
    r->left = x;
    r->state = x ? ST_CHUNK_DATA : ST_TRAILER;
    return HTTP_RESP_MORE;
}

int http_resp_feed(struct http_resp *r, const char *p, size_t n, size_t *used)
{
    size_t i = 0;
    int rc = HTTP_RESP_MORE;
    while (rc == HTTP_RESP_MORE) {
        const char *q = p + i;
        size_t m = n - i;
        if (r->state == ST_HEAD) {
            size_t h = head_end(q, m);
            if (!h) {
                if (m >= HTTP_RESP_MAX_HEAD) rc = fail(r, "response headers too long");
                break;
            }
            rc = head(r, q, h);
            i += h;
        } else if (r->state == ST_BODY || r->state == ST_CHUNK_DATA) {
            size_t k = m < r->left ? m : (size_t)r->left;
            body_bytes(r, q, k);
            r->left -= k;
            i += k;
            if (r->keep && r->body_bytes > HTTP_RESP_MAX_KEEP) rc = fail(r, "body too large to check");
            else if (r->left) break;
            else if (r->state == ST_BODY) rc = HTTP_RESP_DONE;
            else r->state = ST_CHUNK_END;
        } else {
            const char *nl = memchr(q, '\n', m);
            if (!nl) {
                if (m >= HTTP_RESP_MAX_LINE) rc = fail(r, "chunk line too long");
                break;
            }
            size_t l = (size_t)(nl - q);
            if (l && q[l - 1] == '\r') l--;
            i += (size_t)(nl - q) + 1;
            if (r->state == ST_CHUNK_SIZE) rc = chunk_size(r, q, l);
            else if (r->state == ST_CHUNK_END) {
                if (l) rc = fail(r, "missing CRLF after chunk");
                r->state = ST_CHUNK_SIZE;
            } else if (l == 0) {
                rc = HTTP_RESP_DONE;       /* end of trailer */
            }
        }
    }
    r->wire_bytes += i;
    *used = i;
    return rc;
}
