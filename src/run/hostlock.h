/* hostlock.h — one measured run at a time on a host.
 *
 * Runs that overlap measure each other: /proc/stat counts the other
 * run's CPU, and their drivers and servers share the host.  A run
 * therefore holds an exclusive flock on /run/hostmix.lock (root's /run:
 * no other user can plant it) for as long as its servers live, with the
 * holder's pid and job name written inside, and a second run refuses,
 * naming the holder, or waits for it.  A job with allow_overlap = yes runs
 * anyway: it appends a line to /run/hostmix.overlaps (an O_APPEND write,
 * atomic) and its result is marked overlapped; the run holding the lock
 * finds that line when it ends and is marked overlapped too. */
#ifndef HOSTMIX_HOSTLOCK_H
#define HOSTMIX_HOSTLOCK_H

#include <stddef.h>
#include <sys/types.h>

#define HOSTLOCK_PATH "/run/hostmix.lock"
#define HOSTLOCK_OVERLAPS "/run/hostmix.overlaps"

struct hostlock {
    int fd;                 /* the lock file while held, else -1 */
    off_t overlaps_at;      /* size of the overlaps log when the lock was taken */
};

/* Takes the host for the job called name.  wait: block until the holder
 * ends (polling, so that SIGINT and SIGTERM still end the wait: stop()
 * returns non-zero then).  allow_overlap: never refuse; when another run
 * holds the host, return 1 with the holder named in why and record the
 * overlap.  Returns 0 (held), 1 (overlapping, why says with whom), or -1
 * (refused or failed; why says why). */
int hostlock_take(struct hostlock *l, const char *name, int wait, int allow_overlap,
                  int (*stop)(void), char *why, size_t n);
/* Releases the host.  Returns 1 with the runs that overlapped this one
 * (allow_overlap runs that started meanwhile) named in who, else 0. */
int hostlock_release(struct hostlock *l, char *who, size_t n);

#endif
