/* http1.c — HTTP/1.1 request parser and response helpers; see http.h. */
#include "proto/http1.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const struct http_limits http_default_limits = { 8192, 16384, 1 << 20, HTTP_MAX_HEADERS };

/* tchar of RFC 9110 §5.6.2: the characters of a token. */
static const bool http_tchar[256] = {
    ['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true, ['\''] = true, ['*'] = true,
    ['+'] = true, ['-'] = true, ['.'] = true, ['^'] = true, ['_'] = true, ['`'] = true, ['|'] = true, ['~'] = true,
    ['0'] = true, ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true, ['5'] = true, ['6'] = true, ['7'] = true,
    ['8'] = true, ['9'] = true,
    ['A'] = true, ['B'] = true, ['C'] = true, ['D'] = true, ['E'] = true, ['F'] = true, ['G'] = true, ['H'] = true,
    ['I'] = true, ['J'] = true, ['K'] = true, ['L'] = true, ['M'] = true, ['N'] = true, ['O'] = true, ['P'] = true,
    ['Q'] = true, ['R'] = true, ['S'] = true, ['T'] = true, ['U'] = true, ['V'] = true, ['W'] = true, ['X'] = true,
    ['Y'] = true, ['Z'] = true,
    ['a'] = true, ['b'] = true, ['c'] = true, ['d'] = true, ['e'] = true, ['f'] = true, ['g'] = true, ['h'] = true,
    ['i'] = true, ['j'] = true, ['k'] = true, ['l'] = true, ['m'] = true, ['n'] = true, ['o'] = true, ['p'] = true,
    ['q'] = true, ['r'] = true, ['s'] = true, ['t'] = true, ['u'] = true, ['v'] = true, ['w'] = true, ['x'] = true,
    ['y'] = true, ['z'] = true,
};

static const struct { const char *name; enum http_method m; } http_methods[] = {
    { "GET", HTTP_M_GET }, { "HEAD", HTTP_M_HEAD }, { "POST", HTTP_M_POST },
    { "PUT", HTTP_M_PUT }, { "DELETE", HTTP_M_DELETE }, { "OPTIONS", HTTP_M_OPTIONS },
    { "PATCH", HTTP_M_PATCH }, { "TRACE", HTTP_M_TRACE }, { "CONNECT", HTTP_M_CONNECT },
};

void http_parser_init(struct http_parser *ps, const struct http_limits *lim)
{
    memset(ps, 0, sizeof *ps);
    ps->lim = lim ? *lim : http_default_limits;
    if (ps->lim.max_headers <= 0 || ps->lim.max_headers > HTTP_MAX_HEADERS)
        ps->lim.max_headers = HTTP_MAX_HEADERS;
}

/* Forgets the progress of the current request; keeps the limits. */
static void http_parser_reset(struct http_parser *ps)
{
    ps->scan = ps->line_start = ps->head_end = 0;
    ps->lines = ps->head_done = ps->continue_due = 0;
}

int http_slice_eq(struct http_slice a, const char *s)
{
    size_t n = strlen(s);
    return a.n == n && memcmp(a.p, s, n) == 0;
}

int http_slice_ieq(struct http_slice a, const char *s)
{
    size_t n = strlen(s);
    return a.n == n && strncasecmp(a.p, s, n) == 0;
}

const struct http_slice *http_header(const struct http_req *r, const char *name)
{
    for (int i = 0; i < r->nheaders; i++)
        if (http_slice_ieq(r->headers[i].name, name)) return &r->headers[i].value;
    return NULL;
}

/* ---- finding the head ------------------------------------------------ */

/* Skips empty lines before the request line (RFC 9112 §2.2).  Returns
 * the number of bytes skipped; *more is set if they were all the input. */
static size_t http_skip_empty(const char *p, size_t n, int *more)
{
    size_t i = 0;
    *more = 1;
    while (i < n) {
        if (p[i] == '\n') i++;
        else if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') i += 2;
        else if (p[i] == '\r' && i + 1 == n) return i;
        else { *more = 0; return i; }
    }
    return i;
}

/* Scans for the blank line ending the head, resuming where the last call
 * stopped.  Returns the head's end (offset after the blank line), 0 if
 * incomplete, or -status for a limit exceeded. */
static long http_find_head_end(struct http_parser *ps, const char *p, size_t n)
{
    size_t ls = ps->scan;
    for (;;) {
        const char *nl = memchr(p + ls, '\n', n - ls);
        if (!nl) {
            ps->scan = ls;
            size_t part = n - ls - (n > ls && p[n - 1] == '\r');   /* a CR may end it */
            if (ps->lines == 0 && part > ps->lim.max_line) return -414;
            if (n - ps->line_start > ps->lim.max_head) return -431;
            return 0;
        }
        size_t end = (size_t)(nl - p) + 1;
        size_t len = end - 1 - ls;
        if (len && p[end - 2] == '\r') len--;
        if (ps->lines == 0 && len > ps->lim.max_line) return -414;
        if (end - ps->line_start > ps->lim.max_head) return -431;
        if (len == 0) return (long)end;
        if (++ps->lines > ps->lim.max_headers + 1) return -431;
        ls = end;
    }
}

/* ---- the request line ------------------------------------------------ */

static enum http_method http_method_of(struct http_slice m)
{
    for (size_t i = 0; i < sizeof http_methods / sizeof http_methods[0]; i++)
        if (m.n == strlen(http_methods[i].name) && memcmp(m.p, http_methods[i].name, m.n) == 0)
            return http_methods[i].m;
    return HTTP_M_UNKNOWN;
}

/* Splits the request target into path and query.  origin-form
 * ("/a?b"), absolute-form ("http://host/a?b") and "*" (OPTIONS only) are
 * accepted; returns 0 or -400. */
static int http_parse_target(struct http_req *r)
{
    const char *t = r->target.p, *end = t + r->target.n;
    for (const char *q = t; q < end; q++)
        if ((unsigned char)*q <= 0x20 || *q == 0x7f || *q == '#') return -400;
    if (r->target.n == 1 && *t == '*') {
        if (r->method != HTTP_M_OPTIONS) return -400;
        r->path = r->target;
        return 0;
    }
    if (*t != '/') {
        size_t skip = 0;
        if (r->target.n > 7 && strncasecmp(t, "http://", 7) == 0) skip = 7;
        else if (r->target.n > 8 && strncasecmp(t, "https://", 8) == 0) skip = 8;
        else return -400;
        t += skip;
        while (t < end && *t != '/' && *t != '?') t++;
        if (t == r->target.p + skip) return -400;           /* empty authority */
    }
    const char *qm = memchr(t, '?', (size_t)(end - t));
    const char *pend = qm ? qm : end;
    static const char root[] = "/";
    r->path = t == pend ? (struct http_slice){ root, 1 }
                        : (struct http_slice){ t, (size_t)(pend - t) };
    if (*r->path.p != '/') return -400;                     /* "http://h?x" */
    r->query = qm ? (struct http_slice){ qm + 1, (size_t)(end - qm - 1) }
                  : (struct http_slice){ end, 0 };
    return 0;
}

/* "METHOD SP target SP HTTP/1.x"; returns 0 or -status. */
static int http_parse_request_line(struct http_req *r, const char *p, size_t len)
{
    const char *end = p + len, *sp1 = memchr(p, ' ', len);
    if (!sp1 || sp1 == p) return -400;
    for (const char *q = p; q < sp1; q++)
        if (!http_tchar[(unsigned char)*q]) return -400;
    r->method_str = (struct http_slice){ p, (size_t)(sp1 - p) };
    r->method = http_method_of(r->method_str);
    const char *tgt = sp1 + 1;
    const char *sp2 = memchr(tgt, ' ', (size_t)(end - tgt));
    if (!sp2 || sp2 == tgt) return -400;
    r->target = (struct http_slice){ tgt, (size_t)(sp2 - tgt) };
    const char *v = sp2 + 1;
    if (end - v != 8 || memcmp(v, "HTTP/", 5) != 0 || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
        v[7] < '0' || v[7] > '9')
        return -400;
    if (v[5] != '1') return -505;
    r->minor = v[7] - '0';
    if (r->method == HTTP_M_UNKNOWN) return -501;
    return http_parse_target(r);
}

/* ---- header fields ---------------------------------------------------- */

struct http_fields {
    int hosts, te, te_chunked, conn_close, conn_keep;
    int64_t cl;
};

/* Parses a Content-Length value; repeated fields must agree.  0 or -400. */
static int http_field_length(struct http_fields *f, struct http_slice v)
{
    if (v.n == 0 || v.n > 18) return -400;
    int64_t x = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9') return -400;
        x = x * 10 + (v.p[i] - '0');
    }
    if (f->cl >= 0 && f->cl != x) return -400;
    f->cl = x;
    return 0;
}

/* Walks a comma-separated list of tokens, calling back for each. */
static void http_field_tokens(struct http_fields *f, struct http_slice v, int is_te)
{
    size_t i = 0;
    while (i < v.n) {
        while (i < v.n && (v.p[i] == ',' || v.p[i] == ' ' || v.p[i] == '\t')) i++;
        size_t s = i;
        while (i < v.n && v.p[i] != ',' && v.p[i] != ';' && v.p[i] != ' ' && v.p[i] != '\t') i++;
        struct http_slice t = { v.p + s, i - s };
        while (i < v.n && v.p[i] != ',') i++;     /* parameters */
        if (!t.n) continue;
        if (is_te) f->te_chunked = http_slice_ieq(t, "chunked");   /* the last coding counts */
        else if (http_slice_ieq(t, "close")) f->conn_close = 1;
        else if (http_slice_ieq(t, "keep-alive")) f->conn_keep = 1;
    }
}

/* Parses one field line "name: value" into h and notes the fields the
 * parser itself needs.  Returns 0 or -400. */
static int http_parse_field(struct http_fields *f, struct http_header *h, const char *p, size_t len)
{
    const char *end = p + len, *colon = memchr(p, ':', len);
    if (!colon || colon == p) return -400;
    for (const char *q = p; q < colon; q++)      /* also rejects obs-fold and "name :" */
        if (!http_tchar[(unsigned char)*q]) return -400;
    const char *v = colon + 1;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    const char *ve = end;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
    for (const char *q = v; q < ve; q++) {
        unsigned char ch = (unsigned char)*q;
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f) return -400;
    }
    h->name = (struct http_slice){ p, (size_t)(colon - p) };
    h->value = (struct http_slice){ v, (size_t)(ve - v) };
    if (http_slice_ieq(h->name, "content-length")) return http_field_length(f, h->value);
    if (http_slice_ieq(h->name, "host")) f->hosts++;
    else if (http_slice_ieq(h->name, "transfer-encoding")) {
        f->te = 1;
        http_field_tokens(f, h->value, 1);
    } else if (http_slice_ieq(h->name, "connection")) {
        http_field_tokens(f, h->value, 0);
    }
    return 0;
}

/* Parses the head p[0..head_end) into r.  Returns 0 or -status. */
static int http_parse_head(const struct http_parser *ps, struct http_req *r, const char *p,
                           size_t head_end)
{
    struct http_fields f = { .cl = -1 };
    size_t ls = ps->line_start;
    int first = 1, rc;
    while (ls < head_end) {
        const char *nl = memchr(p + ls, '\n', head_end - ls);
        size_t len = (size_t)(nl - (p + ls));
        if (len && nl[-1] == '\r') len--;
        if (memchr(p + ls, '\r', len)) return -400;     /* bare CR */
        if (len == 0) break;
        if (first) {
            rc = http_parse_request_line(r, p + ls, len);
            first = 0;
        } else {
            rc = http_parse_field(&f, &r->headers[r->nheaders++], p + ls, len);
        }
        if (rc) return rc;
        ls = (size_t)(nl - p) + 1;
    }
    r->keep_alive = r->minor >= 1 ? !f.conn_close : (f.conn_keep && !f.conn_close);
    if (f.te) {
        if (f.cl >= 0 || r->minor == 0) return -400;
        return f.te_chunked ? -411 : -501;
    }
    if (r->minor >= 1 ? f.hosts != 1 : f.hosts > 1) return -400;
    r->content_length = f.cl;
    if (f.cl > ps->lim.max_body) return -413;
    return 0;
}

int http_parse(struct http_parser *ps, const char *p, size_t n, struct http_req *r)
{
    memset(r, 0, offsetof(struct http_req, headers));
    r->content_length = -1;
    r->body = (struct http_slice){ p, 0 };
    r->head_len = 0;
    long end;
    if (ps->head_done) {
        end = (long)ps->head_end;
        goto have_head;
    }
    if (ps->scan == 0) {
        int more;
        size_t s = http_skip_empty(p, n, &more);
        if (s > ps->lim.max_line) goto fail400;
        if (more) return 0;
        ps->scan = ps->line_start = s;
    }
    end = http_find_head_end(ps, p, n);
    if (end == 0) return 0;
    if (end < 0) {
        http_parser_reset(ps);
        return (int)end;
    }
have_head:;
    int rc = http_parse_head(ps, r, p, (size_t)end);
    if (rc) {
        r->keep_alive = 0;
        http_parser_reset(ps);
        return rc;
    }
    size_t total = (size_t)end + (size_t)(r->content_length > 0 ? r->content_length : 0);
    if (n < total) {            /* the head is complete, the body is not */
        const struct http_slice *e = http_header(r, "Expect");
        if (!ps->head_done && r->minor >= 1 && e && http_slice_ieq(*e, "100-continue"))
            ps->continue_due = 1;
        ps->head_done = 1;
        ps->head_end = (size_t)end;
        return 0;
    }
    r->head_len = (size_t)end;
    r->body = (struct http_slice){ p + end, total - (size_t)end };
    http_parser_reset(ps);
    return (int)total;
fail400:
    http_parser_reset(ps);
    return -400;
}

int http_overflow_status(const struct http_parser *ps)
{
    if (ps->head_done) return 413;
    return ps->lines == 0 ? 414 : 431;
}

/* ---- URL pieces ------------------------------------------------------- */

static int http_hex(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

int http_unescape(const char *s, size_t n, char *out, size_t outlen, int form)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];
        if (ch == '%') {
            if (i + 2 >= n) return -1;
            int hi = http_hex((unsigned char)s[i + 1]), lo = http_hex((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0) return -1;
            ch = hi * 16 + lo;
            if (ch == 0) return -1;
            i += 2;
        } else if (ch == '+' && form) {
            ch = ' ';
        }
        if (o + 1 >= outlen) return -1;
        out[o++] = (char)ch;
    }
    if (outlen == 0) return -1;
    out[o] = '\0';
    return (int)o;
}

int http_query_get(struct http_slice q, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name), i = 0;
    while (i < q.n) {
        const char *amp = memchr(q.p + i, '&', q.n - i);
        size_t e = amp ? (size_t)(amp - q.p) : q.n;
        const char *eq = memchr(q.p + i, '=', e - i);
        size_t ke = eq ? (size_t)(eq - q.p) : e;
        if (ke - i == nl && memcmp(q.p + i, name, nl) == 0) {
            size_t vs = eq ? ke + 1 : e;
            int r = http_unescape(q.p + vs, e - vs, out, outlen, 1);
            return r < 0 ? -2 : r;
        }
        i = e + 1;
    }
    return -1;
}

/* ---- ranges ------------------------------------------------------------- */

/* Reads decimal digits at *i; returns the value or -1 (none or overflow). */
static int64_t http_digits(struct http_slice v, size_t *i)
{
    size_t s = *i;
    int64_t x = 0;
    while (*i < v.n && v.p[*i] >= '0' && v.p[*i] <= '9') {
        if (x > (INT64_MAX - 9) / 10) return -1;
        x = x * 10 + (v.p[(*i)++] - '0');
    }
    return *i == s ? -1 : x;
}

int http_parse_range(struct http_slice v, int64_t size, int64_t *off, int64_t *len)
{
    if (v.n < 6 || strncasecmp(v.p, "bytes=", 6) != 0) return 0;
    size_t i = 6;
    while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t')) i++;
    int64_t first = -1, last = -1;
    if (i < v.n && v.p[i] == '-') {                  /* suffix: the last N bytes */
        i++;
        last = http_digits(v, &i);
        if (last < 0) return 0;
    } else {
        first = http_digits(v, &i);
        if (first < 0 || i >= v.n || v.p[i] != '-') return 0;
        i++;
        if (i < v.n && v.p[i] >= '0' && v.p[i] <= '9') {
            last = http_digits(v, &i);
            if (last < 0 || last < first) return 0;
        }
    }
    while (i < v.n && (v.p[i] == ' ' || v.p[i] == '\t')) i++;
    if (i != v.n) return 0;                           /* several ranges, or junk */
    if (first < 0) {                                  /* suffix-length */
        if (last == 0 || size == 0) return -1;
        *len = last < size ? last : size;
        *off = size - *len;
        return 1;
    }
    if (first >= size) return -1;
    if (last < 0 || last >= size) last = size - 1;
    *off = first;
    *len = last - first + 1;
    return 1;
}

/* ---- dates -------------------------------------------------------------- */

/* Room for an HTTP-date as parsed (RFC 9110 §5.6.7): the longest form,
 * RFC 850's with "Wednesday", is 37 bytes; anything of 64 or more is no
 * date.  The fields sscanf fills are bounded by their widths below. */
#define HTTP_DATE_TEXT_MAX 64

static const char *const http_days[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const http_months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

struct numstr http_fmt_date(time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    return numstr_fmt("%s, %02d %s %04d %02d:%02d:%02d GMT", http_days[tm.tm_wday], tm.tm_mday,
                      http_months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int http_month_of(const char *s)
{
    for (int i = 0; i < 12; i++)
        if (memcmp(s, http_months[i], 3) == 0) return i;
    return -1;
}

int http_parse_date(struct http_slice s, time_t *t)
{
    char tmp[HTTP_DATE_TEXT_MAX], mon[4] = "", day[16] = "", gmt[4] = "";
    if (s.n >= sizeof tmp) return -1;
    memcpy(tmp, s.p, s.n);
    tmp[s.n] = '\0';
    struct tm tm = { 0 };
    int n = 0, year;
    /* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
    if (sscanf(tmp, "%3[A-Za-z], %2d %3s %4d %2d:%2d:%2d %3s%n", day, &tm.tm_mday, mon, &year,
               &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt, &n) == 8 && tmp[n] == '\0') {
    /* RFC 850: Sunday, 06-Nov-94 08:49:37 GMT */
    } else if (sscanf(tmp, "%15[A-Za-z], %2d-%3s-%2d %2d:%2d:%2d %3s%n", day, &tm.tm_mday, mon,
                      &year, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, gmt, &n) == 8 && tmp[n] == '\0') {
        year += year < 70 ? 2000 : 1900;
    /* asctime: Sun Nov  6 08:49:37 1994 */
    } else if (sscanf(tmp, "%3[A-Za-z] %3s %2d %2d:%2d:%2d %4d%n", day, mon, &tm.tm_mday,
                      &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &year, &n) == 7 && tmp[n] == '\0') {
        strcpy(gmt, "GMT");
    } else {
        return -1;
    }
    tm.tm_mon = http_month_of(mon);
    if (tm.tm_mon < 0 || strcmp(gmt, "GMT") != 0 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || year < 1900 || year > 9999)
        return -1;
    tm.tm_year = year - 1900;
    *t = timegm(&tm);
    return 0;
}

/* ---- responses ---------------------------------------------------------- */

/* Every status of RFC 9110 section 15, and RFC 6585's 429 and 431. */
static const struct { short status; const char *reason; } http_reasons[] = {
    { 100, "Continue" }, { 101, "Switching Protocols" },
    { 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
    { 203, "Non-Authoritative Information" }, { 204, "No Content" }, { 205, "Reset Content" },
    { 206, "Partial Content" },
    { 300, "Multiple Choices" }, { 301, "Moved Permanently" }, { 302, "Found" },
    { 303, "See Other" }, { 304, "Not Modified" }, { 305, "Use Proxy" },
    { 307, "Temporary Redirect" }, { 308, "Permanent Redirect" },
    { 400, "Bad Request" }, { 401, "Unauthorized" }, { 402, "Payment Required" },
    { 403, "Forbidden" }, { 404, "Not Found" }, { 405, "Method Not Allowed" },
    { 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
    { 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" },
    { 411, "Length Required" }, { 412, "Precondition Failed" }, { 413, "Content Too Large" },
    { 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
    { 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
    { 421, "Misdirected Request" }, { 422, "Unprocessable Content" },
    { 426, "Upgrade Required" }, { 429, "Too Many Requests" },
    { 431, "Request Header Fields Too Large" },
    { 500, "Internal Server Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
    { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
    { 505, "HTTP Version Not Supported" },
};

const char *http_reason(int status)
{
    for (size_t i = 0; i < sizeof http_reasons / sizeof http_reasons[0]; i++)
        if (http_reasons[i].status == status) return http_reasons[i].reason;
    return "Unknown";
}

/* The Date value, formatted once per second. */
static const char *http_date_now(void)
{
    static _Thread_local time_t last = -1;
    static _Thread_local struct numstr text;
    time_t now = time(NULL);
    if (now != last) {
        text = http_fmt_date(now);
        last = now;
    }
    return text.s;
}

void http_head_start(struct buf *b, int status)
{
    buf_printf(b, "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: hostmix\r\n", status,
               http_reason(status), http_date_now());
}

void http_head_finish(struct buf *b, int64_t len, int keep_alive)
{
    if (len >= 0) buf_printf(b, "Content-Length: %lld\r\n", (long long)len);
    buf_puts(b, keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n");
}
