/* oncrpc.h — ONC RPC (RFC 5531) over TCP for the built-in nfs server:
 * record marking, call headers and reply headers, encoded and decoded
 * with libtirpc's XDR routines.
 *
 * Record marking (RFC 5531 section 11): a record is a sequence of
 * fragments, each preceded by a 4-byte big-endian header whose top bit
 * marks the last fragment and whose low 31 bits give its length.
 *
 * A reply is built in place at the end of an output buffer: the caller
 * decodes a call's arguments first, then oncrpc_reply_begin reserves room
 * for the largest body it may write and returns an XDR stream to encode
 * it; oncrpc_reply_end writes the record mark.  Errors found after
 * begin (an encoding overflow) turn the reply into SYSTEM_ERR. */
#ifndef HOSTMIX_PROTO_ONCRPC_H
#define HOSTMIX_PROTO_ONCRPC_H

#include <stddef.h>
#include <stdint.h>
#include <rpc/rpc.h>

#include "core/buf.h"

#define ONCRPC_VERSION 2
#define ONCRPC_MAX_AUTH 400         /* bytes of an opaque_auth body */

/* accept_stat */
enum { ONCRPC_SUCCESS = 0, ONCRPC_PROG_UNAVAIL = 1, ONCRPC_PROG_MISMATCH = 2,
       ONCRPC_PROC_UNAVAIL = 3, ONCRPC_GARBAGE_ARGS = 4, ONCRPC_SYSTEM_ERR = 5 };
/* reject_stat, auth_stat, auth flavors */
enum { ONCRPC_RPC_MISMATCH = 0, ONCRPC_AUTH_ERROR = 1 };
enum { ONCRPC_AUTH_BADCRED = 1, ONCRPC_AUTH_BADVERF = 3 };
enum { ONCRPC_AUTH_NONE = 0, ONCRPC_AUTH_SYS = 1 };

/* oncrpc_record_next results */
enum { ONCRPC_REC_NEED = 0, ONCRPC_REC_OK = 1, ONCRPC_REC_TOOBIG = -1 };

/* Finds the first complete record in p[0..n).  On ONCRPC_REC_OK, *rec and
 * *rec_len give the record's bytes (inside p when it is one fragment, else
 * assembled into scratch, which the caller owns and reuses) and *consumed
 * the bytes it took from p, fragment headers included.  ONCRPC_REC_NEED:
 * more input is needed.  ONCRPC_REC_TOOBIG: the record (headers included)
 * would exceed max bytes. */
int oncrpc_record_next(const uint8_t *p, size_t n, size_t max, struct buf *scratch,
                       const uint8_t **rec, size_t *rec_len, size_t *consumed);

/* A decoded call header.  args points into the record (not owned). */
struct oncrpc_call {
    uint32_t xid, rpcvers, prog, vers, proc;
    uint32_t flavor;            /* of the credential */
    uint32_t uid, gid;          /* AUTH_SYS; 65534 for AUTH_NONE */
    const uint8_t *args;
    size_t args_len;
};

/* oncrpc_call_decode results */
enum {
    ONCRPC_CALL_OK = 0,
    ONCRPC_CALL_IGNORE,         /* no xid, or not a CALL: send nothing */
    ONCRPC_CALL_RPC_MISMATCH,   /* rpcvers != 2: deny with RPC_MISMATCH */
    ONCRPC_CALL_GARBAGE,        /* header truncated: GARBAGE_ARGS */
    ONCRPC_CALL_BADCRED,        /* flavor unsupported or body malformed */
    ONCRPC_CALL_BADVERF,
};

/* Decodes the call header of a record (AUTH_NONE and AUTH_SYS accepted).
 * Fills as much of *c as it could read; returns an ONCRPC_CALL_* code. */
int oncrpc_call_decode(const uint8_t *rec, size_t len, struct oncrpc_call *c);

/* A reply under construction at the end of an output buffer. */
struct oncrpc_reply {
    struct buf *out;
    uint32_t xid;
    int begun;
    XDR x;                      /* valid between begin and end */
    char *base;                 /* record mark position in out */
    u_int stat_pos;             /* XDR position of accept_stat */
};

void oncrpc_reply_init(struct oncrpc_reply *r, struct buf *out, uint32_t xid);
/* Reserves room for an accepted SUCCESS reply with a body of up to
 * max_body bytes and returns the XDR stream positioned at the body. */
XDR *oncrpc_reply_begin(struct oncrpc_reply *r, size_t max_body);
/* Finishes the reply: appends it to the buffer with its record mark.  When
 * ok is 0 (an encoder failed) the body is dropped and the accept_stat
 * becomes SYSTEM_ERR. */
void oncrpc_reply_end(struct oncrpc_reply *r, int ok);

/* Complete replies without a procedure body, appended to out:
 * accepted with stat (PROG_MISMATCH carries low..high), or denied with
 * RPC_MISMATCH (2..2) or AUTH_ERROR (auth_stat why). */
void oncrpc_reply_accept_error(struct buf *out, uint32_t xid, uint32_t stat,
                               uint32_t low, uint32_t high);
void oncrpc_reply_denied(struct buf *out, uint32_t xid, uint32_t reject, uint32_t why);

/* XDR helpers for memory streams, shared by the program codecs.  They
 * work on any alignment (libtirpc's XDR_INLINE does not).
 *
 * oncrpc_xdr_bytes decodes an opaque<max> or string<max> in place: *p
 * points into the stream's memory (not NUL-terminated).  Returns 0, or -1
 * when truncated or longer than max. */
int oncrpc_xdr_bytes(XDR *x, const uint8_t **p, uint32_t *len, uint32_t max);
/* Where the next n bytes of the stream are (to fill them in place), or
 * NULL if fewer than n remain. */
uint8_t *oncrpc_xdr_here(XDR *x, size_t n);
/* Moves past n bytes; returns 0, or -1 past the end. */
int oncrpc_xdr_skip(XDR *x, size_t n);
/* Encodes opaque data of n bytes already written at oncrpc_xdr_here():
 * zeroes the padding and moves past it.  Returns 0 or -1. */
int oncrpc_xdr_commit_opaque(XDR *x, size_t n);

#endif
