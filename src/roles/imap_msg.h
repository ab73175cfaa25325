/* imap_msg.h — reading RFC 5322 message headers for FETCH and SEARCH:
 * field lookup, ENVELOPE, HEADER.FIELDS filtering, and IMAP string
 * output (quoted or literal).
 *
 * Header blocks come from message files, i.e. from outside: every
 * function takes explicit lengths and copes with any bytes. */
#ifndef HOSTMIX_IMAP_MSG_H
#define HOSTMIX_IMAP_MSG_H

#include <stddef.h>

#include "core/buf.h"

/* Appends s[0..n) as an IMAP string: quoted when it is short 7-bit text
 * without CR, LF, NUL, else as a literal. */
void imap_msg_string(struct buf *out, const char *s, size_t n);
/* The same, or NIL when s is NULL. */
void imap_msg_nstring(struct buf *out, const char *s, size_t n);

/* The value of the first field called name (case-insensitive) in the
 * header block h[0..hlen): points into h, folded lines included, final
 * line end excluded.  NULL if absent. */
const char *imap_msg_field(const char *h, size_t hlen, const char *name, size_t *vlen);

/* Unfolds v[0..n) into dst (n bytes or more): line breaks are dropped.
 * Returns the length written. */
size_t imap_msg_unfold(const char *v, size_t n, char *dst);

/* Appends the ENVELOPE structure (RFC 3501 7.4.2) of the header block. */
void imap_msg_envelope(struct buf *out, const char *h, size_t hlen);

/* Appends the fields of h named in names (NUL-separated, "" ended) — or,
 * with not set, the fields not named — then the blank line. */
void imap_msg_fields(struct buf *out, const char *h, size_t hlen, const char *names, int not);

/* Does any field called name contain needle (case-insensitive, after
 * unfolding)? */
int imap_msg_field_has(const char *h, size_t hlen, const char *name, const char *needle);

/* Case-insensitive search of needle in hay[0..n). */
int imap_msg_contains(const char *hay, size_t n, const char *needle);

#endif
