/* cmd_aggregate.c - pcsv aggregate: group by keys, compute aggregates. */
#include <stdio.h>
#include <stdlib.h>

#include "../pipeline/agg.h"
#include "../pipeline/agg_result.h"
#include "../pipeline/expr.h"
#include "../pipeline/refparse.h"
#include "cmd.h"

static void *agg_create(void *ctx) { return agg_part_create(ctx); }

static int plan_slot(void *plan, int col) { return agg_plan_slot(plan, col); }

static bool agg_bad(void *ctx, size_t row, int col, const uint8_t *val, size_t len)
{
    return pipeline_bad_value(ctx, row, col, val, len);
}

static int agg_batch(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                     const uint8_t *skip, struct pipeline_worker *w)
{
    agg_part_set_pos_base(state, pipeline_pos_base(w));
    return agg_part_batch(state, data, quote, b, skip, agg_bad, w);
}

/* The reference path: libcsv rows straight into one partial. */
struct refagg {
    const struct agg_plan *plan;
    struct agg_part *part;
    struct agg_val *vals;
    const char *path;
    uint64_t line;
    struct pcsv_error *err;
};

static bool ref_bad(void *ctx, size_t row, int col, const uint8_t *val, size_t len)
{
    (void)row;
    struct refagg *r = ctx;
    pcsv_error_set(r->err, PCSV_EDATA, 0, r->path, r->line, "column '%s': not a number: \"%.*s\"",
                   r->plan->colnames[col], (int)(len > 200 ? 200 : len), (const char *)val);
    return false;
}

static int ref_row(void *ctx, const char *path, uint64_t line, const uint8_t *const *v,
                   const size_t *l)
{
    struct refagg *r = ctx;
    r->path = path;
    r->line = line;
    for (int c = 0; c < r->plan->nselcols; c++) {
        int s = r->plan->sel[c];
        if (s >= 0) {
            r->vals[s].p = v[c];
            r->vals[s].len = l[c];
        }
    }
    int rc = agg_part_row(r->part, r->vals, 0, ref_bad, r);
    return rc < 0 ? PCSV_ENOMEM : rc > 0 ? PCSV_EDATA : 0;
}

static int run_ref(struct inputs *ins, const struct pcsv_opts *o, const struct agg_plan *plan,
                   struct agg_part *part, struct pcsv_error *err)
{
    struct agg_val *vals = calloc((size_t)plan->nsel + 1, sizeof *vals);
    if (!vals)
        return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    struct refagg r = {.plan = plan, .part = part, .vals = vals, .err = err};
    int rc = refparse_inputs(ins->in, ins->n, o->delim, o->quote, ref_row, &r, err);
    free(vals);
    return rc;
}

int cmd_aggregate(struct pcsv_opts *o)
{
    struct pcsv_error err = {0};
    struct inputs ins;
    if (inputs_open(&ins, o, &err))
        return report_error(&err);
    int rc = 0;
    struct pipeline *p = NULL;
    struct expr *where = NULL;
    int *wslots = NULL;
    struct agg_part **parts = NULL;
    int nparts = 0;
    struct outsink *out = NULL;
    struct agg_plan *plan = agg_plan_create(ins.in[0].names, ins.in[0].ncols, o->by, o->agg, &err);
    if (!plan) {
        rc = err.code;
        goto out;
    }
    if (o->sort && agg_plan_sort(plan, o->sort, &err)) {
        rc = err.code;
        goto out;
    }
    /* (--where with --parser libcsv is refused by opts_parse) */
    if ((rc = where_open(o, &ins, plan_slot, plan, &where, &wslots, &err)))
        goto out;
    parts = calloc((size_t)o->jobs + 1, sizeof *parts);
    if (!parts) {
        rc = pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
        goto out;
    }
    if (o->ref_parser) {
        parts[0] = agg_part_create(plan);
        nparts = parts[0] ? 1 : 0;
        rc = parts[0] ? run_ref(&ins, o, plan, parts[0], &err)
                      : (int)pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    } else {
        struct pipeline_cfg cfg = opts_pipe_cfg(o);
        cfg.where = where;
        cfg.where_slots = wslots;
        struct pipeline_consumer c = {.ctx = plan,
                                      .nsel = plan->nsel,
                                      .sel = plan->sel,
                                      .nselcols = plan->nselcols,
                                      .worker_create = agg_create,
                                      .batch = agg_batch};
        p = pipeline_create(&cfg, &c, &err);
        struct progress *prog = progress_start(o, p, &ins);
        rc = p ? inputs_run(p, &ins, &err) : PCSV_ENOMEM;
        progress_stop(prog);
        /* the workers' partials, combined into disjoint ones */
        for (int i = 0; p && i < pipeline_nworkers(p); i++) {
            struct agg_part *part = pipeline_worker_state(p, i);
            if (part)
                parts[nparts++] = part;
        }
        if (!rc)
            rc = agg_combine(plan, parts, &nparts, &err);
    }
    if (rc)
        goto out;
    out = outsink_open(o->output, o->format, &err);
    if (!out) {
        rc = err.code;
        goto out;
    }
    rc = agg_result_write(parts, nparts, out, &err);
    if (rc) {
        outsink_abort(out);
        goto out;
    }
    rc = finish_run(out, p, &ins, o, &err);
out:
    for (int i = 0; i < nparts; i++)
        agg_part_destroy(parts[i]);
    free(parts);
    pipeline_destroy(p);
    agg_plan_destroy(plan);
    expr_destroy(where);
    free(wslots);
    inputs_close(&ins);
    return rc ? report_error(&err) : EXIT_OK;
}
