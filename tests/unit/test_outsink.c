/* test_outsink.c - the output sink, back end by back end.
 *
 * Every back end (stdout, a FIFO written in place, a plain -o file, -o
 * FILE.zst, a FIFO named .zst, memory) gets the same write sequences: single
 * writes of 1 B to 8 MiB around the 64 KiB buffer (65535, 65536, 65537) and
 * mixtures of small and big writes, through outsink_raw and outsink_field.
 * What comes out (zstd decompressed here with libzstd) must be the bytes
 * written; an aborted file sink leaves no file and no temporary file behind,
 * and an existing file untouched. (Issue 11: a write larger than the buffer
 * went straight to the fd, so a .zst file got plain rows and then a frame.)
 *
 * Then the formats: a lone empty CSV/TSV field is `""`, jsonl numbers are
 * numbers only when RFC 8259 says so, invalid UTF-8 becomes U+FFFD per
 * maximal subpart, counted by outsink_utf8_replaced.
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
    for (;;) { /* until all input is read and the decoder holds no more */
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
static const char *const be_name[NBE] = {"stdout", "fifo", "file", "file.zst", "fifo.zst",
                                         "memory"};

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
    {"many small", {1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000, 11000,
                    12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000, 20000}},
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
                outsink_names(t.o, names, 2);
            else
                outsink_header(t.o, names, 2);
            for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
                outsink_field(t.o, big, sizes[k], OUT_NUM);
                outsink_field(t.o, big, sizes[sizeof sizes / sizeof sizes[0] - 1 - k], OUT_STR);
                outsink_end_row(t.o);
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

/* ---- formats ---- */

/* Format rows into a memory sink and return the text (NUL-terminated). */
static char *fmt_rows(enum out_format fmt, int ncols, char *const *names, const char *const *vals,
                      const enum out_kind *kinds, int nrows)
{
    struct outsink *o = outsink_open_mem(fmt);
    cr_assert_not_null(o);
    outsink_names(o, names, ncols);
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *v = vals[r * ncols + c];
            outsink_field(o, v, strlen(v), kinds[r * ncols + c]);
        }
        outsink_end_row(o);
    }
    size_t n;
    const char *p = outsink_take(o, &n);
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memcpy(s, p, n);
    s[n] = 0;
    outsink_abort(o);
    return s;
}

Test(outsink, lone_empty_field_is_quoted_in_csv_and_tsv)
{
    char *one[] = {"a"};
    const char *vals[] = {"", "x", "", ""};
    const enum out_kind kinds[] = {OUT_NULL, OUT_STR, OUT_STR, OUT_NUM};
    for (int fmt = OUT_CSV; fmt <= OUT_TSV; fmt++) {
        char *s = fmt_rows((enum out_format)fmt, 1, one, vals, kinds, 4);
        cr_assert_str_eq(s, "\"\"\nx\n\"\"\n\"\"\n");
        free(s);
    }
    /* two columns: empty fields stay empty */
    char *two[] = {"a", "b"};
    const enum out_kind k2[] = {OUT_NULL, OUT_STR, OUT_STR, OUT_NULL};
    char *s = fmt_rows(OUT_CSV, 2, two, vals, k2, 2);
    cr_assert_str_eq(s, ",x\n,\n");
    free(s);
    s = fmt_rows(OUT_TSV, 2, two, vals, k2, 2);
    cr_assert_str_eq(s, "\tx\n\t\n");
    free(s);
    /* the header line of a column named "" is not blank either */
    struct outsink *o = outsink_open_mem(OUT_CSV);
    char *empty_name[] = {""};
    outsink_header(o, empty_name, 1);
    size_t n;
    const char *p = outsink_take(o, &n);
    cr_assert(n == 3 && !memcmp(p, "\"\"\n", 3));
    outsink_abort(o);
    /* jsonl: null and "" as before */
    s = fmt_rows(OUT_JSONL, 1, one, vals, kinds, 3);
    cr_assert_str_eq(s, "{\"a\":null}\n{\"a\":\"x\"}\n{\"a\":\"\"}\n");
    free(s);
}

static char *json_num(const char *text)
{
    char *k[] = {"v"};
    const char *vals[] = {text};
    const enum out_kind kinds[] = {OUT_NUM};
    return fmt_rows(OUT_JSONL, 1, k, vals, kinds, 1);
}

Test(outsink, jsonl_number_only_when_rfc8259_says_so)
{
    static const char *const numbers[] = {
        "0", "-0", "5", "-5", "10", "123456789012345678901234567890", "0.5", "-0.5", "-0.00",
        "1e5", "1E5", "1e+5", "1e-5", "-1.25E-300", "0e0", "1.0e400",
    };
    static const char *const strings[] = {
        "02134", "007", ".5", "5.", "+5", "-.5", "-", "", "inf", "-inf", "Infinity", "nan",
        "NaN", "1e", "1e+", "1.e5", ".5e3", "0x1F", "1_000", " 5", "5 ", "--5", "-05", "00",
        "1.2.3", "1e5.5", "١", "5e", "0.", "-0.", "1,5",
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "{\"v\":%s}\n", numbers[i]);
        char *s = json_num(numbers[i]);
        cr_expect_str_eq(s, want, "%s should be a number", numbers[i]);
        free(s);
    }
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "{\"v\":\"%s\"}\n", strings[i]);
        char *s = json_num(strings[i]);
        cr_expect_str_eq(s, want, "%s should be a string", strings[i]);
        free(s);
    }
}

Test(outsink, jsonl_bool_only_for_true_and_false)
{
    static const char *const cases[][2] = {
        {"true", "{\"v\":true}\n"},         {"false", "{\"v\":false}\n"},
        {"TRUE", "{\"v\":\"TRUE\"}\n"},     {"yes", "{\"v\":\"yes\"}\n"},
        {"1", "{\"v\":\"1\"}\n"},           {"truex", "{\"v\":\"truex\"}\n"},
    };
    char *k[] = {"v"};
    const enum out_kind kinds[] = {OUT_BOOL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *vals[] = {cases[i][0]};
        char *s = fmt_rows(OUT_JSONL, 1, k, vals, kinds, 1);
        cr_expect_str_eq(s, cases[i][1], "%s", cases[i][0]);
        free(s);
        s = fmt_rows(OUT_CSV, 1, k, vals, kinds, 1);
        char want[64];
        snprintf(want, sizeof want, "%s\n", cases[i][0]);
        cr_expect_str_eq(s, want, "csv %s", cases[i][0]);
        free(s);
    }
}

static char *json_str(const char *text, const char *key)
{
    char *k[] = {(char *)key};
    const char *vals[] = {text};
    const enum out_kind kinds[] = {OUT_STR};
    return fmt_rows(OUT_JSONL, 1, k, vals, kinds, 1);
}

#define R "\xEF\xBF\xBD" /* U+FFFD */

Test(outsink, jsonl_invalid_utf8_one_replacement_per_maximal_subpart)
{
    static const struct {
        const char *in, *out;
        unsigned long long nrep;
    } cases[] = {
        {"plain", "plain", 0},
        {"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF", /* é € 😀 U+10FFFF */
         "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF", 0},
        {"\xEF\xBF\xBD", "\xEF\xBF\xBD", 0}, /* a real U+FFFD is no replacement */
        {"a\xFF" "b", "a" R "b", 1},
        {"\x80\xBF", R R, 2},              /* lone continuation bytes */
        {"\xC0\xAF", R R, 2},              /* overlong '/' */
        {"\xC1\xBF", R R, 2},
        {"\xE0\x80\xAF", R R R, 3},        /* overlong, 3 bytes */
        {"\xE0\x9F\xBF", R R R, 3},
        {"\xF0\x8F\xBF\xBF", R R R R, 4},  /* overlong, 4 bytes */
        {"\xED\xA0\x80", R R R, 3},        /* surrogate D800 */
        {"\xED\xBF\xBF", R R R, 3},        /* surrogate DFFF */
        {"\xED\x9F\xBF", "\xED\x9F\xBF", 0}, /* U+D7FF is fine */
        {"\xF4\x90\x80\x80", R R R R, 4},  /* U+110000 */
        {"\xF5\x80\x80\x80", R R R R, 4},
        {"\xE2\x82", R, 1},                /* truncated at the end */
        {"\xE2\x82x", R "x", 1},           /* truncated before ASCII */
        {"\xF0\x9F\x98", R, 1},
        {"\xF0\x9F\x98\xC3\xA9", R "\xC3\xA9", 1},
        /* Unicode 15, section 3.9, Table 3-8 */
        {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
         "a" R R R "b" R "c" R R "d", 6},
        {"\"\\\x01\x1F\n\t\x7F", "\\\"\\\\\\u0001\\u001f\\n\\t\x7F", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned long long before = outsink_utf8_replaced();
        char *s = json_str(cases[i].in, "k");
        char want[256];
        snprintf(want, sizeof want, "{\"k\":\"%s\"}\n", cases[i].out);
        cr_expect_str_eq(s, want, "case %zu", i);
        cr_expect_eq(outsink_utf8_replaced() - before, cases[i].nrep, "case %zu: count", i);
        free(s);
    }
    /* a key is fixed the same way, and an OUT_NUM that is no number too */
    unsigned long long before = outsink_utf8_replaced();
    char *s = json_str("x", "k\xFFy");
    cr_assert_str_eq(s, "{\"k" R "y\":\"x\"}\n");
    free(s);
    s = json_num("5\xC0");
    cr_assert_str_eq(s, "{\"v\":\"5" R "\"}\n");
    free(s);
    cr_assert_eq(outsink_utf8_replaced() - before, 2);
}

/* Counting from several threads, each with its own memory sink (as the
 * workers do): no replacement is lost. */
static void *utf8_worker(void *arg)
{
    (void)arg;
    struct outsink *o = outsink_open_mem(OUT_JSONL);
    char *k[] = {"k"};
    outsink_names(o, k, 1);
    for (int i = 0; i < 10000; i++) {
        outsink_field(o, "\xFF\xFE", 2, OUT_STR);
        outsink_end_row(o);
        if (!(i & 255)) {
            size_t n;
            outsink_take(o, &n);
        }
    }
    outsink_abort(o);
    return NULL;
}

Test(outsink, utf8_count_over_threads)
{
    unsigned long long before = outsink_utf8_replaced();
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, utf8_worker, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(outsink_utf8_replaced() - before, 4ull * 10000 * 2);
}
