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

/* Sort the groups of parts[0..nparts) (disjoint sets of groups, e.g. the
 * partitions agg_combine makes) and write the result table
 * (header and rows) to out. Column-wide facts are first made the same in
 * every part. Rows are in key order, or by the --sort column (numeric,
 * compared exactly, when every value of it is a number; else bytes; empty
 * cells last; ties in key order). PCSV_EDATA if a sum overflowed the exact
 * range or a printed result is beyond the double range. */
int agg_result_write(struct agg_part *const *parts, int nparts, struct outsink *out,
                     struct pcsv_error *err);
/* agg_result_write of one part. */
int agg_result_write_part(struct agg_part *p, struct outsink *out, struct pcsv_error *err);

#endif
