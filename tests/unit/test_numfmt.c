/* test_numfmt.c - number parsing, decimal and shortest-real printing, and
 * comparison (numfmt.h).
 *
 * Expected texts of num_fmt_double come from Python's repr (shortest
 * round-trip digits) rewritten to pcsv's notation. Every parsed field is
 * copied into a buffer of exactly its length, so an -fsanitize=address
 * build catches reads past the end.
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

static int parse(const char *s, struct num *out) { return parse_n(s, strlen(s), out); }

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
    cr_assert(n.mant == want, "'%s': mant %s, expected %s", s, i128_str(n.mant, a),
              i128_str(want, b));
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
    cr_assert_eq(k, NUM_NONE, "'%.*s' (%zu bytes): kind %d, expected NUM_NONE", (int)len, s, len,
                 k);
    cr_assert_eq(n.kind, NUM_NONE, "'%.*s': out->kind %d", (int)len, s, n.kind);
}

static void expect_none(const char *s) { expect_none_n(s, strlen(s)); }

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
        "",
        "-",
        "+",
        ".",
        "-.",
        "+.",
        "1.2.3",
        "12a",
        " 1",
        "1 ",
        "1,000",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "0x10",
        "1e",
        "1e+",
        "1e-",
        "e5",
        ".e5",
        "-e5",
        "--1",
        "+-1",
        "1..2",
        "1e5.0",
        "1e5e5",
        "1e 5",
        "1_000",
        "12345678901234567890a",
        "12345678901234567890.5.5",
        "1234567890123456789012345678901234567890x",
        "12345678901234567890e",
        "1.2345678901234567890123e",
        "1.2345678901234567890123.4",
        "\xd9\xa1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_none(bad[i]);
    expect_none_n("1\0", 2);
    expect_none_n("\0"
                  "1",
                  2);
    expect_none_n("1.5\0"
                  "0",
                  5);
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
        "123456789012345678901234567890123456789",   "1234567890123456789012345678901234567890",
        "-1234567890123456789012345678901234567890", "0.0000000000000000000000000000001",
        "1234567.8901234567890123456789012345678",   "1.23456789012345678901234567890123456789",
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
        cr_assert(n.mant == mant && n.scale == scale,
                  "'%s': mant %s scale %d, expected %s scale %d", text, i128_str(n.mant, a),
                  n.scale, i128_str(mant, b), scale);
        double want = strtod(text, NULL);
        double got = num_dec_to_double(mant, scale);
        cr_assert(dbits(got) == dbits(want) || (got == 0 && want == 0),
                  "num_dec_to_double(%s, %d) = %a, strtod('%s') = %a", i128_str(mant, a), scale,
                  got, text, want);
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
    expect_cmp("99999999999999999999999999999999999999", "99999999999999999999999999999999999998",
               1);
    expect_cmp("-99999999999999999999999999999999999999", "99999999999999999999999999999999999999",
               -1);
    expect_cmp("12345678901234567890", "12345678901234567890.000", 0);
    expect_cmp("12345678901234567891", "12345678901234567890.999", 1);
}

/* Decimals compare exactly even when rescaling both to one scale would not
 * fit in 128 bits (numfmt.h: "Exact between decimals"). */
Test(numfmt, compare_long_decimals_exactly)
{
    expect_cmp("10000000.000000000000000000000000000001", "10000000", 1);
    expect_cmp("1234567890123456789012345678901234567.8", "1234567890123456789012345678901234568",
               -1);
    expect_cmp("9999999999999999999999999999999999999.9", "9999999999999999999999999999999999999",
               1);
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
static const struct {
    double x;
    const char *text;
} fmt_cases[] = {
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
        cr_assert(sig <= shortest, "%a printed as '%s' (%d digits; %d suffice)", x, buf, sig,
                  shortest);
    }
}

/* Python 3.11: significant digits of repr(2^e), for e = -1074 ... 1023,,
 * one character per e: '1'-'9', then 'a' = 10 ... 'h' = 17. */
static const char pow2_digits[] = "111112324334554655777787788999abaaaccbcdcdeddfedddghhgghhgggghhh"
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
                                  "ggghhghggghgfggghhgghhghhghhhghhghhghhgghgghhghgff";

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
