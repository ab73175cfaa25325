/* t_opt.c — option-table corner cases: command-line parsing run twice,
 * unsigned values, long values. */
#include "test.h"
#include "core/opt.h"

#include <fcntl.h>
#include <unistd.h>

struct o_tgt { int64_t n; uint64_t seed; double rate; int flag; };

static const struct opt_def o_table[] = {
    { "n", OPT_INT, offsetof(struct o_tgt, n), 0, "1", OPT_NO_RANGE, NULL, 1, "a number" },
    { "seed", OPT_U64, offsetof(struct o_tgt, seed), 0, "1", OPT_NO_RANGE, NULL, 1, "a seed" },
    { "rate", OPT_RATE, offsetof(struct o_tgt, rate), 0, "1/s", OPT_NO_RANGE, NULL, 1, "a rate" },
    { "flag", OPT_BOOL, offsetof(struct o_tgt, flag), 0, "no", OPT_NO_RANGE, NULL, 1, "a flag" },
    { NULL, 0, 0, 0, NULL, 0, 0, NULL, 0, NULL },
};

/* opt_parse_argv with stderr silenced. */
static int parse_quiet(struct o_tgt *t, int argc, char **argv)
{
    int saved = dup(2), devnull = open("/dev/null", O_WRONLY), ind;
    dup2(devnull, 2);
    close(devnull);
    int rc = opt_parse_argv(o_table, t, argc, argv, "test", &ind);
    dup2(saved, 2);
    close(saved);
    return rc;
}

TEST(opt_argv_parsed_twice)
{
    struct o_tgt t;
    /* the first parse stops inside a cluster of short options ... */
    char a0[] = "cmd", a1[] = "-zq";
    char *bad[] = { a0, a1, NULL };
    T_EQ_INT(parse_quiet(&t, 2, bad), 2);
    /* ... which must not leak into the next parse of a different argv */
    char b1[] = "--n", b2[] = "5", b3[] = "--flag";
    char *good[] = { a0, b1, b2, b3, NULL };
    T_EQ_INT(parse_quiet(&t, 4, good), 0);
    T_EQ_INT(t.n, 5);
    T_EQ_INT(t.flag, 1);
}

TEST(opt_u64_values)
{
    struct o_tgt t = { 0 };
    char e[256];
    const struct opt_def *seed = opt_find(o_table, "seed");
    T_EQ_INT(opt_set(seed, &t, "18446744073709551615", e, sizeof e), 0);
    T_ASSERT(t.seed == UINT64_MAX);
    T_EQ_INT(opt_set(seed, &t, "010", e, sizeof e), 0);     /* decimal, not octal */
    T_EQ_INT(t.seed, 10);
    T_EQ_INT(opt_set(seed, &t, "0x10", e, sizeof e), 0);    /* explicit hex */
    T_EQ_INT(t.seed, 16);
    T_EQ_INT(opt_set(seed, &t, " -1", e, sizeof e), -1);    /* no wrap-around */
    T_EQ_INT(opt_set(seed, &t, "-1", e, sizeof e), -1);
    T_EQ_INT(opt_set(seed, &t, "", e, sizeof e), -1);
    T_EQ_INT(opt_set(seed, &t, "18446744073709551616", e, sizeof e), -1);
    T_EQ_INT(opt_set(seed, &t, "12abc", e, sizeof e), -1);
    T_ASSERT(strstr(e, "seed"));
}

TEST(opt_long_rate_not_truncated)
{
    char e[256], s[200];
    double d;
    /* trailing junk past the 64th byte must still be seen */
    snprintf(s, sizeof s, "5%70sjunk", "");
    T_EQ_INT(opt_parse_rate(s, &d, e, sizeof e), -1);
    T_EQ_INT(opt_parse_rate("5/s", &d, e, sizeof e), 0);
    T_NEAR(d, 5, 0);
}

/* A bool takes "--flag", "--flag=no" or "--flag no"; a following word
 * that is not a boolean stays an argument. */
TEST(opt_bool_value_forms)
{
    struct o_tgt t;
    char a0[] = "cmd", a1[] = "--flag", a2[] = "no", a3[] = "--n", a4[] = "7";
    char *v1[] = { a0, a1, a2, a3, a4, NULL };
    T_EQ_INT(parse_quiet(&t, 5, v1), 0);
    T_EQ_INT(t.flag, 0);
    T_EQ_INT(t.n, 7);
    char b1[] = "--flag=yes";
    char *v2[] = { a0, b1, NULL };
    T_EQ_INT(parse_quiet(&t, 2, v2), 0);
    T_EQ_INT(t.flag, 1);
    char c2[] = "file.txt";
    char *v3[] = { a0, a1, c2, NULL };
    int ind;
    T_EQ_INT(opt_parse_argv(o_table, &t, 3, v3, "test", &ind), 0);
    T_EQ_INT(t.flag, 1);
    T_EQ_INT(ind, 2);
}

TEST(opt_qos_text_forms)
{
    struct qos q;
    T_EQ_INT(opt_parse_qos("p99.9<1500ms, mean<=2m,max<1h,errors<=0.25%", &q, NULL, 0), 0);
    T_EQ_INT(opt_parse_qos("p99<=fast", &q, NULL, 0), -1);     /* no message wanted: no crash */
    T_EQ_INT(opt_parse_qos("p99.9<1500ms, mean<=2m,max<1h,errors<=0.25%", &q, NULL, 0), 0);
    struct buf b = BUF_INIT;
    opt_put_qos(&b, &q);
    char s[16];
    opt_fmt_qos(s, sizeof s, &q);               /* the array form cuts to fit */
    int same = strcmp(buf_cstr(&b), "p99.9<1.5s,mean<=2m,max<1h,errors<=0.25%") == 0;
    buf_free(&b);
    T_ASSERT(same);
    T_EQ_STR(s, "p99.9<1.5s,mean");
    T_EQ_STR(opt_duration_str(0).s, "0s");
    T_EQ_STR(opt_duration_str(1500).s, "1.5us");
    T_EQ_STR(opt_duration_str(7200000000000LL).s, "2h");
    char d[3];
    T_EQ_STR(opt_fmt_duration(d, sizeof d, 250000000), "25");     /* "250ms" cut to fit */
    q.n = 0;
    opt_put_qos(&b, &q);
    T_EQ_STR(buf_cstr(&b), "none");
    buf_free(&b);
}
