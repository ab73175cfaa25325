/* imap.c — the IMAP command parser; see imap.h. */
#include "proto/imap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- framing ---------------------------------------------------------- */

int imap_line_literal(const char *p, size_t len, uint64_t *size, int *sync)
{
    if (len < 3 || p[len - 1] != '}') return 0;
    size_t end = len - 1;
    *sync = 1;
    if (p[end - 1] == '+') { *sync = 0; end--; }
    size_t i = end;
    while (i > 0 && isdigit((unsigned char)p[i - 1])) i--;
    if (i == end || i == 0 || p[i - 1] != '{' || end - i > 10) return 0;
    uint64_t v = 0;
    for (size_t k = i; k < end; k++) v = v * 10 + (uint64_t)(p[k] - '0');
    *size = v;
    return 1;
}

struct imap_frame imap_frame_resume(const char *p, size_t n, size_t max_request,
                                    struct imap_frame_state *st)
{
    struct imap_frame f = { IMAP_FRAME_MORE, 0, -1, 0, 0 };
    for (;;) {
        size_t pos = st->line, from = pos + st->scanned;
        const char *nl = from < n ? memchr(p + from, '\n', n - from) : NULL;
        if (!nl) {
            st->scanned = n - pos;
            if (n - pos > IMAP_MAX_LINE) f.status = IMAP_FRAME_LONG_LINE;
            break;
        }
        size_t eol = (size_t)(nl - p), len = eol - pos;
        if (len > IMAP_MAX_LINE) { f.status = IMAP_FRAME_LONG_LINE; break; }
        if (len && p[eol - 1] == '\r') len--;
        uint64_t size;
        int sync;
        if (!imap_line_literal(p + pos, len, &size, &sync)) {
            f.status = IMAP_FRAME_DONE;
            f.len = eol + 1;
            break;
        }
        pos = eol + 1;
        if (size > max_request || pos + size > max_request) {
            f.status = IMAP_FRAME_BIG_LITERAL;
            f.len = pos;
            f.lit_sync = sync;
            f.lit_size = size;
            break;
        }
        /* A synchronising literal with nothing after its line waits for
         * its "+", {0} too: a conforming client sends no more until then. */
        if (n - pos < size || (sync && n == pos)) {
            /* wait for the literal: resume at its line, already scanned */
            st->scanned = eol - st->line;
            f.lit_index = st->lit;
            f.lit_sync = sync;
            return f;
        }
        st->line = pos + size;
        st->scanned = 0;
        st->lit++;
    }
    if (f.status != IMAP_FRAME_MORE) *st = (struct imap_frame_state){ 0, 0, 0 };
    return f;
}

struct imap_frame imap_frame(const char *p, size_t n, size_t max_request)
{
    struct imap_frame_state st = { 0, 0, 0 };
    return imap_frame_resume(p, n, max_request, &st);
}

/* ---- tokens ----------------------------------------------------------- */

static void imap_toks_push(struct imap_toks *t, enum imap_tok_type type, char *p, size_t len,
                           int literal)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->t = realloc(t->t, (size_t)t->cap * sizeof *t->t);
        if (!t->t) abort();
    }
    t->t[t->n++] = (struct imap_tok){ type, p, len, literal };
}

void imap_toks_free(struct imap_toks *t)
{
    free(t->t);
    t->t = NULL;
    t->n = t->cap = 0;
}

/* Characters that end an atom outside brackets. */
static int imap_atom_end(char c)
{
    return c == ' ' || c == '(' || c == ')' || c == '"' || c == '{' || c == '\r' ||
           c == '\n' || c == '\0' || (unsigned char)c < 0x20 || c == 0x7f;
}

/* Scans an atom at s[*i]; inside [...] spaces and parentheses belong to
 * it ("BODY[HEADER.FIELDS (From)]<0.10>").  Returns -1 if unbalanced. */
static int imap_scan_atom(char *s, size_t len, size_t *i)
{
    int depth = 0;
    while (*i < len) {
        char c = s[*i];
        if (c == '[') depth++;
        else if (c == ']' && depth > 0) depth--;
        else if (depth == 0 && imap_atom_end(c)) break;
        else if (depth > 0 && (c == '\r' || c == '\n' || c == '\0')) return -1;
        (*i)++;
    }
    return depth ? -1 : 0;
}

/* Scans a quoted string starting after the opening quote; unescapes in
 * place and NUL-terminates.  Returns its length or -1. */
static long imap_scan_quoted(char *s, size_t len, size_t *i)
{
    size_t w = *i;
    char *start = s + *i;
    while (*i < len) {
        char c = s[(*i)++];
        if (c == '"') {
            s[w] = '\0';
            return (long)(s + w - start);
        }
        if (c == '\r' || c == '\n' || c == '\0') return -1;
        if (c == '\\') {
            if (*i >= len || (s[*i] != '"' && s[*i] != '\\')) return -1;
            c = s[(*i)++];
        }
        s[w++] = c;
    }
    return -1;
}

/* Scans "{N}\r\n" or "{N+}\r\n" then N bytes, from after the '{'. */
static int imap_scan_literal(char *s, size_t len, size_t *i, char **data, size_t *dlen)
{
    uint64_t v = 0;
    size_t digits = 0;
    while (*i < len && isdigit((unsigned char)s[*i]) && digits < 11) {
        v = v * 10 + (uint64_t)(s[(*i)++] - '0');
        digits++;
    }
    if (!digits) return -1;
    if (*i < len && s[*i] == '+') (*i)++;
    if (*i >= len || s[(*i)++] != '}') return -1;
    if (*i < len && s[*i] == '\r') (*i)++;
    if (*i >= len || s[(*i)++] != '\n') return -1;
    if (v > len - *i) return -1;
    *data = s + *i;
    *dlen = (size_t)v;
    *i += (size_t)v;
    return 0;
}

int imap_tokenize(char *s, size_t len, struct imap_toks *out, const char **err)
{
    size_t i = 0;
    int depth = 0;
    out->n = 0;
    /* the final line end */
    if (len && s[len - 1] == '\n') len--;
    if (len && s[len - 1] == '\r') len--;
    s[len] = '\0';
    while (i < len) {
        if (out->n >= IMAP_MAX_TOKENS) { *err = "too many arguments"; return -1; }
        char c = s[i];
        if (c == ' ') {
            i++;
            continue;
        }
        if (c == '(') {
            if (++depth > IMAP_MAX_DEPTH) { *err = "parentheses nested too deep"; return -1; }
            imap_toks_push(out, IMAP_T_LPAREN, s + i, 1, 0);
            i++;
        } else if (c == ')') {
            if (--depth < 0) { *err = "unbalanced parentheses"; return -1; }
            imap_toks_push(out, IMAP_T_RPAREN, s + i, 1, 0);
            s[i++] = '\0';
        } else if (c == '"') {
            i++;
            char *start = s + i;
            long n = imap_scan_quoted(s, len, &i);
            if (n < 0) { *err = "bad quoted string"; return -1; }
            imap_toks_push(out, IMAP_T_STRING, start, (size_t)n, 0);
        } else if (c == '{') {
            i++;
            char *data;
            size_t dlen;
            if (imap_scan_literal(s, len, &i, &data, &dlen) < 0) {
                *err = "bad literal";
                return -1;
            }
            if (memchr(data, '\0', dlen)) {
                *err = "NUL in literal";
                return -1;
            }
            imap_toks_push(out, IMAP_T_STRING, data, dlen, 1);
        } else if ((unsigned char)c < 0x20 || c == 0x7f) {
            *err = "control character in command";
            return -1;
        } else {
            size_t start = i;
            if (imap_scan_atom(s, len, &i) < 0) { *err = "unbalanced brackets"; return -1; }
            imap_toks_push(out, IMAP_T_ATOM, s + start, i - start, 0);
            if (i < len && s[i] != ' ' && s[i] != ')') {
                *err = "missing space between arguments";
                return -1;
            }
            if (i < len && s[i] == ' ') s[i++] = '\0';
        }
        /* Strings and literals end on a delimiter too. */
        if (c == '"' || c == '{') {
            if (i < len && s[i] != ' ' && s[i] != ')') {
                *err = "missing space between arguments";
                return -1;
            }
        }
    }
    if (depth) { *err = "unbalanced parentheses"; return -1; }
    /* NUL-terminate tokens whose delimiter was a space already overwritten,
     * and strings (quoted ones were terminated while unescaping). */
    for (int k = 0; k < out->n; k++)
        if (out->t[k].type == IMAP_T_STRING && out->t[k].literal) {
            /* literal data may be followed by ' ' or ')' or end; copying is
             * avoided by terminating in place when the next byte is a
             * delimiter we no longer need. */
            char *end = out->t[k].p + out->t[k].len;
            if (*end == ' ' || *end == '\0') *end = '\0';
        }
    return 0;
}

const char *imap_tok_str(const struct imap_toks *t, int i)
{
    if (i < 0 || i >= t->n) return NULL;
    if (t->t[i].type != IMAP_T_ATOM && t->t[i].type != IMAP_T_STRING) return NULL;
    return t->t[i].p;
}

/* ---- sequence sets ---------------------------------------------------- */

/* Parses a number or '*' at *s; advances it.  Returns 0 or -1. */
static int imap_seqnum(const char **s, uint64_t *v)
{
    if (**s == '*') {
        (*s)++;
        *v = IMAP_STAR;
        return 0;
    }
    if (!isdigit((unsigned char)**s) || **s == '0') return -1;
    uint64_t x = 0;
    while (isdigit((unsigned char)**s)) {
        x = x * 10 + (uint64_t)(*(*s)++ - '0');
        if (x >= IMAP_STAR) return -1;
    }
    *v = x;
    return 0;
}

int imap_seqset_parse(const char *s, struct imap_seqset *out)
{
    out->r = NULL;
    out->n = 0;
    int cap = 0;
    if (!s || !*s) return -1;
    for (;;) {
        uint64_t a, b;
        if (imap_seqnum(&s, &a) < 0) goto bad;
        b = a;
        if (*s == ':') {
            s++;
            if (imap_seqnum(&s, &b) < 0) goto bad;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 4;
            out->r = realloc(out->r, (size_t)cap * sizeof *out->r);
            if (!out->r) abort();
        }
        out->r[out->n++] = (struct imap_range){ a < b ? a : b, a < b ? b : a };
        if (*s == '\0') return 0;
        if (*s++ != ',') goto bad;
    }
bad:
    imap_seqset_free(out);
    return -1;
}

void imap_seqset_free(struct imap_seqset *s)
{
    free(s->r);
    s->r = NULL;
    s->n = 0;
}

int imap_seqset_has(const struct imap_seqset *s, uint32_t v, uint32_t star)
{
    for (int i = 0; i < s->n; i++) {
        uint64_t lo = s->r[i].lo == IMAP_STAR ? star : s->r[i].lo;
        uint64_t hi = s->r[i].hi == IMAP_STAR ? star : s->r[i].hi;
        if (lo > hi) { uint64_t x = lo; lo = hi; hi = x; }
        if (v >= lo && v <= hi) return 1;
    }
    return 0;
}

/* ---- flags ------------------------------------------------------------- */

static const struct { const char *name; unsigned bit; char letter; } imap_flag_tab[] = {
    /* in maildir letter order (ASCII) */
    { "\\Draft", IMAP_F_DRAFT, 'D' },   { "\\Flagged", IMAP_F_FLAGGED, 'F' },
    { "\\Answered", IMAP_F_ANSWERED, 'R' }, { "\\Seen", IMAP_F_SEEN, 'S' },
    { "\\Deleted", IMAP_F_DELETED, 'T' },
};
#define IMAP_NFLAGS (sizeof imap_flag_tab / sizeof imap_flag_tab[0])

unsigned imap_flag_bit(const char *s)
{
    for (size_t i = 0; i < IMAP_NFLAGS; i++)
        if (strcasecmp(s, imap_flag_tab[i].name) == 0) return imap_flag_tab[i].bit;
    return 0;
}

int imap_flags_parse(const struct imap_toks *t, int *i)
{
    unsigned bits = 0;
    if (*i >= t->n) return -1;
    int list = t->t[*i].type == IMAP_T_LPAREN;
    if (list) (*i)++;
    for (; *i < t->n; (*i)++) {
        const struct imap_tok *k = &t->t[*i];
        if (list && k->type == IMAP_T_RPAREN) { (*i)++; return (int)bits; }
        if (k->type != IMAP_T_ATOM) return -1;
        unsigned b = imap_flag_bit(k->p);
        if (!b) return -1;
        bits |= b;
        if (!list) { (*i)++; return (int)bits; }
    }
    return -1;
}

struct numstr imap_flags_fmt(unsigned flags)
{
    /* RFC order for readability: \Seen \Answered \Flagged \Deleted \Draft */
    static const unsigned order[] = { IMAP_F_SEEN, IMAP_F_ANSWERED, IMAP_F_FLAGGED,
                                      IMAP_F_DELETED, IMAP_F_DRAFT };
    struct numstr out = { "" };
    size_t w = 0;
    for (size_t o = 0; o < 5; o++) {
        if (!(flags & order[o])) continue;
        for (size_t i = 0; i < IMAP_NFLAGS; i++)
            if (imap_flag_tab[i].bit == order[o])
                w += (size_t)snprintf(out.s + w, sizeof out.s - w, "%s%s", w ? " " : "",
                                      imap_flag_tab[i].name);
    }
    return out;
}

unsigned imap_flags_from_maildir(const char *info)
{
    unsigned bits = 0;
    for (; *info; info++)
        for (size_t i = 0; i < IMAP_NFLAGS; i++)
            if (*info == imap_flag_tab[i].letter) bits |= imap_flag_tab[i].bit;
    return bits;
}

struct numstr imap_flags_maildir(unsigned flags)
{
    struct numstr out = { "" };
    size_t w = 0;
    for (size_t i = 0; i < IMAP_NFLAGS; i++)
        if (flags & imap_flag_tab[i].bit) out.s[w++] = imap_flag_tab[i].letter;
    return out;
}

void imap_flags_to_maildir(unsigned flags, char *dst, size_t n)
{
    snprintf(dst, n, "%s", imap_flags_maildir(flags).s);
}

/* ---- dates -------------------------------------------------------------- */

static const char *const imap_months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                             "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* Parses "d-Mon-yyyy" at *s, advancing it. */
static int imap_dmy(const char **s, struct tm *tm)
{
    const char *p = *s;
    int d = 0, nd = 0;
    if (*p == ' ') p++;                 /* date-day-fixed: " 7-Jul-..." */
    while (isdigit((unsigned char)*p) && nd < 2) d = d * 10 + (*p++ - '0'), nd++;
    if (!nd || d < 1 || d > 31 || *p++ != '-') return -1;
    int m = -1;
    for (int k = 0; k < 12; k++)
        if (strncasecmp(p, imap_months[k], 3) == 0) m = k;
    if (m < 0) return -1;
    p += 3;
    if (*p++ != '-') return -1;
    int y = 0;
    for (int k = 0; k < 4; k++) {
        if (!isdigit((unsigned char)*p)) return -1;
        y = y * 10 + (*p++ - '0');
    }
    memset(tm, 0, sizeof *tm);
    tm->tm_mday = d;
    tm->tm_mon = m;
    tm->tm_year = y - 1900;
    *s = p;
    return 0;
}

int imap_date_parse(const char *s, time_t *out)
{
    struct tm tm;
    if (imap_dmy(&s, &tm) < 0 || *s) return -1;
    *out = timegm(&tm);
    return 0;
}

int imap_datetime_parse(const char *s, time_t *out)
{
    struct tm tm;
    if (imap_dmy(&s, &tm) < 0) return -1;
    int hh, mm, ss, zone, used = 0;
    char sign;
    if (sscanf(s, " %2d:%2d:%2d %c%4d%n", &hh, &mm, &ss, &sign, &zone, &used) != 5 ||
        s[used] || (sign != '+' && sign != '-') || hh > 23 || mm > 59 || ss > 60 ||
        hh < 0 || mm < 0 || ss < 0 || zone < 0)
        return -1;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    long off = (zone / 100) * 3600L + (zone % 100) * 60L;
    *out = timegm(&tm) - (sign == '-' ? -off : off);
    return 0;
}

struct numstr imap_datetime_fmt(time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    return numstr_fmt("%02d-%s-%04d %02d:%02d:%02d +0000", tm.tm_mday, imap_months[tm.tm_mon],
                      tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* ---- FETCH attributes --------------------------------------------------- */

static void imap_fetch_push(struct imap_fetch *f, struct imap_fetch_att a)
{
    f->a = realloc(f->a, (size_t)(f->n + 1) * sizeof *f->a);
    if (!f->a) abort();
    f->a[f->n++] = a;
}

void imap_fetch_free(struct imap_fetch *f)
{
    for (int i = 0; i < f->n; i++) {
        free(f->a[i].fields);
        free(f->a[i].name);
    }
    free(f->a);
    f->a = NULL;
    f->n = 0;
}

/* Parses "(From Subject)" (already without brackets) into NUL-separated
 * names ended by an empty name.  Returns NULL if malformed. */
static char *imap_fields_parse(const char *s, size_t len)
{
    if (len < 2 || s[0] != '(' || s[len - 1] != ')') return NULL;
    char *out = malloc(len + 1), *w = out;
    if (!out) abort();
    size_t i = 1;
    int names = 0;
    while (i < len - 1) {
        if (s[i] == ' ') { i++; continue; }
        if (s[i] == '"') {                  /* quoted field names are rare; refuse */
            free(out);
            return NULL;
        }
        while (i < len - 1 && s[i] != ' ' && (unsigned char)s[i] > 0x20 && s[i] != ':' &&
               s[i] != '(' && s[i] != ')')
            *w++ = s[i++];
        if (i < len - 1 && s[i] != ' ') { free(out); return NULL; }
        *w++ = '\0';
        names++;
    }
    *w = '\0';
    if (!names) { free(out); return NULL; }
    return out;
}

/* Parses one "BODY[...]<a.b>" / "BODY.PEEK[...]" attribute. */
static int imap_fetch_body(const char *s, struct imap_fetch_att *a)
{
    const char *lb = strchr(s, '[');
    const char *rb = strrchr(s, ']');
    if (!lb || !rb || rb < lb) return -1;
    const char *sec = lb + 1;
    size_t slen = (size_t)(rb - sec);
    if (slen == 0) a->section = IMAP_SEC_ALL;
    else if (slen == 6 && strncasecmp(sec, "HEADER", 6) == 0) a->section = IMAP_SEC_HEADER;
    else if (slen == 4 && strncasecmp(sec, "TEXT", 4) == 0) a->section = IMAP_SEC_TEXT;
    else if (slen > 18 && strncasecmp(sec, "HEADER.FIELDS.NOT ", 18) == 0) {
        a->section = IMAP_SEC_FIELDS_NOT;
        if (!(a->fields = imap_fields_parse(sec + 18, slen - 18))) return -1;
    } else if (slen > 14 && strncasecmp(sec, "HEADER.FIELDS ", 14) == 0) {
        a->section = IMAP_SEC_FIELDS;
        if (!(a->fields = imap_fields_parse(sec + 14, slen - 14))) return -1;
    } else
        return -1;
    const char *p = rb + 1;
    if (*p == '<') {
        char *end;
        if (!isdigit((unsigned char)p[1])) return -1;
        a->start = strtoull(p + 1, &end, 10);
        if (*end != '.' || !isdigit((unsigned char)end[1])) return -1;
        a->count = strtoull(end + 1, &end, 10);
        if (*end != '>' || end[1] || a->count == 0 || a->start > UINT32_MAX ||
            a->count > UINT32_MAX)
            return -1;
        a->partial = 1;
    } else if (*p) {
        return -1;
    }
    return 0;
}

/* The answer's name for a BODY attribute s: ".PEEK" and "<...>" dropped. */
static char *imap_body_label(const char *s, int peek)
{
    char *l;
    const char *end = strrchr(s, ']');
    if (asprintf(&l, "BODY%.*s", (int)(end - s) - (peek ? 9 : 4) + 1, s + (peek ? 9 : 4)) < 0)
        abort();
    return l;
}

/* Parses one fetch attribute atom into f. */
static int imap_fetch_one(const char *s, struct imap_fetch *f)
{
    static const struct { const char *name; enum imap_fetch_kind kind; } simple[] = {
        { "FLAGS", IMAP_FA_FLAGS }, { "UID", IMAP_FA_UID }, { "RFC822.SIZE", IMAP_FA_SIZE },
        { "INTERNALDATE", IMAP_FA_INTERNALDATE }, { "ENVELOPE", IMAP_FA_ENVELOPE },
    };
    struct imap_fetch_att a = { 0 };
    for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++)
        if (strcasecmp(s, simple[i].name) == 0) {
            a.kind = simple[i].kind;
            if (!(a.name = strdup(simple[i].name))) abort();
            imap_fetch_push(f, a);
            return 0;
        }
    a.kind = IMAP_FA_BODY;
    if (strcasecmp(s, "RFC822") == 0) {
        a.name = strdup("RFC822");
    } else if (strcasecmp(s, "RFC822.HEADER") == 0) {
        a.name = strdup("RFC822.HEADER");
        a.section = IMAP_SEC_HEADER;
        a.peek = 1;
    } else if (strcasecmp(s, "RFC822.TEXT") == 0) {
        a.name = strdup("RFC822.TEXT");
        a.section = IMAP_SEC_TEXT;
    } else if (strncasecmp(s, "BODY[", 5) == 0 || strncasecmp(s, "BODY.PEEK[", 10) == 0) {
        a.peek = s[4] == '.';
        if (imap_fetch_body(s, &a) < 0) {
            free(a.fields);
            return -1;
        }
        a.name = imap_body_label(s, a.peek);
    } else {
        return -1;
    }
    if (!a.name) abort();
    imap_fetch_push(f, a);
    return 0;
}

int imap_fetch_parse(const struct imap_toks *t, int *i, struct imap_fetch *out, const char **err)
{
    static const char *const macros[][5] = {
        { "ALL", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE" },
        { "FAST", "FLAGS", "INTERNALDATE", "RFC822.SIZE", NULL },
        { "FULL", "FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE" },
    };
    out->a = NULL;
    out->n = 0;
    *err = "bad fetch attribute";
    if (*i >= t->n) { *err = "missing fetch attributes"; return -1; }
    const struct imap_tok *k = &t->t[*i];
    if (k->type == IMAP_T_ATOM) {
        for (size_t m = 0; m < 3; m++)
            if (strcasecmp(k->p, macros[m][0]) == 0) {
                for (int j = 1; j < 5 && macros[m][j]; j++) imap_fetch_one(macros[m][j], out);
                (*i)++;
                return 0;
            }
        if (imap_fetch_one(k->p, out) < 0) goto bad;
        (*i)++;
        return 0;
    }
    if (k->type != IMAP_T_LPAREN) goto bad;
    int bodies = 0;
    for ((*i)++; *i < t->n && t->t[*i].type == IMAP_T_ATOM; (*i)++) {
        if (imap_fetch_one(t->t[*i].p, out) < 0) goto bad;
        if (out->a[out->n - 1].kind == IMAP_FA_BODY && ++bodies > IMAP_MAX_FETCH_BODIES) {
            *err = "too many body sections in one FETCH";
            goto bad;
        }
    }
    if (*i >= t->n || t->t[*i].type != IMAP_T_RPAREN || out->n == 0) goto bad;
    (*i)++;
    return 0;
bad:
    imap_fetch_free(out);
    return -1;
}

/* ---- SEARCH -------------------------------------------------------------- */

static int imap_search_new(struct imap_search *s, enum imap_search_op op)
{
    if (s->count == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 8;
        s->n = realloc(s->n, (size_t)s->cap * sizeof *s->n);
        if (!s->n) abort();
    }
    s->n[s->count] = (struct imap_search_node){ .op = op, .kid = -1, .next = -1 };
    return s->count++;
}

void imap_search_free(struct imap_search *s)
{
    for (int i = 0; i < s->count; i++) imap_seqset_free(&s->n[i].set);
    free(s->n);
    s->n = NULL;
    s->count = s->cap = 0;
}

static int imap_search_key(const struct imap_toks *t, int *i, struct imap_search *s,
                           const char **err, int depth);

/* Parses keys until ')' (in a list) or the end; links them as children of
 * node parent.  Returns 0 or -1. */
static int imap_search_keys(const struct imap_toks *t, int *i, struct imap_search *s,
                            int parent, int in_list, const char **err, int depth)
{
    int last = -1;
    while (*i < t->n && !(in_list && t->t[*i].type == IMAP_T_RPAREN)) {
        int k = imap_search_key(t, i, s, err, depth);
        if (k < 0) return -1;
        if (last < 0) s->n[parent].kid = k; else s->n[last].next = k;
        last = k;
    }
    if (last < 0) { *err = "missing search criteria"; return -1; }
    if (in_list) {
        if (*i >= t->n) { *err = "unbalanced parentheses"; return -1; }
        (*i)++;
    }
    return 0;
}

/* The string argument at *i (astring), advancing it; NULL if missing. */
static const char *imap_search_arg(const struct imap_toks *t, int *i)
{
    const char *a = imap_tok_str(t, *i);
    if (a) (*i)++;
    return a;
}

static const struct { const char *name; unsigned flag; int neg; } imap_search_flags[] = {
    { "SEEN", IMAP_F_SEEN, 0 },         { "UNSEEN", IMAP_F_SEEN, 1 },
    { "ANSWERED", IMAP_F_ANSWERED, 0 }, { "UNANSWERED", IMAP_F_ANSWERED, 1 },
    { "FLAGGED", IMAP_F_FLAGGED, 0 },   { "UNFLAGGED", IMAP_F_FLAGGED, 1 },
    { "DELETED", IMAP_F_DELETED, 0 },   { "UNDELETED", IMAP_F_DELETED, 1 },
    { "DRAFT", IMAP_F_DRAFT, 0 },       { "UNDRAFT", IMAP_F_DRAFT, 1 },
};
static const char *const imap_search_headers[] = { "FROM", "TO", "CC", "BCC", "SUBJECT" };

/* Parses one search key at *i; returns its node index or -1. */
static int imap_search_key(const struct imap_toks *t, int *i, struct imap_search *s,
                           const char **err, int depth)
{
    if (depth > IMAP_MAX_DEPTH) { *err = "search nested too deep"; return -1; }
    const struct imap_tok *k = &t->t[*i];
    int n;
    if (k->type == IMAP_T_LPAREN) {
        (*i)++;
        n = imap_search_new(s, IMAP_S_AND);
        return imap_search_keys(t, i, s, n, 1, err, depth + 1) < 0 ? -1 : n;
    }
    if (k->type != IMAP_T_ATOM) { *err = "bad search key"; return -1; }
    const char *w = k->p;
    (*i)++;
    if (strcasecmp(w, "ALL") == 0) return imap_search_new(s, IMAP_S_ALL);
    for (size_t f = 0; f < sizeof imap_search_flags / sizeof imap_search_flags[0]; f++)
        if (strcasecmp(w, imap_search_flags[f].name) == 0) {
            n = imap_search_new(s, imap_search_flags[f].neg ? IMAP_S_NOFLAG : IMAP_S_FLAG);
            s->n[n].flag = imap_search_flags[f].flag;
            return n;
        }
    for (size_t h = 0; h < sizeof imap_search_headers / sizeof imap_search_headers[0]; h++)
        if (strcasecmp(w, imap_search_headers[h]) == 0) {
            const char *a = imap_search_arg(t, i);
            if (!a) { *err = "missing search string"; return -1; }
            n = imap_search_new(s, IMAP_S_HEADER);
            s->n[n].header = imap_search_headers[h];
            s->n[n].str = a;
            return n;
        }
    if (strcasecmp(w, "HEADER") == 0 || strcasecmp(w, "BODY") == 0 || strcasecmp(w, "TEXT") == 0) {
        int hdr = toupper((unsigned char)w[0]) == 'H';
        const char *name = hdr ? imap_search_arg(t, i) : NULL;
        const char *a = imap_search_arg(t, i);
        if (!a || (hdr && !name)) { *err = "missing search string"; return -1; }
        if (!hdr && ++s->texts > IMAP_MAX_SEARCH_TEXT) {
            *err = "too many BODY/TEXT keys in one SEARCH";
            return -1;
        }
        n = imap_search_new(s, hdr ? IMAP_S_HEADER : IMAP_S_BODY);
        s->n[n].header = name;
        s->n[n].str = a;
        return n;
    }
    static const struct { const char *name; enum imap_search_op op; } dates[] = {
        { "SINCE", IMAP_S_SINCE }, { "BEFORE", IMAP_S_BEFORE }, { "ON", IMAP_S_ON },
    };
    for (size_t d = 0; d < 3; d++)
        if (strcasecmp(w, dates[d].name) == 0) {
            const char *a = imap_search_arg(t, i);
            time_t when;
            if (!a || imap_date_parse(a, &when) < 0) { *err = "bad search date"; return -1; }
            n = imap_search_new(s, dates[d].op);
            s->n[n].date = when;
            return n;
        }
    if (strcasecmp(w, "LARGER") == 0 || strcasecmp(w, "SMALLER") == 0) {
        const char *a = imap_search_arg(t, i);
        char *end;
        if (!a || !isdigit((unsigned char)*a)) { *err = "bad search size"; return -1; }
        uint64_t v = strtoull(a, &end, 10);
        if (*end) { *err = "bad search size"; return -1; }
        n = imap_search_new(s, toupper((unsigned char)w[0]) == 'L' ? IMAP_S_LARGER : IMAP_S_SMALLER);
        s->n[n].size = v;
        return n;
    }
    if (strcasecmp(w, "NOT") == 0 || strcasecmp(w, "OR") == 0) {
        int is_or = toupper((unsigned char)w[0]) == 'O';
        n = imap_search_new(s, is_or ? IMAP_S_OR : IMAP_S_NOT);
        if (*i >= t->n) { *err = "missing search key"; return -1; }
        int a = imap_search_key(t, i, s, err, depth + 1);
        if (a < 0) return -1;
        s->n[n].kid = a;
        if (is_or) {
            if (*i >= t->n) { *err = "missing search key"; return -1; }
            int b = imap_search_key(t, i, s, err, depth + 1);
            if (b < 0) return -1;
            s->n[a].next = b;
        }
        return n;
    }
    int uid = strcasecmp(w, "UID") == 0;
    if (uid) {
        w = imap_search_arg(t, i);
        if (!w) { *err = "missing UID set"; return -1; }
    }
    struct imap_seqset set;
    if (imap_seqset_parse(w, &set) < 0) { *err = "unknown search key"; return -1; }
    n = imap_search_new(s, uid ? IMAP_S_UID : IMAP_S_SEQ);
    s->n[n].set = set;
    return n;
}

int imap_search_parse(const struct imap_toks *t, int *i, struct imap_search *out,
                      const char **err)
{
    out->n = NULL;
    out->count = out->cap = out->texts = 0;
    /* CHARSET US-ASCII / UTF-8: both are searched byte-wise */
    if (*i < t->n && t->t[*i].type == IMAP_T_ATOM && strcasecmp(t->t[*i].p, "CHARSET") == 0) {
        const char *cs = imap_tok_str(t, *i + 1);
        if (!cs || (strcasecmp(cs, "US-ASCII") && strcasecmp(cs, "UTF-8"))) {
            *err = "[BADCHARSET (US-ASCII UTF-8)] unsupported charset";
            return -1;
        }
        *i += 2;
    }
    int root = imap_search_new(out, IMAP_S_AND);
    if (imap_search_keys(t, i, out, root, 0, err, 0) < 0) {
        imap_search_free(out);
        return -1;
    }
    return 0;
}
