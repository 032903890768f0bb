/* agg_fixture.h - helpers shared by test_agg.c and test_agg_result.c.
 *
 * Rows of a four-column table fed to partials, result tables read back as
 * text through a scratch directory, and a pool for generated strings. Each
 * including file declares its own TestSuite with .init = tmpdir_make and
 * .fini = tmpdir_remove. Functions are static inline so a file that uses
 * only some of them compiles without unused-function warnings.
 */
#ifndef PCSV_TEST_AGG_FIXTURE_H
#define PCSV_TEST_AGG_FIXTURE_H

#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../io/outsink.h"
#include "../../pipeline/agg.h"
#include "../../pipeline/agg_result.h"

/* ---- small utilities ---- */


struct buf {
    char *p;
    size_t len, cap;
};

static inline void buf_put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

/* A scratch directory for result files: tmpfs when there is one, since
 * every outsink_commit fsyncs. */
static char tmpdir[64];

static inline void tmpdir_make(void)
{
    strcpy(tmpdir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/pcsv-agg-XXXXXX" : "/tmp/pcsv-agg-XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir), "mkdtemp");
}

static inline void tmpdir_remove(void)
{
    char p[128];
    snprintf(p, sizeof p, "%s/out.csv", tmpdir);
    unlink(p);
    rmdir(tmpdir);
}

static inline char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "open %s", path);
    struct buf b = {0};
    char chunk[4096];
    size_t n;
    buf_put(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_put(&b, chunk, n);
    fclose(f);
    return b.p;
}

/* The table write(ctx) prints, as text; NULL when it fails (*code then
 * says why). */
static inline char *result_by(int (*write)(void *ctx, struct outsink *o, struct pcsv_error *err),
                              void *ctx, enum pcsv_status *code)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out.csv", tmpdir);
    unlink(path);
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct outsink *o = outsink_open(path, OUT_CSV, &err);
    cr_assert_not_null(o, "outsink_open: %s", err.msg);
    int rc = write(ctx, o, &err);
    if (code)
        *code = (enum pcsv_status)rc;
    if (rc) {
        outsink_abort(o);
        return NULL;
    }
    cr_assert_eq(outsink_commit(o, &err), 0, "outsink_commit: %s", err.msg);
    char *s = read_file(path);
    unlink(path);
    return s;
}

static inline int write_part(void *a, struct outsink *o, struct pcsv_error *err)
{
    return agg_result_write_part(a, o, err);
}

/* The result table of a, as text; NULL when agg_result_write_part fails (*code
 * then says why). */
static inline char *result_of(struct agg_part *a, enum pcsv_status *code)
{
    return result_by(write_part, a, code);
}

/* The result table of the disjoint parts[0..n), as text (must succeed). */
struct agg_parts {
    struct agg_part *const *p;
    int n;
};

static inline int write_parts(void *ctx, struct outsink *o, struct pcsv_error *err)
{
    const struct agg_parts *ps = ctx;
    return agg_result_write(ps->p, ps->n, o, err);
}

static inline char *result_parts_ok(struct agg_part *const *parts, int n)
{
    struct agg_parts ps = {parts, n};
    enum pcsv_status code = PCSV_OK;
    char *s = result_by(write_parts, &ps, &code);
    cr_assert_eq(code, 0, "agg_result_write: %d", (int)code);
    return s;
}

static inline char *result_ok(struct agg_part *a)
{
    enum pcsv_status code = PCSV_OK;
    char *s = result_of(a, &code);
    cr_assert_not_null(s, "agg_result_write_part failed: %d", code);
    return s;
}

/* ---- rows ---- */

#define NCOLS 4
static char *colnames[NCOLS] = {"k", "k2", "x", "y"};

struct row {
    const char *v[NCOLS];
};

static inline struct agg_plan *plan_make(const char *by, const char *aggs)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct agg_plan *p = agg_plan_create(colnames, NCOLS, by, aggs, &err);
    cr_assert_not_null(p, "agg_plan_create(%s, %s): %s", by ? by : "NULL", aggs ? aggs : "NULL", err.msg);
    return p;
}

/* A plan, or NULL when the options are refused as a usage error. */
static inline struct agg_plan *plan_try(const char *by, const char *aggs)
{
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct agg_plan *p = agg_plan_create(colnames, NCOLS, by, aggs, &err);
    cr_assert(p || err.code == PCSV_EUSAGE, "agg_plan_create(%s): %s", by ? by : "NULL", err.msg);
    return p;
}

struct badlog {
    int calls;
    size_t row;
    int col;
    char val[64];
    bool answer; /* what bad() returns */
};

static inline bool on_bad(void *ctx, size_t row, int col, const uint8_t *val, size_t len)
{
    struct badlog *b = ctx;
    b->calls++;
    b->row = row;
    b->col = col;
    snprintf(b->val, sizeof b->val, "%.*s", (int)len, (const char *)val);
    return b->answer;
}

/* No bad values expected. */
static inline bool no_bad(void *ctx, size_t row, int col, const uint8_t *val, size_t len)
{
    (void)ctx;
    cr_assert_fail("unexpected bad value row %zu col %d '%.*s'", row, col, (int)len, (const char *)val);
    return false;
}

static inline int feed(struct agg_part *a, const struct agg_plan *p, const struct row *r, size_t idx,
                agg_bad_fn bad, void *ctx)
{
    struct agg_val vals[NCOLS + 1];
    memset(vals, 0, sizeof vals);
    for (int c = 0; c < NCOLS; c++)
        if (p->sel[c] >= 0) {
            vals[p->sel[c]].p = (const uint8_t *)r->v[c];
            vals[p->sel[c]].len = strlen(r->v[c]);
        }
    return agg_part_row(a, vals, idx, bad, ctx);
}

static inline char *aggregate_rows(const struct agg_plan *p, const struct row *rows, size_t n)
{
    struct agg_part *a = agg_part_create(p);
    cr_assert_not_null(a);
    struct badlog log = {.answer = true};
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(feed(a, p, &rows[i], i, on_bad, &log), 0);
    char *s = result_ok(a);
    agg_part_destroy(a);
    return s;
}

/* ---- generated strings ---- */

struct gen {
    uint64_t seed;
    int keyset;    /* which key values */
    bool x_exp;    /* exponent notation in x */
    bool x_bad;    /* non-numbers in x (bad rows, dropped) */
    bool y_words;  /* words in y */
    char **pool;   /* every generated string, freed at the end */
    size_t npool, cappool;
};

static inline const char *keep(struct gen *g, const char *s)
{
    if (g->npool == g->cappool) {
        g->cappool = g->cappool ? g->cappool * 2 : 1024;
        g->pool = realloc(g->pool, g->cappool * sizeof *g->pool);
        cr_assert_not_null(g->pool);
    }
    char *c = strdup(s);
    cr_assert_not_null(c);
    g->pool[g->npool++] = c;
    return c;
}

#endif
