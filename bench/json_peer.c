/* json_peer.c — hostmix's JSON (core/json.h) against jansson on what the
 * app role and the load driver do per request: write a catalog page
 * (10 items of id, name, price, as roles/app.c answers GET /catalog), parse
 * it (the driver's response check, drive/p_app.c), parse an order body
 * (roles/app.c on POST /orders); and on a stored result.json (hostmix
 * report, compare).  Prints ns per document and the ratio jansson /
 * hostmix (the fastest of 5 rounds), and how each writes a few doubles.  Built and run by
 * bench/json.sh.  jansson's names clash with core/json.h's, so its half
 * lives in the functions at the end, declared here. */
#include "core/clock.h"
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *peer_parse(const char *text, size_t len);
void peer_free(void *doc);
void peer_catalog(void);
void peer_double(double v, char *out, size_t n);

static void catalog(struct buf *b)
{
    struct json_w w;
    buf_reset(b);
    json_w_init(&w, b, 0);
    json_w_obj(&w);
    json_w_key(&w, "category"); json_w_int(&w, 3);
    json_w_key(&w, "page"); json_w_int(&w, 1);
    json_w_key(&w, "items");
    json_w_arr(&w);
    for (int i = 0; i < 10; i++) {
        json_w_obj(&w);
        json_w_key(&w, "id"); json_w_int(&w, 1000 + i);
        json_w_key(&w, "name"); json_w_str(&w, "item 0001042 blue");
        json_w_key(&w, "price"); json_w_int(&w, 1999 + i);
        json_w_obj_end(&w);
    }
    json_w_arr_end(&w);
    json_w_obj_end(&w);
}

/* ns per call of one of the four operations on text (n bytes). */
static double per_doc(int what, int peer, const char *text, size_t n, int reps)
{
    struct buf b = BUF_INIT;
    char err[256];
    int64_t t0 = clock_mono_ns();
    for (int i = 0; i < reps; i++) {
        if (what == 0 && peer) peer_catalog();
        else if (what == 0) catalog(&b);
        else if (peer) peer_free(peer_parse(text, n));
        else json_doc_free(json_parse(text, n, err, sizeof err));
    }
    buf_free(&b);
    return (double)(clock_mono_ns() - t0) / reps;
}

/* The fastest of 5 rounds (the least disturbed by other work). */
static double best(int what, int peer, const char *text, size_t n, int reps)
{
    double min = per_doc(what, peer, text, n, reps);
    for (int i = 1; i < 5; i++) {
        double t = per_doc(what, peer, text, n, reps);
        if (t < min) min = t;
    }
    return min;
}

static void row(const char *what, int op, const char *text, size_t n, int reps)
{
    double ours = best(op, 0, text, n, reps), peer = best(op, 1, text, n, reps);
    printf("%-34s %7zu B  hostmix %9.0f ns  jansson %9.0f ns  jansson/hostmix %.2f\n", what, n,
           ours, peer, peer / ours);
}

int main(int argc, char **argv)
{
    struct buf cat = BUF_INIT;
    catalog(&cat);
    static const char order[] = "{\"customer\":4711,\"lines\":[{\"item\":12,\"qty\":2},"
                                "{\"item\":907,\"qty\":1},{\"item\":3301,\"qty\":5}],\"defer\":false}";
    row("write catalog page (app, per GET)", 0, NULL, buf_used(&cat), 4000);
    row("parse catalog page (driver check)", 1, buf_head(&cat), buf_used(&cat), 4000);
    row("parse order body (app, per POST)", 1, order, sizeof order - 1, 10000);
    if (argc > 1) {
        FILE *f = fopen(argv[1], "rb");
        static char big[1 << 22];
        size_t n = f ? fread(big, 1, sizeof big, f) : 0;
        if (f) fclose(f);
        if (n) row("parse result.json (report)", 1, big, n, 40);
    }
    static const double v[] = { 0.1, 0.535, 2, 1.0 / 3, 1e300 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct buf b = BUF_INIT;
        struct json_w w;
        char peer[64];
        json_w_init(&w, &b, 0);
        json_w_double(&w, v[i]);
        peer_double(v[i], peer, sizeof peer);
        printf("double %-22.17g hostmix %-22s jansson %s\n", v[i], buf_cstr(&b), peer);
        buf_free(&b);
    }
    buf_free(&cat);
    return 0;
}
