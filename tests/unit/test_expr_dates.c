/* test_expr_dates.c - the functions made for computed keys (substr round
 * floor ceil year month day hour minute date date_trunc), through
 * expr_eval_text, the text a computed key gets: edge dates (leap days,
 * year ends, ISO weeks across years, quarters), what is not a date (null),
 * separators, fractional seconds and offsets, and the batch contract (a
 * text stays valid until expr_ctx_reset).
 *
 * Every field is an exact-length heap copy, so an -fsanitize=address build
 * catches a read past its end (the date parser reads fixed widths).
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/expr.h"

static char *hdr[] = {"t", "x", "s"};

/* The value of text on the row (t, x, s) as text, "NULL" for null, in buf. */
static const char *value_of(char *buf, size_t cap, const char *text, const char *t, const char *x,
                            const char *s)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct expr *e = expr_compile(text, hdr, 3, &err);
    cr_assert_not_null(e, "compile '%s': %s", text, err.msg);
    struct expr_ctx *c = expr_ctx_create(e);
    cr_assert_not_null(c);
    const char *row[3] = {t, x, s};
    const int *cols;
    int n = expr_columns(e, &cols);
    struct expr_val vals[3];
    uint8_t *copies[3];
    for (int i = 0; i < n; i++) {
        const char *f = row[cols[i]] ? row[cols[i]] : "";
        size_t len = strlen(f);
        copies[i] = malloc(len ? len : 1);
        cr_assert_not_null(copies[i]);
        memcpy(copies[i], f, len);
        vals[i] = (struct expr_val){copies[i], len};
    }
    const uint8_t *p;
    size_t len;
    if (expr_eval_text(e, c, vals, &p, &len))
        snprintf(buf, cap, "%.*s", (int)len, (const char *)p);
    else
        snprintf(buf, cap, "NULL");
    cr_assert_eq(expr_ctx_status(c), 0);
    for (int i = 0; i < n; i++)
        free(copies[i]);
    expr_ctx_destroy(c);
    expr_destroy(e);
    return buf;
}

#define EXPECT(want, text, t, x, s)                                                                \
    do {                                                                                           \
        char b_[128];                                                                              \
        cr_expect_str_eq(value_of(b_, sizeof b_, text, t, x, s), want, "%s on t=%s x=%s s=%s",     \
                         text, t ? t : "", x ? x : "", s ? s : "");                                \
    } while (0)
#define T(want, text, t) EXPECT(want, text, t, NULL, NULL)

Test(expr_dates, leap_days)
{
    T("29", "day(t)", "2024-02-29");
    T("NULL", "day(t)", "1900-02-29"); /* 1900 is not a leap year */
    T("2000-02-29", "date(t)", "2000-02-29");
    T("NULL", "date(t)", "2023-02-29");
    T("2024-02-26", "date_trunc(\"week\", t)", "2024-02-29T12:00:00");
    T("2024-02-01", "date_trunc(\"month\", t)", "2024-02-29");
    T("NULL", "year(t)", "2024-02-30");
    T("NULL", "month(t)", "2024-04-31");
    T("30", "day(t)", "2024-04-30");
}

Test(expr_dates, year_ends_and_iso_weeks)
{
    T("2020-12-28", "date_trunc('week', t)", "2021-01-03");
    T("2021-01-04", "date_trunc('week', t)", "2021-01-04");
    T("2024-12-30", "date_trunc('week', t)", "2025-01-01"); /* a week starts in the year before */
    T("2023-12-25", "date_trunc('week', t)", "2023-12-31"); /* a Sunday */
    T("2019-12-30", "date_trunc('week', t)", "2020-01-05");
    T("2000-02-28", "date_trunc('week', t)", "2000-03-05");
    T("1999-01-01", "date_trunc('year', t)", "1999-12-31T23:59:59");
    T("1999-12-31T23:00:00", "date_trunc('hour', t)", "1999-12-31T23:59:59");
    T("1999-12-31T23:59:00", "date_trunc('minute', t)", "1999-12-31T23:59:59");
    T("0001-01-01", "date_trunc('week', t)", "0001-01-07"); /* 0001-01-01 was a Monday */
    T("NULL", "date_trunc('week', t)", "0000-01-01");       /* its week starts in year -1 */
}

Test(expr_dates, quarters)
{
    T("2024-01-01", "date_trunc('quarter', t)", "2024-03-31");
    T("2024-04-01", "date_trunc('quarter', t)", "2024-04-01");
    T("2024-07-01", "date_trunc('quarter', t)", "2024-09-30T10:00");
    T("2024-10-01", "date_trunc('QUARTER', t)", "2024-12-31");
}

Test(expr_dates, fields_separators_fractions_offsets)
{
    T("2024", "year(t)", "2024-03-17T10:20:30");
    T("3", "month(t)", "2024-03-17 10:20:30");
    T("17", "day(t)", "2024-03-17T10:20");
    T("10", "hour(t)", "2024-03-17T10:20:30.123456");
    T("20", "minute(t)", "2024-03-17T10:20:30.5Z");
    T("0", "hour(t)", "2024-03-17");                 /* a date alone is at midnight */
    T("23", "hour(t)", "2024-03-17T23:00:00+02:00"); /* the offset is not applied */
    T("23", "hour(t)", "2024-03-17T23:00:00-0330");
    T("23", "hour(t)", "2024-03-17T23:00:00+05");
    T("2024-03-17", "date(t)", "2024-03-17T23:00:00+02:00");
    T("2024-03-17", "date_trunc('day', t)", "2024-03-17 23:00:00");
    T("2024-03-01", "date_trunc(\"month\", t)", "2024-03-17T10:00:00"); /* SPEC 4's example */
}

Test(expr_dates, not_dates_are_null)
{
    T("NULL", "year(t)", "not a date");
    T("NULL", "year(t)", "");
    T("NULL", "year(t)", "2024-3-17");
    T("NULL", "year(t)", "2024/03/17");
    T("NULL", "year(t)", "2024-03-17T");
    T("NULL", "year(t)", "2024-03-17T10");
    T("NULL", "year(t)", "2024-03-17X10:00");
    T("NULL", "year(t)", "2024-03-17T24:00");
    T("NULL", "year(t)", "2024-03-17T10:60");
    T("NULL", "year(t)", "2024-03-17T10:00:60");
    T("NULL", "year(t)", "2024-03-17T10:00:00.");
    T("NULL", "year(t)", "2024-03-17T10:00:00Zx");
    T("NULL", "year(t)", "2024-03-17T10:00:00+2");
    T("NULL", "year(t)", "2024-03-17T10:00:00+25:00");
    T("NULL", "year(t)", "2024-03-17 ");
    T("NULL", "year(t)", "2024-00-10");
    T("NULL", "year(t)", "2024-01-00");
    T("NULL", "date_trunc(s, t)", "2024-01-01"); /* a unit that is null */
    EXPECT("NULL", "date_trunc(s, t)", "2024-01-01", NULL, "fortnight");
    EXPECT("2024-01-01", "date_trunc(s, t)", "2024-01-05", NULL, "Year");
}

Test(expr_dates, unknown_literal_unit_is_a_usage_error)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    cr_assert_null(expr_compile("date_trunc('decade', t)", hdr, 3, &err));
    cr_expect_str_eq(err.msg, "--where: date_trunc(): unknown unit 'decade' (units: year, "
                              "quarter, month, week, day, hour, minute) at column 1\n"
                              "  date_trunc('decade', t)\n"
                              "  ^");
    memset(&err, 0, sizeof err);
    cr_assert_null(expr_compile("round(x, 1, 2)", hdr, 3, &err));
    cr_expect(strstr(err.msg, "round() takes 1 or 2 arguments") != NULL, "%s", err.msg);
}

Test(expr_dates, substr_is_one_based_bytes)
{
    EXPECT("ell", "substr(s, 2, 3)", NULL, NULL, "hello");
    EXPECT("ello", "substr(s, 2)", NULL, NULL, "hello");
    EXPECT("he", "substr(s, 0, 3)", NULL, NULL, "hello"); /* positions 0..2: only 1, 2 exist */
    EXPECT("hello", "substr(s, -5)", NULL, NULL, "hello");
    EXPECT("NULL", "substr(s, 6)", NULL, NULL, "hello");
    EXPECT("NULL", "substr(s, 2, 0)", NULL, NULL, "hello");
    EXPECT("NULL", "substr(s, 2, -1)", NULL, NULL, "hello");
    EXPECT("NULL", "substr(s, 1.5)", NULL, NULL, "hello");
    EXPECT("ello", "substr(s, 2.0)", NULL, NULL, "hello");
    EXPECT("\xc3", "substr(s, 1, 1)", NULL, NULL, "\xc3\xa9t\xc3\xa9"); /* bytes, not characters */
    EXPECT("2024-03", "substr(t, 1, 7)", "2024-03-17", NULL, NULL);
    EXPECT("23", "substr(x, 2)", NULL, "123", NULL); /* a number's text */
    EXPECT("ello", "substr(s, 2, 4611686018427387904)", NULL, NULL, "hello");
}

Test(expr_dates, round_floor_ceil)
{
    EXPECT("2.35", "round(x, 2)", NULL, "2.345", NULL); /* exact: half away from zero */
    EXPECT("-2.35", "round(x, 2)", NULL, "-2.345", NULL);
    EXPECT("3", "round(x)", NULL, "2.5", NULL);
    EXPECT("-3", "round(x)", NULL, "-2.5", NULL);
    EXPECT("2", "round(x)", NULL, "2.49999999999999999999", NULL);
    EXPECT("1.5", "round(x, 3)", NULL, "1.5", NULL); /* no more digits than it has */
    EXPECT("1200", "round(x, -2)", NULL, "1234", NULL);
    EXPECT("-1300", "round(x, -2)", NULL, "-1250", NULL);
    EXPECT("0", "round(x, -40)", NULL, "1234", NULL);
    EXPECT("0.12", "round(x, 2)", NULL, "1.23e-1", NULL); /* a real: rounded as a double */
    EXPECT("2", "floor(x)", NULL, "2.7", NULL);
    EXPECT("-3", "floor(x)", NULL, "-2.1", NULL);
    EXPECT("3", "ceil(x)", NULL, "2.1", NULL);
    EXPECT("-2", "ceil(x)", NULL, "-2.7", NULL);
    EXPECT("5", "ceil(x)", NULL, "5", NULL);
    EXPECT("1500", "floor(x)", NULL, "1.5e3", NULL);
    EXPECT("NULL", "floor(x)", NULL, "abc", NULL);
    EXPECT("NULL", "round(x, 1.5)", NULL, "2", NULL);
    EXPECT("NULL", "round(x)", NULL, NULL, NULL);
}

Test(expr_dates, key_texts_of_other_values)
{
    EXPECT("true", "x > 1", NULL, "2", NULL);
    EXPECT("false", "x > 1", NULL, "0", NULL);
    EXPECT("3.00", "x * 2", NULL, "1.50", NULL);
    EXPECT("NULL", "x", NULL, NULL, NULL);
    EXPECT("NULL", "trim(s)", NULL, NULL, "   ");
}

/* expr_eval_text's texts of a batch of rows stay valid until the reset. */
Test(expr_dates, texts_live_until_reset)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct expr *e = expr_compile("date_trunc('month', t)", hdr, 3, &err);
    cr_assert_not_null(e);
    struct expr_ctx *c = expr_ctx_create(e);
    enum { N = 3000 }; /* well past the first scratch block */
    static const uint8_t *p[N];
    static size_t len[N];
    char in[N][24];
    for (int i = 0; i < N; i++) {
        snprintf(in[i], sizeof in[i], "%04d-%02d-15", 1000 + i, 1 + i % 12);
        struct expr_val v = {(const uint8_t *)in[i], 10};
        cr_assert_eq(expr_eval_text(e, c, &v, &p[i], &len[i]), 1);
    }
    for (int i = 0; i < N; i++) {
        char want[24];
        snprintf(want, sizeof want, "%04d-%02d-01", 1000 + i, 1 + i % 12);
        cr_assert_eq(len[i], 10);
        cr_assert(memcmp(p[i], want, 10) == 0, "row %d", i);
    }
    expr_ctx_reset(c);
    struct expr_val v = {(const uint8_t *)"2024-05-05", 10};
    cr_assert_eq(expr_eval_text(e, c, &v, &p[0], &len[0]), 1);
    cr_assert(memcmp(p[0], "2024-05-01", 10) == 0);
    expr_ctx_destroy(c);
    expr_destroy(e);
}
