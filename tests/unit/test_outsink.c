/* test_outsink.c - the output sink, back end by back end.
 *
 * Every back end (stdout, a FIFO written in place, a plain -o file, -o
 * FILE.zst, a FIFO named .zst, memory) gets the same write sequences: single
 * writes of 1 B to 8 MiB around the 64 KiB buffer (65535, 65536, 65537) and
 * mixtures of small and big writes, through outsink_raw and outfmt_field.
 * What comes out (zstd decompressed here with libzstd) must be the bytes
 * written; an aborted file sink leaves no file and no temporary file behind,
 * and an existing file untouched. (Issue 11: a write larger than the buffer
 * went straight to the fd, so a .zst file got plain rows and then a frame.)
 * The formats themselves are test_outfmt.c's.
 */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "outsink.h"
#include "testrng.h"

#define KiB ((size_t)1 << 10)
#define MiB ((size_t)1 << 20)

/* ---- a growable byte buffer ---- */

struct bytes {
    char *p;
    size_t n, cap;
};

static void bytes_add(struct bytes *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
}

static struct bytes read_fd_all(int fd)
{
    struct bytes b = {0};
    char tmp[1 << 16];
    for (;;) {
        ssize_t r = read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR)
            continue;
        cr_assert_geq(r, 0, "read: %s", strerror(errno));
        if (r == 0)
            break;
        bytes_add(&b, tmp, (size_t)r);
    }
    return b;
}

static struct bytes read_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    struct bytes b = read_fd_all(fd);
    close(fd);
    return b;
}

/* Decompress every frame of z with libzstd; the input must be whole zstd. */
static struct bytes unzstd(const struct bytes *z)
{
    struct bytes out = {0};
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    cr_assert_not_null(dc);
    size_t cap = ZSTD_DStreamOutSize();
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    ZSTD_inBuffer in = {z->p, z->n, 0};
    bool complete = false; /* the last frame decoded was ended */
    for (;;) {             /* until all input is read and the decoder holds no more */
        ZSTD_outBuffer o = {buf, cap, 0};
        size_t in0 = in.pos;
        size_t r = ZSTD_decompressStream(dc, &o, &in);
        cr_assert(!ZSTD_isError(r), "not zstd at byte %zu of %zu: %s", in.pos, in.size,
                  ZSTD_isError(r) ? ZSTD_getErrorName(r) : "");
        bytes_add(&out, buf, o.pos);
        if (r == 0)
            complete = true;
        else if (o.pos || in.pos > in0)
            complete = false;
        if (in.pos == in.size && o.pos < cap)
            break;
    }
    cr_assert(complete, "the last zstd frame is not complete");
    free(buf);
    ZSTD_freeDCtx(dc);
    return out;
}

static void assert_same(const struct bytes *got, const struct bytes *want, const char *what)
{
    cr_assert_eq(got->n, want->n, "%s: %zu bytes out, %zu written", what, got->n, want->n);
    for (size_t i = 0; i < want->n; i++)
        if (got->p[i] != want->p[i])
            cr_assert_fail("%s: first difference at byte %zu of %zu", what, i, want->n);
}

/* ---- a fresh directory per test, and what is left in it ---- */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/pcsv-test-outsink-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static int count_entries(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char path[PATH_MAX];
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

/* ---- the back ends ---- */

enum backend { BE_STDOUT, BE_FIFO, BE_FILE, BE_ZST, BE_FIFO_ZST, BE_MEM, NBE };
static const char *const be_name[NBE] = {"stdout",   "fifo",     "file",
                                         "file.zst", "fifo.zst", "memory"};

static bool be_zstd(enum backend be) { return be == BE_ZST || be == BE_FIFO_ZST; }
static bool be_fifo(enum backend be) { return be == BE_FIFO || be == BE_FIFO_ZST; }

struct reader { /* drains a FIFO (or stdout's pipe) while the sink writes */
    int fd;
    struct bytes got;
    pthread_t th;
};

static void *reader_main(void *arg)
{
    struct reader *r = arg;
    r->got = read_fd_all(r->fd);
    close(r->fd);
    return NULL;
}

struct target {
    enum backend be;
    char path[PATH_MAX];
    struct outsink *o;
    struct reader rd;
    int saved_stdout;
};

static void target_open(struct target *t, enum backend be, enum out_format fmt)
{
    memset(t, 0, sizeof *t);
    t->be = be;
    t->saved_stdout = -1;
    snprintf(t->path, sizeof t->path, "%s/out.csv%s", dir, be_zstd(be) ? ".zst" : "");
    struct pcsv_error err = {0};
    if (be == BE_MEM) {
        t->o = outsink_open_mem(fmt);
    } else if (be == BE_STDOUT) { /* fd 1 becomes a pipe we read */
        int pfd[2];
        cr_assert_eq(pipe(pfd), 0);
        fflush(stdout);
        t->saved_stdout = dup(1);
        cr_assert_geq(dup2(pfd[1], 1), 0);
        close(pfd[1]);
        t->rd.fd = pfd[0];
        cr_assert_eq(pthread_create(&t->rd.th, NULL, reader_main, &t->rd), 0);
        t->o = outsink_open(NULL, fmt, &err);
    } else if (be_fifo(be)) { /* written in place, as /dev/stdout would be */
        cr_assert_eq(mkfifo(t->path, 0600), 0);
        t->rd.fd = open(t->path, O_RDONLY | O_NONBLOCK);
        cr_assert_geq(t->rd.fd, 0);
        t->o = outsink_open(t->path, fmt, &err);
        cr_assert_not_null(t->o);
        int fl = fcntl(t->rd.fd, F_GETFL);
        fcntl(t->rd.fd, F_SETFL, fl & ~O_NONBLOCK);
        cr_assert_eq(pthread_create(&t->rd.th, NULL, reader_main, &t->rd), 0);
    } else {
        t->o = outsink_open(t->path, fmt, &err);
    }
    cr_assert_not_null(t->o, "%s: cannot open the sink", be_name[be]);
}

/* Commit (or take, for memory) and return what reached the back end,
 * decompressed. */
static struct bytes target_commit(struct target *t)
{
    struct pcsv_error err = {0};
    struct bytes got = {0};
    if (t->be == BE_MEM) {
        size_t n;
        const void *p = outsink_take(t->o, &n);
        cr_assert_eq(outsink_error(t->o), 0);
        bytes_add(&got, p, n);
        outsink_abort(t->o);
        return got;
    }
    cr_assert_eq(outsink_commit(t->o, &err), 0, "%s: commit failed", be_name[t->be]);
    if (t->be == BE_STDOUT) {
        dup2(t->saved_stdout, 1); /* the pipe's last writer goes: EOF */
        close(t->saved_stdout);
    }
    if (t->be == BE_STDOUT || be_fifo(t->be)) {
        pthread_join(t->rd.th, NULL);
        got = t->rd.got;
    } else {
        got = read_path(t->path);
    }
    if (be_zstd(t->be)) {
        struct bytes raw = unzstd(&got);
        free(got.p);
        got = raw;
    }
    return got;
}

/* ---- write sequences ---- */

/* Deterministic content of n bytes for write number k (not all ASCII, no
 * runs that would hide a shifted byte). */
static void fill(char *p, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        if (!(i & 7))
            seed = rng_next(&seed);
        p[i] = (char)(seed >> (8 * (i & 7)));
    }
}

#define MAXW 64
struct seq {
    const char *name;
    size_t w[MAXW]; /* write sizes, 0-terminated */
};

static const struct seq seqs[] = {
    {"1", {1}},
    {"65535", {65535}},
    {"65536", {65536}},
    {"65537", {65537}},
    {"1MiB", {MiB}},
    {"8MiB", {8 * MiB}},
    {"1+65536", {1, 65536}},
    {"65535+2", {65535, 2}},
    {"100+65537+3", {100, 65537, 3}},
    {"small,big,small,big", {17, MiB + 3, 1, 1, 65536, 5, 65535, 8 * MiB, 2, 300000, 9}},
    {"big,big", {MiB, 65537, 3 * MiB}},
    {"many small", {1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,  10000,
                    11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000, 20000}},
};
#define NSEQ (sizeof seqs / sizeof seqs[0])

/* Write seq through outsink_raw; returns the bytes written. */
static struct bytes write_seq(struct outsink *o, const struct seq *s)
{
    struct bytes want = {0};
    for (int k = 0; k < MAXW && s->w[k]; k++) {
        size_t n = s->w[k];
        char *p = malloc(n);
        cr_assert_not_null(p);
        fill(p, n, (uint64_t)k * 1000003u + n);
        outsink_raw(o, p, n);
        bytes_add(&want, p, n);
        free(p);
    }
    return want;
}

static void run_commit(enum backend be)
{
    make_dir();
    for (size_t s = 0; s < NSEQ; s++) {
        struct target t;
        target_open(&t, be, OUT_CSV);
        struct bytes want = write_seq(t.o, &seqs[s]);
        struct bytes got = target_commit(&t);
        char what[128];
        snprintf(what, sizeof what, "%s, writes %s", be_name[be], seqs[s].name);
        assert_same(&got, &want, what);
        free(want.p);
        free(got.p);
        unlink(t.path);
        cr_assert_eq(count_entries(), 0, "%s: a file is left over", what);
    }
    remove_dir();
}

Test(outsink, commit_stdout) { run_commit(BE_STDOUT); }
Test(outsink, commit_fifo_in_place) { run_commit(BE_FIFO); }
Test(outsink, commit_file) { run_commit(BE_FILE); }
Test(outsink, commit_zst_file) { run_commit(BE_ZST); }
Test(outsink, commit_zst_fifo_in_place) { run_commit(BE_FIFO_ZST); }
Test(outsink, commit_memory) { run_commit(BE_MEM); }

/* Abort: no file and no temporary file; an existing file keeps its bytes. */
static void run_abort(enum backend be, bool existing)
{
    make_dir();
    for (size_t s = 0; s < NSEQ; s++) {
        char what[128];
        snprintf(what, sizeof what, "%s, writes %s, abort", be_name[be], seqs[s].name);
        struct target t;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/out.csv%s", dir, be_zstd(be) ? ".zst" : "");
        if (existing) {
            FILE *f = fopen(path, "w");
            cr_assert_not_null(f);
            fputs("old\n", f);
            fclose(f);
        }
        target_open(&t, be, OUT_CSV);
        struct bytes want = write_seq(t.o, &seqs[s]);
        free(want.p);
        if (s & 1) { /* prepared (complete, closed) but never renamed */
            struct pcsv_error err = {0};
            cr_assert_eq(outsink_prepare(t.o, &err), 0);
        }
        outsink_abort(t.o);
        if (existing) {
            struct bytes got = read_path(path);
            cr_assert(got.n == 4 && !memcmp(got.p, "old\n", 4), "%s: the old file changed", what);
            free(got.p);
            cr_assert_eq(count_entries(), 1, "%s: a temporary file is left", what);
            unlink(path);
        } else {
            cr_assert_eq(count_entries(), 0, "%s: a file is left", what);
        }
    }
    remove_dir();
}

Test(outsink, abort_file_leaves_nothing) { run_abort(BE_FILE, false); }
Test(outsink, abort_zst_file_leaves_nothing) { run_abort(BE_ZST, false); }
Test(outsink, abort_file_keeps_existing) { run_abort(BE_FILE, true); }
Test(outsink, abort_zst_file_keeps_existing) { run_abort(BE_ZST, true); }

Test(outsink, abort_memory)
{
    for (size_t s = 0; s < NSEQ; s++) {
        struct outsink *o = outsink_open_mem(OUT_CSV);
        cr_assert_not_null(o);
        struct bytes want = write_seq(o, &seqs[s]);
        free(want.p);
        outsink_abort(o); /* frees what it holds (ASan: no leak) */
    }
}

/* A memory sink is taken and refilled, chunk by chunk, as the pipeline
 * does; every take holds exactly what was written since the last one. */
Test(outsink, memory_take_between_writes)
{
    struct outsink *o = outsink_open_mem(OUT_CSV);
    cr_assert_not_null(o);
    for (size_t s = 0; s < NSEQ; s++) {
        struct bytes want = write_seq(o, &seqs[s]);
        size_t n;
        const void *p = outsink_take(o, &n);
        struct bytes got = {0};
        bytes_add(&got, p, n);
        assert_same(&got, &want, seqs[s].name);
        free(want.p);
        free(got.p);
    }
    outsink_abort(o);
}

/* Fields and rows larger than the buffer, every format, every back end:
 * the same bytes as the memory sink gives (formatting does not depend on
 * the back end), and for CSV the bytes expected. */
Test(outsink, big_fields_every_backend_and_format)
{
    make_dir();
    static const size_t sizes[] = {1, 65535, 65536, 65537, MiB + 1};
    char *big = malloc(MiB + 1);
    cr_assert_not_null(big);
    for (size_t i = 0; i < MiB + 1; i++)
        big[i] = (char)('0' + i % 10);
    char *names[] = {"a", "b"};
    for (int fmt = OUT_CSV; fmt <= OUT_JSONL; fmt++) {
        struct bytes ref = {0};
        for (int be = 0; be < NBE; be++) {
            struct target t;
            target_open(&t, (enum backend)be, (enum out_format)fmt);
            if (be == BE_MEM)
                outfmt_names(t.o, names, 2);
            else
                outfmt_header(t.o, names, 2);
            for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
                outfmt_field(t.o, big, sizes[k], OUT_NUM);
                outfmt_field(t.o, big, sizes[sizeof sizes / sizeof sizes[0] - 1 - k], OUT_STR);
                outfmt_end_row(t.o);
            }
            struct bytes got = target_commit(&t);
            unlink(t.path);
            if (be == BE_MEM) { /* no header line: compare from the first row */
                size_t hl = fmt == OUT_JSONL ? 0 : 4;
                cr_assert_geq(ref.n, hl);
                cr_assert(!memcmp(ref.p, fmt == OUT_CSV ? "a,b\n" : "a\tb\n", hl));
                struct bytes body = {ref.p + hl, ref.n - hl, 0};
                assert_same(&got, &body, "memory");
            } else if (!ref.p) {
                ref = got;
                got.p = NULL;
                if (fmt == OUT_CSV) {
                    struct bytes want = {0};
                    bytes_add(&want, "a,b\n", 4);
                    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
                        bytes_add(&want, big, sizes[k]);
                        bytes_add(&want, ",", 1);
                        bytes_add(&want, big, sizes[sizeof sizes / sizeof sizes[0] - 1 - k]);
                        bytes_add(&want, "\n", 1);
                    }
                    assert_same(&ref, &want, "csv");
                    free(want.p);
                }
            } else {
                assert_same(&got, &ref, be_name[be]);
            }
            free(got.p);
        }
        free(ref.p);
    }
    free(big);
    remove_dir();
}

/* ---- the thread budget ---- */

static int count_tasks(void)
{
    DIR *d = opendir("/proc/self/task");
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* -o FILE.zst compresses with the threads outsink_threads allows: none
 * beside the writer for 1 (--jobs 1 is serial), libzstd's n workers for
 * n; the file is the same either way. */
Test(outsink, zst_threads_follow_the_budget)
{
    make_dir();
    struct bytes ref = {0};
    for (int budget = 1; budget <= 3; budget++) {
        outsink_threads(budget);
        int before = count_tasks();
        struct target t;
        target_open(&t, BE_ZST, OUT_CSV);
        struct bytes want = write_seq(t.o, &seqs[NSEQ - 3]); /* 17 MiB, small and big */
        int during = count_tasks() - before;
        cr_assert_eq(during, budget > 1 ? budget : 0, "budget %d: %d threads beside the writer",
                     budget, during);
        struct bytes got = target_commit(&t);
        assert_same(&got, &want, "zst");
        if (ref.p)
            assert_same(&got, &ref, "zst, another budget");
        free(ref.p);
        ref = got;
        free(want.p);
        unlink(t.path);
    }
    free(ref.p);
    remove_dir();
}
