/* outfmt.h - rows written onto a sink (outsink.h) as CSV, TSV or JSON
 * Lines.
 *
 * csv quotes a field only when it holds the delimiter, a quote, CR or LF;
 * tsv writes \t \n \r \\ as escapes. In both, a row of one empty field
 * (OUT_NULL too) is written `""`, never as a blank line, so it reads back
 * as a row. jsonl writes one object per row keyed by the header names,
 * null for OUT_NULL; an OUT_NUM value is a JSON number only when its text
 * is one by RFC 8259's grammar (02134, .5, 5., +5, inf, nan become
 * strings); in strings (keys too), invalid UTF-8 becomes U+FFFD, one per
 * maximal invalid subpart, and control characters are escaped.
 *
 * The format is the sink's, chosen when it is opened (outsink_open,
 * outsink_open_mem); the bytes go through the sink's buffer (outbuf.h),
 * so formatting costs no call per byte.
 *
 * Threading: one thread writes to a sink (the sink's rule); the count of
 * replaced UTF-8 sequences is process-wide and atomic.
 */
#ifndef PCSV_OUTFMT_H
#define PCSV_OUTFMT_H

#include <stddef.h>

/* OUT_TABLE: aligned columns for a terminal; the rows travel as
 * outtable.h's stream, aligned by the sink that writes the result. */
enum out_format { OUT_CSV, OUT_TSV, OUT_JSONL, OUT_TABLE };
/* OUT_BOOL is a JSON true/false when its text is exactly "true" or "false",
 * else a string; in csv/tsv it is its text. */
enum out_kind { OUT_STR, OUT_NUM, OUT_NULL, OUT_BOOL };

struct outsink;

/* Remember names (jsonl keys; borrowed, they must outlive the sink's use)
 * without writing a header line. */
void outfmt_names(struct outsink *o, char *const *names, int n);
/* Remember the column names (for jsonl keys) and write the header line
 * (csv/tsv; none for no columns). */
void outfmt_header(struct outsink *o, char *const *names, int n);
/* One field of the current row. */
void outfmt_field(struct outsink *o, const void *p, size_t len, enum out_kind kind);
/* End the current row (the line end; jsonl: the object's end). */
void outfmt_end_row(struct outsink *o);
/* How many U+FFFD the jsonl writer has put for invalid UTF-8 so far, over
 * every sink and thread of the process (a bad key counts once per row):
 * the run prints one warning when it is not 0. */
unsigned long long outfmt_utf8_replaced(void);

/* The names pipeline/ has always called these by (pipeline.c, agg.c,
 * stats.c): kept so that those files need no change while others edit
 * them. New code calls outfmt_*. */
static inline void outsink_names(struct outsink *o, char *const *names, int n)
{
    outfmt_names(o, names, n);
}
static inline void outsink_header(struct outsink *o, char *const *names, int n)
{
    outfmt_header(o, names, n);
}
static inline void outsink_field(struct outsink *o, const void *p, size_t len, enum out_kind kind)
{
    outfmt_field(o, p, len, kind);
}
static inline void outsink_end_row(struct outsink *o) { outfmt_end_row(o); }

#endif
