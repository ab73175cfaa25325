/* db_fn.c — linear-time instr() and replace() for the db server (see
 * db_fn.h for why).  Semantics follow SQLite's built-ins: NULL in, NULL
 * out; instr counts characters unless both arguments are blobs; an empty
 * needle is found at 1 and replaces nothing; replace's result obeys the
 * connection's SQLITE_LIMIT_LENGTH (SQLITE_TOOBIG). */
#include "roles/db_fn.h"

#include <string.h>

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
    if (!h || !n) { sqlite3_result_error_nomem(cx); return; }
    const unsigned char *at = nn ? memmem(h, hn, n, nn) : h;
    if (!at) { sqlite3_result_int64(cx, 0); return; }
    size_t off = (size_t)(at - h);
    sqlite3_result_int64(cx, 1 + (blob ? (long)off : db_fn_chars(h, off)));
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
    if (!rep) { sqlite3_result_error_nomem(cx); return; }
    sqlite3_str *out = sqlite3_str_new(sqlite3_context_db_handle(cx));
    const unsigned char *p = s, *end = s + sn, *at;
    while ((at = memmem(p, (size_t)(end - p), pat, pn)) && !sqlite3_str_errcode(out)) {
        sqlite3_str_append(out, (const char *)p, (int)(at - p));
        sqlite3_str_append(out, (const char *)rep, (int)rn);
        p = at + pn;
    }
    sqlite3_str_append(out, (const char *)p, (int)(end - p));
    int err = sqlite3_str_errcode(out);
    int len = sqlite3_str_length(out);
    char *r = sqlite3_str_finish(out);
    if (err == SQLITE_TOOBIG) sqlite3_result_error_toobig(cx);
    else if (err) sqlite3_result_error_nomem(cx);
    else sqlite3_result_text(cx, r ? r : "", len, SQLITE_TRANSIENT);
    sqlite3_free(r);
}

int db_fn_register(sqlite3 *db)
{
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function(db, "instr", 2, flags, NULL, db_fn_instr, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "replace", 3, flags, NULL, db_fn_replace, NULL, NULL);
    return rc;
}
