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

#endif
