/* test_agg.c - partial aggregates: merging partials in any grouping and
 * order gives the serial result byte for byte (SPEC section 3, determinism),
 * and known answers for sums, means, nulls and bad values.
 *
 * The property test feeds random rows (a small key set with the null key,
 * integers, decimals of scales 0-3, exponent notation, empty values, and in
 * some runs words in the min/max column) once into a single partial through
 * agg_part_row, then again split into random consecutive pieces, one partial
 * per piece, merged in a random grouping and order. It also renders the rows
 * as CSV and feeds random byte ranges of it through the scanner and
 * agg_part_batch (the production path). Every result is written with
 * agg_result_write_part to a file and the files must be identical. The
 * result table's own tests (sorting, reentrancy) are in test_agg_result.c;
 * the helpers both use in agg_fixture.h.
 */
#include <criterion/criterion.h>

#include "testrng.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../io/outsink.h"
#include "../../pipeline/agg.h"
#include "../../pipeline/agg_result.h"
#include "../../pipeline/scan.h"

#include "agg_fixture.h"

TestSuite(agg, .init = tmpdir_make, .fini = tmpdir_remove);

/* ---- known answers ---- */

#define ALL_AGGS "count,count:x,sum:x,mean:x,min:x,max:x,min:y,max:y"
/* the functions with more state: squares, value sets, positions, values */
#define MORE_AGGS                                                                                  \
    "count,var:x,stddev:x,distinct:x,distinct:y,first:x,last:y,first:y,median:x,p90:x,p1:x"

Test(agg, sum_of_a_million_tenths_is_exact)
{
    struct agg_plan *p = plan_make(NULL, "sum:x,count");
    struct agg_part *a = agg_part_create(p);
    cr_assert_not_null(a);
    struct row r = {{"", "", "0.10", ""}};
    for (size_t i = 0; i < 1000000; i++)
        cr_assert_eq(feed(a, p, &r, i, no_bad, NULL), 0);
    char *s = result_ok(a);
    cr_assert_str_eq(s, "x_sum,count\n100000.00,1000000\n");
    free(s);
    agg_part_destroy(a);
    agg_plan_destroy(p);
}

Test(agg, int64_overflow_widens)
{
    struct agg_plan *p = plan_make("k", "sum:x,min:x,max:x");
    const struct row rows[] = {
        {{"a", "", "9223372036854775807", ""}},
        {{"a", "", "9223372036854775807", ""}},
        {{"a", "", "2", ""}},
        {{"b", "", "-9223372036854775808", ""}},
        {{"b", "", "-9223372036854775808", ""}},
        {{"b", "", "-9223372036854775808", ""}},
    };
    char *s = aggregate_rows(p, rows, sizeof rows / sizeof rows[0]);
    cr_assert_str_eq(s, "k,x_sum,x_min,x_max\n"
                        "a,18446744073709551616,2,9223372036854775807\n"
                        "b,-27670116110564327424,-9223372036854775808,-9223372036854775808\n");
    free(s);
    agg_plan_destroy(p);
}

Test(agg, all_null_group_gives_empty_cells)
{
    struct agg_plan *p = plan_make("k", ALL_AGGS);
    const struct row rows[] = {
        {{"a", "", "", ""}},
        {{"b", "", "1", "z"}},
        {{"a", "", "", ""}},
    };
    char *s = aggregate_rows(p, rows, 3);
    cr_assert_str_eq(s, "k,count,x_count,x_sum,x_mean,x_min,x_max,y_min,y_max\n"
                        "a,2,0,,,,,,\n"
                        "b,1,1,1,1,1,1,z,z\n");
    free(s);
    agg_plan_destroy(p);
}

Test(agg, mean_of_one_and_two)
{
    struct agg_plan *p = plan_make(NULL, "mean:x,sum:x,min:x,max:x,count:x");
    const struct row rows[] = {{{"", "", "1", ""}}, {{"", "", "", ""}}, {{"", "", "2", ""}}};
    char *s = aggregate_rows(p, rows, 3);
    cr_assert_str_eq(s, "x_mean,x_sum,x_min,x_max,x_count\n1.5,3,1,2,2\n");
    free(s);
    agg_plan_destroy(p);
}

/* SPEC section 3: 12.30 + 1.2 -> 13.50; integers count as scale 0. */
Test(agg, sum_keeps_most_fraction_digits)
{
    struct agg_plan *p = plan_make("k", "sum:x,min:x,max:x,mean:x");
    const struct row rows[] = {
        {{"a", "", "12.30", ""}},
        {{"a", "", "1.2", ""}},
        {{"b", "", "7", ""}},
        {{"c", "", "-0.001", ""}},
    };
    char *s = aggregate_rows(p, rows, 4);
    cr_assert_str_eq(s, "k,x_sum,x_min,x_max,x_mean\n"
                        "a,13.500,1.200,12.300,6.75\n"
                        "b,7.000,7.000,7.000,7\n"
                        "c,-0.001,-0.001,-0.001,-0.001\n");
    free(s);
    agg_plan_destroy(p);
}

/* Any exponent-notation value makes the column a double column: exact sum,
 * rounded once, shortest text. */
Test(agg, exponent_column_sums_as_doubles)
{
    struct agg_plan *p = plan_make("k", "sum:x,max:x");
    const struct row rows[] = {
        {{"a", "", "1e0", ""}},   {{"a", "", "0.1", ""}},   {{"a", "", "0.2", ""}},
        {{"b", "", "1.5e2", ""}}, {{"b", "", "1e100", ""}}, {{"b", "", "-1e100", ""}},
        {{"c", "", "3", ""}},
    };
    char *s = aggregate_rows(p, rows, sizeof rows / sizeof rows[0]);
    cr_assert_str_eq(s, "k,x_sum,x_max\n"
                        "a,1.3,1\n"
                        "b,150,1e+100\n"
                        "c,3,3\n");
    free(s);
    agg_plan_destroy(p);
}

/* A non-number in a sum column: bad() hears the input column and the
 * value, and the row leaves no trace (its key, counts, its other values,
 * their decimal scale). */
Test(agg, bad_value_reported_and_dropped)
{
    struct agg_plan *p = plan_make("k", "min:y,count,sum:x,max:y,count:y");
    struct agg_part *a = agg_part_create(p);
    cr_assert_not_null(a);
    struct badlog log = {.answer = true};
    const struct row rows[] = {
        {{"a", "", "1", "2"}},         {{"b", "", "zz", "9"}}, /* b's only row */
        {{"a", "", "1.5.5", "0.500"}}, /* would lower a's y_min and widen y's scale */
        {{"a", "", "2", ""}},          {{"c", "", " 3", "1"}},
    };
    for (size_t i = 0; i < 5; i++) {
        int before = log.calls;
        cr_assert_eq(feed(a, p, &rows[i], 100 + i, on_bad, &log), 0);
        bool is_bad = i == 1 || i == 2 || i == 4;
        cr_assert_eq(log.calls, before + is_bad, "row %zu: %d calls", i, log.calls);
        if (is_bad) {
            cr_assert_eq(log.row, 100 + i);
            cr_assert_eq(log.col, 2, "row %zu: column %d", i, log.col);
            cr_assert_str_eq(log.val, rows[i].v[2]);
        }
    }
    cr_assert_eq(agg_part_groups(a), 1);
    char *s = result_ok(a);
    cr_assert_str_eq(s, "k,y_min,count,x_sum,y_max,y_count\na,2,2,3,2,1\n");
    free(s);

    /* bad() answering false: stop, and still nothing of the row */
    log.answer = false;
    const struct row stop = {{"d", "", "x1", "5"}};
    cr_assert_eq(feed(a, p, &stop, 7, on_bad, &log), 1);
    cr_assert_eq(log.row, 7);
    cr_assert_eq(agg_part_groups(a), 1);
    agg_part_destroy(a);
    agg_plan_destroy(p);
}

/* min/max columns are not sum columns: a word there is no bad row, it
 * turns the column's comparison into bytes, over the whole input. */
Test(agg, word_in_minmax_column_compares_bytes)
{
    struct agg_plan *p = plan_make("k", "min:y,max:y");
    const struct row rows[] = {
        {{"a", "", "", "10"}},
        {{"a", "", "", "9"}},
        {{"b", "", "", "NA"}},
        {{"b", "", "", "-1"}},
    };
    char *s = aggregate_rows(p, rows, 4);
    cr_assert_str_eq(s, "k,y_min,y_max\na,10,9\nb,-1,NA\n");
    free(s);
    /* without the word: numeric */
    s = aggregate_rows(p, rows, 2);
    cr_assert_str_eq(s, "k,y_min,y_max\na,9,10\n");
    free(s);
    agg_plan_destroy(p);
}

/* No rows at all: the header, and without --by the one row of the whole
 * (empty) input. */
Test(agg, empty_input)
{
    struct agg_plan *p = plan_make("k", "count,sum:x");
    struct agg_part *a = agg_part_create(p);
    cr_assert_not_null(a);
    char *s = result_ok(a);
    cr_assert_str_eq(s, "k,count,x_sum\n");
    free(s);
    agg_part_destroy(a);
    agg_plan_destroy(p);

    p = plan_make(NULL, "count,count:x,sum:x");
    a = agg_part_create(p);
    cr_assert_not_null(a);
    s = result_ok(a);
    cr_assert_str_eq(s, "count,x_count,x_sum\n0,0,\n");
    free(s);
    agg_part_destroy(a);
    agg_plan_destroy(p);
}

/* min/max compare numerically (SPEC section 3), exactly for decimals:
 * here rescaling both values to one scale does not fit in 128 bits. */
Test(agg, min_max_exact_for_long_decimals)
{
    struct agg_plan *p = plan_make(NULL, "min:y,max:y");
    const char *lo = "10000000", *hi = "10000000.000000000000000000000000000001";
    for (int order = 0; order < 2; order++) {
        const struct row rows[] = {{{"", "", "", order ? hi : lo}},
                                   {{"", "", "", order ? lo : hi}}};
        char *s = aggregate_rows(p, rows, 2);
        cr_assert_str_eq(s,
                         "y_min,y_max\n10000000.000000000000000000000000000000,"
                         "10000000.000000000000000000000000000001\n",
                         "rows in order %d: %s", order, s);
        free(s);
    }
    agg_plan_destroy(p);
}

/* Decimal sums are exact past 38 digits ("widened on overflow, never
 * wrapped"), also when a finer scale elsewhere in the column rescales them. */
Test(agg, sum_beyond_38_digits_exact)
{
    struct agg_plan *p = plan_make("k", "sum:x,mean:x");
    const char *m = "99999999999999999999999999999999999999";
    const struct row rows[] = {
        {{"a", "", m, ""}}, {{"a", "", m, ""}},      {{"a", "", m, ""}},
        {{"b", "", m, ""}}, {{"c", "", "-0.5", ""}}, {{"b", "", "1", ""}},
    };
    char *s = aggregate_rows(p, rows, sizeof rows / sizeof rows[0]);
    cr_assert_str_eq(s, "k,x_sum,x_mean\n"
                        "a,299999999999999999999999999999999999997.0,1e+38\n"
                        "b,100000000000000000000000000000000000000.0,5e+37\n"
                        "c,-0.5,-0.5\n");
    free(s);
    agg_plan_destroy(p);
}

/* A 38-digit minimum in a column whose scale is 1 elsewhere: whatever the
 * number of fraction digits shown, the value is exact. */
Test(agg, min_max_of_38_digit_value_in_scaled_column)
{
    struct agg_plan *p = plan_make(NULL, "max:y");
    const struct row rows[] = {{{"", "", "", "99999999999999999999999999999999999999"}},
                               {{"", "", "", "0.5"}}};
    char *s = aggregate_rows(p, rows, 2);
    cr_assert(strcmp(s, "y_max\n99999999999999999999999999999999999999\n") == 0 ||
                  strcmp(s, "y_max\n99999999999999999999999999999999999999.0\n") == 0,
              "got %s", s);
    free(s);
    agg_plan_destroy(p);
}

/* Whether a sum overflowed the exact range must not depend on how the rows
 * were split: serially 9e37 + 9e37 leaves 128 bits before -9e37 comes back,
 * in two pieces it never does. */
Test(agg, sum_overflow_verdict_independent_of_split)
{
    struct agg_plan *p = plan_make(NULL, "sum:x");
    const char *big = "90000000000000000000000000000000000000";
    const struct row rows[] = {{{"", "", big, ""}},
                               {{"", "", big, ""}},
                               {{"", "", "-90000000000000000000000000000000000000", ""}}};
    struct agg_part *serial = agg_part_create(p), *p1 = agg_part_create(p),
                    *p2 = agg_part_create(p);
    cr_assert(serial && p1 && p2);
    for (size_t i = 0; i < 3; i++)
        cr_assert_eq(feed(serial, p, &rows[i], i, no_bad, NULL), 0);
    cr_assert_eq(feed(p1, p, &rows[0], 0, no_bad, NULL), 0);
    cr_assert_eq(feed(p2, p, &rows[1], 1, no_bad, NULL), 0);
    cr_assert_eq(feed(p2, p, &rows[2], 2, no_bad, NULL), 0);
    cr_assert_eq(agg_part_merge(p1, p2), 0);
    enum pcsv_status c1 = PCSV_OK, c2 = PCSV_OK;
    char *s1 = result_of(serial, &c1), *s2 = result_of(p1, &c2);
    cr_assert_eq(c1, c2, "serial: %s, split: %s", s1 ? s1 : "error", s2 ? s2 : "error");
    if (s1 || s2)
        cr_assert_str_eq(s1, s2);
    free(s1);
    free(s2);
    agg_part_destroy(serial);
    agg_part_destroy(p1);
    agg_part_destroy(p2);
    agg_plan_destroy(p);
}

/* Merging leaves the source partial as it was. */
Test(agg, merge_leaves_source_unchanged)
{
    struct agg_plan *p = plan_make("k", ALL_AGGS);
    const struct row rows[] = {
        {{"a", "", "1.5", "w"}},
        {{"b", "", "2e1", "3"}},
        {{"a", "", "-4", "v"}},
        {{"", "", "", ""}},
    };
    struct agg_part *a = agg_part_create(p), *b = agg_part_create(p);
    cr_assert(a && b);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(feed(b, p, &rows[i], i, no_bad, NULL), 0);
    char *before = result_ok(b);
    cr_assert_eq(agg_part_merge(a, b), 0);
    char *after = result_ok(b), *merged = result_ok(a);
    cr_assert_str_eq(after, before);
    cr_assert_str_eq(merged, before);
    free(before);
    free(after);
    free(merged);
    agg_part_destroy(a);
    agg_part_destroy(b);
    agg_plan_destroy(p);
}

/* ---- the merge property ---- */

static const char *gen_key(struct gen *g)
{
    static const char *letters[] = {"a", "b", "c", "", "ab", "a,b", "B", "q\"uote", "two\nlines"};
    static const char *numbers[] = {"1", "2", "10", "-3", "1.0", "", "0.5", "1e1", "007"};
    static const char *mixed[] = {"1", "x", "", "10", "-"};
    switch (g->keyset) {
    case 0: return letters[rng_below(&g->seed, 9)];
    case 1: return numbers[rng_below(&g->seed, 9)];
    case 2: return mixed[rng_below(&g->seed, 5)];
    default: { /* long keys, quoted when rendered as CSV */
        char t[300];
        size_t n = 100 + rng_below(&g->seed, 150);
        memset(t, "LQ\"q"[rng_below(&g->seed, 4)], n);
        t[n] = 0;
        t[n / 2] = (char)('a' + rng_below(&g->seed, 3));
        if (rng_next(&g->seed) & 1)
            t[n / 3] = ','; /* must be quoted */
        return keep(g, t);
    }
    }
}

/* A random number as text: integer, decimal of scale 0-3 in various
 * spellings, or exponent notation. */
static const char *gen_number(struct gen *g, bool exp_ok)
{
    char t[64];
    uint64_t *s = &g->seed;
    size_t kind = rng_below(s, 10);
    const char *sign = rng_below(s, 3) == 0 ? "-" : rng_below(s, 8) == 0 ? "+" : "";
    if (kind < 3) {
        long long v = (long long)rng_below(s, 1000);
        if (kind == 0)
            v = (long long)rng_below(s, 2000000000000ull);
        if (rng_below(s, 40) == 0)
            v = (long long)(9223372036854775807ull - rng_below(s, 1000)); /* near 2^63 */
        snprintf(t, sizeof t, "%s%lld", sign, v);
    } else if (kind < 8 || !exp_ok) {
        int scale = (int)rng_below(s, 4);
        long long ip = (long long)rng_below(s, 100000), fp = (long long)rng_below(s, 1000);
        static const long long p10[] = {1, 10, 100, 1000};
        fp %= p10[scale];
        switch (rng_below(s, 6)) {
        case 0: /* ".5" */
            if (scale) {
                snprintf(t, sizeof t, "%s.%0*lld", sign, scale, fp);
                break;
            }
            /* fall through */
        case 1: /* "7." */
            if (!scale) {
                snprintf(t, sizeof t, "%s%lld.", sign, ip);
                break;
            }
            /* fall through */
        default:
            if (scale)
                snprintf(t, sizeof t, "%s%lld.%0*lld", sign, ip, scale, fp);
            else
                snprintf(t, sizeof t, "%s%lld", sign, ip);
        }
    } else {
        static const char *e[] = {"1.5e2", "2E-3",   "3e0",  "-7.25e1",
                                  "1e5",   "4.4e-1", "6e+2", ".5e1"};
        snprintf(t, sizeof t, "%s", e[rng_below(s, 8)]);
    }
    return keep(g, t);
}

static void gen_rows(struct gen *g, struct row *rows, size_t n)
{
    static const char *words[] = {"apple", "NA", "b", "Zed", "10a", "nan", " 5", "a,b"};
    for (size_t i = 0; i < n; i++) {
        struct row *r = &rows[i];
        r->v[0] = gen_key(g);
        r->v[1] = (const char *[]){"x", "y", ""}[rng_below(&g->seed, 3)];
        size_t k = rng_below(&g->seed, 20);
        if (k == 0)
            r->v[2] = "";
        else if (k == 1 && g->x_bad)
            r->v[2] = (const char *[]){"oops", "1.2.3", "1,5", ""}[rng_below(&g->seed, 4)];
        else
            r->v[2] = gen_number(g, g->x_exp);
        k = rng_below(&g->seed, 12);
        if (k == 0)
            r->v[3] = "";
        else if (k == 1 && g->y_words)
            r->v[3] = words[rng_below(&g->seed, 8)];
        else
            r->v[3] = gen_number(g, rng_below(&g->seed, 4) == 0);
    }
}

/* Merge parts[0, n) into one in a random grouping and order; destroys the
 * others. */
static struct agg_part *merge_randomly(uint64_t *seed, struct agg_part **parts, size_t n)
{
    while (n > 1) {
        size_t a = rng_below(seed, n), b = rng_below(seed, n - 1);
        if (b >= a)
            b++;
        cr_assert_eq(agg_part_merge(parts[a], parts[b]), 0);
        agg_part_destroy(parts[b]);
        parts[b] = parts[n - 1];
        n--;
    }
    return parts[0];
}

/* The rows as CSV text (no header): fields that need it, and now and then
 * one that does not, are quoted. */
static void rows_csv(struct gen *g, const struct row *rows, size_t n, struct buf *out)
{
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < NCOLS; c++) {
            const char *v = rows[i].v[c];
            if (c)
                buf_puts(out, ",");
            bool q = strpbrk(v, ",\"\n\r") != NULL || rng_below(&g->seed, 10) == 0;
            if (!q) {
                buf_puts(out, v);
                continue;
            }
            buf_puts(out, "\"");
            for (const char *s = v; *s; s++)
                buf_puts(out, *s == '"' ? "\"\"" : (char[]){*s, 0});
            buf_puts(out, "\"");
        }
        buf_puts(out, rng_below(&g->seed, 5) == 0 ? "\r\n" : "\n");
    }
}

/* The CSV text fed through the scanner and agg_part_batch, in random byte
 * ranges, one partial per range, merged randomly. */
static char *aggregate_scanned(uint64_t *seed, const struct agg_plan *p, const char *csv,
                               size_t len)
{
    uint8_t *data = malloc(len ? len : 1);
    cr_assert_not_null(data);
    memcpy(data, csv, len);
    size_t cut[17];
    size_t np = rng_cuts(seed, len, cut, 16);
    struct agg_part *parts[16];
    struct scan_field *fields = calloc((size_t)SCAN_BATCH_ROWS * (size_t)(p->nsel + 1),
                                       sizeof *fields);
    struct scan_batch *b = calloc(1, sizeof *b);
    cr_assert(fields && b);
    b->fields = fields;
    struct badlog log = {.answer = true};
    for (size_t j = 0; j < np; j++) {
        parts[j] = agg_part_create(p);
        cr_assert_not_null(parts[j]);
        bool inq = false;
        for (size_t i = 0; i < cut[j]; i++)
            inq ^= data[i] == '"';
        struct scan s;
        scan_init(&s, data, len, 0, cut[j], cut[j + 1], inq, ',', '"', p->nsel, p->sel,
                  p->nselcols);
        while (scan_next(&s, b)) {
            for (size_t r = 0; r < b->nrows; r++)
                cr_assert(b->nfields[r] == NCOLS && !b->bad_quote[r], "scanner: row shape");
            cr_assert_eq(agg_part_batch(parts[j], data, '"', b, NULL, on_bad, &log), 0);
        }
        cr_assert(!s.unterminated);
    }
    struct agg_part *m = merge_randomly(seed, parts, np);
    char *res = result_ok(m);
    agg_part_destroy(m);
    free(fields);
    free(b);
    free(data);
    return res;
}

Test(agg, merge_in_any_grouping_equals_serial)
{
    static const char *bys[] = {"k", "k,k2", NULL, "k2,k", "k,k"};
    enum { NPLANS = sizeof bys / sizeof bys[0] };
    struct agg_plan *plans[2 * NPLANS];
    for (int i = 0; i < NPLANS; i++) {
        plans[i] = plan_try(bys[i], ALL_AGGS); /* "k,k" may be refused */
        plans[NPLANS + i] = plan_try(bys[i], MORE_AGGS);
    }
    cr_assert(plans[0] && plans[1] && plans[2] && plans[3]);
    enum { MAXROWS = 1500 };
    struct row *rows = calloc(MAXROWS, sizeof *rows);
    cr_assert_not_null(rows);
    for (int t = 0; t < 1000; t++) {
        struct gen g = {.seed = 1000 + (uint64_t)t};
        g.keyset = (int)rng_below(&g.seed, 4);
        g.x_exp = rng_below(&g.seed, 3) == 0;
        g.x_bad = rng_below(&g.seed, 4) == 0;
        g.y_words = rng_below(&g.seed, 3) == 0;
        size_t n = rng_below(&g.seed, 8) == 0 ? rng_below(&g.seed, 4) : rng_below(&g.seed, MAXROWS);
        gen_rows(&g, rows, n);
        const struct agg_plan *p = plans[t % NPLANS + (t & 1) * NPLANS];
        if (!p)
            continue;

        /* serial */
        struct agg_part *serial = agg_part_create(p);
        cr_assert_not_null(serial);
        struct badlog slog = {.answer = true};
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(feed(serial, p, &rows[i], i, on_bad, &slog), 0);
        char *want = result_ok(serial);
        agg_part_destroy(serial);

        /* pieces, merged in a random grouping and order */
        size_t cut[13];
        size_t np = rng_cuts(&g.seed, n, cut, 12);
        struct agg_part *parts[13];
        struct badlog plog = {.answer = true};
        for (size_t j = 0; j < np; j++) {
            parts[j] = agg_part_create(p);
            cr_assert_not_null(parts[j]);
            agg_part_set_pos_base(parts[j], cut[j]); /* first/last: row i is at i + 1 */
            for (size_t i = cut[j]; i < cut[j + 1]; i++)
                cr_assert_eq(feed(parts[j], p, &rows[i], i, on_bad, &plog), 0);
        }
        if (rng_below(&g.seed, 4) == 0) { /* into a fresh, empty partial */
            parts[np] = agg_part_create(p);
            cr_assert_not_null(parts[np]);
            cr_assert_eq(agg_part_merge(parts[np], parts[0]), 0);
            agg_part_destroy(parts[0]);
            parts[0] = parts[np];
        }
        struct agg_part *m = merge_randomly(&g.seed, parts, np);
        char *got = result_ok(m);
        agg_part_destroy(m);
        cr_assert_eq(plog.calls, slog.calls);
        cr_assert_str_eq(
            got, want,
            "case %d (by %s, %zu rows, %zu pieces): merged result differs:\n%s\n--- serial:\n%s", t,
            bys[t % NPLANS] ? bys[t % NPLANS] : "-", n, np, got, want);
        free(got);

        /* the scanner and agg_part_batch over random byte ranges */
        struct buf csv = {0};
        buf_put(&csv, "", 0);
        rows_csv(&g, rows, n, &csv);
        got = aggregate_scanned(&g.seed, p, csv.p, csv.len);
        cr_assert_str_eq(got, want,
                         "case %d (by %s, %zu rows): scanned result differs:\n%s\n--- serial:\n%s",
                         t, bys[t % NPLANS] ? bys[t % NPLANS] : "-", n, got, want);
        free(got);
        free(csv.p);
        free(want);
        for (size_t i = 0; i < g.npool; i++)
            free(g.pool[i]);
        free(g.pool);
    }
    free(rows);
    for (int i = 0; i < 2 * NPLANS; i++)
        agg_plan_destroy(plans[i]);
}

/* agg_combine (the engine's parallel, hash-partitioned merge of the
 * workers' partials) gives the serial result for any number of pieces,
 * none included (one empty partial). */
Test(agg, combine_equals_serial)
{
    struct agg_plan *plans[] = {plan_make("k", ALL_AGGS), plan_make("k,k2", MORE_AGGS),
                                plan_make(NULL, MORE_AGGS), plan_make("k2,k", ALL_AGGS)};
    enum { NPLANS = sizeof plans / sizeof plans[0], MAXROWS = 1500 };
    struct row *rows = calloc(MAXROWS, sizeof *rows);
    cr_assert_not_null(rows);
    for (int t = 0; t < 200; t++) {
        struct gen g = {.seed = 5000 + (uint64_t)t};
        g.keyset = (int)rng_below(&g.seed, 4);
        g.x_exp = rng_below(&g.seed, 3) == 0;
        g.y_words = rng_below(&g.seed, 3) == 0;
        size_t n = rng_below(&g.seed, 8) == 0 ? 0 : rng_below(&g.seed, MAXROWS);
        gen_rows(&g, rows, n);
        const struct agg_plan *p = plans[t % NPLANS];
        struct agg_part *serial = agg_part_create(p);
        cr_assert_not_null(serial);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(feed(serial, p, &rows[i], i, no_bad, NULL), 0);
        char *want = result_ok(serial);
        agg_part_destroy(serial);

        size_t cut[13];
        size_t np = n ? rng_cuts(&g.seed, n, cut, 12) : 0;
        struct agg_part *parts[13];
        for (size_t j = 0; j < np; j++) {
            parts[j] = agg_part_create(p);
            cr_assert_not_null(parts[j]);
            agg_part_set_pos_base(parts[j], cut[j]);
            for (size_t i = cut[j]; i < cut[j + 1]; i++)
                cr_assert_eq(feed(parts[j], p, &rows[i], i, no_bad, NULL), 0);
        }
        int nparts = (int)np;
        struct pcsv_error err;
        memset(&err, 0, sizeof err);
        cr_assert_eq(agg_combine(p, parts, &nparts, &err), 0, "agg_combine: %s", err.msg);
        cr_assert_eq(nparts, np ? (int)np : 1);
        char *got = result_parts_ok(parts, nparts);
        for (int j = 0; j < nparts; j++)
            agg_part_destroy(parts[j]);
        cr_assert_str_eq(
            got, want,
            "case %d (%zu rows, %zu pieces): combined result differs:\n%s\n--- serial:\n%s", t, n,
            np, got, want);
        free(got);
        free(want);
        for (size_t i = 0; i < g.npool; i++)
            free(g.pool[i]);
        free(g.pool);
    }
    free(rows);
    for (int i = 0; i < NPLANS; i++)
        agg_plan_destroy(plans[i]);
}

/* A key column named twice (--by k,k): either refused as a usage error or
 * grouped like --by k, through the scanner and agg_part_batch too, with
 * long quoted keys filling whole batches. */
Test(agg, repeated_key_column)
{
    struct agg_plan *p = plan_try("k,k", "count,sum:x");
    if (!p)
        return;
    enum { N = 600 };
    struct row *rows = calloc(N, sizeof *rows);
    struct gen g = {.seed = 42};
    cr_assert_not_null(rows);
    for (size_t i = 0; i < N; i++) {
        char t[260];
        memset(t, 'k', 250);
        t[250] = 0;
        t[10] = ',';
        t[20] = (char)('a' + i % 3);
        rows[i] = (struct row){{keep(&g, t), "", "1", ""}};
    }
    char *want = aggregate_rows(p, rows, N);
    cr_assert(strstr(want, "k,k,count,x_sum\n") == want, "%s", want);
    struct buf csv = {0};
    buf_put(&csv, "", 0);
    rows_csv(&g, rows, N, &csv);
    for (int round = 0; round < 4; round++) {
        char *got = aggregate_scanned(&g.seed, p, csv.p, csv.len);
        cr_assert_str_eq(got, want);
        free(got);
    }
    free(want);
    free(csv.p);
    for (size_t i = 0; i < g.npool; i++)
        free(g.pool[i]);
    free(g.pool);
    free(rows);
    agg_plan_destroy(p);
}
