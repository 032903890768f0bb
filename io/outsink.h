/* outsink.h - where results go: bytes in; buffered stdout, an atomic -o
 * FILE (zstd-compressed for FILE.zst) or memory out.
 *
 * With a path, output goes to a temporary file beside it (same directory,
 * so the rename is atomic) that replaces the path only at outsink_commit.
 * outsink_abort, a failed commit, and SIGINT/SIGTERM (after
 * outsink_install_signal_cleanup) remove the temporary file: a failed run
 * never leaves a partial result, and never touches an existing one.
 *
 * What the bytes say is outfmt.h's business: a sink is opened with a
 * format, and outfmt_header/field/end_row write rows onto it (outfmt.h is
 * included here, so a user of sinks sees both).
 *
 * Back ends: a file descriptor (stdout, -o FILE), zstd on the way to one
 * (-o FILE.zst) or memory (outsink_open_mem). Every byte, buffered or a
 * write larger than the buffer, leaves through the same internal path.
 *
 * Threading: one thread writes to a sink.
 */
#ifndef PCSV_OUTSINK_H
#define PCSV_OUTSINK_H

#include <stddef.h>

#include "outfmt.h"
#include "status.h"

struct outsink;

/* A sink into memory (a worker formatting its chunk's rows): outsink_take
 * hands over what was written. NULL on ENOMEM. */
struct outsink *outsink_open_mem(enum out_format fmt);
/* The bytes written to a memory sink since the last take; the sink keeps
 * ownership and reuses the buffer after the next write. */
const void *outsink_take(struct outsink *o, size_t *len);

/* The zstd level of files opened later whose name ends in .zst (default
 * 3). */
void outsink_compress_level(int level);
/* The threads the sinks opened later may compress .zst with (the CLI
 * passes --jobs, as zstd's passes nbWorkers to libzstd). 1, the default,
 * compresses on the writing thread (nbWorkers 0); n > 1 gives libzstd n
 * workers. Not thread-safe: call it before opening sinks. */
void outsink_threads(int n);

/* path NULL or "-" means stdout; a path ending in .zst is written
 * zstd-compressed. NULL on failure (err: PCSV_EIO). */
struct outsink *outsink_open(const char *path, enum out_format fmt, struct pcsv_error *err);
/* Push the buffered bytes to the back end now (stdout: a reader sees the
 * rows written so far; -o FILE: its temporary file, still invisible until
 * the commit). */
void outsink_flush(struct outsink *o);
/* Bytes as they are (the count command's bare number). */
void outsink_raw(struct outsink *o, const void *p, size_t n);
/* Flush; for a file, also fsync and close the temporary file, but do not
 * rename it yet: after this, outsink_commit only renames (so two sinks can
 * be made complete first and then renamed one after the other). 0 or
 * PCSV_EIO; on failure the caller still aborts (or commits, which fails). */
int outsink_prepare(struct outsink *o, struct pcsv_error *err);
/* The errno of the first write that failed (ENOSPC, EFBIG, EIO...), or 0.
 * A failed sink takes no more bytes: the caller should stop the run. */
int outsink_error(const struct outsink *o);
/* Flush; for a file, fsync and rename over the path. Frees o. */
int outsink_commit(struct outsink *o, struct pcsv_error *err);
/* Drop everything written; remove the temporary file. Frees o. */
void outsink_abort(struct outsink *o);
/* Remove the pending temporary files on SIGINT, SIGTERM, SIGHUP and
 * SIGPIPE, then die of the signal as usual (so the shell sees 128 + the
 * signal number). A signal that was ignored when pcsv started (nohup)
 * stays ignored. */
void outsink_install_signal_cleanup(void);

#endif
