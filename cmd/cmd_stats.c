/* cmd_stats.c - pcsv stats: one summary row per column. */
#include <stdio.h>
#include <stdlib.h>

#include "../pipeline/expr.h"
#include "../pipeline/stats.h"
#include "cmd.h"

struct stats_ctx {
    int ncols;
};

static void *stats_create(void *ctx) { return stats_part_create(((struct stats_ctx *)ctx)->ncols); }

static int stats_batch(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                       const uint8_t *skip, struct pipeline_worker *w)
{
    (void)w;
    return stats_part_batch(state, data, quote, b, skip);
}

static int same_slot(void *ctx, int col) /* every column is selected, as slot col */
{
    (void)ctx;
    return col;
}

int cmd_stats(struct pcsv_opts *o)
{
    struct pcsv_error err = {0};
    if (o->ref_parser)
        return usage_error("stats does not take --parser libcsv");
    struct inputs ins;
    if (inputs_open(&ins, o, &err))
        return report_error(&err);
    int ncols = ins.in[0].ncols, rc = 0;
    struct pipeline *p = NULL;
    struct expr *where = NULL;
    int32_t *sel = malloc(((size_t)ncols + 1) * sizeof *sel);
    int *wslots = NULL;
    struct stats_part *total = NULL;
    struct outsink *out = NULL;
    struct stats_ctx ctx = {.ncols = ncols};
    if (!sel) {
        rc = pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
        goto out;
    }
    for (int i = 0; i < ncols; i++) /* every column, slot i */
        sel[i] = i;
    struct pipeline_cfg cfg = opts_pipe_cfg(o);
    if ((rc = where_open(o, &ins, same_slot, NULL, &where, &wslots, &err)))
        goto out;
    cfg.where = where;
    cfg.where_slots = wslots;
    struct pipeline_consumer c = {.ctx = &ctx,
                                  .nsel = ncols,
                                  .sel = sel,
                                  .nselcols = ncols,
                                  .worker_create = stats_create,
                                  .batch = stats_batch};
    p = pipeline_create(&cfg, &c, &err);
    int nw = p ? pipeline_nworkers(p) : 0;
    struct stats_part **parts = p ? calloc((size_t)nw + 1, sizeof *parts) : NULL;
    struct progress *prog = progress_start(o, p, &ins);
    rc = !p      ? PCSV_ENOMEM
         : parts ? inputs_run(p, &ins, &err)
                 : (int)pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    progress_stop(prog);
    /* the workers' partials, combined into one */
    for (int i = 0; i < nw; i++) {
        struct stats_part *part = pipeline_worker_state(p, i);
        if (parts && !rc)
            parts[i] = part;
        else
            stats_part_destroy(part);
    }
    if (!rc && !(total = stats_combine(parts, nw, ncols, &err)))
        rc = err.code;
    free(parts);
    if (rc)
        goto out;
    if (!(out = outsink_open(o->output, o->format, &err))) {
        rc = err.code;
        goto out;
    }
    rc = stats_write(total, ins.in[0].names, out, &err);
    if (rc) {
        outsink_abort(out);
        goto out;
    }
    rc = finish_run(out, p, &ins, o, &err);
out:
    stats_part_destroy(total);
    pipeline_destroy(p);
    expr_destroy(where);
    free(sel);
    free(wslots);
    inputs_close(&ins);
    return rc ? report_error(&err) : EXIT_OK;
}
