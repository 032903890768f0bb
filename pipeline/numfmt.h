/* numfmt.h - numbers in and out: parsing fields, comparing them, printing
 * decimals and shortest reals.
 *
 * A field is a number when it is an optional sign, digits with an optional
 * fraction (`12`, `-3.50`, `.5`, `7.`) and an optional exponent (`1e5`).
 * Nothing else is: no spaces, no thousands separators, no `nan` or `inf`.
 * Integers and decimals become an exact scaled 128-bit integer (value =
 * mant / 10^scale); exponent notation, and decimals too long for that, become
 * a double. Nothing here depends on the C library's locale.
 *
 * Sums, means, variances and exact comparisons of these numbers are
 * exact.h's. The two modules lean on each other in two places only:
 * exact.h is built on struct num, and num_cmp settles the rare tie of a
 * decimal and a real whose nearest doubles are equal with exact.c's
 * exact_xnum_cmp; every decimal text, exact.c's wide sums included, is written by
 * num_fmt_mag here.
 *
 * Threading: all functions are pure or touch only their arguments.
 */
#ifndef PCSV_NUMFMT_H
#define PCSV_NUMFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef __int128 i128;

enum num_kind { NUM_NONE = 0, NUM_DEC, NUM_DBL };

struct num {
    i128 mant; /* NUM_DEC: value = mant / 10^scale */
    double d;  /* NUM_DBL: the value */
    int16_t scale;
    uint8_t kind; /* enum num_kind */
};

/* The largest decimal scale kept exactly; longer fractions are doubles. */
#define NUM_MAX_SCALE 30

/* 10^k for 0 <= k <= 38. */
i128 num_pow10(int k);

/* Parse p[0, n). Returns the kind (NUM_NONE when not a number, also for an
 * empty field). */
int num_parse(const uint8_t *p, size_t n, struct num *out);

/* The nearest double to mant / 10^scale. */
double num_dec_to_double(i128 mant, int scale);
/* The value of a parsed number as the nearest double. */
double num_to_double(const struct num *x);

/* Compare two parsed numbers: <0, 0, >0. Exact: a decimal and a real
 * compare by their exact values (so 0.1 < 1e-1, whose double is a little
 * more than 0.1), which keeps the order total. */
int num_cmp(const struct num *a, const struct num *b);

/* Write mant / 10^scale with exactly `scale` fraction digits. Returns the
 * length written; buf needs 48 bytes. */
size_t num_fmt_dec(char *buf, i128 mant, int scale);
/* Shortest text that reads back as x: plain for 1e-6 <= |x| < 1e15 (no
 * trailing ".0"), else d.ddde+N / d.ddde-N; never "-0". buf needs 40 bytes. */
size_t num_fmt_double(char *buf, double x);
/* Write m / 10^scale, m a 256-bit magnitude (little-endian words, divided
 * down to zero on the way), with exactly `scale` fraction digits and a '-'
 * in front when neg and the value is not zero: the one routine behind every
 * decimal pcsv prints (num_fmt_dec, exact_wide_fmt_dec). Returns the length
 * written; buf needs 100 bytes (48 when m < 2^128 and scale <= 38). */
size_t num_fmt_mag(char *buf, uint64_t m[4], bool neg, int scale);
/* num_fmt_mag of v (the common case of a count or a sum in one word),
 * without the 256-bit set-up. buf needs 48 bytes (100 when scale > 38). */
size_t num_fmt_i64(char *buf, int64_t v, int scale);

#endif
