/* exact.h - exact arithmetic: sums, sums of squares, means, variances and
 * comparisons of numbers (numfmt.h) that are exact until one final rounding.
 *
 * Decimal values are summed in a 256-bit integer (struct wide), doubles in
 * long fixed-point accumulators covering every double's range (struct xsum)
 * or every square's (struct xsq). Addition into them is exact, so a total
 * does not depend on the order of the additions or on how the rows were
 * split: that is what keeps sums, means and variances byte-identical for
 * every --jobs and --chunk-size. Means, variances and interpolations are
 * then evaluated as big rationals and rounded once (exact.c's struct xb).
 *
 * Names: every function is exact_, followed by the accumulator it works on
 * (exact_wide_, exact_xsum_, exact_xsq_, exact_xnum_); results built from
 * several of them (exact_mean, exact_variance, exact_interp) have none.
 *
 * Threading: all functions are pure or touch only their arguments.
 */
#ifndef PCSV_EXACT_H
#define PCSV_EXACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include "numfmt.h"

/* A 256-bit two's complement integer: the exact sum of decimal values.
 * Addition is exact and associative (so any grouping of partial sums gives
 * the same total, and whether a total fits 128 bits does not depend on how
 * the rows were split); 2^255 is out of reach of sums of 38-digit values. */
struct wide {
    uint64_t w[4]; /* little-endian limbs */
};
static inline void exact_wide_add_i128(struct wide *a, i128 v)
{
    uint64_t v0 = (uint64_t)v, v1 = (uint64_t)((unsigned __int128)v >> 64);
    uint64_t ext = (uint64_t)((int64_t)v1 >> 63); /* sign extension of v */
#if defined(__x86_64__)
    unsigned long long r0, r1, r2, r3;
    unsigned char c = _addcarry_u64(0, a->w[0], v0, &r0);
    c = _addcarry_u64(c, a->w[1], v1, &r1);
    c = _addcarry_u64(c, a->w[2], ext, &r2);
    _addcarry_u64(c, a->w[3], ext, &r3);
    a->w[0] = r0, a->w[1] = r1, a->w[2] = r2, a->w[3] = r3;
#else
    uint64_t c, r = a->w[0] + v0;
    c = r < v0;
    a->w[0] = r;
    unsigned __int128 t = (unsigned __int128)a->w[1] + v1 + c;
    a->w[1] = (uint64_t)t;
    t = (unsigned __int128)a->w[2] + ext + (uint64_t)(t >> 64);
    a->w[2] = (uint64_t)t;
    a->w[3] += ext + (uint64_t)(t >> 64);
#endif
}
/* a += b (inline: every decoded or merged sum comes through here). */
static inline void exact_wide_add(struct wide *a, const struct wide *b)
{
#if defined(__x86_64__)
    unsigned long long r0, r1, r2, r3;
    unsigned char c = _addcarry_u64(0, a->w[0], b->w[0], &r0);
    c = _addcarry_u64(c, a->w[1], b->w[1], &r1);
    c = _addcarry_u64(c, a->w[2], b->w[2], &r2);
    _addcarry_u64(c, a->w[3], b->w[3], &r3);
    a->w[0] = r0, a->w[1] = r1, a->w[2] = r2, a->w[3] = r3;
#else
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 t = (unsigned __int128)a->w[i] + b->w[i] + carry;
        a->w[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
#endif
}
/* a *= 10^k (0 <= k <= 38). false if the result left 256 bits. */
bool exact_wide_mul_pow10(struct wide *a, int k);
/* Decimal text of a / 10^scale with exactly scale fraction digits; buf
 * needs 100 bytes. Returns the length. */
size_t exact_wide_fmt_dec(char *buf, const struct wide *a, int scale);
/* The mean a / (n 10^scale), correctly rounded. */
double exact_wide_mean(const struct wide *a, int64_t n, int scale);
/* The nearest double to a / 10^scale. */
double exact_wide_to_double(const struct wide *a, int scale);
/* a += v^2. */
void exact_wide_add_square(struct wide *a, i128 v);
/* The same, inline for |v| < 2^64 (the usual case: one multiply). */
static inline void exact_wide_add_square_fast(struct wide *a, i128 v)
{
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
#if defined(__x86_64__)
    if (!(uint64_t)(u >> 64)) {
        unsigned __int128 p = (unsigned __int128)(uint64_t)u * (uint64_t)u;
        unsigned long long r0, r1, r2, r3;
        unsigned char c = _addcarry_u64(0, a->w[0], (uint64_t)p, &r0);
        c = _addcarry_u64(c, a->w[1], (uint64_t)(p >> 64), &r1);
        c = _addcarry_u64(c, a->w[2], 0, &r2);
        _addcarry_u64(c, a->w[3], 0, &r3);
        a->w[0] = r0, a->w[1] = r1, a->w[2] = r2, a->w[3] = r3;
        return;
    }
#endif
    (void)u;
    exact_wide_add_square(a, v);
}
/* The sample variance of n > 1 values from their exact sum s1 (at scale)
 * and sum of squares s2 (at 2 * scale): (n s2 - s1^2) / (n (n - 1)),
 * computed exactly in 512 bits; a long double that rounds correctly to
 * double (64 bits, the last one sticky), and whose square root is a
 * correctly rounded stddev in all but rare ties. */
long double exact_wide_variance(const struct wide *s1, const struct wide *s2, int64_t n, int scale);

/* Exact accumulator of doubles. Zero-initialise (or exact_xsum_init) to start. */
#define XSUM_LIMBS 70
struct xsum {
    int64_t limb[XSUM_LIMBS]; /* 32-bit digits with room for carries */
    uint32_t adds;            /* additions since the last carry propagation */
    uint8_t nan, pinf, ninf;
};
void exact_xsum_init(struct xsum *s);
void exact_xsum_add(struct xsum *s, double x);
void exact_xsum_merge(struct xsum *into, const struct xsum *from);
/* The exact total rounded to the nearest double (ties to even). */
double exact_xsum_round(const struct xsum *s);
/* The exact total divided by n (> 0), correctly rounded. */
double exact_xsum_mean(const struct xsum *s, int64_t n);
/* Add x * x exactly (as the rounded square and its rounding error). */
void exact_xsum_add_square(struct xsum *s, double x);
/* The sample variance (n > 1) from the exact sums s1 of x and s2 of x^2:
 * (n s2 - s1^2) / (n (n - 1)) evaluated exactly in big integers and rounded
 * once (no cancellation, whatever the spread; the same bits for any order of
 * the values). Like exact_wide_variance, a long double that rounds correctly to
 * double. */
long double exact_xsum_variance(const struct xsum *s1, const struct xsum *s2, int64_t n);

/* Exact sums of squares of doubles: like struct xsum, with the range of
 * squares (2^-2148 to past 2^2048), so no square overflows or underflows.
 * Zero-initialise (or exact_xsq_init) to start. */
#define XSQ_LIMBS 136
struct xsq {
    int64_t limb[XSQ_LIMBS]; /* 32-bit digits at 2^(32 i - 2148), with carries */
    uint32_t adds;
    uint8_t nan, inf;
};
void exact_xsq_init(struct xsq *s);
void exact_xsq_add_square(struct xsq *s, double x);
void exact_xsq_merge(struct xsq *into, const struct xsq *from);

/* The mean (w / 10^scale + x) / n of an exact decimal sum w and an exact
 * sum of reals x (NULL: none), evaluated exactly and rounded once; n = 1
 * gives the sum. No intermediate overflows: only a result beyond the
 * double range is infinite. */
double exact_mean(const struct wide *w, int scale, const struct xsum *x, int64_t n);
/* The sample variance (n > 1) of values whose exact sums are w1 / 10^scale
 * + x1 and whose exact sums of squares are w2 / 10^(2 scale) + x2 (x1, x2
 * NULL when no real was seen): exact, rounded once (a long double that
 * rounds correctly to double, as exact_wide_variance). */
long double exact_variance(const struct wide *w1, const struct wide *w2, int scale,
                           const struct xsum *x1, const struct xsq *x2, int64_t n);
/* (a (10^dscale - r) + b r) / 10^dscale, exactly, rounded once: the linear
 * interpolation a + (b - a) f for f = r / 10^dscale (0 <= r < 10^dscale,
 * dscale <= 38). */
double exact_interp(const struct num *a, const struct num *b, i128 r, int dscale);

/* An exact number for comparisons: w / 10^scale, or the double d. */
struct xnum {
    struct wide w;
    double d;
    int scale;
    bool is_dbl;
};
void exact_xnum_of_num(struct xnum *x, const struct num *v);
/* Compare exactly: <0, 0, >0. */
int exact_xnum_cmp(const struct xnum *a, const struct xnum *b);

#endif
