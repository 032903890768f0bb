/* range.h - a byte range of a file as a unit of distributed work: the
 * rows that begin in [start, end) (SPEC section 6, --range).
 *
 * A range is worked on without reading the file before it. What that
 * would tell, the quote state at start, is guessed from the bytes after
 * start (speculation, as in Ge et al., SIGMOD 2019): each of the two
 * states is tried on a window after start with an RFC 4180 state machine;
 * the one that breaks fewer rules (a quote in the middle of an unquoted
 * field, a closing quote followed by a field's text, a row with the wrong
 * number of fields, a quoted field that never closes in the window, or
 * worse, in the file) wins, then the one that reads more whole rows, then
 * "outside quotes". The guess is recorded; merge checks it against the
 * state the previous range ends in (the start state and the quotes of the
 * range decide it) and has a wrong one re-run with the state given.
 *
 * Given the start state, the range's rows are those whose first byte r
 * is in [start, end): r is the data start, or follows a line end outside
 * quotes. The first such r is r0; the pipeline then cuts chunks over
 * [r0, end) (source.rows_end), its last row running on past end.
 *
 * Threading: plain functions of their arguments.
 */
#ifndef PCSV_RANGE_H
#define PCSV_RANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a range's rows are and what it knows of its edges. */
struct range_facts {
    uint64_t start, end; /* the range, clamped to the file */
    bool start_quoted;   /* the quote state at start (guessed or given) */
    bool exact;          /* start_quoted was known, not guessed (start in the header, or given) */
    uint64_t r0;         /* its first row start; r0 >= end: no row starts in it */
    uint64_t lines_pre;  /* line ends in [start, r0) (or [start, end) without rows) */
    bool end_quoted;     /* without rows: the quote state at end */
};

/* The quote state at start guessed from the window after it. d[0, size)
 * is the whole file (only bytes from start - 1 on are read). */
bool range_guess(const uint8_t *d, size_t size, size_t start, uint8_t delim, uint8_t quote,
                 int ncols);

/* Fill f for [start, end) of d[0, size) whose rows begin at data_begin
 * (after the header); state: 0 outside quotes, 1 inside, -1 guess. */
void range_locate(const uint8_t *d, size_t size, size_t data_begin, uint64_t start, uint64_t end,
                  int state, uint8_t delim, uint8_t quote, int ncols, struct range_facts *f);

#endif
