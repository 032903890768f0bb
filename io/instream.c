/* instream.c - pipes, stdin and zstd streams (see instream.h). */
#include "instream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#ifndef INSTREAM_RAWBUF
#define INSTREAM_RAWBUF ((size_t)1 << 20)
#endif

struct instream {
    int fd;
    bool own_fd, zstd, eof, frame_open;
    const char *path;
    ZSTD_DCtx *dctx;
    uint8_t *raw; /* compressed bytes (zstd) or the peeked magic (plain) */
    size_t rawlen, rawpos;
    uint64_t rawoff; /* bytes read from fd */
};

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
    /* peek at the first bytes for the zstd magic */
    while (s->rawlen < 4) {
        ssize_t n = read_fd(s, s->raw + s->rawlen, 4 - s->rawlen);
        if (n < 0) {
            pcsv_error_set(err, PCSV_EIO, errno, path_shown, 0, "cannot read");
            instream_close(s);
            return NULL;
        }
        if (n == 0)
            break;
        s->rawlen += (size_t)n;
    }
    if (instream_is_zstd_magic(s->raw, s->rawlen)) {
        s->zstd = true;
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

ssize_t instream_read(struct instream *s, uint8_t *buf, size_t cap, struct pcsv_error *err)
{
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
        ZSTD_inBuffer in = {s->raw, s->rawlen, s->rawpos};
        size_t r = ZSTD_decompressStream(s->dctx, &out, &in);
        if (ZSTD_isError(r)) {
            uint64_t at = s->rawoff - (s->rawlen - in.pos);
            pcsv_error_set(err, PCSV_EIO, 0, s->path, 0,
                           "corrupt zstd data near compressed byte %llu: %s",
                           (unsigned long long)at, ZSTD_getErrorName(r));
            return -1;
        }
        s->rawpos = in.pos;
        s->frame_open = r != 0;
        if (s->eof && out.pos == 0 && s->frame_open) {
            pcsv_error_set(err, PCSV_EIO, 0, s->path, 0,
                           "truncated zstd stream: it ends inside a frame, at compressed byte %llu",
                           (unsigned long long)s->rawoff);
            return -1;
        }
    }
    return (ssize_t)out.pos;
}
