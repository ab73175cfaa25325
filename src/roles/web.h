/* web.h — pieces of the built-in web server shared between its files:
 * the data set layout (web_data.c, `hostmix prepare web`), the dynamic
 * pages (web_dyn.c) and the nfs-backed files (web_nfs.c).  See
 * docs/web.md. */
#ifndef HOSTMIX_WEB_H
#define HOSTMIX_WEB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/ae.h"
#include "core/buf.h"
#include "core/rng.h"
#include "roles/http.h"
#include "roles/srv.h"

/* Every generated file has this mtime (2005-06-01 00:00:00 UTC), so
 * Last-Modified is the same on every host and run. */
#define WEB_MTIME ((time_t)1117584000)

/* URLs under /nfs/ are files read through nfs: the first segment of the
 * normalised path; the rest is the path inside the nfs export. */
#define WEB_NFS_DIR "nfs"

/* `hostmix prepare web` (web_data.c). */
int web_prepare_main(int argc, char **argv);

/* ---- the catalogue behind /search and /catalog ---------------------- */

#define WEB_CATEGORIES 20
#define WEB_PER_PAGE 25

struct web_product {
    int id, category;
    char *name, *desc;          /* owned by the catalogue */
};

/* Writes catalog.tsv lines ("ID\tCATEGORY\tNAME\tDESCRIPTION\n") for n
 * products drawn from r into b. */
void web_catalog_generate(struct buf *b, struct rng *r, int n);
/* A word of the catalogue's vocabulary (0 <= i < web_vocab_size()). */
const char *web_vocab_word(int i);
int web_vocab_size(void);

/* Appends the common page header and footer of every generated page. */
void web_html_header(struct buf *b, const char *title);
void web_html_footer(struct buf *b);
/* Appends filler paragraphs drawn from r until b holds at least target bytes. */
void web_html_fill(struct buf *b, struct rng *r, size_t target);

struct web_index;
/* Loads path (catalog.tsv) and builds the word index.  Returns NULL after
 * logging why.  The caller owns the index (web_index_free). */
struct web_index *web_index_load(const char *path);
void web_index_free(struct web_index *ix);
int web_index_products(const struct web_index *ix);
/* Renders /search?q=... or /catalog?page=... into body; returns the HTTP
 * status (200, 400 or 404).  The page is HTML padded toward the SPECweb
 * Support page size of its kind. */
int web_dyn_search(const struct web_index *ix, struct http_slice query, struct buf *body);
int web_dyn_catalog(const struct web_index *ix, struct http_slice query, struct buf *body);

/* ---- nfs-backed files ----------------------------------------------- */

struct web_nfs;

/* A file read through nfs, or why not: status 200 with data/size/mtime, or
 * 403/404 (the file), 502 (nfs unreachable or failed), 504 (no answer in
 * time).  data belongs to the nfs layer and stays valid until the
 * callback returns. */
struct web_nfs_result {
    int status;
    const char *data;
    int64_t size;
    time_t mtime;
};
typedef void web_nfs_cb(void *arg, const struct web_nfs_result *res);

/* Creates the client for the server at "IP:PORT" (MOUNT and NFS on that
 * one port, export "/").  Nothing connects until the first request.
 * cache_bytes bounds the file cache (0: none); timeout_ns bounds every
 * request.  Returns NULL after logging why. */
struct web_nfs *web_nfs_create(ae_loop *loop, const char *addr, int64_t cache_bytes,
                               int64_t timeout_ns, int64_t max_file);
void web_nfs_destroy(struct web_nfs *w);
/* Fetches path (inside the export, starting with '/').  cb runs exactly
 * once: at once for a cache hit or an immediate failure, later otherwise.
 * Returns a handle for web_nfs_cancel (NULL if cb already ran). */
void *web_nfs_get(struct web_nfs *w, const char *path, web_nfs_cb *cb, void *arg);
/* Forgets a pending request: its callback will not run. */
void web_nfs_cancel(struct web_nfs *w, void *handle);

#endif
