/* app.c — the built-in app server: HTTP/1.1 + JSON order entry modelled
 * on SPECjAppServer2004's dealer domain (login, browse, purchase, manage),
 * backed by a PostgreSQL-protocol database through libpq.
 *
 * Flow: an HTTP request is parsed (roles/http.h), validated and turned
 * into an app_req; the client connection is held (srv_hold) while the
 * request runs one or more SQL round trips on a pooled libpq connection
 * driven asynchronously on the server's event loop (PQsendQuery, PQflush,
 * PQconsumeInput, PQgetResult); the last step renders the JSON answer and
 * resumes the connection.  With every pool connection busy, requests wait
 * in a FIFO.  A broken db connection fails its request with 503 and is
 * re-established in the background with backoff, so the app survives a
 * db restart.
 *
 * Every SQL text is built from integers the app has validated and from
 * constant strings; no client-supplied text ever reaches SQL, so nothing
 * needs escaping.  The same text runs on the built-in db and on
 * PostgreSQL.  Endpoints: docs/db-app.md. */
#include "roles/role.h"
#include "roles/srv.h"
#include "roles/http.h"
#include "roles/app_auth.h"
#include "roles/oe.h"
#include "core/exitcode.h"
#include "core/json.h"
#include "core/log.h"
#include "core/clock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpq-fe.h>

#define APP_MAX_LINES 20
#define APP_MAX_QTY 1000
#define APP_MAX_RESULTS 32          /* results of one round trip */
#define APP_LIST_MAX 20
#define APP_ID_ARG_MAX 32           /* a longer category=, page= or status= value is 400 */

enum app_kind { APP_LOGIN, APP_BROWSE, APP_ITEM, APP_PURCHASE, APP_LIST, APP_CANCEL };
enum app_dbstate { APP_DB_DOWN, APP_DB_CONNECTING, APP_DB_IDLE, APP_DB_BUSY };

struct app_srv;
struct app_db;

struct app_line { int64_t item, qty, price; };

/* One HTTP request in progress.  Owned by its client connection's state
 * until the client goes away mid-request; then (orphan) by the db
 * connection running it, which frees it when the db answers. */
struct app_req {
    struct app_srv *app;
    struct srv_conn *c;         /* NULL once orphaned */
    struct app_db *db;          /* running on, or NULL */
    struct app_req *qnext;      /* wait queue */
    int queued, keep_alive, head_only;
    enum app_kind kind;
    int step;
    int64_t customer, item, category, page, order, total;
    int open_only, defer, nlines;
    struct app_line lines[APP_MAX_LINES];
    PGresult *res[APP_MAX_RESULTS];
    int nres;
    int64_t timer;              /* the --db-timeout deadline */
};

struct app_db {
    struct app_srv *app;
    int idx;
    PGconn *pg;
    int fd, mask;
    enum app_dbstate state;
    struct app_req *req;        /* running; NULL while BUSY = rolling back */
    int64_t retry_timer, backoff;
    int warned;
};

/* A client connection's state. */
struct app_conn {
    struct http_parser ps;
    struct app_req *req;        /* in flight */
};

struct app_srv {
    ae_loop *loop;
    const char *conninfo;
    int npool;
    struct app_db *pool;
    struct app_req *qhead, *qtail;
    int64_t db_timeout;         /* ns a request may wait on the db; 0: none */
    struct app_auth auth;       /* session tokens */
};

static void app_db_event(ae_loop *l, int fd, void *data, int mask);
static void app_db_connect(struct app_db *db);
static void app_db_release(struct app_db *db);
static void app_dispatch(struct app_srv *a);

/* ---- responses -------------------------------------------------------- */

static void app_req_free(struct app_req *r)
{
    if (r->timer) ae_del_timer(r->app->loop, r->timer);
    for (int i = 0; i < r->nres; i++) PQclear(r->res[i]);
    free(r);
}

/* Sends a JSON body with status and resumes the client; frees r. */
static void app_finish(struct app_req *r, int status, struct buf *body)
{
    if (r->c) {
        struct srv_conn *c = r->c;
        http_respond(c, status, "application/json", NULL, buf_head(body), buf_used(body),
                     r->keep_alive, r->head_only);
        srv_count(c, status >= 400);
        ((struct app_conn *)c->state)->req = NULL;
        if (!r->keep_alive) srv_close(c, 0);
        srv_resume(c);
    }
    app_req_free(r);
}

/* Finishes r with {"error": msg} (and an item or sqlstate if given). */
static void app_fail(struct app_req *r, int status, const char *msg, int64_t item,
                     const char *sqlstate)
{
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    json_w_key(&w, "error");
    json_w_str(&w, msg);
    if (item) { json_w_key(&w, "item"); json_w_int(&w, item); }
    if (sqlstate) { json_w_key(&w, "sqlstate"); json_w_str(&w, sqlstate); }
    json_w_obj_end(&w);
    app_finish(r, status, &b);
    buf_free(&b);
}

/* ---- the db connection pool ------------------------------------------- */

static void app_db_watch(struct app_db *db, int mask)
{
    if (db->fd < 0) return;
    if (db->mask & ~mask) ae_del_file(db->app->loop, db->fd, db->mask & ~mask);
    if (mask & ~db->mask) ae_add_file(db->app->loop, db->fd, mask & ~db->mask, app_db_event, db);
    db->mask = mask;
}

static int64_t app_db_retry(ae_loop *l, int64_t id, void *data)
{
    struct app_db *db = data;
    (void)l; (void)id;
    db->retry_timer = 0;
    app_db_connect(db);
    return AE_NOMORE;
}

/* 1 if some pool connection is up or on its way up. */
static int app_pool_alive(struct app_srv *a)
{
    for (int i = 0; i < a->npool; i++)
        if (a->pool[i].state != APP_DB_DOWN) return 1;
    return 0;
}

/* Fails every queued request with 503 (no connection will take them). */
static void app_fail_queue(struct app_srv *a)
{
    while (a->qhead) {
        struct app_req *r = a->qhead;
        a->qhead = r->qnext;
        if (!a->qhead) a->qtail = NULL;
        r->queued = 0;
        app_fail(r, 503, "database unavailable", 0, NULL);
    }
}

/* Drops a broken connection: fails its request with 503, schedules a
 * reconnect with backoff. */
static void app_db_down(struct app_db *db, const char *why)
{
    struct app_srv *a = db->app;
    if (!db->warned) log_warn("app: db connection %d: %s", db->idx, why);
    db->warned = 1;
    app_db_watch(db, 0);
    if (db->pg) PQfinish(db->pg);
    db->pg = NULL;
    db->fd = -1;
    db->state = APP_DB_DOWN;
    struct app_req *r = db->req;
    db->req = NULL;
    if (r) {
        r->db = NULL;
        app_fail(r, 503, "database unavailable", 0, NULL);
    }
    db->backoff = db->backoff < 0 ? 0 : db->backoff ? db->backoff * 2 : 100 * CLOCK_NS_PER_MS;
    if (db->backoff > 2 * CLOCK_NS_PER_S) db->backoff = 2 * CLOCK_NS_PER_S;
    if (!db->retry_timer) db->retry_timer = ae_add_timer(a->loop, db->backoff, app_db_retry, db);
    if (!app_pool_alive(a)) app_fail_queue(a);
}

static void app_notice(void *arg, const char *msg) { (void)arg; (void)msg; }

/* Starts a non-blocking connect. */
static void app_db_connect(struct app_db *db)
{
    db->pg = PQconnectStart(db->app->conninfo);
    if (!db->pg || PQstatus(db->pg) == CONNECTION_BAD) {
        app_db_down(db, db->pg ? PQerrorMessage(db->pg) : "out of memory");
        return;
    }
    PQsetNoticeProcessor(db->pg, app_notice, NULL);
    db->state = APP_DB_CONNECTING;
    db->fd = PQsocket(db->pg);
    db->mask = 0;
    app_db_watch(db, AE_WRITABLE);
}

/* Advances a connect in progress. */
static void app_db_connecting(struct app_db *db)
{
    PostgresPollingStatusType st = PQconnectPoll(db->pg);
    int fd = PQsocket(db->pg);
    if (fd != db->fd) {             /* libpq moved to another socket */
        app_db_watch(db, 0);
        db->fd = fd;
        db->mask = 0;
    }
    switch (st) {
    case PGRES_POLLING_READING: app_db_watch(db, AE_READABLE); return;
    case PGRES_POLLING_WRITING: app_db_watch(db, AE_WRITABLE); return;
    case PGRES_POLLING_OK:
        if (db->warned) log_info("app: db connection %d up", db->idx);
        db->warned = 0;
        db->backoff = 0;
        PQsetnonblocking(db->pg, 1);
        db->state = APP_DB_IDLE;
        app_db_watch(db, AE_READABLE);
        app_dispatch(db->app);
        return;
    default:
        app_db_down(db, PQerrorMessage(db->pg));
    }
}

static void app_step(struct app_req *r);

/* Sends sql for r on its connection. */
static void app_send(struct app_req *r, const char *sql)
{
    struct app_db *db = r->db;
    for (int i = 0; i < r->nres; i++) PQclear(r->res[i]);
    r->nres = 0;
    if (!PQsendQuery(db->pg, sql)) {
        app_db_down(db, PQerrorMessage(db->pg));
        return;
    }
    int f = PQflush(db->pg);
    if (f < 0) { app_db_down(db, PQerrorMessage(db->pg)); return; }
    app_db_watch(db, AE_READABLE | (f ? AE_WRITABLE : 0));
}

/* Input on a busy connection: collects results; when the round trip is
 * complete hands them to the request's next step. */
static void app_db_input(struct app_db *db)
{
    if (!PQconsumeInput(db->pg)) {
        app_db_down(db, PQerrorMessage(db->pg));
        return;
    }
    while (!PQisBusy(db->pg)) {
        PGresult *res = PQgetResult(db->pg);
        if (!res) {
            struct app_req *r = db->req;
            if (!r) { app_db_release(db); return; }     /* a ROLLBACK finished */
            if (!r->c) {                                /* client went away */
                db->req = NULL;
                app_req_free(r);
                app_db_release(db);
                return;
            }
            r->step++;
            app_step(r);
            return;
        }
        struct app_req *r = db->req;
        if (r && r->nres < APP_MAX_RESULTS) r->res[r->nres++] = res;
        else PQclear(res);
    }
    if (PQstatus(db->pg) == CONNECTION_BAD) app_db_down(db, PQerrorMessage(db->pg));
}

static void app_db_event(ae_loop *l, int fd, void *data, int mask)
{
    struct app_db *db = data;
    (void)l; (void)fd;
    switch (db->state) {
    case APP_DB_CONNECTING:
        app_db_connecting(db);
        return;
    case APP_DB_BUSY:
        if (mask & AE_WRITABLE) {
            int f = PQflush(db->pg);
            if (f < 0) { app_db_down(db, PQerrorMessage(db->pg)); return; }
            if (!f) app_db_watch(db, AE_READABLE);
        }
        if (mask & AE_READABLE) app_db_input(db);
        return;
    case APP_DB_IDLE:               /* the server closed or sent a notice */
        if (!PQconsumeInput(db->pg) || PQstatus(db->pg) == CONNECTION_BAD) {
            /* e.g. the server's idle timeout: reconnect at once, quietly */
            log_info("app: db connection %d closed by the server while idle", db->idx);
            db->warned = 1;
            db->backoff = -1;
            app_db_down(db, "closed by the server");
        }
        return;
    case APP_DB_DOWN:
        return;
    }
}

/* A request is done with db: roll back anything left open, then take the
 * next waiting request. */
static void app_db_release(struct app_db *db)
{
    db->req = NULL;
    PGTransactionStatusType ts = PQtransactionStatus(db->pg);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
        db->state = APP_DB_BUSY;
        if (!PQsendQuery(db->pg, "ROLLBACK")) { app_db_down(db, PQerrorMessage(db->pg)); return; }
        PQflush(db->pg);
        app_db_watch(db, AE_READABLE);
        return;
    }
    db->state = APP_DB_IDLE;
    app_db_watch(db, AE_READABLE);
    app_dispatch(db->app);
}

/* Hands queued requests to idle connections. */
static void app_dispatch(struct app_srv *a)
{
    for (int i = 0; i < a->npool && a->qhead; i++) {
        struct app_db *db = &a->pool[i];
        if (db->state != APP_DB_IDLE) continue;
        struct app_req *r = a->qhead;
        a->qhead = r->qnext;
        if (!a->qhead) a->qtail = NULL;
        r->queued = 0;
        r->qnext = NULL;
        db->state = APP_DB_BUSY;
        db->req = r;
        r->db = db;
        r->step = 0;
        app_step(r);
    }
}

/* Removes a request that has not started from the wait queue. */
static void app_unqueue(struct app_req *r)
{
    struct app_srv *a = r->app;
    struct app_req **pp = &a->qhead, *prev = NULL;
    while (*pp && *pp != r) { prev = *pp; pp = &(*pp)->qnext; }
    if (*pp) { *pp = r->qnext; if (a->qtail == r) a->qtail = prev; }
    r->qnext = NULL;
    r->queued = 0;
}

/* The request's --db-timeout passed: 503 if it never got a connection,
 * 504 if the db did not answer.  A connection that did not answer in
 * time is dropped and opened again (dropping it ends its transaction on
 * the server), so it cannot hold a stale answer for the next request. */
static int64_t app_req_expire(ae_loop *l, int64_t id, void *data)
{
    struct app_req *r = data;
    (void)l;
    (void)id;
    r->timer = 0;
    if (r->queued) {
        app_unqueue(r);
        app_fail(r, 503, "database busy: no connection within the deadline", 0, NULL);
        return AE_NOMORE;
    }
    struct app_db *db = r->db;
    if (!db) return AE_NOMORE;
    db->req = NULL;
    r->db = NULL;
    app_fail(r, 504, "database did not answer within the deadline", 0, NULL);
    db->backoff = -1;
    app_db_down(db, "no answer within --db-timeout; reconnecting");
    return AE_NOMORE;
}

/* Queues r for a connection, or fails it when the db is unreachable. */
static void app_submit(struct app_req *r)
{
    struct app_srv *a = r->app;
    if (!app_pool_alive(a)) {
        app_fail(r, 503, "database unavailable", 0, NULL);
        return;
    }
    if (a->db_timeout) r->timer = ae_add_timer(a->loop, a->db_timeout, app_req_expire, r);
    r->queued = 1;
    if (a->qtail) a->qtail->qnext = r; else a->qhead = r;
    a->qtail = r;
    app_dispatch(a);
}

/* ---- request steps ------------------------------------------------------ */

static int64_t app_val(const PGresult *res, int row, int col)
{
    return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* Checks the round trip's results; on a db error fails r (503 if the
 * connection broke, 500 with the SQLSTATE otherwise) and returns -1. */
static int app_check(struct app_req *r)
{
    for (int i = 0; i < r->nres; i++) {
        ExecStatusType st = PQresultStatus(r->res[i]);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) continue;
        const char *state = PQresultErrorField(r->res[i], PG_DIAG_SQLSTATE);
        struct app_db *db = r->db;
        db->req = NULL;
        r->db = NULL;
        if (PQstatus(db->pg) == CONNECTION_BAD) {
            app_fail(r, 503, "database unavailable", 0, NULL);
            app_db_down(db, "connection lost");
        } else {
            log_warn("app: db error %s: %s", state ? state : "?", PQresultErrorMessage(r->res[i]));
            app_fail(r, 500, "database error", 0, state ? state : "XX000");
            app_db_release(db);
        }
        return -1;
    }
    return 0;
}

/* Ends r with status and body; returns its db connection to the pool. */
static void app_done(struct app_req *r, int status, struct buf *body)
{
    struct app_db *db = r->db;
    db->req = NULL;
    r->db = NULL;
    app_finish(r, status, body);
    app_db_release(db);
}

static void app_done_error(struct app_req *r, int status, const char *msg, int64_t item)
{
    struct app_db *db = r->db;
    db->req = NULL;
    r->db = NULL;
    app_fail(r, status, msg, item, NULL);
    app_db_release(db);
}

/* The i-th result of the last round trip, or NULL. */
static const PGresult *app_rows(const struct app_req *r, int i)
{
    return i < r->nres ? r->res[i] : NULL;
}

/* How one result column becomes a member of a JSON object. */
struct app_col {
    const char *key;
    int col;
    int is_str;         /* text as a JSON string; otherwise an integer */
};

/* Writes row i of res as the members cols[0..n) of an open object. */
static void app_json_members(struct json_w *w, const PGresult *res, int i,
                             const struct app_col *cols, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        json_w_key(w, cols[k].key);
        if (cols[k].is_str) json_w_str(w, PQgetvalue(res, i, cols[k].col));
        else json_w_int(w, app_val(res, i, cols[k].col));
    }
}

/* Writes "key": [ {row}, ... ] for every row of res (none when NULL). */
static void app_json_rows(struct json_w *w, const char *key, const PGresult *res,
                          const struct app_col *cols, size_t n)
{
    json_w_key(w, key);
    json_w_arr(w);
    for (int i = 0; res && i < PQntuples(res); i++) {
        json_w_obj(w);
        app_json_members(w, res, i, cols, n);
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
}

/* Answers 200 with the one row of res as an object, or 404 with why. */
static void app_done_row(struct app_req *r, const PGresult *res, const struct app_col *cols,
                         size_t n, const char *missing, int64_t id)
{
    if (!res || PQntuples(res) != 1) { app_done_error(r, 404, missing, id); return; }
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    app_json_members(&w, res, 0, cols, n);
    json_w_obj_end(&w);
    app_done(r, 200, &b);
    buf_free(&b);
}

#define APP_NCOLS(a) (sizeof (a) / sizeof (a)[0])

static void app_step_login(struct app_req *r, struct buf *sql)
{
    static const struct app_col cols[] = {
        { "customer", 0, 0 }, { "name", 1, 1 }, { "credit_limit", 2, 0 },
        { "balance", 3, 0 }, { "open_orders", 4, 0 } };
    if (r->step == 0) {
        buf_printf(sql, "SELECT c.id, c.name, c.credit_limit, c.balance, "
                   "(SELECT count(*) FROM orders o WHERE o.customer_id = c.id AND o.status = 'open') "
                   "FROM customers c WHERE c.id = %" PRId64, r->customer);
        return;
    }
    const PGresult *res = app_rows(r, 0);
    if (!res || PQntuples(res) != 1) { app_done_error(r, 404, "no such customer", 0); return; }
    const struct numstr token = app_auth_token(&r->app->auth, r->customer);
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    app_json_members(&w, res, 0, cols, APP_NCOLS(cols));
    json_w_key(&w, "token");
    json_w_str(&w, token.s);
    json_w_obj_end(&w);
    app_done(r, 200, &b);
    buf_free(&b);
}

static void app_step_browse(struct app_req *r, struct buf *sql)
{
    static const struct app_col cols[] = { { "id", 0, 0 }, { "name", 1, 1 }, { "price", 2, 0 } };
    if (r->step == 0) {
        buf_printf(sql, "SELECT id, name, price FROM items WHERE category = %" PRId64
                   " ORDER BY id LIMIT %d OFFSET %" PRId64, r->category, OE_PAGE_ITEMS,
                   (r->page - 1) * OE_PAGE_ITEMS);
        return;
    }
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    json_w_key(&w, "category"); json_w_int(&w, r->category);
    json_w_key(&w, "page"); json_w_int(&w, r->page);
    app_json_rows(&w, "items", app_rows(r, 0), cols, APP_NCOLS(cols));
    json_w_obj_end(&w);
    app_done(r, 200, &b);
    buf_free(&b);
}

static void app_step_item(struct app_req *r, struct buf *sql)
{
    static const struct app_col cols[] = {
        { "id", 0, 0 }, { "category", 1, 0 }, { "name", 2, 1 }, { "description", 3, 1 },
        { "price", 4, 0 }, { "stock", 5, 0 } };
    if (r->step == 0) {
        buf_printf(sql, "SELECT i.id, i.category, i.name, i.description, i.price, v.qty "
                   "FROM items i JOIN inventory v ON v.item_id = i.id WHERE i.id = %" PRId64, r->item);
        return;
    }
    app_done_row(r, app_rows(r, 0), cols, APP_NCOLS(cols), "no such item", r->item);
}

static void app_step_list(struct app_req *r, struct buf *sql)
{
    static const struct app_col cols[] = {
        { "order", 0, 0 }, { "status", 1, 1 }, { "total", 2, 0 }, { "lines", 3, 0 } };
    if (r->step == 0) {
        buf_printf(sql, "SELECT id, status, total, nlines FROM orders WHERE customer_id = %" PRId64
                   "%s ORDER BY id DESC LIMIT %d", r->customer,
                   r->open_only ? " AND status = 'open'" : "", APP_LIST_MAX);
        return;
    }
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    json_w_key(&w, "customer"); json_w_int(&w, r->customer);
    app_json_rows(&w, "orders", app_rows(r, 0), cols, APP_NCOLS(cols));
    json_w_obj_end(&w);
    app_done(r, 200, &b);
    buf_free(&b);
}

/* Purchase: (0) customer and prices; (1) inventory, decremented only where
 * enough is left; (2) the order row; (3) lines, balance, COMMIT.  The
 * order row is inserted only after every check passed, so a refused
 * purchase consumes no order id on either engine. */
static void app_step_purchase(struct app_req *r, struct buf *sql)
{
    switch (r->step) {
    case 0:
        buf_printf(sql, "BEGIN; SELECT id, credit_limit, balance FROM customers WHERE id = %" PRId64
                   "; SELECT id, price FROM items WHERE id IN (", r->customer);
        for (int i = 0; i < r->nlines; i++)
            buf_printf(sql, "%s%" PRId64, i ? ", " : "", r->lines[i].item);
        buf_puts(sql, ")");
        return;
    case 1: {
        const PGresult *cu = app_rows(r, 1), *it = app_rows(r, 2);
        if (!cu || PQntuples(cu) != 1) { app_done_error(r, 404, "no such customer", 0); return; }
        r->total = 0;
        for (int i = 0; i < r->nlines; i++) {
            int found = 0;
            for (int k = 0; it && k < PQntuples(it) && !found; k++) {
                if (app_val(it, k, 0) != r->lines[i].item) continue;
                r->lines[i].price = oe_line_price(app_val(it, k, 1), r->lines[i].qty);
                found = 1;
            }
            if (!found) { app_done_error(r, 404, "no such item", r->lines[i].item); return; }
            r->total += r->lines[i].price;
        }
        if (app_val(cu, 0, 2) + r->total > app_val(cu, 0, 1)) {
            app_done_error(r, 409, "credit limit exceeded", 0);
            return;
        }
        for (int i = 0; i < r->nlines; i++)
            buf_printf(sql, "UPDATE inventory SET qty = qty - %" PRId64 " WHERE item_id = %" PRId64
                       " AND qty >= %" PRId64 " RETURNING item_id;", r->lines[i].qty,
                       r->lines[i].item, r->lines[i].qty);
        return;
    }
    case 2:
        for (int i = 0; i < r->nlines; i++) {
            if (i < r->nres && PQntuples(r->res[i]) == 1) continue;
            app_done_error(r, 409, "insufficient stock", r->lines[i].item);
            return;
        }
        buf_printf(sql, "INSERT INTO orders (customer_id, status, total, nlines) VALUES (%" PRId64
                   ", '%s', %" PRId64 ", %d) RETURNING id", r->customer,
                   r->defer ? "open" : "shipped", r->total, r->nlines);
        return;
    case 3: {
        const PGresult *o = app_rows(r, 0);
        if (!o || PQntuples(o) != 1) { app_done_error(r, 500, "no order id returned", 0); return; }
        r->order = app_val(o, 0, 0);
        buf_puts(sql, "INSERT INTO order_lines (order_id, line_no, item_id, qty, price) VALUES ");
        for (int i = 0; i < r->nlines; i++)
            buf_printf(sql, "%s(%" PRId64 ", %d, %" PRId64 ", %" PRId64 ", %" PRId64 ")",
                       i ? ", " : "", r->order, i + 1, r->lines[i].item, r->lines[i].qty,
                       r->lines[i].price);
        buf_printf(sql, "; UPDATE customers SET balance = balance + %" PRId64 " WHERE id = %" PRId64
                   "; COMMIT", r->total, r->customer);
        return;
    }
    default: {
        struct buf b = BUF_INIT;
        struct json_w w;
        json_w_init(&w, &b, 0);
        json_w_obj(&w);
        json_w_key(&w, "order"); json_w_int(&w, r->order);
        json_w_key(&w, "customer"); json_w_int(&w, r->customer);
        json_w_key(&w, "status"); json_w_str(&w, r->defer ? "open" : "shipped");
        json_w_key(&w, "total"); json_w_int(&w, r->total);
        json_w_key(&w, "lines");
        json_w_arr(&w);
        for (int i = 0; i < r->nlines; i++) {
            json_w_obj(&w);
            json_w_key(&w, "item"); json_w_int(&w, r->lines[i].item);
            json_w_key(&w, "qty"); json_w_int(&w, r->lines[i].qty);
            json_w_key(&w, "price"); json_w_int(&w, r->lines[i].price);
            json_w_obj_end(&w);
        }
        json_w_arr_end(&w);
        json_w_obj_end(&w);
        app_done(r, 201, &b);
        buf_free(&b);
    }
    }
}

/* Cancel: (0) mark open -> cancelled, reading the total; (1a) restore
 * inventory, refund, COMMIT; or (1b) ROLLBACK and tell 404 from 409. */
static void app_step_cancel(struct app_req *r, struct buf *sql)
{
    switch (r->step) {
    case 0:
        buf_printf(sql, "BEGIN; UPDATE orders SET status = 'cancelled' WHERE id = %" PRId64
                   " AND customer_id = %" PRId64 " AND status = 'open' RETURNING total",
                   r->order, r->customer);
        return;
    case 1: {
        const PGresult *u = app_rows(r, 1);
        if (u && PQntuples(u) == 1) {
            r->total = app_val(u, 0, 0);
            buf_printf(sql, "UPDATE inventory SET qty = qty + (SELECT sum(l.qty) FROM order_lines l "
                       "WHERE l.order_id = %" PRId64 " AND l.item_id = inventory.item_id) "
                       "WHERE item_id IN (SELECT item_id FROM order_lines WHERE order_id = %" PRId64
                       "); UPDATE customers SET balance = balance - %" PRId64 " WHERE id = %" PRId64
                       "; COMMIT", r->order, r->order, r->total, r->customer);
        } else {
            r->step = 9;
            buf_printf(sql, "ROLLBACK; SELECT status FROM orders WHERE id = %" PRId64
                       " AND customer_id = %" PRId64, r->order, r->customer);
        }
        return;
    }
    case 2: {
        struct buf b = BUF_INIT;
        struct json_w w;
        json_w_init(&w, &b, 0);
        json_w_obj(&w);
        json_w_key(&w, "order"); json_w_int(&w, r->order);
        json_w_key(&w, "status"); json_w_str(&w, "cancelled");
        json_w_key(&w, "refund"); json_w_int(&w, r->total);
        json_w_obj_end(&w);
        app_done(r, 200, &b);
        buf_free(&b);
        return;
    }
    default: {
        const PGresult *s = app_rows(r, 1);
        if (s && PQntuples(s) == 1) app_done_error(r, 409, "order is not open", 0);
        else app_done_error(r, 404, "no such order", 0);
    }
    }
}

typedef void app_step_fn(struct app_req *r, struct buf *sql);
static app_step_fn *const app_steps[] = {
    [APP_LOGIN] = app_step_login, [APP_BROWSE] = app_step_browse, [APP_ITEM] = app_step_item,
    [APP_PURCHASE] = app_step_purchase, [APP_LIST] = app_step_list, [APP_CANCEL] = app_step_cancel,
};

/* Runs r's next step: either it queues more SQL or it finishes r. */
static void app_step(struct app_req *r)
{
    if (r->step > 0 && app_check(r)) return;
    struct buf sql = BUF_INIT;
    app_steps[r->kind](r, &sql);
    if (buf_used(&sql)) app_send(r, buf_cstr(&sql));
    buf_free(&sql);
}

/* ---- HTTP requests -------------------------------------------------------- */

/* A positive integer id from a decimal slice; -1 if not one. */
static int64_t app_parse_id(const char *p, size_t n)
{
    if (n == 0 || n > 12) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v > 0 ? v : -1;
}

/* An integer JSON member in [lo, hi]; -1 if absent or invalid. */
static int64_t app_json_int(const struct json_val *obj, const char *key, int64_t lo, int64_t hi)
{
    const struct json_val *v = json_get(obj, key);
    if (json_type(v) != JSON_NUMBER) return -1;
    double d = json_num(v, -1);
    if (d != (double)(int64_t)d || d < (double)lo || d > (double)hi) return -1;
    return (int64_t)d;
}

/* Parses the JSON body of r's request; NULL and an error in err. */
static struct json_doc *app_body(const struct http_req *hr, struct buf *err)
{
    if (!hr->body.n) {
        buf_printf(err, "request body required");
        return NULL;
    }
    struct json_doc *d = json_parse_buf(hr->body.p, hr->body.n, err);
    if (d && json_type(json_root(d)) != JSON_OBJECT) {
        buf_printf(err, "request body must be a JSON object");
        json_doc_free(d);
        return NULL;
    }
    return d;
}

/* Fills r from the purchase body; 0 or -1 with err. */
static int app_purchase_body(struct app_req *r, const struct json_val *root, struct buf *err)
{
    r->customer = app_json_int(root, "customer", 1, INT32_MAX);
    const struct json_val *lines = json_get(root, "lines");
    const struct json_val *defer = json_get(root, "defer");
    if (r->customer < 0) { buf_printf(err, "\"customer\" must be a positive integer"); return -1; }
    if (json_type(lines) != JSON_ARRAY || json_len(lines) < 1 || json_len(lines) > APP_MAX_LINES) {
        buf_printf(err, "\"lines\" must be an array of 1 to %d lines", APP_MAX_LINES);
        return -1;
    }
    if (defer && json_type(defer) != JSON_BOOL) { buf_printf(err, "\"defer\" must be a boolean"); return -1; }
    r->defer = json_bool(defer, 0);
    r->nlines = (int)json_len(lines);
    for (int i = 0; i < r->nlines; i++) {
        const struct json_val *l = json_at(lines, (size_t)i);
        r->lines[i].item = app_json_int(l, "item", 1, INT32_MAX);
        r->lines[i].qty = app_json_int(l, "qty", 1, APP_MAX_QTY);
        if (json_type(l) != JSON_OBJECT || r->lines[i].item < 0 || r->lines[i].qty < 0) {
            buf_printf(err, "line %d needs \"item\" (positive integer) and \"qty\" (1..%d)",
                     i + 1, APP_MAX_QTY);
            return -1;
        }
    }
    return 0;
}

/* Routes a request into r.  Returns 0 when r is ready for the db, or an
 * HTTP status with a message in err. */
static int app_route(struct app_req *r, const struct http_req *hr, struct buf *err)
{
    const char *p = hr->path.p;
    size_t len = hr->path.n;
    int get = hr->method == HTTP_M_GET || hr->method == HTTP_M_HEAD;
    int post = hr->method == HTTP_M_POST;
    const char *slash;
    char v[APP_ID_ARG_MAX];
    if (len == 6 && !memcmp(p, "/login", 6)) {
        if (!post) return 405;
        r->kind = APP_LOGIN;
    } else if (len == 6 && !memcmp(p, "/items", 6)) {
        if (!get) return 405;
        r->kind = APP_BROWSE;
        int k = http_query_get(hr->query, "category", v, sizeof v);
        r->category = k > 0 ? app_parse_id(v, (size_t)k) : -1;
        k = http_query_get(hr->query, "page", v, sizeof v);
        r->page = k == -1 ? 1 : k > 0 ? app_parse_id(v, (size_t)k) : -1;
        if (r->category < 0 || r->page < 0 || r->page > 1000000) {
            buf_printf(err, "need ?category=K (positive integer) and optional &page=P");
            return 400;
        }
        return 0;
    } else if (len > 7 && !memcmp(p, "/items/", 7)) {
        if (!get) return 405;
        r->kind = APP_ITEM;
        if ((r->item = app_parse_id(p + 7, len - 7)) < 0) return 404;
        return 0;
    } else if (len == 7 && !memcmp(p, "/orders", 7)) {
        if (!post) return 405;
        r->kind = APP_PURCHASE;
    } else if (len > 11 && !memcmp(p, "/customers/", 11) && (slash = memchr(p + 11, '/', len - 11)) &&
               (size_t)(p + len - slash) == 7 && !memcmp(slash, "/orders", 7)) {
        if (!get) return 405;
        r->kind = APP_LIST;
        if ((r->customer = app_parse_id(p + 11, (size_t)(slash - p - 11))) < 0) return 404;
        int k = http_query_get(hr->query, "status", v, sizeof v);
        if (k >= 0 && strcmp(v, "open") != 0) {
            buf_printf(err, "status may only be \"open\"");
            return 400;
        }
        r->open_only = k >= 0;
        return 0;
    } else if (len > 8 && !memcmp(p, "/orders/", 8) && (slash = memchr(p + 8, '/', len - 8)) &&
               (size_t)(p + len - slash) == 7 && !memcmp(slash, "/cancel", 7)) {
        if (!post) return 405;
        r->kind = APP_CANCEL;
        if ((r->order = app_parse_id(p + 8, (size_t)(slash - p - 8))) < 0) return 404;
    } else {
        return 404;
    }
    /* POST bodies */
    struct json_doc *d = app_body(hr, err);
    if (!d) return 400;
    const struct json_val *root = json_root(d);
    int rc = 0;
    if (r->kind == APP_PURCHASE) {
        rc = app_purchase_body(r, root, err) ? 400 : 0;
    } else {
        r->customer = app_json_int(root, "customer", 1, INT32_MAX);
        if (r->customer < 0) {
            buf_printf(err, "\"customer\" must be a positive integer");
            rc = 400;
        }
    }
    json_doc_free(d);
    return rc;
}

/* Requests that act for a customer (purchase, order list, cancel) must
 * carry that customer's token from POST /login.  Returns 0, 401 (no valid
 * token) or 403 (another customer's), with the reason in err. */
static int app_authorize(struct app_req *r, const struct http_req *hr, struct buf *err)
{
    if (r->kind != APP_PURCHASE && r->kind != APP_LIST && r->kind != APP_CANCEL) return 0;
    const struct http_slice *h = http_header(hr, "Authorization");
    int64_t who = -1;
    if (h && h->n > 7 && !strncasecmp(h->p, "Bearer ", 7))
        who = app_auth_check(&r->app->auth, h->p + 7, h->n - 7);
    if (who < 0) {
        buf_printf(err, "log in first: send \"Authorization: Bearer TOKEN\" with the token "
                 "POST /login answered");
        return 401;
    }
    if (who != r->customer) {
        buf_printf(err, "the token is for another customer");
        return 403;
    }
    return 0;
}

/* Answers r's request with status and {"error": why} without the db (why
 * NULL: the status's own words). */
static void app_refuse(struct srv_conn *c, const struct app_req *r, int status, const char *why)
{
    const char *allow = r->kind == APP_BROWSE || r->kind == APP_ITEM || r->kind == APP_LIST
                        ? "Allow: GET, HEAD\r\n" : "Allow: POST\r\n";
    struct buf b = BUF_INIT;
    struct json_w w;
    json_w_init(&w, &b, 0);
    json_w_obj(&w);
    json_w_key(&w, "error");
    json_w_str(&w, why ? why : status == 404 ? "not found" : "method not allowed");
    json_w_obj_end(&w);
    http_respond(c, status, "application/json",
                 status == 405 ? allow : status == 401 ? "WWW-Authenticate: Bearer\r\n" : NULL,
                 buf_head(&b), buf_used(&b), r->keep_alive, r->head_only);
    buf_free(&b);
    srv_count(c, 1);
}

static int app_on_input(struct srv_conn *c)
{
    struct app_conn *ac = c->state;
    struct http_req hr;
    int n = http_parse(&ac->ps, buf_head(&c->in), buf_used(&c->in), &hr);
    if (n == 0) {
        http_continue(&ac->ps, c);
        return SRV_OK;
    }
    if (n < 0) {
        http_respond_error(c, -n, NULL, 0, hr.method == HTTP_M_HEAD);
        srv_count(c, 1);
        return SRV_CLOSE;
    }
    struct app_req *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->app = srv_ctx(c->srv);
    r->c = c;
    r->keep_alive = hr.keep_alive;
    r->head_only = hr.method == HTTP_M_HEAD;
    struct buf err = BUF_INIT;
    int status = app_route(r, &hr, &err);
    if (!status) status = app_authorize(r, &hr, &err);
    buf_consume(&c->in, (size_t)n);
    if (status) app_refuse(c, r, status, buf_used(&err) ? buf_cstr(&err) : NULL);
    buf_free(&err);
    if (status) {
        int keep = r->keep_alive;
        free(r);
        return keep ? SRV_OK : SRV_CLOSE;
    }
    ac->req = r;
    srv_hold(c);
    app_submit(r);
    return SRV_OK;
}


static void app_on_overflow(struct srv_conn *c)
{
    struct app_conn *ac = c->state;
    http_respond_error(c, http_overflow_status(&ac->ps), NULL, 0, 0);
}

static int app_open(struct srv_conn *c)
{
    struct app_conn *ac = calloc(1, sizeof *ac);
    if (!ac) abort();
    struct http_limits lim = http_default_limits;
    lim.max_body = 64 * 1024;
    http_parser_init(&ac->ps, &lim);
    c->state = ac;
    return 0;
}

static void app_close(struct srv_conn *c)
{
    struct app_conn *ac = c->state;
    if (!ac) return;
    struct app_req *r = ac->req;
    if (r && r->c == c) {
        r->c = NULL;
        if (r->queued) {            /* not started: unlink and free */
            app_unqueue(r);
            app_req_free(r);
        }                           /* running: its db connection frees it */
    }
    free(ac);
    c->state = NULL;
}

static const struct srv_proto app_proto = {
    .name = "app",
    .open = app_open,
    .on_input = app_on_input,
    .on_overflow = app_on_overflow,
    .close = app_close,
    .busy_reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
};

struct app_opts {
    struct srv_opts srv;
    char db[512];
    int64_t pool, db_timeout;
};

static const struct opt_def app_serve_table[] = {
    SRV_OPTS(struct app_opts, srv),
    { "db", OPT_STR, offsetof(struct app_opts, db), 512, "", OPT_NO_RANGE, NULL, 0,
      "libpq conninfo of the database, e.g. \"host=127.1.4.1 port=5432 dbname=orders user=hostmix\"" },
    { "pool", OPT_INT, offsetof(struct app_opts, pool), 0, "8", 1, 1000, NULL, 0,
      "database connections (requests beyond wait in a queue)" },
    { "db-timeout", OPT_DURATION, offsetof(struct app_opts, db_timeout), 0, "5s", 0, 3600e9,
      NULL, 0, "answer 503 (no connection) or 504 (no answer) when a request's database "
      "work takes longer (0: wait forever)" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* Connects the db pool once the app listens. */
static void app_ready(struct srv *s, void *ctx)
{
    struct app_srv *a = ctx;
    (void)s;
    for (int i = 0; i < a->npool; i++) {
        a->pool[i] = (struct app_db){ .app = a, .idx = i, .fd = -1 };
        app_db_connect(&a->pool[i]);
    }
}

static int app_serve(int argc, char **argv)
{
    struct app_opts o;
    int rc = opt_parse_argv(app_serve_table, &o, argc, argv,
                            "hostmix serve app --listen IP:PORT --db CONNINFO [--pool N]", NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    if (!o.db[0]) {
        fprintf(stderr, "hostmix serve app: --db CONNINFO is required\n");
        return CLI_USAGE;
    }
    char *err = NULL;
    PQconninfoOption *ci = PQconninfoParse(o.db, &err);
    if (!ci) {
        fprintf(stderr, "hostmix serve app: bad --db '%s': %s", o.db, err ? err : "out of memory\n");
        PQfreemem(err);
        return CLI_USAGE;
    }
    PQconninfoFree(ci);
    log_set_tag("app");
    struct app_srv a = { 0 };
    a.loop = ae_create(1024);
    a.conninfo = o.db;
    a.npool = (int)o.pool;
    a.db_timeout = o.db_timeout;
    if (app_auth_init(&a.auth) < 0) {
        log_error("app: cannot draw a session key: %s", strerror(errno));
        ae_destroy(a.loop);
        return CLI_FAILED;
    }
    a.pool = calloc((size_t)a.npool, sizeof *a.pool);
    if (!a.pool) abort();
    rc = srv_serve(a.loop, &app_proto, &a, &o.srv, app_ready);   /* orphans requests
                                                                    * still running */
    for (int i = 0; i < a.npool; i++) {
        struct app_db *db = &a.pool[i];
        if (!db->app) continue;
        if (db->req) app_req_free(db->req);
        app_db_watch(db, 0);
        if (db->pg) PQfinish(db->pg);
        if (db->retry_timer) ae_del_timer(a.loop, db->retry_timer);
    }
    free(a.pool);
    ae_destroy(a.loop);
    return rc;
}

const struct role_ops role_app_ops = { "app", NULL, app_serve };
