/* initramfs.c — the guest's initramfs: a newc cpio archive written with
 * libarchive, holding hostmix as /init, its library closure, the virtio
 * modules and their load order (see image.h for the layout). */
#include "platform/vm/image.h"
#include "platform/vm/kmods.h"
#include "platform/rootfs.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* The archive being written and the directories it already holds. */
struct irfs {
    struct archive *a;
    struct buf dirs;        /* "/d1\n/d2\n..." */
    struct buf *why;
};

static int irfs_err(struct irfs *w, const char *what)
{
    buf_printf(w->why, "initramfs %s: %s", what, archive_error_string(w->a));
    return -1;
}

/* Writes a header for path (absolute) of the given type and mode. */
static int irfs_header(struct irfs *w, const char *path, mode_t type, mode_t perm, int64_t size,
                       dev_t rdev)
{
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, path + 1);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, perm);
    archive_entry_set_size(e, size);
    archive_entry_set_nlink(e, type == AE_IFDIR ? 2 : 1);
    if (rdev) archive_entry_set_rdev(e, rdev);
    int rc = archive_write_header(w->a, e) == ARCHIVE_OK ? 0 : irfs_err(w, path);
    archive_entry_free(e);
    return rc;
}

/* Adds dir and its parents unless present (the kernel's unpacker does
 * not create parents). */
static int irfs_dir(struct irfs *w, const char *dir)
{
    struct buf p = BUF_INIT, line = BUF_INIT;
    buf_puts(&p, dir);
    char *s = (char *)buf_cstr(&p);
    int rc = 0;
    for (char *c = s + 1; rc == 0; c++) {
        if (*c != '/' && *c) continue;
        char keep = *c;
        *c = '\0';
        buf_reset(&line);
        buf_printf(&line, "\n%s\n", s);
        if (!memmem(buf_head(&w->dirs), buf_used(&w->dirs), buf_cstr(&line), buf_used(&line))) {
            buf_printf(&w->dirs, "%s\n", s);
            rc = irfs_header(w, s, AE_IFDIR, 0755, 0, 0);
        }
        *c = keep;
        if (!keep) break;
    }
    buf_free(&p);
    buf_free(&line);
    return rc;
}

/* Adds the parents of the absolute path. */
static int irfs_parents(struct irfs *w, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path) return 0;
    struct buf d = BUF_INIT;
    buf_append(&d, path, (size_t)(slash - path));
    int rc = irfs_dir(w, buf_cstr(&d));
    buf_free(&d);
    return rc;
}

/* Adds n bytes of data as a regular file. */
static int irfs_bytes(struct irfs *w, const char *path, const void *data, size_t n, mode_t perm)
{
    if (irfs_parents(w, path) || irfs_header(w, path, AE_IFREG, perm, (int64_t)n, 0)) return -1;
    if (n && archive_write_data(w->a, data, n) != (ssize_t)n) return irfs_err(w, path);
    return 0;
}

/* Reads a whole file into out, through libarchive's raw reader so a
 * .ko.xz/.ko.zst/.ko.gz module comes out decompressed. */
static int irfs_slurp(const char *host, struct buf *out, struct buf *why)
{
    struct archive *r = archive_read_new();
    archive_read_support_filter_all(r);
    archive_read_support_format_raw(r);
    struct archive_entry *e;
    int rc = -1;
    if (archive_read_open_filename(r, host, 1 << 16) == ARCHIVE_OK &&
        archive_read_next_header(r, &e) == ARCHIVE_OK) {
        char tmp[1 << 16];
        ssize_t n;
        while ((n = archive_read_data(r, tmp, sizeof tmp)) > 0) buf_append(out, tmp, (size_t)n);
        rc = n == 0 ? 0 : -1;
    }
    if (rc) buf_printf(why, "%s: %s", host, archive_error_string(r) ? archive_error_string(r)
                                                                   : "cannot read");
    archive_read_free(r);
    return rc;
}

/* Copies the host file into the archive at image path (mode from host). */
static int irfs_file(struct irfs *w, const char *host, const char *image)
{
    struct stat st;
    if (stat(host, &st) < 0) {
        buf_printf(w->why, "%s: %s", host, strerror(errno));
        return -1;
    }
    struct buf data = BUF_INIT;
    int rc = irfs_slurp(host, &data, w->why);
    if (rc == 0) rc = irfs_bytes(w, image, buf_head(&data), buf_used(&data), st.st_mode & 0755);
    buf_free(&data);
    return rc;
}

/* /modules/NAME.ko for each module and /modules/load.list. */
static int irfs_modules(struct irfs *w, const struct vmimg_kernel *k, const struct kmods_list *m)
{
    struct buf list = BUF_INIT, host = BUF_INIT, image = BUF_INIT;
    int rc = irfs_dir(w, "/modules");
    for (size_t i = 0; rc == 0 && i < m->n; i++) {
        buf_reset(&host);
        buf_reset(&image);
        buf_printf(&host, "%s/%s", buf_head(&k->moddir), m->path[i]);
        buf_puts(&image, "/modules/");
        kmods_name(m->path[i], &image);
        buf_puts(&image, ".ko");
        buf_printf(&list, "%s\n", buf_cstr(&image) + strlen("/modules/"));
        rc = irfs_file(w, buf_cstr(&host), buf_cstr(&image));
    }
    if (rc == 0) rc = irfs_bytes(w, "/modules/load.list", buf_head(&list), buf_used(&list), 0644);
    buf_free(&list);
    buf_free(&host);
    buf_free(&image);
    return rc;
}

/* Writes the whole archive to path. */
static int irfs_write(const char *path, const struct rootfs *fs, const struct vmimg_kernel *k,
                      const struct kmods_list *m, struct buf *why)
{
    struct irfs w = { archive_write_new(), BUF_INIT, why };
    buf_puts(&w.dirs, "\n");
    archive_write_set_format_cpio_newc(w.a);
    int rc = archive_write_open_filename(w.a, path) == ARCHIVE_OK ? 0 : irfs_err(&w, path);
    static const char *const mnt[] = { "/dev", "/proc", "/sys", "/tmp", "/data", NULL };
    for (int i = 0; rc == 0 && mnt[i]; i++) rc = irfs_dir(&w, mnt[i]);
    if (rc == 0) rc = irfs_header(&w, "/dev/console", AE_IFCHR, 0600, 0, makedev(5, 1));
    for (size_t i = 0; rc == 0 && i < fs->n; i++)
        rc = irfs_file(&w, fs->files[i].host, fs->files[i].image);
    if (rc == 0) rc = irfs_modules(&w, k, m);
    if (archive_write_close(w.a) != ARCHIVE_OK && rc == 0) rc = irfs_err(&w, path);
    archive_write_free(w.a);
    buf_free(&w.dirs);
    return rc;
}

/* The cache key: closure key, kernel version and path, machine. */
static int irfs_key(const struct rootfs *fs, const struct vmimg_kernel *k, enum vm_machine m,
                    char key[17], struct buf *why)
{
    char fk[17];
    if (rootfs_key(fs, fk, why)) return -1;
    uint64_t h = rootfs_fnv(ROOTFS_FNV_INIT, fk, 16);
    h = rootfs_fnv(h, buf_head(&k->version), buf_used(&k->version) + 1);
    h = rootfs_fnv(h, buf_head(&k->moddir), buf_used(&k->moddir) + 1);
    h = rootfs_fnv(h, &m, sizeof m);
    snprintf(key, 17, "%016llx", (unsigned long long)h);
    return 0;
}

int vmimg_initramfs(const char *cache_dir, const char *exe, const struct vmimg_kernel *k,
                    enum vm_machine m, struct buf *path, struct buf *why)
{
    struct rootfs fs = { NULL, 0, 0 };
    struct kmods_list mods = { NULL, 0, 0 };
    struct buf tmp = BUF_INIT;
    char key[17];
    int rc = rootfs_closure(exe, "/init", &fs, why);
    if (rc == 0) rc = irfs_key(&fs, k, m, key, why);
    if (rc == 0) {
        buf_reset(path);
        buf_printf(path, "%s/initramfs-%s.cpio", cache_dir, key);
        buf_cstr(path);
    }
    if (rc == 0 && access(buf_head(path), R_OK) == 0) goto out;
    if (rc == 0) rc = vmimg_modules(k, m, &mods, why);
    if (rc == 0) {
        buf_printf(&tmp, "%s.tmp.%d", buf_head(path), (int)getpid());
        rc = irfs_write(buf_cstr(&tmp), &fs, k, &mods, why);
        if (rc == 0 && rename(buf_cstr(&tmp), buf_head(path)) < 0) {
            buf_printf(why, "rename to %s: %s", buf_head(path), strerror(errno));
            rc = -1;
        }
        if (rc) unlink(buf_cstr(&tmp));
    }
out:
    rootfs_free(&fs);
    kmods_list_free(&mods);
    buf_free(&tmp);
    return rc;
}
