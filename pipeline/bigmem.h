/* bigmem.h - large zeroed tables backed by transparent huge pages.
 *
 * A group table with a million groups is probed at random: with 4 KiB pages
 * nearly every probe also misses the TLB. Tables of 2 MiB and more are
 * mapped anonymously (zeroed by the kernel) and marked MADV_HUGEPAGE, which
 * cuts those misses by 512x where the kernel allows huge pages; smaller
 * ones come from calloc.
 *
 * Threading: like malloc.
 */
#ifndef PCSV_BIGMEM_H
#define PCSV_BIGMEM_H

#include <stddef.h>

/* size bytes of zeroes, or NULL. */
void *bigmem_alloc(size_t size);
/* Grow p (old bytes) to size bytes; the new tail is zeroed. NULL on
 * failure (p is then untouched). */
void *bigmem_grow(void *p, size_t old, size_t size);
void bigmem_free(void *p, size_t size);

#endif
