/* test_aggstate.c - pipeline/aggstate: groups' states as bytes (issue 13).
 *
 * Properties:
 *   - round trip: a partial's groups encoded into 1, 7 or 128 hash
 *     partitions, each partition's block decoded into a fresh partial,
 *     print (agg_result_write of the partitions together) byte for byte
 *     what the partial itself prints; for every function, on integers,
 *     decimals of many scales (rescaled when blocks meet), reals, huge
 *     numbers (wide sums, big median values), text, empty values, empty
 *     keys and composite keys;
 *   - split: rows split between three partials, each flushed (encoded,
 *     reset, filled again, encoded) as aggradix does, every block decoded
 *     into one partial in a random order: the single partial's result;
 *   - partitions: aggstate_partition(h, n) < n, every group is in exactly
 *     one block, the one of its hash, and the blocks' nrec add up to the
 *     groups;
 *   - damage: every prefix of a block and thousands of single-byte flips
 *     decode to 0 (the partial then prints) or PCSV_EDATA "corrupt
 *     aggregate state at byte N" with N in [base, base + len], never a
 *     crash (the ASan build runs this suite too);
 *   - headers: header-only blocks decode to nothing; a wrong tag,
 *     version or nvcols is PCSV_EDATA.
 *
 * The tests read blocks with a small walker of their own (walk_block) that
 * follows the layout aggstate.h documents: 'G' version nvcols { scale
 * flags } then records of klen key blen body.
 */
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
#include "../../pipeline/aggstate.h"
#include "../../pipeline/hashtab.h"

#include "agg_fixture.h"

TestSuite(aggstate, .init = tmpdir_make, .fini = tmpdir_remove);

/* Every function: numeric ones on x, the text-friendly ones on y too. */
#define EVERY_AGG                                                                                  \
    "count,count:x,count:y,sum:x,mean:x,min:x,max:x,min:y,max:y,first:x,last:x,first:y,last:y,"    \
    "distinct:x,distinct:y,median:x,p90:x,p1:x,p50:x,var:x,stddev:x"

static const char *const BYS[] = {"k,k2", "k", NULL, "k2,k"};
enum { NBYS = sizeof BYS / sizeof BYS[0] };

/* ---- generated rows ---- */

static const char *gen_key(struct gen *g)
{
    static const char *letters[] = {"a", "b", "c", "", "ab", "a,b", "B", "q\"uote", "two\nlines"};
    static const char *numbers[] = {"1", "2", "10", "-3", "1.0", "", "0.5", "1e1", "007"};
    static const char *mixed[] = {"1", "x", "", "10", "-"};
    switch (g->keyset) {
    case 0: return letters[rng_below(&g->seed, 9)];
    case 1: return numbers[rng_below(&g->seed, 9)];
    case 2: return mixed[rng_below(&g->seed, 5)];
    case 3: { /* many groups */
        char t[32];
        snprintf(t, sizeof t, "g%zu", rng_below(&g->seed, 400));
        return keep(g, t);
    }
    default: { /* long keys */
        char t[300];
        size_t n = 100 + rng_below(&g->seed, 150);
        memset(t, "LQ\"q"[rng_below(&g->seed, 4)], n);
        t[n] = 0;
        t[n / 2] = (char)('a' + rng_below(&g->seed, 3));
        return keep(g, t);
    }
    }
}

/* In some runs, decimals of scales 20 to 30 (median values kept as big
 * decimals); then the other numbers stay small, so that the sums of
 * squares at twice the column's scale stay within their 256 bits (past
 * them the result is an overflow error, tested in test_agg.c). */
static bool hiscale;

/* A number as text: integers (some near or past 2^63), decimals of scales
 * 0 to 9 with mantissas past 2^51 (median values kept as big decimals),
 * and, when exp_ok, exponent notation (reals). */
static const char *gen_number(struct gen *g, bool exp_ok)
{
    char t[96];
    uint64_t *s = &g->seed;
    size_t kind = rng_below(s, 20);
    const char *sign = rng_below(s, 3) == 0 ? "-" : rng_below(s, 8) == 0 ? "+" : "";
    if (kind == 15 && hiscale) { /* scale 20 to 30 */
        int scale = 20 + (int)rng_below(s, 11);
        char f[40];
        for (int i = 0; i < scale; i++)
            f[i] = (char)('0' + rng_below(s, 10));
        f[scale] = 0;
        snprintf(t, sizeof t, "%s%zu.%s", sign, rng_below(s, 100), f);
    } else if (kind < 5) {
        unsigned long long v = rng_below(s, 1000);
        if (kind == 0 && !hiscale)
            v = rng_below(s, 2000000000000ull);
        if (kind == 1 && rng_below(s, 4) == 0 && !hiscale)
            v = 9223372036854775807ull - rng_below(s, 1000); /* near 2^63 */
        snprintf(t, sizeof t, "%s%llu", sign, v);
    } else if (kind == 5 && !hiscale) { /* beyond 64 bits */
        snprintf(t, sizeof t, "%s%llu%018llu", sign, (unsigned long long)rng_below(s, 100000),
                 (unsigned long long)rng_below(s, 1000000000000000000ull));
    } else if (kind < 16 || !exp_ok) {
        int scale = (int)rng_below(s, 10);
        unsigned long long ip = rng_below(s, 100000), fp = rng_next(s) % 1000000000ull;
        if (rng_below(s, 6) == 0 && !hiscale)
            ip = rng_next(s) % 100000000000000000ull; /* a mantissa past 2^51 */
        if (scale) {
            char f[16];
            snprintf(f, sizeof f, "%09llu", fp);
            f[scale] = 0;
            snprintf(t, sizeof t, "%s%llu.%s", sign, ip, f);
        } else {
            snprintf(t, sizeof t, "%s%llu", sign, ip);
        }
    } else {
        static const char *e[] = {"1.5e2",  "2E-3", "3e0",  "-7.25e1", "1e5",
                                  "4.4e-1", "6e+2", ".5e1", "1e30",    "-2.5e-30"};
        snprintf(t, sizeof t, "%s", e[rng_below(s, 10)]);
    }
    return keep(g, t);
}

static void gen_rows(struct gen *g, struct row *rows, size_t n)
{
    static const char *words[] = {"apple", "NA", "b", "Zed", "10a", "nan", " 5", "a,b", ""};
    for (size_t i = 0; i < n; i++) {
        struct row *r = &rows[i];
        r->v[0] = gen_key(g);
        r->v[1] = (const char *[]){"x", "y", "", "12"}[rng_below(&g->seed, 4)];
        size_t k = rng_below(&g->seed, 15);
        if (k == 0)
            r->v[2] = "";
        else if (k == 1 && g->x_bad)
            r->v[2] = (const char *[]){"oops", "1.2.3", "1,5"}[rng_below(&g->seed, 3)];
        else
            r->v[2] = gen_number(g, g->x_exp);
        k = rng_below(&g->seed, 10);
        if (k == 0)
            r->v[3] = "";
        else if (k < 4 && g->y_words)
            r->v[3] = words[rng_below(&g->seed, 9)];
        else
            r->v[3] = gen_number(g, rng_below(&g->seed, 4) == 0);
    }
}

static void gen_free(struct gen *g)
{
    for (size_t i = 0; i < g->npool; i++)
        free(g->pool[i]);
    free(g->pool);
    g->pool = NULL;
    g->npool = g->cappool = 0;
}

static void gen_setup(struct gen *g, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    g->seed = seed;
    g->keyset = (int)rng_below(&g->seed, 5);
    g->x_exp = rng_below(&g->seed, 3) == 0;
    g->x_bad = rng_below(&g->seed, 4) == 0;
    g->y_words = rng_below(&g->seed, 2) == 0;
    hiscale = rng_below(&g->seed, 4) == 0;
}

/* rows[from, to) into a, numbered so that row i is at position i + 1. */
static void feed_rows(struct agg_part *a, const struct agg_plan *p, const struct row *rows,
                      size_t from, size_t to)
{
    struct badlog log = {.answer = true};
    for (size_t i = from; i < to; i++)
        cr_assert_eq(feed(a, p, &rows[i], i, on_bad, &log), 0);
}

static struct agg_part *part_new(const struct agg_plan *p)
{
    struct agg_part *a = agg_part_create(p);
    cr_assert_not_null(a);
    return a;
}

/* ---- results ---- */

/* Print a into memory: 0 or an error status; never crashes. */
static int print_mem(struct agg_part *a)
{
    struct outsink *o = outsink_open_mem(OUT_CSV);
    cr_assert_not_null(o);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    int rc = agg_result_write_part(a, o, &err);
    size_t len;
    (void)outsink_take(o, &len);
    outsink_abort(o);
    return rc;
}

/* ---- blocks ---- */

static void bufs_free(struct aggstate_buf *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        free(b[i].p);
    free(b);
}

static struct aggstate_buf *encode(const struct agg_part *a, unsigned n)
{
    struct aggstate_buf *b = calloc(n, sizeof *b);
    cr_assert_not_null(b);
    cr_assert_eq(aggstate_encode(a, b, n), 0, "aggstate_encode");
    return b;
}

static bool rd_u(const uint8_t *p, size_t n, size_t *o, uint64_t *v)
{
    *v = 0;
    for (int sh = 0; sh < 64 && *o < n; sh += 7) {
        uint8_t c = p[(*o)++];
        *v |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80))
            return true;
    }
    return false;
}

/* What walk_block saw: the header's end and each record's end. */
struct walk {
    size_t hdr;
    size_t nrec;
    size_t *ends;
    struct {
        const uint8_t *p;
        size_t len;
    } * keys;
};

/* Walk a block as aggstate.h lays it out; asserts it is well formed. */
static void walk_block(const uint8_t *p, size_t n, int nvcols, struct walk *w)
{
    memset(w, 0, sizeof *w);
    size_t o = 0, cap = 0;
    uint64_t v;
    cr_assert(n >= 1 && p[0] == 'G', "block tag");
    o = 1;
    cr_assert(rd_u(p, n, &o, &v) && v == 1, "block version");
    cr_assert(rd_u(p, n, &o, &v) && v == (uint64_t)nvcols, "block nvcols");
    for (int i = 0; i < nvcols; i++) {
        cr_assert(rd_u(p, n, &o, &v) && v <= 30, "column scale");
        cr_assert(o < n && p[o] <= 7, "column flags");
        o++;
    }
    w->hdr = o;
    while (o < n) {
        uint64_t kl, bl;
        cr_assert(rd_u(p, n, &o, &kl) && kl <= n - o, "record key");
        const uint8_t *key = p + o;
        o += kl;
        cr_assert(rd_u(p, n, &o, &bl) && bl <= n - o, "record body");
        o += bl;
        if (w->nrec == cap) {
            cap = cap ? 2 * cap : 64;
            w->ends = realloc(w->ends, cap * sizeof *w->ends);
            w->keys = realloc(w->keys, cap * sizeof *w->keys);
            cr_assert(w->ends && w->keys);
        }
        w->ends[w->nrec] = o;
        w->keys[w->nrec].p = key;
        w->keys[w->nrec].len = kl;
        w->nrec++;
    }
}

static void walk_free(struct walk *w)
{
    free(w->ends);
    free(w->keys);
}

struct keyref {
    const uint8_t *p;
    size_t len;
};

static int keyref_cmp(const void *a, const void *b)
{
    const struct keyref *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->len < y->len ? x->len : y->len);
    return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Every group of a is in exactly one of bufs[0, n), the one its key's hash
 * picks; nrec counts the records. */
static void check_partitions(const struct agg_part *a, const struct agg_plan *p,
                             const struct aggstate_buf *bufs, unsigned n)
{
    size_t total = 0, nk = 0, ng = agg_part_groups(a);
    struct keyref *keys = calloc(ng + 1, sizeof *keys);
    cr_assert_not_null(keys);
    for (unsigned i = 0; i < n; i++) {
        total += bufs[i].nrec;
        if (!bufs[i].len) {
            cr_assert_eq(bufs[i].nrec, 0);
            continue;
        }
        struct walk w;
        walk_block(bufs[i].p, bufs[i].len, p->nvcols, &w);
        cr_assert_eq(w.nrec, bufs[i].nrec, "partition %u: %zu records, nrec %zu", i, w.nrec,
                     bufs[i].nrec);
        for (size_t r = 0; r < w.nrec; r++) {
            uint64_t h = hashtab_hash(w.keys[r].p, w.keys[r].len);
            cr_assert_eq(aggstate_partition(h, n), i, "a group in the wrong partition");
            cr_assert(nk < ng, "more records than groups");
            keys[nk].p = w.keys[r].p;
            keys[nk].len = w.keys[r].len;
            nk++;
        }
        walk_free(&w);
    }
    cr_assert_eq(total, ng, "nrec add up to %zu, groups %zu", total, ng);
    cr_assert_eq(nk, ng);
    qsort(keys, nk, sizeof *keys, keyref_cmp);
    for (size_t i = 1; i < nk; i++)
        cr_assert_neq(keyref_cmp(&keys[i - 1], &keys[i]), 0, "a group in two records");
    free(keys);
}

static void decode_ok(struct agg_part *a, const uint8_t *p, size_t n, uint64_t base)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    int rc = aggstate_decode(a, p, n, base, &err);
    cr_assert_eq(rc, 0, "aggstate_decode: %d %s", rc, err.msg);
}

/* ---- round trip ---- */

Test(aggstate, round_trip_every_function)
{
    struct agg_plan *plans[NBYS];
    for (int i = 0; i < NBYS; i++)
        plans[i] = plan_make(BYS[i], EVERY_AGG);
    enum { MAXROWS = 600 };
    static const unsigned nps[] = {1, 7, 128};
    struct row *rows = calloc(MAXROWS, sizeof *rows);
    cr_assert_not_null(rows);
    for (int t = 0; t < 200; t++) {
        struct gen g;
        gen_setup(&g, 13000 + (uint64_t)t);
        size_t n = rng_below(&g.seed, 10) == 0 ? rng_below(&g.seed, 3)
                                               : rng_below(&g.seed, MAXROWS);
        gen_rows(&g, rows, n);
        const struct agg_plan *p = plans[t % NBYS];
        /* printing finalizes a partial in place (agg_result.h), so the
         * expected table comes from a twin that is never encoded */
        struct agg_part *a = part_new(p), *twin = part_new(p);
        feed_rows(a, p, rows, 0, n);
        feed_rows(twin, p, rows, 0, n);
        char *want = result_ok(twin);
        agg_part_destroy(twin);
        for (size_t j = 0; j < sizeof nps / sizeof nps[0]; j++) {
            unsigned np = nps[j];
            struct aggstate_buf *bufs = encode(a, np);
            check_partitions(a, p, bufs, np);
            struct agg_part **parts = calloc(np, sizeof *parts);
            cr_assert_not_null(parts);
            for (unsigned i = 0; i < np; i++) {
                parts[i] = part_new(p);
                if (bufs[i].len)
                    decode_ok(parts[i], bufs[i].p, bufs[i].len, rng_next(&g.seed) >> 20);
                cr_assert_eq(agg_part_groups(parts[i]), bufs[i].nrec);
            }
            char *got = result_parts_ok(parts, (int)np);
            cr_assert_str_eq(got, want,
                             "case %d (by %s, %zu rows, %u partitions): decoded result differs:\n"
                             "%s\n--- direct:\n%s",
                             t, BYS[t % NBYS] ? BYS[t % NBYS] : "-", n, np, got, want);
            free(got);
            /* a partition alone decodes to its groups */
            for (unsigned i = 0; i < np; i++)
                agg_part_destroy(parts[i]);
            free(parts);
            bufs_free(bufs, np);
        }
        /* encoding left the source as it was */
        char *again = result_ok(a);
        cr_assert_str_eq(again, want, "case %d: the source changed", t);
        free(again);
        free(want);
        agg_part_destroy(a);
        gen_free(&g);
    }
    free(rows);
    for (int i = 0; i < NBYS; i++)
        agg_plan_destroy(plans[i]);
}

/* Decoding a block twice is merging the partial with itself: the state
 * agg_part_merge gives. */
Test(aggstate, decode_twice_is_merge_with_itself)
{
    struct agg_plan *p = plan_make("k,k2", EVERY_AGG);
    enum { N = 400 };
    struct row *rows = calloc(N, sizeof *rows);
    cr_assert_not_null(rows);
    for (int t = 0; t < 40; t++) {
        struct gen g;
        gen_setup(&g, 17000 + (uint64_t)t);
        gen_rows(&g, rows, N);
        struct agg_part *a = part_new(p), *b = part_new(p), *m = part_new(p);
        feed_rows(a, p, rows, 0, N);
        cr_assert_eq(agg_part_merge(m, a), 0);
        cr_assert_eq(agg_part_merge(m, a), 0);
        char *want = result_ok(m);
        struct aggstate_buf *bufs = encode(a, 1);
        decode_ok(b, bufs[0].p, bufs[0].len, 0);
        decode_ok(b, bufs[0].p, bufs[0].len, 0);
        char *got = result_ok(b);
        cr_assert_str_eq(got, want, "case %d:\n%s\n--- merged:\n%s", t, got, want);
        free(got);
        free(want);
        bufs_free(bufs, 1);
        agg_part_destroy(a);
        agg_part_destroy(b);
        agg_part_destroy(m);
        gen_free(&g);
    }
    free(rows);
    agg_plan_destroy(p);
}

/* ---- split between partials, flushed as aggradix does ---- */

struct blocks {
    struct aggstate_buf *b;
    size_t n, cap;
};

static void blocks_take(struct blocks *bl, struct aggstate_buf *bufs, unsigned np)
{
    for (unsigned i = 0; i < np; i++) {
        if (!bufs[i].len) {
            free(bufs[i].p);
            continue;
        }
        if (bl->n == bl->cap) {
            bl->cap = bl->cap ? 2 * bl->cap : 16;
            bl->b = realloc(bl->b, bl->cap * sizeof *bl->b);
            cr_assert_not_null(bl->b);
        }
        bl->b[bl->n++] = bufs[i];
    }
    free(bufs);
}

Test(aggstate, split_flushed_in_any_order)
{
    struct agg_plan *plans[NBYS];
    for (int i = 0; i < NBYS; i++)
        plans[i] = plan_make(BYS[i], EVERY_AGG);
    enum { MAXROWS = 800 };
    static const unsigned nps[] = {1, 3, 7, 128};
    struct row *rows = calloc(MAXROWS, sizeof *rows);
    cr_assert_not_null(rows);
    for (int t = 0; t < 200; t++) {
        struct gen g;
        gen_setup(&g, 23000 + (uint64_t)t);
        size_t n = rng_below(&g.seed, MAXROWS);
        gen_rows(&g, rows, n);
        const struct agg_plan *p = plans[t % NBYS];
        unsigned np = nps[rng_below(&g.seed, 4)];
        struct agg_part *serial = part_new(p);
        feed_rows(serial, p, rows, 0, n);
        char *want = result_ok(serial);
        agg_part_destroy(serial);

        /* three pieces, each flushed zero to three times along the way */
        size_t cut[4] = {0, rng_below(&g.seed, n + 1), rng_below(&g.seed, n + 1), n};
        if (cut[1] > cut[2]) {
            size_t x = cut[1];
            cut[1] = cut[2];
            cut[2] = x;
        }
        struct blocks bl = {0};
        for (int j = 0; j < 3; j++) {
            struct agg_part *a = part_new(p);
            agg_part_set_pos_base(a, cut[j]);
            size_t at = cut[j];
            size_t flushes = rng_below(&g.seed, 4);
            for (size_t f = 0; f < flushes; f++) {
                size_t to = at + rng_below(&g.seed, cut[j + 1] - at + 1);
                feed_rows(a, p, rows, at, to);
                at = to;
                blocks_take(&bl, encode(a, np), np);
                agg_part_reset(a);
                cr_assert_eq(agg_part_groups(a), 0);
            }
            feed_rows(a, p, rows, at, cut[j + 1]);
            blocks_take(&bl, encode(a, np), np);
            agg_part_destroy(a);
        }
        /* a random order */
        for (size_t i = bl.n; i > 1; i--) {
            size_t k = rng_below(&g.seed, i);
            struct aggstate_buf x = bl.b[i - 1];
            bl.b[i - 1] = bl.b[k];
            bl.b[k] = x;
        }
        struct agg_part *m = part_new(p);
        uint64_t base = 0;
        for (size_t i = 0; i < bl.n; i++) {
            decode_ok(m, bl.b[i].p, bl.b[i].len, base);
            base += bl.b[i].len;
        }
        char *got = result_ok(m);
        cr_assert_str_eq(got, want,
                         "case %d (by %s, %zu rows, %u partitions, %zu blocks): result "
                         "differs:\n%s\n--- serial:\n%s",
                         t, BYS[t % NBYS] ? BYS[t % NBYS] : "-", n, np, bl.n, got, want);
        free(got);
        free(want);
        agg_part_destroy(m);
        for (size_t i = 0; i < bl.n; i++)
            free(bl.b[i].p);
        free(bl.b);
        gen_free(&g);
    }
    free(rows);
    for (int i = 0; i < NBYS; i++)
        agg_plan_destroy(plans[i]);
}

/* ---- the partition function ---- */

Test(aggstate, partition_in_range)
{
    uint64_t seed = 99;
    static const uint64_t edge[] = {0,
                                    1,
                                    UINT64_MAX,
                                    (uint64_t)1 << 63,
                                    ((uint64_t)1 << 40) - 1,
                                    (uint64_t)1 << 40,
                                    0xffffff0000000000ull};
    for (unsigned n = 1; n <= 1024; n++) {
        for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++)
            cr_assert_lt(aggstate_partition(edge[i], n), n, "h %#llx n %u",
                         (unsigned long long)edge[i], n);
        for (int i = 0; i < 2000; i++) {
            uint64_t h = rng_next(&seed);
            cr_assert_lt(aggstate_partition(h, n), n, "h %#llx n %u", (unsigned long long)h, n);
        }
        cr_assert_eq(aggstate_partition(0, n), 0);
        cr_assert_eq(aggstate_partition(UINT64_MAX, n), n - 1);
    }
    cr_assert_eq(aggstate_partition(UINT64_MAX, 1), 0);
}

/* Many groups spread over 128 partitions: all land somewhere, each once. */
Test(aggstate, partition_counts)
{
    struct agg_plan *p = plan_make("k", "count,sum:x");
    struct agg_part *a = part_new(p);
    struct gen g = {.seed = 5};
    enum { N = 5000 };
    for (size_t i = 0; i < N; i++) {
        char t[32];
        snprintf(t, sizeof t, "key%zu", i);
        struct row r = {{keep(&g, t), "", "1", ""}};
        cr_assert_eq(feed(a, p, &r, i, no_bad, NULL), 0);
    }
    cr_assert_eq(agg_part_groups(a), N);
    static const unsigned nps[] = {1, 2, 7, 128, 1024};
    for (size_t j = 0; j < sizeof nps / sizeof nps[0]; j++) {
        struct aggstate_buf *bufs = encode(a, nps[j]);
        check_partitions(a, p, bufs, nps[j]);
        if (nps[j] <= 128) /* every partition gets some of 5000 groups */
            for (unsigned i = 0; i < nps[j]; i++)
                cr_assert_gt(bufs[i].nrec, 0, "partition %u of %u empty", i, nps[j]);
        bufs_free(bufs, nps[j]);
    }
    /* an empty partial encodes to nothing */
    struct agg_part *e = part_new(p);
    struct aggstate_buf *bufs = encode(e, 7);
    for (unsigned i = 0; i < 7; i++)
        cr_assert(bufs[i].len == 0 && bufs[i].nrec == 0);
    bufs_free(bufs, 7);
    agg_part_destroy(e);
    agg_part_destroy(a);
    gen_free(&g);
    agg_plan_destroy(p);
}

/* ---- damaged blocks ---- */

/* Decode p[0, n) into a fresh partial: 0 (then the partial prints) or
 * PCSV_EDATA naming a byte in [base, base + n]. Returns the status. */
static int decode_checked(const struct agg_plan *p, const uint8_t *d, size_t n, uint64_t base,
                          const char *what, size_t at)
{
    struct agg_part *a = part_new(p);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    int rc = aggstate_decode(a, d, n, base, &err);
    if (rc == 0) {
        int prc = print_mem(a);
        cr_assert(prc == 0 || prc == PCSV_EDATA, "%s %zu: decoded, then printing gave %d", what, at,
                  prc);
    } else {
        cr_assert_eq(rc, PCSV_EDATA, "%s %zu: %d %s", what, at, rc, err.msg);
        cr_assert_eq(err.code, PCSV_EDATA);
        unsigned long long byte;
        int used = 0;
        cr_assert_eq(sscanf(err.msg, "corrupt aggregate state at byte %llu%n", &byte, &used), 1,
                     "%s %zu: message '%s'", what, at, err.msg);
        cr_assert_eq(err.msg[used], 0, "%s %zu: message '%s'", what, at, err.msg);
        cr_assert(byte >= base && byte <= base + n, "%s %zu: byte %llu outside [%llu, %llu]", what,
                  at, byte, (unsigned long long)base, (unsigned long long)(base + n));
    }
    agg_part_destroy(a);
    return rc;
}

/* A block of every kind of state for plan p, from N rows (300: about 60
 * groups). */
static struct aggstate_buf *sample_block(const struct agg_plan *p, uint64_t seed, size_t N)
{
    struct row *rows = calloc(N, sizeof *rows);
    cr_assert_not_null(rows);
    struct gen g;
    gen_setup(&g, seed);
    g.keyset = 3;
    g.x_exp = true;
    g.y_words = true;
    gen_rows(&g, rows, N);
    for (size_t i = 0; i < N; i++) /* about 60 groups */
        rows[i].v[0] = (const char *[]){"", "a", "b", "7"}[i % 4];
    struct agg_part *a = part_new(p);
    feed_rows(a, p, rows, 0, N);
    struct aggstate_buf *b = encode(a, 1);
    cr_assert_geq(b[0].nrec, p->nkeys ? 4 : 1);
    agg_part_destroy(a);
    gen_free(&g);
    free(rows);
    return b;
}

static void truncations(const char *by)
{
    struct agg_plan *p = plan_make(by, EVERY_AGG);
    struct aggstate_buf *b = sample_block(p, 31, 300);
    struct walk w;
    walk_block(b[0].p, b[0].len, p->nvcols, &w);
    size_t r = 0;
    for (size_t len = 0; len <= b[0].len; len++) {
        uint64_t base = len * 1000003u;
        int rc = decode_checked(p, b[0].p, len, base, "prefix", len);
        bool boundary = len == w.hdr || (r < w.nrec && len == w.ends[r]);
        if (r < w.nrec && len == w.ends[r])
            r++;
        if (len == 0)
            continue; /* see empty_and_header_only */
        if (boundary)
            cr_assert_eq(rc, 0, "prefix %zu ends a record: %d", len, rc);
        else
            cr_assert_eq(rc, PCSV_EDATA, "prefix %zu cuts a record: %d", len, rc);
    }
    cr_assert_eq(r, w.nrec);
    walk_free(&w);
    bufs_free(b, 1);
    agg_plan_destroy(p);
}

Test(aggstate, every_truncation) { truncations("k"); }
Test(aggstate, every_truncation_no_key) { truncations(NULL); }
Test(aggstate, every_truncation_composite_key) { truncations("k,k2"); }

static void flips(const char *by, uint64_t seed)
{
    struct agg_plan *p = plan_make(by, EVERY_AGG);
    /* 100 rows: each flip decodes and prints the whole block, so the
     * cost grows with the square of its size (300 rows took 93 s for a
     * composite key); every state kind is still there */
    struct aggstate_buf *b = sample_block(p, seed, 100);
    uint8_t *d = malloc(b[0].len);
    cr_assert_not_null(d);
    size_t n = b[0].len, edata = 0, ok = 0;
    /* every byte with a random flip, and as many again at random */
    for (size_t k = 0; k < 2 * n || k < 4000; k++) {
        size_t at = k < n ? k : rng_below(&seed, n);
        uint8_t x = (uint8_t)(1 + rng_below(&seed, 255));
        if (rng_below(&seed, 3) == 0)
            x = (uint8_t)(1u << rng_below(&seed, 8)); /* one bit */
        memcpy(d, b[0].p, n);
        d[at] ^= x;
        int rc = decode_checked(p, d, n, 77, "flip at", at);
        rc ? edata++ : ok++;
    }
    cr_assert_gt(edata, 0);
    cr_log_info("flips (by %s): %zu bytes, %zu corrupt, %zu still valid", by ? by : "-", n, edata,
                ok);
    free(d);
    bufs_free(b, 1);
    agg_plan_destroy(p);
}

Test(aggstate, byte_flips) { flips("k", 41); }
Test(aggstate, byte_flips_no_key) { flips(NULL, 43); }
/* Disabled until aggstate_decode checks a composite key's four-byte
 * lengths against the key (a flipped length is read past the key by
 * key_facts in agg.c and split_key in agg_result.c: see
 * composite_key_lengths_checked and tests/fuzz/corpus/aggstate/crash-*). */
Test(aggstate, byte_flips_composite_key) { flips("k,k2", 47); }

/* A composite key is four-byte lengths and values; a record whose key
 * does not split that way is corrupt, not a read past the key. Disabled:
 * today such a key is taken as it is, and printing it (split_key in
 * agg_result.c), or already adding it while its column looks numeric
 * (key_facts in agg.c), reads past the key's bytes. */
Test(aggstate, composite_key_lengths_checked)
{
    struct agg_plan *p = plan_make("k,k2", "count,sum:x");
    struct agg_part *a = part_new(p);
    struct row r = {{"1", "2", "3", ""}};
    cr_assert_eq(feed(a, p, &r, 0, no_bad, NULL), 0);
    struct aggstate_buf *b = encode(a, 1);
    struct walk w;
    walk_block(b[0].p, b[0].len, p->nvcols, &w);
    cr_assert_eq(w.nrec, 1);
    cr_assert_eq(w.keys[0].len, 10); /* 4 + "1" + 4 + "2" */
    size_t ko = (size_t)(w.keys[0].p - b[0].p);
    static const uint32_t lens[] = {2, 5, 6, 1000, 0x7fffffff, 0xffffffff};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++)
        for (int which = 0; which < 2; which++) {
            uint8_t *d = malloc(b[0].len);
            cr_assert_not_null(d);
            memcpy(d, b[0].p, b[0].len);
            memcpy(d + ko + (which ? 5 : 0), &lens[i], 4);
            decode_checked(p, d, b[0].len, 0, "key length", lens[i]);
            free(d);
        }
    walk_free(&w);
    bufs_free(b, 1);
    agg_part_destroy(a);
    agg_plan_destroy(p);
}

/* ---- headers ---- */

Test(aggstate, empty_and_header_only)
{
    struct agg_plan *p = plan_make("k", EVERY_AGG);
    struct aggstate_buf *b = sample_block(p, 53, 300);
    struct walk w;
    walk_block(b[0].p, b[0].len, p->nvcols, &w);

    /* len 0: no groups; the block grammar has no empty block, so either
     * nothing happens or it is corrupt at byte base */
    struct agg_part *a = part_new(p);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    int rc = aggstate_decode(a, b[0].p, 0, 5, &err);
    cr_assert(rc == 0 || rc == PCSV_EDATA, "len 0: %d", rc);
    if (rc)
        cr_assert_str_eq(err.msg, "corrupt aggregate state at byte 5");
    cr_log_info("empty block: %s", rc ? err.msg : "accepted");
    cr_assert_eq(agg_part_groups(a), 0);

    /* the header alone: nothing, and the result is the empty table */
    decode_ok(a, b[0].p, w.hdr, 0);
    cr_assert_eq(agg_part_groups(a), 0);
    decode_ok(a, b[0].p, w.hdr, 0);
    cr_assert_eq(agg_part_groups(a), 0);
    char *got = result_ok(a);
    struct agg_part *e = part_new(p);
    char *want = result_ok(e);
    cr_assert_str_eq(got, want);
    free(got);
    free(want);
    agg_part_destroy(e);
    agg_part_destroy(a);

    /* wrong tag, version, nvcols, a scale past 30, unknown flags */
    const size_t nv = (size_t)p->nvcols;
    uint8_t bad[64];
    cr_assert_lt(w.hdr, sizeof bad);
    struct {
        size_t at;
        uint8_t v;
    } edits[] = {{0, 'H'},
                 {0, 0},
                 {1, 0},
                 {1, 2},
                 {1, 0x81},
                 {2, (uint8_t)(nv - 1)},
                 {2, (uint8_t)(nv + 1)},
                 {2, 0},
                 {3, 31},
                 {4, 8},
                 {4, 0xff}};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        memcpy(bad, b[0].p, w.hdr);
        bad[edits[i].at] = edits[i].v;
        a = part_new(p);
        memset(&err, 0, sizeof err);
        rc = aggstate_decode(a, bad, w.hdr, 0, &err);
        cr_assert_eq(rc, PCSV_EDATA, "header edit %zu: %d", i, rc);
        cr_assert(strncmp(err.msg, "corrupt aggregate state at byte ", 32) == 0, "%s", err.msg);
        agg_part_destroy(a);
        /* and with records after it */
        uint8_t *d = malloc(b[0].len);
        cr_assert_not_null(d);
        memcpy(d, b[0].p, b[0].len);
        d[edits[i].at] = edits[i].v;
        a = part_new(p);
        rc = aggstate_decode(a, d, b[0].len, 0, &err);
        cr_assert_eq(rc, PCSV_EDATA, "header edit %zu with records: %d", i, rc);
        agg_part_destroy(a);
        free(d);
    }
    /* a block of another plan (fewer value columns) */
    struct agg_plan *q = plan_make("k", "count,sum:x");
    a = part_new(q);
    memset(&err, 0, sizeof err);
    rc = aggstate_decode(a, b[0].p, b[0].len, 100, &err);
    cr_assert_eq(rc, PCSV_EDATA);
    cr_assert_eq(agg_part_groups(a), 0);
    agg_part_destroy(a);
    agg_plan_destroy(q);

    walk_free(&w);
    bufs_free(b, 1);
    agg_plan_destroy(p);
}

/* Counts past INT64_MAX cannot come from any input: two records of one
 * group whose counts add up past it are corrupt. Disabled: today the counts
 * are added as int64_t without a check (aggstate.c, the row count and each
 * column's n), which is undefined behaviour (UBSan: signed integer
 * overflow) and wraps; see tests/fuzz/corpus/aggstate/crash-count-overflow. */
Test(aggstate, count_overflow_is_corrupt)
{
    struct agg_plan *p = plan_make("k", "count,sum:x,min:y");
    cr_assert_eq(p->nvcols, 2);
    /* 'G' 1 nvcols=2 {0 0} {0 0}, then twice: key "a", body count 2^63-1,
     * n 0, n 0 */
    static const uint8_t rec[] = {1,    'a',  11,   0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0xff, 0x7f, 0,    0};
    uint8_t blk[7 + 2 * sizeof rec] = {'G', 1, 2, 0, 0, 0, 0};
    memcpy(blk + 7, rec, sizeof rec);
    memcpy(blk + 7 + sizeof rec, rec, sizeof rec);
    struct agg_part *a = part_new(p);
    decode_ok(a, blk, 7 + sizeof rec, 0); /* one record is fine */
    agg_part_destroy(a);
    a = part_new(p);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(aggstate_decode(a, blk, sizeof blk, 0, &err), PCSV_EDATA);
    agg_part_destroy(a);
    /* the same across two blocks */
    a = part_new(p);
    decode_ok(a, blk, 7 + sizeof rec, 0);
    cr_assert_eq(aggstate_decode(a, blk, 7 + sizeof rec, 0, &err), PCSV_EDATA);
    agg_part_destroy(a);
    agg_plan_destroy(p);
}

/* ---- known bytes ---- */

static uint8_t *from_hex(const char *h, size_t *n)
{
    size_t len = strlen(h) / 2;
    uint8_t *p = malloc(len + 1);
    cr_assert_not_null(p);
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        cr_assert_eq(sscanf(h + 2 * i, "%2x", &v), 1);
        p[i] = (uint8_t)v;
    }
    *n = len;
    return p;
}

/* The block of one row (k a, k2 empty, x 1.5, y empty) under --by k,k2 and
 * every function, byte for byte as aggstate.h lays it out: 'G' 1 nvcols 2,
 * x at scale 1, y at 0; key "a","" as four-byte lengths and values; a
 * 5-byte body length; count 1; x: n 1, squares 225 at scale 2, no real
 * squares, first and last "1.5" at position 1, sum 15, no real sum, min and
 * max the decimal 1.5 and the bytes "1.5", one distinct value, one median
 * value (a decimal: the double 1.5 at scale 1); y: n 0. */
static const char ONE_ROW[] =
    "4701020100000009010000006100000000b880808000010100c20300010103312e35010103312e35001e00"
    "0101001e0101001e0103312e350103312e350103312e350101000000000000f83f0200";

Test(aggstate, one_row_known_bytes)
{
    struct agg_plan *p = plan_make("k,k2", EVERY_AGG);
    struct agg_part *a = part_new(p), *twin = part_new(p);
    struct row r = {{"a", "", "1.5", ""}};
    cr_assert_eq(feed(a, p, &r, 0, no_bad, NULL), 0);
    cr_assert_eq(feed(twin, p, &r, 0, no_bad, NULL), 0);
    size_t n;
    uint8_t *want = from_hex(ONE_ROW, &n);
    struct aggstate_buf *b = encode(a, 1);
    cr_assert_eq(b[0].len, n);
    cr_assert_eq(memcmp(b[0].p, want, n), 0, "the encoding changed");
    struct agg_part *d = part_new(p);
    decode_ok(d, want, n, 0);
    char *got = result_ok(d), *exp = result_ok(twin);
    cr_assert_str_eq(got, exp);
    free(got);
    free(exp);
    free(want);
    bufs_free(b, 1);
    agg_part_destroy(a);
    agg_part_destroy(twin);
    agg_part_destroy(d);
    agg_plan_destroy(p);
}

/* ONE_ROW with two median values, a NaN and 1.0 (a real has no NaN: "nan"
 * is not a number): the state of no input. Disabled: decoded as it is,
 * printing the p90 interpolates with the NaN, and exact.c's
 * xb_from_double converts NaN to an integer (UBSan float-cast-overflow);
 * see tests/fuzz/corpus/aggstate/crash-qval-nan. Also wrong: two values
 * for a column whose n is 1 (see the next test). */
static const char QVAL_NAN[] =
    "4701020100000009010000006100000000c080808000010100c20300010103312e35010103312e35001e00"
    "0101001e0101001e0103312e350103312e350103312e350200000000000000f87f00000000000000f03f00";

/* ONE_ROW with no median value although x's n is 1. Disabled: decoded as it
 * is, the group's median/pN results are never computed and printing reads
 * uninitialized memory (agg_result.c quantiles() fills qres only for groups
 * with values; valgrind: "Conditional jump or move depends on uninitialised
 * value(s)" in num_fmt_double). */
static const char QVAL_NONE[] =
    "4701020100000009010000006100000000ae80808000010100c20300010103312e35010103312e35001e00"
    "0101001e0101001e0103312e350103312e350103312e350000";

static void expect_corrupt(const char *hex)
{
    struct agg_plan *p = plan_make("k,k2", EVERY_AGG);
    size_t n;
    uint8_t *d = from_hex(hex, &n);
    struct agg_part *a = part_new(p);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    int rc = aggstate_decode(a, d, n, 0, &err);
    cr_assert_eq(rc, PCSV_EDATA, "decoded: %d", rc);
    agg_part_destroy(a);
    free(d);
    agg_plan_destroy(p);
}

Test(aggstate, quantile_value_not_finite_is_corrupt) { expect_corrupt(QVAL_NAN); }

Test(aggstate, quantile_values_match_n) { expect_corrupt(QVAL_NONE); }
