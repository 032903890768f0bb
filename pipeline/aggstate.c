/* aggstate.c - groups' aggregate states as bytes (see aggstate.h). */
#define _GNU_SOURCE /* qsort_r */
#include "aggstate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg_internal.h"

#define BLOCK_TAG 'G'
#define BLOCK_VERSION 1
enum { VF_DBL = 1, VF_NONNUM = 2, VF_OVERFLOW = 4 };

/* ------------------------------------------------------------- writing */

int aggstate_reserve(struct aggstate_buf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return 0;
    size_t nc = b->cap ? b->cap * 2 : 4096;
    while (nc < b->len + n)
        nc *= 2;
    uint8_t *q = realloc(b->p, nc);
    if (!q)
        return -1;
    b->p = q;
    b->cap = nc;
    return 0;
}

/* Writers assume room was reserved (put_* of one record: see rec_bound),
 * and write through locals as aggstate_put_u does. */
static inline void put_byte(struct aggstate_buf *b, uint8_t x)
{
    size_t n = b->len;
    b->p[n] = x;
    b->len = n + 1;
}

static void put_s(struct aggstate_buf *b, int64_t v)
{
    aggstate_put_u(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void put_raw(struct aggstate_buf *b, const void *p, size_t n)
{
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void put_bytes(struct aggstate_buf *b, const uint8_t *p, size_t n)
{
    aggstate_put_u(b, n);
    put_raw(b, p, n);
}

/* A 256-bit sum: tag 0 and a zigzag varint when it fits in 64 bits, else
 * tag 1 and the four limbs. */
static void put_wide(struct aggstate_buf *b, const struct wide *w)
{
    uint64_t ext = (uint64_t)((int64_t)w->w[0] >> 63);
    if (w->w[1] == ext && w->w[2] == ext && w->w[3] == ext) {
        put_byte(b, 0);
        put_s(b, (int64_t)w->w[0]);
    } else {
        put_byte(b, 1);
        put_raw(b, w->w, sizeof w->w);
    }
}

static void put_i128(struct aggstate_buf *b, i128 v)
{
    if (v >= INT64_MIN && v <= INT64_MAX) {
        put_byte(b, 0);
        put_s(b, (int64_t)v);
    } else {
        put_byte(b, 1);
        put_raw(b, &v, sizeof v);
    }
}

/* An exact accumulator: present, its special flags, then the limbs from
 * the first to the last non-zero one. */
static void put_limbs(struct aggstate_buf *b, const int64_t *l, int n, const uint8_t *flags,
                      int nflags)
{
    int lo = 0, hi = n;
    while (lo < n && !l[lo])
        lo++;
    while (hi > lo && !l[hi - 1])
        hi--;
    put_raw(b, flags, (size_t)nflags);
    aggstate_put_u(b, (uint64_t)lo);
    aggstate_put_u(b, (uint64_t)(hi - lo));
    for (int i = lo; i < hi; i++)
        put_s(b, l[i]);
}

static void put_xsum(struct aggstate_buf *b, const struct xsum *x)
{
    put_byte(b, x != NULL);
    if (x) {
        uint8_t f[3] = {x->nan, x->pinf, x->ninf};
        put_limbs(b, x->limb, XSUM_LIMBS, f, 3);
    }
}

static void put_xsq(struct aggstate_buf *b, const struct xsq *x)
{
    put_byte(b, x != NULL);
    if (x) {
        uint8_t f[2] = {x->nan, x->inf};
        put_limbs(b, x->limb, XSQ_LIMBS, f, 2);
    }
}

static void put_num(struct aggstate_buf *b, const struct num *v)
{
    put_byte(b, v->kind);
    if (v->kind == NUM_DEC) {
        aggstate_put_u(b, (uint64_t)v->scale);
        put_i128(b, v->mant);
    } else if (v->kind == NUM_DBL) {
        put_raw(b, &v->d, sizeof v->d);
    }
}

static void put_sbuf(struct aggstate_buf *b, const struct sbuf *s)
{
    put_byte(b, s->p != NULL);
    if (s->p)
        put_bytes(b, s->p, s->len);
}

/* Per-group lists of a's distinct values and quantile values. */
struct lists {
    size_t *pstart, *pidx; /* pairs of group g: pidx[pstart[g] .. pstart[g+1]) */
    size_t *qstart, *qidx;
};

static int bucket(size_t ng, size_t n, const uint32_t *grp, size_t **startp, size_t **idxp)
{
    size_t *start = calloc(ng + 2, sizeof *start), *idx = malloc((n + 1) * sizeof *idx);
    if (!start || !idx) {
        free(start);
        free(idx);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        start[grp[i] + 2]++;
    for (size_t g = 0; g < ng; g++)
        start[g + 2] += start[g + 1];
    for (size_t i = 0; i < n; i++)
        idx[start[grp[i] + 1]++] = i;
    *startp = start;
    *idxp = idx;
    return 0;
}

/* The canonical order of a group's kept values: distinct values by their
 * bytes, median/pN values by column, kind and bits. */
static int pair_cmp(const void *x, const void *y, void *ctx)
{
    const struct agg_part *a = ctx;
    size_t lx, ly;
    const uint8_t *kx = hashtab_key(a->pairs, (uint32_t) * (const size_t *)x, &lx);
    const uint8_t *ky = hashtab_key(a->pairs, (uint32_t) * (const size_t *)y, &ly);
    int c = memcmp(kx, ky, lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

static int qv_cmp(const void *x, const void *y, void *ctx)
{
    const struct agg_part *a = ctx;
    const struct qval *p = &a->qv[*(const size_t *)x], *q = &a->qv[*(const size_t *)y];
#define CMP(e1, e2)                                                                                \
    if ((e1) != (e2))                                                                              \
        return (e1) < (e2) ? -1 : 1;
    CMP(p->vcol, q->vcol)
    CMP(p->kind, q->kind)
    if (p->kind == QV_BIG) {
        const struct qbig *u = &a->qbig[p->u.big], *v = &a->qbig[q->u.big];
        int c = memcmp(&u->v, &v->v, sizeof u->v);
        if (c)
            return c;
        CMP(u->scale, v->scale)
        CMP(u->mant, v->mant)
        return 0;
    }
    uint64_t bp, bq;
    memcpy(&bp, &p->u.v, 8);
    memcpy(&bq, &q->u.v, 8);
    CMP(bp, bq)
    CMP(p->scale, q->scale)
#undef CMP
    return 0;
}

static void sort_lists(const struct agg_part *a, size_t ng, const size_t *start, size_t *idx,
                       int (*cmp)(const void *, const void *, void *))
{
    for (size_t g = 0; start && g < ng; g++)
        if (start[g + 1] - start[g] > 1)
            qsort_r(idx + start[g], start[g + 1] - start[g], sizeof *idx, cmp, (void *)a);
}

static int lists_make(const struct agg_part *a, struct lists *ls, bool sorted)
{
    size_t ng = hashtab_size(a->ht);
    size_t np = a->pairs ? hashtab_size(a->pairs) : 0;
    memset(ls, 0, sizeof *ls);
    uint32_t *grp = malloc(((np > a->nqv ? np : a->nqv) + 1) * sizeof *grp);
    if (!grp)
        return -1;
    for (size_t i = 0; i < np; i++) {
        size_t len;
        const uint8_t *k = hashtab_key(a->pairs, (uint32_t)i, &len);
        uint32_t gl;
        memcpy(&gl, k + 4, 4);
        grp[i] = (uint32_t)hashtab_find(a->ht, k + 8, gl, hashtab_hash(k + 8, gl));
    }
    int rc = np ? bucket(ng, np, grp, &ls->pstart, &ls->pidx) : 0;
    for (size_t i = 0; !rc && i < a->nqv; i++)
        grp[i] = a->qv[i].group;
    if (!rc && a->nqv)
        rc = bucket(ng, a->nqv, grp, &ls->qstart, &ls->qidx);
    free(grp);
    if (!rc && sorted) {
        sort_lists(a, ng, ls->pstart, ls->pidx, pair_cmp);
        sort_lists(a, ng, ls->qstart, ls->qidx, qv_cmp);
    }
    return rc;
}

static void lists_free(struct lists *ls)
{
    free(ls->pstart);
    free(ls->pidx);
    free(ls->qstart);
    free(ls->qidx);
}

static void put_header(struct aggstate_buf *b, const struct agg_part *a)
{
    const struct agg_plan *p = a->plan;
    put_byte(b, BLOCK_TAG);
    aggstate_put_u(b, BLOCK_VERSION);
    aggstate_put_u(b, (uint64_t)p->nvcols);
    for (int i = 0; i < p->nvcols; i++) {
        const struct vstate *s = &a->vs[i];
        aggstate_put_u(b, (uint64_t)s->scale);
        put_byte(b, (uint8_t)((s->has_dbl ? VF_DBL : 0) | (s->nonnum ? VF_NONNUM : 0) |
                              (s->overflow ? VF_OVERFLOW : 0)));
    }
}

/* An upper bound of a record's bytes (the buffer is reserved once). */
static size_t rec_bound(const struct agg_part *a, uint32_t g, const struct lists *ls)
{
    const struct agg_plan *p = a->plan;
    size_t klen;
    hashtab_key(a->ht, g, &klen);
    size_t n = 32 + klen;
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct vstate *s = &a->vs[i];
        n += 16;
        if (v->var)
            n += 40 + 8 + XSQ_LIMBS * 10;
        if (v->sum)
            n += 40 + 8 + XSUM_LIMBS * 10;
        if (v->firstlast)
            n += 40 + F(a, g, s->o_sfirst, struct sbuf)->len +
                 F(a, g, s->o_slast, struct sbuf)->len;
        if (v->minmax)
            n += 100 + F(a, g, s->o_smin, struct sbuf)->len + F(a, g, s->o_smax, struct sbuf)->len;
    }
    for (size_t j = ls->pstart ? ls->pstart[g] : 0; ls->pstart && j < ls->pstart[g + 1]; j++) {
        size_t len;
        hashtab_key(a->pairs, (uint32_t)ls->pidx[j], &len);
        n += 10 + len;
    }
    if (ls->qstart)
        n += (ls->qstart[g + 1] - ls->qstart[g]) * 40;
    return n + (size_t)p->nvcols * 20;
}

static void put_record(struct aggstate_buf *b, const struct agg_part *a, uint32_t g,
                       const struct lists *ls)
{
    const struct agg_plan *p = a->plan;
    size_t klen;
    const uint8_t *key = hashtab_key(a->ht, g, &klen);
    put_bytes(b, key, klen);
    size_t at = b->len; /* the body's length: a 5-byte varint, filled in below */
    b->len += 5;
    aggstate_put_u(b, (uint64_t)*F(a, g, 0, int64_t));
    for (int i = 0; i < p->nvcols; i++) {
        const struct agg_vcol *v = &p->vcols[i];
        const struct vstate *s = &a->vs[i];
        int64_t n = *F(a, g, s->o_n, int64_t);
        aggstate_put_u(b, (uint64_t)n);
        if (!n)
            continue;
        if (v->var) {
            put_wide(b, F(a, g, s->o_sq, struct wide));
            put_xsq(b, *F(a, g, s->o_dsq, struct xsq *));
        }
        if (v->firstlast) {
            aggstate_put_u(b, *F(a, g, s->o_pfirst, uint64_t));
            put_sbuf(b, F(a, g, s->o_sfirst, struct sbuf));
            aggstate_put_u(b, *F(a, g, s->o_plast, uint64_t));
            put_sbuf(b, F(a, g, s->o_slast, struct sbuf));
        }
        if (v->sum) {
            put_wide(b, F(a, g, s->o_sum, struct wide));
            put_xsum(b, *F(a, g, s->o_dsum, struct xsum *));
        }
        if (v->minmax) {
            put_num(b, F(a, g, s->o_nmin, struct num));
            put_num(b, F(a, g, s->o_nmax, struct num));
            put_sbuf(b, F(a, g, s->o_smin, struct sbuf));
            put_sbuf(b, F(a, g, s->o_smax, struct sbuf));
        }
        if (v->distinct) { /* this column's values of the group */
            size_t cnt = 0, j0 = ls->pstart ? ls->pstart[g] : 0,
                   j1 = ls->pstart ? ls->pstart[g + 1] : 0;
            for (size_t j = j0; j < j1; j++) {
                size_t len;
                const uint8_t *k = hashtab_key(a->pairs, (uint32_t)ls->pidx[j], &len);
                uint32_t vc;
                memcpy(&vc, k, 4);
                cnt += vc == (uint32_t)i;
            }
            aggstate_put_u(b, cnt);
            for (size_t j = j0; j < j1; j++) {
                size_t len;
                const uint8_t *k = hashtab_key(a->pairs, (uint32_t)ls->pidx[j], &len);
                uint32_t vc;
                memcpy(&vc, k, 4);
                if (vc == (uint32_t)i)
                    put_bytes(b, k + 8 + klen, len - 8 - klen);
            }
        }
        if (v->quantile) {
            size_t cnt = 0, j0 = ls->qstart ? ls->qstart[g] : 0,
                   j1 = ls->qstart ? ls->qstart[g + 1] : 0;
            for (size_t j = j0; j < j1; j++)
                cnt += a->qv[ls->qidx[j]].vcol == i;
            aggstate_put_u(b, cnt);
            for (size_t j = j0; j < j1; j++) {
                const struct qval *q = &a->qv[ls->qidx[j]];
                if (q->vcol != i)
                    continue;
                put_byte(b, q->kind);
                if (q->kind == QV_BIG) {
                    const struct qbig *qb = &a->qbig[q->u.big];
                    put_raw(b, &qb->v, sizeof qb->v);
                    put_s(b, qb->scale);
                    put_i128(b, qb->mant);
                } else {
                    put_raw(b, &q->u.v, sizeof q->u.v);
                    if (q->kind == QV_DEC)
                        put_s(b, q->scale);
                }
            }
        }
    }
    aggstate_put_len5(b->p + at, b->len - at - 5);
}

static int encode(const struct agg_part *a, struct aggstate_buf *bufs, unsigned nparts, bool sorted)
{
    for (unsigned i = 0; i < nparts; i++)
        if (bufs[i].len) /* a block's header holds one partial's scales */
            return -1;
    struct lists ls;
    if (lists_make(a, &ls, sorted) < 0)
        return -1;
    size_t ng = hashtab_size(a->ht);
    int rc = 0;
    for (uint32_t g = 0; g < ng && !rc; g++) {
        unsigned part = aggstate_partition(hashtab_key_hash(a->ht, g), nparts);
        struct aggstate_buf *b = &bufs[part];
        size_t need = rec_bound(a, g, &ls) + (b->len ? 0 : 16 + (size_t)a->plan->nvcols * 12);
        if (aggstate_reserve(b, need) < 0) {
            rc = -1;
            break;
        }
        if (!b->len)
            put_header(b, a);
        put_record(b, a, g, &ls);
        b->nrec++;
    }
    lists_free(&ls);
    return rc;
}

int aggstate_encode(const struct agg_part *a, struct aggstate_buf *bufs, unsigned nparts)
{
    return encode(a, bufs, nparts, false);
}

int aggstate_encode_sorted(const struct agg_part *a, struct aggstate_buf *bufs, unsigned nparts)
{
    return encode(a, bufs, nparts, true);
}

/* ------------------------------------------------------------- reading */

struct rd {
    const uint8_t *p, *start, *end;
    uint64_t base;
    bool bad;
};

static uint64_t get_u_long(struct rd *r)
{
    uint64_t v = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (r->p >= r->end) {
            r->bad = true;
            return 0;
        }
        uint8_t c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

/* A varint: most are one byte (lengths, counts), read here inline. */
static inline uint64_t get_u(struct rd *r)
{
    if (r->p < r->end && !(*r->p & 0x80))
        return *r->p++;
    return get_u_long(r);
}

/* A record's body length: written as a 5-byte varint (aggstate_put_len5),
 * read here unrolled; any other varint the long way. */
static inline uint64_t get_len(struct rd *r)
{
    const uint8_t *q = r->p;
    if (r->end - q >= 5 && (q[0] & q[1] & q[2] & q[3] & 0x80) && !(q[4] & 0x80)) {
        r->p += 5;
        return (uint64_t)(q[0] & 0x7f) | (uint64_t)(q[1] & 0x7f) << 7 |
               (uint64_t)(q[2] & 0x7f) << 14 | (uint64_t)(q[3] & 0x7f) << 21 | (uint64_t)q[4] << 28;
    }
    return get_u(r);
}

static int64_t get_s(struct rd *r)
{
    uint64_t u = get_u(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static const uint8_t *get_raw(struct rd *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

static uint8_t get_byte(struct rd *r)
{
    const uint8_t *q = get_raw(r, 1);
    return q ? *q : 0;
}

static const uint8_t *get_bytes(struct rd *r, size_t *n)
{
    uint64_t len = get_u(r);
    if (r->bad || len > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        *n = 0;
        return NULL;
    }
    *n = (size_t)len;
    return get_raw(r, (size_t)len);
}

static void get_wide(struct rd *r, struct wide *w)
{
    uint8_t tag = get_byte(r);
    if (tag == 0) {
        int64_t v = get_s(r);
        uint64_t ext = (uint64_t)(v >> 63);
        *w = (struct wide){{(uint64_t)v, ext, ext, ext}};
    } else {
        const uint8_t *q = get_raw(r, sizeof w->w);
        if (q && tag == 1)
            memcpy(w->w, q, sizeof w->w);
        else
            r->bad = true;
    }
}

static i128 get_i128(struct rd *r)
{
    uint8_t tag = get_byte(r);
    if (tag == 0)
        return get_s(r);
    i128 v = 0;
    const uint8_t *q = get_raw(r, sizeof v);
    if (q && tag == 1)
        memcpy(&v, q, sizeof v);
    else
        r->bad = true;
    return v;
}

/* Limbs into l[0, n) (zeroed first); each below 2^62 in size, so merging
 * (normalise, then add) cannot overflow. */
static void get_limbs(struct rd *r, int64_t *l, int n, uint8_t *flags, int nflags)
{
    memset(l, 0, (size_t)n * sizeof *l);
    for (int i = 0; i < nflags; i++)
        flags[i] = get_byte(r) != 0;
    uint64_t lo = get_u(r), cnt = get_u(r);
    if (r->bad || lo > (uint64_t)n || cnt > (uint64_t)n - lo) {
        r->bad = true;
        return;
    }
    for (uint64_t i = 0; i < cnt; i++) {
        int64_t v = get_s(r);
        if (v > ((int64_t)1 << 62) || v < -((int64_t)1 << 62))
            r->bad = true;
        l[lo + i] = v;
    }
}

static bool get_num(struct rd *r, struct num *v)
{
    memset(v, 0, sizeof *v);
    v->kind = get_byte(r);
    if (v->kind == NUM_DEC) {
        uint64_t sc = get_u(r);
        v->mant = get_i128(r);
        if (sc > NUM_MAX_SCALE)
            r->bad = true;
        v->scale = (int16_t)sc;
    } else if (v->kind == NUM_DBL) {
        const uint8_t *q = get_raw(r, sizeof v->d);
        if (q)
            memcpy(&v->d, q, sizeof v->d);
    } else if (v->kind != NUM_NONE) {
        r->bad = true;
    }
    return !r->bad;
}

/* An optional string: present byte, then bytes. *p NULL when absent. */
static const uint8_t *get_sbuf(struct rd *r, size_t *n)
{
    uint8_t has = get_byte(r);
    *n = 0;
    if (has > 1)
        r->bad = true;
    return has == 1 ? get_bytes(r, n) : NULL;
}

/* Scale factor: a sum at block scale bs into a partial at scale ds. */
static bool scale_wide(struct wide *w, int bs, int ds)
{
    return ds <= bs || exact_wide_mul_pow10(w, ds - bs);
}

#define BAD(r) ((r)->bad)

/* put_xsq's and put_xsum's accumulators, merged into *dst (made when
 * absent). -1 on ENOMEM; a malformed one marks r bad. */
static int get_xsq(struct rd *r, struct xsq **dst)
{
    uint8_t has = get_byte(r);
    if (has > 1)
        r->bad = true;
    if (has != 1)
        return 0;
    struct xsq t;
    uint8_t f[2];
    get_limbs(r, t.limb, XSQ_LIMBS, f, 2);
    t.nan = f[0];
    t.inf = f[1];
    t.adds = 0;
    if (!*dst && !(*dst = calloc(1, sizeof **dst)))
        return -1;
    if (!BAD(r))
        exact_xsq_merge(*dst, &t);
    return 0;
}

static int get_xsum(struct rd *r, struct xsum **dst)
{
    uint8_t has = get_byte(r);
    if (has > 1)
        r->bad = true;
    if (has != 1)
        return 0;
    struct xsum t;
    uint8_t f[3];
    get_limbs(r, t.limb, XSUM_LIMBS, f, 3);
    t.nan = f[0];
    t.pinf = f[1];
    t.ninf = f[2];
    t.adds = 0;
    if (!*dst && !(*dst = calloc(1, sizeof **dst)))
        return -1;
    if (!BAD(r))
        exact_xsum_merge(*dst, &t);
    return 0;
}

static int decode_column(struct rd *r, struct agg_part *a, int64_t g, int i, int bscale,
                         const uint8_t *key, size_t klen, uint64_t nv)
{
    const struct agg_vcol *v = &a->plan->vcols[i];
    struct vstate *s = &a->vs[i];
    uint8_t *rec = a->recs + (size_t)g * a->rec_size;
    if (v->var) {
        struct wide sq;
        get_wide(r, &sq);
        if (!scale_wide(&sq, bscale, s->scale) || !scale_wide(&sq, bscale, s->scale))
            s->overflow = true;
        exact_wide_add(F(a, g, s->o_sq, struct wide), &sq);
        if (get_xsq(r, F(a, g, s->o_dsq, struct xsq *)) < 0)
            return PCSV_ENOMEM;
        s->dheap |= *F(a, g, s->o_dsq, struct xsq *) != NULL;
    }
    if (v->firstlast) {
        size_t n1, n2;
        uint64_t pf = get_u(r);
        const uint8_t *sf = get_sbuf(r, &n1);
        uint64_t pl = get_u(r);
        const uint8_t *sl = get_sbuf(r, &n2);
        if (BAD(r) || (pf && !sf) || (pl && !sl))
            return r->bad = true, 0;
        if (pf && agg_firstlast_update(s, rec, pf, sf, n1) < 0)
            return PCSV_ENOMEM;
        if (pl && agg_firstlast_update(s, rec, pl, sl, n2) < 0)
            return PCSV_ENOMEM;
    }
    if (v->sum) {
        struct wide w;
        get_wide(r, &w);
        if (!scale_wide(&w, bscale, s->scale))
            s->overflow = true;
        exact_wide_add(F(a, g, s->o_sum, struct wide), &w);
        if (get_xsum(r, F(a, g, s->o_dsum, struct xsum *)) < 0)
            return PCSV_ENOMEM;
        s->dheap |= *F(a, g, s->o_dsum, struct xsum *) != NULL;
    }
    if (v->minmax) {
        struct num mn, mx;
        if (!get_num(r, &mn) || !get_num(r, &mx))
            return 0;
        struct num *dmn = (struct num *)(rec + s->o_nmin), *dmx = (struct num *)(rec + s->o_nmax);
        if (mn.kind != NUM_NONE && (dmn->kind == NUM_NONE || num_cmp(&mn, dmn) < 0))
            *dmn = mn;
        if (mx.kind != NUM_NONE && (dmx->kind == NUM_NONE || num_cmp(&mx, dmx) > 0))
            *dmx = mx;
        size_t n1, n2;
        const uint8_t *smn = get_sbuf(r, &n1), *smx = get_sbuf(r, &n2);
        if (BAD(r))
            return 0;
        struct sbuf *dsn = (struct sbuf *)(rec + s->o_smin),
                    *dsx = (struct sbuf *)(rec + s->o_smax);
        if (smn && (!dsn->p || bytes_cmp(smn, n1, dsn->p, dsn->len) < 0) &&
            agg_sbuf_set(dsn, smn, n1))
            return PCSV_ENOMEM;
        if (smx && (!dsx->p || bytes_cmp(smx, n2, dsx->p, dsx->len) > 0) &&
            agg_sbuf_set(dsx, smx, n2))
            return PCSV_ENOMEM;
    }
    if (v->distinct) {
        uint64_t cnt = get_u(r);
        for (uint64_t j = 0; j < cnt && !BAD(r); j++) {
            size_t n;
            const uint8_t *val = get_bytes(r, &n);
            if (!BAD(r) && agg_pair_add(a, (uint32_t)i, key, klen, val, n) < 0)
                return PCSV_ENOMEM;
        }
    }
    if (v->quantile) {
        uint64_t cnt = get_u(r);
        if (cnt != nv) /* every value is kept: one a row */
            r->bad = true;
        for (uint64_t j = 0; j < cnt && !BAD(r); j++) {
            uint8_t kind = get_byte(r);
            struct qval q = {.group = (uint32_t)g, .vcol = (uint16_t)i, .kind = kind};
            const uint8_t *d = get_raw(r, sizeof(double));
            if (!d)
                break;
            memcpy(&q.u.v, d, sizeof q.u.v);
            if (!isfinite(q.u.v)) { /* input numbers are finite */
                r->bad = true;
                break;
            }
            if (kind == QV_BIG) {
                int64_t sc = get_s(r);
                i128 m = get_i128(r);
                if (sc < 0 || sc > NUM_MAX_SCALE)
                    r->bad = true;
                if (BAD(r))
                    break;
                if (agg_qv_reserve(a) < 0 ||
                    agg_qv_add_big(a, q, (struct qbig){m, q.u.v, (int)sc}) < 0)
                    return PCSV_ENOMEM;
                continue;
            }
            if (kind == QV_DEC) {
                int64_t sc = get_s(r);
                /* a small decimal: |mantissa| = |v| 10^scale below 2^51 */
                if (sc < 0 || sc > 22 || fabs(q.u.v) * pow(10.0, (double)sc) > 0x1p52)
                    r->bad = true;
                q.scale = (int8_t)sc;
            } else if (kind != QV_DBL) {
                r->bad = true;
            }
            if (BAD(r))
                break;
            if (agg_qv_reserve(a) < 0)
                return PCSV_ENOMEM;
            a->qkinds |= 1u << kind;
            a->qv[a->nqv++] = q;
        }
    }
    return 0;
}

/* A group key as the plan makes them: empty without keys, the value with
 * one, (u32 length, bytes) per key column with several. */
static bool key_ok(const struct agg_plan *plan, const uint8_t *key, size_t klen)
{
    if (plan->nkeys <= 1)
        return plan->nkeys == 1 || klen == 0;
    size_t o = 0;
    for (int k = 0; k < plan->nkeys; k++) {
        uint32_t l;
        if (klen - o < 4)
            return false;
        memcpy(&l, key + o, 4);
        if (l > klen - o - 4)
            return false;
        o += 4 + (size_t)l;
    }
    return o == klen;
}

int aggstate_decode(struct agg_part *a, const uint8_t *p, size_t n, uint64_t base,
                    struct pcsv_error *err)
{
    const struct agg_plan *plan = a->plan;
    struct rd r = {.p = p, .start = p, .end = p + n, .base = base};
    int bscale[plan->nvcols + 1];
    if (get_byte(&r) != BLOCK_TAG || get_u(&r) != BLOCK_VERSION ||
        get_u(&r) != (uint64_t)plan->nvcols)
        r.bad = true;
    for (int i = 0; i < plan->nvcols && !r.bad; i++) {
        uint64_t sc = get_u(&r);
        uint8_t f = get_byte(&r);
        if (sc > NUM_MAX_SCALE || f > 7) {
            r.bad = true;
            break;
        }
        bscale[i] = (int)sc;
        struct vstate *s = &a->vs[i];
        if (bscale[i] > s->scale)
            agg_part_rescale(a, i, bscale[i]);
        s->has_dbl |= (f & VF_DBL) != 0;
        s->nonnum |= (f & VF_NONNUM) != 0;
        s->overflow |= (f & VF_OVERFLOW) != 0;
    }
    /* records a window at a time: keys and hashes first, with a prefetch
     * of each key's slot, so that the table's cache misses overlap */
    enum { WIN = 32 };
    struct {
        const uint8_t *key, *body;
        size_t klen, blen;
        uint64_t h;
    } w[WIN];
    size_t nw = 0, iw = 0;
    while (!r.bad) {
        if (iw == nw) {
            nw = iw = 0;
            while (nw < WIN && r.p < r.end && !r.bad) {
                w[nw].key = get_bytes(&r, &w[nw].klen);
                w[nw].blen = (size_t)get_len(&r);
                w[nw].body = get_raw(&r, w[nw].blen);
                if (r.bad)
                    break;
                w[nw].h = hashtab_hash(w[nw].key, w[nw].klen);
                agg_part_prefetch(a, w[nw].h);
                nw++;
            }
            if (!nw)
                break;
        }
        const uint8_t *key = w[iw].key;
        size_t klen = w[iw].klen;
        struct rd body = {.p = w[iw].body, .start = r.start, .end = w[iw].body + w[iw].blen};
        uint64_t h = w[iw++].h;
        struct rd *rp = &body;
        uint64_t count = get_u(rp);
        if (rp->bad || count > INT64_MAX) {
            r.p = rp->p;
            r.bad = true;
            break;
        }
        if (!key_ok(plan, key, klen)) {
            r.p = w[iw - 1].key;
            r.bad = true;
            break;
        }
        int64_t g = agg_part_group(a, key, klen, h);
        if (g < 0)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        if (__builtin_add_overflow(*F(a, g, 0, int64_t), (int64_t)count, F(a, g, 0, int64_t))) {
            r.p = w[iw - 1].body;
            r.bad = true;
            break;
        }
        for (int i = 0; i < plan->nvcols && !rp->bad; i++) {
            uint64_t nv = get_u(rp);
            if (rp->bad || nv > count) {
                rp->bad = true;
                break;
            }
            int64_t *np = F(a, g, a->vs[i].o_n, int64_t);
            if (__builtin_add_overflow(*np, (int64_t)nv, np)) {
                rp->bad = true;
                break;
            }
            if (!nv)
                continue;
            int rc = decode_column(rp, a, g, i, bscale[i], key, klen, nv);
            if (rc)
                return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        }
        if (rp->bad || rp->p != rp->end) { /* the body must be read exactly */
            r.p = rp->p;
            r.bad = true;
        }
    }
    if (r.bad)
        return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0, "corrupt aggregate state at byte %llu",
                              (unsigned long long)(r.base + (uint64_t)(r.p - r.start)));
    return 0;
}

/* ------------------------------------------------------ canonical order */

/* The end of a block's header (0 if it does not read). */
static size_t header_len(const struct aggstate_buf *b)
{
    struct rd r = {.p = b->p, .start = b->p, .end = b->p + b->len};
    get_byte(&r);
    get_u(&r);
    uint64_t nv = get_u(&r);
    for (uint64_t i = 0; i < nv && !r.bad; i++) {
        get_u(&r);
        get_byte(&r);
    }
    return r.bad ? 0 : (size_t)(r.p - r.start);
}

struct span {
    const uint8_t *rec, *key;
    size_t len, klen;
};

static int span_cmp(const void *x, const void *y)
{
    const struct span *a = x, *b = y;
    int c = memcmp(a->key, b->key, a->klen < b->klen ? a->klen : b->klen);
    return c ? c : (a->klen > b->klen) - (a->klen < b->klen);
}

int aggstate_sort(struct aggstate_buf *b)
{
    if (b->nrec < 2)
        return 0;
    size_t h = header_len(b);
    struct span *v = malloc(b->nrec * sizeof *v);
    uint8_t *out = malloc(b->len + 1);
    if (!v || !out || !h) {
        free(v);
        free(out);
        return -1;
    }
    struct rd r = {.p = b->p + h, .start = b->p, .end = b->p + b->len};
    size_t n = 0;
    while (r.p < r.end && !r.bad && n < b->nrec) {
        struct span *s = &v[n++];
        s->rec = r.p;
        s->key = get_bytes(&r, &s->klen);
        size_t blen = (size_t)get_u(&r);
        get_raw(&r, blen);
        s->len = (size_t)(r.p - s->rec);
    }
    if (r.bad || r.p != r.end || n != b->nrec) {
        free(v);
        free(out);
        return -1;
    }
    qsort(v, n, sizeof *v, span_cmp);
    memcpy(out, b->p, h);
    size_t o = h;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + o, v[i].rec, v[i].len);
        o += v[i].len;
    }
    free(v);
    free(b->p);
    b->p = out;
    b->cap = b->len + 1;
    return 0;
}

int aggstate_append(struct aggstate_buf *dst, const struct aggstate_buf *src)
{
    if (!src->len)
        return 0;
    size_t skip = dst->len ? header_len(src) : 0;
    if (dst->len && (!skip || skip != header_len(dst) || memcmp(dst->p, src->p, skip) != 0))
        return -1; /* blocks of different column facts do not mix */
    if (aggstate_reserve(dst, src->len - skip) < 0)
        return -1;
    memcpy(dst->p + dst->len, src->p + skip, src->len - skip);
    dst->len += src->len - skip;
    dst->nrec += src->nrec;
    return 0;
}
