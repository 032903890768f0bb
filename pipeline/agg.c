/* agg.c - plans, partial aggregates, merging and the result table. */
#define _GNU_SOURCE /* qsort_r */
#include "agg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "colref.h"
#include "hashtab.h"
#include "numfmt.h"

/* ---------------------------------------------------------------- plan */

static char *xstrdup(const char *s) { return s ? strdup(s) : NULL; }

void agg_plan_destroy(struct agg_plan *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nspecs; i++)
        free(p->specs[i].name);
    free(p->specs);
    free(p->vcols);
    free(p->key_cols);
    free(p->key_slot);
    free(p->sel);
    free(p);
}

/* The selection slot of column col, adding one when new. */
static int slot_of(struct agg_plan *p, int col)
{
    if (p->sel[col] < 0)
        p->sel[col] = (int32_t)p->nsel++;
    return p->sel[col];
}

int agg_plan_slot(struct agg_plan *p, int col) { return slot_of(p, col); }

int agg_plan_sort(struct agg_plan *p, const char *spec, struct pcsv_error *err)
{
    char name[512];
    snprintf(name, sizeof name, "%s", spec);
    char *colon = strrchr(name, ':');
    p->sort_desc = false;
    if (colon && (strcmp(colon, ":desc") == 0 || strcmp(colon, ":asc") == 0)) {
        p->sort_desc = colon[1] == 'd';
        *colon = 0;
    }
    for (int k = 0; k < p->nkeys; k++)
        if (strcmp(p->colnames[p->key_cols[k]], name) == 0)
            return p->sort_col = k, 0;
    for (int i = 0; i < p->nspecs; i++)
        if (strcmp(p->specs[i].name, name) == 0)
            return p->sort_col = p->nkeys + i, 0;
    char list[600];
    size_t o = 0;
    list[0] = 0;
    for (int k = 0; k < p->nkeys && o + 4 < sizeof list; k++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "", p->colnames[p->key_cols[k]]);
    for (int i = 0; i < p->nspecs && o + 4 < sizeof list; i++)
        o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", o ? ", " : "", p->specs[i].name);
    return pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                          "--sort: no output column '%s'\n  output columns: %s", name, list);
}

static int vcol_of(struct agg_plan *p, int col)
{
    for (int i = 0; i < p->nvcols; i++)
        if (p->vcols[i].col == col)
            return i;
    p->vcols[p->nvcols] = (struct agg_vcol){.col = col, .slot = slot_of(p, col)};
    return p->nvcols++;
}

static const struct {
    const char *name;
    enum agg_fn fn;
} fn_names[] = {
    {"count", AGG_COUNT_COL}, {"sum", AGG_SUM}, {"mean", AGG_MEAN}, {"avg", AGG_MEAN},
    {"min", AGG_MIN},         {"max", AGG_MAX},    {"first", AGG_FIRST},  {"last", AGG_LAST},
    {"distinct", AGG_DISTINCT}, {"var", AGG_VAR},        {"stddev", AGG_STDDEV},
};

struct agg_plan *agg_plan_create(char **colnames, int ncols, const char *by, const char *aggs,
                                 struct pcsv_error *err)
{
    struct agg_plan *p = calloc(1, sizeof *p);
    char *bycopy = xstrdup(by), *aggcopy = xstrdup(aggs ? aggs : "count");
    size_t maxitems = (by ? strlen(by) : 0) + strlen(aggcopy ? aggcopy : "") + 2;
    if (!p || (by && !bycopy) || !aggcopy)
        goto nomem;
    p->ncols = ncols;
    p->colnames = colnames;
    p->nselcols = ncols;
    p->sort_col = -1;
    p->sel = malloc(((size_t)ncols + 1) * sizeof *p->sel);
    p->key_cols = calloc(maxitems, sizeof *p->key_cols);
    p->key_slot = calloc(maxitems, sizeof *p->key_slot);
    p->specs = calloc(maxitems, sizeof *p->specs);
    p->vcols = calloc(maxitems, sizeof *p->vcols);
    if (!p->sel || !p->key_cols || !p->key_slot || !p->specs || !p->vcols)
        goto nomem;
    for (int i = 0; i < ncols; i++)
        p->sel[i] = -1;

    if (bycopy && *bycopy) {
        char *save = NULL;
        for (char *t = strtok_r(bycopy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            int c = colref_resolve(t, colnames, ncols, "--by", err);
            if (c < 0)
                goto fail;
            p->key_cols[p->nkeys] = c;
            p->key_slot[p->nkeys++] = slot_of(p, c);
        }
    }
    char *save = NULL;
    for (char *t = strtok_r(aggcopy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        struct agg_spec *s = &p->specs[p->nspecs];
        char *colon = strchr(t, ':');
        if (!colon) {
            if (strcmp(t, "count") != 0) {
                pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                               "--agg: '%s' needs a column (e.g. %s:price); only count stands alone",
                               t, t);
                goto fail;
            }
            *s = (struct agg_spec){.fn = AGG_COUNT, .col = -1, .vcol = -1, .name = strdup("count")};
            if (!s->name)
                goto nomem;
            p->nspecs++;
            continue;
        }
        *colon = 0;
        int fi = -1;
        double q = 0;
        for (size_t k = 0; k < sizeof fn_names / sizeof fn_names[0]; k++)
            if (strcmp(fn_names[k].name, t) == 0)
                fi = (int)k;
        i128 qnum = 50;
        int qscale = 0;
        if (fi < 0 && strcmp(t, "median") == 0) {
            fi = -2;
            q = 0.5;
        } else if (fi < 0 && t[0] == 'p' && t[1]) {
            char *end;
            double pct = strtod(t + 1, &end);
            if (*end == 0 && pct > 0 && pct < 100 && (t[1] >= '0' && t[1] <= '9')) {
                fi = -2;
                q = pct / 100;
                /* N exactly, as qnum / 10^qscale (at most 16 fraction digits) */
                struct num pn;
                char fix[64];
                if (num_parse((const uint8_t *)t + 1, strlen(t + 1), &pn) != NUM_DEC) {
                    snprintf(fix, sizeof fix, "%.16f", pct);
                    num_parse((const uint8_t *)fix, strlen(fix), &pn);
                }
                while (pn.scale > 16) {
                    pn.mant /= 10;
                    pn.scale--;
                }
                qnum = pn.mant;
                qscale = pn.scale;
            }
        }
        if (fi == -1) {
            pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                           "--agg: unknown function '%s' (known: count, count:C, sum:C, mean:C, "
                           "min:C, max:C, first:C, last:C, distinct:C, median:C, pN:C, var:C, stddev:C)",
                           t);
            goto fail;
        }
        int c = colref_resolve(colon + 1, colnames, ncols, "--agg", err);
        if (c < 0)
            goto fail;
        s->fn = fi >= 0 ? fn_names[fi].fn : AGG_QUANTILE;
        s->col = c;
        s->vcol = vcol_of(p, c);
        struct agg_vcol *v = &p->vcols[s->vcol];
        if (s->fn == AGG_QUANTILE) {
            v->quantile = true;
            s->q = q;
            s->qnum = qnum;
            s->qdscale = qscale + 2; /* q = N / 100 */
            s->qslot = p->nquantiles++;
        }
        if (s->fn == AGG_SUM || s->fn == AGG_MEAN)
            v->sum = true;
        if (s->fn == AGG_MIN || s->fn == AGG_MAX)
            v->minmax = true;
        if (s->fn == AGG_FIRST || s->fn == AGG_LAST)
            v->firstlast = true;
        if (s->fn == AGG_DISTINCT)
            v->distinct = true;
        if (s->fn == AGG_VAR || s->fn == AGG_STDDEV)
            v->var = v->sum = true; /* from the exact sum and sum of squares */
        static const char *suffix[] = {"",         "count", "sum", "mean",  "min",   "max",
                                       "first",    "last",  "distinct", "", "var", "stddev"};
        size_t n = strlen(colnames[c]) + strlen(t) + 16; /* "_" + the suffix + NUL */
        s->name = malloc(n);
        if (!s->name)
            goto nomem;
        snprintf(s->name, n, "%s_%s", colnames[c], s->fn == AGG_QUANTILE ? t : suffix[s->fn]);
        p->nspecs++;
    }
    if (p->nspecs == 0) {
        pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0, "--agg: no aggregate given");
        goto fail;
    }
    free(bycopy);
    free(aggcopy);
    return p;
nomem:
    pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
fail:
    free(bycopy);
    free(aggcopy);
    agg_plan_destroy(p);
    return NULL;
}

/* ------------------------------------------------------------- partials */

struct sbuf {
    uint8_t *p;
    uint32_t len, cap;
};

/* A group's state is one record (struct agg_part.recs, rec_size bytes a
 * group): the row count, then per value column the fields its functions
 * need, at offsets fixed by the plan. One record per group keeps an update
 * to one or two cache lines: with a million groups, every separate array
 * would be another miss per row. */
struct vstate {
    /* offsets into the record; -1 when the column does not need it */
    int o_n, o_sum, o_dsum, o_nmin, o_nmax, o_smin, o_smax;
    int o_pfirst, o_plast, o_sfirst, o_slast; /* first/last: positions and values */
    int o_ndistinct; /* distinct: filled from the pair set when writing */
    int o_sq, o_dsq; /* var/stddev: exact sum of squares (at 2 * scale), of reals (xsq) */
    /* whole-column facts, merged with max / or */
    int scale; /* of the sums: every group's sum is at this scale */
    bool has_dbl, nonnum, overflow;
};

#define F(a, g, off, type) ((type *)((a)->recs + (size_t)(g) * (a)->rec_size + (off)))

struct agg_part {
    const struct agg_plan *plan;
    struct hashtab *ht;
    /* distinct: one set for every (value column, group, value) seen, keyed
     * by u32 vcol, u32 group key length, group key, value. Exact, and
     * merged by set union, so the count never depends on the order. Its
     * memory grows with the distinct values kept. */
    struct hashtab *pairs;
    uint8_t *pairbuf;
    size_t paircap;
    /* median/pN: every value, as (vcol, group, value); sorted when written.
     * The exact value is kept in 16 bytes (interpolation is exact): a real
     * is its double; a decimal with |mantissa| < 2^51 and scale <= 22 is
     * its nearest double and its scale (the mantissa is round(v 10^scale),
     * and two such decimals with the same double are equal); any other
     * decimal is an index into qbig. */
    struct qval {
        union {
            double v;     /* QV_DBL, QV_DEC: the (nearest) double */
            uint64_t big; /* QV_BIG: index into qbig */
        } u;
        uint32_t group;
        uint16_t vcol;
        int8_t scale; /* QV_DEC */
        uint8_t kind;
    } *qv;
    size_t nqv, capqv;
    unsigned qkinds; /* 1 << kind of every value kept */
    struct qbig {
        i128 mant;
        double v;
        int scale;
    } *qbig;
    size_t nqbig, capqbig;
    double *qres; /* [group * nquantiles + qslot], filled when written */
    size_t cap; /* groups recs has room for */
    size_t rec_size;
    uint8_t *recs;
    struct vstate *vs;
    /* per-batch scratch */
    uint8_t *arena; /* unquoted values and composite keys of the batch */
    size_t arena_cap;
    struct agg_val *vals;  /* [row * nsel + slot] */
    struct num *nums;      /* [row * nvcols + vcol] */
    const uint8_t **kp;    /* [row] key */
    size_t *kl;
    uint64_t *kh;
    int64_t *grp;
    uint8_t *drop;
    uint64_t pos_base; /* see agg_part_set_pos_base */
    uint64_t row_pos;  /* agg_part_row's own position counter */
    const uint64_t *row_start; /* the batch being added (positions) */
};

static int ensure_groups(struct agg_part *a, size_t n)
{
    if (n <= a->cap)
        return 0;
    size_t nc = a->cap ? a->cap : 64;
    while (nc < n)
        nc *= 2;
    uint8_t *r = bigmem_grow(a->recs, a->cap * a->rec_size, nc * a->rec_size);
    if (!r)
        return -1;
    a->recs = r;
    a->cap = nc;
    return 0;
}

static int field_at(size_t *off, size_t size, size_t align)
{
    *off = (*off + align - 1) & ~(align - 1);
    int at = (int)*off;
    *off += size;
    return at;
}

struct agg_part *agg_part_create(const struct agg_plan *plan)
{
    struct agg_part *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->plan = plan;
    a->ht = hashtab_create();
    for (int i = 0; i < plan->nvcols; i++)
        if (plan->vcols[i].distinct && !a->pairs && !(a->pairs = hashtab_create())) {
            agg_part_destroy(a);
            return NULL;
        }
    a->vs = calloc((size_t)plan->nvcols + 1, sizeof *a->vs);
    size_t nsel = (size_t)plan->nsel + 1, nv = (size_t)plan->nvcols + 1;
    a->vals = calloc(SCAN_BATCH_ROWS * nsel, sizeof *a->vals);
    a->nums = calloc(SCAN_BATCH_ROWS * nv, sizeof *a->nums);
    a->kp = calloc(SCAN_BATCH_ROWS, sizeof *a->kp);
    a->kl = calloc(SCAN_BATCH_ROWS, sizeof *a->kl);
    a->kh = calloc(SCAN_BATCH_ROWS, sizeof *a->kh);
    a->grp = calloc(SCAN_BATCH_ROWS, sizeof *a->grp);
    a->drop = calloc(SCAN_BATCH_ROWS, 1);
    if (!a->ht || !a->vs || !a->vals || !a->nums || !a->kp || !a->kl || !a->kh || !a->grp || !a->drop) {
        agg_part_destroy(a);
        return NULL;
    }
    size_t off = sizeof(int64_t); /* the row count at 0 */
    for (int i = 0; i < plan->nvcols; i++) {
        const struct agg_vcol *v = &plan->vcols[i];
        struct vstate *s = &a->vs[i];
        s->o_n = field_at(&off, sizeof(int64_t), 8);
        s->o_sum = s->o_dsum = s->o_nmin = s->o_nmax = s->o_smin = s->o_smax = -1;
        s->o_pfirst = s->o_plast = s->o_sfirst = s->o_slast = s->o_ndistinct = -1;
        s->o_sq = s->o_dsq = -1;
        if (v->var) {
            s->o_sq = field_at(&off, sizeof(struct wide), 16);
            s->o_dsq = field_at(&off, sizeof(struct xsq *), 8);
        }
        if (v->distinct)
            s->o_ndistinct = field_at(&off, sizeof(int64_t), 8);
        if (v->firstlast) {
            s->o_pfirst = field_at(&off, sizeof(uint64_t), 8);
            s->o_plast = field_at(&off, sizeof(uint64_t), 8);
            s->o_sfirst = field_at(&off, sizeof(struct sbuf), 8);
            s->o_slast = field_at(&off, sizeof(struct sbuf), 8);
        }
        if (v->sum) {
            s->o_sum = field_at(&off, sizeof(struct wide), 16);
            s->o_dsum = field_at(&off, sizeof(struct xsum *), 8);
        }
        if (v->minmax) {
            s->o_nmin = field_at(&off, sizeof(struct num), 16);
            s->o_nmax = field_at(&off, sizeof(struct num), 16);
            s->o_smin = field_at(&off, sizeof(struct sbuf), 8);
            s->o_smax = field_at(&off, sizeof(struct sbuf), 8);
        }
    }
    a->rec_size = (off + 15) & ~(size_t)15;
    if (ensure_groups(a, 64)) {
        agg_part_destroy(a);
        return NULL;
    }
    return a;
}

void agg_part_destroy(struct agg_part *a)
{
    if (!a)
        return;
    size_t ng = a->ht ? hashtab_size(a->ht) : 0;
    for (int i = 0; a->vs && a->recs && i < a->plan->nvcols; i++) {
        const struct vstate *s = &a->vs[i];
        for (size_t g = 0; g < ng; g++) {
            if (s->o_dsum >= 0)
                free(*F(a, g, s->o_dsum, struct xsum *));
            if (s->o_smin >= 0) {
                free(F(a, g, s->o_smin, struct sbuf)->p);
                free(F(a, g, s->o_smax, struct sbuf)->p);
            }
            if (s->o_sfirst >= 0) {
                free(F(a, g, s->o_sfirst, struct sbuf)->p);
                free(F(a, g, s->o_slast, struct sbuf)->p);
            }
            if (s->o_dsq >= 0)
                free(*F(a, g, s->o_dsq, struct xsq *));
        }
    }
    bigmem_free(a->recs, a->cap * a->rec_size);
    free(a->vs);
    free(a->arena);
    free(a->vals);
    free(a->nums);
    free(a->kp);
    free(a->kl);
    free(a->kh);
    free(a->grp);
    free(a->drop);
    hashtab_destroy(a->ht);
    hashtab_destroy(a->pairs);
    free(a->pairbuf);
    free(a->qv);
    free(a->qbig);
    free(a->qres);
    free(a);
}

size_t agg_part_groups(const struct agg_part *a) { return hashtab_size(a->ht); }

void agg_part_set_pos_base(struct agg_part *a, uint64_t base) { a->pos_base = base; }

void agg_part_seal(struct agg_part *a) { hashtab_drop_index(a->ht); }

/* Rescale every group's sum of column i to scale ns (> its scale). */
static void rescale(struct agg_part *a, int i, int ns)
{
    struct vstate *s = &a->vs[i];
    if (s->o_sum >= 0) {
        size_t ng = hashtab_size(a->ht);
        for (size_t g = 0; g < ng; g++) {
            if (!wide_mul_pow10(F(a, g, s->o_sum, struct wide), ns - s->scale))
                s->overflow = true;
            if (s->o_sq >= 0) { /* squares are at twice the scale */
                struct wide *sq = F(a, g, s->o_sq, struct wide);
                if (!wide_mul_pow10(sq, ns - s->scale) || !wide_mul_pow10(sq, ns - s->scale))
                    s->overflow = true;
            }
        }
    }
    s->scale = ns;
}

static int sbuf_set(struct sbuf *b, const uint8_t *p, size_t len)
{
    if (len > b->cap || !b->p) {
        uint8_t *q = realloc(b->p, len ? len : 1);
        if (!q)
            return -1;
        b->p = q;
        b->cap = (uint32_t)(len ? len : 1);
    }
    if (len)
        memcpy(b->p, p, len);
    b->len = (uint32_t)len;
    return 0;
}

static inline int bytes_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* Room for n more bytes in the batch arena. Values already placed there are
 * referenced by pointer, so the arena is sized before a batch starts and
 * only ever grows between batches. */
static int arena_reserve(struct agg_part *a, size_t n)
{
    if (n <= a->arena_cap)
        return 0;
    size_t nc = a->arena_cap ? a->arena_cap : 4096;
    while (nc < n)
        nc *= 2;
    free(a->arena);
    a->arena = malloc(nc);
    a->arena_cap = a->arena ? nc : 0;
    return a->arena ? 0 : -1;
}

/* Phase 1 of a row: parse and check its values, find its key. Returns 0,
 * 1 when the row is bad (bad() decides: *stop), -1 on ENOMEM. */
static int row_prepare(struct agg_part *a, const struct agg_val *vals, struct num *nums, size_t row,
                       uint8_t **arena, const uint8_t **key, size_t *klen, agg_bad_fn bad,
                       void *ctx, bool *stop)
{
    const struct agg_plan *p = a->plan;
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct agg_val *x = &vals[v->slot];
        if (x->len == 0) {
            nums[i].kind = NUM_NONE;
            continue;
        }
        if (num_parse(x->p, x->len, &nums[i]) == NUM_NONE && (v->sum || v->quantile)) {
            *stop = !bad(ctx, row, v->col, x->p, x->len);
            return 1;
        }
    }
    if (p->nkeys == 0) {
        *key = (const uint8_t *)"";
        *klen = 0;
    } else if (p->nkeys == 1) {
        *key = vals[p->key_slot[0]].p;
        *klen = vals[p->key_slot[0]].len;
    } else {
        /* composite key: (u32 length, bytes) per column, in the arena */
        uint8_t *o = *arena;
        for (int k = 0; k < p->nkeys; k++) {
            uint32_t l = (uint32_t)vals[p->key_slot[k]].len;
            memcpy(o, &l, 4);
            if (l)
                memcpy(o + 4, vals[p->key_slot[k]].p, l);
            o += 4 + l;
        }
        *key = *arena;
        *klen = (size_t)(o - *arena);
        *arena = o;
    }
    return 0;
}

/* Phase 3 of a row: fold its values into group g. */
/* first/last: positions are order-independent facts, so partials filled in
 * any order merge to the same answer. A stored position of 0 means none yet
 * (positions are 1-based). */
static int firstlast_update(const struct vstate *s, uint8_t *rec, uint64_t pos, const uint8_t *p,
                            size_t len)
{
    uint64_t *pf = (uint64_t *)(rec + s->o_pfirst), *pl = (uint64_t *)(rec + s->o_plast);
    if ((!*pf || pos < *pf) && sbuf_set((struct sbuf *)(rec + s->o_sfirst), p, len) == 0)
        *pf = pos;
    else if (!*pf || pos < *pf)
        return -1;
    if (pos > *pl) {
        if (sbuf_set((struct sbuf *)(rec + s->o_slast), p, len) < 0)
            return -1;
        *pl = pos;
    }
    return 0;
}

/* Add (vcol, group key, value) to the pair set. */
static int pair_add(struct agg_part *a, uint32_t vcol, const uint8_t *gk, size_t gl,
                    const uint8_t *v, size_t vl)
{
    size_t need = 8 + gl + vl;
    if (need > a->paircap) {
        uint8_t *b = realloc(a->pairbuf, need * 2);
        if (!b)
            return -1;
        a->pairbuf = b;
        a->paircap = need * 2;
    }
    uint32_t l = (uint32_t)gl;
    memcpy(a->pairbuf, &vcol, 4);
    memcpy(a->pairbuf + 4, &l, 4);
    if (gl)
        memcpy(a->pairbuf + 8, gk, gl);
    if (vl)
        memcpy(a->pairbuf + 8 + gl, v, vl);
    bool ins;
    return hashtab_upsert(a->pairs, a->pairbuf, need, hashtab_hash(a->pairbuf, need), &ins) < 0 ? -1 : 0;
}

enum { QV_DBL, QV_DEC, QV_BIG };

/* Add value q (its vcol and group set), a decimal kept in qbig. */
static int qv_add_big(struct agg_part *a, struct qval q, struct qbig b)
{
    if (a->nqbig == a->capqbig) {
        size_t nc = a->capqbig ? a->capqbig * 2 : 64;
        struct qbig *nb = realloc(a->qbig, nc * sizeof *nb);
        if (!nb)
            return -1;
        a->qbig = nb;
        a->capqbig = nc;
    }
    a->qbig[a->nqbig] = b;
    q.u.big = a->nqbig++;
    q.kind = QV_BIG;
    a->qkinds |= 1u << QV_BIG;
    a->qv[a->nqv++] = q;
    return 0;
}

#define QV_SMALL ((i128)1 << 51)
_Static_assert(sizeof(struct qval) == 16 && offsetof(struct qval, vcol) == offsetof(struct qval, group) + 4 &&
                   __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "qv_slot reads group and vcol as one little-endian word");

static int qv_reserve(struct agg_part *a)
{
    if (a->nqv == a->capqv) {
        size_t nc = a->capqv ? a->capqv * 2 : 1024;
        struct qval *q = realloc(a->qv, nc * sizeof *q);
        if (!q)
            return -1;
        a->qv = q;
        a->capqv = nc;
    }
    return 0;
}

static int qv_add(struct agg_part *a, uint32_t vcol, uint32_t g, const struct num *nv)
{
    if (qv_reserve(a) < 0)
        return -1;
    struct qval q = {.u.v = num_to_double(nv), .group = g, .vcol = (uint16_t)vcol};
    if (nv->kind == NUM_DEC) {
        if (nv->mant >= QV_SMALL || nv->mant <= -QV_SMALL || nv->scale > 22)
            return qv_add_big(a, q, (struct qbig){nv->mant, q.u.v, nv->scale});
        q.kind = QV_DEC;
        q.scale = (int8_t)nv->scale;
    }
    a->qkinds |= 1u << q.kind;
    a->qv[a->nqv++] = q;
    return 0;
}

/* The exact value of a kept median/pN value. */
static void qv_num(const struct agg_part *a, const struct qval *q, struct num *out)
{
    if (q->kind == QV_BIG) {
        const struct qbig *b = &a->qbig[q->u.big];
        *out = (struct num){.kind = NUM_DEC, .mant = b->mant, .scale = (int16_t)b->scale, .d = b->v};
    } else if (q->kind == QV_DEC) {
        /* v = m 10^-s (1 + e), |e| <= 2^-53, |m| < 2^51: v 10^s, rounded,
         * is within 3/8 of m */
        double p = (double)num_pow10(q->scale);
        *out = (struct num){.kind = NUM_DEC, .mant = (i128)llround(q->u.v * p), .scale = q->scale,
                            .d = q->u.v};
    } else {
        *out = (struct num){.kind = NUM_DBL, .d = q->u.v};
    }
}

/* The double a kept value sorts by. */
static inline double qv_double(const struct agg_part *a, const struct qval *q)
{
    return q->kind == QV_BIG ? a->qbig[q->u.big].v : q->u.v;
}

static int row_update(struct agg_part *a, int64_t g, const struct agg_val *vals,
                      const struct num *nums, uint64_t pos)
{
    const struct agg_plan *p = a->plan;
    uint8_t *rec = a->recs + (size_t)g * a->rec_size;
    (*(int64_t *)rec)++;
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct agg_val *x = &vals[v->slot];
        if (x->len == 0)
            continue;
        struct vstate *s = &a->vs[i];
        const struct num *nv = &nums[i];
        (*(int64_t *)(rec + s->o_n))++;
        if (v->firstlast && firstlast_update(s, rec, pos, x->p, x->len) < 0)
            return -1;
        if (v->quantile && qv_add(a, (uint32_t)i, (uint32_t)g, nv) < 0)
            return -1;
        if (v->distinct) {
            size_t gl;
            const uint8_t *gk = hashtab_key(a->ht, (uint32_t)g, &gl);
            if (pair_add(a, (uint32_t)i, gk, gl, x->p, x->len) < 0)
                return -1;
        }
        if (nv->kind == NUM_DEC && nv->scale > s->scale)
            rescale(a, i, nv->scale);
        if (v->sum) {
            struct wide *sum = (struct wide *)(rec + s->o_sum);
            if (v->var) {
                if (nv->kind == NUM_DEC) {
                    i128 m = nv->mant;
                    if (nv->scale < s->scale &&
                        __builtin_mul_overflow(m, num_pow10(s->scale - nv->scale), &m))
                        s->overflow = true;
                    wide_add_square_fast((struct wide *)(rec + s->o_sq), m);
                } else {
                    struct xsq **dq = (struct xsq **)(rec + s->o_dsq);
                    if (!*dq && !(*dq = calloc(1, sizeof(struct xsq))))
                        return -1;
                    xsq_add_square(*dq, nv->d);
                }
            }
            if (nv->kind == NUM_DEC) {
                if (nv->scale == s->scale) {
                    wide_add_i128(sum, nv->mant);
                } else {
                    struct wide w = {{0, 0, 0, 0}};
                    wide_add_i128(&w, nv->mant);
                    if (!wide_mul_pow10(&w, s->scale - nv->scale))
                        s->overflow = true;
                    wide_add(sum, &w);
                }
            } else {
                struct xsum **ds = (struct xsum **)(rec + s->o_dsum);
                s->has_dbl = true;
                if (!*ds && !(*ds = calloc(1, sizeof(struct xsum))))
                    return -1;
                xsum_add(*ds, nv->d);
            }
        }
        if (v->minmax) {
            struct num *mn = (struct num *)(rec + s->o_nmin), *mx = (struct num *)(rec + s->o_nmax);
            if (nv->kind != NUM_NONE) {
                if (nv->kind == NUM_DBL)
                    s->has_dbl = true;
                if (mn->kind == NUM_NONE || num_cmp(nv, mn) < 0)
                    *mn = *nv;
                if (mx->kind == NUM_NONE || num_cmp(nv, mx) > 0)
                    *mx = *nv;
            } else {
                s->nonnum = true;
            }
            /* byte order too: whether the column is numeric is only known
             * at the end of the whole input */
            struct sbuf *smn = (struct sbuf *)(rec + s->o_smin), *smx = (struct sbuf *)(rec + s->o_smax);
            if ((!smn->p || bytes_cmp(x->p, x->len, smn->p, smn->len) < 0) &&
                sbuf_set(smn, x->p, x->len))
                return -1;
            if ((!smx->p || bytes_cmp(x->p, x->len, smx->p, smx->len) > 0) &&
                sbuf_set(smx, x->p, x->len))
                return -1;
        }
    }
    return 0;
}

static int64_t group_of(struct agg_part *a, const uint8_t *key, size_t klen, uint64_t h)
{
    bool ins;
    int64_t g = hashtab_upsert(a->ht, key, klen, h, &ins);
    if (g < 0 || (ins && ensure_groups(a, (size_t)g + 1) < 0))
        return -1;
    return g;
}

int agg_part_row(struct agg_part *a, const struct agg_val *vals, size_t row, agg_bad_fn bad,
                 void *ctx)
{
    size_t need = 0;
    for (int k = 0; k < a->plan->nkeys; k++)
        need += 4 + vals[a->plan->key_slot[k]].len;
    if (arena_reserve(a, need + 1) < 0)
        return -1;
    uint8_t *arena = a->arena;
    const uint8_t *key;
    size_t klen;
    bool stop = false;
    int rc = row_prepare(a, vals, a->nums, row, &arena, &key, &klen, bad, ctx, &stop);
    if (rc)
        return rc < 0 ? -1 : stop ? 1 : 0;
    int64_t g = group_of(a, key, klen, hashtab_hash(key, klen));
    if (g < 0)
        return -1;
    return row_update(a, g, vals, a->nums, a->pos_base + ++a->row_pos);
}

/* A batch goes through in three passes so that the cache misses of a large
 * group table overlap instead of queueing: (1) values, keys and hashes, with
 * a prefetch of each key's slot; (2) the group of each row, with a prefetch
 * of its record; (3) the updates. */
int agg_part_batch(struct agg_part *a, const uint8_t *data, uint8_t quote,
                   const struct scan_batch *b, const uint8_t *skip, agg_bad_fn bad, void *ctx)
{
    const struct agg_plan *p = a->plan;
    const size_t nsel = (size_t)p->nsel, nv = (size_t)p->nvcols;
    const size_t n = b->nrows;
    if (n == 0)
        return 0;
    /* Arena room: unquoted values are never longer than their raw bytes,
     * which all lie in the batch's span; composite keys add 4 bytes a key. */
    size_t span = (size_t)(b->row_end[n - 1] - b->row_start[0]) + 1, need = span;
    if (p->nkeys > 1) /* a column may be named more than once in --by */
        need += span * (size_t)p->nkeys + n * 4 * (size_t)p->nkeys;
    if (arena_reserve(a, need) < 0)
        return -1;
    uint8_t *arena = a->arena;
    for (size_t r = 0; r < n; r++) {
        a->drop[r] = skip && skip[r];
        if (a->drop[r])
            continue;
        const struct scan_field *f = &b->fields[r * nsel];
        struct agg_val *vals = &a->vals[r * nsel];
        for (size_t s = 0; s < nsel; s++) {
            const uint8_t *v = data + f[s].start;
            size_t len = (size_t)(f[s].end - f[s].start);
            if (len && v[0] == quote) {
                v = scan_unquote(data, f[s], quote, arena, &len);
                arena += len;
            }
            vals[s].p = v;
            vals[s].len = len;
        }
        bool stop = false;
        int rc = row_prepare(a, vals, &a->nums[r * nv], r, &arena, &a->kp[r], &a->kl[r], bad, ctx,
                             &stop);
        if (rc < 0)
            return -1;
        if (rc) {
            if (stop)
                return 1;
            a->drop[r] = 1;
            continue;
        }
        a->kh[r] = hashtab_hash(a->kp[r], a->kl[r]);
        hashtab_prefetch(a->ht, a->kh[r]);
    }
    for (size_t r = 0; r < n; r++) {
        if (a->drop[r])
            continue;
        a->grp[r] = group_of(a, a->kp[r], a->kl[r], a->kh[r]);
        if (a->grp[r] < 0)
            return -1;
        __builtin_prefetch(a->recs + (size_t)a->grp[r] * a->rec_size, 1);
    }
    for (size_t r = 0; r < n; r++)
        if (!a->drop[r] && row_update(a, a->grp[r], &a->vals[r * nsel], &a->nums[r * nv],
                                      a->pos_base + b->row_start[r] + 1) < 0)
            return -1;
    return 0;
}

static int minmax_merge(struct agg_part *into, int64_t gd, const struct agg_part *from, size_t gs,
                        const struct vstate *s)
{
    struct num *dmn = F(into, gd, s->o_nmin, struct num), *dmx = F(into, gd, s->o_nmax, struct num);
    const struct num *smn = F(from, gs, s->o_nmin, struct num), *smx = F(from, gs, s->o_nmax, struct num);
    if (smn->kind != NUM_NONE) {
        if (dmn->kind == NUM_NONE || num_cmp(smn, dmn) < 0)
            *dmn = *smn;
        if (dmx->kind == NUM_NONE || num_cmp(smx, dmx) > 0)
            *dmx = *smx;
    }
    struct sbuf *dsn = F(into, gd, s->o_smin, struct sbuf), *dsx = F(into, gd, s->o_smax, struct sbuf);
    const struct sbuf *ssn = F(from, gs, s->o_smin, struct sbuf), *ssx = F(from, gs, s->o_smax, struct sbuf);
    if (ssn->p && (!dsn->p || bytes_cmp(ssn->p, ssn->len, dsn->p, dsn->len) < 0) &&
        sbuf_set(dsn, ssn->p, ssn->len))
        return -1;
    if (ssx->p && (!dsx->p || bytes_cmp(ssx->p, ssx->len, dsx->p, dsx->len) > 0) &&
        sbuf_set(dsx, ssx->p, ssx->len))
        return -1;
    return 0;
}

/* The partition (of nparts) a group hash belongs to: high bits, since the
 * low bits pick the slot in every table. */
static inline unsigned partition_of(uint64_t h, unsigned nparts)
{
    return (unsigned)((h >> 32) % nparts);
}

static int merge_groups(struct agg_part *into, const struct agg_part *from, unsigned part,
                        unsigned nparts);

int agg_part_merge(struct agg_part *into, const struct agg_part *from)
{
    return merge_groups(into, from, 0, 1);
}

static int merge_groups(struct agg_part *into, const struct agg_part *from, unsigned part,
                        unsigned nparts)
{
    const struct agg_plan *p = into->plan;
    for (int i = 0; i < p->nvcols; i++) {
        struct vstate *d = &into->vs[i];
        const struct vstate *s = &from->vs[i];
        if (s->scale > d->scale)
            rescale(into, i, s->scale);
        d->has_dbl |= s->has_dbl;
        d->nonnum |= s->nonnum;
        d->overflow |= s->overflow;
    }
    size_t ng = hashtab_size(from->ht);
    /* from's group -> into's group (-1: another partition), for the values
     * of median/pN */
    int64_t *map = from->nqv ? malloc((ng + 1) * sizeof *map) : NULL;
    if (from->nqv && !map)
        return -1;
    for (size_t gs = 0; gs < ng; gs++) {
        uint64_t h = hashtab_key_hash(from->ht, (uint32_t)gs);
        if (map)
            map[gs] = -1;
        if (nparts > 1 && partition_of(h, nparts) != part)
            continue;
        size_t klen;
        const uint8_t *key = hashtab_key(from->ht, (uint32_t)gs, &klen);
        int64_t gd = group_of(into, key, klen, h);
        if (gd < 0) {
            free(map);
            return -1;
        }
        if (map)
            map[gs] = gd;
        *F(into, gd, 0, int64_t) += *F(from, gs, 0, int64_t);
        for (int i = 0; i < p->nvcols; i++) {
            const struct agg_vcol *v = &p->vcols[i];
            struct vstate *d = &into->vs[i];
            const struct vstate *s = &from->vs[i];
            *F(into, gd, d->o_n, int64_t) += *F(from, gs, s->o_n, int64_t);
            if (v->sum) {
                struct wide add = *F(from, gs, s->o_sum, struct wide);
                if (d->scale > s->scale && !wide_mul_pow10(&add, d->scale - s->scale))
                    d->overflow = true;
                wide_add(F(into, gd, d->o_sum, struct wide), &add);
                if (v->var) {
                    struct wide sq = *F(from, gs, s->o_sq, struct wide);
                    if (d->scale > s->scale && (!wide_mul_pow10(&sq, d->scale - s->scale) ||
                                                !wide_mul_pow10(&sq, d->scale - s->scale)))
                        d->overflow = true;
                    wide_add(F(into, gd, d->o_sq, struct wide), &sq);
                    struct xsq *fq = *F(from, gs, s->o_dsq, struct xsq *);
                    if (fq) {
                        struct xsq **dq = F(into, gd, d->o_dsq, struct xsq *);
                        if (!*dq && !(*dq = calloc(1, sizeof(struct xsq))))
                            return -1;
                        xsq_merge(*dq, fq);
                    }
                }
                struct xsum *sd = *F(from, gs, s->o_dsum, struct xsum *);
                if (sd) {
                    struct xsum **dd = F(into, gd, d->o_dsum, struct xsum *);
                    if (!*dd && !(*dd = calloc(1, sizeof(struct xsum))))
                        return -1;
                    xsum_merge(*dd, sd);
                }
            }
            if (v->minmax && minmax_merge(into, gd, from, gs, s) < 0)
                return -1;
            if (v->firstlast) {
                uint8_t *rec = into->recs + (size_t)gd * into->rec_size;
                uint64_t pf = *F(from, gs, s->o_pfirst, uint64_t), pl = *F(from, gs, s->o_plast, uint64_t);
                const struct sbuf *sf = F(from, gs, s->o_sfirst, struct sbuf);
                const struct sbuf *sl = F(from, gs, s->o_slast, struct sbuf);
                if (pf && firstlast_update(d, rec, pf, sf->p, sf->len) < 0)
                    return -1;
                if (pl && firstlast_update(d, rec, pl, sl->p, sl->len) < 0)
                    return -1;
            }
        }
    }
    /* the pair sets: union, partition by the group's hash */
    size_t np = from->pairs ? hashtab_size(from->pairs) : 0;
    for (size_t i = 0; i < np; i++) {
        size_t len;
        const uint8_t *k = hashtab_key(from->pairs, (uint32_t)i, &len);
        uint32_t gl;
        memcpy(&gl, k + 4, 4);
        if (nparts > 1 && partition_of(hashtab_hash(k + 8, gl), nparts) != part)
            continue;
        bool ins;
        if (hashtab_upsert(into->pairs, k, len, hashtab_key_hash(from->pairs, (uint32_t)i), &ins) < 0)
            return -1;
    }
    for (size_t i = 0; i < from->nqv; i++) {
        const struct qval *x = &from->qv[i];
        if (map[x->group] < 0)
            continue;
        struct qval q = *x;
        q.group = (uint32_t)map[x->group];
        into->qkinds |= 1u << q.kind;
        if (qv_reserve(into) < 0 ||
            (q.kind == QV_BIG ? qv_add_big(into, q, from->qbig[x->u.big]) : (into->qv[into->nqv++] = q, 0)) < 0) {
            free(map);
            return -1;
        }
    }
    free(map);
    return 0;
}

/* -------------------------------------------------------------- output */

/* Everything agg_write works with travels in one struct wctx (no state at
 * file scope, so concurrent agg_write calls on different partials are
 * safe). Every result cell is computed by one function, cell_of, for
 * sorting and for printing alike. */

struct keyinfo {
    const uint8_t *p;
    size_t len;
    double d; /* numeric key columns: the nearest double, compared first */
    struct num num;
};

/* One result cell, before formatting. */
enum cell_kind { CELL_NULL, CELL_INT, CELL_WIDE, CELL_DEC, CELL_DBL, CELL_TEXT };
struct cell {
    union {
        int64_t i;
        double d;
        struct wide w;   /* CELL_WIDE: w / 10^scale */
        uint64_t m2[2]; /* CELL_DEC: an i128 mant / 10^scale, shown with to_scale
                           digits (two words: 8-byte alignment keeps cells at 40 bytes) */
        struct {
            const uint8_t *p;
            uint32_t len;
        } t; /* CELL_TEXT */
    } u;
    int16_t scale, to_scale;
    uint8_t kind;
    uint8_t out; /* CELL_TEXT: OUT_NUM or OUT_STR */
};

struct wctx {
    const struct agg_plan *p;
    struct agg_part *const *parts;
    const uint16_t *ep; /* entry -> part */
    const uint32_t *eg; /* entry -> group in that part */
    struct keyinfo *ki; /* [entry * nkeys + k] */
    bool *numeric;      /* per key column: every value a number */
    int nkeys;
    bool real_overflow; /* a sum, mean or min/max of reals left the double range */
    bool var_overflow;  /* a variance did */
};

static int cmp_groups(const void *x, const void *y, void *ctx)
{
    uint32_t g = *(const uint32_t *)x, h = *(const uint32_t *)y;
    const struct wctx *c = ctx;
    for (int k = 0; k < c->nkeys; k++) {
        const struct keyinfo *a = &c->ki[(size_t)g * c->nkeys + k];
        const struct keyinfo *b = &c->ki[(size_t)h * c->nkeys + k];
        /* nulls (empty keys) last */
        if (!a->len || !b->len) {
            if (a->len != b->len)
                return a->len ? -1 : 1;
            continue;
        }
        int r = 0;
        if (c->numeric[k]) {
            r = (a->d > b->d) - (a->d < b->d);
            if (!r) /* equal doubles may still differ exactly */
                r = num_cmp(&a->num, &b->num);
        }
        if (!r)
            r = bytes_cmp(a->p, a->len, b->p, b->len);
        if (r)
            return r;
    }
    return (g > h) - (g < h);
}

/* An order-preserving 64-bit image of a group's first key: the nearest
 * double's bits (numeric column) or the first 8 bytes, big-endian. Equal
 * images are resolved by the full comparison. */
static uint64_t sort_prefix(const struct keyinfo *k, bool numeric)
{
    if (!k->len)
        return UINT64_MAX; /* nulls last (ties with real keys are resolved exactly) */
    if (numeric) {
        uint64_t b;
        double d = k->d == 0 ? 0.0 : k->d; /* -0 and 0 are equal */
        memcpy(&b, &d, sizeof b);
        return b >> 63 ? ~b : b | ((uint64_t)1 << 63);
    }
    uint64_t v = 0;
    for (size_t i = 0; i < 8; i++)
        v = v << 8 | (i < k->len ? k->p[i] : 0);
    return v;
}

/* Sort group numbers: an LSD radix sort on the 64-bit prefix of the first
 * key (linear, no comparison calls), then the full comparison inside runs
 * of equal prefixes. */
static int sort_groups(uint32_t *order, size_t n, struct wctx *c)
{
    if (n < 2)
        return 0;
    struct item {
        uint64_t key;
        uint32_t g;
    } *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    size_t *cnt = malloc(256 * sizeof *cnt);
    if (!x || !y || !cnt) {
        free(x);
        free(y);
        free(cnt);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        x[i].key = sort_prefix(&c->ki[(size_t)order[i] * c->nkeys], c->numeric[0]);
        x[i].g = order[i];
    }
    for (int pass = 0; pass < 8; pass++) {
        int sh = pass * 8;
        memset(cnt, 0, 256 * sizeof *cnt);
        for (size_t i = 0; i < n; i++)
            cnt[x[i].key >> sh & 255]++;
        if (cnt[x[0].key >> sh & 255] == n)
            continue; /* this byte is the same everywhere */
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t t = cnt[b];
            cnt[b] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++)
            y[cnt[x[i].key >> sh & 255]++] = x[i];
        struct item *t = x;
        x = y;
        y = t;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = x[i].g;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && x[j].key == x[i].key)
            j++;
        if (j - i > 1)
            qsort_r(order + i, j - i, sizeof *order, cmp_groups, c);
        i = j;
    }
    free(x);
    free(y);
    free(cnt);
    return 0;
}

static void split_key(const struct agg_part *a, uint32_t g, struct keyinfo *out)
{
    size_t len;
    const uint8_t *k = hashtab_key(a->ht, g, &len);
    int nk = a->plan->nkeys;
    if (nk == 1) {
        out[0].p = k;
        out[0].len = len;
        return;
    }
    size_t o = 0;
    for (int i = 0; i < nk; i++) {
        uint32_t l;
        memcpy(&l, k + o, 4);
        out[i].p = k + o + 4;
        out[i].len = l;
        o += 4 + l;
    }
}

/* The sample variance of group g's values of column s (n > 1), exact. */
static long double variance(const struct agg_part *a, const struct vstate *s, size_t g, int64_t n)
{
    const struct xsum *x1 = s->has_dbl ? *F(a, g, s->o_dsum, struct xsum *) : NULL;
    const struct xsq *x2 = s->has_dbl ? *F(a, g, s->o_dsq, struct xsq *) : NULL;
    return exact_variance(F(a, g, s->o_sum, struct wide), F(a, g, s->o_sq, struct wide), s->scale,
                          x1, x2, n);
}

/* The cell of result spec i for entry e. */
static struct cell cell_of(struct wctx *c, uint32_t e, int i)
{
    const struct agg_plan *p = c->p;
    const struct agg_part *a = c->parts[c->ep[e]];
    uint32_t g = c->eg[e];
    const struct agg_spec *sp = &p->specs[i];
    const struct vstate *s = sp->vcol >= 0 ? &a->vs[sp->vcol] : NULL;
    int64_t nn = s ? *F(a, g, s->o_n, int64_t) : 0;
    struct cell x = {.kind = CELL_NULL};
    switch (sp->fn) {
    case AGG_COUNT:
        x.kind = CELL_INT;
        x.u.i = *F(a, g, 0, int64_t);
        return x;
    case AGG_COUNT_COL:
        x.kind = CELL_INT;
        x.u.i = nn;
        return x;
    case AGG_DISTINCT:
        x.kind = CELL_INT;
        x.u.i = *F(a, g, s->o_ndistinct, int64_t);
        return x;
    default:
        break;
    }
    if (!nn)
        return x;
    switch (sp->fn) {
    case AGG_SUM:
    case AGG_MEAN: {
        const struct wide *w = F(a, g, s->o_sum, struct wide);
        const struct xsum *xd = s->has_dbl ? *F(a, g, s->o_dsum, struct xsum *) : NULL;
        if (sp->fn == AGG_SUM && !s->has_dbl) {
            x.kind = CELL_WIDE;
            x.u.w = *w;
            x.scale = (int16_t)s->scale;
            return x;
        }
        x.kind = CELL_DBL;
        x.u.d = !xd && sp->fn == AGG_MEAN ? wide_mean(w, nn, s->scale)
                                          : exact_mean(w, s->scale, xd, sp->fn == AGG_MEAN ? nn : 1);
        c->real_overflow |= !isfinite(x.u.d);
        return x;
    }
    case AGG_VAR:
    case AGG_STDDEV:
        if (nn < 2)
            return x;
        long double v = variance(a, s, g, nn);
        x.kind = CELL_DBL;
        x.u.d = (double)(sp->fn == AGG_STDDEV ? sqrtl(v) : v);
        c->var_overflow |= !isfinite(x.u.d); /* the printed answer: stddev may fit when var does not */
        return x;
    case AGG_QUANTILE:
        x.kind = CELL_DBL;
        x.u.d = a->qres[(size_t)g * (size_t)p->nquantiles + (size_t)sp->qslot];
        return x;
    case AGG_FIRST:
    case AGG_LAST: {
        const struct sbuf *sb = F(a, g, sp->fn == AGG_FIRST ? s->o_sfirst : s->o_slast, struct sbuf);
        struct num nm;
        x.kind = CELL_TEXT;
        x.u.t.p = sb->p;
        x.u.t.len = sb->len;
        x.out = num_parse(sb->p, sb->len, &nm) != NUM_NONE ? OUT_NUM : OUT_STR;
        return x;
    }
    case AGG_MIN:
    case AGG_MAX: {
        bool mn = sp->fn == AGG_MIN;
        if (s->nonnum) {
            const struct sbuf *sb = F(a, g, mn ? s->o_smin : s->o_smax, struct sbuf);
            x.kind = CELL_TEXT;
            x.u.t.p = sb->p;
            x.u.t.len = sb->len;
            x.out = OUT_STR;
            return x;
        }
        const struct num *nv = F(a, g, mn ? s->o_nmin : s->o_nmax, struct num);
        if (s->has_dbl) {
            x.kind = CELL_DBL;
            x.u.d = num_to_double(nv);
        } else {
            x.kind = CELL_DEC;
            memcpy(x.u.m2, &nv->mant, sizeof x.u.m2);
            x.scale = nv->scale;
            x.to_scale = (int16_t)s->scale;
        }
        return x;
    }
    default:
        return x;
    }
}

/* mant / 10^from_scale shown with to_scale (>= from_scale) fraction digits:
 * zeros are appended as text, so no rescaling can overflow. */
static void put_num_dec(struct outsink *out, i128 mant, int from_scale, int to_scale)
{
    char buf[128];
    size_t n = num_fmt_dec(buf, mant, from_scale);
    if (to_scale > from_scale) {
        if (from_scale == 0)
            buf[n++] = '.';
        for (int k = from_scale; k < to_scale; k++)
            buf[n++] = '0';
    }
    outsink_field(out, buf, n, OUT_NUM);
}

static void put_cell(struct outsink *out, const struct cell *x)
{
    char buf[128];
    size_t n;
    switch (x->kind) {
    case CELL_INT:
        n = (size_t)snprintf(buf, sizeof buf, "%lld", (long long)x->u.i);
        break;
    case CELL_WIDE:
        n = wide_fmt_dec(buf, &x->u.w, x->scale);
        break;
    case CELL_DEC: {
        i128 m;
        memcpy(&m, x->u.m2, sizeof m);
        put_num_dec(out, m, x->scale, x->to_scale);
        return;
    }
    case CELL_DBL:
        n = num_fmt_double(buf, x->u.d);
        break;
    case CELL_TEXT:
        outsink_field(out, x->u.t.p, x->u.t.len, (enum out_kind)x->out);
        return;
    default:
        outsink_field(out, "", 0, OUT_NULL);
        return;
    }
    outsink_field(out, buf, n, OUT_NUM);
}

/* A numeric cell's exact value (a text cell's as parsed). */
static void cell_xnum(const struct cell *x, struct xnum *v)
{
    memset(v, 0, sizeof *v);
    switch (x->kind) {
    case CELL_INT:
        wide_add_i128(&v->w, x->u.i);
        return;
    case CELL_WIDE:
        v->w = x->u.w;
        v->scale = x->scale;
        return;
    case CELL_DEC: {
        i128 m;
        memcpy(&m, x->u.m2, sizeof m);
        wide_add_i128(&v->w, m);
        v->scale = x->scale;
        return;
    }
    case CELL_DBL:
        v->is_dbl = true;
        v->d = x->u.d;
        return;
    default: {
        struct num nm;
        num_parse(x->u.t.p, x->u.t.len, &nm);
        xnum_of_num(v, &nm);
        return;
    }
    }
}

static int wide_cmp(const struct wide *a, const struct wide *b)
{
    if (a->w[3] != b->w[3])
        return (int64_t)a->w[3] < (int64_t)b->w[3] ? -1 : 1;
    for (int i = 2; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* Two numeric cells with the same nearest double, compared exactly. */
static int cell_cmp_exact(const struct cell *a, const struct cell *b)
{
    if (a->kind == CELL_INT && b->kind == CELL_INT)
        return (a->u.i > b->u.i) - (a->u.i < b->u.i);
    if (a->kind == CELL_DBL && b->kind == CELL_DBL)
        return 0;
    if (a->kind == CELL_WIDE && b->kind == CELL_WIDE && a->scale == b->scale)
        return wide_cmp(&a->u.w, &b->u.w);
    struct xnum x, y;
    cell_xnum(a, &x);
    cell_xnum(b, &y);
    if (!x.is_dbl && !y.is_dbl && x.scale == y.scale)
        return wide_cmp(&x.w, &y.w);
    return xnum_cmp(&x, &y);
}

/* --sort: every entry gets a sort record; the column's cells (cells, for a
 * result column) or key values (key, for a key column) decide, numerically
 * when every non-empty value of the column is a number (exactly: equal
 * nearest doubles are compared exactly), else by bytes. Empty cells go
 * last in either direction; ties keep the key order (rank). */
struct srec {
    double d;
    uint32_t e;
    uint32_t rank; /* SREC_NULL set: an empty cell */
};
#define SREC_NULL 0x80000000u

struct sortcol {
    const struct cell *cells; /* [entry], result column */
    const struct wctx *c;     /* key column: its keyinfo */
    int key;
    bool numeric, desc;
};

static int cmp_srec(const void *x, const void *y, void *ctx)
{
    const struct srec *a = x, *b = y;
    const struct sortcol *sc = ctx;
    if ((a->rank | b->rank) & SREC_NULL) /* empty cells last; among them, by rank */
        return (a->rank > b->rank) - (a->rank < b->rank);
    int r = 0;
    if (sc->numeric)
        r = (a->d > b->d) - (a->d < b->d);
    if (!r && sc->cells) {
        const struct cell *ca = &sc->cells[a->e], *cb = &sc->cells[b->e];
        if (sc->numeric)
            r = cell_cmp_exact(ca, cb);
        else
            r = bytes_cmp(ca->u.t.p, ca->u.t.len, cb->u.t.p, cb->u.t.len);
    } else if (!r) {
        const struct wctx *c = sc->c;
        const struct keyinfo *ka = &c->ki[(size_t)a->e * c->nkeys + sc->key];
        const struct keyinfo *kb = &c->ki[(size_t)b->e * c->nkeys + sc->key];
        if (sc->numeric)
            r = num_cmp(&ka->num, &kb->num);
        if (!r)
            r = bytes_cmp(ka->p, ka->len, kb->p, kb->len);
    }
    if (r)
        return sc->desc ? -r : r;
    return (a->rank > b->rank) - (a->rank < b->rank);
}

/* The nearest double of a numeric cell. */
static double cell_double(const struct cell *x)
{
    switch (x->kind) {
    case CELL_INT:
        return (double)x->u.i;
    case CELL_WIDE:
        return wide_to_double(&x->u.w, x->scale);
    case CELL_DEC: {
        i128 m;
        memcpy(&m, x->u.m2, sizeof m);
        return num_dec_to_double(m, x->scale);
    }
    case CELL_DBL:
        return x->u.d;
    default: {
        struct num nm;
        num_parse(x->u.t.p, x->u.t.len, &nm);
        return num_to_double(&nm);
    }
    }
}

/* Reorder order[0, n) (in key order) by the --sort column. For a result
 * column, its cells are computed once and returned in *cellsp in output
 * order (printing then reads them in sequence). */
static int sort_by_column(struct wctx *c, uint32_t *order, size_t n, struct cell **cellsp)
{
    const struct agg_plan *p = c->p;
    int col = p->sort_col;
    struct srec *r = malloc((n + 1) * sizeof *r);
    struct cell *cells = NULL;
    if (!r)
        return -1;
    struct sortcol sc = {.c = c, .key = col, .desc = p->sort_desc};
    if (col >= c->nkeys) {
        cells = malloc((n + 1) * sizeof *cells);
        if (!cells) {
            free(r);
            return -1;
        }
        sc.numeric = true;
        for (size_t e = 0; e < n; e++) {
            cells[e] = cell_of(c, (uint32_t)e, col - c->nkeys);
            struct num nm;
            if (cells[e].kind == CELL_TEXT && sc.numeric &&
                num_parse(cells[e].u.t.p, cells[e].u.t.len, &nm) == NUM_NONE)
                sc.numeric = false;
        }
        sc.cells = cells;
    } else {
        sc.numeric = c->numeric[col];
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t e = order[i];
        struct srec x = {.e = e, .rank = (uint32_t)i};
        bool null;
        if (cells) {
            null = cells[e].kind == CELL_NULL;
            if (!null && sc.numeric)
                x.d = cell_double(&cells[e]);
        } else {
            const struct keyinfo *k = &c->ki[(size_t)e * c->nkeys + col];
            null = !k->len;
            x.d = k->d;
        }
        x.rank |= null ? SREC_NULL : 0;
        r[i] = x;
    }
    qsort_r(r, n, sizeof *r, cmp_srec, &sc);
    for (size_t i = 0; i < n; i++)
        order[i] = r[i].e;
    free(r);
    if (cells) { /* into output order: one pass of independent loads */
        struct cell *out = malloc((n + 1) * sizeof *out);
        if (!out) {
            free(cells);
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            out[i] = cells[order[i]];
        free(cells);
        cells = out;
    }
    *cellsp = cells;
    return 0;
}

/* (vcol, group) of a kept value as one number: the 8 bytes after the
 * value hold group (low 32 bits, little-endian), then vcol. */
static inline uint64_t qv_slot(const struct qval *q)
{
    uint64_t w;
    memcpy(&w, (const uint8_t *)q + offsetof(struct qval, group), sizeof w);
    return w & 0xffffffffffffULL;
}

/* Two kept values of one slot, not both holding their double (or equal
 * doubles of different kinds): compared exactly. Out of line, so that the
 * usual comparison needs no stack frame. */
__attribute__((noinline)) static int cmp_qval_slow(const struct qval *a, const struct qval *b,
                                                   const struct agg_part *p)
{
    double va = qv_double(p, a), vb = qv_double(p, b);
    if (va != vb)
        return va < vb ? -1 : 1;
    struct num na, nb; /* the same nearest double: the exact values decide */
    qv_num(p, a, &na);
    qv_num(p, b, &nb);
    return num_cmp(&na, &nb);
}

/* Values all reals or all small decimals: equal doubles are equal values,
 * so (vcol, group, double) is the whole order. */
static int cmp_qval_fast(const void *x, const void *y)
{
    const struct qval *a = x, *b = y;
    if (a->vcol != b->vcol)
        return a->vcol < b->vcol ? -1 : 1;
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    return (a->u.v > b->u.v) - (a->u.v < b->u.v);
}

static int cmp_qval(const void *x, const void *y, void *ctx)
{
    const struct qval *a = x, *b = y;
    uint64_t sa = qv_slot(a), sb = qv_slot(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if ((a->kind | b->kind) < QV_BIG) { /* the usual case: both hold their double */
        if (a->u.v != b->u.v)
            return a->u.v < b->u.v ? -1 : 1;
        if (a->kind == b->kind)
            return 0; /* the same double: the same real, or the same small decimal */
    }
    return cmp_qval_slow(a, b, ctx);
}

/* median/pN of every group of a: sort its values by (column, group,
 * value) and interpolate linearly between the two nearest (numpy's
 * default), exactly, rounding once. */
static int quantiles(struct agg_part *a)
{
    const struct agg_plan *p = a->plan;
    size_t ngr = hashtab_size(a->ht);
    free(a->qres);
    a->qres = malloc((ngr * (size_t)p->nquantiles + 1) * sizeof *a->qres);
    if (!a->qres)
        return -1;
    if (a->nqv > 1 && (a->qkinds == 1u << QV_DBL || a->qkinds == 1u << QV_DEC))
        qsort(a->qv, a->nqv, sizeof *a->qv, cmp_qval_fast);
    else if (a->nqv > 1)
        qsort_r(a->qv, a->nqv, sizeof *a->qv, cmp_qval, a);
    for (size_t i = 0; i < a->nqv;) {
        size_t e = i;
        while (e < a->nqv && a->qv[e].vcol == a->qv[i].vcol && a->qv[e].group == a->qv[i].group)
            e++;
        for (int k = 0; k < p->nspecs; k++) {
            const struct agg_spec *sp = &p->specs[k];
            if (sp->fn != AGG_QUANTILE || (uint32_t)sp->vcol != a->qv[i].vcol)
                continue;
            /* position (n - 1) q = lo + r / 10^qdscale */
            i128 d = num_pow10(sp->qdscale), hpos = (i128)(e - i - 1) * sp->qnum;
            size_t lo = (size_t)(hpos / d);
            i128 r = hpos % d;
            struct num va, vb;
            qv_num(a, &a->qv[i + lo], &va);
            double v;
            if (r && i + lo + 1 < e) {
                qv_num(a, &a->qv[i + lo + 1], &vb);
                v = num_interp(&va, &vb, r, sp->qdscale);
            } else {
                v = num_to_double(&va);
            }
            a->qres[(size_t)a->qv[i].group * (size_t)p->nquantiles + (size_t)sp->qslot] = v;
        }
        i = e;
    }
    return 0;
}

int agg_part_write(struct agg_part *a, struct outsink *out, struct pcsv_error *err)
{
    return agg_write(&a, 1, out, err);
}

int agg_part_merge_partition(struct agg_part *into, const struct agg_part *from, unsigned part,
                             unsigned nparts)
{
    return merge_groups(into, from, part, nparts);
}

int agg_write(struct agg_part *const *parts, int nparts, struct outsink *out, struct pcsv_error *err)
{
    const struct agg_plan *p = parts[0]->plan;
    /* Whole-input column facts: the same in every part before formatting. */
    for (int i = 0; i < p->nvcols; i++) {
        int scale = 0;
        bool has_dbl = false, nonnum = false, overflow = false;
        for (int j = 0; j < nparts; j++) {
            const struct vstate *s = &parts[j]->vs[i];
            scale = s->scale > scale ? s->scale : scale;
            has_dbl |= s->has_dbl;
            nonnum |= s->nonnum;
            overflow |= s->overflow;
        }
        for (int j = 0; j < nparts; j++) {
            struct vstate *s = &parts[j]->vs[i];
            if (s->scale < scale)
                rescale(parts[j], i, scale);
            overflow |= s->overflow;
        }
        for (int j = 0; j < nparts; j++) {
            parts[j]->vs[i].has_dbl = has_dbl;
            parts[j]->vs[i].nonnum = nonnum;
        }
        if (overflow)
            return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                                  "column '%s': sum outside the exact range (76 digits)",
                                  p->colnames[p->vcols[i].col]);
    }
    size_t ng = 0;
    for (int j = 0; j < nparts; j++)
        ng += hashtab_size(parts[j]->ht);
    /* no --by: one row for the whole input, even an empty one */
    if (p->nkeys == 0 && ng == 0) {
        bool ins;
        if (hashtab_upsert(parts[0]->ht, "", 0, hashtab_hash("", 0), &ins) < 0 ||
            ensure_groups(parts[0], 1) < 0)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        ng = 1;
    }
    /* distinct: count each part's pairs into its groups' records */
    for (int j = 0; j < nparts; j++) {
        struct agg_part *a = parts[j];
        size_t np = a->pairs ? hashtab_size(a->pairs) : 0;
        for (size_t i = 0; i < np; i++) {
            size_t len;
            const uint8_t *k = hashtab_key(a->pairs, (uint32_t)i, &len);
            uint32_t vc, gl;
            memcpy(&vc, k, 4);
            memcpy(&gl, k + 4, 4);
            bool ins;
            int64_t g = hashtab_upsert(a->ht, k + 8, gl, hashtab_hash(k + 8, gl), &ins);
            if (g < 0 || ins) /* every pair's group exists: a new one means no memory */
                return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            (*F(a, g, a->vs[vc].o_ndistinct, int64_t))++;
        }
    }
    for (int j = 0; j < nparts && p->nquantiles; j++)
        if (quantiles(parts[j]) < 0)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    /* entries: (part, group) of every group of every part */
    uint16_t *ep = malloc((ng + 1) * sizeof *ep);
    uint32_t *eg = malloc((ng + 1) * sizeof *eg);
    if (!ep || !eg) {
        free(ep);
        free(eg);
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    }
    size_t ne = 0;
    for (int j = 0; j < nparts; j++)
        for (size_t g = 0; g < hashtab_size(parts[j]->ht); g++, ne++) {
            ep[ne] = (uint16_t)j;
            eg[ne] = (uint32_t)g;
        }
    int nk = p->nkeys;
    uint32_t *order = malloc((ng + 1) * sizeof *order);
    struct keyinfo *ki = calloc(ng * (size_t)(nk ? nk : 1) + 1, sizeof *ki);
    bool *numeric = calloc((size_t)nk + 1, sizeof *numeric);
    char **names = calloc((size_t)(nk + p->nspecs) + 1, sizeof *names);
    struct cell *sorted_cells = NULL; /* the --sort result column's cells, in output order */
    struct wctx c = {.p = p, .parts = parts, .ep = ep, .eg = eg, .ki = ki, .numeric = numeric,
                     .nkeys = nk};
    int rc = 0;
    if (!order || !ki || !numeric || !names)
        goto nomem;
    for (int k = 0; k < nk; k++)
        numeric[k] = true;
    for (size_t g = 0; g < ng; g++) {
        order[g] = (uint32_t)g;
        if (!nk)
            continue;
        struct keyinfo *row = &ki[g * (size_t)nk];
        split_key(parts[ep[g]], eg[g], row);
        for (int k = 0; k < nk; k++)
            if (row[k].len && numeric[k] && num_parse(row[k].p, row[k].len, &row[k].num) == NUM_NONE)
                numeric[k] = false;
    }
    for (size_t g = 0; g < ng && nk; g++)
        for (int k = 0; k < nk; k++)
            if (numeric[k] && ki[g * (size_t)nk + k].len)
                ki[g * (size_t)nk + k].d = num_to_double(&ki[g * (size_t)nk + k].num);
    if (nk && sort_groups(order, ng, &c) < 0)
        goto nomem;
    /* --sort: the key order is already sorted on the first key, ascending */
    if (p->sort_col >= 0 && !(p->sort_col == 0 && nk && !p->sort_desc) &&
        sort_by_column(&c, order, ng, &sorted_cells) < 0)
        goto nomem;

    for (int k = 0; k < nk; k++)
        names[k] = p->colnames[p->key_cols[k]];
    for (int i = 0; i < p->nspecs; i++)
        names[nk + i] = p->specs[i].name;
    outsink_header(out, names, nk + p->nspecs);

    for (size_t oi = 0; oi < ng; oi++) {
        uint32_t e = order[oi];
        for (int k = 0; k < nk; k++) {
            const struct keyinfo *x = &ki[(size_t)e * nk + k];
            outsink_field(out, x->p, x->len, x->len ? (numeric[k] ? OUT_NUM : OUT_STR) : OUT_NULL);
        }
        for (int i = 0; i < p->nspecs; i++) {
            if (sorted_cells && i == p->sort_col - nk) {
                put_cell(out, &sorted_cells[oi]);
            } else {
                struct cell x = cell_of(&c, e, i);
                put_cell(out, &x);
            }
        }
        outsink_end_row(out);
    }
    if (c.real_overflow)
        rc = pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                            "a sum of reals is beyond the largest double (about 1.8e308)");
    else if (c.var_overflow)
        rc = pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                            "a variance is beyond the largest double (about 1.8e308)");
    goto out;
nomem:
    rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
out:
    free(sorted_cells);
    free(order);
    free(ki);
    free(numeric);
    free(names);
    free(ep);
    free(eg);
    return rc;
}
