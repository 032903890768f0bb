/* badrow.h - bad rows: locate them (line, offset, column), classify them,
 * keep the first few in input order, count the rest, and format their
 * --rejects lines and messages.
 *
 * A bad row has the wrong field count, a misplaced quote, a value its
 * consumer cannot use, or an unterminated quote that runs to the end of the
 * input. Each worker has a log: the worker describes the chunk it scans
 * (badrow_log_chunk), notes the chunk's bad rows as it meets them
 * (badrow_log_add), and at the chunk's end (badrow_log_end_chunk) they are
 * put in input order, written as --rejects lines into the log's memory
 * sink, and the first BADROW_KEEP of them are kept; the others are only
 * counted, so memory stays bounded however many rows are dropped. Because a
 * worker takes chunks in increasing order, its kept rows are in input
 * order, and the first BADROW_KEEP of all workers are among theirs: the
 * team merges the logs (badrow_log_merge) when it is joined.
 *
 * In fail mode (and for an unterminated quote, always fatal) the log keeps
 * only the first bad row it met, by input position: several workers may
 * meet one each; the team reports the first of them (badrow_cmp).
 *
 * Threading: a log belongs to one thread at a time (its worker during a
 * run, the team's thread between runs).
 */
#ifndef PCSV_BADROW_H
#define PCSV_BADROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/outsink.h"
#include "../io/status.h"
#include "scan.h"

/* The bad rows a log keeps in skip/warn mode (the others are counted). */
#define BADROW_KEEP 20

enum badrow_kind { BAD_FIELDS, BAD_QUOTE, BAD_VALUE, BAD_UNTERMINATED };

struct badrow {
    uint32_t file;   /* index of the input */
    uint64_t line;   /* 1-based physical line where the row starts */
    uint64_t offset; /* byte offset of the row start */
    uint64_t end;    /* byte offset of its line end (or the data end) */
    enum badrow_kind kind;
    int col;         /* 0-based column, or -1 */
    uint32_t nfound; /* BAD_FIELDS: fields found */
    char *value;     /* BAD_VALUE: the value (truncated), owned */
};

/* Input order: by file, then offset. For qsort. */
int badrow_cmp(const void *x, const void *y);

/* "expected 3 fields, found 2" and the like, for a bad row of a table whose
 * columns are names[0, ncols) and whose rows must have expected fields. */
void badrow_reason(const struct badrow *b, char *const *names, int ncols, int expected, char *buf,
                   size_t cap);

/* Open path for --rejects (atomically, like -o: outsink_open) and write its
 * header line: file,line,offset,column,reason,row. NULL with err set. */
struct outsink *badrow_rejects_open(const char *path, struct pcsv_error *err);

/* The chunk a worker scans, as the log needs it to locate and print rows.
 * Offsets below are into d (d[x] is byte x of the current region). */
struct badrow_chunk {
    const uint8_t *d;
    size_t k;              /* the chunk's number (fail mode: the earliest wins) */
    uint64_t start;        /* the chunk's first byte: the line count starts here */
    uint64_t lines_before; /* line ends in the input before start */
    uint32_t file;
    uint64_t offset_base; /* input offset of d[0] */
    /* for --rejects lines */
    const char *path;
    char *const *names;
    int ncols;
    int expected; /* the field count rows must have */
};

struct badrow_log;

/* fail: fail mode (keep only the first bad row). rejects: format --rejects
 * lines for the rows dropped. NULL: out of memory. */
struct badrow_log *badrow_log_create(bool fail, bool rejects, uint8_t delim, uint8_t quote);
void badrow_log_destroy(struct badrow_log *l);

/* Start a chunk: the rows noted next are in it (c is copied; c->d and the
 * names must stay valid until badrow_log_end_chunk). */
void badrow_log_chunk(struct badrow_log *l, const struct badrow_chunk *c);

/* Note the bad row [off, end) of the current chunk, of kind (col, nfound:
 * see struct badrow; val, vlen: BAD_VALUE's value, truncated). Returns 1
 * when the row is dropped and the chunk goes on (skip/warn), 0 when it must
 * stop (fail mode, or BAD_UNTERMINATED: the row became the log's first if
 * it is earlier than the one it had), -1 out of memory. */
int badrow_log_add(struct badrow_log *l, enum badrow_kind kind, uint64_t off, uint64_t end, int col,
                   uint32_t nfound, const uint8_t *val, size_t vlen);
/* Note row r of b, which has the wrong field count or a misplaced quote
 * (found out which column here: slow, but rare). As badrow_log_add. */
int badrow_log_add_structural(struct badrow_log *l, const struct scan_batch *b, size_t r);

/* Forget the current chunk's rows at input offset cut and after (its
 * consumer stopped before them: head has its rows). */
void badrow_log_drop_from(struct badrow_log *l, uint64_t cut);

/* The end of the current chunk: its rows in input order go to the --rejects
 * lines (unless rejects is false: the chunk failed), the first few to the
 * kept list, all to the count. -1 when no memory was left for the --rejects
 * lines (the rows are still kept and counted). */
int badrow_log_end_chunk(struct badrow_log *l, bool rejects);

/* The --rejects lines of the chunks ended since the last call (n bytes,
 * valid until the next chunk ends; NULL when there are none). */
const void *badrow_log_take_rejects(struct badrow_log *l, size_t *n);

/* Keep the first n (more than BADROW_KEEP: --max-bad-rows names its
 * (N+1)-th row) instead. 0, or -1 out of memory. */
int badrow_log_keep(struct badrow_log *l, size_t n);

/* Move from's kept rows and count into into, keeping the first (into's
 * keep) in input order; from keeps none after. */
void badrow_log_merge(struct badrow_log *into, struct badrow_log *from);
/* The kept rows in input order; *n of them (at most its keep). */
const struct badrow *badrow_log_kept(const struct badrow_log *l, size_t *n);
/* How many rows were dropped in all (kept or not). */
uint64_t badrow_log_count(const struct badrow_log *l);

/* Fail mode: the first bad row the log met (NULL: none), and forgetting it. */
const struct badrow *badrow_log_first(const struct badrow_log *l);
void badrow_log_clear_first(struct badrow_log *l);

#endif
