/* test_badrow.c - the bad-row log on its own: line numbers counted from the
 * chunk start, the --rejects lines of a chunk in input order, the first
 * BADROW_KEEP of several logs merged in input order with every row counted,
 * and in fail mode the earliest row kept. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "badrow.h"
#include "testrng.h"

static char *names[] = {"a", "b", "c"};

static struct badrow_chunk chunk_of(const char *d, size_t k, uint64_t start, uint64_t lines_before,
                                    uint32_t file)
{
    return (struct badrow_chunk){.d = (const uint8_t *)d,
                                 .k = k,
                                 .start = start,
                                 .lines_before = lines_before,
                                 .file = file,
                                 .path = "in.csv",
                                 .names = names,
                                 .ncols = 3,
                                 .expected = 3};
}

Test(badrow, rejects_lines_in_input_order_with_true_line_numbers)
{
    /* header line, then rows; the chunk starts at the first row */
    const char *d = "a,b,c\n1,2,3\n\"x\ny\",2\n4,zz,6\n7,8,9,10\n";
    struct badrow_log *l = badrow_log_create(false, true, ',', '"');
    cr_assert_not_null(l);
    struct badrow_chunk c = chunk_of(d, 0, 6, 1, 0);
    badrow_log_chunk(l, &c);
    /* reported out of order (a value after a shape): sorted at the end */
    const char *row3 = strstr(d, "4,zz"), *row4 = strstr(d, "7,8");
    cr_assert_eq(badrow_log_add(l, BAD_VALUE, (uint64_t)(row3 - d), (uint64_t)(row3 - d) + 6, 1, 0,
                                (const uint8_t *)"zz", 2),
                 1);
    cr_assert_eq(badrow_log_add(l, BAD_FIELDS, 12, 19, -1, 2, NULL, 0), 1);
    cr_assert_eq(badrow_log_add(l, BAD_FIELDS, (uint64_t)(row4 - d), (uint64_t)(row4 - d) + 8, -1,
                                4, NULL, 0),
                 1);
    cr_assert_eq(badrow_log_end_chunk(l, true), 0);
    size_t n;
    const char *got = badrow_log_take_rejects(l, &n);
    const char *want = "in.csv,3,12,,\"expected 3 fields, found 2\",\"\"\"x\ny\"\",2\"\n"
                       "in.csv,5,20,b,\"column 'b': not a number: \"\"zz\"\"\",\"4,zz,6\"\n"
                       "in.csv,6,27,,\"expected 3 fields, found 4\",\"7,8,9,10\"\n";
    cr_assert_eq(n, strlen(want), "%.*s", (int)n, got);
    cr_assert(memcmp(got, want, n) == 0, "%.*s", (int)n, got);
    const struct badrow *kept = badrow_log_kept(l, &n);
    cr_assert_eq(n, 3);
    cr_assert_eq(kept[0].line, 3);
    cr_assert_eq(kept[1].line, 5);
    cr_assert_str_eq(kept[1].value, "zz");
    cr_assert_eq(badrow_log_count(l), 3);
    badrow_log_destroy(l);
}

Test(badrow, merge_keeps_the_first_rows_of_all_logs_in_input_order)
{
    /* 2 files of 1000 one-byte rows; 4 logs (workers) take chunks of 10 rows
     * round robin, each noting random rows of its chunks as bad */
    static char d[2001];
    for (int i = 0; i < 2000; i += 2)
        d[i] = 'x', d[i + 1] = '\n';
    struct badrow_log *w[4], *all = badrow_log_create(false, false, ',', '"');
    for (int i = 0; i < 4; i++)
        w[i] = badrow_log_create(false, false, ',', '"');
    uint64_t seed = 7, total = 0;
    uint64_t want[4000];
    for (uint32_t file = 0; file < 2; file++) {
        for (size_t k = 0; k < 100; k++) {
            struct badrow_log *l = w[k % 4];
            struct badrow_chunk c = chunk_of(d, k, 20 * k, 10 * k, file);
            badrow_log_chunk(l, &c);
            for (size_t r = 0; r < 10; r++)
                if (rng_below(&seed, 3) == 0) {
                    uint64_t off = 20 * k + 2 * r;
                    cr_assert_eq(badrow_log_add(l, BAD_FIELDS, off, off + 1, -1, 1, NULL, 0), 1);
                    want[total++] = (uint64_t)file << 32 | off;
                }
            badrow_log_end_chunk(l, true);
        }
        /* the team merges after each run (file) */
        for (int i = 0; i < 4; i++)
            badrow_log_merge(all, w[i]);
    }
    cr_assert_gt(total, BADROW_KEEP);
    cr_assert_eq(badrow_log_count(all), total);
    size_t n;
    const struct badrow *kept = badrow_log_kept(all, &n);
    cr_assert_eq(n, BADROW_KEEP);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq((uint64_t)kept[i].file << 32 | kept[i].offset, want[i], "row %zu", i);
        cr_assert_eq(kept[i].line, kept[i].offset / 2 + 1);
    }
    for (int i = 0; i < 4; i++)
        badrow_log_destroy(w[i]);
    badrow_log_destroy(all);
}

Test(badrow, a_larger_keep_holds_the_first_n_of_all_logs)
{
    /* --max-bad-rows N: every log keeps N + 1 (here 150, past BADROW_KEEP:
     * the room grows as rows come), and the merge keeps the first 150 of
     * all, in input order */
    static char d[2001];
    for (int i = 0; i < 2000; i += 2)
        d[i] = 'x', d[i + 1] = '\n';
    const size_t keep = 150;
    struct badrow_log *w[3], *all = badrow_log_create(false, false, ',', '"');
    cr_assert_eq(badrow_log_keep(all, keep), 0);
    for (int i = 0; i < 3; i++) {
        w[i] = badrow_log_create(false, false, ',', '"');
        cr_assert_eq(badrow_log_keep(w[i], keep), 0);
    }
    uint64_t seed = 11, total = 0;
    uint64_t want[1000];
    for (size_t k = 0; k < 100; k++) {
        struct badrow_log *l = w[(k * 7) % 3];
        struct badrow_chunk c = chunk_of(d, k, 20 * k, 10 * k, 0);
        badrow_log_chunk(l, &c);
        for (size_t r = 0; r < 10; r++)
            if (rng_below(&seed, 2) == 0) {
                uint64_t off = 20 * k + 2 * r;
                cr_assert_eq(badrow_log_add(l, BAD_FIELDS, off, off + 1, -1, 1, NULL, 0), 1);
                want[total++] = off;
            }
        badrow_log_end_chunk(l, true);
    }
    for (int i = 0; i < 3; i++)
        badrow_log_merge(all, w[i]);
    cr_assert_gt(total, keep);
    cr_assert_eq(badrow_log_count(all), total);
    size_t n;
    const struct badrow *kept = badrow_log_kept(all, &n);
    cr_assert_eq(n, keep);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(kept[i].offset, want[i], "row %zu", i);
    for (int i = 0; i < 3; i++)
        badrow_log_destroy(w[i]);
    badrow_log_destroy(all);
}

Test(badrow, fail_mode_keeps_the_earliest_row_and_stops)
{
    const char *d = "1,2,3\n4,5\n6,7\n8\n";
    struct badrow_log *l = badrow_log_create(true, false, ',', '"');
    struct badrow_chunk c = chunk_of(d, 5, 6, 1, 0);
    badrow_log_chunk(l, &c);
    cr_assert_eq(badrow_log_add(l, BAD_FIELDS, 10, 13, -1, 2, NULL, 0), 0);
    c = chunk_of(d, 3, 6, 1, 0); /* an earlier chunk, met later */
    badrow_log_chunk(l, &c);
    cr_assert_eq(badrow_log_add(l, BAD_FIELDS, 6, 9, -1, 2, NULL, 0), 0);
    c = chunk_of(d, 7, 14, 3, 0);
    badrow_log_chunk(l, &c);
    cr_assert_eq(badrow_log_add(l, BAD_FIELDS, 14, 15, -1, 1, NULL, 0), 0);
    const struct badrow *f = badrow_log_first(l);
    cr_assert_not_null(f);
    cr_assert_eq(f->offset, 6);
    cr_assert_eq(f->line, 2);
    char reason[128];
    badrow_reason(f, names, 3, 3, reason, sizeof reason);
    cr_assert_str_eq(reason, "expected 3 fields, found 2");
    cr_assert_eq(badrow_log_count(l), 0); /* fail mode drops nothing */
    badrow_log_clear_first(l);
    cr_assert_null(badrow_log_first(l));
    badrow_log_destroy(l);
}

Test(badrow, misplaced_quote_names_its_column)
{
    const char *d = "a,b\"c,d\n";
    struct badrow_log *l = badrow_log_create(false, false, ',', '"');
    struct badrow_chunk c = chunk_of(d, 0, 0, 0, 0);
    badrow_log_chunk(l, &c);
    struct scan_batch b = {
        .nrows = 1, .row_start = {0}, .row_end = {7}, .nfields = {3}, .bad_quote = {1}};
    cr_assert_eq(badrow_log_add_structural(l, &b, 0), 1);
    badrow_log_end_chunk(l, false);
    size_t n;
    const struct badrow *k = badrow_log_kept(l, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(k[0].kind, BAD_QUOTE);
    cr_assert_eq(k[0].col, 1);
    char reason[128];
    badrow_reason(&k[0], names, 3, 3, reason, sizeof reason);
    cr_assert_str_eq(reason, "column 'b': misplaced quote");
    badrow_log_destroy(l);
}
