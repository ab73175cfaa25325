/* progress.h — progress of work that fills a directory (preparing a data
 * set): files and bytes done, rate and time left, read by walking the
 * directory, so the work itself (another process, another thread) needs
 * no hooks.  On a terminal one line redrawn in place, else a plain line
 * every few seconds. */
#ifndef HOSTMIX_CORE_PROGRESS_H
#define HOSTMIX_CORE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

struct progress {
    const char *label;              /* "set 1 web" (the caller's, as dir) */
    const char *dir;
    int64_t want_files, want_bytes; /* the expected totals; 0: unknown */
    int64_t files, bytes;           /* at the last walk */
    int64_t t0_ns, last_ns;         /* start; last line printed */
    int tty, printed;
    FILE *out;
};

/* Starts watching dir (label names the work in the line); out is where
 * lines go (a terminal gets a live line).  label and dir are not copied:
 * they stay valid until progress_done. */
void progress_init(struct progress *p, const char *label, const char *dir, int64_t want_files,
                   int64_t want_bytes, FILE *out);
/* Walks dir and prints a line when one is due (every second on a
 * terminal, every 5 s otherwise); cheap to call more often. */
void progress_tick(struct progress *p);
/* The final line ("done in 12.3 s") when any line was printed; ends the
 * live line. */
void progress_done(struct progress *p, int ok);
/* Counts the regular files under dir and their bytes (0, 0 if absent). */
void progress_count(const char *dir, int64_t *files, int64_t *bytes);

#endif
