/* refparse.h - the reference parser: libcsv, serial, strict RFC 4180.
 *
 * `--parser libcsv` runs this instead of the vectorised scanner, so a user
 * can cross-check a result, and the tests compare the two. libcsv is set up
 * to agree with pcsv's dialect: no trimming of spaces, strict quotes, an
 * unterminated quote at the end is an error. Unlike the fast path, any
 * malformed quote stops the run (libcsv cannot resynchronise), whatever
 * --on-bad-row says.
 *
 * Threading: single-threaded; the callback runs on the caller's thread.
 */
#ifndef PCSV_REFPARSE_H
#define PCSV_REFPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "../io/mapfile.h"
#include "../io/status.h"
#include "pipeline.h"
#include "source.h"

/* One row: nfields values (unquoted). line is the 1-based physical line
 * where the row starts, counting from line0 at the first byte. Return 0 to
 * go on, non-zero to stop the parse (refparse_run then returns that). */
typedef int (*refparse_row_fn)(void *ctx, uint64_t line, size_t nfields, const uint8_t *const *vals,
                               const size_t *lens);

/* Parse the file's bytes from begin to its end, through the mapping: every
 * MiB libcsv has consumed (it copies fields) is released, so the resident
 * set stays flat however big the file. Returns 0, the callback's non-zero value, or
 * PCSV_EDATA (err: path, the line where the row with the malformed or
 * unterminated quote started, as the fast path reports it, "malformed
 * quoted field" / "unterminated quoted field"), PCSV_ENOMEM, or PCSV_EIO
 * "file changed while reading" when the file shrank meanwhile (whatever
 * else the zeros past its new end produced). */
int refparse_run(const struct mapfile *m, size_t begin, uint64_t line0, uint8_t delim,
                 uint8_t quote, refparse_row_fn cb, void *ctx, const char *path,
                 struct pcsv_error *err);

/* One row of refparse_inputs: exactly as many fields as the first input's
 * header has (the count is checked before), from input path, starting on
 * line. Return 0 to go on, non-zero to stop (refparse_inputs then returns
 * that, with err as the callback left it). */
typedef int (*refparse_input_row_fn)(void *ctx, const char *path, uint64_t line,
                                     const uint8_t *const *vals, const size_t *lens);

/* `--parser libcsv` over the opened inputs in[0..n), in order, as one
 * table: the data rows of each file (after its header) go to cb one by one
 * on the caller's thread. Every command that takes --parser libcsv runs
 * this loop, so they agree on what is refused and how. Returns 0, the
 * callback's non-zero value, PCSV_EUSAGE for a pipe or zstd input ("--parser
 * libcsv reads files, not pipes or zstd streams", the inputs before it
 * already parsed), PCSV_EDATA "expected N fields, found M" at the row's
 * line, or what refparse_run returns. */
int refparse_inputs(const struct source *in, int n, uint8_t delim, uint8_t quote,
                    refparse_input_row_fn cb, void *ctx, struct pcsv_error *err);

#endif
