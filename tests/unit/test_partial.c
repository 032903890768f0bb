/* test_partial.c - pipeline/partial: partial state files (issue 14).
 *
 * Properties:
 *   - round trip: a meta with every field set (sources, ranges, bad rows
 *     with values) and a partial's groups, written and read back: the
 *     same meta, and the groups print what the partial prints;
 *   - damage: every prefix of a file is PCSV_EDATA "truncated partial" or
 *     "corrupt partial at byte N" (never a crash, never success), and
 *     single-byte flips anywhere are an error or read back a state the
 *     result writer accepts;
 *   - version: a file of a newer format version is refused, saying so; a
 *     file that is not a partial says that;
 *   - canonical: the same groups split among several partials in any way
 *     (and with more decimal places in one of them) write the same bytes
 *     as one partial holding them all.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include "testrng.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/outsink.h"
#include "../../pipeline/agg.h"
#include "../../pipeline/agg_result.h"
#include "../../pipeline/partial.h"

#include "agg_fixture.h"

TestSuite(partial, .init = tmpdir_make, .fini = tmpdir_remove);

static char *names3[] = {"k", "x", "y"};

static struct agg_plan *plan3(void)
{
    struct pcsv_error err = {0};
    struct agg_plan *p = agg_plan_create(names3, 3, "k",
                                         "count,sum:x,first:y,last:y,median:x,distinct:y", &err);
    cr_assert_not_null(p, "%s", err.msg);
    return p;
}

static struct agg_part *filled(const struct agg_plan *p, int n)
{
    struct agg_part *a = agg_part_create(p);
    static const char *ks[] = {"a", "b", "", "c,d", "e\nf"};
    static const char *xs[] = {"1", "2.50", "-3", "", "1e3"};
    for (int i = 0; i < n; i++) {
        struct agg_val v[8] = {0};
        const char *vals[3] = {ks[i % 5], xs[(i / 5) % 5], ks[(i / 3) % 5]};
        for (int c = 0; c < 3; c++) {
            int s = p->sel[c];
            if (s >= 0)
                v[s] = (struct agg_val){(const uint8_t *)vals[c], strlen(vals[c])};
        }
        cr_assert_eq(agg_part_row(a, v, (size_t)i, NULL, NULL), 0);
    }
    return a;
}

static struct partial_meta sample_meta(const struct agg_plan *p)
{
    struct partial_meta m = {.version = PARTIAL_VERSION,
                             .kind = PARTIAL_AGGREGATE,
                             .delim = ';',
                             .quote = '\'',
                             .bad_mode = 1,
                             .header = true};
    m.by = strdup("k");
    m.agg = strdup("count,sum:x,first:y,last:y,median:x,distinct:y");
    m.nwheres = 1;
    m.wheres = calloc(1, sizeof *m.wheres);
    m.wheres[0] = strdup("x > 1");
    m.ncols = 3;
    m.names = calloc(3, sizeof *m.names);
    for (int i = 0; i < 3; i++)
        m.names[i] = strdup(names3[i]);
    m.nsrc = 2;
    m.src = calloc(2, sizeof *m.src);
    m.src[0] = (struct partial_source){.path = strdup("a.csv"),
                                       .file = 3,
                                       .size = 1000,
                                       .mtime_ns = 77,
                                       .hash = 0xabc,
                                       .data_begin = 6,
                                       .ranged = true,
                                       .start = 100,
                                       .end = 900,
                                       .exact = false,
                                       .start_quoted = true,
                                       .end_quoted = false,
                                       .r0 = 120,
                                       .lines_pre = 2,
                                       .lines = 40};
    m.src[1] = (struct partial_source){.path = strdup("-"), .stream = true, .exact = true};
    m.bad_total = 5;
    m.nbad = 2;
    m.bad[0] = (struct badrow){.file = 0,
                               .line = 3,
                               .offset = 130,
                               .end = 140,
                               .kind = BAD_VALUE,
                               .col = 1,
                               .value = strdup("zz")};
    m.bad[1] = (struct badrow){.file = 1,
                               .line = 9,
                               .offset = 200,
                               .end = 210,
                               .kind = BAD_FIELDS,
                               .col = -1,
                               .nfound = 2};
    partial_fingerprint(&m, p);
    return m;
}

/* A whole partial file in memory: *n bytes, malloc'd. */
static uint8_t *write_file(const struct partial_meta *m, struct agg_part *a, size_t *n)
{
    struct pcsv_error err = {0};
    struct outsink *o = outsink_open_mem(OUT_CSV);
    struct partial_groups g = {.o = o, .err = &err};
    cr_assert_eq(partial_write_meta(o, m, &err), 0);
    cr_assert_eq(partial_write_groups(&g, &a, 1, &err), 0);
    cr_assert_eq(partial_write_end(&g, &err), 0);
    const void *p = outsink_take(o, n);
    uint8_t *copy = malloc(*n + 1);
    memcpy(copy, p, *n);
    outsink_abort(o);
    return copy;
}

/* Read a file from memory into a fresh partial: 0 or the error code. */
static int read_back(const uint8_t *b, size_t n, const struct agg_plan *p, struct partial_meta *m,
                     struct agg_part **into, struct pcsv_error *err)
{
    FILE *f = fmemopen((void *)b, n ? n : 1, "rb");
    if (!n)
        fclose(f), f = fopen("/dev/null", "rb");
    struct partial_reader *r = partial_reader_open(f, "P", m, err);
    int rc = 0;
    *into = agg_part_create(p);
    if (!r) {
        rc = err->code;
    } else {
        int got;
        while ((got = partial_reader_groups(r, *into, err)) == 1)
            ;
        rc = got < 0 ? -got : 0;
        partial_reader_close(r);
    }
    fclose(f);
    return rc;
}

Test(partial, round_trip)
{
    struct agg_plan *p = plan3();
    struct agg_part *a = filled(p, 500);
    struct partial_meta m = sample_meta(p);
    size_t n;
    uint8_t *b = write_file(&m, a, &n);
    struct partial_meta back;
    struct agg_part *got;
    struct pcsv_error err = {0};
    cr_assert_eq(read_back(b, n, p, &back, &got, &err), 0, "%s", err.msg);
    cr_assert_eq(back.version, PARTIAL_VERSION);
    cr_assert_eq(back.kind, PARTIAL_AGGREGATE);
    cr_assert_eq(back.delim, ';');
    cr_assert_eq(back.quote, '\'');
    cr_assert_eq(back.bad_mode, 1);
    cr_assert_str_eq(back.by, "k");
    cr_assert_str_eq(back.wheres[0], "x > 1");
    cr_assert_eq(back.query_fp, m.query_fp);
    cr_assert_eq(back.header_fp, m.header_fp);
    cr_assert_eq(back.nsrc, 2);
    cr_assert_str_eq(back.src[0].path, "a.csv");
    cr_assert_eq(back.src[0].file, 3);
    cr_assert(back.src[0].ranged && !back.src[0].exact && back.src[0].start_quoted);
    cr_assert_eq(back.src[0].r0, 120);
    cr_assert_eq(back.src[0].lines, 40);
    cr_assert(back.src[1].stream);
    cr_assert_eq(back.bad_total, 5);
    cr_assert_eq(back.nbad, 2);
    cr_assert_str_eq(back.bad[0].value, "zz");
    cr_assert_eq(back.bad[1].nfound, 2);
    char *want = result_of(a, NULL), *have = result_of(got, NULL);
    cr_assert_str_eq(have, want);
    free(want);
    free(have);
    partial_meta_free(&back);
    partial_meta_free(&m);
    agg_part_destroy(got);
    agg_part_destroy(a);
    free(b);
    agg_plan_destroy(p);
}

Test(partial, every_prefix_is_an_error)
{
    struct agg_plan *p = plan3();
    struct agg_part *a = filled(p, 60);
    struct partial_meta m = sample_meta(p);
    size_t n;
    uint8_t *b = write_file(&m, a, &n);
    for (size_t k = 0; k < n; k++) {
        struct partial_meta back;
        struct agg_part *got;
        struct pcsv_error err = {0};
        int rc = read_back(b, k, p, &back, &got, &err);
        cr_assert_eq(rc, PCSV_EDATA, "prefix %zu of %zu read", k, n);
        cr_assert(strstr(err.msg, "truncated partial") || strstr(err.msg, "corrupt partial") ||
                      strstr(err.msg, "not a pcsv partial"),
                  "prefix %zu: %s", k, err.msg);
        partial_meta_free(&back);
        agg_part_destroy(got);
    }
    partial_meta_free(&m);
    agg_part_destroy(a);
    free(b);
    agg_plan_destroy(p);
}

Test(partial, flipped_bytes_never_crash)
{
    struct agg_plan *p = plan3();
    struct agg_part *a = filled(p, 60);
    struct partial_meta m = sample_meta(p);
    size_t n;
    uint8_t *b = write_file(&m, a, &n);
    uint64_t seed = 99;
    for (int t = 0; t < 3000; t++) {
        uint8_t *c = malloc(n);
        memcpy(c, b, n);
        size_t at = (size_t)(rng_next(&seed) % n);
        c[at] ^= (uint8_t)(1 + rng_next(&seed) % 255);
        struct partial_meta back;
        struct agg_part *got;
        struct pcsv_error err = {0};
        int rc = read_back(c, n, p, &back, &got, &err);
        cr_assert(rc == 0 || rc == PCSV_EDATA, "flip at %zu: %d %s", at, rc, err.msg);
        if (rc == 0)
            free(result_of(got, NULL));
        partial_meta_free(&back);
        agg_part_destroy(got);
        free(c);
    }
    partial_meta_free(&m);
    agg_part_destroy(a);
    free(b);
    agg_plan_destroy(p);
}

Test(partial, newer_version_and_not_a_partial)
{
    struct agg_plan *p = plan3();
    struct agg_part *a = filled(p, 10);
    struct partial_meta m = sample_meta(p);
    size_t n;
    uint8_t *b = write_file(&m, a, &n);
    b[8] = PARTIAL_VERSION + 1;
    struct partial_meta back;
    struct agg_part *got;
    struct pcsv_error err = {0};
    cr_assert_eq(read_back(b, n, p, &back, &got, &err), PCSV_EDATA);
    cr_assert(strstr(err.msg, "partial format version 2 at byte 8 is newer"), "%s", err.msg);
    agg_part_destroy(got);
    memcpy(b, "k,x,y\n1,", 8);
    cr_assert_eq(read_back(b, n, p, &back, &got, &err), PCSV_EDATA);
    cr_assert(strstr(err.msg, "not a pcsv partial"), "%s", err.msg);
    agg_part_destroy(got);
    partial_meta_free(&m);
    agg_part_destroy(a);
    free(b);
    agg_plan_destroy(p);
}

Test(partial, bytes_do_not_depend_on_how_groups_were_split)
{
    struct agg_plan *p = plan3();
    struct agg_part *whole = filled(p, 400);
    struct partial_meta m = sample_meta(p);
    size_t n1, n2;
    uint8_t *b1 = write_file(&m, whole, &n1);
    /* the same rows in three partials, combined into disjoint ones */
    struct agg_part *parts[4] = {filled(p, 0), filled(p, 0), filled(p, 0), NULL};
    for (int i = 0; i < 3; i++) {
        agg_part_destroy(parts[i]);
        parts[i] = agg_part_create(p);
    }
    static const char *ks[] = {"a", "b", "", "c,d", "e\nf"};
    static const char *xs[] = {"1", "2.50", "-3", "", "1e3"};
    for (int i = 0; i < 400; i++) {
        struct agg_val v[8] = {0};
        const char *vals[3] = {ks[i % 5], xs[(i / 5) % 5], ks[(i / 3) % 5]};
        for (int c = 0; c < 3; c++)
            if (p->sel[c] >= 0)
                v[p->sel[c]] = (struct agg_val){(const uint8_t *)vals[c], strlen(vals[c])};
        /* (row i at position i + 1, as in the whole partial) */
        agg_part_set_pos_base(parts[i % 3], (uint64_t)(i - i / 3));
        cr_assert_eq(agg_part_row(parts[i % 3], v, (size_t)i, NULL, NULL), 0);
    }
    int np = 3;
    struct pcsv_error err = {0};
    cr_assert_eq(agg_combine(p, parts, &np, &err), 0);
    struct outsink *o = outsink_open_mem(OUT_CSV);
    struct partial_groups g = {.o = o, .err = &err};
    cr_assert_eq(partial_write_meta(o, &m, &err), 0);
    cr_assert_eq(partial_write_groups(&g, parts, np, &err), 0);
    cr_assert_eq(partial_write_end(&g, &err), 0);
    const void *b2 = outsink_take(o, &n2);
    cr_assert_eq(n2, n1);
    cr_assert(memcmp(b1, b2, n1) == 0, "the bytes differ");
    outsink_abort(o);
    for (int i = 0; i < np; i++)
        agg_part_destroy(parts[i]);
    partial_meta_free(&m);
    agg_part_destroy(whole);
    free(b1);
    agg_plan_destroy(p);
}
