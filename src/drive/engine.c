/* engine.c — the load driver's engine: threads, connections, pacing.
 *
 * Every connection carries its own schedule: next_intended advances by a
 * fixed interval (connections / rate) or by an exponential draw with that
 * mean (Poisson arrivals).  When the schedule comes due and the connection
 * is idle, the next request is built and written at once; when it is still
 * busy, nothing happens until the response arrives, and then the overdue
 * request goes out immediately, its corrected latency counting the wait
 * (wrk2's rule against coordinated omission).  A connection that is down
 * connects first; the connect time is part of both latencies.
 *
 * Each thread runs one ae loop over its share of the connections and keeps
 * statistics per target it serves (struct tstats: counters and histograms
 * per operation), so nothing is shared between threads while running but
 * the relaxed live counters.  A sweep timer per thread enforces response
 * timeouts and notices drive_stop. */
#include "drive/drive.h"
#include "drive/proto.h"
#include "drive/results.h"
#include "core/ae.h"
#include "core/clock.h"
#include "core/log.h"
#include "job/job.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DRIVE_READ_CHUNK   (16 * 1024)   /* per-connection input buffer: ~16-32 KiB */
#define DRIVE_SWEEP_NS     (20 * CLOCK_NS_PER_MS)
#define DRIVE_LATE_NS      CLOCK_NS_PER_MS
/* Above this many requests per second a thread batches its wake-ups: the
 * schedule timers round up to a quantum of DRIVE_BATCH / rate, at most
 * 1 ms, so one wake-up sends up to DRIVE_BATCH requests.  The wait counts in
 * the corrected latency (as wrk2's millisecond timers do). */
#define DRIVE_BATCH        32
#define DRIVE_BATCH_RATE   8000.0

const char *const drive_phase_names[] = { "idle", "ramp-up", "measure", "ramp-down", "done" };

enum { DC_DOWN, DC_CONNECTING, DC_IDLE, DC_BUSY };

struct dtarget {
    struct drive_target_cfg cfg;
    const struct drive_proto *proto;
    void *shared;
    struct sockaddr_in sa;
    int64_t interval;            /* ns between one connection's requests (mean) */
};

struct dthread;

struct dconn {
    struct dthread *th;
    struct dtarget *tg;
    struct tstats *st;
    int fd, state;
    int64_t next_intended;       /* the schedule */
    int64_t intended, sent;      /* the request in flight */
    int64_t timer;               /* pending schedule timer id, 0 if none */
    struct buf in, out;
    struct rng rng;              /* request mix */
    struct rng arr;              /* Poisson arrivals */
    struct dp_conn dp;
};

struct live_ctr { uint64_t sent, completed, errors, timeouts; };

struct dthread {
    struct drive *d;
    int index;
    pthread_t tid;
    ae_loop *loop;
    struct dconn **conn;
    int nconn;
    struct tstats **st;          /* per target; NULL where no connection */
    int64_t quantum;             /* ns; schedule timers round up to this (0: exact) */
    struct live_ctr live;
};

struct drive {
    struct drive_cfg cfg;
    struct dtarget tg[DRIVE_MAX_TARGETS];
    int ntg;
    struct dthread *th;
    int started, joined;
    int stop;                    /* atomic */
    int64_t t0, ms, me, end;     /* start, measure window, end of ramp-down */
    int64_t stop_at;             /* when drive_stop was called, 0 if not */
    struct drive_results res;
    struct drive_live prev_live;
};

/* ---- set-up ----------------------------------------------------------- */

void drive_target_defaults(struct drive_target_cfg *t)
{
    memset(t, 0, sizeof *t);
    t->role = -1;                /* the caller names the role */
    t->rate = 10;
    t->connections = 1;
    t->arrival = ARRIVAL_CONSTANT;
    t->seed = 1;
    t->timeout = DRIVE_DEFAULT_TIMEOUT;
    t->keepalive = 70;
}

struct drive *drive_create(const struct drive_cfg *cfg, char *err, size_t errlen)
{
    if (cfg->threads < 1 || cfg->threads > DRIVE_MAX_THREADS) {
        snprintf(err, errlen, "driver threads must be 1..%d (got %d)", DRIVE_MAX_THREADS, cfg->threads);
        return NULL;
    }
    if (cfg->measure <= 0 || cfg->ramp_up < 0 || cfg->ramp_down < 0) {
        snprintf(err, errlen, "the measurement interval must be > 0 and ramps >= 0");
        return NULL;
    }
    struct drive *d = calloc(1, sizeof *d);
    if (!d) abort();
    d->cfg = *cfg;
    return d;
}

/* Parses "IP:PORT" (IPv4) into sa; returns 0 or -1. */
static int parse_addr(const char *s, struct sockaddr_in *sa)
{
    const char *colon = strrchr(s, ':');
    if (!colon) return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 1 || port > 65535) return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    char *ip = strndup(s, (size_t)(colon - s));
    if (!ip) abort();
    int ok = inet_pton(AF_INET, ip, &sa->sin_addr) == 1;
    free(ip);
    return ok ? 0 : -1;
}

int drive_add_target(struct drive *d, const struct drive_target_cfg *t, char *err, size_t errlen)
{
    if (d->started || d->ntg >= DRIVE_MAX_TARGETS) {
        snprintf(err, errlen, d->started ? "targets must be added before drive_start"
                                         : "too many targets (max %d)", DRIVE_MAX_TARGETS);
        return -1;
    }
    struct dtarget *g = &d->tg[d->ntg];
    memset(g, 0, sizeof *g);
    g->cfg = *t;
    if (!g->cfg.name[0]) snprintf(g->cfg.name, sizeof g->cfg.name, "%s",
                                  t->role >= 0 && t->role < ROLE_COUNT ? role_names[t->role] : "?");
    if (!g->cfg.timeout) g->cfg.timeout = DRIVE_DEFAULT_TIMEOUT;
    g->proto = drive_proto_for(t->role);
    if (!g->proto) {
        snprintf(err, errlen, "%s: role %s is not driven (use %s)", g->cfg.name,
                 t->role >= 0 && t->role < ROLE_COUNT ? role_names[t->role] : "?",
                 drive_proto_list());
        return -1;
    }
    if (parse_addr(t->addr, &g->sa)) {
        snprintf(err, errlen, "%s: bad target address '%s' (want IPv4 IP:PORT)", g->cfg.name, t->addr);
        return -1;
    }
    if (!(t->rate > 0) || t->rate > 1e8) {
        snprintf(err, errlen, "%s: rate must be > 0 and <= 1e8 per second (got %g)", g->cfg.name, t->rate);
        return -1;
    }
    if (t->connections < 1 || t->connections > 100000) {
        snprintf(err, errlen, "%s: connections must be 1..100000 (got %lld)", g->cfg.name,
                 (long long)t->connections);
        return -1;
    }
    g->interval = (int64_t)((double)t->connections * 1e9 / t->rate);
    if (g->interval < 1) g->interval = 1;
    if (g->proto->load && g->proto->load(&g->cfg, &g->shared, err, errlen)) return -1;
    return d->ntg++;
}

/* ---- connections -------------------------------------------------------- */

static void conn_due(struct dconn *c);
static void conn_on_io(ae_loop *loop, int fd, void *data, int mask);

static int in_window(const struct drive *d, int64_t t) { return t >= d->ms && t < d->me; }

static void live_add(uint64_t *ctr, uint64_t n) { __atomic_fetch_add(ctr, n, __ATOMIC_RELAXED); }

/* Advances the connection's schedule by one request. */
static void conn_advance(struct dconn *c)
{
    if (c->tg->cfg.arrival == ARRIVAL_POISSON)
        c->next_intended += (int64_t)rng_exp(&c->arr, (double)c->tg->interval) + 1;
    else
        c->next_intended += c->tg->interval;
}

static int64_t conn_timer_fn(ae_loop *loop, int64_t id, void *data)
{
    struct dconn *c = data;
    c->timer = 0;
    conn_due(c);
    return AE_NOMORE;
}

/* Arms the schedule timer for the next request. */
static void conn_schedule(struct dconn *c)
{
    if (c->timer || c->state == DC_BUSY || c->state == DC_CONNECTING) return;
    if (c->next_intended >= c->th->d->end || __atomic_load_n(&c->th->d->stop, __ATOMIC_RELAXED))
        return;
    /* an overdue request fires on the loop's next turn (no recursion) */
    int64_t at = c->next_intended, q = c->th->quantum;
    if (q) at += q - 1 - (at + q - 1) % q;      /* round up: one wake-up per quantum */
    c->timer = ae_add_timer_at(c->th->loop, at, conn_timer_fn, c);
}

static void conn_close(struct dconn *c)
{
    if (c->fd >= 0) {
        ae_del_file(c->th->loop, c->fd, AE_READABLE | AE_WRITABLE);
        close(c->fd);
    }
    c->fd = -1;
    c->state = DC_DOWN;
    buf_reset(&c->in);
    buf_reset(&c->out);
}

/* Counts the outcome of the request in flight and readies the connection
 * for the next one.  verdict: DP_OK, DP_ERR, DP_FATAL, or -1 for a timeout. */
static void conn_finish(struct dconn *c, int verdict)
{
    struct drive *d = c->th->d;
    int64_t now = clock_mono_ns();
    int op = c->dp.op;
    if (verdict < 0) live_add(&c->th->live.timeouts, 1);
    else live_add(&c->th->live.completed, 1);
    if (verdict == DP_ERR || verdict == DP_FATAL) live_add(&c->th->live.errors, 1);
    if (in_window(d, now)) tstats_record(c->st, op, verdict, c->intended, c->sent, now, c->dp.bytes);
    c->dp.bytes = 0;
    if (verdict == DP_FATAL || verdict < 0 || c->dp.close_after) conn_close(c);
    else c->state = DC_IDLE;
    c->dp.close_after = 0;
    conn_schedule(c);
}

/* The connection failed or the server closed it unexpectedly. */
static void conn_lost(struct dconn *c, const char *why)
{
    struct drive *d = c->th->d;
    log_debug("%s: connection %lld: %s", c->tg->cfg.name, (long long)c->dp.id, why);
    if (in_window(d, clock_mono_ns())) c->st->conn_errors++;
    if (c->state == DC_BUSY || c->state == DC_CONNECTING) {
        conn_finish(c, DP_FATAL);
    } else {
        conn_close(c);
        conn_schedule(c);
    }
}

/* Writes queued output; watches for writability while some is left. */
static void conn_flush(struct dconn *c)
{
    while (buf_used(&c->out)) {
        ssize_t n = send(c->fd, buf_head(&c->out), buf_used(&c->out), MSG_NOSIGNAL);
        if (n > 0) {
            buf_consume(&c->out, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            ae_add_file(c->th->loop, c->fd, AE_WRITABLE, conn_on_io, c);
            return;
        }
        conn_lost(c, n < 0 ? strerror(errno) : "send returned 0");
        return;
    }
    buf_reset(&c->out);
    if (ae_file_mask(c->th->loop, c->fd) & AE_WRITABLE)
        ae_del_file(c->th->loop, c->fd, AE_WRITABLE);
}

/* Opens a non-blocking connection; the request waits in c->out. */
static int conn_open(struct dconn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&c->tg->sa, sizeof c->tg->sa) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    c->fd = fd;
    c->state = DC_CONNECTING;
    if (in_window(c->th->d, clock_mono_ns())) c->st->connects++;
    if (ae_add_file(c->th->loop, fd, AE_WRITABLE | AE_READABLE, conn_on_io, c) < 0) {
        close(fd);
        c->fd = -1;
        c->state = DC_DOWN;
        return -1;
    }
    if (c->tg->proto->connected) c->tg->proto->connected(&c->dp);
    return 0;
}

/* The schedule came due on a connection that is down or idle: build the
 * next request and send it (after connecting if needed). */
static void conn_due(struct dconn *c)
{
    c->intended = c->next_intended;
    conn_advance(c);
    live_add(&c->th->live.sent, 1);
    if (c->state == DC_DOWN && conn_open(c) < 0) {
        c->dp.op = 0;
        c->state = DC_BUSY;
        conn_lost(c, strerror(errno));
        return;
    }
    buf_reset(&c->out);
    c->dp.bytes = 0;
    c->dp.close_after = 0;
    c->dp.op = c->tg->proto->request(&c->dp);
    c->sent = clock_mono_ns();
    if (c->sent - c->intended > DRIVE_LATE_NS && in_window(c->th->d, c->sent)) c->st->late++;
    if (c->state == DC_CONNECTING) return;   /* sent once connected */
    c->state = DC_BUSY;
    conn_flush(c);
}

/* Feeds buffered input to the protocol until it wants more. */
static void conn_parse(struct dconn *c)
{
    while (c->state == DC_BUSY && buf_used(&c->in)) {
        size_t used = 0;
        int v = c->tg->proto->parse(&c->dp, buf_head(&c->in), buf_used(&c->in), &used);
        buf_consume(&c->in, used);
        if (buf_used(&c->out)) {
            conn_flush(c);                  /* e.g. an IMAP literal */
            if (c->state != DC_BUSY) return;    /* lost: already counted */
        }
        if (v == DP_MORE) {
            if (c->state == DC_BUSY && !used && buf_used(&c->in) > 16 * 1024 * 1024)
                conn_finish(c, DP_FATAL);
            return;
        }
        conn_finish(c, v);
    }
    if (c->state != DC_BUSY && buf_used(&c->in) && c->state != DC_DOWN) {
        /* bytes nobody asked for: the stream is out of step */
        conn_lost(c, "unexpected input from server");
    }
}

static void conn_on_io(ae_loop *loop, int fd, void *data, int mask)
{
    struct dconn *c = data;
    if (c->state == DC_CONNECTING) {
        int e = 0;
        socklen_t el = sizeof e;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0) e = errno;
        if (e) {
            conn_lost(c, strerror(e));
            return;
        }
        c->state = DC_BUSY;
        c->sent = clock_mono_ns();      /* the request leaves now */
        conn_flush(c);
        if (c->fd != fd) return;
    }
    if ((mask & AE_WRITABLE) && c->fd == fd && buf_used(&c->out)) conn_flush(c);
    if (!(mask & AE_READABLE) || c->fd != fd) return;
    char *p = buf_reserve(&c->in, DRIVE_READ_CHUNK);
    ssize_t n = recv(fd, p, DRIVE_READ_CHUNK, 0);
    if (n > 0) {
        c->in.len += (size_t)n;
        c->dp.bytes += (uint64_t)n;
        conn_parse(c);
    } else if (n == 0) {
        conn_lost(c, "server closed the connection");
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        conn_lost(c, strerror(errno));
    }
}

/* ---- threads ------------------------------------------------------------ */

/* Every DRIVE_SWEEP_NS: response timeouts, stop requests, the end. */
static int64_t thread_sweep(ae_loop *loop, int64_t id, void *data)
{
    struct dthread *th = data;
    struct drive *d = th->d;
    int64_t now = clock_mono_ns();
    if (now >= d->end || __atomic_load_n(&d->stop, __ATOMIC_RELAXED)) {
        ae_stop(loop);
        return AE_NOMORE;
    }
    for (int i = 0; i < th->nconn; i++) {
        struct dconn *c = th->conn[i];
        if ((c->state == DC_BUSY || c->state == DC_CONNECTING) &&
            now - c->sent > c->tg->cfg.timeout)
            conn_finish(c, -1);
    }
    return DRIVE_SWEEP_NS;
}

static void *thread_main(void *arg)
{
    struct dthread *th = arg;
    /* wake at the intended send times, not up to 50 us after them */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    for (int i = 0; i < th->nconn; i++) conn_schedule(th->conn[i]);
    ae_add_timer(th->loop, DRIVE_SWEEP_NS, thread_sweep, th);
    ae_run(th->loop);
    for (int i = 0; i < th->nconn; i++) {
        struct dconn *c = th->conn[i];
        if (c->timer) ae_del_timer(th->loop, c->timer);
        c->timer = 0;
        conn_close(c);
    }
    return NULL;
}

/* Creates the connection objects of every target and deals them to the
 * threads round-robin (over all targets, so small targets spread too). */
static void build_conns(struct drive *d)
{
    int nt = d->cfg.threads, g = 0;
    for (int t = 0; t < d->ntg; t++) {
        struct dtarget *tg = &d->tg[t];
        for (int64_t i = 0; i < tg->cfg.connections; i++, g++) {
            struct dthread *th = &d->th[g % nt];
            if (!th->st[t]) th->st[t] = tstats_new(tg->proto->nops);
            struct dconn *c = calloc(1, sizeof *c + tg->proto->state_size);
            if (!c) abort();
            c->th = th;
            c->tg = tg;
            c->st = th->st[t];
            c->fd = -1;
            c->state = DC_DOWN;
            rng_seed(&c->rng, tg->cfg.seed, (uint64_t)t + 1, (uint64_t)i);
            rng_seed(&c->arr, tg->cfg.seed ^ 0x5bd1e995u, (uint64_t)t + 1, (uint64_t)i);
            c->dp.state = c + 1;
            c->dp.shared = tg->shared;
            c->dp.cfg = &tg->cfg;
            c->dp.rng = &c->rng;
            c->dp.out = &c->out;
            c->dp.id = i;
            /* stagger: connection i starts i/connections of an interval in */
            if (tg->cfg.arrival == ARRIVAL_POISSON)
                c->next_intended = d->t0 + (int64_t)rng_exp(&c->arr, (double)tg->interval);
            else
                c->next_intended = d->t0 + (int64_t)((double)tg->interval * (double)i /
                                                     (double)tg->cfg.connections);
            if (th->nconn % 64 == 0) {
                th->conn = realloc(th->conn, (size_t)(th->nconn + 64) * sizeof *th->conn);
                if (!th->conn) abort();
            }
            th->conn[th->nconn++] = c;
        }
    }
    for (int i = 0; i < nt; i++) {
        struct dthread *th = &d->th[i];
        double rate = 0;
        for (int j = 0; j < th->nconn; j++) rate += 1e9 / (double)th->conn[j]->tg->interval;
        th->quantum = rate >= DRIVE_BATCH_RATE ? (int64_t)(DRIVE_BATCH * 1e9 / rate) : 0;
        if (th->quantum > CLOCK_NS_PER_MS) th->quantum = CLOCK_NS_PER_MS;
    }
}

int drive_start(struct drive *d, char *err, size_t errlen)
{
    if (d->started || d->ntg == 0) {
        snprintf(err, errlen, d->started ? "already started" : "no targets to drive");
        return -1;
    }
    d->th = calloc((size_t)d->cfg.threads, sizeof *d->th);
    if (!d->th) abort();
    d->t0 = clock_mono_ns() + 10 * CLOCK_NS_PER_MS;
    d->ms = d->t0 + d->cfg.ramp_up;
    d->me = d->ms + d->cfg.measure;
    d->end = d->me + d->cfg.ramp_down;
    for (int i = 0; i < d->cfg.threads; i++) {
        struct dthread *th = &d->th[i];
        th->d = d;
        th->index = i;
        th->st = calloc((size_t)d->ntg, sizeof *th->st);
        th->loop = ae_create(1024);
        if (!th->st || !th->loop) abort();
    }
    build_conns(d);
    d->started = 1;
    for (int i = 0; i < d->cfg.threads; i++) {
        int e = pthread_create(&d->th[i].tid, NULL, thread_main, &d->th[i]);
        if (e) {
            snprintf(err, errlen, "cannot start driver thread: %s", strerror(e));
            __atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
            for (int j = 0; j < i; j++) pthread_join(d->th[j].tid, NULL);
            d->cfg.threads = i;
            d->joined = 1;
            return -1;
        }
    }
    return 0;
}

void drive_live(struct drive *d, struct drive_live *out)
{
    memset(out, 0, sizeof *out);
    int64_t now = clock_mono_ns();
    if (!d->started) return;
    out->elapsed_ns = now - d->t0;
    out->phase = d->joined ? DRIVE_PH_DONE : now < d->ms ? DRIVE_PH_RAMP_UP : now < d->me ? DRIVE_PH_MEASURE
               : now < d->end ? DRIVE_PH_RAMP_DOWN : DRIVE_PH_DONE;
    for (int i = 0; i < d->cfg.threads; i++) {
        struct live_ctr *l = &d->th[i].live;
        out->sent += __atomic_load_n(&l->sent, __ATOMIC_RELAXED);
        out->completed += __atomic_load_n(&l->completed, __ATOMIC_RELAXED);
        out->errors += __atomic_load_n(&l->errors, __ATOMIC_RELAXED);
        out->timeouts += __atomic_load_n(&l->timeouts, __ATOMIC_RELAXED);
    }
    int64_t dt = out->elapsed_ns - d->prev_live.elapsed_ns;
    if (dt > 0) out->rate_now = (double)(out->completed - d->prev_live.completed) * 1e9 / (double)dt;
    d->prev_live = *out;
}

void drive_stop(struct drive *d)
{
    if (!d->stop_at) d->stop_at = clock_mono_ns();
    __atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
}

void drive_window(const struct drive *d, int64_t *ms, int64_t *me)
{
    if (ms) *ms = d->ms;
    if (me) *me = d->me;
}

const struct drive_results *drive_wait(struct drive *d)
{
    if (!d->started) return NULL;
    if (!d->joined) {
        for (int i = 0; i < d->cfg.threads; i++) pthread_join(d->th[i].tid, NULL);
        d->joined = 1;
    }
    if (!d->res.t) {
        d->res.ntargets = d->ntg;
        d->res.t = calloc((size_t)d->ntg, sizeof *d->res.t);
        if (!d->res.t) abort();
        d->res.start_mono_ns = d->t0;
        d->res.measure_ns = d->cfg.measure;
        /* a stop before the end shortens the interval that was measured */
        int64_t now = d->stop_at ? d->stop_at : clock_mono_ns();
        if (now < d->me) d->res.measure_ns = now > d->ms ? now - d->ms : 0;
        d->res.qos_pass = 1;
        for (int t = 0; t < d->ntg; t++) {
            struct drive_target_result *r = &d->res.t[t];
            r->cfg = d->tg[t].cfg;
            r->nops = d->tg[t].proto->nops;
            for (int i = 0; i < d->cfg.threads; i++)
                if (d->th[i].st[t]) tstats_merge(r, d->th[i].st[t]);
            results_finish(r, d->tg[t].proto->ops, d->res.measure_ns);
            if (!r->qos_pass) d->res.qos_pass = 0;
        }
    }
    return &d->res;
}

void drive_destroy(struct drive *d)
{
    if (!d) return;
    if (d->started && !d->joined) {
        drive_stop(d);
        drive_wait(d);
    }
    for (int i = 0; d->th && i < d->cfg.threads; i++) {
        struct dthread *th = &d->th[i];
        for (int j = 0; j < th->nconn; j++) {
            if (th->conn[j]->tg->proto->free_state) th->conn[j]->tg->proto->free_state(&th->conn[j]->dp);
            buf_free(&th->conn[j]->in);
            buf_free(&th->conn[j]->out);
            free(th->conn[j]);
        }
        free(th->conn);
        for (int t = 0; t < d->ntg; t++) free(th->st[t]);
        free(th->st);
        ae_destroy(th->loop);
    }
    free(d->th);
    for (int t = 0; t < d->ntg; t++)
        if (d->tg[t].proto->unload) d->tg[t].proto->unload(d->tg[t].shared);
    for (int t = 0; d->res.t && t < d->res.ntargets; t++) free(d->res.t[t].qos_failed);
    free(d->res.t);
    free(d);
}
