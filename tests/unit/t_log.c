/* t_log.c — the log line: prefix with pid and tag, the whole message
 * however long, one newline, written to stderr in one piece. */
#include "test.h"
#include "core/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Logs msg at error level with stderr sent to a file; returns what was
 * written (the caller frees it). */
static char *logged(const char *tag, const char *msg)
{
    FILE *f = tmpfile();
    if (!f) return NULL;
    int saved = dup(STDERR_FILENO);
    dup2(fileno(f), STDERR_FILENO);
    log_set_tag(tag);
    log_msg(LOG_ERROR, "%s!", msg);
    log_set_tag(NULL);
    dup2(saved, STDERR_FILENO);
    close(saved);
    long n = ftell(f) >= 0 ? lseek(fileno(f), 0, SEEK_END) : -1;
    char *text = n >= 0 ? calloc(1, (size_t)n + 1) : NULL;
    if (text && pread(fileno(f), text, (size_t)n, 0) != n) text[0] = '\0';
    fclose(f);
    return text;
}

TEST(log_line_whole)
{
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char want[5100];
    snprintf(want, sizeof want, "hostmix[%d] web 127.0.0.1:80 error: %s!\n", (int)getpid(), big);
    char *got = logged("web 127.0.0.1:80", big);
    T_ASSERT(got != NULL);
    int same = strcmp(got, want) == 0;
    free(got);
    T_ASSERT(same);                 /* nothing cut, one newline at the end */
    got = logged(NULL, "short");
    snprintf(want, sizeof want, "hostmix[%d] error: short!\n", (int)getpid());
    same = got && strcmp(got, want) == 0;
    free(got);
    T_ASSERT(same);
}
