/* http.c — the HTTP/1.1 server side of the web and app roles: answering
 * "100 Continue" and queueing whole responses on a server-core connection.
 * Parsing and the response head are the protocol's (proto/http1.c). */
#include "roles/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void http_continue(struct http_parser *ps, struct srv_conn *c)
{
    if (!ps->continue_due) return;
    ps->continue_due = 0;
    srv_puts(c, "HTTP/1.1 100 Continue\r\n\r\n");
}

static int http_status_has_body(int status)
{
    return status >= 200 && status != 204 && status != 304;
}

void http_respond(struct srv_conn *c, int status, const char *ctype, const char *extra,
                  const void *body, size_t n, int keep_alive, int head_only)
{
    static _Thread_local struct buf b;
    buf_reset(&b);
    http_head_start(&b, status);
    if (ctype) buf_printf(&b, "Content-Type: %s\r\n", ctype);
    if (extra) buf_puts(&b, extra);
    int has_body = http_status_has_body(status);
    http_head_finish(&b, has_body ? (int64_t)n : -1, keep_alive);
    if (has_body && !head_only) buf_append(&b, body, n);
    srv_write(c, buf_head(&b), buf_used(&b));
    if (b.cap > (1 << 20)) buf_free(&b);     /* do not keep a huge page around */
}

void http_respond_error(struct srv_conn *c, int status, const char *extra, int keep_alive,
                        int head_only)
{
    const char *reason = http_reason(status);
    char *body = strfmt("<!DOCTYPE html>\n<html><head><title>%d %s</title></head>"
                        "<body><h1>%d %s</h1></body></html>\n", status, reason, status, reason);
    if (status == 405 && !extra) extra = "Allow: GET, HEAD\r\n";
    http_respond(c, status, "text/html; charset=utf-8", extra, body, strlen(body), keep_alive,
                 head_only);
    free(body);
}
