/* chunk.c - chunk ranges and the quote-count chain (see chunk.h). */
#include "chunk.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "scan.h"

/* Pieces in which a helper reads a chunk it counts for another worker. */
#define CHUNK_HELP_PIECE 16384

struct chunker {
    const struct mapfile *m;
    size_t begin, end, size, n;
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
};

struct chunker *chunker_create(const struct mapfile *m, size_t begin, size_t size, uint8_t quote,
                               struct pcsv_error *err)
{
    return chunker_create_to(m, begin, m->size, size, quote, err);
}

struct chunker *chunker_create_to(const struct mapfile *m, size_t begin, size_t end, size_t size,
                                  uint8_t quote, struct pcsv_error *err)
{
    if (end > m->size)
        end = m->size;
    size_t len = end > begin ? end - begin : 0;
    size = size ? size : 1;
    size_t n = (len + size - 1) / size;
    if (n > CHUNK_MAX_CHUNKS) {
        pcsv_error_set(
            err, PCSV_EUSAGE, 0, m->path, 0,
            "--chunk-size %zu cuts this file into more than %zu chunks; use a larger one", size,
            (size_t)CHUNK_MAX_CHUNKS);
        return NULL;
    }
    struct chunker *c = calloc(1, sizeof *c);
    if (c) {
        c->quotes = calloc(n + 1, sizeof *c->quotes);
        c->nl = calloc(n + 1, sizeof *c->nl);
        c->ready = calloc(n + 1, 1);
        c->inq = calloc(n + 1, 1);
        c->nlb = calloc(n + 1, sizeof *c->nlb);
    }
    if (!c || !c->quotes || !c->nl || !c->ready || !c->inq || !c->nlb) {
        chunker_destroy(c);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    c->m = m;
    c->begin = begin;
    c->end = end;
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
    free(c);
}

size_t chunker_nchunks(const struct chunker *c) { return c->n; }

void chunker_range(const struct chunker *c, size_t k, size_t *a, size_t *e)
{
    *a = c->begin + k * c->size;
    *e = *a + c->size > c->end ? c->end : *a + c->size;
}

int chunker_count(struct chunker *c, size_t k, const uint8_t *bytes, uint64_t *quotes)
{
    size_t a, e;
    chunker_range(c, k, &a, &e);
    uint64_t q = 0, nl = 0;
    if (bytes || c->m->fd < 0) {
        scan_count(bytes ? bytes : c->m->data + a, e - a, c->quote, &q, &nl);
    } else {
        uint8_t piece[CHUNK_HELP_PIECE];
        for (size_t at = a; at < e; at += sizeof piece) {
            size_t len = e - at < sizeof piece ? e - at : sizeof piece;
            uint64_t pq, pn;
            if (mapfile_read(c->m, at, piece, len) < 0)
                return -1;
            scan_count(piece, len, c->quote, &pq, &pn);
            q += pq;
            nl += pn;
        }
    }
    if (quotes)
        *quotes = q;
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
    return 0;
}

int chunker_state(struct chunker *c, size_t k, bool *in_quote, uint64_t *lines_before)
{
    pthread_mutex_lock(&c->mu);
    while (c->known <= k) {
        size_t j = c->known;
        pthread_mutex_unlock(&c->mu);
        if (chunker_count(c, j, NULL, NULL) < 0) /* help rather than wait (see chunk.h) */
            return -1;
        pthread_mutex_lock(&c->mu);
    }
    *in_quote = c->inq[k];
    *lines_before = c->nlb[k];
    pthread_mutex_unlock(&c->mu);
    return 0;
}

int chunker_totals(struct chunker *c, bool *in_quote, uint64_t *lines)
{
    *in_quote = false;
    *lines = 0;
    if (!c->n)
        return 0;
    bool q;
    uint64_t l;
    if (chunker_state(c, c->n - 1, &q, &l) < 0)
        return -1;
    pthread_mutex_lock(&c->mu);
    *in_quote = c->parity & 1;
    *lines = c->lines;
    pthread_mutex_unlock(&c->mu);
    return 0;
}
