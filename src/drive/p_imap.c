/* p_imap.c — the imap client: SPECmail-like sessions (docs/drive.md).
 *
 * A session is LOGIN, SELECT INBOX, then 5..15 operations drawn from the
 * mix (fetch headers 20, fetch body 25, store flags 15, append 12,
 * expunge 5, select 2), then LOGOUT in 5 of 8 sessions; the other
 * sessions just drop the connection after their last operation.  The next
 * session opens a new connection, so logins are about 8% of operations.
 * Every IMAP command is one paced operation.
 *
 * Users come from the data set's users.tsv (USER<TAB>PASSWORD<TAB>MESSAGES);
 * connection i takes users i, i+C, i+2C, ... (C connections) in turn, so
 * two connections never share a mailbox when users >= connections and the
 * sequence numbers a session knows stay true.  FETCH and STORE address the
 * prepared messages 1..MESSAGES only; APPEND adds messages flagged \Deleted
 * and EXPUNGE removes them, so the mailbox keeps its size.
 *
 * Checks: the tagged response must be OK (NO/BAD count as errors); the
 * parser follows literals in untagged responses and answers the "+"
 * continuation of APPEND's synchronizing literal. */
#include "drive/proto.h"
#include "proto/imap.h"
#include "roles/imap_users.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { I_LOGIN, I_SELECT, I_FETCH_HDR, I_FETCH_BODY, I_STORE, I_APPEND, I_EXPUNGE, I_LOGOUT, I_NOPS };

static const char *const imap_ops[] = {
    "login", "select", "fetch_headers", "fetch_body", "store_flags", "append", "expunge", "logout",
};
_Static_assert(sizeof imap_ops / sizeof imap_ops[0] == I_NOPS,
               "imap_ops: one name per value");

/* Weights of the operations between SELECT and LOGOUT (workloads.md's
 * placeholder mix, less the per-session login/select/logout). */
static const double imap_mix[I_NOPS] = {
    [I_SELECT] = 2, [I_FETCH_HDR] = 20, [I_FETCH_BODY] = 25, [I_STORE] = 15,
    [I_APPEND] = 12, [I_EXPUNGE] = 5,
};

#define IMAP_APPEND_MAX 16384

struct imap_data {
    struct imap_users users;    /* the data set's users.tsv */
    int64_t conns;
};

enum { S_NEW, S_LOGGED_IN, S_SELECTED };

struct imap_state {
    int phase;                  /* S_NEW, S_LOGGED_IN, S_SELECTED */
    int left;                   /* operations left in the session */
    int logout;                 /* the session ends with LOGOUT (else a drop) */
    uint64_t sessions;          /* sessions this connection has begun */
    const struct imap_user *user;
    int64_t exists;             /* from SELECT */
    uint32_t tag;
    struct numstr tagstr;       /* "a" and the command count: the pending tag */
    size_t taglen;
    /* parser */
    uint64_t literal;           /* bytes of a literal still to skip */
    int cont;                   /* the next line continues an untagged one */
    int append_wait;            /* APPEND sent, waiting for "+" */
    size_t append_len;
    int ended;                  /* set when the session's last response is in */
};

static void imap_unload(void *shared)
{
    struct imap_data *d = shared;
    if (!d) return;
    imap_users_free(&d->users);
    free(d);
}

static int imap_load(const struct drive_target_cfg *t, void **shared, char *err, size_t errlen)
{
    if (!t->data[0]) {
        snprintf(err, errlen, "%s: imap needs --data DIR (the prepared data set with users.tsv)", t->name);
        return -1;
    }
    struct imap_data *d = calloc(1, sizeof *d);
    if (!d) abort();
    struct buf why = BUF_INIT;
    int rc = imap_users_read(t->data, &d->users, &why);
    if (rc || !d->users.n)
        snprintf(err, errlen, "%s: %s", t->name, rc ? buf_cstr(&why) : "users.tsv lists no users");
    buf_free(&why);
    if (rc || !d->users.n) {
        imap_unload(d);
        return -1;
    }
    d->conns = t->connections;
    *shared = d;
    return 0;
}

static void imap_connected(struct dp_conn *c)
{
    struct imap_state *s = c->state;
    s->phase = S_NEW;
}

/* Starts the command: a new tag, "TAG " into out. */
static void imap_tag(struct dp_conn *c)
{
    struct imap_state *s = c->state;
    s->tagstr = numstr_fmt("a%u", ++s->tag);
    s->taglen = strlen(s->tagstr.s);
    buf_printf(c->out, "%s ", s->tagstr.s);
}

/* A message of 1..16 KiB for APPEND; appended to out after the "+". */
static void imap_append_body(struct dp_conn *c)
{
    struct imap_state *s = c->state;
    static const char line[] = "hostmix imap load driver message body line, 64 bytes long.....\r\n";
    size_t hdr0 = buf_used(c->out);
    buf_printf(c->out, "From: driver@hostmix.test\r\nTo: %s@hostmix.test\r\nSubject: load %u\r\n\r\n",
               s->user->name, s->tag);
    size_t hl = buf_used(c->out) - hdr0, body = s->append_len - hl;
    size_t i = 0;
    for (; i + 64 <= body; i += 64) buf_append(c->out, line, 64);
    buf_append(c->out, line, body - i);         /* exactly the announced size */
    buf_puts(c->out, "\r\n");
}

static int imap_request(struct dp_conn *c)
{
    struct imap_state *s = c->state;
    const struct imap_data *d = c->shared;
    s->literal = 0;
    s->cont = 0;
    s->append_wait = 0;
    s->ended = 0;
    if (s->phase == S_NEW) {                    /* a session begins */
        s->user = &d->users.u[(size_t)((c->id + (int64_t)s->sessions * d->conns) %
                                       (int64_t)d->users.n)];
        s->sessions++;
        s->left = 5 + (int)rng_below(c->rng, 11);
        s->logout = rng_below(c->rng, 8) < 5;
        s->exists = 0;
        imap_tag(c);
        buf_printf(c->out, "LOGIN \"%s\" \"%s\"\r\n", s->user->name, s->user->pass);
        return I_LOGIN;
    }
    if (s->phase == S_LOGGED_IN) {
        imap_tag(c);
        buf_puts(c->out, "SELECT INBOX\r\n");
        return I_SELECT;
    }
    if (s->left <= 0) {                          /* only a LOGOUT session gets here */
        imap_tag(c);
        buf_puts(c->out, "LOGOUT\r\n");
        return I_LOGOUT;
    }
    s->left--;
    int op = rng_pick(c->rng, imap_mix, I_NOPS);
    int64_t m = s->user->messages < s->exists ? s->user->messages : s->exists;
    if (m <= 0 && (op == I_FETCH_HDR || op == I_FETCH_BODY || op == I_STORE)) op = I_APPEND;
    int64_t n = m > 0 ? 1 + (int64_t)rng_below(c->rng, (uint64_t)m) : 1;
    imap_tag(c);
    switch (op) {
    case I_SELECT:     buf_puts(c->out, "SELECT INBOX\r\n"); break;
    case I_FETCH_HDR:  buf_printf(c->out, "FETCH %lld (FLAGS BODY.PEEK[HEADER])\r\n", (long long)n); break;
    case I_FETCH_BODY: buf_printf(c->out, "FETCH %lld BODY[]\r\n", (long long)n); break;
    case I_STORE:      buf_printf(c->out, "STORE %lld %cFLAGS (\\Flagged)\r\n", (long long)n,
                                  rng_below(c->rng, 2) ? '+' : '-'); break;
    case I_EXPUNGE:    buf_puts(c->out, "EXPUNGE\r\n"); break;
    default:
        op = I_APPEND;
        s->append_len = 1024 + (size_t)rng_below(c->rng, IMAP_APPEND_MAX - 1024);
        s->append_len -= s->append_len % 64;
        buf_printf(c->out, "APPEND INBOX (\\Deleted) {%zu}\r\n", s->append_len);
        s->append_wait = 1;
        break;
    }
    if (s->left == 0 && !s->logout) s->ended = 1;   /* drop after this one */
    return op;
}

/* Updates what the session knows from an untagged line. */
static void imap_untagged(struct imap_state *s, const char *l, size_t n)
{
    if (n > 9 && !memcmp(l + n - 7, " EXISTS", 7)) s->exists = strtoll(l + 2, NULL, 10);
}

static int imap_tagged(struct dp_conn *c, int op, const char *l, size_t n)
{
    struct imap_state *s = c->state;
    int ok = n >= s->taglen + 3 && !memcmp(l + s->taglen, " OK", 3);
    if (ok && op == I_LOGIN) s->phase = S_LOGGED_IN;
    if (ok && op == I_SELECT) s->phase = S_SELECTED;
    if (op == I_LOGOUT || s->ended || (op == I_LOGIN && !ok)) {
        c->close_after = 1;                         /* the session is over */
        s->phase = S_NEW;
    }
    return ok ? DP_OK : DP_ERR;
}

static int imap_parse(struct dp_conn *c, const char *p, size_t n, size_t *used)
{
    struct imap_state *s = c->state;
    size_t i = 0;
    for (;;) {
        if (s->literal) {
            size_t k = n - i < s->literal ? n - i : (size_t)s->literal;
            s->literal -= k;
            i += k;
            if (s->literal) break;
        }
        const char *nl = memchr(p + i, '\n', n - i);
        if (!nl) {
            if (n - i > 65536) { *used = i; return DP_FATAL; }
            break;
        }
        const char *l = p + i;
        size_t len = (size_t)(nl - l);
        if (len && l[len - 1] == '\r') len--;
        i = (size_t)(nl - p) + 1;
        uint64_t lit;
        int sync;
        if (imap_line_literal(l, len, &lit, &sync)) {   /* the line goes on after it */
            s->literal = lit;
            s->cont = 1;
            continue;
        }
        if (s->cont) {                  /* the rest of a line with a literal */
            s->cont = 0;
            continue;
        }
        if (len >= 1 && l[0] == '+') {
            if (!s->append_wait) { *used = i; return DP_FATAL; }
            s->append_wait = 0;
            imap_append_body(c);
            continue;
        }
        if (len >= 2 && l[0] == '*' && l[1] == ' ') {
            imap_untagged(s, l, len);
            continue;
        }
        if (len > s->taglen && !memcmp(l, s->tagstr.s, s->taglen) && l[s->taglen] == ' ') {
            *used = i;
            return imap_tagged(c, c->op, l, len);
        }
        *used = i;
        return DP_FATAL;                /* a line we did not ask for */
    }
    *used = i;
    return DP_MORE;
}

const struct drive_proto drive_proto_imap = {
    .name = "imap",
    .nops = I_NOPS,
    .ops = imap_ops,
    .state_size = sizeof(struct imap_state),
    .load = imap_load,
    .unload = imap_unload,
    .connected = imap_connected,
    .request = imap_request,
    .parse = imap_parse,
};
