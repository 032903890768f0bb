/* test_agg_result.c - the result table: key order, --sort on any output
 * column, exact finalized results, and writes that keep no state between
 * calls (two threads writing at once, an error that does not outlive its
 * write). Moved from test_agg.c with agg_result.c (issue 12), unchanged.
 */
#include <criterion/criterion.h>

#include <pthread.h>

#include "agg_fixture.h"

TestSuite(agg_result, .init = tmpdir_make, .fini = tmpdir_remove);

Test(agg_result, numeric_keys_sort_numerically)
{
    struct agg_plan *p = plan_make("k", "count");
    const struct row rows[] = {
        {{"10", "", "", ""}},  {{"9", "", "", ""}},   {{"-1", "", "", ""}},
        {{"1.5", "", "", ""}}, {{"2e0", "", "", ""}}, {{"9", "", "", ""}},
    };
    char *s = aggregate_rows(p, rows, 6);
    cr_assert_str_eq(s, "k,count\n-1,1\n1.5,1\n2e0,1\n9,2\n10,1\n");
    free(s);
    const struct row rows2[] = {{{"10", "", "", ""}}, {{"9", "", "", ""}}, {{"a", "", "", ""}}};
    s = aggregate_rows(p, rows2, 3);
    cr_assert_str_eq(s, "k,count\n10,1\n9,1\na,1\n");
    free(s);
    agg_plan_destroy(p);
}

/* ---- issue 11: reentrant output, --sort, exact results ---- */

static struct agg_part *part_of(const struct agg_plan *p, const struct row *rows, size_t n)
{
    struct agg_part *a = agg_part_create(p);
    cr_assert_not_null(a);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(feed(a, p, &rows[i], i, no_bad, NULL), 0);
    return a;
}

/* A variance beyond the double range fails that write only: the flag used
 * to live at file scope and was never reset, so every later write failed. */
Test(agg_result, overflow_verdict_does_not_outlive_its_write)
{
    struct agg_plan *p = plan_make(NULL, "var:x");
    const struct row big[] = {{{"", "", "1e200", ""}}, {{"", "", "-1e200", ""}}};
    const struct row small[] = {{{"", "", "1", ""}}, {{"", "", "2", ""}}};
    struct agg_part *a = part_of(p, big, 2), *b = part_of(p, small, 2);
    enum pcsv_status code = PCSV_OK;
    cr_assert_null(result_of(a, &code));
    cr_assert_eq(code, PCSV_EDATA);
    char *s = result_ok(b);
    cr_assert_str_eq(s, "x_var\n0.5\n");
    free(s);
    agg_part_destroy(a);
    agg_part_destroy(b);
    agg_plan_destroy(p);
}

/* Exact answers where doubles in between used to lose: var of equal values
 * in a column with a real, the median of decimals, the mean near DBL_MAX. */
Test(agg_result, var_median_mean_exact)
{
    struct agg_plan *p = plan_make("k", "var:x,stddev:x,median:x,p12.5:x,mean:x");
    const struct row rows[] = {
        {{"a", "", "123456789.123", ""}}, {{"a", "", "123456789.123", ""}},
        {{"b", "", "1e0", ""}},           {{"c", "", "1000000000.2", ""}},
        {{"c", "", "-1000000000.0", ""}}, {{"d", "", "1.7e308", ""}},
        {{"d", "", "1.7e308", ""}},       {{"d", "", "1.7e308", ""}},
    };
    char *s = aggregate_rows(p, rows, 8);
    cr_assert_str_eq(s, "k,x_var,x_stddev,x_median,x_p12.5,x_mean\n"
                        "a,0,0,123456789.123,123456789.123,123456789.123\n"
                        "b,,,1,1,1\n"
                        "c,2.0000000004e+18,1414213562.5145164,0.1,-749999999.975,0.1\n"
                        "d,0,0,1.7e+308,1.7e+308,1.7e+308\n");
    free(s);
    agg_plan_destroy(p);
}

static struct agg_plan *plan_sorted(const char *by, const char *aggs, const char *sort)
{
    struct agg_plan *p = plan_make(by, aggs);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(agg_plan_sort(p, sort, &err), 0, "%s", err.msg);
    return p;
}

static const struct row sort_rows[] = {
    {{"x", "2", "9007199254740993", "117"}},
    {{"y", "1", "9007199254740992", "3"}},
    {{"z", "3", "9007199254740991", "20"}},
    {{"w", "", "9007199254740992.5", ""}},
};

Test(agg_result, sort_on_second_key_and_exact_results)
{
    static const struct {
        const char *sort, *want;
    } cases[] = {
        {"k2", "y,1\nx,2\nz,3\nw,\n"},           {"k2:asc", "y,1\nx,2\nz,3\nw,\n"},
        {"k2:desc", "z,3\nx,2\ny,1\nw,\n"},      {"x_sum", "z,3\ny,1\nw,\nx,2\n"},
        {"x_sum:desc", "x,2\nw,\ny,1\nz,3\n"},   {"y_first", "y,1\nz,3\nx,2\nw,\n"},
        {"y_first:desc", "x,2\nz,3\ny,1\nw,\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct agg_plan *p = plan_sorted("k,k2", "sum:x,first:y", cases[i].sort);
        char *s = aggregate_rows(p, sort_rows, 4);
        /* keys only: the results are checked by the CLI cases */
        struct buf keys = {0};
        buf_put(&keys, "", 0);
        for (char *line = strchr(s, '\n') + 1; *line;) {
            char *c1 = strchr(line, ','), *c2 = strchr(c1 + 1, ','), *nl = strchr(line, '\n');
            buf_put(&keys, line, (size_t)(c2 - line));
            buf_puts(&keys, "\n");
            line = nl + 1;
        }
        cr_assert_str_eq(keys.p, cases[i].want, "--sort %s:\n%s", cases[i].sort, s);
        free(keys.p);
        free(s);
        agg_plan_destroy(p);
    }
}

/* Two threads writing differently sorted results at once: the sort state
 * used to be at file scope (sort_ctx, rsort_desc). */
struct writer {
    struct agg_part *a;
    const char *want;
    int id, bad;
};

static void *write_many(void *arg)
{
    struct writer *w = arg;
    char path[128];
    snprintf(path, sizeof path, "%s/w%d.csv", tmpdir, w->id);
    for (int round = 0; round < 40; round++) {
        struct pcsv_error err;
        memset(&err, 0, sizeof err);
        struct outsink *o = outsink_open(path, OUT_CSV, &err);
        if (!o || agg_result_write_part(w->a, o, &err) || outsink_commit(o, &err)) {
            w->bad++;
            continue;
        }
        char *s = read_file(path);
        w->bad += strcmp(s, w->want) != 0;
        free(s);
    }
    unlink(path);
    return NULL;
}

Test(agg_result, concurrent_writes_sort_independently)
{
    enum { N = 3000 };
    struct row *rows = calloc(N, sizeof *rows);
    struct gen g = {.seed = 7};
    cr_assert_not_null(rows);
    for (size_t i = 0; i < N; i++) {
        char k[32], x[32];
        snprintf(k, sizeof k, "%zu", i % 997);
        snprintf(x, sizeof x, "%zu.%zu", (i * 7919) % 1009, i % 10);
        rows[i] = (struct row){{keep(&g, k), keep(&g, k), keep(&g, x), ""}};
    }
    struct agg_plan *p1 = plan_sorted("k,k2", "count,sum:x", "x_sum:desc");
    struct agg_plan *p2 = plan_sorted("k2,k", "count,sum:x", "k2:desc");
    struct agg_part *a1 = part_of(p1, rows, N), *a2 = part_of(p2, rows, N);
    struct writer w[2] = {{.a = a1, .want = result_ok(a1), .id = 1},
                          {.a = a2, .want = result_ok(a2), .id = 2}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, write_many, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    cr_assert_eq(w[0].bad + w[1].bad, 0, "%d and %d writes differ", w[0].bad, w[1].bad);
    for (int i = 0; i < 2; i++)
        free((char *)w[i].want);
    agg_part_destroy(a1);
    agg_part_destroy(a2);
    agg_plan_destroy(p1);
    agg_plan_destroy(p2);
    for (size_t i = 0; i < g.npool; i++)
        free(g.pool[i]);
    free(g.pool);
    free(rows);
}
