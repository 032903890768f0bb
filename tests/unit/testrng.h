/* testrng.h - the seeded generator the unit tests share (splitmix64):
 * deterministic, so a failing random case fails again on the next run. */
#ifndef PCSV_TESTRNG_H
#define PCSV_TESTRNG_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform enough in [0, n) for test data. */
static inline size_t rng_below(uint64_t *s, size_t n) { return (size_t)(rng_next(s) % n); }

/* Split n rows into 1 to maxpieces pieces at random cut points: piece j is
 * rows [cut[j], cut[j + 1]) (cut needs maxpieces + 1 entries; pieces may be
 * empty). Returns the number of pieces. */
static inline size_t rng_cuts(uint64_t *seed, size_t n, size_t *cut, size_t maxpieces)
{
    size_t np = 1 + rng_below(seed, maxpieces);
    cut[0] = 0;
    for (size_t j = 1; j < np; j++)
        cut[j] = rng_below(seed, n + 1);
    cut[np] = n;
    for (size_t j = 1; j < np; j++) /* insertion sort: np is small */
        for (size_t m = j; m > 0 && cut[m] < cut[m - 1]; m--) {
            size_t t = cut[m];
            cut[m] = cut[m - 1];
            cut[m - 1] = t;
        }
    return np;
}

#endif
