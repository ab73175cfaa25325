/* pgwire.c — PostgreSQL v3 framing, readers and writers; see pgwire.h. */
#include "proto/pgwire.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static uint32_t pgw_be32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

long pgw_frame(const char *p, size_t n, int startup, size_t max_len,
               struct pgw_msg *m, struct buf *err)
{
    size_t hdr = startup ? 4 : 5;
    if (n < hdr) return 0;
    uint32_t len = pgw_be32(p + hdr - 4);
    if (len < 4 || len > max_len) {
        buf_printf(err, "invalid message length %u%s", len,
                   len < 4 ? "" : " (too long)");
        return -1;
    }
    if (n < hdr - 4 + (size_t)len) return 0;
    m->type = startup ? 0 : p[0];
    m->body = p + hdr;
    m->len = len - 4;
    return (long)(hdr - 4 + len);
}

void pgw_rd_init(struct pgw_rd *r, const struct pgw_msg *m)
{
    r->p = m->body;
    r->n = m->len;
    r->off = 0;
    r->bad = 0;
}

const char *pgw_rd_bytes(struct pgw_rd *r, size_t n)
{
    if (r->bad || n > r->n - r->off) {
        r->bad = 1;
        return NULL;
    }
    const char *p = r->p + r->off;
    r->off += n;
    return p;
}

int32_t pgw_rd_i32(struct pgw_rd *r)
{
    const char *p = pgw_rd_bytes(r, 4);
    return p ? (int32_t)pgw_be32(p) : 0;
}

int16_t pgw_rd_i16(struct pgw_rd *r)
{
    const unsigned char *p = (const unsigned char *)pgw_rd_bytes(r, 2);
    return p ? (int16_t)(p[0] << 8 | p[1]) : 0;
}

char pgw_rd_byte(struct pgw_rd *r)
{
    const char *p = pgw_rd_bytes(r, 1);
    return p ? *p : 0;
}

const char *pgw_rd_str(struct pgw_rd *r)
{
    const char *nul = r->bad ? NULL : memchr(r->p + r->off, '\0', r->n - r->off);
    if (!nul) {
        r->bad = 1;
        return "";
    }
    const char *s = r->p + r->off;
    r->off = (size_t)(nul - r->p) + 1;
    return s;
}

int pgw_parse_startup(const struct pgw_msg *m, struct pgw_startup *s, struct buf *err)
{
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    memset(s, 0, sizeof *s);
    s->user = s->database = s->application_name = "";
    s->version = pgw_rd_i32(&r);
    if (s->version == PGW_CANCEL) {
        s->cancel_pid = pgw_rd_i32(&r);
        s->cancel_key = pgw_rd_i32(&r);
    } else if (s->version == PGW_PROTO_V3) {
        while (!r.bad && r.off < r.n) {
            const char *k = pgw_rd_str(&r);
            if (!*k) break;                 /* the terminating empty name */
            const char *v = pgw_rd_str(&r);
            if (strcmp(k, "user") == 0) s->user = v;
            else if (strcmp(k, "database") == 0) s->database = v;
            else if (strcmp(k, "application_name") == 0) s->application_name = v;
        }
    }
    if (r.bad) {
        buf_printf(err, "malformed startup packet");
        return -1;
    }
    return 0;
}

int pgw_parse_parse(const struct pgw_msg *m, struct pgw_parse *p, struct buf *err)
{
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    p->name = pgw_rd_str(&r);
    p->query = pgw_rd_str(&r);
    p->ntypes = pgw_rd_i16(&r);
    if (p->ntypes < 0 || p->ntypes > PGW_MAX_PARAMS) {
        buf_printf(err, "bad parameter type count %d", p->ntypes);
        return -1;
    }
    for (int i = 0; i < p->ntypes; i++) p->types[i] = (uint32_t)pgw_rd_i32(&r);
    if (r.bad) {
        buf_printf(err, "malformed Parse message");
        return -1;
    }
    return 0;
}

int pgw_parse_bind(const struct pgw_msg *m, struct pgw_bind *b, struct buf *err)
{
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    b->portal = pgw_rd_str(&r);
    b->stmt = pgw_rd_str(&r);
    b->binary = 0;
    int nfmt = pgw_rd_i16(&r);
    for (int i = 0; i < nfmt && !r.bad; i++) b->binary |= pgw_rd_i16(&r) != 0;
    b->nparams = pgw_rd_i16(&r);
    if (nfmt < 0 || b->nparams < 0 || b->nparams > PGW_MAX_PARAMS) {
        buf_printf(err, "bad format or parameter count in Bind");
        return -1;
    }
    for (int i = 0; i < b->nparams && !r.bad; i++) {
        b->len[i] = pgw_rd_i32(&r);
        b->val[i] = b->len[i] >= 0 ? pgw_rd_bytes(&r, (size_t)b->len[i]) : NULL;
        if (b->len[i] < -1) r.bad = 1;
    }
    int nres = pgw_rd_i16(&r);
    for (int i = 0; i < nres && !r.bad; i++) b->binary |= pgw_rd_i16(&r) != 0;
    if (r.bad || nres < 0) {
        buf_printf(err, "malformed Bind message");
        return -1;
    }
    return 0;
}

size_t pgw_begin(struct buf *b, char t)
{
    size_t start = b->len;
    buf_append(b, &t, 1);
    buf_append(b, "\0\0\0\0", 4);        /* the length, set by pgw_end */
    return start;
}

void pgw_end(struct buf *b, size_t start)
{
    uint32_t len = (uint32_t)(b->len - start - 1);
    unsigned char *p = (unsigned char *)b->data + start + 1;
    p[0] = (unsigned char)(len >> 24);
    p[1] = (unsigned char)(len >> 16);
    p[2] = (unsigned char)(len >> 8);
    p[3] = (unsigned char)len;
}

void pgw_i16(struct buf *b, int16_t v)
{
    uint16_t be = htons((uint16_t)v);
    buf_append(b, &be, 2);
}

void pgw_i32(struct buf *b, int32_t v)
{
    uint32_t be = htonl((uint32_t)v);
    buf_append(b, &be, 4);
}

void pgw_str(struct buf *b, const char *s) { buf_append(b, s, strlen(s) + 1); }

void pgw_ready(struct buf *b, char status)
{
    size_t m = pgw_begin(b, 'Z');
    buf_append(b, &status, 1);
    pgw_end(b, m);
}

void pgw_param_status(struct buf *b, const char *name, const char *value)
{
    size_t m = pgw_begin(b, 'S');
    pgw_str(b, name);
    pgw_str(b, value);
    pgw_end(b, m);
}

void pgw_complete(struct buf *b, const char *tag)
{
    size_t m = pgw_begin(b, 'C');
    pgw_str(b, tag);
    pgw_end(b, m);
}

void pgw_error(struct buf *b, char type, const char *severity, const char *sqlstate,
               const char *msg)
{
    size_t m = pgw_begin(b, type);
    buf_append(b, "S", 1);
    pgw_str(b, severity);
    buf_append(b, "V", 1);
    pgw_str(b, severity);
    buf_append(b, "C", 1);
    pgw_str(b, sqlstate);
    buf_append(b, "M", 1);
    pgw_str(b, msg);
    buf_append(b, "", 1);
    pgw_end(b, m);
}
