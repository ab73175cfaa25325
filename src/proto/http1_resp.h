/* http1_resp.h — an incremental HTTP/1.1 response parser for the load
 * driver (web and app clients share it).
 *
 * Feed it whatever bytes arrived; it consumes them and says when one
 * response is complete.  Bodies are framed by Content-Length or chunked
 * transfer coding; a response without either is complete after its headers
 * only for 1xx/204/304 (anything else is a framing error here, since the
 * driver always speaks keep-alive).  Body bytes are counted and dropped,
 * or appended to a caller's buffer when keep_body is set (for JSON checks),
 * so a 40 MB download costs no memory.
 *
 * Ownership: the parser owns nothing; keep_body's buffer is the caller's. */
#ifndef HOSTMIX_PROTO_HTTP1_RESP_H
#define HOSTMIX_PROTO_HTTP1_RESP_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define HTTP_RESP_MAX_HEAD  (64 * 1024)   /* status line + headers */
#define HTTP_RESP_MAX_KEEP  (4 * 1024 * 1024)

enum { HTTP_RESP_MORE, HTTP_RESP_DONE, HTTP_RESP_ERROR };

struct http_resp {
    /* set by the caller before a response */
    struct buf *keep;           /* NULL: drop body bytes */
    /* results */
    int status;                 /* e.g. 200 */
    int close;                  /* "Connection: close" or HTTP/1.0 without keep-alive */
    int64_t content_length;     /* -1 if absent */
    uint64_t body_bytes;        /* body bytes seen (de-chunked) */
    uint64_t wire_bytes;        /* every byte of the response */
    const char *error;          /* static text after HTTP_RESP_ERROR */
    /* internal */
    int state;
    uint64_t left;              /* bytes left in the body or the chunk */
};

/* Prepares for the next response; keep as above. */
void http_resp_init(struct http_resp *r, struct buf *keep);
/* Consumes input from p[0..n) and sets *used; returns HTTP_RESP_MORE,
 * HTTP_RESP_DONE (r's fields describe the response; bytes after it are
 * not consumed) or HTTP_RESP_ERROR (r->error says why). */
int http_resp_feed(struct http_resp *r, const char *p, size_t n, size_t *used);

#endif
