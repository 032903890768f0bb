/* agg_result.c - the result table of merged partials: finalize, sort, print. */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_result.h"

#include "agg_internal.h"
#include "hashtab.h"
#include "exact.h"
#include "numfmt.h"

/* The exact value of a kept median/pN value. */
static void qv_num(const struct agg_part *a, const struct qval *q, struct num *out)
{
    if (q->kind == QV_BIG) {
        const struct qbig *b = &a->qbig[q->u.big];
        *out = (struct num){
            .kind = NUM_DEC, .mant = b->mant, .scale = (int16_t)b->scale, .d = b->v};
    } else if (q->kind == QV_DEC) {
        /* v = m 10^-s (1 + e), |e| <= 2^-53, |m| < 2^51: v 10^s, rounded,
         * is within 3/8 of m */
        double p = (double)num_pow10(q->scale);
        *out = (struct num){
            .kind = NUM_DEC, .mant = (i128)llround(q->u.v * p), .scale = q->scale, .d = q->u.v};
    } else {
        *out = (struct num){.kind = NUM_DBL, .d = q->u.v};
    }
}

/* The double a kept value sorts by. */
static inline double qv_double(const struct agg_part *a, const struct qval *q)
{
    return q->kind == QV_BIG ? a->qbig[q->u.big].v : q->u.v;
}

/* -------------------------------------------------------------- output */

/* Everything agg_result_write works with travels in one struct wctx (no state at
 * file scope, so concurrent agg_result_write calls on different partials are
 * safe). Every result cell is computed by one function, cell_at, for
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
        struct wide w;  /* CELL_WIDE: w / 10^scale */
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
    memcpy(&v, k->p, k->len < 8 ? k->len : 8); /* the rest stays zero */
    return __builtin_bswap64(v);
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

/* The cell of result spec i for entry e, into *x: field by field (a cell
 * returned by value was copied in words over its narrow fields just
 * written, a stalled store-to-load forward at every cell). */
static inline __attribute__((always_inline)) void cell_at(struct wctx *c, uint32_t e, int i,
                                                          struct cell *x)
{
    const struct agg_plan *p = c->p;
    const struct agg_part *a = c->parts[c->ep[e]];
    uint32_t g = c->eg[e];
    const struct agg_spec *sp = &p->specs[i];
    const struct vstate *s = sp->vcol >= 0 ? &a->vs[sp->vcol] : NULL;
    int64_t nn = s ? *F(a, g, s->o_n, int64_t) : 0;
    *x = (struct cell){.kind = CELL_NULL};
    switch (sp->fn) {
    case AGG_COUNT:
        x->kind = CELL_INT;
        x->u.i = *F(a, g, 0, int64_t);
        return;
    case AGG_COUNT_COL:
        x->kind = CELL_INT;
        x->u.i = nn;
        return;
    case AGG_DISTINCT:
        x->kind = CELL_INT;
        x->u.i = *F(a, g, s->o_ndistinct, int64_t);
        return;
    default: break;
    }
    if (!nn)
        return;
    switch (sp->fn) {
    case AGG_SUM:
    case AGG_MEAN: {
        const struct wide *w = F(a, g, s->o_sum, struct wide);
        const struct xsum *xd = s->has_dbl ? *F(a, g, s->o_dsum, struct xsum *) : NULL;
        if (sp->fn == AGG_SUM && !s->has_dbl) {
            x->kind = CELL_WIDE;
            x->u.w = *w;
            x->scale = (int16_t)s->scale;
            return;
        }
        x->kind = CELL_DBL;
        x->u.d = !xd && sp->fn == AGG_MEAN
                     ? exact_wide_mean(w, nn, s->scale)
                     : exact_mean(w, s->scale, xd, sp->fn == AGG_MEAN ? nn : 1);
        c->real_overflow |= !isfinite(x->u.d);
        return;
    }
    case AGG_VAR:
    case AGG_STDDEV:
        if (nn < 2)
            return;
        long double v = variance(a, s, g, nn);
        x->kind = CELL_DBL;
        x->u.d = (double)(sp->fn == AGG_STDDEV ? sqrtl(v) : v);
        c->var_overflow |= !isfinite(
            x->u.d); /* the printed answer: stddev may fit when var does not */
        return;
    case AGG_QUANTILE:
        x->kind = CELL_DBL;
        x->u.d = a->qres[(size_t)g * (size_t)p->nquantiles + (size_t)sp->qslot];
        return;
    case AGG_FIRST:
    case AGG_LAST: {
        const struct sbuf *sb = F(a, g, sp->fn == AGG_FIRST ? s->o_sfirst : s->o_slast,
                                  struct sbuf);
        struct num nm;
        x->kind = CELL_TEXT;
        x->u.t.p = sb->p;
        x->u.t.len = sb->len;
        x->out = num_parse(sb->p, sb->len, &nm) != NUM_NONE ? OUT_NUM : OUT_STR;
        return;
    }
    case AGG_MIN:
    case AGG_MAX: {
        bool mn = sp->fn == AGG_MIN;
        if (s->nonnum) {
            const struct sbuf *sb = F(a, g, mn ? s->o_smin : s->o_smax, struct sbuf);
            x->kind = CELL_TEXT;
            x->u.t.p = sb->p;
            x->u.t.len = sb->len;
            x->out = OUT_STR;
            return;
        }
        const struct num *nv = F(a, g, mn ? s->o_nmin : s->o_nmax, struct num);
        if (s->has_dbl) {
            x->kind = CELL_DBL;
            x->u.d = num_to_double(nv);
        } else {
            x->kind = CELL_DEC;
            memcpy(x->u.m2, &nv->mant, sizeof x->u.m2);
            x->scale = nv->scale;
            x->to_scale = (int16_t)s->scale;
        }
        return;
    }
    default: return;
    }
}

static struct cell cell_of(struct wctx *c, uint32_t e, int i)
{
    struct cell x;
    cell_at(c, e, i, &x);
    return x;
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
    case CELL_INT: n = num_fmt_i64(buf, x->u.i, 0); break;
    case CELL_WIDE: n = exact_wide_fmt_dec(buf, &x->u.w, x->scale); break;
    case CELL_DEC: {
        i128 m;
        memcpy(&m, x->u.m2, sizeof m);
        put_num_dec(out, m, x->scale, x->to_scale);
        return;
    }
    case CELL_DBL: n = num_fmt_double(buf, x->u.d); break;
    case CELL_TEXT: outsink_field(out, x->u.t.p, x->u.t.len, (enum out_kind)x->out); return;
    default: outsink_field(out, "", 0, OUT_NULL); return;
    }
    outsink_field(out, buf, n, OUT_NUM);
}

/* A numeric cell's exact value (a text cell's as parsed). */
static void cell_xnum(const struct cell *x, struct xnum *v)
{
    memset(v, 0, sizeof *v);
    switch (x->kind) {
    case CELL_INT: exact_wide_add_i128(&v->w, x->u.i); return;
    case CELL_WIDE:
        v->w = x->u.w;
        v->scale = x->scale;
        return;
    case CELL_DEC: {
        i128 m;
        memcpy(&m, x->u.m2, sizeof m);
        exact_wide_add_i128(&v->w, m);
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
        exact_xnum_of_num(v, &nm);
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
    return exact_xnum_cmp(&x, &y);
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
    case CELL_INT: return (double)x->u.i;
    case CELL_WIDE: return exact_wide_to_double(&x->u.w, x->scale);
    case CELL_DEC: {
        i128 m;
        memcpy(&m, x->u.m2, sizeof m);
        return num_dec_to_double(m, x->scale);
    }
    case CELL_DBL: return x->u.d;
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
static int sort_by_column(struct wctx *c, uint32_t *order, size_t n, struct cell **cellsp,
                          bool *numeric)
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
    *numeric = sc.numeric;
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

/* --limit N: the first N rows of the output order without sorting every
 * group. A bounded max-heap of N candidates (its root the worst kept) is
 * fed every group once; only N cells are kept, never one per group. The
 * order is the one sort_groups and sort_by_column give: the --sort column
 * (numeric when every value of it is a number, exactly; else bytes; empty
 * cells last), ties in key order (cmp_groups). */
struct top {
    struct cell x; /* result column: the cell */
    double d;      /* numeric: the nearest double */
    uint32_t e;
    bool null;
};

struct topsel {
    struct wctx *c;
    int col; /* output column, or -1: key order */
    bool numeric, desc;
};

static int cmp_top(const struct topsel *s, const struct top *a, const struct top *b)
{
    const struct wctx *c = s->c;
    if (s->col >= 0) {
        if (a->null || b->null) {
            if (a->null != b->null)
                return a->null ? 1 : -1; /* empty cells last, either direction */
        } else {
            int r = 0;
            if (s->numeric)
                r = (a->d > b->d) - (a->d < b->d);
            if (!r && s->col >= c->nkeys) {
                if (s->numeric)
                    r = cell_cmp_exact(&a->x, &b->x);
                else
                    r = bytes_cmp(a->x.u.t.p, a->x.u.t.len, b->x.u.t.p, b->x.u.t.len);
            } else if (!r) {
                const struct keyinfo *ka = &c->ki[(size_t)a->e * c->nkeys + s->col];
                const struct keyinfo *kb = &c->ki[(size_t)b->e * c->nkeys + s->col];
                if (s->numeric)
                    r = num_cmp(&ka->num, &kb->num);
                if (!r)
                    r = bytes_cmp(ka->p, ka->len, kb->p, kb->len);
            }
            if (r)
                return s->desc ? -r : r;
        }
    }
    return cmp_groups(&a->e, &b->e, (void *)c);
}

static int cmp_top_q(const void *x, const void *y, void *ctx) { return cmp_top(ctx, x, y); }

/* Group e as a candidate of s. */
static struct top top_of(const struct topsel *s, uint32_t e)
{
    struct wctx *c = s->c;
    struct top t = {.e = e};
    if (s->col >= c->nkeys) {
        t.x = cell_of(c, e, s->col - c->nkeys);
        t.null = t.x.kind == CELL_NULL;
        if (!t.null && s->numeric)
            t.d = cell_double(&t.x);
    } else if (s->col >= 0) {
        const struct keyinfo *k = &c->ki[(size_t)e * c->nkeys + s->col];
        t.null = !k->len;
        t.d = k->d;
    }
    return t;
}

/* The best n (>= 1) of groups [0, ng) under s into h[0, n), unordered. */
static size_t heap_select(const struct topsel *s, struct top *h, size_t n, size_t ng)
{
    size_t k = 0;
    for (size_t e = 0; e < ng; e++) {
        struct top t = top_of(s, (uint32_t)e);
        size_t i;
        if (k < n) { /* sift up: parents are worse than children */
            for (i = k++; i > 0 && cmp_top(s, &h[(i - 1) / 2], &t) < 0; i = (i - 1) / 2)
                h[i] = h[(i - 1) / 2];
            h[i] = t;
            continue;
        }
        if (cmp_top(s, &t, &h[0]) >= 0)
            continue;   /* no better than the worst kept */
        for (i = 0;;) { /* sift down from the root */
            size_t l = 2 * i + 1, w = l;
            if (l >= n)
                break;
            if (l + 1 < n && cmp_top(s, &h[l + 1], &h[l]) > 0)
                w = l + 1;
            if (cmp_top(s, &h[w], &t) <= 0)
                break;
            h[i] = h[w];
            i = w;
        }
        h[i] = t;
    }
    return k;
}

static int cmp_top_e(const void *x, const void *y)
{
    uint32_t a = ((const struct top *)x)->e, b = ((const struct top *)y)->e;
    return (a > b) - (a < b);
}

/* The first n (0 < n < ng) rows of the output into order[0, *nout), with
 * the --sort result column's cells in *cellsp. The column's numeric
 * decision takes a pass over every group first (it covers them all); the
 * cells that can leave the double range are computed for every group, so
 * that the error does not depend on which rows are printed. both (a
 * partition of a larger table, whose numeric decision may be overruled by
 * the others'): a text column that is numeric here also keeps its first n
 * by bytes, so *nout may reach 2n. */
static int select_top(struct wctx *c, uint32_t *order, size_t ng, size_t n, bool both,
                      struct cell **cellsp, bool *numeric, size_t *nout)
{
    const struct agg_plan *p = c->p;
    struct topsel s = {.c = c, .col = p->sort_col, .desc = p->sort_desc};
    if (s.col == 0 && c->nkeys && !s.desc)
        s.col = -1; /* the key order */
    bool text = false;
    if (s.col >= c->nkeys) {
        s.numeric = true;
        for (size_t e = 0; e < ng && s.numeric; e++) {
            struct cell x = cell_of(c, (uint32_t)e, s.col - c->nkeys);
            struct num nm;
            text |= x.kind == CELL_TEXT;
            if (x.kind == CELL_TEXT && num_parse(x.u.t.p, x.u.t.len, &nm) == NUM_NONE)
                s.numeric = false;
        }
    } else if (s.col >= 0) {
        s.numeric = c->numeric[s.col];
    }
    *numeric = s.numeric;
    for (int i = 0; i < p->nspecs; i++) {
        enum agg_fn fn = p->specs[i].fn;
        if (fn == AGG_SUM || fn == AGG_MEAN || fn == AGG_VAR || fn == AGG_STDDEV)
            for (size_t e = 0; e < ng; e++)
                (void)cell_of(c, (uint32_t)e, i);
    }
    bool two = both && text && s.numeric;
    struct top *h = malloc((2 * n + 1) * sizeof *h);
    if (!h)
        return -1;
    size_t k = heap_select(&s, h, n, ng);
    if (two) {
        struct topsel b = s;
        b.numeric = false;
        size_t k2 = heap_select(&b, h + k, n, ng);
        qsort(h, k + k2, sizeof *h, cmp_top_e);
        size_t u = 0;
        for (size_t i = 0; i < k + k2; i++)
            if (!u || h[u - 1].e != h[i].e)
                h[u++] = h[i];
        for (size_t i = 0; i < u; i++) /* their doubles, for the numeric order */
            if (!h[i].null)
                h[i].d = cell_double(&h[i].x);
        k = u;
    }
    qsort_r(h, k, sizeof *h, cmp_top_q, &s);
    struct cell *cells = NULL;
    if (s.col >= c->nkeys && !(cells = malloc((k + 1) * sizeof *cells))) {
        free(h);
        return -1;
    }
    for (size_t i = 0; i < k; i++) {
        order[i] = h[i].e;
        if (cells)
            cells[i] = h[i].x;
    }
    free(h);
    *cellsp = cells;
    *nout = k;
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
                v = exact_interp(&va, &vb, r, sp->qdscale);
            } else {
                v = num_to_double(&va);
            }
            a->qres[(size_t)a->qv[i].group * (size_t)p->nquantiles + (size_t)sp->qslot] = v;
        }
        i = e;
    }
    return 0;
}

int agg_result_write_part(struct agg_part *a, struct outsink *out, struct pcsv_error *err)
{
    return agg_result_write(&a, 1, out, err);
}

int agg_result_write(struct agg_part *const *parts, int nparts, struct outsink *out,
                     struct pcsv_error *err)
{
    struct agg_result_opts o = {0};
    return agg_result_rows(parts, nparts, out, &o, err);
}

/* Row e's text: its keys kl, then its cells (sorted, when not NULL, the
 * --sort result column's). */
static void put_row(struct wctx *c, struct outsink *out, const struct keyinfo *kl, uint32_t e,
                    const struct cell *sorted)
{
    const struct agg_plan *p = c->p;
    for (int k = 0; k < c->nkeys; k++)
        outsink_field(out, kl[k].p, kl[k].len,
                      kl[k].len ? (c->numeric[k] ? OUT_NUM : OUT_STR) : OUT_NULL);
    for (int i = 0; i < p->nspecs; i++) {
        if (sorted && i == p->sort_col - c->nkeys) {
            put_cell(out, sorted);
        } else {
            struct cell x;
            cell_at(c, e, i, &x);
            put_cell(out, &x);
        }
    }
    outsink_end_row(out);
}

/* A row's keys for o->row: r's key images, and kl's bytes in rk, rl. */
static void row_keys(const struct wctx *c, const struct keyinfo *kl, struct agg_result_row *r,
                     const uint8_t **rk, size_t *rl)
{
    for (int k = 0; k < 2 && k < c->nkeys; k++)
        r->key_prefix[k] = sort_prefix(&kl[k], c->numeric[k]);
    for (int k = 0; k < c->nkeys; k++) {
        rk[k] = kl[k].p;
        rl[k] = kl[k].len;
    }
    r->key = rk;
    r->klen = rl;
}

/* agg_result_rows' rows for a caller that sorts them itself (the buckets
 * of aggradix.c), from one part whose key facts the input gave: one pass
 * over the groups, each group's keys split and parsed where its row is
 * written. (The general path keeps every group's key facts in c->ki, 64
 * bytes a key, which a large partition streams through memory three
 * times.) 0, or -1 when a key of a numeric column is not a number (the
 * part disagrees with the input's facts). */
static int rows_unsorted(struct wctx *c, struct outsink *out, struct agg_result_opts *o, size_t ng,
                         const uint8_t **rk, size_t *rl)
{
    const struct agg_part *a = c->parts[0];
    int nk = c->nkeys;
    struct keyinfo kl[nk];
    if (o->begin)
        o->begin(o->ctx, ng);
    for (size_t g = 0; g < ng; g++) {
        if (g + 8 < ng)
            __builtin_prefetch(a->recs + (g + 8) * a->rec_size);
        split_key(a, (uint32_t)g, kl);
        for (int k = 0; k < nk; k++) {
            if (!kl[k].len || !c->numeric[k])
                continue;
            if (num_parse(kl[k].p, kl[k].len, &kl[k].num) == NUM_NONE)
                return -1;
            if (k < 2) /* (for the images) */
                kl[k].d = num_to_double(&kl[k].num);
        }
        put_row(c, out, kl, (uint32_t)g, NULL);
        struct agg_result_row r = {.rank = (uint32_t)g};
        row_keys(c, kl, &r, rk, rl);
        o->row(o->ctx, &r);
    }
    return 0;
}

int agg_result_rows(struct agg_part *const *parts, int nparts, struct outsink *out,
                    struct agg_result_opts *o, struct pcsv_error *err)
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
                agg_part_rescale(parts[j], i, scale);
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
        if (agg_part_group(parts[0], (const uint8_t *)"", 0, hashtab_hash("", 0)) < 0)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        ng = 1;
    }
    /* distinct: count each part's pairs into its groups' records (from
     * zero: a part may be written twice) */
    for (int j = 0; j < nparts; j++) {
        struct agg_part *a = parts[j];
        for (int i = 0; a->pairs && i < p->nvcols; i++)
            for (size_t g = 0; a->vs[i].o_ndistinct >= 0 && g < hashtab_size(a->ht); g++)
                *F(a, g, a->vs[i].o_ndistinct, int64_t) = 0;
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
    bool fused = o->unsorted && o->row && nparts == 1 && o->key_numeric && nk &&
                 !(p->limited && p->limit < ng); /* rows_unsorted */
    uint32_t *order = fused ? NULL : malloc((ng + 1) * sizeof *order);
    /* (not zeroed: split_key sets every entry's bytes, numeric ones their
     * number, and nothing else is read; a calloc here cleared 20 MB a
     * partition of a large table) */
    struct keyinfo *ki = fused ? NULL : malloc((ng * (size_t)(nk ? nk : 1) + 1) * sizeof *ki);
    bool *numeric = calloc((size_t)nk + 1, sizeof *numeric);
    char **names = calloc((size_t)(nk + p->nspecs) + 1, sizeof *names);
    const uint8_t **rk = calloc((size_t)nk + 1, sizeof *rk); /* a row's keys, for o->row */
    size_t *rl = calloc((size_t)nk + 1, sizeof *rl);
    struct cell *sorted_cells = NULL; /* the --sort result column's cells, in output order */
    struct wctx c = {
        .p = p, .parts = parts, .ep = ep, .eg = eg, .ki = ki, .numeric = numeric, .nkeys = nk};
    int rc = 0;
    if ((!fused && (!order || !ki)) || !numeric || !names || !rk || !rl)
        goto nomem;
    for (int k = 0; k < nk; k++) /* (the input's facts, when known, spare the parsing) */
        numeric[k] = !o->key_numeric || o->key_numeric[k];
    for (int k = 0; k < nk; k++)
        names[k] = p->key_names[k];
    for (int i = 0; i < p->nspecs; i++)
        names[nk + i] = p->specs[i].name;
    if (fused) {
        outsink_names(out, names, nk + p->nspecs);
        if (rows_unsorted(&c, out, o, ng, rk, rl) < 0)
            goto nomem; /* (the parts disagree with the input, as below) */
        goto written;
    }
    for (size_t g = 0; g < ng; g++) {
        order[g] = (uint32_t)g;
        if (!nk)
            continue;
        struct keyinfo *row = &ki[g * (size_t)nk];
        split_key(parts[ep[g]], eg[g], row);
        for (int k = 0; k < nk; k++)
            if (row[k].len && numeric[k] &&
                num_parse(row[k].p, row[k].len, &row[k].num) == NUM_NONE)
                numeric[k] = false;
    }
    for (int k = 0; k < nk && o->key_numeric; k++) {
        if (numeric[k] && !o->key_numeric[k])
            numeric[k] = false;
        else if (!numeric[k] && o->key_numeric[k]) /* the parts disagree with the input */
            goto nomem;
    }
    for (size_t g = 0; g < ng && nk; g++)
        for (int k = 0; k < nk; k++)
            if (numeric[k] && ki[g * (size_t)nk + k].len)
                ki[g * (size_t)nk + k].d = num_to_double(&ki[g * (size_t)nk + k].num);
    /* --limit below the number of groups: the first rows only */
    size_t nout = ng;
    if (p->limited && p->limit < ng) {
        if (p->limit == 0)
            nout = 0;
        else if (select_top(&c, order, ng, (size_t)p->limit, o->row != NULL, &sorted_cells,
                            &o->sort_numeric, &nout) < 0)
            goto nomem;
    } else {
        if (nk && !o->unsorted && sort_groups(order, ng, &c) < 0)
            goto nomem;
        /* --sort: the key order is already sorted on the first key, ascending */
        if (!o->unsorted && p->sort_col >= 0 && !(p->sort_col == 0 && nk && !p->sort_desc) &&
            sort_by_column(&c, order, ng, &sorted_cells, &o->sort_numeric) < 0)
            goto nomem;
    }

    if (!o->row)
        outsink_header(out, names, nk + p->nspecs);
    else /* rows for a run: jsonl still needs the keys */
        outsink_names(out, names, nk + p->nspecs);

    /* Rows for a run in key order go in entry order, each with its rank in
     * the output (the run puts them in place): reading the groups in the
     * order they are stored streams, where the sorted order would miss the
     * cache on every group's key facts, key bytes and record. */
    bool by_entry = o->row && !sorted_cells && nout == ng;
    uint32_t *rank = by_entry ? malloc((ng + 1) * sizeof *rank) : NULL;
    if (by_entry && !rank)
        goto nomem;
    for (size_t oi = 0; by_entry && oi < ng; oi++)
        rank[order[oi]] = (uint32_t)oi;
    if (o->begin)
        o->begin(o->ctx, nout);
    for (size_t oi = 0; oi < nout; oi++) {
        uint32_t e = by_entry ? (uint32_t)oi : order[oi];
        /* rows go out in sorted order, so every group's key facts, key
         * bytes and record are a cache miss: ask for them ahead */
        if (!by_entry && oi + 16 < nout) {
            uint32_t f = order[oi + 16];
            __builtin_prefetch(&ki[(size_t)f * nk]);
            __builtin_prefetch((const char *)&ki[(size_t)(f + 1) * nk] - 1);
            const struct agg_part *pa = parts[ep[f]];
            __builtin_prefetch(pa->recs + (size_t)eg[f] * pa->rec_size);
        }
        if (!by_entry && oi + 8 < nout) {
            uint32_t f = order[oi + 8];
            for (int k = 0; k < nk; k++)
                __builtin_prefetch(ki[(size_t)f * nk + k].p);
        }
        const struct keyinfo *kl = &ki[(size_t)e * nk];
        put_row(&c, out, kl, e, sorted_cells ? &sorted_cells[oi] : NULL);
        if (o->row) {
            struct agg_result_row r = {.rank = by_entry ? rank[e] : (uint32_t)oi};
            row_keys(&c, kl, &r, rk, rl);
            struct xnum x;
            if (sorted_cells) {
                const struct cell *sc = &sorted_cells[oi];
                r.sort_null = sc->kind == CELL_NULL;
                if (sc->kind == CELL_TEXT) {
                    r.sort_p = sc->u.t.p;
                    r.sort_len = sc->u.t.len;
                }
                if (!r.sort_null && o->sort_numeric) {
                    r.sort_d = cell_double(sc);
                    cell_xnum(sc, &x);
                    r.sort_x = &x;
                }
            }
            o->row(o->ctx, &r);
        }
    }
    free(rank);
written:
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
    free(rk);
    free(rl);
    free(ep);
    free(eg);
    return rc;
}
