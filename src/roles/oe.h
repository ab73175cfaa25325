/* oe.h — the order-entry data model shared by the db and app roles.
 *
 * Tables (money is integer cents everywhere, so SQLite and PostgreSQL
 * print identical text for every value):
 *   customers(id, name, credit_limit, balance)
 *   items(id, category, name, description, price)
 *   inventory(item_id, qty)
 *   orders(id, customer_id, status, total, nlines)
 *   order_lines(order_id, line_no, item_id, qty, price)
 *
 * The only difference between the engines is how orders.id is generated:
 * SQLite's INTEGER PRIMARY KEY (rowid alias) versus PostgreSQL's BIGSERIAL.
 * Both are read back with `INSERT ... RETURNING id`; the PostgreSQL script
 * moves the sequence past the loaded orders, so both engines hand out
 * max(id)+1 next.  Every other statement the app sends is the same text on
 * both engines.
 *
 * Rows are generated from (seed, set) only: the same options give the same
 * SQL text, byte for byte. */
#ifndef HOSTMIX_OE_H
#define HOSTMIX_OE_H

#include <stdint.h>

#include "core/buf.h"

enum oe_engine { OE_SQLITE, OE_POSTGRES };

#define OE_ITEMS_PER_CATEGORY 200   /* SPECjAppServer2004 loader */
#define OE_PAGE_ITEMS 10            /* items per browse page */
#define OE_INITIAL_STOCK 1000000    /* units of every item at load time */
#define OE_CREDIT_LIMIT 100000000000LL  /* cents per customer */

struct oe_size {
    int64_t customers, items;
    uint64_t seed, set;
};

/* Price in cents of a line of qty units at unit price: orders of 100
 * units or more (SPECjAppServer2004's large orders) get 10 % off, rounded
 * down to the cent.  Shared by the loader and the app. */
int64_t oe_line_price(int64_t unit_price, int64_t qty);

/* The number of categories for n items (at least 1). */
int64_t oe_categories(int64_t items);

/* Calls emit(ctx, sql) once per SQL chunk (each a complete statement or
 * several, NUL-terminated, valid until emit returns) that creates the
 * schema for engine and loads the rows of size.  Stops and returns emit's
 * first non-zero result; 0 when all was emitted. */
typedef int oe_emit_fn(void *ctx, const char *sql);
int oe_generate(enum oe_engine engine, const struct oe_size *size, oe_emit_fn *emit, void *ctx);

#endif
