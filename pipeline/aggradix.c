/* aggradix.c - radix partitions, spilling and the merged result (see aggradix.h). */
#define _GNU_SOURCE /* qsort_r */
#include "aggradix.h"

#include "scan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "../io/spillfile.h"
#include "agg_internal.h"
#include "agg_result.h"
#include "aggstate.h"
#include "pipeline.h"

/* Hash partitions: enough that one, finished alone, is a small share of
 * the groups; few enough that their files stay well under the limit of
 * open files. */
#define NPARTS 256
/* A worker's partial is flushed past FLUSH_GROUPS groups even when memory
 * allows more; once anything was flushed (the groups are many), past
 * FLUSH_SMALL: a table that stays in cache takes rows faster, and its
 * blocks are cheap to combine later, partition by partition. Below
 * FLUSH_GROUPS, one table per worker and agg_combine are faster (a group
 * meets its rows in one place). PCSV_AGG_FLUSH_GROUPS and
 * PCSV_AGG_FLUSH_SMALL override them, for measuring. */
#define FLUSH_GROUPS ((size_t)2 << 20)
/* (a batch's rows short of 32K: a table is checked after each batch of
 * SCAN_BATCH_ROWS, and its index doubles past half full, so 32K would
 * flush at up to 32K + 255 groups from a 2 MiB index that every flush
 * clears; below it, the index stays at 1 MiB, in L2) */
#define FLUSH_SMALL (((size_t)32 << 10) - SCAN_BATCH_ROWS)
#define PROBE_GROUPS ((size_t)256 << 10)
/* A worker whose flushed table had found fewer hits than one row in
 * APPEND_HITS gathers its rows without a look-up for the next APPEND_RUN
 * - 1 flushes (flush). */
#define APPEND_HITS 64
#define APPEND_RUN 16
/* Workers' tables this large are finished through the partitions even if
 * none was flushed (aggradix_wanted). */
#define FINISH_GROUPS ((size_t)256 << 10)
/* A result in key order of at least BUCKET_ROWS groups, every block in
 * memory, is finished into key-range buckets instead of sorted runs
 * (bucket_wanted; PCSV_AGG_BUCKET_ROWS overrides it, for tests). */
#define BUCKET_ROWS ((size_t)1 << 20)
#define NBUCKETS 1024
/* The buckets' blocks (struct bset): a chain's first BLOCK_FIRST bytes,
 * doubling to a largest between BLOCK_MIN and BLOCK_MAX (by the result's
 * size), carved from arenas of BSET_ARENA in huge pages. */
#define BLOCK_MIN ((size_t)4 << 10)
#define BLOCK_FIRST ((size_t)1 << 10) /* a chain's first block */
#define BLOCK_MAX ((size_t)16 << 10)
#define BSET_ARENA ((size_t)4 << 20)

/* Append-only chains of mapped segments: blocks and runs of rows live in
 * them, so memory handed back by a finished partition goes back to the
 * system at once (no heap to fragment) and nothing is ever copied to grow. */
#define SEG_BYTES ((size_t)1 << 20)
#define HUGE_SEG ((size_t)2 << 20)

struct seg {
    struct seg *next;
    size_t len, cap, map; /* map: bytes mapped, this header included */
    uint8_t data[];
};

struct segs {
    struct seg *head, *tail;
    size_t bytes;
};

/* Free full-size segments wait in a pool for the next one needed: as
 * partitions are finished, the segments of their decoded blocks become
 * those of their runs, without a page fault or a munmap each. At most
 * POOL_MAX wait; the pool is the process's (the one piece of state here
 * outside struct aggradix), behind its own lock. */
#define POOL_MAX 64
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct seg *pool; /* pool_mu */
static size_t pool_n;    /* pool_mu */

static struct seg *seg_map(size_t map)
{
    struct seg *g = NULL;
    if (map == SEG_BYTES) {
        pthread_mutex_lock(&pool_mu);
        if ((g = pool)) {
            pool = g->next;
            pool_n--;
        }
        pthread_mutex_unlock(&pool_mu);
    }
    if (!g) {
        g = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (g == MAP_FAILED)
            return NULL;
#ifdef MADV_HUGEPAGE
        if (map >= HUGE_SEG)
            madvise(g, map, MADV_HUGEPAGE);
#endif
    }
    g->next = NULL;
    g->len = 0;
    g->map = map;
    g->cap = map - sizeof *g;
    return g;
}

/* Unmap every pooled segment. */
static void pool_drain(void)
{
    pthread_mutex_lock(&pool_mu);
    struct seg *g = pool;
    pool = NULL;
    pool_n = 0;
    pthread_mutex_unlock(&pool_mu);
    while (g) {
        struct seg *n = g->next;
        munmap(g, g->map);
        g = n;
    }
}

/* Room for n bytes at the end of s (a new segment if the last has less);
 * segs_commit then keeps them. NULL on ENOMEM. */
static uint8_t *segs_room(struct segs *s, size_t n)
{
    if (s->tail && s->tail->cap - s->tail->len < n && s->tail->next &&
        s->tail->next->cap >= n) { /* rewound: the next one again */
        s->tail = s->tail->next;
        return s->tail->data;
    }
    if (!s->tail || s->tail->cap - s->tail->len < n) {
        /* 64 KiB first, doubling to SEG_BYTES: a hundred partitions with a
         * few blocks each do not map a hundred MiB */
        size_t seg = s->tail && s->tail->map < SEG_BYTES ? 2 * s->tail->map : SEG_BYTES;
        if (!s->tail)
            seg = SEG_BYTES / 16;
        /* a chain past HUGE_SEG (a large partition's blocks) goes on in
         * huge pages: a fault each 2 MiB instead of each 4 KiB */
        if (s->bytes >= HUGE_SEG)
            seg = HUGE_SEG;
        size_t map = sizeof(struct seg) + n > seg ? sizeof(struct seg) + n : seg;
        map = (map + 4095) & ~(size_t)4095;
        struct seg *g = seg_map(map);
        if (!g)
            return NULL;
        if (s->tail) {
            g->next = s->tail->next; /* (rewound: the rest, still empty) */
            s->tail->next = g;
        } else {
            s->head = g;
        }
        s->tail = g;
    }
    return s->tail->data + s->tail->len;
}

/* Empty s, keeping its segments for segs_room to fill again: no fault and
 * no clearing of fresh pages the next time (a thread's scratch, partition
 * after partition). */
static void segs_rewind(struct segs *s)
{
    for (struct seg *g = s->head; g; g = g->next)
        g->len = 0;
    s->tail = s->head;
    s->bytes = 0;
}

static void segs_commit(struct segs *s, size_t n)
{
    s->tail->len += n;
    s->bytes += n;
}

/* The first segment, taken off s (the caller frees it with seg_free). */
static struct seg *segs_pop(struct segs *s)
{
    struct seg *g = s->head;
    if (g) {
        s->head = g->next;
        if (!s->head)
            s->tail = NULL;
        s->bytes -= g->len;
        g->next = NULL;
    }
    return g;
}

static void seg_free(struct seg *g)
{
    if (!g)
        return;
    if (g->map == SEG_BYTES) {
        pthread_mutex_lock(&pool_mu);
        bool kept = pool_n < POOL_MAX;
        if (kept) {
            g->next = pool;
            pool = g;
            pool_n++;
        }
        pthread_mutex_unlock(&pool_mu);
        if (kept)
            return;
    }
    munmap(g, g->map);
}

static void segs_free(struct segs *s)
{
    struct seg *g;
    while ((g = segs_pop(s)))
        seg_free(g);
}

/* A sorted run of rendered rows: in memory (mem), or in file. Record:
 * varint length, the first two keys' 8-byte order-preserving images, then per key (varint length, bytes); for a --sort result
 * column: null byte, then (numeric) the double and the exact value, or
 * (text) varint length and bytes; then varint length and the row's
 * bytes in the output format. */
/* Every MARK_EVERY-th record of a run in memory is marked (its segment and
 * offset), so that a sorted run can be split by value for a parallel
 * merge without reading it all. */
#define MARK_EVERY 64

struct mark {
    struct seg *seg;
    size_t off;
};

struct run {
    struct segs mem;
    struct mark *marks;
    size_t nmarks, capmarks, nrows;
    struct spillfile *file;
    bool sort_numeric; /* how its rows were sorted */
    bool empty;
};

/* Bucketed, once the splitters are known: a finishing thread's rows by
 * bucket, each bucket a chain of blocks carved from arenas of huge pages
 * (a chain's first block small, then doubling to blk: a thousand buckets
 * on every thread do not hold a thousand full blocks each). A rendered row
 * goes to its bucket's chain from a small pending buffer (in L1) and is
 * read once more, when its bucket is sorted: not written to a partition's
 * run and copied to its bucket's place after. */
struct bchain {
    uint8_t *w, *end; /* where the next record goes, in tail (its len is
                       * brought up to date by bsets_close: a record
                       * written touches no block header) */
    struct seg *head, *tail;
    size_t n; /* records */
};

struct bset {
    _Alignas(64) struct bchain *c; /* [nb] (a set's lines are its thread's alone) */
    struct seg *arenas;            /* (linked by next; a block mapped alone, for a
                                 * record past blk, is only in its chain) */
    uint8_t *room;                 /* the last arena's room not carved yet */
    size_t left;
    size_t blk;    /* a chain's largest block, its header included */
    uint8_t *pend; /* a record being written, before its bucket is known */
    size_t pendcap;
    struct rec *t; /* scratch for bucket_of (made on the first tie) */
};

/* A partition's blocks: in memory as (u32 length, block) in segments;
 * spilled, a segment at a time as one spill block. */
struct rpart {
    pthread_mutex_t mu;
    struct segs blocks;
    struct spillfile *file;
    size_t nrec; /* records in all its blocks: at most its groups */
};

struct order;
struct split;

/* A flush's buffers, one a partition; kept, with their room, for the next
 * flush (a worker flushes every 32K groups: 256 buffers grown from nothing
 * each time were mostly reallocation and copying). A buffer grown past
 * FBUF_KEEP (a first flush of millions of groups) is freed instead: kept,
 * 256 of them would hold memory outside every budget. */
#define FBUF_KEEP ((size_t)64 << 10)
struct fbufs {
    struct fbufs *next;
    struct aggstate_buf b[NPARTS];
};

struct aggradix {
    const struct agg_plan *plan;
    struct aggradix_cfg cfg;
    struct rpart parts[NPARTS];
    struct run runs[NPARTS];
    size_t worker_bytes, worker_groups; /* a worker flushes past either */
    size_t worker_groups_small;         /* worker_groups once anything was flushed */
    size_t block_budget, run_budget;
    _Atomic size_t block_mem, run_mem;
    atomic_bool used;
    _Atomic uint64_t spilled;
    pthread_mutex_t spill_mu; /* one thread spills blocks at a time */
    pthread_mutex_t fbufs_mu;
    struct fbufs *fbufs; /* free sets; fbufs_mu */
    pthread_mutex_t err_mu;
    struct pcsv_error err;
    char tmpdir[4096];
    /* finishing */
    bool *key_numeric;
    const struct order *ord;
    _Atomic int next;
    /* bucketed (bucket_wanted): the key range is cut at nb - 1 splitters,
     * rows of the first partition finished, taken at even ranks (the
     * partitions are hash partitions: any one is a sample of all keys) */
    bool bucketed;
    int nb;
    struct split *spl;
    uint64_t *sp0; /* [nb - 1]: their first keys' images */
    /* the images' range [blo, bhi] cut in bins of 2^bshift: bin k's
     * splitters are sp0[btab[k], btab[k + 1]) (see below_one) */
    uint16_t *btab;
    uint64_t blo, bhi;
    int bshift;
    struct bset *bsets; /* [nsets]: one a finishing thread, and the first partition's */
    int nsets;
};

static void splits_free(struct aggradix *r);
static void bsets_free(struct aggradix *r);

static int keep_error(struct aggradix *r, const struct pcsv_error *e)
{
    pthread_mutex_lock(&r->err_mu);
    if (!r->err.code)
        r->err = *e;
    pthread_mutex_unlock(&r->err_mu);
    return -1;
}

static int nomem(struct aggradix *r)
{
    struct pcsv_error e = {0};
    pcsv_error_set(&e, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    return keep_error(r, &e);
}

struct aggradix *aggradix_create(const struct agg_plan *plan, const struct aggradix_cfg *cfg,
                                 struct pcsv_error *err)
{
    struct aggradix *r = calloc(1, sizeof *r);
    if (!r) {
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    r->plan = plan;
    r->cfg = *cfg;
    size_t lim = cfg->memory_limit, jobs = (size_t)(cfg->jobs > 0 ? cfg->jobs : 1);
    r->worker_bytes = lim / 4 / jobs;
    const char *env = getenv("PCSV_AGG_FLUSH_GROUPS");
    r->worker_groups = env && atol(env) > 0 ? (size_t)atol(env) : FLUSH_GROUPS;
    env = getenv("PCSV_AGG_FLUSH_SMALL");
    r->worker_groups_small = env && atol(env) > 0 ? (size_t)atol(env) : FLUSH_SMALL;
    r->block_budget = lim / 4;
    r->run_budget = lim / 4;
    for (int i = 0; i < NPARTS; i++)
        pthread_mutex_init(&r->parts[i].mu, NULL);
    pthread_mutex_init(&r->spill_mu, NULL);
    pthread_mutex_init(&r->fbufs_mu, NULL);
    pthread_mutex_init(&r->err_mu, NULL);
    const char *d = cfg->tmpdir && *cfg->tmpdir ? cfg->tmpdir : getenv("TMPDIR");
    snprintf(r->tmpdir, sizeof r->tmpdir, "%s", d && *d ? d : "/tmp");
    return r;
}

void aggradix_destroy(struct aggradix *r)
{
    if (!r)
        return;
    for (int i = 0; i < NPARTS; i++) {
        struct rpart *p = &r->parts[i];
        segs_free(&p->blocks);
        spillfile_destroy(p->file);
        pthread_mutex_destroy(&p->mu);
        segs_free(&r->runs[i].mem);
        free(r->runs[i].marks);
        spillfile_destroy(r->runs[i].file);
    }
    for (struct fbufs *f = r->fbufs, *n; f; f = n) {
        n = f->next;
        for (int i = 0; i < NPARTS; i++)
            free(f->b[i].p);
        free(f);
    }
    free(r->key_numeric);
    bsets_free(r);
    splits_free(r);
    pool_drain();
    pthread_mutex_destroy(&r->spill_mu);
    pthread_mutex_destroy(&r->fbufs_mu);
    pthread_mutex_destroy(&r->err_mu);
    free(r);
}

bool aggradix_used(const struct aggradix *r) { return atomic_load(&r->used); }

bool aggradix_wanted(const struct aggradix *r, struct agg_part *const *parts, int n)
{
    if (atomic_load(&r->used))
        return true;
    /* a large result is sorted and printed faster by the partitions, on
     * every thread, than by agg_result_write on one */
    size_t most = 0;
    for (int i = 0; i < n; i++)
        if (agg_part_groups(parts[i]) > most)
            most = agg_part_groups(parts[i]);
    const char *env = getenv("PCSV_AGG_FINISH_GROUPS");
    size_t at = env && atol(env) > 0 ? (size_t)atol(env) : FINISH_GROUPS;
    return r->cfg.jobs > 1 && most >= at;
}
const struct pcsv_error *aggradix_error(const struct aggradix *r) { return &r->err; }
uint64_t aggradix_spilled(const struct aggradix *r) { return atomic_load(&r->spilled); }
const char *aggradix_tmpdir(const struct aggradix *r) { return r->tmpdir; }

/* ------------------------------------------------------------ flushing */

/* Write every block in memory to the partitions' files. */
static int spill_blocks(struct aggradix *r)
{
    pthread_mutex_lock(&r->spill_mu);
    int rc = 0;
    for (int i = 0; i < NPARTS && !rc; i++) {
        struct rpart *p = &r->parts[i];
        pthread_mutex_lock(&p->mu);
        struct segs taken = p->blocks;
        p->blocks = (struct segs){0};
        if (taken.head && !p->file) {
            struct pcsv_error e = {0};
            if (!(p->file = spillfile_create(r->tmpdir, &e)))
                rc = keep_error(r, &e);
        }
        pthread_mutex_unlock(&p->mu);
        struct seg *g;
        while ((g = segs_pop(&taken))) {
            struct pcsv_error e = {0};
            if (!rc && spillfile_put(p->file, g->data, g->len, &e))
                rc = keep_error(r, &e);
            atomic_fetch_sub(&r->block_mem, g->len);
            seg_free(g);
        }
    }
    uint64_t total = 0;
    for (int i = 0; i < NPARTS; i++)
        if (r->parts[i].file)
            total += spillfile_bytes(r->parts[i].file);
    for (int i = 0; i < NPARTS; i++)
        if (r->runs[i].file)
            total += spillfile_bytes(r->runs[i].file);
    atomic_store(&r->spilled, total);
    pthread_mutex_unlock(&r->spill_mu);
    return rc;
}

/* Encode a's groups into the partitions and reset a; then, when its rows
 * found almost no groups again, the partial only gathers them (each row a
 * group, agg_part_set_append) until the next flush, but one in APPEND_RUN,
 * which looks its keys up again to measure. */
static int flush(struct aggradix *r, struct agg_part *a)
{
    uint64_t rows = agg_part_rows(a);
    size_t ng = agg_part_groups(a);
    bool was = agg_part_appending(a);
    pthread_mutex_lock(&r->fbufs_mu);
    struct fbufs *fb = r->fbufs;
    if (fb)
        r->fbufs = fb->next;
    pthread_mutex_unlock(&r->fbufs_mu);
    if (!fb && !(fb = calloc(1, sizeof *fb)))
        return nomem(r);
    struct aggstate_buf *bufs = fb->b;
    if (aggstate_encode(a, bufs, NPARTS) < 0) {
        for (int i = 0; i < NPARTS; i++)
            free(bufs[i].p);
        free(fb);
        return nomem(r);
    }
    agg_part_reset(a);
    if (!was)            /* measured: fewer hits than one row in APPEND_HITS? */
        a->append_left = /* (rows: none when its groups came decoded, as in merge) */
            ng && rows && (uint64_t)ng * APPEND_HITS >= rows * (APPEND_HITS - 1) ? APPEND_RUN : 0;
    if (a->append_left)
        a->append_left--;
    agg_part_set_append(a, a->append_left > 0);
    atomic_store(&r->used, true);
    size_t total = 0;
    int rc = 0;
    for (int i = 0; i < NPARTS; i++) {
        struct aggstate_buf *b = &bufs[i];
        if (!b->len)
            continue;
        struct rpart *p = &r->parts[i];
        pthread_mutex_lock(&p->mu);
        uint8_t *q = segs_room(&p->blocks, 4 + b->len);
        if (q) {
            uint32_t l = (uint32_t)b->len;
            memcpy(q, &l, 4);
            memcpy(q + 4, b->p, b->len);
            segs_commit(&p->blocks, 4 + b->len);
            p->nrec += b->nrec;
            total += 4 + b->len;
        } else {
            rc = nomem(r);
        }
        pthread_mutex_unlock(&p->mu);
        b->len = b->nrec = 0;
        if (b->cap > FBUF_KEEP) {
            free(b->p);
            b->p = NULL;
            b->cap = 0;
        }
    }
    pthread_mutex_lock(&r->fbufs_mu);
    fb->next = r->fbufs;
    r->fbufs = fb;
    pthread_mutex_unlock(&r->fbufs_mu);
    if (atomic_fetch_add(&r->block_mem, total) + total > r->block_budget && !rc)
        rc = spill_blocks(r);
    return rc;
}

/* Whether the input has more than d distinct keys, judging by a table
 * that holds n groups after r rows, if keys arrive at random: d keys would
 * fill it to d (1 - e^(-r/d)) groups, which grows with d, so more groups
 * than that mean more keys. */
static bool more_keys_than(double d, double n, double r) { return n > d * -expm1(-r / d); }

int aggradix_maybe_flush(struct aggradix *r, struct agg_part *a)
{
    /* Past PROBE_GROUPS, a worker whose rows promise far more groups than
     * FLUSH_GROUPS flushes at once: a table that will not fit in cache is
     * cheaper to partition early than to fill first */
    size_t ng = agg_part_groups(a);
    if (!atomic_load_explicit(&r->used, memory_order_relaxed) && ng >= PROBE_GROUPS &&
        ng < r->worker_groups &&
        more_keys_than(2.0 * (double)r->worker_groups, (double)ng, (double)agg_part_rows(a)))
        return flush(r, a);
    size_t cap = atomic_load_explicit(&r->used, memory_order_relaxed) ? r->worker_groups_small
                                                                      : r->worker_groups;
    if (agg_part_groups(a) < cap && agg_part_bytes(a) <= r->worker_bytes)
        return 0;
    if (agg_part_groups(a) == 0)
        return 0;
    return flush(r, a);
}

/* ------------------------------------------------------------ finishing */

static uint64_t get_u(const uint8_t **pp, const uint8_t *end)
{
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (int sh = 0; p < end && sh < 64; sh += 7) {
        uint8_t c = *p++;
        v |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80))
            break;
    }
    *pp = p;
    return v;
}

struct fin;
static int choose_splits(struct aggradix *r, const struct fin *f);
static int bins_make(struct aggradix *r);
static int bset_feed(struct aggradix *r, struct bset *s, const struct fin *f);

struct fin {
    struct aggradix *r;
    struct run *run;
    struct outsink *sink;
    struct segs scratch;   /* the records as they come */
    const uint8_t **slots; /* [rank]: each record, in output order */
    size_t nslots;
    struct bset *set; /* or the records straight to their buckets */
    size_t nrows;     /* (how many went there) */
    bool failed;
};

static uint8_t *bset_room(struct bset *s, size_t n);
static int bset_place(const struct aggradix *r, struct bset *s, const uint8_t *q);

static void begin_rows(void *ctx, size_t n)
{
    struct fin *f = ctx;
    f->nslots = n;
    if (f->set)
        return;
    f->slots = calloc(n + 1, sizeof *f->slots);
    f->failed |= f->slots == NULL;
}

/* Append record q of len bytes to the run (marking every MARK_EVERY-th). */
static bool run_append(struct run *run, const uint8_t *q, size_t len)
{
    uint8_t *d = segs_room(&run->mem, len);
    if (!d)
        return false;
    if (run->nrows++ % MARK_EVERY == 0) {
        if (run->nmarks == run->capmarks) {
            size_t nc = run->capmarks ? 2 * run->capmarks : 64;
            struct mark *m = realloc(run->marks, nc * sizeof *m);
            if (!m)
                return false;
            run->marks = m;
            run->capmarks = nc;
        }
        run->marks[run->nmarks++] = (struct mark){run->mem.tail, (size_t)(d - run->mem.tail->data)};
    }
    memcpy(d, q, len);
    segs_commit(&run->mem, len);
    return true;
}

/* agg_result_rows' callback: one rendered row and its sort facts. */
static void add_row(void *ctx, const struct agg_result_row *row)
{
    struct fin *f = ctx;
    const struct agg_plan *p = f->r->plan;
    size_t rl;
    const void *rb = outsink_take(f->sink, &rl);
    size_t need = 26 + rl + 10 + 1 + 8 + sizeof(struct xnum) + 10 + row->sort_len;
    for (int k = 0; k < p->nkeys; k++)
        need += 10 + row->klen[k];
    uint8_t *q = f->failed || row->rank >= f->nslots ? NULL
                 : f->set                            ? bset_room(f->set, need + 10)
                                                     : segs_room(&f->scratch, need + 10);
    if (!q) {
        f->failed = true;
        return;
    }
    if (!f->set)
        f->slots[row->rank] = q;
    /* written as a buffer over the room, committed at the end */
    struct aggstate_buf bb = {.p = q, .len = 0, .cap = need + 10}, *b = &bb;
    size_t at = b->len;
    b->len += 5; /* the record's length, as a fixed 5-byte varint */
    memcpy(b->p + b->len, row->key_prefix, 16);
    b->len += 16;
    for (int k = 0; k < p->nkeys; k++) {
        aggstate_put_u(b, row->klen[k]);
        memcpy(b->p + b->len, row->key[k], row->klen[k]);
        b->len += row->klen[k];
    }
    if (p->sort_col >= p->nkeys) { /* flags: 1 null, 2 numeric, 4 text */
        b->p[b->len++] = (uint8_t)((row->sort_null ? 1 : 0) | (row->sort_x ? 2 : 0) |
                                   (row->sort_p ? 4 : 0));
        if (row->sort_x) {
            memcpy(b->p + b->len, &row->sort_d, 8);
            memcpy(b->p + b->len + 8, row->sort_x, sizeof *row->sort_x);
            b->len += 8 + sizeof *row->sort_x;
        }
        if (row->sort_p) {
            aggstate_put_u(b, row->sort_len);
            memcpy(b->p + b->len, row->sort_p, row->sort_len);
            b->len += row->sort_len;
        }
    }
    aggstate_put_u(b, rl);
    memcpy(b->p + b->len, rb, rl);
    b->len += rl;
    aggstate_put_len5(b->p + at, b->len - at - 5);
    if (!f->set) {
        segs_commit(&f->scratch, b->len);
    } else {
        f->nrows++;
        f->failed |= bset_place(f->r, f->set, q) < 0; /* (q: the set's pend) */
    }
}

/* Write a run's records to a temporary file, in spill blocks of whole
 * records of about RUN_BLOCK bytes: the merge holds one block of every
 * run at once. */
#define RUN_BLOCK ((size_t)64 << 10)

static int spill_run(struct aggradix *r, struct run *run, struct pcsv_error *err)
{
    free(run->marks); /* they point into memory */
    run->marks = NULL;
    run->nmarks = run->capmarks = 0;
    if (!(run->file = spillfile_create(r->tmpdir, err)))
        return err->code;
    struct seg *g;
    int rc = 0;
    while ((g = segs_pop(&run->mem))) {
        const uint8_t *p = g->data, *end = p + g->len;
        while (p < end && !rc) {
            const uint8_t *q = p;
            while (q < end && (size_t)(q - p) < RUN_BLOCK) {
                const uint8_t *t = q;
                uint64_t l = get_u(&t, end);
                q = t + l;
            }
            if (spillfile_put(run->file, p, (size_t)(q - p), err))
                rc = err->code;
            p = q;
        }
        atomic_fetch_sub(&r->run_mem, g->len);
        seg_free(g);
    }
    return rc;
}

/* The whole input's column facts, from the workers' partials (which keep
 * them across flushes), made those of partial a. */
struct facts {
    int *scale;
    uint8_t *flags;
};

/* Decode the (u32 length, block) pairs of one segment into a. */
static int decode_blocks(struct agg_part *a, const uint8_t *p, size_t n, struct pcsv_error *err)
{
    size_t o = 0;
    while (o + 4 <= n) {
        uint32_t l;
        memcpy(&l, p + o, 4);
        if (l > n - o - 4)
            break;
        int rc = aggstate_decode(a, p + o + 4, l, o + 4, err);
        if (rc)
            return rc;
        o += 4 + (size_t)l;
    }
    if (o != n)
        return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0, "corrupt aggregate state at byte %zu",
                              o);
    return 0;
}

/* Partition i's groups into a (emptied first), with the whole input's
 * facts; its blocks are freed. */
static int load_part(struct aggradix *r, int i, struct agg_part *a, const struct facts *fx,
                     struct pcsv_error *err)
{
    struct rpart *rp = &r->parts[i];
    agg_part_reset(a);
    int rc = 0;
    /* its groups are at most its records; a table sized for them at once
     * never rehashes (bounded by a share of the memory limit) */
    size_t jobs = (size_t)(r->cfg.jobs > 0 ? r->cfg.jobs : 1);
    size_t most = r->cfg.memory_limit / 4 / jobs / 256, n = rp->nrec < most ? rp->nrec : most;
    if (agg_part_reserve(a, n) < 0)
        rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    struct seg *g;
    while ((g = segs_pop(&rp->blocks))) {
        if (!rc)
            rc = decode_blocks(a, g->data, g->len, err);
        atomic_fetch_sub(&r->block_mem, g->len);
        seg_free(g);
    }
    if (rp->file && !rc) {
        struct spillcur cur = {0};
        uint8_t *buf = NULL;
        size_t cap = 0, len;
        int got;
        while ((got = spillfile_get(rp->file, &cur, &buf, &cap, &len, err)) == 1) {
            if ((rc = decode_blocks(a, buf, len, err)))
                break;
        }
        if (got < 0 && !rc)
            rc = -got;
        free(buf);
        spillfile_destroy(rp->file);
        rp->file = NULL;
    }
    if (!rc) {
        for (int v = 0; v < r->plan->nvcols; v++) {
            struct vstate *s = &a->vs[v];
            if (s->scale < fx->scale[v])
                agg_part_rescale(a, v, fx->scale[v]);
            s->has_dbl = fx->flags[v] & 1;
            s->nonnum = fx->flags[v] & 2;
            s->overflow |= (fx->flags[v] & 4) != 0;
        }
    }
    return rc;
}

/* Finish partition i in a, the thread's partial (emptied first: its
 * memory, already faulted in, serves partition after partition). */
static int finish_part(struct aggradix *r, int i, struct agg_part *a, const struct facts *fx,
                       struct segs *scratch, struct bset *set, struct pcsv_error *err)
{
    struct run *run = &r->runs[i];
    int rc = load_part(r, i, a, fx, err);
    if (!rc)
        run->empty = agg_part_groups(a) == 0;
    if (!rc && !run->empty) {
        segs_rewind(scratch);
        struct fin f = {.r = r,
                        .run = run,
                        .sink = outsink_open_mem(r->cfg.format),
                        .scratch = *scratch,
                        .set = r->nb > 0 ? set : NULL};
        /* bucketed, the first partition finished is sorted for the
         * splitters; the others need not be */
        struct agg_result_opts o = {.key_numeric = r->key_numeric,
                                    .row = add_row,
                                    .begin = begin_rows,
                                    .ctx = &f,
                                    .unsorted = r->nb > 0};
        if (!f.sink)
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        else
            rc = agg_result_rows(&a, 1, f.sink, &o, err);
        if (f.set && !rc && !f.failed) /* (every rank comes once) */
            f.failed = f.nrows != f.nslots;
        for (size_t k = 0; r->bucketed && !f.set && !rc && !f.failed && k < f.nslots; k++)
            f.failed = !f.slots[k];
        /* the first partition with rows: the splitters, then its rows */
        if (r->bucketed && !f.set && !rc && !f.failed &&
            (choose_splits(r, &f) < 0 || bset_feed(r, set, &f) < 0))
            f.failed = true;
        /* the records into the run in output order: one read each */
        for (size_t k = 0; !r->bucketed && !rc && !f.failed && k < f.nslots; k++) {
            const uint8_t *q = f.slots[k];
            if (!q) { /* (every rank comes once) */
                f.failed = true;
                break;
            }
            if (k + 8 < f.nslots)
                __builtin_prefetch(f.slots[k + 8]);
            const uint8_t *t = q;
            uint64_t len = get_u(&t, q + 5);
            if (!run_append(run, q, (size_t)(t - q) + (size_t)len))
                f.failed = true;
        }
        *scratch = f.scratch;
        free(f.slots);
        if (!rc && f.failed)
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        run->sort_numeric = o.sort_numeric;
        outsink_abort(f.sink);
    }
    /* (bucketed, the rows are in the sets, not the run) */
    if (!rc && run->mem.bytes &&
        atomic_fetch_add(&r->run_mem, run->mem.bytes) + run->mem.bytes > r->run_budget &&
        !r->bucketed)
        rc = spill_run(r, run, err);
    return rc;
}

struct team {
    struct aggradix *r;
    const struct facts *fx;
    struct pcsv_error *errs;
};

static int finish_worker(void *ctx, int t)
{
    struct team *tm = ctx;
    struct aggradix *r = tm->r;
    struct agg_part *a = agg_part_create(r->plan);
    if (!a) {
        atomic_store(&r->next, NPARTS);
        return pcsv_error_set(&tm->errs[t], PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    }
    agg_part_skip_key_facts(a); /* (the input's are in r->key_numeric) */
    struct segs scratch = {0};  /* the thread's, partition after partition */
    struct bset *set = r->nsets ? &r->bsets[t] : NULL;
    int i, rc = 0;
    while (!rc && (i = atomic_fetch_add(&r->next, 1)) < NPARTS)
        if ((rc = finish_part(r, i, a, tm->fx, &scratch, set, &tm->errs[t])))
            atomic_store(&r->next, NPARTS);
    segs_free(&scratch);
    agg_part_destroy(a);
    return rc;
}

/* ---------------------------------------------------------------- merge */

/* A record of a run, decoded for comparing. */
struct rec {
    const uint8_t *start, *end; /* the whole record */
    uint64_t prefix[2];
    uint8_t *kparsed; /* numeric key k parsed into kd, kn yet */
    const uint8_t **kp;
    size_t *kl;
    double *kd;
    struct num *kn;
    uint8_t sflags;
    double sd;
    struct xnum sx;
    const uint8_t *sp;
    size_t sl;
    const uint8_t *row;
    size_t rowlen;
};

struct order {
    const struct agg_plan *plan;
    const bool *key_numeric;
    bool sort_numeric;
};

/* Decode the record at p (within [p, end)); returns its end. */
static const uint8_t *rec_decode(const struct order *o, struct rec *h, const uint8_t *p,
                                 const uint8_t *end)
{
    const struct agg_plan *plan = o->plan;
    h->start = p;
    uint64_t len = get_u(&p, end);
    const uint8_t *e = p + len;
    h->end = e;
    memcpy(h->prefix, p, 16);
    p += 16;
    for (int k = 0; k < plan->nkeys; k++) {
        h->kl[k] = get_u(&p, e);
        h->kp[k] = p;
        p += h->kl[k];
        h->kparsed[k] = 0;
    }
    if (plan->sort_col >= plan->nkeys) {
        h->sflags = *p++;
        if (h->sflags & 2) {
            memcpy(&h->sd, p, 8);
            memcpy(&h->sx, p + 8, sizeof h->sx);
            p += 8 + sizeof h->sx;
        }
        if (h->sflags & 4) {
            h->sl = get_u(&p, e);
            h->sp = p;
            p += h->sl;
        }
    }
    h->rowlen = get_u(&p, e);
    h->row = p;
    return e;
}

/* One key column, as cmp_groups compares it: empty last, numbers by value,
 * then bytes. */
static void key_parse(struct rec *h, int k)
{
    if (!h->kparsed[k]) {
        num_parse(h->kp[k], h->kl[k], &h->kn[k]);
        h->kd[k] = num_to_double(&h->kn[k]);
        h->kparsed[k] = 1;
    }
}

static int key_cmp(const struct order *o, struct rec *a, struct rec *b, int k)
{
    if (a->kl[k] == b->kl[k] && memcmp(a->kp[k], b->kp[k], a->kl[k]) == 0)
        return 0; /* the same bytes: equal whichever way the column compares */
    if (!a->kl[k] || !b->kl[k])
        return (a->kl[k] != b->kl[k]) ? (a->kl[k] ? -1 : 1) : 0;
    int r = 0;
    if (o->key_numeric[k]) {
        key_parse(a, k);
        key_parse(b, k);
        r = (a->kd[k] > b->kd[k]) - (a->kd[k] < b->kd[k]);
        if (!r)
            r = num_cmp(&a->kn[k], &b->kn[k]);
    }
    return r ? r : bytes_cmp(a->kp[k], a->kl[k], b->kp[k], b->kl[k]);
}

/* The output order (agg_result.c's: key order, or the --sort column with
 * empty cells last and ties in key order). */
static int rec_cmp(const struct order *o, struct rec *a, struct rec *b)
{
    const struct agg_plan *p = o->plan;
    int nk = p->nkeys, sc = p->sort_col;
    if (sc >= 0 && !(sc == 0 && nk && !p->sort_desc)) {
        int r = 0;
        if (sc < nk) {
            if (!a->kl[sc] || !b->kl[sc]) {
                if (a->kl[sc] || b->kl[sc])
                    return a->kl[sc] ? -1 : 1;
            } else {
                r = key_cmp(o, a, b, sc);
            }
        } else {
            bool an = a->sflags & 1, bn = b->sflags & 1;
            if (an || bn) {
                if (an != bn)
                    return an ? 1 : -1;
            } else if (o->sort_numeric) {
                r = (a->sd > b->sd) - (a->sd < b->sd);
                if (!r)
                    r = exact_xnum_cmp(&a->sx, &b->sx);
            } else {
                r = bytes_cmp(a->sp, a->sl, b->sp, b->sl);
            }
        }
        if (r)
            return p->sort_desc ? -r : r;
    }
    /* key order: decided by the first key's image when they differ; the
     * second key's image too once the first keys are equal */
    if (a->prefix[0] != b->prefix[0])
        return a->prefix[0] < b->prefix[0] ? -1 : 1;
    for (int k = 0; k < nk; k++) {
        if (k == 1 && a->prefix[1] != b->prefix[1])
            return a->prefix[1] < b->prefix[1] ? -1 : 1;
        int r = key_cmp(o, a, b, k);
        if (r)
            return r;
    }
    return 0;
}

/* A run being read: its current block and next record. */
struct reader {
    struct run *run;
    struct seg *seg; /* in memory: the segment being read */
    const uint8_t *p, *end;
    struct seg *stop_seg; /* in memory: stop at this record (NULL: the end) */
    const uint8_t *stop_p;
    struct spillcur cur;
    uint8_t *buf;
    size_t cap;
    struct rec h;
    bool done;
};

static int rec_alloc(struct rec *h, int nk)
{
    size_t n = (size_t)nk + 1;
    h->kp = calloc(n, sizeof *h->kp);
    h->kl = calloc(n, sizeof *h->kl);
    h->kd = calloc(n, sizeof *h->kd);
    h->kn = calloc(n, sizeof *h->kn);
    h->kparsed = calloc(n, 1);
    return h->kp && h->kl && h->kd && h->kn && h->kparsed ? 0 : -1;
}

static void rec_free(struct rec *h)
{
    free(h->kp);
    free(h->kl);
    free(h->kd);
    free(h->kn);
    free(h->kparsed);
}

/* Move rd to its next record. 0, or an error code. */
static int reader_next(const struct order *o, struct reader *rd, struct pcsv_error *err)
{
    while (rd->p >= rd->end) {
        if (!rd->run->file) {
            rd->seg = rd->seg ? rd->seg->next : rd->run->mem.head;
            if (!rd->seg) {
                rd->done = true;
                return 0;
            }
            rd->p = rd->seg->data;
            rd->end = rd->p + rd->seg->len;
            continue;
        }
        size_t len;
        int got = spillfile_get(rd->run->file, &rd->cur, &rd->buf, &rd->cap, &len, err);
        if (got <= 0) {
            rd->done = true;
            return -got;
        }
        rd->p = rd->buf;
        rd->end = rd->buf + len;
    }
    /* the range's end, checked once the next record is found (a cut may
     * fall on the first record of a segment) */
    if (rd->stop_seg && rd->seg == rd->stop_seg && rd->p == rd->stop_p) {
        rd->done = true;
        return 0;
    }
    rd->p = rec_decode(o, &rd->h, rd->p, rd->end);
    /* a hundred runs are read at once, more streams than the hardware
     * prefetcher follows: ask for the next records' lines ahead */
    __builtin_prefetch(rd->p + 192);
    return 0;
}

/* Re-sort a run whose rows were sorted with another numeric decision for
 * the --sort column than the whole result's (one part's first/last values
 * were all numbers, another's not). The run is read whole into memory. */
struct sortctx {
    const struct order *o;
    struct rec *recs;
};

static int cmp_idx(const void *x, const void *y, void *ctx)
{
    const struct sortctx *c = ctx;
    struct rec *a = &c->recs[*(const size_t *)x], *b = &c->recs[*(const size_t *)y];
    return rec_cmp(c->o, a, b);
}

static int resort_run(const struct order *o, struct run *run, struct pcsv_error *err)
{
    struct aggstate_buf all = {0};
    if (run->file) {
        struct spillcur cur = {0};
        uint8_t *buf = NULL;
        size_t cap = 0, len;
        int got;
        while ((got = spillfile_get(run->file, &cur, &buf, &cap, &len, err)) == 1) {
            if (aggstate_reserve(&all, len) < 0) {
                got = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
                break;
            }
            memcpy(all.p + all.len, buf, len);
            all.len += len;
        }
        free(buf);
        if (got) {
            free(all.p);
            return got < 0 ? -got : got; /* -status, or ENOMEM's status */
        }
        spillfile_destroy(run->file);
        run->file = NULL;
    } else {
        struct seg *g;
        while ((g = segs_pop(&run->mem))) {
            if (aggstate_reserve(&all, g->len) < 0) {
                seg_free(g);
                segs_free(&run->mem);
                free(all.p);
                return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            }
            memcpy(all.p + all.len, g->data, g->len);
            all.len += g->len;
            seg_free(g);
        }
    }
    size_t n = 0;
    for (const uint8_t *p = all.p, *e = all.p + all.len; p < e; n++) {
        uint64_t l = get_u(&p, e);
        p += l;
    }
    int nk = o->plan->nkeys;
    struct rec *recs = calloc(n + 1, sizeof *recs);
    size_t *idx = malloc((n + 1) * sizeof *idx);
    int rc = recs && idx ? 0 : -1;
    const uint8_t *p = all.p;
    for (size_t i = 0; i < n && !rc; i++) {
        if (rec_alloc(&recs[i], nk) < 0) {
            rc = -1;
            break;
        }
        p = rec_decode(o, &recs[i], p, all.p + all.len);
        idx[i] = i;
    }
    struct segs sorted = {0};
    if (!rc) {
        struct sortctx c = {o, recs};
        qsort_r(idx, n, sizeof *idx, cmp_idx, &c);
        for (size_t i = 0; i < n && !rc; i++) {
            size_t l = (size_t)(recs[idx[i]].end - recs[idx[i]].start);
            uint8_t *q = segs_room(&sorted, l);
            if (!q) {
                rc = -1;
                break;
            }
            memcpy(q, recs[idx[i]].start, l);
            segs_commit(&sorted, l);
        }
    }
    for (size_t i = 0; recs && i < n; i++)
        rec_free(&recs[i]);
    free(recs);
    free(idx);
    free(all.p);
    run->mem = sorted;
    run->sort_numeric = o->sort_numeric;
    if (rc)
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    return 0;
}

/* A tree of losers over the runs' next records (Knuth's replacement
 * selection): each output row costs log2(runs) comparisons, against two
 * per level in a binary heap. Node 0 holds the winner; a leaf past the
 * readers, or a finished one, loses to everything. */
struct tree {
    const struct order *o;
    struct reader *rds;
    int k;     /* leaves: a power of two */
    int *node; /* [0]: winner; [1, k): the loser at each inner node */
};

/* Whether reader a's record goes out before reader b's. */
static bool beats(struct tree *t, int a, int b)
{
    if (a < 0 || t->rds[a].done)
        return false;
    if (b < 0 || t->rds[b].done)
        return true;
    int c = rec_cmp(t->o, &t->rds[a].h, &t->rds[b].h);
    return c < 0 || (c == 0 && a < b);
}

/* Play leaf i up to the root. */
static void replay(struct tree *t, int i)
{
    int w = i;
    for (int n = (i + t->k) / 2; n > 0; n /= 2)
        if (beats(t, t->node[n], w)) {
            int l = w;
            w = t->node[n];
            t->node[n] = l;
        }
    t->node[0] = w;
}

/* Merge the runs' records from start[i] to stop[i] (NULL: from the
 * beginning, to the end) into out, at most max of them. */
static int merge_range(struct aggradix *r, const struct order *o, const struct mark *start,
                       const struct mark *stop, struct outsink *out, uint64_t max,
                       struct pcsv_error *err)
{
    int k = 1;
    while (k < NPARTS)
        k *= 2;
    struct reader *rds = calloc((size_t)k, sizeof *rds);
    int *node = malloc((size_t)k * sizeof *node);
    int rc = rds && node ? 0 : pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    for (int i = 0; i < k && !rc; i++) {
        struct reader *rd = &rds[i];
        rd->done = true;
        if (i >= NPARTS)
            continue;
        rd->done = false;
        rd->run = &r->runs[i];
        if (rec_alloc(&rd->h, r->plan->nkeys) < 0) {
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            break;
        }
        if (start && start[i].seg) {
            rd->seg = start[i].seg;
            rd->p = rd->seg->data + start[i].off;
            rd->end = rd->seg->data + rd->seg->len;
        } else if (start) { /* an empty range */
            rd->done = true;
            continue;
        }
        if (stop && stop[i].seg) {
            rd->stop_seg = stop[i].seg;
            rd->stop_p = stop[i].seg->data + stop[i].off;
        }
        rc = reader_next(o, rd, err);
    }
    struct tree t = {.o = o, .rds = rds, .k = k, .node = node};
    if (!rc) {
        /* build: every inner node starts empty (-1), then each leaf plays */
        for (int i = 0; i < k; i++)
            node[i] = -1;
        for (int i = 0; i < k; i++) {
            int w = i;
            for (int n = (i + k) / 2; n > 0; n /= 2) {
                if (node[n] == -1) {
                    node[n] = w;
                    w = -2; /* parked: this leaf waits for its sibling */
                    break;
                }
                if (beats(&t, node[n], w)) {
                    int l = w;
                    w = node[n];
                    node[n] = l;
                }
            }
            if (w != -2)
                node[0] = w;
        }
    }
    while (!rc && node[0] >= 0 && !rds[node[0]].done && max-- > 0) {
        int w = node[0];
        struct reader *rd = &rds[w];
        outsink_raw(out, rd->h.row, rd->h.rowlen);
        if ((rc = reader_next(o, rd, err)))
            break;
        replay(&t, w);
    }
    for (int i = 0; rds && i < k; i++) {
        rec_free(&rds[i].h);
        free(rds[i].buf);
    }
    free(rds);
    free(node);
    return rc;
}

/* The position in run of its first record not before s (seg NULL: none,
 * the run ends first). */
static struct mark split_run(const struct order *o, const struct run *run, struct rec *s,
                             struct rec *t)
{
    /* the last mark before s, by bisection, then record by record */
    size_t lo = 0, hi = run->nmarks;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        const struct mark *m = &run->marks[mid];
        rec_decode(o, t, m->seg->data + m->off, m->seg->data + m->seg->len);
        if (rec_cmp(o, t, s) < 0)
            lo = mid;
        else
            hi = mid;
    }
    struct seg *g = run->nmarks ? run->marks[lo].seg : NULL;
    const uint8_t *p = g ? g->data + run->marks[lo].off : NULL;
    while (g) {
        if (p >= g->data + g->len) {
            g = g->next;
            p = g ? g->data : NULL;
            continue;
        }
        const uint8_t *next = rec_decode(o, t, p, g->data + g->len);
        if (rec_cmp(o, t, s) >= 0)
            return (struct mark){g, (size_t)(p - g->data)};
        p = next;
    }
    return (struct mark){NULL, 0};
}

/* sinks[0] = out, sinks[1, nj) in memory: where nj threads write parts of
 * the output in order. 0, or an error. */
static int sinks_open(const struct aggradix *r, struct outsink **sinks, int nj, struct outsink *out,
                      struct pcsv_error *err)
{
    sinks[0] = out;
    for (int j = 1; j < nj; j++)
        if (!(sinks[j] = outsink_open_mem(r->cfg.format)))
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    return 0;
}

static void sinks_close(struct outsink **sinks, int nj)
{
    for (int j = 1; sinks && j < nj; j++)
        if (sinks[j])
            outsink_abort(sinks[j]);
}

/* fn(ctx, j) on nj threads, thread j writing to sinks[j] and its error to
 * errs[j]; then sinks[1, nj) appended to sinks[0] in order. 0, or the
 * first thread's error. */
static int team_write(int nj, int (*fn)(void *ctx, int j), void *ctx, struct outsink **sinks,
                      const struct pcsv_error *errs, struct pcsv_error *err)
{
    if (pipeline_parallel(nj, fn, ctx)) {
        for (int j = 0; j < nj; j++)
            if (errs[j].code) {
                *err = errs[j];
                return err->code;
            }
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    }
    for (int j = 1; j < nj; j++) {
        size_t len;
        const void *b = outsink_take(sinks[j], &len);
        outsink_raw(sinks[0], b, len);
    }
    return 0;
}

struct pmerge {
    struct aggradix *r;
    const struct order *o;
    struct mark *cuts; /* [(nparts + 1) * NPARTS]: part j is cuts[j] .. cuts[j + 1] */
    struct outsink **sinks;
    struct pcsv_error *errs;
};

static int pmerge_one(void *ctx, int j)
{
    struct pmerge *m = ctx;
    return merge_range(m->r, m->o, j ? &m->cuts[(size_t)j * NPARTS] : NULL,
                       m->sinks[j + 1] ? &m->cuts[(size_t)(j + 1) * NPARTS] : NULL, m->sinks[j],
                       UINT64_MAX, &m->errs[j]);
}

/* Merge the runs into out. With every run in memory, several threads
 * merge: the key range is cut at quantiles of a sample of marked records
 * (every run is cut there by bisection), thread j merges range j into
 * memory, and the ranges are written in order. The bytes are the same for
 * any cut: only the work is shared. */
static int merge_runs(struct aggradix *r, const struct order *o, struct outsink *out,
                      struct pcsv_error *err)
{
    int nj = r->cfg.jobs < 8 ? r->cfg.jobs : 8;
    size_t rows = 0, nm = 0;
    bool mem = true;
    for (int i = 0; i < NPARTS; i++) {
        rows += r->runs[i].nrows;
        nm += r->runs[i].nmarks;
        mem &= r->runs[i].file == NULL;
    }
    /* (PCSV_AGG_PMERGE_ROWS lowers the size from which it pays, for tests) */
    const char *env = getenv("PCSV_AGG_PMERGE_ROWS");
    size_t from = env && atol(env) > 0 ? (size_t)atol(env) : (size_t)1 << 20;
    /* --limit: the first rows, from the runs' heads (each run holds the
     * first rows of its partition only) */
    if (o->plan->limited && o->plan->limit < rows)
        return merge_range(r, o, NULL, NULL, out, o->plan->limit, err);
    if (nj < 2 || !mem || rows < from)
        return merge_range(r, o, NULL, NULL, out, UINT64_MAX, err);
    /* the sample: every 16th mark of every run */
    size_t ns = 0;
    struct rec *sample = calloc(nm / 16 + NPARTS + 1, sizeof *sample);
    size_t *idx = malloc((nm / 16 + NPARTS + 1) * sizeof *idx);
    struct mark *cuts = calloc((size_t)(nj + 1) * NPARTS, sizeof *cuts);
    struct outsink **sinks = calloc((size_t)nj + 1, sizeof *sinks);
    struct pcsv_error *errs = calloc((size_t)nj, sizeof *errs);
    struct rec t = {0};
    int rc = 0;
    if (!sample || !idx || !cuts || !sinks || !errs || rec_alloc(&t, o->plan->nkeys) < 0)
        rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    for (int i = 0; i < NPARTS && !rc; i++)
        for (size_t m = 0; m < r->runs[i].nmarks && !rc; m += 16) {
            const struct mark *mk = &r->runs[i].marks[m];
            if (rec_alloc(&sample[ns], o->plan->nkeys) < 0) {
                rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
                break;
            }
            rec_decode(o, &sample[ns], mk->seg->data + mk->off, mk->seg->data + mk->seg->len);
            idx[ns] = ns;
            ns++;
        }
    if (!rc) {
        struct sortctx c = {o, sample};
        qsort_r(idx, ns, sizeof *idx, cmp_idx, &c);
        /* cut j (1 .. nj-1) at the sample's j/nj quantile */
        for (int j = 1; j < nj; j++)
            for (int i = 0; i < NPARTS; i++)
                cuts[(size_t)j * NPARTS + (size_t)i] = split_run(
                    o, &r->runs[i], &sample[idx[ns * (size_t)j / (size_t)nj]], &t);
        rc = sinks_open(r, sinks, nj, out, err);
    }
    if (!rc) {
        struct pmerge m = {.r = r, .o = o, .cuts = cuts, .sinks = sinks, .errs = errs};
        rc = team_write(nj, pmerge_one, &m, sinks, errs, err);
    }
    sinks_close(sinks, nj);
    for (size_t i = 0; i < ns; i++)
        rec_free(&sample[i]);
    rec_free(&t);
    free(sample);
    free(idx);
    free(cuts);
    free(sinks);
    free(errs);
    return rc;
}

/* ------------------------------------------------------------- buckets */

/* A large result in key order is not merged from 256 sorted runs (log2
 * 256 comparisons a row, each a cache miss in another run). Its key range
 * is cut at splitters taken from the first partition finished; every
 * other partition's rows go, unsorted, to the bucket of their range (a
 * look-up in bins over the splitters' first-key images); each
 * bucket is then sorted alone, by a radix sort on the two key images,
 * and written. The order is the merge's (rec_cmp), so are the bytes. */
struct split {
    uint8_t *bytes;
    struct rec h;
};

static void splits_free(struct aggradix *r)
{
    for (int b = 0; r->spl && b < r->nb - 1; b++) {
        free(r->spl[b].bytes);
        rec_free(&r->spl[b].h);
    }
    free(r->spl);
    free(r->sp0);
    free(r->btab);
    r->btab = NULL;
    r->spl = NULL;
    r->sp0 = NULL;
}

/* The record at q, whole: its bytes (its length included, which add_row
 * writes as a varint of exactly 5 bytes). */
static inline size_t rec_size(const uint8_t *q)
{
    uint64_t l = (uint64_t)(q[0] & 0x7f) | (uint64_t)(q[1] & 0x7f) << 7 |
                 (uint64_t)(q[2] & 0x7f) << 14 | (uint64_t)(q[3] & 0x7f) << 21 |
                 (uint64_t)q[4] << 28;
    return 5 + (size_t)l;
}

static void rec_at(const struct order *o, struct rec *h, const uint8_t *q)
{
    rec_decode(o, h, q, q + rec_size(q));
}

/* The parts of the record at q (no --sort result column) that the
 * buckets read: its first key (*k0, *k0len) and its rendered row (returned,
 * *rowlen). The one walk over the layout outside rec_decode. */
static const uint8_t *rec_parts(int nkeys, const uint8_t *q, const uint8_t **k0, size_t *k0len,
                                size_t *rowlen)
{
    const uint8_t *p = q + 5 + 16, *end = q + rec_size(q);
    for (int k = 0; k < nkeys; k++) {
        uint64_t l = get_u(&p, end);
        if (k == 0) {
            *k0 = p;
            *k0len = (size_t)l;
        }
        p += l;
    }
    *rowlen = get_u(&p, end);
    return p;
}

/* Whether a result is finished into buckets: key order without --limit,
 * large, and every block in memory with room for the rows beside them. */
static bool bucket_wanted(const struct aggradix *r)
{
    const struct agg_plan *p = r->plan;
    if (!p->nkeys || p->limited || (p->sort_col >= 0 && !(p->sort_col == 0 && !p->sort_desc)))
        return false;
    size_t nrec = 0;
    for (int i = 0; i < NPARTS; i++) {
        if (r->parts[i].file)
            return false;
        nrec += r->parts[i].nrec;
    }
    const char *env = getenv("PCSV_AGG_BUCKET_ROWS");
    size_t from = env && atol(env) > 0 ? (size_t)atol(env) : BUCKET_ROWS;
    return nrec >= from && 2 * atomic_load(&r->block_mem) <= r->run_budget;
}

/* The splitters, from f's rows in output order (the first partition). */
static int choose_splits(struct aggradix *r, const struct fin *f)
{
    const struct order *o = r->ord;
    size_t n = f->nslots;
    int nb = n < NBUCKETS ? (int)n : NBUCKETS;
    if (nb < 1)
        return 0; /* (an empty partition is not finished) */
    r->spl = calloc((size_t)nb, sizeof *r->spl);
    r->sp0 = calloc((size_t)nb, sizeof *r->sp0);
    if (!r->spl || !r->sp0)
        return -1;
    r->nb = nb;
    /* blocks of about an eighth of a thread's share of a bucket, judged
     * by this partition's records (a partition of the hash is a sample of
     * all groups): a few blocks a chain, and little room left empty at
     * the chains' ends */
    size_t nrec = 0;
    for (int i = 0; i < NPARTS; i++)
        nrec += r->parts[i].nrec;
    double share = (double)f->scratch.bytes / (double)n * (double)nrec / nb / r->nsets;
    size_t blk = BLOCK_MIN;
    while (blk < BLOCK_MAX && (double)blk * 8 < share)
        blk *= 2;
    for (int t = 0; t < r->nsets; t++) {
        struct bset *bs = &r->bsets[t];
        bs->blk = blk;
        if (!(bs->c = calloc((size_t)nb, sizeof *bs->c)))
            return -1;
    }
    for (int b = 0; b < nb - 1; b++) {
        struct split *s = &r->spl[b];
        const uint8_t *q = f->slots[n * (size_t)(b + 1) / (size_t)nb];
        size_t len = rec_size(q);
        if (!(s->bytes = malloc(len)) || rec_alloc(&s->h, o->plan->nkeys) < 0)
            return -1;
        memcpy(s->bytes, q, len);
        rec_at(o, &s->h, s->bytes);
        r->sp0[b] = s->h.prefix[0];
        /* parsed now: the threads only read them */
        for (int k = 0; k < o->plan->nkeys; k++)
            if (o->key_numeric[k] && s->h.kl[k])
                key_parse(&s->h, k);
    }
    return bins_make(r);
}

/* Bins over the splitters' images (2^BIN_BITS of them at most: 16 KiB of
 * uint16_t, in L1 beside sp0), so that finding how many images are below
 * a row's is a table look-up and a step or two, not a binary search of
 * ten dependent loads a row. */
#define BIN_BITS 13

static int bins_make(struct aggradix *r)
{
    size_t ns = (size_t)r->nb - 1;
    if (!ns)
        return 0;
    r->blo = r->sp0[0];
    r->bhi = r->sp0[ns - 1];
    uint64_t range = r->bhi - r->blo;
    int bits = range ? 64 - __builtin_clzll(range) : 0;
    r->bshift = bits > BIN_BITS ? bits - BIN_BITS : 0;
    size_t nbins = (size_t)(range >> r->bshift) + 1;
    if (!(r->btab = malloc((nbins + 1) * sizeof *r->btab)))
        return -1;
    size_t j = 0;
    for (size_t k = 0; k <= nbins; k++) { /* btab[k]: the splitters in bins below k */
        while (j < ns && (r->sp0[j] - r->blo) >> r->bshift < k)
            j++;
        r->btab[k] = (uint16_t)j;
    }
    return 0;
}

/* How many splitters' images are below p0. */
static inline size_t below_one(const struct aggradix *r, uint64_t p0)
{
    size_t ns = (size_t)r->nb - 1;
    if (!ns || p0 <= r->blo)
        return 0;
    if (p0 > r->bhi)
        return ns;
    size_t k = (size_t)((p0 - r->blo) >> r->bshift);
    size_t lo = r->btab[k], hi = r->btab[k + 1]; /* (below lo: smaller bins) */
    while (hi - lo > 8) {                        /* a crowded bin (equal prefixes) */
        size_t mid = lo + (hi - lo) / 2;
        if (r->sp0[mid] < p0)
            lo = mid + 1;
        else
            hi = mid;
    }
    while (lo < hi && r->sp0[lo] < p0)
        lo++;
    return lo;
}

/* The bucket of the record at q, whose first key's image p0 has b
 * splitters' images below it: how many splitters are not after it. The
 * image decides, unless a splitter has the same; t is scratch for
 * decoding the record then. */
static int bucket_of(const struct aggradix *r, const uint8_t *q, uint64_t p0, size_t b,
                     struct bset *s)
{
    size_t ns = (size_t)r->nb - 1;
    if (b < ns && r->sp0[b] == p0) {
        /* (made by the set's thread, on its first tie: its lines its own) */
        if (!s->t && (!(s->t = calloc(1, sizeof *s->t)) || rec_alloc(s->t, r->plan->nkeys) < 0))
            return -1;
        struct rec *t = s->t;
        rec_at(r->ord, t, q);
        while (b < ns && r->sp0[b] == p0 && rec_cmp(r->ord, t, &r->spl[b].h) >= 0)
            b++;
    }
    return (int)b;
}

/* Room for a record of at most n bytes, before its bucket is known. */
static uint8_t *bset_room(struct bset *s, size_t n)
{
    if (s->pendcap < n) {
        size_t cap = 2 * n;
        uint8_t *p = realloc(s->pend, cap);
        if (!p)
            return NULL;
        s->pend = p;
        s->pendcap = cap;
    }
    return s->pend;
}

/* A block of about want bytes (its header included) for a record of len
 * bytes: carved from the arena, or mapped alone for a record too large
 * for one (a row of megabytes). */
static struct seg *bset_block(struct bset *s, size_t want, size_t len)
{
    size_t size = sizeof(struct seg) + len > want ? sizeof(struct seg) + len : want;
    size = (size + 63) & ~(size_t)63;
    if (size > BSET_ARENA / 4)
        return seg_map((size + 4095) & ~(size_t)4095);
    if (s->left < size) {
        struct seg *g = seg_map(BSET_ARENA);
        if (!g)
            return NULL;
        g->next = s->arenas;
        s->arenas = g;
        s->room = g->data;
        s->left = g->cap;
    }
    struct seg *g = (struct seg *)(void *)s->room;
    s->room += size;
    s->left -= size;
    *g = (struct seg){.cap = size - sizeof *g}; /* map 0: carved */
    return g;
}

/* Record q appended to its bucket's chain. */
static int bset_place(const struct aggradix *r, struct bset *s, const uint8_t *q)
{
    uint64_t p0;
    memcpy(&p0, q + 5, 8); /* (a record: a 5-byte length first) */
    int bk = bucket_of(r, q, p0, below_one(r, p0), s);
    if (bk < 0)
        return -1;
    struct bchain *c = &s->c[bk];
    size_t len = rec_size(q);
    if ((size_t)(c->end - c->w) < len) {
        size_t want = c->tail ? 2 * (c->tail->cap + sizeof(struct seg)) : BLOCK_FIRST;
        struct seg *g = bset_block(s, want < s->blk ? want : s->blk, len);
        if (!g)
            return -1;
        if (c->tail) {
            c->tail->len = (size_t)(c->w - c->tail->data);
            c->tail->next = g;
        } else {
            c->head = g;
        }
        c->tail = g;
        c->w = g->data;
        c->end = g->data + g->cap;
    }
    memcpy(c->w, q, len);
    c->w += len;
    c->n++;
    return 0;
}

/* Every chain's last block's length, for reading. */
static void bsets_close(struct aggradix *r)
{
    for (int t = 0; t < r->nsets; t++)
        for (int b = 0; r->bsets[t].c && b < r->nb; b++) {
            struct bchain *c = &r->bsets[t].c[b];
            if (c->tail)
                c->tail->len = (size_t)(c->w - c->tail->data);
        }
}

/* f's records (the first partition's, sorted) to their buckets. */
static int bset_feed(struct aggradix *r, struct bset *s, const struct fin *f)
{
    for (size_t k = 0; k < f->nslots; k++)
        if (bset_place(r, s, f->slots[k]) < 0)
            return -1;
    return 0;
}

/* Unmap every set's blocks. */
static void bsets_free(struct aggradix *r)
{
    for (int t = 0; t < r->nsets; t++) {
        struct bset *s = &r->bsets[t];
        for (int b = 0; s->c && b < r->nb; b++)
            for (struct seg *g = s->c[b].head, *n; g; g = n) {
                n = g->next;
                if (g->map)
                    seg_free(g);
            }
        for (struct seg *g = s->arenas, *n; g; g = n) {
            n = g->next;
            munmap(g, g->map);
        }
        free(s->c);
        free(s->pend);
        if (s->t)
            rec_free(s->t);
        free(s->t);
    }
    free(r->bsets);
    r->bsets = NULL;
    r->nsets = 0;
}

struct bitem {
    uint64_t k[2];      /* the first two keys' images */
    const uint8_t *rec; /* the record */
    uint32_t row;       /* its rendered row: at rec + row, */
    uint32_t rowlen;    /* ROW_EXACT | its length */
};
/* the first key's bytes follow from its image (see exact_key) */
#define ROW_EXACT 0x80000000u
/* row: the row is too far or too long for these fields */
#define ROW_FAR 0xffffffffu

/* Whether a first key's bytes follow from its image: bytes of at most 8
 * (no NUL: the image pads with them), or a number written as an integer
 * of at most 15 digits in its one canonical way. Two such keys with the
 * same image are the same bytes. */
static bool exact_key(const uint8_t *p, size_t len, bool numeric)
{
    if (!numeric)
        return len >= 1 && len <= 8 && !memchr(p, 0, len);
    size_t i = len && p[0] == '-';
    if (len - i < 1 || len - i > 15 || (p[i] == '0' && (len - i > 1 || i)))
        return false;
    for (; i < len; i++)
        if (p[i] < '0' || p[i] > '9')
            return false;
    return true;
}

/* Sort x[0, n) by (k[0], k[1]): LSD radix, a byte a pass, only over the
 * bytes that are not the same everywhere (one pass finds them: counting a
 * byte that never changes would be a chain of increments of one counter).
 * Returns x or y, whichever holds the result. */
static struct bitem *radix_items(struct bitem *x, struct bitem *y, size_t n, size_t (*cnt)[256],
                                 int w)
{
    uint64_t d = 0;
    for (size_t i = 1; i < n; i++)
        d |= x[i].k[w] ^ x[0].k[w];
    for (int j = 0; j < 8; j++) {
        int sh = j * 8;
        if (!(d >> sh & 255))
            continue;
        size_t *c = cnt[0];
        memset(c, 0, 256 * sizeof *c);
        for (size_t i = 0; i < n; i++)
            c[x[i].k[w] >> sh & 255]++;
        size_t sum = 0;
        for (int b = 0; b < 256; b++) {
            size_t t = c[b];
            c[b] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++)
            y[c[x[i].k[w] >> sh & 255]++] = x[i];
        struct bitem *t = x;
        x = y;
        y = t;
    }
    return x;
}

struct tiectx {
    const struct order *o;
    struct rec a, b;
};

static int cmp_bitem(const void *x, const void *y, void *ctx)
{
    struct tiectx *t = ctx;
    rec_at(t->o, &t->a, ((const struct bitem *)x)->rec);
    rec_at(t->o, &t->b, ((const struct bitem *)y)->rec);
    return rec_cmp(t->o, &t->a, &t->b);
}

/* x[0, n) in k[1] order (y: room for n): a few by insertion, more by
 * radix_items (whose every pass clears and sums 256 counters). */
static void sort_second(struct bitem *x, struct bitem *y, size_t n, size_t (*cnt)[256])
{
    if (n <= 64) {
        for (size_t i = 1; i < n; i++) {
            struct bitem v = x[i];
            size_t j = i;
            for (; j > 0 && x[j - 1].k[1] > v.k[1]; j--)
                x[j] = x[j - 1];
            x[j] = v;
        }
        return;
    }
    struct bitem *s = radix_items(x, y, n, cnt, 1);
    if (s != x)
        memcpy(x, s, n * sizeof *x);
}

/* Put x[0, n), in k[0] order, in output order: the images decide unless
 * equal. Equal first images with the same first key leave the second
 * image to decide (sorted on it here; y is room for n); with different
 * first keys (longer than an image, or numbers equal as doubles) they are
 * compared whole. */
static void settle_ties(struct tiectx *t, struct bitem *x, struct bitem *y, size_t n,
                        size_t (*cnt)[256])
{
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && x[j].k[0] == x[i].k[0])
            j++;
        if (j - i > 1) {
            bool same = true;
            for (size_t m = i; m < j && same; m++)
                same = x[m].rowlen & ROW_EXACT;
            if (!same) { /* then by their bytes */
                int nk = t->o->plan->nkeys;
                size_t l0, l, rl;
                const uint8_t *k0, *k;
                rec_parts(nk, x[i].rec, &k0, &l0, &rl);
                same = true;
                for (size_t m = i + 1; m < j && same; m++) {
                    rec_parts(nk, x[m].rec, &k, &l, &rl);
                    same = l == l0 && memcmp(k, k0, l) == 0;
                }
            }
            if (!same) {
                qsort_r(x + i, j - i, sizeof *x, cmp_bitem, t);
            } else {
                sort_second(x + i, y, j - i, cnt);
                for (size_t a = i; a < j;) {
                    size_t b = a + 1;
                    while (b < j && x[b].k[1] == x[a].k[1])
                        b++;
                    if (b - a > 1)
                        qsort_r(x + a, b - a, sizeof *x, cmp_bitem, t);
                    a = b;
                }
            }
        }
        i = j;
    }
}

/* A thread's room for sorting buckets, kept from one bucket to the next. */
struct bscratch {
    struct bitem *x, *y;
    size_t cap;
    size_t cnt[1][256];
    struct tiectx t;
};

/* Sort bucket b's rows and write them to out. */
static int bucket_emit(struct aggradix *r, int b, struct bscratch *sc, struct outsink *out,
                       struct pcsv_error *err)
{
    const struct order *o = r->ord;
    int nk = o->plan->nkeys;
    size_t n = 0;
    for (int t = 0; t < r->nsets; t++)
        n += r->bsets[t].c[b].n;
    if (n + 1 > sc->cap) {
        size_t cap = 2 * (n + 1);
        struct bitem *x = realloc(sc->x, cap * sizeof *x);
        if (x)
            sc->x = x;
        struct bitem *y = realloc(sc->y, cap * sizeof *y);
        if (y)
            sc->y = y;
        if (!x || !y)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        sc->cap = cap;
    }
    struct bitem *x = sc->x;
    size_t m = 0;
    for (int t = 0; t < r->nsets; t++)
        for (const struct seg *g = r->bsets[t].c[b].head; g; g = g->next)
            for (const uint8_t *p = g->data; p < g->data + g->len; p += rec_size(p)) {
                const uint8_t *k0 = NULL;
                size_t l0 = 0, rl;
                size_t at = (size_t)(rec_parts(nk, p, &k0, &l0, &rl) - p);
                bool exact = exact_key(k0, l0, o->key_numeric[0]);
                bool fits = at < ROW_FAR && rl < ROW_EXACT;
                memcpy(x[m].k, p + 5, 16);
                x[m].rec = p;
                x[m].row = fits ? (uint32_t)at : ROW_FAR; /* (a row of 2 GiB: found again) */
                x[m++].rowlen = (fits ? (uint32_t)rl : 0) | (exact ? ROW_EXACT : 0);
            }
    /* on the first key's image, then runs of equal ones on the second's:
     * most runs are short (a first key meets few second keys in one
     * bucket), where a radix pass over the whole bucket per byte of the
     * second image cost more than it settled */
    struct bitem *s = radix_items(x, sc->y, n, sc->cnt, 0);
    settle_ties(&sc->t, s, s == sc->x ? sc->y : sc->x, n, sc->cnt);
    for (size_t i = 0; i < n; i++) {
        if (i + 8 < n && s[i + 8].row != ROW_FAR)
            __builtin_prefetch(s[i + 8].rec + s[i + 8].row);
        if (s[i].row == ROW_FAR) {
            const uint8_t *k0;
            size_t l0, len;
            const uint8_t *row = rec_parts(nk, s[i].rec, &k0, &l0, &len);
            outsink_raw(out, row, len);
        } else {
            outsink_raw(out, s[i].rec + s[i].row, s[i].rowlen & ~ROW_EXACT);
        }
    }
    return 0;
}

struct bwrite {
    struct aggradix *r;
    int base;
    struct outsink **sinks;
    struct pcsv_error *errs;
    struct bscratch *sc; /* [thread] */
};

static int bucket_one(void *ctx, int t)
{
    struct bwrite *w = ctx;
    int b = w->base + t;
    return b < w->r->nb ? bucket_emit(w->r, b, &w->sc[t], w->sinks[t], &w->errs[t]) : 0;
}

/* Write the buckets in order, --jobs of them at a time: thread 0's to out,
 * the others' into memory, copied to out after it. */
static int bucket_write(struct aggradix *r, struct outsink *out, struct pcsv_error *err)
{
    int nj = r->cfg.jobs > 1 ? r->cfg.jobs : 1;
    struct outsink **sinks = calloc((size_t)nj, sizeof *sinks);
    struct pcsv_error *errs = calloc((size_t)nj, sizeof *errs);
    struct bscratch *sc = calloc((size_t)nj, sizeof *sc);
    int rc = sinks && errs && sc
                 ? 0
                 : pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    for (int j = 0; j < nj && !rc; j++) {
        sc[j].t.o = r->ord;
        if (rec_alloc(&sc[j].t.a, r->plan->nkeys) < 0 || rec_alloc(&sc[j].t.b, r->plan->nkeys) < 0)
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    }
    if (!rc)
        rc = sinks_open(r, sinks, nj, out, err);
    for (int base = 0; !rc && base < r->nb; base += nj) {
        struct bwrite w = {.r = r, .base = base, .sinks = sinks, .errs = errs, .sc = sc};
        rc = team_write(nj, bucket_one, &w, sinks, errs, err);
    }
    sinks_close(sinks, nj);
    for (int j = 0; sc && j < nj; j++) {
        free(sc[j].x);
        free(sc[j].y);
        rec_free(&sc[j].t.a);
        rec_free(&sc[j].t.b);
    }
    free(sc);
    free(sinks);
    free(errs);
    return rc;
}

/* PCSV_AGG_TIMES=1: the phases' times on stderr (for measuring). */
static void phase(const char *what)
{
    static double t0;
    static int on = -1;
    if (on < 0)
        on = getenv("PCSV_AGG_TIMES") != NULL;
    if (!on)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
    if (t0)
        fprintf(stderr, "aggradix: %-8s %.3f s\n", what, t - t0);
    t0 = t;
}

/* Flush the workers' partials parts[0, n) (reset, not freed) and take
 * the whole input's facts from them into *fx and r->key_numeric. */
static int flush_all(struct aggradix *r, struct agg_part *const *parts, int n, struct facts *fx,
                     struct pcsv_error *err)
{
    const struct agg_plan *p = r->plan;
    for (int w = 0; w < n; w++) {
        if (agg_part_groups(parts[w]) && flush(r, parts[w]) < 0) {
            *err = r->err;
            return err->code;
        }
        agg_part_trim(parts[w]); /* empty from here on: give its room back */
    }
    fx->scale = calloc((size_t)p->nvcols + 1, sizeof(int));
    fx->flags = calloc((size_t)p->nvcols + 1, 1);
    free(r->key_numeric);
    r->key_numeric = calloc((size_t)p->nkeys + 1, sizeof *r->key_numeric);
    if (!fx->scale || !fx->flags || !r->key_numeric)
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    for (int k = 0; k < p->nkeys; k++) {
        r->key_numeric[k] = true;
        for (int w = 0; w < n; w++)
            r->key_numeric[k] &= agg_part_key_numeric(parts[w], k);
    }
    for (int v = 0; v < p->nvcols; v++)
        for (int w = 0; w < n; w++) {
            const struct vstate *s = &parts[w]->vs[v];
            if (s->scale > fx->scale[v])
                fx->scale[v] = s->scale;
            fx->flags[v] |= (uint8_t)((s->has_dbl ? 1 : 0) | (s->nonnum ? 2 : 0) |
                                      (s->overflow ? 4 : 0));
        }
    return 0;
}

int aggradix_each_partition(struct aggradix *r, struct agg_part *const *parts, int n,
                            int (*fn)(void *ctx, struct agg_part *a), void *ctx,
                            struct pcsv_error *err)
{
    struct facts fx = {0};
    struct agg_part *a = NULL;
    int rc = flush_all(r, parts, n, &fx, err);
    if (!rc && !(a = agg_part_create(r->plan)))
        rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    for (int i = 0; i < NPARTS && !rc; i++) {
        rc = load_part(r, i, a, &fx, err);
        if (!rc && agg_part_groups(a) && fn(ctx, a))
            rc = err->code ? err->code
                           : pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    }
    agg_part_destroy(a);
    free(fx.scale);
    free(fx.flags);
    return rc;
}

int aggradix_finish(struct aggradix *r, struct agg_part *const *parts, int n, struct outsink *out,
                    struct pcsv_error *err)
{
    phase("start");
    const struct agg_plan *p = r->plan;
    struct facts fx = {0};
    struct pcsv_error *errs = calloc((size_t)r->cfg.jobs + 1, sizeof *errs);
    char **names = calloc((size_t)(p->nkeys + p->nspecs) + 1, sizeof *names);
    int rc = flush_all(r, parts, n, &fx, err);
    if (!rc && (!errs || !names))
        rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    if (rc)
        goto out;
    phase("flush");
    struct order o = {.plan = p, .key_numeric = r->key_numeric, .sort_numeric = true};
    r->ord = &o;
    /* bucketed: partitions are finished one at a time until one has rows
     * (its sorted rows give the splitters), then on every thread */
    if ((r->bucketed = bucket_wanted(r))) {
        struct agg_part *a = agg_part_create(r->plan);
        if (!a)
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        else
            agg_part_skip_key_facts(a);
        struct segs scratch = {0};
        int jobs = r->cfg.jobs > 0 ? r->cfg.jobs : 1;
        /* a set for each finishing thread, and one for this partition */
        size_t bsz = ((size_t)jobs + 1) * sizeof *r->bsets;
        if (!rc && !(r->bsets = aligned_alloc(_Alignof(struct bset), bsz)))
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        else if (!rc) {
            memset(r->bsets, 0, bsz);
            r->nsets = jobs + 1;
        }
        while (!rc && !r->nb && atomic_load(&r->next) < NPARTS)
            rc = finish_part(r, atomic_fetch_add(&r->next, 1), a, &fx, &scratch, &r->bsets[jobs],
                             err);
        segs_free(&scratch);
        agg_part_destroy(a);
        if (rc)
            goto out;
    }
    struct team tm = {.r = r, .fx = &fx, .errs = errs};
    int jobs = r->cfg.jobs > 0 ? r->cfg.jobs : 1;
    if (pipeline_parallel(jobs, finish_worker, &tm)) {
        for (int t = 0; t < jobs; t++)
            if (errs[t].code) {
                *err = errs[t];
                rc = err->code;
                break;
            }
        if (!rc)
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        goto out;
    }
    phase("finish");
    for (int i = 0; i < NPARTS; i++)
        if (!r->runs[i].empty && (r->runs[i].mem.bytes || r->runs[i].file))
            o.sort_numeric &= r->runs[i].sort_numeric;
    if (p->sort_col >= p->nkeys)
        for (int i = 0; i < NPARTS && !rc; i++)
            if ((r->runs[i].mem.bytes || r->runs[i].file) &&
                r->runs[i].sort_numeric != o.sort_numeric)
                rc = resort_run(&o, &r->runs[i], err);
    if (rc)
        goto out;
    for (int k = 0; k < p->nkeys; k++)
        names[k] = p->key_names[k];
    for (int i = 0; i < p->nspecs; i++)
        names[p->nkeys + i] = p->specs[i].name;
    outsink_header(out, names, p->nkeys + p->nspecs);
    if (r->nb)
        bsets_close(r);
    rc = r->nb ? bucket_write(r, out, err) : merge_runs(r, &o, out, err);
    phase(r->nb ? "buckets" : "merge");
    uint64_t total = 0;
    for (int i = 0; i < NPARTS; i++)
        if (r->runs[i].file)
            total += spillfile_bytes(r->runs[i].file);
    if (total > atomic_load(&r->spilled))
        atomic_store(&r->spilled, total);
out:
    free(fx.scale);
    free(fx.flags);
    free(errs);
    free(names);
    return rc;
}
