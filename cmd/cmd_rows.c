/* cmd_rows.c - the row-emitting commands: filter, select, head.
 *
 * Workers filter and format their chunk's rows into memory; the pipeline's
 * ordered writer hands the chunks to stdout (or -o) in input order. CSV rows
 * that keep every column are copied byte for byte (quoting kept, line end
 * "\n"); otherwise the chosen fields are unquoted and written in the output
 * format. head runs serially and stops reading once it has its rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/colref.h"
#include "../pipeline/expr.h"
#include "../pipeline/numfmt.h"
#include "../pipeline/scan.h"
#include "cmd.h"

struct rows {
    int nout;       /* output columns */
    int *out_cols;  /* their input columns */
    int *out_slots; /* their selection slots (-1 when raw) */
    bool raw;       /* copy the row bytes */
    int32_t *sel;   /* selection for the scanner */
    int nsel, ncols;
    int *where_slots;
    uint8_t quote;
    struct outsink *final; /* the real output */
    long long limit;       /* head: rows wanted; -1 for all */
    long long emitted;     /* head (serial): rows written so far */
};

static void *rows_create(void *ctx)
{
    (void)ctx;
    return calloc(1, 1); /* no per-worker state beyond the pipeline's sink */
}

static int rows_batch(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                      const uint8_t *skip, struct pipeline_worker *w)
{
    (void)state;
    struct rows *R = pipeline_consumer_ctx(w);
    struct outsink *o = pipeline_out(w);
    if (!o)
        return -1;
    uint8_t *scratch = NULL;
    size_t cap = 0;
    for (size_t r = 0; r < b->nrows; r++) {
        if (skip && skip[r])
            continue;
        if (R->limit >= 0 && R->emitted >= R->limit) {
            pipeline_stopped_at(w, r);
            break;
        }
        if (R->raw) {
            outsink_raw(o, data + b->row_start[r], (size_t)(b->row_end[r] - b->row_start[r]));
            outsink_raw(o, "\n", 1);
        } else {
            /* room for any one unquoted value of the row: the row's length */
            size_t rl = (size_t)(b->row_end[r] - b->row_start[r]);
            if (rl > cap) {
                free(scratch);
                cap = rl < 4096 ? 4096 : rl;
                if (!(scratch = malloc(cap)))
                    return -1;
            }
            const struct scan_field *f = &b->fields[r * (size_t)R->nsel];
            for (int i = 0; i < R->nout; i++) {
                uint8_t *s = scratch; /* each value is written out before the next */
                size_t len;
                const uint8_t *v = scan_field_value(data, f[R->out_slots[i]], quote, &s, &len);
                struct num nm;
                enum out_kind k = len == 0                             ? OUT_NULL
                                  : num_parse(v, len, &nm) != NUM_NONE ? OUT_NUM
                                                                       : OUT_STR;
                /* CSV keeps an empty field empty; JSON gets null */
                outfmt_field(o, v, len,
                             k == OUT_NULL  ? OUT_NULL
                             : k == OUT_NUM ? OUT_NUM
                                            : OUT_STR);
            }
            outfmt_end_row(o);
        }
        if (R->limit >= 0 && ++R->emitted == R->limit) { /* head: one thread */
            pipeline_stopped_at(w, r + 1); /* bad rows after the last one out don't count */
            break;
        }
    }
    free(scratch);
    return R->limit >= 0 && R->emitted >= R->limit ? 1 : 0;
}

static int rows_write(void *ctx, const void *p, size_t n)
{
    struct rows *R = ctx;
    outsink_raw(R->final, p, n);
    if (outsink_error(R->final))
        return -1; /* the output is dead (disk full...): stop reading at once */
    return R->limit >= 0 && R->emitted >= R->limit ? 1 : 0;
}

/* Between a stream's regions: the rows so far reach stdout before pcsv
 * waits for more input. */
static void rows_flush(void *ctx)
{
    struct rows *R = ctx;
    outsink_flush(R->final);
}

/* Parse a select list: names, 1-based indexes, ranges A-B, !C to drop. */
static int parse_select(const char *spec, char *const *names, int ncols, int **cols, int *n,
                        struct pcsv_error *err)
{
    char *copy = strdup(spec ? spec : "");
    bool *drop = calloc((size_t)ncols + 1, 1);
    int *v = malloc(((size_t)ncols * 4 + strlen(spec ? spec : "") + 4) * sizeof *v);
    int nv = 0;
    bool any_pos = false;
    if (!copy || !drop || !v) {
        free(copy);
        free(drop);
        free(v);
        return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    }
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        bool neg = t[0] == '!';
        if (neg)
            t++;
        int a, b;
        char *dash = strchr(t, '-');
        if (dash && dash != t && colref_resolve(t, names, ncols, "select", NULL) < 0) {
            *dash = 0;
            a = colref_resolve(t, names, ncols, "select", err);
            b = a < 0 ? -1 : colref_resolve(dash + 1, names, ncols, "select", err);
        } else {
            a = b = colref_resolve(t, names, ncols, "select", err);
        }
        if (a < 0 || b < 0) {
            free(copy);
            free(drop);
            free(v);
            return PCSV_EUSAGE;
        }
        for (int c = a; a <= b ? c <= b : c >= b; c += a <= b ? 1 : -1) {
            if (neg)
                drop[c] = true;
            else if (nv < ncols * 4)
                v[nv++] = c;
        }
        any_pos |= !neg;
    }
    if (!any_pos)
        for (int c = 0; c < ncols; c++)
            v[nv++] = c;
    int m = 0;
    for (int i = 0; i < nv; i++)
        if (!drop[v[i]])
            v[m++] = v[i];
    free(copy);
    free(drop);
    if (m == 0 && ncols > 0) { /* rows of no fields would print as blank lines */
        free(v);
        return pcsv_error_set(err, PCSV_EUSAGE, 0, NULL, 0,
                              "the selection '%s' leaves no columns to print", spec);
    }
    *cols = v;
    *n = m;
    return 0;
}

static int run_rows(struct pcsv_opts *o, const char *select, long long limit)
{
    struct pcsv_error err = {0};
    struct inputs ins;
    if (inputs_open(&ins, o, &err))
        return report_error(&err);
    const struct source *in0 = &ins.in[0];
    int ncols = in0->ncols, rc = 0;
    struct rows R = {.limit = limit, .quote = o->quote, .ncols = ncols};
    struct expr *where = NULL;
    struct pipeline *p = NULL;
    char **outnames = NULL;
    if (o->where && !(where = where_compile(o, in0->names, ncols, &err))) {
        rc = err.code;
        goto out;
    }
    bool all = !select;
    if (select) {
        rc = parse_select(select, in0->names, ncols, &R.out_cols, &R.nout, &err);
        if (rc)
            goto out;
    } else {
        R.out_cols = malloc(((size_t)ncols + 1) * sizeof *R.out_cols);
        if (!R.out_cols) {
            rc = pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
            goto out;
        }
        for (int c = 0; c < ncols; c++)
            R.out_cols[c] = c;
        R.nout = ncols;
    }
    R.raw = all && o->format == OUT_CSV && o->delim == ',' && o->quote == '"';
    R.sel = malloc(((size_t)ncols + 1) * sizeof *R.sel);
    R.out_slots = malloc(((size_t)R.nout + 1) * sizeof *R.out_slots);
    const int *wcols = NULL;
    int nw = where ? expr_columns(where, &wcols) : 0;
    R.where_slots = malloc(((size_t)nw + 1) * sizeof *R.where_slots);
    outnames = malloc(((size_t)R.nout + 1) * sizeof *outnames);
    if (!R.sel || !R.out_slots || !R.where_slots || !outnames) {
        rc = pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
        goto out;
    }
    scan_sel_init(R.sel, ncols);
    for (int i = 0; i < R.nout; i++) {
        outnames[i] = in0->names[R.out_cols[i]];
        if (!R.raw)
            R.out_slots[i] = scan_sel_slot(R.sel, &R.nsel, R.out_cols[i]);
    }
    for (int i = 0; i < nw; i++)
        R.where_slots[i] = scan_sel_slot(R.sel, &R.nsel, wcols[i]);
    R.final = outsink_open(o->output, o->format, &err);
    if (!R.final) {
        rc = err.code;
        goto out;
    }
    /* -H: the input has no header line, and the output gets none either
     * (not a made-up 1,2,...); jsonl still keys its objects by them */
    if (o->header)
        outfmt_header(R.final, outnames, R.nout);
    else
        outfmt_names(R.final, outnames, R.nout);
    struct pipeline_cfg cfg = opts_pipe_cfg(o);
    cfg.where = where;
    cfg.where_slots = R.where_slots;
    if (limit >= 0)
        cfg.jobs = 1; /* head: in order, and no further than needed */
    struct pipeline_consumer c = {.ctx = &R,
                                  .nsel = R.nsel,
                                  .sel = R.sel,
                                  .nselcols = ncols,
                                  .worker_create = rows_create,
                                  .batch = rows_batch,
                                  .write = rows_write,
                                  .flush = rows_flush,
                                  .out_format = o->format,
                                  .out_names = outnames,
                                  .nout_names = R.nout};
    p = pipeline_create(&cfg, &c, &err);
    if (!p) {
        rc = err.code;
        goto out;
    }
    struct progress *prog = progress_start(o, p, &ins);
    for (int i = 0; i < ins.n && !rc && (limit < 0 || R.emitted < limit); i++)
        rc = pipeline_run(p, &ins.in[i], (uint32_t)i, ncols, &err);
    progress_stop(prog);
    for (int i = 0; i < pipeline_nworkers(p); i++)
        free(pipeline_worker_state(p, i));
    /* After a failed write (which stopped the run) the commit reports it,
     * with the output's name and the OS reason, not what the stopped run
     * said. */
    if (!rc || outsink_error(R.final)) {
        rc = finish_run(R.final, p, &ins, o, &err);
        R.final = NULL;
    }
out:
    outsink_abort(R.final);
    pipeline_destroy(p);
    expr_destroy(where);
    free(R.out_cols);
    free(R.out_slots);
    free(R.sel);
    free(R.where_slots);
    free(outnames);
    inputs_close(&ins);
    return rc ? report_error(&err) : EXIT_OK;
}

int cmd_filter(struct pcsv_opts *o) { return run_rows(o, o->select, -1); }

int cmd_select(struct pcsv_opts *o)
{
    if (o->nfiles < 1 && !o->select)
        return usage_error("select needs the columns: pcsv select COLS [FILE...]");
    if (!o->select) { /* pcsv select COLS FILE...: the first operand is COLS */
        o->select = o->files[0];
        o->files++;
        o->nfiles--;
    }
    return run_rows(o, o->select, -1);
}

int cmd_head(struct pcsv_opts *o) { return run_rows(o, o->select, o->head_n); }
