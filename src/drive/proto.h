/* proto.h — the load driver's protocol clients as an ops table.
 *
 * The engine (engine.c) owns sockets, pacing, timeouts and statistics; a
 * protocol client only turns "send the next operation" into request bytes
 * and incoming bytes into a verdict.  One row per driven role: idle
 * (p_idle.c), web (p_web.c), imap (p_imap.c), app (p_app.c).
 *
 * Per connection the engine keeps a struct dp_conn and state_size bytes of
 * the protocol's state (zeroed when the connection object is created; the
 * protocol resets what it needs in `connected`).  Per target, `load` may
 * build read-only shared data (manifest, user list) used by every thread. */
#ifndef HOSTMIX_DRIVE_PROTO_H
#define HOSTMIX_DRIVE_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/rng.h"
#include "drive/drive.h"

/* parse results */
enum { DP_MORE,     /* the response is not complete yet */
       DP_OK,       /* complete and correct */
       DP_ERR,      /* complete but wrong (status, length, NO/BAD, shape) */
       DP_FATAL };  /* the stream is unusable: count an error, reconnect */

struct dp_conn {
    void *state;                    /* the protocol's per-connection state */
    const void *shared;             /* from load (may be NULL) */
    const struct drive_target_cfg *cfg;
    struct rng *rng;                /* the connection's request-mix stream */
    struct buf *out;                /* request bytes go here */
    int64_t id;                     /* connection number within the target */
    int op;                         /* operation of the request in flight */
    int close_after;                /* set by parse: the server closes now (expected) */
    uint64_t bytes;                 /* response bytes of the request in flight */
};

struct drive_proto {
    const char *name;
    int nops;
    const char *const *ops;         /* nops operation names */
    size_t state_size;
    /* Loads per-target data; returns 0 or -1 with a message.  May be NULL. */
    int (*load)(const struct drive_target_cfg *t, void **shared, char *err, size_t errlen);
    void (*unload)(void *shared);
    /* Frees what the per-connection state owns (at the end).  May be NULL. */
    void (*free_state)(struct dp_conn *c);
    /* A new TCP connection (before its first request).  May be NULL. */
    void (*connected)(struct dp_conn *c);
    /* Appends the next request to c->out; returns its operation index. */
    int (*request)(struct dp_conn *c);
    /* Looks at the buffered input p[0..n): sets *used to the bytes it
     * consumed and returns DP_MORE or a verdict.  It may append to c->out
     * (an IMAP literal after a continuation); the engine sends it. */
    int (*parse)(struct dp_conn *c, const char *p, size_t n, size_t *used);
};

extern const struct drive_proto drive_proto_idle, drive_proto_web,
                                drive_proto_imap, drive_proto_app;

/* The client for a driven role (enum role_id), or NULL. */
const struct drive_proto *drive_proto_for(int role);
/* "idle, web, imap, app": the driven roles' names, for messages (static). */
const char *drive_proto_list(void);

#endif
