/* roff.c — roff escaping for generated man pages; see roff.h. */
#include "core/roff.h"

void roff_puts(FILE *f, const char *s)
{
    for (int first = 1; *s; s++, first = 0) {
        if (first && (*s == '.' || *s == '\''))
            fputs("\\&", f);
        if (*s == '\\') fputs("\\e", f);
        else if (*s == '-') fputs("\\-", f);
        else if (*s == '\n') fputc(' ', f);
        else fputc(*s, f);
    }
}
