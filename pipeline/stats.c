/* stats.c - per-column summaries (see stats.h). */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "exact.h"
#include "numfmt.h"

enum { K_INT = 1, K_DEC = 2, K_REAL = 4, K_BOOL = 8, K_DATE = 16, K_DATETIME = 32, K_STR = 64 };

/* Decimals summed exactly: with |mant| < 10^18 and scale <= 9, a value
 * rescaled to the column's scale stays below 10^27, its square below 2^180,
 * and 2^60 of them below 2^240: the 256-bit sums cannot overflow. Longer
 * values are summed as doubles (exactly, in the xsum accumulators). */
#define EXACT_MANT ((i128)1000000000000000000)
#define EXACT_SCALE 9

#define HLL_P 14
#define HLL_M (1u << HLL_P)

/* The exact set of a column's distinct values: open addressing over
 * 32-byte slots that hold values of up to 16 bytes themselves (one cache
 * miss per lookup with many values); longer ones live in an arena. */
#define VINLINE 16
struct vslot {
    uint64_t hash; /* 0: empty */
    uint64_t len;
    union {
        uint8_t b[VINLINE];
        uint64_t off;
    } v;
};

struct vset {
    struct vslot *slots;
    size_t mask, n;
    uint8_t *arena;
    size_t used, cap;
};

struct bytes {
    uint8_t *p; /* NULL: none yet */
    size_t len, cap;
};

struct cstat {
    int64_t n, nulls;
    uint64_t maxlen;
    unsigned kinds;
    int maxscale;          /* largest scale of a decimal value (for min/max) */
    int scale;             /* scale of the exact sums */
    struct num nmin, nmax; /* kind NUM_NONE until a number is seen */
    struct wide s1, s2;    /* exact decimals: sum at scale, squares at 2 scale */
    struct xsum *d1;       /* the other numbers: sum, */
    struct xsq *d2;        /* and squares (exact over their whole range) */
    struct bytes bmin, bmax;
    uint64_t pmin, pmax; /* their first 8 bytes, big-endian, zero-padded */
    struct vset *set;    /* exact distinct values, or */
    uint8_t *hll;        /* past the limit: the sketch */
};

struct stats_part {
    int ncols;
    struct cstat *c;
    uint8_t *scratch; /* unquoted values of a batch */
    size_t scratch_cap;
    /* a batch column's values, lengths and hashes */
    const uint8_t **rv;
    size_t *rl;
    uint64_t *rh;
    size_t rows_cap;
};

struct stats_part *stats_part_create(int ncols)
{
    struct stats_part *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->ncols = ncols;
    p->c = calloc((size_t)ncols + 1, sizeof *p->c);
    if (!p->c) {
        free(p);
        return NULL;
    }
    return p;
}

static void vset_free(struct vset *s)
{
    if (s) {
        free(s->slots);
        free(s->arena);
        free(s);
    }
}

void stats_part_destroy(struct stats_part *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->ncols; i++) {
        struct cstat *c = &p->c[i];
        free(c->d1);
        free(c->d2);
        free(c->bmin.p);
        free(c->bmax.p);
        vset_free(c->set);
        free(c->hll);
    }
    free(p->c);
    free(p->scratch);
    free(p->rv);
    free(p->rl);
    free(p->rh);
    free(p);
}

/* ------------------------------------------------------------ distinct */

static void hll_add(uint8_t *r, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - HLL_P));
    uint64_t w = h << HLL_P | ((uint64_t)1 << (HLL_P - 1)); /* a stop bit bounds the rank */
    uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
    if (rank > r[idx])
        r[idx] = rank;
}

static double hll_estimate(const uint8_t *r)
{
    double sum = 0;
    unsigned zeros = 0;
    for (uint32_t i = 0; i < HLL_M; i++) {
        sum += ldexp(1.0, -r[i]);
        zeros += r[i] == 0;
    }
    double m = HLL_M, e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (e <= 2.5 * m && zeros) /* small range: linear counting */
        e = m * log(m / zeros);
    return e;
}

/* The column's set becomes a sketch of the same values. */
static int to_hll(struct cstat *c)
{
    c->hll = calloc(HLL_M, 1);
    if (!c->hll)
        return -1;
    if (c->set) {
        for (size_t i = 0; i <= c->set->mask; i++)
            if (c->set->slots[i].hash)
                hll_add(c->hll, c->set->slots[i].hash);
        vset_free(c->set);
        c->set = NULL;
    }
    return 0;
}

static inline const uint8_t *vslot_bytes(const struct vset *s, const struct vslot *sl)
{
    return sl->len <= VINLINE ? sl->v.b : s->arena + sl->v.off;
}

static int vset_grow(struct vset *s)
{
    size_t n = s->slots ? (s->mask + 1) * 2 : 8; /* small: a file may have 100,000 columns */
    struct vslot *ns = calloc(n, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; s->slots && i <= s->mask; i++) {
        if (!s->slots[i].hash)
            continue;
        size_t j = s->slots[i].hash & (n - 1);
        while (ns[j].hash)
            j = (j + 1) & (n - 1);
        ns[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = ns;
    s->mask = n - 1;
    return 0;
}

/* Add a value with hash h (never 0) to the column's distinct values. */
static int distinct_add(struct cstat *c, const uint8_t *v, size_t len, uint64_t h)
{
    if (c->hll) {
        hll_add(c->hll, h);
        return 0;
    }
    struct vset *s = c->set;
    if (!s && !(s = c->set = calloc(1, sizeof *s)))
        return -1;
    if ((s->n + 1) * 2 > s->mask + 1 && vset_grow(s) < 0)
        return -1;
    size_t j = h & s->mask;
    for (;; j = (j + 1) & s->mask) {
        struct vslot *sl = &s->slots[j];
        if (!sl->hash)
            break;
        if (sl->hash == h && sl->len == len && memcmp(vslot_bytes(s, sl), v, len) == 0)
            return 0;
    }
    if (s->n + 1 > STATS_EXACT_DISTINCT) {
        if (to_hll(c) < 0)
            return -1;
        hll_add(c->hll, h);
        return 0;
    }
    struct vslot *sl = &s->slots[j];
    sl->hash = h;
    sl->len = len;
    if (len <= VINLINE) {
        memcpy(sl->v.b, v, len);
    } else {
        if (s->used + len > s->cap) {
            size_t nc = s->cap ? s->cap * 2 : 256;
            while (nc < s->used + len)
                nc *= 2;
            uint8_t *a = realloc(s->arena, nc);
            if (!a)
                return -1;
            s->arena = a;
            s->cap = nc;
        }
        memcpy(s->arena + s->used, v, len);
        sl->v.off = s->used;
        s->used += len;
    }
    s->n++;
    return 0;
}

static inline uint64_t value_hash(const uint8_t *v, size_t len)
{
    uint64_t h = XXH3_64bits(v, len);
    return h ? h : 1;
}

/* ------------------------------------------------------------- values */

static inline bool dig(uint8_t ch) { return ch >= '0' && ch <= '9'; }
static inline int two(const uint8_t *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

static bool is_date(const uint8_t *p, size_t n)
{
    if (n != 10 || p[4] != '-' || p[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !dig(p[i]))
            return false;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + two(p + 2), m = two(p + 5), d = two(p + 8);
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    return !(m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400)));
}

/* A date, 'T' or ' ', HH:MM[:SS[.fraction]], then nothing, 'Z' or an offset
 * +HH:MM / +HHMM / +HH (or -). */
static bool is_datetime(const uint8_t *p, size_t n)
{
    if (n < 16 || !is_date(p, 10) || (p[10] != 'T' && p[10] != ' '))
        return false;
    const uint8_t *t = p + 11, *e = p + n;
    if (!dig(t[0]) || !dig(t[1]) || t[2] != ':' || !dig(t[3]) || !dig(t[4]) || two(t) > 23 ||
        two(t + 3) > 59)
        return false;
    t += 5;
    if (t + 3 <= e && t[0] == ':' && dig(t[1]) && dig(t[2])) {
        if (two(t + 1) > 60)
            return false;
        t += 3;
        if (t < e && *t == '.') {
            t++;
            if (t >= e || !dig(*t))
                return false;
            while (t < e && dig(*t))
                t++;
        }
    }
    if (t == e)
        return true;
    if (*t == 'Z')
        return t + 1 == e;
    if (*t != '+' && *t != '-')
        return false;
    t++;
    size_t r = (size_t)(e - t);
    if (r == 2)
        return dig(t[0]) && dig(t[1]);
    if (r == 4)
        return dig(t[0]) && dig(t[1]) && dig(t[2]) && dig(t[3]);
    return r == 5 && dig(t[0]) && dig(t[1]) && t[2] == ':' && dig(t[3]) && dig(t[4]);
}

static bool is_bool(const uint8_t *p, size_t n)
{
    static const char t[] = "true", f[] = "false";
    const char *w = n == 4 ? t : n == 5 ? f : NULL;
    if (!w)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((p[i] | 0x20) != (uint8_t)w[i])
            return false;
    return true;
}

static int bytes_set(struct bytes *b, const uint8_t *p, size_t len)
{
    if (!b->p || len > b->cap) {
        uint8_t *q = realloc(b->p, len ? len : 1);
        if (!q)
            return -1;
        b->p = q;
        b->cap = len ? len : 1;
    }
    if (len)
        memcpy(b->p, p, len);
    b->len = len;
    return 0;
}

static inline int bytes_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* The first 8 bytes as a big-endian number, zero-padded: when two of these
 * differ, the byte strings compare the same way. */
static inline uint64_t prefix8(const uint8_t *v, size_t len)
{
    uint64_t x = 0;
    memcpy(&x, v, len < 8 ? len : 8);
    return __builtin_bswap64(x);
}

/* Keep v in the byte-order extremes. */
static int extremes_add(struct cstat *c, const uint8_t *v, size_t len)
{
    uint64_t p = prefix8(v, len);
    if (!c->bmin.p || p < c->pmin ||
        (p == c->pmin && bytes_cmp(v, len, c->bmin.p, c->bmin.len) < 0)) {
        if (bytes_set(&c->bmin, v, len) < 0)
            return -1;
        c->pmin = p;
    }
    if (!c->bmax.p || p > c->pmax ||
        (p == c->pmax && bytes_cmp(v, len, c->bmax.p, c->bmax.len) > 0)) {
        if (bytes_set(&c->bmax, v, len) < 0)
            return -1;
        c->pmax = p;
    }
    return 0;
}

static int xsum_need(struct xsum **x, struct xsq **q)
{
    if (!*x && !(*x = calloc(1, sizeof **x)))
        return -1;
    if (!*q && !(*q = calloc(1, sizeof **q)))
        return -1;
    return 0;
}

/* Put the exact sums at scale ns (> the current scale). */
static void rescale(struct cstat *c, int ns)
{
    int k = ns - c->scale;
    /* the bounds of EXACT_MANT and EXACT_SCALE keep this inside 256 bits */
    exact_wide_mul_pow10(&c->s1, k);
    exact_wide_mul_pow10(&c->s2, k);
    exact_wide_mul_pow10(&c->s2, k);
    c->scale = ns;
}

/* num_cmp, with the common case (two decimals at one scale) inline. */
static inline int ncmp(const struct num *a, const struct num *b)
{
    if (a->kind == NUM_DEC && b->kind == NUM_DEC && a->scale == b->scale)
        return a->mant < b->mant ? -1 : a->mant > b->mant;
    return num_cmp(a, b);
}

static int add_number(struct cstat *c, const struct num *x)
{
    if (c->nmin.kind == NUM_NONE || ncmp(x, &c->nmin) < 0)
        c->nmin = *x;
    if (c->nmax.kind == NUM_NONE || ncmp(x, &c->nmax) > 0)
        c->nmax = *x;
    if (x->kind == NUM_DEC && x->mant < EXACT_MANT && x->mant > -EXACT_MANT &&
        x->scale <= EXACT_SCALE) {
        if (x->scale > c->scale)
            rescale(c, x->scale);
        i128 m = x->mant * num_pow10(c->scale - x->scale);
        exact_wide_add_i128(&c->s1, m);
        exact_wide_add_square_fast(&c->s2, m);
        return 0;
    }
    if (xsum_need(&c->d1, &c->d2) < 0)
        return -1;
    double d = num_to_double(x);
    exact_xsum_add(c->d1, d);
    exact_xsq_add_square(c->d2, d);
    return 0;
}

/* One value of column col whose hash (value_hash) is h. */
static int add_value(struct stats_part *p, int col, const uint8_t *v, size_t len, uint64_t h)
{
    struct cstat *c = &p->c[col];
    if (len == 0) {
        c->nulls++;
        return 0;
    }
    c->n++;
    if (len > c->maxlen)
        c->maxlen = len;
    struct num x;
    unsigned k;
    if (num_parse(v, len, &x) != NUM_NONE) {
        if (x.kind == NUM_DBL) {
            k = K_REAL;
        } else if (x.scale == 0) {
            k = K_INT;
        } else {
            k = K_DEC;
            if (x.scale > c->maxscale)
                c->maxscale = x.scale;
        }
        if (add_number(c, &x) < 0)
            return -1;
    } else if (is_date(v, len)) {
        k = K_DATE;
    } else if (is_datetime(v, len)) {
        k = K_DATETIME;
    } else if (is_bool(v, len)) {
        k = K_BOOL;
    } else {
        k = K_STR;
    }
    c->kinds |= k;
    if (extremes_add(c, v, len) < 0)
        return -1;
    return distinct_add(c, v, len, h);
}

int stats_part_value(struct stats_part *p, int col, const uint8_t *v, size_t len)
{
    return add_value(p, col, v, len, len ? value_hash(v, len) : 0);
}

/* A batch goes column by column, in two passes per column: values and
 * hashes first, with a prefetch of each value's slot in the column's
 * distinct set, then the updates. With 100,000 values in a set (8 MiB of
 * slots) every lookup misses the cache; this way the misses overlap. */
int stats_part_batch(struct stats_part *p, const uint8_t *data, uint8_t quote,
                     const struct scan_batch *b, const uint8_t *skip)
{
    const size_t nc = (size_t)p->ncols, n = b->nrows;
    if (!n)
        return 0;
    if (n > p->rows_cap) {
        free(p->rv);
        free(p->rl);
        free(p->rh);
        p->rv = malloc(n * sizeof *p->rv);
        p->rl = malloc(n * sizeof *p->rl);
        p->rh = malloc(n * sizeof *p->rh);
        p->rows_cap = p->rv && p->rl && p->rh ? n : 0;
        if (!p->rows_cap)
            return -1;
    }
    /* unquoted values are never longer than their raw bytes */
    size_t span = (size_t)(b->row_end[n - 1] - b->row_start[0]) + 1;
    if (span > p->scratch_cap) {
        free(p->scratch);
        p->scratch_cap = span > 4096 ? span : 4096;
        if (!(p->scratch = malloc(p->scratch_cap))) {
            p->scratch_cap = 0;
            return -1;
        }
    }
    for (size_t c = 0; c < nc; c++) {
        uint8_t *arena = p->scratch;
        const struct vset *set = p->c[c].hll ? NULL : p->c[c].set;
        for (size_t r = 0; r < n; r++) {
            if (skip && skip[r])
                continue;
            size_t len;
            const uint8_t *v = scan_field_value(data, b->fields[r * nc + c], quote, &arena, &len);
            p->rv[r] = v;
            p->rl[r] = len;
            p->rh[r] = len ? value_hash(v, len) : 0;
            if (set && set->slots)
                __builtin_prefetch(&set->slots[p->rh[r] & set->mask]);
        }
        for (size_t r = 0; r < n; r++)
            if (!(skip && skip[r]) && add_value(p, (int)c, p->rv[r], p->rl[r], p->rh[r]) < 0)
                return -1;
    }
    return 0;
}

/* ------------------------------------------------------------- merging */

static int merge_col(struct cstat *into, const struct cstat *from)
{
    into->n += from->n;
    into->nulls += from->nulls;
    if (from->maxlen > into->maxlen)
        into->maxlen = from->maxlen;
    into->kinds |= from->kinds;
    if (from->maxscale > into->maxscale)
        into->maxscale = from->maxscale;
    if (from->nmin.kind != NUM_NONE) {
        if (into->nmin.kind == NUM_NONE || num_cmp(&from->nmin, &into->nmin) < 0)
            into->nmin = from->nmin;
        if (into->nmax.kind == NUM_NONE || num_cmp(&from->nmax, &into->nmax) > 0)
            into->nmax = from->nmax;
    }
    struct wide a = from->s1, q = from->s2;
    if (from->scale > into->scale)
        rescale(into, from->scale);
    int k = into->scale - from->scale;
    exact_wide_mul_pow10(&a, k);
    exact_wide_mul_pow10(&q, k);
    exact_wide_mul_pow10(&q, k);
    exact_wide_add(&into->s1, &a);
    exact_wide_add(&into->s2, &q);
    if (from->d1) {
        if (xsum_need(&into->d1, &into->d2) < 0)
            return -1;
        exact_xsum_merge(into->d1, from->d1);
        exact_xsq_merge(into->d2, from->d2);
    }
    if ((from->bmin.p && extremes_add(into, from->bmin.p, from->bmin.len) < 0) ||
        (from->bmax.p && extremes_add(into, from->bmax.p, from->bmax.len) < 0))
        return -1;
    if (from->hll) {
        if (!into->hll && to_hll(into) < 0)
            return -1;
        for (uint32_t i = 0; i < HLL_M; i++)
            if (from->hll[i] > into->hll[i])
                into->hll[i] = from->hll[i];
    } else if (from->set) {
        const struct vset *s = from->set;
        for (size_t i = 0; i <= s->mask; i++) {
            const struct vslot *sl = &s->slots[i];
            if (sl->hash && distinct_add(into, vslot_bytes(s, sl), sl->len, sl->hash) < 0)
                return -1;
        }
    }
    return 0;
}

int stats_part_merge(struct stats_part *into, const struct stats_part *from)
{
    for (int i = 0; i < into->ncols; i++)
        if (merge_col(&into->c[i], &from->c[i]) < 0)
            return -1;
    return 0;
}

/* -------------------------------------------------------------- output */

static const char *type_name(unsigned k)
{
    if (!k)
        return "string";
    if (!(k & ~(unsigned)K_INT))
        return "integer";
    if (!(k & ~(unsigned)(K_INT | K_DEC)))
        return "decimal";
    if (!(k & ~(unsigned)(K_INT | K_DEC | K_REAL)))
        return "real";
    if (k == K_BOOL)
        return "boolean";
    if (k == K_DATE)
        return "date";
    if (!(k & ~(unsigned)(K_DATE | K_DATETIME)))
        return "datetime";
    return "string";
}

static void put_double(struct outsink *out, double x)
{
    char buf[48];
    outsink_field(out, buf, num_fmt_double(buf, x), OUT_NUM);
}

static void put_u64(struct outsink *out, uint64_t v)
{
    char buf[32];
    outsink_field(out, buf, (size_t)snprintf(buf, sizeof buf, "%llu", (unsigned long long)v),
                  OUT_NUM);
}

/* An extreme of an integer or decimal column, with the column's scale. */
static void put_dec(struct outsink *out, const struct num *x, int scale)
{
    char buf[128];
    size_t n = num_fmt_dec(buf, x->mant, x->scale);
    if (scale > x->scale) {
        if (x->scale == 0)
            buf[n++] = '.';
        for (int k = x->scale; k < scale; k++)
            buf[n++] = '0';
    }
    outsink_field(out, buf, n, OUT_NUM);
}

static void put_null(struct outsink *out) { outsink_field(out, "", 0, OUT_NULL); }

int stats_write(struct stats_part *p, char *const *names, struct outsink *out,
                struct pcsv_error *err)
{
    /* The header never depends on the data: whether a column's distinct
     * count is exact is a field of its row (distinct_exact). */
    char *head[] = {"column", "type",   "count",    "nulls",          "min",       "max",
                    "mean",   "stddev", "distinct", "distinct_exact", "max_length"};
    outsink_header(out, head, 11);
    bool overflow = false;
    for (int i = 0; i < p->ncols; i++) {
        struct cstat *c = &p->c[i];
        const char *type = type_name(c->kinds);
        bool numeric = c->n && !(c->kinds & ~(unsigned)(K_INT | K_DEC | K_REAL));
        outsink_field(out, names[i], strlen(names[i]), OUT_STR);
        outsink_field(out, type, strlen(type), OUT_STR);
        put_u64(out, (uint64_t)c->n);
        put_u64(out, (uint64_t)c->nulls);
        if (!c->n) {
            put_null(out);
            put_null(out);
        } else if (numeric && (c->kinds & K_REAL)) {
            put_double(out, num_to_double(&c->nmin));
            put_double(out, num_to_double(&c->nmax));
        } else if (numeric) {
            put_dec(out, &c->nmin, c->maxscale);
            put_dec(out, &c->nmax, c->maxscale);
        } else {
            outsink_field(out, c->bmin.p, c->bmin.len, OUT_STR);
            outsink_field(out, c->bmax.p, c->bmax.len, OUT_STR);
        }
        if (numeric) {
            /* decimals and reals combined exactly, rounded once */
            double mean = c->d1 ? exact_mean(&c->s1, c->scale, c->d1, c->n)
                                : exact_wide_mean(&c->s1, c->n, c->scale);
            long double var = 0;
            if (c->n > 1)
                var = exact_variance(&c->s1, &c->s2, c->scale, c->d1, c->d2, c->n);
            overflow |= !isfinite(mean);
            put_double(out, mean);
            if (c->n > 1) {
                double sd = (double)sqrtl(var);
                overflow |= !isfinite(sd); /* the printed answer */
                put_double(out, sd);
            } else {
                put_null(out);
            }
        } else {
            put_null(out);
            put_null(out);
        }
        if (c->hll)
            put_u64(out, (uint64_t)llround(hll_estimate(c->hll)));
        else
            put_u64(out, c->set ? c->set->n : 0);
        if (c->hll)
            outsink_field(out, "false", 5, OUT_BOOL);
        else
            outsink_field(out, "true", 4, OUT_BOOL);
        put_u64(out, c->maxlen);
        outsink_end_row(out);
    }
    if (overflow)
        return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                              "a standard deviation is beyond the largest double (about "
                              "1.8e308)");
    return 0;
}

struct stats_part *stats_combine(struct stats_part *const *parts, int n, int ncols,
                                 struct pcsv_error *err)
{
    struct stats_part *total = NULL;
    bool nomem = false;
    for (int i = 0; i < n; i++) {
        if (!parts[i])
            continue;
        if (!nomem && !total) {
            total = parts[i];
            continue;
        }
        if (!nomem && stats_part_merge(total, parts[i]) < 0)
            nomem = true;
        stats_part_destroy(parts[i]);
    }
    if (!nomem && !total && !(total = stats_part_create(ncols)))
        nomem = true;
    if (nomem) {
        stats_part_destroy(total);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    return total;
}
