/* scan.h - the fast CSV scanner: structural characters a vector at a time.
 *
 * Design. A 64-byte block is turned into four bitmasks (quote, delimiter,
 * '\n', '\r') with SIMD compares. The "inside quotes" mask is the prefix XOR
 * of the quote mask (a carry-less multiply by all ones), so RFC 4180 doubled
 * quotes need no special case: they toggle twice. Delimiters and line ends
 * outside quotes are the structural bits; we walk them with count-trailing-
 * zeros, never calling a function per byte. Quotes are checked with masks
 * too: an opening quote must follow a delimiter, a line end or a closing
 * quote; a closing quote must precede a delimiter, a line end, "\r\n", a
 * quote or the end of input. A quote that is neither marks its row bad.
 *
 * Rows and chunks. A row starts at the data start, or right after a '\n'
 * outside quotes. A scan covers the rows that START in [start, stop): the
 * last of them may run past stop, and everything before the first row start
 * at or after start is skipped (it belongs to the previous range). With the
 * right in_quote state for start (the parity of the quotes in [data start,
 * start), see scan_count), ranges that tile the data yield every row exactly
 * once, whatever their size, even when a quoted field holds line breaks.
 *
 * Blank lines (nothing, or only "\r", between line ends) are not rows.
 *
 * Threading: a struct scan belongs to one thread; the data is only read.
 */
#ifndef PCSV_SCAN_H
#define PCSV_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef SCAN_BATCH_ROWS
#define SCAN_BATCH_ROWS 256
#endif

/* A field as raw bytes [start, end) of the data (absolute offsets). A quoted
 * field still has its quotes: data[start] == quote. A "\r" of "\r\n" is never
 * part of a field. */
struct scan_field {
    uint64_t start, end;
};

/* Rows parsed by one scan_next call. fields is caller-provided, with room
 * for scan_batch_rows(nsel) * nsel entries: fields[r * nsel + slot] is row r's
 * field for selection slot `slot` (set only when the row has that column). */
struct scan_batch {
    size_t nrows;
    uint64_t row_start[SCAN_BATCH_ROWS]; /* offset of the row's first byte */
    uint64_t
        row_end[SCAN_BATCH_ROWS]; /* offset of its line end ('\r' of "\r\n", '\n', or data end) */
    uint32_t nfields[SCAN_BATCH_ROWS];
    uint8_t bad_quote[SCAN_BATCH_ROWS]; /* a quote in the wrong place */
    struct scan_field *fields;
};

struct scan {
    /* configuration */
    const uint8_t *data;
    size_t len;  /* bytes readable at data; rows end at len at the latest */
    size_t stop; /* rows must start before stop */
    uint8_t delim, quote;
    int nsel;           /* selection slots per row */
    size_t batch_rows;  /* scan_batch_rows(nsel) */
    const int32_t *sel; /* sel[col] = slot or -1, for col < nselcols */
    int nselcols;
    uint32_t need_cols; /* 1 + the last column with a slot */
    /* position */
    size_t pos;          /* offset of the block being (or next to be) walked */
    uint64_t iq_carry;   /* all ones when the byte before pos is inside quotes */
    uint64_t prev_carry; /* 1 when the byte before pos is a delimiter, '\n' or quote */
    /* the block being walked, when a batch filled up in its middle */
    bool pending;
    uint64_t p_bits, p_bad, p_nl;
    /* row being built */
    bool skipping; /* before the first row start */
    bool done;
    uint64_t row_start, field_start;
    uint32_t field_idx;
    uint8_t row_bad;
    /* set when the input ends inside a quoted field of a row of this range */
    bool unterminated;
    uint64_t unterminated_row;
};

/* Start scanning the rows that begin in [start, stop) of data[0, len).
 * data_begin is where rows begin at all (after the header); in_quote is the
 * quote state just before start (see scan_count). sel maps the first
 * nselcols columns to selection slots (or -1); nsel is the number of slots.
 * nselcols should be 1 + the last column with a slot: past it the scanner
 * only counts fields (a larger value is correct, just slower).
 * data[len] need not be readable. */
void scan_init(struct scan *s, const uint8_t *data, size_t len, size_t data_begin, size_t start,
               size_t stop, bool in_quote, uint8_t delim, uint8_t quote, int nsel,
               const int32_t *sel, int nselcols);

/* Rows per batch for nsel selection slots: SCAN_BATCH_ROWS, fewer for very
 * wide selections so that a batch's fields stay about 1 MiB (a 100,000-column
 * file would otherwise need 400 MB of fields per worker). */
static inline size_t scan_batch_rows(int nsel)
{
    size_t r = nsel > 0 ? (size_t)65536 / (size_t)nsel : SCAN_BATCH_ROWS;
    return r < 1 ? 1 : r > SCAN_BATCH_ROWS ? SCAN_BATCH_ROWS : r;
}

/* Parse up to scan_batch_rows(nsel) rows into b. Returns the number of rows; 0
 * when the range is finished (then check s->unterminated). */
size_t scan_next(struct scan *s, struct scan_batch *b);

/* Count the quote bytes and the '\n' bytes of p[0, n), a vector at a time.
 * The parity of the quotes before a position is its in_quote state. */
void scan_count(const uint8_t *p, size_t n, uint8_t quote, uint64_t *quotes, uint64_t *newlines);

/* The offset just after the last line end outside quotes in p[0, n), for
 * text that starts outside quotes; 0 if there is none. A stream reader cuts
 * its buffer there: everything before is whole rows. */
size_t scan_last_row_end(const uint8_t *p, size_t n, uint8_t quote);

/* The offset just after the first line end outside quotes in p[0, n), for
 * text whose quote state at p is in_quote; 0 if there is none. A worker
 * that reads its chunk into a buffer finds with it where its last row ends. */
size_t scan_first_row_end(const uint8_t *p, size_t n, uint8_t quote, bool in_quote);

/* The unquoted value of a raw field: a plain field is returned as is; a
 * quoted one has its quotes removed and doubled quotes halved, written to
 * scratch (room for end - start bytes). Sets *len. */
const uint8_t *scan_unquote(const uint8_t *data, struct scan_field f, uint8_t quote,
                            uint8_t *scratch, size_t *len);

/* The value of a selected field, as every consumer reads it: a plain field
 * is its bytes in data (no copy); a quoted one is unquoted (scan_unquote)
 * into *scratch, which then moves past it, so the values of a row or a
 * batch can share one arena. The caller gives *scratch room for
 * f.end - f.start bytes (an unquoted value is never longer than its raw
 * bytes). Sets *len. Inline: it runs for every selected field of every
 * row, and most fields have no quotes. */
static inline const uint8_t *scan_field_value(const uint8_t *data, struct scan_field f,
                                              uint8_t quote, uint8_t **scratch, size_t *len)
{
    const uint8_t *v = data + f.start;
    size_t n = (size_t)(f.end - f.start);
    if (n && v[0] == quote) {
        size_t u; /* not n: a plain field's length then stays in a register */
        v = scan_unquote(data, f, quote, *scratch, &u);
        *scratch += u;
        n = u;
    }
    *len = n;
    return v;
}

/* A selection (the sel of scan_init) is built column by column: start with
 * no column selected, then ask for each column's slot. */
static inline void scan_sel_init(int32_t *sel, int ncols)
{
    for (int c = 0; c < ncols; c++)
        sel[c] = -1;
}

/* The slot of column col in sel, giving it the next one (*nsel, then
 * counted) when it has none yet: a column named several times (--by,
 * --agg, --select, --where) is scanned once, into one slot. */
static inline int scan_sel_slot(int32_t *sel, int *nsel, int col)
{
    if (sel[col] < 0)
        sel[col] = (int32_t)(*nsel)++;
    return sel[col];
}

#endif
