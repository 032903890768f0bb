/* stats.h - pcsv stats: one summary row per column, in one parallel pass.
 *
 * A partial (struct stats_part) holds, for every column, what its summary
 * needs: counts, the kinds of value seen, exact sums and sums of squares,
 * numeric and byte-order extremes, the longest value, and the distinct
 * values. Every piece is order-independent, so partials filled from any
 * chunks merge to the same result for every --jobs and --chunk-size.
 *
 * Types: each non-empty value is an integer, a decimal, a real (exponent
 * notation, or too long to be exact), a boolean (true/false in any case), a
 * date (YYYY-MM-DD), a datetime (a date, T or a space, HH:MM[:SS[.f]], an
 * optional Z or +HH:MM) or a string. A column's type is the narrowest that
 * holds all its values: integer < decimal < real for numbers, date <
 * datetime; any other mix, and a column with no values, is string.
 *
 * Distinct values are counted exactly up to STATS_EXACT_DISTINCT per column;
 * a column with more switches to a HyperLogLog sketch (2^14 registers, about
 * 0.8 % standard error), and that column's row then says distinct_exact
 * false (the header is the same whatever the data).
 * Whether a column passed the limit depends only on its values, so the
 * result is still the same for every split of the input.
 *
 * Threading: a partial belongs to one thread until it is merged.
 */
#ifndef PCSV_STATS_H
#define PCSV_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "../io/outsink.h"
#include "../io/status.h"
#include "scan.h"

#define STATS_EXACT_DISTINCT 100000

struct stats_part;

/* A partial for ncols columns. NULL on ENOMEM. */
struct stats_part *stats_part_create(int ncols);
void stats_part_destroy(struct stats_part *p);

/* Add the rows of a batch scanned with every column selected (slot c is
 * column c), skipping rows with skip[r] set (skip may be NULL). 0 or -1 on
 * ENOMEM. */
int stats_part_batch(struct stats_part *p, const uint8_t *data, uint8_t quote,
                     const struct scan_batch *b, const uint8_t *skip);

/* Add one value of column c (already unquoted). 0 or -1 on ENOMEM. */
int stats_part_value(struct stats_part *p, int c, const uint8_t *v, size_t len);

/* Merge from into into (from is left unchanged). -1 on ENOMEM. */
int stats_part_merge(struct stats_part *into, const struct stats_part *from);

/* The combine step: parts[0..n) (NULL entries, workers that never ran, are
 * skipped) merged in order into one, which is returned; the others are
 * destroyed. Serial: a partial is small (one state per column). With no
 * part, a new empty partial of ncols columns. NULL on ENOMEM (err set;
 * every part destroyed). */
struct stats_part *stats_combine(struct stats_part *const *parts, int n, int ncols,
                                 struct pcsv_error *err);

/* Write the summary table: header column,type,count,nulls,min,max,mean,
 * stddev,distinct,distinct_exact,max_length, then one row per
 * column in input order. */
int stats_write(struct stats_part *p, char *const *names, struct outsink *out,
                struct pcsv_error *err);

#endif
