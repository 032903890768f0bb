/* cmd_aggregate.c - pcsv aggregate: group by keys, compute aggregates. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../pipeline/agg.h"
#include "../pipeline/agg_result.h"
#include "../pipeline/aggradix.h"
#include "../pipeline/expr.h"
#include "../pipeline/refparse.h"
#include "../pipeline/scan.h"
#include "partials.h"

/* The consumer's context: the plan, and the partitions a worker flushes
 * its groups to when they outgrow its share of memory. */
struct aggctx {
    struct agg_plan *plan;
    struct aggradix *radix;
    uint64_t pos_file; /* --file-index - 1, in a position's file bits */
};

static void *agg_create(void *ctx) { return agg_part_create(((struct aggctx *)ctx)->plan); }

static int plan_slot(void *plan, int col) { return agg_plan_slot(plan, col); }

static bool agg_bad(void *ctx, size_t row, int col, const uint8_t *val, size_t len)
{
    return pipeline_bad_value(ctx, row, col, val, len);
}

static int agg_batch(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                     const uint8_t *skip, struct pipeline_worker *w)
{
    struct aggctx *c = pipeline_consumer_ctx(w);
    agg_part_set_pos_base(state, pipeline_pos_base(w) + c->pos_file);
    int rc = agg_part_batch(state, data, quote, b, skip, agg_bad, w);
    if (rc == 0)
        rc = aggradix_maybe_flush(c->radix, state);
    return rc;
}

/* The reference path: libcsv rows straight into one partial. */
struct refagg {
    const struct agg_plan *plan;
    struct agg_part *part;
    struct aggradix *radix;
    uint64_t rows;
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
    if (rc == 0 && ++r->rows % SCAN_BATCH_ROWS == 0 && aggradix_maybe_flush(r->radix, r->part)) {
        *r->err = *aggradix_error(r->radix);
        return r->err->code;
    }
    return rc < 0 ? PCSV_ENOMEM : rc > 0 ? PCSV_EDATA : 0;
}

static int run_ref(struct inputs *ins, const struct pcsv_opts *o, const struct agg_plan *plan,
                   struct agg_part *part, struct aggradix *radix, struct pcsv_error *err)
{
    struct agg_val *vals = calloc((size_t)plan->nsel + 1, sizeof *vals);
    if (!vals)
        return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    struct refagg r = {.plan = plan, .part = part, .radix = radix, .vals = vals, .err = err};
    int rc = refparse_inputs(ins->in, ins->n, o->delim, o->quote, ref_row, &r, err);
    free(vals);
    return rc;
}

/* A number from a cgroup or /proc file; 0 if there is none. */
static uint64_t read_u64(const char *path)
{
    FILE *f = fopen(path, "r");
    unsigned long long v = 0;
    if (f) {
        if (fscanf(f, "%llu", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

/* The default --memory-limit: half of the memory this process may use,
 * the least of physical memory, the cgroup's limit (v2 or v1) and half the
 * address-space limit (ulimit -v). */
size_t default_memory_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    uint64_t m = pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : (uint64_t)8 << 30;
    uint64_t cg = read_u64("/sys/fs/cgroup/memory.max");
    if (!cg)
        cg = read_u64("/sys/fs/cgroup/memory/memory.limit_in_bytes");
    if (cg && cg < m)
        m = cg;
    /* ulimit -v counts address space, of which the group table gets a
     * half as of memory, and the threads' stacks, malloc's per-thread
     * arenas and the mapped files share the rest */
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur / 2 < m)
        m = rl.rlim_cur / 2;
    return (size_t)(m / 2);
}

/* One pass over the inputs: the workers' partials, and the partitions
 * they flushed to. */
struct pass {
    struct pipeline *p;
    struct aggctx actx; /* the workers' context */
    struct aggradix *radix;
    struct agg_part **parts;
    int nparts;
};

static void pass_free(struct pass *r)
{
    for (int i = 0; i < r->nparts; i++)
        agg_part_destroy(r->parts[i]);
    free(r->parts);
    pipeline_destroy(r->p);
    aggradix_destroy(r->radix);
    memset(r, 0, sizeof *r);
}

static int pass_run(struct pass *r, struct pcsv_opts *o, struct inputs *ins, struct agg_plan *plan,
                    const struct expr *where, const int *wslots, size_t limit,
                    struct pcsv_error *err)
{
    memset(r, 0, sizeof *r);
    r->parts = calloc((size_t)o->jobs + 1, sizeof *r->parts);
    if (!r->parts)
        return pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    struct aggradix_cfg rcfg = {
        .memory_limit = limit, .tmpdir = o->tmpdir, .jobs = o->jobs, .format = o->format};
    r->radix = aggradix_create(plan, &rcfg, err);
    if (!r->radix)
        return err->code;
    int rc;
    if (o->ref_parser) {
        r->parts[0] = agg_part_create(plan);
        r->nparts = r->parts[0] ? 1 : 0;
        return r->parts[0] ? run_ref(ins, o, plan, r->parts[0], r->radix, err)
                           : (int)pcsv_error_set(err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    }
    struct pipeline_cfg cfg = opts_pipe_cfg(o);
    cfg.where = where;
    cfg.where_slots = wslots;
    r->actx = (struct aggctx){
        .plan = plan, .radix = r->radix, .pos_file = (uint64_t)(o->file_index - 1) << 48};
    struct pipeline_consumer c = {.ctx = &r->actx,
                                  .nsel = plan->nsel,
                                  .sel = plan->sel,
                                  .nselcols = plan->nselcols,
                                  .worker_create = agg_create,
                                  .batch = agg_batch};
    r->p = pipeline_create(&cfg, &c, err);
    struct progress *prog = progress_start(o, r->p, ins);
    rc = r->p ? inputs_run(r->p, ins, err) : PCSV_ENOMEM;
    progress_stop(prog);
    if (rc && aggradix_error(r->radix)->code) /* a failed flush: its own message */
        rc = (*err = *aggradix_error(r->radix)).code;
    /* the workers' partials */
    for (int i = 0; r->p && i < pipeline_nworkers(r->p); i++) {
        struct agg_part *part = pipeline_worker_state(r->p, i);
        if (part)
            r->parts[r->nparts++] = part;
    }
    return rc;
}

/* --range: where the rows of the range are, and the source set to them
 * (rows from r0; the line numbers of errors count from there). */
static void range_apply(struct source *in, const struct pcsv_opts *o, uint64_t data_begin,
                        int state, struct range_facts *rf)
{
    range_locate(in->map.data, in->map.size, data_begin, o->range_start, o->range_end, state,
                 o->delim, o->quote, in->ncols, rf);
    in->data_begin = rf->r0 < rf->end ? rf->r0 : in->map.size;
    in->rows_end = rf->r0 < rf->end ? rf->end : 0;
    in->header_lines = 0;
}

/* Line ends in d[0, n) (the lines before a range, on the error path). */
static uint64_t lines_in(const uint8_t *d, size_t n, uint8_t quote, bool *parity)
{
    uint64_t q = 0, nl = 0;
    if (n)
        scan_count(d, n, quote, &q, &nl);
    if (parity)
        *parity = q & 1;
    return nl;
}

int cmd_aggregate(struct pcsv_opts *o)
{
    bool counting = strcmp(o->command, "count") == 0; /* count --partial */
    if (counting) {
        o->by = NULL;
        o->agg = "count";
    }
    if (o->partial && !o->output && isatty(1))
        return usage_error("--partial writes a binary partial state: give -o FILE, or redirect "
                           "standard output");
    struct pcsv_error err = {0};
    struct inputs ins;
    if (inputs_open(&ins, o, &err))
        return report_error(&err);
    int rc = 0;
    struct pass r = {0};
    struct expr *where = NULL;
    int *wslots = NULL;
    struct outsink *out = NULL;
    struct partial_meta meta = {0};
    struct range_facts rf = {0};
    uint64_t *data_begin = calloc((size_t)ins.n + 1, sizeof *data_begin);
    struct agg_plan *plan = agg_plan_create(ins.in[0].names, ins.in[0].ncols, o->by, o->agg, &err);
    if (!plan || !data_begin) {
        rc = plan ? (int)pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory")
                  : (int)err.code;
        goto out;
    }
    for (int i = 0; i < ins.n; i++)
        data_begin[i] = ins.in[i].data_begin;
    if (o->sort && agg_plan_sort(plan, o->sort, &err)) {
        rc = err.code;
        goto out;
    }
    plan->limited = o->has_limit;
    plan->limit = o->limit;
    /* (--where with --parser libcsv is refused by opts_parse) */
    if ((rc = where_open(o, &ins, plan_slot, plan, &where, &wslots, &err)))
        goto out;
    struct source *in0 = &ins.in[0];
    if (o->has_range) {
        if (in0->is || in0->map.fd < 0) {
            rc = pcsv_error_set(&err, PCSV_EUSAGE, 0, NULL, 0,
                                "--range reads a regular, uncompressed file; %s is not one "
                                "(decompress it first)",
                                in0->path);
            goto out;
        }
        range_apply(in0, o, data_begin[0], o->range_state, &rf);
    }
    size_t limit = o->memory_limit ? o->memory_limit : default_memory_limit();
    rc = pass_run(&r, o, &ins, plan, where, wslots, limit, &err);
    if (rc == PCSV_EDATA && o->has_range && !rf.exact && rf.start > 0) {
        /* A bad row in a guessed range may come from a wrong guess: the
         * error path may read the file before the range to be sure. */
        bool q;
        lines_in(in0->map.data, rf.start, o->quote, &q);
        if (q != rf.start_quoted) {
            struct pcsv_error e2 = {0};
            pass_free(&r);
            range_apply(in0, o, data_begin[0], q, &rf);
            rc = pass_run(&r, o, &ins, plan, where, wslots, limit, &e2);
            err = e2;
        }
    }
    if (rc == PCSV_EDATA && o->has_range && err.line && rf.r0 < rf.end)
        err.line += lines_in(in0->map.data, rf.r0, o->quote, NULL); /* lines before the range */
    if (rc)
        goto out;
    if (o->partial) {
        rc = meta_init(&meta, o, counting ? PARTIAL_COUNT : PARTIAL_AGGREGATE, in0->names,
                       in0->ncols, plan, &err);
        if (!rc)
            rc = meta_add_inputs(&meta, o, &ins, o->has_range ? &rf : NULL, data_begin, r.p, &err);
        if (rc)
            goto out;
    }
    out = outsink_open(o->output, o->partial ? OUT_CSV : o->format, &err);
    if (!out) {
        rc = err.code;
        goto out;
    }
    rc = groups_out(plan, r.radix, r.parts, &r.nparts, o->partial ? &meta : NULL, false, out, &err);
    if (!rc)
        report_spill(r.radix, limit, o->quiet);
    if (rc) {
        outsink_abort(out);
        goto out;
    }
    if (o->partial) {
        /* merge reports the bad rows, with lines counted over every range */
        struct pcsv_opts q = *o;
        q.quiet = true;
        rc = finish_run(out, r.p, &ins, &q, &err);
    } else {
        rc = finish_run(out, r.p, &ins, o, &err);
    }
out:
    pass_free(&r);
    partial_meta_free(&meta);
    free(data_begin);
    agg_plan_destroy(plan);
    expr_destroy(where);
    free(wslots);
    inputs_close(&ins);
    return rc ? report_error(&err) : EXIT_OK;
}
