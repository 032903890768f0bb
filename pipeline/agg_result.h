/* agg_result.h - the result table of an aggregation: finalize, sort, print.
 *
 * Takes the merged partials of agg.h (disjoint sets of groups, e.g. the
 * partitions agg_combine makes) and writes the table. Every
 * result cell is computed by one function (cell_of in agg_result.c), for
 * --sort and for printing alike, so the order always agrees with what is
 * printed. Decisions that cover the whole input (a column's decimal scale,
 * exponent notation anywhere, numeric or text min/max and keys) are taken
 * here from all the parts together, never per chunk.
 *
 * Threading: keeps no state outside its arguments (no file-scope
 * variables), so writes of different partials may run at once. A write
 * modifies its parts (finalized in place): one thread per set of parts.
 */
#ifndef PCSV_AGG_RESULT_H
#define PCSV_AGG_RESULT_H

#include "../io/outsink.h"
#include "../io/status.h"
#include "agg.h"
#include "exact.h"

/* Sort the groups of parts[0..nparts) (disjoint sets of groups, e.g. the
 * partitions agg_combine makes) and write the result table
 * (header and rows) to out. Column-wide facts are first made the same in
 * every part. Rows are in key order, or by the --sort column (numeric,
 * compared exactly, when every value of it is a number; else bytes; empty
 * cells last; ties in key order). With plan->limited, only the first
 * plan->limit rows, chosen with a bounded heap (N cells held, not one per
 * group); agg_result_rows (a partition of a larger table) then keeps a text
 * --sort column's first N by number and by bytes when it looks numeric in
 * its parts, up to 2N rows, so that the merge can order by the whole
 * column's decision. PCSV_EDATA if a sum overflowed the exact range or a
 * result is beyond the double range (checked over every group). */
int agg_result_write(struct agg_part *const *parts, int nparts, struct outsink *out,
                     struct pcsv_error *err);
/* What agg_result_rows tells about each row it writes. */
struct agg_result_row {
    const uint8_t *const *key; /* [nkeys] key values */
    const size_t *klen;
    uint64_t key_prefix[2]; /* order-preserving images of the first two keys */
    uint32_t rank;          /* the row's place in the output order */
    /* --sort on a result column: its cell */
    bool sort_null;
    double sort_d;             /* numeric: the nearest double */
    const struct xnum *sort_x; /* numeric: exactly */
    const uint8_t *sort_p;     /* text: the bytes */
    size_t sort_len;
};

struct agg_result_opts {
    /* the whole input's key facts: key column k is numeric (NULL: decide
     * from the parts) */
    const bool *key_numeric;
    /* set: no header, and row(ctx, r) after each row is written to out,
     * in output order, or (sorting by key) in any order with r->rank its
     * place; begin(ctx, n) first, with the number of rows */
    void (*row)(void *ctx, const struct agg_result_row *r);
    void (*begin)(void *ctx, size_t n);
    void *ctx;
    /* set (with row): the caller sorts; rows come in any order, r->rank
     * their place in it (no --limit) */
    bool unsorted;
    /* out: whether the --sort result column was numeric in these parts */
    bool sort_numeric;
};

/* agg_result_write with options: the rows of one hash partition, each
 * handed on with its sort facts so that sorted partitions can be merged
 * (aggradix.c). */
int agg_result_rows(struct agg_part *const *parts, int nparts, struct outsink *out,
                    struct agg_result_opts *o, struct pcsv_error *err);

/* agg_result_write of one part. */
int agg_result_write_part(struct agg_part *p, struct outsink *out, struct pcsv_error *err);

#endif
