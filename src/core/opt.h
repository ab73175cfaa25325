/* opt.h — one declarative option table for job files, command lines and
 * help text, in the manner of fio's fio_option table.
 *
 * An opt_def names an option, its type, where its value lives (an offset
 * into a struct the caller chooses), its default, range and help.  The
 * same table parses `name=value` lines of a job file, `--name value` on a
 * command line (opt_getopt builds the getopt_long array from it) and
 * prints `hostmix help job`. */
#ifndef HOSTMIX_OPT_H
#define HOSTMIX_OPT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <getopt.h>

#include "core/buf.h"

enum opt_type {
    OPT_INT,        /* int64_t; suffixes k (1000), M (10^6), G (10^9) */
    OPT_DURATION,   /* int64_t nanoseconds; units us, ms, s, m, h (bare number: s) */
    OPT_SIZE,       /* int64_t bytes; B, KiB, MiB, GiB (also k, M, G = 2^10..) */
    OPT_RATE,       /* double per second; "200/s", "200", "12k/s", "600/m" */
    OPT_PERCENT,    /* double 0..100; "30%" or "30" */
    OPT_STR,        /* char[len] inline; len given in opt_def.size */
    OPT_ENUM,       /* int; index into opt_def.choices */
    OPT_QOS,        /* struct qos */
    OPT_BOOL,       /* int 0/1: 1, 0, yes, no, true, false, on, off */
    OPT_U64,        /* uint64_t, full range (seeds) */
};

/* One clause of a response-time requirement. */
enum qos_kind { QOS_PCTL, QOS_MEAN, QOS_MAX, QOS_ERRORS };
struct qos_clause {
    enum qos_kind kind;
    double pct;          /* QOS_PCTL: the percentile, e.g. 95, 99.9 */
    int64_t limit_ns;    /* latency limit (PCTL, MEAN, MAX) */
    double limit_pct;    /* QOS_ERRORS: max error share in percent */
    int strict;          /* '<' rather than '<=' */
};
#define QOS_MAX_CLAUSES 8
struct qos {
    int n;
    struct qos_clause c[QOS_MAX_CLAUSES];
};

struct opt_def {
    const char *name;
    enum opt_type type;
    size_t off;                 /* offset of the value in the target struct */
    size_t size;                /* OPT_STR: capacity of the char array */
    const char *def;            /* default, as text; NULL = zero */
    double min, max;            /* range, in the type's base unit; min > max: none */
    const char *const *choices; /* OPT_ENUM: NULL-terminated */
    unsigned sections;          /* job files: bit mask of sections accepting it
                                 * (OPT_SEC_ANY: a table of one section) */
    const char *help;
};

#define OPT_NO_RANGE 1, 0

/* Parses text into the slot for opt at base.  Returns 0, or -1 with a
 * message in err ("bad unit 'kb' in '10kb' (use B, KiB, MiB, GiB)");
 * err may be NULL with errlen 0 when no message is wanted. */
int opt_set(const struct opt_def *opt, void *base, const char *text,
            char *err, size_t errlen);

/* Value parsers, shared with anything else that reads the same notations.
 * Each returns 0 or -1 with a message in err (err NULL with errlen 0: no
 * message, for a caller that only needs the verdict). */
int opt_parse_int(const char *s, int64_t *out, char *err, size_t errlen);
int opt_parse_duration(const char *s, int64_t *ns, char *err, size_t errlen);
int opt_parse_size(const char *s, int64_t *bytes, char *err, size_t errlen);
int opt_parse_rate(const char *s, double *per_s, char *err, size_t errlen);
int opt_parse_percent(const char *s, double *pct, char *err, size_t errlen);
int opt_parse_qos(const char *s, struct qos *q, char *err, size_t errlen);

/* Formats values the way they are written ("1.5s", "64MiB", "200/s",
 * "p95<=3s,errors<=1%"); returns dst. */
char *opt_fmt_duration(char *dst, size_t n, int64_t ns);
char *opt_fmt_size(char *dst, size_t n, int64_t bytes);
char *opt_fmt_qos(char *dst, size_t n, const struct qos *q);
/* The same without a caller's array: a duration or size as a numstr, a
 * QoS expression appended to out. */
struct numstr opt_duration_str(int64_t ns);
struct numstr opt_size_str(int64_t bytes);
struct buf;
void opt_put_qos(struct buf *out, const struct qos *q);
/* Formats opt's range ("1..64", "10ms..1h") or an enum's choices; "" if
 * it has neither.  Returns dst. */
char *opt_fmt_range(char *dst, size_t n, const struct opt_def *opt);
/* The same appended to out. */
void opt_put_range(struct buf *out, const struct opt_def *opt);
/* Formats the current value of opt at base. */
char *opt_fmt_value(char *dst, size_t n, const struct opt_def *opt, const void *base);

/* Looks name up in a table terminated by an entry with name NULL. */
const struct opt_def *opt_find(const struct opt_def *table, const char *name);
/* The closest name by edit distance (for "did you mean"), or NULL. */
const char *opt_suggest(const struct opt_def *table, const char *name);
/* Applies every default of the table to base.  Returns 0 (defaults are
 * checked by tests). */
int opt_defaults(const struct opt_def *table, void *base, unsigned section);

/* Command lines: parses argv (after the command word) with getopt_long
 * into base using table; every option takes a value except OPT_BOOL, which
 * may stand alone.  "--help" prints usage and the table; returns 1 then,
 * 0 on success and 2 (after printing the error) on bad usage.  *optind_out
 * receives the index of the first non-option argument. */
int opt_parse_argv(const struct opt_def *table, void *base, int argc, char **argv,
                   const char *usage, int *optind_out);
/* Prints the table as help text: name, type, default, range, help. */
void opt_print_help(FILE *f, const struct opt_def *table, unsigned section);

/* opt_def.sections of a row in a table that has only one section (a
 * platform's [platform] options, a role's own options). */
#define OPT_SEC_ANY 0x7fffffffu

#endif
