/* qmp.c — the QMP client; see qmp.h.  The protocol (qemu
 * docs/interop/qmp-spec): on connect QEMU sends {"QMP": {"version": ...,
 * "capabilities": [...]}}; the client must send qmp_capabilities before
 * any other command; each command {"execute": C, "arguments": A, "id": I}
 * is answered by {"return": R, "id": I} or {"error": {"class": K,
 * "desc": D}, "id": I}; events {"event": E, "data": ..., "timestamp":
 * ...} may arrive at any time.  QEMU ends every message with "\r\n". */
#include "platform/qmp.h"
#include "core/json.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* ---- parsing: the only place that reads QEMU's JSON ----------------- */

/* Appends the version of a greeting ("7.2.22") to dst; -1 if malformed. */
static int qmp_greeting(const struct json_val *g, struct buf *dst)
{
    const struct json_val *v = json_path(g, "version.qemu");
    if (!v || json_type(v) != JSON_OBJECT) return -1;
    buf_printf(dst, "%.0f.%.0f.%.0f", json_num(json_get(v, "major"), 0),
               json_num(json_get(v, "minor"), 0), json_num(json_get(v, "micro"), 0));
    return 0;
}

/* The message's integer id, or -1. */
static long long qmp_id(const struct json_val *root)
{
    const struct json_val *id = json_get(root, "id");
    double d = json_num(id, -1);
    return d >= 0 && d < 9e15 && d == (double)(long long)d ? (long long)d : -1;
}

/* Fills m from a parsed message object; -1 with why if of no known kind. */
static int qmp_classify(const struct json_val *root, struct qmp_msg *m, char *why, size_t n)
{
    const struct json_val *v;
    m->id = qmp_id(root);
    if ((v = json_get(root, "return"))) {
        struct json_w w;
        m->kind = QMP_RETURN;
        json_w_init(&w, &m->text, 0);
        json_w_value(&w, v);
    } else if ((v = json_get(root, "error"))) {
        m->kind = QMP_ERROR;
        buf_printf(&m->text, "%s: %s", json_str(json_get(v, "class"), "Error"),
                   json_str(json_get(v, "desc"), "(no description)"));
    } else if ((v = json_get(root, "event")) && json_type(v) == JSON_STRING) {
        m->kind = QMP_EVENT;
        buf_puts(&m->text, json_str(v, ""));
        if ((v = json_get(root, "data"))) {
            struct json_w w;
            json_w_init(&w, &m->data, 0);
            json_w_value(&w, v);
        }
    } else if ((v = json_get(root, "QMP"))) {
        m->kind = QMP_GREETING;
        if (qmp_greeting(v, &m->text) == 0) return 0;
        snprintf(why, n, "qmp: greeting without version.qemu");
        return -1;
    } else {
        snprintf(why, n, "qmp: message is neither return, error, event nor greeting");
        return -1;
    }
    return 0;
}

/* Writes prefix and then json_parse's own description of what is wrong
 * with text (which failed to parse) into why: parsing again only on this
 * error path keeps both the success path and why free of scratch copies. */
static void qmp_json_why(const char *text, size_t len, const char *prefix, char *why, size_t n)
{
    int k = snprintf(why, n, "%s", prefix);
    if (k >= 0 && (size_t)k < n) json_doc_free(json_parse(text, len, why + k, n - (size_t)k));
}

int qmp_parse_msg(const char *line, size_t len, struct qmp_msg *m, char *why, size_t n)
{
    buf_reset(&m->text);
    buf_reset(&m->data);
    m->id = -1;
    struct json_doc *d = json_parse(line, len, NULL, 0);
    if (!d) {
        qmp_json_why(line, len, "qmp: bad JSON from QEMU: ", why, n);
        return -1;
    }
    int rc = -1;
    if (json_type(json_root(d)) != JSON_OBJECT)
        snprintf(why, n, "qmp: message is not a JSON object");
    else
        rc = qmp_classify(json_root(d), m, why, n);
    json_doc_free(d);
    return rc;
}

void qmp_msg_free(struct qmp_msg *m)
{
    buf_free(&m->text);
    buf_free(&m->data);
}

int qmp_parse_cpus(const char *json, size_t len, pid_t *tids, int max)
{
    struct json_doc *d = json_parse(json, len, NULL, 0);
    if (!d) return -1;
    const struct json_val *a = json_root(d);
    int k = json_type(a) == JSON_ARRAY ? 0 : -1;
    for (size_t i = 0; k >= 0 && i < json_len(a) && k < max; i++) {
        double t = json_num(json_get(json_at(a, i), "thread-id"), -1);
        if (t < 1 || t > 1e9) k = -1;
        else tids[k++] = (pid_t)t;
    }
    json_doc_free(d);
    return k;
}

int qmp_parse_status(const char *json, size_t len, char *dst, size_t n)
{
    struct json_doc *d = json_parse(json, len, NULL, 0);
    if (!d) return -1;
    const char *s = json_str(json_get(json_root(d), "status"), NULL);
    int rc = s ? 0 : -1;
    if (s && n) snprintf(dst, n, "%s", s);
    json_doc_free(d);
    return rc;
}

/* ---- client --------------------------------------------------------- */

struct qmp_ev { struct buf name, data; };

struct qmp {
    int fd;
    int timeout_ms;
    long long next_id;
    struct buf in;                  /* bytes read, not yet a whole line */
    struct buf version;
    struct qmp_ev ev[QMP_EVENTS];   /* ring: oldest at ev_head */
    int ev_head, nev;
};

static long long qmp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Keeps an event, dropping the oldest when full. */
static void qmp_keep_event(struct qmp *q, const struct qmp_msg *m)
{
    int slot = (q->ev_head + q->nev) % QMP_EVENTS;
    if (q->nev == QMP_EVENTS) q->ev_head = (q->ev_head + 1) % QMP_EVENTS;
    else q->nev++;
    buf_reset(&q->ev[slot].name);
    buf_reset(&q->ev[slot].data);
    buf_append(&q->ev[slot].name, buf_head(&m->text), buf_used(&m->text));
    buf_append(&q->ev[slot].data, buf_head(&m->data), buf_used(&m->data));
    buf_cstr(&q->ev[slot].name);
    buf_cstr(&q->ev[slot].data);
}

/* Reads more bytes until deadline.  Returns 1 with data, 0 at EOF, -1
 * with why on timeout or error. */
static int qmp_fill(struct qmp *q, long long deadline, char *why, size_t n)
{
    for (;;) {
        long long left = deadline - qmp_now_ms();
        if (left <= 0) {
            snprintf(why, n, "qmp: no answer from QEMU within %d ms", q->timeout_ms);
            return -1;
        }
        struct pollfd p = { .fd = q->fd, .events = POLLIN };
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0) continue;
        if (r < 0) break;
        ssize_t got = read(q->fd, buf_reserve(&q->in, 4096), 4096);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) break;
        q->in.len += (size_t)got;
        return got > 0;
    }
    snprintf(why, n, "qmp: read: %s", strerror(errno));
    return -1;
}

/* Reads the next message into m.  Returns 1, 0 at EOF, -1 with why. */
static int qmp_next(struct qmp *q, struct qmp_msg *m, long long deadline, char *why, size_t n)
{
    for (;;) {
        const char *h = buf_head(&q->in);
        const char *nl = memchr(h, '\n', buf_used(&q->in));
        if (nl) {
            size_t len = (size_t)(nl - h) + 1;
            int rc = qmp_parse_msg(h, len, m, why, n);
            buf_consume(&q->in, len);
            return rc ? -1 : 1;
        }
        if (buf_used(&q->in) > QMP_MAX_LINE) {
            snprintf(why, n, "qmp: message longer than %d bytes", QMP_MAX_LINE);
            return -1;
        }
        int r = qmp_fill(q, deadline, why, n);
        if (r <= 0) return r;
    }
}

/* Writes all of s; 0 or -1 with why. */
static int qmp_send(struct qmp *q, const char *s, size_t len, char *why, size_t n)
{
    while (len) {
        ssize_t w = send(q->fd, s, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            snprintf(why, n, "qmp: write: %s", strerror(errno));
            return -1;
        }
        s += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Builds the command line into out; -1 with why if args is not a JSON
 * object. */
static int qmp_command(struct qmp *q, const char *cmd, const char *args, struct buf *out,
                       char *why, size_t n)
{
    buf_puts(out, "{\"execute\":");
    json_escape(out, cmd, strlen(cmd));
    if (args) {
        struct json_doc *d = json_parse(args, strlen(args), NULL, 0);
        int ok = d && json_type(json_root(d)) == JSON_OBJECT;
        json_doc_free(d);
        if (!ok) {
            struct buf pre = BUF_INIT;
            buf_printf(&pre, "qmp: arguments of %s are not a JSON object: ", cmd);
            if (d) snprintf(why, n, "%sother type", buf_cstr(&pre));
            else qmp_json_why(args, strlen(args), buf_cstr(&pre), why, n);
            buf_free(&pre);
            return -1;
        }
        buf_printf(out, ",\"arguments\":%s", args);
    }
    buf_printf(out, ",\"id\":%lld}\r\n", q->next_id);
    return 0;
}

/* Waits for the reply with id; see qmp_exec for the result. */
static int qmp_wait_reply(struct qmp *q, long long id, struct buf *reply, char *why, size_t n)
{
    long long deadline = qmp_now_ms() + q->timeout_ms;
    struct qmp_msg m = { 0 };
    int rc = -1;
    for (;;) {
        int r = qmp_next(q, &m, deadline, why, n);
        if (r == 0) snprintf(why, n, "qmp: QEMU closed the connection");
        if (r <= 0) break;
        if (m.kind == QMP_EVENT) { qmp_keep_event(q, &m); continue; }
        if (m.kind == QMP_ERROR && (m.id == id || m.id == -1)) {
            snprintf(why, n, "%s", buf_cstr(&m.text));
            rc = QMP_ERR_CMD;
            break;
        }
        if (m.kind == QMP_RETURN && m.id == id) {
            if (reply) buf_append(reply, buf_head(&m.text), buf_used(&m.text));
            rc = 0;
            break;
        }
    }
    qmp_msg_free(&m);
    return rc;
}

/* Rewrites a transport failure "qmp: WHAT" in why as "qmp: CMD: WHAT". */
static void qmp_name_cmd(const char *cmd, char *why, size_t n)
{
    struct buf named = BUF_INIT;
    const char *what = strncmp(why, "qmp: ", 5) == 0 ? why + 5 : why;
    buf_printf(&named, "qmp: %s: %s", cmd, what);
    snprintf(why, n, "%s", buf_cstr(&named));
    buf_free(&named);
}

int qmp_exec(struct qmp *q, const char *cmd, const char *args, struct buf *reply,
             char *why, size_t n)
{
    struct buf line = BUF_INIT;
    if (qmp_command(q, cmd, args, &line, why, n)) {
        buf_free(&line);
        return -1;
    }
    int rc = qmp_send(q, buf_head(&line), buf_used(&line), why, n);
    buf_free(&line);
    if (rc == 0) rc = qmp_wait_reply(q, q->next_id++, reply, why, n);
    if (rc == -1) qmp_name_cmd(cmd, why, n);
    return rc;
}

/* Connects the unix socket, retrying until deadline; fd or -1 with why. */
static int qmp_dial(const char *path, int timeout_ms, char *why, size_t n)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a.sun_path) {
        snprintf(why, n, "qmp: socket path longer than %zu bytes: %s", sizeof a.sun_path - 1, path);
        return -1;
    }
    memcpy(a.sun_path, path, strlen(path) + 1);
    long long deadline = qmp_now_ms() + timeout_ms;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) break;
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return fd;
        int e = errno;
        close(fd);
        errno = e;
        if ((e != ENOENT && e != ECONNREFUSED) || qmp_now_ms() >= deadline) break;
        usleep(10000);
    }
    snprintf(why, n, "qmp: connect %s: %s", path, strerror(errno));
    return -1;
}

/* Reads the greeting and negotiates capabilities; 0 or -1 with why. */
static int qmp_handshake(struct qmp *q, char *why, size_t n)
{
    struct qmp_msg m = { 0 };
    int r = qmp_next(q, &m, qmp_now_ms() + q->timeout_ms, why, n);
    if (r == 0) snprintf(why, n, "qmp: QEMU closed the connection before its greeting");
    if (r == 1 && m.kind != QMP_GREETING) {
        snprintf(why, n, "qmp: first message is not a greeting");
        r = -1;
    }
    if (r == 1) buf_append(&q->version, buf_head(&m.text), buf_used(&m.text));
    buf_cstr(&q->version);
    qmp_msg_free(&m);
    if (r != 1) return -1;
    return qmp_exec(q, "qmp_capabilities", NULL, NULL, why, n) ? -1 : 0;
}

struct qmp *qmp_connect(const char *path, int timeout_ms, char *why, size_t n)
{
    int fd = qmp_dial(path, timeout_ms, why, n);
    if (fd < 0) return NULL;
    struct qmp *q = calloc(1, sizeof *q);
    if (!q) abort();
    q->fd = fd;
    q->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    q->next_id = 1;
    if (qmp_handshake(q, why, n) == 0) return q;
    qmp_close(q);
    return NULL;
}

void qmp_close(struct qmp *q)
{
    if (!q) return;
    close(q->fd);
    buf_free(&q->in);
    buf_free(&q->version);
    for (int i = 0; i < QMP_EVENTS; i++) {
        buf_free(&q->ev[i].name);
        buf_free(&q->ev[i].data);
    }
    free(q);
}

const char *qmp_version(const struct qmp *q)
{
    return buf_head(&q->version);
}

int qmp_vcpu_threads(struct qmp *q, pid_t *tids, int max, char *why, size_t n)
{
    struct buf r = BUF_INIT;
    int rc = qmp_exec(q, "query-cpus-fast", NULL, &r, why, n);
    if (rc == 0) {
        rc = qmp_parse_cpus(buf_head(&r), buf_used(&r), tids, max);
        if (rc < 0) snprintf(why, n, "qmp: query-cpus-fast: unexpected reply");
    }
    buf_free(&r);
    return rc;
}

int qmp_status(struct qmp *q, char *dst, size_t dn, char *why, size_t n)
{
    struct buf r = BUF_INIT;
    int rc = qmp_exec(q, "query-status", NULL, &r, why, n);
    if (rc == 0 && qmp_parse_status(buf_head(&r), buf_used(&r), dst, dn)) {
        snprintf(why, n, "qmp: query-status: no status in reply");
        rc = -1;
    }
    buf_free(&r);
    return rc;
}

int qmp_quit(struct qmp *q, char *why, size_t n)
{
    int rc = qmp_exec(q, "quit", NULL, NULL, why, n);
    if (rc == -1 && strstr(why, "closed the connection")) rc = 0;
    return rc;
}

int qmp_nevents(const struct qmp *q)
{
    return q->nev;
}

const char *qmp_event(const struct qmp *q, int i, const char **data)
{
    if (i < 0 || i >= q->nev) return NULL;
    const struct qmp_ev *e = &q->ev[(q->ev_head + i) % QMP_EVENTS];
    if (data) *data = buf_head(&e->data);
    return buf_head(&e->name);
}

const char *qmp_last_event(const struct qmp *q, const char *name)
{
    for (int i = q->nev - 1; i >= 0; i--) {
        const char *data = NULL;
        const char *e = qmp_event(q, i, &data);
        if (strcmp(e, name) == 0) return data;
    }
    return NULL;
}
