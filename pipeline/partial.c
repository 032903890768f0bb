/* partial.c - partial state files (see partial.h). */
#include "partial.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../io/spillfile.h"
#include "aggstate.h"

static const char MAGIC[8] = {'P', 'C', 'S', 'V', 'P', 'A', 'R', 'T'};
enum { HEAD_LEN = 16, BLOCK_HEAD = 24 };
/* A G section holds about this many raw bytes (groups are split by hash) */
#define GROUP_SECTION ((size_t)8 << 20)

void partial_meta_free(struct partial_meta *m)
{
    free(m->by);
    free(m->agg);
    for (int i = 0; i < m->nwheres; i++)
        free(m->wheres[i]);
    free(m->wheres);
    for (int i = 0; i < m->ncols; i++)
        free(m->names[i]);
    free(m->names);
    for (int i = 0; i < m->nsrc; i++)
        free(m->src[i].path);
    free(m->src);
    for (size_t i = 0; i < m->nbad; i++)
        free(m->bad[i].value);
    memset(m, 0, sizeof *m);
}

/* ---- the meta section's bytes ---- */

static int put(struct aggstate_buf *b, const void *p, size_t n)
{
    if (aggstate_reserve(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static int put64(struct aggstate_buf *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    return put(b, x, 8);
}

/* a string: u64 length (UINT64_MAX for none), then its bytes */
static int put_str(struct aggstate_buf *b, const char *s)
{
    if (!s)
        return put64(b, UINT64_MAX);
    size_t n = strlen(s);
    return put64(b, n) || put(b, s, n);
}

/* The meta section, field by field. */
static int meta_put(struct aggstate_buf *b, const struct partial_meta *m)
{
    int e = put64(b, (uint64_t)m->kind) || put64(b, m->delim) || put64(b, m->quote) ||
            put64(b, m->bad_mode) || put64(b, m->header) || put_str(b, m->by) ||
            put_str(b, m->agg) || put64(b, (uint64_t)m->nwheres);
    for (int i = 0; i < m->nwheres && !e; i++)
        e = put_str(b, m->wheres[i]);
    e = e || put64(b, (uint64_t)m->ncols);
    for (int i = 0; i < m->ncols && !e; i++)
        e = put_str(b, m->names[i]);
    e = e || put64(b, m->query_fp) || put64(b, m->header_fp) || put64(b, (uint64_t)m->nsrc);
    for (int i = 0; i < m->nsrc && !e; i++) {
        const struct partial_source *s = &m->src[i];
        uint64_t flags = (uint64_t)s->stream | (uint64_t)s->ranged << 1 | (uint64_t)s->exact << 2 |
                         (uint64_t)s->start_quoted << 3 | (uint64_t)s->end_quoted << 4;
        e = put_str(b, s->path) || put64(b, s->file) || put64(b, flags) || put64(b, s->size) ||
            put64(b, s->mtime_ns) || put64(b, s->hash) || put64(b, s->data_begin) ||
            put64(b, s->start) || put64(b, s->end) || put64(b, s->r0) || put64(b, s->lines_pre) ||
            put64(b, s->lines);
    }
    e = e || put64(b, m->bad_total) || put64(b, m->nbad);
    for (size_t i = 0; i < m->nbad && !e; i++) {
        const struct badrow *r = &m->bad[i];
        e = put64(b, r->file) || put64(b, r->line) || put64(b, r->offset) || put64(b, r->end) ||
            put64(b, (uint64_t)r->kind) || put64(b, (uint64_t)(int64_t)r->col) ||
            put64(b, r->nfound) || put_str(b, r->value);
    }
    return e ? -1 : 0;
}

struct rd {
    const uint8_t *p, *end;
    bool bad;
};

static uint64_t get64(struct rd *r)
{
    if (r->end - r->p < 8) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    return v;
}

/* a bounded number: bad when over most */
static uint64_t get_n(struct rd *r, uint64_t most)
{
    uint64_t v = get64(r);
    if (v > most)
        r->bad = true;
    return r->bad ? 0 : v;
}

/* NULL for none (and when bad: check r->bad); else a new string */
static char *get_str(struct rd *r)
{
    uint64_t n = get64(r);
    if (r->bad || n == UINT64_MAX)
        return NULL;
    if (n > (uint64_t)(r->end - r->p)) {
        r->bad = true;
        return NULL;
    }
    char *s = malloc(n + 1);
    if (!s) {
        r->bad = true;
        return NULL;
    }
    memcpy(s, r->p, n);
    s[n] = 0;
    r->p += n;
    return s;
}

static int meta_get(struct rd *r, struct partial_meta *m)
{
    m->kind = (enum partial_kind)get_n(r, PARTIAL_COUNT);
    m->delim = (uint8_t)get_n(r, 255);
    m->quote = (uint8_t)get_n(r, 255);
    m->bad_mode = (uint8_t)get_n(r, 2);
    m->header = get_n(r, 1);
    m->by = get_str(r);
    m->agg = get_str(r);
    uint64_t nw = get_n(r, 4096);
    if (!r->bad && !(m->wheres = calloc(nw + 1, sizeof *m->wheres)))
        r->bad = true;
    for (; !r->bad && (uint64_t)m->nwheres < nw; m->nwheres++)
        if (!(m->wheres[m->nwheres] = get_str(r)))
            r->bad = true;
    uint64_t nc = get_n(r, 1 << 20);
    if (!r->bad && !(m->names = calloc(nc + 1, sizeof *m->names)))
        r->bad = true;
    for (; !r->bad && (uint64_t)m->ncols < nc; m->ncols++)
        if (!(m->names[m->ncols] = get_str(r)))
            r->bad = true;
    m->query_fp = get64(r);
    m->header_fp = get64(r);
    uint64_t ns = get_n(r, 1 << 20);
    if (!r->bad && !(m->src = calloc(ns + 1, sizeof *m->src)))
        r->bad = true;
    for (; !r->bad && (uint64_t)m->nsrc < ns; m->nsrc++) {
        struct partial_source *s = &m->src[m->nsrc];
        s->path = get_str(r);
        s->file = (uint32_t)get_n(r, UINT32_MAX >> 8);
        uint64_t f = get_n(r, 31);
        s->stream = f & 1, s->ranged = f & 2, s->exact = f & 4;
        s->start_quoted = f & 8, s->end_quoted = f & 16;
        s->size = get64(r), s->mtime_ns = get64(r), s->hash = get64(r);
        s->data_begin = get64(r), s->start = get64(r), s->end = get64(r), s->r0 = get64(r);
        s->lines_pre = get64(r), s->lines = get64(r);
        if (!s->path || s->start > s->end || s->end > s->size || s->r0 < s->start)
            r->bad = true;
    }
    m->bad_total = get64(r);
    uint64_t nb = get_n(r, BADROW_KEEP);
    for (; !r->bad && m->nbad < nb; m->nbad++) {
        struct badrow *b = &m->bad[m->nbad];
        b->file = (uint32_t)get_n(r, (uint64_t)m->nsrc - 1);
        b->line = get64(r), b->offset = get64(r), b->end = get64(r);
        b->kind = (enum badrow_kind)get_n(r, BAD_UNTERMINATED);
        int64_t col = (int64_t)get64(r);
        if (col < -1 || col >= (int64_t)m->ncols)
            r->bad = true;
        b->col = (int)col;
        b->nfound = (uint32_t)get_n(r, UINT32_MAX);
        b->value = get_str(r);
        if (b->kind == BAD_VALUE && !b->value)
            r->bad = true;
    }
    if (m->nbad > m->bad_total || (m->kind != PARTIAL_AGGREGATE && m->kind != PARTIAL_COUNT))
        r->bad = true;
    return r->bad || r->p != r->end ? -1 : 0;
}

void partial_fingerprint(struct partial_meta *m, const struct agg_plan *plan)
{
    /* the query as text: every field that changes a result */
    struct aggstate_buf b = {0};
    int e = put64(&b, (uint64_t)m->kind) || put64(&b, m->delim) || put64(&b, m->quote) ||
            put64(&b, m->bad_mode) || put64(&b, m->header) || put64(&b, (uint64_t)plan->nkeys);
    for (int k = 0; k < plan->nkeys && !e; k++) {
        e = put64(&b, (uint64_t)(int64_t)plan->key_cols[k]);
        /* a computed or renamed key: its expression and name too (a plain
         * key adds nothing, so its fingerprint is as before) */
        int x = plan->key_expr[k];
        if (!e && (x >= 0 || strcmp(plan->key_names[k], plan->colnames[plan->key_cols[k]]) != 0))
            e = put_str(&b, x >= 0 ? plan->kx[x].text : "") || put_str(&b, plan->key_names[k]);
    }
    e = e || put64(&b, (uint64_t)plan->nspecs);
    for (int i = 0; i < plan->nspecs && !e; i++) {
        const struct agg_spec *s = &plan->specs[i];
        e = put64(&b, (uint64_t)s->fn) || put64(&b, (uint64_t)(int64_t)s->col) ||
            put64(&b, (uint64_t)s->qnum) || put64(&b, (uint64_t)s->qdscale) || put_str(&b, s->name);
    }
    e = e || put64(&b, (uint64_t)m->nwheres);
    for (int i = 0; i < m->nwheres && !e; i++)
        e = put_str(&b, m->wheres[i]);
    m->query_fp = e ? 0 : XXH64(b.p, b.len, 1);
    b.len = 0;
    e = put64(&b, (uint64_t)m->ncols);
    for (int i = 0; i < m->ncols && !e; i++)
        e = put_str(&b, m->names[i]);
    m->header_fp = e ? 0 : XXH64(b.p, b.len, 2);
    free(b.p);
}

/* ---- writing ---- */

static int put_section(struct outsink *o, uint8_t type, const void *p, size_t n,
                       struct pcsv_error *err)
{
    size_t cap = spillblock_bound(n) + 1;
    uint8_t *blk = malloc(cap);
    size_t len = blk ? spillblock_encode(blk + 1, cap - 1, p, n) : 0;
    if (!len) {
        free(blk);
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    }
    blk[0] = type;
    outsink_raw(o, blk, len + 1);
    free(blk);
    return 0;
}

int partial_write_meta(struct outsink *o, const struct partial_meta *m, struct pcsv_error *err)
{
    uint8_t head[HEAD_LEN] = {0};
    memcpy(head, MAGIC, 8);
    head[8] = PARTIAL_VERSION;
    outsink_raw(o, head, sizeof head);
    struct aggstate_buf b = {0};
    int rc = meta_put(&b, m)
                 ? (int)pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory")
                 : put_section(o, 'M', b.p, b.len, err);
    free(b.p);
    return rc;
}

static int emit(struct partial_groups *w, struct pcsv_error *err)
{
    if (!w->cur.len)
        return 0;
    if (w->cur.len > SPILLFILE_MAX_BLOCK)
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0,
                              "a partial's group section would exceed 1 GiB");
    int rc = put_section(w->o, 'G', w->cur.p, w->cur.len, err);
    w->cur.len = w->cur.nrec = 0;
    w->nsec++;
    return rc;
}

int partial_write_groups(struct partial_groups *w, struct agg_part *const *parts, int n,
                         struct pcsv_error *err)
{
    enum { NP = PARTIAL_NPARTS };
    agg_parts_unify(parts, n);
    struct aggstate_buf *bufs = calloc((size_t)n * NP + 1, sizeof *bufs);
    int rc = bufs ? 0 : (int)pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    for (int i = 0; i < n && !rc; i++)
        if (aggstate_encode_sorted(parts[i], bufs + (size_t)i * NP, NP) < 0)
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    for (int p = 0; p < NP && !rc; p++) {
        struct aggstate_buf t = {0};
        for (int i = 0; i < n && !rc; i++)
            if (aggstate_append(&t, &bufs[(size_t)i * NP + (size_t)p]) < 0)
                rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        if (!rc && t.nrec && (aggstate_sort(&t) < 0 || aggstate_append(&w->cur, &t) < 0))
            rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        free(t.p);
        if (!rc && w->cur.len >= GROUP_SECTION)
            rc = emit(w, err);
    }
    for (size_t i = 0; bufs && i < (size_t)n * NP; i++)
        free(bufs[i].p);
    free(bufs);
    return rc;
}

int partial_write_end(struct partial_groups *w, struct pcsv_error *err)
{
    int rc = emit(w, err);
    free(w->cur.p);
    w->cur = (struct aggstate_buf){0};
    if (rc)
        return rc;
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(w->nsec >> (8 * i));
    return put_section(w->o, 'E', x, 8, err);
}

/* ---- reading ---- */

struct partial_reader {
    FILE *f;
    const char *path;
    uint64_t off;       /* bytes read so far */
    uint64_t ngroups;   /* G sections read */
    bool done;          /* E read */
    uint8_t *blk, *raw; /* the section as stored, and as decoded */
    size_t blkcap, rawcap, rawlen;
};

static int corrupt(struct partial_reader *r, uint64_t at, const char *why, struct pcsv_error *err)
{
    return pcsv_error_set(err, PCSV_EDATA, 0, r->path, 0, "corrupt partial at byte %llu: %s",
                          (unsigned long long)at, why);
}

/* Read n bytes; 1, 0 at a clean end (nothing read), -1 truncated or unreadable (err set). */
static int read_n(struct partial_reader *r, void *p, size_t n, bool end_ok, struct pcsv_error *err)
{
    size_t got = fread(p, 1, n, r->f);
    if (got == n) {
        r->off += n;
        return 1;
    }
    if (ferror(r->f))
        return pcsv_error_set(err, PCSV_EIO, errno, r->path, 0, "cannot read"), -1;
    if (got == 0 && end_ok)
        return 0;
    pcsv_error_set(err, PCSV_EDATA, 0, r->path, 0, "truncated partial: it ends at byte %llu",
                   (unsigned long long)(r->off + got));
    return -1;
}

/* The next section: its type into *type, its raw bytes into r->raw. 1, 0
 * at the end of the file, -1 (err set). */
static int next_section(struct partial_reader *r, uint8_t *type, struct pcsv_error *err)
{
    uint64_t at = r->off;
    int got = read_n(r, type, 1, true, err);
    if (got <= 0)
        return got;
    if (r->blkcap < BLOCK_HEAD) {
        free(r->blk);
        if (!(r->blk = malloc(BLOCK_HEAD)))
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory"), -1;
        r->blkcap = BLOCK_HEAD;
    }
    if (read_n(r, r->blk, BLOCK_HEAD, false, err) < 0)
        return -1;
    uint32_t clen = (uint32_t)r->blk[8] | (uint32_t)r->blk[9] << 8 | (uint32_t)r->blk[10] << 16 |
                    (uint32_t)r->blk[11] << 24;
    if ((size_t)clen > spillblock_bound(SPILLFILE_MAX_BLOCK))
        return corrupt(r, at + 1, "a section's length is out of range", err), -1;
    if (r->blkcap < BLOCK_HEAD + (size_t)clen) {
        uint8_t *nb = realloc(r->blk, BLOCK_HEAD + (size_t)clen);
        if (!nb)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory"), -1;
        r->blk = nb;
        r->blkcap = BLOCK_HEAD + (size_t)clen;
    }
    if (read_n(r, r->blk + BLOCK_HEAD, clen, false, err) < 0)
        return -1;
    size_t used;
    int rc = spillblock_decode(r->blk, BLOCK_HEAD + (size_t)clen, at + 1, &used, &r->raw,
                               &r->rawcap, &r->rawlen, err);
    if (rc == -PCSV_ENOMEM)
        return -1;
    if (rc != 1 || used != BLOCK_HEAD + (size_t)clen)
        return corrupt(r, rc < 0 ? err->offset : at + 1, "checksum or length mismatch", err), -1;
    if (*type != 'M' && *type != 'G' && *type != 'E')
        return corrupt(r, at, "unknown section type", err), -1;
    return 1;
}

struct partial_reader *partial_reader_open(FILE *f, const char *path, struct partial_meta *m,
                                           struct pcsv_error *err)
{
    memset(m, 0, sizeof *m);
    struct partial_reader *r = calloc(1, sizeof *r);
    if (!r) {
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    r->f = f;
    r->path = path;
    uint8_t head[HEAD_LEN];
    size_t got = fread(head, 1, sizeof head, f);
    r->off = got;
    if (ferror(f)) {
        pcsv_error_set(err, PCSV_EIO, errno, path, 0, "cannot read");
        goto fail;
    }
    if (got < 8 && memcmp(head, MAGIC, got) == 0) {
        pcsv_error_set(err, PCSV_EDATA, 0, path, 0, "truncated partial: it ends at byte %zu", got);
        goto fail;
    }
    if (got < 8 || memcmp(head, MAGIC, 8) != 0) {
        pcsv_error_set(err, PCSV_EDATA, 0, path, 0,
                       "not a pcsv partial (no PCSVPART at byte 0; write one with --partial)");
        goto fail;
    }
    if (got < HEAD_LEN) {
        pcsv_error_set(err, PCSV_EDATA, 0, path, 0, "truncated partial: it ends at byte %zu", got);
        goto fail;
    }
    m->version = (uint32_t)head[8] | (uint32_t)head[9] << 8 | (uint32_t)head[10] << 16 |
                 (uint32_t)head[11] << 24;
    if (m->version > PARTIAL_VERSION) {
        pcsv_error_set(err, PCSV_EDATA, 0, path, 0,
                       "partial format version %u at byte 8 is newer than this pcsv reads (%d): "
                       "merge it with the pcsv that wrote it, or a newer one",
                       m->version, PARTIAL_VERSION);
        goto fail;
    }
    if (m->version == 0) {
        corrupt(r, 8, "format version 0", err);
        goto fail;
    }
    uint8_t type;
    uint64_t at = r->off;
    int rc = next_section(r, &type, err);
    if (rc == 0)
        pcsv_error_set(err, PCSV_EDATA, 0, path, 0, "truncated partial: it ends at byte %llu",
                       (unsigned long long)r->off);
    if (rc <= 0)
        goto fail;
    struct rd d = {r->raw, r->raw + r->rawlen, false};
    if (type != 'M') {
        corrupt(r, at, "the first section is not the meta section", err);
        goto fail;
    }
    if (meta_get(&d, m) < 0) {
        corrupt(r, at, "the meta section does not read back", err);
        goto fail;
    }
    return r;
fail:
    partial_meta_free(m);
    partial_reader_close(r);
    return NULL;
}

int partial_reader_groups(struct partial_reader *r, struct agg_part *a, struct pcsv_error *err)
{
    if (r->done)
        return 0;
    uint8_t type;
    uint64_t at = r->off;
    int rc = next_section(r, &type, err);
    if (rc == 0) {
        pcsv_error_set(err, PCSV_EDATA, 0, r->path, 0,
                       "truncated partial: it ends at byte %llu (no end section)",
                       (unsigned long long)r->off);
        return -PCSV_EDATA;
    }
    if (rc < 0)
        return -(int)err->code;
    if (type == 'G') {
        rc = aggstate_decode(a, r->raw, r->rawlen, 0, err);
        if (rc == PCSV_EDATA)
            return -(int)corrupt(r, at, "its groups do not decode", err);
        if (rc)
            return -rc;
        r->ngroups++;
        return 1;
    }
    struct rd d = {r->raw, r->raw + r->rawlen, false};
    if (type != 'E' || get64(&d) != r->ngroups || d.p != d.end)
        return -(int)corrupt(r, at, "a section out of place", err);
    uint8_t extra;
    if (fread(&extra, 1, 1, r->f) == 1)
        return -(int)corrupt(r, r->off, "bytes after the end section", err);
    r->done = true;
    return 0;
}

void partial_reader_close(struct partial_reader *r)
{
    if (!r)
        return;
    free(r->blk);
    free(r->raw);
    free(r);
}
