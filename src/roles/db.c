/* db.c — the built-in db server: PostgreSQL's frontend/backend protocol
 * v3 in front of one SQLite database file (D/orders.db).
 *
 * Concurrency: the server runs on one event loop with ONE shared SQLite
 * connection, so SQLite itself never sees lock contention.  Transactions
 * are serialised in the server: the client whose BEGIN is open owns the
 * database; any other client that sends a statement meanwhile is held
 * (srv_hold) in a FIFO and resumed when the owner commits, rolls back or
 * disconnects.  Statements outside transactions run at once (autocommit).
 * This gives every client serializable isolation; the cost is that one
 * slow transaction delays the others, as a table lock would.
 *
 * Fairness: a connection runs at most one statement per loop turn, within
 * a CPU budget, and a read-only statement stops stepping while its
 * client's output is full; what is left waits in a run queue (see
 * "running statements in turns").
 *
 * Durability: WAL journal; --sync yes (default) sets synchronous=FULL, so
 * every COMMIT fsyncs the WAL before CommandComplete is sent; --sync no
 * sets synchronous=NORMAL (no fsync on commit: safe against a process
 * crash, not against power loss).
 *
 * Protocol subset: see docs/db-app.md. */
#include "roles/role.h"
#include "core/fs.h"
#include "roles/srv.h"
#include "roles/db_fn.h"
#include "proto/pgwire.h"
#include "roles/oe.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#define DB_FILE "orders.db"

enum { DB_PH_STARTUP, DB_PH_AUTH, DB_PH_READY };

struct db_srv {
    sqlite3 *db;
    ae_loop *loop;
    const char *password;       /* NULL: trust */
    struct db_conn *owner;      /* the client inside BEGIN..COMMIT */
    struct db_conn *wait_head, *wait_tail;
    int64_t pump_timer;
    int32_t next_pid;
    size_t max_request;
    size_t max_result;          /* bytes of one statement's answer */
    struct srv *srv;
    int64_t stmt_timeout;       /* ns; 0: none */
    int64_t idle_txn_timeout;   /* ns; 0: none */
    int64_t idle_txn_timer;
    int64_t owner_last;         /* when the owner's last statement ended */
    struct db_conn *running;    /* whose statement runs now */
    int64_t run_deadline, run_next_peek;
    int run_cancel;             /* why the running statement stops: DB_STOP_* */
    const char *auth_why;       /* the authorizer's last refusal */
    int vacuuming;              /* a VACUUM steps: its own ATTACH may run */
    struct db_conn *run_head, *run_tail;    /* connections waiting a turn */
    int64_t turn_timer, turn_at;        /* the run queue's timer, when due */
};

enum { DB_STOP_NONE, DB_STOP_TIMEOUT, DB_STOP_CANCEL, DB_STOP_SIZE };
enum { DB_JOB_NONE, DB_JOB_QUERY, DB_JOB_EXEC };

/* A read-only statement stops stepping while this much of its client's
 * output waits to be sent, and goes on below half of it. */
#define DB_OUT_HIGH (1u << 20)
/* While a statement waits for its client to read, the run queue looks
 * this often whether it has. */
#define DB_OUT_POLL (5 * CLOCK_NS_PER_MS)
/* A connection earns db time at 1/DB_BUDGET_RATE of wall time, up to
 * --statement-timeout (10 s when that is 0); past it, it waits. */
#define DB_BUDGET_RATE 2
#define DB_BUDGET_DEFAULT (10 * CLOCK_NS_PER_S)

/* A statement's answer larger than this is refused (54000): the default
 * of --max-result. */
#define DB_MAX_RESULT "64MiB"
/* The longest string or blob SQLite makes (SQLITE_LIMIT_LENGTH): small,
 * so that no single value, and no function over one, costs much. */
#define DB_MAX_VALUE (4 << 20)
/* The longest LIKE or GLOB pattern: matching costs up to the value's
 * length times the pattern's. */
#define DB_MAX_PATTERN 256
/* While a statement runs, new connections are checked for a CancelRequest
 * this often. */
#define DB_PEEK_EVERY (20 * CLOCK_NS_PER_MS)

/* A session's prepared statement (Parse): its text and parameter types. */
struct db_pstmt {
    char *name;                 /* "" for the unnamed statement */
    char *sql;
    int ntypes;
    uint32_t *types;
};

/* A session's portal (Bind): a statement prepared with its parameters. */
struct db_portal {
    char *name;                 /* "" for the unnamed portal */
    sqlite3_stmt *st;
};

/* Statements, and portals, one session may hold at once: PostgreSQL sets
 * no bound, a server shared by every client needs one (each holds a
 * prepared SQLite statement or its text). */
#define DB_MAX_NAMED 256

struct db_conn {
    struct srv_conn *c;
    struct db_srv *s;
    int phase;
    int failed;                 /* owner whose transaction had an error */
    int implicit;               /* owner of a multi-statement query's own transaction */
    int ext_skip;               /* extended protocol error: skip to Sync */
    int reread;                 /* the message waits (d is held): not consumed */
    int waiting;                /* in the wait queue */
    struct db_conn *wnext;
    int32_t pid, key;
    char *user;                 /* the startup packet's user, awaiting the password */
    struct db_pstmt *ps;        /* prepared statements (Parse), the unnamed one named "" */
    int nps;
    struct db_portal *pt;       /* portals (Bind), the unnamed one named "" */
    int npt;
    struct buf out;             /* messages of the current request */
    /* the job: a Query or Execute in progress, run a statement per turn */
    int job;                    /* DB_JOB_* */
    size_t job_len;             /* its message, left in c->in until it ends, so
                                   the core calls on_input when it resumes */
    char *q_sql;                /* the Query's text (owned) */
    const char *q_next;         /* its statements not yet run */
    int q_any;                  /* the Query held a statement */
    sqlite3_stmt *st;           /* the statement being stepped (owned) */
    int st_desc;                /* send RowDescription with the first row */
    int st_failed;              /* the job's statement failed: it ends */
    int64_t st_rows;
    uint64_t sent;              /* bytes of DataRows of st */
    int64_t deadline;           /* st's --statement-timeout; 0: none */
    int cancel;                 /* a CancelRequest named st while it waited */
    int ran;                    /* ran a statement in this on_input call */
    int blocked;                /* st stopped for output (db_out_full) */
    int queued;                 /* in the run queue (s->run_head) */
    struct db_conn *rnext;
    int64_t budget, budget_at;  /* db time it may still use (ns), as of when */
};

/* ---- transaction ownership ------------------------------------------ */

static int64_t db_pump(ae_loop *l, int64_t id, void *data);

static void db_schedule_pump(struct db_srv *s)
{
    if (s->wait_head && !s->owner && !s->pump_timer)
        s->pump_timer = ae_add_timer(s->loop, 0, db_pump, s);
}

static void db_unqueue(struct db_conn *d)
{
    struct db_srv *s = d->s;
    struct db_conn **pp = &s->wait_head, *prev = NULL;
    while (*pp && *pp != d) { prev = *pp; pp = &(*pp)->wnext; }
    if (*pp) {
        *pp = d->wnext;
        if (s->wait_tail == d) s->wait_tail = prev;
    }
    d->wnext = NULL;
    d->waiting = 0;
}

/* Resumes waiting clients in order while nobody owns a transaction.  The
 * head of the queue stays queued while it runs, so db_may_run lets it in
 * (and anyone else who comes meanwhile queues behind). */
static int64_t db_pump(ae_loop *l, int64_t id, void *data)
{
    struct db_srv *s = data;
    (void)l; (void)id;
    s->pump_timer = 0;
    while (s->wait_head && !s->owner) {
        struct db_conn *d = s->wait_head;
        srv_resume(d->c);               /* runs its input; db_may_run unqueues it */
        if (s->wait_head == d) db_unqueue(d);   /* it ran nothing after all */
    }
    return AE_NOMORE;
}

/* 1 if d may run statements now; otherwise queues and holds it. */
static int db_may_run(struct db_conn *d)
{
    struct db_srv *s = d->s;
    if (s->owner == d || (!s->owner && (!s->wait_head || s->wait_head == d))) {
        if (d->waiting) db_unqueue(d);
        return 1;
    }
    if (!d->waiting) {
        d->waiting = 1;
        if (s->wait_tail) s->wait_tail->wnext = d; else s->wait_head = d;
        s->wait_tail = d;
    }
    srv_hold(d->c);
    return 0;
}

/* Called after every statement: who owns the database now. */
static void db_note_txn(struct db_conn *d)
{
    struct db_srv *s = d->s;
    if (!sqlite3_get_autocommit(s->db)) {
        s->owner = d;
    } else {
        if (s->owner == d) s->owner = NULL;
        d->failed = 0;
        d->implicit = 0;
        db_schedule_pump(s);
    }
}

static char db_txn_status(const struct db_conn *d)
{
    return d->s->owner != d ? 'I' : d->failed ? 'E' : 'T';
}

/* ---- errors ---------------------------------------------------------- */

/* The SQLSTATE for SQLite's last error. */
static const char *db_sqlstate(sqlite3 *db)
{
    int ext = sqlite3_extended_errcode(db);
    const char *msg = sqlite3_errmsg(db);
    switch (ext) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return "23505";
    case SQLITE_CONSTRAINT_FOREIGNKEY: return "23503";
    case SQLITE_CONSTRAINT_NOTNULL:    return "23502";
    case SQLITE_CONSTRAINT_CHECK:      return "23514";
    }
    switch (ext & 0xff) {
    case SQLITE_CONSTRAINT: return "23000";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:     return "55P03";
    case SQLITE_FULL:       return "53100";
    case SQLITE_IOERR:      return "58030";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:     return "XX001";
    case SQLITE_READONLY:   return "25006";
    case SQLITE_TOOBIG:     return "54000";
    case SQLITE_MISMATCH:   return "42804";
    case SQLITE_NOMEM:      return "53200";
    case SQLITE_RANGE:      return "08P01";
    case SQLITE_INTERRUPT:  return "57014";
    case SQLITE_AUTH:       return "42501";
    }
    if (strstr(msg, "syntax error") || strstr(msg, "incomplete input") ||
        strstr(msg, "unrecognized token")) return "42601";
    if (strstr(msg, "not authorized")) return "42501";
    if (strstr(msg, "no such table")) return "42P01";
    if (strstr(msg, "no such column")) return "42703";
    if (strstr(msg, "no such function")) return "42883";
    if (strstr(msg, "already exists")) return "42P07";
    if (strstr(msg, "no such index")) return "42704";
    if (strstr(msg, "variable number")) return "54023";
    if (strstr(msg, "pattern too complex")) return "54001";
    return "XX000";
}

static void db_error(struct db_conn *d, const char *sqlstate, const char *msg)
{
    pgw_error(&d->out, 'E', "ERROR", sqlstate, msg);
    if (d->s->owner == d) d->failed = 1;
    srv_count(d->c, 1);
}

static void db_sqlite_error(struct db_conn *d)
{
    struct db_srv *s = d->s;
    int code = sqlite3_extended_errcode(s->db) & 0xff;
    const char *msg = sqlite3_errmsg(s->db);
    if (s->run_cancel == DB_STOP_SIZE) {
        char *why = strfmt("the statement's result exceeds %zu %s",
                           s->max_result % (1u << 20) ? s->max_result : s->max_result >> 20,
                           s->max_result % (1u << 20) ? "bytes" : "MiB");
        db_error(d, "54000", why);
        free(why);
        return;
    }
    if (code == SQLITE_INTERRUPT && s->run_cancel == DB_STOP_TIMEOUT)
        msg = "canceling statement due to statement timeout";
    else if (code == SQLITE_INTERRUPT && s->run_cancel == DB_STOP_CANCEL)
        msg = "canceling statement due to user request";
    else if (code == SQLITE_AUTH && s->auth_why)
        msg = s->auth_why;
    db_error(d, db_sqlstate(s->db), msg);
}

/* ---- statements ------------------------------------------------------- */

/* A word of SQL text: the n letters at p (not NUL-terminated). */
struct db_word {
    const char *p;
    size_t n;
};

/* Whether w is the keyword kw (upper case), in any case. */
static int db_is(struct db_word w, const char *kw)
{
    return w.n == strlen(kw) && strncasecmp(w.p, kw, w.n) == 0;
}

/* Appends w upper-cased to b. */
static void db_word_upper(struct buf *b, struct db_word w)
{
    char *d = buf_reserve(b, w.n);
    for (size_t i = 0; i < w.n; i++) d[i] = (char)(w.p[i] >= 'a' ? w.p[i] - 32 : w.p[i]);
    b->len += w.n;
}

/* The first word of sql (skipping blanks, comments); *after, if given,
 * points past it. */
static struct db_word db_keyword(const char *sql, const char **after)
{
    for (;;) {
        while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == '(') sql++;
        if (sql[0] == '-' && sql[1] == '-') {
            while (*sql && *sql != '\n') sql++;
        } else if (sql[0] == '/' && sql[1] == '*') {
            const char *e = strstr(sql + 2, "*/");
            sql = e ? e + 2 : sql + strlen(sql);
        } else {
            break;
        }
    }
    struct db_word w = { sql, 0 };
    while ((*sql >= 'a' && *sql <= 'z') || (*sql >= 'A' && *sql <= 'Z')) sql++;
    w.n = (size_t)(sql - w.p);
    if (after) *after = sql;
    return w;
}

/* The PostgreSQL type oid for column i of a statement, from its declared
 * type, else from the first row's value (have_row), else text. */
static uint32_t db_col_oid(sqlite3_stmt *st, int i, int have_row)
{
    const char *decl = sqlite3_column_decltype(st, i);
    if (decl) {
        if (strcasestr(decl, "BIGINT")) return 20;      /* SQLite's affinity rules */
        if (strcasestr(decl, "INT")) return 23;
        if (strcasestr(decl, "REAL") || strcasestr(decl, "FLOA") || strcasestr(decl, "DOUB"))
            return 701;
        if (strcasestr(decl, "NUMERIC") || strcasestr(decl, "DECIMAL")) return 1700;
        if (strcasestr(decl, "BLOB") || strcasestr(decl, "BYTEA")) return 17;
        return 25;
    }
    if (have_row) {
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER: return 20;
        case SQLITE_FLOAT:   return 701;
        case SQLITE_BLOB:    return 17;
        }
    }
    return 25;
}

static void db_row_desc(struct db_conn *d, sqlite3_stmt *st, int have_row)
{
    int n = sqlite3_column_count(st);
    size_t m = pgw_begin(&d->out, 'T');
    pgw_i16(&d->out, (int16_t)n);
    for (int i = 0; i < n; i++) {
        uint32_t oid = db_col_oid(st, i, have_row);
        pgw_str(&d->out, sqlite3_column_name(st, i));
        pgw_i32(&d->out, 0);            /* table oid */
        pgw_i16(&d->out, 0);            /* column number */
        pgw_i32(&d->out, (int32_t)oid);
        pgw_i16(&d->out, (int16_t)(oid == 20 || oid == 701 ? 8 : oid == 23 ? 4 : -1));
        pgw_i32(&d->out, -1);           /* type modifier */
        pgw_i16(&d->out, 0);            /* text format */
    }
    pgw_end(&d->out, m);
}

/* The bytes column i of the current row takes in a text DataRow (after
 * its length word); -1 for NULL. */
static int64_t db_col_size(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: return -1;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT: return 32;               /* at most; the exact text is short */
    case SQLITE_BLOB: return 2 + 2 * (int64_t)sqlite3_column_bytes(st, i);
    default: return sqlite3_column_bytes(st, i);
    }
}

/* Appends column i of the current row (length word and text) to out. */
static void db_col_text(struct buf *out, sqlite3_stmt *st, int i)
{
    struct numstr num;
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL:
        pgw_i32(out, -1);
        return;
    case SQLITE_INTEGER:
        num = numstr_fmt("%lld", (long long)sqlite3_column_int64(st, i));
        break;
    case SQLITE_FLOAT: {
        double v = sqlite3_column_double(st, i);
        num = numstr_fmt("%.15g", v);
        if (strtod(num.s, NULL) != v) num = numstr_fmt("%.17g", v);
        break;
    }
    case SQLITE_BLOB: {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *p = sqlite3_column_blob(st, i);
        size_t bl = (size_t)sqlite3_column_bytes(st, i);
        pgw_i32(out, (int32_t)(2 + 2 * bl));
        char *w = buf_reserve(out, 2 + 2 * bl);
        w[0] = '\\';
        w[1] = 'x';
        for (size_t k = 0; k < bl; k++) {
            w[2 + 2 * k] = hex[p[k] >> 4];
            w[3 + 2 * k] = hex[p[k] & 15];
        }
        out->len += 2 + 2 * bl;
        return;
    }
    default: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        int len = sqlite3_column_bytes(st, i);
        pgw_i32(out, len);
        buf_append(out, t, (size_t)len);
        return;
    }
    }
    size_t len = strlen(num.s);
    pgw_i32(out, (int32_t)len);
    buf_append(out, num.s, len);
}

/* One DataRow in text format.  Each column is measured before it is
 * encoded: the row is abandoned (-1) as soon as the statement's answer
 * (d->sent counts it) would pass --max-result, so no row costs more than
 * that however many large columns it has.  Returns 0 or -1. */
static int db_data_row(struct db_conn *d, sqlite3_stmt *st)
{
    int n = sqlite3_column_count(st);
    size_t start = buf_used(&d->out);
    uint64_t budget = d->s->max_result > d->sent ? d->s->max_result - d->sent : 0;
    size_t m = pgw_begin(&d->out, 'D');
    pgw_i16(&d->out, (int16_t)n);
    for (int i = 0; i < n; i++) {
        int64_t sz = db_col_size(st, i);
        if ((uint64_t)(buf_used(&d->out) - start) + 4 + (uint64_t)(sz > 0 ? sz : 0) > budget) {
            d->out.len = start;             /* drop the partial row */
            return -1;
        }
        db_col_text(&d->out, st, i);
    }
    pgw_end(&d->out, m);
    d->sent += buf_used(&d->out) - start;
    return 0;
}

/* BEGIN / COMMIT / ROLLBACK with PostgreSQL's answers for the cases SQLite
 * treats as errors.  Returns 1 if kw was one of them. */
static int db_txn_control(struct db_conn *d, struct db_word kw, const char *rest)
{
    struct db_srv *s = d->s;
    int in_txn = s->owner == d;
    const char *sql = NULL, *tag = NULL;
    if (db_is(kw, "BEGIN") || db_is(kw, "START")) {
        if (in_txn) {
            pgw_error(&d->out, 'N', "WARNING", "25001", "there is already a transaction in progress");
            tag = "BEGIN";
        } else {
            sql = "BEGIN";
            tag = "BEGIN";
        }
    } else if (db_is(kw, "COMMIT") || db_is(kw, "END")) {
        if (!in_txn) {
            pgw_error(&d->out, 'N', "WARNING", "25P01", "there is no transaction in progress");
            tag = "COMMIT";
        } else {
            sql = d->failed ? "ROLLBACK" : "COMMIT";
            tag = d->failed ? "ROLLBACK" : "COMMIT";
        }
    } else if ((db_is(kw, "ROLLBACK") || db_is(kw, "ABORT"))) {
        struct db_word w2 = db_keyword(rest, NULL);
        if (db_is(w2, "TO")) return 0;        /* ROLLBACK TO SAVEPOINT */
        if (!in_txn) {
            pgw_error(&d->out, 'N', "WARNING", "25P01", "there is no transaction in progress");
        } else {
            sql = "ROLLBACK";
        }
        tag = "ROLLBACK";
    } else {
        return 0;
    }
    if (sql && sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        db_sqlite_error(d);
        if (!sqlite3_get_autocommit(s->db)) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        db_note_txn(d);
        return 1;
    }
    db_note_txn(d);
    pgw_complete(&d->out, tag);
    return 1;
}

/* 1 while d's output is over DB_OUT_HIGH: its read-only statement stops
 * stepping until the client reads (a statement that writes runs to its
 * end: it holds the write transaction, which must not wait on a client). */
static int db_out_full(const struct db_conn *d)
{
    return sqlite3_stmt_readonly(d->st) &&
           buf_used(&d->c->out) + buf_used(&d->out) >= DB_OUT_HIGH;
}

/* d->st ended with an error (its ErrorResponse queued): the statement is
 * dropped.  Returns 0. */
static int db_stmt_failed(struct db_conn *d)
{
    d->st_failed = 1;
    db_note_txn(d);
    return 0;
}

/* d->st stepped to its end: RowDescription when no row carried it, and
 * the CommandComplete tag. */
static void db_stmt_complete(struct db_conn *d)
{
    sqlite3_stmt *st = d->st;
    static struct buf tag;          /* reused: the server is single-threaded */
    const char *rest;
    struct db_word kw = db_keyword(sqlite3_sql(st), &rest), w2;
    int ncols = sqlite3_column_count(st);
    if (d->st_rows == 0 && ncols > 0 && d->st_desc) db_row_desc(d, st, 0);
    int64_t changes = sqlite3_changes64(d->s->db);
    buf_reset(&tag);
    if (db_is(kw, "INSERT") || db_is(kw, "REPLACE")) {
        buf_printf(&tag, "INSERT 0 %" PRId64, changes);
    } else if (db_is(kw, "UPDATE") || db_is(kw, "DELETE")) {
        db_word_upper(&tag, kw);
        buf_printf(&tag, " %" PRId64, changes);
    } else if (db_is(kw, "CREATE") || db_is(kw, "DROP") || db_is(kw, "ALTER")) {
        w2 = db_keyword(rest, &rest);
        if (db_is(w2, "UNIQUE") || db_is(w2, "TEMP") || db_is(w2, "TEMPORARY") ||
            db_is(w2, "VIRTUAL"))
            w2 = db_keyword(rest, NULL);
        db_word_upper(&tag, kw);
        buf_puts(&tag, " ");
        db_word_upper(&tag, w2);
    } else if (ncols > 0 || db_is(kw, "SELECT") || db_is(kw, "VALUES") || db_is(kw, "WITH")) {
        buf_printf(&tag, "SELECT %" PRId64, d->st_rows);
    } else if (kw.n) {
        db_word_upper(&tag, kw);
    } else {
        buf_puts(&tag, "OK");
    }
    pgw_complete(&d->out, buf_cstr(&tag));
    srv_count(d->c, 0);
    db_note_txn(d);
}

/* Steps d->st, queueing its rows (and, if d->st_desc, a RowDescription
 * with the first), until it ends or d's output is full (db_out_full).
 * Returns 1 when it stopped for output (step again once the client has
 * read), 0 when the statement ended: CommandComplete queued, or an
 * ErrorResponse and d->st_failed set. */
static int db_stmt_step(struct db_conn *d)
{
    struct db_srv *s = d->s;
    sqlite3_stmt *st = d->st;
    struct db_word kw = db_keyword(sqlite3_sql(st), NULL);
    int rc = SQLITE_ROW;
    s->vacuuming = db_is(kw, "VACUUM");
    while (!db_out_full(d) && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (d->st_rows++ == 0 && d->st_desc) db_row_desc(d, st, 1);
        if (db_data_row(d, st)) {
            s->vacuuming = 0;
            s->run_cancel = DB_STOP_SIZE;
            sqlite3_reset(st);
            db_sqlite_error(d);
            return db_stmt_failed(d);
        }
    }
    s->vacuuming = 0;
    if (rc == SQLITE_ROW) return 1;
    if (rc != SQLITE_DONE) {
        db_sqlite_error(d);
        return db_stmt_failed(d);
    }
    db_stmt_complete(d);
    return 0;
}

/* 1 if the statement at sql may run in d's transaction state; otherwise
 * sends the "transaction is aborted" error and returns 0. */
static int db_txn_allows(struct db_conn *d, struct db_word kw)
{
    if (!(d->s->owner == d && d->failed)) return 1;
    if (db_is(kw, "COMMIT") || db_is(kw, "END") || db_is(kw, "ROLLBACK") ||
        db_is(kw, "ABORT")) return 1;
    db_error(d, "25P02", "current transaction is aborted, commands ignored until end of "
                         "transaction block");
    return 0;
}

/* 1 if sql holds only blanks, semicolons and comments. */
static int db_blank(const char *sql)
{
    for (;;) {
        while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == ';') sql++;
        if (sql[0] == '-' && sql[1] == '-') {
            while (*sql && *sql != '\n') sql++;
        } else if (sql[0] == '/' && sql[1] == '*') {
            const char *e = strstr(sql + 2, "*/");
            if (!e) return 1;
            sql = e + 2;
        } else {
            return *sql == '\0';
        }
    }
}

static int db_is_txn_kw(struct db_word kw)
{
    return db_is(kw, "BEGIN") || db_is(kw, "START") || db_is(kw, "COMMIT") ||
           db_is(kw, "END") || db_is(kw, "ROLLBACK") || db_is(kw, "ABORT");
}

/* Ends d's implicit transaction: COMMIT (ok) or ROLLBACK. */
static void db_implicit_end(struct db_conn *d, int ok)
{
    if (!d->implicit) return;
    if (ok && sqlite3_exec(d->s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        db_sqlite_error(d);
        ok = 0;
    }
    if (!ok && !sqlite3_get_autocommit(d->s->db)) sqlite3_exec(d->s->db, "ROLLBACK", NULL, NULL, NULL);
    db_note_txn(d);
}

static void db_stmt_begin(struct db_conn *d, sqlite3_stmt *st, int desc);
static void db_send_ready(struct db_conn *d);

/* d's Query is over: end its implicit transaction, answer an empty query,
 * ReadyForQuery. */
static void db_query_end(struct db_conn *d)
{
    db_implicit_end(d, !d->st_failed);
    if (!d->q_any && !d->out.len) {
        size_t m = pgw_begin(&d->out, 'I');
        pgw_end(&d->out, m);
    }
    free(d->q_sql);
    d->q_sql = NULL;
    d->q_next = NULL;
    d->job = DB_JOB_NONE;
    db_send_ready(d);
}

/* Moves d's simple Query on to its next statement that has rows to step,
 * into d->st; BEGIN, COMMIT and the like on the way run at once.  As in
 * PostgreSQL, several statements outside a transaction block run in one
 * implicit transaction (an error rolls all of them back); an explicit
 * BEGIN turns it into an ordinary block, COMMIT or ROLLBACK ends it.
 * Returns 1 with d->st set, or 0 when the Query ended (db_query_end). */
static int db_query_next(struct db_conn *d)
{
    sqlite3 *db = d->s->db;
    const char *sql = d->q_next;
    while (*sql && !d->st_failed) {
        const char *rest, *tail = NULL;
        struct db_word kw = db_keyword(sql, &rest);
        if (!db_txn_allows(d, kw)) { d->st_failed = 1; break; }
        if (d->implicit && (db_is(kw, "BEGIN") || db_is(kw, "START"))) {
            d->implicit = 0;                /* the block becomes explicit */
            pgw_complete(&d->out, "BEGIN");
            tail = strchr(sql, ';');
            sql = tail ? tail + 1 : sql + strlen(sql);
            d->q_any = 1;
            continue;
        }
        if (db_is(kw, "START")) {         /* START TRANSACTION: not SQLite */
            tail = strchr(sql, ';');
            tail = tail ? tail + 1 : sql + strlen(sql);
            db_txn_control(d, kw, rest);
            d->q_any = 1;
            sql = tail;
            continue;
        }
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
            db_sqlite_error(d);
            d->st_failed = 1;
            break;
        }
        sql = tail;
        if (!st) continue;                  /* blanks or a comment */
        d->q_any = 1;
        if (d->s->owner != d && !db_is_txn_kw(kw) && !db_blank(tail) &&
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK) {
            db_note_txn(d);
            d->implicit = 1;
        }
        if (!db_txn_control(d, kw, rest)) {
            d->q_next = sql;
            db_stmt_begin(d, st, 1);
            return 1;
        }
        sqlite3_finalize(st);
    }
    d->q_next = sql;
    db_query_end(d);
    return 0;
}

/* ---- extended query protocol: statements and portals by name ---------- */

static struct db_pstmt *db_ps_find(struct db_conn *d, const char *name)
{
    for (int i = 0; i < d->nps; i++)
        if (strcmp(d->ps[i].name, name) == 0) return &d->ps[i];
    return NULL;
}

static struct db_portal *db_pt_find(struct db_conn *d, const char *name)
{
    for (int i = 0; i < d->npt; i++)
        if (strcmp(d->pt[i].name, name) == 0) return &d->pt[i];
    return NULL;
}

/* Removes statement p (an element of d->ps). */
static void db_ps_drop(struct db_conn *d, struct db_pstmt *p)
{
    free(p->name);
    free(p->sql);
    free(p->types);
    *p = d->ps[--d->nps];
}

/* Removes portal p (an element of d->pt), finalizing its statement. */
static void db_pt_drop(struct db_conn *d, struct db_portal *p)
{
    free(p->name);
    if (p->st) sqlite3_finalize(p->st);
    *p = d->pt[--d->npt];
}

/* Every statement and portal of d (the session ends). */
static void db_ext_reset(struct db_conn *d)
{
    while (d->npt) db_pt_drop(d, &d->pt[0]);
    while (d->nps) db_ps_drop(d, &d->ps[0]);
    free(d->pt);
    free(d->ps);
    d->pt = NULL;
    d->ps = NULL;
}

/* The error of a name that is not there: "unnamed ... does not exist" or
 * "... \"NAME\" does not exist". */
static void db_ext_missing(struct db_conn *d, const char *code, const char *what, const char *name)
{
    char *msg = name[0] ? strfmt("%s \"%s\" does not exist", what, name)
                        : strfmt("unnamed %s does not exist", what);
    db_error(d, code, msg);
    free(msg);
    d->ext_skip = 1;
}

/* Whether d may hold one more of a kind it holds n of; else the error. */
static int db_ext_room(struct db_conn *d, int n, const char *what)
{
    if (n < DB_MAX_NAMED) return 1;
    char *msg = strfmt("too many %s in this session (at most %d)", what, DB_MAX_NAMED);
    db_error(d, "53400", msg);
    free(msg);
    d->ext_skip = 1;
    return 0;
}

static void db_ext_parse(struct db_conn *d, const struct pgw_msg *m)
{
    static struct pgw_parse p;      /* large; the server is single-threaded */
    struct buf err = BUF_INIT;
    int bad = pgw_parse_parse(m, &p, &err);
    if (bad) db_error(d, "08P01", buf_cstr(&err));
    buf_free(&err);
    if (bad) {
        d->ext_skip = 1;
        return;
    }
    struct db_pstmt *old = db_ps_find(d, p.name);
    if (old && p.name[0]) {
        char *msg = strfmt("prepared statement \"%s\" already exists", p.name);
        db_error(d, "42P05", msg);
        free(msg);
        d->ext_skip = 1;
        return;
    }
    if (old) db_ps_drop(d, old);    /* a new unnamed statement replaces the old */
    if (!db_ext_room(d, d->nps, "prepared statements")) return;
    if (!(d->ps = realloc(d->ps, (size_t)(d->nps + 1) * sizeof *d->ps))) abort();
    struct db_pstmt *n = &d->ps[d->nps++];
    n->name = strdup(p.name);
    n->sql = strdup(p.query);
    n->ntypes = p.ntypes;
    n->types = calloc((size_t)p.ntypes + 1, sizeof *n->types);
    if (!n->name || !n->sql || !n->types) abort();
    memcpy(n->types, p.types, (size_t)p.ntypes * sizeof *n->types);
    size_t o = pgw_begin(&d->out, '1');
    pgw_end(&d->out, o);
}

/* Prepares statement p's text.  Returns the statement (the caller
 * finalizes it), or NULL with the error sent. */
static sqlite3_stmt *db_ext_prepare(struct db_conn *d, const struct db_pstmt *p)
{
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    if (sqlite3_prepare_v2(d->s->db, p->sql, -1, &st, &tail) != SQLITE_OK) {
        db_sqlite_error(d);
        return NULL;
    }
    while (tail && (*tail == ' ' || *tail == '\n' || *tail == '\t' || *tail == ';')) tail++;
    if (tail && *tail) {
        sqlite3_finalize(st);
        db_error(d, "42601", "cannot insert multiple commands into a prepared statement");
        return NULL;
    }
    return st;
}

/* Binds text parameter i (1-based) of st as $i, typed by p's Parse oids. */
static void db_ext_bind_one(sqlite3_stmt *st, const struct db_pstmt *p, int i, const char *v,
                            int32_t len)
{
    int idx = sqlite3_bind_parameter_index(st, numstr_fmt("$%d", i).s);
    if (!idx) idx = i <= sqlite3_bind_parameter_count(st) ? i : 0;
    if (!idx) return;
    if (!v) {
        sqlite3_bind_null(st, idx);
        return;
    }
    uint32_t oid = i <= p->ntypes ? p->types[i - 1] : 0;
    /* a numeric parameter of fewer than NUMSTR_MAX bytes is bound as a
     * number when it reads as one; any other as text */
    if ((oid == 20 || oid == 21 || oid == 23 || oid == 700 || oid == 701) && len < NUMSTR_MAX) {
        const struct numstr t = numstr_fmt("%.*s", (int)len, v);
        const char *num = t.s;
        char *end;
        if (oid >= 700) {
            double x = strtod(num, &end);
            if (*num && !*end) { sqlite3_bind_double(st, idx, x); return; }
        } else {
            errno = 0;
            long long x = strtoll(num, &end, 10);
            if (*num && !*end && !errno) { sqlite3_bind_int64(st, idx, x); return; }
        }
    }
    sqlite3_bind_text(st, idx, v, len, SQLITE_TRANSIENT);
}

static void db_ext_bind(struct db_conn *d, const struct pgw_msg *m)
{
    static struct pgw_bind b;
    struct buf err = BUF_INIT;
    int bad = pgw_parse_bind(m, &b, &err);
    if (bad) db_error(d, "08P01", buf_cstr(&err));
    buf_free(&err);
    if (bad) {
        d->ext_skip = 1;
        return;
    }
    if (b.binary) {
        db_error(d, "0A000", "binary format is not supported");
        d->ext_skip = 1;
        return;
    }
    const struct db_pstmt *p = db_ps_find(d, b.stmt);
    if (!p) { db_ext_missing(d, "26000", "prepared statement", b.stmt); return; }
    struct db_portal *old = db_pt_find(d, b.portal);
    if (old && b.portal[0]) {
        char *msg = strfmt("portal \"%s\" already exists", b.portal);
        db_error(d, "42P03", msg);
        free(msg);
        d->ext_skip = 1;
        return;
    }
    if (old) db_pt_drop(d, old);    /* a new unnamed portal replaces the old */
    if (!db_ext_room(d, d->npt, "portals")) return;
    sqlite3_stmt *st = db_ext_prepare(d, p);
    if (!st) { d->ext_skip = 1; return; }
    for (int i = 0; i < b.nparams; i++) db_ext_bind_one(st, p, i + 1, b.val[i], b.len[i]);
    if (!(d->pt = realloc(d->pt, (size_t)(d->npt + 1) * sizeof *d->pt))) abort();
    struct db_portal *n = &d->pt[d->npt++];
    if (!(n->name = strdup(b.portal))) abort();
    n->st = st;
    size_t o = pgw_begin(&d->out, '2');
    pgw_end(&d->out, o);
}

/* Describe: a statement's parameter types and result columns (prepared
 * for the purpose), or a portal's result columns. */
static void db_ext_describe(struct db_conn *d, const struct pgw_msg *m)
{
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    char what = pgw_rd_byte(&r);
    const char *name = pgw_rd_str(&r);
    if (r.bad || (what != 'S' && what != 'P')) {
        db_error(d, "08P01", "malformed Describe message");
        d->ext_skip = 1;
        return;
    }
    sqlite3_stmt *st = NULL, *tmp = NULL;
    if (what == 'S') {
        const struct db_pstmt *p = db_ps_find(d, name);
        if (!p) { db_ext_missing(d, "26000", "prepared statement", name); return; }
        if (!(st = tmp = db_ext_prepare(d, p))) { d->ext_skip = 1; return; }
        int n = sqlite3_bind_parameter_count(st);
        size_t o = pgw_begin(&d->out, 't');
        pgw_i16(&d->out, (int16_t)n);
        for (int i = 0; i < n; i++)
            pgw_i32(&d->out, (int32_t)(i < p->ntypes && p->types[i] ? p->types[i] : 25));
        pgw_end(&d->out, o);
    } else {
        const struct db_portal *pt = db_pt_find(d, name);
        if (!pt) { db_ext_missing(d, "34000", "portal", name); return; }
        st = pt->st;
    }
    if (sqlite3_column_count(st) > 0) {
        db_row_desc(d, st, 0);
    } else {
        size_t o = pgw_begin(&d->out, 'n');
        pgw_end(&d->out, o);
    }
    if (tmp) sqlite3_finalize(tmp);
}

/* Close: drops a statement or portal (one that is not there is no error). */
static void db_ext_close(struct db_conn *d, const struct pgw_msg *m)
{
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    char what = pgw_rd_byte(&r);
    const char *name = pgw_rd_str(&r);
    if (r.bad || (what != 'S' && what != 'P')) {
        db_error(d, "08P01", "malformed Close message");
        d->ext_skip = 1;
        return;
    }
    struct db_pstmt *p = what == 'S' ? db_ps_find(d, name) : NULL;
    struct db_portal *pt = what == 'P' ? db_pt_find(d, name) : NULL;
    if (p) db_ps_drop(d, p);
    if (pt) db_pt_drop(d, pt);
    size_t o = pgw_begin(&d->out, '3');
    pgw_end(&d->out, o);
}

/* Execute: starts the portal's statement as d's job (db_job_run steps
 * it); BEGIN, COMMIT and the like run at once, once d may run (inside
 * another client's transaction d waits, as a Query does).  The portal is
 * used up: its rows are all sent (row limits are not supported).
 * Returns 1 when d waits: the message is to be read again. */
static int db_ext_execute(struct db_conn *d, const struct pgw_msg *m)
{
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    const char *name = pgw_rd_str(&r);
    if (r.bad) {
        db_error(d, "08P01", "malformed Execute message");
        d->ext_skip = 1;
        return 0;
    }
    struct db_portal *pt = db_pt_find(d, name);
    if (!pt) { db_ext_missing(d, "34000", "portal", name); return 0; }
    const char *rest;
    struct db_word kw = db_keyword(sqlite3_sql(pt->st), &rest);
    if (!db_txn_allows(d, kw)) { d->ext_skip = 1; return 0; }
    if (db_is_txn_kw(kw) && !db_may_run(d)) return 1;
    sqlite3_stmt *st = pt->st;
    pt->st = NULL;
    db_pt_drop(d, pt);
    if (db_txn_control(d, kw, rest)) { sqlite3_finalize(st); return 0; }
    d->job = DB_JOB_EXEC;
    d->st_failed = 0;
    db_stmt_begin(d, st, 0);
    return 0;
}

/* ---- limits: statement time, cancel, idle in transaction ------------- */

/* A CancelRequest seen on a new connection while a statement runs: it
 * stops the statement if it names the running client's pid and key. */
static void db_peek_cancel(const void *p, size_t n, void *arg)
{
    struct db_srv *s = arg;
    const unsigned char *b = p;
    if (n < 16 || !s->running) return;
    uint32_t len = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    uint32_t code = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
    int32_t pid = (int32_t)((uint32_t)b[8] << 24 | (uint32_t)b[9] << 16 | (uint32_t)b[10] << 8 | b[11]);
    int32_t key = (int32_t)((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 | (uint32_t)b[14] << 8 | b[15]);
    if (len == 16 && code == (uint32_t)PGW_CANCEL && pid == s->running->pid &&
        key == s->running->key)
        s->run_cancel = DB_STOP_CANCEL;
}

/* SQLite's progress handler: stops the running statement past its
 * deadline or when a CancelRequest for it arrives.  Returns non-zero to
 * interrupt (SQLITE_INTERRUPT, reported as 57014). */
static int db_progress(void *arg)
{
    struct db_srv *s = arg;
    if (!s->running) return 0;
    int64_t now = clock_mono_ns();
    if (s->run_deadline && now >= s->run_deadline) s->run_cancel = DB_STOP_TIMEOUT;
    if (!s->run_cancel && now >= s->run_next_peek) {
        s->run_next_peek = now + DB_PEEK_EVERY;
        srv_peek_new(s->srv, 16, db_peek_cancel, s);
    }
    return s->run_cancel != DB_STOP_NONE;
}

/* d's statement steps: the progress handler watches its deadline. */
static void db_run_start(struct db_conn *d)
{
    struct db_srv *s = d->s;
    int64_t now = clock_mono_ns();
    s->running = d;
    s->run_cancel = d->cancel ? DB_STOP_CANCEL : DB_STOP_NONE;
    s->run_deadline = d->deadline;
    s->run_next_peek = now + DB_PEEK_EVERY;
}

static int64_t db_idle_txn_fire(ae_loop *l, int64_t id, void *data);
static void db_stmt_end(struct db_conn *d);

/* It stopped, having used the db since `since`: that comes off d's
 * budget; the owner of a transaction is idle in it from now on. */
static void db_run_end(struct db_conn *d, int64_t since)
{
    struct db_srv *s = d->s;
    d->budget -= clock_mono_ns() - since;
    s->running = NULL;
    s->run_cancel = DB_STOP_NONE;
    if (s->owner == d) {
        s->owner_last = ae_now(s->loop);
        if (s->idle_txn_timeout && !s->idle_txn_timer)
            s->idle_txn_timer = ae_add_timer(s->loop, s->idle_txn_timeout, db_idle_txn_fire, s);
    }
}

/* The owner has run no statement for --idle-in-transaction-timeout: as
 * PostgreSQL does, end its session (FATAL 25P03) and roll back, so the
 * clients waiting for the database go on. */
static int64_t db_idle_txn_fire(ae_loop *l, int64_t id, void *data)
{
    struct db_srv *s = data;
    (void)id;
    s->idle_txn_timer = 0;
    struct db_conn *d = s->owner;
    if (!d) return AE_NOMORE;
    int64_t left = s->owner_last + s->idle_txn_timeout - ae_now(l);
    if (left > 0) {
        s->idle_txn_timer = ae_add_timer(l, left, db_idle_txn_fire, s);
        return AE_NOMORE;
    }
    log_info("db: %s: idle in transaction for %lld ms, terminating", d->c->peer.s,
             (long long)(s->idle_txn_timeout / CLOCK_NS_PER_MS));
    db_stmt_end(d);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->owner = NULL;
    d->failed = 0;
    d->implicit = 0;
    pgw_error(&d->out, 'E', "FATAL", "25P03",
              "terminating connection due to idle-in-transaction timeout");
    srv_write(d->c, buf_head(&d->out), buf_used(&d->out));
    buf_reset(&d->out);
    srv_close(d->c, 0);
    db_schedule_pump(s);
    return AE_NOMORE;
}

/* ---- running statements in turns ------------------------------------ */

/* Each connection runs at most one statement per turn of the loop; a
 * connection with more to run (the rest of a Query, pipelined messages, a
 * statement that stopped because its client does not read) waits in the
 * run queue, and the run queue's timer gives it its next turn after the
 * loop has served everyone else's input. */

static void db_stmt_begin(struct db_conn *d, sqlite3_stmt *st, int desc)
{
    d->st = st;
    d->st_desc = desc;
    d->st_rows = 0;
    d->sent = 0;
    d->cancel = 0;
    d->deadline = d->s->stmt_timeout ? clock_mono_ns() + d->s->stmt_timeout : 0;
}

static void db_stmt_end(struct db_conn *d)
{
    if (d->st) sqlite3_finalize(d->st);
    d->st = NULL;
    d->blocked = 0;
}

/* d's statement waited for its client past its deadline, or a
 * CancelRequest named it meanwhile: it ends with 57014. */
static int db_stmt_stopped(struct db_conn *d, int64_t now)
{
    if (d->cancel) {
        db_error(d, "57014", "canceling statement due to user request");
    } else if (d->deadline && now >= d->deadline) {
        db_error(d, "57014", "canceling statement due to statement timeout");
    } else {
        return 0;
    }
    sqlite3_reset(d->st);
    db_stmt_failed(d);
    return 1;
}

/* Adds what d has earned since it last looked to its budget. */
static void db_budget_refill(struct db_conn *d, int64_t now)
{
    int64_t cap = d->s->stmt_timeout ? d->s->stmt_timeout : DB_BUDGET_DEFAULT;
    d->budget += (now - d->budget_at) / DB_BUDGET_RATE;
    if (d->budget > cap) d->budget = cap;
    d->budget_at = now;
}

/* How long d must still wait for its next turn: its client reading what
 * is queued (polled) or its budget refilling; 0: it may run now. */
static int64_t db_wait_ns(struct db_conn *d, int64_t now)
{
    db_budget_refill(d, now);
    int64_t w = 0;
    if (d->blocked && buf_used(&d->c->out) >= DB_OUT_HIGH / 2 && !d->cancel) {
        w = DB_OUT_POLL;
        if (d->deadline && d->deadline - now < w) w = d->deadline - now;
    }
    if (d->budget < 0 && -d->budget * DB_BUDGET_RATE > w) w = -d->budget * DB_BUDGET_RATE;
    return w > 0 ? w : 0;
}

static int64_t db_turn(ae_loop *l, int64_t id, void *data);

/* The run queue's timer fires in delay ns, or sooner if it is due so. */
static void db_schedule_turn(struct db_srv *s, int64_t delay)
{
    int64_t at = clock_mono_ns() + delay;
    if (s->turn_timer) {
        if (s->turn_at <= at) return;
        ae_del_timer(s->loop, s->turn_timer);
    }
    s->turn_at = at;
    s->turn_timer = ae_add_timer_at(s->loop, at, db_turn, s);
}

static void db_run_enqueue(struct db_conn *d)
{
    struct db_srv *s = d->s;
    if (d->queued) return;
    d->queued = 1;
    d->rnext = NULL;
    if (s->run_tail) s->run_tail->rnext = d; else s->run_head = d;
    s->run_tail = d;
}

static void db_run_unqueue(struct db_conn *d)
{
    struct db_srv *s = d->s;
    struct db_conn **pp = &s->run_head, *prev = NULL;
    while (*pp && *pp != d) { prev = *pp; pp = &(*pp)->rnext; }
    if (*pp) {
        *pp = d->rnext;
        if (s->run_tail == d) s->run_tail = prev;
    }
    d->rnext = NULL;
    d->queued = 0;
}

/* d has more to run: it waits for a later turn. */
static void db_yield(struct db_conn *d)
{
    srv_hold(d->c);
    db_run_enqueue(d);
    db_schedule_turn(d->s, 0);
}

/* The run queue's timer: every connection queued before it fired that
 * may run now gets its turn (srv_resume runs its on_input); the others
 * stay queued, and the timer comes back when the first of them may. */
static int64_t db_turn(ae_loop *l, int64_t id, void *data)
{
    struct db_srv *s = data;
    (void)l; (void)id;
    s->turn_timer = 0;
    struct db_conn *list = s->run_head;
    s->run_head = s->run_tail = NULL;
    int64_t now = clock_mono_ns();
    while (list) {
        struct db_conn *d = list;
        list = d->rnext;
        d->queued = 0;
        d->rnext = NULL;
        if (db_wait_ns(d, now) > 0) {
            db_run_enqueue(d);
            continue;
        }
        srv_resume(d->c);
    }
    int64_t next = INT64_MAX;
    for (struct db_conn *d = s->run_head; d; d = d->rnext) {
        int64_t w = db_wait_ns(d, now);
        if (w < next) next = w;
    }
    if (s->run_head) db_schedule_turn(s, next);
    return AE_NOMORE;
}

/* Runs d's job for one turn: prepares the next statement of a Query if
 * none is open, then steps it until it ends or its output is full.
 * Returns 1 if the job goes on (at a later turn), 0 once it ended. */
static int db_job_run(struct db_conn *d)
{
    if (!d->st && (d->job != DB_JOB_QUERY || !db_query_next(d))) return 0;
    int64_t t0 = clock_mono_ns();
    db_run_start(d);
    int more = db_stmt_stopped(d, t0) ? 0 : db_stmt_step(d);
    db_run_end(d, t0);
    if (more) {
        d->blocked = 1;
        return 1;
    }
    db_stmt_end(d);
    if (d->job == DB_JOB_EXEC) {
        if (d->st_failed) d->ext_skip = 1;
        d->job = DB_JOB_NONE;
        return 0;
    }
    if (!d->st_failed && !db_blank(d->q_next)) return 1;
    db_query_end(d);
    return 0;
}

/* A CancelRequest for a statement that is not running now (it waits for
 * its turn, for its client to read, or for another's transaction): it
 * ends at its next turn. */
static void db_cancel_waiting(struct db_srv *s, int32_t pid, int32_t key)
{
    for (struct db_conn *d = s->run_head; d; d = d->rnext)
        if (d->pid == pid && d->key == key && d->st) d->cancel = 1;
    for (struct db_conn *d = s->wait_head; d; d = d->wnext)
        if (d->pid == pid && d->key == key && d->st) d->cancel = 1;
    if (s->run_head) db_schedule_turn(s, 0);
}

/* ---- what clients may do ---------------------------------------------- */

/* PRAGMAs that take an argument and only read. */
static const char *const db_query_pragmas[] = {
    "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo",
    "foreign_key_list", "foreign_key_check", "integrity_check", "quick_check", NULL,
};

/* Functions no client may call: they reach memory (fts3_tokenizer's
 * pointers), files or shared libraries. */
static const char *const db_banned_functions[] = {
    "fts3_tokenizer", "load_extension", "readfile", "writefile", "edit", NULL,
};

static int db_in_list(const char *const *list, const char *name)
{
    for (; name && *list; list++)
        if (!strcasecmp(*list, name)) return 1;
    return 0;
}

/* Tables that show what other sessions do (their prepared SQL) or the raw
 * file under every session's rows. */
static const char *const db_banned_tables[] = {
    "sqlite_stmt", "dbstat", "sqlite_dbpage", NULL,
};

/* 1 if a read of table may run: not an introspection table, and a
 * table-valued PRAGMA function only for the read-only PRAGMAs above. */
static int db_table_allowed(const char *table)
{
    if (!table) return 1;
    if (db_in_list(db_banned_tables, table)) return 0;
    if (strncasecmp(table, "pragma_", 7)) return 1;
    return db_in_list(db_query_pragmas, table + 7);
}

/* SQLite's authorizer: every client shares one connection, so nothing
 * that changes the connection for the others, outlives the session that
 * made it (TEMP objects, attached databases), shows other sessions'
 * statements, touches files other than the database, or reaches native
 * code is allowed.  ATTACH runs only inside VACUUM (its own temporary
 * database), which also refuses VACUUM INTO. */
static int db_authorize(void *arg, int action, const char *a1, const char *a2,
                        const char *a3, const char *a4)
{
    struct db_srv *s = arg;
    (void)a4;
    switch (action) {
    case SQLITE_ATTACH:
        if (s->vacuuming && a1 && !a1[0]) return SQLITE_OK;
        s->auth_why = "permission denied: ATTACH and VACUUM INTO are not allowed";
        return SQLITE_DENY;
    case SQLITE_DETACH:
        if (s->vacuuming) return SQLITE_OK;
        s->auth_why = "permission denied: DETACH is not allowed";
        return SQLITE_DENY;
    case SQLITE_CREATE_TABLE:           /* CREATE TABLE temp.x */
    case SQLITE_CREATE_VIEW:
    case SQLITE_CREATE_TRIGGER:
    case SQLITE_CREATE_INDEX:
        if (!a3 || strcasecmp(a3, "temp")) return SQLITE_OK;
        /* fall through */
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_VIEW:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_CREATE_TEMP_INDEX:
        s->auth_why = "permission denied: TEMP tables, views, triggers and indexes are not "
                      "allowed (the connection is shared by every client)";
        return SQLITE_DENY;
    case SQLITE_READ:
        if (db_table_allowed(a1)) return SQLITE_OK;
        s->auth_why = "permission denied: this table shows other sessions or the raw file";
        return SQLITE_DENY;
    case SQLITE_PRAGMA:
        if (!a2 || db_in_list(db_query_pragmas, a1)) return SQLITE_OK;
        s->auth_why = "permission denied: PRAGMAs that change settings are not allowed "
                      "(the connection is shared by every client)";
        return SQLITE_DENY;
    case SQLITE_FUNCTION:
        if (!db_in_list(db_banned_functions, a2)) return SQLITE_OK;
        s->auth_why = "permission denied for function";
        return SQLITE_DENY;
    }
    return SQLITE_OK;
}

/* SQLite's defensive settings, the authorizer and the statement clock on
 * the shared connection.  Returns 0, or -1 after logging why. */
static int db_harden(struct db_srv *s)
{
    static const int off[] = { SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER,
                               SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION,
                               SQLITE_DBCONFIG_TRUSTED_SCHEMA };
    int got = 0;
    if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &got) != SQLITE_OK || !got) {
        log_error("db: SQLite refuses its defensive mode");
        return -1;
    }
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++)
        sqlite3_db_config(s->db, off[i], 0, NULL);
    if (db_fn_register(s->db) != SQLITE_OK) {
        log_error("db: cannot register functions: %s", sqlite3_errmsg(s->db));
        return -1;
    }
    sqlite3_limit(s->db, SQLITE_LIMIT_LENGTH, DB_MAX_VALUE);
    sqlite3_limit(s->db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, DB_MAX_PATTERN);
    sqlite3_limit(s->db, SQLITE_LIMIT_VARIABLE_NUMBER, PGW_MAX_PARAMS);
    sqlite3_set_authorizer(s->db, db_authorize, s);
    sqlite3_progress_handler(s->db, 1000, db_progress, s);
    return 0;
}

/* ---- connection phases ------------------------------------------------ */

static void db_send_ready(struct db_conn *d)
{
    pgw_ready(&d->out, db_txn_status(d));
}

static void db_greet(struct db_conn *d, const char *user)
{
    size_t m = pgw_begin(&d->out, 'R');
    pgw_i32(&d->out, 0);                    /* AuthenticationOk */
    pgw_end(&d->out, m);
    static const char *const params[][2] = {
        { "server_version", "15.0 (hostmix)" }, { "server_encoding", "UTF8" },
        { "client_encoding", "UTF8" }, { "DateStyle", "ISO, MDY" },
        { "integer_datetimes", "on" }, { "IntervalStyle", "postgres" },
        { "standard_conforming_strings", "on" }, { "TimeZone", "UTC" },
        { "is_superuser", "on" }, { "application_name", "" },
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        pgw_param_status(&d->out, params[i][0], params[i][1]);
    pgw_param_status(&d->out, "session_authorization", user);
    m = pgw_begin(&d->out, 'K');
    pgw_i32(&d->out, d->pid);
    pgw_i32(&d->out, d->key);
    pgw_end(&d->out, m);
    d->phase = DB_PH_READY;
    db_send_ready(d);
}

/* A startup-phase message.  Returns SRV_OK or SRV_CLOSE. */
static int db_startup(struct db_conn *d, const struct pgw_msg *m)
{
    struct pgw_startup su;
    struct buf err = BUF_INIT;
    int bad = pgw_parse_startup(m, &su, &err);
    if (bad) pgw_error(&d->out, 'E', "FATAL", "08P01", buf_cstr(&err));
    buf_free(&err);
    if (bad) return SRV_CLOSE;
    if (su.version == PGW_SSL_REQUEST || su.version == PGW_GSS_REQUEST) {
        buf_append(&d->out, "N", 1);
        return SRV_OK;
    }
    /* A statement it names that ran was cancelled then (db_peek_cancel);
     * one waiting for its turn ends at that turn. */
    if (su.version == PGW_CANCEL) {
        db_cancel_waiting(d->s, su.cancel_pid, su.cancel_key);
        return SRV_CLOSE;
    }
    if (su.version != PGW_PROTO_V3) {
        char *why = strfmt("unsupported frontend protocol %d.%d: server supports 3.0",
                           su.version >> 16, su.version & 0xffff);
        pgw_error(&d->out, 'E', "FATAL", "0A000", why);
        free(why);
        return SRV_CLOSE;
    }
    if (!su.user[0]) {
        pgw_error(&d->out, 'E', "FATAL", "28000", "no PostgreSQL user name specified in startup packet");
        return SRV_CLOSE;
    }
    if (d->s->password) {
        size_t o = pgw_begin(&d->out, 'R');
        pgw_i32(&d->out, 3);                /* AuthenticationCleartextPassword */
        pgw_end(&d->out, o);
        d->phase = DB_PH_AUTH;
        free(d->user);
        d->user = strfmt("%s", su.user);
        return SRV_OK;
    }
    db_greet(d, su.user);
    return SRV_OK;
}

static int db_auth(struct db_conn *d, const struct pgw_msg *m)
{
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    const char *pw = pgw_rd_str(&r);
    if (m->type != 'p' || r.bad || strcmp(pw, d->s->password) != 0) {
        pgw_error(&d->out, 'E', "FATAL", "28P01", "password authentication failed");
        return SRV_CLOSE;
    }
    db_greet(d, d->user);
    return SRV_OK;
}

/* One message after startup: a Query or Execute becomes d's job, which
 * db_on_input runs.  Returns SRV_OK or SRV_CLOSE. */
static int db_message(struct db_conn *d, const struct pgw_msg *m)
{
    if (d->ext_skip && m->type != 'S' && m->type != 'X') return SRV_OK;
    struct pgw_rd r;
    pgw_rd_init(&r, m);
    switch (m->type) {
    case 'Q': {
        const char *sql = pgw_rd_str(&r);
        if (r.bad) { db_error(d, "08P01", "malformed Query message"); return SRV_CLOSE; }
        d->q_sql = strdup(sql);
        if (!d->q_sql) abort();
        d->q_next = d->q_sql;
        d->q_any = 0;
        d->st_failed = 0;
        d->job = DB_JOB_QUERY;          /* db_on_input runs it */
        return SRV_OK;
    }
    case 'P': db_ext_parse(d, m); return SRV_OK;
    case 'B': db_ext_bind(d, m); return SRV_OK;
    case 'D': db_ext_describe(d, m); return SRV_OK;
    case 'E':
        d->reread = db_ext_execute(d, m);
        return SRV_OK;
    case 'C': db_ext_close(d, m); return SRV_OK;
    case 'S':
        d->ext_skip = 0;
        db_send_ready(d);
        return SRV_OK;
    case 'H': return SRV_OK;
    case 'X': return SRV_CLOSE;
    default:
        pgw_error(&d->out, 'E', "FATAL", "08P01",
                  numstr_fmt("invalid frontend message type %d", (unsigned char)m->type).s);
        return SRV_CLOSE;
    }
}

/* Runs d's job for this on_input call if it may: not a second statement
 * in one call, nor past its budget (then it yields), nor inside another
 * client's transaction (then it waits in that queue).  Returns 1 if d
 * must stop taking input for now. */
static int db_job_turn(struct db_conn *d)
{
    if (d->ran || db_wait_ns(d, clock_mono_ns()) > 0) {
        db_yield(d);
        return 1;
    }
    if (!db_may_run(d)) return 1;
    d->ran = 1;
    if (!db_job_run(d)) return 0;
    db_yield(d);
    return 1;
}

static int db_on_input(struct srv_conn *c)
{
    struct db_conn *d = c->state;
    int rc = SRV_OK;
    d->ran = 0;
    while (rc == SRV_OK && !c->held) {
        if (d->job) {
            if (db_job_turn(d)) break;
            buf_consume(&c->in, d->job_len);    /* the job's message is done */
            d->job_len = 0;
            continue;
        }
        struct pgw_msg m;
        struct buf err = BUF_INIT;
        long n = pgw_frame(buf_head(&c->in), buf_used(&c->in), d->phase == DB_PH_STARTUP,
                           d->s->max_request, &m, &err);
        if (n < 0) pgw_error(&d->out, 'E', "FATAL", "08P01", buf_cstr(&err));
        buf_free(&err);
        if (n == 0) break;
        if (n < 0) {
            rc = SRV_CLOSE;
            break;
        }
        if (d->phase == DB_PH_STARTUP) rc = db_startup(d, &m);
        else if (d->phase == DB_PH_AUTH) rc = db_auth(d, &m);
        else rc = db_message(d, &m);
        if (d->reread) {                        /* held: read it again when resumed */
            d->reread = 0;
            break;
        }
        if (d->job) d->job_len = (size_t)n;     /* consumed when the job ends */
        else buf_consume(&c->in, (size_t)n);
    }
    if (d->out.len) {
        srv_write(c, buf_head(&d->out), buf_used(&d->out));
        buf_reset(&d->out);
    }
    return rc;
}

static void db_on_overflow(struct srv_conn *c)
{
    struct db_conn *d = c->state;
    pgw_error(&d->out, 'E', "FATAL", "54000", "message too long");
    srv_write(c, buf_head(&d->out), buf_used(&d->out));
    buf_reset(&d->out);
}

/* A CancelRequest's secret: random, so no session can guess another's. */
static int32_t db_secret_key(void)
{
    uint32_t k = 0;
    if (getrandom(&k, sizeof k, 0) != (ssize_t)sizeof k) {
        log_error("db: getrandom: %s", strerror(errno));
        abort();
    }
    return (int32_t)(k & 0x7fffffff);
}

static int db_open(struct srv_conn *c)
{
    struct db_srv *s = srv_ctx(c->srv);
    struct db_conn *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->c = c;
    d->s = s;
    d->pid = ++s->next_pid;
    d->key = db_secret_key();
    d->budget = s->stmt_timeout ? s->stmt_timeout : DB_BUDGET_DEFAULT;
    d->budget_at = clock_mono_ns();
    c->state = d;
    return 0;
}

static void db_close(struct srv_conn *c)
{
    struct db_conn *d = c->state;
    if (!d) return;
    struct db_srv *s = d->s;
    db_ext_reset(d);
    db_stmt_end(d);
    free(d->q_sql);
    if (d->queued) db_run_unqueue(d);
    if (s->owner == d) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        s->owner = NULL;
    }
    if (d->waiting) db_unqueue(d);
    db_schedule_pump(s);
    free(d->user);
    buf_free(&d->out);
    free(d);
    c->state = NULL;
}

static const struct srv_proto db_proto = {
    .name = "db",
    .open = db_open,
    .on_input = db_on_input,
    .on_overflow = db_on_overflow,
    .close = db_close,
};

/* ---- serve and prepare ------------------------------------------------ */

struct db_opts {
    struct srv_opts srv;
    int sync;
    char password[128];
    int64_t stmt_timeout, idle_txn_timeout, max_result;
};

static const struct opt_def db_serve_table[] = {
    SRV_OPTS(struct db_opts, srv),
    { "sync", OPT_BOOL, offsetof(struct db_opts, sync), 0, "yes", OPT_NO_RANGE, NULL, 0,
      "fsync the WAL on every commit (no: synchronous=NORMAL)" },
    { "password", OPT_STR, offsetof(struct db_opts, password), 128, "", OPT_NO_RANGE, NULL, 0,
      "require this cleartext password from clients (empty: trust)" },
    { "statement-timeout", OPT_DURATION, offsetof(struct db_opts, stmt_timeout), 0, "10s", 0,
      86400e9, NULL, 0, "cancel a query running longer (57014; 0: never)" },
    { "idle-in-transaction-timeout", OPT_DURATION, offsetof(struct db_opts, idle_txn_timeout), 0,
      "10s", 0, 86400e9, NULL, 0,
      "end a session whose open transaction runs no statement this long (25P03; 0: never)" },
    { "max-result", OPT_SIZE, offsetof(struct db_opts, max_result), 0, DB_MAX_RESULT, 4096,
      1 << 30, NULL, 0, "refuse a statement whose rows take more than this (54000)" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* Opens D/orders.db for serving; NULL after logging why. */
/* Opens (creating) the database file at path in WAL mode, configured;
 * NULL after logging why. */
static sqlite3 *db_open_path(const char *path, int sync)
{
    if (access(path, F_OK) < 0) log_warn("db: %s does not exist; starting an empty database", path);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        log_error("db: cannot open %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    char *err = NULL;
    char *pragmas = strfmt("PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; "
                           "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; "
                           "PRAGMA cache_size=-65536;", sync ? "FULL" : "NORMAL");
    int rc = sqlite3_exec(db, pragmas, NULL, NULL, &err);
    free(pragmas);
    if (rc != SQLITE_OK) {
        log_error("db: %s: %s", path, err ? err : "cannot configure");
        sqlite3_free(err);
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

static sqlite3 *db_open_file(const char *dir, int sync)
{
    struct stat sb;
    if (!dir[0] || stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        log_error("db: --data '%s' is not a directory (run hostmix prepare db)", dir);
        return NULL;
    }
    char *path = strfmt("%s/%s", dir, DB_FILE);
    sqlite3 *db = db_open_path(path, sync);
    free(path);
    return db;
}

/* Keeps the server, for the timers and cancels that reach connections. */
static void db_ready(struct srv *sv, void *ctx)
{
    ((struct db_srv *)ctx)->srv = sv;
}

static int db_serve(int argc, char **argv)
{
    struct db_opts o;
    int rc = opt_parse_argv(db_serve_table, &o, argc, argv,
                            "hostmix serve db --listen IP:PORT --data DIR", NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    log_set_tag("db");
    struct db_srv s = { 0 };
    s.db = db_open_file(o.srv.data, o.sync);
    if (!s.db) return CLI_FAILED;
    s.password = o.password[0] ? o.password : NULL;
    s.max_request = (size_t)o.srv.max_request;
    s.max_result = (size_t)o.max_result;
    s.stmt_timeout = o.stmt_timeout;
    s.idle_txn_timeout = o.idle_txn_timeout;
    if (db_harden(&s)) {
        sqlite3_close(s.db);
        return CLI_FAILED;
    }
    s.loop = ae_create(1024);
    rc = srv_serve(s.loop, &db_proto, &s, &o.srv, db_ready);
    s.srv = NULL;
    if (s.pump_timer) ae_del_timer(s.loop, s.pump_timer);
    if (s.idle_txn_timer) ae_del_timer(s.loop, s.idle_txn_timer);
    if (s.turn_timer) ae_del_timer(s.loop, s.turn_timer);
    ae_destroy(s.loop);
    sqlite3_close(s.db);
    return rc;
}

struct db_prep_opts {
    struct role_prep p;
    int64_t customers, items;
    int sql;
};

static const struct opt_def db_prep_table[] = {
    ROLE_PREP_OPTS(struct db_prep_opts, p),
    { "customers", OPT_INT, offsetof(struct db_prep_opts, customers), 0, "7500", 10, 1e8, NULL, 0,
      "customers (SPECjAppServer2004: 7,500 per unit of injection rate)" },
    { "items", OPT_INT, offsetof(struct db_prep_opts, items), 0, "1000", 10, 1e7, NULL, 0,
      "catalogue items (200 per category)" },
    { "sql", OPT_BOOL, offsetof(struct db_prep_opts, sql), 0, "no", OPT_NO_RANGE, NULL, 0,
      "print the same schema and rows as PostgreSQL SQL on stdout instead (for psql)" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

static int db_emit_stdout(void *ctx, const char *sql)
{
    (void)ctx;
    return fputs(sql, stdout) < 0 ? -1 : 0;
}

static int db_emit_sqlite(void *ctx, const char *sql)
{
    sqlite3 *db = ctx;
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        log_error("prepare db: %s", err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* Removes path+suffix (no matter whether it exists). */
static void db_unlink_beside(const char *path, const char *suffix)
{
    char *p = strfmt("%s%s", path, suffix);
    unlink(p);
    free(p);
}

/* db_prepare_file's work: the database built in tmp, renamed to path,
 * then the stamp written. */
static int db_build_file(const struct db_prep_opts *o, const struct oe_size *z, const char *path,
                         const char *tmp, const char *stamp)
{
    unlink(stamp);
    unlink(tmp);
    db_unlink_beside(path, "-wal");
    db_unlink_beside(path, "-shm");
    sqlite3 *db = NULL;
    int rc = sqlite3_open(tmp, &db);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; BEGIN;",
                          NULL, NULL, NULL);
    if (rc != SQLITE_OK || oe_generate(OE_SQLITE, z, db_emit_sqlite, db) ||
        sqlite3_exec(db, "COMMIT; ANALYZE;", NULL, NULL, NULL) != SQLITE_OK) {
        log_error("prepare db: cannot build %s: %s", tmp, db ? sqlite3_errmsg(db) : "no memory");
        sqlite3_close(db);
        unlink(tmp);
        return CLI_FAILED;
    }
    sqlite3_close(db);
    int fd = open(tmp, O_RDONLY);
    if (fd >= 0) { fsync(fd); close(fd); }
    if (rename(tmp, path) < 0) {
        log_error("prepare db: rename %s: %s", tmp, strerror(errno));
        return CLI_FAILED;
    }
    FILE *f = fopen(stamp, "w");
    if (!f) {
        log_error("prepare db: cannot write %s: %s", stamp, strerror(errno));
        return CLI_FAILED;
    }
    fprintf(f, "db --set %lld --seed %llu --customers %lld --items %lld\n", (long long)o->p.set,
            (unsigned long long)o->p.seed, (long long)o->customers, (long long)o->items);
    return fclose(f) ? CLI_FAILED : CLI_OK;
}

/* Builds D/orders.db through a temporary file renamed into place. */
static int db_prepare_file(const struct db_prep_opts *o, const struct oe_size *z)
{
    if (fs_mkdirs(o->p.data) < 0) {
        log_error("prepare db: cannot create %s: %s", o->p.data, strerror(errno));
        return CLI_FAILED;
    }
    char *path = strfmt("%s/%s", o->p.data, DB_FILE), *tmp = strfmt("%s.tmp", path);
    char *stamp = strfmt("%s/.hostmix-prepared", o->p.data);
    int rc = db_build_file(o, z, path, tmp, stamp);
    free(path);
    free(tmp);
    free(stamp);
    return rc;
}

static int db_prepare(int argc, char **argv)
{
    struct db_prep_opts o;
    int rc = opt_parse_argv(db_prep_table, &o, argc, argv,
                            "hostmix prepare db --data DIR [--customers N --items M] | --sql yes",
                            NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    struct oe_size z = { o.customers, o.items, o.p.seed, (uint64_t)o.p.set };
    if (o.sql) {
        rc = oe_generate(OE_POSTGRES, &z, db_emit_stdout, NULL);
        return rc || fflush(stdout) ? CLI_FAILED : CLI_OK;
    }
    if (!o.p.data[0]) {
        fprintf(stderr, "hostmix prepare db: --data DIR is required (or --sql yes)\n");
        return CLI_USAGE;
    }
    return db_prepare_file(&o, &z);
}

const struct role_ops role_db_ops = { "db", db_prepare, db_serve };
