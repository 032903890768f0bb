/* test_instream.c - sequential input: plain files, zstd of one frame and of
 * several, the thread budget, damaged streams, foreign formats.
 *
 * A file of several zstd frames comes back byte for byte whatever the
 * budget and the read size; with a budget of 1 (--jobs 1) no decoding
 * thread starts (zdecode_threads_started does not move), with 2 two do,
 * and never more than the pool can use.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#include "instream.h"
#include "testrng.h"
#include "zdecode.h"

#define MiB ((size_t)1 << 20)

static char path[64];

static void write_file(const void *p, size_t n)
{
    snprintf(path, sizeof path, "/tmp/pcsv-test-instream-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, p, n), (ssize_t)n);
    close(fd);
}

/* CSV-like text of n bytes (compressible, not trivially). */
static char *make_text(size_t n, uint64_t seed)
{
    char *p = malloc(n);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng_next(&seed);
        p[i] = r % 12 == 0 ? '\n' : r % 7 == 0 ? ',' : (char)('a' + r % 26);
    }
    return p;
}

/* text[0, n) as nframes zstd frames of about equal size; *zn its size. */
static char *make_zstd(const char *text, size_t n, int nframes, size_t *zn)
{
    size_t cap = ZSTD_compressBound(n) + (size_t)nframes * 64;
    char *z = malloc(cap);
    cr_assert_not_null(z);
    size_t at = 0, len = 0;
    for (int f = 0; f < nframes; f++) {
        size_t part = f == nframes - 1 ? n - at : n / (size_t)nframes;
        size_t r = ZSTD_compress(z + len, cap - len, text + at, part, 3);
        cr_assert(!ZSTD_isError(r));
        len += r;
        at += part;
    }
    *zn = len;
    return z;
}

/* Read path to its end in reads of at most cap bytes; returns the bytes
 * (their count in *n) or NULL with err filled. */
static char *read_all(size_t cap, size_t *n, struct pcsv_error *err)
{
    memset(err, 0, sizeof *err);
    struct instream *s = instream_open(path, "in", err);
    cr_assert_not_null(s, "open: %s", err->msg);
    size_t len = 0, room = MiB;
    char *out = malloc(room);
    for (;;) {
        if (len + cap > room)
            out = realloc(out, room = (len + cap) * 2);
        ssize_t r = instream_read(s, (uint8_t *)out + len, cap, err);
        if (r < 0) {
            free(out);
            out = NULL;
            break;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    instream_close(s);
    *n = len;
    return out;
}

Test(instream, plain_file_comes_back_as_it_is)
{
    struct pcsv_error err;
    size_t got;
    write_file("a,b\n1,2\n", 8); /* a byte at a time */
    char *p = read_all(1, &got, &err);
    cr_assert(p && got == 8 && !memcmp(p, "a,b\n1,2\n", 8));
    free(p);
    unlink(path);
    size_t n = 3 * MiB + 17;
    char *text = make_text(n, 1);
    write_file(text, n);
    static const size_t caps[] = {7, 4096, MiB, 4 * MiB};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        p = read_all(caps[c], &got, &err);
        cr_assert_not_null(p, "%s", err.msg);
        cr_assert(got == n && !memcmp(p, text, n), "reads of %zu", caps[c]);
        free(p);
    }
    struct instream *s = instream_open(path, "in", &err);
    cr_assert(!instream_is_zstd(s));
    instream_close(s);
    unlink(path);
    free(text);
}

/* frames zstd frames through a budget of `budget` threads: the bytes, and
 * how many decoding threads started. */
static unsigned long zstd_round_trip(int nframes, int budget, size_t cap)
{
    size_t n = 6 * MiB + 5, zn;
    char *text = make_text(n, 2);
    char *z = make_zstd(text, n, nframes, &zn);
    write_file(z, zn);
    instream_threads(budget);
    unsigned long before = zdecode_threads_started();
    struct pcsv_error err;
    size_t got;
    char *p = read_all(cap, &got, &err);
    unsigned long started = zdecode_threads_started() - before;
    cr_assert_not_null(p, "%d frames, budget %d: %s", nframes, budget, err.msg);
    cr_assert(got == n && !memcmp(p, text, n), "%d frames, budget %d, reads of %zu: %zu bytes",
              nframes, budget, cap, got);
    struct instream *s = instream_open(path, "in", &err);
    cr_assert(instream_is_zstd(s));
    instream_close(s);
    unlink(path);
    free(p);
    free(z);
    free(text);
    return started;
}

Test(instream, zstd_budget_1_is_serial)
{
    cr_assert_eq(zstd_round_trip(1, 1, 65536), 0);
    cr_assert_eq(zstd_round_trip(6, 1, 65536), 0, "budget 1 started decoding threads");
    cr_assert_eq(zstd_round_trip(6, 1, 3), 0);
}

Test(instream, zstd_budget_caps_the_decoding_threads)
{
    cr_assert_eq(zstd_round_trip(1, 2, 65536), 0, "one frame is streamed");
    cr_assert_eq(zstd_round_trip(6, 2, 65536), 2);
    cr_assert_eq(zstd_round_trip(6, 2, 5 * MiB), 2);
    unsigned long t = zstd_round_trip(6, 64, 65536);
    cr_assert(t >= 2 && t <= 4, "budget 64 started %lu threads", t); /* PAR_AHEAD */
}

Test(instream, zstd_truncated_is_an_error_with_the_offset)
{
    size_t n = MiB, zn;
    char *text = make_text(n, 3);
    char *z = make_zstd(text, n, 3, &zn);
    for (int budget = 1; budget <= 2; budget++) {
        write_file(z, zn - 5);
        instream_threads(budget);
        struct pcsv_error err;
        size_t got;
        char *p = read_all(65536, &got, &err);
        cr_assert_null(p, "budget %d: a cut stream read as complete", budget);
        cr_assert_eq(err.code, PCSV_EIO);
        cr_assert(strstr(err.msg, "compressed byte"), "budget %d: %s", budget, err.msg);
        unlink(path);
    }
    free(z);
    free(text);
}

Test(instream, foreign_formats_by_magic)
{
    const char *tool = NULL;
    /* gzip is read (io/gzdecode.h), no longer refused */
    cr_assert_null(instream_foreign_format((const uint8_t *)"\x1f\x8b\x08", 3, &tool));
    cr_assert(instream_is_gzip_magic((const uint8_t *)"\x1f\x8b", 2));
    cr_assert(!instream_is_gzip_magic((const uint8_t *)"\x1f", 1));
    cr_assert_str_eq(instream_foreign_format((const uint8_t *)"\xfd"
                                                              "7zXZ\0",
                                             6, &tool),
                     "xz");
    cr_assert_str_eq(tool, "xz -dc");
    cr_assert_str_eq(instream_foreign_format((const uint8_t *)"\xfd"
                                                              "7zXZ\0",
                                             6, NULL),
                     "xz");
    cr_assert_str_eq(instream_foreign_format((const uint8_t *)"PK\x05\x06", 4, NULL), "zip");
    cr_assert_str_eq(instream_foreign_format((const uint8_t *)"BZh91AY&SY", 10, NULL), "bzip2");
    cr_assert_null(instream_foreign_format((const uint8_t *)"BZh9,a,b\n", 9, NULL));
    cr_assert_null(instream_foreign_format((const uint8_t *)"a,b\n", 4, NULL));
    cr_assert(instream_is_zstd_magic((const uint8_t *)"\x28\xb5\x2f\xfd", 4));
    cr_assert(instream_is_zstd_magic((const uint8_t *)"\x50\x2a\x4d\x18", 4)); /* skippable */
    cr_assert(!instream_is_zstd_magic((const uint8_t *)"\x28\xb5\x2f", 3));
    struct pcsv_error err = {0};
    cr_assert_eq(instream_refuse_foreign((const uint8_t *)"\xfd"
                                                          "7zXZ\0",
                                         6, "my file.xz", false, &err),
                 PCSV_EDATA);
    cr_assert(strstr(err.msg, "xz -dc 'my file.xz' | pcsv"), "%s", err.msg);
    cr_assert_eq(instream_refuse_foreign((const uint8_t *)"\x1f\x8b", 2, "x.gz", false, &err), 0);
    cr_assert_eq(instream_refuse_foreign((const uint8_t *)"a,b", 3, "x", false, &err), 0);
}
