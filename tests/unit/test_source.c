/* test_source.c - an input opened as a table: the header after a BOM and
 * blank lines, numbered names without one, a bad header, and a stream's
 * regions: contiguous, whole rows each (quoted line breaks never cut), the
 * input byte for byte, with the true line count before each. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
