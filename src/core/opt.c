/* opt.c — see opt.h. */
#include "core/opt.h"
#include "core/buf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define OPT_ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

struct opt_unit { const char *name; double mult; };

static const struct opt_unit int_units[] = {
    { "", 1 }, { "k", 1e3 }, { "K", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { NULL, 0 } };
static const struct opt_unit dur_units[] = {
    { "", 1e9 }, { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
    { "m", 60e9 }, { "min", 60e9 }, { "h", 3600e9 }, { NULL, 0 } };
static const struct opt_unit size_units[] = {
    { "", 1 }, { "B", 1 }, { "k", 1024.0 }, { "K", 1024.0 }, { "KiB", 1024.0 },
    { "M", 1048576.0 }, { "MiB", 1048576.0 }, { "G", 1073741824.0 },
    { "GiB", 1073741824.0 }, { "T", 1099511627776.0 }, { "TiB", 1099511627776.0 },
    { NULL, 0 } };

static const char *skip_ws(const char *s)
{
    while (isspace((unsigned char)*s)) s++;
    return s;
}

/* Parses "<number><unit>" with units from tab; the unit must match
 * exactly (case-sensitive, so "1m" is a minute and "1M" a million). */
static int parse_with_units(const char *s, const struct opt_unit *tab, const char *what,
                            const char *hint, double *out, char *err, size_t errlen)
{
    const char *p = skip_ws(s);
    if (!*p) return OPT_ERR("empty %s", what);
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno == ERANGE || !isfinite(v) || *p == '+' ||
        (end > p && (end[-1] == '.' && end - p == 1)))
        return OPT_ERR("'%s' is not a %s", s, what);
    if (strpbrk(p, "xXpP") && strpbrk(p, "xXpP") < end)
        return OPT_ERR("'%s' is not a %s", s, what);
    const char *unit = skip_ws(end);
    size_t n = 0;
    while (unit[n] && !isspace((unsigned char)unit[n])) n++;
    if (*skip_ws(unit + n)) return OPT_ERR("trailing text in '%s'", s);
    for (const struct opt_unit *t = tab; t->name; t++)
        if (strlen(t->name) == n && strncmp(t->name, unit, n) == 0) {
            *out = v * t->mult;
            return 0;
        }
    return OPT_ERR("bad unit '%.*s' in '%s' (use %s)", (int)n, unit, s, hint);
}

int opt_parse_int(const char *s, int64_t *out, char *err, size_t errlen)
{
    double v;
    if (parse_with_units(s, int_units, "number", "k, M or G", &v, err, errlen)) return -1;
    if (v != floor(v)) return OPT_ERR("'%s' is not a whole number", s);
    if (fabs(v) > 9.2e18) return OPT_ERR("'%s' is too large", s);
    *out = (int64_t)v;
    return 0;
}

int opt_parse_duration(const char *s, int64_t *ns, char *err, size_t errlen)
{
    double v;
    if (parse_with_units(s, dur_units, "duration", "us, ms, s, m or h", &v, err, errlen))
        return -1;
    if (v < 0) return OPT_ERR("negative duration '%s'", s);
    if (v > 9.2e18) return OPT_ERR("duration '%s' is too long", s);
    *ns = (int64_t)llround(v);
    return 0;
}

int opt_parse_size(const char *s, int64_t *bytes, char *err, size_t errlen)
{
    double v;
    if (parse_with_units(s, size_units, "size", "B, KiB, MiB or GiB", &v, err, errlen))
        return -1;
    if (v < 0) return OPT_ERR("negative size '%s'", s);
    if (v > 9.2e18) return OPT_ERR("size '%s' is too large", s);
    *bytes = (int64_t)llround(v);
    return 0;
}

int opt_parse_rate(const char *s, double *per_s, char *err, size_t errlen)
{
    const char *slash = strchr(s, '/');
    double div = 1;
    if (slash) {
        const char *u = skip_ws(slash + 1);
        size_t ul = strlen(u);
        while (ul && isspace((unsigned char)u[ul - 1])) ul--;
        if (ul == 1 && *u == 's') div = 1;
        else if (ul == 1 && *u == 'm') div = 60;
        else if (ul == 1 && *u == 'h') div = 3600;
        else return OPT_ERR("bad rate unit in '%s' (use /s, /m or /h)", s);
    }
    char *num = strndup(s, slash ? (size_t)(slash - s) : strlen(s));   /* freed below */
    if (!num) abort();
    double v;
    int rc = parse_with_units(num, int_units, "rate", "k or M before /s", &v, err, errlen);
    free(num);
    if (rc) return -1;
    if (v < 0) return OPT_ERR("negative rate '%s'", s);
    *per_s = v / div;
    return 0;
}

int opt_parse_percent(const char *s, double *pct, char *err, size_t errlen)
{
    static const struct opt_unit pct_units[] = { { "", 1 }, { "%", 1 }, { NULL, 0 } };
    double v;
    if (parse_with_units(s, pct_units, "percentage", "%", &v, err, errlen)) return -1;
    if (v < 0 || v > 100) return OPT_ERR("percentage '%s' is outside 0%%..100%%", s);
    *pct = v;
    return 0;
}

static int parse_qos_metric(const char *metric, const char *s, struct qos_clause *c,
                            char *err, size_t errlen);

/* One clause: METRIC OP VALUE, METRIC one of pNN[.N], mean, max, errors;
 * OP one of <=, <. */
static int parse_qos_clause(const char *s, struct qos_clause *c, char *err, size_t errlen)
{
    const char *p = skip_ws(s);
    const char *op = strchr(p, '<');
    if (!op) return OPT_ERR("QoS clause '%s' has no '<=' or '<'", s);
    size_t ml = (size_t)(op - p);
    while (ml && isspace((unsigned char)p[ml - 1])) ml--;
    if (ml == 0) return OPT_ERR("QoS clause '%s' has no metric", s);
    char *metric = strndup(p, ml);      /* freed below */
    if (!metric) abort();
    int rc = parse_qos_metric(metric, s, c, err, errlen);
    free(metric);
    if (rc) return -1;
    const char *val = op + (c->strict ? 1 : 2);
    if (c->kind == QOS_ERRORS) return opt_parse_percent(val, &c->limit_pct, err, errlen);
    if (opt_parse_duration(val, &c->limit_ns, err, errlen)) return -1;
    if (c->limit_ns == 0) return OPT_ERR("QoS limit in '%s' must be above zero", s);
    return 0;
}

/* The metric of clause s into c (kind, percentile, strict from op).
 * Returns 0 or -1 with err set. */
static int parse_qos_metric(const char *metric, const char *s, struct qos_clause *c,
                            char *err, size_t errlen)
{
    const char *op = strchr(s, '<');
    memset(c, 0, sizeof *c);
    c->strict = op[1] != '=';
    if (strcmp(metric, "errors") == 0) c->kind = QOS_ERRORS;
    else if (strcmp(metric, "mean") == 0) c->kind = QOS_MEAN;
    else if (strcmp(metric, "max") == 0) c->kind = QOS_MAX;
    else if (metric[0] == 'p' && metric[1]) {
        char *end;
        c->kind = QOS_PCTL;
        c->pct = strtod(metric + 1, &end);
        if (*end || !isdigit((unsigned char)metric[1]) || c->pct <= 0 || c->pct >= 100)
            return OPT_ERR("bad percentile '%s' in QoS clause '%s' (p1..p99.999)", metric, s);
    } else {
        return OPT_ERR("unknown QoS metric '%s' (use pNN, mean, max or errors)", metric);
    }
    return 0;
}

/* The clauses of copy (s cut at its commas, in place) into q. */
static int parse_qos_clauses(char *copy, const char *s, struct qos *q, char *err, size_t errlen)
{
    for (char *tok = copy, *next; tok; tok = next) {
        next = strchr(tok, ',');
        if (next) *next++ = '\0';
        if (q->n == QOS_MAX_CLAUSES)
            return OPT_ERR("more than %d QoS clauses", QOS_MAX_CLAUSES);
        if (!*skip_ws(tok)) return OPT_ERR("empty clause in QoS expression '%s'", s);
        if (parse_qos_clause(tok, &q->c[q->n], err, errlen)) return -1;
        q->n++;
    }
    return 0;
}

int opt_parse_qos(const char *s, struct qos *q, char *err, size_t errlen)
{
    memset(q, 0, sizeof *q);
    if (!*skip_ws(s) || strcasecmp(skip_ws(s), "none") == 0) return 0;
    char *copy = strdup(s);             /* cut into clauses; freed below */
    if (!copy) abort();
    int rc = parse_qos_clauses(copy, s, q, err, errlen);
    free(copy);
    if (rc) return -1;
    if (q->n == 0) return OPT_ERR("empty QoS expression '%s'", s);
    return 0;
}

/* ---- formatting --------------------------------------------------- */

struct numstr opt_duration_str(int64_t ns)
{
    if (ns == 0) return numstr_fmt("0s");
    if (ns % 3600000000000LL == 0) return numstr_fmt("%lldh", (long long)(ns / 3600000000000LL));
    if (ns % 60000000000LL == 0) return numstr_fmt("%lldm", (long long)(ns / 60000000000LL));
    if (ns >= 1000000000LL) return numstr_fmt("%gs", ns / 1e9);
    if (ns >= 1000000LL) return numstr_fmt("%gms", ns / 1e6);
    if (ns >= 1000LL) return numstr_fmt("%gus", ns / 1e3);
    return numstr_fmt("%lldns", (long long)ns);
}

/* s into dst of n bytes, cut to fit as snprintf would; returns dst. */
static char *opt_copy_cut(char *dst, size_t n, const char *s)
{
    size_t len = n ? strnlen(s, n - 1) : 0;
    if (n) memcpy(dst, s, len), dst[len] = '\0';
    return dst;
}

char *opt_fmt_duration(char *dst, size_t n, int64_t ns)
{
    return opt_copy_cut(dst, n, opt_duration_str(ns).s);
}

struct numstr opt_size_str(int64_t b)
{
    static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    int i = 0;
    while (i < 4 && b >= 1024 && b % 1024 == 0) b /= 1024, i++;
    return numstr_fmt("%lld%s", (long long)b, u[i]);
}

char *opt_fmt_size(char *dst, size_t n, int64_t b)
{
    return opt_copy_cut(dst, n, opt_size_str(b).s);
}

void opt_put_qos(struct buf *out, const struct qos *q)
{
    if (q->n == 0) buf_puts(out, "none");
    for (int i = 0; i < q->n; i++) {
        const struct qos_clause *c = &q->c[i];
        const struct numstr v = c->kind == QOS_ERRORS ? numstr_fmt("%g%%", c->limit_pct)
                              : opt_duration_str(c->limit_ns);
        const struct numstr m = c->kind == QOS_PCTL ? numstr_fmt("p%g", c->pct)
                              : numstr_fmt("%s", c->kind == QOS_MEAN ? "mean"
                                                 : c->kind == QOS_MAX ? "max" : "errors");
        buf_printf(out, "%s%s%s%s", i ? "," : "", m.s, c->strict ? "<" : "<=", v.s);
    }
}

char *opt_fmt_qos(char *dst, size_t n, const struct qos *q)
{
    struct buf b = BUF_INIT;
    opt_put_qos(&b, q);
    opt_copy_cut(dst, n, buf_cstr(&b));
    buf_free(&b);
    return dst;
}

char *opt_fmt_value(char *dst, size_t n, const struct opt_def *o, const void *base)
{
    const char *p = (const char *)base + o->off;
    switch (o->type) {
    case OPT_INT:      snprintf(dst, n, "%lld", (long long)*(const int64_t *)p); break;
    case OPT_U64:      snprintf(dst, n, "%llu", (unsigned long long)*(const uint64_t *)p); break;
    case OPT_DURATION: opt_fmt_duration(dst, n, *(const int64_t *)p); break;
    case OPT_SIZE:     opt_fmt_size(dst, n, *(const int64_t *)p); break;
    case OPT_RATE:     snprintf(dst, n, "%g/s", *(const double *)p); break;
    case OPT_PERCENT:  snprintf(dst, n, "%g%%", *(const double *)p); break;
    case OPT_STR:      snprintf(dst, n, "%s", p); break;
    case OPT_ENUM:     snprintf(dst, n, "%s", o->choices[*(const int *)p]); break;
    case OPT_QOS:      opt_fmt_qos(dst, n, (const struct qos *)p); break;
    case OPT_BOOL:     snprintf(dst, n, "%s", *(const int *)p ? "yes" : "no"); break;
    }
    return dst;
}

/* ---- setting values ------------------------------------------------ */

/* A limit of o's type as written: "10ms", "64MiB", "8". */
static struct numstr opt_limit_str(const struct opt_def *o, double v)
{
    if (o->type == OPT_DURATION) return opt_duration_str((int64_t)v);
    if (o->type == OPT_SIZE) return opt_size_str((int64_t)v);
    return numstr_fmt("%g", v);
}

void opt_put_range(struct buf *out, const struct opt_def *o)
{
    if (o->min <= o->max) {
        buf_printf(out, "%s..%s", opt_limit_str(o, o->min).s, opt_limit_str(o, o->max).s);
    } else if (o->type == OPT_ENUM) {
        for (int i = 0; o->choices[i]; i++)
            buf_printf(out, "%s%s", i ? ", " : "", o->choices[i]);
    }
}

char *opt_fmt_range(char *dst, size_t n, const struct opt_def *o)
{
    struct buf b = BUF_INIT;
    opt_put_range(&b, o);
    opt_copy_cut(dst, n, buf_cstr(&b));
    buf_free(&b);
    return dst;
}

static int check_range(const struct opt_def *o, double v, const char *text,
                       char *err, size_t errlen)
{
    if (o->min > o->max || (v >= o->min && v <= o->max)) return 0;
    struct buf r = BUF_INIT;
    opt_put_range(&r, o);
    int rc = OPT_ERR("%s=%s is out of range (%s)", o->name, text, buf_cstr(&r));
    buf_free(&r);
    return rc;
}

static int set_enum(const struct opt_def *o, int *slot, const char *text,
                    char *err, size_t errlen)
{
    for (int i = 0; o->choices[i]; i++)
        if (strcmp(o->choices[i], text) == 0) { *slot = i; return 0; }
    struct buf r = BUF_INIT;
    opt_put_range(&r, o);
    int rc = OPT_ERR("%s=%s is not one of: %s", o->name, text, buf_cstr(&r));
    buf_free(&r);
    return rc;
}

static const char *const bool_yes[] = { "1", "yes", "true", "on" };
static const char *const bool_no[] = { "0", "no", "false", "off" };

static int opt_is_bool_word(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (strcasecmp(s, bool_yes[i]) == 0 || strcasecmp(s, bool_no[i]) == 0) return 1;
    return 0;
}

static int set_bool(int *slot, const char *text, const char *name, char *err, size_t errlen)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(text, bool_yes[i]) == 0) { *slot = 1; return 0; }
        if (strcasecmp(text, bool_no[i]) == 0) { *slot = 0; return 0; }
    }
    return OPT_ERR("%s=%s is not a boolean (yes or no)", name, text);
}

/* Puts "NAME: " before the message already in err.  Returns -1. */
static int opt_err_named(const char *name, char *err, size_t errlen)
{
    if (!errlen) return -1;
    char *inner = strdup(err);          /* freed below */
    if (!inner) abort();
    snprintf(err, errlen, "%s: %s", name, inner);
    free(inner);
    return -1;
}

int opt_set(const struct opt_def *o, void *base, const char *text, char *err, size_t errlen)
{
    char *p = (char *)base + o->off;
    int64_t i64;
    double d;
    int rc;
    switch (o->type) {
    case OPT_INT:
        if (opt_parse_int(text, &i64, err, errlen)) return opt_err_named(o->name, err, errlen);
        if (check_range(o, (double)i64, text, err, errlen)) return -1;
        *(int64_t *)p = i64;
        break;
    case OPT_U64: {
        /* decimal, or hex with 0x; no sign, no blanks, no octal ("010" is 10) */
        char *end;
        int hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
        const char *digits = text + (hex ? 2 : 0);
        errno = 0;
        unsigned long long u = strtoull(digits, &end, hex ? 16 : 10);
        if (!isxdigit((unsigned char)*digits) || *end || errno)
            return OPT_ERR("%s=%s is not an unsigned number", o->name, text);
        *(uint64_t *)p = u;
        break;
    }
    case OPT_DURATION:
    case OPT_SIZE:
        rc = o->type == OPT_DURATION ? opt_parse_duration(text, &i64, err, errlen)
                                     : opt_parse_size(text, &i64, err, errlen);
        if (rc) return opt_err_named(o->name, err, errlen);
        if (check_range(o, (double)i64, text, err, errlen)) return -1;
        *(int64_t *)p = i64;
        break;
    case OPT_RATE:
    case OPT_PERCENT:
        rc = o->type == OPT_RATE ? opt_parse_rate(text, &d, err, errlen)
                                 : opt_parse_percent(text, &d, err, errlen);
        if (rc) return opt_err_named(o->name, err, errlen);
        if (check_range(o, d, text, err, errlen)) return -1;
        *(double *)p = d;
        break;
    case OPT_STR:
        if (strlen(text) >= o->size)
            return OPT_ERR("%s: value longer than %zu characters", o->name, o->size - 1);
        memcpy(p, text, strlen(text) + 1);
        break;
    case OPT_ENUM:
        return set_enum(o, (int *)p, text, err, errlen);
    case OPT_QOS:
        if (opt_parse_qos(text, (struct qos *)p, err, errlen))
            return opt_err_named(o->name, err, errlen);
        break;
    case OPT_BOOL:
        return set_bool((int *)p, text, o->name, err, errlen);
    }
    return 0;
}

const struct opt_def *opt_find(const struct opt_def *t, const char *name)
{
    for (; t->name; t++)
        if (strcmp(t->name, name) == 0) return t;
    return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63) return 99;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *opt_suggest(const struct opt_def *t, const char *name)
{
    const char *best = NULL;
    size_t bestd = 3;   /* suggest only near misses */
    for (; t->name; t++) {
        size_t d = edit_distance(name, t->name);
        if (d < bestd) bestd = d, best = t->name;
    }
    return best;
}

int opt_defaults(const struct opt_def *t, void *base, unsigned section)
{
    for (; t->name; t++) {
        if (section && !(t->sections & section)) continue;
        if (t->def && opt_set(t, base, t->def, NULL, 0)) return -1;   /* no message wanted */
    }
    return 0;
}

/* ---- command lines ------------------------------------------------- */

static const char *opt_type_name(enum opt_type t)
{
    static const char *const n[] = { "int", "time", "size", "rate", "percent",
                                     "str", "enum", "qos", "bool", "int" };
    return n[t];
}

void opt_print_help(FILE *f, const struct opt_def *t, unsigned section)
{
    for (; t->name; t++) {
        if (section && !(t->sections & section)) continue;
        fprintf(f, "  %-16s %-7s %s", t->name, opt_type_name(t->type), t->help);
        if (t->type == OPT_ENUM) {
            fprintf(f, " (");
            for (int i = 0; t->choices[i]; i++) fprintf(f, "%s%s", i ? ", " : "", t->choices[i]);
            fprintf(f, ")");
        }
        if (t->def && *t->def) fprintf(f, " [default %s]", t->def);
        fputc('\n', f);
    }
}

int opt_parse_argv(const struct opt_def *table, void *base, int argc, char **argv,
                   const char *usage, int *optind_out)
{
    size_t n = 0;
    for (const struct opt_def *t = table; t->name; t++) n++;
    struct option *lo = calloc(n + 2, sizeof *lo);
    if (!lo) abort();
    for (size_t i = 0; i < n; i++) {
        lo[i].name = table[i].name;
        lo[i].has_arg = table[i].type == OPT_BOOL ? optional_argument : required_argument;
        lo[i].val = 0x100 + (int)i;
    }
    lo[n].name = "help";
    lo[n].val = 'h';
    opt_defaults(table, base, 0);
    int rc = 0, c, idx;
    optind = 0;         /* 0, not 1: glibc then also forgets a half-read "-abc" */
    opterr = 0;
    while (rc == 0 && (c = getopt_long(argc, argv, "+h", lo, &idx)) != -1) {
        char err[256] = "";
        if (c == 'h') {
            printf("usage: %s\n\noptions:\n", usage);
            opt_print_help(stdout, table, 0);
            rc = 1;
        } else if (c >= 0x100) {
            const struct opt_def *o = &table[c - 0x100];
            const char *v = optarg ? optarg : "yes";
            /* "--sync no": a bool's value may also be the next word */
            if (!optarg && o->type == OPT_BOOL && optind < argc && opt_is_bool_word(argv[optind]))
                v = argv[optind++];
            if (opt_set(o, base, v, err, sizeof err)) {
                fprintf(stderr, "hostmix: --%s: %s\n", o->name, err);
                rc = 2;
            }
        } else {
            const char *bad = argv[optind - 1];
            const char *name = bad + strspn(bad, "-");
            char *nm = strndup(name, strcspn(name, "="));   /* freed below */
            if (!nm) abort();
            const char *sug = opt_suggest(table, nm);
            if (c == ':' || (opt_find(table, nm) && !optarg))
                fprintf(stderr, "hostmix: option '%s' needs a value\n", bad);
            else
                fprintf(stderr, "hostmix: unknown option '%s'%s%s%s\nusage: %s\n", bad,
                        sug ? " (did you mean --" : "", sug ? sug : "", sug ? "?)" : "", usage);
            free(nm);
            rc = 2;
        }
    }
    if (optind_out) *optind_out = optind;
    free(lo);
    return rc;
}
