/* nfs.c — the built-in nfs server: NFSv3 and MOUNT v3 over TCP on one
 * port, exporting --data DIR read-only as "/".
 *
 * This file is the glue to the server core: it cuts each connection's
 * byte stream into RPC records (record marking, several fragments per
 * record, records bounded by --max-request) and answers every complete
 * record in order with nfsd_dispatch, which writes straight into the
 * connection's output buffer.  A client may send many calls without
 * waiting; answering stops while SRV_OUT_HIGH bytes wait to be sent and
 * resumes as they drain (the core calls on_input again). */
#include "roles/role.h"
#include "roles/srv.h"
#include "roles/nfsd.h"
#include "proto/oncrpc.h"
#include "core/exitcode.h"
#include "core/log.h"

#include <stdlib.h>
#include <string.h>

struct nfs_opts {
    struct srv_opts srv;
};

static const struct opt_def nfs_serve_table[] = {
    SRV_OPTS(struct nfs_opts, srv),
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

struct nfs_server {
    struct nfsd_export *ex;
    size_t max_record;
};

/* Per connection: where records of several fragments are assembled. */
struct nfs_conn {
    struct buf scratch;
};

static int nfs_open(struct srv_conn *c)
{
    c->state = calloc(1, sizeof(struct nfs_conn));
    return c->state ? 0 : -1;
}

static void nfs_close(struct srv_conn *c)
{
    struct nfs_conn *nc = c->state;
    if (!nc) return;
    buf_free(&nc->scratch);
    free(nc);
    c->state = NULL;
}

/* A record longer than allowed: answer GARBAGE_ARGS if its xid is known
 * and it is a call, then close (the stream cannot be resynchronised). */
static void nfs_refuse_record(struct srv_conn *c)
{
    const uint8_t *p = (const uint8_t *)buf_head(&c->in);
    size_t n = buf_used(&c->in);
    log_warn("nfs: %s: record over %lld bytes, closing", c->peer.s,
             (long long)((struct nfs_server *)srv_ctx(c->srv))->max_record);
    if (n >= 12 && !p[8] && !p[9] && !p[10] && !p[11]) {
        uint32_t xid = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
        oncrpc_reply_accept_error(&c->out, xid, ONCRPC_GARBAGE_ARGS, 0, 0);
    }
    srv_count(c, 1);
}

static int nfs_on_input(struct srv_conn *c)
{
    struct nfs_server *s = srv_ctx(c->srv);
    struct nfs_conn *nc = c->state;
    while (buf_used(&c->out) < SRV_OUT_HIGH) {
        const uint8_t *rec;
        size_t len, used;
        int rc = oncrpc_record_next((const uint8_t *)buf_head(&c->in), buf_used(&c->in),
                                    s->max_record, &nc->scratch, &rec, &len, &used);
        if (rc == ONCRPC_REC_NEED) return SRV_OK;
        if (rc == ONCRPC_REC_TOOBIG) {
            nfs_refuse_record(c);
            return SRV_CLOSE;
        }
        int r = nfsd_dispatch(s->ex, rec, len, &c->out);
        if (r != NFSD_NO_REPLY) srv_count(c, r == NFSD_REPLIED_ERROR);
        buf_consume(&c->in, used);
    }
    return SRV_OK;
}

static void nfs_on_overflow(struct srv_conn *c)
{
    nfs_refuse_record(c);
}

static const struct srv_proto nfs_proto = {
    .name = "nfs",
    .open = nfs_open,
    .on_input = nfs_on_input,
    .on_overflow = nfs_on_overflow,
    .close = nfs_close,
};

static int nfs_serve(int argc, char **argv)
{
    struct nfs_opts o;
    int rc = opt_parse_argv(nfs_serve_table, &o, argc, argv,
                            "hostmix serve nfs --listen IP:PORT --data DIR", NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    log_set_tag("nfs");
    char err[600];
    struct nfs_server ns = { .max_record = (size_t)o.srv.max_request };
    ns.ex = nfsd_export_open(o.srv.data, err, sizeof err);
    if (!ns.ex) {
        log_error("nfs: %s", err);
        return CLI_USAGE;
    }
    ae_loop *loop = ae_create(1024);
    rc = srv_serve(loop, &nfs_proto, &ns, &o.srv, NULL);
    ae_destroy(loop);
    nfsd_export_close(ns.ex);
    return rc;
}

const struct role_ops role_nfs_ops = { "nfs", NULL, nfs_serve };
