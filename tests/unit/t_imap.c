/* t_imap.c — the IMAP command parser and message header helpers. */
#include "test.h"
#include "proto/imap.h"
#include "roles/imap_msg.h"
#include "roles/imap_prep.h"

#include <stdlib.h>

/* Tokenizes text (copied); returns the count or -1.  Frees nothing: the
 * caller frees *t and the returned copy in *copy. */
static int toks(const char *text, struct imap_toks *t, char **copy, const char **err)
{
    size_t n = strlen(text);
    *copy = malloc(n + 1);
    memcpy(*copy, text, n + 1);
    *t = (struct imap_toks){ 0 };
    return imap_tokenize(*copy, n, t, err) < 0 ? -1 : t->n;
}

TEST(imap_frame_lines_and_literals)
{
    struct imap_frame f = imap_frame("a1 NOOP\r\nb", 10, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_DONE);
    T_EQ_INT(f.len, 9);
    f = imap_frame("a1 NOOP", 7, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_MORE);
    T_EQ_INT(f.lit_index, -1);
    f = imap_frame("a1 LOGIN {3}\r\nab", 16, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_MORE);
    T_EQ_INT(f.lit_index, 0);
    T_EQ_INT(f.lit_sync, 1);
    const char *two = "a1 LOGIN {3}\r\nabc {2+}\r\nxy\r\n";
    f = imap_frame(two, strlen(two), 1000);
    T_EQ_INT(f.status, IMAP_FRAME_DONE);
    T_EQ_INT(f.len, strlen(two));
    f = imap_frame(two, 25, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_MORE);
    T_EQ_INT(f.lit_index, 1);
    T_EQ_INT(f.lit_sync, 0);
    f = imap_frame("a1 APPEND x {5000}\r\n", 20, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_BIG_LITERAL);
    T_EQ_INT(f.len, 20);
    T_EQ_INT(f.lit_size, 5000);
    f = imap_frame("a1 APPEND x {99999999999999999999}\r\n", 36, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_DONE);      /* not a literal: the tokenizer refuses it */
    static char big[IMAP_MAX_LINE + 10];
    memset(big, 'x', sizeof big);
    f = imap_frame(big, sizeof big, 1 << 20);
    T_EQ_INT(f.status, IMAP_FRAME_LONG_LINE);
}

/* A synchronising {0} at the end of what arrived waits for its "+" like
 * any literal (lit_index set); once more bytes follow it frames on. */
TEST(imap_frame_zero_sync_literal_waits)
{
    const char *cmd = "a1 SEARCH SUBJECT {0}\r\n\r\n";
    struct imap_frame f = imap_frame(cmd, 23, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_MORE);
    T_EQ_INT(f.lit_index, 0);
    T_EQ_INT(f.lit_sync, 1);
    f = imap_frame(cmd, strlen(cmd), 1000);
    T_EQ_INT(f.status, IMAP_FRAME_DONE);
    T_EQ_INT(f.len, strlen(cmd));
    f = imap_frame("a1 SEARCH SUBJECT {0+}\r\n", 24, 1000);
    T_EQ_INT(f.status, IMAP_FRAME_MORE);      /* LITERAL+: no "+" wanted */
    T_EQ_INT(f.lit_index, -1);
    struct imap_frame_state st = { 0, 0, 0 };
    f = imap_frame_resume(cmd, 23, 1000, &st);
    T_EQ_INT(f.lit_index, 0);
    f = imap_frame_resume(cmd, strlen(cmd), 1000, &st);
    T_EQ_INT(f.status, IMAP_FRAME_DONE);
    T_EQ_INT(f.len, strlen(cmd));
}

TEST(imap_tokenize_kinds)
{
    struct imap_toks t;
    char *c;
    const char *err;
    T_EQ_INT(toks("a1 LOGIN \"jo \\\"x\\\\\" {3}\r\npw1\r\n", &t, &c, &err), 4);
    T_EQ_STR(t.t[0].p, "a1");
    T_EQ_STR(t.t[2].p, "jo \"x\\");
    T_EQ_INT(t.t[2].type, IMAP_T_STRING);
    T_EQ_INT(t.t[3].literal, 1);
    T_EQ_INT(t.t[3].len, 3);
    T_EQ_STR(t.t[3].p, "pw1");
    imap_toks_free(&t);
    free(c);
    T_EQ_INT(toks("a FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.10>)\r\n", &t, &c, &err), 7);
    T_EQ_STR(t.t[2].p, "1:*");
    T_EQ_INT(t.t[3].type, IMAP_T_LPAREN);
    T_EQ_STR(t.t[5].p, "BODY.PEEK[HEADER.FIELDS (From To)]<0.10>");
    T_EQ_INT(t.t[6].type, IMAP_T_RPAREN);
    imap_toks_free(&t);
    free(c);
    T_EQ_INT(toks("a LOGIN \"open\r\n", &t, &c, &err), -1);
    T_EQ_STR(err, "bad quoted string");
    imap_toks_free(&t);
    free(c);
    T_EQ_INT(toks("a X ((x)\r\n", &t, &c, &err), -1);
    imap_toks_free(&t);
    free(c);
    T_EQ_INT(toks("a X BODY[x\r\n", &t, &c, &err), -1);
    imap_toks_free(&t);
    free(c);
    T_EQ_INT(toks("a X {5}\r\nab\r\n", &t, &c, &err), -1);   /* literal longer than data */
    imap_toks_free(&t);
    free(c);
    T_EQ_INT(toks("a X \"q\"atom\r\n", &t, &c, &err), -1);
    imap_toks_free(&t);
    free(c);
}

TEST(imap_seqsets)
{
    struct imap_seqset s;
    T_EQ_INT(imap_seqset_parse("1:3,7,9:*", &s), 0);
    T_EQ_INT(s.n, 3);
    T_ASSERT(imap_seqset_has(&s, 2, 20));
    T_ASSERT(!imap_seqset_has(&s, 5, 20));
    T_ASSERT(imap_seqset_has(&s, 20, 20));
    T_ASSERT(!imap_seqset_has(&s, 8, 20));
    imap_seqset_free(&s);
    T_EQ_INT(imap_seqset_parse("5:2", &s), 0);
    T_ASSERT(imap_seqset_has(&s, 3, 9));
    imap_seqset_free(&s);
    T_EQ_INT(imap_seqset_parse("*", &s), 0);
    T_ASSERT(imap_seqset_has(&s, 4, 4));
    imap_seqset_free(&s);
    T_EQ_INT(imap_seqset_parse("0", &s), -1);
    T_EQ_INT(imap_seqset_parse("1,", &s), -1);
    T_EQ_INT(imap_seqset_parse("1::2", &s), -1);
    T_EQ_INT(imap_seqset_parse("99999999999", &s), -1);
    T_EQ_INT(imap_seqset_parse("", &s), -1);
}

TEST(imap_flags_and_dates)
{
    struct imap_toks t;
    char *c, fl[80];
    const char *err;
    toks("(\\Seen \\deleted) \\Flagged (\\Bogus)", &t, &c, &err);
    int i = 0;
    T_EQ_INT(imap_flags_parse(&t, &i), IMAP_F_SEEN | IMAP_F_DELETED);
    T_EQ_INT(imap_flags_parse(&t, &i), IMAP_F_FLAGGED);
    T_EQ_INT(imap_flags_parse(&t, &i), -1);
    imap_toks_free(&t);
    free(c);
    T_EQ_STR(imap_flags_fmt(IMAP_F_SEEN | IMAP_F_DRAFT | IMAP_F_ANSWERED).s,
             "\\Seen \\Answered \\Draft");
    T_EQ_STR(imap_flags_fmt(~0u).s, "\\Seen \\Answered \\Flagged \\Deleted \\Draft");
    T_EQ_STR(imap_flags_maildir(IMAP_F_SEEN | IMAP_F_DRAFT | IMAP_F_FLAGGED).s, "DFS");
    imap_flags_to_maildir(IMAP_F_SEEN | IMAP_F_DRAFT | IMAP_F_FLAGGED, fl, sizeof fl);
    T_EQ_STR(fl, "DFS");
    T_EQ_INT(imap_flags_from_maildir("RT"), IMAP_F_ANSWERED | IMAP_F_DELETED);
    time_t when;
    T_EQ_INT(imap_date_parse("1-Feb-1994", &when), 0);
    T_EQ_INT(when, 760060800);
    T_EQ_INT(imap_date_parse("31-Foo-1994", &when), -1);
    T_EQ_INT(imap_date_parse("1-Feb-94", &when), -1);
    T_EQ_INT(imap_datetime_parse("17-Jul-1996 02:44:25 -0700", &when), 0);
    T_EQ_STR(imap_datetime_fmt(when).s, "17-Jul-1996 09:44:25 +0000");
    T_EQ_INT(imap_datetime_parse(" 7-Jul-1996 02:44:25 +0000", &when), 0);
    T_EQ_INT(imap_datetime_parse("17-Jul-1996 25:44:25 -0700", &when), -1);
}

TEST(imap_fetch_atts)
{
    struct imap_toks t;
    struct imap_fetch f;
    char *c;
    const char *err;
    toks("(UID BODY.PEEK[HEADER.FIELDS (From Subject)] BODY[]<5.10> RFC822.SIZE)", &t, &c, &err);
    int i = 0;
    T_EQ_INT(imap_fetch_parse(&t, &i, &f, &err), 0);
    T_EQ_INT(f.n, 4);
    T_EQ_INT(f.a[1].section, IMAP_SEC_FIELDS);
    T_EQ_INT(f.a[1].peek, 1);
    T_EQ_STR(f.a[1].name, "BODY[HEADER.FIELDS (From Subject)]");
    T_EQ_STR(f.a[1].fields, "From");
    T_EQ_STR(f.a[1].fields + 5, "Subject");
    T_EQ_INT(f.a[2].partial, 1);
    T_EQ_INT(f.a[2].start, 5);
    T_EQ_INT(f.a[2].count, 10);
    T_EQ_STR(f.a[2].name, "BODY[]");
    imap_fetch_free(&f);
    imap_toks_free(&t);
    free(c);
    toks("FAST", &t, &c, &err);
    i = 0;
    T_EQ_INT(imap_fetch_parse(&t, &i, &f, &err), 0);
    T_EQ_INT(f.n, 3);
    imap_fetch_free(&f);
    imap_toks_free(&t);
    free(c);
    static const char *const bad[] = { "BODY[MIME]", "BODY[]<1>", "(FLAGS", "()", "BODY[HEADER.FIELDS ()]",
                                       "BODYSTRUCTURE", "BODY[]<1.0>", "(FLAGS (UID))" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        if (toks(bad[k], &t, &c, &err) >= 0) {
            i = 0;
            int rc = imap_fetch_parse(&t, &i, &f, &err);
            if (rc == 0 && i != t.n) rc = -1, imap_fetch_free(&f);
            if (rc == 0) t_fail(__FILE__, __LINE__, "accepted '%s'", bad[k]);
        }
        imap_toks_free(&t);
        free(c);
    }
}

/* Each body attribute answers a copy of the message: their number is
 * bounded, so one command line cannot ask for a thousand copies. */
TEST(imap_fetch_bodies_bounded)
{
    struct imap_toks t;
    struct imap_fetch f;
    char *c;
    const char *err;
    char line[1024] = "(UID FLAGS";
    for (int k = 0; k < IMAP_MAX_FETCH_BODIES; k++) strcat(line, k % 2 ? " BODY[]" : " RFC822");
    strcat(line, ")");
    toks(line, &t, &c, &err);
    int i = 0;
    T_EQ_INT(imap_fetch_parse(&t, &i, &f, &err), 0);
    T_EQ_INT(f.n, IMAP_MAX_FETCH_BODIES + 2);
    imap_fetch_free(&f);
    imap_toks_free(&t);
    free(c);
    line[strlen(line) - 1] = '\0';
    strcat(line, " BODY.PEEK[TEXT])");
    toks(line, &t, &c, &err);
    i = 0;
    T_EQ_INT(imap_fetch_parse(&t, &i, &f, &err), -1);
    T_EQ_STR(err, "too many body sections in one FETCH");
    T_EQ_INT(f.n, 0);
    imap_toks_free(&t);
    free(c);
}

/* BODY and TEXT keys each scan every message's text: bounded per SEARCH. */
TEST(imap_search_texts_bounded)
{
    struct imap_toks t;
    struct imap_search q;
    char *c;
    const char *err;
    char line[1024] = "";
    for (int k = 0; k < IMAP_MAX_SEARCH_TEXT; k++) strcat(line, k % 2 ? "NOT BODY x " : "TEXT y ");
    strcat(line, "FROM a SUBJECT b");
    toks(line, &t, &c, &err);
    int i = 0;
    T_EQ_INT(imap_search_parse(&t, &i, &q, &err), 0);
    imap_search_free(&q);
    imap_toks_free(&t);
    free(c);
    strcat(line, " OR SEEN BODY z");
    toks(line, &t, &c, &err);
    i = 0;
    T_EQ_INT(imap_search_parse(&t, &i, &q, &err), -1);
    T_EQ_STR(err, "too many BODY/TEXT keys in one SEARCH");
    T_EQ_INT(q.count, 0);
    imap_toks_free(&t);
    free(c);
}

TEST(imap_search_programs)
{
    struct imap_toks t;
    struct imap_search s;
    char *c;
    const char *err;
    toks("CHARSET UTF-8 UNSEEN FROM \"Bob\" OR SINCE 1-Jan-2025 NOT (DELETED UID 1:5) 2:*",
         &t, &c, &err);
    int i = 0;
    T_EQ_INT(imap_search_parse(&t, &i, &s, &err), 0);
    T_EQ_INT(i, t.n);
    int k = s.n[0].kid;
    T_EQ_INT(s.n[k].op, IMAP_S_NOFLAG);
    k = s.n[k].next;
    T_EQ_INT(s.n[k].op, IMAP_S_HEADER);
    T_EQ_STR(s.n[k].str, "Bob");
    k = s.n[k].next;
    T_EQ_INT(s.n[k].op, IMAP_S_OR);
    T_EQ_INT(s.n[s.n[k].kid].op, IMAP_S_SINCE);
    T_EQ_INT(s.n[s.n[s.n[k].kid].next].op, IMAP_S_NOT);
    k = s.n[k].next;
    T_EQ_INT(s.n[k].op, IMAP_S_SEQ);
    imap_search_free(&s);
    imap_toks_free(&t);
    free(c);
    static const char *const bad[] = { "", "FROM", "SINCE yesterday", "OR SEEN", "NOT", "(SEEN",
                                       "CHARSET KOI8-R ALL", "BOGUS", "LARGER x" };
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
        if (toks(bad[b], &t, &c, &err) >= 0) {
            i = 0;
            if (imap_search_parse(&t, &i, &s, &err) == 0) {
                t_fail(__FILE__, __LINE__, "accepted '%s'", bad[b]);
                imap_search_free(&s);
            }
        }
        imap_toks_free(&t);
        free(c);
    }
}

TEST(imap_message_headers)
{
    const char *h = "From: \"Doe, Jane\" <jane@example.com>\r\nTo: a@b.c, Bob <bob@x.y>\r\n"
                    "Subject: hello\r\n  world\r\nX-Empty:\r\n\r\n";
    size_t n = strlen(h), vlen;
    const char *v = imap_msg_field(h, n, "subject", &vlen);
    T_ASSERT(v);
    T_EQ_INT(vlen, 14);
    T_ASSERT(imap_msg_field_has(h, n, "Subject", "HELLO  WORLD"));
    T_ASSERT(!imap_msg_field_has(h, n, "To", "jane"));
    struct buf b = BUF_INIT;
    imap_msg_envelope(&b, h, n);
    T_EQ_STR(buf_cstr(&b), "(NIL \"hello  world\" ((\"Doe, Jane\" NIL \"jane\" \"example.com\")) "
             "((\"Doe, Jane\" NIL \"jane\" \"example.com\")) ((\"Doe, Jane\" NIL \"jane\" "
             "\"example.com\")) ((NIL NIL \"a\" \"b.c\")(\"Bob\" NIL \"bob\" \"x.y\")) NIL NIL "
             "NIL NIL)");
    buf_reset(&b);
    imap_msg_fields(&b, h, n, "to\0x-empty\0", 0);
    T_EQ_STR(buf_cstr(&b), "To: a@b.c, Bob <bob@x.y>\r\nX-Empty:\r\n\r\n");
    buf_reset(&b);
    imap_msg_string(&b, "a\"b", 3);
    imap_msg_string(&b, "x\r\ny", 4);
    T_EQ_STR(buf_cstr(&b), "\"a\\\"b\"{4}\r\nx\r\ny");
    buf_free(&b);
}

TEST(imap_prep_sizes)
{
    T_EQ_INT(imap_prep_size(0.5, 0.25), 4096);        /* z = 0: the median */
    T_EQ_INT(imap_prep_size(1e-300, 0.0), 1 << 20);   /* capped */
    T_EQ_INT(imap_prep_size(1e-300, 0.5), 512);       /* floored */
}

/* Framing a stream piece by piece from saved state gives the same answers
 * as framing it whole. */
TEST(imap_frame_resume_matches_whole)
{
    const char *cmds[] = {
        "a1 LOGIN {3}\r\nabc {2+}\r\nxy\r\n",
        "a2 APPEND INBOX {0+}\r\n {0+}\r\n {5}\r\nhello\r\n",
        "a3 NOOP\r\n",
        "a4 X {0}\r\n\r\n",
    };
    for (size_t k = 0; k < sizeof cmds / sizeof cmds[0]; k++) {
        const char *c = cmds[k];
        size_t n = strlen(c);
        struct imap_frame_state st = { 0, 0, 0 };
        struct imap_frame whole = imap_frame(c, n, 1000), f = { 0 };
        for (size_t i = 1; i <= n; i++) {
            struct imap_frame ref = imap_frame(c, i, 1000);
            f = imap_frame_resume(c, i, 1000, &st);
            T_EQ_INT(f.status, ref.status);
            T_EQ_INT(f.lit_index, ref.lit_index);
            if (f.status != IMAP_FRAME_MORE) break;
        }
        T_EQ_INT(f.status, whole.status);
        T_EQ_INT(f.len, whole.len);
    }
}

/* One command of many empty literals, arriving in small reads, frames in
 * linear time (it was quadratic: every read rescanned every literal):
 * after every read the state has searched every byte so far, so the next
 * read starts where this one ended and no byte is scanned twice. */
TEST(imap_frame_many_literals_linear)
{
    const char piece[] = " {0+}\r\n";
    size_t np = 200000, plen = sizeof piece - 1, n = np * plen + 2, rescans = 0;
    char *buf = malloc(n + 1);
    for (size_t i = 0; i < np; i++) memcpy(buf + i * plen, piece, plen);
    memcpy(buf + np * plen, "\r\n", 2);
    buf[0] = 'a';
    struct imap_frame_state st = { 0, 0, 0 };
    struct imap_frame f = { 0 };
    for (size_t got = 512; ; got += 512) {
        if (got > n) got = n;
        f = imap_frame_resume(buf, got, (size_t)1 << 30, &st);
        if (f.status != IMAP_FRAME_MORE || got == n) break;
        if (st.line + st.scanned != got) rescans++;
    }
    T_EQ_INT(f.status, IMAP_FRAME_DONE);
    T_EQ_INT(f.len, n);
    T_EQ_INT(rescans, 0);
    free(buf);
}

TEST(imap_seqset_full_range)
{
    struct imap_seqset s;
    T_EQ_INT(imap_seqset_parse("1:4294967295", &s), 0);
    T_ASSERT(imap_seqset_has(&s, 4294967295u, 10));
    T_ASSERT(imap_seqset_has(&s, 7, 10));
    imap_seqset_free(&s);
    T_EQ_INT(imap_seqset_parse("4294967295:*", &s), 0);
    T_ASSERT(imap_seqset_has(&s, 12, 12));              /* between * and the max */
    T_ASSERT(!imap_seqset_has(&s, 11, 12));
    imap_seqset_free(&s);
    T_EQ_INT(imap_seqset_parse("4294967296", &s), -1);
}

TEST(imap_literal_nul_refused)
{
    struct imap_toks t;
    char *copy;
    const char *err = NULL;
    char text[] = "a1 LOGIN {3}\r\na\0b pw\r\n";
    size_t n = sizeof text - 1;
    copy = malloc(n + 1);
    memcpy(copy, text, n + 1);
    t = (struct imap_toks){ 0 };
    T_EQ_INT(imap_tokenize(copy, n, &t, &err), -1);
    T_EQ_STR(err, "NUL in literal");
    imap_toks_free(&t);
    free(copy);
}
