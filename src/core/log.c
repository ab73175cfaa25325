/* log.c — see log.h. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum log_level log_threshold = LOG_INFO;
static char log_tag[96];

void log_set_level(enum log_level lv) { log_threshold = lv; }

int log_parse_level(const char *s)
{
    static const char *const names[] = { "debug", "info", "warn", "error", "quiet" };
    for (int i = 0; i < 5; i++)
        if (strcasecmp(s, names[i]) == 0) return i;
    return -1;
}

void log_set_tag(const char *tag)
{
    snprintf(log_tag, sizeof log_tag, "%s", tag ? tag : "");
}

/* Formats the whole line first and writes it with one write(2), so lines
 * from several processes sharing stderr do not interleave mid-line. */
void log_msg(enum log_level lv, const char *fmt, ...)
{
    static const char *const names[] = { "debug", "info", "warn", "error", "" };
    char line[2048];
    int n = snprintf(line, sizeof line, "hostmix[%d]%s%s %s: ", (int)getpid(),
                     log_tag[0] ? " " : "", log_tag, names[lv]);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n >= sizeof line - 1) n = sizeof line - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
