/* spillfile.c - spill runs: unnamed temporary files of compressed, checksummed blocks. */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp */
#include "spillfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

/* A put's buffer bigger than this goes back to the heap when the put ends,
 * so one huge block does not stay resident under --memory-limit. */
#ifndef SPILLFILE_KEEP_BUF
#define SPILLFILE_KEEP_BUF ((size_t)8 << 20)
#endif

#define HDR SPILLBLOCK_HEADER
static const uint8_t magic[4] = {'P', 'S', 'R', '1'};

/* What one put needs of its own: taken from the idle list (or made) at the
 * start of a put and given back at its end, so that k concurrent puts cost
 * k contexts, not one per block or per file. The list is shared by every
 * file (a spill writes to a hundred at once) and freed with the last
 * file. */
struct cslot {
    struct cslot *next;
    ZSTD_CCtx *cc;
    uint8_t *buf; /* header + compressed payload */
    size_t cap;
};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cslot *pool_idle; /* pool_mu */
static size_t pool_files;       /* pool_mu: files alive */

struct spillfile {
    int fd;
    char *dir;
    pthread_mutex_t mu;
    uint64_t end; /* mu: where the next block goes */
    _Atomic uint64_t written;
    ZSTD_DCtx *dc; /* the reader's (one reader at a time) */
    uint8_t *rbuf; /* the reader's: one block as it is on disk */
    size_t rcap;
};

/* Little-endian fields of k bytes, whatever the host. */
static void put_le(uint8_t *p, uint64_t v, int k)
{
    for (int i = 0; i < k; i++)
        p[i] = (uint8_t)(v >> 8 * i);
}
static uint64_t get_le(const uint8_t *p, int k)
{
    uint64_t v = 0;
    for (int i = k - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int nomem(struct pcsv_error *err)
{
    return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
}

/* spillfile_get's and spillblock_decode's errors: negated, since 1 (a
 * block) is PCSV_EDATA's value. */
static int at(struct pcsv_error *err, uint64_t off, int code)
{
    if (err)
        err->offset = off;
    return -code;
}

static int truncated(struct pcsv_error *err, uint64_t off)
{
    return at(err, off,
              pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0, "spill run: truncated at byte %llu",
                             (unsigned long long)off));
}

static int corrupt(struct pcsv_error *err, uint64_t off, const char *why)
{
    return at(err, off,
              pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                             "spill run: corrupt block at byte %llu (%s)", (unsigned long long)off,
                             why));
}

size_t spillblock_bound(size_t n) { return HDR + ZSTD_compressBound(n); }

/* zstd's level for a temporary file's blocks: one of its fast levels.
 * Spilling is bound by compressing (Q6 at --memory-limit 256M: 34.5 s at
 * level 1, 27.4 s here, 375 against 750 MiB written); a block that leaves
 * the process (a partial file) takes level 1. */
#define SPILL_LEVEL (-10)

/* The block for p[0..n) into dst[0..cap); cc NULL: a one-off context. */
static size_t encode(ZSTD_CCtx *cc, uint8_t *dst, size_t cap, const void *p, size_t n)
{
    if (n > SPILLFILE_MAX_BLOCK || cap < HDR)
        return 0;
    size_t c = cc ? ZSTD_compressCCtx(cc, dst + HDR, cap - HDR, p, n, SPILL_LEVEL)
                  : ZSTD_compress(dst + HDR, cap - HDR, p, n, 1);
    if (ZSTD_isError(c))
        return 0;
    memcpy(dst, magic, 4);
    put_le(dst + 4, n, 4);
    put_le(dst + 8, c, 4);
    put_le(dst + 12, XXH64(n ? p : "", n, 0), 8);
    put_le(dst + 20, XXH32(dst, 20, 0), 4);
    return HDR + c;
}

size_t spillblock_encode(void *dst, size_t cap, const void *p, size_t n)
{
    return encode(NULL, dst, cap, p, n);
}

/* A header is trusted only when its magic and checksum hold and its
 * lengths could come from encode: nothing is allocated before that. A zstd
 * block (at most 128 KiB out) has a 3-byte header of its own, so no frame
 * of c bytes inflates to more than c / 3 * 128 KiB < c * 65536 bytes: a raw
 * length beyond that is a lie, whatever the checksum says. */
static int check_header(const uint8_t *h, uint64_t off, uint32_t *raw, uint32_t *comp,
                        struct pcsv_error *err)
{
    if (memcmp(h, magic, 4) != 0)
        return corrupt(err, off, "bad magic");
    if (XXH32(h, 20, 0) != get_le(h + 20, 4))
        return corrupt(err, off, "header checksum mismatch");
    *raw = (uint32_t)get_le(h + 4, 4);
    *comp = (uint32_t)get_le(h + 8, 4);
    if (*raw > SPILLFILE_MAX_BLOCK || *comp > ZSTD_compressBound(*raw) ||
        *raw > (uint64_t)*comp * 65536)
        return corrupt(err, off, "impossible lengths");
    return 0;
}

/* One block at p[0..n) (see spillblock_decode); dc NULL: a one-off context. */
static int decode(ZSTD_DCtx *dc, const uint8_t *p, size_t n, uint64_t base, size_t *used,
                  uint8_t **buf, size_t *cap, size_t *len, struct pcsv_error *err)
{
    if (n == 0)
        return 0;
    if (n < HDR)
        return truncated(err, base + n);
    uint32_t raw, comp;
    int rc = check_header(p, base, &raw, &comp, err);
    if (rc)
        return rc;
    if (comp > n - HDR)
        return truncated(err, base + n);
    /* the frame must say the header's length too before that much is
     * allocated (encode's frames always carry it) */
    if (ZSTD_getFrameContentSize(p + HDR, comp) != raw)
        return corrupt(err, base, "frame and header disagree on the length");
    if (!*buf || *cap < raw) {
        size_t want = raw ? raw : 1;
        uint8_t *q = realloc(*buf, want);
        if (!q)
            return -nomem(err);
        *buf = q;
        *cap = want;
    }
    size_t r = dc ? ZSTD_decompressDCtx(dc, *buf, raw, p + HDR, comp)
                  : ZSTD_decompress(*buf, raw, p + HDR, comp);
    if (ZSTD_isError(r)) {
        if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation)
            return -nomem(err);
        char why[128];
        snprintf(why, sizeof why, "zstd: %s", ZSTD_getErrorName(r));
        return corrupt(err, base, why);
    }
    if (r != raw)
        return corrupt(err, base, "frame shorter than the header says");
    if (XXH64(*buf, raw, 0) != get_le(p + 12, 8))
        return corrupt(err, base, "payload checksum mismatch");
    *used = HDR + comp;
    *len = raw;
    return 1;
}

int spillblock_decode(const uint8_t *p, size_t n, uint64_t base, size_t *used, uint8_t **buf,
                      size_t *cap, size_t *len, struct pcsv_error *err)
{
    return decode(NULL, p, n, base, used, buf, cap, len, err);
}

/* A file without a name in dir, or -1 with errno. */
static int unnamed(const char *dir)
{
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
    /* the file system refuses O_TMPFILE (EOPNOTSUPP; EISDIR from kernels
     * without it): a name for as short a time as can be. Any other reason
     * (ENOENT, EACCES, ...) makes mkostemp fail the same way. */
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/pcsv-spill-XXXXXX", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0 && unlink(path) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

struct spillfile *spillfile_create(const char *dir, struct pcsv_error *err)
{
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    struct spillfile *f = calloc(1, sizeof *f);
    char *d = strdup(dir);
    if (!f || !d) {
        free(f);
        free(d);
        nomem(err);
        return NULL;
    }
    f->dir = d;
    f->fd = unnamed(dir);
    if (f->fd < 0) {
        int e = errno;
        pcsv_error_set(err, e == ENOMEM ? PCSV_ENOMEM : PCSV_EDATA, e, NULL, 0, "--tmpdir %s", dir);
        free(d);
        free(f);
        return NULL;
    }
    pthread_mutex_init(&f->mu, NULL);
    pthread_mutex_lock(&pool_mu);
    pool_files++;
    pthread_mutex_unlock(&pool_mu);
    return f;
}

void spillfile_destroy(struct spillfile *f)
{
    if (!f)
        return;
    close(f->fd);
    pthread_mutex_lock(&pool_mu);
    struct cslot *idle = --pool_files ? NULL : pool_idle;
    if (idle)
        pool_idle = NULL;
    pthread_mutex_unlock(&pool_mu);
    for (struct cslot *s = idle, *next; s; s = next) {
        next = s->next;
        ZSTD_freeCCtx(s->cc);
        free(s->buf);
        free(s);
    }
    ZSTD_freeDCtx(f->dc);
    free(f->rbuf);
    pthread_mutex_destroy(&f->mu);
    free(f->dir);
    free(f);
}

const char *spillfile_dir(const struct spillfile *f) { return f->dir; }
int spillfile_fd(const struct spillfile *f) { return f->fd; }

uint64_t spillfile_bytes(const struct spillfile *f)
{
    /* relaxed: a count for messages, ordered by the joins that precede exact use */
    return atomic_load_explicit(&f->written, memory_order_relaxed);
}

static struct cslot *slot_take(struct spillfile *f)
{
    (void)f;
    pthread_mutex_lock(&pool_mu);
    struct cslot *s = pool_idle;
    if (s)
        pool_idle = s->next;
    pthread_mutex_unlock(&pool_mu);
    if (!s && (s = calloc(1, sizeof *s)) && !(s->cc = ZSTD_createCCtx())) {
        free(s);
        s = NULL;
    }
    return s;
}

static void slot_give(struct spillfile *f, struct cslot *s)
{
    if (s->cap > SPILLFILE_KEEP_BUF) {
        free(s->buf);
        s->buf = NULL;
        s->cap = 0;
    }
    (void)f;
    pthread_mutex_lock(&pool_mu);
    s->next = pool_idle;
    pool_idle = s;
    pthread_mutex_unlock(&pool_mu);
}

/* 0, or the errno of the failed write. */
static int write_at(struct spillfile *f, const uint8_t *p, size_t n, uint64_t off)
{
    while (n) {
        ssize_t w = pwrite(f->fd, p, n, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        atomic_fetch_add_explicit(&f->written, (uint64_t)w, memory_order_relaxed);
        p += w;
        off += (uint64_t)w;
        n -= (size_t)w;
    }
    return 0;
}

int spillfile_put(struct spillfile *f, const void *p, size_t n, struct pcsv_error *err)
{
    if (n > SPILLFILE_MAX_BLOCK)
        return pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                              "%s: spill block of %zu bytes (over 1 GiB)", f->dir, n);
    struct cslot *s = slot_take(f);
    if (!s)
        return nomem(err);
    size_t need = spillblock_bound(n), len = 0;
    if (s->cap < need) {
        free(s->buf);
        s->cap = (s->buf = malloc(need)) ? need : 0;
    }
    if (s->buf)
        len = encode(s->cc, s->buf, s->cap, p, n); /* with room enough, only memory fails */
    if (!len) {
        slot_give(f, s);
        return nomem(err);
    }
    pthread_mutex_lock(&f->mu);
    uint64_t off = f->end;
    f->end += len;
    pthread_mutex_unlock(&f->mu);
    int e = write_at(f, s->buf, len, off);
    slot_give(f, s);
    if (!e)
        return 0;
    if (e == ENOSPC || e == EDQUOT || e == EFBIG) {
        pcsv_error_set(err, PCSV_EDATA, 0, NULL, 0,
                       "%s: No space left on device (while spilling; %llu MiB written)", f->dir,
                       (unsigned long long)(spillfile_bytes(f) >> 20));
        if (err)
            err->err_no = e;
        return PCSV_EDATA;
    }
    return pcsv_error_set(err, PCSV_EDATA, e, NULL, 0, "%s", f->dir);
}

/* 0 with *got bytes (fewer than n: the file ended), or the errno of pread. */
static int read_at(int fd, uint8_t *p, size_t n, uint64_t off, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t r = pread(fd, p + *got, n - *got, (off_t)(off + *got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return 0;
}

int spillfile_get(struct spillfile *f, struct spillcur *c, uint8_t **buf, size_t *cap, size_t *len,
                  struct pcsv_error *err)
{
    pthread_mutex_lock(&f->mu);
    uint64_t end = f->end;
    pthread_mutex_unlock(&f->mu);
    if (c->off >= end) /* by what was put, not by the file's size: a cut at a block's edge shows */
        return 0;
    uint8_t h[HDR];
    uint32_t raw, comp;
    size_t got;
    int e = read_at(f->fd, h, HDR, c->off, &got), rc;
    if (e)
        return -pcsv_error_set(err, PCSV_EDATA, e, NULL, 0, "%s", f->dir);
    if (got < HDR)
        return truncated(err, c->off + got);
    if ((rc = check_header(h, c->off, &raw, &comp, err)))
        return rc;
    size_t n = HDR + (size_t)comp;
    if (f->rcap < n) {
        uint8_t *q = realloc(f->rbuf, n);
        if (!q)
            return -nomem(err);
        f->rbuf = q;
        f->rcap = n;
    }
    if (!f->dc && !(f->dc = ZSTD_createDCtx()))
        return -nomem(err);
    memcpy(f->rbuf, h, HDR);
    if ((e = read_at(f->fd, f->rbuf + HDR, comp, c->off + HDR, &got)))
        return -pcsv_error_set(err, PCSV_EDATA, e, NULL, 0, "%s", f->dir);
    size_t used;
    rc = decode(f->dc, f->rbuf, HDR + got, c->off, &used, buf, cap, len, err);
    if (rc == 1)
        c->off += used;
    return rc;
}
