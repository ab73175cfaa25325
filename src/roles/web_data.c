/* web_data.c — `hostmix prepare web`: the docroot, the nfs tree and the
 * manifest, modelled on SPECweb2005 Support (docs/web.md has the numbers
 * and where they come from).
 *
 * Layout of DIR:
 *   docroot/index.html, docroot/support/{product,filecatalog,file}/...html
 *   docroot/images/imgNN.gif                    31 images, 30-5,670 B
 *   docroot/downloads/dirNNNNNNNNNN/classC_F    download dirs kept local
 *   nfs/dirNNNNNNNNNN/classC_F                  download dirs on the nfs server
 *   catalog.tsv                                 products behind /search, /catalog
 *   manifest.tsv                                URL, SIZE, CLASS per line
 *   .hostmix-prepared                           written last
 * Every byte comes from rng streams of (seed, set, file), so the same
 * options give the same bytes. */
#include "roles/web.h"
#include "core/fs.h"
#include "roles/role.h"
#include "core/exitcode.h"
#include "core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct web_prep_opts {
    struct role_prep prep;
    int64_t docroot_size;
    double nfs_share;
};

static const struct opt_def web_prep_table[] = {
    ROLE_PREP_OPTS(struct web_prep_opts, prep),
    { "docroot-size", OPT_SIZE, offsetof(struct web_prep_opts, docroot_size), 0, "64MiB",
      1 << 20, 1024.0 * (1 << 30), NULL, 0, "bytes of the whole data set, local and nfs" },
    { "nfs-share", OPT_PERCENT, offsetof(struct web_prep_opts, nfs_share), 0, "30", 0, 100,
      NULL, 0, "share of the bytes that lives on the nfs server (download files)" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* ---- SPECweb2005 Support parameters (docs/web.md) -------------------- */

/* Download classes: files per dir, first size and increment in bytes. */
static const struct { int files; int64_t first, inc; } web_classes[6] = {
    { 5, 104858, 104858 }, { 3, 629146, 125829 }, { 4, 1048576, 492831 },
    { 2, 4194304, 1352663 }, { 1, 9993000, 0 }, { 1, 37748736, 0 },
};
/* Static page kinds: name, directory, body size, images. */
static const struct { const char *kind, *dir; size_t size; int images; } web_pages[3] = {
    { "product", "support/product", 52700, 28 },
    { "fileCatalog", "support/filecatalog", 94500, 25 },
    { "file", "support/file", 113300, 25 },
};
#define WEB_HOME_SIZE 51700
#define WEB_HOME_IMAGES 10
#define WEB_IMAGES 31
#define WEB_PRODUCTS 1000
#define WEB_QUERIES 40

/* ---- vocabulary and HTML -------------------------------------------- */

static const char *const web_vocab[] = {
    "adapter", "driver", "firmware", "network", "storage", "server", "cluster", "printer",
    "scanner", "monitor", "keyboard", "wireless", "ethernet", "fibre", "channel", "raid",
    "controller", "module", "memory", "processor", "chipset", "bios", "update", "patch",
    "utility", "manager", "console", "agent", "toolkit", "library", "installer", "release",
    "notes", "guide", "manual", "linux", "windows", "solaris", "unix", "netware",
    "english", "german", "french", "spanish", "italian", "japanese", "chinese", "korean",
    "portable", "desktop", "rack", "blade", "tower", "compact", "enterprise", "personal",
    "fast", "secure", "managed", "unmanaged", "gigabit", "optical", "serial", "parallel",
    "backup", "recovery", "diagnostic", "performance", "power", "thermal", "fan", "disk",
    "tape", "array", "switch", "router", "bridge", "modem", "video", "audio",
    "graphics", "display", "touch", "pen", "battery", "charger", "dock", "cable",
    "support", "warranty", "service", "repair", "upgrade", "kit", "bundle", "edition",
    "version", "series", "model", "family", "generation", "classic", "pro", "plus",
    "ultra", "mini", "micro", "max", "lite", "standard", "advanced", "basic",
};
#define WEB_VOCAB (int)(sizeof web_vocab / sizeof web_vocab[0])

const char *web_vocab_word(int i) { return web_vocab[i % WEB_VOCAB]; }
int web_vocab_size(void) { return WEB_VOCAB; }

/* A word with a skewed (Zipf-like) popularity, so some words are common. */
static const char *web_word(struct rng *r)
{
    double u = rng_unit(r);
    return web_vocab[(int)(u * u * WEB_VOCAB)];
}

void web_html_header(struct buf *b, const char *title)
{
    buf_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
               "<title>%s - Support</title>\n<link rel=\"stylesheet\" href=\"/images/img00.gif\">"
               "</head>\n<body><div class=\"nav\"><a href=\"/index.html\">Home</a> | "
               "<a href=\"/search?q=driver\">Search</a> | <a href=\"/catalog?page=1\">Catalog</a>"
               "</div>\n<h1>%s</h1>\n", title, title);
}

void web_html_footer(struct buf *b)
{
    buf_puts(b, "<div class=\"footer\">hostmix support site</div>\n</body></html>\n");
}

void web_html_fill(struct buf *b, struct rng *r, size_t target)
{
    while (buf_used(b) < target) {
        buf_puts(b, "<p>");
        for (int i = 0; i < 60; i++) {
            buf_puts(b, web_word(r));
            buf_puts(b, i == 59 ? ".</p>\n" : " ");
        }
    }
}

void web_catalog_generate(struct buf *b, struct rng *r, int n)
{
    for (int id = 1; id <= n; id++) {
        buf_printf(b, "%d\t%d\t%s %s %s-%03d\t", id, (int)rng_below(r, WEB_CATEGORIES),
                   web_word(r), web_word(r), web_vocab[rng_below(r, WEB_VOCAB)],
                   (int)rng_below(r, 1000));
        int words = 20 + (int)rng_below(r, 30);
        for (int i = 0; i < words; i++) {
            buf_puts(b, web_word(r));
            buf_puts(b, i + 1 < words ? " " : "\n");
        }
    }
}

/* ---- writing files ------------------------------------------------------ */

struct web_prep {
    const char *root;           /* the data directory (borrowed from the options) */
    uint64_t seed, set;
    uint64_t nfile;             /* rng stream of the next file */
    FILE *manifest;
    int64_t bytes_local, bytes_nfs;
};

/* Creates every directory of path's parent chain. */
static int web_mkdirs(const char *path)
{
    char *dir = strfmt("%s", path), *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash && slash != dir) {
        *slash = '\0';
        rc = fs_mkdirs(dir);
    }
    free(dir);
    return rc;
}

/* Writes data to root/rel with the fixed mtime.  Returns 0 or -1 (logged). */
static int web_write(struct web_prep *p, const char *rel, const void *data, size_t n)
{
    char *path = strfmt("%s/%s", p->root, rel);
    int fd = web_mkdirs(path) < 0 ? -1 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = fd < 0 ? -1 : 0;
    if (rc == 0 && fs_write_all(fd, data, n) < 0) rc = -1;
    if (fd >= 0) {
        struct timespec ts[2] = { { WEB_MTIME, 0 }, { WEB_MTIME, 0 } };
        if (rc == 0) futimens(fd, ts);
        if (close(fd) < 0) rc = -1;
    }
    if (rc) log_error("prepare web: cannot write %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* Writes size pseudo-random bytes (from the file's own rng stream) to rel,
 * the first bytes replaced by head (a magic number such as "GIF89a"). */
static int web_write_random(struct web_prep *p, const char *rel, int64_t size, const char *head)
{
    struct rng r;
    rng_seed(&r, p->seed, p->set, 1000 + p->nfile++);
    char *data = malloc((size_t)size + 8);
    if (!data) abort();
    for (int64_t i = 0; i < size; i += 8) {
        uint64_t x = rng_next(&r);
        memcpy(data + i, &x, 8);
    }
    if (head) memcpy(data, head, strlen(head) < (size_t)size ? strlen(head) : (size_t)size);
    int rc = web_write(p, rel, data, (size_t)size);
    free(data);
    return rc;
}

static void web_manifest(struct web_prep *p, const char *url, int64_t size, const char *cls)
{
    fprintf(p->manifest, "%s\t%lld\t%s\n", url, (long long)size, cls);
    if (strcmp(cls, "nfs") == 0) p->bytes_nfs += size;
    else p->bytes_local += size;
}

/* The size of image i: log-spaced from 30 B to 5,670 B. */
static int64_t web_image_size(int i)
{
    return llround(30.0 * pow(5670.0 / 30.0, i / (double)(WEB_IMAGES - 1)));
}

/* Writes one static page of a kind and its manifest line. */
static int web_write_page(struct web_prep *p, const char *rel, const char *title, size_t size,
                          int images, int npages)
{
    struct rng r;
    rng_seed(&r, p->seed, p->set, 1000 + p->nfile++);
    struct buf b = BUF_INIT;
    web_html_header(&b, title);
    for (int i = 0; i < images; i++)
        buf_printf(&b, "<img src=\"/images/img%02d.gif\" alt=\"\">\n", (int)rng_below(&r, WEB_IMAGES));
    for (int k = 0; k < 3; k++)
        buf_printf(&b, "<a href=\"/%s/%s%03d.html\">%s %d</a>\n", web_pages[k].dir,
                   web_pages[k].kind, (int)rng_below(&r, (uint64_t)npages), web_pages[k].kind,
                   k);
    web_html_fill(&b, &r, size);
    web_html_footer(&b);
    int rc = web_write(p, rel, buf_head(&b), buf_used(&b));
    char url[600];
    snprintf(url, sizeof url, "/%s", rel + strlen("docroot/"));
    if (!rc) web_manifest(p, url, (int64_t)buf_used(&b), "page");
    buf_free(&b);
    return rc;
}

static int web_write_pages(struct web_prep *p, int npages)
{
    if (web_write_page(p, "docroot/index.html", "Home", WEB_HOME_SIZE, WEB_HOME_IMAGES, npages))
        return -1;
    for (int k = 0; k < 3; k++) {
        for (int i = 0; i < npages; i++) {
            char rel[256], title[64];
            snprintf(rel, sizeof rel, "docroot/%s/%s%03d.html", web_pages[k].dir,
                     web_pages[k].kind, i);
            snprintf(title, sizeof title, "%s %d", web_pages[k].kind, i);
            if (web_write_page(p, rel, title, web_pages[k].size, web_pages[k].images, npages))
                return -1;
        }
    }
    for (int i = 0; i < WEB_IMAGES; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "docroot/images/img%02d.gif", i);
        if (web_write_random(p, rel, web_image_size(i), "GIF89a")) return -1;
        web_manifest(p, rel + strlen("docroot"), web_image_size(i), "image");
    }
    return 0;
}

/* Bytes of one unscaled download dir (68.5 MB). */
static int64_t web_dir_bytes(void)
{
    int64_t sum = 0;
    for (int c = 0; c < 6; c++)
        for (int f = 0; f < web_classes[c].files; f++)
            sum += web_classes[c].first + f * web_classes[c].inc;
    return sum;
}

/* Writes ndirs download dirs scaled by scale.  Files go to nfs/ in dir
 * order while that brings the nfs bytes closer to nfs_target, so the first
 * dirs are wholly on nfs, one dir may be split, and the rest stay local. */
static int web_write_downloads(struct web_prep *p, int ndirs, int64_t nfs_target, double scale)
{
    for (int d = 0; d < ndirs; d++) {
        for (int c = 0; c < 6; c++) {
            for (int f = 0; f < web_classes[c].files; f++) {
                int64_t size = llround((double)(web_classes[c].first + f * web_classes[c].inc) * scale);
                if (size < 1) size = 1;
                int on_nfs = nfs_target > 0 && p->bytes_nfs + size / 2 <= nfs_target;
                char rel[256], url[256];
                snprintf(rel, sizeof rel, "%s/dir%010d/class%d_%d", on_nfs ? "nfs" : "docroot/downloads",
                         d, c, f);
                snprintf(url, sizeof url, "%s/dir%010d/class%d_%d", on_nfs ? "/nfs" : "/downloads",
                         d, c, f);
                if (web_write_random(p, rel, size, NULL)) return -1;
                web_manifest(p, url, size, on_nfs ? "nfs" : "download");
            }
        }
    }
    return 0;
}

/* Writes catalog.tsv and the dynamic URLs of the manifest. */
static int web_write_catalog(struct web_prep *p)
{
    struct rng r;
    rng_seed(&r, p->seed, p->set, 999);
    struct buf b = BUF_INIT;
    web_catalog_generate(&b, &r, WEB_PRODUCTS);
    int rc = web_write(p, "catalog.tsv", buf_head(&b), buf_used(&b));
    buf_free(&b);
    for (int i = 0; i < WEB_QUERIES && !rc; i++) {
        char url[128];
        if (i % 3 == 2)
            snprintf(url, sizeof url, "/search?q=%s+%s", web_word(&r), web_word(&r));
        else
            snprintf(url, sizeof url, "/search?q=%s", web_word(&r));
        web_manifest(p, url, 0, "dynamic");
    }
    int pages = (WEB_PRODUCTS + WEB_PER_PAGE - 1) / WEB_PER_PAGE;
    for (int i = 1; i <= pages && !rc; i++) {
        char url[64];
        snprintf(url, sizeof url, "/catalog?page=%d", i);
        web_manifest(p, url, 0, "dynamic");
    }
    return rc;
}

/* ---- the data directory ------------------------------------------------- */

static int web_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
    (void)st; (void)f;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* DIR must be missing, empty, or hold only what prepare writes; the old
 * data set is removed.  Returns 0 or -1 (logged). */
static int web_prepare_dir(const char *root)
{
    static const char *const ours[] = { "docroot", "nfs", "catalog.tsv", "manifest.tsv",
                                        ".hostmix-prepared", "manifest.tsv.tmp" };
    if (fs_mkdirs(root) < 0) {
        log_error("prepare web: cannot create %s: %s", root, strerror(errno));
        return -1;
    }
    DIR *d = opendir(root);
    if (!d) {
        log_error("prepare web: cannot open %s: %s", root, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) && !rc) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t i = 0;
        while (i < sizeof ours / sizeof ours[0] && strcmp(ours[i], e->d_name)) i++;
        if (i == sizeof ours / sizeof ours[0]) {
            log_error("prepare web: %s holds '%s', which is not part of a web data set; "
                      "use an empty directory", root, e->d_name);
            rc = -1;
        }
    }
    closedir(d);
    for (size_t i = 0; i < sizeof ours / sizeof ours[0] && !rc; i++) {
        char *path = strfmt("%s/%s", root, ours[i]);
        if (nftw(path, web_rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT) {
            log_error("prepare web: cannot remove %s: %s", path, strerror(errno));
            rc = -1;
        }
        free(path);
    }
    return rc;
}

/* Generates the whole data set; see the top of this file. */
static int web_generate(struct web_prep *p, const struct web_prep_opts *o)
{
    int64_t total = o->docroot_size;
    size_t page_bytes = web_pages[0].size + web_pages[1].size + web_pages[2].size;
    int npages = (int)(total * 0.08 / (double)page_bytes);
    npages = npages < 1 ? 1 : npages > 200 ? 200 : npages;
    if (web_write_pages(p, npages) || web_write_catalog(p)) return -1;
    int64_t left = total - p->bytes_local;
    if (left < 16 * 64) left = 16 * 64;
    int ndirs = (int)ceil((double)left / (double)web_dir_bytes());
    if (ndirs < 10) ndirs = 10;
    double scale = (double)left / ((double)ndirs * (double)web_dir_bytes());
    int64_t nfs_target = (int64_t)(o->nfs_share / 100.0 * (double)total);
    char *path = strfmt("%s/nfs", p->root);      /* exists even when empty */
    int made = mkdir(path, 0755) == 0 || errno == EEXIST;
    free(path);
    if (!made) return -1;
    if (web_write_downloads(p, ndirs, nfs_target, scale)) return -1;
    log_info("prepare web: %d pages, %d images, %d download dirs (scale %.4f): "
             "%lld bytes local, %lld on nfs", 1 + 3 * npages, WEB_IMAGES, ndirs, scale,
             (long long)p->bytes_local, (long long)p->bytes_nfs);
    return 0;
}

static int web_prepare(int argc, char **argv)
{
    struct web_prep_opts o;
    int rc = opt_parse_argv(web_prep_table, &o, argc, argv,
                            "hostmix prepare web --data DIR [--docroot-size SIZE] [--nfs-share PCT]",
                            NULL);
    if (rc) return rc == 1 ? CLI_OK : CLI_USAGE;
    if (!o.prep.data[0]) {
        fprintf(stderr, "hostmix prepare web: --data DIR is required\n");
        return CLI_USAGE;
    }
    log_set_tag("web");
    struct web_prep p = { .seed = o.prep.seed, .set = (uint64_t)o.prep.set };
    p.root = o.prep.data;
    if (web_prepare_dir(p.root)) return CLI_FAILED;
    char *tmp = strfmt("%s/manifest.tsv.tmp", p.root), *path = strfmt("%s/manifest.tsv", p.root);
    p.manifest = fopen(tmp, "w");
    if (!p.manifest) log_error("prepare web: cannot write %s: %s", tmp, strerror(errno));
    rc = p.manifest ? web_generate(&p, &o) : -1;
    if (p.manifest && fclose(p.manifest) != 0) rc = -1;
    if (rc == 0 && rename(tmp, path) < 0) rc = -1;
    free(tmp);
    free(path);
    if (rc) return CLI_FAILED;
    struct buf line = BUF_INIT;
    buf_printf(&line, "web --set %lld --seed %llu --docroot-size %s --nfs-share %g\n",
               (long long)o.prep.set, (unsigned long long)o.prep.seed,
               opt_size_str(o.docroot_size).s, o.nfs_share);
    rc = web_write(&p, ".hostmix-prepared", buf_head(&line), buf_used(&line));
    buf_free(&line);
    return rc ? CLI_FAILED : CLI_OK;
}

int web_prepare_main(int argc, char **argv) { return web_prepare(argc, argv); }
