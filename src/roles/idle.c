/* idle.c — the idle server: answers a one-line heartbeat and otherwise
 * sleeps.
 *
 * Protocol: the client sends "PING <token>\n" (token: up to 64 printable
 * characters, "\r\n" accepted); the server answers "PONG <token>\n".
 * Anything else gets "ERR <reason>\n" and the connection stays open; a
 * line longer than IDLE_MAX_LINE gets "ERR line too long".  The server
 * arms no timers of its own; the core's sweep wakes it only when a
 * connection's deadline (--idle-timeout, --request-timeout) comes, so an
 * idle set member causes almost no wake-ups. */
#include "roles/role.h"
#include "roles/srv.h"
#include "core/exitcode.h"
#include "core/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IDLE_MAX_LINE 128

struct idle_opts {
    struct srv_opts srv;
    int64_t answer_delay;           /* ns; test hook */
};

static const struct opt_def idle_serve_table[] = {
    SRV_OPTS(struct idle_opts, srv),
    { "answer-delay", OPT_DURATION, offsetof(struct idle_opts, answer_delay), 0, "0", 0, 10e9,
      NULL, 0, "test hook: sleep this long before each answer (the server answers nothing "
      "meanwhile: a slow server)" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

static int64_t idle_answer_delay;   /* --answer-delay */

/* Answers every complete line in c->in; a partial line already longer
 * than any heartbeat is refused and the connection closed. */
static int idle_on_input(struct srv_conn *c)
{
    for (;;) {
        const char *p = buf_head(&c->in);
        const char *nl = memchr(p, '\n', buf_used(&c->in));
        if (!nl && buf_used(&c->in) > IDLE_MAX_LINE + 2) {
            srv_puts(c, "ERR line too long\n");
            srv_count(c, 1);
            return SRV_CLOSE;
        }
        if (!nl) return SRV_OK;
        size_t len = (size_t)(nl - p);
        if (len && p[len - 1] == '\r') len--;
        int ok = len >= 5 && len - 5 <= 64 && memcmp(p, "PING ", 5) == 0;
        for (size_t i = 5; ok && i < len; i++)
            if (p[i] < 0x21 || p[i] > 0x7e) ok = 0;
        if (ok && idle_answer_delay) {
            struct timespec ts = { idle_answer_delay / 1000000000, idle_answer_delay % 1000000000 };
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
        }
        if (ok)
            srv_printf(c, "PONG %.*s\n", (int)(len - 5), p + 5);
        else
            srv_puts(c, len > IDLE_MAX_LINE ? "ERR line too long\n" : "ERR expected PING <token>\n");
        srv_count(c, !ok);
        buf_consume(&c->in, (size_t)(nl - p) + 1);
    }
}

static void idle_on_overflow(struct srv_conn *c)
{
    srv_puts(c, "ERR line too long\n");
}

static const struct srv_proto idle_proto = {
    .name = "idle",
    .on_input = idle_on_input,
    .on_overflow = idle_on_overflow,
    .busy_reply = "ERR too many connections\n",
};

static int idle_serve(int argc, char **argv)
{
    struct idle_opts o;
    int rc = opt_parse_argv(idle_serve_table, &o, argc, argv,
                            "hostmix serve idle --listen IP:PORT", NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    idle_answer_delay = o.answer_delay;
    log_set_tag("idle");
    ae_loop *loop = ae_create(1024);
    rc = srv_serve(loop, &idle_proto, NULL, &o.srv, NULL);
    ae_destroy(loop);
    return rc;
}

const struct role_ops role_idle_ops = { "idle", NULL, idle_serve };
