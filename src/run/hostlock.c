/* hostlock.c — one measured run at a time on a host; see hostlock.h. */
#include "run/hostlock.h"
#include "core/clock.h"
#include "core/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The holder's "pid name" line, read from the lock file. */
static void hl_holder(int fd, char *dst, size_t n)
{
    char text[200];
    ssize_t r = pread(fd, text, sizeof text - 1, 0);
    text[r > 0 ? r : 0] = '\0';
    text[strcspn(text, "\n")] = '\0';
    snprintf(dst, n, "%s", text[0] ? text : "a run whose name is not yet written");
}

/* Records an allow_overlap run in the overlaps log. */
static void hl_note_overlap(const char *name)
{
    char why[300], line[200];
    int fd = fs_open_own(HOSTLOCK_OVERLAPS, O_WRONLY | O_APPEND, why, sizeof why);
    if (fd < 0) return;
    int len = snprintf(line, sizeof line, "%d %.150s\n", (int)getpid(), name);
    fs_write_all(fd, line, (size_t)len);
    close(fd);
}

/* The size of the overlaps log now (0 when absent). */
static off_t hl_overlaps_size(void)
{
    struct stat st;
    return lstat(HOSTLOCK_OVERLAPS, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
}

int hostlock_take(struct hostlock *l, const char *name, int wait, int allow_overlap,
                  int (*stop)(void), char *why, size_t n)
{
    char holder[200], line[200];
    l->fd = fs_open_own(HOSTLOCK_PATH, O_RDWR, why, n);
    if (l->fd < 0) return -1;
    while (flock(l->fd, LOCK_EX | LOCK_NB) != 0) {
        hl_holder(l->fd, holder, sizeof holder);
        if (errno != EWOULDBLOCK || allow_overlap || !wait || (stop && stop())) {
            int e = errno;
            close(l->fd);
            l->fd = -1;
            if (e != EWOULDBLOCK) return snprintf(why, n, "flock %s: %s", HOSTLOCK_PATH, strerror(e)), -1;
            snprintf(why, n, "another hostmix run holds this host (pid and job: %s)", holder);
            if (allow_overlap) hl_note_overlap(name);
            return allow_overlap ? 1 : -1;
        }
        clock_sleep_ns(100 * CLOCK_NS_PER_MS);
    }
    int len = snprintf(line, sizeof line, "%d %.150s\n", (int)getpid(), name);
    if (ftruncate(l->fd, 0) == 0) fs_write_all(l->fd, line, (size_t)len);
    l->overlaps_at = hl_overlaps_size();
    return 0;
}

int hostlock_release(struct hostlock *l, char *who, size_t n)
{
    who[0] = '\0';
    if (l->fd < 0) return 0;
    off_t now = hl_overlaps_size();
    if (now > l->overlaps_at) {
        char why[300];
        int fd = fs_open_own(HOSTLOCK_OVERLAPS, O_RDONLY, why, sizeof why);
        ssize_t r = fd >= 0 ? pread(fd, who, n - 1, l->overlaps_at) : -1;
        who[r > 0 ? r : 0] = '\0';
        for (char *c = who; *c; c++) if (*c == '\n') *c = c[1] ? ';' : '\0';
        if (fd >= 0) close(fd);
    }
    if (ftruncate(l->fd, 0) != 0) {}    /* no holder named once released */
    close(l->fd);
    l->fd = -1;
    return who[0] != 0;
}
