/* report.h — renderers of a run: the live progress line, the text
 * report and result.json (docs/results.md describes its schema). */
#ifndef HOSTMIX_REPORT_H
#define HOSTMIX_REPORT_H

#include <stdio.h>

#include "run/run.h"

/* Shows progress on f: on a terminal one line redrawn in place, else a
 * plain line every few seconds.  final ends the live line. */
void report_progress(const struct run *r, FILE *f, int final);
/* The text report (the post's tables). */
void report_text(const struct run *r, FILE *f);
/* Writes result.json to path atomically (temp file, fsync, rename).
 * Returns 0, or -1 with a message in err. */
int report_json_write(const struct run *r, const char *path, char *err, size_t n);

#endif
