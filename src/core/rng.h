/* rng.h — a small deterministic PRNG (xoshiro256**, seeded by splitmix64).
 *
 * Data sets and request mixes draw from it, so the same seed gives the same
 * bytes and the same request sequence on every host.  Not for secrets. */
#ifndef HOSTMIX_RNG_H
#define HOSTMIX_RNG_H

#include <stdint.h>

struct rng { uint64_t s[4]; };

/* Seeds from a base seed and up to two stream numbers (e.g. set, role), so
 * independent streams never share a sequence. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream1, uint64_t stream2);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n) without modulo bias; n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform double in [0, 1). */
double rng_unit(struct rng *r);
/* Exponentially distributed with the given mean. */
double rng_exp(struct rng *r, double mean);
/* Picks an index from cumulative-free weights w[0..n-1] (sum > 0). */
int rng_pick(struct rng *r, const double *w, int n);

#endif
