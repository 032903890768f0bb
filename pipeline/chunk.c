/* chunk.c - chunk ranges, the quote-count chain and page release (see chunk.h). */
#include "chunk.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "scan.h"

#ifndef CHUNK_RELEASE_STEP
#define CHUNK_RELEASE_STEP ((size_t)1 << 20) /* the frontier releases in steps of 1 MiB */
#endif
/* A chunk finished this far (in bytes) past the first unfinished one has its
 * own pages released at once: a worker descheduled in the middle of a chunk
 * (a busy machine) would otherwise pin every page the others map after it. */
#ifndef CHUNK_LAG_RELEASE
#define CHUNK_LAG_RELEASE ((size_t)2 << 20)
#endif

struct chunker {
    const struct mapfile *m;
    size_t begin, size, n;
    uint8_t quote;
    pthread_mutex_t mu;
    /* published counts */
    uint64_t *quotes, *nl;
    uint8_t *ready;
    /* prefix sums, valid below `known` */
    uint8_t *inq;
    uint64_t *nlb;
    size_t known;
    uint64_t parity, lines; /* running sums at chunk `known` */
    /* finished chunks */
    uint8_t *done;
    size_t done_upto; /* chunks 0..done_upto-1 are finished */
    size_t released;  /* bytes below this were released */
};

struct chunker *chunker_create(const struct mapfile *m, size_t begin, size_t size, uint8_t quote,
                               struct pcsv_error *err)
{
    size_t len = m->size > begin ? m->size - begin : 0;
    size = size ? size : 1;
    size_t n = (len + size - 1) / size;
    if (n > CHUNK_MAX_CHUNKS) {
        pcsv_error_set(err, PCSV_EUSAGE, 0, m->path, 0,
                       "--chunk-size %zu cuts this file into more than %zu chunks; use a larger one",
                       size, (size_t)CHUNK_MAX_CHUNKS);
        return NULL;
    }
    struct chunker *c = calloc(1, sizeof *c);
    if (c) {
        c->quotes = calloc(n + 1, sizeof *c->quotes);
        c->nl = calloc(n + 1, sizeof *c->nl);
        c->ready = calloc(n + 1, 1);
        c->inq = calloc(n + 1, 1);
        c->nlb = calloc(n + 1, sizeof *c->nlb);
        c->done = calloc(n + 1, 1);
    }
    if (!c || !c->quotes || !c->nl || !c->ready || !c->inq || !c->nlb || !c->done) {
        chunker_destroy(c);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    c->m = m;
    c->begin = begin;
    c->size = size;
    c->n = n;
    c->quote = quote;
    pthread_mutex_init(&c->mu, NULL);
    return c;
}

void chunker_destroy(struct chunker *c)
{
    if (!c)
        return;
    if (c->m)
        pthread_mutex_destroy(&c->mu);
    free(c->quotes);
    free(c->nl);
    free(c->ready);
    free(c->inq);
    free(c->nlb);
    free(c->done);
    free(c);
}

size_t chunker_nchunks(const struct chunker *c) { return c->n; }

void chunker_range(const struct chunker *c, size_t k, size_t *a, size_t *e)
{
    *a = c->begin + k * c->size;
    *e = *a + c->size > c->m->size ? c->m->size : *a + c->size;
}

void chunker_count(struct chunker *c, size_t k)
{
    size_t a, e;
    chunker_range(c, k, &a, &e);
    mapfile_populate(c->m, a, e - a);
    uint64_t q, nl;
    scan_count(c->m->data + a, e - a, c->quote, &q, &nl);
    pthread_mutex_lock(&c->mu);
    if (!c->ready[k]) { /* a helper may have counted it already: same numbers */
        c->quotes[k] = q;
        c->nl[k] = nl;
        c->ready[k] = 1;
        while (c->known < c->n && c->ready[c->known]) {
            c->inq[c->known] = c->parity & 1;
            c->nlb[c->known] = c->lines;
            c->parity += c->quotes[c->known];
            c->lines += c->nl[c->known];
            c->known++;
        }
    }
    pthread_mutex_unlock(&c->mu);
}

void chunker_state(struct chunker *c, size_t k, bool *in_quote, uint64_t *lines_before)
{
    pthread_mutex_lock(&c->mu);
    while (c->known <= k) {
        size_t j = c->known;
        pthread_mutex_unlock(&c->mu);
        chunker_count(c, j); /* help rather than wait (see chunk.h) */
        pthread_mutex_lock(&c->mu);
    }
    *in_quote = c->inq[k];
    *lines_before = c->nlb[k];
    pthread_mutex_unlock(&c->mu);
}

void chunker_done(struct chunker *c, size_t k)
{
    size_t from = 0, to = 0;
    pthread_mutex_lock(&c->mu);
    c->done[k] = 1;
    while (c->done_upto < c->n && c->done[c->done_upto])
        c->done_upto++;
    /* A chunk's last row may run into later chunks, and a scan looks one
     * byte back: only bytes before the first unfinished chunk, less one, are
     * safe to drop. */
    size_t safe = c->done_upto < c->n ? c->begin + c->done_upto * c->size : c->m->size;
    if (safe > 0)
        safe--;
    /* Whole pages only, and `released` stays page-aligned: the page holding
     * `safe` is released by a later step (rounding it away every time left
     * one page behind per step: 1 MiB of RSS per GiB of input). */
    safe &= ~(c->m->page - 1);
    if (safe > c->released + CHUNK_RELEASE_STEP || (c->done_upto == c->n && safe > c->released)) {
        from = c->released;
        to = safe;
        c->released = safe;
    }
    /* Far ahead of the frontier: this chunk's pages go now. Any byte may
     * still be read later (a row of an earlier chunk running into it): it
     * is then mapped again from the page cache, so this is only ever a
     * question of speed, and it happens only when the frontier is stuck. */
    bool lagging = k > c->done_upto && (k - c->done_upto) * c->size > CHUNK_LAG_RELEASE;
    pthread_mutex_unlock(&c->mu);
    if (to > from)
        mapfile_release(c->m, from, to - from);
    if (lagging)
        mapfile_release(c->m, c->begin + k * c->size, c->size);
}
