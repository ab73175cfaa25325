/* http1.h — HTTP/1.1 request parsing and response heads (RFC 9110,
 * RFC 9112): the protocol, with no dependency on the server core; the
 * server side (roles/http.h) and the web and app roles build on it.
 *
 * Parsing is incremental and copy-free: a connection keeps a struct
 * http_parser, and every time input arrives the role calls
 *
 *     int n = http_parse(&ps, buf_head(&c->in), buf_used(&c->in), &req);
 *
 *   n > 0   a complete request (head and Content-Length body) occupies the
 *           first n bytes; req's slices point into that input, so use them
 *           before buf_consume(&c->in, n).
 *   n == 0  incomplete; call again when more input has arrived (the parser
 *           remembers how far it has scanned, so a slow client costs no
 *           quadratic rescanning).
 *   n < 0   -n is the error status to answer before closing:
 *           400 malformed, 411 chunked body (Content-Length is required),
 *           413 body too large, 414 request line too long, 431 header
 *           section too large or too many fields, 501 unknown method or
 *           transfer coding, 505 HTTP major version other than 1.
 *
 * The parser resets itself after a complete request or an error, so the
 * next call starts on the next pipelined request.  Request bodies must
 * carry Content-Length; chunked request bodies are refused with 411.
 *
 * Responses: http_head_start/http_head_finish build a head into a buf
 * (roles/http.h queues whole responses on a connection).  Every response
 * is HTTP/1.1 with Date, Server, Content-Length (except 304 and 1xx/204)
 * and Connection.  The client side's response parser is http1_resp.h. */
#ifndef HOSTMIX_PROTO_HTTP1_H
#define HOSTMIX_PROTO_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

#define HTTP_MAX_HEADERS 64     /* header fields per request (more: 431) */

enum http_method {
    HTTP_M_UNKNOWN = 0, HTTP_M_GET, HTTP_M_HEAD, HTTP_M_POST, HTTP_M_PUT,
    HTTP_M_DELETE, HTTP_M_OPTIONS, HTTP_M_PATCH, HTTP_M_TRACE, HTTP_M_CONNECT,
};

/* A piece of the input (not NUL-terminated). */
struct http_slice { const char *p; size_t n; };

struct http_header { struct http_slice name, value; };

struct http_limits {
    size_t max_line;            /* request line, bytes without CRLF (414) */
    size_t max_head;            /* request line + header fields (431) */
    int64_t max_body;           /* Content-Length (413) */
    int max_headers;            /* field lines, <= HTTP_MAX_HEADERS (431) */
};

/* Defaults: 8 KiB line, 16 KiB head, 1 MiB body, 64 fields. */
extern const struct http_limits http_default_limits;

struct http_parser {
    struct http_limits lim;
    size_t scan;                /* offset where the search for the head's end resumes */
    size_t line_start;          /* offset of the first byte of the request line */
    int lines;                  /* complete lines seen so far */
    int head_done;              /* head complete; waiting for the body */
    int continue_due;           /* ... and the client expects 100 Continue */
    size_t head_end;            /* then: where the body starts */
};

struct http_req {
    enum http_method method;
    struct http_slice method_str;
    struct http_slice target;   /* as sent */
    struct http_slice path;     /* still percent-encoded; "/..." ("*" for OPTIONS *) */
    struct http_slice query;    /* after '?', empty if none */
    int minor;                  /* HTTP/1.minor */
    int keep_alive;             /* after this request, per version and Connection */
    int nheaders;
    struct http_header headers[HTTP_MAX_HEADERS];
    int64_t content_length;     /* -1: none */
    struct http_slice body;
    size_t head_len;            /* bytes of the head including the blank line */
};

/* Prepares a parser with lim (NULL: http_default_limits). */
void http_parser_init(struct http_parser *ps, const struct http_limits *lim);
/* Parses one request at the start of p[0..n); see the top of this file.
 * req is filled on success and as far as known on error (method, keep_alive
 * = 0), so HEAD can be honoured in the error reply. */
int http_parse(struct http_parser *ps, const char *p, size_t n, struct http_req *req);
/* The status for a request that filled the input limit (srv_proto
 * on_overflow): 414 in the request line, 431 in the head, 413 in the body.
 * The core may call on_overflow without having shown the parser the last
 * bytes it read, so call http_parse on the whole input first (web.c's
 * web_on_overflow does). */
int http_overflow_status(const struct http_parser *ps);

/* The value of the first header named name (case-insensitive), or NULL. */
const struct http_slice *http_header(const struct http_req *r, const char *name);
/* Does a slice equal s, ignoring ASCII case? */
int http_slice_ieq(struct http_slice a, const char *s);
/* Does a slice equal s exactly (paths are case-sensitive)? */
int http_slice_eq(struct http_slice a, const char *s);

/* Percent-decodes s[0..n) into out, NUL-terminated; '+' becomes ' ' when
 * form is set (query strings).  Returns the length, or -1 for a bad
 * escape, an encoded NUL or when out (outlen bytes) is too small. */
int http_unescape(const char *s, size_t n, char *out, size_t outlen, int form);
/* Looks name up in a query string ("a=1&b=x+y") and unescapes its value
 * into out.  Returns the value's length, -1 if absent, -2 if malformed or
 * too long. */
int http_query_get(struct http_slice query, const char *name, char *out, size_t outlen);

/* Byte ranges (RFC 9110 §14): parses a Range value against a
 * representation of size bytes.  Returns 1 with *off and *len set for one
 * satisfiable range (206), -1 if unsatisfiable (416), 0 to ignore the
 * header and send everything (not "bytes=", malformed, or several ranges:
 * only single ranges are served, as RFC 9110 permits). */
int http_parse_range(struct http_slice v, int64_t size, int64_t *off, int64_t *len);

/* t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", 29 characters). */
struct numstr http_fmt_date(time_t t);
/* Parses an HTTP-date (IMF-fixdate, RFC 850 or asctime form).  Returns 0,
 * or -1 if it is none of them. */
int http_parse_date(struct http_slice s, time_t *t);

/* The reason phrase of a status ("Not Found"): every status of RFC 9110
 * and 429, 431; "Unknown" for any other (none the servers send). */
const char *http_reason(int status);

/* Appends "HTTP/1.1 STATUS REASON", Date and Server to b. */
void http_head_start(struct buf *b, int status);
/* Appends Content-Length (when len >= 0), Connection and the blank line. */
void http_head_finish(struct buf *b, int64_t len, int keep_alive);

#endif
