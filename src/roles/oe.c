/* oe.c — the order-entry schema and its deterministic rows; see oe.h. */
#include "roles/oe.h"
#include "core/rng.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OE_BATCH 200        /* rows per INSERT statement */

static const char *const oe_schema_common[] = {
    "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
    "credit_limit BIGINT NOT NULL, balance BIGINT NOT NULL);\n",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, category INTEGER NOT NULL, name TEXT NOT NULL, "
    "description TEXT NOT NULL, price BIGINT NOT NULL CHECK (price > 0));\n",
    "CREATE INDEX items_category ON items (category, id);\n",
    "CREATE TABLE inventory (item_id INTEGER PRIMARY KEY REFERENCES items (id), "
    "qty BIGINT NOT NULL CHECK (qty >= 0));\n",
    NULL,   /* orders: engine-specific */
    "CREATE INDEX orders_customer ON orders (customer_id, status, id);\n",
    "CREATE TABLE order_lines (order_id BIGINT NOT NULL REFERENCES orders (id), "
    "line_no INTEGER NOT NULL, item_id INTEGER NOT NULL REFERENCES items (id), "
    "qty INTEGER NOT NULL CHECK (qty > 0), price BIGINT NOT NULL, "
    "PRIMARY KEY (order_id, line_no));\n",
};

#define OE_ORDERS_COLS "customer_id INTEGER NOT NULL REFERENCES customers (id), " \
    "status TEXT NOT NULL, total BIGINT NOT NULL, nlines INTEGER NOT NULL);\n"

static const char *const oe_orders_table[] = {
    [OE_SQLITE] = "CREATE TABLE orders (id INTEGER PRIMARY KEY, " OE_ORDERS_COLS,
    [OE_POSTGRES] = "CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, " OE_ORDERS_COLS,
};

static const char *const oe_words[] = {
    "red", "blue", "silver", "black", "compact", "family", "sport", "touring",
    "utility", "classic", "electric", "hybrid", "turbo", "diesel", "city", "coupe",
    "sedan", "wagon", "roadster", "van", "pickup", "cabrio", "estate", "limited",
};
#define OE_NWORDS (sizeof oe_words / sizeof oe_words[0])

int64_t oe_line_price(int64_t unit_price, int64_t qty)
{
    int64_t p = unit_price * qty;
    return qty >= 100 ? p - p / 10 : p;
}

int64_t oe_categories(int64_t items)
{
    int64_t n = (items + OE_ITEMS_PER_CATEGORY - 1) / OE_ITEMS_PER_CATEGORY;
    return n < 1 ? 1 : n;
}

/* Appends n words drawn from r, separated by spaces. */
static void oe_words_put(struct buf *b, struct rng *r, int n)
{
    for (int i = 0; i < n; i++)
        buf_printf(b, "%s%s", i ? " " : "", oe_words[rng_below(r, OE_NWORDS)]);
}

/* Batches rows into multi-row INSERT statements. */
struct oe_out {
    struct buf sql;
    const char *table;
    int rows;
    oe_emit_fn *emit;
    void *ctx;
    int rc;
};

static int oe_flush(struct oe_out *o)
{
    if (o->rows && !o->rc) {
        buf_puts(&o->sql, ";\n");
        o->rc = o->emit(o->ctx, buf_cstr(&o->sql));
    }
    buf_reset(&o->sql);
    o->rows = 0;
    return o->rc;
}

/* Starts a row of table; the caller appends the values and ")". */
static struct buf *oe_row(struct oe_out *o, const char *table)
{
    if (o->rows && (o->rows >= OE_BATCH || strcmp(o->table, table) != 0)) oe_flush(o);
    o->table = table;
    if (o->rows++ == 0) buf_printf(&o->sql, "INSERT INTO %s VALUES\n(", table);
    else buf_puts(&o->sql, ",\n(");
    return &o->sql;
}

/* One order per customer, 1-5 lines; half open, half shipped. */
static void oe_gen_orders(struct oe_out *o, const struct oe_size *z, struct rng *r,
                          const int64_t *price_of)
{
    for (int64_t c = 1; c <= z->customers && !o->rc; c++) {
        int n = 1 + (int)rng_below(r, 5);
        int64_t total = 0;
        for (int l = 1; l <= n; l++) {
            int64_t item = 1 + (int64_t)rng_below(r, (uint64_t)z->items);
            int64_t qty = rng_below(r, 10) == 0 ? 100 + (int64_t)rng_below(r, 101)
                                                : 10 + (int64_t)rng_below(r, 11);
            total += oe_line_price(price_of[item - 1], qty);
        }
        buf_printf(oe_row(o, "orders"), "%" PRId64 ",%" PRId64 ",'%s',%" PRId64 ",%d)",
                   c, c, rng_below(r, 2) ? "open" : "shipped", total, n);
    }
    oe_flush(o);
}

/* Order lines are regenerated from the same stream as the orders, so the
 * two passes agree without holding every line in memory. */
static void oe_gen_lines(struct oe_out *o, const struct oe_size *z, struct rng *r,
                         const int64_t *price_of)
{
    for (int64_t c = 1; c <= z->customers && !o->rc; c++) {
        int n = 1 + (int)rng_below(r, 5);
        for (int l = 1; l <= n; l++) {
            int64_t item = 1 + (int64_t)rng_below(r, (uint64_t)z->items);
            int64_t qty = rng_below(r, 10) == 0 ? 100 + (int64_t)rng_below(r, 101)
                                                : 10 + (int64_t)rng_below(r, 11);
            buf_printf(oe_row(o, "order_lines"),
                       "%" PRId64 ",%d,%" PRId64 ",%" PRId64 ",%" PRId64 ")",
                       c, l, item, qty, oe_line_price(price_of[item - 1], qty));
        }
        rng_below(r, 2);
    }
    oe_flush(o);
}

int oe_generate(enum oe_engine engine, const struct oe_size *z, oe_emit_fn *emit, void *ctx)
{
    struct oe_out o = { BUF_INIT, "", 0, emit, ctx, 0 };
    for (size_t i = 0; i < sizeof oe_schema_common / sizeof oe_schema_common[0] && !o.rc; i++)
        o.rc = emit(ctx, oe_schema_common[i] ? oe_schema_common[i] : oe_orders_table[engine]);
    struct rng r;
    rng_seed(&r, z->seed, z->set, 4);   /* stream 4: the db role */
    for (int64_t c = 1; c <= z->customers && !o.rc; c++) {
        struct buf *b = oe_row(&o, "customers");
        buf_printf(b, "%" PRId64 ",'", c);
        oe_words_put(b, &r, 2);
        buf_printf(b, " %" PRId64 "',%lld,0)", c, (long long)OE_CREDIT_LIMIT);
    }
    oe_flush(&o);
    int64_t *price_of = calloc((size_t)z->items, sizeof *price_of);
    if (!price_of) abort();
    int64_t per_cat = (z->items + oe_categories(z->items) - 1) / oe_categories(z->items);
    for (int64_t i = 1; i <= z->items && !o.rc; i++) {
        price_of[i - 1] = 1000000 + (int64_t)rng_below(&r, 4000000);    /* 10k-50k */
        struct buf *b = oe_row(&o, "items");
        buf_printf(b, "%" PRId64 ",%" PRId64 ",'", i, 1 + (i - 1) / per_cat);
        oe_words_put(b, &r, 2);
        buf_printf(b, " %" PRId64 "','", i);
        oe_words_put(b, &r, 8 + (int)rng_below(&r, 8));
        buf_printf(b, "',%" PRId64 ")", price_of[i - 1]);
    }
    oe_flush(&o);
    for (int64_t i = 1; i <= z->items && !o.rc; i++)
        buf_printf(oe_row(&o, "inventory"), "%" PRId64 ",%d)", i, OE_INITIAL_STOCK);
    oe_flush(&o);
    struct rng r2 = r;
    oe_gen_orders(&o, z, &r, price_of);
    oe_gen_lines(&o, z, &r2, price_of);
    free(price_of);
    if (!o.rc && engine == OE_POSTGRES)
        o.rc = emit(ctx, "SELECT setval(pg_get_serial_sequence('orders', 'id'), "
                         "(SELECT coalesce(max(id), 0) + 1 FROM orders), false);\n"
                         "ANALYZE;\n");
    buf_free(&o.sql);
    return o.rc;
}
