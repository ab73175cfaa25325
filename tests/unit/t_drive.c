/* t_drive.c — the load driver's HTTP response parser, QoS verdicts and
 * result output (the engine itself is tested by tests/integ/60_drive*). */
#include "test.h"
#include "drive/drive.h"
#include "proto/http1_resp.h"
#include "drive/results.h"
#include "drive/proto.h"

#include <stdlib.h>
#include <unistd.h>

#include "job/job.h"

/* Feeds s to a fresh parser in pieces of step bytes; returns the verdict
 * and the bytes consumed in *used. */
static int feed(struct http_resp *r, struct buf *keep, const char *s, size_t step, size_t *used)
{
    size_t n = strlen(s), off = 0, avail = 0;
    int rc = HTTP_RESP_MORE;
    http_resp_init(r, keep);
    while (rc == HTTP_RESP_MORE && avail < n) {
        avail = avail + step < n ? avail + step : n;
        size_t u = 0;
        rc = http_resp_feed(r, s + off, avail - off, &u);
        off += u;
    }
    *used = off;
    return rc;
}

TEST(drive_http_content_length_any_split)
{
    const char *msg = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhelloHTTP/1.1";
    for (size_t step = 1; step < 60; step++) {
        struct http_resp r;
        struct buf keep = BUF_INIT;
        size_t used;
        T_EQ_INT(feed(&r, &keep, msg, step, &used), HTTP_RESP_DONE);
        T_EQ_INT(r.status, 200);
        T_EQ_INT(r.body_bytes, 5);
        T_EQ_INT(used, strlen(msg) - 8);           /* the next response is left */
        T_ASSERT(buf_used(&keep) == 5 && !memcmp(buf_head(&keep), "hello", 5));
        T_EQ_INT(r.close, 0);
        buf_free(&keep);
    }
}

TEST(drive_http_chunked_and_close)
{
    const char *msg = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                      "3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: 1\r\n\r\n";
    for (size_t step = 1; step < 40; step += 3) {
        struct http_resp r;
        size_t used;
        T_EQ_INT(feed(&r, NULL, msg, step, &used), HTTP_RESP_DONE);
        T_EQ_INT(r.status, 404);
        T_EQ_INT(r.body_bytes, 13);
        T_EQ_INT(r.close, 1);
        T_EQ_INT(used, strlen(msg));
    }
}

TEST(drive_http_no_body_statuses)
{
    struct http_resp r;
    size_t used;
    T_EQ_INT(feed(&r, NULL, "HTTP/1.1 304 Not Modified\r\n\r\n", 100, &used), HTTP_RESP_DONE);
    T_EQ_INT(r.body_bytes, 0);
    T_EQ_INT(feed(&r, NULL, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 100, &used), HTTP_RESP_DONE);
    T_EQ_INT(r.close, 1);                      /* HTTP/1.0 without keep-alive */
}

TEST(drive_http_errors)
{
    static const char *const bad[] = {
        "HTTP/2 200 OK\r\n\r\n",
        "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",                              /* no framing */
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
        "HTTP/1.1 200 OK\r\nbad header\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct http_resp r;
        size_t used;
        if (feed(&r, NULL, bad[i], 7, &used) != HTTP_RESP_ERROR) {
            t_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
            return;
        }
        T_ASSERT(r.error != NULL);
    }
}

TEST(drive_http_head_too_long)
{
    size_t n = HTTP_RESP_MAX_HEAD + 10;
    char *s = malloc(n + 1);
    memset(s, 'a', n);
    s[n] = 0;
    memcpy(s, "HTTP/1.1 200 OK\r\nX: ", 20);
    struct http_resp r;
    size_t used;
    int rc = feed(&r, NULL, s, n, &used);
    free(s);
    T_EQ_INT(rc, HTTP_RESP_ERROR);
}

/* A target result with n requests of latency ns each (corrected) and errs errors. */
static struct drive_target_result *mk_result(int64_t ns, int n, int errs, const char *qos)
{
    struct drive_target_result *r = calloc(1, sizeof *r);
    char err[128];
    struct tstats *s = tstats_new(1);
    static const char *const ops[] = { "op" };
    for (int i = 0; i < n; i++)
        tstats_record(s, 0, i < errs ? DP_ERR : DP_OK, 1000, 1000 + ns / 2, 1000 + ns, 10);
    r->nops = 1;
    tstats_merge(r, s);
    free(s);
    if (opt_parse_qos(qos, &r->cfg.qos, err, sizeof err)) abort();
    results_finish(r, ops, 1000000000);
    return r;
}

TEST(drive_qos_verdicts)
{
    struct drive_target_result *r = mk_result(5000000, 100, 0, "p99<=10ms,errors<=0%");
    T_EQ_INT(r->qos_pass, 1);
    T_ASSERT(r->qos_failed == NULL);
    T_NEAR(r->achieved_rate, 100, 1e-9);
    T_EQ_INT(r->all.corrected.count, 100);
    T_NEAR(hist_percentile(&r->all.uncorrected, 50), 2500000, 2500000 * HIST_REL_ERROR);
    free(r->qos_failed);
    free(r);
    r = mk_result(20000000, 100, 0, "errors<=1%,p99<=10ms");
    T_EQ_INT(r->qos_pass, 0);
    T_ASSERT(strncmp(r->qos_failed, "p99<=10ms (p99 = 20", 19) == 0);
    free(r->qos_failed);
    free(r);
    r = mk_result(1000, 100, 2, "p99<=10ms,errors<=1%");
    T_EQ_INT(r->qos_pass, 0);
    T_EQ_STR(r->qos_failed, "errors<=1% (errors = 2%)");
    T_EQ_INT(r->all.errors, 2);
    free(r->qos_failed);
    free(r);
    r = mk_result(1000, 0, 0, "mean<1s");
    T_EQ_INT(r->qos_pass, 0);                   /* no responses cannot pass */
    T_EQ_STR(r->qos_failed, "mean<1s (no responses)");
    free(r->qos_failed);
    free(r);
    r = mk_result(1000, 0, 0, "none");
    T_EQ_INT(r->qos_pass, 1);
    free(r->qos_failed);
    free(r);
}

TEST(drive_results_json_shape)
{
    struct drive_target_result *t = mk_result(3000000, 10, 1, "p95<=1s");
    struct drive_results res = { 1, t, 1000000000, 0, 1 };
    struct buf b = BUF_INIT;
    struct json_w w;
    char err[128];
    t->cfg.role = 5;
    snprintf(t->cfg.name, sizeof t->cfg.name, "idle");
    json_w_init(&w, &b, 0);
    drive_results_json(&res, &w, 1);
    struct json_doc *d = json_parse(buf_head(&b), buf_used(&b), err, sizeof err);
    T_ASSERT(d != NULL);
    const struct json_val *root = json_root(d);
    T_EQ_INT(json_num(json_path(root, "targets.0.count"), -1), 10);
    T_EQ_INT(json_num(json_path(root, "targets.0.errors"), -1), 1);
    T_EQ_STR(json_str(json_path(root, "targets.0.role"), ""), "idle");
    T_EQ_STR(json_str(json_path(root, "targets.0.ops.0.name"), ""), "op");
    T_ASSERT(json_len(json_path(root, "targets.0.all.corrected.buckets")) == 1);
    T_ASSERT(json_bool(json_path(root, "qos_pass"), 0) == 1);
    json_doc_free(d);
    buf_free(&b);
    free(t->qos_failed);
    free(t);
}

/* ---- protocol clients, driven without sockets ------------------------- */

struct proto_rig {
    struct drive_target_cfg cfg;
    const struct drive_proto *p;
    void *shared, *state;
    struct buf out;
    struct rng rng;
    struct dp_conn c;
    char dir[64];
};

/* Loads role's client with the given users.tsv / manifest.tsv text. */
static int rig_open(struct proto_rig *r, int role, const char *file, const char *text)
{
    char path[128], err[256];
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/hostmix-t-drive.XXXXXX");
    if (!mkdtemp(r->dir)) return -1;
    snprintf(path, sizeof path, "%s/%s", r->dir, file);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs(text, f);
    fclose(f);
    drive_target_defaults(&r->cfg);
    r->cfg.role = role;
    snprintf(r->cfg.addr, sizeof r->cfg.addr, "127.0.0.1:9");
    snprintf(r->cfg.data, sizeof r->cfg.data, "%s", r->dir);
    r->p = drive_proto_for(role);
    int rc = r->p->load(&r->cfg, &r->shared, err, sizeof err);
    remove(path);
    rmdir(r->dir);
    if (rc) return -1;
    r->state = calloc(1, r->p->state_size);
    rng_seed(&r->rng, 7, 0, 0);
    r->c = (struct dp_conn){ .state = r->state, .shared = r->shared, .cfg = &r->cfg,
                             .rng = &r->rng, .out = &r->out };
    if (r->p->connected) r->p->connected(&r->c);
    return 0;
}

static void rig_close(struct proto_rig *r)
{
    if (r->p->unload) r->p->unload(r->shared);
    free(r->state);
    buf_free(&r->out);
}

/* Next request: returns its op, the request text in r->out. */
static int rig_request(struct proto_rig *r)
{
    buf_reset(&r->out);
    r->c.op = r->p->request(&r->c);
    return r->c.op;
}

static int rig_parse(struct proto_rig *r, const char *in, size_t *used)
{
    return r->p->parse(&r->c, in, strlen(in), used);
}

TEST(drive_imap_session_and_literals)
{
    struct proto_rig r;
    size_t used;
    T_ASSERT(rig_open(&r, ROLE_IMAP, "users.tsv", "alice\tsecret\t10\n") == 0);
    T_EQ_INT(rig_request(&r), 0);                               /* login */
    T_ASSERT(strstr(buf_cstr(&r.out), "LOGIN \"alice\" \"secret\"") != NULL);
    T_EQ_INT(rig_parse(&r, "* OK ready\r\na1 OK logged in\r\n", &used), DP_OK);
    T_EQ_INT(rig_request(&r), 1);                               /* select */
    const char *sel = "* 12 EXISTS\r\n* FLAGS (\\Seen)\r\na2 OK [READ-WRITE] done\r\n";
    T_EQ_INT(rig_parse(&r, sel, &used), DP_OK);
    T_EQ_INT(used, strlen(sel));
    /* a FETCH answer with a literal holding a fake tagged line */
    for (int i = 0; i < 200; i++) {
        int op = rig_request(&r);
        char tag[16], in[256];
        snprintf(tag, sizeof tag, "a%d", i + 3);
        if (op == 5) {                                          /* append: "+" first */
            T_EQ_INT(rig_parse(&r, "+ go ahead\r\n", &used), DP_MORE);
            T_ASSERT(buf_used(&r.out) > 1000);                  /* the literal was queued */
        }
        snprintf(in, sizeof in, "* 1 FETCH (BODY[] {14}\r\n%s OK fake\r\n)\r\n%s NO nope\r\n", tag, tag);
        T_EQ_INT(rig_parse(&r, in, &used), DP_ERR);             /* NO is an error, the literal skipped */
        T_EQ_INT(used, strlen(in));
        if (r.c.close_after) break;                             /* session over */
    }
    T_ASSERT(r.c.close_after);
    T_EQ_INT(rig_parse(&r, "garbage\r\n", &used), DP_FATAL);
    rig_close(&r);
}

TEST(drive_web_session_walks_the_chain)
{
    struct proto_rig r;
    size_t used;
    T_ASSERT(rig_open(&r, ROLE_WEB, "manifest.tsv",
                      "/index.html\t3\tpage\n/support/product/p.html\t3\tpage\n"
                      "/support/file/f.html\t3\tpage\n/support/filecatalog/c.html\t3\tpage\n"
                      "/search?q=x\t0\tdynamic\n/catalog?page=1\t0\tdynamic\n"
                      "/i.gif\t3\timage\n/d/big.bin\t3\tdownload\n") == 0);
    int seen[8] = { 0 };
    T_EQ_INT(rig_request(&r), 0);                               /* sessions start at home */
    T_ASSERT(strncmp(buf_cstr(&r.out), "GET /index.html HTTP/1.1\r\n", 26) == 0);
    for (int i = 0; i < 2000; i++) {
        int op = i ? rig_request(&r) : 0;
        seen[op]++;
        const char *url = buf_cstr(&r.out) + 4;
        static const char *const want[8] = { "/index", "/search", "/catalog", "/support/product",
                                             "/support/filecatalog", "/support/file/", "/d/", "/i.gif" };
        if (strncmp(url, want[op], strlen(want[op])) != 0) {
            t_fail(__FILE__, __LINE__, "op %d got %.30s", op, url);
            return;
        }
        T_EQ_INT(rig_parse(&r, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", &used), DP_OK);
    }
    for (int op = 0; op < 8; op++) T_ASSERT(seen[op] > 0);
    T_ASSERT(seen[7] > seen[3]);                                /* images outnumber product pages */
    /* wrong length, wrong status, bad framing */
    rig_request(&r);
    T_EQ_INT(rig_parse(&r, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab", &used), r.c.op == 1 || r.c.op == 2 ? DP_OK : DP_ERR);
    rig_request(&r);
    T_EQ_INT(rig_parse(&r, "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabc", &used), DP_ERR);
    rig_request(&r);
    T_EQ_INT(rig_parse(&r, "HTTP/1.1 200 OK\r\n\r\n", &used), DP_FATAL);
    rig_close(&r);
}

TEST(drive_refuses_undriven_role)
{
    struct drive_cfg cfg = { .threads = 1, .measure = 1000000000 };
    char err[256];
    struct drive *d = drive_create(&cfg, err, sizeof err);
    T_ASSERT(d != NULL);
    struct drive_target_cfg t;
    drive_target_defaults(&t);
    t.role = ROLE_DB;
    snprintf(t.addr, sizeof t.addr, "127.0.0.1:1");
    int rc = drive_add_target(d, &t, err, sizeof err);
    drive_destroy(d);
    T_EQ_INT(rc, -1);
    T_EQ_STR(err, "db: role db is not driven (use idle, web, imap, app)");
    T_EQ_STR(drive_proto_list(), "idle, web, imap, app");
}
