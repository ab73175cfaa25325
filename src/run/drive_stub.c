/* drive_stub.c — a stand-in for the load-driver engine (src/drive/) until
 * it is built: it drives the idle heartbeat only and refuses every other
 * role ("load driver for web is not built yet"), so `hostmix run` can be
 * tested end to end without faking anything.  Every symbol is weak: the
 * real engine's definitions replace these as soon as it is linked in, and
 * this file is deleted then. */
#include "drive/drive.h"
#include "core/clock.h"
#include "job/job.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define W __attribute__((weak))

struct drive {
    struct drive_cfg cfg;
    struct drive_results res;
    struct drive_target_result t[DRIVE_MAX_TARGETS];
    int n;
    pthread_t th;
    int started;
    int64_t start, ms, me, end;
    atomic_int stop;
    atomic_ullong sent, completed, errors;
};

W const char *const drive_phase_names[] = { "idle", "ramp-up", "measure", "ramp-down", "done" };

W void drive_target_defaults(struct drive_target_cfg *t)
{
    memset(t, 0, sizeof *t);
    t->rate = 10;
    t->connections = 1;
    t->seed = 1;
}

W struct drive *drive_create(const struct drive_cfg *cfg, char *err, size_t errlen)
{
    if (cfg->measure <= 0) { snprintf(err, errlen, "measure must be > 0"); return NULL; }
    struct drive *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->cfg = *cfg;
    return d;
}

W int drive_add_target(struct drive *d, const struct drive_target_cfg *t, char *err, size_t errlen)
{
    if (t->role != ROLE_IDLE) {
        snprintf(err, errlen, "load driver for %s is not built yet", role_names[t->role]);
        return -1;
    }
    d->t[d->n].cfg = *t;
    d->t[d->n].all.name = "ping";
    hist_init(&d->t[d->n].all.corrected);
    hist_init(&d->t[d->n].all.uncorrected);
    return d->n++;
}

/* One PING/PONG on fd; returns 0 or -1. */
static int stub_ping(int fd, unsigned long long k)
{
    char q[64], a[64];
    int n = snprintf(q, sizeof q, "PING %llu\n", k);
    if (write(fd, q, (size_t)n) != n) return -1;
    size_t got = 0;
    while (got < (size_t)n) {
        ssize_t r = read(fd, a + got, sizeof a - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    return memcmp(a, "PONG", 4) == 0 ? 0 : -1;
}

static int stub_connect(const char *addr)
{
    char ip[64];
    snprintf(ip, sizeof ip, "%s", addr);
    char *c = strrchr(ip, ':');
    if (!c) return -1;
    *c = '\0';
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(c + 1)) };
    inet_pton(AF_INET, ip, &a.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct timeval tv = { 2, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a)) { close(fd); return -1; }
    return fd;
}

/* Paces every target's pings on one thread (the heartbeat rate is low). */
static void *stub_thread(void *arg)
{
    struct drive *d = arg;
    int fd[DRIVE_MAX_TARGETS];
    int64_t next[DRIVE_MAX_TARGETS];
    for (int i = 0; i < d->n; i++) { fd[i] = -1; next[i] = d->start; }
    unsigned long long k = 0;
    while (!atomic_load(&d->stop)) {
        int i = 0;
        for (int j = 1; j < d->n; j++) if (next[j] < next[i]) i = j;
        if (next[i] >= d->end) break;
        clock_sleep_until(next[i]);
        if (atomic_load(&d->stop)) break;
        int64_t sent = clock_mono_ns();
        if (fd[i] < 0) fd[i] = stub_connect(d->t[i].cfg.addr);
        atomic_fetch_add(&d->sent, 1);
        int bad = fd[i] < 0 || stub_ping(fd[i], ++k);
        int64_t done = clock_mono_ns();
        if (bad && fd[i] >= 0) { close(fd[i]); fd[i] = -1; }
        atomic_fetch_add(bad ? &d->errors : &d->completed, 1);
        if (done >= d->ms && done < d->me) {
            struct drive_op_result *o = &d->t[i].all;
            o->count++;
            if (bad) o->errors++;
            else {
                hist_record(&o->corrected, done - next[i]);
                hist_record(&o->uncorrected, done - sent);
            }
        }
        next[i] += (int64_t)(1e9 / d->t[i].cfg.rate);
    }
    for (int i = 0; i < d->n; i++) if (fd[i] >= 0) close(fd[i]);
    return NULL;
}

W int drive_start(struct drive *d, char *err, size_t errlen)
{
    d->start = clock_mono_ns();
    d->ms = d->start + d->cfg.ramp_up;
    d->me = d->ms + d->cfg.measure;
    d->end = d->me + d->cfg.ramp_down;
    if (d->n == 0) { d->started = 1; return 0; }
    if (pthread_create(&d->th, NULL, stub_thread, d)) {
        snprintf(err, errlen, "pthread_create: %s", strerror(errno));
        return -1;
    }
    d->started = 2;
    return 0;
}

W void drive_live(struct drive *d, struct drive_live *out)
{
    memset(out, 0, sizeof *out);
    int64_t now = clock_mono_ns();
    out->elapsed_ns = now - d->start;
    out->phase = now < d->ms ? DRIVE_PH_RAMP_UP : now < d->me ? DRIVE_PH_MEASURE
               : now < d->end ? DRIVE_PH_RAMP_DOWN : DRIVE_PH_DONE;
    out->sent = atomic_load(&d->sent);
    out->completed = atomic_load(&d->completed);
    out->errors = atomic_load(&d->errors);
}

W void drive_stop(struct drive *d) { atomic_store(&d->stop, 1); }

W void drive_window(const struct drive *d, int64_t *a, int64_t *b) { *a = d->ms; *b = d->me; }

W int drive_qos_eval(const struct qos *q, const struct drive_target_result *r, char *why, size_t n)
{
    why[0] = '\0';
    const struct hist *h = &r->all.corrected;
    for (int i = 0; i < q->n; i++) {
        const struct qos_clause *c = &q->c[i];
        double v, lim;
        if (c->kind == QOS_ERRORS) {
            v = r->all.count ? 100.0 * (double)r->all.errors / (double)r->all.count : 0;
            lim = c->limit_pct;
        } else {
            v = c->kind == QOS_PCTL ? (double)hist_percentile(h, c->pct)
              : c->kind == QOS_MEAN ? hist_mean(h) : (double)h->max;
            lim = (double)c->limit_ns;
        }
        if (c->strict ? v >= lim : v > lim) {
            snprintf(why, n, "clause %d failed (value %g)", i + 1, v);
            return 0;
        }
    }
    return 1;
}

W const struct drive_results *drive_wait(struct drive *d)
{
    if (!d->started) return NULL;
    if (d->started == 2) pthread_join(d->th, NULL);
    d->started = 1;
    d->res.ntargets = d->n;
    d->res.t = d->t;
    d->res.measure_ns = d->cfg.measure;
    d->res.start_mono_ns = d->start;
    d->res.qos_pass = 1;
    for (int i = 0; i < d->n; i++) {
        struct drive_target_result *t = &d->t[i];
        t->achieved_rate = (double)t->all.count / ((double)d->cfg.measure / 1e9);
        t->qos_pass = drive_qos_eval(&t->cfg.qos, t, t->qos_failed, sizeof t->qos_failed);
        if (!t->qos_pass) d->res.qos_pass = 0;
    }
    return &d->res;
}

W void drive_destroy(struct drive *d)
{
    if (d && d->started == 2) { drive_stop(d); pthread_join(d->th, NULL); }
    free(d);
}

W void drive_results_text(const struct drive_results *r, FILE *f)
{
    for (int i = 0; i < r->ntargets; i++)
        fprintf(f, "  %-12s %-6s %8llu requests %6llu errors  p50 %.3fms  p99 %.3fms  QoS %s\n",
                r->t[i].cfg.name, "ping", (unsigned long long)r->t[i].all.count,
                (unsigned long long)r->t[i].all.errors,
                (double)hist_percentile(&r->t[i].all.corrected, 50) / 1e6,
                (double)hist_percentile(&r->t[i].all.corrected, 99) / 1e6,
                r->t[i].qos_pass ? "pass" : "FAIL");
}

W void drive_results_json(const struct drive_results *r, struct json_w *w, int with_buckets)
{
    json_w_obj(w);
    json_w_key(w, "measure_s");
    json_w_double(w, (double)r->measure_ns / 1e9);
    json_w_key(w, "qos_pass");
    json_w_bool(w, r->qos_pass);
    json_w_key(w, "targets");
    json_w_arr(w);
    for (int i = 0; i < r->ntargets; i++) {
        const struct drive_target_result *t = &r->t[i];
        json_w_obj(w);
        json_w_key(w, "name");
        json_w_str(w, t->cfg.name);
        json_w_key(w, "achieved_rate");
        json_w_double(w, t->achieved_rate);
        json_w_key(w, "count");
        json_w_uint(w, t->all.count);
        if (with_buckets) {
            json_w_key(w, "buckets");
            json_w_arr(w);
            int k = -1;
            int64_t lo, hi;
            uint64_t c;
            while (hist_next(&t->all.corrected, &k, &lo, &hi, &c)) {
                json_w_arr(w);
                json_w_int(w, lo);
                json_w_int(w, hi);
                json_w_uint(w, c);
                json_w_arr_end(w);
            }
            json_w_arr_end(w);
        }
        json_w_obj_end(w);
    }
    json_w_arr_end(w);
    json_w_obj_end(w);
}
