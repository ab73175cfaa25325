/* db_fn.c — linear-time instr() and replace() for the db server (see
 * db_fn.h for why).  Semantics follow SQLite's built-ins: NULL in, NULL
 * out; instr counts characters unless both arguments are blobs; an empty
 * needle is found at 1 and replaces nothing; replace's result obeys the
 * connection's SQLITE_LIMIT_LENGTH (SQLITE_TOOBIG).
 *
 * The search is Knuth-Morris-Pratt rather than memmem or memchr: glibc's
 * memmem is linear too, but sanitizer builds intercept both and check the
 * whole haystack on every call, which makes replace() quadratic there. */
#include "roles/db_fn.h"

#include <stdint.h>
#include <string.h>

/* A needle prepared for searching: KMP's failure table (NULL for an
 * empty needle).  db_fn_needle_init returns 0, or -1 out of memory. */
struct db_fn_needle {
    const unsigned char *p;
    size_t n;
    uint32_t *fail;             /* sqlite3_malloc'd; freed by db_fn_needle_free */
};

static int db_fn_needle_init(struct db_fn_needle *nd, const unsigned char *p, size_t n)
{
    nd->p = p;
    nd->n = n;
    nd->fail = NULL;
    if (n == 0) return 0;
    nd->fail = sqlite3_malloc64(n * sizeof *nd->fail);
    if (!nd->fail) return -1;
    nd->fail[0] = 0;
    for (size_t i = 1, k = 0; i < n; i++) {
        while (k && p[i] != p[k]) k = nd->fail[k - 1];
        if (p[i] == p[k]) k++;
        nd->fail[i] = (uint32_t)k;
    }
    return 0;
}

static void db_fn_needle_free(struct db_fn_needle *nd) { sqlite3_free(nd->fail); }

/* The first occurrence of the needle (not empty) in h[0..hn), or NULL;
 * linear in hn. */
static const unsigned char *db_fn_find(const struct db_fn_needle *nd, const unsigned char *h,
                                       size_t hn)
{
    for (size_t i = 0, k = 0; i < hn; i++) {
        while (k && h[i] != nd->p[k]) k = nd->fail[k - 1];
        if (h[i] == nd->p[k] && ++k == nd->n) return h + i + 1 - nd->n;
    }
    return NULL;
}

/* Characters (UTF-8 lead bytes) in p[0..n). */
static long db_fn_chars(const unsigned char *p, size_t n)
{
    long c = 0;
    for (size_t i = 0; i < n; i++) c += (p[i] & 0xc0) != 0x80;
    return c;
}

/* The bytes of v as text, or as a blob when blob; "" for an empty value.
 * The pointer is SQLite's (valid until v changes); NULL: out of memory. */
static const unsigned char *db_fn_bytes(sqlite3_value *v, int blob, size_t *n)
{
    const void *p = blob ? sqlite3_value_blob(v) : (const void *)sqlite3_value_text(v);
    *n = (size_t)sqlite3_value_bytes(v);
    if (!p && *n == 0) p = "";
    return p;
}

static void db_fn_instr(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int t0 = sqlite3_value_type(argv[0]), t1 = sqlite3_value_type(argv[1]);
    if (t0 == SQLITE_NULL || t1 == SQLITE_NULL) return;
    int blob = t0 == SQLITE_BLOB && t1 == SQLITE_BLOB;
    size_t hn, nn;
    const unsigned char *h = db_fn_bytes(argv[0], blob, &hn);
    const unsigned char *n = db_fn_bytes(argv[1], blob, &nn);
    struct db_fn_needle nd;
    if (!h || !n || db_fn_needle_init(&nd, n, nn)) { sqlite3_result_error_nomem(cx); return; }
    const unsigned char *at = nn ? db_fn_find(&nd, h, hn) : h;
    db_fn_needle_free(&nd);
    if (!at) { sqlite3_result_int64(cx, 0); return; }
    size_t off = (size_t)(at - h);
    sqlite3_result_int64(cx, 1 + (blob ? (long)off : db_fn_chars(h, off)));
}

/* Writes s[0..sn) with every occurrence of the needle replaced by
 * rep[0..rn) into r, which has room for it and a NUL. */
static void db_fn_fill(char *r, const struct db_fn_needle *nd, const unsigned char *s, size_t sn,
                       const unsigned char *rep, size_t rn)
{
    const unsigned char *p = s, *end = s + sn, *at;
    while ((at = db_fn_find(nd, p, (size_t)(end - p)))) {
        memcpy(r, p, (size_t)(at - p));
        r += at - p;
        memcpy(r, rep, rn);
        r += rn;
        p = at + nd->n;
    }
    memcpy(r, p, (size_t)(end - p));
    r[end - p] = '\0';
}

static void db_fn_replace(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    size_t sn, pn, rn;
    const unsigned char *s = db_fn_bytes(argv[0], 0, &sn);
    const unsigned char *pat = db_fn_bytes(argv[1], 0, &pn);
    if (!s || !pat) { sqlite3_result_error_nomem(cx); return; }
    if (pn == 0) { sqlite3_result_value(cx, argv[0]); return; }
    if (sqlite3_value_type(argv[2]) == SQLITE_NULL) return;
    const unsigned char *rep = db_fn_bytes(argv[2], 0, &rn);
    struct db_fn_needle nd;
    if (!rep || db_fn_needle_init(&nd, pat, pn)) { sqlite3_result_error_nomem(cx); return; }
    uint64_t hits = 0;
    for (const unsigned char *p = s, *at; (at = db_fn_find(&nd, p, (size_t)(s + sn - p))); p = at + pn)
        hits++;
    uint64_t len = sn + hits * rn - hits * pn;
    int toobig = len > (uint64_t)sqlite3_limit(sqlite3_context_db_handle(cx), SQLITE_LIMIT_LENGTH, -1);
    char *r = toobig ? NULL : sqlite3_malloc64(len + 1);
    if (r) db_fn_fill(r, &nd, s, sn, rep, rn);
    db_fn_needle_free(&nd);
    if (toobig) sqlite3_result_error_toobig(cx);
    else if (!r) sqlite3_result_error_nomem(cx);
    else sqlite3_result_text64(cx, r, len, sqlite3_free, SQLITE_UTF8);
}

int db_fn_register(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function(db, "instr", 2, flags, NULL, db_fn_instr, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "replace", 3, flags, NULL, db_fn_replace, NULL, NULL);
    return rc;
}
