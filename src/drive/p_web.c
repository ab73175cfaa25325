/* p_web.c — the web client: SPECweb2005 Support-like sessions over the
 * URLs of the data set's manifest.tsv (docs/drive.md has the mix).
 *
 * A session is a walk of the Support Markov chain (home, search, catalog,
 * product, fileCatalog, file, download; transition table from
 * SPECweb_Support.config) that ends with one download.  After each page the
 * client fetches a quarter of the page's images (the rest are taken as
 * cached by the browser).  Every GET is one paced operation.
 *
 * URLs: manifest.tsv lines are URL<TAB>SIZE<TAB>CLASS.  A page type takes
 * the page/dynamic URLs whose path names it (home/index, search, catalog,
 * product, filecatalog, file); a type with none falls back to every page
 * and dynamic URL.  Downloads come from the download and nfs classes,
 * images from the image class.  Checks: status 200 and, where the manifest
 * gives a size, exactly that many body bytes; dynamic pages must have a
 * body.
 *
 * Connections [RUN]: keepalive% of them (default 70) carry 5..15 requests,
 * the others one; the last request asks for "Connection: close".  With
 * keepalive 100 connections stay open. */
#include "drive/proto.h"
#include "proto/http1_resp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { W_HOME, W_SEARCH, W_CATALOG, W_PRODUCT, W_FILECAT, W_FILE, W_DOWNLOAD, W_IMAGE, W_NOPS };

static const char *const web_ops[] = {
    "home", "search", "catalog", "product", "fileCatalog", "file", "download", "image",
};
_Static_assert(sizeof web_ops / sizeof web_ops[0] == W_NOPS,
               "web_ops: one name per value");

/* Support transitions [SUP]: row = from, column = to (W_HOME..W_DOWNLOAD). */
static const double web_chain[W_DOWNLOAD][W_DOWNLOAD + 1] = {
    [W_HOME]    = { [W_SEARCH] = .25, [W_CATALOG] = .75 },
    [W_SEARCH]  = { [W_PRODUCT] = .5, [W_SEARCH] = .5 },
    [W_CATALOG] = { [W_PRODUCT] = .75, [W_SEARCH] = .25 },
    [W_PRODUCT] = { [W_FILECAT] = .8, [W_CATALOG] = .2 },
    [W_FILECAT] = { [W_FILE] = .6, [W_PRODUCT] = .4 },
    [W_FILE]    = { [W_DOWNLOAD] = .5, [W_FILECAT] = .2, [W_SEARCH] = .1, [W_HOME] = .1,
                    [W_PRODUCT] = .05, [W_CATALOG] = .05 },
};

/* Images fetched after each page: a quarter of the page's images [SUP]. */
static const int web_images[W_DOWNLOAD + 1] = { 3, 2, 2, 7, 6, 6, 0 };

/* Which URL paths belong to a page type (lower-case substrings). */
static const char *const web_words[W_DOWNLOAD][3] = {
    [W_HOME] = { "home", "index", NULL }, [W_SEARCH] = { "search", NULL },
    [W_CATALOG] = { "catalog", NULL }, [W_PRODUCT] = { "product", NULL },
    [W_FILECAT] = { "filecatalog", "file_catalog", NULL }, [W_FILE] = { "file", NULL },
};

struct web_url {
    const char *url;
    const char *req;            /* the GET request up to its blank line, built once */
    size_t reqlen;
    int64_t size;               /* 0: unknown (dynamic) */
};

struct web_data {
    struct web_url *url;        /* every manifest line */
    size_t nurl;
    char *pool;                 /* URL strings */
    char *reqs;                 /* GET requests */
    size_t *pick[W_NOPS];       /* per operation: indices into url[] */
    size_t npick[W_NOPS];
    char *host;                 /* the target's IP:PORT for Host: (owned) */
};

struct web_state {
    int page;                   /* current page type + 1; 0: no session yet */
    int images_left;
    int64_t expect;             /* expected body size, 0: any non-empty */
    int conn_left;              /* requests left on this connection */
    int closing;                /* this request asked for Connection: close */
    struct http_resp resp;
};

static int web_word_match(const char *url, int type)
{
    int hit = 0;                /* the words are lower case; ASCII case is ignored */
    for (int i = 0; i < 3 && web_words[type][i]; i++)
        if (strcasestr(url, web_words[type][i])) hit = 1;
    /* file catalogs are neither "file" nor "catalog" pages */
    if ((type == W_FILE || type == W_CATALOG) &&
        (strcasestr(url, "filecatalog") || strcasestr(url, "file_catalog")))
        hit = 0;
    return hit;
}

static void web_add_pick(struct web_data *w, int op, size_t i)
{
    if ((w->npick[op] & (w->npick[op] + 1)) == 0) {        /* 0, 1, 3, 7 ...: grow */
        w->pick[op] = realloc(w->pick[op], (w->npick[op] * 2 + 2) * sizeof *w->pick[op]);
        if (!w->pick[op]) abort();
    }
    w->pick[op][w->npick[op]++] = i;
}

/* Sorts the manifest's URLs into the operations' candidate lists. */
static void web_classify(struct web_data *w, const char *const *cls)
{
    for (size_t i = 0; i < w->nurl; i++) {
        const char *c = cls[i];
        if (!strcmp(c, "image")) web_add_pick(w, W_IMAGE, i);
        else if (!strcmp(c, "download") || !strcmp(c, "nfs")) web_add_pick(w, W_DOWNLOAD, i);
        else
            for (int t = 0; t < W_DOWNLOAD; t++)
                if (web_word_match(w->url[i].url, t)) web_add_pick(w, t, i);
    }
    for (int t = 0; t <= W_DOWNLOAD; t++) {
        if (w->npick[t]) continue;
        for (size_t i = 0; i < w->nurl; i++)   /* fall back: pages and dynamic pages */
            if (!strcmp(cls[i], "page") || !strcmp(cls[i], "dynamic")) web_add_pick(w, t, i);
        for (size_t i = 0; !w->npick[t] && i < w->nurl; i++) web_add_pick(w, t, i);
    }
}

static void web_unload(void *shared)
{
    struct web_data *w = shared;
    if (!w) return;
    for (int i = 0; i < W_NOPS; i++) free(w->pick[i]);
    free(w->url);
    free(w->pool);
    free(w->reqs);
    free(w->host);
    free(w);
}

/* Parses one manifest line in place; returns 0 or -1 with a reason. */
static int web_line(char *l, char **url, int64_t *size, char **cls, const char **why)
{
    char *t1 = strchr(l, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
    if (!t2) { *why = "expected URL<TAB>SIZE<TAB>CLASS"; return -1; }
    *t1 = *t2 = 0;
    char *end;
    errno = 0;
    long long sz = strtoll(t1 + 1, &end, 10);
    if (*end || end == t1 + 1 || sz < 0 || errno) { *why = "bad SIZE"; return -1; }
    if (l[0] != '/' || strlen(l) > 400 || strpbrk(l, " \r\n")) { *why = "bad URL (must start with /, no spaces)"; return -1; }
    const char *const classes[] = { "page", "image", "download", "nfs", "dynamic" };
    int ok = 0;
    for (size_t i = 0; i < 5; i++) if (!strcmp(t2 + 1, classes[i])) ok = 1;
    if (!ok) { *why = "unknown CLASS (page, image, download, nfs, dynamic)"; return -1; }
    *url = l;
    *size = sz;
    *cls = t2 + 1;
    return 0;
}

/* Builds every URL's request once, so the hot path only copies bytes. */
static void web_build_requests(struct web_data *w)
{
    struct buf b = BUF_INIT;
    size_t *off = malloc(w->nurl * sizeof *off);
    if (!off) abort();
    for (size_t i = 0; i < w->nurl; i++) {
        off[i] = buf_used(&b);
        buf_printf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: hostmix-drive\r\n",
                   w->url[i].url, w->host);             /* the blank line comes later */
        w->url[i].reqlen = buf_used(&b) - off[i];
    }
    w->reqs = b.data;
    for (size_t i = 0; i < w->nurl; i++) w->url[i].req = w->reqs + off[i];
    free(off);
}

static int web_load(const struct drive_target_cfg *t, void **shared, char *err, size_t errlen)
{
    if (!t->data[0]) {
        snprintf(err, errlen, "%s: web needs --data DIR (the prepared data set with manifest.tsv)", t->name);
        return -1;
    }
    char *path = strfmt("%s/manifest.tsv", t->data);
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read %s: %s", t->name, path, strerror(errno));
        free(path);
        return -1;
    }
    struct web_data *w = calloc(1, sizeof *w);
    struct buf pool = BUF_INIT, cls = BUF_INIT;
    size_t cap = 0, lineno = 0;
    int64_t *offs = NULL;
    char *line = NULL;
    size_t ll = 0;
    ssize_t n;
    int rc = 0;
    if (!w) abort();
    while ((n = getline(&line, &ll, f)) > 0) {
        lineno++;
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
        if (!n || line[0] == '#') continue;
        char *u, *c;
        int64_t sz;
        const char *why;
        if (web_line(line, &u, &sz, &c, &why)) {
            snprintf(err, errlen, "%s:%zu: %s", path, lineno, why);
            rc = -1;
            break;
        }
        if (w->nurl == cap) {
            cap = cap ? cap * 2 : 256;
            w->url = realloc(w->url, cap * sizeof *w->url);
            offs = realloc(offs, cap * 2 * sizeof *offs);
            if (!w->url || !offs) abort();
        }
        offs[2 * w->nurl] = (int64_t)buf_used(&pool);
        buf_append(&pool, u, strlen(u) + 1);
        offs[2 * w->nurl + 1] = (int64_t)buf_used(&cls);
        buf_append(&cls, c, strlen(c) + 1);
        w->url[w->nurl++].size = sz;
    }
    free(line);
    fclose(f);
    if (!rc && !w->nurl) {
        snprintf(err, errlen, "%s: no URLs", path);
        rc = -1;
    }
    if (!rc) {
        const char **cl = malloc(w->nurl * sizeof *cl);
        if (!cl) abort();
        w->pool = pool.data;
        pool.data = NULL;
        for (size_t i = 0; i < w->nurl; i++) {
            w->url[i].url = w->pool + offs[2 * i];
            cl[i] = cls.data + offs[2 * i + 1];
        }
        web_classify(w, cl);
        free(cl);
        w->host = strfmt("%s", t->addr);
        web_build_requests(w);
        *shared = w;
    } else {
        web_unload(w);
    }
    free(offs);
    free(path);
    buf_free(&pool);
    buf_free(&cls);
    return rc;
}

/* A new connection: kept alive for 5..15 requests in keepalive% of
 * connections, else closed after one request [RUN]. */
static void web_connected(struct dp_conn *c)
{
    struct web_state *s = c->state;
    if (rng_unit(c->rng) * 100 < c->cfg->keepalive) s->conn_left = 5 + (int)rng_below(c->rng, 11);
    else s->conn_left = 1;
    if (c->cfg->keepalive >= 100) s->conn_left = INT32_MAX;
}

/* The next operation of the session. */
static int web_next_op(struct web_state *s, struct rng *r)
{
    if (s->images_left > 0) {
        s->images_left--;
        return W_IMAGE;
    }
    int next;
    if (s->page == 0 || s->page == W_DOWNLOAD + 1) next = W_HOME;     /* new session */
    else next = rng_pick(r, web_chain[s->page - 1], W_DOWNLOAD + 1);
    s->page = next + 1;
    s->images_left = web_images[next];
    return next;
}

static int web_request(struct dp_conn *c)
{
    struct web_state *s = c->state;
    const struct web_data *w = c->shared;
    int op = web_next_op(s, c->rng);
    if (op == W_IMAGE && !w->npick[W_IMAGE]) {      /* no images in this data set */
        s->images_left = 0;
        op = web_next_op(s, c->rng);
    }
    const struct web_url *u = &w->url[w->pick[op][rng_below(c->rng, w->npick[op])]];
    s->expect = u->size;
    s->closing = --s->conn_left <= 0;
    http_resp_init(&s->resp, NULL);
    buf_append(c->out, u->req, u->reqlen);
    buf_puts(c->out, s->closing ? "Connection: close\r\n\r\n" : "\r\n");
    return op;
}

static int web_parse(struct dp_conn *c, const char *p, size_t n, size_t *used)
{
    struct web_state *s = c->state;
    int rc = http_resp_feed(&s->resp, p, n, used);
    if (rc == HTTP_RESP_MORE) return DP_MORE;
    if (rc == HTTP_RESP_ERROR) return DP_FATAL;
    c->close_after = s->resp.close || s->closing;
    if (s->resp.status != 200) return DP_ERR;
    if (s->expect ? s->resp.body_bytes != (uint64_t)s->expect : s->resp.body_bytes == 0) return DP_ERR;
    return DP_OK;
}

const struct drive_proto drive_proto_web = {
    .name = "web",
    .nops = W_NOPS,
    .ops = web_ops,
    .state_size = sizeof(struct web_state),
    .load = web_load,
    .unload = web_unload,
    .connected = web_connected,
    .request = web_request,
    .parse = web_parse,
};
