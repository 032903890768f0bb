/* partials.c - what aggregate, count and merge share at the end of a run:
 * the groups out as a table, a bare count, or a partial state file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../pipeline/agg_result.h"
#include "../pipeline/aggradix.h"
#include "partials.h"

static int nomem(struct pcsv_error *err)
{
    return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
}

/* The bare number of a count: the one row of `aggregate --agg count`. */
static int write_count(struct agg_part *const *parts, int n, struct outsink *out,
                       struct pcsv_error *err)
{
    struct outsink *mem = outsink_open_mem(OUT_CSV);
    if (!mem)
        return nomem(err);
    int rc = agg_result_write(parts, n, mem, err);
    size_t len;
    const char *t = outsink_take(mem, &len);
    const char *nl = rc ? NULL : memchr(t, '\n', len);
    if (!rc && nl)
        outsink_raw(out, nl + 1, len - (size_t)(nl + 1 - t));
    outsink_abort(mem);
    return rc;
}

static int write_part(void *ctx, struct agg_part *a)
{
    struct partial_groups *g = ctx;
    return partial_write_groups(g, &a, 1, g->err);
}

int groups_out(const struct agg_plan *plan, struct aggradix *radix, struct agg_part **parts,
               int *nparts, const struct partial_meta *meta, bool count, struct outsink *out,
               struct pcsv_error *err)
{
    bool wanted = aggradix_wanted(radix, parts, *nparts);
    if (meta) {
        struct partial_groups g = {.o = out, .err = err};
        int rc = partial_write_meta(out, meta, err);
        if (!rc && wanted)
            rc = aggradix_each_partition(radix, parts, *nparts, write_part, &g, err);
        if (!rc && !wanted && !(rc = agg_combine(plan, parts, nparts, err)))
            rc = partial_write_groups(&g, parts, *nparts, err);
        int end = partial_write_end(&g, err);
        return rc ? rc : end;
    }
    if (wanted)
        return aggradix_finish(radix, parts, *nparts, out, err);
    int rc = agg_combine(plan, parts, nparts, err);
    if (rc)
        return rc;
    return count ? write_count(parts, *nparts, out, err)
                 : agg_result_write(parts, *nparts, out, err);
}

static char *dup_or_null(const char *s, bool *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    *fail |= d == NULL;
    return d;
}

uint64_t file_fingerprint(const uint8_t *d, size_t size)
{
    const size_t piece = 64 * 1024;
    if (!d || !size)
        return XXH64("", 0, 3);
    if (size <= 2 * piece)
        return XXH64(d, size, 3);
    XXH64_state_t st;
    XXH64_reset(&st, 3);
    XXH64_update(&st, d, piece);
    XXH64_update(&st, d + size - piece, piece);
    return XXH64_digest(&st);
}

int meta_init(struct partial_meta *m, const struct pcsv_opts *o, enum partial_kind kind,
              char *const *names, int ncols, const struct agg_plan *plan, struct pcsv_error *err)
{
    memset(m, 0, sizeof *m);
    bool fail = false;
    m->version = PARTIAL_VERSION;
    m->kind = kind;
    m->delim = o->delim;
    m->quote = o->quote;
    m->bad_mode = (uint8_t)o->bad_mode;
    m->header = o->header;
    m->by = dup_or_null(o->by, &fail);
    m->agg = dup_or_null(o->agg, &fail);
    m->wheres = calloc((size_t)o->nwheres + 1, sizeof *m->wheres);
    fail |= !m->wheres;
    for (int i = 0; !fail && i < o->nwheres; i++, m->nwheres++)
        m->wheres[i] = dup_or_null(o->wheres[i], &fail);
    m->names = calloc((size_t)ncols + 1, sizeof *m->names);
    fail |= !m->names;
    for (int i = 0; !fail && i < ncols; i++, m->ncols++)
        m->names[i] = dup_or_null(names[i], &fail);
    if (fail)
        return nomem(err);
    partial_fingerprint(m, plan);
    return 0;
}

int meta_add_inputs(struct partial_meta *m, const struct pcsv_opts *o, const struct inputs *ins,
                    const struct range_facts *rf, const uint64_t *data_begin, struct pipeline *p,
                    struct pcsv_error *err)
{
    m->src = calloc((size_t)ins->n + 1, sizeof *m->src);
    if (!m->src)
        return nomem(err);
    for (int i = 0; i < ins->n; i++, m->nsrc++) {
        const struct source *in = &ins->in[i];
        struct partial_source *s = &m->src[i];
        const char *path = o->nfiles ? o->files[i] : "-";
        bool fail = false;
        s->path = dup_or_null(path, &fail);
        if (fail)
            return nomem(err);
        s->file = (uint32_t)(o->file_index - 1 + i);
        struct stat st;
        s->stream = in->is != NULL || strcmp(path, "-") == 0 || stat(path, &st) != 0;
        s->exact = true;
        if (s->stream)
            continue;
        s->size = in->map.size;
        s->mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
        s->hash = file_fingerprint(in->map.data, in->map.size);
        s->data_begin = data_begin[i];
        s->end = in->map.size;
        s->r0 = data_begin[i];
        s->lines_pre = in->header_lines;
        if (rf) {
            s->ranged = true;
            s->start = rf->start;
            s->end = rf->end;
            s->exact = rf->exact;
            s->start_quoted = rf->start_quoted;
            s->r0 = rf->r0;
            s->lines_pre = rf->lines_pre;
            s->end_quoted = rf->end_quoted;
            s->lines = rf->lines_pre;
            if (rf->r0 < rf->end && p) {
                bool q;
                uint64_t l;
                pipeline_region_end(p, &q, &l);
                s->end_quoted = q;
                s->lines += l;
            }
        }
    }
    if (p) {
        size_t n;
        const struct badrow *b = pipeline_bad_rows(p, &n);
        m->bad_total = pipeline_bad_count(p);
        for (size_t i = 0; i < n && i < BADROW_KEEP; i++, m->nbad++) {
            bool fail = false;
            m->bad[i] = b[i];
            m->bad[i].value = dup_or_null(b[i].value, &fail);
            if (fail)
                return nomem(err);
        }
    }
    return 0;
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

void report_spill(const struct aggradix *radix, size_t limit, bool quiet)
{
    if (!aggradix_spilled(radix) || quiet)
        return;
    char a[32], b[32];
    human(a, sizeof a, aggradix_spilled(radix));
    human(b, sizeof b, limit);
    fprintf(stderr, "pcsv: spilled %s to %s (--memory-limit %s)\n", a, aggradix_tmpdir(radix), b);
}
