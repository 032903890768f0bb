/* pipeline.c - source, chunk chain and worker team (see pipeline.h). */
#include "pipeline.h"

#include <errno.h>
#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../io/instream.h"
#include "chunk.h"
#include "expr.h"
#include "mpmc.h"

#ifndef PIPE_QUEUE_CAP
#define PIPE_QUEUE_CAP 8 /* chunks queued ahead of the workers */
#endif
#define MAX_BAD_VALUE 200
#ifndef PIPE_WINDOW
#define PIPE_WINDOW 16 /* chunks of output a worker may finish ahead of the writer */
#endif

/* ------------------------------------------------------------ input/header */

struct fieldlist {
    char **v;
    int n, cap;
};

static int fl_push(struct fieldlist *f, const uint8_t *p, size_t len)
{
    if (f->n == f->cap) {
        int nc = f->cap ? f->cap * 2 : 16;
        char **v = realloc(f->v, (size_t)nc * sizeof *v);
        if (!v)
            return -1;
        f->v = v;
        f->cap = nc;
    }
    char *s = malloc(len + 1);
    if (!s)
        return -1;
    if (len)
        memcpy(s, p, len);
    s[len] = 0;
    f->v[f->n++] = s;
    return 0;
}

/* Parse the row at data[pos] byte by byte (only for the header). Returns
 * the offset after its line end; -1 unterminated quote; -2 no memory. */
static int64_t serial_row(const uint8_t *d, size_t len, size_t pos, uint8_t delim, uint8_t quote,
                          struct fieldlist *out)
{
    uint8_t *buf = malloc(len - pos + 1);
    if (!buf)
        return -2;
    size_t n = 0;
    bool inq = false;
    size_t i = pos;
    for (; i < len; i++) {
        uint8_t c = d[i];
        if (inq) {
            if (c == quote) {
                if (i + 1 < len && d[i + 1] == quote)
                    buf[n++] = quote, i++;
                else
                    inq = false;
            } else {
                buf[n++] = c;
            }
        } else if (c == quote) {
            inq = true;
        } else if (c == delim) {
            if (fl_push(out, n ? buf : (const uint8_t *)"", n))
                goto nomem;
            n = 0;
        } else if (c == '\n') {
            break;
        } else {
            buf[n++] = c;
        }
    }
    if (inq) {
        free(buf);
        return -1;
    }
    if (n && buf[n - 1] == '\r' && i < len)
        n--;
    if (fl_push(out, n ? buf : (const uint8_t *)"", n))
        goto nomem;
    free(buf);
    return (int64_t)(i < len ? i + 1 : i);
nomem:
    free(buf);
    return -2;
}

#ifndef PIPE_STREAM_BUF
#define PIPE_STREAM_BUF ((size_t)16 << 20) /* a stream's buffer */
#endif

/* Read more of a stream into in->buf until it is full or the input ends;
 * grow the buffer first when asked (or when it has none). -1 on error. */
static int stream_fill(struct pipe_input *in, bool grow, struct pcsv_error *err)
{
    if (grow || !in->bufcap) {
        size_t nc = in->bufcap ? in->bufcap * 2 : PIPE_STREAM_BUF;
        uint8_t *b = realloc(in->buf, nc);
        if (!b)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory"), -1;
        in->buf = b;
        in->bufcap = nc;
    }
    while (in->buflen < in->bufcap && !in->eof) {
        ssize_t n = instream_read(in->is, in->buf + in->buflen, in->bufcap - in->buflen, err);
        if (n < 0)
            return -1;
        if (n == 0)
            in->eof = true;
        in->buflen += (size_t)n;
    }
    return 0;
}

static void fl_free(struct fieldlist *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
}

/* The header of data[pos, len): names, the offset after it. */
static int read_header(struct pipe_input *in, const uint8_t *d, size_t len, size_t pos,
                       const struct pipe_cfg *cfg, struct pcsv_error *err)
{
    struct fieldlist f = {0};
    int64_t end = serial_row(d, len, pos, cfg->delim, cfg->quote, &f);
    if (end < 0) {
        fl_free(&f); /* the fields read before the row went wrong */
        if (end == -2)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        uint64_t line = 1;
        for (size_t i = 0; i < pos; i++)
            line += d[i] == '\n';
        return pcsv_error_set(err, PCSV_EDATA, 0, in->path, line, "unterminated quoted field");
    }
    if (cfg->header) {
        in->names = f.v;
        in->ncols = f.n;
        for (size_t i = 0; i < (size_t)end; i++)
            in->header_lines += d[i] == '\n';
        in->data_begin = (size_t)end;
    } else {
        in->ncols = f.n;
        in->names = f.v; /* pipe_input_close frees them, also after a failure here */
        for (int i = 0; i < f.n; i++) {
            free(f.v[i]);
            char num[16];
            snprintf(num, sizeof num, "%d", i + 1);
            f.v[i] = strdup(num);
            if (!f.v[i])
                return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        }
        for (size_t i = 0; i < pos; i++)
            in->header_lines += d[i] == '\n';
    }
    return 0;
}

/* Where the data starts: after a BOM and blank lines. */
static size_t skip_preamble(const uint8_t *d, size_t len)
{
    size_t pos = 0;
    if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        pos = 3;
    while (pos < len && (d[pos] == '\n' || (d[pos] == '\r' && pos + 1 < len && d[pos + 1] == '\n')))
        pos += d[pos] == '\n' ? 1 : 2;
    return pos;
}

static bool is_zstd_file(int fd)
{
    uint8_t m[4];
    return pread(fd, m, 4, 0) == 4 && instream_is_zstd_magic(m, 4);
}

int pipe_input_open(struct pipe_input *in, const char *path, const char *path_shown,
                    const struct pipe_cfg *cfg, struct pcsv_error *err)
{
    memset(in, 0, sizeof *in);
    in->path = path_shown;
    in->map.fd = -1;
    struct stat st;
    bool regular = strcmp(path, "-") == 0 ? fstat(0, &st) == 0 && S_ISREG(st.st_mode)
                                          : stat(path, &st) == 0 && S_ISREG(st.st_mode);
    if (regular) {
        int rc = mapfile_open(&in->map, strcmp(path, "-") == 0 ? "/dev/stdin" : path, err);
        if (rc) {
            snprintf(err->path, sizeof err->path, "%s", path_shown);
            return rc;
        }
        in->map.path = path_shown;
        /* gzip, bzip2, xz, zip: refused by name, never read as CSV */
        size_t nm = in->map.size < INSTREAM_MAGIC_MAX ? in->map.size : INSTREAM_MAGIC_MAX;
        if (nm && instream_refuse_foreign(in->map.data, nm, path_shown, strcmp(path, "-") == 0, err))
            return err->code;
        if (!is_zstd_file(in->map.fd)) {
            const uint8_t *d = in->map.data;
            size_t len = in->map.size, pos = skip_preamble(d, len);
            in->data_begin = pos;
            if (pos >= len)
                return 0; /* empty: no columns, no rows */
            return read_header(in, d, len, pos, cfg, err);
        }
        mapfile_close(&in->map); /* zstd: read it as a stream */
        in->map.fd = -1;
    }
    in->is = instream_open(path, path_shown, err);
    if (!in->is)
        return err->code;
    size_t nm;
    const uint8_t *magic = instream_magic(in->is, &nm);
    if (instream_refuse_foreign(magic, nm, path_shown, strcmp(path, "-") == 0, err))
        return err->code;
    /* read until the header row is whole */
    for (;;) {
        if (stream_fill(in, in->buflen == in->bufcap, err) < 0)
            return err->code;
        size_t pos = skip_preamble(in->buf, in->buflen);
        if (pos >= in->buflen && in->eof) {
            in->data_begin = in->buflen;
            return 0;
        }
        size_t cut = scan_last_row_end(in->buf + pos, in->buflen - pos, cfg->quote);
        if (cut || in->eof) {
            in->data_begin = pos;
            return read_header(in, in->buf, in->buflen, pos, cfg, err);
        }
    }
}

void pipe_input_close(struct pipe_input *in)
{
    for (int i = 0; i < in->ncols; i++)
        free(in->names[i]);
    free(in->names);
    in->names = NULL;
    if (in->is) {
        instream_close(in->is);
        in->is = NULL;
        free(in->buf);
        in->buf = NULL;
    } else {
        mapfile_close(&in->map);
    }
}

struct pipe_worker {
    struct pipeline *p;
    int id;
    void *state;
    /* the chunk being scanned: d[x] is the input's byte x (a file's chunk
     * is read into wbuf, see read_window) */
    const uint8_t *d;
    uint8_t *wbuf;
    size_t wcap;
    int read_errno; /* fatal PCSV_EIO: why the file could not be read */
    size_t k, a;
    uint64_t nl_before; /* line ends before row data, at chunk start (absolute) */
    uint64_t cur_off, cur_nl; /* line-count cursor inside the chunk */
    const struct scan_batch *batch;
    /* bad rows (skip/warn): every one of the current chunk, then the first
     * PIPE_BAD_KEEP in input order (a worker takes chunks in increasing
     * order) and a count; the chunk's rows go to --rejects */
    struct pipe_bad *cbad;
    size_t ncbad, capcbad;
    struct pipe_bad bad[PIPE_BAD_KEEP];
    size_t nbad;
    uint64_t nbad_count;
    struct outsink *rej; /* the chunk's --rejects lines */
    struct pipe_bad first; /* fail mode: the first bad row this worker met */
    bool has_first;
    size_t first_chunk;
    int fatal; /* PCSV_ENOMEM or 0 */
    uint8_t skip[SCAN_BATCH_ROWS];
    struct scan_batch b;
    /* --where */
    struct expr_ctx *ectx;
    struct expr_val *evals;
    uint8_t *escratch;
    size_t escratch_cap;
    /* row-emitting consumers */
    struct outsink *out;
    size_t stop_row; /* where the consumer stopped in the batch (pipe_stopped_at) */
};

/* The reorder window of the ordered writer. */
struct owriter {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next;  /* the chunk to write next */
    bool writing; /* a thread is writing (outside the lock) */
    int rc;       /* first non-zero write() result */
    struct oslot {
        bool ready;
        char *buf, *rbuf; /* the chunk's output and its --rejects lines */
        size_t len, rlen;
    } slot[PIPE_WINDOW];
};

struct pipeline {
    struct pipe_cfg cfg;
    struct pipe_consumer c;
    int nworkers;
    struct pipe_worker *w;
    /* per run */
    struct pipe_input *in;
    uint32_t file;
    int ncols;
    struct chunker *ch;
    int need_cols; /* 1 + the last selected column: per chunk, nothing costs per column */
    _Atomic size_t err_chunk; /* fail mode: lowest chunk with a bad row (SIZE_MAX: none) */
    _Atomic int stop_all;     /* the writer asked to stop (head), or failed */
    _Atomic uint64_t bytes_done; /* progress: input bytes of finished chunks */
    struct owriter ow;
    /* merged bad rows: the first PIPE_BAD_KEEP, and how many in all */
    struct pipe_bad bad[PIPE_BAD_KEEP];
    size_t nbad;
    uint64_t nbad_total;
    struct outsink *rej; /* --rejects FILE, until taken */
};

struct pipeline *pipeline_create(const struct pipe_cfg *cfg, const struct pipe_consumer *c,
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
    if (cfg->rejects && cfg->bad_mode != PIPE_FAIL) {
        if (!(p->rej = outsink_open(cfg->rejects, OUT_CSV, err))) {
            pipeline_destroy(p);
            return NULL;
        }
        static char *const rej_names[] = {"file", "line", "offset", "column", "reason", "row"};
        outsink_header(p->rej, rej_names, 6);
    }
    for (int i = 0; i < n; i++) {
        p->w[i].p = p;
        p->w[i].id = i;
        p->w[i].b.fields = calloc(scan_batch_rows(c->nsel) * (size_t)(c->nsel ? c->nsel : 1),
                                  sizeof(struct scan_field));
        if (!p->w[i].b.fields) {
            pipeline_destroy(p);
            pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            return NULL;
        }
    }
    return p;
}

static void free_bad(struct pipe_bad *b, size_t n)
{
    for (size_t i = 0; b && i < n; i++)
        free(b[i].value);
    free(b);
}

void pipeline_destroy(struct pipeline *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nworkers; i++) {
        free(p->w[i].b.fields);
        free_bad(p->w[i].cbad, p->w[i].ncbad);
        for (size_t j = 0; j < p->w[i].nbad; j++)
            free(p->w[i].bad[j].value);
        outsink_abort(p->w[i].rej);
        expr_ctx_destroy(p->w[i].ectx);
        free(p->w[i].evals);
        free(p->w[i].escratch);
        outsink_abort(p->w[i].out);
        free(p->w[i].first.value);
        free(p->w[i].wbuf);
    }
    for (size_t j = 0; j < p->nbad; j++)
        free(p->bad[j].value);
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

static uint64_t line_of(struct pipe_worker *w, uint64_t off)
{
    const uint8_t *d = w->d;
    if (off < w->cur_off) { /* reported out of order: count again from the chunk start */
        w->cur_off = w->a;
        w->cur_nl = 0;
    }
    if (off > w->cur_off) {
        uint64_t q, nl;
        scan_count(d + w->cur_off, (size_t)(off - w->cur_off), w->p->cfg.quote, &q, &nl);
        w->cur_nl += nl;
        w->cur_off = off;
    }
    return w->nl_before + w->cur_nl + 1;
}

/* Which column of the row [s, e) has the misplaced quote (slow; rare). */
static int bad_quote_col(const uint8_t *d, uint64_t s, uint64_t e, uint8_t delim, uint8_t quote)
{
    int col = 0;
    uint64_t fs = s;
    bool inq = false, quoted = false;
    for (uint64_t i = s; i < e; i++) {
        uint8_t c = d[i];
        if (inq) {
            if (c == quote) {
                if (i + 1 < e && d[i + 1] == quote)
                    i++;
                else {
                    inq = false;
                    /* a closing quote must end the field */
                    if (i + 1 < e && d[i + 1] != delim && !(d[i + 1] == '\r' && i + 2 == e))
                        return col;
                }
            }
        } else if (c == quote) {
            if (i != fs || quoted)
                return col;
            inq = quoted = true;
        } else if (c == delim) {
            col++;
            fs = i + 1;
            quoted = false;
        }
    }
    return col;
}

static bool record_bad(struct pipe_worker *w, enum pipe_bad_kind kind, uint64_t off, uint64_t end,
                       int col, uint32_t nfound, const uint8_t *val, size_t vlen)
{
    struct pipeline *p = w->p;
    struct pipe_bad b = {.file = p->file, .line = line_of(w, off), .offset = p->in->offset_base + off,
                         .end = p->in->offset_base + end, .kind = kind, .col = col,
                         .nfound = nfound};
    if (val) {
        size_t n = vlen > MAX_BAD_VALUE ? MAX_BAD_VALUE : vlen;
        b.value = malloc(n + 1);
        if (b.value) {
            memcpy(b.value, val, n);
            b.value[n] = 0;
        }
    }
    if (p->cfg.bad_mode == PIPE_FAIL || kind == BAD_UNTERMINATED) {
        if (!w->has_first || w->k < w->first_chunk ||
            (w->k == w->first_chunk && off < w->first.offset)) {
            free(w->first.value);
            w->first = b;
            w->has_first = true;
            w->first_chunk = w->k;
        } else {
            free(b.value);
        }
        /* lower the global error chunk: chunks after it need no parsing */
        size_t cur = atomic_load(&p->err_chunk);
        while (w->k < cur && !atomic_compare_exchange_weak(&p->err_chunk, &cur, w->k))
            ;
        return false;
    }
    /* skip/warn: kept for the end of the chunk (bounded by the chunk's rows) */
    if (w->ncbad == w->capcbad) {
        size_t nc = w->capcbad ? w->capcbad * 2 : 64;
        struct pipe_bad *nb = realloc(w->cbad, nc * sizeof *nb);
        if (!nb) {
            free(b.value);
            w->fatal = PCSV_ENOMEM;
            return false;
        }
        w->cbad = nb;
        w->capcbad = nc;
    }
    w->cbad[w->ncbad++] = b;
    return true;
}

bool pipe_bad_value(struct pipe_worker *w, size_t row, int col, const uint8_t *val, size_t len)
{
    return record_bad(w, BAD_VALUE, w->batch->row_start[row], w->batch->row_end[row], col, 0, val,
                      len);
}

static int cmp_bad(const void *x, const void *y);

/* v in decimal at the end of buf[32]; returns where it starts. */
static char *u64_dec(uint64_t v, char *buf)
{
    char *p = buf + 32;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

/* One --rejects line: file,line,offset,column,reason,row (the raw row as in
 * the input, without its line end). */
static void rejects_line(struct outsink *o, const struct pipeline *p, const uint8_t *d,
                         const struct pipe_bad *b)
{
    const struct pipe_input *in = p->in;
    char num[32], reason[1200], *s;
    outsink_field(o, in->path, strlen(in->path), OUT_STR);
    s = u64_dec(b->line, num);
    outsink_field(o, s, (size_t)(num + 32 - s), OUT_NUM);
    s = u64_dec(b->offset, num);
    outsink_field(o, s, (size_t)(num + 32 - s), OUT_NUM);
    const char *col = b->col >= 0 && b->col < in->ncols ? in->names[b->col] : "";
    outsink_field(o, col, strlen(col), OUT_STR);
    pipe_bad_reason(b, in->names, in->ncols, p->ncols, reason, sizeof reason);
    outsink_field(o, reason, strlen(reason), OUT_STR);
    uint64_t rs = b->offset - in->offset_base, re = b->end - in->offset_base;
    outsink_field(o, d + rs, (size_t)(re - rs), OUT_STR);
    outsink_end_row(o);
}

/* The end of a chunk (skip/warn): its bad rows in input order go to the
 * chunk's --rejects lines, the first few to the worker's kept list, and
 * all of them to its count. */
static void chunk_bad_flush(struct pipe_worker *w)
{
    struct pipeline *p = w->p;
    if (!w->ncbad)
        return;
    /* in order already unless a batch had both shapes and values wrong */
    for (size_t i = 1; i < w->ncbad; i++)
        if (w->cbad[i - 1].offset > w->cbad[i].offset) {
            qsort(w->cbad, w->ncbad, sizeof *w->cbad, cmp_bad);
            break;
        }
    if (p->rej && !w->fatal && !w->rej && !(w->rej = outsink_open_mem(OUT_CSV)))
        w->fatal = PCSV_ENOMEM;
    for (size_t i = 0; i < w->ncbad; i++) {
        struct pipe_bad *b = &w->cbad[i];
        if (w->rej && !w->fatal)
            rejects_line(w->rej, p, w->d, b);
        if (w->nbad < PIPE_BAD_KEEP) {
            w->bad[w->nbad++] = *b;
        } else {
            free(b->value);
        }
        w->nbad_count++;
    }
    w->ncbad = 0;
}

/* Record row r of b, which has the wrong field count or a misplaced
 * quote. Returns false to stop (fail mode). */
static bool record_structural(struct pipe_worker *w, const struct scan_batch *b, size_t r)
{
    const struct pipe_cfg *cfg = &w->p->cfg;
    if (b->bad_quote[r])
        return record_bad(w, BAD_QUOTE, b->row_start[r], b->row_end[r],
                          bad_quote_col(w->d, b->row_start[r], b->row_end[r],
                                        cfg->delim, cfg->quote),
                          0, NULL, 0);
    return record_bad(w, BAD_FIELDS, b->row_start[r], b->row_end[r], -1, b->nfields[r], NULL, 0);
}

/* ------------------------------------------------------------ --where */

/* Mark the rows of b that --where rejects (allocating the skip mask when
 * the batch had none). -1 on ENOMEM. */
static int where_filter(struct pipe_worker *w, const uint8_t *d, const struct scan_batch *b,
                        uint8_t **skip)
{
    const struct pipeline *p = w->p;
    const int *cols;
    int nc = expr_columns(p->cfg.where, &cols);
    if (!w->ectx) {
        w->ectx = expr_ctx_create(p->cfg.where);
        w->evals = calloc((size_t)nc + 1, sizeof *w->evals);
        if (!w->ectx || !w->evals)
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
            const uint8_t *v = d + x.start;
            if (len && v[0] == p->cfg.quote) {
                if (used + len > w->escratch_cap) {
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
                v = scan_unquote(d, x, p->cfg.quote, w->escratch + used, &len);
                used += len;
            }
            w->evals[i].p = v;
            w->evals[i].len = len;
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

struct outsink *pipe_out(struct pipe_worker *w)
{
    if (!w->out && (w->out = outsink_open_mem(w->p->c.out_format)))
        outsink_names(w->out, w->p->c.out_names, w->p->c.nout_names);
    return w->out;
}

void *pipe_consumer_ctx(struct pipe_worker *w) { return w->p->c.ctx; }

void pipe_stopped_at(struct pipe_worker *w, size_t row) { w->stop_row = row; }

uint64_t pipe_pos_base(struct pipe_worker *w)
{
    return (uint64_t)w->p->file << 48 | w->p->in->offset_base;
}

/* Hand chunk k's output to the writer. Sleeps while k is more than
 * PIPE_WINDOW chunks ahead of the next chunk to write (back-pressure: the
 * memory held does not grow however far a slow chunk falls behind). Whoever
 * finds nobody writing becomes the writer and writes every consecutive
 * ready chunk, outside the lock. */
static void ordered_put(struct pipe_worker *w, size_t k)
{
    struct pipeline *p = w->p;
    struct owriter *o = &p->ow;
    size_t len = 0, rlen = 0;
    const void *bytes = w->out ? outsink_take(w->out, &len) : NULL;
    const void *rbytes = w->rej ? outsink_take(w->rej, &rlen) : NULL;
    char *copy = NULL, *rcopy = NULL;
    if (len && !(copy = malloc(len)))
        w->fatal = PCSV_ENOMEM;
    else if (len)
        memcpy(copy, bytes, len);
    if (rlen && !(rcopy = malloc(rlen)))
        w->fatal = PCSV_ENOMEM;
    else if (rlen)
        memcpy(rcopy, rbytes, rlen);
    pthread_mutex_lock(&o->mu);
    while (k >= o->next + PIPE_WINDOW)
        pthread_cond_wait(&o->cv, &o->mu);
    struct oslot *sl = &o->slot[k % PIPE_WINDOW];
    sl->ready = true;
    sl->buf = copy;
    sl->len = copy ? len : 0;
    sl->rbuf = rcopy;
    sl->rlen = rcopy ? rlen : 0;
    while (!o->writing && o->slot[o->next % PIPE_WINDOW].ready) {
        o->writing = true;
        while (o->slot[o->next % PIPE_WINDOW].ready) {
            struct oslot *x = &o->slot[o->next % PIPE_WINDOW];
            char *buf = x->buf, *rbuf = x->rbuf;
            size_t n = x->len, rn = x->rlen;
            x->ready = false;
            x->buf = x->rbuf = NULL;
            pthread_mutex_unlock(&o->mu);
            int rc = 0;
            /* the chunk's rejects first: they come before any row that
             * makes head stop */
            if (rn && p->rej && !atomic_load(&p->stop_all))
                outsink_raw(p->rej, rbuf, rn);
            /* Nothing after the first bad row in fail mode: a chunk past
             * err_chunk may have been finished before the bad row was
             * found, but its rows must not reach the output (what is
             * printed before the error must not depend on --jobs). The
             * bad row's own chunk lowered err_chunk before it was put. */
            if (n && !atomic_load(&p->stop_all) && o->next <= atomic_load(&p->err_chunk))
                rc = p->c.write(p->c.ctx, buf, n);
            free(buf);
            free(rbuf);
            pthread_mutex_lock(&o->mu);
            if (rc && !o->rc)
                o->rc = rc;
            if (rc)
                atomic_store(&p->stop_all, 1);
            o->next++;
            pthread_cond_broadcast(&o->cv);
        }
        o->writing = false;
    }
    pthread_mutex_unlock(&o->mu);
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
static int window_reserve(struct pipe_worker *w, size_t n)
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
static int read_window(struct pipe_worker *w, size_t k, size_t a, size_t e, bool *inq,
                       uint64_t *nlb, size_t *len, bool *rows, bool *mapped)
{
    struct pipeline *p = w->p;
    const struct pipe_input *in = p->in;
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

static void run_chunk(struct pipe_worker *w, size_t k)
{
    struct pipeline *p = w->p;
    const struct pipe_input *in = p->in;
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
    w->a = a;
    w->nl_before = in->header_lines + nlb;
    w->cur_off = a;
    w->cur_nl = 0;
    struct scan s;
    scan_init(&s, d, len, in->data_begin, a, e, inq, p->cfg.delim, p->cfg.quote,
              p->c.nsel, p->c.sel, p->need_cols);
    struct scan_batch *b = &w->b;
    w->batch = b;
    const uint32_t ncols = (uint32_t)p->ncols;
    while (scan_next(&s, b)) {
        /* Rows with the wrong shape never reach the consumer. In fail mode
         * the consumer first sees the rows before the first such row, so
         * that a bad value earlier in the batch is the one reported. */
        const size_t n = b->nrows;
        size_t first_bad = n;
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
        if (first_bad < n && p->cfg.bad_mode == PIPE_FAIL) {
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
                uint64_t cut = p->in->offset_base + b->row_start[w->stop_row];
                size_t keep = 0;
                for (size_t i = 0; i < w->ncbad; i++) {
                    if (w->cbad[i].offset >= cut)
                        free(w->cbad[i].value);
                    else
                        w->cbad[keep++] = w->cbad[i];
                }
                w->ncbad = keep;
            }
            goto done;
        }
    }
    if (s.unterminated)
        record_bad(w, BAD_UNTERMINATED, s.unterminated_row, s.unterminated_row, -1, 0, NULL, 0);
    mapped_end = s.pos + 64;
done:
    chunk_bad_flush(w);
    if (mapped) /* a long row was read in the mapping: drop its pages (clamped to the file) */
        mapfile_release(&in->map, a, mapped_end - a);
    /* Relaxed: a progress counter, read only for display. */
    atomic_fetch_add_explicit(&p->bytes_done, e - a, memory_order_relaxed);
    if (p->c.write || p->rej)
        ordered_put(w, k);
}

static void worker_loop(struct pipe_worker *w, struct mpmc *q)
{
    void *item;
    while (mpmc_pop(q, &item))
        run_chunk(w, (size_t)(uintptr_t)item - 1);
}

static int cmp_bad(const void *x, const void *y)
{
    const struct pipe_bad *a = x, *b = y;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return (a->offset > b->offset) - (a->offset < b->offset);
}

int pipeline_run(struct pipeline *p, struct pipe_input *in, uint32_t file, int ncols,
                 struct pcsv_error *err)
{
    p->in = in;
    p->file = file;
    p->ncols = ncols;
    size_t len = in->map.size, begin = in->data_begin;
    if (begin >= len)
        return 0;
    p->ch = chunker_create(&in->map, begin, p->cfg.chunk_size, p->cfg.quote, err);
    if (!p->ch)
        return err->code;
    const size_t n = chunker_nchunks(p->ch);
    int rc = 0;
    memset(&p->ow, 0, sizeof p->ow);
    pthread_mutex_init(&p->ow.mu, NULL);
    pthread_cond_init(&p->ow.cv, NULL);
    atomic_store(&p->stop_all, 0);
    struct mpmc q;
    bool have_q = false;
    atomic_store(&p->err_chunk, SIZE_MAX);

    if (p->nworkers == 1) {
        /* --jobs 1: fully serial, the same per-chunk code in order */
        for (size_t k = 0; k < n && k <= atomic_load(&p->err_chunk) && !atomic_load(&p->stop_all);
             k++)
            run_chunk(&p->w[0], k);
    } else {
        if (mpmc_init(&q, PIPE_QUEUE_CAP) < 0) {
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
        if (p->w[i].fatal == PCSV_EIO) { /* pipe_input_run says so if the file shrank */
            rc = pcsv_error_set(err, PCSV_EIO, p->w[i].read_errno, in->path, 0, "cannot read");
            goto out;
        }
    for (int i = 0; i < p->nworkers; i++)
        if (p->w[i].fatal) {
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            goto out;
        }
    struct pipe_bad *first = NULL;
    for (int i = 0; i < p->nworkers; i++) {
        struct pipe_worker *w = &p->w[i];
        if (w->has_first && (!first || cmp_bad(&w->first, first) < 0))
            first = &w->first;
    }
    /* the first PIPE_BAD_KEEP of every worker hold the first PIPE_BAD_KEEP
     * of all (each worker's are in input order) */
    for (int i = 0; i < p->nworkers; i++) {
        struct pipe_worker *w = &p->w[i];
        p->nbad_total += w->nbad_count;
        w->nbad_count = 0;
        for (size_t j = 0; j < w->nbad; j++) {
            if (p->nbad < PIPE_BAD_KEEP) {
                p->bad[p->nbad++] = w->bad[j];
                continue;
            }
            /* full: replace the last (largest) when this one is smaller */
            size_t last = 0;
            for (size_t x = 1; x < p->nbad; x++)
                if (cmp_bad(&p->bad[x], &p->bad[last]) > 0)
                    last = x;
            if (cmp_bad(&w->bad[j], &p->bad[last]) < 0) {
                free(p->bad[last].value);
                p->bad[last] = w->bad[j];
            } else {
                free(w->bad[j].value);
            }
        }
        w->nbad = 0;
    }
    if (p->nbad > 1)
        qsort(p->bad, p->nbad, sizeof *p->bad, cmp_bad);
    if (first) {
        /* the fatal row may come after rows dropped in skip mode: then the
         * dropped ones were fine to drop, and this one still fails */
        char reason[1200];
        pipe_bad_reason(first, in->names, in->ncols, ncols, reason, sizeof reason);
        rc = pcsv_error_set(err, PCSV_EDATA, 0, in->path, first->line, "%s", reason);
        err->offset = first->offset;
    }
    for (int i = 0; i < p->nworkers; i++) {
        free(p->w[i].first.value);
        p->w[i].first.value = NULL;
        p->w[i].has_first = false;
    }
    if (!rc && p->ow.rc < 0)
        rc = pcsv_error_set(err, PCSV_EIO, errno ? errno : EIO, "standard output", 0, "cannot write");
out:
    for (int i = 0; i < PIPE_WINDOW; i++) {
        free(p->ow.slot[i].buf);
        free(p->ow.slot[i].rbuf);
    }
    pthread_mutex_destroy(&p->ow.mu);
    pthread_cond_destroy(&p->ow.cv);
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

const struct pipe_bad *pipeline_bad_rows(struct pipeline *p, size_t *n)
{
    *n = p->nbad;
    return p->bad;
}

uint64_t pipeline_bad_count(const struct pipeline *p) { return p->nbad_total; }

struct outsink *pipeline_take_rejects(struct pipeline *p)
{
    struct outsink *o = p ? p->rej : NULL;
    if (p)
        p->rej = NULL;
    return o;
}

void pipe_bad_reason(const struct pipe_bad *b, char *const *names, int ncols, int expected,
                     char *buf, size_t cap)
{
    const char *col = b->col >= 0 && b->col < ncols ? names[b->col] : "?";
    switch (b->kind) {
    case BAD_FIELDS:
        snprintf(buf, cap, "expected %d fields, found %u", expected, b->nfound);
        break;
    case BAD_QUOTE:
        snprintf(buf, cap, "column '%s': misplaced quote", col);
        break;
    case BAD_VALUE:
        snprintf(buf, cap, "column '%s': not a number: \"%s\"", col, b->value ? b->value : "");
        break;
    case BAD_UNTERMINATED:
        snprintf(buf, cap, "unterminated quoted field");
        break;
    }
}

/* The stream reader: fills the next buffer while the team works on the
 * current one (double buffering), so reading a pipe or decompressing zstd
 * overlaps with parsing. */
struct reader {
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pipe_input *in;
    bool busy, quit;
    int rc;
    struct pcsv_error err;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->busy && !r->quit)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->quit)
            break;
        pthread_mutex_unlock(&r->mu);
        int rc = stream_fill(r->in, false, &r->err) < 0 ? -1 : 0;
        pthread_mutex_lock(&r->mu);
        r->rc = rc;
        r->busy = false;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void reader_wait(struct reader *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->busy)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

static void reader_start(struct reader *r)
{
    pthread_mutex_lock(&r->mu);
    r->busy = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

int pipe_input_run(struct pipeline *p, struct pipe_input *in, uint32_t file, int ncols,
                   struct pcsv_error *err)
{
    if (!in->is) {
        int rc = pipeline_run(p, in, file, ncols, err);
        if (mapfile_changed(&in->map))
            rc = pcsv_error_set(err, PCSV_EIO, 0, in->path, 0, "file changed while reading");
        return rc;
    }
    /* Two buffers: `in` reads into the spare while the team works on a
     * region of `cur`. */
    struct pipe_input spare = *in;
    spare.buf = NULL;
    spare.buflen = spare.bufcap = 0;
    struct reader r = {.in = &spare};
    pthread_mutex_init(&r.mu, NULL);
    pthread_cond_init(&r.cv, NULL);
    bool started = pthread_create(&r.t, NULL, reader_main, &r) == 0;
    int rc = started ? 0 : pcsv_error_set(err, PCSV_ENOMEM, errno, NULL, 0, "cannot start the reader");
    size_t start = in->data_begin;
    uint64_t lines = in->header_lines;
    bool grow = false;
    while (!rc) {
        if (!in->eof && (grow || in->buflen < in->bufcap) && stream_fill(in, grow, err) < 0) {
            rc = err->code;
            break;
        }
        size_t end = in->eof ? in->buflen
                             : start + scan_last_row_end(in->buf + start, in->buflen - start,
                                                         p->cfg.quote);
        grow = end == start && !in->eof; /* one row longer than the buffer */
        if (grow)
            continue;
        bool last = in->eof && end == in->buflen;
        /* the unfinished row goes to the spare buffer, which the reader then
         * fills while the team works on [start, end) */
        if (!last) {
            size_t tail = in->buflen - end;
            if (spare.bufcap < in->bufcap) {
                uint8_t *b = realloc(spare.buf, in->bufcap);
                if (!b) {
                    rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
                    break;
                }
                spare.buf = b;
                spare.bufcap = in->bufcap;
            }
            memcpy(spare.buf, in->buf + end, tail);
            spare.buflen = tail;
            spare.eof = in->eof;
            spare.is = in->is;
            reader_start(&r);
        }
        in->map.fd = -1;
        in->map.data = in->buf;
        in->map.size = end;
        in->map.page = 4096;
        in->data_begin = start;
        in->header_lines = lines;
        rc = end > start ? pipeline_run(p, in, file, ncols, err) : 0;
        if (!last)
            reader_wait(&r);
        if (rc || last || atomic_load(&p->stop_all))
            break; /* an error, the end, or the consumer has what it wanted (head) */
        if (r.rc) {
            *err = r.err;
            rc = err->code;
            break;
        }
        uint64_t q, nl;
        scan_count(in->buf + start, end - start, p->cfg.quote, &q, &nl);
        lines += nl;
        /* swap: the spare (tail + new data) becomes current */
        uint8_t *b = in->buf;
        size_t cap = in->bufcap;
        in->buf = spare.buf;
        in->buflen = spare.buflen;
        in->bufcap = spare.bufcap;
        in->eof = spare.eof;
        in->offset_base += end;
        spare.buf = b;
        spare.bufcap = cap;
        start = 0;
    }
    if (started) {
        pthread_mutex_lock(&r.mu);
        r.quit = true;
        pthread_cond_broadcast(&r.cv);
        pthread_mutex_unlock(&r.mu);
        pthread_join(r.t, NULL);
    }
    pthread_mutex_destroy(&r.mu);
    pthread_cond_destroy(&r.cv);
    free(spare.buf);
    return rc;
}
