/* hist.c — log-linear latency histogram; see hist.h.
 *
 * Bucket layout.  Let S = HIST_SUB_BITS and H = 2^(S-1) (sub-buckets per
 * octave).  Values v < 2^S have a bucket each (index v).  A value with its
 * highest set bit at position k >= S lies in the octave [2^k, 2^(k+1)),
 * which is cut into H buckets of width 2^(k-S+1); its index is
 *
 *     2^S + (k - S) * H + (v >> (k - S + 1)) - H
 *
 * i.e. the top S bits of v select the sub-bucket.  A bucket [lo, hi] with
 * width w = 2^(k-S+1) >= 2 is reported as lo + (w-1)/2 (integer division);
 * the distance to any value in it is at most w/2 = 2^(k-S) and the value is
 * at least 2^k, so the relative error is at most 2^-S = HIST_REL_ERROR. */
#include "core/hist.h"

#include <string.h>

#define SUB     HIST_SUB_BITS
#define HALF    (1 << (HIST_SUB_BITS - 1))

void hist_init(struct hist *h) { memset(h, 0, sizeof *h); }

int hist_index(int64_t ns)
{
    if (ns < 0) ns = 0;
    if (ns > HIST_MAX_NS) ns = HIST_MAX_NS;
    if (ns < (1 << SUB)) return (int)ns;
    int k = 63 - __builtin_clzll((uint64_t)ns);
    return (1 << SUB) + (k - SUB) * HALF + (int)(ns >> (k - SUB + 1)) - HALF;
}

int64_t hist_bucket_lo(int i)
{
    if (i < (1 << SUB)) return i;
    int o = (i - (1 << SUB)) / HALF, sub = (i - (1 << SUB)) % HALF;
    int k = o + SUB;
    return (int64_t)(HALF + sub) << (k - SUB + 1);
}

int64_t hist_bucket_hi(int i)
{
    if (i < (1 << SUB)) return i;
    int k = (i - (1 << SUB)) / HALF + SUB;
    return hist_bucket_lo(i) + ((int64_t)1 << (k - SUB + 1)) - 1;
}

/* The value a bucket stands for: its integer midpoint (see the top). */
static int64_t bucket_mid(int i)
{
    int64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
    return lo + (hi - lo) / 2;
}

void hist_record_n(struct hist *h, int64_t ns, uint64_t n)
{
    if (!n) return;
    if (ns < 0) ns = 0;
    if (ns > HIST_MAX_NS) h->overflow += n;
    if (!h->count || ns < h->min) h->min = ns;
    if (!h->count || ns > h->max) h->max = ns;
    h->count += n;
    h->sum += (double)ns * (double)n;
    h->bucket[hist_index(ns)] += n;
}

void hist_record(struct hist *h, int64_t ns) { hist_record_n(h, ns, 1); }

void hist_merge(struct hist *dst, const struct hist *src)
{
    if (!src->count) return;
    if (!dst->count || src->min < dst->min) dst->min = src->min;
    if (!dst->count || src->max > dst->max) dst->max = src->max;
    dst->count += src->count;
    dst->overflow += src->overflow;
    dst->sum += src->sum;
    for (int i = 0; i < HIST_NBUCKETS; i++) dst->bucket[i] += src->bucket[i];
}

/* The 1-based rank of percentile p among count values: ceil(p/100 * count)
 * clamped to [1, count].  p * count is formed first so whole percentiles of
 * whole counts are exact (95 * 100 / 100 is 95, 0.95 * 100 is not). */
static uint64_t pct_rank(double p, uint64_t count)
{
    double r = p * (double)count / 100.0;
    if (!(r > 1)) return 1;                     /* also p <= 0 and NaN */
    if (r >= (double)count) return count;
    uint64_t k = (uint64_t)r;
    return (double)k < r ? k + 1 : k;
}

int64_t hist_percentile(const struct hist *h, double p)
{
    if (!h->count) return 0;
    uint64_t rank = pct_rank(p, h->count), seen = 0;
    int i = 0;
    for (; i < HIST_NBUCKETS - 1; i++) {
        seen += h->bucket[i];
        if (seen >= rank) break;
    }
    int64_t v = bucket_mid(i);
    if (v < h->min) v = h->min;
    if (v > h->max) v = h->max;
    return v;
}

double hist_mean(const struct hist *h) { return h->count ? h->sum / (double)h->count : 0; }

uint64_t hist_count_le(const struct hist *h, int64_t ns)
{
    if (ns < 0) return 0;
    uint64_t n = 0;
    for (int i = 0, last = hist_index(ns); i <= last; i++) n += h->bucket[i];
    return n;
}

int hist_next(const struct hist *h, int *i, int64_t *lo, int64_t *hi, uint64_t *count)
{
    for (int j = *i + 1; j < HIST_NBUCKETS; j++) {
        if (!h->bucket[j]) continue;
        *i = j;
        if (lo) *lo = hist_bucket_lo(j);
        if (hi) *hi = hist_bucket_hi(j);
        if (count) *count = h->bucket[j];
        return 1;
    }
    *i = HIST_NBUCKETS;
    return 0;
}
