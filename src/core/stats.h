/* stats.h — the small statistics repeats and compare need: mean, sample
 * standard deviation, Student's t distribution (CDF and quantiles) and
 * Welch's unequal-variance t-test with the Welch–Satterthwaite degrees of
 * freedom.
 *
 * Written here rather than taken from GSL (libgsl, in Debian): hostmix
 * needs four functions, GSL is GPL-3 and one more runtime library, and
 * the t distribution is a few lines over the regularized incomplete beta
 * function (a continued fraction, Lentz's method), checked in
 * tests/unit/t_stats.c against published tables to 4 digits. */
#ifndef HOSTMIX_CORE_STATS_H
#define HOSTMIX_CORE_STATS_H

/* The summary of a sample: n values, their mean, sample standard
 * deviation (n - 1 in the denominator; NAN when n < 2) and the two-sided
 * confidence interval of the mean at the given level (half: its half
 * width, mean ± half; NAN when n < 2). */
struct stats_summary {
    int n;
    double mean, sd, level, half, lo, hi;
};

/* Welch's t-test of mean(b) - mean(a): the difference, its standard
 * error, the Welch–Satterthwaite degrees of freedom, t, the two-sided p
 * value and the confidence interval of the difference at level. */
struct stats_welch {
    double diff, se, df, t, p, level, half, lo, hi;
};

/* The arithmetic mean of x[0..n); NAN when n is 0. */
double stats_mean(const double *x, int n);
/* The sample standard deviation of x[0..n); NAN when n < 2. */
double stats_stddev(const double *x, int n);
/* The regularized incomplete beta function I_x(a, b), a, b > 0,
 * 0 <= x <= 1; NAN outside. */
double stats_betai(double a, double b, double x);
/* P(T <= t) for Student's t with df > 0 degrees of freedom (df may be
 * fractional); NAN when df <= 0. */
double stats_t_cdf(double t, double df);
/* The quantile q of Student's t with df degrees of freedom: the t with
 * P(T <= t) = q, 0 < q < 1; NAN outside. */
double stats_t_quantile(double q, double df);
/* Fills s from x[0..n) with the confidence interval at level (0.95). */
void stats_summarize(const double *x, int n, double level, struct stats_summary *s);
/* Welch's t-test of b against a at level.  Returns 0, or -1 when either
 * sample has fewer than 2 values (w is then filled with NAN). */
int stats_welch(const double *a, int na, const double *b, int nb, double level,
                struct stats_welch *w);

#endif
