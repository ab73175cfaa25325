/* web.c — the built-in web server: HTTP/1.1 (RFC 9112) over the shared
 * server core.
 *
 * GET and HEAD of the files under DATA/docroot, with keep-alive,
 * pipelining, Content-Type by extension, Last-Modified and
 * If-Modified-Since (304), a single byte range (206, 416; If-Range by
 * date), and the dynamic pages /search and /catalog (web_dyn.c).  Paths
 * under /nfs/ are files of the set's nfs server, read through libnfs on
 * this loop (web_nfs.c); while one is fetched the connection is held, so
 * pipelined answers stay in order.
 *
 * Nothing outside the docroot is served: the path is percent-decoded
 * (encoded '/', '\' and NUL are refused with 400), dot-segments are
 * resolved (climbing above "/" is a 400), and the file is opened with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) relative to the
 * docroot, so a symlink leading out is refused by the kernel (403).
 * Where openat2 is missing, each component is opened with O_NOFOLLOW
 * (no symlinks at all). */
#include "roles/web.h"
#include "roles/role.h"
#include "core/exitcode.h"
#include "core/log.h"
#include "core/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WEB_INLINE_MAX (16 * 1024)  /* files up to this size go out with the head */
#define WEB_PATH_MAX 4096           /* a longer decoded request path is 414 (PATH_MAX) */
/* Room for the Range value with an If-Range date before it ("@SECONDS "):
 * one byte range needs fewer than 60 bytes; a longer value is ignored and
 * the whole file sent, as RFC 9110 lets a server do. */
#define WEB_RANGE_MAX 96

struct web_opts {
    struct srv_opts srv;
    char nfs[64];
    int64_t nfs_cache, nfs_timeout, nfs_max_file;
};

static const struct opt_def web_serve_table[] = {
    SRV_OPTS(struct web_opts, srv),
    { "nfs", OPT_STR, offsetof(struct web_opts, nfs), 64, "", OPT_NO_RANGE, NULL, 0,
      "IP:PORT of the set's nfs server (MOUNT and NFS on one port); empty: /nfs/ is 404" },
    { "nfs-cache", OPT_SIZE, offsetof(struct web_opts, nfs_cache), 0, "4MiB", 0,
      1024.0 * (1 << 20), NULL, 0, "bytes of nfs-backed files kept in memory (0: none)" },
    { "nfs-timeout", OPT_DURATION, offsetof(struct web_opts, nfs_timeout), 0, "2s", 1e6, 600e9,
      NULL, 0, "an nfs-backed request not answered in this time gets 504" },
    { "nfs-max-file", OPT_SIZE, offsetof(struct web_opts, nfs_max_file), 0, "64MiB", 1,
      1024.0 * (1 << 20), NULL, 0, "larger nfs-backed files are refused with 403" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

struct web_ctx {
    int rootfd;
    struct web_index *ix;
    struct web_nfs *nfs;
    struct http_limits lim;
};

/* What an answer needs from its request once the input is consumed. */
struct web_reqinfo {
    int head_only, keep_alive;
    time_t ims;                 /* If-Modified-Since, or -1 */
    char range[WEB_RANGE_MAX];  /* Range value, "" if none (or ignored) */
};

struct web_pending;

struct web_conn {
    struct http_parser ps;
    struct web_pending *pending;    /* the nfs fetch this connection waits for */
};

struct web_pending {
    struct srv_conn *c;
    void *handle;               /* web_nfs request */
    struct web_reqinfo ri;
    const char *ctype;
    int in_done, gone;          /* in web_nfs_done; the connection ended meanwhile */
    int starting, finished;     /* in web_nfs_get; answered synchronously */
};

/* ---- requests -------------------------------------------------------------- */

static void web_reqinfo_init(struct web_reqinfo *ri, const struct http_req *r)
{
    ri->head_only = r->method == HTTP_M_HEAD;
    ri->keep_alive = r->keep_alive;
    ri->ims = -1;
    ri->range[0] = '\0';
    const struct http_slice *v = http_header(r, "if-modified-since");
    if (v && http_parse_date(*v, &ri->ims) < 0) ri->ims = -1;
    v = http_header(r, "range");
    if (!v || v->n >= sizeof ri->range) return;
    const struct http_slice *ir = http_header(r, "if-range");
    if (ir) {       /* If-Range by date: only a Last-Modified date can match ours */
        time_t t;
        if (http_parse_date(*ir, &t) < 0) return;
        snprintf(ri->range, sizeof ri->range, "@%lld ", (long long)t);
    }
    size_t used = strlen(ri->range);
    if (used + v->n >= sizeof ri->range) { ri->range[0] = '\0'; return; }
    memcpy(ri->range + used, v->p, v->n);
    ri->range[used + v->n] = '\0';
}

static const char *web_ctype(const char *path)
{
    static const struct { const char *ext, *type; } types[] = {
        { ".html", "text/html; charset=utf-8" }, { ".htm", "text/html; charset=utf-8" },
        { ".gif", "image/gif" }, { ".png", "image/png" }, { ".jpg", "image/jpeg" },
        { ".jpeg", "image/jpeg" }, { ".css", "text/css" }, { ".js", "text/javascript" },
        { ".txt", "text/plain; charset=utf-8" }, { ".json", "application/json" },
        { ".tsv", "text/tab-separated-values" },
    };
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

/* A representation to send: an open file (fd >= 0) or bytes in memory. */
struct web_rep {
    int fd;                     /* owned: closed or handed to srv_send_file */
    const char *data;
    int64_t size;
    time_t mtime;
    const char *ctype;
};

/* Decides 200/206/304/416 for rep and queues the answer on c. */
static void web_send_rep(struct srv_conn *c, const struct web_reqinfo *ri, struct web_rep *rep)
{
    static _Thread_local struct buf b;
    int status = 200;
    int64_t off = 0, len = rep->size;
    if (ri->ims >= 0 && rep->mtime <= ri->ims) {
        status = 304;
    } else if (ri->range[0]) {
        const char *rv = ri->range;
        int use = 1;
        if (*rv == '@') {                       /* If-Range date */
            use = strtoll(rv + 1, (char **)&rv, 10) == (long long)rep->mtime;
            rv++;
        }
        int rc = use ? http_parse_range((struct http_slice){ rv, strlen(rv) }, rep->size, &off, &len) : 0;
        if (rc < 0) {
            if (rep->fd >= 0) close(rep->fd);
            http_respond_error(c, 416, numstr_fmt("Content-Range: bytes */%lld\r\n",
                                                  (long long)rep->size).s,
                               ri->keep_alive, ri->head_only);
            srv_count(c, 1);
            return;
        }
        if (rc > 0) {
            status = 206;
        } else {
            off = 0;
            len = rep->size;
        }
    }
    buf_reset(&b);
    http_head_start(&b, status);
    buf_printf(&b, "Content-Type: %s\r\nLast-Modified: %s\r\nAccept-Ranges: bytes\r\n",
               rep->ctype, http_fmt_date(rep->mtime).s);
    if (status == 206)
        buf_printf(&b, "Content-Range: bytes %lld-%lld/%lld\r\n", (long long)off,
                   (long long)(off + len - 1), (long long)rep->size);
    http_head_finish(&b, status == 304 ? -1 : len, ri->keep_alive);
    srv_count(c, 0);
    if (status == 304 || ri->head_only || len == 0) {
        if (rep->fd >= 0) close(rep->fd);
        srv_write(c, buf_head(&b), buf_used(&b));
        return;
    }
    if (rep->data) {
        buf_append(&b, rep->data + off, (size_t)len);
        srv_write(c, buf_head(&b), buf_used(&b));
        return;
    }
    if (len <= WEB_INLINE_MAX) {
        ssize_t n = pread(rep->fd, buf_reserve(&b, (size_t)len), (size_t)len, off);
        close(rep->fd);
        if (n != len) {             /* the file shrank under us: framing is lost */
            srv_close(c, 1);
            return;
        }
        b.len += (size_t)n;
        srv_write(c, buf_head(&b), buf_used(&b));
        return;
    }
    srv_write(c, buf_head(&b), buf_used(&b));
    srv_send_file(c, rep->fd, off, len);
}

/* ---- paths ------------------------------------------------------------------ */

/* Turns a request path into a relative path below the docroot: decoded,
 * dot-segments resolved, empty segments dropped ("" is the root).
 * Returns 0, or the status to answer (400, 414). */
static int web_normalize(struct http_slice path, char *out, size_t outlen)
{
    char dec[WEB_PATH_MAX];
    for (size_t i = 0; i + 2 < path.n; i++)
        if (path.p[i] == '%' && ((path.p[i + 1] == '2' && (path.p[i + 2] | 0x20) == 'f') ||
                                 (path.p[i + 1] == '5' && (path.p[i + 2] | 0x20) == 'c')))
            return 400;                         /* encoded '/' or '\' */
    if (path.n >= sizeof dec) return 414;
    int n = http_unescape(path.p, path.n, dec, sizeof dec, 0);
    if (n < 0 || dec[0] != '/') return 400;
    size_t o = 0;
    const char *s = dec;
    while (*s) {
        while (*s == '/') s++;
        const char *e = s;
        while (*e && *e != '/') e++;
        size_t len = (size_t)(e - s);
        if (len == 0 || (len == 1 && s[0] == '.')) {
            /* nothing */
        } else if (len == 2 && s[0] == '.' && s[1] == '.') {
            if (o == 0) return 400;             /* above the root */
            while (o > 0 && out[o - 1] != '/') o--;
            if (o > 0) o--;
        } else {
            if (o + len + 2 > outlen) return 414;
            if (o) out[o++] = '/';
            memcpy(out + o, s, len);
            o += len;
        }
        s = e;
    }
    out[o] = '\0';
    return 0;
}

/* Opens rel below rootfd, never leaving it; returns the fd or -errno. */
static int web_open_beneath(int rootfd, const char *rel)
{
    static int no_openat2;
    const char *p = rel[0] ? rel : ".";
    if (!no_openat2) {
        struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
        long fd = syscall(SYS_openat2, rootfd, p, &how, sizeof how);
        if (fd >= 0) return (int)fd;
        if (errno != ENOSYS) return -errno;
        no_openat2 = 1;
    }
    /* Fallback: one component at a time, no symlinks followed. */
    int dfd = dup(rootfd);
    while (dfd >= 0) {
        const char *slash = strchr(p, '/');
        char *comp = strndup(p, slash ? (size_t)(slash - p) : strlen(p));
        if (!comp) abort();
        int fd = openat(dfd, comp, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW |
                                   (slash ? O_DIRECTORY : 0));
        int err = errno;
        free(comp);
        close(dfd);
        if (fd < 0) return -err;
        if (!slash) return fd;
        dfd = fd;
        p = slash + 1;
    }
    return -errno;
}

static int web_errno_status(int err)
{
    switch (err) {
    case ENOENT: case ENOTDIR: return 404;
    case ENAMETOOLONG: return 414;
    case EXDEV: case ELOOP: case EACCES: case EPERM: return 403;
    default: return 500;
    }
}

/* Serves the docroot file rel (a directory: its index.html). */
static void web_static(struct srv_conn *c, struct web_ctx *ctx, const struct web_reqinfo *ri,
                       char *rel, size_t relcap)
{
    int fd = web_open_beneath(ctx->rootfd, rel);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        size_t n = strlen(rel);
        if (n + sizeof "/index.html" > relcap) fd = -ENAMETOOLONG;
        else {
            snprintf(rel + n, relcap - n, "%sindex.html", n ? "/" : "");
            fd = web_open_beneath(ctx->rootfd, rel);
            if (fd >= 0 && fstat(fd, &st) < 0) { close(fd); fd = -EIO; }
        }
    }
    if (fd >= 0 && !S_ISREG(st.st_mode)) {
        close(fd);
        fd = -EACCES;
    }
    if (fd < 0) {
        http_respond_error(c, web_errno_status(-fd), NULL, ri->keep_alive, ri->head_only);
        srv_count(c, 1);
        return;
    }
    struct web_rep rep = { fd, NULL, st.st_size, st.st_mtime, web_ctype(rel) };
    web_send_rep(c, ri, &rep);
}

/* ---- nfs-backed files ----------------------------------------------------- */

/* The nfs layer's answer for a held connection; see web.h for lifetimes. */
static void web_nfs_done(void *arg, const struct web_nfs_result *res)
{
    struct web_pending *p = arg;
    struct srv_conn *c = p->c;
    struct web_conn *wc = c->state;
    p->in_done = 1;
    p->handle = NULL;
    if (res->status == 200) {
        struct web_rep rep = { -1, res->data, res->size, res->mtime, p->ctype };
        web_send_rep(c, &p->ri, &rep);
    } else {
        http_respond_error(c, res->status, NULL, p->ri.keep_alive, p->ri.head_only);
        srv_count(c, 1);
    }
    /* Any call below may end the connection (web_close then sets p->gone). */
    if (!p->gone && !p->ri.keep_alive) {
        buf_reset(&c->in);
        srv_resume(c);
        if (!p->gone) {
            wc->pending = NULL;
            srv_close(c, 0);
        }
    } else if (!p->gone) {
        wc->pending = NULL;
        srv_resume(c);
    }
    if (p->starting) p->finished = 1;       /* web_nfs_start frees it */
    else free(p);
}

/* Starts the fetch of an nfs-backed file for c, held meanwhile.  Returns 1
 * while the answer is still to come (web_nfs_done sends it and, for a
 * last request, closes), 0 when it was given at once. */
static int web_nfs_start(struct srv_conn *c, struct web_ctx *ctx, const struct web_reqinfo *ri,
                         const char *rel)
{
    struct web_conn *wc = c->state;
    struct web_pending *p = calloc(1, sizeof *p);
    if (!p) abort();
    p->c = c;
    p->ri = *ri;
    p->ctype = web_ctype(rel);
    char *path = strfmt("/%s", rel);
    wc->pending = p;
    srv_hold(c);
    p->starting = 1;
    void *handle = web_nfs_get(ctx->nfs, path, web_nfs_done, p);
    p->starting = 0;
    free(path);
    if (p->finished) {
        free(p);
        return 0;
    }
    p->handle = handle;
    return 1;
}

/* ---- the protocol ------------------------------------------------------------ */

static int web_open(struct srv_conn *c)
{
    struct web_ctx *ctx = srv_ctx(c->srv);
    struct web_conn *wc = calloc(1, sizeof *wc);
    if (!wc) abort();
    http_parser_init(&wc->ps, &ctx->lim);
    c->state = wc;
    return 0;
}

static void web_close(struct srv_conn *c)
{
    struct web_conn *wc = c->state;
    if (!wc) return;
    struct web_pending *p = wc->pending;
    if (p) {
        if (p->in_done) {
            p->gone = 1;                /* web_nfs_done frees it */
        } else {
            web_nfs_cancel(((struct web_ctx *)srv_ctx(c->srv))->nfs, p->handle);
            free(p);
        }
    }
    free(wc);
    c->state = NULL;
}

/* Routes one parsed request.  Returns 1 when the answer comes later (an
 * nfs fetch holds the connection), else 0: the answer is queued. */
static int web_route(struct srv_conn *c, struct web_ctx *ctx, const struct http_req *r)
{
    struct web_reqinfo ri;
    web_reqinfo_init(&ri, r);
    if (r->method != HTTP_M_GET && r->method != HTTP_M_HEAD) {
        http_respond_error(c, 405, NULL, ri.keep_alive, 0);
        srv_count(c, 1);
        return 0;
    }
    int search = http_slice_eq(r->path, "/search");
    if (search || http_slice_eq(r->path, "/catalog")) {
        static _Thread_local struct buf body;
        buf_reset(&body);
        int st = search ? web_dyn_search(ctx->ix, r->query, &body)
                                     : web_dyn_catalog(ctx->ix, r->query, &body);
        if (st == 200)
            http_respond(c, 200, "text/html; charset=utf-8", "Cache-Control: no-store\r\n",
                         buf_head(&body), buf_used(&body), ri.keep_alive, ri.head_only);
        else
            http_respond_error(c, st, NULL, ri.keep_alive, ri.head_only);
        srv_count(c, st != 200);
        return 0;
    }
    char rel[WEB_PATH_MAX];
    int st = web_normalize(r->path, rel, sizeof rel);
    if (st) {
        http_respond_error(c, st, NULL, ri.keep_alive, ri.head_only);
        srv_count(c, 1);
        return 0;
    }
    size_t plen = strlen(WEB_NFS_DIR);
    if (strncmp(rel, WEB_NFS_DIR, plen) == 0 && (rel[plen] == '/' || !rel[plen])) {
        if (!ctx->nfs || !rel[plen]) {
            http_respond_error(c, 404, NULL, ri.keep_alive, ri.head_only);
            srv_count(c, 1);
            return 0;
        }
        return web_nfs_start(c, ctx, &ri, rel + plen + 1);
    }
    web_static(c, ctx, &ri, rel, sizeof rel);
    return 0;
}

static int web_on_input(struct srv_conn *c)
{
    struct web_ctx *ctx = srv_ctx(c->srv);
    struct web_conn *wc = c->state;
    struct http_req r;
    int n = http_parse(&wc->ps, buf_head(&c->in), buf_used(&c->in), &r);
    if (n == 0) {
        http_continue(&wc->ps, c);
        return SRV_OK;
    }
    if (n < 0) {
        http_respond_error(c, -n, NULL, 0, r.method == HTTP_M_HEAD);
        srv_count(c, 1);
        buf_reset(&c->in);
        return SRV_CLOSE;
    }
    int keep = r.keep_alive;
    int later = web_route(c, ctx, &r);
    buf_consume(&c->in, (size_t)n);
    /* A held request's answer is not queued yet: SRV_CLOSE now would shut
     * the connection down before it (the client would see an empty reply);
     * web_nfs_done closes after answering a last request. */
    if (later) return SRV_OK;
    return keep ? SRV_OK : SRV_CLOSE;
}

/* The input limit is reached.  The core may not have shown the parser
 * the last bytes read, so parse them first to tell 414, 431 and 413 apart. */
static void web_on_overflow(struct srv_conn *c)
{
    struct web_conn *wc = c->state;
    struct http_req r;
    int n = http_parse(&wc->ps, buf_head(&c->in), buf_used(&c->in), &r);
    int st = n < 0 ? -n : n > 0 ? (r.content_length > 0 ? 413 : 431) : http_overflow_status(&wc->ps);
    http_respond_error(c, st, NULL, 0, 0);
    srv_count(c, 1);
}

static const struct srv_proto web_proto = {
    .name = "web",
    .open = web_open,
    .on_input = web_on_input,
    .on_overflow = web_on_overflow,
    .close = web_close,
    .busy_reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                  "Connection: close\r\n\r\n",
};

/* Sets up the server-wide state from the options.  Returns 0 or -1. */
static int web_ctx_init(struct web_ctx *ctx, const struct web_opts *o, ae_loop *loop)
{
    char *path = strfmt("%s/docroot", o->srv.data);
    ctx->rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (ctx->rootfd < 0)
        log_error("web: cannot open the docroot %s: %s (run hostmix prepare web)", path,
                  strerror(errno));
    free(path);
    if (ctx->rootfd < 0) return -1;
    path = strfmt("%s/catalog.tsv", o->srv.data);
    ctx->ix = web_index_load(path);
    free(path);
    if (!ctx->ix) return -1;
    /* The whole request must fit the core's input limit. */
    ctx->lim = http_default_limits;
    if ((int64_t)ctx->lim.max_head > o->srv.max_request) ctx->lim.max_head = (size_t)o->srv.max_request;
    if ((int64_t)ctx->lim.max_line > o->srv.max_request) ctx->lim.max_line = (size_t)o->srv.max_request;
    ctx->lim.max_body = o->srv.max_request / 2;
    if (o->nfs[0]) {
        ctx->nfs = web_nfs_create(loop, o->nfs, o->nfs_cache, o->nfs_timeout, o->nfs_max_file);
        if (!ctx->nfs) return -1;
    }
    log_info("web: docroot %s/docroot, %d catalogue products, nfs %s", o->srv.data,
             web_index_products(ctx->ix), o->nfs[0] ? o->nfs : "(none)");
    return 0;
}

static void web_ctx_free(struct web_ctx *ctx)
{
    if (ctx->rootfd >= 0) close(ctx->rootfd);
    web_index_free(ctx->ix);
    if (ctx->nfs) web_nfs_destroy(ctx->nfs);
}

static int web_serve(int argc, char **argv)
{
    struct web_opts o;
    int rc = opt_parse_argv(web_serve_table, &o, argc, argv,
                            "hostmix serve web --listen IP:PORT --data DIR [--nfs IP:PORT]", NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    if (!o.srv.data[0]) {
        fprintf(stderr, "hostmix serve web: --data DIR is required (from hostmix prepare web)\n");
        return CLI_USAGE;
    }
    log_set_tag("web");
    ae_loop *loop = ae_create(1024);
    struct web_ctx ctx = { .rootfd = -1 };
    rc = web_ctx_init(&ctx, &o, loop) == 0 ? srv_serve(loop, &web_proto, &ctx, &o.srv, NULL)
                                           : CLI_FAILED;
    web_ctx_free(&ctx);
    ae_destroy(loop);
    return rc;
}

const struct role_ops role_web_ops = { "web", web_prepare_main, web_serve };
