/* numfmt.c - numbers in and out: locale-free parsing, exact comparison,
 * decimal and shortest real output. */
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exact.h" /* num_cmp's exact tie-break (exact_xnum_cmp) */

static i128 pow10_tab[39];
static double dpow10[23];

__attribute__((constructor)) static void numfmt_tables(void)
{
    pow10_tab[0] = 1;
    for (int k = 1; k <= 38; k++)
        pow10_tab[k] = pow10_tab[k - 1] * 10;
    double d = 1;
    for (int k = 0; k <= 22; k++, d *= 10)
        dpow10[k] = d;
}

i128 num_pow10(int k) { return pow10_tab[k]; }

/* The exact decimal text to the nearest double, by the C library (always
 * the "C" locale: pcsv never calls setlocale). Slow path only. */
static double text_to_double(const char *s) { return strtod(s, NULL); }

int num_parse(const uint8_t *p, size_t n, struct num *out)
{
    size_t i = 0;
    bool neg = false;
    if (n == 0)
        return out->kind = NUM_NONE;
    if (p[0] == '-' || p[0] == '+') {
        neg = p[0] == '-';
        i = 1;
    }
    /* Common path: up to 19 significant digits (integer and fraction
     * together) accumulate in a uint64 with no overflow check. */
    uint64_t m = 0;
    size_t nd = 0, nfrac = 0;
    while (i < n && (unsigned)(p[i] - '0') < 10 && nd < 19) {
        m = m * 10 + (uint64_t)(p[i] - '0');
        i++, nd++;
    }
    if (i < n && p[i] == '.' && nd < 19) {
        i++;
        size_t fs = i;
        while (i < n && (unsigned)(p[i] - '0') < 10 && nd < 19) {
            m = m * 10 + (uint64_t)(p[i] - '0');
            i++, nd++;
        }
        nfrac = i - fs;
        if (i == n && nd) {
            out->kind = NUM_DEC;
            out->mant = neg ? -(i128)m : (i128)m;
            out->scale = (int16_t)nfrac;
            return NUM_DEC;
        }
        if (i < n && (unsigned)(p[i] - '0') < 10)
            goto longer;
    } else if (i == n && nd) {
        out->kind = NUM_DEC;
        out->mant = neg ? -(i128)m : (i128)m;
        out->scale = 0;
        return NUM_DEC;
    } else if (i < n && ((unsigned)(p[i] - '0') < 10 || p[i] == '.')) {
        goto longer; /* 19 digits and more to come */
    }
    if (nd == 0 && !(i < n && p[i] == '.'))
        return out->kind = NUM_NONE;
    goto tail;
longer:;
    /* More than 19 digits: up to 38 exactly in 128 bits. */
    {
        i128 big = (i128)m;
        bool toolong = false, infrac = nfrac > 0 || (i > 0 && p[i - 1] == '.');
        for (; i < n; i++) {
            if ((unsigned)(p[i] - '0') < 10) {
                if (nd < 38)
                    big = big * 10 + (p[i] - '0');
                else
                    toolong = true;
                nd++;
                nfrac += infrac;
            } else if (p[i] == '.' && !infrac) {
                infrac = true;
            } else {
                break;
            }
        }
        if (i == n && !toolong && nfrac <= NUM_MAX_SCALE) {
            out->kind = NUM_DEC;
            out->mant = neg ? -big : big;
            out->scale = (int16_t)nfrac;
            return NUM_DEC;
        }
    }
tail:
    if (nd == 0)
        return out->kind = NUM_NONE;
    if (i < n) { /* exponent */
        if (p[i] != 'e' && p[i] != 'E')
            return out->kind = NUM_NONE;
        i++;
        if (i < n && (p[i] == '-' || p[i] == '+'))
            i++;
        size_t es = i;
        while (i < n && (unsigned)(p[i] - '0') < 10)
            i++;
        if (i == es || i != n)
            return out->kind = NUM_NONE;
    }
    char tmp[512];
    if (n >= sizeof tmp) {
        char *h = malloc(n + 1);
        if (!h)
            return out->kind = NUM_NONE;
        memcpy(h, p, n);
        h[n] = 0;
        out->d = text_to_double(h);
        free(h);
    } else {
        memcpy(tmp, p, n);
        tmp[n] = 0;
        out->d = text_to_double(tmp);
    }
    if (isinf(out->d)) /* 1e999: not a number we can hold */
        return out->kind = NUM_NONE;
    out->kind = NUM_DBL;
    out->scale = 0;
    out->mant = 0;
    return NUM_DBL;
}

double num_dec_to_double(i128 mant, int scale)
{
    i128 a = mant < 0 ? -mant : mant;
    if (a < ((i128)1 << 53) && scale <= 22) /* both exact: one rounding */
        return (double)mant / dpow10[scale];
    char buf[64];
    num_fmt_dec(buf, mant, scale);
    return text_to_double(buf);
}

double num_to_double(const struct num *x)
{
    return x->kind == NUM_DEC ? num_dec_to_double(x->mant, x->scale) : x->d;
}

int num_cmp(const struct num *a, const struct num *b)
{
    if (a->kind == NUM_DEC && b->kind == NUM_DEC) {
        if (a->scale == b->scale)
            return a->mant < b->mant ? -1 : a->mant > b->mant;
        /* at a common scale, when that fits (it does for the usual sizes) */
        i128 ma, mb;
        int sc = a->scale > b->scale ? a->scale : b->scale;
        if (!__builtin_mul_overflow(a->mant, pow10_tab[sc - a->scale], &ma) &&
            !__builtin_mul_overflow(b->mant, pow10_tab[sc - b->scale], &mb))
            return ma < mb ? -1 : ma > mb;
        /* Exact: integer parts first, then the fractions at a common scale
         * (a fraction below 10^s times 10^(S-s) stays below 10^38). */
        i128 pa = pow10_tab[a->scale], pb = pow10_tab[b->scale];
        i128 ia = a->mant / pa, ib = b->mant / pb;
        if (ia != ib)
            return ia < ib ? -1 : 1;
        int s = a->scale > b->scale ? a->scale : b->scale;
        i128 fa = (a->mant % pa) * pow10_tab[s - a->scale];
        i128 fb = (b->mant % pb) * pow10_tab[s - b->scale];
        return fa < fb ? -1 : fa > fb;
    }
    /* a decimal and a real: the nearest doubles decide when they differ
     * (rounding keeps the order), else the exact values do */
    double x = num_to_double(a), y = num_to_double(b);
    if (x != y || (a->kind == NUM_DBL && b->kind == NUM_DBL))
        return x < y ? -1 : x > y;
    struct xnum xa, xb;
    exact_xnum_of_num(&xa, a);
    exact_xnum_of_num(&xb, b);
    return exact_xnum_cmp(&xa, &xb);
}

size_t num_fmt_dec(char *buf, i128 mant, int scale)
{
    unsigned __int128 u = mant < 0 ? -(unsigned __int128)mant : (unsigned __int128)mant;
    uint64_t m[4] = {(uint64_t)u, (uint64_t)(u >> 64), 0, 0};
    return num_fmt_mag(buf, m, mant < 0, scale); /* one routine writes every decimal */
}

/* m /= d, returning the remainder (d < 2^64). */
static uint64_t mag_div_small(uint64_t m[4], uint64_t d)
{
    unsigned __int128 r = 0;
    for (int i = 3; i >= 0; i--) {
        if (!r) { /* the usual case, and every high zero limb: one 64-bit division */
            uint64_t x = m[i];
            m[i] = x / d;
            r = x % d;
            continue;
        }
        unsigned __int128 cur = r << 64 | m[i];
        m[i] = (uint64_t)(cur / d);
        r = cur % d;
    }
    return (uint64_t)r;
}

/* num_fmt_mag of a magnitude of one word: its digits two at a time. */
static size_t fmt_word(char *buf, uint64_t m, bool neg, int scale)
{
    static const char pairs[201] = "00010203040506070809101112131415161718192021222324"
                                   "25262728293031323334353637383940414243444546474849"
                                   "50515253545556575859606162636465666768697071727374"
                                   "75767778798081828384858687888990919293949596979899";
    char tmp[24], *e = tmp + sizeof tmp, *s = e;
    while (m >= 100) {
        unsigned d = (unsigned)(m % 100) * 2;
        m /= 100;
        *--s = pairs[d + 1];
        *--s = pairs[d];
    }
    if (m >= 10) {
        *--s = pairs[m * 2 + 1];
        *--s = pairs[m * 2];
    } else if (m || s == e) {
        *--s = (char)('0' + m);
    }
    size_t n = (size_t)(e - s), o = 0;
    if (neg && !(n == 1 && *s == '0'))
        buf[o++] = '-';
    /* (byte loops: a few digits, where a memcpy of unknown size is a call) */
    if (scale > 0 && n <= (size_t)scale) { /* 0.00ddd */
        buf[o++] = '0';
        buf[o++] = '.';
        for (size_t i = n; i < (size_t)scale; i++)
            buf[o++] = '0';
        for (size_t i = 0; i < n; i++)
            buf[o++] = s[i];
        buf[o] = 0;
        return o;
    }
    /* byte copies of bytes just stored one by one (a wider load over them
     * would wait for them to retire: no store-to-load forward), the
     * integer part, then the fraction, without a test at every digit */
    size_t ip = scale > 0 ? n - (size_t)scale : n;
    for (size_t i = 0; i < ip; i++)
        buf[o++] = s[i];
    if (scale > 0) {
        buf[o++] = '.';
        for (size_t i = ip; i < n; i++)
            buf[o++] = s[i];
    }
    buf[o] = 0;
    return o;
}

size_t num_fmt_i64(char *buf, int64_t v, int scale)
{
    uint64_t m = v < 0 ? -(uint64_t)v : (uint64_t)v;
    if (scale < 90)
        return fmt_word(buf, m, v < 0, scale);
    uint64_t w[4] = {m, 0, 0, 0};
    return num_fmt_mag(buf, w, v < 0, scale);
}

size_t num_fmt_mag(char *buf, uint64_t m[4], bool neg, int scale)
{
    if (!(m[1] | m[2] | m[3]) && scale < 90) { /* the usual case: one word */
        size_t o = fmt_word(buf, m[0], neg, scale);
        m[0] = 0;
        return o;
    }
    char tmp[100];
    size_t n = 0;
    while (m[0] | m[1] | m[2] | m[3]) {
        uint64_t r = mag_div_small(m, 10000000000000000000ULL);
        bool more = m[0] | m[1] | m[2] | m[3];
        for (int k = 0; k < 19 && (more || r); k++, r /= 10)
            tmp[n++] = (char)('0' + (int)(r % 10));
    }
    if (n == 0)
        tmp[n++] = '0';
    while (n <= (size_t)scale)
        tmp[n++] = '0';
    size_t o = 0;
    bool zero = n == 1 && tmp[0] == '0';
    for (size_t i = 0; i < n && zero; i++)
        zero = tmp[i] == '0';
    if (neg && !zero)
        buf[o++] = '-';
    for (size_t i = n; i-- > 0;) {
        buf[o++] = tmp[i];
        if (i == (size_t)scale && scale > 0)
            buf[o++] = '.';
    }
    buf[o] = 0;
    return o;
}

/* The nearest p-digit decimal to x may miss x's rounding interval while its
 * neighbour one unit in the last digit away (on x's side) is inside it: that
 * neighbour is then the shortest text (as Python's repr and Ryu find).
 * e is "[-]D.DDDe[+-]X" from %.*e; on success e is replaced. */
static bool neighbour_round_trips(char *e, double x)
{
    double near = strtod(e, NULL);
    char *ep = strchr(e, 'e');
    if (!ep)
        return false;
    char d[24];
    size_t nd = 0;
    char *q = e + (e[0] == '-');
    for (char *c = q; c < ep; c++)
        if (*c != '.')
            d[nd++] = *c;
    int ex = atoi(ep + 1);
    bool up = (near < x) == (x > 0); /* move the magnitude towards |x| */
    if (up) {
        size_t i = nd;
        while (i > 0 && d[i - 1] == '9')
            d[--i] = '0';
        if (i == 0) {
            d[0] = '1';
            ex++;
        } else {
            d[i - 1]++;
        }
    } else {
        size_t i = nd;
        while (i > 0 && d[i - 1] == '0')
            d[--i] = '9';
        if (i == 0 || (i == 1 && d[0] == '1'))
            return false; /* crosses a power of ten: leave it to more digits */
        d[i - 1]--;
    }
    char t[48];
    size_t o = 0;
    if (x < 0)
        t[o++] = '-';
    t[o++] = d[0];
    if (nd > 1) {
        t[o++] = '.';
        memcpy(t + o, d + 1, nd - 1);
        o += nd - 1;
    }
    snprintf(t + o, sizeof t - o, "e%d", ex);
    if (strtod(t, NULL) != x)
        return false;
    strcpy(e, t);
    return true;
}

/* x with prec significant digits, "%.*e", into e; true when that text (or
 * its neighbour, below 17 digits) reads back as x, and e then holds it. */
static bool short_enough(char *e, size_t cap, int prec, double x)
{
    snprintf(e, cap, "%.*e", prec - 1, x);
    return strtod(e, NULL) == x || (prec < 17 && neighbour_round_trips(e, x));
}

size_t num_fmt_double(char *buf, double x)
{
    if (x == 0) {
        strcpy(buf, "0");
        return 1;
    }
    if (isnan(x)) {
        strcpy(buf, "nan");
        return 3;
    }
    if (isinf(x)) {
        strcpy(buf, x < 0 ? "-inf" : "inf");
        return strlen(buf);
    }
    /* The shortest digits that read back as x. Whether some p-digit
     * decimal lies in x's rounding interval only turns true as p grows (a
     * (p+1)-digit nearest is at least as close as any p-digit one), so try
     * 15 first: most doubles that are not short need 16 or 17 digits, and
     * three tries find them where counting up from one took seventeen
     * (the digits are the same either way). */
    char e[40];
    if (!short_enough(e, sizeof e, 15, x)) {
        if (!short_enough(e, sizeof e, 16, x))
            short_enough(e, sizeof e, 17, x); /* 17 digits always read back */
    } else {
        int prec = 1;
        while (prec < 15 && !short_enough(e, sizeof e, prec, x))
            prec++;
        if (prec == 15)
            short_enough(e, sizeof e, 15, x);
    }
    /* e is [-]D[.DDD]e[+-]XX: take the digits and the exponent apart */
    char digits[24];
    size_t nd = 0;
    const char *q = e;
    bool neg = *q == '-';
    if (neg)
        q++;
    for (; *q && *q != 'e'; q++)
        if (*q != '.')
            digits[nd++] = *q;
    int ex = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    size_t o = 0;
    if (neg)
        buf[o++] = '-';
    double ax = fabs(x);
    if (ax >= 1e-6 && ax < 1e15) {
        if (ex < 0) {
            buf[o++] = '0';
            buf[o++] = '.';
            for (int k = -1; k > ex; k--)
                buf[o++] = '0';
            memcpy(buf + o, digits, nd);
            o += nd;
        } else {
            for (int k = 0; k <= ex; k++)
                buf[o++] = (size_t)k < nd ? digits[k] : '0';
            if ((size_t)ex + 1 < nd) {
                buf[o++] = '.';
                memcpy(buf + o, digits + ex + 1, nd - (size_t)ex - 1);
                o += nd - (size_t)ex - 1;
            }
        }
    } else {
        buf[o++] = digits[0];
        if (nd > 1) {
            buf[o++] = '.';
            memcpy(buf + o, digits + 1, nd - 1);
            o += nd - 1;
        }
        o += (size_t)sprintf(buf + o, "e%c%d", ex < 0 ? '-' : '+', ex < 0 ? -ex : ex);
    }
    buf[o] = 0;
    return o;
}
