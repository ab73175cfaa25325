/* main.c — runs the registered unit tests; see test.h. */
#include "test.h"
#include <stdarg.h>
#include <stdlib.h>

struct t_case { const char *name, *file; t_fn *fn; };
static struct t_case *cases;
static size_t ncases, capcases;
static int cur_failed;

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

int main(int argc, char **argv)
{
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (size_t i = 0; i < ncases; i++) {
        if (filter && !strstr(cases[i].name, filter)) continue;
        cur_failed = 0;
        cases[i].fn();
        printf("%s unit/%s\n", cur_failed ? "FAIL" : "ok  ", cases[i].name);
        fflush(stdout);
        if (cur_failed) failed++; else passed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    free(cases);
    return failed ? 1 : 0;
}
