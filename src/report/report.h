/* report.h — what the run controller and the CLI call in src/report/:
 * the live progress line, the text report and result.json of a run
 * (docs/results.md describes its schema), and `hostmix report`.  All of
 * them go through the report model (model.h). */
#ifndef HOSTMIX_REPORT_H
#define HOSTMIX_REPORT_H

#include <stddef.h>
#include <stdio.h>

/* Opaque here: only model_run.c reads a run (the renderers cannot). */
struct run;

/* Shows progress on f: on a terminal one line redrawn in place, else a
 * plain line every few seconds.  final ends the live line. */
void report_progress(const struct run *r, FILE *f, int final);
/* The text report (the post's tables). */
void report_text(const struct run *r, FILE *f);
/* Writes result.json to path atomically (temp file, fsync, rename).
 * Returns 0, or -1 with a message in err. */
int report_json_write(const struct run *r, const char *path, char *err, size_t n);
/* Writes the HTML report (report.html) to path atomically; the page names
 * the result.json beside it.  Returns 0, or -1 with a message in err. */
int report_html_write(const struct run *r, const char *path, char *err, size_t n);

struct report_model;
/* files.c: the same page from a report model. */
int report_html_write_model(const struct report_model *m, const char *path, char *err, size_t n);
/* files.c: writes the files of m named in what (REPORT_FILE_*) into outdir
 * (report.txt, result.json, report.html), each atomically.  Returns 0, or
 * -1 after logging every file that could not be written. */
enum { REPORT_FILE_TEXT = 1, REPORT_FILE_JSON = 2, REPORT_FILE_HTML = 4 };
int report_write_files(const struct report_model *m, const char *outdir, unsigned what);
/* `hostmix report RESULT.json [--format text|json]`: prints the report a
 * run printed from its stored result.json.  Returns a CLI_* exit code. */
int report_cmd(int argc, char **argv);

#endif
