/* t_db_fn.c — the db server's linear instr() and replace() answer as
 * SQLite's built-ins do, and stay fast on input that makes those take
 * minutes. */
#include "test.h"
#include "roles/db_fn.h"
#include "core/clock.h"

#include <stdio.h>
#include <string.h>

/* The first column of the first row of sql on db as text ("NULL" for
 * NULL, "ERR:code" on error), into out. */
static void t_db_eval(sqlite3 *db, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, n, "%s", t ? (const char *)t : "NULL");
    } else {
        snprintf(out, n, "ERR:%d", rc);
    }
    sqlite3_finalize(st);
}

TEST(db_fn_same_answers_as_sqlite)
{
    static const char *const exprs[] = {
        "instr('hello', 'l')", "instr('hello', 'z')", "instr('hello', '')", "instr('', '')",
        "instr('héllo wörld', 'wö')", "instr(x'00010203', x'0203')", "instr(x'0001', '1')",
        "instr(12345, 34)", "instr(NULL, 'a')", "instr('a', NULL)", "instr(x'', x'')",
        "replace('hello', 'l', 'LL')", "replace('hello', '', 'x')", "replace('aaaa', 'aa', 'b')",
        "replace('héllo', 'é', 'e')", "replace(NULL, 'a', 'b')", "replace('a', NULL, 'b')",
        "replace('a', 'a', NULL)", "replace('abc', 'b', '')", "replace(123, 2, 9)",
        "typeof(replace(x'616263', 'b', 'x'))", "replace('', 'a', 'b')",
    };
    sqlite3 *ref = NULL, *db = NULL;
    T_EQ_INT(sqlite3_open(":memory:", &ref), SQLITE_OK);
    T_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    T_EQ_INT(db_fn_register(db), SQLITE_OK);
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        char sql[128], want[64], got[64];
        snprintf(sql, sizeof sql, "SELECT %s", exprs[i]);
        t_db_eval(ref, sql, want, sizeof want);
        t_db_eval(db, sql, got, sizeof got);
        T_EQ_STR(got, want);
    }
    sqlite3_close(ref);
    sqlite3_close(db);
}

/* A 2 MB haystack of 'a' and a 1 MB needle of 'a' ending in 'b': the
 * position-by-position search compares about 10^12 bytes. */
TEST(db_fn_linear_on_crafted_input)
{
    sqlite3 *db = NULL;
    T_EQ_INT(sqlite3_open(":memory:", &db), SQLITE_OK);
    T_EQ_INT(db_fn_register(db), SQLITE_OK);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 4 << 20);
    const char *setup = "CREATE TABLE s AS SELECT replace(hex(zeroblob(1000000)), '0', 'a') AS h;"
                        "CREATE TABLE n AS SELECT substr(h, 1, 1000000) || 'b' AS n FROM s;";
    T_EQ_INT(sqlite3_exec(db, setup, NULL, NULL, NULL), SQLITE_OK);
    int64_t t0 = clock_mono_ns();
    char got[64];
    t_db_eval(db, "SELECT instr(h, n) FROM s, n", got, sizeof got);
    T_EQ_STR(got, "0");
    t_db_eval(db, "SELECT length(replace(h, n, 'x')) FROM s, n", got, sizeof got);
    T_EQ_STR(got, "2000000");
    t_db_eval(db, "SELECT length(replace(h, 'a', 'aaa')) FROM s", got, sizeof got);
    T_EQ_STR(got, "ERR:18");                    /* SQLITE_TOOBIG past the length limit */
    T_ASSERT(clock_mono_ns() - t0 < 2 * CLOCK_NS_PER_S);
    sqlite3_close(db);
}
