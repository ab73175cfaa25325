/* hist.h — latency histograms with log-linear buckets (HdrHistogram and
 * fio style): O(1) recording, no allocation, mergeable.
 *
 * Values are nanoseconds.  Values below 2^HIST_SUB_BITS ns are counted
 * exactly; above, each power of two is split into 2^(HIST_SUB_BITS-1)
 * equal sub-buckets, so a bucket's width is at most 1/2^(HIST_SUB_BITS-1)
 * of its lower bound.  A value reported as its bucket's midpoint is then
 * within HIST_REL_ERROR of the true value.  Error bound (proved by
 * tests/unit/t_hist.c against exact sorted data): relative error
 * <= 1 / 2^HIST_SUB_BITS = 0.39% for every value from 1 us to HIST_MAX_NS
 * (values below 2^HIST_SUB_BITS ns are exact); values above HIST_MAX_NS are
 * counted in the bucket of HIST_MAX_NS and in `overflow`, while min, max
 * and the mean keep their true values.
 *
 * A struct hist is a plain value: zero it (or hist_init) and record. */
#ifndef HOSTMIX_HIST_H
#define HOSTMIX_HIST_H

#include <stdint.h>
#include <stddef.h>

#define HIST_SUB_BITS   8
#define HIST_MAX_NS     (1LL << 37)       /* ~137 s */
#define HIST_REL_ERROR  (1.0 / (1 << HIST_SUB_BITS))
/* buckets: exact values below 2^SUB_BITS, then 2^(SUB_BITS-1) per octave */
#define HIST_NBUCKETS   ((1 << HIST_SUB_BITS) + (37 - HIST_SUB_BITS + 1) * (1 << (HIST_SUB_BITS - 1)))

struct hist {
    uint64_t count;
    uint64_t overflow;          /* values above HIST_MAX_NS (clamped) */
    int64_t min, max;           /* exact */
    double sum;                 /* exact mean = sum / count */
    uint64_t bucket[HIST_NBUCKETS];
};

void hist_init(struct hist *h);
/* Records one value (negative values count as 0). */
void hist_record(struct hist *h, int64_t ns);
void hist_record_n(struct hist *h, int64_t ns, uint64_t n);
/* dst += src */
void hist_merge(struct hist *dst, const struct hist *src);
/* The value at percentile p (0 < p <= 100): the midpoint of the bucket
 * holding the ceil(p/100 * count)-th smallest value, clamped to [min,max].
 * 0 for an empty histogram. */
int64_t hist_percentile(const struct hist *h, double p);
double hist_mean(const struct hist *h);
/* Count of values <= ns (to the bucket's resolution). */
uint64_t hist_count_le(const struct hist *h, int64_t ns);

/* Bucket index of a value and the bucket's bounds [lo, hi]. */
int hist_index(int64_t ns);
int64_t hist_bucket_lo(int i);
int64_t hist_bucket_hi(int i);

/* Iterates non-empty buckets: start with *i = -1; returns 0 at the end. */
int hist_next(const struct hist *h, int *i, int64_t *lo, int64_t *hi, uint64_t *count);

#endif
