/* log.c — see log.h. */
#include "core/log.h"
#include "core/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

enum log_level log_threshold = LOG_INFO;
static char *log_tag;               /* owned; NULL: none */

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
    free(log_tag);
    log_tag = tag && tag[0] ? strfmt("%s", tag) : NULL;
}

/* Formats the whole line first and writes it with one write(2), so lines
 * from several processes sharing stderr do not interleave mid-line. */
void log_msg(enum log_level lv, const char *fmt, ...)
{
    static const char *const names[] = { "debug", "info", "warn", "error", "" };
    struct buf line = BUF_INIT;
    buf_printf(&line, "hostmix[%d]%s%s %s: ", (int)getpid(), log_tag ? " " : "",
               log_tag ? log_tag : "", names[lv]);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&line, fmt, ap);
    va_end(ap);
    buf_puts(&line, "\n");
    ssize_t w = write(STDERR_FILENO, buf_head(&line), buf_used(&line));
    (void)w;
    buf_free(&line);
}
