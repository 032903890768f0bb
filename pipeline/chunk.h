/* chunk.h - the chunker: cutting an input (a file, or a stream's buffer) into work units, and the
 * chain of quote counts that tells each unit where its rows start.
 *
 * A chunk is the byte range [start + k * size, start + (k + 1) * size) of
 * the data (the last one shorter); its boundaries depend on the input and
 * the chunk size only. The rows of chunk k are those that start in it. To
 * find them, a worker needs the quote state at the chunk's start: the
 * parity of every quote before it. Each chunk's quote and line-end counts
 * are published once (chunker_count); the chunker turns them into prefix
 * sums in chunk order: the quote state and the number of lines before every
 * chunk, so errors found mid-file carry true line numbers.
 *
 * A worker that needs chunk k's state while an earlier chunk is still
 * uncounted counts that chunk itself instead of waiting (its worker may
 * have been descheduled): counting is idempotent and cheap, and nobody ever
 * sleeps on another worker. The chunker reads that chunk with mapfile_read
 * in small pieces; the chunk's own worker passes the bytes it has read.
 *
 * Threading: after chunker_create, every call may be made concurrently from
 * any thread (a mutex guards the prefix sums; it is taken a few times per
 * chunk, never per row).
 */
#ifndef PCSV_CHUNK_H
#define PCSV_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../io/mapfile.h"
#include "../io/status.h"

#ifndef CHUNK_MAX_CHUNKS
#define CHUNK_MAX_CHUNKS ((size_t)1 << 26)
#endif

struct chunker;

/* Cut m's bytes [begin, m->size) into chunks of size bytes (>= 1). NULL on
 * failure: PCSV_ENOMEM, or PCSV_EUSAGE when that makes more than
 * CHUNK_MAX_CHUNKS chunks. The mapping must outlive the chunker. */
struct chunker *chunker_create(const struct mapfile *m, size_t begin, size_t size, uint8_t quote,
                               struct pcsv_error *err);
/* The same over [begin, end) only (end at most m->size): rows that start
 * there, the last of which may run on past end (a --range). */
struct chunker *chunker_create_to(const struct mapfile *m, size_t begin, size_t end, size_t size,
                                  uint8_t quote, struct pcsv_error *err);
void chunker_destroy(struct chunker *c);

size_t chunker_nchunks(const struct chunker *c);
/* Chunk k's byte range [*a, *e). */
void chunker_range(const struct chunker *c, size_t k, size_t *a, size_t *e);

/* Count chunk k's quotes and line ends and publish them. bytes holds the
 * chunk's bytes (its worker has read them); NULL: read them from the file.
 * The quote count goes to *quotes (may be NULL). -1 when the file could
 * not be read (mapfile_read's errno). */
int chunker_count(struct chunker *c, size_t k, const uint8_t *bytes, uint64_t *quotes);
/* The quote state just before chunk k and the line ends between begin and
 * chunk k's start. Never sleeps: counts missing earlier chunks itself (-1
 * when one could not be read). */
int chunker_state(struct chunker *c, size_t k, bool *in_quote, uint64_t *lines_before);

/* The quote state at the end of the last chunk and the line ends in all
 * the chunks (counting the missing ones). -1 when one could not be read. */
int chunker_totals(struct chunker *c, bool *in_quote, uint64_t *lines);

/* The quote state at the end of the last chunk and the line ends in all
 * the chunks (counting the missing ones). -1 when one could not be read. */
int chunker_totals(struct chunker *c, bool *in_quote, uint64_t *lines);

#endif
