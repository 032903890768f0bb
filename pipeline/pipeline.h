/* pipeline.h - the worker team: chunks of an input through the scanner
 * into a consumer (aggregate, count, ...), in parallel, deterministically.
 *
 * Flow (SPEC section 8): the source (source.h) hands the input out a
 * region at a time (a file at once, a stream a buffer at a time); a thread
 * of the team pushes the numbers of the region's chunks (chunk.h:
 * fixed-size byte ranges) into the bounded MPMC queue (mpmc.h); each
 * worker pops a chunk, reads it into a buffer of its own (pread: from the
 * byte before the chunk to the end of the chunk's last row, which may lie
 * past it; the buffer stays in the core's cache and no page of the file is
 * mapped in), counts its quotes and line ends (one fast vector pass),
 * publishes them, then
 * needs the quote state at the chunk's start, which is the parity of all
 * quotes before it: known as soon as every earlier chunk has published its
 * count. A worker never sleeps on that: if an earlier chunk is not counted
 * yet, it counts that chunk itself (the same numbers, published once). It
 * then scans the rows that start in the chunk, drops those --where rejects,
 * and hands batches of them to the consumer while they are still in cache.
 * Row-emitting consumers' chunk outputs go through the ordered writer
 * (reorder.h). Chunk boundaries depend only on the input and --chunk-size,
 * never on --jobs.
 *
 * Line numbers: the published line-end counts give each chunk its number of
 * lines before it (a prefix sum), so a worker reports the true line of a bad
 * row even in the middle of the file.
 *
 * Bad rows: wrong field count and misplaced quotes are found here; values a
 * consumer cannot use are reported by it through pipeline_bad_value; each
 * worker's are kept in a log (badrow.h), merged when the team is joined. In
 * fail mode the first bad row in input order wins (workers keep scanning
 * chunks before the failing one, and skip those after; the ordered output
 * holds exactly the rows before it, whatever --jobs). An unterminated quote
 * at the end of input is always fatal.
 *
 * Threading: pipeline_run runs the team and returns when it is joined; the
 * consumer's callbacks run on worker threads, one worker state per thread.
 */
#ifndef PCSV_PIPELINE_H
#define PCSV_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/mapfile.h"
#include "../io/outsink.h"
#include "../io/status.h"
#include "badrow.h"
#include "scan.h"
#include "source.h"

enum pipeline_bad_mode { PIPELINE_FAIL, PIPELINE_SKIP, PIPELINE_WARN };

struct expr;
struct pipeline;

struct pipeline_cfg {
    int jobs;
    size_t chunk_size;
    uint8_t delim, quote;
    bool header;
    enum pipeline_bad_mode bad_mode;
    /* --where: rows for which it is false never reach the consumer. Its
     * columns must be in the consumer's selection: where_slots[i] is the
     * slot of the expression's i-th column (expr_columns order). */
    const struct expr *where;
    const int *where_slots;
    /* --rejects FILE (skip/warn modes): every dropped row is written there
     * as CSV (file,line,offset,column,reason,row), in input order, by the
     * ordered writer; pipeline_create opens it (atomically, like -o), the
     * caller commits it with pipeline_take_rejects. NULL: none. */
    const char *rejects;
    /* keep the first keep_bad dropped rows (pipeline_bad_rows) instead of
     * BADROW_KEEP, when more (--max-bad-rows N names the (N+1)-th) */
    size_t keep_bad;
};

struct pipeline_worker;

/* What the workers feed. */
struct pipeline_consumer {
    void *ctx;
    int nsel;           /* selection slots per row */
    const int32_t *sel; /* sel[col] = slot or -1, for col < nselcols */
    int nselcols;
    /* One state per worker, made on the worker's own thread before its first
     * batch (so its memory is local to that thread). NULL: out of memory. */
    void *(*worker_create)(void *ctx);
    /* Consume a batch; rows with skip[r] set (skip may be NULL) are bad and
     * must be ignored. Report unusable values with pipeline_bad_value. Returns 0,
     * 1 to stop this chunk (pipeline_bad_value said so), -1 for out of memory. */
    int (*batch)(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                 const uint8_t *skip, struct pipeline_worker *w);
    /* Row-emitting commands: each chunk's output (written with pipeline_out)
     * reaches write() in input order, from one thread at a time, through a
     * bounded reorder window (a worker that gets too far ahead of the
     * oldest unfinished chunk sleeps). write returns 0, 1 to stop the whole
     * run early (head has its rows), or -1 for an I/O error. NULL: no
     * ordered output. */
    int (*write)(void *ctx, const void *p, size_t n);
    /* Row-emitting commands: every chunk of a stream's region has been
     * written and the next region may wait for input (a slow pipe): push
     * what was written out (stdout), so that rows that arrived are seen
     * (`tail -f | pcsv filter`). NULL: nothing to do. */
    void (*flush)(void *ctx);
    enum out_format out_format;
    char *const *out_names; /* jsonl keys of the chunk sinks */
    int nout_names;
};

/* A consumer that returns 1 (stop) from batch says at which row of the
 * batch it stopped, so that bad rows after it are not reported. */
void pipeline_stopped_at(struct pipeline_worker *w, size_t row);

/* The input position of byte 0 of the batch's data: file << 48 | offset of
 * the data in that file (row r is at this + row_start[r]). Orders rows
 * across files and stream buffers. */
uint64_t pipeline_pos_base(struct pipeline_worker *w);

/* The consumer's ctx, from a worker (for batch callbacks). */
void *pipeline_consumer_ctx(struct pipeline_worker *w);

/* The memory sink for the current chunk's output (row-emitting consumers). */
struct outsink *pipeline_out(struct pipeline_worker *w);

/* For consumers: row r of the current batch has an unusable value in col.
 * Returns true to drop the row and go on, false to stop (fail mode). */
bool pipeline_bad_value(struct pipeline_worker *w, size_t row, int col, const uint8_t *val,
                        size_t len);

struct pipeline;
struct pipeline *pipeline_create(const struct pipeline_cfg *cfg, const struct pipeline_consumer *c,
                                 struct pcsv_error *err);
void pipeline_destroy(struct pipeline *p);

/* Run the team over the whole of input in (file number `file` of the
 * table), region by region (source_next: a file at once, a stream a buffer
 * at a time). ncols is the field count every row must have. Returns 0, or
 * PCSV_EDATA with err set (the first bad row in fail mode, an unterminated
 * quote), PCSV_EIO (a read or write failed, the file changed while read),
 * PCSV_ENOMEM. Worker states persist across runs. */
int pipeline_run(struct pipeline *p, struct source *in, uint32_t file, int ncols,
                 struct pcsv_error *err);

/* Bytes of input finished so far, over every run of p (any thread may call
 * this at any time: it is an atomic counter). */
uint64_t pipeline_bytes_done(const struct pipeline *p);

int pipeline_nworkers(const struct pipeline *p);
/* Worker i's consumer state (NULL if that worker never ran). */
void *pipeline_worker_state(const struct pipeline *p, int i);

/* The first BADROW_KEEP (or keep_bad) bad rows dropped so far (skip/warn
 * modes), in input order; *n is how many are kept. Memory stays
 * bounded however many rows are dropped: the others are only counted (and
 * written to --rejects). Valid until the next run. */
const struct badrow *pipeline_bad_rows(struct pipeline *p, size_t *n);
/* After a successful run of a file: the quote state at the end of its
 * rows' range (source.rows_end, or the file's end) and the line ends from
 * data_begin to there, when rows_end was set (what a --range partial
 * records); else false and 0. */
void pipeline_region_end(const struct pipeline *p, bool *in_quote, uint64_t *lines);

/* How many rows were dropped so far, in all. */
uint64_t pipeline_bad_count(const struct pipeline *p);

/* Data rows read so far, good and bad, over every run (after the runs: all
 * of the input's rows, except where a consumer stopped early, as head
 * does). */
uint64_t pipeline_rows_read(const struct pipeline *p);

/* The --rejects sink, complete once the runs succeeded: the caller owns it
 * from here (outsink_commit / outsink_abort). NULL without --rejects. If
 * nobody takes it, pipeline_destroy aborts it (no file is left behind). */
struct outsink *pipeline_take_rejects(struct pipeline *p);

/* Run fn(ctx, i) for i in [0, n) on a team of n threads (OpenMP lives in
 * this module only). Returns 0, or the first non-zero fn result by i. */
int pipeline_parallel(int n, int (*fn)(void *ctx, int i), void *ctx);

#endif
