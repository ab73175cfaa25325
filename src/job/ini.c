/* ini.c — see ini.h. */
#include "job/ini.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define INI_MAX_LINE 4096

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

static int ini_line(char *s, int lineno, const struct ini_handler *h, void *ctx)
{
    s = trim(s);
    if (!*s || *s == ';' || *s == '#') return 0;
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (!close || *trim(close + 1)) {
            h->error(ctx, lineno, "malformed section header (expected [name])");
            return 1;
        }
        *close = '\0';
        char *name = trim(s + 1);
        if (!*name) {
            h->error(ctx, lineno, "empty section name");
            return 1;
        }
        return h->section(ctx, lineno, name) != 0;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        h->error(ctx, lineno, "expected 'name = value' or '[section]'");
        return 1;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (!*key) {
        h->error(ctx, lineno, "missing option name before '='");
        return 1;
    }
    return h->pair(ctx, lineno, key, val) != 0;
}

int ini_parse(const char *text, size_t len, const struct ini_handler *h, void *ctx)
{
    char line[INI_MAX_LINE];
    int errors = 0, lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (memchr(text + pos, '\0', n)) {
            h->error(ctx, lineno, "NUL byte in line");
            errors++;
        } else if (n >= sizeof line) {
            h->error(ctx, lineno, "line longer than 4095 bytes");
            errors++;
        } else {
            memcpy(line, text + pos, n);
            line[n] = '\0';
            if (n && line[n - 1] == '\r') line[n - 1] = '\0';
            errors += ini_line(line, lineno, h, ctx);
        }
        pos += n + (nl != NULL);
    }
    return errors;
}
