/* test_source.c - an input opened as a table: the header after a BOM and
 * blank lines, numbered names without one, a bad header, and a stream's
 * regions: contiguous, whole rows each (quoted line breaks never cut), the
 * input byte for byte, with the true line count before each; a quiet pipe's
 * rows handed on before the end. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "source.h"

static void write_file(char *path, const char *text, size_t n)
{
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    cr_assert_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
}

Test(source, header_after_bom_and_blank_lines)
{
    const char text[] = "\xEF\xBB\xBF\n\r\na,\"b,\"\"c\"\"\"\n1,2\n";
    char path[] = "/tmp/pcsv-test-source-XXXXXX";
    write_file(path, text, sizeof text - 1);
    struct source s;
    struct pcsv_error err;
    cr_assert_eq(source_open(&s, path, "shown.csv", ',', '"', true, &err), 0, "%s", err.msg);
    cr_assert_eq(s.ncols, 2);
    cr_assert_str_eq(s.names[0], "a");
    cr_assert_str_eq(s.names[1], "b,\"c\"");
    cr_assert_str_eq(s.path, "shown.csv");
    cr_assert_eq(s.data_begin, sizeof text - 1 - 4);
    cr_assert_eq(s.header_lines, 3);
    cr_assert_null(s.is);
    bool last = false;
    cr_assert_eq(source_next(&s, &last, &err), 0);
    cr_assert(last); /* a file is one region */
    cr_assert_eq(s.map.size, sizeof text - 1);
    cr_assert_eq(source_finish(&s, 0, &err), 0);
    source_close(&s);
    unlink(path);
}

Test(source, without_header_names_are_numbers_and_the_first_row_is_data)
{
    const char text[] = "\n7,8,9\n1,2,3\n";
    char path[] = "/tmp/pcsv-test-source-XXXXXX";
    write_file(path, text, sizeof text - 1);
    struct source s;
    struct pcsv_error err;
    cr_assert_eq(source_open(&s, path, path, ',', '"', false, &err), 0, "%s", err.msg);
    cr_assert_eq(s.ncols, 3);
    cr_assert_str_eq(s.names[2], "3");
    cr_assert_eq(s.data_begin, 1);
    cr_assert_eq(s.header_lines, 1);
    source_close(&s);
    unlink(path);
}

Test(source, unterminated_quote_in_the_header_is_a_data_error)
{
    const char text[] = "\n\na,\"b\n1,2\n";
    char path[] = "/tmp/pcsv-test-source-XXXXXX";
    write_file(path, text, sizeof text - 1);
    struct source s;
    struct pcsv_error err;
    cr_assert_eq(source_open(&s, path, "h.csv", ',', '"', true, &err), PCSV_EDATA);
    cr_assert_eq(err.line, 3);
    source_close(&s);
    unlink(path);
}

struct feed {
    int fd;
    const char *p;
    size_t n;
};

static void *feeder(void *arg)
{
    struct feed *f = arg;
    for (size_t at = 0; at < f->n;) {
        size_t k = f->n - at < 65536 ? f->n - at : 65536;
        ssize_t w = write(f->fd, f->p + at, k);
        if (w <= 0)
            break;
        at += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

/* More than two stream buffers of rows through a pipe, some with quoted
 * line breaks. */
Test(source, stream_regions_tile_the_input_in_whole_rows, .timeout = 60)
{
    size_t cap = (size_t)40 << 20, n = 0;
    char *text = malloc(cap);
    n += (size_t)sprintf(text, "id,note\n");
    for (int i = 0; n + 64 < cap - (1 << 20); i++)
        n += (size_t)sprintf(text + n, i % 5 ? "%d,plain\n" : "%d,\"two\nlines\"\n", i);
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    struct feed f = {.fd = pfd[1], .p = text, .n = n};
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, feeder, &f), 0);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", pfd[0]);
    struct source s;
    struct pcsv_error err;
    cr_assert_eq(source_open(&s, path, "pipe", ',', '"', true, &err), 0, "%s", err.msg);
    cr_assert_not_null(s.is);
    cr_assert_eq(s.ncols, 2);
    size_t at = 8, regions = 0;
    uint64_t lines = 1;
    bool last = false;
    while (!last) {
        cr_assert_eq(source_next(&s, &last, &err), 0, "%s", err.msg);
        size_t len = s.map.size - s.data_begin;
        cr_assert_eq(s.offset_base + s.data_begin, at, "region %zu", regions);
        cr_assert_eq(s.header_lines, lines, "region %zu", regions);
        cr_assert(memcmp(s.map.data + s.data_begin, text + at, len) == 0);
        if (!last) /* whole rows: the cut is a line end outside quotes */
            cr_assert(len >= 4 && text[at + len - 1] == '\n' &&
                      memcmp(text + at + len - 4, "two\n", 4) != 0);
        for (size_t i = 0; i < len; i++)
            lines += text[at + i] == '\n';
        at += len;
        regions++;
    }
    cr_assert_eq(at, n);
    cr_assert_geq(regions, 3);
    cr_assert_eq(source_finish(&s, 0, &err), 0);
    source_close(&s);
    pthread_join(t, NULL);
    close(pfd[0]);
    free(text);
}

/* A slow writer: pieces with pauses between them, then the end. */
struct slow_feed {
    int fd;
    const char *piece[4];
    int pause_ms;
};

static void *slow_feeder(void *arg)
{
    struct slow_feed *f = arg;
    for (int i = 0; i < 4 && f->piece[i]; i++) {
        if (i)
            usleep((useconds_t)f->pause_ms * 1000);
        size_t n = strlen(f->piece[i]);
        if (write(f->fd, f->piece[i], n) != (ssize_t)n)
            break; /* the test then fails on what it read */
    }
    close(f->fd);
    return NULL;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A pipe that goes quiet: the rows that came are handed on (partly filled
 * buffers, well before the 16 MB or the end), an unfinished row (a quoted
 * line break cut in two) waits for its rest, and a pass stopped early
 * (head) returns at once though the reader waits on the quiet pipe. */
Test(source, quiet_pipe_hands_on_whole_rows_and_stops_at_once, .timeout = 30)
{
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    struct slow_feed f = {
        .fd = pfd[1], .piece = {"id,note\n1,\"a\n", "b\"\n2,c\n", "3,d\n"}, .pause_ms = 1500};
    pthread_t t;
    double t0 = now_s();
    cr_assert_eq(pthread_create(&t, NULL, slow_feeder, &f), 0);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", pfd[0]);
    struct source s;
    struct pcsv_error err;
    cr_assert_eq(source_open(&s, path, "pipe", ',', '"', true, &err), 0, "%s", err.msg);
    bool last = true;
    /* the first whole row comes with the second piece, at 1.5 s */
    cr_assert_eq(source_next(&s, &last, &err), 0, "%s", err.msg);
    double t1 = now_s() - t0;
    cr_assert_not(last);
    const char *want = "1,\"a\nb\"\n2,c\n";
    cr_assert_eq(s.map.size - s.data_begin, strlen(want));
    cr_assert(memcmp(s.map.data + s.data_begin, want, strlen(want)) == 0);
    cr_assert_eq(s.header_lines, 1);
    cr_assert(t1 > 1.4 && t1 < 2.7, "the rows came out at %.2f s", t1);
    /* stop while the reader waits for the third piece (due at 3 s) */
    cr_assert_eq(source_finish(&s, 0, &err), 0);
    double t2 = now_s() - t0;
    cr_assert(t2 < 2.9, "the stop took until %.2f s", t2);
    source_close(&s);
    pthread_join(t, NULL); /* pfd[0] is still open: the last write does not fail */
    close(pfd[0]);
}
