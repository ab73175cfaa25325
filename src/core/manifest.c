/* manifest.c — listing, writing and checking the manifest of a cache
 * entry (see manifest.h for the format and why). */
#include "core/manifest.h"
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <fts.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MF_HEAD "hostmix-manifest 1\n"
#define MF_CHUNK (256 * 1024)

void manifest_path(const char *entry, struct buf *out)
{
    buf_reset(out);
    buf_printf(out, "%s.manifest", entry);
    buf_cstr(out);
}

/* Appends the 64 hex digits of the SHA-256 of n bytes at p, or of the
 * descriptor fd read to its end when p is NULL (*size set to the bytes
 * read).  Returns 0 or -1 (errno set). */
static int mf_sha256(int fd, const void *p, size_t n, long long *size, struct buf *out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char md[EVP_MAX_MD_SIZE], *chunk = p ? NULL : malloc(MF_CHUNK);
    unsigned int mdlen = 0;
    int rc = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 && (p || chunk) ? 0 : -1;
    if (rc == 0 && p) rc = EVP_DigestUpdate(ctx, p, n) == 1 ? 0 : -1;
    for (ssize_t got = 1; rc == 0 && !p && got > 0;) {
        got = read(fd, chunk, MF_CHUNK);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) rc = -1;
        else if (got > 0 && EVP_DigestUpdate(ctx, chunk, (size_t)got) != 1) rc = -1;
        else *size += got;
    }
    if (rc == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen) != 1) rc = -1;
    for (unsigned int i = 0; rc == 0 && i < mdlen; i++) buf_printf(out, "%02x", md[i]);
    if (rc && errno == 0) errno = EIO;
    free(chunk);
    EVP_MD_CTX_free(ctx);
    return rc;
}

/* One line for a regular file: size and hash of what was read. */
static int mf_file(const char *path, const char *rel, struct buf *out, struct buf *why)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    long long size = 0;
    struct buf hex = BUF_INIT;
    int rc = fd < 0 ? -1 : mf_sha256(fd, NULL, 0, &size, &hex);
    if (rc) buf_printf(why, "cannot read %s: %s", path, strerror(errno));
    else buf_printf(out, "f %lld %s %s\n", size, buf_cstr(&hex), rel);
    if (fd >= 0) close(fd);
    buf_free(&hex);
    return rc;
}

/* One line for a symlink: its target's length and hash. */
static int mf_link(const char *path, const char *rel, struct buf *out, struct buf *why)
{
    char target[4096];
    ssize_t n = readlink(path, target, sizeof target);
    struct buf hex = BUF_INIT;
    long long size = n;
    int rc = n < 0 || n == (ssize_t)sizeof target ? -1 : mf_sha256(-1, target, (size_t)n, &size, &hex);
    if (rc) buf_printf(why, "cannot read link %s: %s", path, n < 0 ? strerror(errno) : "too long");
    else buf_printf(out, "l %lld %s %s\n", size, buf_cstr(&hex), rel);
    buf_free(&hex);
    return rc;
}

static int mf_cmp(const FTSENT **a, const FTSENT **b)
{
    return strcmp((*a)->fts_name, (*b)->fts_name);
}

/* The line of one walked entry (none for the root directory and for the
 * post-order visit of a directory).  Returns 0 or -1 (why). */
static int mf_entry(FTSENT *e, size_t rootlen, struct buf *out, struct buf *why)
{
    const char *rel = e->fts_level == 0 ? "." : e->fts_path + rootlen;
    while (*rel == '/') rel++;
    if (strchr(rel, '\n')) {
        buf_printf(why, "%s: a name holding a newline", e->fts_path);
        return -1;
    }
    switch (e->fts_info) {
    case FTS_D: if (e->fts_level > 0) buf_printf(out, "d 0 - %s\n", rel); return 0;
    case FTS_DP: return 0;
    case FTS_F: return mf_file(e->fts_accpath, rel, out, why);
    case FTS_SL: case FTS_SLNONE: return mf_link(e->fts_accpath, rel, out, why);
    case FTS_DNR: case FTS_ERR: case FTS_NS:
        buf_printf(why, "cannot read %s: %s", e->fts_path, strerror(e->fts_errno));
        return -1;
    default:
        buf_printf(why, "%s: not a file, directory or symlink", e->fts_path);
        return -1;
    }
}

int manifest_list(const char *tree, struct buf *out, struct buf *why)
{
    char *roots[] = { (char *)tree, NULL };
    FTS *fts = fts_open(roots, FTS_PHYSICAL | FTS_NOCHDIR, mf_cmp);
    if (!fts) {
        buf_printf(why, "cannot walk %s: %s", tree, strerror(errno));
        return -1;
    }
    size_t rootlen = strlen(tree);
    int rc = 0;
    FTSENT *e;
    errno = 0;
    while (rc == 0 && (e = fts_read(fts))) rc = mf_entry(e, rootlen, out, why);
    if (rc == 0 && errno) {
        buf_printf(why, "cannot walk %s: %s", tree, strerror(errno));
        rc = -1;
    }
    fts_close(fts);
    return rc;
}

int manifest_write(const char *tree, const char *mpath, struct buf *why)
{
    struct buf text = BUF_INIT;
    buf_puts(&text, MF_HEAD);
    int rc = manifest_list(tree, &text, why);
    if (rc == 0 && fs_write_atomic(mpath, buf_head(&text), buf_used(&text))) {
        buf_printf(why, "cannot write %s: %s", mpath, strerror(errno));
        rc = -1;
    }
    buf_free(&text);
    return rc;
}

/* The path field of the line at p (up to its newline), into out. */
static void mf_line_path(const char *p, struct buf *out)
{
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    int fields = 0;
    size_t i = 0;
    while (i < len && fields < 3)
        if (p[i++] == ' ') fields++;
    buf_reset(out);
    buf_append(out, p + i, len - i);
    buf_cstr(out);
}

/* 1 if the listing text (lines after its head) has a line for path. */
static int mf_has_path(const char *text, const char *path)
{
    struct buf p = BUF_INIT;
    int found = 0;
    for (const char *l = text; l && *l && !found; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
        mf_line_path(l, &p);
        found = strcmp(buf_cstr(&p), path) == 0;
    }
    buf_free(&p);
    return found;
}

/* Says which file makes the listings want (the manifest's lines) and have
 * (the entry's) differ at their first differing lines w and h. */
static void mf_explain(const char *tree, const char *want, const char *have, const char *w,
                       const char *h, struct buf *why)
{
    struct buf wp = BUF_INIT, hp = BUF_INIT;
    if (*w) mf_line_path(w, &wp);
    if (*h) mf_line_path(h, &hp);
    const char *what = "differs from its manifest", *name = *h ? buf_cstr(&hp) : buf_cstr(&wp);
    if (*h && *w && strcmp(buf_cstr(&wp), buf_cstr(&hp)) == 0) {
        what = "contents differ from its manifest";
    } else if (*h && !mf_has_path(want, buf_cstr(&hp))) {
        what = "not in its manifest";
    } else if (*w && !mf_has_path(have, buf_cstr(&wp))) {
        what = "in its manifest but missing";
        name = buf_cstr(&wp);
    }
    if (strcmp(name, ".") == 0) buf_printf(why, "%s: %s", tree, what);
    else buf_printf(why, "%s/%s: %s", tree, name, what);
    buf_free(&wp);
    buf_free(&hp);
}

/* Reads the manifest at mpath into text (never through a symlink).
 * Returns 0, MANIFEST_NONE or -1 (why). */
static int mf_read(const char *mpath, struct buf *text, struct buf *why)
{
    int fd = open(mpath, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return MANIFEST_NONE;
    char chunk[65536];
    ssize_t n = fd < 0 ? -1 : 0;
    while (fd >= 0 && (n = read(fd, chunk, sizeof chunk)) > 0) buf_append(text, chunk, (size_t)n);
    if (n < 0) buf_printf(why, "cannot read %s: %s", mpath, strerror(errno));
    if (fd >= 0) close(fd);
    if (n == 0 && strncmp(buf_cstr(text), MF_HEAD, strlen(MF_HEAD)) != 0) {
        buf_printf(why, "%s is not a hostmix manifest", mpath);
        n = -1;
    }
    return n < 0 ? -1 : 0;
}

int manifest_check(const char *tree, const char *mpath, struct buf *why)
{
    struct buf want = BUF_INIT, have = BUF_INIT;
    int rc = mf_read(mpath, &want, why);
    if (rc == 0) rc = manifest_list(tree, &have, why);
    if (rc == 0) {
        const char *w = buf_cstr(&want) + strlen(MF_HEAD), *h = buf_cstr(&have), *w0 = w, *h0 = h;
        while (*w && *h) {      /* skip equal lines */
            size_t lw = strcspn(w, "\n"), lh = strcspn(h, "\n");
            if (lw != lh || memcmp(w, h, lw) != 0) break;
            w += lw + (w[lw] != 0);
            h += lh + (h[lh] != 0);
        }
        if (*w || *h) {
            mf_explain(tree, w0, h0, w, h, why);
            rc = -1;
        }
    }
    buf_free(&want);
    buf_free(&have);
    return rc;
}

int manifest_use(const char *entry, struct buf *why)
{
    struct buf mp = BUF_INIT;
    manifest_path(entry, &mp);
    int rc = manifest_check(entry, buf_cstr(&mp), why);
    if (rc < 0)
        buf_printf(why, " (a cache entry is never used unchecked: remove %s and its manifest "
                   "to build it again)", entry);
    buf_free(&mp);
    return rc;
}

int manifest_seal(const char *tree, const char *entry, struct buf *why)
{
    struct buf mp = BUF_INIT;
    manifest_path(entry, &mp);
    int rc = manifest_write(tree, buf_cstr(&mp), why);
    buf_free(&mp);
    return rc;
}
