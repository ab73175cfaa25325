/* rng.c — see rng.h. */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(struct rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
    uint64_t x = seed ^ (a * 0xd1342543de82ef95ULL) ^ (b * 0xaf251af3b0f025b5ULL);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t rng_below(struct rng *r, uint64_t n)
{
    uint64_t limit = -n % n;        /* 2^64 mod n: reject the short tail */
    uint64_t x;
    do x = rng_next(r); while (x < limit);
    return x % n;
}

double rng_unit(struct rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

double rng_exp(struct rng *r, double mean) { return -mean * log1p(-rng_unit(r)); }

int rng_pick(struct rng *r, const double *w, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) sum += w[i];
    double x = rng_unit(r) * sum;
    int last = n - 1;
    for (int i = 0; i < n; i++) {
        if (w[i] > 0) last = i;
        if (x < w[i]) return i;
        x -= w[i];
    }
    return last;    /* rounding left x >= 0: the last positive weight, never a zero one */
}
