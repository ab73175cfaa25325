/* image.c — the guest kernel from the Debian archive, data-set disk
 * images and overlays (the initramfs is in initramfs.c). */
#include "platform/vm/image.h"
#include "core/fs.h"
#include "core/manifest.h"
#include "platform/vm/kmods.h"
#include "platform/pcmd.h"
#include "measure/measure.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <unistd.h>

/* mkdir -p, the reason in why. */
static int vmimg_mkdirs(const char *dir, struct buf *why)
{
    if (fs_mkdirs(dir) == 0) return 0;
    buf_printf(why, "mkdir %s: %s", dir, strerror(errno));
    return -1;
}

void vmimg_kernel_free(struct vmimg_kernel *k)
{
    buf_free(&k->version);
    buf_free(&k->vmlinuz);
    buf_free(&k->moddir);
}

/* NUL-terminates k's strings so buf_head() of a const kernel is a C string. */
static void vmimg_kernel_terminate(struct vmimg_kernel *k)
{
    buf_cstr(&k->version);
    buf_cstr(&k->vmlinuz);
    buf_cstr(&k->moddir);
}

/* Reads CONFIG_HZ from ROOT/boot/config-VERSION; 250 if unknown. */
static int vmimg_config_hz(const char *root, const char *version)
{
    struct buf p = BUF_INIT;
    buf_printf(&p, "%s/boot/config-%s", root, version);
    FILE *f = fopen(buf_cstr(&p), "r");
    buf_free(&p);
    int hz = 250;
    char *line = NULL;                  /* getline's, freed below */
    size_t cap = 0;
    while (f && getline(&line, &cap, f) > 0)
        if (sscanf(line, "CONFIG_HZ=%d", &hz) == 1) break;
    free(line);
    if (f) fclose(f);
    return hz > 0 ? hz : 250;
}

/* Fills k from an unpacked package tree ROOT (boot/ and lib/modules/ or
 * usr/lib/modules/).  Returns 0 if the kernel image is there. */
static int vmimg_kernel_at(const char *root, const char *version, struct vmimg_kernel *k)
{
    vmimg_kernel_free(k);
    buf_puts(&k->version, version);
    buf_printf(&k->vmlinuz, "%s/boot/vmlinuz-%s", root, version);
    buf_printf(&k->moddir, "%s/lib/modules/%s", root, version);
    if (access(buf_cstr(&k->moddir), F_OK) < 0) {
        buf_reset(&k->moddir);
        buf_printf(&k->moddir, "%s/usr/lib/modules/%s", root, version);
    }
    k->hz = vmimg_config_hz(root, version);
    vmimg_kernel_terminate(k);
    return access(buf_cstr(&k->vmlinuz), R_OK) == 0 && access(buf_cstr(&k->moddir), F_OK) == 0
               ? 0 : -1;
}

/* The versioned kernel package the meta package depends on. */
static int vmimg_kernel_pkg(struct buf *pkg, struct buf *why)
{
    char *argv[] = { "apt-cache", "depends", VMIMG_KERNEL_META, NULL };
    struct buf out = BUF_INIT;
    int rc = pcmd_check(argv, NULL, &out, why);
    const char *d = rc == 0 ? strstr(buf_cstr(&out), "Depends: linux-image-") : NULL;
    if (d) {
        d += strlen("Depends: ");
        buf_append(pkg, d, strcspn(d, " \n<>"));
    } else if (rc == 0) {
        buf_puts(why, "apt-cache depends " VMIMG_KERNEL_META ": no linux-image dependency");
    }
    buf_free(&out);
    return d ? 0 : -1;
}

/* The newest CACHE/kernel-* directory's version, for offline use: only
 * one that matches its manifest (it cannot be fetched again now).
 * Returns 0, or -1 with why saying so (nothing there: why untouched). */
static int vmimg_kernel_cached(const char *cache_dir, struct vmimg_kernel *k, struct buf *why)
{
    DIR *d = opendir(cache_dir);
    if (!d) return -1;
    struct buf best = BUF_INIT, root = BUF_INIT;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "kernel-", 7) == 0 && !strstr(e->d_name, ".manifest") &&
            !strstr(e->d_name, ".unsealed-") &&
            (!buf_used(&best) || strverscmp(e->d_name + 7, buf_cstr(&best)) > 0)) {
            buf_reset(&best);
            buf_puts(&best, e->d_name + 7);
        }
    closedir(d);
    int rc = -1;
    if (buf_used(&best)) {
        buf_printf(&root, "%s/kernel-%s", cache_dir, buf_cstr(&best));
        rc = vmimg_kernel_at(buf_cstr(&root), buf_cstr(&best), k);
        int m = rc == 0 ? manifest_use(buf_cstr(&root), why) : 0;
        if (m == MANIFEST_NONE)
            buf_printf(why, "cached guest kernel %s has no manifest (remove it and run online "
                       "to fetch it again)", buf_cstr(&root));
        if (m) rc = -1;
    }
    buf_free(&best);
    buf_free(&root);
    return rc;
}

/* Downloads and unpacks pkg into tmp/root; writes its modules.dep. */
static int vmimg_kernel_unpack(const char *tmp, const char *pkg, const char *version,
                               struct buf *why)
{
    char *dl[] = { "apt-get", "download", "-q", (char *)pkg, NULL };
    if (pcmd_check(dl, tmp, NULL, why)) return -1;
    struct buf deb = BUF_INIT, root = BUF_INIT, mods = BUF_INIT;
    DIR *d = opendir(tmp);
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (strstr(e->d_name, ".deb")) buf_printf(&deb, "%s/%s", tmp, e->d_name);
    if (d) closedir(d);
    buf_printf(&root, "%s/root", tmp);
    char *x[] = { "dpkg", "-x", (char *)buf_cstr(&deb), (char *)buf_cstr(&root), NULL };
    int rc = buf_used(&deb) ? pcmd_check(x, NULL, NULL, why) : -1;
    if (!buf_used(&deb)) buf_printf(why, "apt-get download %s left no .deb", pkg);
    struct vmimg_kernel k = { BUF_INIT, BUF_INIT, BUF_INIT, 0 };
    if (rc == 0 && vmimg_kernel_at(buf_cstr(&root), version, &k)) {
        buf_printf(why, "package %s has no boot/vmlinuz-%s or modules", pkg, version);
        rc = -1;
    }
    if (rc == 0) rc = kmods_depmod(buf_cstr(&k.moddir), why);
    if (buf_used(&deb)) unlink(buf_cstr(&deb));
    vmimg_kernel_free(&k);
    buf_free(&deb);
    buf_free(&root);
    buf_free(&mods);
    return rc;
}

/* Fetches pkg into CACHE/kernel-VERSION through a temporary directory. */
static int vmimg_kernel_fetch(const char *cache_dir, const char *pkg, const char *dir,
                              const char *version, struct buf *why)
{
    struct buf tmp = BUF_INIT, root = BUF_INIT;
    buf_printf(&tmp, "%s/.kernel-XXXXXX", cache_dir);
    int rc = mkdtemp((char *)buf_cstr(&tmp)) ? 0 : -1;
    if (rc) buf_printf(why, "mkdtemp in %s: %s", cache_dir, strerror(errno));
    /* apt-get download drops privileges to _apt where it can. */
    if (rc == 0) chmod(buf_cstr(&tmp), 0755);
    if (rc == 0) rc = vmimg_kernel_unpack(buf_cstr(&tmp), pkg, version, why);
    buf_printf(&root, "%s/root", buf_cstr(&tmp));
    if (rc == 0) rc = manifest_seal(buf_cstr(&root), dir, why);
    if (rc == 0 && rename(buf_cstr(&root), dir) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
        buf_printf(why, "rename to %s: %s", dir, strerror(errno));
        rc = -1;
    }
    fs_rmtree(buf_cstr(&tmp));
    buf_free(&tmp);
    buf_free(&root);
    return rc;
}

/* The cached kernel tree dir against its manifest: 0 use it, -1 refused
 * (why), MANIFEST_NONE: moved aside to old, to be fetched again (and put
 * back if that fails: offline, nothing is lost). */
static int vmimg_kernel_checked(const char *dir, struct buf *old, struct buf *why)
{
    int rc = manifest_use(dir, why);
    if (rc != MANIFEST_NONE) return rc;
    buf_printf(old, "%s.unsealed-%d", dir, (int)getpid());
    if (rename(dir, buf_cstr(old)) != 0) buf_reset(old);
    return rc;
}

/* After a fetch (fetched: it worked) of the kernel whose unsealed tree
 * was moved to old: drops it, or puts it back. */
static void vmimg_kernel_unsealed(const char *dir, struct buf *old, int fetched)
{
    if (!buf_used(old)) return;
    if (fetched) fs_rmtree(buf_cstr(old));
    else if (rename(buf_cstr(old), dir) != 0) fs_rmtree(buf_cstr(old));
}

int vmimg_kernel_debian(const char *cache_dir, struct vmimg_kernel *k, struct buf *why)
{
    memset(k, 0, sizeof *k);
    if (vmimg_mkdirs(cache_dir, why)) return -1;
    struct buf pkg = BUF_INIT, dir = BUF_INIT, apt_why = BUF_INIT, old = BUF_INIT;
    int rc = vmimg_kernel_pkg(&pkg, &apt_why);
    if (rc < 0) {
        rc = vmimg_kernel_cached(cache_dir, k, why);
        if (rc && !buf_used(why))
            buf_printf(why, "no cached guest kernel and %s", buf_cstr(&apt_why));
        goto out;
    }
    const char *version = buf_cstr(&pkg) + strlen("linux-image-");
    buf_printf(&dir, "%s/kernel-%s", cache_dir, version);
    if (vmimg_kernel_at(buf_cstr(&dir), version, k) == 0 &&
        (rc = vmimg_kernel_checked(buf_cstr(&dir), &old, why)) != MANIFEST_NONE)
        goto out;
    rc = vmimg_kernel_fetch(cache_dir, buf_cstr(&pkg), buf_cstr(&dir), version, &apt_why);
    vmimg_kernel_unsealed(buf_cstr(&dir), &old, rc == 0);
    if (rc && vmimg_kernel_cached(cache_dir, k, &apt_why) == 0) {
        /* The archive knows a newer kernel but cannot deliver it. */
        rc = 0;
        goto out;
    }
    if (rc) buf_puts(why, buf_cstr(&apt_why));
    if (rc == 0 && vmimg_kernel_at(buf_cstr(&dir), version, k)) {
        buf_printf(why, "%s: incomplete kernel tree", buf_cstr(&dir));
        rc = -1;
    }
out:
    if (rc) vmimg_kernel_free(k);
    buf_free(&pkg);
    buf_free(&dir);
    buf_free(&apt_why);
    buf_free(&old);
    return rc;
}

int vmimg_kernel_user(const char *vmlinuz, const char *moddir, struct vmimg_kernel *k,
                      struct buf *why)
{
    memset(k, 0, sizeof *k);
    const char *slash = strrchr(moddir, '/');
    buf_puts(&k->version, slash && slash[1] ? slash + 1 : moddir);
    buf_puts(&k->vmlinuz, vmlinuz);
    buf_puts(&k->moddir, moddir);
    k->hz = 250;
    vmimg_kernel_terminate(k);
    if (access(vmlinuz, R_OK) < 0) {
        buf_printf(why, "guest kernel %s: %s", vmlinuz, strerror(errno));
        vmimg_kernel_free(k);
        return -1;
    }
    if (kmods_depmod(moddir, why)) {
        vmimg_kernel_free(k);
        return -1;
    }
    return 0;
}

int vmimg_modules(const struct vmimg_kernel *k, enum vm_machine m, struct kmods_list *out,
                  struct buf *why)
{
    const char *want[] = { m == VM_MACHINE_Q35 ? "virtio_pci" : "virtio_mmio", "virtio_net",
                           "virtio_blk", "virtio_console", NULL };
    struct buf dep = BUF_INIT, builtin = BUF_INIT, p = BUF_INIT;
    buf_printf(&p, "%s/modules.dep", buf_head(&k->moddir));
    if (meas_read_buf("", buf_cstr(&p), &dep) < 0) {
        buf_printf(why, "%s: %s", buf_cstr(&p), strerror(errno));
        buf_free(&p);
        return -1;
    }
    buf_reset(&p);
    buf_printf(&p, "%s/modules.builtin", buf_head(&k->moddir));
    meas_read_buf("", buf_cstr(&p), &builtin);     /* none: every module is loadable */
    int rc = kmods_resolve(buf_cstr(&dep), buf_cstr(&builtin), want, out, why);
    buf_free(&dep);
    buf_free(&builtin);
    buf_free(&p);
    return rc;
}

/* Size in bytes and inode count of a tree (nftw has no user pointer). */
static struct { uint64_t bytes, inodes; } vmimg_tree;

static int vmimg_size_fn(const char *path, const struct stat *st, int type, struct FTW *f)
{
    vmimg_tree.bytes += ((uint64_t)st->st_size + 4095) / 4096 * 4096;
    vmimg_tree.inodes++;
    return 0;
}

int vmimg_disk(const char *cache_dir, const char *data_dir, const char *key,
               uint64_t size_hint, struct buf *out, struct buf *why)
{
    if (!*key || strchr(key, '/') || key[0] == '.') {
        buf_printf(why, "disk image key '%s' is not a file name", key);
        return -1;
    }
    buf_reset(out);
    buf_printf(out, "%s/disk-%s.ext4", cache_dir, key);
    if (access(buf_cstr(out), R_OK) == 0) {
        int m = manifest_use(buf_cstr(out), why);
        if (m != MANIFEST_NONE) return m;
        unlink(buf_cstr(out));      /* made before manifests: made again */
    }
    if (vmimg_mkdirs(cache_dir, why)) return -1;
    vmimg_tree.bytes = vmimg_tree.inodes = 0;
    if (nftw(data_dir, vmimg_size_fn, 16, FTW_PHYS) != 0) {
        buf_printf(why, "data set %s: %s", data_dir, strerror(errno));
        return -1;
    }
    uint64_t size = vmimg_tree.bytes + vmimg_tree.bytes / 4 + (16u << 20);
    if (size < size_hint) size = size_hint;
    size = (size + (1u << 20) - 1) >> 20;
    struct buf tmp = BUF_INIT, sz = BUF_INIT, ino = BUF_INIT;
    buf_printf(&tmp, "%s.tmp.%d", buf_cstr(out), (int)getpid());
    buf_printf(&sz, "%lluM", (unsigned long long)size);
    buf_printf(&ino, "%llu", (unsigned long long)(vmimg_tree.inodes * 2 + 1024));
    char *argv[] = { "mke2fs", "-q", "-t", "ext4", "-m", "0", "-N", (char *)buf_cstr(&ino),
                     "-d", (char *)data_dir, "-F", (char *)buf_cstr(&tmp), (char *)buf_cstr(&sz),
                     NULL };
    int rc = pcmd_check(argv, NULL, NULL, why);
    if (rc == 0) rc = manifest_seal(buf_cstr(&tmp), buf_cstr(out), why);
    if (rc == 0 && rename(buf_cstr(&tmp), buf_cstr(out)) < 0) {
        buf_printf(why, "rename to %s: %s", buf_cstr(out), strerror(errno));
        rc = -1;
    }
    if (rc) unlink(buf_cstr(&tmp));
    buf_free(&tmp);
    buf_free(&sz);
    buf_free(&ino);
    return rc;
}

int vmimg_server_disk(const char *cache_dir, const char *data_dir, const char *key, int rw,
                      const char *rundir, const char *name, struct buf *disk, struct buf *why)
{
    struct buf img = BUF_INIT;
    int rc = vmimg_disk(cache_dir, data_dir, key, 0, &img, why);
    if (rc == 0 && rw) {
        buf_printf(disk, "%s/%s.qcow2", rundir, name);
        rc = vmimg_overlay(buf_cstr(&img), buf_cstr(disk), why);
    } else if (rc == 0) {
        buf_puts(disk, buf_cstr(&img));
    }
    buf_free(&img);
    return rc;
}

int vmimg_overlay(const char *base, const char *out, struct buf *why)
{
    char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", (char *)base,
                     "-F", "raw", (char *)out, NULL };
    return pcmd_check(argv, NULL, NULL, why);
}

unsigned long vmimg_cpuinfo_khz(const char *cpuinfo)
{
    const char *p = strstr(cpuinfo, "cpu MHz");
    if (!p) return 0;
    p = strchr(p, ':');
    double mhz = p ? strtod(p + 1, NULL) : 0;
    return mhz > 0 && mhz < 1e6 ? (unsigned long)(mhz * 1000 + 0.5) : 0;
}

/* Whether word occurs as a whole blank-separated word in the first line
 * of text starting with key. */
static int vmimg_line_has_word(const char *text, const char *key, const char *word)
{
    size_t kl = strlen(key), wl = strlen(word);
    for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, key, kl) != 0) continue;
        const char *end = strchr(l, '\n');
        if (!end) end = l + strlen(l);
        for (const char *p = l + kl; p + wl <= end; p++)
            if (memcmp(p, word, wl) == 0 && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == ':') &&
                (p + wl == end || p[wl] == ' ' || p[wl] == '\t'))
                return 1;
        return 0;
    }
    return 0;
}

/* The MHz figure following the last occurrence of pre in klog, in kHz. */
static unsigned long vmimg_klog_mhz(const char *klog, const char *pre)
{
    const char *last = NULL;
    for (const char *p = klog; (p = strstr(p, pre)) != NULL; p++) last = p;
    if (!last) return 0;
    double mhz = strtod(last + strlen(pre), NULL);
    return mhz > 0 && mhz < 1e6 ? (unsigned long)(mhz * 1000 + 0.5) : 0;
}

unsigned long vmimg_tsc_khz(const struct vmimg_tsc_facts *f, const char **from)
{
    const char *src = "none";
    unsigned long khz = 0;
    if (f->sysfs_khz) {
        char *end;
        unsigned long v = strtoul(f->sysfs_khz, &end, 10);
        if (end != f->sysfs_khz && v > 0 && v < 1000000000UL) khz = v, src = "tsc_freq_khz";
    }
    if (!khz && f->klog) {
        khz = vmimg_klog_mhz(f->klog, "tsc: Refined TSC clocksource calibration: ");
        src = "the kernel log's refined TSC calibration";
    }
    if (!khz && f->klog && f->cpuinfo && vmimg_line_has_word(f->cpuinfo, "flags", "tsc_known_freq")) {
        khz = vmimg_klog_mhz(f->klog, "tsc: Detected ");
        src = "the kernel log's known TSC frequency";
    }
    if (!khz && f->cpuinfo && !f->cpufreq &&
        !vmimg_line_has_word(f->cpuinfo, "flags", "aperfmperf")) {
        khz = vmimg_cpuinfo_khz(f->cpuinfo);
        src = "cpu MHz (cpu_khz: no aperfmperf, no cpufreq)";
    }
    if (from) *from = khz ? src : "none";
    return khz;
}

#define VMIMG_SYSLOG_READ_ALL 3      /* syslog(2) actions (no libc header names them) */
#define VMIMG_SYSLOG_SIZE_BUFFER 10

/* The kernel log's text (malloc'd, the caller frees), or NULL where it
 * cannot be read (dmesg_restrict without CAP_SYSLOG).  Under a fixture
 * root, ROOT/dev/kmsg stands in for it. */
static char *vmimg_klog(const char *root)
{
    int size = root[0] ? 1 << 20 : klogctl(VMIMG_SYSLOG_SIZE_BUFFER, NULL, 0);
    char *text = size > 0 ? malloc((size_t)size + 1) : NULL;
    if (!text) return NULL;
    int len = root[0] ? (int)meas_read(root, "/dev/kmsg", text, (size_t)size + 1)
                      : klogctl(VMIMG_SYSLOG_READ_ALL, text, size);
    if (len < 0) {
        free(text);
        return NULL;
    }
    text[len] = '\0';
    return text;
}

unsigned long vmimg_host_tsc_khz(const char *root, const char **from)
{
    struct numstr sysfs, drv;           /* a number; a driver's name (only its presence counts) */
    struct buf cpuinfo = BUF_INIT;
    struct vmimg_tsc_facts f = { NULL, vmimg_klog(root), NULL, 0 };
    if (meas_read(root, "/sys/devices/system/cpu/cpu0/tsc_freq_khz", sysfs.s, sizeof sysfs.s) > 0)
        f.sysfs_khz = sysfs.s;
    if (meas_read_buf(root, "/proc/cpuinfo", &cpuinfo) > 0) f.cpuinfo = buf_cstr(&cpuinfo);
    f.cpufreq = meas_read(root, "/sys/devices/system/cpu/cpu0/cpufreq/scaling_driver", drv.s,
                          sizeof drv.s) > 0;
    unsigned long khz = vmimg_tsc_khz(&f, from);
    free((char *)f.klog);
    buf_free(&cpuinfo);
    return khz;
}
