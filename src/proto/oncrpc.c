/* oncrpc.c — ONC RPC record marking, call and reply headers; see oncrpc.h. */
#include "proto/oncrpc.h"

#include <string.h>

#define ONCRPC_CALL 0
#define ONCRPC_REPLY 1
#define ONCRPC_MSG_ACCEPTED 0
#define ONCRPC_MSG_DENIED 1
#define ONCRPC_LAST_FRAG 0x80000000u
#define ONCRPC_NOBODY 65534u
/* xid, REPLY, MSG_ACCEPTED, verifier flavor and length, accept_stat */
#define ONCRPC_ACCEPT_HDR 24

static uint32_t oncrpc_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void oncrpc_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Walks the fragment headers: the record is complete once a last fragment
 * is wholly in p.  One fragment is handed out in place; several are
 * copied, without their headers, into scratch. */
int oncrpc_record_next(const uint8_t *p, size_t n, size_t max, struct buf *scratch,
                       const uint8_t **rec, size_t *rec_len, size_t *consumed)
{
    size_t off = 0;
    int frags = 0;
    for (;;) {
        if (off + 4 > max) return ONCRPC_REC_TOOBIG;
        if (n - off < 4) return ONCRPC_REC_NEED;
        uint32_t h = oncrpc_be32(p + off);
        size_t flen = h & ~ONCRPC_LAST_FRAG;
        if (flen > max - off - 4) return ONCRPC_REC_TOOBIG;
        if (n - off - 4 < flen) return ONCRPC_REC_NEED;
        frags++;
        off += 4 + flen;
        if (h & ONCRPC_LAST_FRAG) break;
    }
    *consumed = off;
    if (frags == 1) {
        *rec = p + 4;
        *rec_len = off - 4;
        return ONCRPC_REC_OK;
    }
    buf_reset(scratch);
    for (size_t o = 0; o < off;) {
        size_t flen = oncrpc_be32(p + o) & ~ONCRPC_LAST_FRAG;
        buf_append(scratch, p + o + 4, flen);
        o += 4 + flen;
    }
    /* Fragments that are all empty leave scratch without storage: point
     * into p instead of at NULL, so callers may form rec + len. */
    *rec_len = buf_used(scratch);
    *rec = *rec_len ? (const uint8_t *)buf_head(scratch) : p;
    return ONCRPC_REC_OK;
}

int oncrpc_xdr_bytes(XDR *x, const uint8_t **p, uint32_t *len, uint32_t max)
{
    if (!xdr_u_int32_t(x, len) || *len > max) return -1;
    *p = oncrpc_xdr_here(x, *len);
    if (!*p) return -1;
    return oncrpc_xdr_skip(x, RNDUP(*len));
}

uint8_t *oncrpc_xdr_here(XDR *x, size_t n)
{
    if (n > x->x_handy) return NULL;
    return (uint8_t *)x->x_base + xdr_getpos(x);
}

int oncrpc_xdr_skip(XDR *x, size_t n)
{
    if (n > x->x_handy) return -1;
    return xdr_setpos(x, xdr_getpos(x) + (u_int)n) ? 0 : -1;
}

int oncrpc_xdr_commit_opaque(XDR *x, size_t n)
{
    size_t padded = RNDUP(n);
    uint8_t *p = oncrpc_xdr_here(x, padded);
    if (!p) return -1;
    memset(p + n, 0, padded - n);
    return oncrpc_xdr_skip(x, padded);
}

/* Decodes an AUTH_SYS body (RFC 5531 appendix A): stamp, machine name,
 * uid, gid and up to 16 more gids; all of it must be present. */
static int oncrpc_auth_sys(const uint8_t *body, uint32_t len, struct oncrpc_call *c)
{
    XDR x;
    xdrmem_create(&x, (char *)(uintptr_t)body, len, XDR_DECODE);
    uint32_t stamp, n, gid;
    const uint8_t *name;
    int ok = xdr_u_int32_t(&x, &stamp) && oncrpc_xdr_bytes(&x, &name, &n, 255) == 0 &&
             xdr_u_int32_t(&x, &c->uid) && xdr_u_int32_t(&x, &c->gid) &&
             xdr_u_int32_t(&x, &n) && n <= 16;
    for (uint32_t i = 0; ok && i < n; i++) ok = xdr_u_int32_t(&x, &gid);
    xdr_destroy(&x);
    return ok ? 0 : -1;
}

int oncrpc_call_decode(const uint8_t *rec, size_t len, struct oncrpc_call *c)
{
    memset(c, 0, sizeof *c);
    c->uid = c->gid = ONCRPC_NOBODY;
    XDR x;
    xdrmem_create(&x, (char *)(uintptr_t)rec, (u_int)len, XDR_DECODE);
    uint32_t mtype, cred_len, verf_flavor, verf_len;
    const uint8_t *cred, *verf;
    int rc = ONCRPC_CALL_OK;
    if (!xdr_u_int32_t(&x, &c->xid) || !xdr_u_int32_t(&x, &mtype) || mtype != ONCRPC_CALL)
        rc = ONCRPC_CALL_IGNORE;
    else if (!xdr_u_int32_t(&x, &c->rpcvers))
        rc = ONCRPC_CALL_GARBAGE;
    else if (c->rpcvers != ONCRPC_VERSION)
        rc = ONCRPC_CALL_RPC_MISMATCH;
    else if (!xdr_u_int32_t(&x, &c->prog) || !xdr_u_int32_t(&x, &c->vers) ||
             !xdr_u_int32_t(&x, &c->proc) || !xdr_u_int32_t(&x, &c->flavor))
        rc = ONCRPC_CALL_GARBAGE;
    else if (oncrpc_xdr_bytes(&x, &cred, &cred_len, ONCRPC_MAX_AUTH) < 0)
        rc = ONCRPC_CALL_BADCRED;
    else if (c->flavor == ONCRPC_AUTH_SYS ? oncrpc_auth_sys(cred, cred_len, c) < 0
                                          : c->flavor != ONCRPC_AUTH_NONE)
        rc = ONCRPC_CALL_BADCRED;
    else if (!xdr_u_int32_t(&x, &verf_flavor) ||
             oncrpc_xdr_bytes(&x, &verf, &verf_len, ONCRPC_MAX_AUTH) < 0)
        rc = ONCRPC_CALL_BADVERF;
    if (rc == ONCRPC_CALL_OK) {
        u_int pos = xdr_getpos(&x);
        c->args = rec + pos;
        c->args_len = len - pos;
    }
    xdr_destroy(&x);
    return rc;
}

/* ---- replies ------------------------------------------------------- */

void oncrpc_reply_init(struct oncrpc_reply *r, struct buf *out, uint32_t xid)
{
    memset(r, 0, sizeof *r);
    r->out = out;
    r->xid = xid;
}

XDR *oncrpc_reply_begin(struct oncrpc_reply *r, size_t max_body)
{
    size_t cap = ONCRPC_ACCEPT_HDR + max_body;
    r->base = buf_reserve(r->out, 4 + cap);
    r->begun = 1;
    xdrmem_create(&r->x, r->base + 4, (u_int)cap, XDR_ENCODE);
    uint32_t w[6] = { r->xid, ONCRPC_REPLY, ONCRPC_MSG_ACCEPTED, ONCRPC_AUTH_NONE, 0,
                      ONCRPC_SUCCESS };
    for (int i = 0; i < 6; i++) {
        if (i == 5) r->stat_pos = xdr_getpos(&r->x);
        xdr_u_int32_t(&r->x, &w[i]);
    }
    return &r->x;
}

void oncrpc_reply_end(struct oncrpc_reply *r, int ok)
{
    if (!ok) {
        uint32_t stat = ONCRPC_SYSTEM_ERR;
        xdr_setpos(&r->x, r->stat_pos);
        xdr_u_int32_t(&r->x, &stat);
    }
    u_int len = xdr_getpos(&r->x);
    oncrpc_put_be32((uint8_t *)r->base, ONCRPC_LAST_FRAG | len);
    r->out->len += 4 + len;
    xdr_destroy(&r->x);
    r->begun = 0;
}

/* Appends a record of n header words. */
static void oncrpc_put_words(struct buf *out, const uint32_t *w, int n)
{
    uint8_t *p = (uint8_t *)buf_reserve(out, 4 + 4 * (size_t)n);
    oncrpc_put_be32(p, ONCRPC_LAST_FRAG | (uint32_t)(4 * n));
    for (int i = 0; i < n; i++) oncrpc_put_be32(p + 4 + 4 * i, w[i]);
    out->len += 4 + 4 * (size_t)n;
}

void oncrpc_reply_accept_error(struct buf *out, uint32_t xid, uint32_t stat,
                               uint32_t low, uint32_t high)
{
    uint32_t w[8] = { xid, ONCRPC_REPLY, ONCRPC_MSG_ACCEPTED, ONCRPC_AUTH_NONE, 0, stat,
                      low, high };
    oncrpc_put_words(out, w, stat == ONCRPC_PROG_MISMATCH ? 8 : 6);
}

void oncrpc_reply_denied(struct buf *out, uint32_t xid, uint32_t reject, uint32_t why)
{
    uint32_t w[5] = { xid, ONCRPC_REPLY, ONCRPC_MSG_DENIED, reject, why };
    if (reject == ONCRPC_RPC_MISMATCH) {
        uint32_t v[6] = { xid, ONCRPC_REPLY, ONCRPC_MSG_DENIED, reject, ONCRPC_VERSION,
                          ONCRPC_VERSION };
        oncrpc_put_words(out, v, 6);
    } else {
        oncrpc_put_words(out, w, 5);
    }
}
