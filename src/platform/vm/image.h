/* image.h — what a hostmix guest boots from: a Debian cloud kernel
 * (fetched once into the data cache), an initramfs holding hostmix as
 * /init with its libraries and the virtio modules, and ext4 images of the
 * data sets with a qcow2 overlay per run.
 *
 * Everything is cached under a cache directory (the job's data_dir) by a
 * key, built in a temporary name and renamed into place, so concurrent
 * runs and interrupted builds never see half an image.
 *
 *   CACHE/kernel-VERSION/boot/vmlinuz-VERSION, .../lib/modules/VERSION/
 *   CACHE/initramfs-KEY.cpio     KEY: binary+libs, kernel, machine
 *   CACHE/disk-KEY.ext4          KEY: the data set's own cache key */
#ifndef HOSTMIX_VM_IMAGE_H
#define HOSTMIX_VM_IMAGE_H

#include "core/buf.h"
#include "platform/vm/qemu.h"

#include <stdint.h>

/* The Debian package whose dependency names the current cloud kernel. */
#define VMIMG_KERNEL_META "linux-image-cloud-amd64"

/* Its strings are NUL-terminated: read them with buf_head(). */
struct vmimg_kernel {
    struct buf version;     /* "6.1.0-57-cloud-amd64" */
    struct buf vmlinuz;     /* path of the kernel image */
    struct buf moddir;      /* path of lib/modules/VERSION (has modules.dep) */
    int hz;                 /* CONFIG_HZ from its config file, else 250 */
};

/* Finds Debian's cloud kernel in cache_dir, or fetches it: asks
 * `apt-cache depends linux-image-cloud-amd64` for the versioned package,
 * `apt-get download`s it into a temporary directory, `dpkg -x`es it,
 * writes its modules.dep and renames the tree to CACHE/kernel-VERSION.
 * When apt cannot answer or deliver (offline), the newest cached kernel
 * is used.
 * Returns 0 with k filled, or -1 (why; nothing is left behind).  The
 * caller frees k with vmimg_kernel_free. */
int vmimg_kernel_debian(const char *cache_dir, struct vmimg_kernel *k, struct buf *why);

/* A user-supplied kernel image and its modules directory (which must
 * hold modules.dep, or uncompressed .ko files to index).  The version is
 * the modules directory's last component.  Returns 0 or -1 (why). */
int vmimg_kernel_user(const char *vmlinuz, const char *moddir, struct vmimg_kernel *k,
                      struct buf *why);
void vmimg_kernel_free(struct vmimg_kernel *k);

/* The modules a guest of machine m loads, in load order, as paths
 * relative to k->moddir (transport, virtio_net, virtio_blk,
 * virtio_console and what they need).  Returns 0 or -1 (why).  The
 * caller frees out with kmods_list_free. */
struct kmods_list;
int vmimg_modules(const struct vmimg_kernel *k, enum vm_machine m, struct kmods_list *out,
                  struct buf *why);

/* Builds (or finds) the initramfs for the program exe ("/proc/self/exe"
 * for hostmix itself), kernel k and machine m: a newc cpio with /init =
 * exe, exe's library closure, /dev/console, the mount points, the
 * modules under /modules/ (decompressed if the kernel ships them
 * compressed) and /modules/load.list naming them in load order.  Sets
 * path to CACHE/initramfs-KEY.cpio.  Returns 0 or -1 (why). */
int vmimg_initramfs(const char *cache_dir, const char *exe, const struct vmimg_kernel *k,
                    enum vm_machine m, struct buf *path, struct buf *why);

/* Builds (or finds) CACHE/disk-KEY.ext4, an ext4 image of data_dir made
 * with `mke2fs -t ext4 -d`, without mounting.  Its size is the larger of
 * size_hint and the tree's size plus a quarter and 16 MiB; it gets twice
 * the tree's inodes plus 1024.  key must be a file-name-safe string.
 * Sets out to the image path.  Returns 0 or -1 (why). */
int vmimg_disk(const char *cache_dir, const char *data_dir, const char *key,
               uint64_t size_hint, struct buf *out, struct buf *why);

/* Creates a qcow2 overlay at out backed by the raw image base (which
 * stays untouched; base should be absolute).  Returns 0 or -1 (why). */
int vmimg_overlay(const char *base, const char *out, struct buf *why);

/* The disk a guest serves its data set from (vm and libvirt): the cached
 * raw image of the data set at data_dir (key: its cache key), or for a
 * server that changes its data a qcow2 overlay RUNDIR/NAME.qcow2 over it;
 * the path appended to disk.  Returns 0, or -1 (why). */
int vmimg_server_disk(const char *cache_dir, const char *data_dir, const char *key, int rw,
                      const char *rundir, const char *name, struct buf *disk, struct buf *why);

/* The first "cpu MHz" line of /proc/cpuinfo's text, in kHz, or 0. */
unsigned long vmimg_cpuinfo_khz(const char *cpuinfo);

/* What the host says about its TSC (any field NULL where unreadable). */
struct vmimg_tsc_facts {
    const char *sysfs_khz;      /* /sys/devices/system/cpu/cpu0/tsc_freq_khz (some kernels) */
    const char *klog;           /* the kernel log's text */
    const char *cpuinfo;        /* /proc/cpuinfo */
    int cpufreq;                /* a cpufreq driver runs (cpu0/cpufreq exists) */
};

/* The host's TSC frequency in kHz, for tsc_early_khz and lpj of TCG
 * guests (whose TSC is the host's), from the first trustworthy source:
 *   1. tsc_freq_khz in sysfs, the kernel's tsc_khz itself;
 *   2. the kernel log's last "tsc: Refined TSC clocksource calibration:
 *      N MHz" (tsc_khz after refinement), else "tsc: Detected N MHz
 *      processor" where the CPU reports tsc_known_freq (no refinement
 *      follows: that is tsc_khz);
 *   3. "cpu MHz" only where it is cpu_khz, the boot-time calibration:
 *      no aperfmperf flag and no cpufreq driver (else it is the current
 *      core frequency, off from the TSC's by turbo or power saving).
 * Returns 0 if none is (leave the parameters out then).  *from (if not
 * NULL) names the source, a static string. */
unsigned long vmimg_tsc_khz(const struct vmimg_tsc_facts *f, const char **from);

/* vmimg_tsc_khz on the host under root ("" the live system; a fixture's
 * ROOT/dev/kmsg stands in for the kernel log, read live with syslog(2)). */
unsigned long vmimg_host_tsc_khz(const char *root, const char **from);

#endif
