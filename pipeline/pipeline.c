/* pipeline.c - the worker team: chunk loop, --where, fail-mode stop, merge (see pipeline.h). */
#include "pipeline.h"

#include <errno.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "badrow.h"
#include "chunk.h"
#include "expr.h"
#include "mpmc.h"
#include "reorder.h"

#ifndef PIPELINE_QUEUE_CAP
#define PIPELINE_QUEUE_CAP 8 /* chunks queued ahead of the workers */
#endif

struct pipeline_worker {
    struct pipeline *p;
    int id;
    void *state;
    /* the chunk being scanned: d[x] is the input's byte x (a file's chunk
     * is read into wbuf, see read_window) */
    const uint8_t *d;
    uint8_t *wbuf;
    size_t wcap;
    int read_errno; /* fatal PCSV_EIO: why the file could not be read */
    size_t k;       /* the chunk being scanned */
    const struct scan_batch *batch;
    struct badrow_log *bad; /* its bad rows, then the first few of all its chunks */
    int fatal;              /* PCSV_ENOMEM or 0 */
    uint8_t skip[SCAN_BATCH_ROWS];
    struct scan_batch b;
    /* --where */
    struct expr_ctx *ectx;
    struct expr_val *evals;
    uint8_t *escratch;
    size_t escratch_cap;
    /* row-emitting consumers */
    struct outsink *out;
    size_t stop_row; /* where the consumer stopped in the batch (pipeline_stopped_at) */
    uint64_t rows;   /* data rows scanned, good and bad */
};

struct pipeline {
    struct pipeline_cfg cfg;
    struct pipeline_consumer c;
    int nworkers;
    struct pipeline_worker *w;
    /* per run */
    struct source *in;
    uint32_t file;
    int ncols;
    bool end_quoted; /* run_region: the chunks' quote state at the end, and line ends */
    uint64_t end_lines;
    struct chunker *ch;
    int need_cols; /* 1 + the last selected column: per chunk, nothing costs per column */
    _Atomic size_t err_chunk;    /* fail mode: lowest chunk with a bad row (SIZE_MAX: none) */
    _Atomic int stop_all;        /* the writer asked to stop (head), or failed */
    _Atomic uint64_t bytes_done; /* progress: input bytes of finished chunks */
    struct reorder *ro;          /* row-emitting consumers, --rejects: the ordered writer */
    struct badrow_log *bad;      /* the workers' logs merged: the first few, how many in all */
    struct outsink *rej;         /* --rejects FILE, until taken */
};

struct pipeline *pipeline_create(const struct pipeline_cfg *cfg, const struct pipeline_consumer *c,
                                 struct pcsv_error *err)
{
    struct pipeline *p = calloc(1, sizeof *p);
    int n = cfg->jobs < 1 ? 1 : cfg->jobs;
    if (p)
        p->w = calloc((size_t)n, sizeof *p->w);
    if (!p || !p->w) {
        free(p);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    p->cfg = *cfg;
    p->c = *c;
    for (int col = 0; col < c->nselcols; col++)
        if (c->sel[col] >= 0)
            p->need_cols = col + 1;
    p->nworkers = n;
    if (cfg->rejects && cfg->bad_mode != PIPELINE_FAIL) {
        if (!(p->rej = badrow_rejects_open(cfg->rejects, err))) {
            pipeline_destroy(p);
            return NULL;
        }
    }
    const bool fail = cfg->bad_mode == PIPELINE_FAIL;
    if (!(p->bad = badrow_log_create(fail, false, cfg->delim, cfg->quote))) {
        pipeline_destroy(p);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        p->w[i].p = p;
        p->w[i].id = i;
        p->w[i].b.fields = calloc(scan_batch_rows(c->nsel) * (size_t)(c->nsel ? c->nsel : 1),
                                  sizeof(struct scan_field));
        p->w[i].bad = badrow_log_create(fail, p->rej != NULL, cfg->delim, cfg->quote);
        if (!p->w[i].b.fields || !p->w[i].bad || badrow_log_keep(p->w[i].bad, cfg->keep_bad) ||
            badrow_log_keep(p->bad, cfg->keep_bad)) {
            pipeline_destroy(p);
            pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            return NULL;
        }
    }
    return p;
}

void pipeline_destroy(struct pipeline *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nworkers; i++) {
        free(p->w[i].b.fields);
        badrow_log_destroy(p->w[i].bad);
        expr_ctx_destroy(p->w[i].ectx);
        free(p->w[i].evals);
        free(p->w[i].escratch);
        outsink_abort(p->w[i].out);
        free(p->w[i].wbuf);
    }
    badrow_log_destroy(p->bad);
    outsink_abort(p->rej);
    free(p->w);
    free(p);
}

int pipeline_nworkers(const struct pipeline *p) { return p->nworkers; }

uint64_t pipeline_bytes_done(const struct pipeline *p)
{
    return atomic_load_explicit(&((struct pipeline *)p)->bytes_done, memory_order_relaxed);
}
void *pipeline_worker_state(const struct pipeline *p, int i) { return p->w[i].state; }

/* ------------------------------------------------------------ bad rows */

/* Note a bad row of the current chunk. Returns true to drop it and go on,
 * false to stop the chunk (fail mode: then later chunks need no parsing;
 * out of memory). */
static bool record(struct pipeline_worker *w, int rc)
{
    if (rc < 0) {
        w->fatal = PCSV_ENOMEM;
        return false;
    }
    if (rc == 0) {
        /* lower the global error chunk: chunks after it need no parsing */
        struct pipeline *p = w->p;
        size_t cur = atomic_load(&p->err_chunk);
        while (w->k < cur && !atomic_compare_exchange_weak(&p->err_chunk, &cur, w->k))
            ;
        return false;
    }
    return true;
}

bool pipeline_bad_value(struct pipeline_worker *w, size_t row, int col, const uint8_t *val,
                        size_t len)
{
    return record(w, badrow_log_add(w->bad, BAD_VALUE, w->batch->row_start[row],
                                    w->batch->row_end[row], col, 0, val, len));
}

/* Record row r of b, which has the wrong field count or a misplaced
 * quote. Returns false to stop (fail mode). */
static bool record_structural(struct pipeline_worker *w, const struct scan_batch *b, size_t r)
{
    return record(w, badrow_log_add_structural(w->bad, b, r));
}

/* ------------------------------------------------------------ --where */

/* Mark the rows of b that --where rejects (allocating the skip mask when
 * the batch had none). -1 on ENOMEM. */
static int where_filter(struct pipeline_worker *w, const uint8_t *d, const struct scan_batch *b,
                        uint8_t **skip)
{
    const struct pipeline *p = w->p;
    const int *cols;
    int nc = expr_columns(p->cfg.where, &cols);
    if (!w->ectx) {
        w->ectx = expr_ctx_create(p->cfg.where);
        w->evals = calloc((size_t)nc + 1, sizeof *w->evals);
        w->escratch_cap = 256; /* never NULL: values are placed at escratch + used */
        w->escratch = malloc(w->escratch_cap);
        if (!w->ectx || !w->evals || !w->escratch)
            return -1;
    }
    const size_t stride = (size_t)p->c.nsel;
    for (size_t r = 0; r < b->nrows; r++) {
        if (*skip && (*skip)[r])
            continue;
        const struct scan_field *f = &b->fields[r * stride];
        size_t used = 0;
        for (int i = 0; i < nc; i++) {
            struct scan_field x = f[p->cfg.where_slots[i]];
            size_t len = (size_t)(x.end - x.start);
            if (len && d[x.start] == p->cfg.quote && used + len > w->escratch_cap) {
                /* grow between rows only: values already placed stay valid
                 * because we restart this row after growing */
                size_t ncap = (used + len) * 2 + 256;
                uint8_t *q = realloc(w->escratch, ncap);
                if (!q)
                    return -1;
                w->escratch = q;
                w->escratch_cap = ncap;
                i = -1;
                used = 0;
                continue;
            }
            uint8_t *s = w->escratch + used;
            w->evals[i].p = scan_field_value(d, x, p->cfg.quote, &s, &w->evals[i].len);
            used = (size_t)(s - w->escratch);
        }
        if (!expr_eval(p->cfg.where, w->ectx, w->evals)) {
            if (!*skip) {
                *skip = w->skip;
                memset(*skip, 0, b->nrows);
            }
            (*skip)[r] = 1;
        }
    }
    return expr_ctx_status(w->ectx) ? -1 : 0;
}

/* ------------------------------------------------------------ ordered output */

struct outsink *pipeline_out(struct pipeline_worker *w)
{
    if (!w->out && (w->out = outsink_open_mem(w->p->c.out_format)))
        outsink_names(w->out, w->p->c.out_names, w->p->c.nout_names);
    return w->out;
}

void *pipeline_consumer_ctx(struct pipeline_worker *w) { return w->p->c.ctx; }

void pipeline_stopped_at(struct pipeline_worker *w, size_t row) { w->stop_row = row; }

uint64_t pipeline_pos_base(struct pipeline_worker *w)
{
    return (uint64_t)w->p->file << 48 | w->p->in->offset_base;
}

/* A chunk's output and its --rejects lines, on their way to the writer. */
struct chunk_out {
    size_t len, rlen;
    char bytes[]; /* len bytes of output, then rlen of --rejects lines */
};

/* The ordered writer's callback: chunk k's output, in input order. */
static int write_chunk(void *ctx, size_t k, void *item)
{
    struct pipeline *p = ctx;
    struct chunk_out *c = item;
    int rc = 0;
    if (!c)
        return 0;
    /* the chunk's rejects first: they come before any row that makes head
     * stop */
    if (c->rlen && p->rej && !atomic_load(&p->stop_all))
        outsink_raw(p->rej, c->bytes + c->len, c->rlen);
    /* Nothing after the first bad row in fail mode: a chunk past err_chunk
     * may have been finished before the bad row was found, but its rows must
     * not reach the output (what is printed before the error must not depend
     * on --jobs). The bad row's own chunk lowered err_chunk before it was
     * put. */
    if (c->len && !atomic_load(&p->stop_all) && k <= atomic_load(&p->err_chunk))
        rc = p->c.write(p->c.ctx, c->bytes, c->len);
    free(c);
    if (rc)
        atomic_store(&p->stop_all, 1);
    return rc;
}

/* Hand chunk k's output (a copy: the worker's sinks are reused at once) to
 * the ordered writer; may sleep (reorder_put). */
static void ordered_put(struct pipeline_worker *w, size_t k)
{
    size_t len = 0, rlen = 0;
    const void *bytes = w->out ? outsink_take(w->out, &len) : NULL;
    const void *rbytes = badrow_log_take_rejects(w->bad, &rlen);
    struct chunk_out *c = NULL;
    if (len || rlen) {
        if (!(c = malloc(sizeof *c + len + rlen))) {
            w->fatal = PCSV_ENOMEM;
        } else {
            c->len = len;
            c->rlen = rlen;
            if (len)
                memcpy(c->bytes, bytes, len);
            if (rlen)
                memcpy(c->bytes + len, rbytes, rlen);
        }
    }
    reorder_put(w->p->ro, k, c);
}

/* ------------------------------------------------------------ workers */

/* Bytes a worker reads past its chunk at first: most chunks' last row ends
 * in them, so one pread usually gets the whole window. */
#define WINDOW_SLACK 4096
/* How far past its chunk a worker reads into its buffer looking for the end
 * of its last row (at least; or the chunk size when larger). A longer row
 * (a huge quoted field, or an unclosed quote that runs to the end of the
 * file) is read through the mapping instead, whose pages the kernel can
 * reclaim, so one such row costs no heap. */
#ifndef WINDOW_LONG_ROW /* the fuzz build makes it small, to reach both paths */
#define WINDOW_LONG_ROW ((size_t)1 << 20)
#endif

/* Grow the worker's window buffer to hold n bytes (keeping its contents). */
static int window_reserve(struct pipeline_worker *w, size_t n)
{
    if (n <= w->wcap)
        return 0;
    size_t nc = w->wcap && n < 2 * w->wcap ? 2 * w->wcap : n;
    uint8_t *b = realloc(w->wbuf, nc);
    if (!b)
        return -1;
    w->wbuf = b;
    w->wcap = nc;
    return 0;
}

/* Chunk k = [a, e): publish its counts and get its quote state and lines
 * before it. For a file, the chunk is first read into the worker's buffer,
 * from the byte before it (the scanner looks one back) to the end of its
 * last row, which may lie past e: the first line end outside quotes at or
 * after e - 1, found with the quote state at e, reading further while
 * there is none (up to WINDOW_LONG_ROW; past that the chunk is scanned in
 * the mapping, and *mapped is set). A chunk in which no row starts needs
 * nothing past e (*rows is false: there is nothing to scan). Sets w->d
 * (w->d[x] is byte x of the input, for x in the window) and *len, where the
 * scanner must stop. 0, -1 on out of memory, -2 when the file could not be
 * read (w->read_errno). */
static int read_window(struct pipeline_worker *w, size_t k, size_t a, size_t e, bool *inq,
                       uint64_t *nlb, size_t *len, bool *rows, bool *mapped)
{
    struct pipeline *p = w->p;
    const struct source *in = p->in;
    const struct mapfile *m = &in->map;
    const uint8_t quote = p->cfg.quote;
    *rows = true;
    *mapped = false;
    if (m->fd < 0) { /* a stream's buffer: already in memory */
        w->d = m->data;
        *len = m->size;
        if (chunker_count(p->ch, k, m->data + a, NULL) < 0 || chunker_state(p->ch, k, inq, nlb) < 0)
            return -2;
        return 0;
    }
    const size_t w0 = a > in->data_begin ? a - 1 : a;
    size_t slack = p->cfg.chunk_size < WINDOW_SLACK ? p->cfg.chunk_size : WINDOW_SLACK;
    if (slack < 64)
        slack = 64;
    size_t wend = e + slack < m->size ? e + slack : m->size;
    if (window_reserve(w, wend - w0) < 0)
        return -1;
    if (mapfile_read(m, w0, w->wbuf, wend - w0) < 0)
        return w->read_errno = errno, -2;
    uint64_t q;
    if (chunker_count(p->ch, k, w->wbuf + (a - w0), &q) < 0 ||
        chunker_state(p->ch, k, inq, nlb) < 0)
        return w->read_errno = errno, -2;
    /* Does a row start in [a, e)? At a, or after a line end outside quotes
     * before e - 1. (A blank line counts here: that only reads a little
     * more.) */
    *rows = a == in->data_begin || (w->wbuf[a - 1 - w0] == '\n' && !*inq) ||
            scan_first_row_end(w->wbuf + (a - w0), e - 1 - a, quote, *inq) != 0;
    size_t x = e;
    bool st = *inq ^ (q & 1); /* the quote state at e */
    if (*rows && !(w->wbuf[e - 1 - w0] == '\n' && !st)) {
        const size_t most = e - a > WINDOW_LONG_ROW ? e - a : WINDOW_LONG_ROW;
        size_t at = e;
        for (;;) {
            size_t r = scan_first_row_end(w->wbuf + (at - w0), wend - at, quote, st);
            if (r || wend == m->size) {
                x = r ? at + r : m->size;
                break;
            }
            if (wend - e >= most) { /* a long row: scan it in the mapping */
                w->d = m->data;
                *len = m->size;
                *mapped = true;
                return 0;
            }
            uint64_t pq, pn;
            scan_count(w->wbuf + (at - w0), wend - at, quote, &pq, &pn);
            st ^= pq & 1;
            at = wend;
            /* read as much again as the window holds, up to `most` past e */
            size_t nend = wend + (wend - w0);
            if (nend > e + most)
                nend = e + most;
            if (nend > m->size)
                nend = m->size;
            if (window_reserve(w, nend - w0) < 0)
                return -1;
            if (mapfile_read(m, wend, w->wbuf + (wend - w0), nend - wend) < 0)
                return w->read_errno = errno, -2;
            wend = nend;
        }
    }
    /* The window's bytes at their input offsets: the scanner, the consumers
     * and the bad-row reports all use offsets into the whole input. (An
     * address computed in integers: only [w0, x) is ever read.) */
    w->d = (const uint8_t *)((uintptr_t)w->wbuf - w0);
    *len = x;
    return 0;
}

static void run_chunk(struct pipeline_worker *w, size_t k)
{
    struct pipeline *p = w->p;
    const struct source *in = p->in;
    size_t a, e, len;
    chunker_range(p->ch, k, &a, &e);
    bool inq, rows, mapped = false;
    uint64_t nlb;
    size_t mapped_end = in->map.size; /* how far a scan in the mapping went */
    /* Nothing after the first bad row (fail mode) or once the run stops:
     * later chunks' counts are never needed then. */
    if (k > atomic_load_explicit(&p->err_chunk, memory_order_relaxed) || w->fatal ||
        atomic_load_explicit(&p->stop_all, memory_order_relaxed))
        goto done;
    /* pass 1: read the chunk, publish its quotes and line ends for the
     * chunks after it, learn its own start state */
    int wrc = read_window(w, k, a, e, &inq, &nlb, &len, &rows, &mapped);
    if (wrc) {
        w->fatal = wrc == -1 ? PCSV_ENOMEM : PCSV_EIO;
        atomic_store(&p->stop_all, 1);
        goto done;
    }
    if (!rows)
        goto done;
    const uint8_t *d = w->d;
    if (!w->state) {
        w->state = p->c.worker_create(p->c.ctx);
        if (!w->state) {
            w->fatal = PCSV_ENOMEM;
            goto done;
        }
    }
    w->k = k;
    const struct badrow_chunk bc = {.d = d,
                                    .k = k,
                                    .start = a,
                                    .lines_before = in->header_lines + nlb,
                                    .file = p->file,
                                    .offset_base = in->offset_base,
                                    .path = in->path,
                                    .names = in->names,
                                    .ncols = in->ncols,
                                    .expected = p->ncols};
    badrow_log_chunk(w->bad, &bc);
    struct scan s;
    scan_init(&s, d, len, in->data_begin, a, e, inq, p->cfg.delim, p->cfg.quote, p->c.nsel,
              p->c.sel, p->need_cols);
    struct scan_batch *b = &w->b;
    w->batch = b;
    const uint32_t ncols = (uint32_t)p->ncols;
    while (scan_next(&s, b)) {
        /* Rows with the wrong shape never reach the consumer. In fail mode
         * the consumer first sees the rows before the first such row, so
         * that a bad value earlier in the batch is the one reported. */
        const size_t n = b->nrows;
        size_t first_bad = n;
        w->rows += n;
        uint8_t *skip = NULL;
        for (size_t r = 0; r < n; r++) {
            if (b->nfields[r] == ncols && !b->bad_quote[r])
                continue;
            if (!skip) {
                skip = w->skip;
                memset(skip, 0, n);
                first_bad = r;
            }
            skip[r] = 1;
        }
        if (first_bad < n && p->cfg.bad_mode == PIPELINE_FAIL) {
            /* the rows before the bad one, through --where like any others */
            b->nrows = first_bad;
            if (p->cfg.where && where_filter(w, d, b, &skip) < 0) {
                b->nrows = n;
                w->fatal = PCSV_ENOMEM;
                goto done;
            }
            int rc = p->c.batch(w->state, d, p->cfg.quote, b, skip, w);
            b->nrows = n;
            if (rc < 0)
                w->fatal = PCSV_ENOMEM;
            if (rc == 0)
                record_structural(w, b, first_bad);
            goto done;
        }
        for (size_t r = first_bad; r < n; r++)
            if (skip[r] && !record_structural(w, b, r))
                goto done;
        if (p->cfg.where) {
            if (where_filter(w, d, b, &skip) < 0) {
                w->fatal = PCSV_ENOMEM;
                goto done;
            }
        }
        w->stop_row = SIZE_MAX;
        int rc = p->c.batch(w->state, d, p->cfg.quote, b, skip, w);
        if (rc < 0) {
            w->fatal = PCSV_ENOMEM;
            goto done;
        }
        if (rc > 0) {
            /* the consumer had what it wanted before the end of the batch
             * (head): bad rows past that point were never needed */
            if (w->stop_row < n) {
                badrow_log_drop_from(w->bad, p->in->offset_base + b->row_start[w->stop_row]);
            }
            goto done;
        }
    }
    if (s.unterminated)
        record(w, badrow_log_add(w->bad, BAD_UNTERMINATED, s.unterminated_row, s.unterminated_row,
                                 -1, 0, NULL, 0));
    mapped_end = s.pos + 64;
done:
    if (badrow_log_end_chunk(w->bad, p->rej && !w->fatal) < 0)
        w->fatal = PCSV_ENOMEM;
    if (mapped) /* a long row was read in the mapping: drop its pages (clamped to the file) */
        mapfile_release(&in->map, a, mapped_end - a);
    /* Relaxed: a progress counter, read only for display. */
    atomic_fetch_add_explicit(&p->bytes_done, e - a, memory_order_relaxed);
    if (p->c.write || p->rej)
        ordered_put(w, k);
}

static void worker_loop(struct pipeline_worker *w, struct mpmc *q)
{
    void *item;
    while (mpmc_pop(q, &item))
        run_chunk(w, (size_t)(uintptr_t)item - 1);
}

/* Run the team over the current region of in. */
static int run_region(struct pipeline *p, struct source *in, uint32_t file, int ncols,
                      struct pcsv_error *err)
{
    p->in = in;
    p->file = file;
    p->ncols = ncols;
    size_t len = in->rows_end ? in->rows_end : in->map.size, begin = in->data_begin;
    p->end_quoted = false;
    p->end_lines = 0;
    if (begin >= len)
        return 0;
    p->ch = chunker_create_to(&in->map, begin, len, p->cfg.chunk_size, p->cfg.quote, err);
    if (!p->ch)
        return err->code;
    const size_t n = chunker_nchunks(p->ch);
    int rc = 0;
    atomic_store(&p->stop_all, 0);
    struct mpmc q;
    bool have_q = false;
    atomic_store(&p->err_chunk, SIZE_MAX);
    if ((p->c.write || p->rej) && !(p->ro = reorder_create(write_chunk, free, p))) {
        rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        goto out;
    }

    if (p->nworkers == 1) {
        /* --jobs 1: fully serial, the same per-chunk code in order */
        for (size_t k = 0; k < n && k <= atomic_load(&p->err_chunk) && !atomic_load(&p->stop_all);
             k++)
            run_chunk(&p->w[0], k);
    } else {
        if (mpmc_init(&q, PIPELINE_QUEUE_CAP) < 0) {
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            goto out;
        }
        have_q = true;
        /* Thread 0 is the source: it only sleeps on a full queue. */
#pragma omp parallel num_threads(p->nworkers + 1)
        {
            int t = omp_get_thread_num(), nt = omp_get_num_threads();
            if (t == 0) {
                for (size_t k = 0; k < n; k++) {
                    if (k > atomic_load(&p->err_chunk) || atomic_load(&p->stop_all))
                        break; /* nothing after the first bad row (or head's rows) matters */
                    if (!mpmc_push(&q, (void *)(uintptr_t)(k + 1)))
                        break;
                }
                mpmc_close(&q);
                if (nt == 1) /* no team (thread limit): do the work here */
                    worker_loop(&p->w[0], &q);
            } else if (t - 1 < p->nworkers) {
                worker_loop(&p->w[t - 1], &q);
            }
        }
    }

    /* Collect: fatal errors first, then the first bad row (fail mode), then
     * the dropped rows in input order. */
    for (int i = 0; i < p->nworkers; i++)
        if (p->w[i].fatal == PCSV_EIO) { /* source_finish says so if the file shrank */
            rc = pcsv_error_set(err, PCSV_EIO, p->w[i].read_errno, in->path, 0, "cannot read");
            goto out;
        }
    for (int i = 0; i < p->nworkers; i++)
        if (p->w[i].fatal) {
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            goto out;
        }
    const struct badrow *first = NULL;
    for (int i = 0; i < p->nworkers; i++) {
        const struct badrow *f = badrow_log_first(p->w[i].bad);
        if (f && (!first || badrow_cmp(f, first) < 0))
            first = f;
    }
    for (int i = 0; i < p->nworkers; i++)
        badrow_log_merge(p->bad, p->w[i].bad);
    if (first) {
        /* the fatal row may come after rows dropped in skip mode: then the
         * dropped ones were fine to drop, and this one still fails */
        char reason[1200];
        badrow_reason(first, in->names, in->ncols, ncols, reason, sizeof reason);
        rc = pcsv_error_set(err, PCSV_EDATA, 0, in->path, first->line, "%s", reason);
        err->offset = first->offset;
    }
    for (int i = 0; i < p->nworkers; i++)
        badrow_log_clear_first(p->w[i].bad);
    if (!rc && p->ro && reorder_status(p->ro) < 0)
        rc = pcsv_error_set(err, PCSV_EIO, errno ? errno : EIO, "standard output", 0,
                            "cannot write");
    if (!rc && in->rows_end && chunker_totals(p->ch, &p->end_quoted, &p->end_lines) < 0)
        rc = pcsv_error_set(err, PCSV_EIO, errno, in->path, 0, "cannot read");
out:
    reorder_destroy(p->ro);
    p->ro = NULL;
    if (have_q)
        mpmc_fini(&q);
    chunker_destroy(p->ch);
    p->ch = NULL;
    return rc;
}

int pipeline_parallel(int n, int (*fn)(void *ctx, int i), void *ctx)
{
    int *rc = calloc((size_t)n + 1, sizeof *rc);
    if (!rc)
        return -1;
#pragma omp parallel for num_threads(n) schedule(static, 1)
    for (int i = 0; i < n; i++)
        rc[i] = fn(ctx, i);
    int r = 0;
    for (int i = 0; i < n && !r; i++)
        r = rc[i];
    free(rc);
    return r;
}

const struct badrow *pipeline_bad_rows(struct pipeline *p, size_t *n)
{
    return badrow_log_kept(p->bad, n);
}

uint64_t pipeline_bad_count(const struct pipeline *p) { return badrow_log_count(p->bad); }

void pipeline_region_end(const struct pipeline *p, bool *in_quote, uint64_t *lines)
{
    *in_quote = p->end_quoted;
    *lines = p->end_lines;
}

struct outsink *pipeline_take_rejects(struct pipeline *p)
{
    struct outsink *o = p ? p->rej : NULL;
    if (p)
        p->rej = NULL;
    return o;
}

int pipeline_run(struct pipeline *p, struct source *in, uint32_t file, int ncols,
                 struct pcsv_error *err)
{
    int rc;
    bool last = false;
    while (!(rc = source_next(in, &last, err))) {
        rc = run_region(p, in, file, ncols, err);
        if (rc || atomic_load(&p->stop_all))
            break; /* an error, or the consumer has what it wanted (head) */
        /* A stream: its next region (or the next input) may be slow to come.
         * The writer has run out of work: what it wrote goes out now. */
        if (in->is && p->c.flush)
            p->c.flush(p->c.ctx);
        if (last)
            break;
    }
    return source_finish(in, rc, err);
}

uint64_t pipeline_rows_read(const struct pipeline *p)
{
    uint64_t n = 0;
    for (int i = 0; i < p->nworkers; i++)
        n += p->w[i].rows;
    return n;
}
