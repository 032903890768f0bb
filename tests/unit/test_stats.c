/* test_stats.c - pcsv stats: known answers, and merge(partials of random
 * splits) == serial, byte for byte. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outsink.h"
#include "stats.h"
#include "testrng.h"

static char *names3[] = {"a", "b", "c"};

/* The stats table of p, as text. */
static char *table(struct stats_part *p, char **names)
{
    struct outsink *o = outsink_open_mem(OUT_CSV);
    cr_assert_not_null(o);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(stats_write(p, names, o, &err), 0, "stats_write: %s", err.msg);
    size_t n;
    const void *t = outsink_take(o, &n);
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memcpy(s, t, n);
    s[n] = 0;
    outsink_abort(o);
    return s;
}

static void put(struct stats_part *p, int col, const char *v)
{
    cr_assert_eq(stats_part_value(p, col, (const uint8_t *)v, strlen(v)), 0);
}

/* One column's values -> its stats row (without the header line). */
static char *one_column(const char *const *vals, size_t n)
{
    struct stats_part *p = stats_part_create(1);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++)
        put(p, 0, vals[i]);
    char *t = table(p, names3);
    stats_part_destroy(p);
    char *row = strchr(t, '\n') + 1;
    memmove(t, row, strlen(row) + 1);
    return t;
}

#define ROW_OF(...)                                                                                \
    one_column((const char *const[]){__VA_ARGS__},                                                 \
               sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

Test(stats, types_are_the_narrowest_that_hold_every_value)
{
    static const struct {
        const char *vals[4];
        const char *type;
    } cases[] = {
        {{"1", "-2", "007", ""}, "integer"},
        {{"1", "2.50", "", ""}, "decimal"},
        {{"1", "2.5", "1e3", ""}, "real"},
        {{"true", "FALSE", "True", ""}, "boolean"},
        {{"2024-02-29", "1999-12-31", "", ""}, "date"},
        {{"2023-02-29", "", "", ""}, "string"}, /* no such day */
        {{"2024-01-01", "2024-01-01T10:00", "2024-01-01 10:00:00.123+02:00", ""}, "datetime"},
        {{"2024-01-01T25:00", "", "", ""}, "string"},
        {{"1", "x", "", ""}, "string"},
        {{"true", "1", "", ""}, "string"},
        {{"2024-01-01", "true", "", ""}, "string"},
        {{"", "", "", ""}, "string"},
        {{"NA", "nan", "inf", ""}, "string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct stats_part *p = stats_part_create(1);
        for (int k = 0; k < 4 && cases[i].vals[k]; k++)
            put(p, 0, cases[i].vals[k]);
        char *t = table(p, names3);
        char *row = strchr(t, '\n') + 1;
        char want[64];
        snprintf(want, sizeof want, "a,%s,", cases[i].type);
        cr_assert(strncmp(row, want, strlen(want)) == 0, "case %zu: %s", i, row);
        free(t);
        stats_part_destroy(p);
    }
}

/* Expected values computed independently with Python's statistics module
 * (exact fractions): statistics.mean / statistics.stdev. */
Test(stats, known_answers)
{
    char *r = ROW_OF("1", "2", "3", "4", "-5");
    cr_assert_str_eq(r, "a,integer,5,0,-5,4,1,3.5355339059327378,5,true,2\n");
    free(r);
    r = ROW_OF("12.30", "1.2", "", "-0.05", "100");
    cr_assert_str_eq(r, "a,decimal,4,1,-0.05,100.00,28.3625,48.079818617932965,4,true,5\n");
    free(r);
    r = ROW_OF("1e-3", "2.5e2", "-3.5E1", "7.25");
    cr_assert_str_eq(r, "a,real,4,0,-35,250,55.56275,130.93087966652482,4,true,6\n");
    free(r);
    /* a large mean and a tiny spread: the textbook formula in doubles fails */
    r = ROW_OF("1e9", "1.0000000001e9", "1.0000000002e9");
    cr_assert_str_eq(
        r, "a,real,3,0,1000000000,1000000000.2,1000000000.1,0.10000002384185791,3,true,14\n");
    free(r);
    r = ROW_OF("7", "", "");
    cr_assert_str_eq(r, "a,integer,1,2,7,7,7,,1,true,1\n"); /* no stddev of one value */
    free(r);
    r = ROW_OF("b", "a", "b", "");
    cr_assert_str_eq(r, "a,string,3,1,a,b,,,2,true,1\n");
    free(r);
    r = ROW_OF("", "");
    cr_assert_str_eq(r, "a,string,0,2,,,,,0,true,0\n");
    free(r);
    /* int64 limits do not wrap */
    r = ROW_OF("9223372036854775807", "9223372036854775807", "-9223372036854775808");
    cr_assert_str_eq(
        r, "a,integer,3,0,-9223372036854775808,9223372036854775807,3.0744573456182584e+18,"
           "1.0650232656628343e+19,2,true,20\n");
    free(r);
}

Test(stats, a_million_tenths_mean_exactly)
{
    struct stats_part *p = stats_part_create(1);
    for (int i = 0; i < 1000000; i++)
        put(p, 0, "0.10");
    char *t = table(p, names3);
    cr_assert_str_eq(
        t, "column,type,count,nulls,min,max,mean,stddev,distinct,distinct_exact,max_length\n"
           "a,decimal,1000000,0,0.10,0.10,0.1,0,1,true,4\n");
    free(t);
    stats_part_destroy(p);
}

/* Exact up to the limit, an estimate past it; the header stays the same
 * and the column's distinct_exact says which (issue 11). */
Test(stats, distinct_exact_to_the_limit_then_estimated)
{
    char buf[32];
    struct stats_part *p = stats_part_create(2);
    for (int i = 0; i < STATS_EXACT_DISTINCT; i++) {
        snprintf(buf, sizeof buf, "v%d", i);
        put(p, 0, buf);
        put(p, 1, buf);
    }
    char *t = table(p, names3);
    cr_assert(strstr(t, ",distinct,distinct_exact,") && strstr(t, ",100000,true,"), "%s", t);
    free(t);
    for (int i = 0; i < 400000; i++) { /* 500000 distinct in column b */
        snprintf(buf, sizeof buf, "w%d", i);
        put(p, 1, buf);
    }
    t = table(p, names3);
    cr_assert(strstr(t, ",distinct,distinct_exact,max_length\n") && !strstr(t, "approx"), "%s", t);
    cr_assert(strstr(t, "\na,string,100000,0,v0,v99999,,,100000,true,"), "%s", t);
    char *rb = strstr(t, "\nb,");
    cr_assert_not_null(rb);
    unsigned long long est = 0;
    int field = 0;
    for (char *q = rb + 1; *q && field < 8; q++)
        if (*q == ',' && ++field == 8)
            est = strtoull(q + 1, NULL, 10);
    cr_assert(est > 485000 && est < 515000, "estimate %llu for 500000", est);
    char want[64];
    snprintf(want, sizeof want, ",%llu,false,", est);
    cr_assert(strstr(rb, want), "%s", t);
    cr_assert(strstr(t, "\na,string,100000,0,"), "%s", t);
    free(t);
    stats_part_destroy(p);
}

/* ---- merge property ---- */

static const char *gen_value(uint64_t *seed, char *buf, size_t cap)
{
    static const char *fixed[] = {
        "",    "",   "x",   "NA",  "true", "False", "2024-02-29",          "2024-02-29T12:00:00Z",
        "1e3", "-0", "007", "a,b", "1.0",  "1.00",  "9223372036854775807", "0.1e-2"};
    switch (rng_below(seed, 6)) {
    case 0: return fixed[rng_below(seed, sizeof fixed / sizeof fixed[0])];
    case 1: snprintf(buf, cap, "%lld", (long long)(rng_next(seed) % 2001) - 1000); return buf;
    case 2:
        snprintf(buf, cap, "%lld.%0*llu", (long long)(rng_next(seed) % 201) - 100,
                 (int)(1 + rng_below(seed, 4)), (unsigned long long)rng_below(seed, 1000));
        return buf;
    case 3:
        snprintf(buf, cap, "%.*e", (int)rng_below(seed, 17),
                 ((double)(int64_t)rng_next(seed) / 9.2e18) * 1e9);
        return buf;
    case 4: snprintf(buf, cap, "w%llu", (unsigned long long)rng_below(seed, 50)); return buf;
    default: snprintf(buf, cap, "%llu", (unsigned long long)rng_below(seed, 10)); return buf;
    }
}

Test(stats, merge_of_random_splits_equals_serial)
{
    enum { MAXROWS = 2000, NC = 3 };
    static char vals[MAXROWS][NC][40];
    for (int t = 0; t < 300; t++) {
        uint64_t seed = 7000 + (uint64_t)t;
        size_t n = rng_below(&seed, MAXROWS);
        /* column modes: some columns stay numeric, some get anything */
        int mode[NC];
        for (int c = 0; c < NC; c++)
            mode[c] = (int)rng_below(&seed, 3);
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < NC; c++) {
                char buf[40];
                const char *v;
                do
                    v = gen_value(&seed, buf, sizeof buf);
                while (mode[c] == 1 && (v[0] == 'w' || v[0] == 'x' || v[0] == 'N' || v[0] == 't' ||
                                        v[0] == 'F' || v[0] == 'a' || strchr(v, '-') > v));
                snprintf(vals[i][c], sizeof vals[i][c], "%s", v);
            }
        struct stats_part *serial = stats_part_create(NC);
        for (size_t i = 0; i < n; i++)
            for (int c = 0; c < NC; c++)
                put(serial, c, vals[i][c]);
        char *want = table(serial, names3);
        stats_part_destroy(serial);

        size_t cut[14];
        size_t np = rng_cuts(&seed, n, cut, 12);
        struct stats_part *parts[13];
        for (size_t j = 0; j < np; j++) {
            parts[j] = stats_part_create(NC);
            for (size_t i = cut[j]; i < cut[j + 1]; i++)
                for (int c = 0; c < NC; c++)
                    put(parts[j], c, vals[i][c]);
        }
        while (np > 1) { /* random grouping and order */
            size_t a = rng_below(&seed, np), b = rng_below(&seed, np - 1);
            if (b >= a)
                b++;
            cr_assert_eq(stats_part_merge(parts[a], parts[b]), 0);
            stats_part_destroy(parts[b]);
            parts[b] = parts[np - 1];
            np--;
        }
        char *got = table(parts[0], names3);
        stats_part_destroy(parts[0]);
        cr_assert_str_eq(got, want, "case %d (%zu rows): merged\n%s--- serial\n%s", t, n, got,
                         want);
        free(got);
        free(want);
    }
}

/* Past the exact limit the sketch must not depend on the split either. */
Test(stats, estimate_independent_of_split)
{
    char buf[32];
    struct stats_part *serial = stats_part_create(1), *parts[3];
    for (int j = 0; j < 3; j++)
        parts[j] = stats_part_create(1);
    uint64_t seed = 99;
    for (int i = 0; i < 250000; i++) {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)rng_below(&seed, 1000000));
        put(serial, 0, buf);
        put(parts[i % 3 == 0 ? 0 : i < 120000 ? 1 : 2], 0, buf);
    }
    cr_assert_eq(stats_part_merge(parts[2], parts[0]), 0);
    cr_assert_eq(stats_part_merge(parts[1], parts[2]), 0);
    char *a = table(serial, names3), *b = table(parts[1], names3);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    stats_part_destroy(serial);
    for (int j = 0; j < 3; j++)
        stats_part_destroy(parts[j]);
}
