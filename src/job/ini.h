/* ini.h — a line-oriented INI reader for job files.
 *
 * Calls back for every "[section]" and "key = value" line with its line
 * number; comments start with ';' or '#' at the start of a line (after
 * blanks).  Values are trimmed; no quoting, no continuation lines.  The
 * reader itself reports only syntax errors (a line that is neither), and
 * goes on after them, so one pass reports every problem in a file. */
#ifndef HOSTMIX_INI_H
#define HOSTMIX_INI_H

#include <stddef.h>

struct ini_handler {
    /* Both return 0 to go on, non-zero to count an error and go on. */
    int (*section)(void *ctx, int line, const char *name);
    int (*pair)(void *ctx, int line, const char *key, const char *value);
    /* Syntax error at line (message without file and line). */
    void (*error)(void *ctx, int line, const char *msg);
};

/* Parses text (len bytes, need not be NUL-terminated).  Returns the number
 * of errors: syntax errors plus non-zero callback returns. */
int ini_parse(const char *text, size_t len, const struct ini_handler *h, void *ctx);

#endif
