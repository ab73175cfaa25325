/* t_http.c — the HTTP/1.1 request parser, ranges, dates, unescaping. */
#include "test.h"
#include "proto/http1.h"

#include <stdlib.h>

/* Parses text in one piece with default limits. */
static int parse(const char *text, struct http_req *r)
{
    struct http_parser ps;
    http_parser_init(&ps, NULL);
    return http_parse(&ps, text, strlen(text), r);
}

static int slice_is(struct http_slice s, const char *want)
{
    return s.n == strlen(want) && memcmp(s.p, want, s.n) == 0;
}

TEST(http_simple_get)
{
    struct http_req r;
    const char *t = "GET /a/b.html?x=1&y=%41 HTTP/1.1\r\nHost: h\r\nX-Thing:  v v \r\n\r\n";
    T_EQ_INT(parse(t, &r), (long long)strlen(t));
    T_EQ_INT(r.method, HTTP_M_GET);
    T_ASSERT(slice_is(r.path, "/a/b.html"));
    T_ASSERT(slice_is(r.query, "x=1&y=%41"));
    T_EQ_INT(r.minor, 1);
    T_EQ_INT(r.keep_alive, 1);
    T_EQ_INT(r.nheaders, 2);
    const struct http_slice *v = http_header(&r, "x-THING");
    T_ASSERT(v && slice_is(*v, "v v"));
    T_ASSERT(http_header(&r, "nope") == NULL);
    T_EQ_INT(r.content_length, -1);
    char out[16];
    T_EQ_INT(http_query_get(r.query, "y", out, sizeof out), 1);
    T_EQ_STR(out, "A");
    T_EQ_INT(http_query_get(r.query, "z", out, sizeof out), -1);
}

TEST(http_keep_alive_rules)
{
    struct http_req r;
    T_ASSERT(parse("GET / HTTP/1.0\r\n\r\n", &r) > 0);
    T_EQ_INT(r.keep_alive, 0);
    T_ASSERT(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &r) > 0);
    T_EQ_INT(r.keep_alive, 1);
    T_ASSERT(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n", &r) > 0);
    T_EQ_INT(r.keep_alive, 0);
    T_ASSERT(parse("GET http://example.com HTTP/1.1\r\nHost: a\r\n\r\n", &r) > 0);
    T_ASSERT(slice_is(r.path, "/"));
    T_ASSERT(parse("GET http://example.com/x?q HTTP/1.1\r\nHost: a\r\n\r\n", &r) > 0);
    T_ASSERT(slice_is(r.path, "/x"));
    T_ASSERT(slice_is(r.query, "q"));
}

TEST(http_pipelined_and_incremental)
{
    const char *t = "\r\nGET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
                    "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                    "HEAD /3 HTTP/1.1\nHost: a\n\n";
    size_t n = strlen(t), off = 0;
    struct http_parser ps;
    http_parser_init(&ps, NULL);
    struct http_req r;
    const char *paths[] = { "/1", "/2", "/3" };
    int got = 0;
    /* feed byte by byte: every prefix is "incomplete" until a request ends */
    for (size_t avail = 1; avail <= n - off && got < 3; avail++) {
        int rc = http_parse(&ps, t + off, avail, &r);
        T_ASSERT(rc >= 0);
        if (rc == 0) continue;
        T_ASSERT(slice_is(r.path, paths[got]));
        if (got == 1) T_ASSERT(slice_is(r.body, "hello"));
        if (got == 2) T_EQ_INT(r.method, HTTP_M_HEAD);
        got++;
        off += (size_t)rc;
        avail = 0;
    }
    T_EQ_INT(got, 3);
    T_EQ_INT(off, n);
}

TEST(http_errors)
{
    struct http_req r;
    T_EQ_INT(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n", &r), -505);
    T_EQ_INT(parse("GET / HTTP/0.9\r\n\r\n", &r), -505);
    T_EQ_INT(parse("GET / HTTX/1.1\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET / HTTP/1.1\r\n\r\n", &r), -400);              /* no Host */
    T_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET a HTTP/1.1\r\nHost: a\r\n\r\n", &r), -400);
    T_EQ_INT(parse("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", &r), -501);
    T_EQ_INT(parse("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", &r), -400);
    T_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                   &r), -400);
    T_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &r), -411);
    T_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", &r), -501);
    T_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                   "Content-Length: 3\r\n\r\n", &r), -400);
    T_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9999999999\r\n\r\n", &r), -413);
    T_EQ_INT(parse("GET * HTTP/1.1\r\nHost: a\r\n\r\n", &r), -400);
    T_ASSERT(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", &r) > 0);
    T_EQ_INT(parse("HEAD / HTTP/3.0\r\n\r\n", &r), -505);
    T_EQ_INT(r.method, HTTP_M_HEAD);
}

TEST(http_limits)
{
    struct http_limits lim = { 32, 128, 10, 4 };
    struct http_parser ps;
    struct http_req r;
    char big[512];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    http_parser_init(&ps, &lim);
    T_EQ_INT(http_parse(&ps, big, 30, &r), 0);
    T_EQ_INT(http_overflow_status(&ps), 414);
    T_EQ_INT(http_parse(&ps, big, 40, &r), -414);
    const char *many = "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n";
    http_parser_init(&ps, &lim);
    T_EQ_INT(http_parse(&ps, many, strlen(many), &r), -431);
    const char *longhead = "GET / HTTP/1.1\r\nHost: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                           "aaaaaaaaaaaaaa";
    http_parser_init(&ps, &lim);
    T_EQ_INT(http_parse(&ps, longhead, 60, &r), 0);
    T_EQ_INT(http_overflow_status(&ps), 431);
    T_EQ_INT(http_parse(&ps, longhead, strlen(longhead), &r), -431);
    const char *post = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n12345";
    http_parser_init(&ps, &lim);
    T_EQ_INT(http_parse(&ps, post, strlen(post), &r), 0);
    T_EQ_INT(http_overflow_status(&ps), 413);
    const char *post11 = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n";
    http_parser_init(&ps, &lim);
    T_EQ_INT(http_parse(&ps, post11, strlen(post11), &r), -413);
}

TEST(http_ranges)
{
    int64_t off, len;
#define R(s) ((struct http_slice){ s, sizeof s - 1 })
    T_EQ_INT(http_parse_range(R("bytes=0-99"), 1000, &off, &len), 1);
    T_EQ_INT(off, 0); T_EQ_INT(len, 100);
    T_EQ_INT(http_parse_range(R("bytes=900-"), 1000, &off, &len), 1);
    T_EQ_INT(off, 900); T_EQ_INT(len, 100);
    T_EQ_INT(http_parse_range(R("bytes=-10"), 1000, &off, &len), 1);
    T_EQ_INT(off, 990); T_EQ_INT(len, 10);
    T_EQ_INT(http_parse_range(R("bytes=-5000"), 1000, &off, &len), 1);
    T_EQ_INT(off, 0); T_EQ_INT(len, 1000);
    T_EQ_INT(http_parse_range(R("bytes=10-99999"), 1000, &off, &len), 1);
    T_EQ_INT(len, 990);
    T_EQ_INT(http_parse_range(R("bytes=1000-"), 1000, &off, &len), -1);
    T_EQ_INT(http_parse_range(R("bytes=-0"), 1000, &off, &len), -1);
    T_EQ_INT(http_parse_range(R("bytes=5-1"), 1000, &off, &len), 0);
    T_EQ_INT(http_parse_range(R("bytes=0-1,5-6"), 1000, &off, &len), 0);
    T_EQ_INT(http_parse_range(R("items=0-1"), 1000, &off, &len), 0);
    T_EQ_INT(http_parse_range(R("bytes=99999999999999999999-"), 1000, &off, &len), 0);
}

TEST(http_dates)
{
    time_t t;
    T_EQ_INT(http_parse_date(R("Sun, 06 Nov 1994 08:49:37 GMT"), &t), 0);
    T_EQ_INT(t, 784111777);
    T_EQ_STR(http_fmt_date(t).s, "Sun, 06 Nov 1994 08:49:37 GMT");
    T_EQ_INT(http_parse_date(R("Sunday, 06-Nov-94 08:49:37 GMT"), &t), 0);
    T_EQ_INT(t, 784111777);
    T_EQ_INT(http_parse_date(R("Sun Nov  6 08:49:37 1994"), &t), 0);
    T_EQ_INT(t, 784111777);
    T_EQ_INT(http_parse_date(R("yesterday"), &t), -1);
    T_EQ_INT(http_parse_date(R("Sun, 06 Nov 1994 08:49:37 CET"), &t), -1);
    T_EQ_INT(http_parse_date(R("Sun, 06 Nov 1994 08:49:37 GMTx"), &t), -1);
}

TEST(http_unescape_rules)
{
    char out[8];
    T_EQ_INT(http_unescape("a%2Fb", 5, out, sizeof out, 0), 3);
    T_EQ_STR(out, "a/b");
    T_EQ_INT(http_unescape("a+b", 3, out, sizeof out, 1), 3);
    T_EQ_STR(out, "a b");
    T_EQ_INT(http_unescape("a+b", 3, out, sizeof out, 0), 3);
    T_EQ_STR(out, "a+b");
    T_EQ_INT(http_unescape("%0", 2, out, sizeof out, 0), -1);
    T_EQ_INT(http_unescape("%zz", 3, out, sizeof out, 0), -1);
    T_EQ_INT(http_unescape("%00", 3, out, sizeof out, 0), -1);
    T_EQ_INT(http_unescape("12345678", 8, out, sizeof out, 0), -1);
    T_EQ_INT(http_reason(404)[0], 'N');
}

/* Every status of RFC 9110 (and RFC 6585's 429 and 431) goes out with its
 * reason phrase, never "Unknown". */
TEST(http_reason_every_status)
{
    static const struct { int status; const char *reason; } want[] = {
        { 100, "Continue" }, { 101, "Switching Protocols" }, { 200, "OK" },
        { 201, "Created" }, { 202, "Accepted" }, { 203, "Non-Authoritative Information" },
        { 204, "No Content" }, { 205, "Reset Content" }, { 206, "Partial Content" },
        { 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
        { 303, "See Other" }, { 304, "Not Modified" }, { 305, "Use Proxy" },
        { 307, "Temporary Redirect" }, { 308, "Permanent Redirect" }, { 400, "Bad Request" },
        { 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" },
        { 404, "Not Found" }, { 405, "Method Not Allowed" }, { 406, "Not Acceptable" },
        { 407, "Proxy Authentication Required" }, { 408, "Request Timeout" },
        { 409, "Conflict" }, { 410, "Gone" }, { 411, "Length Required" },
        { 412, "Precondition Failed" }, { 413, "Content Too Large" }, { 414, "URI Too Long" },
        { 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" },
        { 417, "Expectation Failed" }, { 421, "Misdirected Request" },
        { 422, "Unprocessable Content" }, { 426, "Upgrade Required" },
        { 429, "Too Many Requests" }, { 431, "Request Header Fields Too Large" },
        { 500, "Internal Server Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
        { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
        { 505, "HTTP Version Not Supported" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        T_EQ_STR(http_reason(want[i].status), want[i].reason);
    struct buf b = BUF_INIT;
    http_head_start(&b, 401);
    T_ASSERT(strncmp(buf_cstr(&b), "HTTP/1.1 401 Unauthorized\r\n", 27) == 0);
    buf_free(&b);
}
