/* qmp.h — a small client of the QEMU Machine Protocol over a unix socket,
 * used by the VM platform to find the vCPU threads of a guest, read its
 * run state and stop it.
 *
 * QEMU is started with `-qmp unix:PATH,server=on,wait=off`; qmp_connect
 * retries until QEMU listens, reads the greeting and negotiates
 * capabilities.  Commands carry an integer "id" and are answered in
 * order; asynchronous events met while waiting (SHUTDOWN, STOP, RESUME,
 * ...) are kept, the last QMP_EVENTS of them, for the caller.
 *
 * Every JSON detail (message kinds, query-cpus-fast and query-status
 * replies) lives in the qmp_parse_* functions, the only code that reads
 * QEMU's bytes; fuzz/fuzz_qmp.c feeds them arbitrary input. */
#ifndef HOSTMIX_QMP_H
#define HOSTMIX_QMP_H

#include <stddef.h>
#include <sys/types.h>

#include "core/buf.h"

#define QMP_EVENTS    16            /* events remembered */
#define QMP_MAX_LINE  (1 << 20)     /* longest message accepted */
#define QMP_ERR_CMD   (-2)          /* QEMU answered with an error */

/* ---- parsing (pure: no I/O) ---------------------------------------- */

enum qmp_kind { QMP_GREETING, QMP_RETURN, QMP_ERROR, QMP_EVENT };

struct qmp_msg {
    enum qmp_kind kind;
    long long id;           /* the integer "id", or -1 when absent/other */
    struct buf text;        /* RETURN: the value as compact JSON;
                             * ERROR: "Class: desc"; EVENT: the name;
                             * GREETING: "major.minor.micro" */
    struct buf data;        /* EVENT: its "data" as JSON ("" if none) */
};

/* Classifies one message of len bytes (one line as QEMU sends it).
 * Returns 0 and fills m (whose bufs the caller frees with qmp_msg_free,
 * also after a failure), or -1 with the reason in why. */
int qmp_parse_msg(const char *line, size_t len, struct qmp_msg *m, char *why, size_t n);
void qmp_msg_free(struct qmp_msg *m);

/* Reads the "thread-id" of each element of a query-cpus-fast return
 * value (JSON text) into tids, in cpu-index order.  Returns how many
 * (at most max), or -1 when the text is not such an array. */
int qmp_parse_cpus(const char *json, size_t len, pid_t *tids, int max);

/* Copies the "status" of a query-status return value ("running",
 * "paused", "prelaunch", "shutdown", ...) into dst.  Returns 0 or -1. */
int qmp_parse_status(const char *json, size_t len, char *dst, size_t n);

/* ---- client -------------------------------------------------------- */

struct qmp;

/* Connects to the QMP socket at path, retrying while it does not exist
 * or refuses (QEMU still starting) for up to timeout_ms, then reads the
 * greeting and sends qmp_capabilities.  The same timeout then bounds
 * each command.  Returns a client the caller ends with qmp_close, or
 * NULL with the reason in why. */
struct qmp *qmp_connect(const char *path, int timeout_ms, char *why, size_t n);

/* Closes the socket and frees q (NULL is fine). */
void qmp_close(struct qmp *q);

/* QEMU's version from the greeting ("7.2.22"); owned by q. */
const char *qmp_version(const struct qmp *q);

/* Runs command cmd with arguments args (a JSON object as text, or NULL)
 * and waits for the reply carrying its id, keeping events met on the
 * way.  On success returns 0 and, if reply is not NULL, appends the
 * "return" value as JSON to it.  Returns QMP_ERR_CMD with "Class: desc"
 * in why when QEMU refused the command, -1 with the reason in why on
 * bad arguments, timeout, or a closed or broken connection. */
int qmp_exec(struct qmp *q, const char *cmd, const char *args, struct buf *reply,
             char *why, size_t n);

/* Thread ids of the vCPUs (query-cpus-fast).  Returns the count (at
 * most max) or a qmp_exec error. */
int qmp_vcpu_threads(struct qmp *q, pid_t *tids, int max, char *why, size_t n);

/* The run state (query-status) into dst.  Returns 0 or a qmp_exec error. */
int qmp_status(struct qmp *q, char *dst, size_t dn, char *why, size_t n);

/* Asks QEMU to exit ("quit").  Returns 0 once QEMU answered or closed
 * the connection, -1 on timeout.  The caller still reaps the process. */
int qmp_quit(struct qmp *q, char *why, size_t n);

/* Number of events kept (at most QMP_EVENTS, the newest). */
int qmp_nevents(const struct qmp *q);
/* The i-th kept event, oldest first: its name, and its data JSON in
 * *data if data is not NULL.  Owned by q, valid until the next call
 * that reads from QEMU.  NULL when i is out of range. */
const char *qmp_event(const struct qmp *q, int i, const char **data);
/* The data JSON of the newest kept event called name, or NULL. */
const char *qmp_last_event(const struct qmp *q, const char *name);

#endif
