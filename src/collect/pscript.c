/* pscript.c — the `perf script` line parser (pscript.h). */
#include "collect/pscript.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Copies [p, p+len) into dst (n bytes), truncating. */
static void ps_copy(char *dst, size_t n, const char *p, size_t len)
{
    if (len >= n) len = n - 1;
    memcpy(dst, p, len);
    dst[len] = '\0';
}

/* The number of decimal digits at p. */
static size_t ps_digits(const char *p)
{
    size_t k = 0;
    while (isdigit((unsigned char)p[k])) k++;
    return k;
}

/* The length of a process or thread id at p: digits, or -1 (perf's
 * "unknown"); 0 when there is none. */
static size_t ps_id_len(const char *p)
{
    size_t neg = p[0] == '-', d = ps_digits(p + neg);
    return d ? neg + d : 0;
}

/* Finds " PID/TID [CPU]" in line: returns where PID starts and sets *cpu_end
 * just after ']', or NULL. */
static const char *ps_find_ids(const char *line, const char **cpu_end)
{
    for (const char *b = strchr(line, '['); b; b = strchr(b + 1, '[')) {
        size_t d = ps_digits(b + 1);
        if (!d || b[1 + d] != ']' || b == line || b[-1] != ' ') continue;
        const char *q = b - 1;
        while (q > line && q[-1] == ' ') q--;
        const char *e = q;                      /* end of PID/TID */
        while (q > line && q[-1] != ' ') q--;
        const char *slash = memchr(q, '/', (size_t)(e - q));
        if (!slash || ps_id_len(q) != (size_t)(slash - q) || !ps_id_len(slash + 1) ||
            slash + 1 + ps_id_len(slash + 1) != e)
            continue;
        *cpu_end = b + 2 + d;
        return q;
    }
    return NULL;
}

/* Parses "SECS.NANOS:" at p into *ns; returns the byte after ':' or NULL. */
static const char *ps_time(const char *p, int64_t *ns)
{
    size_t a = ps_digits(p);
    if (!a || a > 12 || p[a] != '.') return NULL;
    size_t b = ps_digits(p + a + 1);
    if (!b || b > 9 || p[a + 1 + b] != ':') return NULL;
    int64_t s = strtoll(p, NULL, 10), frac = strtoll(p + a + 1, NULL, 10);
    for (size_t k = b; k < 9; k++) frac *= 10;
    *ns = s * 1000000000LL + frac;
    return p + a + 2 + b;
}

static const char *ps_blanks(const char *p)
{
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* Parses "COMM PID/TID [CPU] SECS.NS:" into h (zeroed first); returns
 * the first non-blank after it, or NULL. */
static const char *ps_parse_prefix(const char *line, struct ps_head *h)
{
    memset(h, 0, sizeof *h);
    h->trace = "";
    if (!line[0] || line[0] == ' ' || line[0] == '\t') return NULL;
    const char *cpu_end, *ids = ps_find_ids(line, &cpu_end);
    if (!ids) return NULL;
    const char *ce = ids;
    while (ce > line && ce[-1] == ' ') ce--;
    ps_copy(h->comm, sizeof h->comm, line, (size_t)(ce - line));
    h->pid = atoi(ids);
    h->tid = atoi(strchr(ids, '/') + 1);
    h->cpu = atoi(strchr(ids, '[') ? strchr(ids, '[') + 1 : "0");
    const char *p = ps_time(ps_blanks(cpu_end), &h->t_ns);
    return p ? ps_blanks(p) : NULL;
}

int ps_parse_lost(const char *line, struct ps_head *h, uint64_t *lost)
{
    static const char tag[] = "PERF_RECORD_LOST lost ";
    const char *p = ps_parse_prefix(line, h);
    if (!p || strncmp(p, tag, sizeof tag - 1)) return -1;
    p += sizeof tag - 1;
    size_t d = ps_digits(p);
    if (!d || d > 19 || ps_blanks(p + d)[0]) return -1;
    *lost = strtoull(p, NULL, 10);
    return 0;
}

int ps_parse_head(const char *line, struct ps_head *h)
{
    const char *p = ps_parse_prefix(line, h);
    if (!p) return -1;
    size_t d = ps_digits(p);
    if (d && (p[d] == ' ' || p[d] == '\t')) {       /* the period (absent for some events) */
        h->period = strtoull(p, NULL, 10);
        p = ps_blanks(p + d);
    }
    size_t e = strcspn(p, " \t");
    if (!e || p[e - 1] != ':') return -1;
    ps_copy(h->event, sizeof h->event, p, e - 1);
    h->trace = p[e] ? p + e + 1 : p + e;
    return 0;
}

int ps_parse_frame(const char *line, struct ps_frame *f)
{
    memset(f, 0, sizeof *f);
    if (line[0] != ' ' && line[0] != '\t') return -1;
    const char *p = ps_blanks(line);
    size_t x = strspn(p, "0123456789abcdefABCDEF");
    if (!x || x > 16 || p[x] != ' ') return -1;
    f->ip = strtoull(p, NULL, 16);
    f->kernel = f->ip >= 0xffff800000000000ull;
    p += x + 1;
    size_t len = strlen(p);
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\r')) len--;
    if (!len || p[len - 1] != ')') return -1;
    const char *open = NULL;
    for (const char *q = p; q + 1 < p + len; q++)
        if (q[0] == ' ' && q[1] == '(') open = q;
    if (!open && p[0] == '(') open = p - 1;         /* no symbol at all */
    if (!open) return -1;
    ps_copy(f->sym, sizeof f->sym, p, open >= p ? (size_t)(open - p) : 0);
    if (!f->sym[0]) snprintf(f->sym, sizeof f->sym, "[unknown]");
    ps_copy(f->dso, sizeof f->dso, open + 2, (size_t)(p + len - 1 - (open + 2)));
    return 0;
}

/* Whether p starts " word=" or " ==> " (the end of a field's value). */
static int ps_field_end(const char *p)
{
    if (p[0] != ' ') return 0;
    if (!strncmp(p, " ==> ", 5)) return 1;
    size_t k = 1;
    while (isalnum((unsigned char)p[k]) || p[k] == '_') k++;
    return k > 1 && p[k] == '=';
}

int ps_trace_field(const char *trace, const char *key, char *dst, size_t n)
{
    size_t kl = strlen(key);
    dst[0] = '\0';
    for (const char *p = trace; (p = strstr(p, key)) != NULL; p++) {
        if ((p != trace && p[-1] != ' ') || p[kl] != '=') continue;
        const char *v = p + kl + 1, *e = v;
        while (*e && !ps_field_end(e)) e++;
        ps_copy(dst, n, v, (size_t)(e - v));
        return 0;
    }
    return -1;
}

long long ps_trace_num(const char *trace, const char *key, long long def)
{
    char v[32], *end;
    if (ps_trace_field(trace, key, v, sizeof v) || !v[0]) return def;
    long long x = strtoll(v, &end, 10);
    return *end ? def : x;
}
