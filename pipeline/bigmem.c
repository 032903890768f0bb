/* bigmem.c - huge-page backed zeroed allocations (see bigmem.h). */
#include "bigmem.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_MIN ((size_t)2 << 20)

static size_t round_up(size_t n) { return (n + HUGE_MIN - 1) & ~(HUGE_MIN - 1); }

void *bigmem_alloc(size_t size)
{
    if (size < HUGE_MIN)
        return calloc(1, size ? size : 1);
    void *p = mmap(NULL, round_up(size), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                   0);
    if (p == MAP_FAILED)
        return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, round_up(size), MADV_HUGEPAGE);
#endif
    return p;
}

void *bigmem_grow(void *p, size_t old, size_t size)
{
    void *q = bigmem_alloc(size);
    if (!q)
        return NULL;
    if (p && old)
        memcpy(q, p, old);
    bigmem_free(p, old);
    return q;
}

void bigmem_free(void *p, size_t size)
{
    if (!p)
        return;
    if (size < HUGE_MIN)
        free(p);
    else
        munmap(p, round_up(size));
}
