/* test_pipeline.c - the worker team end to end: rows reach a row-emitting
 * consumer's output in input order whatever order chunks finish in, and
 * counts do not depend on --jobs or --chunk-size. */
#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pipeline.h"

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
                     const uint8_t *skip, struct pipe_worker *w)
{
    (void)state, (void)quote;
    struct sink *s = pipe_consumer_ctx(w);
    unsigned r = atomic_fetch_add(&s->seed, 2654435761u);
    struct timespec ts = {0, (long)(r % 200) * 1000};
    nanosleep(&ts, NULL);
    struct outsink *o = pipe_out(w);
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
            struct pipe_cfg cfg = {.jobs = jobs[ji], .chunk_size = sizes[si], .delim = ',',
                                   .quote = '"', .header = true, .bad_mode = PIPE_FAIL};
            struct pcsv_error err;
            struct pipe_input in;
            cr_assert_eq(pipe_input_open(&in, path, path, &cfg, &err), 0);
            struct sink s = {0};
            struct pipe_consumer c = {.ctx = &s, .worker_create = make_state,
                                      .batch = copy_rows, .write = collect,
                                      .out_format = OUT_CSV};
            struct pipeline *p = pipeline_create(&cfg, &c, &err);
            cr_assert_not_null(p);
            cr_assert_eq(pipe_input_run(p, &in, 0, in.ncols, &err), 0);
            for (int i = 0; i < pipeline_nworkers(p); i++)
                free(pipeline_worker_state(p, i));
            pipeline_destroy(p);
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
            pipe_input_close(&in);
        }
    free(want);
    unlink(path);
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
                struct pipe_cfg cfg = {.jobs = jobs[ji], .chunk_size = sizes[si], .delim = ',',
                                       .quote = '"', .header = true, .bad_mode = PIPE_FAIL};
                struct pcsv_error err;
                struct pipe_input in;
                cr_assert_eq(pipe_input_open(&in, path, path, &cfg, &err), 0);
                struct sink s = {0};
                struct pipe_consumer c = {.ctx = &s, .worker_create = make_state,
                                          .batch = copy_rows, .write = collect,
                                          .out_format = OUT_CSV};
                struct pipeline *p = pipeline_create(&cfg, &c, &err);
                cr_assert_not_null(p);
                cr_assert_eq(pipe_input_run(p, &in, 0, in.ncols, &err), PCSV_EDATA);
                cr_assert_eq(err.line, 5);
                for (int i = 0; i < pipeline_nworkers(p); i++)
                    free(pipeline_worker_state(p, i));
                pipeline_destroy(p);
                collect(&s, "", 1);
                cr_assert_str_eq(s.buf, "0,a\n1,b\n2,c\n", "jobs %d, chunk %zu", jobs[ji],
                                 sizes[si]);
                free(s.buf);
                pipe_input_close(&in);
            }
    unlink(path);
}
