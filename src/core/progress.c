/* progress.c — a directory's growth as a progress line (progress.h). */
#include "core/progress.h"
#include "core/buf.h"
#include "core/clock.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROGRESS_TTY_NS (1 * CLOCK_NS_PER_S)
#define PROGRESS_PLAIN_NS (5 * CLOCK_NS_PER_S)
#define PROGRESS_MAX_DEPTH 16

static void progress_walk(int dfd, int depth, int64_t *files, int64_t *bytes)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW)) continue;
        if (S_ISREG(st.st_mode)) {
            (*files)++;
            *bytes += st.st_size;
        } else if (S_ISDIR(st.st_mode) && depth < PROGRESS_MAX_DEPTH) {
            int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (sub >= 0) progress_walk(sub, depth + 1, files, bytes);
        }
    }
    closedir(d);
}

void progress_count(const char *dir, int64_t *files, int64_t *bytes)
{
    *files = *bytes = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) progress_walk(fd, 0, files, bytes);
}

void progress_init(struct progress *p, const char *label, const char *dir, int64_t want_files,
                   int64_t want_bytes, FILE *out)
{
    memset(p, 0, sizeof *p);
    p->label = label;
    p->dir = dir;
    p->want_files = want_files;
    p->want_bytes = want_bytes;
    p->out = out;
    p->tty = isatty(fileno(out));
    p->t0_ns = p->last_ns = clock_mono_ns();
}

/* "37%, ETA 12 s" from the share done, or "" when no total is known. */
static struct numstr progress_eta(const struct progress *p, double secs)
{
    double share = p->want_bytes > 0 ? (double)p->bytes / (double)p->want_bytes
                 : p->want_files > 0 ? (double)p->files / (double)p->want_files : -1;
    if (share < 0) return numstr_fmt("%s", "");
    if (share > 1) share = 1;
    if (share > 0.001 && secs > 0)
        return numstr_fmt(", %.0f%%, ETA %.0f s", 100 * share, secs * (1 - share) / share);
    return numstr_fmt(", %.0f%%", 100 * share);
}

static void progress_line(struct progress *p, int64_t now, const char *end)
{
    double secs = (double)(now - p->t0_ns) / 1e9;
    fprintf(p->out, "%spreparing %s: %lld files, %.1f MiB in %.0f s (%.1f MiB/s, %.0f files/s)%s%s",
            p->tty ? "\r\033[K" : "", p->label, (long long)p->files, (double)p->bytes / (1 << 20),
            secs, secs > 0 ? (double)p->bytes / (1 << 20) / secs : 0,
            secs > 0 ? (double)p->files / secs : 0, progress_eta(p, secs).s, end);
    fflush(p->out);
    p->printed = 1;
    p->last_ns = now;
}

void progress_tick(struct progress *p)
{
    int64_t now = clock_mono_ns();
    if (now - p->last_ns < (p->tty ? PROGRESS_TTY_NS : PROGRESS_PLAIN_NS)) return;
    progress_count(p->dir, &p->files, &p->bytes);
    progress_line(p, now, p->tty ? "" : "\n");
}

void progress_done(struct progress *p, int ok)
{
    if (!p->printed) return;
    progress_count(p->dir, &p->files, &p->bytes);
    p->want_files = p->want_bytes = 0;
    progress_line(p, clock_mono_ns(), ok ? ", done\n" : ", stopped\n");
}
