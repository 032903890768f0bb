/* aggradix.h - group tables of any size: radix partitions, spilling, and
 * a result merged from sorted partitions.
 *
 * While the groups fit in a worker's share of memory, nothing here runs:
 * the workers' partials are combined as agg.h says. Past that share (or a
 * group count that no longer stays in cache), a worker flushes: its
 * groups are encoded (aggstate.h) into one block per hash partition,
 * handed to the partitions, and the partial starts again empty. Blocks
 * stay in memory while they fit in the memory limit; past it they are
 * compressed into temporary files (io/spillfile.h: files without names,
 * gone however pcsv ends).
 *
 * At the end, each partition is finished on its own, in parallel: its
 * blocks are decoded into one partial (the same states agg_part_merge
 * would give, so the result is the in-memory one byte for byte), its rows
 * are computed with the whole input's facts (column scales, numeric keys)
 * and sorted, and written as a run of rendered rows (kept in memory, or
 * spilled too). The runs are merged into the output by the output order
 * (key order, or --sort with ties in key order). A large result in key
 * order whose blocks all stayed in memory is not merged: the first
 * partition's sorted rows give splitters, every other partition's rows go
 * unsorted to the key-range bucket they fall in, and each bucket is sorted
 * alone and written in turn (the same order, so the same bytes).
 *
 * Memory: a worker's partial is capped at a share of the limit; blocks and
 * runs in memory at half of it each; a partition, while it is finished,
 * must fit (partitions are many, so each holds a small share).
 *
 * Threading: aggradix_flush is called from worker threads at once;
 * everything else from one thread.
 */
#ifndef PCSV_AGGRADIX_H
#define PCSV_AGGRADIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/outsink.h"
#include "../io/status.h"
#include "agg.h"

struct aggradix_cfg {
    size_t memory_limit; /* bytes */
    const char *tmpdir;  /* NULL: $TMPDIR, else /tmp */
    int jobs;
    enum out_format format;
};

struct aggradix;

struct aggradix *aggradix_create(const struct agg_plan *plan, const struct aggradix_cfg *cfg,
                                 struct pcsv_error *err);
void aggradix_destroy(struct aggradix *r);

/* After a batch: flush a worker's partial if it outgrew its share. 0, or
 * -1 with the error kept for aggradix_error (out of memory, a full or
 * unwritable temporary directory). */
int aggradix_maybe_flush(struct aggradix *r, struct agg_part *a);

/* Whether any partial was flushed: then the result must come from
 * aggradix_finish. */
bool aggradix_used(const struct aggradix *r);

/* Whether the result should come from aggradix_finish: something was
 * flushed, or the workers' tables are large enough that finishing them in
 * partitions, on every thread, beats agg_combine and agg_result_write. */
bool aggradix_wanted(const struct aggradix *r, struct agg_part *const *parts, int n);

/* The error a failed flush kept (code 0 if none). */
const struct pcsv_error *aggradix_error(const struct aggradix *r);

/* Flush the workers' partials parts[0, n) (they are reset, not freed),
 * finish every partition and write the result table to out. 0 or an error
 * code with err set. */
int aggradix_finish(struct aggradix *r, struct agg_part *const *parts, int n, struct outsink *out,
                    struct pcsv_error *err);

/* Instead of aggradix_finish (a --partial): flush parts[0, n) and call
 * fn once per partition that has groups, with a partial holding exactly
 * that partition's groups and the whole input's facts (valid during the
 * call). fn returns 0, or non-zero with err set by it to stop. 0 or the
 * error code. */
int aggradix_each_partition(struct aggradix *r, struct agg_part *const *parts, int n,
                            int (*fn)(void *ctx, struct agg_part *a), void *ctx,
                            struct pcsv_error *err);

/* Bytes written to temporary files (0: nothing spilled), and where. */
uint64_t aggradix_spilled(const struct aggradix *r);
const char *aggradix_tmpdir(const struct aggradix *r);

#endif
