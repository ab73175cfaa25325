/* fuzz_db.c — the db server's whole message handling on arbitrary client
 * bytes: startup, authentication, simple and extended queries, transaction
 * ownership and the wait queue, against an in-memory SQLite database.
 *
 * The server file is included so its static functions are reachable; a
 * connection is faked around a real struct srv (never listening) with
 * in_callback set, so output is queued and never sent.  The input is split
 * at 0xff 0xfe pairs into two clients that take turns, so one client's
 * transaction makes the other wait.  An input that starts with '#' is a
 * script instead (fz_script): letters that become well-framed messages
 * (Query, Parse, Bind, Describe, Execute, Sync, ...) with text from the
 * input, so pipelined extended-protocol sequences are reached at once.
 * Between pieces, what the run queue and the wait queue would do happens:
 * yielded and waiting clients get their turn.  The database is hardened
 * as served (authorizer, defensive mode, statement time limit), so no
 * input reaches files or native pointers. */
#include "../src/roles/db.c"

static struct srv *fz_srv;
static struct db_srv fz_db;

/* A fresh in-memory database with a small table. */
static void fz_open_db(void)
{
    if (fz_db.db) sqlite3_close(fz_db.db);
    sqlite3_open(":memory:", &fz_db.db);
    sqlite3_exec(fz_db.db, "PRAGMA foreign_keys=ON;"
                 "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL);"
                 "INSERT INTO t VALUES (1, 'one'), (2, 'two');", NULL, NULL, NULL);
    fz_db.stmt_timeout = CLOCK_NS_PER_S;    /* the server's limits, as served */
    if (db_harden(&fz_db)) abort();
}

static void fz_init(void)
{
    if (fz_srv) return;
    log_set_level(LOG_QUIET);
    fz_open_db();
    fz_db.loop = ae_create(64);
    fz_db.max_request = 1 << 16;
    fz_db.max_result = 1 << 20;
    struct srv_limits lim = { 100, 1 << 16, 0, 0, 0 };
    fz_srv = srv_create(fz_db.loop, &db_proto, &fz_db, &lim);
    fz_db.srv = fz_srv;
}

static struct srv_conn *fz_conn(void)
{
    struct srv_conn *c = calloc(1, sizeof *c);
    c->srv = fz_srv;
    c->fd = -1;
    c->file_fd = -1;
    c->in_callback = 1;             /* queue output, never send */
    db_open(c);
    return c;
}

/* Runs on_input until it stops consuming; returns 0 once the client closes. */
static int fz_feed(struct srv_conn *c)
{
    for (;;) {
        size_t before = buf_used(&c->in);
        if (c->held) return 1;
        int rc = db_on_input(c);
        buf_reset(&c->out);
        if (rc != SRV_OK) return 0;
        if (buf_used(&c->in) == before) return 1;
    }
}

/* What the run queue's and the wait queue's timers would do: a client
 * that yielded, or waits and nobody owns the database, goes on. */
static void fz_turns(struct srv_conn **c, int *open)
{
    for (int round = 0; round < 64; round++) {
        int moved = 0;
        for (int k = 0; k < 2; k++) {
            struct db_conn *d = c[k]->state;
            if (!open[k] || !c[k]->held) continue;
            if (d->queued) {
                db_run_unqueue(d);
                d->blocked = 0;
                d->budget = 0;
            } else if (!(d->waiting && fz_db.owner == NULL)) {
                continue;
            }
            c[k]->held = 0;
            open[k] = fz_feed(c[k]);
            if (d->waiting && fz_db.wait_head == d) db_unqueue(d);
            moved = 1;
        }
        if (!moved) return;
    }
}

/* Appends message type t with body p[0..n) to b. */
static void fz_msg(struct buf *b, char t, const void *p, size_t n)
{
    size_t m = pgw_begin(b, t);
    buf_append(b, p, n);
    pgw_end(b, m);
}

/* The text at *p up to a NUL or the end, stepping past it. */
static const char *fz_text(const uint8_t **p, const uint8_t *end, size_t *n)
{
    const char *t = (const char *)*p;
    const uint8_t *z = memchr(*p, 0, (size_t)(end - *p));
    *n = (size_t)((z ? z : end) - *p);
    *p = z ? z + 1 : end;
    return t;
}

/* Turns a script into wire bytes: after a startup message, Q/P TEXT\0
 * is a Query/Parse (P with its text's parameters typed int4), B N
 * VALUE\0... a Bind of N values, D S|P a Describe, E Execute, S Sync,
 * H Flush, C Close, X Terminate, | passes to the other client (written
 * as the 0xff 0xfe separator the raw mode uses).  Other bytes are left
 * out. */
static void fz_script(const uint8_t *p, const uint8_t *end, struct buf *b)
{
    static const char su[] = "\0\x03\0\0user\0fz\0\0";
    pgw_i32(b, (int32_t)sizeof su + 3);
    buf_append(b, su, sizeof su - 1);
    while (p < end) {
        char op = (char)*p++;
        size_t n, m;
        const char *t;
        switch (op) {
        case 'Q':
            t = fz_text(&p, end, &n);
            m = pgw_begin(b, 'Q');
            buf_append(b, t, n);
            buf_append(b, "", 1);
            pgw_end(b, m);
            break;
        case 'P':
            t = fz_text(&p, end, &n);
            m = pgw_begin(b, 'P');
            buf_append(b, "", 1);
            buf_append(b, t, n);
            buf_append(b, "", 1);
            pgw_i16(b, 1);
            pgw_i32(b, 23);
            pgw_end(b, m);
            break;
        case 'B': {
            int k = p < end ? *p++ % 4 : 0;
            m = pgw_begin(b, 'B');
            buf_append(b, "\0\0", 2);
            pgw_i16(b, 0);
            pgw_i16(b, (int16_t)k);
            for (int i = 0; i < k; i++) {
                t = fz_text(&p, end, &n);
                pgw_i32(b, (int32_t)n);
                buf_append(b, t, n);
            }
            pgw_i16(b, 0);
            pgw_end(b, m);
            break;
        }
        case 'D': {
            char w[2] = { p < end && *p++ == 'P' ? 'P' : 'S', 0 };
            fz_msg(b, 'D', w, 2);
            break;
        }
        case 'E': fz_msg(b, 'E', "\0\0\0\0\0", 5); break;
        case 'C': fz_msg(b, 'C', "S\0", 2); break;
        case 'S': case 'H': case 'X': fz_msg(b, op, NULL, 0); break;
        case '|':
            buf_append(b, "\xff\xfe", 2);
            pgw_i32(b, (int32_t)sizeof su + 3);
            buf_append(b, su, sizeof su - 1);
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
    struct buf script = { 0 };
    if (size && data[0] == '#') {
        fz_script(data + 1, data + size, &script);
        data = (const uint8_t *)buf_head(&script);
        size = buf_used(&script);
    }
    struct srv_conn *c[2] = { fz_conn(), fz_conn() };
    int open[2] = { 1, 1 };
    size_t start = 0;
    int who = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && !(i + 1 < size && data[i] == 0xff && data[i + 1] == 0xfe)) continue;
        if (open[who]) {
            buf_append(&c[who]->in, data + start, i - start);
            open[who] = fz_feed(c[who]);
        }
        start = i + 2;
        i++;
        who ^= 1;
        fz_turns(c, open);
    }
    fz_turns(c, open);
    buf_free(&script);
    for (int k = 0; k < 2; k++) {
        db_close(c[k]);
        buf_free(&c[k]->in);
        buf_free(&c[k]->out);
        free(c[k]);
    }
    if (fz_db.pump_timer) {
        ae_del_timer(fz_db.loop, fz_db.pump_timer);
        fz_db.pump_timer = 0;
    }
    if (fz_db.turn_timer) {
        ae_del_timer(fz_db.loop, fz_db.turn_timer);
        fz_db.turn_timer = 0;
    }
    /* keep the database small: start afresh now and then */
    static unsigned runs;
    if (++runs % 1000 == 0) fz_open_db();
    else sqlite3_exec(fz_db.db, "DELETE FROM t WHERE a > 2;", NULL, NULL, NULL);
    return 0;
}
