/* agg.h - group-by aggregation: plans, partial aggregates, merge.
 *
 * A plan (from --by and --agg, resolved against the header) says which
 * columns the scanner must deliver (selection slots) and what to keep per
 * group. A partial (struct agg_part) is one thread's group table with the
 * state of every function for every group. Every state is exact and
 * order-independent (integer counts, 128-bit scaled decimal sums, an exact
 * accumulator for doubles, min/max with total orders), so partials filled
 * from any chunks in any order merge to the same result: that is the
 * determinism contract of SPEC section 3. Merging is still done in a fixed
 * order (worker 0, 1, ...) so that the group order before sorting, and
 * anything added later that is order-sensitive, stays reproducible.
 *
 * Decisions that cover the whole input (a column's decimal scale, whether it
 * had exponent notation, whether min/max compare as numbers) are taken at
 * write time from the merged partial, never per chunk (agg_result.h).
 *
 * Threading: a plan is read-only once made and may be shared; a partial
 * belongs to one thread until it is merged.
 *
 * Exactness: sums of integers and decimals are exact; means, variances and
 * quantiles are computed exactly (decimals and reals combined in big
 * integers) and rounded once; --sort compares numeric results exactly. An
 * error is reported only when a printed answer is beyond the double range.
 */
#ifndef PCSV_AGG_H
#define PCSV_AGG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/status.h"
#include "expr.h"
#include "scan.h"

enum agg_fn {
    AGG_COUNT,
    AGG_COUNT_COL,
    AGG_SUM,
    AGG_MEAN,
    AGG_MIN,
    AGG_MAX,
    AGG_FIRST,
    AGG_LAST,
    AGG_DISTINCT,
    AGG_QUANTILE,
    AGG_VAR,
    AGG_STDDEV
};

struct agg_spec {
    enum agg_fn fn;
    int col;       /* input column, -1 for count */
    int vcol;      /* index into plan->vcols, -1 for count */
    char *name;    /* result column name */
    double q;      /* AGG_QUANTILE: 0.5 for median, N/100 for pN */
    __int128 qnum; /* AGG_QUANTILE: q exactly, as qnum / 10^qdscale */
    int qdscale;
    int qslot; /* AGG_QUANTILE: its index among the plan's quantile specs */
};

/* A value column: an input column some function reads. */
struct agg_vcol {
    int col, slot;
    bool sum;       /* sum or mean: needs numbers; a non-number is a bad row */
    bool minmax;    /* min or max */
    bool firstlast; /* first or last: the value at the smallest/largest position */
    bool distinct;  /* distinct: the set of (group, value) pairs */
    bool quantile;  /* median/pN: every value is kept */
    bool var;       /* var/stddev: the exact sum of squares too */
};

/* A computed key (--by 'NAME=EXPR'): an expression of the --where
 * language whose value, as text, is the key (null: the empty key). */
struct agg_kexpr {
    struct expr *e;
    char *text; /* the expression as written (the query fingerprint) */
    int *slots; /* plan selection slot of each of e's columns */
    int nslots;
};

struct agg_plan {
    int ncols;
    char **colnames; /* borrowed from the caller */
    int nkeys;
    /* per key: the input column (-1 for a computed key), the value slot
     * (for a computed key j: nsel + j, past the scanner's selection) and
     * the output name */
    int *key_cols, *key_slot;
    char **key_names;
    int *key_expr; /* per key: index into kx, or -1 */
    int nkx;
    struct agg_kexpr *kx;
    int nspecs;
    struct agg_spec *specs;
    int nquantiles; /* specs that are median/pN */
    int nvcols;
    struct agg_vcol *vcols;
    /* --sort: output column (keys first, then specs), or -1 for key order */
    int sort_col;
    bool sort_desc;
    /* --limit: only the first limit output rows (set by the caller; the
     * plan starts unlimited) */
    bool limited;
    uint64_t limit;
    /* the scanner's selection: sel[col] = slot or -1 */
    int nsel;
    int32_t *sel;
    int nselcols;
};

/* Build a plan. by and aggs are the option texts (by may be NULL; aggs
 * NULL means "count"). by is a list of keys, split on top-level commas:
 * a column, NAME=COLUMN, NAME=EXPR or an expression (named by its text).
 * aggs is a list of SPEC or NAME=SPEC. Errors are PCSV_EUSAGE (unknown
 * column, bad spec or expression, two output columns with one name). */
struct agg_plan *agg_plan_create(char **colnames, int ncols, const char *by, const char *aggs,
                                 struct pcsv_error *err);
void agg_plan_destroy(struct agg_plan *p);
/* --sort COL[:asc|:desc]: COL is an output column name (a key column or a
 * result like count or price_sum). PCSV_EUSAGE when it names none. */
int agg_plan_sort(struct agg_plan *p, const char *spec, struct pcsv_error *err);

/* The selection slot of column col, adding one (e.g. for a --where
 * column). Only before any partial is created from the plan. */
int agg_plan_slot(struct agg_plan *p, int col);

/* A value of a selected column, already unquoted. */
struct agg_val {
    const uint8_t *p;
    size_t len;
};

/* Told about a row whose value cannot be used (col: the input column;
 * val: the value). Returns true to drop the row and go on, false to stop. */
typedef bool (*agg_bad_fn)(void *ctx, size_t row, int col, const uint8_t *val, size_t len);

struct agg_part;
struct agg_part *agg_part_create(const struct agg_plan *plan);
void agg_part_destroy(struct agg_part *p);

/* Add the rows of a scanned batch, skipping those with skip[r] != 0 (skip
 * may be NULL). Returns 0, 1 when bad() asked to stop (rows before the bad
 * one are added), or -1 on ENOMEM. */
int agg_part_batch(struct agg_part *p, const uint8_t *data, uint8_t quote,
                   const struct scan_batch *b, const uint8_t *skip, agg_bad_fn bad, void *ctx);
/* Add one row given as values per selection slot (the reference parser's
 * path). Same returns as agg_part_batch; row is passed through to bad(). */
int agg_part_row(struct agg_part *p, const struct agg_val *vals, size_t row, agg_bad_fn bad,
                 void *ctx);

/* Rows of the next agg_part_batch calls are at input position base +
 * row_start (positions order rows across files: file << 48 | offset).
 * agg_part_row numbers its rows base + 1, base + 2, ... in call order. */
void agg_part_set_pos_base(struct agg_part *p, uint64_t base);

/* Merge from into into (from is left unchanged). -1 on ENOMEM. */
int agg_part_merge(struct agg_part *into, const struct agg_part *from);

size_t agg_part_groups(const struct agg_part *p);
/* Bytes its groups need, about (table, records, kept values; not the room
 * a reset partial kept). */
size_t agg_part_bytes(const struct agg_part *p);
/* Rows added since it was created or reset (a batch's rows, dropped ones
 * included). */
uint64_t agg_part_rows(const struct agg_part *p);
/* Room for n groups without growing. -1 on ENOMEM. */
int agg_part_reserve(struct agg_part *p, size_t n);
/* On an empty p: whether each row added from here on becomes a group of
 * its own, without looking for its key, until the next reset (a partial
 * that is only encoded, when almost every row has a new key: decoding
 * merges records with equal keys). Not for plans with distinct. Returns
 * whether p is now so. */
bool agg_part_set_append(struct agg_part *p, bool on);
bool agg_part_appending(const struct agg_part *p);
/* Forget every group (after they were written out with aggstate_encode),
 * keeping the memory and the whole-input facts: column scales, whether
 * reals or text were seen, and which key columns are all numbers. */
void agg_part_reset(struct agg_part *p);
/* agg_part_reset, and give back the room the groups had. */
void agg_part_trim(struct agg_part *p);
/* Whether every value of key column k added to p so far was a number or
 * empty. */
bool agg_part_key_numeric(const struct agg_part *p, int k);
/* p's new groups' keys are not checked for numbers from here on (the caller
 * has the whole input's facts): agg_part_key_numeric of p is then
 * meaningless. */
void agg_part_skip_key_facts(struct agg_part *p);

/* Give every partial of parts[0, n) the column facts of all of them
 * (the largest decimal scale, reals, text, overflow seen), so that their
 * groups encode alike (aggstate.h). */
void agg_parts_unify(struct agg_part *const *parts, int n);

/* The combine step: the workers' partials parts[0..*nparts) become *nparts
 * partials holding disjoint sets of groups (partitions by the high bits
 * of the key hash), merged in parallel on a team of *nparts threads (pipeline_parallel), ready for
 * agg_result_write. The inputs are destroyed and replaced in parts; with
 * none, parts[0] becomes one empty partial (parts has room for one). Blocks
 * until the merge is done. Returns 0, or PCSV_ENOMEM (err set); parts then
 * holds *nparts partials the caller still destroys. */
int agg_combine(const struct agg_plan *plan, struct agg_part **parts, int *nparts,
                struct pcsv_error *err);

#endif
