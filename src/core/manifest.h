/* manifest.h — the content check of a cache entry.
 *
 * Everything hostmix caches in the data directory (data sets, guest
 * kernels, initramfs archives, disk images, container root file systems)
 * is trusted on later runs because it is there.  Its name and stat data
 * say nothing about its bytes: anyone who could write the directory once,
 * a disk error or a half-finished manual edit leaves an entry that looks
 * whole.  So each entry gets a manifest when it is built, ENTRY.manifest
 * next to it, written atomically:
 *
 *     hostmix-manifest 1
 *     f SIZE SHA256 PATH      a regular file (PATH relative to the entry,
 *     l SIZE SHA256 PATH      "." for an entry that is one file); a
 *     d 0 - PATH              symlink's hash is over its target
 *
 * in the order of a walk with each directory's names sorted.  Before an
 * entry is used it is walked and hashed again and must match line for
 * line.  The hash is SHA-256 (OpenSSL's libcrypto). */
#ifndef HOSTMIX_MANIFEST_H
#define HOSTMIX_MANIFEST_H

#include "core/buf.h"

/* manifest_check's answer when the entry has no manifest at all. */
#define MANIFEST_NONE 1

/* The manifest path of entry: ENTRY.manifest, into out (reset first). */
void manifest_path(const char *entry, struct buf *out);

/* Walks tree (a directory, never followed through symlinks, or one
 * regular file) and writes its manifest to mpath atomically.  tree may be
 * the entry's temporary name: paths are relative to it.  Returns 0, or -1
 * with the cause in why (an unreadable file, a device or FIFO, a name
 * holding a newline). */
int manifest_write(const char *tree, const char *mpath, struct buf *why);

/* Checks tree against the manifest at mpath.  Returns 0 when every line
 * matches, MANIFEST_NONE when mpath does not exist, or -1 with why naming
 * the first file that differs (changed, missing or not in the manifest)
 * or why the manifest cannot be read. */
int manifest_check(const char *tree, const char *mpath, struct buf *why);

/* What every user of a cache entry that exists does: checks entry
 * against ENTRY.manifest.  Returns 0 (use it), MANIFEST_NONE (no
 * manifest: an entry from before manifests or a build cut short; the
 * caller removes it and builds it again), or -1 with why naming the file
 * that differs and saying to remove the entry. */
int manifest_use(const char *entry, struct buf *why);

/* manifest_write of tree (the entry, or its temporary name before the
 * rename) to ENTRY.manifest.  Returns 0 or -1 (why). */
int manifest_seal(const char *tree, const char *entry, struct buf *why);

/* The same listing manifest_write stores, into out (appended): for tests
 * and for measuring the cost.  Returns 0 or -1 (why). */
int manifest_list(const char *tree, struct buf *out, struct buf *why);

#endif
