/* strvec.c — owned string arrays; see strvec.h. */
#include "core/strvec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void strvec_grow(struct strvec *s)
{
    if (s->n + 2 <= s->cap) return;
    s->cap = s->cap ? s->cap * 2 : 8;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->v) abort();
}

static void strvec_take(struct strvec *s, char *owned)
{
    if (!owned) abort();
    strvec_grow(s);
    s->v[s->n++] = owned;
    s->v[s->n] = NULL;
}

void strvec_push(struct strvec *s, const char *str)
{
    strvec_take(s, strdup(str));
}

void strvec_pushf(struct strvec *s, const char *fmt, ...)
{
    va_list ap;
    char *p = NULL;
    va_start(ap, fmt);
    int rc = vasprintf(&p, fmt, ap);
    va_end(ap);
    strvec_take(s, rc < 0 ? NULL : p);
}

void strvec_pushv(struct strvec *s, const char *const *list)
{
    for (; list && *list; list++) strvec_push(s, *list);
}

void strvec_clear(struct strvec *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

char *const *strvec_argv(const struct strvec *s)
{
    static char *const empty[] = { NULL };
    return s->v ? s->v : empty;
}

char *strvec_join(const struct strvec *s, const char *sep)
{
    size_t len = 1, sl = strlen(sep);
    for (size_t i = 0; i < s->n; i++) len += strlen(s->v[i]) + (i ? sl : 0);
    char *out = malloc(len), *p = out;
    if (!out) abort();
    for (size_t i = 0; i < s->n; i++) {
        if (i) { memcpy(p, sep, sl); p += sl; }
        size_t k = strlen(s->v[i]);
        memcpy(p, s->v[i], k);
        p += k;
    }
    *p = '\0';
    return out;
}
