/* t_hist.c — the latency histogram, and the proof of its error bound.
 *
 * The bound in hist.h is checked two ways: bucket by bucket (every bucket
 * up to HIST_MAX_NS is narrow enough that its midpoint is within
 * HIST_REL_ERROR of anything in it, and the buckets tile the integers
 * without gaps), and end to end (for large uniform, log-uniform and bimodal
 * samples, hist_percentile against the exact percentile of the sorted data
 * for many p). */
#include "test.h"
#include "core/hist.h"
#include "core/rng.h"

#include <math.h>
#include <stdlib.h>

#define NVALS 200000

static struct hist h_all, h_part[3];
static int64_t vals[NVALS];

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The exact percentile as hist.h defines it: the ceil(p*n/100)-th smallest. */
static int64_t exact_pct(const int64_t *sorted, size_t n, double p)
{
    double r = p * (double)n / 100.0;
    size_t k = (size_t)ceil(r);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return sorted[k - 1];
}

/* Worst relative error of hist_percentile over many p; -1 on a count or
 * extremes mismatch.  vals[] is sorted on return. */
static double worst_error(struct hist *h, size_t n, struct rng *r, double *worst_p)
{
    static const double fixed[] = { 1e-4, 0.001, 0.01, 0.1, 1, 5, 10, 25, 33.3, 50, 66.7,
                                    75, 90, 95, 99, 99.5, 99.9, 99.99, 99.999, 100 };
    size_t nfixed = sizeof fixed / sizeof fixed[0];
    hist_init(h);
    for (size_t i = 0; i < n; i++) hist_record(h, vals[i]);
    qsort(vals, n, sizeof vals[0], cmp_i64);
    if (h->count != n || h->min != vals[0] || h->max != vals[n - 1]) return -1;
    double worst = 0;
    for (size_t i = 0; i < nfixed + 2000; i++) {
        double p = i < nfixed ? fixed[i] : 100.0 * (1.0 - rng_unit(r));    /* (0, 100] */
        int64_t want = exact_pct(vals, n, p), got = hist_percentile(h, p);
        double e = want ? fabs((double)got - (double)want) / (double)want : (got != 0);
        if (e > worst) { worst = e; *worst_p = p; }
    }
    return worst;
}

TEST(hist_buckets_tile_and_bound)
{
    int last = hist_index(HIST_MAX_NS);
    T_ASSERT(last < HIST_NBUCKETS);
    T_EQ_INT(hist_bucket_lo(0), 0);
    for (int i = 0; i <= last; i++) {
        int64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
        T_ASSERT(lo <= hi);
        T_EQ_INT(hist_index(lo), i);
        T_EQ_INT(hist_index(hi), i);
        if (i < last) T_EQ_INT(hist_bucket_lo(i + 1), hi + 1);     /* no gaps */
        /* The midpoint lo + (hi-lo)/2 is at most ceil((hi-lo)/2) from any
         * value in the bucket; relative to the smallest (lo) that must be
         * within the documented bound. */
        int64_t dist = (hi - lo + 1) / 2;
        if (lo) T_ASSERT((double)dist / (double)lo <= HIST_REL_ERROR);
        else T_EQ_INT(hi, 0);
    }
    T_ASSERT(hist_bucket_lo(last) <= HIST_MAX_NS && HIST_MAX_NS <= hist_bucket_hi(last));
    T_EQ_INT(hist_index(-7), 0);
    T_EQ_INT(hist_index(HIST_MAX_NS * 8), last);
    T_ASSERT(HIST_MAX_NS >= 60000000000LL);         /* covers 1 us .. 60 s */
}

TEST(hist_error_bound_uniform)
{
    struct rng r;
    double wp = 0;
    rng_seed(&r, 1, 0, 0);
    for (size_t i = 0; i < NVALS; i++) vals[i] = 1000 + (int64_t)rng_below(&r, 60000000000ULL);
    double w = worst_error(&h_all, NVALS, &r, &wp);
    if (w < 0 || w > HIST_REL_ERROR)
        t_fail(__FILE__, __LINE__, "uniform: worst relative error %g at p%g (bound %g)",
               w, wp, HIST_REL_ERROR);
}

TEST(hist_error_bound_log_uniform)
{
    struct rng r;
    double wp = 0, lo = log(1e3), hi = log(60e9);
    rng_seed(&r, 2, 0, 0);
    for (size_t i = 0; i < NVALS; i++) vals[i] = (int64_t)exp(lo + (hi - lo) * rng_unit(&r));
    double w = worst_error(&h_all, NVALS, &r, &wp);
    if (w < 0 || w > HIST_REL_ERROR)
        t_fail(__FILE__, __LINE__, "log-uniform: worst relative error %g at p%g (bound %g)",
               w, wp, HIST_REL_ERROR);
    /* The bound is tight enough to matter: the buckets do lose precision. */
    T_ASSERT(w > HIST_REL_ERROR / 4);
}

TEST(hist_error_bound_bimodal)
{
    struct rng r;
    double wp = 0;
    rng_seed(&r, 3, 0, 0);
    /* 90% fast (exponential around 2 ms), 10% slow (800 ms +- 200 ms). */
    for (size_t i = 0; i < NVALS; i++)
        vals[i] = rng_below(&r, 10) ? 1000 + (int64_t)rng_exp(&r, 2e6)
                                    : 600000000 + (int64_t)rng_below(&r, 400000000);
    double w = worst_error(&h_all, NVALS, &r, &wp);
    if (w < 0 || w > HIST_REL_ERROR)
        t_fail(__FILE__, __LINE__, "bimodal: worst relative error %g at p%g (bound %g)",
               w, wp, HIST_REL_ERROR);
}

TEST(hist_small_values_exact)
{
    struct rng r;
    double wp = 0;
    rng_seed(&r, 4, 0, 0);
    for (size_t i = 0; i < 50000; i++) vals[i] = (int64_t)rng_below(&r, 1 << HIST_SUB_BITS);
    T_NEAR(worst_error(&h_all, 50000, &r, &wp), 0, 0);
}

TEST(hist_merge_equals_single)
{
    struct rng r;
    rng_seed(&r, 5, 0, 0);
    hist_init(&h_all);
    for (int k = 0; k < 3; k++) hist_init(&h_part[k]);
    for (size_t i = 0; i < NVALS; i++) {
        int64_t v = (int64_t)exp(log(1e3) + 17.9 * rng_unit(&r));
        if (i % 1000 == 0) v = HIST_MAX_NS + 1 + (int64_t)i;   /* a few overflows */
        hist_record(&h_all, v);
        hist_record(&h_part[rng_below(&r, 3)], v);
    }
    struct hist *m = &h_part[0];
    hist_merge(m, &h_part[1]);
    hist_merge(m, &h_part[2]);
    struct hist empty;
    hist_init(&empty);
    hist_merge(m, &empty);
    T_EQ_INT(m->count, h_all.count);
    T_EQ_INT(m->overflow, h_all.overflow);
    T_EQ_INT(m->overflow, NVALS / 1000);
    T_EQ_INT(m->min, h_all.min);
    T_EQ_INT(m->max, h_all.max);
    T_NEAR(m->sum / h_all.sum, 1, 1e-12);
    T_ASSERT(memcmp(m->bucket, h_all.bucket, sizeof m->bucket) == 0);
    /* merging into an empty histogram copies */
    hist_init(&empty);
    hist_merge(&empty, &h_all);
    T_EQ_INT(empty.min, h_all.min);
    T_EQ_INT(empty.max, h_all.max);
    T_EQ_INT(hist_percentile(&empty, 50), hist_percentile(&h_all, 50));
}

TEST(hist_mean_min_max_exact)
{
    struct rng r;
    rng_seed(&r, 6, 0, 0);
    hist_init(&h_all);
    long double sum = 0;
    int64_t mn = INT64_MAX, mx = 0;
    for (size_t i = 0; i < NVALS; i++) {
        int64_t v = 1 + (int64_t)rng_below(&r, 5000000000ULL);
        hist_record(&h_all, v);
        sum += v;
        if (v < mn) mn = v;
        if (v > mx) mx = v;
    }
    T_NEAR(hist_mean(&h_all) / (double)(sum / NVALS), 1, 1e-12);
    T_EQ_INT(h_all.min, mn);
    T_EQ_INT(h_all.max, mx);
    T_EQ_INT(hist_percentile(&h_all, 100), mx);     /* clamped to the exact max */
    /* record_n counts n copies */
    hist_init(&h_all);
    hist_record_n(&h_all, 1234567, 10);
    hist_record_n(&h_all, 99, 0);                   /* n = 0: nothing */
    T_EQ_INT(h_all.count, 10);
    T_EQ_INT(h_all.min, 1234567);
    T_NEAR(hist_mean(&h_all), 1234567, 0);
    T_EQ_INT(hist_percentile(&h_all, 50), 1234567);
}

TEST(hist_empty)
{
    struct hist h;
    int i = -1;
    memset(&h, 0, sizeof h);            /* a zeroed struct is a valid histogram */
    T_EQ_INT(hist_percentile(&h, 50), 0);
    T_EQ_INT(hist_percentile(&h, 100), 0);
    T_NEAR(hist_mean(&h), 0, 0);
    T_EQ_INT(hist_count_le(&h, HIST_MAX_NS), 0);
    T_EQ_INT(hist_next(&h, &i, NULL, NULL, NULL), 0);
    hist_record(&h, -5);                /* negative counts as 0 */
    T_EQ_INT(h.min, 0);
    T_EQ_INT(h.max, 0);
    T_EQ_INT(h.bucket[0], 1);
}

TEST(hist_clamps_above_max)
{
    struct hist h;
    hist_init(&h);
    hist_record(&h, 1000);
    hist_record(&h, HIST_MAX_NS * 4);
    T_EQ_INT(h.overflow, 1);
    T_EQ_INT(h.max, HIST_MAX_NS * 4);           /* the true maximum is kept */
    T_EQ_INT(h.bucket[hist_index(HIST_MAX_NS)], 1);
    int64_t p = hist_percentile(&h, 100);
    T_ASSERT(p >= HIST_MAX_NS && p <= HIST_MAX_NS * (1 + HIST_REL_ERROR));
    T_EQ_INT(hist_count_le(&h, HIST_MAX_NS), 2);
    T_EQ_INT(hist_count_le(&h, 999), 0);
    T_EQ_INT(hist_count_le(&h, 1000), 1);
    T_EQ_INT(hist_count_le(&h, -1), 0);
    p = hist_percentile(&h, 50);                /* bucket [1000, 1003] */
    T_ASSERT(p >= 1000 && p <= 1000 * (1 + HIST_REL_ERROR));
}

TEST(hist_iteration)
{
    struct rng r;
    rng_seed(&r, 7, 0, 0);
    hist_init(&h_all);
    for (size_t i = 0; i < 20000; i++)
        hist_record(&h_all, (int64_t)exp(log(1e3) + 10 * rng_unit(&r)));
    int i = -1, prev = -1, visited = 0, nonempty = 0;
    int64_t lo, hi;
    uint64_t c, total = 0;
    while (hist_next(&h_all, &i, &lo, &hi, &c)) {
        T_ASSERT(i > prev);
        for (int j = prev + 1; j < i; j++) T_EQ_INT(h_all.bucket[j], 0);
        T_ASSERT(c > 0 && c == h_all.bucket[i]);
        T_EQ_INT(lo, hist_bucket_lo(i));
        T_EQ_INT(hi, hist_bucket_hi(i));
        T_EQ_INT(hist_count_le(&h_all, hi), total + c);
        total += c;
        prev = i;
        visited++;
    }
    for (int j = 0; j < HIST_NBUCKETS; j++) nonempty += h_all.bucket[j] != 0;
    T_EQ_INT(visited, nonempty);
    T_EQ_INT(total, h_all.count);
    T_EQ_INT(hist_next(&h_all, &i, &lo, &hi, &c), 0);      /* stays at the end */
}
