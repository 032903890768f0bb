/* refparse.c - libcsv as the serial reference parser (see refparse.h). */
#include "refparse.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rp {
    refparse_row_fn cb;
    void *ctx;
    uint8_t **vals;
    size_t *lens;
    size_t n, cap;
    uint64_t seg_line; /* line of the segment being fed */
    uint64_t row_line; /* line where the current (or next) row starts */
    int stop;
    int nomem;
};

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void on_field(void *s, size_t len, void *data)
{
    struct rp *r = data;
    if (r->stop || r->nomem)
        return;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        uint8_t **v = realloc(r->vals, nc * sizeof *v);
        size_t *l = v ? realloc(r->lens, nc * sizeof *l) : NULL;
        if (v)
            r->vals = v;
        if (!v || !l) {
            r->nomem = 1;
            return;
        }
        r->lens = l;
        for (size_t i = r->cap; i < nc; i++)
            r->vals[i] = NULL;
        r->cap = nc;
    }
    uint8_t *copy = realloc(r->vals[r->n], len + 1);
    if (!copy) {
        r->nomem = 1;
        return;
    }
    if (len)
        memcpy(copy, s, len);
    r->vals[r->n] = copy;
    r->lens[r->n++] = len;
}

static void on_row(int c, void *data)
{
    (void)c;
    struct rp *r = data;
    if (!r->stop && !r->nomem)
        r->stop = r->cb(r->ctx, r->row_line, r->n, (const uint8_t *const *)r->vals, r->lens);
    r->n = 0;
    r->row_line = r->seg_line; /* a row after a bare '\r' starts on this line */
}

/* libcsv's state between rows (csv.h's pstate; libcsv.c calls it
 * ROW_NOT_BEGUN): nothing of a row has been read. */
#define LIBCSV_ROW_NOT_BEGUN 0

#define REFPARSE_RELEASE_STEP ((size_t)1 << 20)

int refparse_run(const struct mapfile *m, size_t begin, uint64_t line0, uint8_t delim,
                 uint8_t quote, refparse_row_fn cb, void *ctx, const char *path,
                 struct pcsv_error *err)
{
    const uint8_t *data = m->data + begin;
    const size_t len = m->size > begin ? m->size - begin : 0;
    size_t released = begin & ~(m->page - 1); /* file offset, page-aligned */
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    csv_set_delim(&p, delim);
    csv_set_quote(&p, quote);
    csv_set_space_func(&p, no_space);
    struct rp r = {.cb = cb, .ctx = ctx, .seg_line = line0, .row_line = line0};
    int rc = 0;
    /* Feed one physical line at a time. A segment that libcsv starts
     * outside any row is the line where the next row starts (blank lines
     * are skipped that way too); rows, and errors, are reported at the line
     * where their row started (SPEC 5), also when a quoted field spans
     * lines. A line longer than a release step goes in pieces of one. */
    size_t pos = 0;
    while (pos < len && !r.stop && !r.nomem) {
        size_t most = len - pos < REFPARSE_RELEASE_STEP ? len - pos : REFPARSE_RELEASE_STEP;
        const uint8_t *nl = memchr(data + pos, '\n', most);
        size_t seg = nl ? (size_t)(nl - (data + pos)) + 1 : most;
        if (p.pstate == LIBCSV_ROW_NOT_BEGUN)
            r.row_line = r.seg_line;
        if (csv_parse(&p, data + pos, seg, on_field, on_row, &r) != seg) {
            rc = pcsv_error_set(err, PCSV_EDATA, 0, path, r.row_line, "malformed quoted field");
            goto out;
        }
        pos += seg;
        if (nl)
            r.seg_line++;
        /* libcsv has copied what it needs: whole pages below pos go (the
         * page holding pos goes with the next step, so none is left behind) */
        size_t upto = (begin + pos) & ~(m->page - 1);
        if (upto - released >= REFPARSE_RELEASE_STEP) {
            mapfile_release(m, released, upto - released);
            released = upto;
            if (mapfile_changed(m)) /* shrunk: stop before reading zeros to its old end */
                goto out;
        }
    }
    if (!r.stop && !r.nomem && csv_fini(&p, on_field, on_row, &r) != 0) {
        rc = pcsv_error_set(err, PCSV_EDATA, 0, path, r.row_line, "unterminated quoted field");
        goto out;
    }
    if (r.nomem)
        rc = pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
    else if (r.stop)
        rc = r.stop;
out:
    /* a file that shrank under the mapping reads as zeros past its new end:
     * whatever that produced, the answer is that the file changed */
    if (mapfile_changed(m))
        rc = pcsv_error_set(err, PCSV_EIO, 0, path, 0, "file changed while reading");
    csv_free(&p);
    for (size_t i = 0; i < r.cap; i++)
        free(r.vals[i]);
    free(r.vals);
    free(r.lens);
    return rc;
}

/* refparse_inputs' row check, in front of the command's callback. */
struct rp_input {
    refparse_input_row_fn cb;
    void *ctx;
    const char *path;
    int ncols;
    struct pcsv_error *err;
};

static int input_row(void *ctx, uint64_t line, size_t nf, const uint8_t *const *v, const size_t *l)
{
    struct rp_input *r = ctx;
    if (nf != (size_t)r->ncols) {
        pcsv_error_set(r->err, PCSV_EDATA, 0, r->path, line, "expected %d fields, found %zu",
                       r->ncols, nf);
        return PCSV_EDATA;
    }
    return r->cb(r->ctx, r->path, line, v, l);
}

int refparse_inputs(const struct source *in, int n, uint8_t delim, uint8_t quote,
                    refparse_input_row_fn cb, void *ctx, struct pcsv_error *err)
{
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        const struct source *x = &in[i];
        struct rp_input r = {
            .cb = cb, .ctx = ctx, .path = x->path, .ncols = in[0].ncols, .err = err};
        if (x->is) /* a stream cannot be mapped, and libcsv reads the mapping */
            rc = pcsv_error_set(err, PCSV_EUSAGE, 0, x->path, 0,
                                "--parser libcsv reads files, not pipes or compressed streams");
        else if (x->data_begin < x->map.size)
            rc = refparse_run(&x->map, x->data_begin, x->header_lines + 1, delim, quote, input_row,
                              &r, x->path, err);
    }
    return rc;
}
