/* mapfile.h - a regular file, opened and memory-mapped read-only.
 *
 * The mapping serves what reads the file as one array (the header, the
 * libcsv reference parser). The workers do not touch it: they copy their
 * ranges with mapfile_read into buffers of their own, which stay in the
 * core's cache. With several threads the copy costs about what mapping
 * costs (page faults, and a TLB-flush interrupt to every other core each
 * time pages are dropped), and it leaves no page of the file resident in
 * pcsv: the resident set is the workers' buffers, whatever the file's size
 * and however the threads are scheduled.
 *
 * Threading: after mapfile_open, mapfile_read and mapfile_release may be
 * called from any thread; the mapping is read-only.
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
/* Whether the file shrank while it was read: mapfile_read found its end
 * early, or a read of the mapping past the new end raised SIGBUS, which
 * pcsv's handler (installed by mapfile_open; it knows every mapping open
 * at the moment, any number, and forgets one at mapfile_close) turns into
 * a page of zeros plus this flag, so the run ends with "file changed while
 * reading" instead of a crash. Also true when the file's size now differs from its
 * size at open. */
bool mapfile_changed(const struct mapfile *m);

/* Copy [off, off + len) (within the size at open) into buf: pread for a
 * file, memcpy for a view of memory. 0, or -1 with errno set when the read
 * failed or the file ended early (it shrank: mapfile_changed is then true
 * and errno is 0). */
int mapfile_read(const struct mapfile *m, size_t off, void *buf, size_t len);
/* Drop the pages of [off, off + len) from this process (page-aligned
 * inward; the page cache keeps them). */
void mapfile_release(const struct mapfile *m, size_t off, size_t len);

#endif
