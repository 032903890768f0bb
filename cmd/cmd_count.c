/* cmd_count.c - pcsv count: the number of data rows, as a bare number. */
#include <stdio.h>
#include <stdlib.h>

#include "../pipeline/expr.h"
#include "../pipeline/refparse.h"
#include "cmd.h"

static void *count_create(void *ctx)
{
    (void)ctx;
    return calloc(1, sizeof(uint64_t));
}

static int count_batch(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                       const uint8_t *skip, struct pipeline_worker *w)
{
    (void)data, (void)quote, (void)w;
    uint64_t n = b->nrows;
    if (skip)
        for (size_t r = 0; r < b->nrows; r++)
            n -= skip[r] != 0;
    *(uint64_t *)state += n;
    return 0;
}

/* --parser libcsv: refparse_inputs checks each row's field count. */
static int ref_row(void *ctx, const char *path, uint64_t line, const uint8_t *const *v,
                   const size_t *l)
{
    (void)path, (void)line, (void)v, (void)l;
    (*(uint64_t *)ctx)++;
    return 0;
}

int cmd_count(struct pcsv_opts *o)
{
    if (o->partial) /* a partial count is a partial `aggregate --agg count` */
        return cmd_aggregate(o);
    struct pcsv_error err = {0};
    struct inputs ins;
    if (inputs_open(&ins, o, &err))
        return report_error(&err);
    uint64_t total = 0;
    int rc = 0;
    struct pipeline *p = NULL;
    struct expr *where = NULL;
    int32_t *sel = NULL;
    int *wslots = NULL;
    if (o->ref_parser) {
        rc = refparse_inputs(ins.in, ins.n, o->delim, o->quote, ref_row, &total, &err);
    } else {
        struct pipeline_cfg cfg = opts_pipe_cfg(o);
        struct pipeline_consumer c = {.worker_create = count_create, .batch = count_batch};
        if (o->where) {
            int ncols = ins.in[0].ncols;
            where = where_compile(o, ins.in[0].names, ncols, &err);
            sel = malloc(((size_t)ncols + 1) * sizeof *sel);
            wslots = malloc(((size_t)ncols + 1) * sizeof *wslots);
            if (!where || !sel || !wslots) {
                rc = where ? (int)pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory")
                           : (int)err.code;
                goto done;
            }
            const int *wc;
            int nw = expr_columns(where, &wc);
            scan_sel_init(sel, ncols);
            for (int i = 0; i < nw; i++)
                wslots[i] = scan_sel_slot(sel, &c.nsel, wc[i]);
            c.sel = sel;
            c.nselcols = ncols;
            cfg.where = where;
            cfg.where_slots = wslots;
        }
        p = pipeline_create(&cfg, &c, &err);
        struct progress *prog = progress_start(o, p, &ins);
        rc = p ? inputs_run(p, &ins, &err) : PCSV_ENOMEM;
        progress_stop(prog);
        for (int i = 0; p && i < pipeline_nworkers(p); i++) {
            uint64_t *n = pipeline_worker_state(p, i);
            if (n) {
                total += *n;
                free(n);
            }
        }
    }
done:
    if (!rc) {
        struct outsink *out = outsink_open(o->output, o->format, &err);
        if (!out) {
            rc = PCSV_EIO;
        } else {
            char buf[32];
            int n = snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)total);
            outsink_raw(out, buf, (size_t)n);
            rc = finish_run(out, p, &ins, o, &err);
        }
    }
    pipeline_destroy(p);
    expr_destroy(where);
    free(sel);
    free(wslots);
    inputs_close(&ins);
    return rc ? report_error(&err) : EXIT_OK;
}
