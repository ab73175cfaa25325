/* imap.c — the built-in imap server: an IMAP4rev1 subset (RFC 3501) over
 * maildir storage, on the shared server core.
 *
 * One process serves every user.  Each connection is a session with the
 * RFC's state machine: not authenticated -> (LOGIN) authenticated ->
 * (SELECT/EXAMINE) selected -> (CLOSE) authenticated; LOGOUT from any
 * state.  Sessions on the same mailbox share its index (imap_store.h);
 * each session keeps its own view (the UIDs its sequence numbers stand
 * for) and catches up with the shared index at command boundaries, sending
 * untagged EXPUNGE and EXISTS (EXPUNGE never during FETCH, STORE or
 * SEARCH, RFC 3501 7.4.1).
 *
 * Input: imap_frame finds one complete command (literals included; it
 * asks for "+" continuations for synchronising literals); the command is
 * copied, tokenized and dispatched through imap_cmds.  Lines are bounded
 * by IMAP_MAX_LINE, commands with literals by --max-request.  A failed
 * LOGIN is answered NO after --auth-delay without blocking the loop: the
 * connection is held (srv_hold) and a timer answers and resumes it. */
#include "roles/role.h"
#include "roles/srv.h"
#include "proto/imap.h"
#include "roles/imap_users.h"
#include "roles/imap_store.h"
#include "roles/imap_msg.h"
#include "roles/imap_prep.h"
#include "core/exitcode.h"
#include "core/clock.h"
#include "core/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IMAP_CAPS "IMAP4rev1 LITERAL+"
#define IMAP_MAX_TAG 64

struct imap_opts {
    struct srv_opts srv;
    int sync;
    int64_t auth_delay;
};

static struct opt_def imap_serve_table[] = {
    SRV_OPTS(struct imap_opts, srv),
    { "sync", OPT_BOOL, offsetof(struct imap_opts, sync), 0, "yes", OPT_NO_RANGE, NULL, 0,
      "fsync each APPENDed message before it becomes visible (--sync=no to skip)" },
    { "auth-delay", OPT_DURATION, offsetof(struct imap_opts, auth_delay), 0, "500ms", 0, 60e9,
      NULL, 0, "delay before answering a failed LOGIN" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};


/* Server-wide state: the store and the users. */
struct imap_srv {
    struct imap_store *store;
    struct imap_users userlist; /* the data set's users.tsv */
    struct imap_user *users;    /* userlist's, sorted by name */
    size_t nusers;
    size_t max_request;
    int64_t auth_delay;
};

enum imap_state { IMAP_NOAUTH, IMAP_AUTH, IMAP_SELECTED };

/* One connection's session. */
struct imap_sess {
    struct imap_srv *is;
    struct srv_conn *c;
    enum imap_state state;
    const struct imap_user *user;
    struct imap_mbox *mb;       /* selected mailbox (the store's) */
    int readonly;
    uint32_t *view;             /* UIDs of sequence numbers 1..nview */
    int nview, capview;
    uint64_t gen;               /* mb->gen the view last caught up with */
    int conts;                  /* "+" continuations sent for the pending command */
    struct imap_frame_state fst; /* framing progress through the pending command */
    int64_t auth_timer;         /* failed LOGIN being delayed */
    char tag[IMAP_MAX_TAG + 1];
    struct buf cmd;             /* the command being executed (a copy) */
    struct buf resp;            /* one untagged response being assembled */
    struct buf body;            /* message bytes being sent */
    struct buf line;            /* the tagged response being sent */
    struct imap_toks toks;
};

/* ---- output helpers ------------------------------------------------------ */

static void imap_tagged(struct imap_sess *s, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends "TAG STATUS text" and counts the request (NO and BAD as errors). */
static void imap_tagged(struct imap_sess *s, const char *status, const char *fmt, ...)
{
    struct buf *b = &s->line;
    buf_reset(b);
    buf_printf(b, "%s %s ", s->tag, status);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
    buf_puts(b, "\r\n");
    srv_write(s->c, buf_head(b), buf_used(b));
    srv_count(s->c, strcmp(status, "OK") != 0);
}

/* ---- the view ------------------------------------------------------------- */

static void imap_view_set(struct imap_sess *s)
{
    if (s->capview < s->mb->n) {
        s->capview = s->mb->n + 16;
        s->view = realloc(s->view, (size_t)s->capview * sizeof *s->view);
        if (!s->view) abort();
    }
    for (int i = 0; i < s->mb->n; i++) s->view[i] = s->mb->m[i].uid;
    s->nview = s->mb->n;
    s->gen = s->mb->gen;
}

/* Catches the view up with the shared index: untagged EXPUNGE (when
 * allowed) for UIDs gone, EXISTS when UIDs were added. */
static void imap_sync(struct imap_sess *s, int allow_expunge)
{
    if (s->state != IMAP_SELECTED || s->gen == s->mb->gen) return;
    int changed = 0;
    if (allow_expunge) {
        for (int i = s->nview - 1; i >= 0; i--)
            if (imap_mbox_find(s->mb, s->view[i]) < 0) {
                srv_printf(s->c, "* %d EXPUNGE\r\n", i + 1);
                memmove(s->view + i, s->view + i + 1, (size_t)(s->nview - i - 1) * sizeof *s->view);
                s->nview--;
            }
    }
    uint32_t last = s->nview ? s->view[s->nview - 1] : 0;
    for (int i = 0; i < s->mb->n; i++) {
        if (s->mb->m[i].uid <= last) continue;
        if (s->nview == s->capview) {
            s->capview = s->capview * 2 + 16;
            s->view = realloc(s->view, (size_t)s->capview * sizeof *s->view);
            if (!s->view) abort();
        }
        s->view[s->nview++] = s->mb->m[i].uid;
        changed = 1;
    }
    if (changed) srv_printf(s->c, "* %d EXISTS\r\n", s->nview);
    /* Without expunges pending the view is current. */
    int pending = 0;
    for (int i = 0; !allow_expunge && i < s->nview && !pending; i++)
        pending = imap_mbox_find(s->mb, s->view[i]) < 0;
    if (!pending) s->gen = s->mb->gen;
}

static void imap_unselect(struct imap_sess *s)
{
    s->mb = NULL;
    s->nview = 0;
    s->state = IMAP_AUTH;
}

/* ---- commands ------------------------------------------------------------ */

typedef void imap_cmd_fn(struct imap_sess *s, int uid);

/* Argument i as an astring, or NULL after answering BAD. */
static const char *imap_arg(struct imap_sess *s, int i, const char *what)
{
    const char *a = imap_tok_str(&s->toks, i);
    if (!a) imap_tagged(s, "BAD", "missing or malformed %s", what);
    return a;
}

/* Are there exactly n tokens?  Answers BAD if not. */
static int imap_nargs(struct imap_sess *s, int n)
{
    if (s->toks.n == n) return 1;
    imap_tagged(s, "BAD", s->toks.n < n ? "missing arguments" : "too many arguments");
    return 0;
}

static void imap_cmd_capability(struct imap_sess *s, int uid)
{
    if (!imap_nargs(s, 2)) return;
    srv_puts(s->c, "* CAPABILITY " IMAP_CAPS "\r\n");
    imap_tagged(s, "OK", "CAPABILITY completed");
}

static void imap_cmd_noop(struct imap_sess *s, int uid)
{
    imap_tagged(s, "OK", "%s completed", s->toks.t[1].p);
}

static void imap_cmd_logout(struct imap_sess *s, int uid)
{
    if (!imap_nargs(s, 2)) return;
    srv_puts(s->c, "* BYE hostmix imap logging out\r\n");
    imap_tagged(s, "OK", "LOGOUT completed");
    srv_close(s->c, 0);
}

static int imap_user_cmp(const void *a, const void *b)
{
    return strcmp(((const struct imap_user *)a)->name, ((const struct imap_user *)b)->name);
}

/* Answers the delayed failed LOGIN and lets the session go on. */
static int64_t imap_auth_fail_fire(ae_loop *l, int64_t id, void *data)
{
    struct imap_sess *s = data;
    s->auth_timer = 0;
    imap_tagged(s, "NO", "[AUTHENTICATIONFAILED] Authentication failed.");
    srv_resume(s->c);
    return AE_NOMORE;
}

static void imap_cmd_login(struct imap_sess *s, int uid)
{
    if (!imap_nargs(s, 4)) return;
    const char *name = imap_arg(s, 2, "user name"), *pass;
    if (!name || !(pass = imap_arg(s, 3, "password"))) return;
    struct imap_user key = { (char *)name, NULL, 0 };
    const struct imap_user *u = s->is->nusers ?
        bsearch(&key, s->is->users, s->is->nusers, sizeof key, imap_user_cmp) : NULL;
    if (u && strcmp(u->pass, pass) == 0) {
        s->user = u;
        s->state = IMAP_AUTH;
        imap_tagged(s, "OK", "[CAPABILITY " IMAP_CAPS "] Logged in");
        return;
    }
    log_debug("imap: %s: failed login for '%s'", s->c->peer.s, name);
    srv_hold(s->c);
    s->auth_timer = ae_add_timer(srv_loop(s->c->srv), s->is->auth_delay, imap_auth_fail_fire, s);
}

/* Opens user's mailbox name, or answers NO and returns NULL. */
static struct imap_mbox *imap_open(struct imap_sess *s, const char *name)
{
    char *path = imap_store_path(s->is->store, s->user->name, name);
    if (!path) {
        imap_tagged(s, "NO", "bad mailbox name");
        return NULL;
    }
    struct imap_mbox *mb = imap_store_open(s->is->store, path);
    free(path);
    if (!mb)
        imap_tagged(s, "NO", errno == ENOENT ? "[NONEXISTENT] no such mailbox"
                                             : "[SERVERBUG] cannot open mailbox");
    return mb;
}

static int imap_count_unseen(const struct imap_mbox *mb, int *first)
{
    int n = 0;
    *first = 0;
    for (int i = 0; i < mb->n; i++)
        if (!(mb->m[i].flags & IMAP_F_SEEN) && !n++) *first = i + 1;
    return n;
}

static void imap_cmd_select(struct imap_sess *s, int uid)
{
    if (!imap_nargs(s, 3)) return;
    const char *name = imap_arg(s, 2, "mailbox");
    if (!name) return;
    if (s->state == IMAP_SELECTED) imap_unselect(s);
    struct imap_mbox *mb = imap_open(s, name);
    if (!mb) return;
    s->mb = mb;
    s->readonly = toupper((unsigned char)s->toks.t[1].p[0]) == 'E';
    s->state = IMAP_SELECTED;
    imap_view_set(s);
    int first;
    imap_count_unseen(mb, &first);
    srv_printf(s->c, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                     "* OK [PERMANENTFLAGS (%s)] Flags permitted.\r\n"
                     "* %d EXISTS\r\n* 0 RECENT\r\n",
               s->readonly ? "" : "\\Answered \\Flagged \\Deleted \\Seen \\Draft", s->nview);
    if (first) srv_printf(s->c, "* OK [UNSEEN %d] First unseen.\r\n", first);
    srv_printf(s->c, "* OK [UIDVALIDITY %u] UIDs valid\r\n* OK [UIDNEXT %u] Predicted next UID\r\n",
               mb->uidvalidity, mb->uidnext);
    imap_tagged(s, "OK", "[%s] %s completed", s->readonly ? "READ-ONLY" : "READ-WRITE",
                s->readonly ? "EXAMINE" : "SELECT");
}

static void imap_cmd_status(struct imap_sess *s, int uid)
{
    const struct imap_toks *t = &s->toks;
    const char *name = imap_arg(s, 2, "mailbox");
    if (!name) return;
    if (t->n < 5 || t->t[3].type != IMAP_T_LPAREN || t->t[t->n - 1].type != IMAP_T_RPAREN) {
        imap_tagged(s, "BAD", "expected STATUS mailbox (items)");
        return;
    }
    struct imap_mbox *mb = imap_open(s, name);
    if (!mb) return;
    struct buf *r = &s->resp;
    buf_reset(r);
    buf_puts(r, "* STATUS ");
    imap_msg_string(r, name, strlen(name));
    buf_puts(r, " (");
    for (int i = 4; i < t->n - 1; i++) {
        const char *it = t->t[i].p;
        int first;
        if (t->t[i].type != IMAP_T_ATOM) it = "";
        if (i > 4) buf_puts(r, " ");
        if (strcasecmp(it, "MESSAGES") == 0) buf_printf(r, "MESSAGES %d", mb->n);
        else if (strcasecmp(it, "RECENT") == 0) buf_puts(r, "RECENT 0");
        else if (strcasecmp(it, "UIDNEXT") == 0) buf_printf(r, "UIDNEXT %u", mb->uidnext);
        else if (strcasecmp(it, "UIDVALIDITY") == 0) buf_printf(r, "UIDVALIDITY %u", mb->uidvalidity);
        else if (strcasecmp(it, "UNSEEN") == 0) buf_printf(r, "UNSEEN %d", imap_count_unseen(mb, &first));
        else {
            imap_tagged(s, "BAD", "unknown STATUS item");
            return;
        }
    }
    buf_puts(r, ")\r\n");
    srv_write(s->c, buf_head(r), buf_used(r));
    imap_tagged(s, "OK", "STATUS completed");
}

/* Does name match the LIST pattern (RFC 3501 6.3.8; '.' separates)?
 * '*' matches anything, '%' anything but '.'.  Dynamic programming over
 * (pattern position, name position), so a pattern of many wildcards costs
 * length times length, not an exponential number of backtracking tries. */
static int imap_list_match(const char *pat, const char *name)
{
    size_t pl = strlen(pat), nl = strlen(name);
    /* next[j]: pat[i+1..] matches name[j..]; cur[j]: pat[i..] matches name[j..] */
    unsigned char *next = calloc(2 * (nl + 1), 1);
    if (!next) abort();
    unsigned char *cur = next + nl + 1;
    next[nl] = 1;
    for (size_t i = pl; i-- > 0;) {
        char c = pat[i];
        for (size_t j = nl + 1; j-- > 0;) {
            if (c == '*' || c == '%')
                cur[j] = next[j] || (j < nl && (c == '*' || name[j] != '.') && cur[j + 1]);
            else
                cur[j] = j < nl && name[j] == c && next[j + 1];
        }
        unsigned char *t = next; next = cur; cur = t;
    }
    int m = next[0];
    free(next < cur ? next : cur);
    return m;
}

/* pat: the reference and pattern joined, a leading "inbox" upper-cased. */
struct imap_list_ctx { struct imap_sess *s; const char *pat; const char *verb; };

static void imap_list_one(const char *name, void *arg)
{
    struct imap_list_ctx *x = arg;
    const char *cmp = strcasecmp(name, "INBOX") == 0 && strncasecmp(x->pat, "INBOX", 5) == 0
                          ? "INBOX" : name;
    if (!imap_list_match(x->pat, cmp)) return;
    struct buf *r = &x->s->resp;
    buf_reset(r);
    buf_printf(r, "* %s (\\HasNoChildren) \".\" ", x->verb);
    imap_msg_string(r, name, strlen(name));
    buf_puts(r, "\r\n");
    srv_write(x->s->c, buf_head(r), buf_used(r));
}

static void imap_cmd_list(struct imap_sess *s, int uid)
{
    if (!imap_nargs(s, 4)) return;
    const char *ref = imap_arg(s, 2, "reference"), *pat;
    if (!ref || !(pat = imap_arg(s, 3, "pattern"))) return;
    const char *verb = toupper((unsigned char)s->toks.t[1].p[1]) == 'S' ? "LSUB" : "LIST";
    if (!*pat) {
        srv_printf(s->c, "* %s (\\Noselect) \".\" \"\"\r\n", verb);
    } else {
        char *full = strfmt("%s%s", ref, pat);
        if (strncasecmp(full, "INBOX", 5) == 0) memcpy(full, "INBOX", 5);
        struct imap_list_ctx x = { s, full, verb };
        imap_store_list(s->is->store, s->user->name, imap_list_one, &x);
        free(full);
    }
    imap_tagged(s, "OK", "%s completed", verb);
}

static void imap_cmd_append(struct imap_sess *s, int uid)
{
    const struct imap_toks *t = &s->toks;
    const char *name = imap_arg(s, 2, "mailbox");
    if (!name) return;
    int i = 3;
    int flags = 0;
    time_t when = time(NULL);
    if (i < t->n && t->t[i].type == IMAP_T_LPAREN && (flags = imap_flags_parse(t, &i)) < 0) {
        imap_tagged(s, "BAD", "bad flag list");
        return;
    }
    if (i + 1 < t->n && t->t[i].type == IMAP_T_STRING && !t->t[i].literal) {
        if (imap_datetime_parse(t->t[i].p, &when) < 0) {
            imap_tagged(s, "BAD", "bad date-time");
            return;
        }
        i++;
    }
    if (i != t->n - 1 || t->t[i].type != IMAP_T_STRING) {
        imap_tagged(s, "BAD", "expected APPEND mailbox [(flags)] [date-time] literal");
        return;
    }
    char *path = imap_store_path(s->is->store, s->user->name, name);
    if (!path) {
        imap_tagged(s, "NO", "bad mailbox name");
        return;
    }
    struct imap_mbox *mb = imap_store_open(s->is->store, path);
    int stored = mb && imap_mbox_append(s->is->store, mb, t->t[i].p, t->t[i].len,
                                        (unsigned)flags, when);
    int e = errno;
    if (mb && !stored) log_warn("imap: append to %s: %s", path, strerror(e));
    free(path);
    if (!mb) {
        imap_tagged(s, "NO", "[TRYCREATE] no such mailbox");
        return;
    }
    if (!stored) {
        imap_tagged(s, "NO", "[SERVERBUG] cannot store message: %s", strerror(e));
        return;
    }
    imap_sync(s, 1);
    imap_tagged(s, "OK", "APPEND completed");
}

/* Parses a sequence set argument and maps it to indexes of the view
 * (in order, expunged messages skipped): calls fn for each.  Answers BAD
 * and returns -1 if malformed or out of range. */
typedef void imap_each_fn(struct imap_sess *s, int seq, int idx, void *arg);
static int imap_each(struct imap_sess *s, const char *set_text, int uid, imap_each_fn *fn,
                     void *arg)
{
    struct imap_seqset set;
    if (!set_text || imap_seqset_parse(set_text, &set) < 0) {
        imap_tagged(s, "BAD", "bad sequence set");
        return -1;
    }
    if (!uid) {
        for (int r = 0; r < set.n; r++)
            if ((set.r[r].hi != IMAP_STAR && set.r[r].hi > (uint64_t)s->nview) ||
                (s->nview == 0 && set.r[r].lo != IMAP_STAR)) {
                imap_seqset_free(&set);
                imap_tagged(s, "BAD", "no such message");
                return -1;
            }
    }
    uint32_t star = uid ? (s->nview ? s->view[s->nview - 1] : 0) : (uint32_t)s->nview;
    for (int k = 0; k < s->nview; k++) {
        if (!imap_seqset_has(&set, uid ? s->view[k] : (uint32_t)k + 1, star)) continue;
        int idx = imap_mbox_find(s->mb, s->view[k]);
        if (idx >= 0) fn(s, k + 1, idx, arg);
    }
    imap_seqset_free(&set);
    return 0;
}

/* Appends the bytes of one BODY attribute of message idx to r. */
static void imap_fetch_body(struct imap_sess *s, int idx, const struct imap_fetch_att *a,
                            struct buf *r)
{
    size_t hlen;
    const char *h = imap_mbox_header(s->mb, idx, &hlen);
    if (!h) h = "", hlen = 0;
    struct buf *b = &s->body;
    buf_reset(b);
    if (a->section == IMAP_SEC_HEADER) {
        buf_append(b, h, hlen);
    } else if (a->section == IMAP_SEC_FIELDS || a->section == IMAP_SEC_FIELDS_NOT) {
        imap_msg_fields(b, h, hlen, a->fields, a->section == IMAP_SEC_FIELDS_NOT);
    } else if (imap_mbox_read(s->mb, idx, b) == 0 && a->section == IMAP_SEC_TEXT) {
        buf_consume(b, hlen < buf_used(b) ? hlen : buf_used(b));
    }
    const char *p = buf_head(b);
    size_t n = buf_used(b);
    buf_puts(r, a->name);
    if (a->partial) {
        buf_printf(r, "<%llu>", (unsigned long long)a->start);
        size_t st = a->start < n ? (size_t)a->start : n;
        p += st;
        n = n - st < a->count ? n - st : (size_t)a->count;
    }
    buf_printf(r, " {%zu}\r\n", n);
    buf_append(r, p, n);
}

/* Appends one fetch attribute of message idx to r. */
static void imap_fetch_att(struct imap_sess *s, int idx, const struct imap_fetch_att *a,
                           struct buf *r)
{
    const struct imap_msg *m = &s->mb->m[idx];
    size_t hlen;
    const char *h;
    switch (a->kind) {
    case IMAP_FA_FLAGS:
        buf_printf(r, "FLAGS (%s)", imap_flags_fmt(m->flags).s);
        break;
    case IMAP_FA_UID: buf_printf(r, "UID %u", m->uid); break;
    case IMAP_FA_SIZE: buf_printf(r, "RFC822.SIZE %llu", (unsigned long long)m->size); break;
    case IMAP_FA_INTERNALDATE:
        buf_printf(r, "INTERNALDATE \"%s\"", imap_datetime_fmt(m->internal).s);
        break;
    case IMAP_FA_ENVELOPE:
        h = imap_mbox_header(s->mb, idx, &hlen);
        buf_puts(r, "ENVELOPE ");
        imap_msg_envelope(r, h ? h : "", h ? hlen : 0);
        break;
    case IMAP_FA_BODY: imap_fetch_body(s, idx, a, r); break;
    }
}

struct imap_fetch_ctx { const struct imap_fetch *f; int uid; };

/* Answers one message's FETCH.  UID FETCH always reports the UID; a
 * non-PEEK body fetch that sets \Seen reports the new FLAGS. */
static void imap_fetch_one(struct imap_sess *s, int seq, int idx, void *arg)
{
    struct imap_fetch_ctx *x = arg;
    int has_flags = 0, has_uid = 0, set_seen = 0;
    for (int i = 0; i < x->f->n; i++) {
        has_flags |= x->f->a[i].kind == IMAP_FA_FLAGS;
        has_uid |= x->f->a[i].kind == IMAP_FA_UID;
        set_seen |= x->f->a[i].kind == IMAP_FA_BODY && !x->f->a[i].peek;
    }
    int add_flags = 0;
    unsigned fl = s->mb->m[idx].flags;
    if (set_seen && !s->readonly && !(fl & IMAP_F_SEEN))
        add_flags = imap_mbox_set_flags(s->mb, idx, fl | IMAP_F_SEEN) == 0 && !has_flags;
    struct buf *r = &s->resp;
    buf_reset(r);
    buf_printf(r, "* %d FETCH (", seq);
    if (x->uid && !has_uid) buf_printf(r, "UID %u ", s->mb->m[idx].uid);
    for (int i = 0; i < x->f->n; i++) {
        if (i) buf_puts(r, " ");
        imap_fetch_att(s, idx, &x->f->a[i], r);
    }
    if (add_flags) {
        static const struct imap_fetch_att flags_att = { .kind = IMAP_FA_FLAGS };
        buf_puts(r, " ");
        imap_fetch_att(s, idx, &flags_att, r);
    }
    buf_puts(r, ")\r\n");
    srv_write(s->c, buf_head(r), buf_used(r));
}

static void imap_cmd_fetch(struct imap_sess *s, int uid)
{
    int i = 3 + uid;
    struct imap_fetch f;
    const char *err;
    if (imap_fetch_parse(&s->toks, &i, &f, &err) < 0) {
        imap_tagged(s, "BAD", "%s", err);
        return;
    }
    if (i != s->toks.n) {
        imap_fetch_free(&f);
        imap_tagged(s, "BAD", "junk after fetch attributes");
        return;
    }
    struct imap_fetch_ctx x = { &f, uid };
    int rc = imap_each(s, imap_tok_str(&s->toks, 2 + uid), uid, imap_fetch_one, &x);
    imap_fetch_free(&f);
    if (rc < 0) return;
    imap_sync(s, uid);
    imap_tagged(s, "OK", "%sFETCH completed", uid ? "UID " : "");
}

struct imap_store_ctx { int op; unsigned flags; int silent, uid, failed; };

static void imap_store_one(struct imap_sess *s, int seq, int idx, void *arg)
{
    struct imap_store_ctx *x = arg;
    struct imap_msg *m = &s->mb->m[idx];
    unsigned nf = x->op == '+' ? m->flags | x->flags
                : x->op == '-' ? m->flags & ~x->flags : x->flags;
    if (imap_mbox_set_flags(s->mb, idx, nf) < 0) {
        x->failed++;
        return;
    }
    if (x->silent) return;
    const struct numstr fl = imap_flags_fmt(m->flags);
    if (x->uid) srv_printf(s->c, "* %d FETCH (UID %u FLAGS (%s))\r\n", seq, m->uid, fl.s);
    else srv_printf(s->c, "* %d FETCH (FLAGS (%s))\r\n", seq, fl.s);
}

static void imap_cmd_store(struct imap_sess *s, int uid)
{
    const struct imap_toks *t = &s->toks;
    int i = 3 + uid;
    const char *item = imap_tok_str(t, i);
    struct imap_store_ctx x = { 0, 0, 0, uid, 0 };
    if (item && (*item == '+' || *item == '-')) x.op = *item++;
    if (!item || strncasecmp(item, "FLAGS", 5) != 0 ||
        (item[5] && strcasecmp(item + 5, ".SILENT") != 0)) {
        imap_tagged(s, "BAD", "expected [+-]FLAGS[.SILENT]");
        return;
    }
    x.silent = item[5] != '\0';
    i++;
    int fl = imap_flags_parse(t, &i);
    if (fl < 0 || i != t->n) {
        imap_tagged(s, "BAD", "bad flag list");
        return;
    }
    x.flags = (unsigned)fl;
    if (s->readonly) {
        imap_tagged(s, "NO", "mailbox is read-only");
        return;
    }
    if (imap_each(s, imap_tok_str(t, 2 + uid), uid, imap_store_one, &x) < 0) return;
    imap_sync(s, uid);
    if (x.failed) imap_tagged(s, "NO", "cannot store flags of %d messages", x.failed);
    else imap_tagged(s, "OK", "%sSTORE completed", uid ? "UID " : "");
}

/* Evaluates search node k against message idx (sequence number seq). */
static int imap_search_eval(struct imap_sess *s, const struct imap_search *q, int k, int seq,
                            int idx)
{
    const struct imap_search_node *n = &q->n[k];
    const struct imap_msg *m = &s->mb->m[idx];
    size_t hlen;
    const char *h;
    switch (n->op) {
    case IMAP_S_ALL: return 1;
    case IMAP_S_FLAG: return (m->flags & n->flag) != 0;
    case IMAP_S_NOFLAG: return (m->flags & n->flag) == 0;
    case IMAP_S_HEADER:
        h = imap_mbox_header(s->mb, idx, &hlen);
        return h && imap_msg_field_has(h, hlen, n->header, n->str);
    case IMAP_S_BODY:
        buf_reset(&s->body);
        return imap_mbox_read(s->mb, idx, &s->body) == 0 &&
               imap_msg_contains(buf_head(&s->body), buf_used(&s->body), n->str);
    case IMAP_S_SINCE: return m->internal - m->internal % 86400 >= n->date;
    case IMAP_S_BEFORE: return m->internal - m->internal % 86400 < n->date;
    case IMAP_S_ON: return m->internal - m->internal % 86400 == n->date;
    case IMAP_S_LARGER: return m->size > n->size;
    case IMAP_S_SMALLER: return m->size < n->size;
    case IMAP_S_UID:
        return imap_seqset_has(&n->set, m->uid, s->nview ? s->view[s->nview - 1] : 0);
    case IMAP_S_SEQ: return imap_seqset_has(&n->set, (uint32_t)seq, (uint32_t)s->nview);
    case IMAP_S_NOT: return !imap_search_eval(s, q, n->kid, seq, idx);
    case IMAP_S_OR:
        return imap_search_eval(s, q, n->kid, seq, idx) ||
               imap_search_eval(s, q, q->n[n->kid].next, seq, idx);
    case IMAP_S_AND:
        for (int c = n->kid; c >= 0; c = q->n[c].next)
            if (!imap_search_eval(s, q, c, seq, idx)) return 0;
        return 1;
    }
    return 0;
}

static void imap_cmd_search(struct imap_sess *s, int uid)
{
    int i = 2 + uid;
    struct imap_search q;
    const char *err;
    if (imap_search_parse(&s->toks, &i, &q, &err) < 0) {
        imap_tagged(s, "BAD", "%s", err);
        return;
    }
    struct buf *r = &s->resp;
    buf_reset(r);
    buf_puts(r, "* SEARCH");
    for (int k = 0; k < s->nview; k++) {
        int idx = imap_mbox_find(s->mb, s->view[k]);
        if (idx >= 0 && imap_search_eval(s, &q, 0, k + 1, idx))
            buf_printf(r, " %u", uid ? s->view[k] : (uint32_t)k + 1);
    }
    buf_puts(r, "\r\n");
    srv_write(s->c, buf_head(r), buf_used(r));
    imap_search_free(&q);
    imap_sync(s, uid);
    imap_tagged(s, "OK", "%sSEARCH completed", uid ? "UID " : "");
}

static void imap_cmd_expunge(struct imap_sess *s, int uid)
{
    if (!imap_nargs(s, 2)) return;
    if (s->readonly) {
        imap_tagged(s, "NO", "mailbox is read-only");
        return;
    }
    imap_mbox_expunge(s->mb);
    imap_sync(s, 1);
    imap_tagged(s, "OK", "EXPUNGE completed");
}

static void imap_cmd_close(struct imap_sess *s, int uid)
{
    if (!imap_nargs(s, 2)) return;
    if (!s->readonly) imap_mbox_expunge(s->mb);
    imap_unselect(s);
    imap_tagged(s, "OK", "CLOSE completed");
}

static void imap_cmd_uid(struct imap_sess *s, int uid);

enum { ST_NA = 1, ST_AU = 2, ST_SE = 4, ST_ANY = 7, ST_LOGGED = 6 };

static const struct imap_cmd {
    const char *name;
    imap_cmd_fn *fn;
    int states;
    int uid_ok;
} imap_cmds[] = {
    { "CAPABILITY", imap_cmd_capability, ST_ANY, 0 },
    { "NOOP", imap_cmd_noop, ST_ANY, 0 },
    { "CHECK", imap_cmd_noop, ST_SE, 0 },
    { "LOGOUT", imap_cmd_logout, ST_ANY, 0 },
    { "LOGIN", imap_cmd_login, ST_NA, 0 },
    { "SELECT", imap_cmd_select, ST_LOGGED, 0 },
    { "EXAMINE", imap_cmd_select, ST_LOGGED, 0 },
    { "STATUS", imap_cmd_status, ST_LOGGED, 0 },
    { "LIST", imap_cmd_list, ST_LOGGED, 0 },
    { "LSUB", imap_cmd_list, ST_LOGGED, 0 },
    { "APPEND", imap_cmd_append, ST_LOGGED, 0 },
    { "FETCH", imap_cmd_fetch, ST_SE, 1 },
    { "STORE", imap_cmd_store, ST_SE, 1 },
    { "SEARCH", imap_cmd_search, ST_SE, 1 },
    { "EXPUNGE", imap_cmd_expunge, ST_SE, 0 },
    { "CLOSE", imap_cmd_close, ST_SE, 0 },
    { "UID", imap_cmd_uid, ST_SE, 0 },
};

static const struct imap_cmd *imap_cmd_find(const char *name)
{
    for (size_t i = 0; i < sizeof imap_cmds / sizeof imap_cmds[0]; i++)
        if (strcasecmp(imap_cmds[i].name, name) == 0) return &imap_cmds[i];
    return NULL;
}

/* UID FETCH/STORE/SEARCH: the same commands with UIDs (tokens shift by one). */
static void imap_cmd_uid(struct imap_sess *s, int uid)
{
    const char *sub = s->toks.n > 2 && s->toks.t[2].type == IMAP_T_ATOM ? s->toks.t[2].p : "";
    const struct imap_cmd *c = imap_cmd_find(sub);
    if (!c || !c->uid_ok) {
        imap_tagged(s, "BAD", "expected UID FETCH, UID STORE or UID SEARCH");
        return;
    }
    c->fn(s, 1);
}

/* ---- input -------------------------------------------------------------- */

/* Is tag a valid tag (astring characters other than '+')? */
static int imap_tag_ok(const char *tag, size_t n)
{
    if (n == 0 || n > IMAP_MAX_TAG) return 0;
    for (size_t i = 0; i < n; i++)
        if (tag[i] <= 0x20 || tag[i] >= 0x7f || strchr("+(){%*\"\\", tag[i])) return 0;
    return 1;
}

/* Copies the tag at the start of p[0..n) into s->tag ("*" if none). */
static void imap_take_tag(struct imap_sess *s, const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] != ' ' && p[k] != '\r' && p[k] != '\n') k++;
    if (imap_tag_ok(p, k)) {
        memcpy(s->tag, p, k);
        s->tag[k] = '\0';
    } else {
        strcpy(s->tag, "*");
    }
}

/* Runs the command in s->cmd. */
static void imap_execute(struct imap_sess *s)
{
    const char *err = NULL;
    struct buf *b = &s->cmd;
    buf_reserve(b, 1);
    imap_take_tag(s, buf_head(b), buf_used(b));
    if (imap_tokenize(b->data + b->off, buf_used(b), &s->toks, &err) < 0) {
        imap_tagged(s, "BAD", "%s", err);
        return;
    }
    if (s->toks.n == 0) {
        imap_tagged(s, "BAD", "empty command line");
        return;
    }
    if (s->tag[0] == '*' || s->toks.t[0].type != IMAP_T_ATOM) {
        imap_tagged(s, "BAD", "missing or malformed tag");
        return;
    }
    if (s->toks.n < 2 || s->toks.t[1].type != IMAP_T_ATOM) {
        imap_tagged(s, "BAD", "missing command");
        return;
    }
    const struct imap_cmd *c = imap_cmd_find(s->toks.t[1].p);
    if (!c) {
        imap_tagged(s, "BAD", "unknown command");
        return;
    }
    if (!(c->states & (1 << s->state))) {
        imap_tagged(s, "BAD", "%s not allowed %s", c->name,
                    s->state == IMAP_NOAUTH ? "before LOGIN"
                    : s->state == IMAP_AUTH ? "without a selected mailbox" : "now");
        return;
    }
    /* Commands other than FETCH/STORE/SEARCH/UID report changes first. */
    if (s->state == IMAP_SELECTED && c->fn != imap_cmd_fetch && c->fn != imap_cmd_store &&
        c->fn != imap_cmd_search && c->fn != imap_cmd_uid && c->fn != imap_cmd_select &&
        c->fn != imap_cmd_close)
        imap_sync(s, 1);
    c->fn(s, 0);
}

/* Runs every complete command buffered, until the answers waiting to be
 * sent pass SRV_OUT_HIGH: a client that pipelines commands without reading
 * gets the rest run as it reads (the core calls again), so it cannot make
 * the server hold the answers to all of them at once. */
static int imap_on_input(struct srv_conn *c)
{
    struct imap_sess *s = c->state;
    while (buf_used(&c->in) && !s->auth_timer && !c->closing &&
           buf_used(&c->out) < SRV_OUT_HIGH) {
        const char *p = buf_head(&c->in);
        size_t n = buf_used(&c->in);
        struct imap_frame f = imap_frame_resume(p, n, s->is->max_request, &s->fst);
        switch (f.status) {
        case IMAP_FRAME_MORE:
            if (f.lit_index >= 0 && f.lit_sync && f.lit_index >= s->conts) {
                srv_puts(c, "+ Ready for literal data\r\n");
                s->conts = f.lit_index + 1;
            }
            return SRV_OK;
        case IMAP_FRAME_LONG_LINE:
            srv_puts(c, "* BYE line too long\r\n");
            srv_count(c, 1);
            return SRV_CLOSE;
        case IMAP_FRAME_BIG_LITERAL:
            imap_take_tag(s, p, n);
            imap_tagged(s, "BAD", "[TOOBIG] literal of %llu bytes exceeds the %zu-byte limit",
                        (unsigned long long)f.lit_size, s->is->max_request);
            s->conts = 0;
            if (!f.lit_sync) {      /* its bytes follow regardless: cannot resync */
                srv_puts(c, "* BYE literal too large\r\n");
                return SRV_CLOSE;
            }
            buf_consume(&c->in, f.len);
            continue;
        case IMAP_FRAME_DONE:
            break;
        }
        buf_reset(&s->cmd);
        buf_append(&s->cmd, p, f.len);
        buf_consume(&c->in, f.len);
        s->conts = 0;
        imap_execute(s);
        /* do not keep a big APPEND's or FETCH's buffers per idle session */
        if (s->cmd.cap > 256 * 1024) buf_free(&s->cmd);
        if (s->body.cap > 256 * 1024) buf_free(&s->body);
        if (s->resp.cap > 256 * 1024) buf_free(&s->resp);
    }
    return SRV_OK;
}

static void imap_on_overflow(struct srv_conn *c)
{
    srv_puts(c, "* BYE request too large\r\n");
}

static int imap_open_conn(struct srv_conn *c)
{
    struct imap_sess *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->is = srv_ctx(c->srv);
    s->c = c;
    strcpy(s->tag, "*");
    c->state = s;
    srv_puts(c, "* OK [CAPABILITY " IMAP_CAPS "] hostmix imap ready\r\n");
    return 0;
}

static void imap_close_conn(struct srv_conn *c)
{
    struct imap_sess *s = c->state;
    if (!s) return;
    if (s->auth_timer) ae_del_timer(srv_loop(c->srv), s->auth_timer);
    free(s->view);
    buf_free(&s->cmd);
    buf_free(&s->resp);
    buf_free(&s->body);
    buf_free(&s->line);
    imap_toks_free(&s->toks);
    free(s);
    c->state = NULL;
}

static const struct srv_proto imap_proto = {
    .name = "imap",
    .open = imap_open_conn,
    .on_input = imap_on_input,
    .on_overflow = imap_on_overflow,
    .close = imap_close_conn,
    .busy_reply = "* BYE too many connections\r\n",
};

/* ---- users and serving ---------------------------------------------------- */

/* Loads DATA/users.tsv, sorted by name for LOGIN.  Returns 0 or -1 after
 * logging why. */
static int imap_users_load(struct imap_srv *is, const char *data)
{
    struct buf why = BUF_INIT;
    int rc = imap_users_read(data, &is->userlist, &why);
    if (rc) log_error("imap: %s (run 'hostmix prepare imap --data %s' first)", buf_cstr(&why), data);
    buf_free(&why);
    if (rc) return -1;
    is->users = is->userlist.u;
    is->nusers = is->userlist.n;
    if (is->nusers) qsort(is->users, is->nusers, sizeof *is->users, imap_user_cmp);
    return 0;
}

static void imap_srv_users_free(struct imap_srv *is)
{
    imap_users_free(&is->userlist);
    is->users = NULL;
    is->nusers = 0;
}

/* imap's own defaults for core options: messages up to a few MiB must fit
 * in one APPEND, and RFC 3501 5.4 asks for at least 30 minutes before an
 * idle session is logged out. */
static void imap_serve_defaults(void)
{
    for (struct opt_def *o = imap_serve_table; o->name; o++) {
        if (strcmp(o->name, "max-request") == 0) o->def = "4MiB";
        if (strcmp(o->name, "idle-timeout") == 0) o->def = "30m";
    }
}

static int imap_serve(int argc, char **argv)
{
    struct imap_opts o;
    imap_serve_defaults();
    int next;
    int rc = opt_parse_argv(imap_serve_table, &o, argc, argv,
                            "hostmix serve imap --listen IP:PORT --data DIR", &next);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    if (next < argc) {
        fprintf(stderr, "hostmix serve imap: unexpected argument '%s' (yes/no options take "
                        "the form --sync=no)\n", argv[next]);
        return CLI_USAGE;
    }
    if (!o.srv.data[0]) {
        fprintf(stderr, "hostmix serve imap: --data DIR is required\n");
        return CLI_USAGE;
    }
    log_set_tag("imap");
    struct imap_srv is = { 0 };
    if (imap_users_load(&is, o.srv.data) < 0) {
        imap_srv_users_free(&is);
        return CLI_FAILED;
    }
    is.store = imap_store_create(o.srv.data, o.sync);
    is.max_request = (size_t)o.srv.max_request;
    is.auth_delay = o.auth_delay;
    ae_loop *loop = ae_create(1024);
    rc = srv_serve(loop, &imap_proto, &is, &o.srv, NULL);
    ae_destroy(loop);
    imap_store_destroy(is.store);
    imap_srv_users_free(&is);
    return rc;
}

const struct role_ops role_imap_ops = { "imap", imap_prepare, imap_serve };
