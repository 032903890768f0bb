/* instream.c - pipes, stdin and zstd streams (see instream.h). */
#include "instream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#ifndef INSTREAM_RAWBUF
#define INSTREAM_RAWBUF ((size_t)1 << 20)
#endif

/* Parallel decompression of a regular .zst file made of several frames (as
 * pzstd writes): the frame table is read first from the frame and block
 * headers alone (pread, a few bytes a block), then threads decode whole
 * frames ahead into their own buffers, at most PAR_AHEAD frames beyond the
 * one being read, and instream_read hands them out in order. Files of one
 * frame, or with a frame over PAR_MAX_FRAME compressed bytes, are streamed
 * instead (one frame would be one huge buffer). A frame that decodes to
 * more than PAR_MAX_OUT bytes (a crafted or unusual file: pzstd's frames
 * hold a few MiB) is not decoded ahead either: from that frame on, the file
 * is streamed, so memory stays bounded by PAR_AHEAD * PAR_MAX_OUT. */
#ifndef PAR_AHEAD
#define PAR_AHEAD 4
#endif
#ifndef PAR_MAX_FRAME
#define PAR_MAX_FRAME ((uint64_t)64 << 20)
#endif
#ifndef PAR_MAX_OUT
#define PAR_MAX_OUT ((size_t)64 << 20)
#endif
struct par {
    int fd;
    uint64_t *off; /* frame i is [off[i], off[i + 1]) */
    size_t nframes;
    int nthreads;
    pthread_t *t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t next_take; /* next frame a thread decodes */
    size_t reading;   /* the frame instream_read is in */
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

struct instream {
    int fd;
    bool own_fd, zstd, eof, frame_open;
    const char *path;
    ZSTD_DCtx *dctx;
    uint8_t *raw; /* compressed bytes (zstd) or the peeked magic (plain) */
    uint8_t magic[INSTREAM_MAGIC_MAX]; /* the first bytes, as peeked */
    size_t magiclen;
    size_t rawlen, rawpos;
    uint64_t rawoff; /* bytes read from fd */
    struct par *par;
    /* the frame being streamed: its first bytes (for the content size its
     * header announces) and the bytes it has produced so far */
    uint8_t fhdr[18]; /* ZSTD_FRAMEHEADERSIZE_MAX */
    size_t fhdrlen;
    uint64_t fout;
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
    uint32_t magic = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
    if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) { /* skippable: magic, size, data */
        uint64_t sz = 8 + ((uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24);
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
static void decode_frame(struct par *p, ZSTD_DCtx *d, uint64_t off, size_t n, struct pslot *sl)
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
    size_t cap = cs != ZSTD_CONTENTSIZE_UNKNOWN && cs != ZSTD_CONTENTSIZE_ERROR
                     ? (size_t)cs + 1
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

static void *par_main(void *arg)
{
    struct par *p = arg;
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

static void par_stop(struct par *p)
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

static struct par *par_start(int fd)
{
    struct stat st;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 2 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
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
    struct par *p = calloc(1, sizeof *p);
    int nt = (int)(cpus < PAR_AHEAD ? cpus : PAR_AHEAD);
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
        if (pthread_create(&p->t[i], NULL, par_main, p) == 0)
            p->nthreads++;
    if (!p->nthreads) {
        par_stop(p);
        return NULL;
    }
    return p;
}

static ssize_t par_read(struct instream *s, uint8_t *buf, size_t cap, struct pcsv_error *err)
{
    struct par *p = s->par;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->reading >= p->nframes) {
            pthread_mutex_unlock(&p->mu);
            return 0;
        }
        struct pslot *sl = &p->slot[p->reading % PAR_AHEAD];
        while (!sl->ready)
            pthread_cond_wait(&p->cv, &p->mu);
        if (sl->too_big) {
            /* stream from this frame on: stop the decoders, rewind the fd */
            uint64_t at = p->off[p->reading];
            pthread_mutex_unlock(&p->mu);
            par_stop(p);
            s->par = NULL;
            s->dctx = ZSTD_createDCtx();
            if (!s->dctx) {
                pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
                return -1;
            }
            if (lseek(s->fd, (off_t)at, SEEK_SET) < 0) {
                pcsv_error_set(err, PCSV_EIO, errno, s->path, 0, "cannot read");
                return -1;
            }
            s->rawoff = at;
            s->rawlen = s->rawpos = 0;
            s->eof = s->frame_open = false;
            return instream_read(s, buf, cap, err);
        }
        if (sl->failed) {
            pthread_mutex_unlock(&p->mu);
            pcsv_error_set(err, PCSV_EIO, 0, s->path, 0,
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
            s->rawoff = p->off[p->reading + 1];
            return (ssize_t)n;
        }
        fbuf_free(sl->buf, sl->cap);
        *sl = (struct pslot){0};
        p->reading++;
        p->pos = 0;
        pthread_cond_broadcast(&p->cv);
    }
}

static ssize_t read_fd(struct instream *s, uint8_t *buf, size_t cap)
{
    for (;;) {
        ssize_t n = read(s->fd, buf, cap);
        if (n >= 0) {
            s->rawoff += (uint64_t)n;
            return n;
        }
        if (errno != EINTR)
            return -1;
    }
}

/* Read until s->raw holds want bytes or the input ends. 0, or -1 (errno). */
static int peek(struct instream *s, size_t want)
{
    while (s->rawlen < want) {
        ssize_t n = read_fd(s, s->raw + s->rawlen, want - s->rawlen);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        s->rawlen += (size_t)n;
    }
    return 0;
}

struct instream *instream_open(const char *path, const char *path_shown, struct pcsv_error *err)
{
    struct instream *s = calloc(1, sizeof *s);
    if (!s || !(s->raw = malloc(INSTREAM_RAWBUF))) {
        free(s);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    s->path = path_shown;
    if (strcmp(path, "-") == 0) {
        s->fd = 0;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            pcsv_error_set(err, PCSV_EIO, errno, path_shown, 0, "%s", "");
            free(s->raw);
            free(s);
            return NULL;
        }
        s->own_fd = true;
        struct stat st;
        if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            pcsv_error_set(err, PCSV_EIO, EISDIR, path_shown, 0, "%s", "");
            instream_close(s);
            return NULL;
        }
    }
    /* peek at the first 4 bytes for the zstd magic (so that the decoder
     * starts from the same bytes as ever: its error offsets stay what they
     * were), then, when it is not zstd, at the first INSTREAM_MAGIC_MAX for
     * the other formats' */
    if (peek(s, 4) < 0 ||
        (s->rawlen == 4 && !instream_is_zstd_magic(s->raw, 4) && peek(s, INSTREAM_MAGIC_MAX) < 0)) {
        pcsv_error_set(err, PCSV_EIO, errno, path_shown, 0, "cannot read");
        instream_close(s);
        return NULL;
    }
    s->magiclen = s->rawlen;
    memcpy(s->magic, s->raw, s->rawlen);
    if (instream_is_zstd_magic(s->raw, s->rawlen)) {
        s->zstd = true;
        if (s->own_fd && (s->par = par_start(s->fd)))
            return s;
        s->dctx = ZSTD_createDCtx();
        if (!s->dctx) {
            pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            instream_close(s);
            return NULL;
        }
    }
    return s;
}

void instream_close(struct instream *s)
{
    if (!s)
        return;
    par_stop(s->par);
    if (s->own_fd)
        close(s->fd);
    ZSTD_freeDCtx(s->dctx);
    free(s->raw);
    free(s);
}

bool instream_is_zstd(const struct instream *s) { return s->zstd; }

bool instream_is_zstd_magic(const uint8_t *p, size_t n)
{
    /* a zstd frame, or a skippable frame (pzstd starts with one) */
    if (n < 4)
        return false;
    uint32_t m = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}
uint64_t instream_raw_offset(const struct instream *s) { return s->rawoff; }

const uint8_t *instream_magic(const struct instream *s, size_t *n)
{
    *n = s->magiclen;
    return s->magic;
}

const char *instream_foreign_format(const uint8_t *p, size_t n, const char **tool)
{
    static const struct {
        const char *name, *tool;
        size_t len;
        const char *magic;
    } formats[] = {
        {"gzip", "gzip -dc", 2, "\x1f\x8b"},
        {"xz", "xz -dc", 6, "\xfd" "7zXZ\0"},
        {"zip", "unzip -p", 4, "PK\x03\x04"},
        {"zip", "unzip -p", 4, "PK\x05\x06"}, /* an empty archive */
    };
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (n >= formats[i].len && memcmp(p, formats[i].magic, formats[i].len) == 0) {
            if (tool)
                *tool = formats[i].tool;
            return formats[i].name;
        }
    }
    /* bzip2: "BZh" and the block size, then the first block's magic (the
     * digits of pi) or, for no data, the end of stream's (those of sqrt(pi)):
     * ten bytes no CSV header starts with */
    if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
        (memcmp(p + 4, "\x31\x41\x59\x26\x53\x59", 6) == 0 ||
         memcmp(p + 4, "\x17\x72\x45\x38\x50\x90", 6) == 0)) {
        if (tool)
            *tool = "bzip2 -dc";
        return "bzip2";
    }
    return NULL;
}

/* s as one shell word: as it is when it is plain, else in single quotes. */
static void shell_word(char *buf, size_t cap, const char *s)
{
    bool plain = *s != 0;
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("._/+-,:=@%", *c)))
            plain = false;
    if (plain) {
        snprintf(buf, cap, "%s", s);
        return;
    }
    size_t o = 0;
    if (o + 1 < cap)
        buf[o++] = '\'';
    for (const char *c = s; *c && o + 5 < cap; c++) {
        if (*c == '\'') {
            memcpy(buf + o, "'\\''", 4);
            o += 4;
        } else {
            buf[o++] = *c;
        }
    }
    if (o + 1 < cap)
        buf[o++] = '\'';
    buf[o < cap ? o : cap - 1] = 0;
}

int instream_refuse_foreign(const uint8_t *p, size_t n, const char *path_shown, bool is_stdin,
                            struct pcsv_error *err)
{
    const char *tool;
    const char *name = instream_foreign_format(p, n, &tool);
    if (!name)
        return 0;
    bool zip = strcmp(name, "zip") == 0;
    const char *what = zip ? "a zip archive is" : NULL;
    char kind[48];
    if (!what) {
        snprintf(kind, sizeof kind, "%s-compressed input is", name);
        what = kind;
    }
    if (is_stdin && zip) /* unzip cannot read a pipe */
        return pcsv_error_set(err, PCSV_EDATA, 0, path_shown, 0,
                              "%s not supported yet; use: unzip -p FILE.zip | pcsv ...", what);
    if (is_stdin)
        return pcsv_error_set(err, PCSV_EDATA, 0, path_shown, 0,
                              "%s not supported yet; use: ... | %s | pcsv ...", what, tool);
    char word[300];
    shell_word(word, sizeof word, path_shown);
    return pcsv_error_set(err, PCSV_EDATA, 0, path_shown, 0,
                          "%s not supported yet; use: %s %s | pcsv ...", what, tool, word);
}

ssize_t instream_read(struct instream *s, uint8_t *buf, size_t cap, struct pcsv_error *err)
{
    if (s->par)
        return par_read(s, buf, cap, err);
    if (!s->zstd) {
        if (s->rawpos < s->rawlen) { /* the peeked bytes first */
            size_t n = s->rawlen - s->rawpos < cap ? s->rawlen - s->rawpos : cap;
            memcpy(buf, s->raw + s->rawpos, n);
            s->rawpos += n;
            return (ssize_t)n;
        }
        ssize_t n = read_fd(s, buf, cap);
        if (n < 0)
            pcsv_error_set(err, PCSV_EIO, errno, s->path, 0, "cannot read");
        return n;
    }
    ZSTD_outBuffer out = {buf, cap, 0};
    while (out.pos == 0) {
        if (s->rawpos == s->rawlen && !s->eof) {
            ssize_t n = read_fd(s, s->raw, INSTREAM_RAWBUF);
            if (n < 0) {
                pcsv_error_set(err, PCSV_EIO, errno, s->path, 0, "cannot read");
                return -1;
            }
            s->rawlen = (size_t)n;
            s->rawpos = 0;
            s->eof = n == 0;
        }
        if (s->eof && !s->frame_open)
            break; /* every frame complete: the end */
        /* at the end of the input, one more call flushes what the decoder
         * still holds; if that yields nothing, the frame was cut short */
        if (!s->frame_open) { /* a frame starts here */
            s->fhdrlen = 0;
            s->fout = 0;
        }
        ZSTD_inBuffer in = {s->raw, s->rawlen, s->rawpos};
        size_t before = out.pos;
        size_t r = ZSTD_decompressStream(s->dctx, &out, &in);
        uint64_t at = s->rawoff - (s->rawlen - in.pos);
        if (ZSTD_isError(r)) {
            pcsv_error_set(err, PCSV_EIO, 0, s->path, 0,
                           "corrupt zstd data near compressed byte %llu: %s",
                           (unsigned long long)at, ZSTD_getErrorName(r));
            return -1;
        }
        size_t keep = in.pos - s->rawpos;
        if (keep > sizeof s->fhdr - s->fhdrlen)
            keep = sizeof s->fhdr - s->fhdrlen;
        memcpy(s->fhdr + s->fhdrlen, s->raw + s->rawpos, keep);
        s->fhdrlen += keep;
        s->fout += out.pos - before;
        s->rawpos = in.pos;
        s->frame_open = r != 0;
        if (r == 0) {
            /* The streaming decoder does not check the content size a
             * frame's header announces when the frame ends in an empty
             * block (libzstd 1.5.4; its one-shot path does): check it here,
             * or such a frame would be a silently short result. */
            unsigned long long fcs = ZSTD_getFrameContentSize(s->fhdr, s->fhdrlen);
            if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != ZSTD_CONTENTSIZE_ERROR && fcs != s->fout) {
                pcsv_error_set(err, PCSV_EIO, 0, s->path, 0,
                               "corrupt zstd data near compressed byte %llu: the frame holds %llu "
                               "bytes, its header says %llu",
                               (unsigned long long)at, (unsigned long long)s->fout, fcs);
                return -1;
            }
        }
        if (s->eof && out.pos == 0 && s->frame_open) {
            pcsv_error_set(err, PCSV_EIO, 0, s->path, 0,
                           "truncated zstd stream: it ends inside a frame, at compressed byte %llu",
                           (unsigned long long)s->rawoff);
            return -1;
        }
    }
    return (ssize_t)out.pos;
}
