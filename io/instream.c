/* instream.c - pipes, stdin, zstd and gzip streams (see instream.h). */
#include "instream.h"
#include "gzdecode.h"
#include "zdecode.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#ifndef INSTREAM_RAWBUF
#define INSTREAM_RAWBUF ((size_t)1 << 20)
#endif

/* Set once by the CLI before any open (instream_threads), read at open. */
static int thread_budget = 1;

void instream_threads(int n) { thread_budget = n > 1 ? n : 1; }

struct instream {
    int fd;
    bool own_fd, zstd, eof, frame_open;
    bool live; /* not a regular file: a pipe, a FIFO, a socket (may go quiet) */
    const char *path;
    ZSTD_DCtx *dctx;
    uint8_t *raw;                      /* compressed bytes (zstd) or the peeked magic (plain) */
    uint8_t magic[INSTREAM_MAGIC_MAX]; /* the first bytes, as peeked */
    size_t magiclen;
    size_t rawlen, rawpos;
    uint64_t rawoff;     /* bytes read from fd */
    struct zdecode *par; /* a file of several frames, decoded ahead; or NULL */
    struct gzdecode *gz; /* gzip input; or NULL */
    /* the frame being streamed: its first bytes (for the content size its
     * header announces) and the bytes it has produced so far */
    uint8_t fhdr[18]; /* ZSTD_FRAMEHEADERSIZE_MAX */
    size_t fhdrlen;
    uint64_t fout;
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
    struct stat st;
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
        if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            pcsv_error_set(err, PCSV_EIO, EISDIR, path_shown, 0, "%s", "");
            instream_close(s);
            return NULL;
        }
    }
    s->live = fstat(s->fd, &st) == 0 && !S_ISREG(st.st_mode);
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
        if (s->own_fd && (s->par = zdecode_create(s->fd, thread_budget)))
            return s;
        s->dctx = ZSTD_createDCtx();
        if (!s->dctx) {
            pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            instream_close(s);
            return NULL;
        }
    } else if (instream_is_gzip_magic(s->raw, s->rawlen)) {
        if (!(s->gz = gzdecode_create())) {
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
    zdecode_destroy(s->par);
    gzdecode_destroy(s->gz);
    if (s->own_fd)
        close(s->fd);
    ZSTD_freeDCtx(s->dctx);
    free(s->raw);
    free(s);
}

bool instream_is_zstd(const struct instream *s) { return s->zstd; }

bool instream_is_gzip(const struct instream *s) { return s->gz != NULL; }

bool instream_is_gzip_magic(const uint8_t *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

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
        {"xz", "xz -dc", 6,
         "\xfd"
         "7zXZ\0"},
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
    pcsv_shell_word(word, sizeof word, path_shown);
    return pcsv_error_set(err, PCSV_EDATA, 0, path_shown, 0,
                          "%s not supported yet; use: %s %s | pcsv ...", what, tool, word);
}

bool instream_is_live(const struct instream *s) { return s->live; }

int instream_wait(struct instream *s, int timeout_ms, int wake_fd)
{
    /* bytes already here (the peeked magic, compressed input not yet
     * decoded), the end, or a regular file: a read does not wait */
    if (!s->live || s->rawpos < s->rawlen || s->eof || s->par)
        return 1;
    struct pollfd pf[2] = {{.fd = s->fd, .events = POLLIN}, {.fd = wake_fd, .events = POLLIN}};
    int r;
    while ((r = poll(pf, wake_fd >= 0 ? 2 : 1, timeout_ms)) < 0 && errno == EINTR)
        ; /* (a signal restarts the whole wait: pcsv handles none that return) */
    if (r < 0 || pf[0].revents)
        return 1; /* data, the end, or an error the read reports */
    return r == 0 ? 0 : 2;
}

/* Refill the compressed-input buffer from the descriptor (both decoders
 * read through it); 0 at the end of the input sets eof. */
static int refill_raw(struct instream *s, struct pcsv_error *err)
{
    ssize_t n = read_fd(s, s->raw, INSTREAM_RAWBUF);
    if (n < 0) {
        pcsv_error_set(err, PCSV_EIO, errno, s->path, 0, "cannot read");
        return -1;
    }
    s->rawlen = (size_t)n;
    s->rawpos = 0;
    s->eof = n == 0;
    return 0;
}

/* gzip: decode what is read into buf, reading more only when the decoder
 * has used every byte and holds no output. */
static ssize_t gz_read(struct instream *s, uint8_t *buf, size_t cap, struct pcsv_error *err)
{
    for (;;) {
        size_t out = 0;
        if (gzdecode_run(s->gz, s->raw, s->rawlen, &s->rawpos, buf, cap, &out))
            goto bad;
        if (out)
            return (ssize_t)out;
        if (s->eof) {
            if (gzdecode_end(s->gz))
                goto bad;
            return 0;
        }
        if (refill_raw(s, err))
            return -1;
    }
bad:
    pcsv_error_set(err, PCSV_EIO, 0, s->path, 0, "%s", gzdecode_error(s->gz));
    return -1;
}

ssize_t instream_read(struct instream *s, uint8_t *buf, size_t cap, struct pcsv_error *err)
{
    if (s->gz)
        return gz_read(s, buf, cap, err);
    if (s->par) {
        uint64_t at;
        ssize_t n = zdecode_read(s->par, buf, cap, &at, s->path, err);
        if (n != ZDECODE_STREAM) {
            if (n > 0)
                s->rawoff = at;
            return n;
        }
        /* a frame too big to decode ahead: stream the file from it on */
        zdecode_destroy(s->par);
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
    }
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
        if (s->rawpos == s->rawlen && !s->eof && refill_raw(s, err))
            return -1;
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
            if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != ZSTD_CONTENTSIZE_ERROR &&
                fcs != s->fout) {
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
