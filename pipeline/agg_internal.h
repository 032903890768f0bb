/* agg_internal.h - private to agg.c and agg_result.c: the partial's layout.
 *
 * Not a public interface. agg.c fills partials (rows, merges) and
 * agg_result.c reads them to sort and print the result table; both need the
 * group record's layout (struct vstate, F), the partial itself and the
 * median/pN value encoding. Nothing else includes this header: everyone
 * else sees struct agg_part as opaque through agg.h.
 *
 * Threading: as agg.h: a partial belongs to one thread at a time.
 */
#ifndef PCSV_AGG_INTERNAL_H
#define PCSV_AGG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "agg.h"
#include "hashtab.h"
#include "exact.h"
#include "numfmt.h"

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
    int o_ndistinct;                          /* distinct: filled from the pair set when writing */
    int o_sq, o_dsq; /* var/stddev: exact sum of squares (at 2 * scale), of reals (xsq) */
    /* whole-column facts, merged with max / or */
    int scale; /* of the sums: every group's sum is at this scale */
    bool has_dbl, nonnum, overflow;
    bool dheap; /* some group's xsum or xsq was allocated (free_group_heap) */
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
    } * qv;
    size_t nqv, capqv;
    unsigned qkinds; /* 1 << kind of every value kept */
    struct qbig {
        i128 mant;
        double v;
        int scale;
    } * qbig;
    size_t nqbig, capqbig;
    double *qres; /* [group * nquantiles + qslot], filled when written */
    size_t cap;   /* groups recs has room for */
    size_t rec_size;
    uint8_t *recs;
    struct vstate *vs;
    /* per-batch scratch */
    uint8_t *arena; /* unquoted values and composite keys of the batch */
    size_t arena_cap;
    struct agg_val *vals; /* [row * (nsel + nkx) + slot]: computed keys after the fields */
    /* computed keys: a context per key expression, its inputs, and room
     * for composite keys (their texts are not in the batch's span) */
    struct expr_ctx **kctx;
    struct expr_val *kev;
    struct kblk *kfirst, *kcur;
    struct num *nums;   /* [row * nvcols + vcol] */
    const uint8_t **kp; /* [row] key */
    size_t *kl;
    uint64_t *kh;
    int64_t *grp;
    uint8_t *drop;
    uint64_t pos_base;         /* see agg_part_set_pos_base */
    uint64_t row_pos;          /* agg_part_row's own position counter */
    uint64_t rows;             /* rows added since created or reset */
    const uint64_t *row_start; /* the batch being added (positions) */
    /* per key column: 1 while every key value added so far is a number or
     * empty (checked once per new group; the spill path needs the whole
     * input's answer before any partition is printed) */
    uint8_t *knum;
    int knum_left; /* key columns still 1 in knum */
    /* every row a group of its own, not looked up (agg_part_set_append) */
    bool append;
    unsigned append_left; /* aggradix's: flushes to go so (not reset) */
};

/* The kind of a kept median/pN value (struct qval.kind). */
enum { QV_DBL, QV_DEC, QV_BIG };

static inline int bytes_cmp(const uint8_t *a, size_t la, const uint8_t *b, size_t lb)
{
    int c = memcmp(a, b, la < lb ? la : lb);
    return c ? c : (la > lb) - (la < lb);
}

/* The group of key (hash h) in a, added (its record zeroed) if new. -1 on
 * ENOMEM. */
int64_t agg_part_group(struct agg_part *a, const uint8_t *key, size_t klen, uint64_t h);

/* Hint: the group of a key hashing to h will be looked up soon. */
void agg_part_prefetch(const struct agg_part *a, uint64_t h);

/* Rescale every group's sum (and sum of squares) of value column i to scale
 * ns, which is above the column's scale; an overflow sets the column's
 * overflow flag. */
void agg_part_rescale(struct agg_part *a, int i, int ns);

/* The building blocks of a group's state, for merging states that arrive
 * other than as a whole partial (aggstate.c decodes them from bytes). Each
 * returns 0 or -1 on ENOMEM. */
int agg_sbuf_set(struct sbuf *b, const uint8_t *p, size_t len);
/* Fold value p at input position pos (1-based) into first/last of rec. */
int agg_firstlast_update(const struct vstate *s, uint8_t *rec, uint64_t pos, const uint8_t *p,
                         size_t len);
/* Add (vcol, group key, value) to the distinct pair set. */
int agg_pair_add(struct agg_part *a, uint32_t vcol, const uint8_t *gk, size_t gl, const uint8_t *v,
                 size_t vl);
/* Room for one more median/pN value; then add one kept in qbig. */
int agg_qv_reserve(struct agg_part *a);
int agg_qv_add_big(struct agg_part *a, struct qval q, struct qbig b);

#endif
