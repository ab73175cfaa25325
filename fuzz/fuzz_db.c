/* fuzz_db.c — the db server's whole message handling on arbitrary client
 * bytes: startup, authentication, simple and extended queries, transaction
 * ownership and the wait queue, against an in-memory SQLite database.
 *
 * The server file is included so its static functions are reachable; a
 * connection is faked around a real struct srv (never listening) with
 * in_callback set, so output is queued and never sent.  The input is split
 * at 0xff 0xfe pairs into two clients that take turns, so one client's
 * transaction makes the other wait.  The database is hardened as served
 * (authorizer, defensive mode, statement time limit), so no input reaches
 * files or native pointers. */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_init();
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
        /* what the pump would do: let a waiting client in */
        for (int k = 0; k < 2; k++)
            if (open[k] && c[k]->held && fz_db.owner == NULL) {
                c[k]->held = 0;
                open[k] = fz_feed(c[k]);
                if (fz_db.wait_head == c[k]->state) db_unqueue(c[k]->state);
            }
    }
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
    /* keep the database small: start afresh now and then */
    static unsigned runs;
    if (++runs % 1000 == 0) fz_open_db();
    else sqlite3_exec(fz_db.db, "DELETE FROM t WHERE a > 2;", NULL, NULL, NULL);
    return 0;
}
