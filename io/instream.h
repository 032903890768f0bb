/* instream.h - a sequential input: a pipe, standard input, or a zstd or
 * gzip file, read (and decompressed) into the caller's buffers.
 *
 * bzip2, xz and zip are recognised by their magic bytes too (see
 * instream_foreign_format), for the caller to refuse them.
 *
 * gzip input is recognised by its magic bytes (1F 8B), on files and on
 * standard input alike, and decoded member after member (io/gzdecode.h)
 * by the thread that calls instream_read, straight into its buffer. A
 * stream that ends inside a member, a corrupt member (header, deflate
 * data, CRC-32 or length) or anything but zero bytes after the last member
 * is an error naming the compressed byte offset, never a short result.
 *
 * zstd input is recognised by its magic bytes (28 B5 2F FD, or a skippable
 * frame's, as pzstd writes first), on files and on standard input alike, and
 * decompressed with the streaming API, frame after frame. A regular file of
 * several frames of at most 64 MiB (as pzstd writes) is decoded by several
 * threads at once when instream_threads allows, a few frames ahead of the
 * reader (io/zdecode.h). A stream that ends inside a frame, or a corrupt
 * frame, is an error naming the compressed byte offset where it broke,
 * never a short result.
 *
 * Threading: one thread reads a stream at a time.
 */
#ifndef PCSV_INSTREAM_H
#define PCSV_INSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "status.h"

struct instream;

/* The thread budget of the streams opened later (the CLI passes --jobs, as
 * zstd's passes nbWorkers to libzstd). 1, the default, is serial: the
 * thread that calls instream_read decodes zstd itself. n > 1: a regular
 * file of several frames is decoded by up to n threads (at most 4 are
 * useful; io/zdecode.h) while instream_read hands out their output. Not
 * thread-safe: call it before opening streams. */
void instream_threads(int n);

/* Open path ("-" is standard input) for sequential reading. path_shown is
 * the name errors use. NULL with err filled (PCSV_EIO, PCSV_ENOMEM). */
struct instream *instream_open(const char *path, const char *path_shown, struct pcsv_error *err);
void instream_close(struct instream *s);
/* Whether p[0, n) starts like zstd data (a frame or a skippable frame). */
bool instream_is_zstd_magic(const uint8_t *p, size_t n);
/* Whether p[0, n) starts like gzip data (1F 8B). */
bool instream_is_gzip_magic(const uint8_t *p, size_t n);
/* The formats pcsv recognises by their magic bytes but does not read yet:
 * "bzip2" (BZh1-9 and a block or end-of-stream magic), "xz"
 * (FD 37 7A 58 5A 00), "zip" (PK 03 04, or PK 05 06 for an empty archive),
 * or NULL. *tool (when tool is not NULL): the command that writes the
 * contents to stdout ("xz -dc", "unzip -p"). p[0, n) is the input's first
 * bytes; INSTREAM_MAGIC_MAX of them are enough. */
#define INSTREAM_MAGIC_MAX 10
const char *instream_foreign_format(const uint8_t *p, size_t n, const char **tool);
/* Fill err (PCSV_EDATA: exit 1) for an input in such a format: "xz-
 * compressed input is not supported yet; use: xz -dc FILE | pcsv ...".
 * is_stdin: the input is standard input (the advice is then a pipe).
 * Returns the code, or 0 (err untouched) when p is no such format. */
int instream_refuse_foreign(const uint8_t *p, size_t n, const char *path_shown, bool is_stdin,
                            struct pcsv_error *err);
/* The first bytes of the raw input (at most INSTREAM_MAGIC_MAX, fewer for
 * a shorter input), as peeked at open for the magic. */
const uint8_t *instream_magic(const struct instream *s, size_t *n);
/* Whether the input is zstd-compressed (known after open). */
bool instream_is_zstd(const struct instream *s);
/* Whether the input is gzip-compressed (known after open). */
bool instream_is_gzip(const struct instream *s);
/* Fill buf with up to cap bytes of (decompressed) data. Returns the count,
 * 0 at the end, or -1 with err filled (PCSV_EIO: read failure, truncated or
 * corrupt zstd or gzip). Blocks until some data or the end. */
ssize_t instream_read(struct instream *s, uint8_t *buf, size_t cap, struct pcsv_error *err);
/* Whether the input is live: not a regular file but a pipe, a FIFO, a
 * socket, a device, where a read may wait for data that comes slowly. */
bool instream_is_live(const struct instream *s);
/* Wait until instream_read can return without waiting for the input: up to
 * timeout_ms milliseconds (-1: no limit), and, when wake_fd >= 0, until
 * wake_fd is readable (another thread's way to stop the wait). Returns 1
 * (data, the end, or an error are there to read; always at once for a
 * regular file or when bytes read earlier wait to be handed out), 0 (the
 * time ran out), 2 (wake_fd). For zstd, a readable pipe may still hold
 * less than a whole block: instream_read then waits for the rest. */
int instream_wait(struct instream *s, int timeout_ms, int wake_fd);
/* Bytes read from the underlying file so far (compressed bytes for zstd
 * and gzip). */
uint64_t instream_raw_offset(const struct instream *s);

#endif
