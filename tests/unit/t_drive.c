/* t_drive.c — the load driver's HTTP response parser, QoS verdicts and
 * result output (the engine itself is tested by tests/integ/60_drive*). */
#include "test.h"
#include "drive/drive.h"
#include "drive/http_resp.h"
#include "drive/results.h"
#include "drive/proto.h"

#include <stdlib.h>

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
    T_EQ_STR(r->qos_failed, "");
    T_NEAR(r->achieved_rate, 100, 1e-9);
    T_EQ_INT(r->all.corrected.count, 100);
    T_NEAR(hist_percentile(&r->all.uncorrected, 50), 2500000, 2500000 * HIST_REL_ERROR);
    free(r);
    r = mk_result(20000000, 100, 0, "errors<=1%,p99<=10ms");
    T_EQ_INT(r->qos_pass, 0);
    T_ASSERT(strncmp(r->qos_failed, "p99<=10ms (p99 = 20", 19) == 0);
    free(r);
    r = mk_result(1000, 100, 2, "p99<=10ms,errors<=1%");
    T_EQ_INT(r->qos_pass, 0);
    T_EQ_STR(r->qos_failed, "errors<=1% (errors = 2%)");
    T_EQ_INT(r->all.errors, 2);
    free(r);
    r = mk_result(1000, 0, 0, "mean<1s");
    T_EQ_INT(r->qos_pass, 0);                   /* no responses cannot pass */
    T_EQ_STR(r->qos_failed, "mean<1s (no responses)");
    free(r);
    r = mk_result(1000, 0, 0, "none");
    T_EQ_INT(r->qos_pass, 1);
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
    free(t);
}
