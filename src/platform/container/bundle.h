/* bundle.h — what the container platform writes for an OCI runtime: the
 * shared root file system (hostmix and the closure of its libraries,
 * cached by their key) and each container's config.json; and what it
 * reads of the host's cgroup layout (which hierarchies are mounted where).
 *
 * Kept apart from the platform's ops (container.c) so that both are
 * tested without a runtime: the rootfs against a temporary cache, the
 * config by parsing it back. */
#ifndef HOSTMIX_CTR_BUNDLE_H
#define HOSTMIX_CTR_BUNDLE_H

#include "core/buf.h"

#include <stdint.h>

/* Where hostmix sits inside every container. */
#define CTR_EXE "/bin/hostmix"
/* Where a server's data is mounted inside its container. */
#define CTR_DATA "/data"

/* Builds (once) the root file system for exe below cache_dir:
 * CACHE/container-rootfs-KEY/ with exe at CTR_EXE, its loader and
 * libraries at their host paths, empty mount points (proc, dev, tmp,
 * data, sys) and a minimal etc/ (passwd, group, hosts).  KEY is
 * rootfs_key over the closure, so a rebuilt binary or upgraded library
 * gets a new tree.  The tree is built under a temporary name and renamed,
 * so a concurrent run or a crash never leaves a half tree under the key.
 * Returns 0 with the absolute directory in dir (caller's buf), or -1 with
 * why. */
int ctr_rootfs(const char *cache_dir, const char *exe, struct buf *dir, struct buf *why);

/* One container's configuration, as ctr_config_json writes it. */
struct ctr_config {
    const char *rootfs;         /* absolute; mounted read-only */
    char *const *argv;          /* the process, argv[0] replaced by CTR_EXE */
    const char *hostname;
    const char *netns;          /* path of the network namespace to join (/proc/PID/ns/net) */
    const char *cgroups_path;   /* linux.cgroupsPath ("/hostmix-PID/set1-web"), or NULL */
    const char *data;           /* host directory bound at CTR_DATA, or NULL */
    int data_rw;                /* bind it read-write */
};

/* Appends the config.json of c to out (OCI runtime spec 1.0: process,
 * read-only root, proc/dev/tmp mounts, the data bind, new pid, ipc, uts
 * and mount namespaces, the given network namespace and cgroup path, a
 * small capability set). */
void ctr_config_json(const struct ctr_config *c, struct buf *out);

/* The cgroup file systems of the host, from /proc/self/mounts. */
#define CTR_CG_V1_MAX 16
struct ctr_cgmounts {
    char v2[256];                       /* cgroup2 mount point, or "" */
    char v1[CTR_CG_V1_MAX][256];        /* cgroup (v1) mount points */
    int nv1;
    int cpuacct;                        /* index in v1 of the cpuacct hierarchy, or -1 */
};

/* Fills m from the text of /proc/self/mounts.  Returns the number of
 * cgroup file systems found (v1 ones past CTR_CG_V1_MAX are skipped). */
int ctr_cg_mounts(const char *text, struct ctr_cgmounts *m);

#endif
