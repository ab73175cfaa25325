/* pgwire.h — PostgreSQL frontend/backend protocol v3: message framing,
 * bounded field readers and message writers.
 *
 * Framing: a startup-phase message is int32 length (counting itself) then
 * the body; every later message is one type byte, int32 length, body.
 * pgw_frame finds one complete message in a byte range; the readers take
 * fields out of its body and never read past it (a short or malformed
 * body sets rd->bad instead).  Writers append to a struct buf and patch
 * the length when the message is finished. */
#ifndef HOSTMIX_PROTO_PGWIRE_H
#define HOSTMIX_PROTO_PGWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

#define PGW_PROTO_V3    196608      /* 3.0 */
#define PGW_SSL_REQUEST 80877103
#define PGW_GSS_REQUEST 80877104
#define PGW_CANCEL      80877102
#define PGW_MAX_PARAMS  1024        /* Bind parameters accepted */

struct pgw_msg {
    char type;                  /* 0 for a startup-phase message */
    const char *body;
    size_t len;                 /* body bytes */
};

/* Looks for one complete message at p[0..n).  Returns the bytes it spans
 * (> 0) and fills m; 0 if more bytes are needed; -1 with a message
 * appended to err
 * if the length field is impossible (< 4) or above max_len. */
long pgw_frame(const char *p, size_t n, int startup, size_t max_len,
               struct pgw_msg *m, struct buf *err);

/* A cursor over a message body. */
struct pgw_rd {
    const char *p;
    size_t n, off;
    int bad;                    /* a read ran past the end */
};
void pgw_rd_init(struct pgw_rd *r, const struct pgw_msg *m);
int32_t pgw_rd_i32(struct pgw_rd *r);
int16_t pgw_rd_i16(struct pgw_rd *r);
char pgw_rd_byte(struct pgw_rd *r);
/* A NUL-terminated string inside the body (returned in place), or "" and
 * bad set when there is no NUL. */
const char *pgw_rd_str(struct pgw_rd *r);
/* n bytes in place, or NULL and bad set. */
const char *pgw_rd_bytes(struct pgw_rd *r, size_t n);

/* The parts of a StartupMessage the server uses (pointers into the body). */
struct pgw_startup {
    int32_t version;            /* or one of the request codes above */
    const char *user, *database, *application_name;
    int32_t cancel_pid, cancel_key;
};
/* Parses a startup-phase message.  Returns 0, or -1 with the reason
 * appended to err (as the parsers below). */
int pgw_parse_startup(const struct pgw_msg *m, struct pgw_startup *s, struct buf *err);

/* A Bind message; values point into the body (NULL value: len -1). */
struct pgw_bind {
    const char *portal, *stmt;
    int nparams;
    const char *val[PGW_MAX_PARAMS];
    int32_t len[PGW_MAX_PARAMS];
    int binary;                 /* some parameter or result is binary */
};
int pgw_parse_bind(const struct pgw_msg *m, struct pgw_bind *b, struct buf *err);

/* A Parse message: statement name, query text, parameter type oids. */
struct pgw_parse {
    const char *name, *query;
    int ntypes;
    uint32_t types[PGW_MAX_PARAMS];
};
int pgw_parse_parse(const struct pgw_msg *m, struct pgw_parse *p, struct buf *err);

/* Writers.  pgw_begin starts a message of type t and returns its start;
 * pgw_end fills in the length. */
size_t pgw_begin(struct buf *b, char t);
void pgw_end(struct buf *b, size_t start);
void pgw_i16(struct buf *b, int16_t v);
void pgw_i32(struct buf *b, int32_t v);
void pgw_str(struct buf *b, const char *s);     /* with its NUL */
/* Whole messages. */
void pgw_ready(struct buf *b, char status);     /* ReadyForQuery: I, T or E */
void pgw_param_status(struct buf *b, const char *name, const char *value);
void pgw_complete(struct buf *b, const char *tag);
/* ErrorResponse ('E') or NoticeResponse ('N'): severity, SQLSTATE, text. */
void pgw_error(struct buf *b, char type, const char *severity, const char *sqlstate,
               const char *msg);

#endif
