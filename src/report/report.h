/* report.h — what the run controller and the CLI call in src/report/:
 * the live progress line, a run's report files (text, result.json, HTML)
 * written from its report model (model.h), and `hostmix report`. */
#ifndef HOSTMIX_REPORT_H
#define HOSTMIX_REPORT_H

#include <stddef.h>
#include <stdio.h>

struct report_live;
/* Shows the progress line l (model.h) on f: on a terminal one line redrawn
 * in place, else a plain line every few seconds.  final ends the live line. */
void report_progress(const struct report_live *l, FILE *f, int final);

struct report_model;
/* files.c: writes the files of m named in what (REPORT_FILE_*) into outdir
 * (report.txt, result.json with its schema in docs/results.md, report.html
 * naming the result.json beside it), each atomically.  Returns 0, or -1
 * after logging every file that could not be written. */
enum { REPORT_FILE_TEXT = 1, REPORT_FILE_JSON = 2, REPORT_FILE_HTML = 4 };
int report_write_files(const struct report_model *m, const char *outdir, unsigned what);
/* files.c: what render(obj, f) prints, written to path atomically (the
 * text is rendered in memory first).  Returns 0, or -1 after logging. */
int report_write_text(const char *path, void (*render)(const void *obj, FILE *f),
                      const void *obj);
/* `hostmix report RESULT.json [--format text|json]`: prints the report a
 * run printed from its stored result.json.  Returns a CLI_* exit code. */
int report_cmd(int argc, char **argv);

#endif
