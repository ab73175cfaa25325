/* srv.h — the server core that every built-in role shares.
 *
 * The core owns the listener, the connections on the event loop, their
 * input and output buffers, the limits (max connections, max request size,
 * idle timeout), the counters, signal handling and the stall test hook.
 * A role supplies a srv_proto: callbacks that turn bytes of input into
 * bytes of output.  Roles never touch sockets for their clients.
 *
 * Flow: bytes arrive in c->in; the core calls proto->on_input, which
 * consumes every complete request it finds (buf_consume(&c->in, n)) and
 * queues answers with srv_write/srv_printf/srv_send_file.  A request that
 * must wait for a backend (nfs, db) calls srv_hold(c) and returns; the
 * core then stops feeding input to that connection (so pipelined answers
 * stay in order) until the role calls srv_resume(c).
 *
 * Back-pressure: while more than SRV_OUT_HIGH bytes or a file wait to be
 * sent, the core stops reading from the connection.
 *
 * Lifetime: a connection may end inside any srv_ call (a send fails because
 * the client reset, srv_close(c, 1), a role's on_input returning
 * SRV_ABORT).  Its socket closes at once, but proto->close and the memory
 * wait for the loop's next turn, so a role's timer or backend callback may
 * go on using c and c->state after srv_write/srv_printf/srv_close/
 * srv_resume returns; on a dead connection those calls do nothing. */
#ifndef HOSTMIX_SRV_H
#define HOSTMIX_SRV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/ae.h"
#include "core/buf.h"
#include "core/opt.h"

#define SRV_OUT_HIGH (256 * 1024)

/* on_input results */
enum { SRV_OK = 0, SRV_CLOSE = 1, SRV_ABORT = 2 };

struct srv;
struct srv_conn;

struct srv_proto {
    const char *name;
    /* A new connection: may queue a greeting, may set c->state.  Returns 0,
     * or -1 to refuse (the core closes it). */
    int (*open)(struct srv_conn *c);
    /* Input arrived (or a hold ended).  Returns SRV_OK, SRV_CLOSE (close
     * once queued output is sent) or SRV_ABORT (close now). */
    int (*on_input)(struct srv_conn *c);
    /* c->in holds max_request bytes and on_input consumed none of them:
     * queue the protocol's own error (HTTP 413/431, IMAP BAD, ...); the core
     * closes once it is sent.  May be NULL. */
    void (*on_overflow)(struct srv_conn *c);
    /* The connection is going away: free c->state and detach any backend
     * request still pointing at c.  May be NULL. */
    void (*close)(struct srv_conn *c);
    /* Written (best effort) to a connection refused for max_conns before it
     * is closed, e.g. "* BYE too many connections\r\n".  May be NULL. */
    const char *busy_reply;
};

struct srv_limits {
    int64_t max_conns;
    int64_t max_request;        /* bytes of one request (incl. literals) */
    int64_t idle_timeout;       /* ns; 0 = never */
    int64_t stall;              /* ns the loop stalls on SIGUSR1 (test hook) */
    int64_t request_timeout;    /* ns to receive a whole request; 0 = never */
};

struct srv_stats {
    uint64_t accepted, refused, closed, timeouts, overflows;
    uint64_t requests, errors, bytes_in, bytes_out;
    int64_t active;
};

struct srv_conn {
    struct srv *srv;
    int fd;
    struct buf in, out;
    void *state;                /* the role's; freed by proto->close */
    struct numstr peer;         /* "ADDR:PORT" of the client, in numbers */
    /* internal */
    int held, closing, dead, in_callback, draining;
    int fresh;                  /* nothing read from the client yet */
    int file_fd;                /* pending srv_send_file, or -1 */
    off_t file_off;
    int64_t file_left;
    int64_t last_active;
    int64_t req_start;          /* first byte of a request not yet consumed, or 0 */
    struct srv_conn *prev, *next;
};

/* Creates a server on loop for proto; ctx is the role's server-wide state
 * (srv_ctx returns it).  The srv owns its connections; not ctx. */
struct srv *srv_create(ae_loop *loop, const struct srv_proto *proto, void *ctx,
                       const struct srv_limits *lim);
/* Listens on "IP:PORT" (PORT 0 picks one; srv_port tells which).  Returns
 * 0, or -1 after logging why. */
int srv_listen(struct srv *s, const char *addr);
int srv_port(const struct srv *s);
/* Serves an already connected, non-blocking stream socket as if accepted
 * (the fault-injection harness hands it socketpairs); peer names it in
 * logs.  The srv owns fd from now on.  Returns 0, or -1 if it was closed
 * at once (the role refused it). */
int srv_adopt(struct srv *s, int fd, const char *peer);
/* Closes the listener and every connection (calling proto->close). */
void srv_destroy(struct srv *s);
void *srv_ctx(const struct srv *s);
ae_loop *srv_loop(const struct srv *s);
const struct srv_stats *srv_stats(const struct srv *s);

/* Runs the loop until SIGTERM or SIGINT; SIGUSR1 stalls the loop for
 * lim->stall (the test hook that makes a server stop answering).  Logs
 * the counters on the way out.  Returns 0. */
int srv_run(struct srv *s);

/* Output.  Queued bytes are sent as the socket allows. */
void srv_write(struct srv_conn *c, const void *p, size_t n);
void srv_puts(struct srv_conn *c, const char *s);
void srv_printf(struct srv_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends len bytes of fd from off after the queued bytes; the core closes
 * fd when done (or when the connection dies).  Input processing pauses
 * until the file is sent.  One file at a time per connection. */
void srv_send_file(struct srv_conn *c, int fd, off_t off, int64_t len);

/* Waiting on a backend: no input is handed to on_input until srv_resume.
 * srv_resume may be called from any callback; it runs on_input again at
 * once for input already buffered. */
void srv_hold(struct srv_conn *c);
void srv_resume(struct srv_conn *c);
/* Closes after the queued output is sent (now = 1: at once); ends a hold.
 * A connection whose on_input returned SRV_CLOSE while holding closes
 * only after srv_resume, so a held request's answer is never lost. */
void srv_close(struct srv_conn *c, int now);

/* For a role whose request may run long inside one loop turn (the db's
 * statements): accepts waiting connections and shows fn, for every
 * connection that has not been read from yet, the first bytes it sent
 * (at most n; peeked, so they are read again as usual later).  This lets
 * such a request notice an out-of-band message, e.g. a CancelRequest. */
void srv_peek_new(struct srv *s, size_t n, void (*fn)(const void *p, size_t len, void *arg),
                  void *arg);

/* Counters the role keeps through the core (also in the run's shared
 * counters, when the server has them: srv_share_counters). */
void srv_count(struct srv_conn *c, int is_error);
/* Counts every request from now on also in sh (core/served.h), which the
 * srv keeps and unmaps in srv_destroy. */
struct served;
void srv_share_counters(struct srv *s, struct served *sh);

/* Options every `hostmix serve ROLE` takes.  A role's option struct
 * starts with a struct srv_opts member; SRV_OPTS(type, member) expands
 * to its rows of the role's opt_def table. */
struct srv_opts {
    char listen[64];
    char data[512];
    int64_t max_conns, max_request, idle_timeout, stall, request_timeout;
    int64_t counters_fd;        /* the run's served counters (core/served.h), or -1 */
};
#define SRV_OPTS(T, m) \
    { "listen", OPT_STR, offsetof(T, m.listen), 64, "127.0.0.1:0", OPT_NO_RANGE, NULL, 0, \
      "address to listen on, IP:PORT" }, \
    { "data", OPT_STR, offsetof(T, m.data), 512, "", OPT_NO_RANGE, NULL, 0, \
      "the role's data directory (from hostmix prepare)" }, \
    { "max-conns", OPT_INT, offsetof(T, m.max_conns), 0, "10000", 1, 1e6, NULL, 0, \
      "connections beyond this are refused" }, \
    { "max-request", OPT_SIZE, offsetof(T, m.max_request), 0, "64KiB", 256, 1 << 30, NULL, 0, \
      "largest request accepted" }, \
    { "idle-timeout", OPT_DURATION, offsetof(T, m.idle_timeout), 0, "60s", 0, 86400e9, NULL, 0, \
      "close connections idle this long (0: never)" }, \
    { "stall", OPT_DURATION, offsetof(T, m.stall), 0, "1s", 0, 600e9, NULL, 0, \
      "test hook: SIGUSR1 stops the server answering for this long" }, \
    { "request-timeout", OPT_DURATION, offsetof(T, m.request_timeout), 0, "20s", 0, 86400e9, \
      NULL, 0, "close a connection that takes longer to send one whole request (0: never)" }, \
    { "counters-fd", OPT_INT, offsetof(T, m.counters_fd), 0, "-1", -1, 65535, NULL, 0, \
      "descriptor of the run's served-request counters (hostmix run passes it; -1: none)" }

/* The limits from parsed srv_opts. */
struct srv_limits srv_opts_limits(const struct srv_opts *o);

/* The serve sequence every role shares: a server for proto with ctx on
 * loop, with o's limits, listening on o->listen; ready (NULL: none) runs
 * once it listens (app connects its db pool there, db keeps the srv);
 * then the loop runs until SIGTERM or SIGINT and the server is destroyed.
 * With o->counters_fd set, requests are also counted there (a descriptor
 * that is no served page: CLI_FAILED, before listening).
 * The loop stays the caller's.  Returns the exit status (CLI_OK, or
 * CLI_FAILED when it cannot listen). */
int srv_serve(ae_loop *loop, const struct srv_proto *proto, void *ctx,
              const struct srv_opts *o, void (*ready)(struct srv *s, void *ctx));

#endif
