/* http.h — the HTTP/1.1 server side shared by the web and app roles:
 * answering "100 Continue" at once and queueing a whole response (head
 * from proto/http1.h, then the body) on a server-core connection. */
#ifndef HOSTMIX_ROLES_HTTP_H
#define HOSTMIX_ROLES_HTTP_H

#include "proto/http1.h"
#include "roles/srv.h"

/* After http_parse returned 0: if the head is complete, the body is not,
 * and the client sent "Expect: 100-continue" (HTTP/1.1), queues
 * "HTTP/1.1 100 Continue" on c once, so the client sends its body now
 * rather than after its own wait (curl: 1 s). */
void http_continue(struct http_parser *ps, struct srv_conn *c);

/* Queues a complete response on c: head with ctype (NULL: none) and extra
 * header lines (NULL or "Name: value\r\n..."), then body[0..n) unless
 * head_only (HEAD; Content-Length still says n).  Statuses 1xx, 204 and
 * 304 get neither body nor Content-Length. */
void http_respond(struct srv_conn *c, int status, const char *ctype, const char *extra,
                  const void *body, size_t n, int keep_alive, int head_only);
/* Queues a small HTML error page for status; 405 adds "Allow: GET, HEAD"
 * unless extra gives its own, 416 needs extra ("Content-Range: ..."). */
void http_respond_error(struct srv_conn *c, int status, const char *extra, int keep_alive,
                        int head_only);

#endif
