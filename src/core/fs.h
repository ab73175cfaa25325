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
/* rm -r dir (no error if it does not exist).  Returns 0 or -1 (errno). */
int fs_rmtree(const char *dir);
/* Calls fn(name, arg) for every entry of dir named PREFIX<pid> whose pid
 * is no live process: what a run killed outright left behind.  Returns
 * how many entries it found (0 when dir cannot be read). */
int fs_sweep_dead(const char *dir, const char *prefix, void (*fn)(const char *name, void *arg),
                  void *arg);
/* Trims a cache: of the regular files in dir named PREFIX...SUFFIX, keeps
 * the keep most recently modified and every one modified within the last
 * idle_s seconds (a user touches a file when it serves), and removes the
 * rest.  Returns how many it removed (0 when dir cannot be read). */
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

#endif
