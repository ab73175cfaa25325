/* fuzz_srv.c — the server core's callback paths under hostile timing.
 *
 * The parsers have their own targets; this one drives src/roles/srv.c with
 * a fake role and a fake backend, because the crashes a parser fuzzer
 * cannot reach are in the order of events: a client resets while its
 * answer waits on a backend, a timer, or back-pressure, and the role's
 * callback goes on using the connection after srv_write failed.
 *
 * The input is a script.  Each byte is an operation (low 3 bits) on one
 * of FSRV_CLIENTS clients (the next bits; socketpairs adopted by the srv):
 * 0 connect, 1 send the next (byte % 64) bytes of the script, 2 reset
 * (close with unread data), 3 stop or start reading, 4 let the backend
 * answer every waiting request now, 5-7 run the loop once (due timers
 * fire there).  The fake role reads lines: "e" echoes, "h" waits on the
 * backend, "t" waits on a timer, "b" answers 300 KiB (back-pressure), "c"
 * closes after the answer, "a" aborts, "x" closes at once and writes
 * after; longer lines answer their length.  The backend answers with
 * srv_write, srv_count, srv_resume and sometimes srv_close, and then uses
 * the connection and its state again, as web_nfs_done, app_finish and the
 * imap auth timer do.  ASan reports any use after free.
 *
 * The unit tests include this file (tests/unit/t_srv.c) and run
 * fuzz_srv_script on fixed scripts, so `make test` and `make asan` run the
 * same harness without libFuzzer. */
#include "roles/srv.h"
#include "core/ae.h"
#include "core/clock.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FSRV_CLIENTS 6
#define FSRV_BIG (300 * 1024)

struct fsrv_req;

/* The fake role's per-connection state. */
struct fsrv_conn {
    struct srv_conn *c;
    struct fsrv_req *wait;      /* a request waiting on the backend or a timer */
    unsigned answers;
};

/* One request waiting; the backend or its timer answers it. */
struct fsrv_req {
    struct fsrv_conn *fc;       /* NULL once the connection went away */
    struct fsrv_req *next;
    int64_t timer;
    int close_after;
};

struct fsrv {
    ae_loop *loop;
    struct srv *srv;
    struct fsrv_req *pending;   /* the backend's queue */
    int fds[FSRV_CLIENTS];
    int reading[FSRV_CLIENTS];
};

static struct fsrv *fsrv_cur;

static int64_t fsrv_timer_fire(ae_loop *l, int64_t id, void *data);

static void fsrv_unlink(struct fsrv_req *r)
{
    for (struct fsrv_req **pp = &fsrv_cur->pending; *pp; pp = &(*pp)->next)
        if (*pp == r) { *pp = r->next; return; }
}

/* The backend's (or timer's) answer: writes, counts, resumes, and uses the
 * connection again afterwards, whatever the writes did to it. */
static void fsrv_answer(struct fsrv_req *r)
{
    struct fsrv_conn *fc = r->fc;
    if (fc) {
        struct srv_conn *c = fc->c;
        fc->wait = NULL;
        srv_printf(c, "answer %u\n", fc->answers++);
        srv_count(c, 0);
        if (r->close_after) srv_close(c, 0);
        srv_resume(c);
        srv_write(c, "", 0);
        fc->answers += ((struct fsrv_conn *)c->state)->answers & 1;
    }
    free(r);
}

static int64_t fsrv_timer_fire(ae_loop *l, int64_t id, void *data)
{
    struct fsrv_req *r = data;
    (void)l;
    (void)id;
    r->timer = 0;
    fsrv_answer(r);
    return AE_NOMORE;
}

static void fsrv_backend_answer_all(void)
{
    while (fsrv_cur->pending) {
        struct fsrv_req *r = fsrv_cur->pending;
        fsrv_cur->pending = r->next;
        fsrv_answer(r);
    }
}

static void fsrv_wait(struct srv_conn *c, int timer, int close_after)
{
    struct fsrv_conn *fc = c->state;
    struct fsrv_req *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->fc = fc;
    r->close_after = close_after;
    fc->wait = r;
    srv_hold(c);
    if (timer) {
        r->timer = ae_add_timer(fsrv_cur->loop, 0, fsrv_timer_fire, r);
    } else {
        r->next = fsrv_cur->pending;
        fsrv_cur->pending = r;
    }
}

/* One line of input: returns SRV_OK, SRV_CLOSE or SRV_ABORT. */
static int fsrv_line(struct srv_conn *c, const char *p, size_t len)
{
    static char big[FSRV_BIG];
    switch (len == 1 ? p[0] : 0) {
    case 'e': srv_write(c, p, len); srv_puts(c, "\n"); return SRV_OK;
    case 'h': fsrv_wait(c, 0, 0); return SRV_OK;
    case 'H': fsrv_wait(c, 0, 1); return SRV_OK;
    case 't': fsrv_wait(c, 1, 0); return SRV_OK;
    case 'b': memset(big, 'b', sizeof big); srv_write(c, big, sizeof big); return SRV_OK;
    case 'c': srv_puts(c, "bye\n"); return SRV_CLOSE;
    case 'a': return SRV_ABORT;
    case 'x': srv_close(c, 1); srv_puts(c, "after close\n"); return SRV_OK;
    }
    srv_printf(c, "len %zu\n", len);
    return SRV_OK;
}

static int fsrv_on_input(struct srv_conn *c)
{
    struct fsrv_conn *fc = c->state;
    while (!fc->wait) {
        const char *p = buf_head(&c->in);
        const char *nl = memchr(p, '\n', buf_used(&c->in));
        if (!nl) return SRV_OK;
        size_t len = (size_t)(nl - p);
        int rc = fsrv_line(c, p, len);
        buf_consume(&c->in, len + 1);
        srv_count(c, 0);
        if (rc != SRV_OK) return rc;
    }
    return SRV_OK;
}

static int fsrv_open(struct srv_conn *c)
{
    struct fsrv_conn *fc = calloc(1, sizeof *fc);
    if (!fc) abort();
    fc->c = c;
    c->state = fc;
    return 0;
}

static void fsrv_on_overflow(struct srv_conn *c) { srv_puts(c, "too long\n"); }

/* Detaches a waiting request, as roles must: it is answered into nothing. */
static void fsrv_close(struct srv_conn *c)
{
    struct fsrv_conn *fc = c->state;
    if (fc->wait) {
        fc->wait->fc = NULL;
        if (fc->wait->timer) {              /* the timer would free it */
            ae_del_timer(fsrv_cur->loop, fc->wait->timer);
            fsrv_unlink(fc->wait);
            free(fc->wait);
        }
    }
    free(fc);
    c->state = NULL;
}

static const struct srv_proto fsrv_proto = {
    .name = "fuzz",
    .open = fsrv_open,
    .on_input = fsrv_on_input,
    .on_overflow = fsrv_on_overflow,
    .close = fsrv_close,
};

/* Resets client k: unread data in its socket makes the server's sends fail. */
static void fsrv_reset(struct fsrv *f, int k)
{
    if (f->fds[k] < 0) return;
    close(f->fds[k]);
    f->fds[k] = -1;
}

static void fsrv_drain(struct fsrv *f, int k)
{
    char sink[65536];
    if (f->fds[k] < 0 || !f->reading[k]) return;
    while (read(f->fds[k], sink, sizeof sink) > 0) {}
}

static void fsrv_connect(struct fsrv *f, int k)
{
    int sv[2];
    fsrv_reset(f, k);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) return;
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    f->fds[k] = sv[1];
    f->reading[k] = 1;
    srv_adopt(f->srv, sv[0], "fuzz");
}

/* Runs one script (see the top of this file); with st, copies the
 * server's counters there at the end.  Returns 0. */
int fuzz_srv_script(const unsigned char *d, size_t n, struct srv_stats *st);
int fuzz_srv_script(const unsigned char *d, size_t n, struct srv_stats *st)
{
    struct fsrv f = { 0 };
    struct srv_limits lim = { 4, 256, 0, 0, 0 };
    f.loop = ae_create(64);
    f.srv = srv_create(f.loop, &fsrv_proto, NULL, &lim);
    fsrv_cur = &f;
    for (int k = 0; k < FSRV_CLIENTS; k++) f.fds[k] = -1;
    for (size_t i = 0; i < n;) {
        int op = d[i] & 7, k = (d[i] >> 3) % FSRV_CLIENTS;
        i++;
        switch (op) {
        case 0: fsrv_connect(&f, k); break;
        case 1: {                               /* send the next len bytes */
            size_t len = i < n ? d[i++] % 64 : 0;
            if (len > n - i) len = n - i;
            if (f.fds[k] >= 0 && len) {
                ssize_t w = send(f.fds[k], d + i, len, MSG_NOSIGNAL | MSG_DONTWAIT);
                (void)w;
            }
            i += len;
            break;
        }
        case 2: fsrv_reset(&f, k); break;
        case 3: f.reading[k] = !f.reading[k]; break;
        case 4: fsrv_backend_answer_all(); break;
        default: ae_process(f.loop, 0); break;
        }
        fsrv_drain(&f, k);
    }
    for (int round = 0; round < 4; round++) {
        fsrv_backend_answer_all();
        ae_process(f.loop, 0);
    }
    if (st) *st = *srv_stats(f.srv);
    for (int k = 0; k < FSRV_CLIENTS; k++) fsrv_reset(&f, k);
    srv_destroy(f.srv);
    fsrv_backend_answer_all();              /* requests detached by the close */
    ae_destroy(f.loop);
    fsrv_cur = NULL;
    return 0;
}

#ifndef FUZZ_SRV_NO_MAIN
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    return fuzz_srv_script(data, size, NULL);
}
#endif
