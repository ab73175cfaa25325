/* json.c — streaming JSON writer and arena-backed reader; see json.h.
 *
 * Writer.  The writer keeps one flag per open container: "no element yet".
 * Every value or key first calls w_sep, which writes the comma (unless it
 * is the first element, or the value right after a key) and, in pretty
 * mode, a newline and two spaces of indentation per level.
 *
 * Reader.  A recursive-descent parser over (text, len) — the text need not
 * be NUL-terminated.  Every node, string and member table lives in an arena
 * of chunks owned by the json_doc, so the whole tree goes with one
 * json_doc_free.  Nesting deeper than JSON_MAX_DEPTH and input larger than
 * JSON_MAX_SIZE are rejected, which bounds both the C stack and the arena
 * (at most a small multiple of the input). */
#include "core/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- UTF-8 ----------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at p (n bytes available), or 0
 * if it is not one (overlong forms, surrogates and code points above
 * U+10FFFF are not well-formed; RFC 3629 table). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;          /* allowed range of the 2nd byte */
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) len = 2;
    else if (c < 0xF0) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c < 0xF5) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else return 0;
    if (n < len || p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF) return 0;
    return len;
}

/* Appends code point cp (<= U+10FFFF, not a surrogate) as UTF-8; returns
 * the number of bytes written to out (room for 4). */
static size_t utf8_put(char *out, uint32_t cp)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A number's text is copied to be NUL-terminated for strtod: on the stack
 * when shorter than this (every number hostmix writes), else to the heap. */
#define JSON_NUM_INLINE 64

/* ---- writer ---------------------------------------------------------- */

/* The escape of ASCII byte c (a quote, a backslash or a control
 * character): its two-character form, else \u00XX. */
static void json_escape_ascii(struct buf *out, unsigned c)
{
    const char *two = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b"
                    : c == '\f' ? "\\f" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                    : c == '\t' ? "\\t" : NULL;
    if (two) buf_append(out, two, 2);
    else buf_printf(out, "\\u%04x", c);
}

void json_escape(struct buf *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;          /* bytes [i-run, i) are copied as they are */
    buf_append(out, "\"", 1);
    while (i < n) {
        unsigned c = p[i];
        size_t len = c >= 0x20 && c != '"' && c != '\\' ? utf8_len(p + i, n - i) : 0;
        if (len) { i += len; run += len; continue; }
        buf_append(out, p + i - run, run);
        run = 0;
        if (c >= 0x80) {                    /* invalid UTF-8: one U+FFFD per byte */
            buf_append(out, "\xEF\xBF\xBD", 3);
        } else {
            json_escape_ascii(out, c);
        }
        i++;
    }
    buf_append(out, p + i - run, run);
    buf_append(out, "\"", 1);
}

void json_w_init(struct json_w *w, struct buf *out, int pretty)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->pretty = pretty;
    w->first[0] = 1;
}

/* The flag slot of the current level (levels past the limit share the
 * last slot: the writer stays memory-safe, the reader would refuse). */
static bool *w_first(struct json_w *w)
{
    int d = w->depth < 0 ? 0 : w->depth > JSON_MAX_DEPTH ? JSON_MAX_DEPTH : w->depth;
    return &w->first[d];
}

static void w_indent(struct json_w *w)
{
    buf_append(w->out, "\n", 1);
    for (int i = 0; i < w->depth; i++) buf_append(w->out, "  ", 2);
}

/* Separator before a key, or before a value that does not follow a key. */
static void w_sep(struct json_w *w)
{
    if (w->after_key) { w->after_key = 0; return; }
    bool *first = w_first(w);
    if (!*first) buf_append(w->out, ",", 1);
    *first = 0;
    if (w->pretty && w->depth > 0) w_indent(w);
}

static void w_open(struct json_w *w, char c)
{
    w_sep(w);
    buf_append(w->out, &c, 1);
    w->depth++;
    *w_first(w) = 1;
}

static void w_close(struct json_w *w, char c)
{
    int empty = *w_first(w);
    w->after_key = 0;
    if (w->depth > 0) w->depth--;
    if (w->pretty && !empty) w_indent(w);
    buf_append(w->out, &c, 1);
}

void json_w_obj(struct json_w *w)     { w_open(w, '{'); }
void json_w_obj_end(struct json_w *w) { w_close(w, '}'); }
void json_w_arr(struct json_w *w)     { w_open(w, '['); }
void json_w_arr_end(struct json_w *w) { w_close(w, ']'); }

static void w_keyn(struct json_w *w, const char *key, size_t n)
{
    w_sep(w);
    json_escape(w->out, key, n);
    buf_append(w->out, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
    w->after_key = 1;
}

void json_w_key(struct json_w *w, const char *key) { w_keyn(w, key, strlen(key)); }

void json_w_strn(struct json_w *w, const char *s, size_t n)
{
    w_sep(w);
    json_escape(w->out, s, n);
}

void json_w_str(struct json_w *w, const char *s)
{
    if (!s) { json_w_null(w); return; }
    json_w_strn(w, s, strlen(s));
}

void json_w_int(struct json_w *w, int64_t v)
{
    w_sep(w);
    buf_printf(w->out, "%" PRId64, v);
}

void json_w_uint(struct json_w *w, uint64_t v)
{
    w_sep(w);
    buf_printf(w->out, "%" PRIu64, v);
}

/* The shortest of 15, 16 or 17 significant digits that reads back as the
 * same double (17 always does); non-finite values have no JSON form. */
void json_w_double(struct json_w *w, double v)
{
    if (!isfinite(v)) { json_w_null(w); return; }
    struct numstr s;
    for (int prec = 15; prec <= 17; prec++) {
        s = numstr_fmt("%.*g", prec, v);
        if (strtod(s.s, NULL) == v) break;
    }
    w_sep(w);
    buf_puts(w->out, s.s);
}

void json_w_bool(struct json_w *w, int v)
{
    w_sep(w);
    buf_puts(w->out, v ? "true" : "false");
}

void json_w_knum(struct json_w *w, const char *k, double v)
{
    json_w_key(w, k);
    json_w_double(w, v);
}

void json_w_kint(struct json_w *w, const char *k, int64_t v)
{
    json_w_key(w, k);
    json_w_int(w, v);
}

void json_w_kuint(struct json_w *w, const char *k, uint64_t v)
{
    json_w_key(w, k);
    json_w_uint(w, v);
}

void json_w_kstr(struct json_w *w, const char *k, const char *v)
{
    json_w_key(w, k);
    json_w_str(w, v);
}

void json_w_kbool(struct json_w *w, const char *k, int v)
{
    json_w_key(w, k);
    json_w_bool(w, v);
}

void json_w_null(struct json_w *w)
{
    w_sep(w);
    buf_puts(w->out, "null");
}

/* ---- reader: tree and arena -------------------------------------------- */

struct json_val {
    enum json_type type;
    const char *key;            /* member name when inside an object */
    size_t keylen;
    size_t n;                   /* string length, or number of children */
    union {
        double num;
        int b;
        const char *s;
        struct json_val **kids;
    } u;
    struct json_val *next;      /* sibling chain while parsing */
};

struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
};

struct json_doc {
    struct chunk *chunks;
    struct json_val *root;
};

#define CHUNK_MIN 16384

/* Allocates n bytes (aligned) from the document's arena; NULL on OOM. */
static void *arena_alloc(struct json_doc *d, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct chunk *c = d->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = d->chunks;
        d->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

void json_doc_free(struct json_doc *d)
{
    if (!d) return;
    for (struct chunk *c = d->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(d);
}

const struct json_val *json_root(const struct json_doc *d) { return d ? d->root : NULL; }

/* ---- reader: parser ---------------------------------------------------- */

struct parser {
    const char *p;              /* whole input */
    size_t len, pos;
    struct json_doc *doc;
    char *err;                  /* json_parse's message array, or NULL */
    size_t errlen;
    struct buf *errb;           /* json_parse_buf's, or NULL */
    int failed;
};

/* Records the first error as "byte N: message"; returns NULL for chaining. */
static void *fail(struct parser *ps, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void *fail(struct parser *ps, size_t at, const char *fmt, ...)
{
    if (ps->failed) return NULL;
    ps->failed = 1;
    if (!ps->errb && (!ps->err || !ps->errlen)) return NULL;
    struct buf msg = BUF_INIT;
    buf_printf(&msg, "byte %zu: ", at);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    if (ps->errb) buf_append(ps->errb, buf_head(&msg), buf_used(&msg));
    else snprintf(ps->err, ps->errlen, "%s", buf_cstr(&msg));
    buf_free(&msg);
    return NULL;
}

static void skip_ws(struct parser *ps)
{
    while (ps->pos < ps->len) {
        char c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        ps->pos++;
    }
}

/* Describes the byte at pos for error messages ("end of input", "'x'", "byte 0x01"). */
static struct numstr what(const struct parser *ps)
{
    if (ps->pos >= ps->len) return numstr_fmt("end of input");
    unsigned char c = (unsigned char)ps->p[ps->pos];
    if (c >= 0x20 && c < 0x7f) return numstr_fmt("'%c'", c);
    return numstr_fmt("byte 0x%02x", c);
}

static struct json_val *new_val(struct parser *ps, enum json_type t)
{
    struct json_val *v = arena_alloc(ps->doc, sizeof *v);
    if (!v) return fail(ps, ps->pos, "out of memory");
    memset(v, 0, sizeof *v);
    v->type = t;
    return v;
}

static int hex4(const char *s, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* Parses a string at pos (at the opening quote) into arena memory, NUL-
 * terminated; *len gets its length.  Decoded text is never longer than the
 * source, so one allocation of the source span suffices.  \u escapes of
 * lone surrogates become U+FFFD; raw control characters and ill-formed
 * UTF-8 are errors. */
static const char *parse_str(struct parser *ps, size_t *len)
{
    size_t start = ps->pos++, end = ps->pos;
    while (end < ps->len && ps->p[end] != '"') end += ps->p[end] == '\\' ? 2 : 1;
    if (end >= ps->len) return fail(ps, start, "unterminated string");
    char *out = arena_alloc(ps->doc, end - ps->pos + 1);
    if (!out) return fail(ps, start, "out of memory");
    size_t o = 0;
    const unsigned char *p = (const unsigned char *)ps->p;
    while (ps->pos < end) {
        unsigned c = p[ps->pos];
        if (c < 0x20) return fail(ps, ps->pos, "control character 0x%02x in string", c);
        if (c >= 0x80) {
            size_t n = utf8_len(p + ps->pos, end - ps->pos);
            if (!n) return fail(ps, ps->pos, "invalid UTF-8 in string");
            memcpy(out + o, p + ps->pos, n);
            o += n;
            ps->pos += n;
            continue;
        }
        if (c != '\\') { out[o++] = (char)c; ps->pos++; continue; }
        size_t at = ps->pos;
        char e = ps->p[ps->pos + 1];
        ps->pos += 2;
        switch (e) {
        case '"': case '\\': case '/': out[o++] = e; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            if (end - ps->pos < 4 || hex4(ps->p + ps->pos, &cp))
                return fail(ps, at, "bad \\u escape (want 4 hex digits)");
            ps->pos += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && end - ps->pos >= 6 &&
                ps->p[ps->pos] == '\\' && ps->p[ps->pos + 1] == 'u' &&
                !hex4(ps->p + ps->pos + 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                ps->pos += 6;
            } else if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 0xFFFD;                /* lone surrogate */
            }
            o += utf8_put(out + o, cp);     /* <= 6 source bytes, <= 4 out */
            break;
        }
        default:
            return fail(ps, at, "bad escape '\\%c'", e >= 0x20 && e < 0x7f ? e : '?');
        }
    }
    out[o] = '\0';
    ps->pos = end + 1;
    *len = o;
    return out;
}

/* Number per RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static struct json_val *parse_num(struct parser *ps)
{
    size_t start = ps->pos, i = ps->pos;
    const char *p = ps->p;
#define DIGIT(k) ((k) < ps->len && p[k] >= '0' && p[k] <= '9')
    if (i < ps->len && p[i] == '-') i++;
    if (!DIGIT(i)) return fail(ps, i, "bad number (digit expected)");
    if (p[i] == '0') {
        i++;
        if (DIGIT(i)) return fail(ps, start, "bad number (leading zero)");
    } else {
        while (DIGIT(i)) i++;
    }
    if (i < ps->len && p[i] == '.') {
        i++;
        if (!DIGIT(i)) return fail(ps, i, "bad number (digit expected after '.')");
        while (DIGIT(i)) i++;
    }
    if (i < ps->len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < ps->len && (p[i] == '+' || p[i] == '-')) i++;
        if (!DIGIT(i)) return fail(ps, i, "bad number (digit expected in exponent)");
        while (DIGIT(i)) i++;
    }
#undef DIGIT
    char small[JSON_NUM_INLINE], *tmp = small;
    size_t n = i - start;
    if (n >= sizeof small && !(tmp = malloc(n + 1))) return fail(ps, start, "out of memory");
    memcpy(tmp, p + start, n);
    tmp[n] = '\0';
    struct json_val *v = new_val(ps, JSON_NUMBER);
    if (v) v->u.num = strtod(tmp, NULL);    /* overflow gives +-inf */
    if (tmp != small) free(tmp);
    ps->pos = i;
    return v;
}

static struct json_val *parse_value(struct parser *ps, int depth);

/* Parses the members of an array or object (pos after the bracket) and
 * gathers them into an arena table. */
static struct json_val *parse_container(struct parser *ps, int depth, int is_obj)
{
    char close = is_obj ? '}' : ']';
    struct json_val *v = new_val(ps, is_obj ? JSON_OBJECT : JSON_ARRAY);
    struct json_val *head = NULL, **tail = &head;
    if (!v) return NULL;
    if (depth > JSON_MAX_DEPTH)
        return fail(ps, ps->pos - 1, "nesting deeper than %d levels", JSON_MAX_DEPTH);
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == close) {
        ps->pos++;
        return v;
    }
    for (;;) {
        const char *key = NULL;
        size_t keylen = 0;
        skip_ws(ps);
        if (is_obj) {
            if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
                return fail(ps, ps->pos, "expected a member name, got %s", what(ps).s);
            if (!(key = parse_str(ps, &keylen))) return NULL;
            skip_ws(ps);
            if (ps->pos >= ps->len || ps->p[ps->pos] != ':')
                return fail(ps, ps->pos, "expected ':', got %s", what(ps).s);
            ps->pos++;
        }
        struct json_val *kid = parse_value(ps, depth);
        if (!kid) return NULL;
        kid->key = key;
        kid->keylen = keylen;
        *tail = kid;
        tail = &kid->next;
        v->n++;
        skip_ws(ps);
        if (ps->pos < ps->len && ps->p[ps->pos] == ',') { ps->pos++; continue; }
        if (ps->pos < ps->len && ps->p[ps->pos] == close) { ps->pos++; break; }
        return fail(ps, ps->pos, "expected ',' or '%c', got %s", close, what(ps).s);
    }
    v->u.kids = arena_alloc(ps->doc, v->n * sizeof *v->u.kids);
    if (!v->u.kids) return fail(ps, ps->pos, "out of memory");
    size_t i = 0;
    for (struct json_val *k = head; k; k = k->next) v->u.kids[i++] = k;
    return v;
}

static int match_word(struct parser *ps, const char *w)
{
    size_t n = strlen(w);
    if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, w, n)) return 0;
    ps->pos += n;
    return 1;
}

/* Parses one value at pos (leading whitespace allowed); depth counts the
 * containers around it. */
static struct json_val *parse_value(struct parser *ps, int depth)
{
    skip_ws(ps);
    if (ps->pos >= ps->len) return fail(ps, ps->pos, "unexpected end of input");
    char c = ps->p[ps->pos];
    struct json_val *v;
    switch (c) {
    case '{': case '[':
        ps->pos++;
        return parse_container(ps, depth + 1, c == '{');
    case '"':
        if (!(v = new_val(ps, JSON_STRING))) return NULL;
        return (v->u.s = parse_str(ps, &v->n)) ? v : NULL;
    case 't': case 'f':
        if (!match_word(ps, c == 't' ? "true" : "false")) break;
        if ((v = new_val(ps, JSON_BOOL))) v->u.b = c == 't';
        return v;
    case 'n':
        if (!match_word(ps, "null")) break;
        return new_val(ps, JSON_NULL);
    default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_num(ps);
    }
    return fail(ps, ps->pos, "expected a value, got %s", what(ps).s);
}

/* Parses the parser's whole input; the document, or NULL after fail. */
static struct json_doc *parse_doc(struct parser *ps)
{
    if (ps->len > JSON_MAX_SIZE) {
        fail(ps, 0, "document larger than %d bytes", JSON_MAX_SIZE);
        return NULL;
    }
    if (!(ps->doc = calloc(1, sizeof *ps->doc))) {
        fail(ps, 0, "out of memory");
        return NULL;
    }
    ps->doc->root = parse_value(ps, 0);
    if (ps->doc->root) {
        skip_ws(ps);
        if (ps->pos < ps->len)
            fail(ps, ps->pos, "trailing garbage after the value: %s", what(ps).s);
    }
    if (ps->failed) {
        json_doc_free(ps->doc);
        return NULL;
    }
    return ps->doc;
}

struct json_doc *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct parser ps = { .p = text, .len = len, .err = err, .errlen = errlen };
    if (err && errlen) err[0] = '\0';
    return parse_doc(&ps);
}

struct json_doc *json_parse_buf(const char *text, size_t len, struct buf *err)
{
    struct parser ps = { .p = text, .len = len, .errb = err };
    return parse_doc(&ps);
}

/* ---- reader: access ---------------------------------------------------- */

enum json_type json_type(const struct json_val *v) { return v ? v->type : JSON_NULL; }

size_t json_len(const struct json_val *v)
{
    return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->n : 0;
}

const struct json_val *json_at(const struct json_val *v, size_t i)
{
    return i < json_len(v) ? v->u.kids[i] : NULL;
}

const char *json_key_at(const struct json_val *obj, size_t i)
{
    return obj && obj->type == JSON_OBJECT && i < obj->n ? obj->u.kids[i]->key : NULL;
}

/* Member named key (n bytes), first match. */
static const struct json_val *get_n(const struct json_val *obj, const char *key, size_t n)
{
    if (!obj || obj->type != JSON_OBJECT) return NULL;
    for (size_t i = 0; i < obj->n; i++) {
        const struct json_val *k = obj->u.kids[i];
        if (k->keylen == n && !memcmp(k->key, key, n)) return k;
    }
    return NULL;
}

const struct json_val *json_get(const struct json_val *obj, const char *key)
{
    return get_n(obj, key, strlen(key));
}

double json_num(const struct json_val *v, double def)
{
    return v && v->type == JSON_NUMBER ? v->u.num : def;
}

int json_bool(const struct json_val *v, int def)
{
    return v && v->type == JSON_BOOL ? v->u.b : def;
}

const char *json_str(const struct json_val *v, const char *def)
{
    return v && v->type == JSON_STRING ? v->u.s : def;
}

size_t json_strlen(const struct json_val *v)
{
    return v && v->type == JSON_STRING ? v->n : 0;
}

/* Each dot-separated component names an object member, or indexes an
 * array when it is all digits. */
const struct json_val *json_path(const struct json_val *root, const char *dotted)
{
    const struct json_val *v = root;
    const char *s = dotted;
    while (v) {
        size_t n = strcspn(s, ".");
        if (v->type == JSON_ARRAY) {
            size_t idx = 0, i = 0;
            if (!n || n > 18) return NULL;
            for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) idx = idx * 10 + (size_t)(s[i] - '0');
            v = i == n ? json_at(v, idx) : NULL;
        } else {
            v = get_n(v, s, n);
        }
        if (!s[n]) return v;
        s += n + 1;
    }
    return NULL;
}

/* Writes a parsed value (and everything under it) with the writer. */
void json_w_value(struct json_w *w, const struct json_val *v)
{
    if (!v) { json_w_null(w); return; }
    switch (v->type) {
    case JSON_NULL:   json_w_null(w); break;
    case JSON_BOOL:   json_w_bool(w, v->u.b); break;
    case JSON_NUMBER: json_w_double(w, v->u.num); break;
    case JSON_STRING: json_w_strn(w, v->u.s, v->n); break;
    case JSON_ARRAY:
        json_w_arr(w);
        for (size_t i = 0; i < v->n; i++) json_w_value(w, v->u.kids[i]);
        json_w_arr_end(w);
        break;
    case JSON_OBJECT:
        json_w_obj(w);
        for (size_t i = 0; i < v->n; i++) {
            w_keyn(w, v->u.kids[i]->key, v->u.kids[i]->keylen);
            json_w_value(w, v->u.kids[i]);
        }
        json_w_obj_end(w);
        break;
    }
}
