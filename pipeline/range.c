/* range.c - byte ranges of a file: the start state guessed, the first row
 * found (see range.h). */
#include "range.h"

#include "scan.h"

/* How far after start the guess looks, and how many whole rows are enough. */
#define GUESS_WINDOW (256 * 1024)
#define GUESS_ROWS 64

enum { FIELD_START, UNQUOTED, QUOTED, QUOTE_SEEN };

struct evidence {
    unsigned broken, rows;
};

/* Read the window after start as CSV from state st: rules broken and
 * whole rows of ncols fields seen (the part before the first line end is
 * a row's tail: only its quotes are checked). */
static struct evidence try_state(const uint8_t *d, size_t size, size_t start, int st, uint8_t delim,
                                 uint8_t quote, int ncols)
{
    struct evidence ev = {0, 0};
    size_t stop = size - start > GUESS_WINDOW ? start + GUESS_WINDOW : size;
    bool opened = st == QUOTED; /* still in the quoted field it started in */
    bool whole = false;         /* a line end passed: fields are counted from here */
    long fields = 0;
    for (size_t i = start; i < stop && ev.rows < GUESS_ROWS; i++) {
        uint8_t c = d[i];
        switch (st) {
        case QUOTED:
            if (c == quote)
                st = QUOTE_SEEN, opened = false;
            continue;
        case QUOTE_SEEN:
            if (c == quote) {
                st = QUOTED; /* a doubled quote */
                continue;
            }
            if (c != delim && c != '\n' && c != '\r') {
                ev.broken++; /* text right after a closing quote */
                st = UNQUOTED;
                continue;
            }
            break;
        case FIELD_START:
            if (c == quote) {
                st = QUOTED;
                continue;
            }
            break;
        default: /* UNQUOTED */
            if (c == quote) {
                ev.broken++; /* a quote in the middle of a field */
                continue;
            }
            break;
        }
        if (c == delim) {
            fields++;
            st = FIELD_START;
        } else if (c == '\n') {
            if (whole) {
                if (fields + 1 == ncols)
                    ev.rows++;
                else
                    ev.broken++;
            }
            whole = true;
            fields = 0;
            st = FIELD_START;
        } else {
            st = UNQUOTED;
        }
    }
    /* A quoted field that runs through the whole window is unlikely, and
     * one that runs to the end of the file is an error */
    if (opened)
        ev.broken += stop == size ? 1000 : 1;
    return ev;
}

bool range_guess(const uint8_t *d, size_t size, size_t start, uint8_t delim, uint8_t quote,
                 int ncols)
{
    if (start >= size)
        return false;
    int out = start == 0 || d[start - 1] == delim || d[start - 1] == '\n' ? FIELD_START : UNQUOTED;
    struct evidence a = try_state(d, size, start, out, delim, quote, ncols);
    struct evidence b = try_state(d, size, start, QUOTED, delim, quote, ncols);
    if (a.broken != b.broken)
        return b.broken < a.broken;
    return b.rows > a.rows;
}

void range_locate(const uint8_t *d, size_t size, size_t data_begin, uint64_t start, uint64_t end,
                  int state, uint8_t delim, uint8_t quote, int ncols, struct range_facts *f)
{
    if (end > size)
        end = size;
    if (start > end)
        start = end;
    *f = (struct range_facts){.start = start, .end = end, .r0 = end, .exact = true};
    if (!d || !size)
        return; /* an empty file: no rows */
    uint64_t q, nl;
    if (start <= data_begin) {
        /* in the header, read anyway: the state is known */
        scan_count(d, start, quote, &q, &nl);
        f->start_quoted = q & 1;
        f->exact = true;
        f->r0 = data_begin;
        scan_count(d + start, data_begin - start, quote, &q, &f->lines_pre);
        if (f->r0 >= end) {
            scan_count(d + start, end - start, quote, &q, &f->lines_pre);
            f->end_quoted = f->start_quoted ^ (q & 1);
        }
        return;
    }
    f->exact = state >= 0;
    f->start_quoted = state >= 0 ? state == 1 : range_guess(d, size, start, delim, quote, ncols);
    size_t r;
    if (!f->start_quoted && d[start - 1] == '\n')
        r = 0; /* a row starts right at start */
    else
        r = scan_first_row_end(d + start, end - start, quote, f->start_quoted);
    if (r == 0 && !(!f->start_quoted && d[start - 1] == '\n'))
        r = end - start; /* no line end outside quotes before end: no row starts here */
    f->r0 = start + r;
    if (f->r0 >= end) {
        f->r0 = end;
        scan_count(d + start, end - start, quote, &q, &f->lines_pre);
        f->end_quoted = f->start_quoted ^ (q & 1);
        return;
    }
    scan_count(d + start, r, quote, &q, &f->lines_pre);
}
