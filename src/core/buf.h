/* buf.h — growable byte buffers.
 *
 * A buf owns its storage.  Data lives in [data+off, data+len); consuming
 * from the front moves `off` and compacts lazily, so a connection's input
 * buffer can hand out whole requests without copying.  Growth is by
 * doubling; a failed allocation aborts (hostmix treats OOM as fatal). */
#ifndef HOSTMIX_BUF_H
#define HOSTMIX_BUF_H

#include <stddef.h>
#include <stdarg.h>

struct buf {
    char *data;
    size_t off, len, cap;
};

#define BUF_INIT { NULL, 0, 0, 0 }

void buf_free(struct buf *b);
void buf_reset(struct buf *b);                 /* empty, keeps storage */
/* Makes room for n more bytes; returns where they go (b->data + b->len). */
char *buf_reserve(struct buf *b, size_t n);
void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
void buf_consume(struct buf *b, size_t n);      /* drop n bytes from the front */
/* The unconsumed bytes; "" for a buffer that never held any (so no
 * arithmetic on a null pointer happens). */
static inline const char *buf_head(const struct buf *b) { return b->data ? b->data + b->off : ""; }
static inline size_t buf_used(const struct buf *b) { return b->len - b->off; }
/* NUL-terminates without counting the NUL; returns buf_head(). */
const char *buf_cstr(struct buf *b);
/* The text of b as a NUL-terminated string the caller frees; b is empty
 * (and reusable) after.  Never NULL: an empty buf gives "". */
char *buf_detach(struct buf *b);

/* A new formatted string (git's xstrfmt); the caller frees it. */
char *strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A short formatted value (a number with its unit, a table cell, a JSON
 * key like "p99_ns", a /proc path of pids) returned by value, so a
 * formatter needs no array from its caller: numstr_fmt(...).s stays valid
 * to the end of the full expression that called it.  For numbers and
 * fixed words (or a number's text, length-checked, to parse), never for
 * other outside text: NUMSTR_MAX holds the longest "%.17g" of a double
 * (24 characters) with a sentence's worth of words around it. */
#define NUMSTR_MAX 64
struct numstr { char s[NUMSTR_MAX]; };
struct numstr numstr_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
