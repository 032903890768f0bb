/* mapfile.h - a regular file, memory-mapped read-only, with page control.
 *
 * The whole file is mapped once; readers ask for the pages of a range to be
 * populated ahead of use (one system call instead of a fault per page) and
 * release the pages of ranges they are done with, so the resident set stays
 * bounded by the work in flight, not by the file size.
 *
 * Threading: after mapfile_open, populate and release may be called from
 * any thread; the mapping is read-only.
 */
#ifndef PCSV_MAPFILE_H
#define PCSV_MAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

struct mapfile {
    int fd; /* -1: a view of memory that is not a file (a stream's buffer): no page control */
    const uint8_t *data; /* NULL for an empty file */
    size_t size;
    const char *path; /* borrowed */
    size_t page;      /* the page size, read once at open: workers only read it */
};

/* Open and map path. PCSV_EIO with the OS reason when it cannot be opened,
 * is a directory, or is not a regular file. */
int mapfile_open(struct mapfile *m, const char *path, struct pcsv_error *err);
void mapfile_close(struct mapfile *m);
/* Whether the file shrank under the mapping while it was read: a read past
 * the new end raises SIGBUS, which pcsv's handler (installed by
 * mapfile_open) turns into a page of zeros plus this flag, so the run ends
 * with "file changed while reading" instead of a crash. Also true when the
 * file's size now differs from its size at open. */
bool mapfile_changed(const struct mapfile *m);

/* Fault in the pages of [off, off + len) now (best effort). */
void mapfile_populate(const struct mapfile *m, size_t off, size_t len);
/* Drop the pages of [off, off + len) from this process (page-aligned
 * inward; the page cache keeps them). */
void mapfile_release(const struct mapfile *m, size_t off, size_t len);

#endif
