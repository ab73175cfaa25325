/* pcmd.h — run a helper program (ld.so, apt-get, dpkg, mke2fs, qemu-img)
 * to completion and capture what it prints.
 *
 * Platforms build images and root file systems with outside tools; this is
 * the one place that forks them, so every such child is waited for and no
 * descriptor leaks into it (pipes are O_CLOEXEC, stdin is /dev/null). */
#ifndef HOSTMIX_PCMD_H
#define HOSTMIX_PCMD_H

#include "core/buf.h"

/* Runs argv (argv[0] searched in PATH) in directory cwd (NULL: the current
 * one) and waits for it.  Its stdout is appended to out and its stderr to
 * err (either may be NULL: discarded).  Returns the exit status (0..255),
 * or -1 if it could not be started or died from a signal; the reason is
 * then appended to err when err is not NULL.  The caller owns out/err. */
int pcmd_run(char *const argv[], const char *cwd, struct buf *out, struct buf *err);

/* Like pcmd_run, but any failure (start, signal, non-zero status) is
 * described in why ("CMD: exit N: last line of stderr").  Returns 0 on
 * success, -1 on failure.  The caller owns out and why. */
int pcmd_check(char *const argv[], const char *cwd, struct buf *out, struct buf *why);

#endif
