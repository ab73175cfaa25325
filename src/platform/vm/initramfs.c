/* initramfs.c — the guest's initramfs: a newc cpio archive holding
 * hostmix as /init, its library closure, the virtio modules and their load
 * order (see image.h for the layout).
 *
 * The tree is staged in a temporary directory next to the cache and
 * archived by GNU cpio (`cpio -o -H newc`), not by a library: hostmix is
 * the guest's /init, so every library it links goes into every guest, and
 * libarchive would bring libxml2 and ICU's 30 MB of data with it.  Modules
 * shipped compressed are decompressed while staging (xz, zstd, gzip).
 *
 * Archives are cached by key (a new hostmix binary makes a new one, 20-40
 * MB); after building one, the cache keeps the IRFS_KEEP most recently
 * used and any used within IRFS_IDLE_S (a run in progress may be about
 * to hand its archive to QEMU), and removes older ones. */
#include "platform/vm/image.h"
#include "platform/vm/kmods.h"
#include "platform/pcmd.h"
#include "platform/rootfs.h"
#include "core/fs.h"
#include "core/manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define IRFS_KEEP 4
#define IRFS_IDLE_S 3600

/* STAGE + image path into dst. */
static void irfs_path(const char *stage, const char *image, struct buf *dst)
{
    buf_reset(dst);
    buf_printf(dst, "%s%s", stage, image);
    buf_cstr(dst);
}

/* Creates the parent directories of path. */
static int irfs_parents(const char *path, struct buf *why)
{
    char *copy = strdup(path), *slash = copy ? strrchr(copy, '/') : NULL;
    if (!copy) abort();
    int rc = 0;
    if (slash && slash != copy) {
        *slash = '\0';
        rc = fs_mkdirs(copy);
        if (rc) buf_printf(why, "initramfs: cannot create %s: %s", copy, strerror(errno));
    }
    free(copy);
    return rc;
}

/* Writes n bytes as the file path with mode perm. */
static int irfs_bytes(const char *path, const void *data, size_t n, mode_t perm, struct buf *why)
{
    if (irfs_parents(path, why)) return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, perm);
    if (fd < 0 || fs_write_all(fd, data, n) || fchmod(fd, perm)) {
        buf_printf(why, "initramfs: cannot write %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* Reads a whole file into out; a .xz, .zst or .gz module comes out
 * decompressed (through the compressor's own tool). */
static int irfs_slurp(const char *host, struct buf *out, struct buf *why)
{
    static const struct { const char *ext, *tool; } z[] = {
        { ".xz", "xz" }, { ".zst", "zstd" }, { ".gz", "gzip" },
    };
    size_t hl = strlen(host);
    for (size_t i = 0; i < sizeof z / sizeof z[0]; i++) {
        size_t el = strlen(z[i].ext);
        if (hl > el && strcmp(host + hl - el, z[i].ext) == 0) {
            char *const argv[] = { (char *)z[i].tool, "-dc", (char *)host, NULL };
            return pcmd_check(argv, NULL, out, why);
        }
    }
    int fd = open(host, O_RDONLY | O_CLOEXEC);
    ssize_t n = 0;
    char tmp[1 << 16];
    while (fd >= 0 && (n = read(fd, tmp, sizeof tmp)) > 0) buf_append(out, tmp, (size_t)n);
    if (fd < 0 || n < 0) buf_printf(why, "%s: %s", host, strerror(errno));
    if (fd >= 0) close(fd);
    return fd < 0 || n < 0 ? -1 : 0;
}

/* Copies the host file into the stage at image path (mode from host). */
static int irfs_file(const char *stage, const char *host, const char *image, struct buf *why)
{
    struct stat st;
    if (stat(host, &st) < 0) {
        buf_printf(why, "%s: %s", host, strerror(errno));
        return -1;
    }
    struct buf data = BUF_INIT, dst = BUF_INIT;
    irfs_path(stage, image, &dst);
    int rc = irfs_slurp(host, &data, why);
    if (rc == 0) rc = irfs_bytes(buf_head(&dst), buf_head(&data), buf_used(&data),
                                 st.st_mode & 0755, why);
    buf_free(&data);
    buf_free(&dst);
    return rc;
}

/* /modules/NAME.ko for each module and /modules/load.list. */
static int irfs_modules(const char *stage, const struct vmimg_kernel *k,
                        const struct kmods_list *m, struct buf *why)
{
    struct buf list = BUF_INIT, host = BUF_INIT, image = BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < m->n; i++) {
        buf_reset(&host);
        buf_reset(&image);
        buf_printf(&host, "%s/%s", buf_head(&k->moddir), m->path[i]);
        buf_puts(&image, "/modules/");
        kmods_name(m->path[i], &image);
        buf_puts(&image, ".ko");
        buf_printf(&list, "%s\n", buf_cstr(&image) + strlen("/modules/"));
        rc = irfs_file(stage, buf_cstr(&host), buf_cstr(&image), why);
    }
    if (rc == 0) {
        irfs_path(stage, "/modules/load.list", &image);
        rc = irfs_bytes(buf_head(&image), buf_head(&list), buf_used(&list), 0644, why);
    }
    buf_free(&list);
    buf_free(&host);
    buf_free(&image);
    return rc;
}

/* Stages the tree: mount points, /dev/console, the closure, modules. */
static int irfs_stage(const char *stage, const struct rootfs *fs, const struct vmimg_kernel *k,
                      const struct kmods_list *m, struct buf *why)
{
    static const char *const mnt[] = { "/dev", "/proc", "/sys", "/tmp", "/data", NULL };
    struct buf p = BUF_INIT;
    int rc = 0;
    for (int i = 0; rc == 0 && mnt[i]; i++) {
        irfs_path(stage, mnt[i], &p);
        if ((rc = fs_mkdirs(buf_head(&p))) != 0)
            buf_printf(why, "initramfs: cannot create %s: %s", buf_head(&p), strerror(errno));
    }
    irfs_path(stage, "/dev/console", &p);
    if (rc == 0 && mknod(buf_head(&p), S_IFCHR | 0600, makedev(5, 1)) < 0) {
        buf_printf(why, "initramfs: mknod %s: %s", buf_head(&p), strerror(errno));
        rc = -1;
    }
    for (size_t i = 0; rc == 0 && i < fs->n; i++)
        rc = irfs_file(stage, fs->files[i].host, fs->files[i].image, why);
    if (rc == 0) rc = irfs_modules(stage, k, m, why);
    buf_free(&p);
    return rc;
}

/* Stages the tree in STAGE and archives it into path with GNU cpio. */
static int irfs_write(const char *path, const struct rootfs *fs, const struct vmimg_kernel *k,
                      const struct kmods_list *m, struct buf *why)
{
    struct buf stage = BUF_INIT, cmd = BUF_INIT;
    buf_printf(&stage, "%s.stage", path);
    buf_cstr(&stage);
    fs_rmtree(buf_head(&stage));
    int rc = irfs_stage(buf_head(&stage), fs, k, m, why);
    if (rc == 0) {
        buf_puts(&cmd, "find . -mindepth 1 -print0 | LC_ALL=C sort -z | "
                       "cpio --quiet -o -0 -H newc -R 0:0 > \"$1\"");
        char *const argv[] = { "sh", "-c", (char *)buf_cstr(&cmd), "sh", (char *)path, NULL };
        rc = pcmd_check(argv, buf_head(&stage), NULL, why);
    }
    fs_rmtree(buf_head(&stage));
    buf_free(&stage);
    buf_free(&cmd);
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
    if (rc == 0 && access(buf_head(path), R_OK) == 0) {
        int checked = manifest_use(buf_head(path), why);
        if (checked != MANIFEST_NONE) {
            rc = checked;
            if (rc == 0) utimensat(AT_FDCWD, buf_head(path), NULL, 0);  /* used: kept */
            goto out;
        }
        unlink(buf_head(path));     /* made before manifests: made again */
    }
    if (rc == 0) rc = vmimg_modules(k, m, &mods, why);
    if (rc == 0) {
        buf_printf(&tmp, "%s.tmp.%d", buf_head(path), (int)getpid());
        rc = irfs_write(buf_cstr(&tmp), &fs, k, &mods, why);
        if (rc == 0) rc = manifest_seal(buf_cstr(&tmp), buf_head(path), why);
        if (rc == 0 && rename(buf_cstr(&tmp), buf_head(path)) < 0) {
            buf_printf(why, "rename to %s: %s", buf_head(path), strerror(errno));
            rc = -1;
        }
        if (rc) unlink(buf_cstr(&tmp));
        else fs_prune_lru(cache_dir, "initramfs-", ".cpio", IRFS_KEEP, IRFS_IDLE_S);
    }
out:
    rootfs_free(&fs);
    kmods_list_free(&mods);
    buf_free(&tmp);
    return rc;
}
