/* cmd_merge.c - pcsv merge and pcsv dump: partial states (SPEC section 6).
 *
 * merge reads every partial's meta first and checks them together: the
 * same query and header; no two covering the same bytes of a file (the
 * files known by size, modification time and a hash of their ends); gaps
 * warned about; and each range's guessed quote state at its start against
 * the state its predecessor ends in. A wrong guess is repaired by running
 * pcsv on that range again with the state known (this binary, as a child
 * process), when the file is here and unchanged; a partial that holds that
 * range among others (a merge --partial) is replaced by runs of all its
 * ranges. Then the groups are decoded section by section into one partial
 * that flushes to the radix partitions as an aggregate's workers do, and
 * the result is finished as aggregate finishes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../pipeline/agg_result.h"
#include "partials.h"

/* One partial being merged. */
struct part_in {
    const char *path; /* as shown */
    char *own_path;   /* a re-run's: freed */
    FILE *f;
    struct partial_reader *rd;
    struct partial_meta m;
    bool dropped; /* replaced by re-runs of its ranges */
};

struct merge {
    struct pcsv_opts *o;
    struct part_in *in;
    int n, cap;
};

/* A source of an input: input i, source j. */
struct sref {
    int i, j;
};

static int nomem(struct pcsv_error *err)
{
    return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
}

static struct part_in *add_input(struct merge *mg)
{
    if (mg->n == mg->cap) {
        int cap = mg->cap ? 2 * mg->cap : 8;
        struct part_in *p = realloc(mg->in, (size_t)cap * sizeof *p);
        if (!p)
            return NULL;
        mg->in = p;
        mg->cap = cap;
    }
    struct part_in *p = &mg->in[mg->n++];
    memset(p, 0, sizeof *p);
    return p;
}

static int open_input(struct part_in *p, const char *path, struct pcsv_error *err)
{
    p->path = strcmp(path, "-") == 0 ? "<stdin>" : path;
    p->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!p->f)
        return pcsv_error_set(err, PCSV_EIO, errno, path, 0, "cannot open");
    p->rd = partial_reader_open(p->f, p->path, &p->m, err);
    return p->rd ? 0 : err->code;
}

static void close_input(struct part_in *p)
{
    partial_reader_close(p->rd);
    p->rd = NULL;
    partial_meta_free(&p->m);
    if (p->f && p->f != stdin)
        fclose(p->f);
    p->f = NULL;
    free(p->own_path);
    p->own_path = NULL;
}

static const struct partial_source *src_of(const struct merge *mg, struct sref r)
{
    return &mg->in[r.i].m.src[r.j];
}

static int cmp_src(const void *x, const void *y, void *ctx)
{
    const struct merge *mg = ctx;
    const struct partial_source *a = src_of(mg, *(const struct sref *)x);
    const struct partial_source *b = src_of(mg, *(const struct sref *)y);
#define CMP(f)                                                                                     \
    if (a->f != b->f)                                                                              \
        return a->f < b->f ? -1 : 1;
    CMP(file)
    CMP(size)
    CMP(mtime_ns)
    CMP(hash)
    CMP(start)
    CMP(end)
#undef CMP
    return 0;
}

/* The same FILE of the run: the same file at the same place among the
 * FILEs (`aggregate a.csv a.csv` reads it twice, as two files). */
static bool same_file(const struct partial_source *a, const struct partial_source *b)
{
    return a->file == b->file && a->size == b->size && a->mtime_ns == b->mtime_ns &&
           a->hash == b->hash;
}

/* The file sources of the inputs not dropped, sorted by file and range;
 * *n of them. */
static struct sref *file_sources(struct merge *mg, size_t *n)
{
    size_t k = 0;
    for (int i = 0; i < mg->n; i++)
        if (!mg->in[i].dropped)
            k += (size_t)mg->in[i].m.nsrc;
    struct sref *v = calloc(k + 1, sizeof *v);
    if (!v)
        return NULL;
    k = 0;
    for (int i = 0; i < mg->n; i++)
        for (int j = 0; !mg->in[i].dropped && j < mg->in[i].m.nsrc; j++)
            if (!mg->in[i].m.src[j].stream && mg->in[i].m.src[j].start < mg->in[i].m.src[j].end)
                v[k++] = (struct sref){i, j};
    qsort_r(v, k, sizeof *v, cmp_src, mg);
    *n = k;
    return v;
}

/* ---- re-running a range ---- */

#define MAX_ARGS 64

/* The command line that runs source s of partial m again with its start
 * state `quoted`, writing to out. */
static int rerun_argv(const struct partial_meta *m, const struct partial_source *s, bool quoted,
                      const char *out, int jobs, char **argv, char (*bufs)[64])
{
    int n = 0;
    argv[n++] = "pcsv";
    argv[n++] = m->kind == PARTIAL_COUNT ? "count" : "aggregate";
    argv[n++] = s->path;
    if (m->kind == PARTIAL_AGGREGATE) {
        if (m->by) {
            argv[n++] = "--by";
            argv[n++] = m->by;
        }
        if (m->agg) {
            argv[n++] = "--agg";
            argv[n++] = m->agg;
        }
    }
    for (int i = 0; i < m->nwheres && n < MAX_ARGS - 24; i++) {
        argv[n++] = "--where";
        argv[n++] = m->wheres[i];
    }
    if (m->delim != ',') {
        snprintf(bufs[0], 64, "%c", m->delim);
        argv[n++] = "-d";
        argv[n++] = m->delim == '\t' ? "tab" : bufs[0];
    }
    if (m->quote != '"') {
        snprintf(bufs[1], 64, "%c", m->quote);
        argv[n++] = "--quote";
        argv[n++] = bufs[1];
    }
    if (!m->header)
        argv[n++] = "-H";
    if (m->bad_mode != PIPELINE_FAIL) {
        argv[n++] = "--on-bad-row";
        argv[n++] = m->bad_mode == PIPELINE_SKIP ? "skip" : "warn";
    }
    argv[n++] = "--partial";
    snprintf(bufs[2], 64, "%llu:%llu", (unsigned long long)s->start, (unsigned long long)s->end);
    argv[n++] = "--range";
    argv[n++] = bufs[2];
    argv[n++] = "--range-state";
    argv[n++] = quoted ? "quoted" : "unquoted";
    if (s->file) {
        snprintf(bufs[3], 64, "%u", s->file + 1);
        argv[n++] = "--file-index";
        argv[n++] = bufs[3];
    }
    if (jobs) {
        snprintf(bufs[4], 64, "%d", jobs);
        argv[n++] = "-j";
        argv[n++] = bufs[4];
    }
    argv[n++] = "-o";
    argv[n++] = (char *)out;
    argv[n] = NULL;
    return n;
}

/* Whether the file of s is here as it was read. */
static bool file_unchanged(const struct partial_source *s, char *why, size_t cap)
{
    int fd = open(s->path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(why, cap, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return false;
    }
    uint64_t mt = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
    bool same = (uint64_t)st.st_size == s->size && mt == s->mtime_ns;
    if (same) {
        /* the hash of its ends, as --partial took it: the first and last
         * 64 KiB laid end to end hash as file_fingerprint hashes them */
        size_t piece = 64 * 1024, n = s->size <= 2 * piece ? s->size : 2 * piece;
        uint8_t *b = malloc(n + 1);
        same = b && pread(fd, b, n - n / 2, 0) == (ssize_t)(n - n / 2) &&
               pread(fd, b + n - n / 2, n / 2, (off_t)(s->size - n / 2)) == (ssize_t)(n / 2) &&
               file_fingerprint(b, n) == s->hash;
        free(b);
    }
    close(fd);
    if (!same)
        snprintf(why, cap, "it changed since the partial was written");
    return same;
}

/* The command a user runs by hand (shell-quoted), for a message. */
static void command_text(char *buf, size_t cap, char **argv)
{
    size_t o = 0;
    for (int i = 0; argv[i] && o + 1 < cap; i++) {
        char q[1024];
        pcsv_shell_word(q, sizeof q, argv[i]);
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? " " : "", q);
    }
}

/* Run source s of input p again with start state `quoted` into a new
 * temporary partial, added to mg. 0, or the exit status to end with
 * (err set when it is not the child's own). */
static int rerun(struct merge *mg, int pi, int j, bool quoted, struct pcsv_error *err)
{
    const struct partial_meta *m = &mg->in[pi].m;
    const struct partial_source *s = &m->src[j];
    char *argv[MAX_ARGS + 1], bufs[5][64], why[300];
    if (!file_unchanged(s, why, sizeof why)) {
        char cmd[4096];
        rerun_argv(m, s, quoted, "NEW.pcsvp", 0, argv, bufs);
        command_text(cmd, sizeof cmd, argv);
        pcsv_error_set(err, PCSV_EDATA, 0, mg->in[pi].path, 0,
                       "bytes %llu to %llu of %s were read with a wrong guess of the quote state "
                       "at %llu, and %s cannot be read again here (%s); run this where it can, "
                       "and merge NEW.pcsvp instead of %s: %s",
                       (unsigned long long)s->start, (unsigned long long)s->end, s->path,
                       (unsigned long long)s->start, s->path, why, mg->in[pi].path, cmd);
        return EXIT_DATA;
    }
    const char *dir = mg->o->tmpdir ? mg->o->tmpdir : getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char *tmp = malloc(strlen(dir) + 32);
    if (!tmp)
        return nomem(err), EXIT_DATA;
    sprintf(tmp, "%s/pcsv-rerun-XXXXXX", dir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        pcsv_error_set(err, PCSV_EDATA, errno, dir, 0, "cannot make a temporary file");
        free(tmp);
        return EXIT_DATA;
    }
    close(fd);
    rerun_argv(m, s, quoted, tmp, mg->o->jobs, argv, bufs);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execv("/proc/self/exe", argv);
        _exit(127);
    }
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        unlink(tmp);
        free(tmp);
        if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) != 127)
            return WEXITSTATUS(status); /* it said why */
        pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0, "cannot run pcsv again on %s", s->path);
        return EXIT_DATA;
    }
    struct part_in *p = add_input(mg);
    if (!p) {
        unlink(tmp);
        free(tmp);
        return nomem(err), EXIT_DATA;
    }
    p->own_path = tmp;
    int rc = open_input(p, tmp, err);
    unlink(tmp);               /* open or not, nothing is left behind */
    p->path = mg->in[pi].path; /* errors name the partial it stands for */
    return rc ? EXIT_DATA : 0;
}

/* Check the inputs together (query, header, ranges) and repair wrong
 * guesses. 0, or the exit status (err set, or the child's message out). */
static int check_inputs(struct merge *mg, struct pcsv_error *err)
{
    const struct part_in *first = &mg->in[0];
    for (int i = 1; i < mg->n; i++) {
        const struct partial_meta *m = &mg->in[i].m;
        if (m->kind != first->m.kind || m->query_fp != first->m.query_fp)
            return pcsv_error_set(err, PCSV_EUSAGE, 0, mg->in[i].path, 0,
                                  "a partial of another query than %s (%s), which cannot be merged",
                                  first->path,
                                  m->kind != first->m.kind ? "another command"
                                                           : "its keys, aggregates, --where or "
                                                             "options differ"),
                   EXIT_USAGE;
        if (m->header_fp != first->m.header_fp)
            return pcsv_error_set(err, PCSV_EUSAGE, 0, mg->in[i].path, 0,
                                  "a partial of input with another header than %s", first->path),
                   EXIT_USAGE;
    }
    /* the ranges of each file, in order; a repair changes the inputs, so
     * the walk starts again after each one (each makes a range exact) */
    for (int round = 0;; round++) {
        size_t n;
        struct sref *v = file_sources(mg, &n);
        if (!v)
            return nomem(err), EXIT_DATA;
        int fix_i = -1, fix_j = -1;
        bool fix_state = false;
        /* A range's end state is trusted once its start state is:
         * known (in the header, given, the whole file), or checked against
         * a trusted predecessor. An untrusted one (the first range of a
         * merge --partial that starts mid-file) is left for the merge
         * that sees its predecessor. */
        bool trusted = false;
        for (size_t k = 0; k < n && fix_i < 0; k++) {
            const struct partial_source *b = src_of(mg, v[k]);
            const struct partial_source *a = k ? src_of(mg, v[k - 1]) : NULL;
            bool was_trusted = trusted;
            trusted = b->exact;
            if (!a || !same_file(a, b))
                continue;
            if (b->start < a->end) {
                pcsv_error_set(err, PCSV_EDATA, 0, mg->in[v[k].i].path, 0,
                               "bytes %llu to %llu of %s are also in %s: their rows would be "
                               "counted twice",
                               (unsigned long long)b->start,
                               (unsigned long long)(a->end < b->end ? a->end : b->end), b->path,
                               mg->in[v[k - 1].i].path);
                free(v);
                return EXIT_DATA;
            }
            if (b->start == a->end && was_trusted) {
                if (b->start_quoted != a->end_quoted) {
                    fix_i = v[k].i, fix_j = v[k].j;
                    fix_state = a->end_quoted;
                }
                trusted = true;
            }
        }
        if (fix_i < 0) {
            /* settled: warn about the gaps (not in a merge --partial:
             * a step of a tree reduction covers a part of the input) */
            for (size_t k = 0; k < n && !mg->o->quiet && !mg->o->partial; k++) {
                const struct partial_source *b = src_of(mg, v[k]);
                const struct partial_source *a = k ? src_of(mg, v[k - 1]) : NULL;
                if (a && !same_file(a, b))
                    a = NULL;
                uint64_t from = a ? a->end : b->data_begin;
                if (b->start > from)
                    fprintf(stderr, "pcsv: warning: no partial covers bytes %llu to %llu of %s\n",
                            (unsigned long long)from, (unsigned long long)b->start, b->path);
                const struct partial_source *c = k + 1 < n ? src_of(mg, v[k + 1]) : NULL;
                if ((!c || !same_file(b, c)) && b->end < b->size)
                    fprintf(stderr, "pcsv: warning: no partial covers bytes %llu to %llu of %s\n",
                            (unsigned long long)b->end, (unsigned long long)b->size, b->path);
            }
            free(v);
            return 0;
        }
        free(v);
        if (round > 4 * mg->n + 16) /* (each repair makes a range exact: never reached) */
            return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                                  "the ranges' quote states do not "
                                  "settle"),
                   EXIT_DATA;
        /* replace the partial holding that range by runs of each of its
         * ranges (the others with the states they had) */
        struct part_in *p = &mg->in[fix_i];
        p->dropped = true;
        int ns = p->m.nsrc;
        for (int j = 0; j < ns; j++) {
            const struct partial_source *s = &mg->in[fix_i].m.src[j];
            if (s->stream) {
                pcsv_error_set(err, PCSV_EDATA, 0, mg->in[fix_i].path, 0,
                               "it must be made again (a range in it was read with a wrong "
                               "quote state) but it also holds standard input");
                return EXIT_DATA;
            }
            int rc = rerun(mg, fix_i, j, j == fix_j ? fix_state : s->start_quoted, err);
            if (rc)
                return rc;
        }
    }
}

/* The true line of each kept bad row where it can be known: a range's
 * lines count from its first row; the lines before it are those of the
 * ranges before it when they cover the file from byte 0 without a gap. */
static size_t gather_bad(struct merge *mg, struct badrow *out, const char **paths, size_t cap)
{
    size_t nb = 0;
    size_t n = 0;
    struct sref *v = file_sources(mg, &n);
    for (int i = 0; i < mg->n; i++) {
        if (mg->in[i].dropped)
            continue;
        const struct partial_meta *m = &mg->in[i].m;
        for (size_t b = 0; b < m->nbad && nb < cap; b++) {
            const struct partial_source *s = &m->src[m->bad[b].file];
            struct badrow r = m->bad[b];
            paths[nb] = strcmp(s->path, "-") == 0 ? "<stdin>" : s->path;
            r.file = (uint32_t)nb; /* one path per row */
            if (s->ranged) {
                /* lines before the range's first row */
                bool known = false;
                uint64_t before = 0;
                for (size_t k = 0; v && k < n; k++) {
                    const struct partial_source *c = src_of(mg, v[k]);
                    if (!same_file(c, s))
                        continue;
                    if (c->start == 0)
                        known = true, before = 0;
                    if (c == s)
                        break;
                    if (k + 1 < n && src_of(mg, v[k + 1])->start != c->end)
                        known = false;
                    before += c->lines;
                }
                r.line = known ? r.line + before + s->lines_pre : 0;
            }
            out[nb++] = r;
        }
    }
    free(v);
    return nb;
}

struct badkey {
    uint32_t file;
    uint64_t off;
};

static int cmp_bad(const void *x, const void *y, void *ctx)
{
    const struct badkey *k = ctx;
    const struct badrow *a = x, *b = y;
    const struct badkey *ka = &k[a->file], *kb = &k[b->file];
    if (ka->file != kb->file)
        return ka->file < kb->file ? -1 : 1;
    return (ka->off > kb->off) - (ka->off < kb->off);
}

/* merge's bad-row summary: every partial's kept rows in input order. */
static void report_merged_bad(struct merge *mg)
{
    size_t cap = 0;
    uint64_t total = 0;
    for (int i = 0; i < mg->n; i++)
        if (!mg->in[i].dropped)
            cap += mg->in[i].m.nbad, total += mg->in[i].m.bad_total;
    if (!cap || mg->o->quiet)
        return;
    struct badrow *b = calloc(cap, sizeof *b);
    const char **paths = calloc(cap, sizeof *paths);
    struct badkey *keys = calloc(cap, sizeof *keys);
    if (b && paths && keys) {
        size_t n = gather_bad(mg, b, paths, cap);
        /* order: file index, then offset (paths and keys follow b[i].file) */
        size_t k = 0;
        for (int i = 0; i < mg->n; i++)
            for (size_t r = 0; !mg->in[i].dropped && r < mg->in[i].m.nbad; r++, k++)
                keys[k] = (struct badkey){mg->in[i].m.src[mg->in[i].m.bad[r].file].file,
                                          mg->in[i].m.bad[r].offset};
        qsort_r(b, n, sizeof *b, cmp_bad, keys);
        const struct partial_meta *m = &mg->in[0].m;
        report_bad_list(b, n < BADROW_KEEP ? n : BADROW_KEEP, total, paths, m->names, m->ncols,
                        (enum pipeline_bad_mode)m->bad_mode);
    }
    free(b);
    free(paths);
    free(keys);
}

/* The merged partial's meta: the query of the first, every source, and
 * the first bad rows of all. */
static int merged_meta(struct merge *mg, struct partial_meta *out, struct pcsv_error *err)
{
    const struct partial_meta *f = &mg->in[0].m;
    memset(out, 0, sizeof *out);
    bool fail = false;
    *out = (struct partial_meta){.version = PARTIAL_VERSION,
                                 .kind = f->kind,
                                 .delim = f->delim,
                                 .quote = f->quote,
                                 .bad_mode = f->bad_mode,
                                 .header = f->header,
                                 .query_fp = f->query_fp,
                                 .header_fp = f->header_fp};
    out->by = f->by ? strdup(f->by) : NULL;
    out->agg = f->agg ? strdup(f->agg) : NULL;
    fail |= (f->by && !out->by) || (f->agg && !out->agg);
    out->wheres = calloc((size_t)f->nwheres + 1, sizeof *out->wheres);
    out->names = calloc((size_t)f->ncols + 1, sizeof *out->names);
    fail |= !out->wheres || !out->names;
    for (int i = 0; !fail && i < f->nwheres; i++, out->nwheres++)
        fail |= !(out->wheres[i] = strdup(f->wheres[i]));
    for (int i = 0; !fail && i < f->ncols; i++, out->ncols++)
        fail |= !(out->names[i] = strdup(f->names[i]));
    size_t ns = 0;
    for (int i = 0; i < mg->n; i++)
        if (!mg->in[i].dropped)
            ns += (size_t)mg->in[i].m.nsrc;
    out->src = calloc(ns + 1, sizeof *out->src);
    fail |= !out->src;
    /* the bad rows: all kept ones with their source remapped, then the
     * first BADROW_KEEP in input order */
    struct badrow all[BADROW_KEEP * 2];
    size_t nall = 0;
    for (int i = 0; !fail && i < mg->n; i++) {
        const struct partial_meta *m = &mg->in[i].m;
        if (mg->in[i].dropped)
            continue;
        int base = out->nsrc;
        for (int j = 0; !fail && j < m->nsrc; j++, out->nsrc++) {
            out->src[out->nsrc] = m->src[j];
            fail |= !(out->src[out->nsrc].path = strdup(m->src[j].path));
        }
        out->bad_total += m->bad_total;
        for (size_t b = 0; !fail && b < m->nbad; b++) {
            struct badrow r = m->bad[b];
            r.file = (uint32_t)(base + (int)r.file);
            /* keep the first BADROW_KEEP of the union: insert in order */
            size_t at = nall;
            while (at > 0) {
                const struct badrow *q = &all[at - 1];
                uint32_t fq = out->src[q->file].file, fr = out->src[r.file].file;
                if (fq < fr || (fq == fr && q->offset <= r.offset))
                    break;
                at--;
            }
            if (at >= BADROW_KEEP)
                continue;
            if (nall == BADROW_KEEP)
                free(all[--nall].value);
            memmove(&all[at + 1], &all[at], (nall - at) * sizeof *all);
            r.value = r.value ? strdup(r.value) : NULL;
            all[at] = r;
            nall++;
        }
    }
    memcpy(out->bad, all, nall * sizeof *all);
    out->nbad = nall;
    return fail ? nomem(err) : 0;
}

static void print_meta(const struct partial_meta *m, const char *path)
{
    printf("partial: %s\nformat version: %u\ncommand: %s\n", path, m->version,
           m->kind == PARTIAL_COUNT ? "count" : "aggregate");
    if (m->by)
        printf("--by: %s\n", m->by);
    if (m->agg && m->kind == PARTIAL_AGGREGATE)
        printf("--agg: %s\n", m->agg);
    for (int i = 0; i < m->nwheres; i++)
        printf("--where: %s\n", m->wheres[i]);
    printf("delimiter: %s\nquote: %c\nheader: %s\non-bad-row: %s\n",
           m->delim == '\t' ? "tab" : (char[]){(char)m->delim, 0}, m->quote,
           m->header ? "yes" : "no (-H)",
           m->bad_mode == PIPELINE_FAIL   ? "fail"
           : m->bad_mode == PIPELINE_SKIP ? "skip"
                                          : "warn");
    printf("columns: %d:", m->ncols);
    for (int i = 0; i < m->ncols; i++)
        printf(" %s", m->names[i]);
    printf("\nquery fingerprint: %016llx\nheader fingerprint: %016llx\n",
           (unsigned long long)m->query_fp, (unsigned long long)m->header_fp);
    for (int i = 0; i < m->nsrc; i++) {
        const struct partial_source *s = &m->src[i];
        printf("source %d: %s (file %u of the run)", i + 1, s->path, s->file + 1);
        if (s->stream) {
            printf(", a stream\n");
            continue;
        }
        printf(", %llu bytes, rows from byte %llu\n", (unsigned long long)s->size,
               (unsigned long long)s->data_begin);
        if (s->ranged)
            printf("  range %llu:%llu, first row at %llu, quote state at start %s (%s), at end "
                   "%s, line ends %llu (%llu before the first row)\n",
                   (unsigned long long)s->start, (unsigned long long)s->end,
                   (unsigned long long)s->r0, s->start_quoted ? "quoted" : "unquoted",
                   s->exact ? "known" : "guessed", s->end_quoted ? "quoted" : "unquoted",
                   (unsigned long long)s->lines, (unsigned long long)s->lines_pre);
        else
            printf("  the whole file\n");
    }
    printf("bad rows dropped: %llu\n", (unsigned long long)m->bad_total);
    printf("groups:\n");
    fflush(stdout);
}

static int run_merge(struct pcsv_opts *o, bool dump)
{
    struct pcsv_error err = {0};
    struct merge mg = {.o = o};
    int rc = 0, status = 0;
    struct agg_plan *plan = NULL;
    struct aggradix *radix = NULL;
    struct agg_part **parts = NULL;
    int nparts = 0;
    struct outsink *out = NULL;
    struct partial_meta meta = {0};
    if (o->nfiles == 0)
        return usage_error("%s needs %s (written by aggregate --partial), or - for standard "
                           "input",
                           o->command, dump ? "a PART file" : "PART files");
    if (dump && o->nfiles != 1)
        return usage_error("dump prints one PART");
    int dashes = 0;
    for (int i = 0; i < o->nfiles; i++)
        dashes += strcmp(o->files[i], "-") == 0;
    if (dashes > 1)
        return usage_error("- (standard input) can be given once");
    if (dashes && isatty(0))
        return usage_error("standard input is a terminal: give PART files, or pipe one in");
    if (o->partial && !o->output && isatty(1))
        return usage_error("--partial writes a binary partial state: give -o FILE, or redirect "
                           "standard output");
    for (int i = 0; i < o->nfiles; i++) {
        struct part_in *p = add_input(&mg);
        if (!p) {
            rc = nomem(&err);
            goto out;
        }
        if ((rc = open_input(p, o->files[i], &err)))
            goto out;
    }
    const struct partial_meta *m0 = &mg.in[0].m;
    if (m0->kind == PARTIAL_COUNT && !o->partial &&
        (o->sort || o->format != OUT_CSV || o->has_limit)) {
        status = usage_error("partials of count print a bare number: --format, --sort and "
                             "--limit do not apply");
        goto out;
    }
    if (dump)
        print_meta(m0, mg.in[0].path);
    else if ((status = check_inputs(&mg, &err))) {
        rc = err.code;
        goto out;
    }
    m0 = &mg.in[0].m; /* (the repairs may have moved the inputs) */
    plan = agg_plan_create(m0->names, m0->ncols, m0->by, m0->agg, &err);
    if (!plan) {
        /* the partial's own query: it was made from these names */
        rc = err.code == PCSV_EUSAGE ? (int)pcsv_error_set(&err, PCSV_EDATA, 0, mg.in[0].path, 0,
                                                           "corrupt partial: %s", err.msg)
                                     : (int)err.code;
        goto out;
    }
    if (o->sort && agg_plan_sort(plan, o->sort, &err)) {
        rc = err.code;
        goto out;
    }
    plan->limited = o->has_limit;
    plan->limit = o->limit;
    size_t limit = o->memory_limit ? o->memory_limit : default_memory_limit();
    struct aggradix_cfg rcfg = {
        .memory_limit = limit, .tmpdir = o->tmpdir, .jobs = o->jobs, .format = o->format};
    radix = aggradix_create(plan, &rcfg, &err);
    parts = calloc(2, sizeof *parts);
    if (!radix || !parts || !(parts[0] = agg_part_create(plan))) {
        rc = radix ? nomem(&err) : (int)err.code;
        goto out;
    }
    nparts = 1;
    for (int i = 0; i < mg.n; i++) {
        if (mg.in[i].dropped)
            continue;
        int got;
        while ((got = partial_reader_groups(mg.in[i].rd, parts[0], &err)) == 1)
            if (aggradix_maybe_flush(radix, parts[0])) {
                err = *aggradix_error(radix);
                got = -(int)err.code;
                break;
            }
        if (got < 0) {
            rc = -got;
            goto out;
        }
    }
    if (o->partial && (rc = merged_meta(&mg, &meta, &err)))
        goto out;
    out = dump ? outsink_open(NULL, OUT_CSV, &err)
               : outsink_open(o->output, o->partial ? OUT_CSV : o->format, &err);
    if (!out) {
        rc = err.code;
        goto out;
    }
    rc = groups_out(plan, radix, parts, &nparts, o->partial ? &meta : NULL,
                    m0->kind == PARTIAL_COUNT, out, &err);
    if (!rc)
        rc = outsink_prepare(out, &err);
    if (!rc)
        rc = outsink_commit(out, &err);
    else
        outsink_abort(out);
    if (!rc)
        report_spill(radix, limit, o->quiet);
    if (!rc && !o->partial && !dump)
        report_merged_bad(&mg);
out:
    for (int i = 0; i < nparts; i++)
        agg_part_destroy(parts[i]);
    free(parts);
    aggradix_destroy(radix);
    agg_plan_destroy(plan);
    partial_meta_free(&meta);
    for (int i = 0; i < mg.n; i++)
        close_input(&mg.in[i]);
    free(mg.in);
    if (status) /* a usage error or a re-run's failure said why already, else err does */
        return err.code ? (report_error(&err), status) : status;
    return rc ? report_error(&err) : EXIT_OK;
}

int cmd_merge(struct pcsv_opts *o) { return run_merge(o, false); }

int cmd_dump(struct pcsv_opts *o) { return run_merge(o, true); }
