/* imap.h — the IMAP4rev1 command parser (RFC 3501 section 9).
 *
 * Parsing happens in stages, each a pure function of its input so the
 * fuzz target and the unit tests can drive it without a server:
 *
 *   imap_frame     finds where one command ends in a byte stream, literals
 *                  included, and says when the client waits for a "+"
 *                  continuation request before sending a literal;
 *   imap_tokenize  splits one framed command (copied into a writable
 *                  buffer) into atoms, strings (quoted or literal) and
 *                  parentheses, unescaping quoted strings in place;
 *   imap_seqset_*  sequence sets ("1:4,7,9:*");
 *   imap_fetch_parse, imap_search_parse, imap_flags_parse, imap_date_parse
 *                  the arguments of FETCH, SEARCH, STORE/APPEND.
 *
 * Nothing here allocates except imap_seqset_parse and the token and search
 * arrays, which belong to the caller (free with the matching _free). */
#ifndef HOSTMIX_PROTO_IMAP_H
#define HOSTMIX_PROTO_IMAP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"

#define IMAP_MAX_LINE   8192    /* bytes of one line between literals */
#define IMAP_MAX_TOKENS 4096    /* tokens of one command */
#define IMAP_MAX_DEPTH  16      /* nesting of parentheses */
#define IMAP_MAX_FETCH_BODIES 16 /* BODY[...]/RFC822* attributes of one FETCH */
#define IMAP_MAX_SEARCH_TEXT 16  /* BODY/TEXT keys of one SEARCH */

/* ---- framing --------------------------------------------------------- */

enum imap_frame_status {
    IMAP_FRAME_DONE,        /* one command of len bytes is complete */
    IMAP_FRAME_MORE,        /* incomplete; see lit_* when waiting in a literal */
    IMAP_FRAME_LONG_LINE,   /* a line longer than IMAP_MAX_LINE */
    IMAP_FRAME_BIG_LITERAL, /* a literal that would exceed max_request */
};

struct imap_frame {
    enum imap_frame_status status;
    size_t len;             /* DONE: bytes of the command, final CRLF included;
                               BIG_LITERAL: bytes of the command up to the literal */
    int lit_index;          /* MORE: index of the literal being waited for, or -1 */
    int lit_sync;           /* MORE/BIG_LITERAL: 1 for {N}, 0 for LITERAL+ {N+} */
    uint64_t lit_size;      /* BIG_LITERAL: its announced size */
};

/* If the line p[0..len) (CRLF stripped) ends in "{N}" or "{N+}", stores N
 * and whether it is synchronising; returns 1.  Otherwise 0.  The one scan
 * of a literal announced at a line's end, for the server's framing and
 * the driver's reading of the server's answers. */
int imap_line_literal(const char *p, size_t len, uint64_t *size, int *sync);
/* Looks for one complete command at the start of p[0..n).  max_request
 * bounds the command's total size, literals included. */
struct imap_frame imap_frame(const char *p, size_t n, size_t max_request);

/* How far framing got through an incomplete command, so that the next
 * call, with more bytes appended, resumes there instead of rescanning
 * every line and literal before (a command of many small literals would
 * otherwise cost quadratic time).  Zero it for a new command. */
struct imap_frame_state {
    size_t line;            /* start of the line being scanned */
    size_t scanned;         /* bytes of that line searched for its end */
    int lit;                /* literals passed */
};

/* imap_frame, resuming from *st; st is reset when the command is complete
 * or refused (any status but IMAP_FRAME_MORE).  p must start at the same
 * command, and hold at least the bytes of the previous call. */
struct imap_frame imap_frame_resume(const char *p, size_t n, size_t max_request,
                                    struct imap_frame_state *st);

/* ---- tokens ---------------------------------------------------------- */

enum imap_tok_type { IMAP_T_ATOM, IMAP_T_STRING, IMAP_T_LPAREN, IMAP_T_RPAREN };

struct imap_tok {
    enum imap_tok_type type;
    char *p;                /* into the command buffer; NUL-terminated */
    size_t len;
    int literal;            /* IMAP_T_STRING that came as a literal */
};

struct imap_toks {
    struct imap_tok *t;     /* owned; imap_toks_free */
    int n, cap;
};

/* Splits the command in s[0..len) (s[len] must be writable: the last CRLF
 * is replaced by NUL; quoted strings are unescaped in place).  Returns 0,
 * or -1 with a reason in *err (a static string).  A literal holding NUL
 * is refused: RFC 3501's literals are CHAR8 (%x01-ff), and the server
 * uses strings as C strings. */
int imap_tokenize(char *s, size_t len, struct imap_toks *out, const char **err);
void imap_toks_free(struct imap_toks *t);

/* astring/string value of token i (atom or string), or NULL. */
const char *imap_tok_str(const struct imap_toks *t, int i);

/* ---- sequence sets ----------------------------------------------------- */

struct imap_range { uint64_t lo, hi; };     /* inclusive; IMAP_STAR = '*' */
struct imap_seqset {
    struct imap_range *r;   /* owned; imap_seqset_free */
    int n;
};
/* '*': above every number a set may name (1..4294967295, RFC 3501). */
#define IMAP_STAR ((uint64_t)UINT32_MAX + 1)

/* Parses "1:4,7,9:*".  Returns 0, or -1 if malformed. */
int imap_seqset_parse(const char *s, struct imap_seqset *out);
void imap_seqset_free(struct imap_seqset *s);
/* Is v in the set, with '*' standing for star (the largest number)? */
int imap_seqset_has(const struct imap_seqset *s, uint32_t v, uint32_t star);

/* ---- flags ------------------------------------------------------------- */

enum {
    IMAP_F_SEEN = 1, IMAP_F_ANSWERED = 2, IMAP_F_FLAGGED = 4,
    IMAP_F_DELETED = 8, IMAP_F_DRAFT = 16,
};
/* Parses one system flag name ("\Seen"); returns its bit or 0. */
unsigned imap_flag_bit(const char *s);
/* Parses a flag list at token *i: "(\Seen \Deleted)" or a single flag.
 * Advances *i.  Returns the bits, or -1 if malformed or unknown. */
int imap_flags_parse(const struct imap_toks *t, int *i);
/* "\Seen \Deleted" (space-separated, no parentheses; at most the five
 * system flags, 39 characters). */
struct numstr imap_flags_fmt(unsigned flags);
/* Maildir info letters ("FS") <-> bits; letters in ASCII order. */
unsigned imap_flags_from_maildir(const char *info);
struct numstr imap_flags_maildir(unsigned flags);
/* imap_flags_maildir into dst (the form the data-set generator uses). */
void imap_flags_to_maildir(unsigned flags, char *dst, size_t n);

/* ---- dates -------------------------------------------------------------- */

/* Parses an IMAP date "1-Feb-1994" (SEARCH) into the UTC midnight time.
 * Returns 0 or -1. */
int imap_date_parse(const char *s, time_t *out);
/* Parses a date-time "17-Jul-1996 02:44:25 -0700" (APPEND).  Returns 0 or -1. */
int imap_datetime_parse(const char *s, time_t *out);
/* t as an IMAP date-time in UTC ("17-Jul-1996 09:44:25 +0000"). */
struct numstr imap_datetime_fmt(time_t t);

/* ---- FETCH attributes -------------------------------------------------- */

enum imap_fetch_kind {
    IMAP_FA_FLAGS, IMAP_FA_UID, IMAP_FA_SIZE, IMAP_FA_INTERNALDATE, IMAP_FA_ENVELOPE,
    IMAP_FA_BODY,           /* BODY[section]<partial> and RFC822* */
};
enum imap_section { IMAP_SEC_ALL, IMAP_SEC_HEADER, IMAP_SEC_TEXT, IMAP_SEC_FIELDS,
                    IMAP_SEC_FIELDS_NOT };

struct imap_fetch_att {
    enum imap_fetch_kind kind;
    enum imap_section section;
    int peek;               /* BODY.PEEK / RFC822.HEADER: do not set \Seen */
    int partial;            /* <start.count> given */
    uint64_t start, count;
    char *name;             /* how the answer names it ("RFC822.SIZE", "BODY[HEADER]"),
                               without the <start> of a partial fetch; owned */
    char *fields;           /* HEADER.FIELDS names, NUL-separated, "" ended; owned */
};

struct imap_fetch {
    struct imap_fetch_att *a;   /* owned; imap_fetch_free */
    int n;
};

/* Parses the fetch attributes at token *i (an atom, a macro ALL/FAST/FULL,
 * or a parenthesised list).  Returns 0, or -1 with a reason in *err.
 * At most IMAP_MAX_FETCH_BODIES body attributes: each answers a copy of
 * the message, so an 8 KiB line of "BODY[]" would otherwise ask for over
 * a thousand copies of every message in the set. */
int imap_fetch_parse(const struct imap_toks *t, int *i, struct imap_fetch *out, const char **err);
void imap_fetch_free(struct imap_fetch *f);

/* ---- SEARCH -------------------------------------------------------------- */

enum imap_search_op {
    IMAP_S_ALL, IMAP_S_FLAG, IMAP_S_NOFLAG, IMAP_S_HEADER, IMAP_S_BODY, IMAP_S_SINCE,
    IMAP_S_BEFORE, IMAP_S_ON, IMAP_S_LARGER, IMAP_S_SMALLER, IMAP_S_UID, IMAP_S_SEQ,
    IMAP_S_NOT, IMAP_S_OR, IMAP_S_AND,
};

/* A search program as a tree stored in one array: node 0 is the root (an
 * AND of the top-level keys). */
struct imap_search_node {
    enum imap_search_op op;
    unsigned flag;              /* FLAG/NOFLAG */
    const char *header;         /* HEADER: field name ("From", "Subject", ...) */
    const char *str;            /* HEADER/BODY: substring; points into tokens */
    time_t date;                /* SINCE/BEFORE/ON */
    uint64_t size;              /* LARGER/SMALLER */
    struct imap_seqset set;     /* UID/SEQ (owned) */
    int kid, next;              /* first child, next sibling (-1: none) */
};

struct imap_search {
    struct imap_search_node *n; /* owned; imap_search_free */
    int count, cap;
    int texts;                  /* BODY/TEXT keys */
};

/* Parses search keys from token *i to the end.  Returns 0, or -1 with a
 * reason in *err.  At most IMAP_MAX_SEARCH_TEXT BODY/TEXT keys: each
 * reads and scans every message's whole text. */
int imap_search_parse(const struct imap_toks *t, int *i, struct imap_search *out,
                      const char **err);
void imap_search_free(struct imap_search *s);

#endif
