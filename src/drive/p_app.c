/* p_app.c — the app client: SPECjAppServer2004 dealer-domain sessions over
 * the endpoints of docs/db-app.md (docs/drive.md has the mix).
 *
 * A dealer logs in (POST /login) as a random customer, runs 5..15 business
 * transactions, then logs in again as another customer.  Transactions
 * are drawn Browse 50 %, Purchase 25 %, Manage 25 % [JAS]:
 *   Browse   = GET /items?category=K&page=1, 10 pages forward, 3 back;
 *              then GET /items/I of one item seen;
 *   Purchase = POST /orders with 1..5 lines; 90 % small orders (10..20
 *              units a line), 10 % large (100..200); half of the small
 *              orders deferred (left open);
 *   Manage   = GET /customers/C/orders?status=open, then POST
 *              /orders/O/cancel of the newest open order if there is one.
 * Every HTTP request is one paced operation.  POST /login answers a
 * session token, sent as "Authorization: Bearer" with every later request
 * of that login.
 *
 * Checks: the status (200, or 201 for a purchase), a body that parses as
 * JSON, and the fields the endpoint promises (e.g. "items" an array,
 * "order" a number).  Bodies are kept per connection for the check (a
 * reused buffer); the JSON reader allocates one arena per response. */
#include "drive/proto.h"
#include "proto/http1_resp.h"
#include "core/buf.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { A_LOGIN, A_BROWSE, A_ITEM, A_PURCHASE, A_ORDERS, A_CANCEL, A_NOPS };

static const char *const app_ops[] = {
    "login", "browse", "item", "purchase", "manage_orders", "cancel",
};
_Static_assert(sizeof app_ops / sizeof app_ops[0] == A_NOPS,
               "app_ops: one name per value");

enum { T_BROWSE, T_PURCHASE, T_MANAGE, T_NTX };
static const double app_tx_mix[T_NTX] = { 50, 25, 25 };

#define APP_ITEMS_PER_CATEGORY 200
#define APP_BROWSE_STEPS 15         /* 1 top + 10 forward + 3 back pages + 1 item */

struct app_state {
    int64_t customer;               /* 0: not logged in */
    int tx_left;                    /* transactions left in this login */
    int tx, step;                   /* current transaction and its step */
    int64_t category, page, item_seen, cancel_order;
    int64_t expect;                 /* HTTP status expected */
    struct numstr token;            /* the session token POST /login answered ("C.MAC"),
                                       "" before; a longer one is a malformed answer */
    struct buf url, json;           /* the request being built (json empty: a GET) */
    struct buf body;
    struct http_resp resp;
};

static int64_t app_categories(const struct drive_target_cfg *t)
{
    int64_t n = (t->items + APP_ITEMS_PER_CATEGORY - 1) / APP_ITEMS_PER_CATEGORY;
    return n > 0 ? n : 1;
}

static int app_load(const struct drive_target_cfg *t, void **shared, char *err, size_t errlen)
{
    if (t->customers < 1 || t->items < 1) {
        snprintf(err, errlen, "%s: app needs customers >= 1 and items >= 1", t->name);
        return -1;
    }
    *shared = NULL;
    return 0;
}

static void app_free(struct dp_conn *c)
{
    struct app_state *s = c->state;
    buf_free(&s->body);
    buf_free(&s->url);
    buf_free(&s->json);
}

/* Queues "METHOD url" with an optional JSON body, and the session token
 * once logged in. */
static void app_http(struct dp_conn *c, const char *method, const char *url, const char *json)
{
    struct app_state *s = c->state;
    buf_printf(c->out, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, url, c->cfg->addr);
    if (s->token.s[0])
        buf_printf(c->out, "Authorization: Bearer %s\r\n", s->token.s);
    if (json)
        buf_printf(c->out, "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                   strlen(json), json);
    else
        buf_puts(c->out, "\r\n");
}

static int app_purchase(struct dp_conn *c, struct buf *url, struct buf *json)
{
    struct app_state *s = c->state;
    struct rng *r = c->rng;
    int large = rng_below(r, 10) == 0, lines = 1 + (int)rng_below(r, 5);
    int defer = !large && rng_below(r, 2);
    buf_printf(json, "{\"customer\":%lld,\"lines\":[", (long long)s->customer);
    for (int i = 0; i < lines; i++) {
        int64_t item = 1 + (int64_t)rng_below(r, (uint64_t)c->cfg->items);
        int64_t qty = large ? 100 + (int64_t)rng_below(r, 101) : 10 + (int64_t)rng_below(r, 11);
        buf_printf(json, "%s{\"item\":%lld,\"qty\":%lld}", i ? "," : "", (long long)item,
                   (long long)qty);
    }
    buf_printf(json, "],\"defer\":%s}", defer ? "true" : "false");
    buf_puts(url, "/orders");
    s->expect = 201;
    return A_PURCHASE;
}

/* The next request of the current transaction; returns its operation. */
static int app_tx_step(struct dp_conn *c, struct buf *url, struct buf *json)
{
    struct app_state *s = c->state;
    if (s->tx == T_PURCHASE) {
        s->step = -1;
        return app_purchase(c, url, json);
    }
    if (s->tx == T_MANAGE) {
        if (s->step == 0) {
            s->cancel_order = 0;
            buf_printf(url, "/customers/%lld/orders?status=open", (long long)s->customer);
            s->step = 1;
            return A_ORDERS;
        }
        s->step = -1;
        buf_printf(url, "/orders/%lld/cancel", (long long)s->cancel_order);
        buf_printf(json, "{\"customer\":%lld}", (long long)s->customer);
        return A_CANCEL;
    }
    /* browse: page 1, forward to 11, back to 8, then one item */
    int st = s->step++;
    if (st == APP_BROWSE_STEPS - 1) {
        s->step = -1;
        int64_t item = s->item_seen ? s->item_seen : 1 + (int64_t)rng_below(c->rng, (uint64_t)c->cfg->items);
        buf_printf(url, "/items/%lld", (long long)item);
        return A_ITEM;
    }
    if (st == 0) {
        s->category = 1 + (int64_t)rng_below(c->rng, (uint64_t)app_categories(c->cfg));
        s->page = 1;
        s->item_seen = 0;
    } else {
        s->page += st <= 10 ? 1 : -1;
    }
    buf_printf(url, "/items?category=%lld&page=%lld", (long long)s->category, (long long)s->page);
    return A_BROWSE;
}

static int app_request(struct dp_conn *c)
{
    struct app_state *s = c->state;
    int op;
    buf_reset(&s->url);
    buf_reset(&s->json);
    s->expect = 200;
    if (!s->customer || (s->tx_left <= 0 && s->step < 0)) {
        s->customer = 1 + (int64_t)rng_below(c->rng, (uint64_t)c->cfg->customers);
        s->tx_left = 5 + (int)rng_below(c->rng, 11);
        s->step = -1;
        s->token.s[0] = 0;                       /* the next login answers one */
        buf_printf(&s->json, "{\"customer\":%lld}", (long long)s->customer);
        buf_puts(&s->url, "/login");
        op = A_LOGIN;
    } else {
        if (s->tx == T_MANAGE && s->step == 1 && !s->cancel_order) s->step = -1;
        if (s->step < 0) {                       /* a new transaction */
            s->tx = rng_pick(c->rng, app_tx_mix, T_NTX);
            s->step = 0;
            s->tx_left--;
        }
        op = app_tx_step(c, &s->url, &s->json);
    }
    buf_reset(&s->body);
    http_resp_init(&s->resp, &s->body);
    int post = buf_used(&s->json) > 0;
    app_http(c, post ? "POST" : "GET", buf_cstr(&s->url), post ? buf_cstr(&s->json) : NULL);
    return op;
}

/* Does the parsed body have the shape op promises?  Remembers what later
 * steps need (an item seen, an order to cancel). */
static int app_shape(struct dp_conn *c, const struct json_val *v)
{
    struct app_state *s = c->state;
    if (json_type(v) != JSON_OBJECT) return 0;
    const struct json_val *a;
    switch (c->op) {
    case A_LOGIN: {
        const char *tok = json_str(json_get(v, "token"), "");
        if (!tok[0] || strlen(tok) >= sizeof s->token.s) return 0;
        s->token = numstr_fmt("%s", tok);
        return json_type(json_get(v, "customer")) == JSON_NUMBER &&
               json_num(json_get(v, "customer"), 0) == (double)s->customer;
    }
    case A_BROWSE:
        a = json_get(v, "items");
        if (json_type(a) != JSON_ARRAY) return 0;
        if (json_len(a)) s->item_seen = (int64_t)json_num(json_get(json_at(a, 0), "id"), 0);
        return 1;
    case A_ITEM:
        return json_type(json_get(v, "id")) == JSON_NUMBER;
    case A_PURCHASE:
        return json_type(json_get(v, "order")) == JSON_NUMBER &&
               json_type(json_get(v, "lines")) == JSON_ARRAY;
    case A_ORDERS:
        a = json_get(v, "orders");
        if (json_type(a) != JSON_ARRAY) return 0;
        for (size_t i = 0; i < json_len(a); i++) {
            const char *st = json_str(json_get(json_at(a, i), "status"), "");
            if (!strcmp(st, "open")) {
                s->cancel_order = (int64_t)json_num(json_get(json_at(a, i), "order"), 0);
                break;
            }
        }
        if (!s->cancel_order) s->step = -1;      /* nothing to cancel */
        return 1;
    case A_CANCEL:
        return !strcmp(json_str(json_get(v, "status"), ""), "cancelled");
    }
    return 0;
}

static int app_parse(struct dp_conn *c, const char *p, size_t n, size_t *used)
{
    struct app_state *s = c->state;
    int rc = http_resp_feed(&s->resp, p, n, used);
    if (rc == HTTP_RESP_MORE) return DP_MORE;
    if (rc == HTTP_RESP_ERROR) return DP_FATAL;
    c->close_after = s->resp.close;
    if (s->resp.status != s->expect) {
        if (c->op == A_ORDERS) s->step = -1;
        return DP_ERR;
    }
    struct json_doc *d = json_parse(buf_head(&s->body), buf_used(&s->body), NULL, 0);
    int ok = d && app_shape(c, json_root(d));
    json_doc_free(d);
    if (!ok && c->op == A_ORDERS) s->step = -1;
    return ok ? DP_OK : DP_ERR;
}

const struct drive_proto drive_proto_app = {
    .name = "app",
    .nops = A_NOPS,
    .ops = app_ops,
    .state_size = sizeof(struct app_state),
    .load = app_load,
    .free_state = app_free,
    .request = app_request,
    .parse = app_parse,
};
