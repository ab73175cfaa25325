/* t_stats.c — the statistics module (core/stats.c) against published
 * values: Student-t quantiles from the standard tables (4 digits) and the
 * three worked examples of Welch's t-test on Wikipedia's "Welch's t-test"
 * page (t, Welch–Satterthwaite degrees of freedom and p as printed there). */
#include "test.h"
#include "core/stats.h"

#include <math.h>

TEST(stats_mean_stddev)
{
    const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
    T_NEAR(stats_mean(x, 8), 5.0, 1e-12);
    T_NEAR(stats_stddev(x, 8), sqrt(32.0 / 7), 1e-12);   /* sample: n - 1 */
    T_ASSERT(isnan(stats_stddev(x, 1)));
    T_ASSERT(isnan(stats_mean(x, 0)));
}

TEST(stats_t_quantiles_table)
{
    /* two-sided 95% (q = 0.975) and one-sided 95%, 99% */
    static const struct { double q, df, t; } tab[] = {
        { 0.975, 1, 12.7062 }, { 0.975, 2, 4.3027 }, { 0.975, 3, 3.1824 },
        { 0.975, 4, 2.7764 }, { 0.975, 5, 2.5706 }, { 0.975, 9, 2.2622 },
        { 0.975, 10, 2.2281 }, { 0.975, 30, 2.0423 }, { 0.975, 120, 1.9799 },
        { 0.95, 4, 2.1318 }, { 0.95, 20, 1.7247 }, { 0.99, 4, 3.7469 },
        { 0.995, 10, 3.1693 }, { 0.9995, 5, 6.8688 },
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        T_NEAR(stats_t_quantile(tab[i].q, tab[i].df), tab[i].t, 0.00005);
        T_NEAR(stats_t_quantile(1 - tab[i].q, tab[i].df), -tab[i].t, 0.00005);
    }
    T_NEAR(stats_t_quantile(0.975, 1e7), 1.9600, 0.00005);   /* the normal limit */
    T_ASSERT(isnan(stats_t_quantile(1.0, 3)) && isnan(stats_t_quantile(0.5, 0)));
}

TEST(stats_t_cdf_round_trip)
{
    T_NEAR(stats_t_cdf(0, 3), 0.5, 1e-15);
    T_NEAR(stats_t_cdf(1, 1), 0.75, 1e-12);             /* Cauchy: 1/2 + atan(1)/pi */
    T_NEAR(stats_t_cdf(2, 2), 0.5 + 1 / sqrt(6.0), 1e-12);  /* df 2 closed form */
    for (double df = 0.7; df < 60; df *= 1.9)
        for (double q = 0.01; q < 1; q += 0.07)
            T_NEAR(stats_t_cdf(stats_t_quantile(q, df), df), q, 1e-10);
    T_NEAR(stats_betai(2, 3, 0.4), 0.5248, 1e-12);      /* 1 - sum of the binomial tail */
}

/* b against a as Wikipedia prints it (a - b there: the sign is turned). */
static int welch_case(const double *a, int na, const double *b, int nb, double t, double df,
                      double p)
{
    struct stats_welch w;
    if (stats_welch(a, na, b, nb, 0.95, &w)) return 0;
    return fabs(w.t - t) < 0.005 && fabs(w.df - df) < 0.05 && fabs(w.p - p) < 0.0005 &&
           w.lo < w.diff && w.diff < w.hi && (w.lo > 0) == (w.p < 0.05);
}

TEST(stats_welch_textbook)
{
    static const double a1[] = { 27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6,
                                 23.1, 19.6, 19.0, 21.7, 21.4 };
    static const double b1[] = { 27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2,
                                 21.9, 22.1, 22.9, 20.5, 24.4 };
    static const double a2[] = { 17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8 };
    static const double b2[] = { 21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8,
                                 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8 };
    static const double a3[] = { 19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0 };
    static const double b3[] = { 28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7,
                                 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 24.0, 13.2 };
    T_ASSERT(welch_case(a1, 15, b1, 15, 2.46, 25.0, 0.021));
    T_ASSERT(welch_case(a2, 10, b2, 20, 1.57, 9.9, 0.149));
    T_ASSERT(welch_case(a3, 10, b3, 20, 2.22, 24.5, 0.036));
}

TEST(stats_welch_edges)
{
    const double a[] = { 1, 1, 1 }, b[] = { 2, 2, 2 }, one[] = { 5 };
    struct stats_welch w;
    T_EQ_INT(stats_welch(a, 3, b, 3, 0.95, &w), 0);
    T_NEAR(w.diff, 1, 0);
    T_NEAR(w.p, 0, 0);                      /* no spread: an exact difference */
    T_EQ_INT(stats_welch(a, 3, a, 3, 0.95, &w), 0);
    T_NEAR(w.p, 1, 0);
    T_EQ_INT(stats_welch(one, 1, b, 3, 0.95, &w), -1);
    T_ASSERT(isnan(w.p));
    struct stats_summary s;
    const double x[] = { 10, 12, 11, 13, 9 };
    stats_summarize(x, 5, 0.95, &s);
    T_NEAR(s.mean, 11, 1e-12);
    T_NEAR(s.half, 2.7764 * sqrt(2.5) / sqrt(5), 0.0001);
}
