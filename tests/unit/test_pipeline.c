/* test_pipeline.c - the worker team end to end (with source, badrow and
 * reorder, which have their own tests too): rows reach a row-emitting
 * consumer's output in input order whatever order chunks finish in, and
 * counts do not depend on --jobs or --chunk-size; --rejects holds every
 * dropped row, in input order, whatever the jobs and chunk sizes. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline.h"
#include "testrng.h"

struct sink {
    char *buf;
    size_t len, cap;
    _Atomic unsigned seed;
};

static void *make_state(void *ctx)
{
    (void)ctx;
    return calloc(1, 1);
}

/* Copies each row to the chunk's output, after a random pause so that
 * chunks finish out of order. */
static int copy_rows(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                     const uint8_t *skip, struct pipeline_worker *w)
{
    (void)state, (void)quote;
    struct sink *s = pipeline_consumer_ctx(w);
    unsigned r = atomic_fetch_add(&s->seed, 2654435761u);
    struct timespec ts = {0, (long)(r % 200) * 1000};
    nanosleep(&ts, NULL);
    struct outsink *o = pipeline_out(w);
    for (size_t i = 0; i < b->nrows; i++) {
        if (skip && skip[i])
            continue;
        outsink_raw(o, data + b->row_start[i], (size_t)(b->row_end[i] - b->row_start[i]));
        outsink_raw(o, "\n", 1);
    }
    return 0;
}

static int collect(void *ctx, const void *p, size_t n)
{
    struct sink *s = ctx;
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->buf = realloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

/* Run the row-copying consumer over path (fail mode) at the given jobs and
 * chunk size, the ordered output collected in *s. Returns pipeline_run's
 * result (err filled on failure). */
static int copy_run(const char *path, int jobs, size_t chunk_size, struct sink *s,
                    struct pcsv_error *err)
{
    struct pipeline_cfg cfg = {.jobs = jobs,
                               .chunk_size = chunk_size,
                               .delim = ',',
                               .quote = '"',
                               .header = true,
                               .bad_mode = PIPELINE_FAIL};
    struct source in;
    cr_assert_eq(source_open(&in, path, path, cfg.delim, cfg.quote, cfg.header, err), 0);
    struct pipeline_consumer c = {.ctx = s,
                                  .worker_create = make_state,
                                  .batch = copy_rows,
                                  .write = collect,
                                  .out_format = OUT_CSV};
    struct pipeline *p = pipeline_create(&cfg, &c, err);
    cr_assert_not_null(p);
    int rc = pipeline_run(p, &in, 0, in.ncols, err);
    for (int i = 0; i < pipeline_nworkers(p); i++)
        free(pipeline_worker_state(p, i));
    pipeline_destroy(p);
    source_close(&in);
    return rc;
}

Test(pipeline, ordered_writer_restores_input_order_from_random_completion)
{
    char path[] = "/tmp/pcsv-test-pipeline-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "n,text\n");
    for (int i = 0; i < 3000; i++)
        fprintf(f, i % 7 ? "%d,plain\n" : "%d,\"quoted\nline\"\n", i);
    fclose(f);
    static const size_t sizes[] = {1, 7, 64, 4096};
    static const int jobs[] = {1, 2, 4};
    char *want = NULL;
    for (size_t si = 0; si < 4; si++)
        for (size_t ji = 0; ji < 3; ji++) {
            struct pcsv_error err;
            struct sink s = {0};
            cr_assert_eq(copy_run(path, jobs[ji], sizes[si], &s, &err), 0);
            collect(&s, "", 0);
            s.buf[s.len] = 0;
            if (!want) {
                want = s.buf;
                /* the input's rows, in order */
                cr_assert(strncmp(want, "0,\"quoted\nline\"\n1,plain\n", 24) == 0);
            } else {
                cr_assert_eq(s.len, strlen(want), "jobs %d, chunk %zu", jobs[ji], sizes[si]);
                cr_assert(memcmp(s.buf, want, s.len) == 0, "jobs %d, chunk %zu", jobs[ji],
                          sizes[si]);
                free(s.buf);
            }
        }
    free(want);
    unlink(path);
}

/* ---- --rejects: every dropped row, in input order, byte for byte */

struct gen {
    char *buf;
    size_t len, cap;
};

static void gen_put(struct gen *g, const char *p, size_t n)
{
    if (g->len + n + 1 > g->cap) {
        g->cap = (g->len + n + 1) * 2;
        g->buf = realloc(g->buf, g->cap);
    }
    memcpy(g->buf + g->len, p, n);
    g->len += n;
    g->buf[g->len] = 0;
}

static void gen_csv(struct gen *g, const char *p, size_t n)
{
    bool q = false;
    for (size_t i = 0; i < n; i++)
        q |= p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
    if (!q) {
        gen_put(g, p, n);
        return;
    }
    gen_put(g, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"')
            gen_put(g, "\"", 1);
        gen_put(g, p + i, 1);
    }
    gen_put(g, "\"", 1);
}

/* A consumer like aggregate's (no output of its own): column v's values
 * that start with "bad" are unusable; random pauses make chunks finish out
 * of order. */
static int flag_bad(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                    const uint8_t *skip, struct pipeline_worker *w)
{
    (void)state, (void)quote;
    struct sink *s = pipeline_consumer_ctx(w);
    unsigned r = atomic_fetch_add(&s->seed, 2654435761u);
    struct timespec ts = {0, (long)(r % 100) * 1000};
    nanosleep(&ts, NULL);
    for (size_t i = 0; i < b->nrows; i++) {
        if (skip && skip[i])
            continue;
        struct scan_field f = b->fields[i];
        if (f.end - f.start >= 3 && memcmp(data + f.start, "bad", 3) == 0 &&
            !pipeline_bad_value(w, i, 1, data + f.start, (size_t)(f.end - f.start)))
            return 1;
    }
    return 0;
}

Test(pipeline, rejects_hold_every_dropped_row_in_input_order)
{
    char path[] = "/tmp/pcsv-test-rejects-in-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    struct gen in = {0}, want = {0};
    char row[128], num[64];
    uint64_t rng = 42, line = 2, nbad = 0;
    gen_put(&in, "n,v,t\n", 6);
    gen_put(&want, "file,line,offset,column,reason,row\n", 35);
    for (int i = 0; i < 4000; i++) {
        const char *eol = rng_below(&rng, 4) ? "\n" : "\r\n";
        size_t k = rng_below(&rng, 100), off = in.len;
        int n, breaks = 0;
        const char *col = "", *reason = NULL;
        char why[96];
        if (k < 70) {
            n = snprintf(row, sizeof row, "%d,%d,x", i, i % 13);
        } else if (k < 80) {
            n = snprintf(row, sizeof row, "%d,%d,\"a%sb\"", i, i % 13, eol);
            breaks = 1;
        } else if (k < 88) {
            n = snprintf(row, sizeof row, "%d,\"p%sq\"", i, eol);
            breaks = 1;
            reason = "expected 3 fields, found 2";
        } else if (k < 94) {
            n = snprintf(row, sizeof row, "%d,1,2,3", i);
            reason = "expected 3 fields, found 4";
        } else {
            n = snprintf(row, sizeof row, "%d,bad%d,x", i, i);
            snprintf(why, sizeof why, "column 'v': not a number: \"bad%d\"", i);
            reason = why;
            col = "v";
        }
        gen_put(&in, row, (size_t)n);
        if (i < 3999 || rng_below(&rng, 2)) /* the last row may have no line end */
            gen_put(&in, eol, strlen(eol));
        if (reason) {
            nbad++;
            gen_csv(&want, path, strlen(path));
            n = snprintf(num, sizeof num, ",%llu,%zu,", (unsigned long long)line, off);
            gen_put(&want, num, (size_t)n);
            gen_csv(&want, col, strlen(col));
            gen_put(&want, ",", 1);
            gen_csv(&want, reason, strlen(reason));
            gen_put(&want, ",", 1);
            gen_csv(&want, row, strlen(row));
            gen_put(&want, "\n", 1);
        }
        line += 1 + (uint64_t)breaks;
    }
    cr_assert_eq(write(fd, in.buf, in.len), (ssize_t)in.len);
    close(fd);
    char rpath[] = "/tmp/pcsv-test-rejects-out-XXXXXX";
    int rfd = mkstemp(rpath);
    cr_assert(rfd >= 0);
    close(rfd);
    static const size_t sizes[] = {1, 7, 64, 4096, 1 << 20};
    static const int jobs[] = {1, 2, 4};
    static const int32_t sel[] = {-1, 0, -1};
    for (size_t si = 0; si < 5; si++)
        for (size_t ji = 0; ji < 3; ji++) {
            struct pipeline_cfg cfg = {.jobs = jobs[ji],
                                       .chunk_size = sizes[si],
                                       .delim = ',',
                                       .quote = '"',
                                       .header = true,
                                       .bad_mode = ji ? PIPELINE_SKIP : PIPELINE_WARN,
                                       .rejects = rpath};
            struct pcsv_error err;
            struct source pin;
            cr_assert_eq(source_open(&pin, path, path, cfg.delim, cfg.quote, cfg.header, &err), 0);
            struct sink s = {0};
            struct pipeline_consumer c = {.ctx = &s,
                                          .nsel = 1,
                                          .sel = sel,
                                          .nselcols = 3,
                                          .worker_create = make_state,
                                          .batch = flag_bad};
            struct pipeline *p = pipeline_create(&cfg, &c, &err);
            cr_assert_not_null(p, "%s", err.msg);
            cr_assert_eq(pipeline_run(p, &pin, 0, pin.ncols, &err), 0, "%s", err.msg);
            for (int i = 0; i < pipeline_nworkers(p); i++)
                free(pipeline_worker_state(p, i));
            cr_assert_eq(pipeline_bad_count(p), nbad);
            size_t kept;
            const struct badrow *b = pipeline_bad_rows(p, &kept);
            cr_assert_eq(kept, nbad < BADROW_KEEP ? nbad : BADROW_KEEP);
            for (size_t i = 1; i < kept; i++)
                cr_assert_lt(b[i - 1].offset, b[i].offset);
            cr_assert_eq(outsink_commit(pipeline_take_rejects(p), &err), 0, "%s", err.msg);
            pipeline_destroy(p);
            source_close(&pin);
            FILE *f = fopen(rpath, "rb");
            cr_assert_not_null(f);
            char *got = malloc(want.len + 2);
            size_t n = fread(got, 1, want.len + 1, f);
            fclose(f);
            cr_assert_eq(n, want.len, "jobs %d, chunk %zu", jobs[ji], sizes[si]);
            cr_assert(memcmp(got, want.buf, n) == 0, "jobs %d, chunk %zu", jobs[ji], sizes[si]);
            free(got);
        }
    cr_assert_gt(nbad, BADROW_KEEP);
    free(in.buf);
    free(want.buf);
    unlink(path);
    unlink(rpath);
}

/* Fail mode: what reaches the ordered output is exactly the rows before the
 * first bad row, whatever --jobs and --chunk-size, although workers may
 * have finished chunks after it before it was found (fuzz_parse found it:
 * tests/fuzz/corpus/parse/regress-fail-mode-rows-after-bad-row). */
Test(pipeline, fail_mode_output_stops_before_the_first_bad_row)
{
    char path[] = "/tmp/pcsv-test-pipeline-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "n,text\n0,a\n1,b\n2,c\nragged\n");
    for (int i = 3; i < 2000; i++)
        fprintf(f, "%d,x\n", i);
    fclose(f);
    static const size_t sizes[] = {1, 7, 64};
    static const int jobs[] = {1, 2, 4};
    for (int rep = 0; rep < 3; rep++)
        for (size_t si = 0; si < 3; si++)
            for (size_t ji = 0; ji < 3; ji++) {
                struct pcsv_error err;
                struct sink s = {0};
                cr_assert_eq(copy_run(path, jobs[ji], sizes[si], &s, &err), PCSV_EDATA);
                cr_assert_eq(err.line, 5);
                collect(&s, "", 1);
                cr_assert_str_eq(s.buf, "0,a\n1,b\n2,c\n", "jobs %d, chunk %zu", jobs[ji],
                                 sizes[si]);
                free(s.buf);
            }
    unlink(path);
}
