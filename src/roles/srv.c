/* srv.c — the shared server core; see srv.h. */
#include "roles/srv.h"
#include "core/exitcode.h"
#include "core/served.h"
#include "core/clock.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define SRV_READ_CHUNK 16384
#define SRV_DRAIN_CHUNK 4096        /* bytes dropped per read of a draining connection */

struct srv {
    ae_loop *loop;
    const struct srv_proto *proto;
    void *ctx;
    struct srv_limits lim;
    int lfd, sigfd, port;
    int64_t sweep_timer, sweep_due;     /* the next sweep, and when */
    int64_t accept_timer;       /* listener paused after running out of fds */
    struct srv_conn *conns;     /* doubly linked, newest first */
    struct srv_conn *reap;      /* dead, released on the loop's next turn */
    int64_t reap_timer;
    struct srv_stats st;
    struct served *shared;      /* the run's counters, or NULL */
};

static void srv_update_events(struct srv_conn *c);
static void srv_flush(struct srv_conn *c);
static void srv_process(struct srv_conn *c);
static void srv_linger(struct srv_conn *c);
static int64_t srv_sweep(ae_loop *l, int64_t id, void *data);
static void srv_sweep_at(struct srv *s, int64_t due);
static void srv_sweep_conn(struct srv_conn *c);
static int64_t srv_reap(ae_loop *l, int64_t id, void *data);
static void srv_on_conn_event(ae_loop *l, int fd, void *data, int mask);

struct srv *srv_create(ae_loop *loop, const struct srv_proto *proto, void *ctx,
                       const struct srv_limits *lim)
{
    struct srv *s = calloc(1, sizeof *s);
    if (!s) abort();
    s->loop = loop;
    s->proto = proto;
    s->ctx = ctx;
    s->lim = *lim;
    s->lfd = s->sigfd = -1;
    return s;
}

void *srv_ctx(const struct srv *s) { return s->ctx; }
ae_loop *srv_loop(const struct srv *s) { return s->loop; }
const struct srv_stats *srv_stats(const struct srv *s) { return &s->st; }
int srv_port(const struct srv *s) { return s->port; }

struct srv_limits srv_opts_limits(const struct srv_opts *o)
{
    return (struct srv_limits){ o->max_conns, o->max_request, o->idle_timeout, o->stall,
                                o->request_timeout };
}

/* ---- connections --------------------------------------------------- */

/* Ends a connection.  The socket closes at once (the client sees it, and
 * the slot counts as free for --max-conns), but the role's close callback
 * and the memory wait for the loop's next turn (srv_reap): whoever called
 * in here (a role's timer, a backend's answer, another connection's input)
 * may go on using c and c->state until it returns.  Every srv_ call on a
 * dead connection does nothing. */
static void srv_conn_free(struct srv_conn *c)
{
    struct srv *s = c->srv;
    if (c->dead) return;
    c->dead = 1;
    ae_del_file(s->loop, c->fd, AE_READABLE | AE_WRITABLE);
    close(c->fd);
    c->fd = -1;
    if (c->file_fd >= 0) close(c->file_fd);
    c->file_fd = -1;
    if (c->prev) c->prev->next = c->next; else s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    c->prev = NULL;
    c->next = s->reap;
    s->reap = c;
    s->st.closed++;
    s->st.active--;
    if (!s->reap_timer) s->reap_timer = ae_add_timer(s->loop, 0, srv_reap, s);
}

/* Calls the role's close and frees one dead connection. */
static void srv_conn_release(struct srv_conn *c)
{
    if (c->srv->proto->close) c->srv->proto->close(c);
    buf_free(&c->in);
    buf_free(&c->out);
    free(c);
}

/* The loop's turn after connections died: release them.  A role's close
 * may end other connections; they are released in the same turn. */
static int64_t srv_reap(ae_loop *l, int64_t id, void *data)
{
    struct srv *s = data;
    (void)l;
    (void)id;
    s->reap_timer = 0;
    while (s->reap) {
        struct srv_conn *c = s->reap;
        s->reap = c->next;
        srv_conn_release(c);
    }
    if (s->reap_timer) {
        ae_del_timer(s->loop, s->reap_timer);
        s->reap_timer = 0;
    }
    return AE_NOMORE;
}

void srv_close(struct srv_conn *c, int now)
{
    if (c->dead) return;
    if (now) {
        srv_conn_free(c);
        return;
    }
    c->held = 0;                /* the role is done with the connection */
    c->closing = 1;
    srv_sweep_conn(c);
    srv_flush(c);
}

static int srv_out_pending(const struct srv_conn *c)
{
    return buf_used(&c->out) > 0 || c->file_fd >= 0;
}

/* Buffered input is handed to the role only while its answers can go out
 * in order and are not piling up. */
static int srv_can_process(const struct srv_conn *c)
{
    return !c->closing && !c->held && c->file_fd < 0 && buf_used(&c->out) < SRV_OUT_HIGH;
}

/* More input is read only while the connection can make progress with it
 * and the buffer has room. */
static int srv_wants_input(const struct srv_conn *c)
{
    return srv_can_process(c) && buf_used(&c->in) < (size_t)c->srv->lim.max_request;
}

static void srv_update_events(struct srv_conn *c)
{
    if (c->dead || c->draining) return;
    ae_loop *l = c->srv->loop;
    int want = (srv_wants_input(c) ? AE_READABLE : 0) | (srv_out_pending(c) ? AE_WRITABLE : 0);
    int have = ae_file_mask(l, c->fd);
    if (have & ~want) ae_del_file(l, c->fd, have & ~want);
    if (want & ~have) ae_add_file(l, c->fd, want & ~have, srv_on_conn_event, c);
}

/* Everything is sent and the connection is closing.  Closing a socket
 * with unread input makes the kernel send RST, which can destroy the
 * error reply still in flight; so, like nginx's lingering close, shut
 * down our side and read and discard until the client closes or
 * SRV_LINGER passes (the sweep enforces it). */
#define SRV_LINGER (2 * CLOCK_NS_PER_S)
static void srv_linger(struct srv_conn *c)
{
    if (c->draining) return;
    if (shutdown(c->fd, SHUT_WR) < 0) {
        srv_conn_free(c);
        return;
    }
    c->draining = 1;
    c->last_active = ae_now(c->srv->loop);
    srv_sweep_at(c->srv, c->last_active + SRV_LINGER);
    ae_del_file(c->srv->loop, c->fd, AE_WRITABLE);
    ae_add_file(c->srv->loop, c->fd, AE_READABLE, srv_on_conn_event, c);
}

/* Sends queued bytes, then the pending file.  Closes the connection on a
 * write error, or when closing and everything is sent.  Bytes queued ahead
 * of a file (a response head) go out with MSG_MORE, so the kernel packs
 * them with the file's first bytes instead of sending a small segment of
 * their own (sendfile's last chunk goes without MORE and pushes). */
static void srv_flush(struct srv_conn *c)
{
    while (buf_used(&c->out) > 0) {
        ssize_t n = send(c->fd, buf_head(&c->out), buf_used(&c->out),
                         MSG_NOSIGNAL | (c->file_fd >= 0 && c->file_left > 0 ? MSG_MORE : 0));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) goto wait;
        if (n <= 0) goto fail;
        buf_consume(&c->out, (size_t)n);
        c->srv->st.bytes_out += (uint64_t)n;
    }
    while (c->file_fd >= 0 && c->file_left > 0) {
        size_t chunk = c->file_left > (1 << 20) ? (1 << 20) : (size_t)c->file_left;
        ssize_t n = sendfile(c->fd, c->file_fd, &c->file_off, chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) goto wait;
        if (n <= 0) goto fail;          /* short file: cannot keep framing */
        c->file_left -= n;
        c->srv->st.bytes_out += (uint64_t)n;
    }
    if (c->file_fd >= 0) {
        close(c->file_fd);
        c->file_fd = -1;
    }
    if (c->closing && !c->held) {  /* a held request's answer is still to come */
        srv_linger(c);
        return;
    }
    c->last_active = ae_now(c->srv->loop);
wait:
    srv_update_events(c);
    return;
fail:
    srv_conn_free(c);
}

/* Notes whether a request is partly received: the request deadline
 * (--request-timeout) runs from the first byte of a request the role has
 * not consumed yet, so a client sending a head one line at a time cannot
 * keep a connection past it. */
static void srv_note_partial(struct srv_conn *c, int consumed)
{
    struct srv *s = c->srv;
    if (!buf_used(&c->in)) {
        c->req_start = 0;
    } else if (consumed || !c->req_start) {
        c->req_start = ae_now(s->loop);
        if (s->lim.request_timeout > 0) srv_sweep_at(s, c->req_start + s->lim.request_timeout);
    }
}

/* Hands buffered input to the role until it stops making progress.  The
 * buffer may be full of complete small requests (a pipelined burst read
 * at once): only when the role consumes nothing of a full buffer is the
 * request too large.  Input also stops while output is pending (a file,
 * or SRV_OUT_HIGH bytes); when the flush that follows sends it all at
 * once, no writable event comes to restart the input, and the client may
 * have sent everything already: so go round again here. */
static void srv_process(struct srv_conn *c)
{
    struct srv *s = c->srv;
    c->in_callback++;
    for (;;) {
        int blocked = 0, stuck = 0;
        size_t start = buf_used(&c->in);
        while (!c->dead && buf_used(&c->in) > 0) {
            if (!srv_can_process(c)) { blocked = 1; break; }
            size_t before = buf_used(&c->in);
            int rc = s->proto->on_input(c);
            if (c->dead) break;
            if (rc == SRV_ABORT) { srv_conn_free(c); break; }
            if (rc == SRV_CLOSE) { c->closing = 1; break; }
            if (buf_used(&c->in) == before) { stuck = 1; break; }   /* incomplete */
        }
        if (c->dead) break;
        srv_note_partial(c, buf_used(&c->in) < start);
        /* Part of a request is buffered and the rest is due.  Clients that
         * write one request in pieces (an IMAP literal, then its line end)
         * hold the last piece under Nagle until this piece is ACKed, and the
         * kernel delays that ACK for up to 40 ms: ACK at once instead. */
        if (!c->held && !c->closing && buf_used(&c->in) > 0) {
            int one = 1;
            setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
        }
        if (stuck && srv_can_process(c) && buf_used(&c->in) >= (size_t)s->lim.max_request) {
            s->st.overflows++;
            if (s->proto->on_overflow) s->proto->on_overflow(c);
            c->closing = 1;
        }
        if (c->dead) break;
        srv_flush(c);
        if (c->dead || !blocked || !srv_can_process(c) || !buf_used(&c->in)) break;
    }
    c->in_callback--;
}

static void srv_on_conn_event(ae_loop *l, int fd, void *data, int mask)
{
    struct srv_conn *c = data;
    (void)l;
    (void)fd;
    if (c->draining) {              /* read and drop, into the input buffer's free room */
        ssize_t n = recv(c->fd, buf_reserve(&c->in, SRV_DRAIN_CHUNK), SRV_DRAIN_CHUNK, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) srv_conn_free(c);
        return;
    }
    if (mask & AE_WRITABLE) {
        c->in_callback++;
        srv_flush(c);
        c->in_callback--;
        if (c->dead) return;
        if (srv_can_process(c) && buf_used(&c->in)) {
            srv_process(c);         /* may end c; a pending read fires again */
            return;
        }
    }
    if (!(mask & AE_READABLE) || !srv_wants_input(c)) return;
    size_t room = (size_t)c->srv->lim.max_request - buf_used(&c->in);
    if (room > SRV_READ_CHUNK) room = SRV_READ_CHUNK;
    ssize_t n = recv(c->fd, buf_reserve(&c->in, room), room, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (n <= 0) {                       /* peer closed or reset */
        if (n == 0 && buf_used(&c->in)) {   /* answer what was sent, then close */
            srv_process(c);
            if (!c->dead) srv_close(c, 0);
        } else {
            srv_conn_free(c);
        }
        return;
    }
    c->in.len += (size_t)n;
    c->fresh = 0;
    c->srv->st.bytes_in += (uint64_t)n;
    c->last_active = ae_now(c->srv->loop);
    srv_process(c);
}

static void srv_refuse(struct srv *s, int fd)
{
    s->st.refused++;
    if (s->proto->busy_reply) {
        ssize_t w = send(fd, s->proto->busy_reply, strlen(s->proto->busy_reply),
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)w;
    }
    close(fd);
}

/* "ADDR:PORT" of a client in numbers ("?" for a part getnameinfo cannot
 * give). */
static struct numstr srv_peer_name(const struct sockaddr *sa, socklen_t len)
{
    struct numstr host = { "?" }, port = { "?" };     /* numeric: INET6_ADDRSTRLEN, 5 */
    getnameinfo(sa, len, host.s, sizeof host.s, port.s, sizeof port.s,
                NI_NUMERICHOST | NI_NUMERICSERV);
    return numstr_fmt("%s:%s", host.s, port.s);
}

static void srv_on_accept(ae_loop *l, int lfd, void *data, int mask);

int srv_adopt(struct srv *s, int fd, const char *peer)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct srv_conn *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->srv = s;
    c->fd = fd;
    c->file_fd = -1;
    c->fresh = 1;
    c->last_active = ae_now(s->loop);
    c->peer = numstr_fmt("%s", peer);
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->st.accepted++;
    s->st.active++;
    if (s->lim.idle_timeout > 0) srv_sweep_at(s, c->last_active + s->lim.idle_timeout);
    if (ae_add_file(s->loop, fd, AE_READABLE, srv_on_conn_event, c) < 0) {
        srv_conn_free(c);
        return -1;
    }
    c->in_callback++;
    int rc = s->proto->open ? s->proto->open(c) : 0;
    c->in_callback--;
    if (c->dead || rc < 0) {
        srv_conn_free(c);
        return -1;
    }
    srv_flush(c);
    return c->dead ? -1 : 0;
}

#define SRV_ACCEPT_PAUSE (100 * CLOCK_NS_PER_MS)

/* The pause after running out of descriptors is over: listen again. */
static int64_t srv_accept_resume(ae_loop *l, int64_t id, void *data)
{
    struct srv *s = data;
    (void)id;
    s->accept_timer = 0;
    if (s->lfd >= 0) ae_add_file(l, s->lfd, AE_READABLE, srv_on_accept, s);
    return AE_NOMORE;
}

static void srv_on_accept(ae_loop *l, int lfd, void *data, int mask)
{
    struct srv *s = data;
    (void)mask;
    for (int i = 0; i < 64; i++) {
        struct sockaddr_storage sa;
        socklen_t salen = sizeof sa;
        int fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
                       errno == ENOMEM)) {
            /* The pending connection stays queued and the listener stays
             * readable: without a pause the loop would spin here, logging
             * each time.  Stop listening for a while (connections closing
             * meanwhile free descriptors). */
            log_warn("%s: accept: %s; not accepting for %lld ms", s->proto->name,
                     strerror(errno), (long long)(SRV_ACCEPT_PAUSE / CLOCK_NS_PER_MS));
            ae_del_file(l, lfd, AE_READABLE);
            s->accept_timer = ae_add_timer(l, SRV_ACCEPT_PAUSE, srv_accept_resume, s);
            return;
        }
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                log_warn("%s: accept: %s", s->proto->name, strerror(errno));
            return;
        }
        if (s->st.active >= s->lim.max_conns) {
            srv_refuse(s, fd);
            continue;
        }
        srv_adopt(s, fd, srv_peer_name((struct sockaddr *)&sa, salen).s);
    }
}

/* Sweeps run no more often than this, however the deadlines fall. */
#define SRV_SWEEP_MIN (250 * CLOCK_NS_PER_MS)

/* Makes sure a sweep runs by due (an absolute ae_now time). */
static void srv_sweep_at(struct srv *s, int64_t due)
{
    if (s->sweep_timer && s->sweep_due <= due) return;
    if (s->sweep_timer) ae_del_timer(s->loop, s->sweep_timer);
    s->sweep_due = due;
    s->sweep_timer = ae_add_timer_at(s->loop, due, srv_sweep, s);
}

/* When c's time is up: its lingering close, its idle timeout, or the
 * deadline of a request it is sending; INT64_MAX if never.  A held
 * connection waits on the role's backend, which has deadlines of its own. */
static int64_t srv_conn_due(const struct srv *s, const struct srv_conn *c)
{
    if (c->draining) return c->last_active + SRV_LINGER;
    if (c->held) return INT64_MAX;
    int64_t due = INT64_MAX;
    if (s->lim.idle_timeout > 0) due = c->last_active + s->lim.idle_timeout;
    if (s->lim.request_timeout > 0 && c->req_start && c->req_start + s->lim.request_timeout < due)
        due = c->req_start + s->lim.request_timeout;
    return due;
}

/* A connection's deadline may have come closer (a hold ended): make sure
 * a sweep runs by then. */
static void srv_sweep_conn(struct srv_conn *c)
{
    int64_t due = srv_conn_due(c->srv, c);
    if (due != INT64_MAX) srv_sweep_at(c->srv, due);
}

/* Closes the connections whose time is up (srv_conn_due) and arms the
 * next sweep for the earliest deadline left; with none, the server sleeps. */
static int64_t srv_sweep(ae_loop *l, int64_t id, void *data)
{
    struct srv *s = data;
    (void)id;
    s->sweep_timer = 0;
    int64_t now = ae_now(l), next_due = INT64_MAX;
    for (struct srv_conn *c = s->conns, *next; c; c = next) {
        next = c->next;
        int64_t due = srv_conn_due(s, c);
        if (due <= now) {
            if (!c->draining) s->st.timeouts++;
            srv_conn_free(c);
        } else if (due < next_due) {
            next_due = due;
        }
    }
    if (next_due != INT64_MAX)
        srv_sweep_at(s, next_due > now + SRV_SWEEP_MIN ? next_due : now + SRV_SWEEP_MIN);
    return AE_NOMORE;
}

int srv_listen(struct srv *s, const char *addr)
{
    const char *colon = strrchr(addr, ':');
    if (!colon || colon == addr) {
        log_error("%s: bad listen address '%s' (expected IP:PORT)", s->proto->name, addr);
        return -1;
    }
    size_t hl = (size_t)(colon - addr);
    int bracket = hl > 1 && addr[0] == '[' && addr[hl - 1] == ']';
    char *host = bracket ? strndup(addr + 1, hl - 2) : strndup(addr, hl);
    if (!host) abort();
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE }, *ai;
    int rc = getaddrinfo(host, colon + 1, &hints, &ai);
    if (rc) {
        log_error("%s: bad listen address '%s': %s", s->proto->name, addr, gai_strerror(rc));
        free(host);
        return -1;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0) {
        log_error("%s: cannot listen on %s: %s", s->proto->name, addr, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        free(host);
        return -1;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &salen);
    s->port = ntohs(sa.ss_family == AF_INET ? ((struct sockaddr_in *)&sa)->sin_port
                                            : ((struct sockaddr_in6 *)&sa)->sin6_port);
    s->lfd = fd;
    ae_add_file(s->loop, fd, AE_READABLE, srv_on_accept, s);
    log_info("%s listening on %s:%d", s->proto->name, host, s->port);
    free(host);
    return 0;
}

void srv_destroy(struct srv *s)
{
    if (!s) return;
    while (s->conns) srv_conn_free(s->conns);
    if (s->reap_timer) ae_del_timer(s->loop, s->reap_timer);
    srv_reap(s->loop, 0, s);
    if (s->lfd >= 0) {
        ae_del_file(s->loop, s->lfd, AE_READABLE);
        close(s->lfd);
    }
    if (s->sweep_timer) ae_del_timer(s->loop, s->sweep_timer);
    if (s->accept_timer) ae_del_timer(s->loop, s->accept_timer);
    served_unmap(s->shared);
    free(s);
}

/* ---- output -------------------------------------------------------- */

void srv_write(struct srv_conn *c, const void *p, size_t n)
{
    if (c->dead) return;
    buf_append(&c->out, p, n);
    if (!c->in_callback) srv_flush(c);
}

void srv_puts(struct srv_conn *c, const char *str) { srv_write(c, str, strlen(str)); }

void srv_printf(struct srv_conn *c, const char *fmt, ...)
{
    if (c->dead) return;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&c->out, fmt, ap);
    va_end(ap);
    if (!c->in_callback) srv_flush(c);
}

void srv_send_file(struct srv_conn *c, int fd, off_t off, int64_t len)
{
    if (c->dead || c->file_fd >= 0) {
        close(fd);
        if (!c->dead) srv_close(c, 1);
        return;
    }
    c->file_fd = fd;
    c->file_off = off;
    c->file_left = len;
    if (!c->in_callback) srv_flush(c);
}

void srv_hold(struct srv_conn *c) { c->held = 1; }

void srv_resume(struct srv_conn *c)
{
    if (c->dead || !c->held) return;
    c->held = 0;
    srv_sweep_conn(c);
    if (c->in_callback) return;     /* srv_process's loop picks it up */
    srv_process(c);
}

void srv_peek_new(struct srv *s, size_t n, void (*fn)(const void *p, size_t len, void *arg),
                  void *arg)
{
    if (s->lfd >= 0 && !s->accept_timer) srv_on_accept(s->loop, s->lfd, s, AE_READABLE);
    for (struct srv_conn *c = s->conns; c; c = c->next) {
        if (!c->fresh || c->dead) continue;
        char *p = buf_reserve(&c->in, n);      /* empty until the first read */
        ssize_t got = recv(c->fd, p, n, MSG_PEEK | MSG_DONTWAIT);
        if (got > 0) fn(p, (size_t)got, arg);
    }
}

void srv_count(struct srv_conn *c, int is_error)
{
    c->srv->st.requests++;
    if (is_error) c->srv->st.errors++;
    if (c->srv->shared) served_add(c->srv->shared, is_error);
}

void srv_share_counters(struct srv *s, struct served *sh)
{
    s->shared = sh;
}

/* ---- running -------------------------------------------------------- */

static void srv_on_signal(ae_loop *l, int fd, void *data, int mask)
{
    struct srv *s = data;
    struct signalfd_siginfo si;
    (void)mask;
    while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGUSR1) {
            log_info("%s: stalling for %lld ms (SIGUSR1)", s->proto->name,
                     (long long)(s->lim.stall / CLOCK_NS_PER_MS));
            clock_sleep_ns(s->lim.stall);
        } else {
            log_info("%s: signal %u, stopping", s->proto->name, si.ssi_signo);
            ae_stop(l);
        }
    }
}

int srv_serve(ae_loop *loop, const struct srv_proto *proto, void *ctx,
              const struct srv_opts *o, void (*ready)(struct srv *s, void *ctx))
{
    struct srv_limits lim = srv_opts_limits(o);
    struct srv *s = srv_create(loop, proto, ctx, &lim);
    struct served *sh = o->counters_fd >= 0 ? served_attach((int)o->counters_fd) : NULL;
    int rc = o->counters_fd >= 0 && !sh ? CLI_FAILED : CLI_OK;
    if (rc) log_error("%s: --counters-fd %lld: %s", proto->name, (long long)o->counters_fd,
                      strerror(errno));
    srv_share_counters(s, sh);
    if (rc == CLI_OK) rc = srv_listen(s, o->listen) ? CLI_FAILED : CLI_OK;
    if (rc == CLI_OK) {
        if (ready) ready(s, ctx);
        rc = srv_run(s);
    }
    srv_destroy(s);
    return rc;
}

int srv_run(struct srv *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->sigfd < 0) {
        log_error("%s: signalfd: %s", s->proto->name, strerror(errno));
        return 1;
    }
    ae_add_file(s->loop, s->sigfd, AE_READABLE, srv_on_signal, s);
    ae_run(s->loop);
    ae_del_file(s->loop, s->sigfd, AE_READABLE);
    close(s->sigfd);
    s->sigfd = -1;
    log_info("%s: %llu connections, %llu requests, %llu errors, %llu refused, %llu timeouts, "
             "%llu bytes in, %llu out", s->proto->name,
             (unsigned long long)s->st.accepted, (unsigned long long)s->st.requests,
             (unsigned long long)s->st.errors, (unsigned long long)s->st.refused,
             (unsigned long long)s->st.timeouts, (unsigned long long)s->st.bytes_in,
             (unsigned long long)s->st.bytes_out);
    return 0;
}
