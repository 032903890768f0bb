/* test_chunk.c - the chunker: ranges tile the data, and every chunk's quote
 * state and line count equal a byte-by-byte count, whichever order chunks
 * are counted and asked for (including asking before anything is counted,
 * which makes the asker count the earlier chunks itself). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chunk.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A temp file of n random bytes from a CSV-ish alphabet; mapped into m. */
static char *make_file(size_t n, struct mapfile *m)
{
    static const char alpha[] = "ab,\"\n\r,\"\n";
    char *path = strdup("/tmp/pcsv-test-chunk-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    char *buf = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        buf[i] = alpha[next() % (sizeof alpha - 1)];
    cr_assert_eq(write(fd, buf, n), (ssize_t)n);
    close(fd);
    free(buf);
    struct pcsv_error err;
    cr_assert_eq(mapfile_open(m, path, &err), 0);
    return path;
}

static void check(const struct mapfile *m, size_t begin, size_t size, bool ask_first)
{
    struct pcsv_error err;
    struct chunker *c = chunker_create(m, begin, size, '"', &err);
    cr_assert_not_null(c);
    size_t n = chunker_nchunks(c);
    cr_assert_eq(n, (m->size - begin + size - 1) / size);
    /* ranges tile [begin, size) */
    size_t at = begin;
    for (size_t k = 0; k < n; k++) {
        size_t a, e;
        chunker_range(c, k, &a, &e);
        cr_assert_eq(a, at);
        cr_assert(e > a && e <= m->size);
        at = e;
    }
    cr_assert_eq(at, m->size);
    /* count in a random order (or not at all), ask in another */
    size_t *order = malloc(n * sizeof *order);
    for (size_t k = 0; k < n; k++)
        order[k] = k;
    for (size_t k = n; k > 1; k--) {
        size_t j = next() % k, t = order[k - 1];
        order[k - 1] = order[j];
        order[j] = t;
    }
    /* counted from bytes the caller read, or by the chunker (pread) */
    if (!ask_first)
        for (size_t i = 0; i < n; i++) {
            size_t a, e;
            chunker_range(c, order[i], &a, &e);
            uint64_t q, qq = 0;
            cr_assert_eq(chunker_count(c, order[i], i % 2 ? m->data + a : NULL, &q), 0);
            for (size_t b = a; b < e; b++)
                qq += m->data[b] == '"';
            cr_assert_eq(q, qq);
        }
    for (size_t i = n; i-- > 0;) {
        size_t k = order[i], a, e;
        chunker_range(c, k, &a, &e);
        uint64_t q = 0, nl = 0;
        for (size_t b = begin; b < a; b++) {
            q += m->data[b] == '"';
            nl += m->data[b] == '\n';
        }
        bool inq;
        uint64_t lines;
        cr_assert_eq(chunker_state(c, k, &inq, &lines), 0);
        cr_assert_eq(inq, (bool)(q & 1), "chunk %zu of size %zu", k, size);
        cr_assert_eq(lines, nl, "chunk %zu of size %zu", k, size);
    }
    free(order);
    chunker_destroy(c);
}

Test(chunk, states_and_line_counts_match_a_byte_count_for_any_size_and_order)
{
    struct mapfile m;
    char *path = make_file(40000, &m);
    static const size_t sizes[] = {1,   2,    3,    7,     63,    64,    65,
                                   500, 2999, 3000, 16384, 16385, 39999, 1 << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        check(&m, 0, sizes[i], false);
        check(&m, 17, sizes[i], true);
    }
    mapfile_close(&m);
    unlink(path);
    free(path);
}

Test(chunk, refuses_more_chunks_than_the_limit)
{
    struct mapfile m = {.size = CHUNK_MAX_CHUNKS + 2, .path = "big.csv"};
    struct pcsv_error err;
    cr_assert_null(chunker_create(&m, 0, 1, '"', &err));
    cr_assert_eq(err.code, PCSV_EUSAGE);
}

Test(mapfile, truncated_while_mapped_reads_zeros_and_reports_a_change)
{
    char path[] = "/tmp/pcsv-test-shrink-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    char block[4096];
    memset(block, 'x', sizeof block);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(write(fd, block, sizeof block), (ssize_t)sizeof block);
    close(fd);
    struct mapfile m;
    struct pcsv_error err;
    cr_assert_eq(mapfile_open(&m, path, &err), 0);
    cr_assert_eq(m.data[3 * 4096], 'x');
    cr_assert(!mapfile_changed(&m));
    cr_assert_eq(truncate(path, 4096), 0);
    mapfile_release(&m, 0, m.size);            /* drop the cached pages: the next read faults */
    volatile uint8_t c = m.data[3 * 4096 + 7]; /* past the new end: SIGBUS, handled */
    cr_assert_eq(c, 0);
    cr_assert(mapfile_changed(&m));
    mapfile_close(&m);
    unlink(path);
}

/* mapfile_read copies what the mapping shows; a file that ends early (it
 * shrank) is an error that mapfile_changed reports, never short data. */
Test(mapfile, read_copies_and_reports_a_file_that_shrank)
{
    char path[] = "/tmp/pcsv-test-read-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    char text[10000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = (char)('a' + i % 26);
    cr_assert_eq(write(fd, text, sizeof text), (ssize_t)sizeof text);
    close(fd);
    struct mapfile m;
    struct pcsv_error err;
    cr_assert_eq(mapfile_open(&m, path, &err), 0);
    char buf[5000];
    cr_assert_eq(mapfile_read(&m, 4321, buf, sizeof buf), 0);
    cr_assert_arr_eq(buf, text + 4321, sizeof buf);
    cr_assert(!mapfile_changed(&m));
    cr_assert_eq(truncate(path, 6000), 0);
    cr_assert_eq(mapfile_read(&m, 4321, buf, sizeof buf), -1);
    cr_assert_eq(errno, 0);
    cr_assert(mapfile_changed(&m));
    mapfile_close(&m);
    unlink(path);
}

/* Releasing a range that runs past the end of the mapping (the last chunk
 * of a file) must leave whatever memory follows the mapping alone:
 * MADV_DONTNEED would zero anonymous memory there (it once hit libgomp's
 * team and crashed a run at its end, 1 in 40 runs at --jobs 3). */
Test(mapfile, release_stops_at_the_end_of_the_mapping)
{
    long ps = sysconf(_SC_PAGESIZE);
    char path[] = "/tmp/pcsv-test-release-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    char *text = malloc((size_t)ps);
    memset(text, 'x', (size_t)ps);
    cr_assert_eq(write(fd, text, (size_t)ps), ps);
    /* two anonymous pages, the file mapped over the first */
    uint8_t *area = mmap(NULL, 2 * (size_t)ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    cr_assert(area != MAP_FAILED);
    area[ps] = 42;
    void *p = mmap(area, (size_t)ps, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    cr_assert(p == area);
    struct mapfile m = {
        .fd = fd, .data = area, .size = (size_t)ps, .path = path, .page = (size_t)ps};
    mapfile_release(&m, 0, 2 * (size_t)ps); /* a chunk size past the end */
    cr_assert_eq(area[ps], 42, "the page after the mapping was dropped");
    cr_assert_eq(area[0], 'x');
    munmap(area, 2 * (size_t)ps);
    close(fd);
    unlink(path);
    free(text);
}
