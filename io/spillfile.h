/* spillfile.h - unnamed temporary files of zstd-compressed, checksummed
 * blocks: the runs `aggregate` spills when its group table outgrows
 * --memory-limit (issue 13).
 *
 * What it promises:
 *   - the file never has a name (open(O_TMPFILE), or where the file system
 *     refuses that, mkstemp and an unlink at once), so it is gone when pcsv
 *     ends in any way, SIGKILL included; nothing is ever left to clean up;
 *   - a block comes back byte for byte, or not at all: each is a 24-byte
 *     header (magic "PSR1", raw length u32, compressed length u32, XXH64 of
 *     the raw bytes u64, XXH32 of the header's first 20 bytes u32, all
 *     little-endian) and one zstd frame (level 1), and the reader checks
 *     every length and both checksums before it trusts a byte;
 *   - damaged input (a flipped byte, a cut file, any bytes at all given to
 *     spillblock_decode) is an error naming the byte offset, never a crash,
 *     a read outside the input or an allocation over 1 GiB and a little.
 *
 * Threading: spillfile_put may be called by several threads at once on the
 * same file (each compresses on its own; only the choice of offset is
 * serialised, so blocks land in the order their offsets were reserved).
 * spillfile_get is for one thread at a time per file, and not while
 * blocks are being put into that same file; different files are
 * independent. spillblock_decode and spillblock_encode touch only their
 * arguments.
 *
 * Errors: PCSV_EDATA (exit 1) for a directory that cannot hold the file, a
 * write that fails (a full disk says so and names the directory) and a
 * damaged block; PCSV_ENOMEM when memory runs out. The messages name the
 * directory or the byte offset themselves: err->path stays "".
 */
#ifndef PCSV_SPILLFILE_H
#define PCSV_SPILLFILE_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define SPILLFILE_MAX_BLOCK ((size_t)1 << 30) /* the largest block: 1 GiB */
#define SPILLBLOCK_HEADER 24                  /* bytes of header before each payload */

struct spillfile;

/* A new temporary file in dir (NULL or "": $TMPDIR when set and not empty,
 * else /tmp); the caller destroys it. NULL with PCSV_EDATA and the message
 * "--tmpdir DIR: <strerror>" when the directory is missing, not a directory
 * or not writable; NULL with PCSV_ENOMEM when memory runs out. */
struct spillfile *spillfile_create(const char *dir, struct pcsv_error *err);
/* Close the file (which then disappears) and free everything; NULL is fine. */
void spillfile_destroy(struct spillfile *f);
/* The directory the file is in, as spillfile_create chose it; f keeps it. */
const char *spillfile_dir(const struct spillfile *f);

/* Append one block of n bytes (0 to SPILLFILE_MAX_BLOCK), copied: p is
 * the caller's again on return. Blocks until the bytes are written (pwrite,
 * short writes and EINTR retried). Returns 0, or PCSV_EDATA with
 * "DIR: No space left on device (while spilling; N MiB written)" for
 * ENOSPC, EDQUOT and EFBIG (err_no says which; N is spillfile_bytes in
 * whole MiB), "DIR: <strerror>" for any other write error, or PCSV_ENOMEM.
 * After a failed put the file holds a damaged block: reading it back
 * reports that, so a caller drops the file instead. */
int spillfile_put(struct spillfile *f, const void *p, size_t n, struct pcsv_error *err);
/* Bytes written to disk so far, headers and payloads (a relaxed counter:
 * exact once the puts have returned). */
uint64_t spillfile_bytes(const struct spillfile *f);

/* Reading back, block by block in file order. A cursor starts zeroed. */
struct spillcur {
    uint64_t off; /* the next block's byte offset */
};
/* Read the block at c->off into the caller's growable buffer *buf of *cap
 * bytes (realloc'd as needed, the caller frees it, NULL/0 to start) and
 * advance c. Returns 1 with the block's size in *len, 0 at the end of what
 * was put, or on an error the NEGATED status (PCSV_EDATA is 1 too): -PCSV_EDATA
 * with "spill run: corrupt block at byte OFF (why)", "spill run: truncated
 * at byte OFF" (OFF: where the file's bytes ended early) or "DIR:
 * <strerror>" when pread fails; -PCSV_ENOMEM. err->code is the status
 * itself and err->offset is OFF. c is not advanced on an error. */
int spillfile_get(struct spillfile *f, struct spillcur *c, uint8_t **buf, size_t *cap, size_t *len,
                  struct pcsv_error *err);

/* The same decoding from memory (what spillfile_get does after its
 * pread): one block at p[0..n), p being the byte at offset base of a run.
 * Returns 1 with *used (header and payload bytes consumed) and *len, 0
 * when n == 0, or a negated status as spillfile_get does, OFF = base + the
 * offset in p. Reads only p[0..n); allocates the raw length (at most 1 GiB) only
 * after the header's checksum and lengths are sound. */
int spillblock_decode(const uint8_t *p, size_t n, uint64_t base, size_t *used, uint8_t **buf,
                      size_t *cap, size_t *len, struct pcsv_error *err);
/* The other way, into memory (seed corpora, tests): the block for p[0..n)
 * into dst[0..cap). Returns its size, or 0 when n > SPILLFILE_MAX_BLOCK,
 * cap < spillblock_bound(n) or memory runs out. */
size_t spillblock_encode(void *dst, size_t cap, const void *p, size_t n);
/* The largest block n bytes can make: header and zstd's bound. */
size_t spillblock_bound(size_t n);

/* For tests only (damaging a file on purpose): the file's descriptor. */
int spillfile_fd(const struct spillfile *f);

#endif
