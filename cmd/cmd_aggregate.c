/* cmd_aggregate.c - pcsv aggregate: group by keys, compute aggregates. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../pipeline/agg.h"
#include "../pipeline/agg_result.h"
#include "../pipeline/aggradix.h"
#include "../pipeline/expr.h"
#include "../pipeline/refparse.h"
#include "cmd.h"

/* The consumer's context: the plan, and the partitions a worker flushes
 * its groups to when they outgrow its share of memory. */
struct aggctx {
    struct agg_plan *plan;
    struct aggradix *radix;
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
    agg_part_set_pos_base(state, pipeline_pos_base(w));
    int rc = agg_part_batch(state, data, quote, b, skip, agg_bad, w);
    if (rc == 0) {
        struct aggctx *c = pipeline_consumer_ctx(w);
        rc = aggradix_maybe_flush(c->radix, state);
    }
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
static size_t default_memory_limit(void)
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

/* "1.5 GiB", "320 MiB", "64 KiB" */
static void human(char *buf, size_t n, uint64_t v)
{
    if (v >= (uint64_t)1 << 30)
        snprintf(buf, n, "%.1f GiB", (double)v / (1 << 30));
    else if (v >= (uint64_t)1 << 20)
        snprintf(buf, n, "%.1f MiB", (double)v / (1 << 20));
    else
        snprintf(buf, n, "%.1f KiB", (double)v / (1 << 10));
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
    struct aggradix *radix = NULL;
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
    size_t limit = o->memory_limit ? o->memory_limit : default_memory_limit();
    struct aggradix_cfg rcfg = {
        .memory_limit = limit, .tmpdir = o->tmpdir, .jobs = o->jobs, .format = o->format};
    radix = aggradix_create(plan, &rcfg, &err);
    if (!radix) {
        rc = err.code;
        goto out;
    }
    if (o->ref_parser) {
        parts[0] = agg_part_create(plan);
        nparts = parts[0] ? 1 : 0;
        rc = parts[0] ? run_ref(&ins, o, plan, parts[0], radix, &err)
                      : (int)pcsv_error_set(&err, PCSV_ENOMEM, 0, NULL, 0, "out of memory");
    } else {
        struct pipeline_cfg cfg = opts_pipe_cfg(o);
        cfg.where = where;
        cfg.where_slots = wslots;
        struct aggctx actx = {.plan = plan, .radix = radix};
        struct pipeline_consumer c = {.ctx = &actx,
                                      .nsel = plan->nsel,
                                      .sel = plan->sel,
                                      .nselcols = plan->nselcols,
                                      .worker_create = agg_create,
                                      .batch = agg_batch};
        p = pipeline_create(&cfg, &c, &err);
        struct progress *prog = progress_start(o, p, &ins);
        rc = p ? inputs_run(p, &ins, &err) : PCSV_ENOMEM;
        progress_stop(prog);
        if (rc && aggradix_error(radix)->code) /* a failed flush: its own message */
            rc = (err = *aggradix_error(radix)).code;
        /* the workers' partials, combined into disjoint ones */
        for (int i = 0; p && i < pipeline_nworkers(p); i++) {
            struct agg_part *part = pipeline_worker_state(p, i);
            if (part)
                parts[nparts++] = part;
        }
        if (!rc && !aggradix_wanted(radix, parts, nparts))
            rc = agg_combine(plan, parts, &nparts, &err);
    }
    if (rc)
        goto out;
    out = outsink_open(o->output, o->format, &err);
    if (!out) {
        rc = err.code;
        goto out;
    }
    if (aggradix_wanted(radix, parts, nparts))
        rc = aggradix_finish(radix, parts, nparts, out, &err);
    else
        rc = agg_result_write(parts, nparts, out, &err);
    if (!rc && aggradix_spilled(radix) && !o->quiet) {
        char a[32], b[32];
        human(a, sizeof a, aggradix_spilled(radix));
        human(b, sizeof b, limit);
        fprintf(stderr, "pcsv: spilled %s to %s (--memory-limit %s)\n", a, aggradix_tmpdir(radix),
                b);
    }
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
    aggradix_destroy(radix);
    agg_plan_destroy(plan);
    expr_destroy(where);
    free(wslots);
    inputs_close(&ins);
    return rc ? report_error(&err) : EXIT_OK;
}
