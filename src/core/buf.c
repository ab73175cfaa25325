/* buf.c — see buf.h. */
#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_free(struct buf *b)
{
    free(b->data);
    *b = (struct buf)BUF_INIT;
}

void buf_reset(struct buf *b) { b->off = b->len = 0; }

char *buf_reserve(struct buf *b, size_t n)
{
    if (b->off && b->len + n > b->cap) {        /* compact first */
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n) cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) abort();
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

void buf_append(struct buf *b, const void *p, size_t n)
{
    if (!n) return;
    memcpy(buf_reserve(b, n), p, n);
    b->len += n;
}

void buf_puts(struct buf *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? room : 0, fmt, ap);
    if (n >= 0 && (size_t)n >= room) {
        buf_reserve(b, (size_t)n + 1);
        n = vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0) b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len - b->off) { b->off = b->len = 0; return; }
    b->off += n;
}

const char *buf_cstr(struct buf *b)
{
    buf_reserve(b, 1);
    b->data[b->len] = '\0';
    return b->data + b->off;
}

char *buf_detach(struct buf *b)
{
    buf_cstr(b);
    if (b->off) memmove(b->data, b->data + b->off, b->len - b->off + 1);
    char *s = b->data;
    *b = (struct buf)BUF_INIT;
    return s;
}

char *strfmt(const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    return buf_detach(&b);
}

struct numstr numstr_fmt(const char *fmt, ...)
{
    struct numstr n;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(n.s, sizeof n.s, fmt, ap);
    va_end(ap);
    return n;
}
