/* xmlw.c — the escaping XML writer of the libvirt platform (xmlw.h). */
#include "platform/libvirt/xmlw.h"

#include <stdarg.h>
#include <stdio.h>

void xmlw_escape(struct buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': buf_puts(b, "&amp;"); break;
        case '<': buf_puts(b, "&lt;"); break;
        case '>': buf_puts(b, "&gt;"); break;
        case '"': buf_puts(b, "&quot;"); break;
        case '\'': buf_puts(b, "&apos;"); break;
        default: buf_append(b, s, 1);
        }
    }
}

static void xmlw_indent(struct xmlw *w)
{
    for (int i = 0; i < w->depth; i++) buf_puts(w->b, "  ");
}

/* Ends the start tag still open (children or text follow). */
static void xmlw_close_tag(struct xmlw *w, const char *after)
{
    if (!w->open) return;
    buf_puts(w->b, ">");
    buf_puts(w->b, after);
    w->open = 0;
}

void xmlw_start(struct xmlw *w, const char *name)
{
    if (w->depth >= XMLW_DEPTH) {
        w->err = 1;
        return;
    }
    xmlw_close_tag(w, "\n");
    xmlw_indent(w);
    buf_printf(w->b, "<%s", name);
    w->stack[w->depth++] = name;
    w->open = 1;
    w->text = 0;
}

void xmlw_attr(struct xmlw *w, const char *name, const char *value)
{
    if (!w->open) {
        w->err = 1;
        return;
    }
    buf_printf(w->b, " %s='", name);
    xmlw_escape(w->b, value);
    buf_puts(w->b, "'");
}

void xmlw_attrf(struct xmlw *w, const char *name, const char *fmt, ...)
{
    struct buf v = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&v, fmt, ap);
    va_end(ap);
    xmlw_attr(w, name, buf_cstr(&v));
    buf_free(&v);
}

void xmlw_text(struct xmlw *w, const char *s)
{
    if (!w->open) {
        w->err = 1;
        return;
    }
    xmlw_close_tag(w, "");
    xmlw_escape(w->b, s);
    w->text = 1;
}

void xmlw_end(struct xmlw *w)
{
    if (w->depth <= 0) {
        w->err = 1;
        return;
    }
    const char *name = w->stack[--w->depth];
    if (w->open) {
        buf_puts(w->b, "/>\n");
    } else {
        if (!w->text) xmlw_indent(w);
        buf_printf(w->b, "</%s>\n", name);
    }
    w->open = w->text = 0;
}

void xmlw_leaf(struct xmlw *w, const char *name, const char *text)
{
    xmlw_start(w, name);
    xmlw_text(w, text);
    xmlw_end(w);
}

void xmlw_leaff(struct xmlw *w, const char *name, const char *fmt, ...)
{
    struct buf v = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&v, fmt, ap);
    va_end(ap);
    xmlw_leaf(w, name, buf_cstr(&v));
    buf_free(&v);
}

int xmlw_done(const struct xmlw *w)
{
    return w->err || w->depth ? -1 : 0;
}
