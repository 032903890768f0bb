/* test_numfmt.c - number parsing, decimal and shortest-real printing,
 * comparison, 256-bit decimal sums (struct wide) and the exact double
 * accumulator (struct xsum).
 *
 * Expected texts of num_fmt_double come from Python's repr (shortest
 * round-trip digits) rewritten to pcsv's notation; expected sums come from
 * Python's math.fsum and, for random arrays, from a Shewchuk-style exact
 * summation written here (checked against the fsum table first). Every
 * parsed field is copied into a buffer of exactly its length, so an
 * -fsanitize=address build catches reads past the end.
 */
#include <criterion/criterion.h>

#include "testrng.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/numfmt.h"

/* ---- small utilities ---- */


/* num_parse on an exact-length heap copy of p[0, n). */
static int parse_n(const char *p, size_t n, struct num *out)
{
    uint8_t *b = malloc(n ? n : 1);
    cr_assert_not_null(b);
    memcpy(b, p, n);
    memset(out, 0x5a, sizeof *out);
    int k = num_parse(b, n, out);
    free(b);
    return k;
}

static int parse(const char *s, struct num *out)
{
    return parse_n(s, strlen(s), out);
}

/* i128 as decimal text, independently of num_fmt_dec. */
static const char *i128_str(i128 v, char *buf)
{
    char tmp[48];
    int n = 0;
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    int o = 0;
    if (v < 0)
        buf[o++] = '-';
    while (n)
        buf[o++] = tmp[--n];
    buf[o] = 0;
    return buf;
}

static i128 i128_from(const char *digits)
{
    i128 v = 0;
    for (const char *q = digits; *q; q++)
        v = v * 10 + (*q - '0');
    return v;
}

static uint64_t dbits(double x)
{
    uint64_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* ---- num_parse ---- */

static void expect_dec(const char *s, const char *mant, int scale)
{
    struct num n;
    char a[64], b[64];
    int k = parse(s, &n);
    cr_assert_eq(k, NUM_DEC, "'%s': kind %d, expected NUM_DEC", s, k);
    cr_assert_eq(n.kind, NUM_DEC, "'%s': out->kind %d", s, n.kind);
    i128 want = mant[0] == '-' ? -i128_from(mant + 1) : i128_from(mant);
    cr_assert(n.mant == want, "'%s': mant %s, expected %s", s, i128_str(n.mant, a), i128_str(want, b));
    cr_assert_eq(n.scale, scale, "'%s': scale %d, expected %d", s, n.scale, scale);
}

static void expect_dbl(const char *s, double d)
{
    struct num n;
    int k = parse(s, &n);
    cr_assert_eq(k, NUM_DBL, "'%s': kind %d, expected NUM_DBL", s, k);
    cr_assert_eq(n.kind, NUM_DBL, "'%s': out->kind %d", s, n.kind);
    cr_assert(dbits(n.d) == dbits(d), "'%s': %a, expected %a", s, n.d, d);
}

static void expect_none_n(const char *s, size_t len)
{
    struct num n;
    int k = parse_n(s, len, &n);
    cr_assert_eq(k, NUM_NONE, "'%.*s' (%zu bytes): kind %d, expected NUM_NONE", (int)len, s, len, k);
    cr_assert_eq(n.kind, NUM_NONE, "'%.*s': out->kind %d", (int)len, s, n.kind);
}

static void expect_none(const char *s)
{
    expect_none_n(s, strlen(s));
}

Test(numfmt, integers_and_decimals_are_exact)
{
    expect_dec("12", "12", 0);
    expect_dec("-3.50", "-350", 2);
    expect_dec(".5", "5", 1);
    expect_dec("-.5", "-5", 1);
    expect_dec("7.", "7", 0);
    expect_dec("+1", "1", 0);
    expect_dec("0", "0", 0);
    expect_dec("-0", "0", 0);
    expect_dec("0.000", "0", 3);
    expect_dec("007", "7", 0);
    expect_dec("12.30", "1230", 2);
    expect_dec("-0.05", "-5", 2);
}

Test(numfmt, exponent_notation_is_double)
{
    expect_dbl("1e5", 1e5);
    expect_dbl("1E-3", 1e-3);
    expect_dbl("1.5e2", 150.0);
    expect_dbl("-.5e1", -5.0);
    expect_dbl(".5e-1", 0.05);
    expect_dbl("1.e5", 1e5);
    expect_dbl("+2e+3", 2000.0);
    expect_dbl("-1e-400", -0.0);
}

Test(numfmt, non_numbers_rejected)
{
    static const char *bad[] = {
        "",     "-",    "+",     ".",      "-.",    "+.",   "1.2.3", "12a",  " 1",     "1 ",
        "1,000", "nan", "NaN",   "inf",    "-inf",  "Infinity", "0x10", "1e", "1e+",   "1e-",
        "e5",   ".e5",  "-e5",   "--1",    "+-1",   "1..2", "1e5.0", "1e5e5", "1e 5",  "1_000",
        "12345678901234567890a", "12345678901234567890.5.5", "1234567890123456789012345678901234567890x",
        "12345678901234567890e", "1.2345678901234567890123e", "1.2345678901234567890123.4",
        "\xd9\xa1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_none(bad[i]);
    expect_none_n("1\0", 2);
    expect_none_n("\0" "1", 2);
    expect_none_n("1.5\0" "0", 5);
}

/* Only the first n bytes count: what follows in memory is not read. */
Test(numfmt, parse_stops_at_length)
{
    struct num n;
    cr_assert_eq(num_parse((const uint8_t *)"123x", 3, &n), NUM_DEC);
    cr_assert(n.mant == 123 && n.scale == 0);
    cr_assert_eq(num_parse((const uint8_t *)"1.25e7", 4, &n), NUM_DEC);
    cr_assert(n.mant == 125 && n.scale == 2);
}

/* 19, 20 and 38 significant digits stay exact decimals: the mantissa prints
 * back as the same text. */
Test(numfmt, long_decimals_exact)
{
    static const char *cases[] = {
        "1234567890123456789",
        "9999999999999999999",
        "-9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "12345678901234567890",
        "-99999999999999999999",
        "99999999999999999999999999999999999999",
        "-12345678901234567890123456789012345678",
        "1234567890.123456789",
        "1234567890.1234567890",
        "-123456789012345678.9",
        "1234567890123456789.0",
        "1234567890123456789.0123456789012345678",
        "0.1234567890123456789",
        "0.12345678901234567890123456789",
        "12345678.901234567890123456789012345678",
        "-0.000000000000000000000000000001",
        "0.000000000000000000000000000000",
        "0.999999999999999999999999999999",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct num n;
        char buf[64];
        cr_assert_eq(parse(cases[i], &n), NUM_DEC, "'%s' is not NUM_DEC", cases[i]);
        const char *dot = strchr(cases[i], '.');
        int scale = dot ? (int)strlen(dot + 1) : 0;
        cr_assert_eq(n.scale, scale, "'%s': scale %d", cases[i], n.scale);
        num_fmt_dec(buf, n.mant, n.scale);
        cr_assert_str_eq(buf, cases[i]);
    }
    struct num n;
    parse("18446744073709551616", &n);
    cr_assert(n.mant == (i128)1 << 64);
    /* a trailing point after 19 digits */
    expect_dec("1234567890123456789.", "1234567890123456789", 0);
    expect_dec("+00000000000000000012345", "12345", 0);
}

/* Beyond 38 digits, or a fraction longer than NUM_MAX_SCALE: a double. */
Test(numfmt, too_long_decimals_become_double)
{
    static const char *cases[] = {
        "123456789012345678901234567890123456789",
        "1234567890123456789012345678901234567890",
        "-1234567890123456789012345678901234567890",
        "0.0000000000000000000000000000001",
        "1234567.8901234567890123456789012345678",
        "1.23456789012345678901234567890123456789",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_dbl(cases[i], strtod(cases[i], NULL));
}

/* Random decimals: parse gives the mantissa and scale the text was built
 * from, and num_dec_to_double agrees with strtod. */
Test(numfmt, random_decimals_parse_and_convert)
{
    uint64_t seed = 11;
    for (int t = 0; t < 50000; t++) {
        char digits[48], text[96];
        int nd = 1 + (int)(t % 3 == 0 ? rng_below(&seed, 38) : rng_below(&seed, 17));
        for (int i = 0; i < nd; i++)
            digits[i] = (char)('0' + rng_below(&seed, 10));
        digits[nd] = 0;
        if (nd > 1 && digits[0] == '0')
            digits[0] = '1';
        int scale = (int)rng_below(&seed, NUM_MAX_SCALE + 1);
        if (t % 2)
            scale = (int)rng_below(&seed, (size_t)(nd < 23 ? nd + 1 : 23));
        bool neg = rng_next(&seed) & 1;
        /* text: [-]int.frac with exactly `scale` fraction digits */
        int o = 0;
        if (neg)
            text[o++] = '-';
        if (scale >= nd) {
            text[o++] = '0';
            text[o++] = '.';
            for (int i = 0; i < scale - nd; i++)
                text[o++] = '0';
            memcpy(text + o, digits, (size_t)nd);
            o += nd;
        } else {
            memcpy(text + o, digits, (size_t)(nd - scale));
            o += nd - scale;
            if (scale) {
                text[o++] = '.';
                memcpy(text + o, digits + nd - scale, (size_t)scale);
                o += scale;
            }
        }
        text[o] = 0;
        i128 mant = i128_from(digits);
        if (neg)
            mant = -mant;

        struct num n;
        cr_assert_eq(parse(text, &n), NUM_DEC, "'%s'", text);
        char a[64], b[64];
        cr_assert(n.mant == mant && n.scale == scale, "'%s': mant %s scale %d, expected %s scale %d",
                  text, i128_str(n.mant, a), n.scale, i128_str(mant, b), scale);
        double want = strtod(text, NULL);
        double got = num_dec_to_double(mant, scale);
        cr_assert(dbits(got) == dbits(want) || (got == 0 && want == 0),
                  "num_dec_to_double(%s, %d) = %a, strtod('%s') = %a", i128_str(mant, a), scale, got,
                  text, want);
        cr_assert(num_to_double(&n) == want, "num_to_double('%s')", text);
    }
}

Test(numfmt, pow10_table)
{
    i128 v = 1;
    for (int k = 0; k <= 38; k++) {
        cr_assert(num_pow10(k) == v, "10^%d", k);
        if (k < 38)
            v *= 10;
    }
}

/* ---- num_fmt_dec ---- */

static void expect_fmt_dec(i128 mant, int scale, const char *want)
{
    char buf[48];
    memset(buf, 'X', sizeof buf);
    size_t n = num_fmt_dec(buf, mant, scale);
    cr_assert_str_eq(buf, want, "num_fmt_dec(%d): '%s', expected '%s'", scale, buf, want);
    cr_assert_eq(n, strlen(want));
}

Test(numfmt, decimal_scale_kept)
{
    expect_fmt_dec(0, 0, "0");
    expect_fmt_dec(0, 3, "0.000");
    expect_fmt_dec(123, 0, "123");
    expect_fmt_dec(-123, 0, "-123");
    expect_fmt_dec(-350, 2, "-3.50");
    expect_fmt_dec(350, 2, "3.50");
    expect_fmt_dec(5, 2, "0.05");
    expect_fmt_dec(-5, 2, "-0.05");
    expect_fmt_dec(-5, 1, "-0.5");
    expect_fmt_dec(-50, 2, "-0.50");
    expect_fmt_dec(100, 2, "1.00");
    expect_fmt_dec(-1, 30, "-0.000000000000000000000000000001");
    i128 max38 = num_pow10(38) - 1;
    expect_fmt_dec(max38, 0, "99999999999999999999999999999999999999");
    expect_fmt_dec(-max38, 0, "-99999999999999999999999999999999999999");
    expect_fmt_dec(max38, 30, "99999999.999999999999999999999999999999");
    expect_fmt_dec(-max38, 38, "-0.99999999999999999999999999999999999999");
    expect_fmt_dec(-1, 38, "-0.00000000000000000000000000000000000001");
    i128 min = (i128)((unsigned __int128)1 << 127);
    expect_fmt_dec(min, 0, "-170141183460469231731687303715884105728");
    expect_fmt_dec(min + 1, 2, "-1701411834604692317316873037158841057.27");
}

/* ---- num_cmp ---- */

static int cmp_text(const char *a, const char *b)
{
    struct num x, y;
    cr_assert_neq(parse(a, &x), NUM_NONE, "'%s'", a);
    cr_assert_neq(parse(b, &y), NUM_NONE, "'%s'", b);
    int r = num_cmp(&x, &y);
    return r < 0 ? -1 : r > 0;
}

static void expect_cmp(const char *a, const char *b, int want)
{
    int r = cmp_text(a, b);
    cr_assert_eq(r, want, "num_cmp(%s, %s) = %d, expected %d", a, b, r, want);
    r = cmp_text(b, a);
    cr_assert_eq(r, -want, "num_cmp(%s, %s) = %d, expected %d", b, a, r, -want);
}

Test(numfmt, compare_across_scales)
{
    expect_cmp("1.5", "1.50", 0);
    expect_cmp("1.5", "1.500000000000000000000000000000", 0);
    expect_cmp("-0.1", "0", -1);
    expect_cmp("0", "-0", 0);
    expect_cmp("0.1", "0", 1);
    expect_cmp("-1", "-0.5", -1);
    expect_cmp("100.0", "99.99", 1);
    expect_cmp("2", "10", -1);
    expect_cmp("-2", "-10", 1);
    expect_cmp("0.000000000000000000000000000001", "0", 1);
    expect_cmp("-0.000000000000000000000000000001", "0", -1);
    expect_cmp("99999999999999999999999999999999999999", "99999999999999999999999999999999999998", 1);
    expect_cmp("-99999999999999999999999999999999999999", "99999999999999999999999999999999999999", -1);
    expect_cmp("12345678901234567890", "12345678901234567890.000", 0);
    expect_cmp("12345678901234567891", "12345678901234567890.999", 1);
}

/* Decimals compare exactly even when rescaling both to one scale would not
 * fit in 128 bits (numfmt.h: "Exact between decimals"). */
Test(numfmt, compare_long_decimals_exactly)
{
    expect_cmp("10000000.000000000000000000000000000001", "10000000", 1);
    expect_cmp("1234567890123456789012345678901234567.8", "1234567890123456789012345678901234568", -1);
    expect_cmp("9999999999999999999999999999999999999.9", "9999999999999999999999999999999999999", 1);
    expect_cmp("-0.000000000000000000000000000001", "-12345678901234567890123456789012345678", 1);
}

Test(numfmt, compare_decimal_with_double)
{
    expect_cmp("2", "1.5e0", 1);
    expect_cmp("1", "1.5e0", -1);
    expect_cmp("100", "1e2", 0);
    /* exact values: 1e-1 is the double 0.1000000000000000055..., a little
     * more than the decimal 0.1 (issue 11: a total order, no ties between
     * different values) */
    expect_cmp("0.1", "1e-1", -1);
    expect_cmp("9007199254740993", "9007199254740992e0", 1);
    expect_cmp("9007199254740992", "9007199254740992e0", 0);
    expect_cmp("-9007199254740993", "-9007199254740992e0", -1);
    expect_cmp("-3", "-2.5E0", -1);
    expect_cmp("1e300", "99999999999999999999999999999999999999", 1);
    expect_cmp("1e-5", "2e-5", -1);
}

/* ---- num_fmt_double ---- */

/* From Python 3.11: repr(x) rewritten to the num_fmt_double notation
 * (plain for 1e-6 <= |x| < 1e15 without ".0", else d.ddde+N / d.ddde-N). */
static const struct { double x; const char *text; } fmt_cases[] = {
    {0x0.0p+0, "0"},
    {-0x0p+0, "0"},
    {0x1.0000000000000p+0, "1"},
    {-0x1.0000000000000p+0, "-1"},
    {0x1.999999999999ap-4, "0.1"},
    {0x1.999999999999ap-3, "0.2"},
    {0x1.3333333333334p-2, "0.30000000000000004"},
    {0x1.5555555555555p-2, "0.3333333333333333"},
    {0x1.5555555555555p-1, "0.6666666666666666"},
    {0x1.9000000000000p+6, "100"},
    {0x1.e240c9fbe76c9p+16, "123456.789"},
    {-0x1.e240c9fbe76c9p+16, "-123456.789"},
    {0x1.c6bf526340000p+49, "1e+15"},
    {0x1.c6bf52633ffffp+49, "999999999999999.9"},
    {0x1.c6bf52633fff8p+49, "999999999999999"},
    {0x1.6bcc41e900000p+46, "100000000000000"},
    {0x1.1c37937e08000p+53, "1e+16"},
    {0x1.b1ae4d6e2ef50p+69, "1e+21"},
    {0x1.0f0cf064dd592p+73, "1e+22"},
    {0x1.52d02c7e14af6p+76, "1e+23"},
    {0x1.421f5f40d8376p-23, "1.5e-7"},
    {0x1.0c6f7a0b5ed8dp-20, "0.000001"},
    {0x1.0c2ac1dbbe3d8p-20, "9.99e-7"},
    {0x1.4b3fd5942cd96p-20, "0.000001234"},
    {0x1.ad7f29abcaf48p-24, "1e-7"},
    {0x0.0000000000001p-1022, "5e-324"},
    {-0x0.0000000000001p-1022, "-5e-324"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"},
    {0x0.fffffffffffffp-1022, "2.225073858507201e-308"},
    {0x1.fffffffffffffp+1023, "1.7976931348623157e+308"},
    {-0x1.fffffffffffffp+1023, "-1.7976931348623157e+308"},
    {0x1.0000000000000p+53, "9.007199254740992e+15"},
    {0x1.0000000000000p+53, "9.007199254740992e+15"},
    {0x1.1666666666666p+2, "4.35"},
    {0x1.47ae147ae147bp-7, "0.01"},
    {0x1.249ad2594c37dp+332, "1e+100"},
    {0x1.ac9a7b3b7302fp-997, "1.25e-300"},
    {0x1.921f9f01b866ep+1, "3.14159"},
    {0x1.5bf0a8b145769p+1, "2.718281828459045"},
    {0x1.18b54f22aeb03p+50, "1.2345678901234568e+15"},
    {0x1.56a95319d63e1p+63, "1.2345678901234567e+19"},
    {-0x1.0000000000000p-1, "-0.5"},
    {0x1.0000000000000p-1, "0.5"},
    {0x1.1de784a000000p+28, "299792458"},
    {0x1.fe185ca57c517p+78, "6.02214076e+23"},
    {0x1.b860bde023111p-111, "6.62607015e-34"},
    {0x1.5555555555555p+1022, "5.992310449541053e+307"},
    {0x1.6bcc41e900006p+46, "100000000000000.1"},
    {0x1.0c6f8ba2f85a0p-20, "0.000001000001"},
    {0x0.0000000000001p-1022, "5e-324"},
    {0x0.0000000000002p-1022, "1e-323"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"},
    {0x1.0000000000000p-1017, "7.120236347223045e-307"},
    {0x1.0000000000000p-1007, "7.291122019556398e-304"},
    {0x1.0000000000000p-957, "8.209073602596753e-289"},
    {0x1.0000000000000p-921, "5.641232424577593e-278"},
    {0x1.0000000000000p-808, "5.858190679279809e-244"},
    {0x1.0000000000000p-791, "7.678447687145631e-239"},
    {0x1.0000000000000p-788, "6.142758149716505e-238"},
    {0x1.0000000000000p-778, "6.290184345309701e-235"},
    {0x1.0000000000000p-705, "5.940911144672375e-213"},
    {0x1.0000000000000p-695, "6.083493012144512e-210"},
    {0x1.0000000000000p-662, "5.225680706521042e-200"},
    {0x1.0000000000000p-652, "5.351097043477547e-197"},
    {0x1.0000000000000p-549, "5.426657103235053e-166"},
    {0x1.0000000000000p-509, "5.966672584960166e-154"},
    {0x1.0000000000000p-496, "4.887898181599368e-150"},
    {0x1.0000000000000p-489, "6.256509672447191e-148"},
    {0x1.0000000000000p-383, "5.075883674631299e-116"},
    {0x1.0000000000000p-366, "6.653062250012736e-111"},
    {0x1.0000000000000p-296, "7.854549544476363e-90"},
    {0x1.0000000000000p-140, "7.174648137343064e-43"},
    {0x1.0000000000000p-97, "6.310887241768095e-30"},
    {0x1.0000000000000p-77, "6.617444900424222e-24"},
    {0x1.0000000000000p-44, "5.684341886080802e-14"},
    {0x1.0000000000000p-24, "5.960464477539063e-8"},
    {0x1.0000000000000p-20, "9.5367431640625e-7"},
    {0x1.0000000000000p-1, "0.5"},
    {0x1.0000000000000p+0, "1"},
    {0x1.0000000000000p+1, "2"},
    {0x1.0000000000000p+10, "1024"},
    {0x1.0000000000000p+49, "562949953421312"},
    {0x1.0000000000000p+50, "1.125899906842624e+15"},
    {0x1.0000000000000p+52, "4.503599627370496e+15"},
    {0x1.0000000000000p+53, "9.007199254740992e+15"},
    {0x1.0000000000000p+63, "9.223372036854776e+18"},
    {0x1.0000000000000p+64, "1.8446744073709552e+19"},
    {0x1.0000000000000p+89, "6.189700196426902e+26"},
    {0x1.0000000000000p+122, "5.316911983139664e+36"},
    {0x1.0000000000000p+132, "5.444517870735016e+39"},
    {0x1.0000000000000p+172, "5.986310706507379e+51"},
    {0x1.0000000000000p+182, "6.129982163463556e+54"},
    {0x1.0000000000000p+1023, "8.98846567431158e+307"},
    {-0x1.c565292cc6a98p+53, "-1.5952423996151088e+16"},
    {0x1.57ee51f0f397ap-4, "0.08396751411712514"},
    {-0x1.22e58d2f1a9fcp+19, "-595756.412"},
    {0x1.57b9ffae147aep+19, "703951.99"},
    {0x1.94db7e48f12b9p+169, "1.1833994934170815e+51"},
    {-0x1.9bfbc91ba7257p-980, "-1.5748679552677205e-295"},
    {-0x1.0e8809f521fe4p+46, "-74363105527935.56"},
    {-0x1.6cc4928ce703bp+19, "-747044.5797"},
    {-0x1.9ee169646a718p-252, "-2.239361282907897e-76"},
    {0x1.715fe58198f1dp+19, "756479.17207"},
    {-0x1.d51330b439581p+18, "-480332.761"},
    {-0x1.25c12903c3ad2p+460, "-3.41619470970423e+138"},
    {-0x1.126bccb754122p+23, "-8992230.358063284"},
    {-0x1.2e1746f4c1160p-1, "-0.5900213407299297"},
    {0x1.979aeaddb9f02p+34, "27353918326.90528"},
    {0x1.58ed0ee5da28cp+16, "88301.058194766"},
    {-0x1.9843d2ec95bffp+18, "-418063.29569"},
    {-0x1.844cb66b73859p+15, "-49702.35628853803"},
    {0x1.e49411098d6a9p-173, "1.5810107502661508e-52"},
    {0x1.02740f0711d00p+21, "2117249.8784519434"},
    {-0x1.287bdd70a3d71p+19, "-607198.92"},
    {-0x1.a1642b41b813cp+53, "-1.46856502796622e+16"},
    {0x1.e76a0dc65db9dp+54, "3.429873026330994e+16"},
    {0x1.7aa04c1c7f44dp+35, "50818343139.97715"},
    {-0x1.bff8b2e8f2fa1p+53, "-1.5761595235721026e+16"},
    {0x1.8e5ba2d10a9f2p-404, "3.766303194632279e-122"},
    {0x1.7d56208e82680p+28, "399860232.90683746"},
    {0x1.c275e69b5220dp+16, "115317.90080750753"},
    {-0x1.14e0a57e101e1p+46, "-76107514610695.52"},
    {-0x1.cdbe82f5361c8p-3, "-0.22546102820230218"},
    {-0x1.443945b6b6d65p+32, "-5439571382.714208"},
    {0x1.454bf4d1a6506p+19, "666207.650592"},
    {-0x1.594e400000000p+18, "-353593"},
    {0x1.3160b01fb90e1p-10, "0.0011649234292515009"},
    {-0x1.451062e377382p+4, "-20.316500557458774"},
    {-0x1.10f2000000000p+16, "-69874"},
    {-0x1.9370d036fcbe0p-45, "-4.4790912879302474e-14"},
    {-0x1.1706aaf9c599dp-29, "-2.030181686726462e-9"},
    {0x1.52fa47da7975ap+13, "10847.285084675696"},
    {-0x1.97768a736357ep+926, "-9.028679803976194e+278"},
    {0x1.00b42d0e95a6dp+18, "262864.7040151719"},
    {0x1.ef6537afb03a9p+5, "61.92442261940534"},
    {-0x1.32a8305fd8653p-14, "-0.00007311272338263981"},
    {0x1.be41e30cb295fp+19, "913935.0953"},
    {0x1.7976000000000p+16, "96630"},
    {0x1.51830296a4093p-28, "4.911442494579641e-9"},
    {0x1.632801bf3d610p+49, "780996911725250"},
    {-0x1.caf07a1cef241p+15, "-58744.238502"},
    {-0x1.c5ba5571c7a8cp-15, "-0.000054088576588497394"},
    {0x1.648474245f080p+46, "97998755928002"},
    {-0x1.cce77f6b95375p-19, "-0.000003434004545425251"},
    {-0x1.ea5a985a35d68p+17, "-251061.190253"},
    {0x1.7c84fcfda60dcp+268, "7.049783392363535e+80"},
    {0x1.32be097e98060p+19, "628208.2967033498"},
    {0x1.911c2b8ec4bbdp-18, "0.000005977005357110424"},
    {0x1.45650cf2bdf51p-20, "0.0000012121898264587695"},
    {0x1.73c1cbe478683p-12, "0.0003545351194401485"},
    {-0x1.8ea9e5d84dffbp+38, "-428061849107.4997"},
    {-0x1.8730c66666666p+18, "-400579.1"},
    {-0x1.0fefb23f27aafp+3, "-8.498009799336925"},
    {-0x1.0608ffaaad081p+955, "-3.11720560317462e+287"},
    {-0x1.70b103f185558p-757, "-1.8998372682446966e-228"},
    {0x1.e54819999999ap+16, "124232.1"},
    {0x1.e180f649b522bp-153, "1.6472912029533486e-46"},
    {0x1.a9d01d68ba6acp+1, "3.3266636620872614"},
    {0x1.575abebed105ep+28, "360033259.926031"},
    {-0x1.126b754d7c6ffp+18, "-281005.8328543752"},
    {0x1.006c04498ffb0p-3, "0.12520602559561445"},
    {0x1.1f633a9fbe76dp+17, "147142.458"},
    {-0x1.b1cd19374bc6ap+18, "-444212.394"},
    {-0x1.653deb851eb85p+18, "-365815.68"},
    {0x1.dead79d20de26p-734, "2.069123239692005e-221"},
    {0x1.1d62096984d23p-12, "0.00027216239559031875"},
    {-0x1.b8fada99110a2p-661, "-1.800328238397342e-199"},
    {0x1.408e6a8c716a4p+6, "80.13907832567435"},
    {0x1.783963f7ced91p+18, "385253.562"},
    {-0x1.d7e0de326e97cp+19, "-966406.9436562504"},
    {-0x1.3c3a9f079d3b1p-610, "-2.907129374529381e-184"},
    {0x1.04807e8ab4b4bp-116, "1.2248741924871445e-35"},
    {-0x1.afea885eb78cdp-180, "-1.1009313827902224e-54"},
    {-0x1.9b1efccb791fcp-24, "-9.572157749039773e-8"},
    {-0x1.bb63d427841fcp+793, "-9.022615435158551e+238"},
    {0x1.ce6a4da29de76p-8, "0.0070558967150798815"},
    {-0x1.d4573bd385458p-161, "-6.2588232330414495e-49"},
    {-0x1.85ec71615c89bp+218, "-6.416210691108998e+65"},
    {0x1.f17a6e35fb4edp+320, "4.150808907150311e+96"},
    {0x1.356853a6c1a05p+19, "633666.614106"},
    {-0x1.37dc71664b231p+19, "-638691.543737"},
    {0x1.0bdf2cb32f368p+53, "9.424900232439504e+15"},
    {0x1.ba44000000000p+16, "113220"},
    {-0x1.14532e801e43bp+36, "-74175408129.89153"},
    {-0x1.0f204b8318140p-5, "-0.03309645412878348"},
    {-0x1.9c5d81d2f3e74p+108, "-5.227350721506753e+32"},
    {0x1.ad21b5cd2d44ep+16, "109857.710162"},
    {0x1.b65ee3bb2fec5p+18, "448891.5583"},
    {0x1.431037e7c3d9ep-556, "5.350201536899048e-168"},
    {0x1.5c3e8e40fa23bp-24, "8.108195805013745e-8"},
    {-0x1.33b8060aa64c3p+14, "-19694.0059"},
    {0x1.983ec29fbe76dp+19, "836086.082"},
    {-0x1.1433cfe6ac1d1p+992, "-4.515888051686113e+298"},
    {-0x1.0fa956d3d21e0p-6, "-0.016580900947959054"},
    {-0x1.409cbeb9ac212p+10, "-1282.4491409474326"},
    {0x1.cf9b39bbf465cp+29, "972252983.4943347"},
    {0x1.6c6bf18201cd6p+17, "186583.88678"},
    {-0x1.83692b53f7ceep+18, "-396708.677"},
    {-0x1.3388e4153402fp+547, "-5.534288961210152e+164"},
    {-0x1.e17f6ac632473p-12, "-0.00045919201182848603"},
    {0x1.32e8b70b98595p+49, "674900123005106.6"},
    {-0x1.b16ae537f1c79p+451, "-9.844520827137366e+135"},
    {0x1.1c1ff58274680p-6, "0.017341603999574406"},
    {-0x1.c1b4b4a1b5c7dp+17, "-230249.411185"},
    {0x1.0ed43a3d70a3dp+19, "554657.82"},
    {0x1.3b04dc28f5c29p+19, "645158.88"},
    {0x1.4a8e087ff9587p-394, "3.200259781240199e-119"},
    {-0x1.9fdf4bc2e33f0p+19, "-851706.36754"},
    {-0x1.5e59b5f7805fcp-12, "-0.00033412020954423616"},
    {0x1.fce19cca246d0p+820, "1.3898661249647781e+247"},
    {-0x1.73f8daffe9c9cp+900, "-1.2281926360260094e+271"},
    {-0x1.0b94eff13e805p+9, "-535.163572459715"},
    {0x1.0e672761ce627p+43, "9290974432883.076"},
};

/* Generated with Python 3.11: fsum_out[i] = math.fsum(fsum_in[i][1 : 1 + n]), n = fsum_in[i][0] */
static const double fsum_in[][41] = {
    {26, -0x1.9058237cbbe59p+17, -0x1.d8b7e11bdf9e3p+93, -0x1.ff6fbed505ac7p-182, -0x1.7058a43c62302p-901, 0x1.bf6044c9567dap-609, -0x1.bf6044c9567dap-609, -0x1.2077a9c97678ap+899, 0x1.7058a43c62302p-901, 0x1.a8df45687c404p+9, 0x1.958bc502228c8p-352, -0x1.958bc502228c8p-352, 0x1.ff6fbed505ac7p-182, -0x1.61fd6743d25d4p+701, -0x1.72d52d6fa81c6p-117, 0x1.a6dbb00644c11p+79, 0x1.2077a9c97678ap+899, -0x1.99195f27d0479p+41, 0x1.72d52d6fa81c6p-117, -0x1.a8df45687c411p+9, -0x1.a6dbb00644c0ap+79, 0x1.61fd6743d25d4p+701, 0x1.9058237cbbe56p+17, 0x1.ca49e5d894fdep+72, -0x1.ca49e5d894fd0p+72, 0x1.d8b7e11bdf9e3p+93, -0x1.795eb959c1f4dp+64},
    {12, -0x1.c9958af1de338p+27, -0x1.2895991c262acp+29, -0x1.4a1f1dd046865p-675, 0x1.4a1f1dd046865p-675, -0x1.ea3c8e8dbf6b0p-687, 0x1.c301e61579084p+19, -0x1.3641d191f74a0p-66, -0x1.f182f60b8ee0ep-41, -0x1.673259a80485dp-64, -0x1.0182492161ad8p+33, -0x1.2d855f1b28daap-52, 0x1.ea3c8e8dbf6b0p-687},
    {23, -0x1.862bc4221f23bp-917, -0x1.305e7e6e23f86p+66, -0x1.1f749e16d19a1p+79, 0x1.cb6b0dab80146p-759, 0x1.305e7e6e23f8ep+66, 0x1.9a59853bc1167p-632, 0x1.0879e8fc2851ep-524, 0x1.a29842e81aca5p+48, -0x1.0879e8fc2851ep-524, -0x1.cb6b0dab80146p-759, -0x1.7863a612ead84p+66, 0x1.584579e5a2b62p+48, 0x1.1f749e16d19a9p+79, 0x1.7863a612ead8ep+66, -0x1.a29842e81acb0p+48, 0x1.b055546154e24p-358, 0x1.f23c8e9df793dp-51, -0x1.b055546154e24p-358, -0x1.3a3308612a268p-826, 0x1.b0f35e782850ep-29, 0x1.8a00efecda2ddp+15, 0x1.212161c7171e6p+33, -0x1.9a59853bc1167p-632},
    {21, 0x1.44da820c1fee3p+78, -0x1.2681a700f8c8dp-493, -0x1.dadbcadf3c43fp-982, 0x1.7742e46200440p-5, 0x1.d7e20abf299c2p-55, 0x1.dadbcadf3c43fp-982, -0x1.219ba642abd63p-48, 0x1.2681a700f8c8dp-493, 0x1.4f655d5642b70p+49, 0x1.5c170c0d4ee9bp-31, 0x1.5c98fa7653e42p-22, -0x1.41f6c81f6e2e9p-4, 0x1.1e7f31ca75d1dp-635, -0x1.28a2f770c7531p+22, -0x1.3cc8f26694b69p-24, 0x1.180ddb4b96069p+56, 0x1.9e85ebbe06474p+21, -0x1.180ddb4b9606bp+56, -0x1.7742e4620044ap-5, -0x1.fb3b16be43a41p+45, -0x1.44da820c1feddp+78},
    {20, -0x1.ef6066000fccap-163, 0x1.0fbb84d80909fp+786, 0x1.7fe568c7ed4e8p-765, -0x1.adac234bffe1dp+57, 0x1.4ab38fcb10fbep-652, -0x1.b845ed027fcb3p+38, 0x1.8603c19bb5b5cp+25, 0x1.40e500c8acc7cp-45, 0x1.c53799fc36a74p+9, -0x1.0fbb84d80909fp+786, 0x1.b845ed027fcaep+38, 0x1.01e177dbb4b42p-842, 0x1.13e42d308269ep+55, 0x1.1cddaaac939dap+983, -0x1.13e42d30826a6p+55, 0x1.0d33d9b1cc4b6p-44, -0x1.1cddaaac939dap+983, -0x1.683d3b46f9d5ep+12, 0x1.adac234bffe15p+57, -0x1.4ab38fcb10fbep-652},
    {8, -0x1.36a39f10c8207p+657, -0x1.78c67d75e1d6cp+52, -0x1.459aa37942bcep+47, -0x1.8d6b2acf14e7ep+828, 0x1.8d6b2acf14e7ep+828, -0x1.c673ec47d1ffap-6, 0x1.7048722347162p+55, 0x1.36a39f10c8207p+657},
    {14, -0x1.2bf514164e14cp+48, 0x1.2bf514164e145p+48, -0x1.3d9154ef6e4f5p+527, -0x1.2baba6177885bp-583, 0x1.2ca0a3c9f973bp+574, 0x1.3d9154ef6e4f5p+527, 0x1.2baba6177885bp-583, 0x1.2c95a7cce4966p+81, -0x1.fc3fc26419448p-846, -0x1.2c95a7cce495fp+81, 0x1.e50c6625af4d6p+80, -0x1.b810f873dd120p+49, -0x1.e50c6625af4d8p+80, -0x1.2ca0a3c9f973bp+574},
    {32, 0x1.4155724341b85p-13, -0x1.9244df40c3dbap+592, 0x1.cdb1127ed70f6p+9, 0x1.bc1efad1679dcp+45, 0x1.0ec44b7e23c65p+56, -0x1.2b2c43f31b791p+438, -0x1.ec7bfc39c7a22p-883, 0x1.50bbb02d66bd1p+46, -0x1.2f689ccc27875p-482, -0x1.40f5133beb3bfp+962, 0x1.ec7bfc39c7a22p-883, 0x1.89ded24fb2664p+359, -0x1.e2ecbdf05daa6p+22, 0x1.9244df40c3dbap+592, 0x1.afa2d16be6adbp+18, 0x1.4a15596e43b15p+14, -0x1.33ec5cd8e4d92p+243, -0x1.bc1efad1679dap+45, 0x1.0472b8adeb585p-535, 0x1.2b2c43f31b791p+438, 0x1.33ec5cd8e4d92p+243, -0x1.94889cac286a0p-7, -0x1.a32643bd1cd40p-61, -0x1.0ec44b7e23c60p+56, -0x1.50bbb02d66bcdp+46, -0x1.55b1f6de3173bp-4, 0x1.40f5133beb3bfp+962, 0x1.8e2570a575b5cp-31, -0x1.cdb1127ed7101p+9, 0x1.2f689ccc27875p-482, -0x1.89ded24fb2664p+359, -0x1.4b34d14c3683ap+32},
    {13, 0x1.1960f6a92c014p+39, -0x1.5eb915bf1e838p+29, 0x1.41b5efa2b1ff7p-54, -0x1.86635c772ef6ep+28, 0x1.148259283f14ep-38, -0x1.0f3df32a59a37p-6, 0x1.412eb71214daap-625, 0x1.9427a9e0d5621p+8, -0x1.18140771f7800p+16, -0x1.108ab678866acp-298, -0x1.743f32efc2e9fp+55, -0x1.412eb71214daap-625, 0x1.108ab678866acp-298},
    {33, -0x1.d8bcad9ee42a0p+168, -0x1.6dc3b9416768bp-313, -0x1.d77ef959f62cfp+64, -0x1.29e562243ef21p+29, 0x1.0c5d077e1fd30p-193, 0x1.29e562243ef1fp+29, 0x1.633bd90fc19c6p+56, 0x1.b73deec422e0dp-906, 0x1.d8bcad9ee42a0p+168, 0x1.2b05dd1a6c43fp-369, -0x1.0c5d077e1fd30p-193, 0x1.304a8605d0870p-17, 0x1.c1cc689c386ddp-12, -0x1.24b2de2e81df0p+620, 0x1.24b2de2e81df0p+620, 0x1.6dc3b9416768bp-313, 0x1.49e391d560df1p-68, -0x1.de3fb7a57b95fp+51, -0x1.295527ce10a7cp-1, 0x1.713c3b9259a3dp-697, 0x1.295527ce10a84p-1, 0x1.d77ef959f62c2p+64, -0x1.b73deec422e0dp-906, 0x1.79121c405e434p+1, 0x1.7b54235ec6d92p+16, 0x1.586e73a09bfa0p+38, 0x1.37ae31e7989f2p-791, -0x1.1060f66d9a9e7p-50, 0x1.08f101e4d5a57p-55, -0x1.37ae31e7989f2p-791, -0x1.08f101e4d5a57p-55, -0x1.c1cc689c386ddp-12, -0x1.633bd90fc19c0p+56},
    {28, -0x1.0322c16d54a7fp+936, -0x1.ef05e90ed8361p-590, 0x1.493974ac6c5a3p-105, 0x1.ef05e90ed8361p-590, -0x1.3942fa5af6737p+29, -0x1.e3ff108448294p-70, 0x1.3add853e4c239p-683, -0x1.85d4c543d41f8p+667, 0x1.b405e023f817ap-44, 0x1.0322c16d54a7fp+936, -0x1.439c3e6dee1aep+22, 0x1.c9ff023a19e97p+47, -0x1.520936fbe5d6ap+673, -0x1.c9ff023a19ea2p+47, -0x1.3add853e4c239p-683, -0x1.5726c6024c7a7p-4, 0x1.520936fbe5d6ap+673, 0x1.e3ff108448294p-70, -0x1.49a9673051870p+33, 0x1.439c3e6dee1b2p+22, -0x1.28b4f4383cba3p-589, 0x1.2acd54cc291bfp+45, 0x1.d674c6d85999ep-131, -0x1.855ee83c838fbp+933, 0x1.855ee83c838fbp+933, 0x1.49a9673051873p+33, -0x1.fd8260d5ed100p-8, 0x1.85d4c543d41f8p+667},
    {12, -0x1.f577ec99b930bp-169, -0x1.3ddc6ab0cbadcp-1, -0x1.538a0e0570fc7p+66, 0x1.4b2d9cd478b89p+66, -0x1.4062f375f7da6p-347, -0x1.40ed2b744afd5p-881, 0x1.41f59aef80e97p+68, 0x1.4062f375f7da6p-347, 0x1.fa7767e75df24p+31, 0x1.3ddc6ab0cbaddp-1, -0x1.41f59aef80e96p+68, 0x1.40ed2b744afd5p-881},
    {19, -0x1.ed2b8257f0e7bp+24, -0x1.4c490eab7d453p+567, 0x1.22e2baf6ee61ep+490, 0x1.ed2b8257f0e6cp+24, 0x1.4c490eab7d453p+567, 0x1.09aa40f7b9b8fp+126, 0x1.68496a6c68440p+46, 0x1.6713446bde6e5p+28, -0x1.cda9218de189ap-433, -0x1.8636d790859a7p-975, -0x1.8289daeca9599p-107, -0x1.d1ec29bd622ccp-782, -0x1.6713446bde6e9p+28, -0x1.09aa40f7b9b8fp+126, -0x1.22e2baf6ee61ep+490, 0x1.26232b619097bp-1, -0x1.0ea1bd946dd9dp+63, 0x1.18a97c5803facp-21, -0x1.68496a6c68444p+46},
    {29, -0x1.b48099fa86fb6p+733, 0x1.43345f0b4a444p-17, -0x1.0c2bb661883efp+63, 0x1.ad69d73920539p+407, 0x1.b48099fa86fb6p+733, -0x1.6cda8fa69c47bp+33, -0x1.bedec30cdff54p+52, 0x1.8a3986aedbf29p-426, 0x1.026252bf28e9cp+453, 0x1.0c2bb661883eap+63, 0x1.14c193aa314fdp-193, 0x1.6cda8fa69c471p+33, 0x1.8df96ca02739ap-48, -0x1.52e7f98eb8553p-48, -0x1.f4b297ec4555cp+726, 0x1.52e7f98eb8553p-48, -0x1.19f1a86e23274p-7, 0x1.bedec30cdff57p+52, 0x1.161ebd4e2c07dp+23, 0x1.0d51e80390803p-835, -0x1.026252bf28e9cp+453, 0x1.16791268f80bcp+16, 0x1.9048bb2e1f529p+45, -0x1.5b430c59fa945p+36, -0x1.ad69d73920539p+407, -0x1.14c193aa314fdp-193, 0x1.f4b297ec4555cp+726, -0x1.b537b30204760p-25, -0x1.3641e37c4b0d7p-1},
    {30, -0x1.e56eb568a9385p-314, -0x1.dedc50007ea47p-664, -0x1.1fb61e42b13f9p-909, -0x1.79134d780b5ebp+29, 0x1.d80e718432f76p+10, 0x1.ad9af56c6bca3p+466, 0x1.1fb61e42b13f9p-909, 0x1.2ebb49f6ca3ecp+66, -0x1.ad9af56c6bca3p+466, 0x1.2ccd821bef7a5p-997, -0x1.ac3a557dd6cb9p+25, 0x1.dedc50007ea47p-664, 0x1.855ad98b094f3p+7, 0x1.b6ad7fbb8e6f8p-11, 0x1.0cf7028ef24f7p+53, 0x1.ac3a557dd6cbep+25, -0x1.8cfedf1ae3b25p-984, -0x1.119073c69a0adp-47, -0x1.2ccd821bef7a5p-997, 0x1.ac8e25426ce71p-742, 0x1.804fbe28c565ep-138, -0x1.b94bae192a15cp+5, -0x1.d80e718432f6fp+10, -0x1.2ebb49f6ca3f0p+66, -0x1.ac8e25426ce71p-742, 0x1.e56eb568a9385p-314, 0x1.c6ae12796cbb1p-207, -0x1.ae070764ce774p-852, 0x1.ae070764ce774p-852, 0x1.4cdcc04e69965p-68},
    {23, 0x1.d9c5c561b7419p-852, -0x1.d4d9d8eaf13aap+726, -0x1.6518267c020d1p+22, -0x1.3d40e92bb0aa6p+710, 0x1.58743723c7a45p-68, -0x1.4f463497032d4p-914, 0x1.92ebf4dc97e2bp+29, 0x1.d4d9d8eaf13aap+726, 0x1.f08463e0e510bp-460, -0x1.7a73f6165b8ffp-98, -0x1.95f6b65811bdep+72, 0x1.c828a4a5cb6e1p+51, 0x1.7a73f6165b8ffp-98, -0x1.af36c180048c4p-925, -0x1.faffa8ad06cb3p-826, 0x1.c60301e9af922p-723, 0x1.af36c180048c4p-925, 0x1.95f6b65811bd6p+72, 0x1.4f463497032d4p-914, 0x1.3d40e92bb0aa6p+710, -0x1.c60301e9af922p-723, 0x1.faffa8ad06cb3p-826, 0x1.17b651753d2abp-67},
    {3, 0x1.249ad2594c37dp+332, 0x1.0000000000000p+0, -0x1.249ad2594c37dp+332},
    {10, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4, 0x1.999999999999ap-4},
    {2, 0x1.0000000000000p+0, 0x1.0000000000000p-53},
    {3, 0x1.0000000000000p+0, 0x1.0000000000000p-53, 0x0.0000000000001p-1022},
    {2, 0x1.0000000000001p+0, 0x1.0000000000000p-53},
    {3, 0x0.0000000000001p-1022, 0x0.0000000000001p-1022, -0x1.0000000000000p-1022},
    {2, -0x0.0p+0, -0x0.0p+0},
};
static const double fsum_out[] = {
    -0x1.795ebc8bbbd32p+64, /* -2.7192378908447285e+19 */
    -0x1.1b2aecd753331p+33, /* -9501530542.649996 */
    0x1.5847fc2dab441p+48, /* 378541173484356.06 */
    0x1.2fb1b7df326c8p+49, /* 667830634570969.0 */
    0x1.85f9a4e96b7a2p+25, /* 51114825.82359244 */
    0x1.3fea07d111989p+55, /* 4.5023918431980616e+16 */
    -0x1.b8109873dd124p+49, /* -967712786856484.5 */
    -0x1.4ba67b1b1b0a0p+32, /* -5564168987.105621 */
    -0x1.743e1a17491ecp+55, /* -5.23884865585519e+16 */
    -0x1.de34f431c91a3p+51, /* -4206351946238161.5 */
    0x1.2acc1b892ebd8p+45, /* 41066387547607.69 */
    -0x1.0b8e26171e966p+61, /* -2.4099236169448684e+18 */
    -0x1.0ea1bd946dd9dp+63, /* -9.75053815334338e+18 */
    0x1.8f9b1e07e1262p+45, /* 54921420405796.766 */
    0x1.0cf70115d7065p+53, /* 9463359723987146.0 */
    0x1.c828aad652805p+51, /* 4012415737041922.5 */
    0x1.0000000000000p+0, /* 1.0 */
    0x1.0000000000000p+0, /* 1.0 */
    0x1.0000000000000p+0, /* 1.0 */
    0x1.0000000000001p+0, /* 1.0000000000000002 */
    0x1.0000000000002p+0, /* 1.0000000000000004 */
    -0x0.ffffffffffffep-1022, /* -2.2250738585072004e-308 */
    0x0.0p+0, /* 0.0 */
};

Test(numfmt, shortest_round_trip_text)
{
    for (size_t i = 0; i < sizeof fmt_cases / sizeof fmt_cases[0]; i++) {
        char buf[40];
        memset(buf, 'X', sizeof buf);
        size_t n = num_fmt_double(buf, fmt_cases[i].x);
        cr_expect_str_eq(buf, fmt_cases[i].text, "num_fmt_double(%a) = '%s', expected '%s'",
                         fmt_cases[i].x, buf, fmt_cases[i].text);
        cr_expect_eq(n, strlen(buf));
    }
}

/* Significant digits of a num_fmt_double text: no leading zeros, nor the
 * trailing zeros of a plain integer. */
static int sig_digits(const char *buf)
{
    const char *e = strchr(buf, 'e');
    const char *end = e ? e : buf + strlen(buf);
    const char *first = buf;
    while (first < end && (*first < '1' || *first > '9'))
        first++;
    const char *last = end;
    if (!e && !strchr(buf, '.'))
        while (last > first && last[-1] == '0')
            last--;
    int sig = 0;
    for (const char *q = first; q < last; q++)
        sig += *q >= '0' && *q <= '9';
    return sig;
}

/* Random bit patterns: the text reads back as x, follows the notation rule,
 * and no shorter %.*e rendering reads back (shortest, up to the tie cases
 * the table above covers). */
Test(numfmt, random_doubles_round_trip)
{
    uint64_t seed = 5;
    int done = 0;
    while (done < 100000) {
        uint64_t b = rng_next(&seed);
        double x;
        memcpy(&x, &b, sizeof x);
        if (!isfinite(x))
            continue;
        done++;
        char buf[40];
        size_t n = num_fmt_double(buf, x);
        cr_assert(n < 40 && n == strlen(buf), "%a: length %zu", x, n);
        char *end;
        double y = strtod(buf, &end);
        cr_assert(*end == 0 && y == x, "%a printed as '%s' reads back as %a", x, buf, y);
        double ax = fabs(x);
        bool plain = ax >= 1e-6 && ax < 1e15;
        const char *e = strchr(buf, 'e');
        cr_assert(plain ? e == NULL : (e && (e[1] == '+' || e[1] == '-') && e[2] != '0'),
                  "%a printed as '%s'", x, buf);
        const char *dot = strchr(buf, '.');
        if (dot) {
            const char *last = e ? e - 1 : buf + n - 1;
            cr_assert(*last != '0' && *last != '.', "%a printed as '%s': trailing zero", x, buf);
        }
        if (e)
            cr_assert(buf[x < 0] != '0' && (e - buf - (x < 0) == 1 || buf[1 + (x < 0)] == '.'),
                      "%a printed as '%s'", x, buf);
        int sig = sig_digits(buf);
        int shortest = 17;
        for (int p = 1; p <= 17; p++) {
            char t[40];
            snprintf(t, sizeof t, "%.*e", p - 1, x);
            if (strtod(t, NULL) == x) {
                shortest = p;
                break;
            }
        }
        cr_assert(sig <= shortest, "%a printed as '%s' (%d digits; %d suffice)", x, buf, sig, shortest);
    }
}

/* Python 3.11: significant digits of repr(2^e), for e = -1074 ... 1023,,
 * one character per e: '1'-'9', then 'a' = 10 ... 'h' = 17. */
static const char pow2_digits[] =
    "111112324334554655777787788999abaaaccbcdcdeddfedddghhgghhgggghhh"
    "ghgghgghhhghhghhghhgghhghhggggghgffffggghggghhghhhhhhghgghgghhhg"
    "gffggghggghgghhggggghhghhghggghgghhggggghgghgghhgghgghhghhgghhgg"
    "ffgggghhghhghhghhgghhghhhhhgfggghhghgffggghgfgggghgghhghhhghhggg"
    "ghhhghhghhghhgghhgggghhgghhghhggggghgghhghhhhhhghgghhghhhghhgggg"
    "hhhgggghhghggghgghhhhhhgggghhghhgghhgggghhggggghhggfeefffggghhgg"
    "hhggffgggghgghhghhggggghgghgghhgghhghhghhgggffggghggghgfggghhhgh"
    "hgggghhhghhghgghhgghhghgfgggghgfggghhgghhghhgggghhgfggghgfgggggg"
    "ghhghhgfggghhghggghhghgghhgfggghhhhhgghgghgghhgghhghgghhhgggghgf"
    "ggggggghhghhhhggghhghhhhhgghhgggghhhghhghhghhgghhghhghhhgggghggh"
    "hhghgghhggggghhghhghhgghhggffgggghhghhghhhgggghhghhghhgghgghgfff"
    "ffggghhhhhgghhghhghhhghgghhhhhgghhghhggfeefffggghhhghgghgghhgghg"
    "ghgghhgghhghgfggghgggggghhghhgghhghgghhhghhgggghhhgggghhggggghhg"
    "hhggggghgfggghhgghhghgghhhghhghhghhgghhghgghhhghgghhghhhhggghhgg"
    "ffgggghhghhghhgghhghhghhhghggggghhgfggghhghhgghhghgghgfefffggghg"
    "ffggghhggggghgghhgggghhhghhghhghhhghgghhghggghhghgghgggggghhghgg"
    "ghgghgghhgghgghhghhggggghhghgfeedccbaa98776554332111112223334444"
    "5556667777888999aaaabbbcccddddeeefffgggghgghhggggghhghhghhgfgggh"
    "gghhgghhghgghhgghgghhghgghggghhgggghggggffggghhgghgfggghhhggffgg"
    "ghhgffeefffgggghhgggghhhghhghhghhgggggggghhhghhghhghhggggghhghhg"
    "hhgfggghhhhhhggffggghhhgggghhghhgghgghgfgggghgghgfgggghhghhghhhg"
    "hggggghhggggghhghhhghgghhghhgggggggghhhhhhgggghhggfffggghgfggggh"
    "gghhghhhghgghhghhgghhghhghhhghgghhghhhghhghgghgffggghhghhhhhgfgg"
    "ghhghggghgghhghhgghgghhghhgghhghgfgggghgghhghhgghhghhggggghhgggg"
    "hhhghhghgghggghhghhggggggffggghgghhhgggghhghggghhghhghhgghgfgggh"
    "gffgggggghhhghggggghhgghhghhghhgghhghgghhgghhghgghhgghhgggghhghh"
    "gfggghhghhgghhghhghhgghhghhggggghgfggghhgffffggghhgfggghgfgggghh"
    "gggghhgghgghgghhhgggghgghhghhgfggghgghhgghhghgghhgghgghhgggggggg"
    "hhghgffggghhggggghhghgfgggghgfggghhgfgggggghhhghhgggghhgghgfgggh"
    "hghhhghhghgghhgghggggghhgghhghhghhhghgghhghhgggffggghggghgfggghg"
    "gggfefffgggghhghhghhhghgghgghhghhhgggghhghhgfggghhghggghhgggghgf"
    "fggghhghhgghhggffgggghhggffgggggggggghggghgffeddcbbcccdddeeeefff"
    "ggghhghggghgfggghhgghhghhghhhghhghhghhgghgghhghgff"
    ;

/* Every power of two (where the rounding interval is lopsided, so the
 * nearest decimal of a length may miss it while a neighbour does not):
 * exactly as many digits as Python's repr, and it reads back. */
Test(numfmt, powers_of_two_shortest)
{
    cr_assert_eq(strlen(pow2_digits), 1023 + 1074 + 1);
    for (int e = -1074; e <= 1023; e++) {
        double x = ldexp(1.0, e);
        char buf[40];
        num_fmt_double(buf, x);
        cr_assert(strtod(buf, NULL) == x, "2^%d printed as '%s' does not read back", e, buf);
        char c = pow2_digits[e + 1074];
        int want = c <= '9' ? c - '0' : c - 'a' + 10;
        cr_expect_eq(sig_digits(buf), want, "2^%d printed as '%s': %d digits, repr has %d", e, buf,
                     sig_digits(buf), want);
    }
}

Test(numfmt, negative_zero_prints_zero)
{
    char buf[40];
    cr_assert_eq(num_fmt_double(buf, -0.0), 1);
    cr_assert_str_eq(buf, "0");
    cr_assert_eq(num_fmt_double(buf, 0.0), 1);
    cr_assert_str_eq(buf, "0");
}

Test(numfmt, plain_notation_bounds)
{
    char buf[40];
    num_fmt_double(buf, 1e15);
    cr_assert_str_eq(buf, "1e+15");
    num_fmt_double(buf, 999999999999999.9);
    cr_assert_str_eq(buf, "999999999999999.9");
    num_fmt_double(buf, 1e-6);
    cr_assert_str_eq(buf, "0.000001");
    num_fmt_double(buf, 9.99e-7);
    cr_assert_str_eq(buf, "9.99e-7");
    num_fmt_double(buf, -1e21);
    cr_assert_str_eq(buf, "-1e+21");
    num_fmt_double(buf, 1.5e-7);
    cr_assert_str_eq(buf, "1.5e-7");
    num_fmt_double(buf, 123000.0);
    cr_assert_str_eq(buf, "123000");
    num_fmt_double(buf, 1.7976931348623157e308);
    cr_assert_str_eq(buf, "1.7976931348623157e+308");
    num_fmt_double(buf, 5e-324);
    cr_assert_str_eq(buf, "5e-324");
}

/* ---- struct wide: 256-bit exact decimal sums ---- */

static const char *wide_text(const struct wide *w, int scale, char *buf)
{
    size_t n = wide_fmt_dec(buf, w, scale);
    cr_assert_eq(n, strlen(buf));
    return buf;
}

/* Values of any size that cancel except for a small target, added in any
 * order (the running sum leaves 128 bits on the way): the target, as text
 * (against num_fmt_dec) and as a double (against strtod). */
Test(numfmt, wide_sum_cancels_exactly)
{
    uint64_t seed = 3;
    for (int t = 0; t < 2000; t++) {
        i128 v[130];
        size_t k = 1 + rng_below(&seed, 64), n = 0;
        for (size_t i = 0; i < k; i++) {
            unsigned __int128 r = (unsigned __int128)rng_next(&seed) << 64 | rng_next(&seed);
            i128 x = (i128)(r >> (1 + rng_below(&seed, 127))); /* 0 <= x < 2^127 */
            if (rng_next(&seed) & 1)
                x = -x;
            v[n++] = x;
            v[n++] = -x;
        }
        i128 target = (i128)(rng_next(&seed) >> 1) - (i128)(rng_next(&seed) >> 1);
        if (t % 3 == 0)
            target *= (i128)1 << 60; /* beyond 64 bits */
        v[n++] = target;
        for (size_t i = n; i > 1; i--) {
            size_t j = rng_below(&seed, i);
            i128 tmp = v[i - 1];
            v[i - 1] = v[j];
            v[j] = tmp;
        }
        struct wide sum = {{0, 0, 0, 0}}, merged = {{0, 0, 0, 0}}, part = {{0, 0, 0, 0}};
        size_t cut = rng_below(&seed, n + 1);
        for (size_t i = 0; i < n; i++) {
            wide_add_i128(&sum, v[i]);
            wide_add_i128(i < cut ? &merged : &part, v[i]);
        }
        wide_add(&merged, &part);
        char a[100], b[100], c[100];
        int scale = (int)rng_below(&seed, NUM_MAX_SCALE + 1);
        num_fmt_dec(c, target, scale);
        cr_assert_str_eq(wide_text(&sum, scale, a), c);
        cr_assert_str_eq(wide_text(&merged, scale, b), c);
        cr_assert(wide_to_double(&sum, scale) == strtod(c, NULL), "%s", c);
    }
}

Test(numfmt, wide_beyond_128_bits)
{
    char buf[100];
    const i128 m = num_pow10(38) - 1;
    struct wide w = {{0, 0, 0, 0}};
    for (int i = 0; i < 3; i++)
        wide_add_i128(&w, m);
    cr_assert_str_eq(wide_text(&w, 0, buf), "299999999999999999999999999999999999997");
    cr_assert_str_eq(wide_text(&w, 1, buf), "29999999999999999999999999999999999999.7");
    cr_assert(wide_to_double(&w, 0) == 299999999999999999999999999999999999997.0);
    cr_assert(wide_mul_pow10(&w, 30));
    cr_assert_str_eq(wide_text(&w, 30, buf),
                     "299999999999999999999999999999999999997.000000000000000000000000000000");

    struct wide n = {{0, 0, 0, 0}};
    for (int i = 0; i < 4; i++)
        wide_add_i128(&n, -m);
    cr_assert_str_eq(wide_text(&n, 0, buf), "-399999999999999999999999999999999999996");
    cr_assert(wide_to_double(&n, 2) == -3999999999999999999999999999999999999.96);
    for (int i = 0; i < 4; i++)
        wide_add_i128(&n, m);
    cr_assert_str_eq(wide_text(&n, 2, buf), "0.00");

    struct wide f = {{0, 0, 0, 0}};
    wide_add_i128(&f, -5);
    cr_assert_str_eq(wide_text(&f, 2, buf), "-0.05");
    cr_assert(wide_mul_pow10(&f, 3));
    cr_assert_str_eq(wide_text(&f, 5, buf), "-0.05000");

    /* 10^76 fits 255 bits, 10^77 does not */
    struct wide big = {{0, 0, 0, 0}};
    wide_add_i128(&big, -1);
    cr_assert(wide_mul_pow10(&big, 38));
    cr_assert(wide_mul_pow10(&big, 38));
    cr_assert_str_eq(wide_text(&big, 0, buf),
                     "-10000000000000000000000000000000000000000000000000000000000000000000000000000");
    cr_assert(!wide_mul_pow10(&big, 1));
}

/* ---- xsum ---- */

/* Exactly rounded sum by Shewchuk's non-overlapping partials (the method of
 * Python's math.fsum), independent of struct xsum. No intermediate may
 * overflow: callers keep |values| <= 1e300 and n small. */
static double fsum_ref(const double *x, size_t n)
{
    double p[64];
    size_t np = 0;
    for (size_t k = 0; k < n; k++) {
        double v = x[k];
        size_t i = 0;
        for (size_t j = 0; j < np; j++) {
            double y = p[j];
            if (fabs(v) < fabs(y)) {
                double t = v;
                v = y;
                y = t;
            }
            double hi = v + y;
            double lo = y - (hi - v);
            if (lo != 0)
                p[i++] = lo;
            v = hi;
        }
        cr_assert_lt(i, 64);
        p[i++] = v;
        np = i;
    }
    double hi = 0, lo = 0;
    if (np) {
        hi = p[--np];
        while (np) {
            double v = hi, y = p[--np];
            hi = v + y;
            double yr = hi - v;
            lo = y - yr;
            if (lo != 0)
                break;
        }
        /* half-way case: make the rounding of hi + lo right */
        if (np && ((lo < 0 && p[np - 1] < 0) || (lo > 0 && p[np - 1] > 0))) {
            double y = lo * 2;
            double v = hi + y;
            double yr = v - hi;
            if (y == yr)
                hi = v;
        }
    }
    return hi;
}

static double xsum_of(const double *x, size_t n)
{
    struct xsum s;
    xsum_init(&s);
    for (size_t i = 0; i < n; i++)
        xsum_add(&s, x[i]);
    return xsum_round(&s);
}

static void expect_same_double(double got, double want, const char *what, size_t i)
{
    cr_assert(dbits(got) == dbits(want) || (got == 0 && want == 0), "%s %zu: %a (%.17g), expected %a (%.17g)",
              what, i, got, got, want, want);
}

Test(numfmt, xsum_matches_python_fsum)
{
    for (size_t i = 0; i < sizeof fsum_out / sizeof fsum_out[0]; i++) {
        size_t n = (size_t)fsum_in[i][0];
        const double *x = &fsum_in[i][1];
        expect_same_double(fsum_ref(x, n), fsum_out[i], "reference sum of case", i);
        expect_same_double(xsum_of(x, n), fsum_out[i], "xsum of case", i);
    }
}

Test(numfmt, xsum_classic_cases)
{
    const double a[] = {1e100, 1.0, -1e100};
    cr_assert_eq(xsum_of(a, 3), 1.0);
    double b[10];
    for (int i = 0; i < 10; i++)
        b[i] = 0.1;
    cr_assert_eq(xsum_of(b, 10), 1.0);
    /* past the double range on the way, back inside at the end */
    const double c[] = {1e308, 1e308, -1e308};
    cr_assert_eq(xsum_of(c, 3), 1e308);
    const double d[] = {1.7976931348623157e308, 1.7976931348623157e308, -1.7976931348623157e308,
                        -1.7976931348623157e308, 5e-324};
    cr_assert_eq(xsum_of(d, 5), 5e-324);
    /* ties to even, and a sticky bit far below breaking the tie */
    const double e[] = {1.0, 0x1p-53};
    cr_assert_eq(xsum_of(e, 2), 1.0);
    const double f[] = {1.0, 0x1p-53, 0x1p-1074};
    cr_assert_eq(xsum_of(f, 3), 1.0 + 0x1p-52);
    const double g[] = {1.0 + 0x1p-52, 0x1p-53};
    cr_assert_eq(xsum_of(g, 2), 1.0 + 0x1p-51);
    const double h[] = {-1.0, -0x1p-53, -0x1p-1074};
    cr_assert_eq(xsum_of(h, 3), -1.0 - 0x1p-52);
    cr_assert_eq(xsum_of(NULL, 0), 0.0);
    const double z[] = {5e-324, -5e-324};
    cr_assert_eq(xsum_of(z, 2), 0.0);
}

/* Random arrays, mixed magnitudes and signs with many (near) cancellations:
 * the exactly rounded sum, whatever the order of the additions and however
 * they are split into accumulators merged in any order. */
static double rand_value(uint64_t *seed)
{
    uint64_t r = rng_next(seed);
    double m = (double)(r >> 11) * 0x1p-53; /* [0, 1) */
    int e;
    switch (rng_below(seed, 4)) {
    case 0:
        e = (int)rng_below(seed, 1995) - 997; /* about 1e-300 .. 1e300 */
        break;
    case 1:
        e = (int)rng_below(seed, 120) - 60;
        break;
    case 2:
        e = (int)rng_below(seed, 40) - 1074 + 52; /* subnormals and the smallest normals */
        m = (double)(r >> 11);
        return (r & 1 ? -1 : 1) * ldexp(m, e - 52);
    default:
        e = (int)rng_below(seed, 200) - 100;
        break;
    }
    return (r & 1 ? -1 : 1) * ldexp(m, e);
}

Test(numfmt, xsum_order_and_split_independent)
{
    uint64_t seed = 99;
    double x[256], y[256];
    for (int t = 0; t < 3000; t++) {
        size_t n = 1 + rng_below(&seed, 200);
        size_t i = 0;
        while (i < n) {
            double v = rand_value(&seed);
            x[i++] = v;
            size_t k = rng_below(&seed, 4);
            if (k == 0 && i < n)
                x[i++] = -v; /* exact cancellation */
            else if (k == 1 && i < n)
                x[i++] = -v * (1 + 0x1p-52 * (double)(1 + rng_below(&seed, 8))); /* near cancellation */
        }
        /* cancel a random earlier value now and then */
        for (size_t j = 0; j < n / 4; j++)
            x[rng_below(&seed, n)] = -x[rng_below(&seed, n)];
        double want = fsum_ref(x, n);
        expect_same_double(xsum_of(x, n), want, "random array", (size_t)t);

        /* shuffled */
        memcpy(y, x, n * sizeof *x);
        for (size_t j = n; j > 1; j--) {
            size_t k = rng_below(&seed, j);
            double tmp = y[j - 1];
            y[j - 1] = y[k];
            y[k] = tmp;
        }
        expect_same_double(xsum_of(y, n), want, "shuffled array", (size_t)t);

        /* split into pieces (some empty), merged in a random order and grouping */
        size_t np = 1 + rng_below(&seed, 8);
        struct xsum parts[8];
        for (size_t j = 0; j < np; j++)
            xsum_init(&parts[j]);
        for (size_t j = 0; j < n; j++)
            xsum_add(&parts[rng_below(&seed, np)], y[j]);
        size_t live = np;
        while (live > 1) {
            size_t a = rng_below(&seed, live), b = rng_below(&seed, live - 1);
            if (b >= a)
                b++;
            xsum_merge(&parts[a], &parts[b]);
            parts[b] = parts[live - 1];
            live--;
        }
        expect_same_double(xsum_round(&parts[0]), want, "merged array", (size_t)t);
    }
}

/* Merging leaves from unchanged, and merging a copy twice doubles the sum. */
Test(numfmt, xsum_merge_keeps_source)
{
    struct xsum a, b;
    xsum_init(&a);
    xsum_init(&b);
    xsum_add(&b, 0.1);
    xsum_add(&b, 1e-300);
    xsum_add(&a, 1.0);
    struct xsum copy = b;
    xsum_merge(&a, &b);
    cr_assert_eq(xsum_round(&b), xsum_round(&copy));
    xsum_merge(&a, &b);
    const double want[] = {1.0, 0.1, 1e-300, 0.1, 1e-300};
    cr_assert_eq(xsum_round(&a), fsum_ref(want, 5));
}

/* ---- issue 11: exact means, variances and interpolation ---- */

static struct wide wide_of(i128 v)
{
    struct wide w = {{0, 0, 0, 0}};
    wide_add_i128(&w, v);
    return w;
}

/* Decimals and reals together, exact: 123456789.123 twice (as an exact
 * decimal sum) has variance 0; with 1e0 (a real) added, the answer is the
 * exact one rounded once. */
Test(numfmt, exact_variance_mixes_decimals_and_reals)
{
    struct wide s1 = wide_of((i128)123456789123 * 2), s2 = {{0, 0, 0, 0}};
    wide_add_square(&s2, (i128)123456789123);
    wide_add_square(&s2, (i128)123456789123);
    struct xsum x1;
    struct xsq x2;
    xsum_init(&x1);
    xsq_init(&x2);
    cr_assert_eq((double)exact_variance(&s1, &s2, 3, &x1, &x2, 2), 0.0);
    xsum_add(&x1, 1.0);
    xsq_add_square(&x2, 1.0);
    /* Python: statistics.variance([Fraction("123456789.123")] * 2 + [1]), and the mean */
    cr_assert_eq((double)exact_variance(&s1, &s2, 3, &x1, &x2, 3), 5080526177882438.0,
                 "%.17g", (double)exact_variance(&s1, &s2, 3, &x1, &x2, 3));
    cr_assert_eq(exact_mean(&s1, 3, &x1, 3), 82304526.41533333, "%.17g", exact_mean(&s1, 3, &x1, 3));
}

/* Squares beyond the double range, and below it, are exact. */
Test(numfmt, xsq_holds_every_square)
{
    struct wide z = {{0, 0, 0, 0}};
    struct xsum x1;
    struct xsq x2;
    xsum_init(&x1);
    xsq_init(&x2);
    double v[] = {1e200, 1e200, 1e308, -1e308, 1e-300, 3e-300};
    for (int i = 0; i < 2; i++) {
        xsum_add(&x1, v[i]);
        xsq_add_square(&x2, v[i]);
    }
    cr_assert_eq((double)exact_variance(&z, &z, 0, &x1, &x2, 2), 0.0);
    cr_assert_eq(exact_mean(&z, 0, &x1, 2), 1e200);
    xsum_init(&x1);
    xsq_init(&x2);
    for (int i = 2; i < 4; i++) {
        xsum_add(&x1, v[i]);
        xsq_add_square(&x2, v[i]);
    }
    long double var = exact_variance(&z, &z, 0, &x1, &x2, 2); /* 2e616 */
    cr_assert(isinf((double)var) && isfinite(var), "%Lg", var);
    cr_assert_eq((double)sqrtl(var), 1.4142135623730951e308, "%.17g", (double)sqrtl(var));
    xsum_init(&x1);
    xsq_init(&x2);
    for (int i = 4; i < 6; i++) {
        xsum_add(&x1, v[i]);
        xsq_add_square(&x2, v[i]);
    }
    var = exact_variance(&z, &z, 0, &x1, &x2, 2); /* 2e-600: below doubles, not below long doubles */
    cr_assert_eq((double)sqrtl(var), 1.4142135623730952e-300, "%.17g", (double)sqrtl(var));
    /* three 1.7e308: the sum is past DBL_MAX, the mean is not */
    xsum_init(&x1);
    for (int i = 0; i < 3; i++)
        xsum_add(&x1, 1.7e308);
    cr_assert_eq(exact_mean(&z, 0, &x1, 3), 1.7e308);
}

static struct num num_of(const char *s)
{
    struct num n;
    cr_assert_neq(num_parse((const uint8_t *)s, strlen(s), &n), NUM_NONE, "%s", s);
    return n;
}

Test(numfmt, interpolation_is_exact)
{
    struct num a = num_of("-1000000000.0"), b = num_of("1000000000.2");
    cr_assert_eq(num_interp(&a, &b, 50, 2), 0.1);
    cr_assert_eq(num_interp(&a, &b, 25, 2), -499999999.95);
    cr_assert_eq(num_interp(&a, &b, 0, 2), -1e9);
    struct num c = num_of("-1.7e308"), d = num_of("1.7e308");
    cr_assert_eq(num_interp(&c, &d, 50, 2), 0.0);
    cr_assert_eq(num_interp(&c, &d, 75, 2), 8.5e307);
    /* a decimal and a real: 0.1 + (0.3 - 0.1) * 0.3 with 0.3 the double */
    struct num e = num_of("0.1"), f = num_of("3e-1");
    cr_assert_eq(num_interp(&e, &f, 3, 1), 0.16);
    /* mantissas past 128 bits when scaled */
    struct num g = num_of("99999999999999999999999999999999999999"), h = num_of("0.00000000000000000000000000001");
    cr_assert_eq(num_interp(&g, &h, 5, 1), 5e37);
}
