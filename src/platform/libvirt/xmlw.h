/* xmlw.h — a small XML writer on core/buf, for the domain XML the libvirt
 * platform hands to libvirt: elements nest by a stack, attribute values
 * and text are escaped (& < > " '), so a path or a kernel command line
 * with any byte in it can never break the document's structure.
 *
 *   struct xmlw w = XMLW_INIT(&b);
 *   xmlw_start(&w, "disk"); xmlw_attr(&w, "type", "file");
 *   xmlw_leaf(&w, "name", "hmx1-set1-web");
 *   xmlw_end(&w);
 *
 * writes, two spaces of indent a level:
 *   <disk type='file'>
 *     <name>hmx1-set1-web</name>
 *   </disk>
 * An element with neither children nor text is closed as <x/>. */
#ifndef HOSTMIX_LV_XMLW_H
#define HOSTMIX_LV_XMLW_H

#include "core/buf.h"

#define XMLW_DEPTH 16

struct xmlw {
    struct buf *b;              /* where the text goes (owned by the caller) */
    const char *stack[XMLW_DEPTH];  /* open elements' names (static or the caller's) */
    int depth;
    int open;                   /* the innermost start tag still takes attributes */
    int text;                   /* the innermost element has text: its end goes inline */
    int err;                    /* nesting deeper than XMLW_DEPTH or an end without start */
};
#define XMLW_INIT(buf) { (buf), { 0 }, 0, 0, 0, 0 }

/* Appends s with XML's five special characters as entities. */
void xmlw_escape(struct buf *b, const char *s);
/* Opens element name (name must outlive its xmlw_end). */
void xmlw_start(struct xmlw *w, const char *name);
/* An attribute of the element just opened: name='escaped value'. */
void xmlw_attr(struct xmlw *w, const char *name, const char *value);
void xmlw_attrf(struct xmlw *w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Escaped text inside the element just opened (then end it). */
void xmlw_text(struct xmlw *w, const char *s);
/* Closes the innermost element. */
void xmlw_end(struct xmlw *w);
/* <name>escaped text</name> in one call. */
void xmlw_leaf(struct xmlw *w, const char *name, const char *text);
void xmlw_leaff(struct xmlw *w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 0 if every element was closed in order, else -1. */
int xmlw_done(const struct xmlw *w);

#endif
