/* main.c — runs the registered unit tests; see test.h. */
#include "test.h"
#include <stdarg.h>
#include <stdlib.h>

struct t_case { const char *name, *file; t_fn *fn; };
static struct t_case *cases;
static size_t ncases, capcases;
static int cur_failed, cur_skipped;
static char skip_why[256];

void t_register(const char *name, const char *file, t_fn *fn)
{
    if (ncases == capcases) {
        capcases = capcases ? capcases * 2 : 64;
        cases = realloc(cases, capcases * sizeof *cases);
        if (!cases) abort();
    }
    cases[ncases++] = (struct t_case){ name, file, fn };
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    cur_failed = 1;
    fprintf(stdout, "    %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

int t_failed(void) { return cur_failed; }

void t_skip(const char *fmt, ...)
{
    va_list ap;
    cur_skipped = 1;
    va_start(ap, fmt);
    vsnprintf(skip_why, sizeof skip_why, fmt, ap);
    va_end(ap);
}

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0, skipped = 0;
    for (size_t i = 0; i < ncases; i++) {
        if (filter && !strstr(cases[i].name, filter)) continue;
        cur_failed = cur_skipped = 0;
        cases[i].fn();
        if (cur_failed) {
            printf("FAIL unit/%s\n", cases[i].name);
            failed++;
        } else if (cur_skipped) {
            printf("SKIP unit/%s: %s\n", cases[i].name, skip_why);
            skipped++;
        } else {
            printf("ok   unit/%s\n", cases[i].name);
            passed++;
        }
        fflush(stdout);
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    free(cases);
    return failed ? 1 : 0;
}
