/* zdecode.c - several zstd frames decoded at once (see zdecode.h).
 *
 * The frame table is read first from the frame and block
 * headers alone (pread, a few bytes a block), then threads decode whole
 * frames ahead into their own buffers, at most PAR_AHEAD frames beyond the
 * one being read, and zdecode_read hands them out in order. Files of one
 * frame, or with a frame over PAR_MAX_FRAME compressed bytes, are streamed
 * by the caller instead (one frame would be one huge buffer). A frame that decodes to
 * more than PAR_MAX_OUT bytes (a crafted or unusual file: pzstd's frames
 * hold a few MiB) is not decoded ahead either: from that frame on, the file
 * is streamed, so memory stays bounded by PAR_AHEAD * PAR_MAX_OUT. */
#include "zdecode.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#ifndef PAR_AHEAD
#define PAR_AHEAD 4
#endif
#ifndef PAR_MAX_FRAME
#define PAR_MAX_FRAME ((uint64_t)64 << 20)
#endif
#ifndef PAR_MAX_OUT
#define PAR_MAX_OUT ((size_t)64 << 20)
#endif
struct zdecode {
    int fd;
    uint64_t *off; /* frame i is [off[i], off[i + 1]) */
    size_t nframes;
    int nthreads;
    pthread_t *t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_take; /* next frame a thread decodes */
    size_t reading;   /* the frame zdecode_read is in */
    size_t pos;       /* read position in it */
    bool quit;
    struct pslot {
        bool ready, failed;
        bool too_big; /* more than PAR_MAX_OUT: the reader streams it */
        uint64_t err_at;
        const char *err_name;
        uint8_t *buf;
        size_t len, cap;
    } slot[PAR_AHEAD];
};

static bool read_at(int fd, void *buf, size_t n, uint64_t off)
{
    return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

/* The compressed size of the frame at off, from its headers (RFC 8878), or
 * 0 when it is not a whole frame. */
static uint64_t frame_size_at(int fd, uint64_t off, uint64_t fsize)
{
    uint8_t h[8];
    if (off + 8 > fsize || !read_at(fd, h, 8, off))
        return 0;
    uint32_t magic = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 |
                     (uint32_t)h[3] << 24;
    if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) { /* skippable: magic, size, data */
        uint64_t sz = 8 + ((uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 |
                           (uint32_t)h[7] << 24);
        return off + sz <= fsize ? sz : 0;
    }
    if (magic != 0xFD2FB528u)
        return 0;
    uint8_t fhd = h[4];
    static const int did_size[4] = {0, 1, 2, 4};
    int fcs_flag = fhd >> 6, single = fhd >> 5 & 1, checksum = fhd >> 2 & 1;
    int fcs = fcs_flag ? 1 << fcs_flag : single;
    uint64_t pos = off + 5 + (single ? 0 : 1) + (uint64_t)did_size[fhd & 3] + (uint64_t)fcs;
    for (;;) {
        uint8_t b[3];
        if (pos + 3 > fsize || !read_at(fd, b, 3, pos))
            return 0;
        uint32_t bh = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16;
        uint32_t type = bh >> 1 & 3, size = bh >> 3;
        if (type == 3)
            return 0; /* reserved: corrupt */
        pos += 3 + (type == 1 ? 1 : size);
        if (bh & 1)
            break;
    }
    pos += checksum ? 4 : 0;
    return pos <= fsize ? pos - off : 0;
}

/* Frame buffers are mapped, not malloc'd: a frame is several MiB, made by a
 * decoding thread and freed by the reader, and glibc's per-thread arenas
 * would keep the freed memory. */
static uint8_t *fbuf_alloc(size_t n)
{
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void fbuf_free(uint8_t *p, size_t n)
{
    if (p)
        munmap(p, n);
}

/* Decode the frame [off, off + n) of fd into sl. */
static void decode_frame(struct zdecode *p, ZSTD_DCtx *d, uint64_t off, size_t n, struct pslot *sl)
{
    uint8_t *src = malloc(n ? n : 1);
    sl->failed = true;
    sl->err_at = off;
    sl->err_name = "out of memory";
    if (!src || !d)
        goto out;
    sl->err_name = "cannot read";
    if (!read_at(p->fd, src, n, off))
        goto out;
    unsigned long long cs = ZSTD_getFrameContentSize(src, n);
    if (cs != ZSTD_CONTENTSIZE_UNKNOWN && cs != ZSTD_CONTENTSIZE_ERROR && cs >= PAR_MAX_OUT) {
        sl->failed = false;
        sl->too_big = true;
        goto out;
    }
    size_t cap = cs != ZSTD_CONTENTSIZE_UNKNOWN && cs != ZSTD_CONTENTSIZE_ERROR ? (size_t)cs + 1
                                                                                : n * 8 + 4096;
    if (cap > PAR_MAX_OUT)
        cap = PAR_MAX_OUT;
    ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
    ZSTD_inBuffer in = {src, n, 0};
    uint8_t *b = fbuf_alloc(cap);
    ZSTD_outBuffer o = {b, cap, 0};
    while (b) {
        size_t r = ZSTD_decompressStream(d, &o, &in);
        if (ZSTD_isError(r)) {
            sl->err_name = ZSTD_getErrorName(r);
            sl->err_at = off + in.pos;
            break;
        }
        if (r == 0) {
            sl->failed = false;
            break;
        }
        if (o.pos == o.size) { /* bigger than announced: double */
            if (cap >= PAR_MAX_OUT) {
                sl->failed = false;
                sl->too_big = true;
                break;
            }
            uint8_t *nb = fbuf_alloc(cap * 2);
            if (nb)
                memcpy(nb, b, o.pos);
            fbuf_free(b, cap);
            b = nb;
            cap *= 2;
            o.dst = b;
            o.size = cap;
        } else if (in.pos == in.size) {
            sl->err_name = "the frame ends early";
            sl->err_at = off + n;
            break;
        }
    }
    if (sl->failed || sl->too_big) {
        fbuf_free(b, cap);
    } else {
        sl->buf = b;
        sl->len = o.pos;
        sl->cap = cap;
    }
out:
    free(src);
}

/* Relaxed: a statistic for tests, read after the threads it counts were
 * started by the same thread or joined. */
static _Atomic unsigned long threads_started;

unsigned long zdecode_threads_started(void)
{
    return atomic_load_explicit(&threads_started, memory_order_relaxed);
}

static void *decoder_main(void *arg)
{
    struct zdecode *p = arg;
    ZSTD_DCtx *d = ZSTD_createDCtx();
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->quit && p->next_take < p->nframes && p->next_take >= p->reading + PAR_AHEAD)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->quit || p->next_take >= p->nframes)
            break;
        size_t i = p->next_take++;
        pthread_mutex_unlock(&p->mu);
        struct pslot sl = {0};
        decode_frame(p, d, p->off[i], (size_t)(p->off[i + 1] - p->off[i]), &sl);
        sl.ready = true;
        pthread_mutex_lock(&p->mu);
        p->slot[i % PAR_AHEAD] = sl;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    ZSTD_freeDCtx(d);
    return NULL;
}

void zdecode_destroy(struct zdecode *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->quit = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->t[i], NULL);
    for (int i = 0; i < PAR_AHEAD; i++)
        fbuf_free(p->slot[i].buf, p->slot[i].cap);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->off);
    free(p->t);
    free(p);
}

struct zdecode *zdecode_create(int fd, int threads)
{
    struct stat st;
    if (threads < 2 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return NULL;
    uint64_t fsize = (uint64_t)st.st_size, at = 0;
    size_t cap = 64, nf = 0;
    uint64_t *off = malloc(cap * sizeof *off);
    while (off && at < fsize) {
        uint64_t f = frame_size_at(fd, at, fsize);
        if (!f || f > PAR_MAX_FRAME || nf + 2 > 1u << 24) {
            free(off);
            return NULL; /* damaged (streaming reports it), or frames too big */
        }
        if (nf + 2 > cap) {
            uint64_t *o = realloc(off, (cap *= 2) * sizeof *off);
            if (!o)
                break;
            off = o;
        }
        off[nf++] = at;
        at += f;
    }
    if (!off || at != fsize || nf < 2) {
        free(off);
        return NULL;
    }
    off[nf] = fsize;
    struct zdecode *p = calloc(1, sizeof *p);
    int nt = threads < PAR_AHEAD ? threads : PAR_AHEAD;
    if (p)
        p->t = calloc((size_t)nt, sizeof *p->t);
    if (!p || !p->t) {
        if (p)
            free(p->t);
        free(p);
        free(off);
        return NULL;
    }
    p->fd = fd;
    p->off = off;
    p->nframes = nf;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < nt; i++)
        if (pthread_create(&p->t[i], NULL, decoder_main, p) == 0) {
            p->nthreads++;
            atomic_fetch_add_explicit(&threads_started, 1, memory_order_relaxed);
        }
    if (!p->nthreads) {
        zdecode_destroy(p);
        return NULL;
    }
    return p;
}

ssize_t zdecode_read(struct zdecode *p, uint8_t *buf, size_t cap, uint64_t *raw_end,
                     const char *path_shown, struct pcsv_error *err)
{
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->reading >= p->nframes) {
            pthread_mutex_unlock(&p->mu);
            return 0;
        }
        struct pslot *sl = &p->slot[p->reading % PAR_AHEAD];
        while (!sl->ready)
            pthread_cond_wait(&p->cv, &p->mu);
        if (sl->too_big) { /* the caller streams from this frame on */
            *raw_end = p->off[p->reading];
            pthread_mutex_unlock(&p->mu);
            return ZDECODE_STREAM;
        }
        if (sl->failed) {
            pthread_mutex_unlock(&p->mu);
            pcsv_error_set(err, PCSV_EIO, 0, path_shown, 0,
                           "corrupt zstd data near compressed byte %llu: %s",
                           (unsigned long long)sl->err_at, sl->err_name);
            return -1;
        }
        if (p->pos < sl->len) {
            /* the slot stays ours until we move past it: copy unlocked */
            pthread_mutex_unlock(&p->mu);
            size_t n = sl->len - p->pos < cap ? sl->len - p->pos : cap;
            memcpy(buf, sl->buf + p->pos, n);
            p->pos += n;
            *raw_end = p->off[p->reading + 1];
            return (ssize_t)n;
        }
        fbuf_free(sl->buf, sl->cap);
        *sl = (struct pslot){0};
        p->reading++;
        p->pos = 0;
        pthread_cond_broadcast(&p->cv);
    }
}
