/* zdecode.h - a regular zstd file of several frames (as pzstd writes it)
 * decoded by a pool of threads, a few frames ahead of its reader.
 *
 * The frame table is read first from the frame and block headers alone
 * (pread, a few bytes a block); then the pool's threads decode whole frames
 * into buffers of their own and zdecode_read hands the bytes out in file
 * order. What it promises:
 *   - the bytes are exactly those libzstd's streaming decoder gives for the
 *     same file, in the same order;
 *   - at most PAR_AHEAD frames are decoded beyond the one being read,
 *     each into at most PAR_MAX_OUT bytes: memory stays bounded whatever
 *     the file says;
 *   - it never starts more threads than the budget zdecode_create gets;
 *   - a frame it will not decode ahead (it holds more than PAR_MAX_OUT
 *     bytes) is not an error: zdecode_read says ZDECODE_STREAM and where
 *     that frame starts, and the caller streams the file from there;
 *   - a corrupt frame is an error naming the compressed byte offset.
 * Files it does not take (one frame, a frame over PAR_MAX_FRAME
 * compressed bytes, anything damaged before the first byte is decoded) make
 * zdecode_create return NULL: the caller streams them, and the streaming
 * decoder reports any damage.
 *
 * Threading: one thread (the reader) calls zdecode_read and
 * zdecode_destroy; the pool's threads are the module's own and are joined
 * by zdecode_destroy.
 */
#ifndef PCSV_ZDECODE_H
#define PCSV_ZDECODE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "status.h"

struct zdecode;

/* Take fd (a regular file, borrowed: read with pread only, never closed)
 * when it is a sequence of at least two whole frames, and start up to
 * `threads` decoding threads (at most PAR_AHEAD are useful). NULL when
 * threads < 2 (one decoding thread beside the reader is no faster than the
 * reader decoding itself), when the file is not such a sequence, or when
 * memory or threads are short: the caller then streams the file. */
struct zdecode *zdecode_create(int fd, int threads);
/* Stop and join the threads, free every buffer. NULL is a no-op. */
void zdecode_destroy(struct zdecode *z);

#define ZDECODE_STREAM (-2)
/* Copy up to cap decoded bytes into buf. Returns the count (*raw_end: the
 * compressed offset of the end of the frame they come from), 0 at the end
 * of the file, -1 with err filled (PCSV_EIO, naming path_shown and the
 * compressed offset) for a corrupt or unreadable frame, or ZDECODE_STREAM
 * (*raw_end: the offset of the frame the caller must stream from, after
 * zdecode_destroy). Blocks until the frame being read is decoded. */
ssize_t zdecode_read(struct zdecode *z, uint8_t *buf, size_t cap, uint64_t *raw_end,
                     const char *path_shown, struct pcsv_error *err);

/* For tests: how many decoding threads this process has started so far. */
unsigned long zdecode_threads_started(void);

#endif
