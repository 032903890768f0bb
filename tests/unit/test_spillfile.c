/* test_spillfile.c - spill runs: blocks come back byte for byte, in order,
 * from one thread or two at once; damage (a flipped byte anywhere, a cut
 * file) is an error naming the byte, never a crash; the file never has a
 * name; a missing directory and a full disk are errors naming the
 * directory.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spillfile.h"
#include "testrng.h"

#define MiB ((size_t)1 << 20)

/* n bytes of block `tag`: random (incompressible) or repetitive text. */
static void fill(uint8_t *p, size_t n, uint64_t tag, bool random)
{
    uint64_t s = tag;
    for (size_t i = 0; i < n; i++)
        p[i] = random ? (uint8_t)rng_next(&s) : (uint8_t)("group,42,3.5\n"[(i + tag) % 13]);
}

static struct spillfile *create_ok(const char *dir)
{
    struct pcsv_error err = {0};
    struct spillfile *f = spillfile_create(dir, &err);
    cr_assert_not_null(f, "spillfile_create(%s): %s", dir ? dir : "NULL", err.msg);
    return f;
}

static void put_ok(struct spillfile *f, const void *p, size_t n)
{
    struct pcsv_error err = {0};
    cr_assert_eq(spillfile_put(f, p, n, &err), 0, "put %zu bytes: %s", n, err.msg);
}

/* Read the next block of f, which must be p[0..n). */
static void get_ok(struct spillfile *f, struct spillcur *c, const uint8_t *p, size_t n)
{
    static uint8_t *buf;
    static size_t cap;
    size_t len = 99;
    struct pcsv_error err = {0};
    int rc = spillfile_get(f, c, &buf, &cap, &len, &err);
    cr_assert_eq(rc, 1, "get at %llu: %d %s", (unsigned long long)c->off, rc, err.msg);
    cr_assert_eq(len, n);
    cr_assert(n == 0 || memcmp(buf, p, n) == 0, "block of %zu bytes differs", n);
}

/* spillfile_get's error at c, which must be code with message msg. */
static void get_fails(struct spillfile *f, struct spillcur *c, const char *msg, uint64_t off)
{
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    struct pcsv_error err = {0};
    uint64_t was = c->off;
    int rc = spillfile_get(f, c, &buf, &cap, &len, &err);
    cr_assert_eq(rc, -PCSV_EDATA, "get: %d, %s", rc, err.msg);
    cr_assert_eq(err.code, PCSV_EDATA);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_str_eq(err.path, "");
    cr_assert_eq(err.offset, off);
    cr_assert_eq(c->off, was, "the cursor moved on an error");
    free(buf);
}

static void get_end(struct spillfile *f, struct spillcur *c)
{
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    struct pcsv_error err = {0};
    cr_assert_eq(spillfile_get(f, c, &buf, &cap, &len, &err), 0, "not the end: %s", err.msg);
    free(buf);
}

static uint64_t fsize(struct spillfile *f)
{
    struct stat st;
    cr_assert_eq(fstat(spillfile_fd(f), &st), 0);
    return (uint64_t)st.st_size;
}

Test(spillfile, round_trip_of_many_blocks_empty_small_and_multi_mib)
{
    struct spillfile *f = create_ok(NULL);
    uint64_t seed = 13;
    size_t sizes[300];
    for (size_t i = 0; i < 300; i++)
        sizes[i] = i % 50 == 0 ? 0 : i % 97 == 1 ? 3 * MiB + i : rng_below(&seed, 70000);
    uint8_t *p = malloc(4 * MiB);
    for (size_t i = 0; i < 300; i++) {
        fill(p, sizes[i], i, i % 3 == 0);
        put_ok(f, p, sizes[i]);
    }
    cr_assert_eq(spillfile_bytes(f), fsize(f));
    struct spillcur c = {0};
    for (size_t i = 0; i < 300; i++) {
        fill(p, sizes[i], i, i % 3 == 0);
        get_ok(f, &c, p, sizes[i]);
    }
    cr_assert_eq(c.off, fsize(f));
    get_end(f, &c);
    get_end(f, &c);
    free(p);
    spillfile_destroy(f);
}

#define PER_THREAD 400
struct putter {
    struct spillfile *f;
    int id;
};

/* Block j of thread t: its first 8 bytes say t and j, the rest follows from them. */
static size_t tagged(uint8_t *p, int t, int j)
{
    size_t n = 8 + (size_t)(j * 7919 + t * 104729) % 20000;
    p[0] = (uint8_t)t;
    memcpy(p + 1, &j, sizeof j);
    memset(p + 5, 0, 3);
    fill(p + 8, n - 8, (uint64_t)t << 32 | (uint64_t)j, j % 2);
    return n;
}

static void *putter_run(void *arg)
{
    struct putter *pt = arg;
    uint8_t *p = malloc(20008);
    for (int j = 0; j < PER_THREAD; j++)
        put_ok(pt->f, p, tagged(p, pt->id, j));
    free(p);
    return NULL;
}

Test(spillfile, two_threads_put_into_one_file_every_block_once_and_intact)
{
    struct spillfile *f = create_ok(NULL);
    pthread_t th[2];
    struct putter pt[2] = {{f, 0}, {f, 1}};
    for (int t = 0; t < 2; t++)
        cr_assert_eq(pthread_create(&th[t], NULL, putter_run, &pt[t]), 0);
    for (int t = 0; t < 2; t++)
        pthread_join(th[t], NULL);
    cr_assert_eq(spillfile_bytes(f), fsize(f));
    int next[2] = {0, 0}; /* a thread's blocks keep its order */
    uint8_t *buf = NULL, *want = malloc(20008);
    size_t cap = 0, len;
    struct spillcur c = {0};
    struct pcsv_error err = {0};
    int rc, blocks = 0;
    while ((rc = spillfile_get(f, &c, &buf, &cap, &len, &err)) == 1) {
        cr_assert_geq(len, 8);
        int t = buf[0], j;
        memcpy(&j, buf + 1, sizeof j);
        cr_assert(t < 2 && j == next[t], "thread %d block %d, expected %d", t, j, next[t]);
        next[t]++;
        cr_assert_eq(len, tagged(want, t, j));
        cr_assert(memcmp(buf, want, len) == 0, "thread %d block %d differs", t, j);
        blocks++;
    }
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(blocks, 2 * PER_THREAD);
    free(buf);
    free(want);
    spillfile_destroy(f);
}

/* Three blocks of 1000 bytes, the middle one random; *off1 its offset. */
static struct spillfile *three_blocks(uint8_t p[3][1000], uint64_t *off1, uint64_t *off2)
{
    struct spillfile *f = create_ok(NULL);
    for (int i = 0; i < 3; i++) {
        fill(p[i], 1000, (uint64_t)i, i == 1);
        put_ok(f, p[i], 1000);
        if (i == 0)
            *off1 = spillfile_bytes(f);
        if (i == 1)
            *off2 = spillfile_bytes(f);
    }
    return f;
}

static void flip(struct spillfile *f, uint64_t at)
{
    uint8_t b;
    cr_assert_eq(pread(spillfile_fd(f), &b, 1, (off_t)at), 1);
    b ^= 0x20;
    cr_assert_eq(pwrite(spillfile_fd(f), &b, 1, (off_t)at), 1);
}

static void damaged(uint64_t where, const char *why)
{
    uint8_t p[3][1000];
    uint64_t off1, off2;
    struct spillfile *f = three_blocks(p, &off1, &off2);
    flip(f, off1 + where);
    struct spillcur c = {0};
    get_ok(f, &c, p[0], 1000);
    char msg[200];
    snprintf(msg, sizeof msg, "spill run: corrupt block at byte %llu (%s)",
             (unsigned long long)off1, why);
    get_fails(f, &c, msg, off1);
    spillfile_destroy(f);
}

Test(spillfile, flipped_payload_byte_is_a_checksum_mismatch_at_the_block)
{
    damaged(SPILLBLOCK_HEADER + 500, "payload checksum mismatch");
}

Test(spillfile, flipped_header_bytes_are_caught_by_magic_and_header_checksum)
{
    damaged(0, "bad magic");
    damaged(5, "header checksum mismatch");  /* raw length */
    damaged(9, "header checksum mismatch");  /* compressed length */
    damaged(14, "header checksum mismatch"); /* payload checksum */
    damaged(21, "header checksum mismatch"); /* header checksum */
}

Test(spillfile, truncated_file_mid_payload_mid_header_and_at_a_block_edge)
{
    uint8_t p[3][1000];
    uint64_t off1, off2;
    struct spillfile *f = three_blocks(p, &off1, &off2);
    int fd = spillfile_fd(f);
    uint64_t cuts[3] = {off2 + 10, off1 + 300, off1}; /* mid-header, mid-payload, an edge */
    char msg[100];
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(ftruncate(fd, (off_t)cuts[i]), 0);
        struct spillcur c = {0};
        get_ok(f, &c, p[0], 1000);
        if (cuts[i] > off2)
            get_ok(f, &c, p[1], 1000);
        snprintf(msg, sizeof msg, "spill run: truncated at byte %llu", (unsigned long long)cuts[i]);
        get_fails(f, &c, msg, cuts[i]);
    }
    spillfile_destroy(f);
}

Test(spillfile, decode_from_memory_every_prefix_and_every_flip_is_an_error)
{
    uint8_t raw[3000];
    fill(raw, 1500, 7, false);
    fill(raw + 1500, 1500, 7, true);
    size_t cap = spillblock_bound(sizeof raw);
    uint8_t *blk = malloc(cap), *buf = NULL;
    size_t n = spillblock_encode(blk, cap, raw, sizeof raw), bcap = 0, len, used;
    cr_assert_gt(n, SPILLBLOCK_HEADER);
    struct pcsv_error err;
    cr_assert_eq(spillblock_decode(blk, n, 1000, &used, &buf, &bcap, &len, &err), 1, "%s", err.msg);
    cr_assert_eq(used, n);
    cr_assert_eq(len, sizeof raw);
    cr_assert(memcmp(buf, raw, len) == 0);
    cr_assert_eq(spillblock_decode(blk, 0, 1000, &used, &buf, &bcap, &len, &err), 0);
    char msg[100];
    for (size_t k = 1; k < n; k++) { /* a copy of exactly k bytes: ASan sees any read past it */
        uint8_t *q = malloc(k);
        memcpy(q, blk, k);
        cr_assert_eq(spillblock_decode(q, k, 1000, &used, &buf, &bcap, &len, &err), -PCSV_EDATA);
        snprintf(msg, sizeof msg, "spill run: truncated at byte %zu", 1000 + k);
        cr_assert_str_eq(err.msg, msg);
        free(q);
    }
    snprintf(msg, sizeof msg, "spill run: corrupt block at byte 1000 (");
    size_t ignored = 0;
    for (size_t k = 0; k < n; k++) {
        for (int bit = 0; bit < 8; bit += 3) {
            blk[k] ^= (uint8_t)(1 << bit);
            int rc = spillblock_decode(blk, n, 1000, &used, &buf, &bcap, &len, &err);
            blk[k] ^= (uint8_t)(1 << bit);
            if (rc == 1 && k >= SPILLBLOCK_HEADER) { /* a bit zstd ignores: the same bytes */
                cr_assert(len == sizeof raw && memcmp(buf, raw, len) == 0, "byte %zu bit %d", k,
                          bit);
                ignored++;
                continue;
            }
            cr_assert_eq(rc, -PCSV_EDATA, "byte %zu bit %d: %d", k, bit, rc);
            cr_assert(strncmp(err.msg, msg, strlen(msg)) == 0 ||
                          strncmp(err.msg, "spill run: truncated at byte ", 29) == 0,
                      "byte %zu bit %d: %s", k, bit, err.msg);
        }
    }
    cr_log_info("%zu of %zu flips decode to the same bytes", ignored, 3 * n);
    free(blk);
    free(buf);
}

Test(spillfile, block_over_1_gib_is_refused_before_it_is_read)
{
    struct spillfile *f = create_ok("/tmp");
    struct pcsv_error err = {0};
    cr_assert_eq(spillfile_put(f, "", SPILLFILE_MAX_BLOCK + 1, &err), PCSV_EDATA);
    cr_assert_str_eq(err.msg, "/tmp: spill block of 1073741825 bytes (over 1 GiB)");
    cr_assert_eq(spillfile_bytes(f), 0);
    spillfile_destroy(f);
}

Test(spillfile, missing_directory_or_a_file_is_an_error_naming_it)
{
    struct pcsv_error err = {0};
    cr_assert_null(spillfile_create("/nonexistent/pcsv-spill", &err));
    cr_assert_eq(err.code, PCSV_EDATA);
    cr_assert_eq(err.err_no, ENOENT);
    cr_assert_str_eq(err.msg, "--tmpdir /nonexistent/pcsv-spill: No such file or directory");
    cr_assert_null(spillfile_create("/etc/passwd", &err));
    cr_assert_eq(err.code, PCSV_EDATA);
    cr_assert_str_eq(err.msg, "--tmpdir /etc/passwd: Not a directory");
}

Test(spillfile, default_directory_is_tmpdir_then_tmp)
{
    char dir[] = "/tmp/pcsv-spill-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    setenv("TMPDIR", dir, 1);
    struct spillfile *f = create_ok("");
    cr_assert_str_eq(spillfile_dir(f), dir);
    spillfile_destroy(f);
    setenv("TMPDIR", "", 1);
    f = create_ok(NULL);
    cr_assert_str_eq(spillfile_dir(f), "/tmp");
    spillfile_destroy(f);
    cr_assert_eq(rmdir(dir), 0);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

Test(spillfile, the_file_has_no_name_in_its_directory)
{
    char dir[] = "/tmp/pcsv-spill-test-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    struct spillfile *f = create_ok(dir);
    cr_assert_eq(entries(dir), 0);
    uint8_t p[4096];
    fill(p, sizeof p, 1, true);
    put_ok(f, p, sizeof p);
    cr_assert_eq(entries(dir), 0);
    struct stat st;
    cr_assert_eq(fstat(spillfile_fd(f), &st), 0);
    cr_assert_eq(st.st_nlink, 0, "the file has %lu links", (unsigned long)st.st_nlink);
    spillfile_destroy(f);
    cr_assert_eq(rmdir(dir), 0, "rmdir: %s", strerror(errno)); /* empty */
}

Test(spillfile, full_disk_is_an_error_naming_the_directory)
{
    char dir[] = "/tmp/pcsv-spill-full-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    if (mount("x", dir, "tmpfs", 0, "size=64k") != 0) {
        int e = errno;
        rmdir(dir);
        cr_skip_test("cannot mount a 64k tmpfs (%s): needs root", strerror(e));
    }
    struct pcsv_error err = {0};
    struct spillfile *f = spillfile_create(dir, &err);
    cr_assert_not_null(f, "%s", err.msg);
    uint8_t *p = malloc(MiB);
    fill(p, MiB, 99, true);
    int rc = spillfile_put(f, p, MiB, &err);
    spillfile_destroy(f);
    free(p);
    umount(dir);
    rmdir(dir);
    cr_assert_eq(rc, PCSV_EDATA);
    cr_assert_eq(err.err_no, ENOSPC);
    char msg[200];
    snprintf(msg, sizeof msg, "%s: No space left on device (while spilling; 0 MiB written)", dir);
    cr_assert_str_eq(err.msg, msg);
}
