/* agg.c - plans, partial aggregates, merging and the result table. */
#include "agg.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        p->sel[col] = (int16_t)p->nsel++;
    return p->sel[col];
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
    {"min", AGG_MIN},         {"max", AGG_MAX},
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
        for (size_t k = 0; k < sizeof fn_names / sizeof fn_names[0]; k++)
            if (strcmp(fn_names[k].name, t) == 0)
                fi = (int)k;
        if (fi < 0) {
            pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                           "--agg: unknown function '%s' (known: count, count:C, sum:C, mean:C, "
                           "min:C, max:C)",
                           t);
            goto fail;
        }
        int c = colref_resolve(colon + 1, colnames, ncols, "--agg", err);
        if (c < 0)
            goto fail;
        s->fn = fn_names[fi].fn;
        s->col = c;
        s->vcol = vcol_of(p, c);
        struct agg_vcol *v = &p->vcols[s->vcol];
        if (s->fn == AGG_SUM || s->fn == AGG_MEAN)
            v->sum = true;
        if (s->fn == AGG_MIN || s->fn == AGG_MAX)
            v->minmax = true;
        static const char *suffix[] = {"", "count", "sum", "mean", "min", "max"};
        size_t n = strlen(colnames[c]) + 8;
        s->name = malloc(n);
        if (!s->name)
            goto nomem;
        snprintf(s->name, n, "%s_%s", colnames[c], suffix[s->fn]);
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

/* Per value column, per group state; arrays are indexed by group. */
struct vstate {
    int64_t *n;          /* non-null values */
    i128 *sum;           /* at scale `scale` (sum/mean columns) */
    struct xsum **dsum;  /* exponent-notation values, exactly (lazy) */
    struct num *nmin, *nmax; /* numeric min/max (kind NUM_NONE: none yet) */
    struct sbuf *smin, *smax; /* byte-string min/max */
    /* whole-column facts, merged with max / or */
    int scale;
    bool has_dbl, nonnum, overflow;
};

struct agg_part {
    const struct agg_plan *plan;
    struct hashtab *ht;
    size_t cap; /* groups the arrays have room for */
    int64_t *count;
    struct vstate *vs;
    /* scratch */
    uint8_t **unq; /* per slot, for unquoting */
    size_t *unqcap;
    uint8_t *keybuf;
    size_t keycap;
    struct num *nums; /* per vcol, the row's parsed values */
    struct agg_val *vals;
};

static void *grow_array(void *p, size_t elem, size_t newcap, size_t oldcap)
{
    uint8_t *q = realloc(p, elem * newcap);
    if (q)
        memset(q + elem * oldcap, 0, elem * (newcap - oldcap));
    return q;
}

static int ensure_groups(struct agg_part *a, size_t n)
{
    if (n <= a->cap)
        return 0;
    size_t nc = a->cap ? a->cap : 64;
    while (nc < n)
        nc *= 2;
    size_t oc = a->cap;
#define G(ptr)                                                                                     \
    do {                                                                                           \
        void *t_ = grow_array((ptr), sizeof *(ptr), nc, oc);                                       \
        if (!t_)                                                                                   \
            return -1;                                                                             \
        (ptr) = t_;                                                                                \
    } while (0)
    G(a->count);
    for (int i = 0; i < a->plan->nvcols; i++) {
        const struct agg_vcol *v = &a->plan->vcols[i];
        struct vstate *s = &a->vs[i];
        G(s->n);
        if (v->sum) {
            G(s->sum);
            G(s->dsum);
        }
        if (v->minmax) {
            G(s->nmin);
            G(s->nmax);
            G(s->smin);
            G(s->smax);
        }
    }
#undef G
    a->cap = nc;
    return 0;
}

struct agg_part *agg_part_create(const struct agg_plan *plan)
{
    struct agg_part *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->plan = plan;
    a->ht = hashtab_create();
    a->vs = calloc((size_t)plan->nvcols + 1, sizeof *a->vs);
    a->unq = calloc((size_t)plan->nsel + 1, sizeof *a->unq);
    a->unqcap = calloc((size_t)plan->nsel + 1, sizeof *a->unqcap);
    a->nums = calloc((size_t)plan->nvcols + 1, sizeof *a->nums);
    a->vals = calloc((size_t)plan->nsel + 1, sizeof *a->vals);
    if (!a->ht || !a->vs || !a->unq || !a->unqcap || !a->nums || !a->vals || ensure_groups(a, 64)) {
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
    for (int i = 0; a->vs && i < a->plan->nvcols; i++) {
        struct vstate *s = &a->vs[i];
        for (size_t g = 0; s->dsum && g < ng; g++)
            free(s->dsum[g]);
        for (size_t g = 0; s->smin && g < ng; g++) {
            free(s->smin[g].p);
            free(s->smax[g].p);
        }
        free(s->n);
        free(s->sum);
        free(s->dsum);
        free(s->nmin);
        free(s->nmax);
        free(s->smin);
        free(s->smax);
    }
    for (int i = 0; a->unq && i < a->plan->nsel; i++)
        free(a->unq[i]);
    free(a->unq);
    free(a->unqcap);
    free(a->vs);
    free(a->nums);
    free(a->vals);
    free(a->keybuf);
    free(a->count);
    hashtab_destroy(a->ht);
    free(a);
}

size_t agg_part_groups(const struct agg_part *a) { return hashtab_size(a->ht); }

/* Rescale every group's sum of column s to scale ns (> s->scale). */
static void rescale(struct agg_part *a, struct vstate *s, int ns)
{
    if (s->sum) {
        i128 f = num_pow10(ns - s->scale);
        size_t ng = hashtab_size(a->ht);
        for (size_t g = 0; g < ng; g++)
            if (__builtin_mul_overflow(s->sum[g], f, &s->sum[g]))
                s->overflow = true;
    }
    s->scale = ns;
}

static int sbuf_set(struct sbuf *b, const uint8_t *p, size_t len)
{
    if (len > b->cap) {
        uint8_t *q = realloc(b->p, len);
        if (!q)
            return -1;
        b->p = q;
        b->cap = (uint32_t)len;
    }
    memcpy(b->p, p, len);
    b->len = (uint32_t)len;
    return 0;
}

static inline int bytes_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

static int key_of(struct agg_part *a, const struct agg_val *vals, const uint8_t **key, size_t *len)
{
    const struct agg_plan *p = a->plan;
    if (p->nkeys == 1) {
        *key = vals[p->key_slot[0]].p;
        *len = vals[p->key_slot[0]].len;
        return 0;
    }
    size_t need = 0;
    for (int k = 0; k < p->nkeys; k++)
        need += 4 + vals[p->key_slot[k]].len;
    if (need > a->keycap) {
        size_t nc = need * 2 + 64;
        uint8_t *q = realloc(a->keybuf, nc);
        if (!q)
            return -1;
        a->keybuf = q;
        a->keycap = nc;
    }
    size_t o = 0;
    for (int k = 0; k < p->nkeys; k++) {
        uint32_t l = (uint32_t)vals[p->key_slot[k]].len;
        memcpy(a->keybuf + o, &l, 4);
        if (l)
            memcpy(a->keybuf + o + 4, vals[p->key_slot[k]].p, l);
        o += 4 + l;
    }
    *key = a->keybuf;
    *len = o;
    return 0;
}

int agg_part_row(struct agg_part *a, const struct agg_val *vals, size_t row, agg_bad_fn bad,
                 void *ctx)
{
    const struct agg_plan *p = a->plan;
    /* Parse and check every value first: a bad row must leave no trace. */
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct agg_val *x = &vals[v->slot];
        if (x->len == 0) {
            a->nums[i].kind = NUM_NONE;
            continue;
        }
        if (num_parse(x->p, x->len, &a->nums[i]) == NUM_NONE && v->sum)
            return bad(ctx, row, v->col, x->p, x->len) ? 0 : 1;
    }
    const uint8_t *key = (const uint8_t *)"";
    size_t klen = 0;
    if (p->nkeys && key_of(a, vals, &key, &klen) < 0)
        return -1;
    bool ins;
    int64_t g = hashtab_upsert(a->ht, key, klen, hashtab_hash(key, klen), &ins);
    if (g < 0 || (ins && ensure_groups(a, (size_t)g + 1) < 0))
        return -1;
    a->count[g]++;
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct agg_val *x = &vals[v->slot];
        if (x->len == 0)
            continue;
        struct vstate *s = &a->vs[i];
        struct num *nv = &a->nums[i];
        s->n[g]++;
        if (nv->kind == NUM_DEC && nv->scale > s->scale)
            rescale(a, s, nv->scale);
        if (v->sum) {
            if (nv->kind == NUM_DEC) {
                i128 add = nv->mant;
                if (nv->scale < s->scale &&
                    __builtin_mul_overflow(add, num_pow10(s->scale - nv->scale), &add))
                    s->overflow = true;
                if (__builtin_add_overflow(s->sum[g], add, &s->sum[g]))
                    s->overflow = true;
            } else {
                s->has_dbl = true;
                if (!s->dsum[g] && !(s->dsum[g] = calloc(1, sizeof(struct xsum))))
                    return -1;
                xsum_add(s->dsum[g], nv->d);
            }
        }
        if (v->minmax) {
            if (nv->kind != NUM_NONE) {
                if (nv->kind == NUM_DBL)
                    s->has_dbl = true;
                if (s->nmin[g].kind == NUM_NONE || num_cmp(nv, &s->nmin[g]) < 0)
                    s->nmin[g] = *nv;
                if (s->nmax[g].kind == NUM_NONE || num_cmp(nv, &s->nmax[g]) > 0)
                    s->nmax[g] = *nv;
            } else {
                s->nonnum = true;
            }
            /* byte order too: whether the column is numeric is only known
             * at the end of the whole input */
            struct sbuf *mn = &s->smin[g], *mx = &s->smax[g];
            if ((!mn->p || bytes_cmp(x->p, x->len, mn->p, mn->len) < 0) && sbuf_set(mn, x->p, x->len))
                return -1;
            if ((!mx->p || bytes_cmp(x->p, x->len, mx->p, mx->len) > 0) && sbuf_set(mx, x->p, x->len))
                return -1;
        }
    }
    return 0;
}

int agg_part_batch(struct agg_part *a, const uint8_t *data, uint8_t quote,
                   const struct scan_batch *b, const uint8_t *skip, agg_bad_fn bad, void *ctx)
{
    const int nsel = a->plan->nsel;
    struct agg_val *vals = a->vals;
    for (size_t r = 0; r < b->nrows; r++) {
        if (skip && skip[r])
            continue;
        const struct scan_field *f = &b->fields[r * (size_t)nsel];
        for (int s = 0; s < nsel; s++) {
            const uint8_t *p = data + f[s].start;
            size_t n = (size_t)(f[s].end - f[s].start);
            if (n && p[0] == quote) {
                if (n > a->unqcap[s]) {
                    uint8_t *q = realloc(a->unq[s], n);
                    if (!q)
                        return -1;
                    a->unq[s] = q;
                    a->unqcap[s] = n;
                }
                p = scan_unquote(data, f[s], quote, a->unq[s], &n);
            }
            vals[s].p = p;
            vals[s].len = n;
        }
        int rc = agg_part_row(a, vals, r, bad, ctx);
        if (rc)
            return rc;
    }
    return 0;
}

static int minmax_merge(struct vstate *d, size_t gd, const struct vstate *s, size_t gs)
{
    if (s->nmin[gs].kind != NUM_NONE) {
        if (d->nmin[gd].kind == NUM_NONE || num_cmp(&s->nmin[gs], &d->nmin[gd]) < 0)
            d->nmin[gd] = s->nmin[gs];
        if (d->nmax[gd].kind == NUM_NONE || num_cmp(&s->nmax[gs], &d->nmax[gd]) > 0)
            d->nmax[gd] = s->nmax[gs];
    }
    const struct sbuf *a = &s->smin[gs], *b = &s->smax[gs];
    if (a->p && (!d->smin[gd].p || bytes_cmp(a->p, a->len, d->smin[gd].p, d->smin[gd].len) < 0) &&
        sbuf_set(&d->smin[gd], a->p, a->len))
        return -1;
    if (b->p && (!d->smax[gd].p || bytes_cmp(b->p, b->len, d->smax[gd].p, d->smax[gd].len) > 0) &&
        sbuf_set(&d->smax[gd], b->p, b->len))
        return -1;
    return 0;
}

int agg_part_merge(struct agg_part *into, const struct agg_part *from)
{
    const struct agg_plan *p = into->plan;
    for (int i = 0; i < p->nvcols; i++) {
        struct vstate *d = &into->vs[i];
        const struct vstate *s = &from->vs[i];
        if (s->scale > d->scale)
            rescale(into, d, s->scale);
        d->has_dbl |= s->has_dbl;
        d->nonnum |= s->nonnum;
        d->overflow |= s->overflow;
    }
    size_t ng = hashtab_size(from->ht);
    for (size_t gs = 0; gs < ng; gs++) {
        size_t klen;
        const uint8_t *key = hashtab_key(from->ht, (uint32_t)gs, &klen);
        bool ins;
        int64_t gd = hashtab_upsert(into->ht, key, klen, hashtab_key_hash(from->ht, (uint32_t)gs), &ins);
        if (gd < 0 || (ins && ensure_groups(into, (size_t)gd + 1) < 0))
            return -1;
        into->count[gd] += from->count[gs];
        for (int i = 0; i < p->nvcols; i++) {
            const struct agg_vcol *v = &p->vcols[i];
            struct vstate *d = &into->vs[i];
            const struct vstate *s = &from->vs[i];
            d->n[gd] += s->n[gs];
            if (v->sum) {
                i128 add = s->sum[gs];
                if (d->scale > s->scale &&
                    __builtin_mul_overflow(add, num_pow10(d->scale - s->scale), &add))
                    d->overflow = true;
                if (__builtin_add_overflow(d->sum[gd], add, &d->sum[gd]))
                    d->overflow = true;
                if (s->dsum[gs]) {
                    if (!d->dsum[gd] && !(d->dsum[gd] = calloc(1, sizeof(struct xsum))))
                        return -1;
                    xsum_merge(d->dsum[gd], s->dsum[gs]);
                }
            }
            if (v->minmax && minmax_merge(d, (size_t)gd, s, gs) < 0)
                return -1;
        }
    }
    return 0;
}

/* -------------------------------------------------------------- output */

struct keyinfo {
    const uint8_t *p;
    size_t len;
    struct num num;
};

struct sortctx {
    const struct agg_part *a;
    struct keyinfo *ki; /* [group * nkeys + k] */
    bool *numeric;      /* per key column */
    int nkeys;
};

static struct sortctx *sort_ctx; /* qsort has no context argument */

static int cmp_groups(const void *x, const void *y)
{
    uint32_t g = *(const uint32_t *)x, h = *(const uint32_t *)y;
    const struct sortctx *c = sort_ctx;
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
        if (c->numeric[k])
            r = num_cmp(&a->num, &b->num);
        if (!r)
            r = bytes_cmp(a->p, a->len, b->p, b->len);
        if (r)
            return r;
    }
    return (g > h) - (g < h);
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

static void put_num_dec(struct outsink *out, i128 mant, int from_scale, int to_scale)
{
    char buf[64];
    if (to_scale > from_scale)
        mant *= num_pow10(to_scale - from_scale);
    size_t n = num_fmt_dec(buf, mant, to_scale);
    outsink_field(out, buf, n, OUT_NUM);
}

static void put_double(struct outsink *out, double x)
{
    char buf[48];
    size_t n = num_fmt_double(buf, x);
    outsink_field(out, buf, n, OUT_NUM);
}

static void put_int(struct outsink *out, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
    outsink_field(out, buf, (size_t)n, OUT_NUM);
}

/* The exact total of a sum column for group g, as a double. */
static double sum_double(const struct vstate *s, size_t g)
{
    struct xsum x;
    if (s->dsum[g])
        x = *s->dsum[g];
    else
        xsum_init(&x);
    xsum_add(&x, num_dec_to_double(s->sum[g], s->scale));
    return xsum_round(&x);
}

int agg_part_write(struct agg_part *a, struct outsink *out, struct pcsv_error *err)
{
    const struct agg_plan *p = a->plan;
    for (int i = 0; i < p->nvcols; i++)
        if (a->vs[i].overflow)
            return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                                  "column '%s': sum outside the exact range (38 digits)",
                                  p->colnames[p->vcols[i].col]);
    size_t ng = hashtab_size(a->ht);
    /* no --by: one row for the whole input, even an empty one */
    if (p->nkeys == 0 && ng == 0) {
        bool ins;
        if (hashtab_upsert(a->ht, "", 0, hashtab_hash("", 0), &ins) < 0 || ensure_groups(a, 1) < 0)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        ng = 1;
    }
    int nk = p->nkeys;
    uint32_t *order = malloc((ng + 1) * sizeof *order);
    struct keyinfo *ki = calloc(ng * (size_t)(nk ? nk : 1) + 1, sizeof *ki);
    bool *numeric = calloc((size_t)nk + 1, sizeof *numeric);
    char **names = calloc((size_t)(nk + p->nspecs) + 1, sizeof *names);
    if (!order || !ki || !numeric || !names) {
        free(order);
        free(ki);
        free(numeric);
        free(names);
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    }
    for (int k = 0; k < nk; k++)
        numeric[k] = true;
    for (size_t g = 0; g < ng; g++) {
        order[g] = (uint32_t)g;
        if (!nk)
            continue;
        struct keyinfo *row = &ki[g * (size_t)nk];
        split_key(a, (uint32_t)g, row);
        for (int k = 0; k < nk; k++)
            if (row[k].len && numeric[k] && num_parse(row[k].p, row[k].len, &row[k].num) == NUM_NONE)
                numeric[k] = false;
    }
    struct sortctx sc = {.a = a, .ki = ki, .numeric = numeric, .nkeys = nk};
    sort_ctx = &sc;
    if (nk)
        qsort(order, ng, sizeof *order, cmp_groups);
    sort_ctx = NULL;

    for (int k = 0; k < nk; k++)
        names[k] = p->colnames[p->key_cols[k]];
    for (int i = 0; i < p->nspecs; i++)
        names[nk + i] = p->specs[i].name;
    outsink_header(out, names, nk + p->nspecs);

    for (size_t oi = 0; oi < ng; oi++) {
        uint32_t g = order[oi];
        for (int k = 0; k < nk; k++) {
            const struct keyinfo *x = &ki[(size_t)g * nk + k];
            outsink_field(out, x->p, x->len, x->len ? (numeric[k] ? OUT_NUM : OUT_STR) : OUT_NULL);
        }
        for (int i = 0; i < p->nspecs; i++) {
            const struct agg_spec *sp = &p->specs[i];
            const struct vstate *s = sp->vcol >= 0 ? &a->vs[sp->vcol] : NULL;
            switch (sp->fn) {
            case AGG_COUNT:
                put_int(out, a->count[g]);
                break;
            case AGG_COUNT_COL:
                put_int(out, s->n[g]);
                break;
            case AGG_SUM:
            case AGG_MEAN:
                if (!s->n[g]) {
                    outsink_field(out, "", 0, OUT_NULL);
                } else if (sp->fn == AGG_MEAN) {
                    double t = s->has_dbl ? sum_double(s, g) : num_dec_to_double(s->sum[g], s->scale);
                    put_double(out, t / (double)s->n[g]);
                } else if (s->has_dbl) {
                    put_double(out, sum_double(s, g));
                } else {
                    put_num_dec(out, s->sum[g], s->scale, s->scale);
                }
                break;
            case AGG_MIN:
            case AGG_MAX: {
                const struct sbuf *sb = sp->fn == AGG_MIN ? &s->smin[g] : &s->smax[g];
                const struct num *nv = sp->fn == AGG_MIN ? &s->nmin[g] : &s->nmax[g];
                if (!s->n[g])
                    outsink_field(out, "", 0, OUT_NULL);
                else if (s->nonnum)
                    outsink_field(out, sb->p, sb->len, OUT_STR);
                else if (s->has_dbl)
                    put_double(out, num_to_double(nv));
                else
                    put_num_dec(out, nv->mant, nv->scale, s->scale);
                break;
            }
            }
        }
        outsink_end_row(out);
    }
    free(order);
    free(ki);
    free(numeric);
    free(names);
    return 0;
}
