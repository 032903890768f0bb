/* outtable.h - --format table: rows aligned in columns for reading at a
 * terminal.
 *
 * The writers (outfmt.c) put a table's rows on a sink as a plain stream
 * that any memory sink can carry and any number of them can be
 * concatenated (workers' chunks, aggregate's sorted runs): one row a line,
 * fields separated by a tab, each field its kind byte (h header, n number,
 * s text, - null) and then its text with the display escapes already made
 * (\\ \t \n \r, \xHH for the other control bytes), so the stream holds no
 * tab or line end of a value. The sink that writes the result (stdout or
 * -o) feeds that stream here and gets the aligned text back.
 *
 * Widths: the header and the first OUTTABLE_SAMPLE rows are held and set
 * every column's width (code points, not bytes); later rows are written as
 * they come, and a longer cell there pushes the rest of its row right
 * (memory stays bounded). Cells are never cut. Numbers are right-aligned,
 * text and empty cells left; a header cell is right-aligned over a column
 * whose sampled cells are all numbers. Two spaces between columns, a rule
 * of dashes under the header, no trailing padding.
 *
 * Threading: one thread (the sink's).
 */
#ifndef PCSV_OUTTABLE_H
#define PCSV_OUTTABLE_H

#include <stddef.h>

#ifndef OUTTABLE_SAMPLE
#define OUTTABLE_SAMPLE 1000
#endif

struct outtable;

/* Where the aligned text goes. */
typedef void (*outtable_emit)(void *ctx, const char *p, size_t n);

/* NULL on ENOMEM. */
struct outtable *outtable_create(outtable_emit emit, void *ctx);
void outtable_destroy(struct outtable *t);
/* Bytes of the stream (rows may be cut anywhere between calls). -1 when
 * memory ran out (the table is failed and takes nothing more). */
int outtable_feed(struct outtable *t, const char *p, size_t n);
/* The end: the rows still held are written. 0 or -1 (ENOMEM). */
int outtable_finish(struct outtable *t);

#endif
