/* fs.h — the file-system chores every module needs, written once:
 * mkdir -p, rm -r, writing a whole buffer, replacing a file atomically
 * (temp file, fsync, rename, fsync of the directory), and writing an
 * output file by the one rule every report, result and capacity file
 * follows (fs_write_out). */
#ifndef HOSTMIX_FS_H
#define HOSTMIX_FS_H

#include <stddef.h>
#include <stdint.h>

/* mkdir -p dir (mode 0755).  Returns 0 or -1 (errno set). */
int fs_mkdirs(const char *dir);
/* A run's private directory: mkdir(path, 0700) where the path must not
 * exist yet (a directory found there may be planted: it is refused), then
 * checked to be a real directory owned by this user.  Returns 0, or -1
 * with the reason in why. */
int fs_mkdir_private(const char *path, char *why, size_t n);
/* Opens (creating it 0600 if absent) a regular file of this user's,
 * never through a link: for lock files and logs in root's /run.  flags
 * are open(2)'s access flags (O_RDWR, O_WRONLY | O_APPEND, ...).
 * Returns a close-on-exec descriptor the caller closes, or -1 (why). */
int fs_open_own(const char *path, int flags, char *why, size_t n);
/* Whether path may hold what a root tool trusts: every component, as
 * given and as resolved, is owned by root or this user and no other user
 * can replace it (a directory writable by group or others must be
 * sticky), and path itself is a directory no other user can write.
 * Returns 0, or -1 with the reason and the fix in why. */
int fs_check_private(const char *path, char *why, size_t n);
/* rm -r dir (no error if it does not exist).  Returns 0 or -1 (errno). */
int fs_rmtree(const char *dir);
/* Calls fn(name, arg) for every entry of dir named PREFIX<pid> whose pid
 * is no live process: what a run killed outright left behind.  Only
 * directories owned by this process's user count: never a symlink, nor
 * another user's entry in a shared directory such as /tmp.  Returns how
 * many entries it found (0 when dir cannot be read). */
int fs_sweep_dead(const char *dir, const char *prefix, void (*fn)(const char *name, void *arg),
                  void *arg);
/* Trims a cache: of the regular files in dir named PREFIX...SUFFIX, keeps
 * the keep most recently modified and every one modified within the last
 * idle_s seconds (a user touches a file when it serves), and removes the
 * rest, each with its manifest (NAME.manifest, core/manifest.h).  Returns how many it removed (0 when dir cannot be read). */
int fs_prune_lru(const char *dir, const char *prefix, const char *suffix, int keep,
                 int64_t idle_s);
/* Finds a program: name itself when it holds a '/', else the first
 * executable PATH/name (PATH unset: /usr/sbin:/usr/bin:/sbin:/bin), into
 * dst.  Returns 0, or -1 if there is none (dst holds the last tried). */
int fs_which(const char *name, char *dst, size_t n);
/* Writes all n bytes of p to fd, retrying short writes and EINTR.
 * Returns 0 or -1 (errno set). */
int fs_write_all(int fd, const void *p, size_t n);
/* Replaces path with n bytes of p atomically: PATH.tmp-PID written and
 * fsync'd, renamed over path, the directory fsync'd.  Returns 0 or -1
 * (errno set; the temp file is removed). */
int fs_write_atomic(const char *path, const void *p, size_t n);
/* The same, with the two fsyncs only when sync is set (a caller whose
 * durability is an option, as imap's --sync=no). */
int fs_replace(const char *path, const void *p, size_t n, int sync);
/* Writes an output file (a report, result.json, a capacity file, -o
 * FILE) by the one rule for output paths:
 *  - "-" is standard output;
 *  - an absent path or a regular file is replaced atomically
 *    (fs_write_atomic);
 *  - a symlink is never replaced, and followed only when root or this
 *    user owns it (else EPERM): to standard output or error (/dev/stdout,
 *    /dev/stderr) the bytes go there, to a regular file that file is replaced atomically, to
 *    anything else it is written through; dangling: ENOENT;
 *  - anything else (a character device, a FIFO) is opened for writing as
 *    it is, never created, truncated or replaced.
 * Returns 0 or -1 (errno set). */
int fs_write_out(const char *path, const void *p, size_t n);
/* The same rule for a stream (a log a child process writes): returns a
 * descriptor (O_CLOEXEC, the caller's) open for writing, or -1 (errno).
 * A regular or absent path is created or truncated (O_APPEND, never
 * through a symlink at its last component); the rest as fs_write_out. */
int fs_open_out(const char *path);

/* The data cache by default: root's, out of world-writable /var/tmp
 * (where caches of older versions live, no longer used). */
#define HOSTMIX_DATA_DIR "/var/cache/hostmix"
#define HOSTMIX_DATA_DIR_OLD "/var/tmp/hostmix-data"

#endif
