/* gzdecode.h - a gzip stream (RFC 1952) decoded incrementally: the bytes
 * are given as they come, in pieces of any size, and the decoded bytes go
 * into the caller's buffer. No I/O of its own (io/instream.c reads).
 *
 * What it promises:
 *   - every member of the stream is decoded, one after the other (as pigz
 *     and `cat a.gz b.gz` make them): the output is the concatenation;
 *   - each member's header is checked (magic, method 8, no reserved flag,
 *     the header CRC when FHCRC is set), and its trailer (CRC-32 and ISIZE
 *     of the data): a mismatch is an error, never a silently wrong result;
 *   - zero bytes after the last member (tape or block padding, which gzip
 *     itself accepts) are accepted, anything else after it is an error;
 *   - every error names the compressed byte offset where the stream broke
 *     (for bad deflate data, near it: the inflater reads a few bytes ahead);
 *     the offset counts from the first byte given to the decoder;
 *   - the output does not depend on how the input or the output is cut.
 * The inflater is ISA-L's igzip (isal_inflate, raw deflate); the headers
 * and trailers are read here.
 *
 * Threading: one thread uses a decoder at a time.
 */
#ifndef PCSV_GZDECODE_H
#define PCSV_GZDECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gzdecode;

/* NULL when memory is short. */
struct gzdecode *gzdecode_create(void);
void gzdecode_destroy(struct gzdecode *g);

/* Decode from in[*inpos, inlen) into out[*outpos, outcap), advancing both
 * positions, until the input is used up or the output is full. 0, or -1 on
 * damaged data (gzdecode_error says why; the decoder is then unusable). */
int gzdecode_run(struct gzdecode *g, const uint8_t *in, size_t inlen, size_t *inpos, uint8_t *out,
                 size_t outcap, size_t *outpos);
/* The input has ended: 0 when it ended cleanly (after a whole member, or in
 * zero padding after one), -1 when it ended inside a member (truncated). */
int gzdecode_end(struct gzdecode *g);
/* Why the last call failed ("truncated gzip stream: ..." or "corrupt gzip
 * data at compressed byte N: ..."): a message for after "FILE: ". */
const char *gzdecode_error(const struct gzdecode *g);

#endif
