/* source.h - an input opened as a table: its header, then its data, a
 * region at a time (SPEC section 8, the "source" box).
 *
 * A regular file is mapped (for the header and the libcsv path; the workers
 * pread their chunks) and is one region: the whole file. A stream (a pipe,
 * standard input, zstd, gzip) is read into a buffer; the buffer is cut after its
 * last whole row (scan_last_row_end), that region is handed out, and the
 * unfinished row moves to a second buffer, which a reader thread fills
 * while the caller works on the region (double buffering: reading a pipe or
 * decompressing overlaps with parsing). Memory stays at the two
 * buffers (one grows only for a row longer than it). A region looks like a
 * file to its user: map.data[data_begin, map.size) holds whole rows, with
 * map.fd = -1 (the chunker reads no file then).
 *
 * A live stream (a pipe or FIFO, `tail -f app.csv | pcsv filter`) may go
 * quiet: a buffer is then handed on partly filled, once no input came for
 * 100 ms (or 500 ms after its first new bytes, for a steady trickle), and
 * cut like a full one, after its last whole row (the unfinished row waits
 * for the rest); with no whole row yet, reading goes on. The waits are
 * poll(2) timeouts: nothing spins. Where a live stream is cut depends on
 * timing, so its regions do; what comes out does not (regions are whole
 * rows, like chunks). A regular file (zstd) always fills its buffers.
 *
 * The header is parsed here with a small serial parser (one row, byte by
 * byte), after a UTF-8 BOM and blank lines.
 *
 * Threading: one thread calls a source's functions; the reader thread it
 * starts for a stream is its own business (it touches only the spare
 * buffer, and only between source_next calls).
 */
#ifndef PCSV_SOURCE_H
#define PCSV_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/mapfile.h"
#include "../io/status.h"

struct source_stream; /* private: the reader thread, the spare buffer, the cursor */

/* Treat the fields as read-only outside source.c. */
struct source {
    const char *path;      /* as shown in messages */
    struct mapfile map;    /* the file, or (fd -1) the stream's current region */
    size_t data_begin;     /* first byte after the BOM and the header row */
    size_t rows_end;       /* rows start before it (a --range's end); 0: map.size */
    uint64_t header_lines; /* line ends before data_begin (streams: in the whole input) */
    uint64_t offset_base;  /* input offset of map.data[0] (streams) */
    char **names;          /* column names (unquoted), ncols of them */
    int ncols;
    uint8_t quote; /* rows are cut outside quotes */
    /* streams: NULL is for a regular file */
    struct instream *is;
    uint8_t *buf; /* the current buffer */
    size_t buflen, bufcap;
    bool eof;
    struct source_stream *st; /* between the first source_next and source_finish */
};

/* Open path ("-" is standard input) and read its header. Regular files are
 * opened and mapped; pipes, zstd and gzip input are streams. With header false,
 * names are "1", "2", ... from the first row's field count. An empty input
 * has no columns (ncols 0) and no rows. Blocks until the header row is
 * read. 0, or the error (err set: cannot open, compressed by another tool,
 * PCSV_EDATA unterminated quote in the header, PCSV_ENOMEM); call
 * source_close after a failure too (it frees what was made). */
int source_open(struct source *s, const char *path, const char *path_shown, uint8_t delim,
                uint8_t quote, bool header, struct pcsv_error *err);
void source_close(struct source *s);

/* Make the next region current: map.data[data_begin, map.size), whose
 * line ends before it are header_lines and whose byte 0 is input offset
 * offset_base. *last says it is the final one (a file has only one).
 * A stream: blocks while the reader finishes the next buffer, then starts
 * it on the one after. 0, or the read error (err set; then stop). */
int source_next(struct source *s, bool *last, struct pcsv_error *err);

/* The end of a pass over the regions (after the last one, or earlier when
 * the caller stops): the reader thread is joined (one waiting for a quiet
 * pipe is woken up first: head exits as soon as it has its rows). Returns rc, or, for a
 * file that changed while it was read, PCSV_EIO ("file changed while
 * reading", err set). */
int source_finish(struct source *s, int rc, struct pcsv_error *err);

#endif
