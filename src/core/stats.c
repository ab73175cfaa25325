/* stats.c — mean, sample standard deviation, Student's t and Welch's
 * t-test (stats.h): the figures behind repeats (`repeat = N`) and the
 * significance `hostmix compare` states. */
#include "core/stats.h"

#include <math.h>

double stats_mean(const double *x, int n)
{
    if (n <= 0) return NAN;
    double s = 0;
    for (int i = 0; i < n; i++) s += x[i];
    return s / n;
}

double stats_stddev(const double *x, int n)
{
    if (n < 2) return NAN;
    double m = stats_mean(x, n), s = 0;
    for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
    return sqrt(s / (n - 1));
}

/* The continued fraction of I_x(a, b) by the modified Lentz method
 * (Numerical Recipes, betacf); converges fast for x < (a+1)/(a+b+2). */
static double stats_betacf(double a, double b, double x)
{
    const double tiny = 1e-300, eps = 1e-15;
    double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d;
        c = 1 + aa / c;
        if (fabs(d) < tiny) d = tiny;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d;
        c = 1 + aa / c;
        if (fabs(d) < tiny) d = tiny;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < eps) break;
    }
    return h;
}

double stats_betai(double a, double b, double x)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return NAN;
    if (x == 0 || x == 1) return x;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1) / (a + b + 2)) return bt * stats_betacf(a, b, x) / a;
    return 1 - bt * stats_betacf(b, a, 1 - x) / b;
}

double stats_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t)) return NAN;
    if (isinf(t)) return t > 0 ? 1 : 0;
    double tail = 0.5 * stats_betai(df / 2, 0.5, df / (df + t * t));   /* P(T > |t|) */
    return t > 0 ? 1 - tail : tail;
}

double stats_t_quantile(double q, double df)
{
    if (!(q > 0) || !(q < 1) || !(df > 0)) return NAN;
    if (q == 0.5) return 0;
    if (q < 0.5) return -stats_t_quantile(1 - q, df);
    double lo = 0, hi = 1;
    while (stats_t_cdf(hi, df) < q && hi < 1e300) hi *= 2;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
        double mid = (lo + hi) / 2;
        if (stats_t_cdf(mid, df) < q) lo = mid;
        else hi = mid;
    }
    return (lo + hi) / 2;
}

void stats_summarize(const double *x, int n, double level, struct stats_summary *s)
{
    s->n = n;
    s->level = level;
    s->mean = stats_mean(x, n);
    s->sd = stats_stddev(x, n);
    s->half = n >= 2 ? stats_t_quantile(0.5 + level / 2, n - 1) * s->sd / sqrt(n) : NAN;
    s->lo = s->mean - s->half;
    s->hi = s->mean + s->half;
}

int stats_welch(const double *a, int na, const double *b, int nb, double level,
                struct stats_welch *w)
{
    w->level = level;
    w->diff = w->se = w->df = w->t = w->p = w->half = w->lo = w->hi = NAN;
    if (na < 2 || nb < 2) return -1;
    double sa = stats_stddev(a, na), sb = stats_stddev(b, nb);
    double va = sa * sa / na, vb = sb * sb / nb;
    w->diff = stats_mean(b, nb) - stats_mean(a, na);
    w->se = sqrt(va + vb);
    if (w->se == 0) {               /* no spread at all: the difference is exact */
        w->df = na + nb - 2;
        w->t = w->diff == 0 ? 0 : copysign(INFINITY, w->diff);
        w->p = w->diff == 0 ? 1 : 0;
        w->half = 0;
    } else {
        w->df = (va + vb) * (va + vb) /
                (va * va / (na - 1) + vb * vb / (nb - 1));
        w->t = w->diff / w->se;
        w->p = 2 * stats_t_cdf(-fabs(w->t), w->df);
        w->half = stats_t_quantile(0.5 + level / 2, w->df) * w->se;
    }
    w->lo = w->diff - w->half;
    w->hi = w->diff + w->half;
    return 0;
}
