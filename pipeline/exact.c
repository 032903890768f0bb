/* exact.c - exact arithmetic: 256-bit decimal sums, exact accumulators of
 * doubles and their squares, and the big rationals that round means,
 * variances, interpolations and comparisons once. */
#include "exact.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- 256-bit exact decimal sums ---- */

static bool wide_neg(const struct wide *a) { return a->w[3] >> 63; }

static void wide_negate(struct wide *a)
{
    uint64_t carry = 1;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 t = (unsigned __int128)(~a->w[i]) + carry;
        a->w[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
}

/* |a| *= m (m < 2^32); false on overflow past 255 bits. */
static bool mag_mul_small(struct wide *a, uint64_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 t = (unsigned __int128)a->w[i] * m + carry;
        a->w[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    return carry == 0 && !(a->w[3] >> 63);
}

bool exact_wide_mul_pow10(struct wide *a, int k)
{
    bool neg = wide_neg(a);
    if (neg)
        wide_negate(a);
    bool ok = true;
    while (k > 0 && ok) {
        int step = k > 9 ? 9 : k;
        ok = mag_mul_small(a, (uint64_t)num_pow10(step));
        k -= step;
    }
    if (neg)
        wide_negate(a);
    return ok;
}

size_t exact_wide_fmt_dec(char *buf, const struct wide *src, int scale)
{
    uint64_t ext = (uint64_t)((int64_t)src->w[0] >> 63);
    if (src->w[1] == ext && src->w[2] == ext && src->w[3] == ext) /* one word: no set-up */
        return num_fmt_i64(buf, (int64_t)src->w[0], scale);
    struct wide a = *src;
    bool neg = wide_neg(&a);
    if (neg)
        wide_negate(&a);
    return num_fmt_mag(buf, a.w, neg, scale);
}

/* a += |v|^2 for a 128-bit v (the square of a scaled decimal). */
void exact_wide_add_square(struct wide *a, i128 v)
{
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    uint64_t x0 = (uint64_t)u, x1 = (uint64_t)(u >> 64);
    unsigned __int128 p00 = (unsigned __int128)x0 * x0, p01 = (unsigned __int128)x0 * x1,
                      p11 = (unsigned __int128)x1 * x1;
    /* u^2 = p11 << 128 + 2 p01 << 64 + p00, as four 64-bit limbs */
    uint64_t r[4] = {(uint64_t)p00, 0, 0, 0};
    unsigned __int128 t = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p01;
    r[1] = (uint64_t)t;
    t = (t >> 64) + (p01 >> 64) + (p01 >> 64) + (uint64_t)p11;
    r[2] = (uint64_t)t;
    r[3] = (uint64_t)((t >> 64) + (p11 >> 64));
    struct wide w = {{r[0], r[1], r[2], r[3]}};
    exact_wide_add(a, &w);
}

/* ---- exact ratios of big integers ----
 * Variances are D * 2^e2 / (d1 d2 ...) for a big integer D: the result is
 * rounded once, so it is the correctly rounded value of the exact ratio. */
#define BIG_WORDS 136

static int big_bits(const uint64_t *a, int n)
{
    while (n > 0 && !a[n - 1])
        n--;
    return n ? 64 * (n - 1) + 64 - __builtin_clzll(a[n - 1]) : 0;
}

/* a (n words) <<= sh bits, into r (rn words, zero-filled beyond). */
static void big_shl(uint64_t *r, int rn, const uint64_t *a, int n, int sh)
{
    int ws = sh / 64, bs = sh % 64;
    memset(r, 0, (size_t)rn * 8);
    for (int i = 0; i < n; i++) {
        if (i + ws < rn)
            r[i + ws] |= a[i] << bs;
        if (bs && i + ws + 1 < rn)
            r[i + ws + 1] |= a[i] >> (64 - bs);
    }
}

/* The correctly rounded double of D * 2^e2 / prod(div), as a long double
 * holding 64 bits with a sticky last bit: converting it to double rounds
 * correctly, and its square root is good to the long double's precision. */
static long double big_ratio(const uint64_t *d, int n, int e2, const uint64_t *div, int ndiv)
{
    int bits = big_bits(d, n), dbits = 0;
    if (!bits)
        return 0;
    for (int i = 0; i < ndiv; i++)
        dbits += 64 - __builtin_clzll(div[i] | 1);
    int sh = dbits + 68 - bits; /* the quotient keeps at least 66 bits */
    if (sh < 0)
        sh = 0;
    uint64_t q[BIG_WORDS + 8];
    int qn = (bits + sh) / 64 + 1;
    big_shl(q, qn, d, n, sh);
    e2 -= sh;
    bool sticky = false;
    for (int k = 0; k < ndiv; k++) {
        unsigned __int128 r = 0;
        for (int i = qn - 1; i >= 0; i--) {
            unsigned __int128 cur = r << 64 | q[i];
            q[i] = (uint64_t)(cur / div[k]);
            r = cur % div[k];
        }
        sticky |= r != 0;
    }
    bits = big_bits(q, qn);
    int drop = bits - 64; /* > 0 by the choice of sh */
    uint64_t m = 0;
    for (int b = 0; b < 64; b++) {
        int at = drop + b;
        m |= (q[at / 64] >> (at % 64) & 1) << b;
    }
    for (int at = 0; at < drop && !sticky; at++)
        sticky = q[at / 64] >> (at % 64) & 1;
    m |= sticky; /* round to odd: the later rounding to 53 bits is then exact */
    return ldexpl((long double)m, e2 + drop);
}

long double exact_wide_variance(const struct wide *s1, const struct wide *s2, int64_t n, int scale)
{
    /* D = n * s2 - s1^2 over 8 limbs (s2 >= 0; |s1| < 2^255) */
    uint64_t d[8] = {0}, q[8] = {0};
    unsigned __int128 c = 0;
    for (int i = 0; i < 4; i++) {
        c += (unsigned __int128)s2->w[i] * (uint64_t)n;
        d[i] = (uint64_t)c;
        c >>= 64;
    }
    d[4] = (uint64_t)c;
    struct wide a = *s1;
    if (wide_neg(&a))
        wide_negate(&a);
    for (int i = 0; i < 4; i++) { /* q = |s1|^2 */
        unsigned __int128 carry = 0;
        for (int j = 0; j < 4; j++) {
            unsigned __int128 t = (unsigned __int128)a.w[i] * a.w[j] + q[i + j] + carry;
            q[i + j] = (uint64_t)t;
            carry = t >> 64;
        }
        for (int k = i + 4; carry && k < 8; k++) {
            unsigned __int128 t = (unsigned __int128)q[k] + carry;
            q[k] = (uint64_t)t;
            carry = t >> 64;
        }
    }
    uint64_t borrow = 0;
    for (int i = 0; i < 8; i++) { /* d -= q */
        unsigned __int128 t = (unsigned __int128)d[i] - q[i] - borrow;
        d[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    if (borrow) /* cannot happen for exact sums (Cauchy-Schwarz); be safe */
        return 0;
    /* D / (n (n - 1) 10^(2 scale)), rounded once */
    uint64_t div[8];
    int nd = 0;
    div[nd++] = (uint64_t)n;
    div[nd++] = (uint64_t)(n - 1);
    for (int k = 2 * scale; k > 0; k -= 19)
        div[nd++] = (uint64_t)num_pow10(k < 19 ? k : 19);
    return big_ratio(d, 8, 0, div, nd);
}

double exact_wide_mean(const struct wide *s1, int64_t n, int scale)
{
    struct wide a = *s1;
    bool neg = wide_neg(&a);
    if (neg)
        wide_negate(&a);
    uint64_t div[4];
    int nd = 0;
    div[nd++] = (uint64_t)n;
    for (int k = scale; k > 0; k -= 19)
        div[nd++] = (uint64_t)num_pow10(k < 19 ? k : 19);
    double m = (double)big_ratio(a.w, 4, 0, div, nd);
    return neg ? -m : m;
}

double exact_wide_to_double(const struct wide *a, int scale)
{
    /* fits 128 bits: the fast path of num_dec_to_double */
    uint64_t ext = a->w[1] >> 63 ? ~(uint64_t)0 : 0;
    if (a->w[2] == ext && a->w[3] == ext)
        return num_dec_to_double(
            (i128)((unsigned __int128)a->w[0] | (unsigned __int128)a->w[1] << 64), scale);
    char buf[100];
    exact_wide_fmt_dec(buf, a, scale);
    return strtod(buf, NULL); /* the "C" locale: pcsv never calls setlocale */
}

/* ---- exact accumulation of doubles ----
 * The value is sum(limb[i] * 2^(32 i - 1074)). A double m * 2^(e-1075)
 * lands on three consecutive limbs. Limbs are signed 64-bit so that up to
 * 2^30 additions of 32-bit pieces never overflow between normalisations. */

void exact_xsum_init(struct xsum *s) { memset(s, 0, sizeof *s); }

/* A finite double's magnitude as m 2^(off - 1074): m < 2^53, off >= 0
 * (subnormals have off 0). */
static inline uint64_t double_parts(double x, int *off)
{
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    int exp = (int)(bits >> 52 & 0x7ff);
    uint64_t m = bits & (((uint64_t)1 << 52) - 1);
    *off = 0;
    if (exp) {
        m |= (uint64_t)1 << 52;
        *off = exp - 1;
    }
    return m;
}

static void xsum_norm(int64_t *l)
{
    for (int i = 0; i < XSUM_LIMBS - 1; i++) {
        int64_t c = l[i] >> 32; /* arithmetic: floor division by 2^32 */
        l[i] -= c * ((int64_t)1 << 32);
        l[i + 1] += c;
    }
}

void exact_xsum_add(struct xsum *s, double x)
{
    if (x == 0)
        return;
    if (!isfinite(x)) {
        if (isnan(x))
            s->nan = 1;
        else if (x > 0)
            s->pinf = 1;
        else
            s->ninf = 1;
        return;
    }
    int off;
    uint64_t m = double_parts(x, &off);
    int idx = off >> 5, sh = off & 31;
    unsigned __int128 v = (unsigned __int128)m << sh;
    int64_t p0 = (int64_t)(uint32_t)v, p1 = (int64_t)(uint32_t)(v >> 32),
            p2 = (int64_t)(uint32_t)(v >> 64);
    if (signbit(x)) {
        s->limb[idx] -= p0;
        s->limb[idx + 1] -= p1;
        s->limb[idx + 2] -= p2;
    } else {
        s->limb[idx] += p0;
        s->limb[idx + 1] += p1;
        s->limb[idx + 2] += p2;
    }
    if (++s->adds >= (1u << 30)) {
        xsum_norm(s->limb);
        s->adds = 0;
    }
}

void exact_xsum_merge(struct xsum *into, const struct xsum *from)
{
    struct xsum f = *from;
    xsum_norm(f.limb);
    xsum_norm(into->limb);
    for (int i = 0; i < XSUM_LIMBS; i++)
        into->limb[i] += f.limb[i];
    into->adds = 1;
    into->nan |= f.nan;
    into->pinf |= f.pinf;
    into->ninf |= f.ninf;
}

double exact_xsum_round(const struct xsum *s)
{
    if (s->nan || (s->pinf && s->ninf))
        return NAN;
    if (s->pinf)
        return INFINITY;
    if (s->ninf)
        return -INFINITY;
    int64_t l[XSUM_LIMBS];
    memcpy(l, s->limb, sizeof l);
    xsum_norm(l);
    bool neg = l[XSUM_LIMBS - 1] < 0;
    if (neg) {
        for (int i = 0; i < XSUM_LIMBS; i++)
            l[i] = -l[i];
        xsum_norm(l);
    }
    int t = XSUM_LIMBS - 1;
    while (t >= 0 && l[t] == 0)
        t--;
    if (t < 0)
        return 0.0;
    /* top 96 bits (limbs t, t-1, t-2) and a sticky bit for the rest */
    unsigned __int128 hi = 0;
    int base = 32 * (t - 2) - 1074;
    for (int i = t; i >= t - 2; i--)
        hi = (hi << 32) | (uint64_t)(i >= 0 ? (uint32_t)l[i] : 0);
    bool sticky = false;
    for (int i = t - 3; i >= 0; i--)
        sticky |= l[i] != 0;
    int nb = 128 - (int)(hi >> 64 ? __builtin_clzll((uint64_t)(hi >> 64))
                                  : 64 + __builtin_clzll((uint64_t)hi));
    double r;
    if (nb > 53) {
        int shift = nb - 53;
        unsigned __int128 mant = hi >> shift;
        unsigned __int128 rem = hi & (((unsigned __int128)1 << shift) - 1);
        unsigned __int128 half = (unsigned __int128)1 << (shift - 1);
        if (rem > half || (rem == half && (sticky || (mant & 1))))
            mant++;
        r = ldexp((double)(uint64_t)mant, base + shift);
    } else {
        r = ldexp((double)(uint64_t)hi, base); /* exact: sticky is then 0 */
    }
    return neg ? -r : r;
}

void exact_xsum_add_square(struct xsum *s, double x)
{
    double h = x * x;
    exact_xsum_add(s, h);
    if (isfinite(h))
        exact_xsum_add(s, fma(x, x, -h)); /* the rounding error of h: h + it is x^2 exactly */
}

/* |x| as a big integer: x = A * 2^-1074. */
static int xsum_abs_big(const struct xsum *x, uint64_t *a)
{
    int64_t l[XSUM_LIMBS];
    memcpy(l, x->limb, sizeof l);
    xsum_norm(l);
    if (l[XSUM_LIMBS - 1] < 0) {
        for (int i = 0; i < XSUM_LIMBS; i++)
            l[i] = -l[i];
        xsum_norm(l);
    }
    for (int i = 0; i < XSUM_LIMBS / 2; i++)
        a[i] = (uint64_t)(uint32_t)l[2 * i] | (uint64_t)(uint32_t)l[2 * i + 1] << 32;
    return XSUM_LIMBS / 2;
}

double exact_xsum_mean(const struct xsum *s, int64_t n)
{
    double r = exact_xsum_round(s);
    if (!isfinite(r))
        return r;
    uint64_t a[XSUM_LIMBS / 2];
    int na = xsum_abs_big(s, a);
    uint64_t div[1] = {(uint64_t)n};
    double m = (double)big_ratio(a, na, -1074, div, 1);
    return r < 0 ? -m : m;
}

long double exact_xsum_variance(const struct xsum *s1, const struct xsum *s2, int64_t n)
{
    if (s1->nan || s1->pinf || s1->ninf || s2->nan || s2->pinf || s2->ninf)
        return NAN;
    /* D = n B 2^1074 - A^2, value D 2^-2148 / (n (n - 1)); with the low zero
     * words of A and B taken out first, so typical values cost a few words. */
    uint64_t a[XSUM_LIMBS / 2], b[XSUM_LIMBS / 2];
    int na = xsum_abs_big(s1, a), nb = xsum_abs_big(s2, b);
    int za = 0, zb = 0;
    while (za < na && !a[za])
        za++;
    while (zb < nb && !b[zb])
        zb++;
    if (zb == nb) /* every value 0 */
        return 0;
    /* exponents (in bits, before -2148) of the two terms' lowest words */
    long ea = za == na ? 1L << 30 : 128L * za, eb = 64L * zb + 1074;
    long base = ea < eb ? ea : eb;
    uint64_t sq[BIG_WORDS] = {0}, t[BIG_WORDS], nbv[BIG_WORDS] = {0}, dd[BIG_WORDS];
    int la = (big_bits(a, na) + 63) / 64;
    for (int i = za; i < la; i++) { /* sq = A'^2 */
        unsigned __int128 c = 0;
        for (int j = za; j < la; j++) {
            unsigned __int128 v = (unsigned __int128)a[i] * a[j] + sq[i - za + j - za] + c;
            sq[i - za + j - za] = (uint64_t)v;
            c = v >> 64;
        }
        for (int k = i - za + la - za; c && k < BIG_WORDS; k++) {
            unsigned __int128 v = (unsigned __int128)sq[k] + c;
            sq[k] = (uint64_t)v;
            c = v >> 64;
        }
    }
    int lb = (big_bits(b, nb) + 63) / 64;
    unsigned __int128 c = 0;
    for (int i = zb; i < lb; i++) { /* nbv = n B' */
        c += (unsigned __int128)b[i] * (uint64_t)n;
        nbv[i - zb] = (uint64_t)c;
        c >>= 64;
    }
    nbv[lb - zb] = (uint64_t)c;
    /* align: dd = nbv << (eb - base), t = sq << (ea - base) */
    big_shl(dd, BIG_WORDS, nbv, lb - zb + 1, (int)(eb - base));
    if (za < na)
        big_shl(t, BIG_WORDS, sq, 2 * (la - za), (int)(ea - base));
    else
        memset(t, 0, sizeof t);
    uint64_t borrow = 0;
    for (int i = 0; i < BIG_WORDS; i++) {
        unsigned __int128 v = (unsigned __int128)dd[i] - t[i] - borrow;
        dd[i] = (uint64_t)v;
        borrow = (uint64_t)(v >> 64) & 1;
    }
    if (borrow) /* cannot happen for exact sums (Cauchy-Schwarz) */
        return 0;
    uint64_t div[2] = {(uint64_t)n, (uint64_t)(n - 1)};
    return big_ratio(dd, BIG_WORDS, (int)(base - 2148), div, 2);
}

/* ---- exact squares of doubles ---- */

void exact_xsq_init(struct xsq *s) { memset(s, 0, sizeof *s); }

static void xsq_norm(int64_t *l)
{
    for (int i = 0; i < XSQ_LIMBS - 1; i++) {
        int64_t c = l[i] >> 32;
        l[i] -= c * ((int64_t)1 << 32);
        l[i + 1] += c;
    }
}

void exact_xsq_add_square(struct xsq *s, double x)
{
    if (x == 0)
        return;
    if (!isfinite(x)) {
        if (isnan(x))
            s->nan = 1;
        else
            s->inf = 1;
        return;
    }
    int off;
    uint64_t m = double_parts(x, &off);
    /* x = m 2^(off - 1074), x^2 = m^2 2^(2 off - 2148) */
    unsigned __int128 p = (unsigned __int128)m * m; /* < 2^106 */
    int at = 2 * off, idx = at >> 5, sh = at & 31;
    unsigned __int128 lo = (unsigned __int128)(uint64_t)p << sh;         /* < 2^95 */
    unsigned __int128 hi = (unsigned __int128)(uint64_t)(p >> 64) << sh; /* < 2^73: 42 + 31 bits */
    s->limb[idx] += (int64_t)(uint32_t)lo;
    s->limb[idx + 1] += (int64_t)(uint32_t)(lo >> 32);
    s->limb[idx + 2] += (int64_t)(uint32_t)(lo >> 64) + (int64_t)(uint32_t)hi;
    s->limb[idx + 3] += (int64_t)(uint32_t)(hi >> 32);
    s->limb[idx + 4] += (int64_t)(uint32_t)(hi >> 64);
    if (++s->adds >= (1u << 29)) {
        xsq_norm(s->limb);
        s->adds = 0;
    }
}

void exact_xsq_merge(struct xsq *into, const struct xsq *from)
{
    xsq_norm(into->limb);
    int64_t f[XSQ_LIMBS];
    memcpy(f, from->limb, sizeof f);
    xsq_norm(f);
    for (int i = 0; i < XSQ_LIMBS; i++)
        into->limb[i] += f[i];
    into->adds = 1;
    into->nan |= from->nan;
    into->inf |= from->inf;
}

/* ---- exact rationals ----
 * struct xb is a signed big integer times a power of two. Results are
 * (xb) / (product of divisors), rounded once by big_ratio. */
#define XB_WORDS 128

struct xb {
    uint64_t w[XB_WORDS]; /* magnitude, little-endian; words from n on are 0 */
    int n;
    long e2; /* value = +-w 2^e2 */
    bool neg;
};

/* Drop high zero words, and low zero words into the exponent. */
static void xb_trim(struct xb *x)
{
    while (x->n > 0 && !x->w[x->n - 1])
        x->n--;
    int z = 0;
    while (z < x->n && !x->w[z])
        z++;
    if (z) {
        memmove(x->w, x->w + z, (size_t)(x->n - z) * 8);
        memset(x->w + x->n - z, 0, (size_t)z * 8);
        x->n -= z;
        x->e2 += 64L * z;
    }
    if (!x->n) {
        x->neg = false;
        x->e2 = 0;
    }
}

static void xb_zero(struct xb *x)
{
    memset(x->w, 0, sizeof x->w);
    x->n = 0;
    x->e2 = 0;
    x->neg = false;
}

static void xb_from_u128(struct xb *x, unsigned __int128 u, bool neg)
{
    xb_zero(x);
    x->w[0] = (uint64_t)u;
    x->w[1] = (uint64_t)(u >> 64);
    x->n = 2;
    x->neg = neg;
    xb_trim(x);
}

static void xb_from_i128(struct xb *x, i128 v)
{
    xb_from_u128(x, v < 0 ? -(unsigned __int128)v : (unsigned __int128)v, v < 0);
}

static void xb_from_wide(struct xb *x, const struct wide *w)
{
    struct wide a = *w;
    bool neg = wide_neg(&a);
    if (neg)
        wide_negate(&a);
    xb_zero(x);
    memcpy(x->w, a.w, sizeof a.w);
    x->n = 4;
    x->neg = neg;
    xb_trim(x);
}

static void xb_from_double(struct xb *x, double d)
{
    int e;
    double f = frexp(fabs(d), &e); /* d = f 2^e, 0.5 <= f < 1 */
    xb_from_u128(x, (uint64_t)ldexp(f, 53), d < 0);
    x->e2 += e - 53;
    if (!x->n)
        x->e2 = 0;
}

/* Limbs of 32-bit digits (signed, with carries) at 2^base as an xb. */
static void xb_from_limbs(struct xb *x, int64_t *l, int nl, long base)
{
    bool neg = l[nl - 1] < 0;
    if (neg) {
        for (int i = 0; i < nl; i++)
            l[i] = -l[i];
    }
    for (int i = 0; i < nl - 1; i++) { /* normalise */
        int64_t c = l[i] >> 32;
        l[i] -= c * ((int64_t)1 << 32);
        l[i + 1] += c;
    }
    xb_zero(x);
    for (int i = 0; i < nl; i += 2)
        x->w[i / 2] = (uint64_t)(uint32_t)l[i] |
                      (i + 1 < nl ? (uint64_t)(uint32_t)l[i + 1] << 32 : 0);
    x->n = (nl + 1) / 2;
    x->e2 = base;
    x->neg = neg;
    xb_trim(x);
}

static void xb_from_xsum(struct xb *x, const struct xsum *s)
{
    int64_t l[XSUM_LIMBS];
    memcpy(l, s->limb, sizeof l);
    xsum_norm(l);
    xb_from_limbs(x, l, XSUM_LIMBS, -1074);
}

static void xb_from_xsq(struct xb *x, const struct xsq *s)
{
    int64_t l[XSQ_LIMBS];
    memcpy(l, s->limb, sizeof l);
    xsq_norm(l);
    xb_from_limbs(x, l, XSQ_LIMBS, -2148);
}

/* |x| *= m. false when the result no longer fits. */
static bool xb_mul_u64(struct xb *x, uint64_t m)
{
    unsigned __int128 c = 0;
    for (int i = 0; i < x->n; i++) {
        c += (unsigned __int128)x->w[i] * m;
        x->w[i] = (uint64_t)c;
        c >>= 64;
    }
    if (c) {
        if (x->n >= XB_WORDS)
            return false;
        x->w[x->n++] = (uint64_t)c;
    }
    xb_trim(x);
    return true;
}

static bool xb_mul_pow10(struct xb *x, int k)
{
    bool ok = true;
    for (; k > 0 && ok; k -= 19)
        ok = xb_mul_u64(x, (uint64_t)num_pow10(k < 19 ? k : 19));
    return ok;
}

/* r = a b (r may not be a or b). */
static bool xb_mul(struct xb *r, const struct xb *a, const struct xb *b)
{
    xb_zero(r);
    if (!a->n || !b->n)
        return true;
    if (a->n + b->n > XB_WORDS)
        return false;
    for (int i = 0; i < a->n; i++) {
        unsigned __int128 c = 0;
        for (int j = 0; j < b->n; j++) {
            c += (unsigned __int128)a->w[i] * b->w[j] + r->w[i + j];
            r->w[i + j] = (uint64_t)c;
            c >>= 64;
        }
        r->w[i + b->n] = (uint64_t)c;
    }
    r->n = a->n + b->n;
    r->e2 = a->e2 + b->e2;
    r->neg = a->neg != b->neg;
    xb_trim(r);
    return true;
}

/* |x| <<= sh bits (in place). */
static bool xb_shl(struct xb *x, long sh)
{
    if (!x->n || !sh)
        return true;
    int ws = (int)(sh / 64), bs = (int)(sh % 64);
    if (x->n + ws + 1 > XB_WORDS)
        return false;
    for (int i = x->n + ws; i >= 0; i--) {
        uint64_t v = 0;
        int s = i - ws;
        if (s >= 0 && s < x->n)
            v = x->w[s] << bs;
        if (bs && s - 1 >= 0 && s - 1 < x->n)
            v |= x->w[s - 1] >> (64 - bs);
        x->w[i] = v;
    }
    x->n += ws + 1;
    x->e2 -= sh;
    while (x->n > 0 && !x->w[x->n - 1])
        x->n--;
    return true;
}

/* Bring a and b (copies) to the same exponent. */
static bool xb_align(struct xb *a, struct xb *b)
{
    if (!a->n || !b->n) {
        if (!a->n)
            a->e2 = b->e2;
        else
            b->e2 = a->e2;
        return true;
    }
    if (a->e2 > b->e2)
        return xb_shl(a, a->e2 - b->e2);
    return xb_shl(b, b->e2 - a->e2);
}

static int mag_cmp(const uint64_t *a, const uint64_t *b, int n)
{
    for (int i = n - 1; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

/* r = a + b (r may be a). */
static bool xb_add(struct xb *r, const struct xb *a0, const struct xb *b0)
{
    struct xb a = *a0, b = *b0;
    if (!xb_align(&a, &b))
        return false;
    int n = a.n > b.n ? a.n : b.n;
    if (a.neg == b.neg) {
        unsigned __int128 c = 0;
        for (int i = 0; i < n; i++) {
            c += (unsigned __int128)a.w[i] + b.w[i];
            a.w[i] = (uint64_t)c;
            c >>= 64;
        }
        a.n = n;
        if (c) {
            if (n >= XB_WORDS)
                return false;
            a.w[a.n++] = (uint64_t)c;
        }
        *r = a;
        xb_trim(r);
        return true;
    }
    struct xb *big = &a, *small = &b;
    if (mag_cmp(a.w, b.w, n) < 0)
        big = &b, small = &a;
    uint64_t borrow = 0;
    for (int i = 0; i < n; i++) {
        unsigned __int128 t = (unsigned __int128)big->w[i] - small->w[i] - borrow;
        big->w[i] = (uint64_t)t;
        borrow = (uint64_t)(t >> 64) & 1;
    }
    big->n = n;
    *r = *big;
    xb_trim(r);
    return true;
}

static int xb_cmp(const struct xb *a0, const struct xb *b0)
{
    int sa = a0->n ? (a0->neg ? -1 : 1) : 0, sb = b0->n ? (b0->neg ? -1 : 1) : 0;
    if (sa != sb || !sa)
        return (sa > sb) - (sa < sb);
    struct xb a = *a0, b = *b0;
    xb_align(&a, &b); /* cannot fail for numbers built from our inputs */
    int n = a.n > b.n ? a.n : b.n;
    int c = mag_cmp(a.w, b.w, n);
    return sa < 0 ? -c : c;
}

/* x / (10^k1 * 10^k2 * d0 * d1), rounded once (d0, d1 may be 1). */
static long double xb_ratio(const struct xb *x, int k1, int k2, uint64_t d0, uint64_t d1)
{
    if (!x->n)
        return 0;
    uint64_t div[16];
    int nd = 0;
    if (d0 > 1)
        div[nd++] = d0;
    if (d1 > 1)
        div[nd++] = d1;
    for (int k = k1; k > 0; k -= 19)
        div[nd++] = (uint64_t)num_pow10(k < 19 ? k : 19);
    for (int k = k2; k > 0; k -= 19)
        div[nd++] = (uint64_t)num_pow10(k < 19 ? k : 19);
    if (x->e2 > 20000) /* beyond any long double */
        return x->neg ? -INFINITY : INFINITY;
    long double v = big_ratio(x->w, x->n, (int)x->e2, div, nd);
    return x->neg ? -v : v;
}

/* The sum w / 10^scale + x (x may be NULL) as an xb times 10^-scale. */
static bool xb_total(struct xb *t, const struct wide *w, int scale, const struct xb *x)
{
    xb_from_wide(t, w);
    if (!x)
        return true;
    struct xb xs = *x;
    return xb_mul_pow10(&xs, scale) && xb_add(t, t, &xs);
}

double exact_mean(const struct wide *w, int scale, const struct xsum *x, int64_t n)
{
    if (x && (x->nan || (x->pinf && x->ninf)))
        return NAN;
    if (x && (x->pinf || x->ninf))
        return x->pinf ? INFINITY : -INFINITY;
    struct xb xx, t;
    if (x)
        xb_from_xsum(&xx, x);
    if (!xb_total(&t, w, scale, x ? &xx : NULL))
        return NAN;
    return (double)xb_ratio(&t, scale, 0, (uint64_t)n, 1);
}

long double exact_variance(const struct wide *w1, const struct wide *w2, int scale,
                           const struct xsum *x1, const struct xsq *x2, int64_t n)
{
    if (!x1 && !x2)
        return exact_wide_variance(w1, w2, n, scale);
    if ((x1 && (x1->nan || x1->pinf || x1->ninf)) || (x2 && (x2->nan || x2->inf)))
        return NAN;
    /* S1 = T1 / 10^s, S2 = T2 / 10^2s: var = (n T2 - T1^2) / (n (n-1) 10^2s) */
    static const struct xsum zs;
    static const struct xsq zq;
    struct xb a, b, t1, t2, sq;
    xb_from_xsum(&a, x1 ? x1 : &zs);
    xb_from_xsq(&b, x2 ? x2 : &zq);
    if (!xb_total(&t1, w1, scale, &a) || !xb_total(&t2, w2, 2 * scale, &b))
        return NAN;
    if (!xb_mul_u64(&t2, (uint64_t)n) || !xb_mul(&sq, &t1, &t1))
        return NAN;
    sq.neg = !sq.neg;
    if (!xb_add(&t2, &t2, &sq))
        return NAN;
    if (t2.neg) /* cannot happen for exact sums (Cauchy-Schwarz) */
        return 0;
    return xb_ratio(&t2, 2 * scale, 0, (uint64_t)n, (uint64_t)(n - 1));
}

static void xb_from_num(struct xb *x, const struct num *v)
{
    if (v->kind == NUM_DEC)
        xb_from_i128(x, v->mant);
    else
        xb_from_double(x, v->d);
}

double exact_interp(const struct num *a, const struct num *b, i128 r, int dscale)
{
    if (r == 0)
        return num_to_double(a);
    i128 d = num_pow10(dscale), dr = d - r;
    int sa = a->kind == NUM_DEC ? a->scale : 0, sb = b->kind == NUM_DEC ? b->scale : 0;
    int s = sa > sb ? sa : sb;
    if (a->kind == NUM_DEC && b->kind == NUM_DEC && s + dscale <= 38) {
        i128 ma, mb, pa, pb, m;
        if (!__builtin_mul_overflow(a->mant, num_pow10(s - sa), &ma) &&
            !__builtin_mul_overflow(b->mant, num_pow10(s - sb), &mb) &&
            !__builtin_mul_overflow(ma, dr, &pa) && !__builtin_mul_overflow(mb, r, &pb) &&
            !__builtin_add_overflow(pa, pb, &m))
            return num_dec_to_double(m, s + dscale);
    }
    /* (a (D - r) + b r) / D exactly, at the common scale s */
    struct xb xa, xbv, c, ta, tb;
    xb_from_num(&xa, a);
    xb_from_num(&xbv, b);
    if (!xb_mul_pow10(&xa, s - sa) || !xb_mul_pow10(&xbv, s - sb))
        return NAN;
    xb_from_i128(&c, dr);
    if (!xb_mul(&ta, &xa, &c))
        return NAN;
    xb_from_i128(&c, r);
    if (!xb_mul(&tb, &xbv, &c) || !xb_add(&ta, &ta, &tb))
        return NAN;
    return (double)xb_ratio(&ta, s, dscale, 1, 1);
}

int exact_xnum_cmp(const struct xnum *a, const struct xnum *b)
{
    if (a->is_dbl && b->is_dbl)
        return (a->d > b->d) - (a->d < b->d);
    struct xb x, y;
    if (a->is_dbl)
        xb_from_double(&x, a->d);
    else
        xb_from_wide(&x, &a->w);
    if (b->is_dbl)
        xb_from_double(&y, b->d);
    else
        xb_from_wide(&y, &b->w);
    int sa = a->is_dbl ? 0 : a->scale, sb = b->is_dbl ? 0 : b->scale;
    /* x / 10^sa vs y / 10^sb: x 10^sb vs y 10^sa */
    if (!xb_mul_pow10(&x, sb) || !xb_mul_pow10(&y, sa))
        return 0;
    return xb_cmp(&x, &y);
}

void exact_xnum_of_num(struct xnum *x, const struct num *v)
{
    memset(x, 0, sizeof *x);
    if (v->kind == NUM_DEC) {
        exact_wide_add_i128(&x->w, v->mant);
        x->scale = v->scale;
    } else {
        x->is_dbl = true;
        x->d = v->d;
    }
}
