/* source.c - an input opened as a table: header, BOM, stream buffers and
 * the reader thread (see source.h). */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../io/instream.h"
#include "scan.h"

/* The fuzz build (Makefile) still sets the old name. */
#if !defined(SOURCE_STREAM_BUF) && defined(PIPE_STREAM_BUF)
#define SOURCE_STREAM_BUF PIPE_STREAM_BUF
#endif
#ifndef SOURCE_STREAM_BUF
#define SOURCE_STREAM_BUF ((size_t)16 << 20) /* a stream's buffer */
#endif

/* ------------------------------------------------------------ the header */
struct fieldlist {
    char **v;
    int n, cap;
};

static int fl_push(struct fieldlist *f, const uint8_t *p, size_t len)
{
    if (f->n == f->cap) {
        int nc = f->cap ? f->cap * 2 : 16;
        char **v = realloc(f->v, (size_t)nc * sizeof *v);
        if (!v)
            return -1;
        f->v = v;
        f->cap = nc;
    }
    char *s = malloc(len + 1);
    if (!s)
        return -1;
    if (len)
        memcpy(s, p, len);
    s[len] = 0;
    f->v[f->n++] = s;
    return 0;
}

/* Parse the row at data[pos] byte by byte (only for the header). Returns
 * the offset after its line end; -1 unterminated quote; -2 no memory. */
static int64_t serial_row(const uint8_t *d, size_t len, size_t pos, uint8_t delim, uint8_t quote,
                          struct fieldlist *out)
{
    uint8_t *buf = malloc(len - pos + 1);
    if (!buf)
        return -2;
    size_t n = 0;
    bool inq = false;
    size_t i = pos;
    for (; i < len; i++) {
        uint8_t c = d[i];
        if (inq) {
            if (c == quote) {
                if (i + 1 < len && d[i + 1] == quote)
                    buf[n++] = quote, i++;
                else
                    inq = false;
            } else {
                buf[n++] = c;
            }
        } else if (c == quote) {
            inq = true;
        } else if (c == delim) {
            if (fl_push(out, n ? buf : (const uint8_t *)"", n))
                goto nomem;
            n = 0;
        } else if (c == '\n') {
            break;
        } else {
            buf[n++] = c;
        }
    }
    if (inq) {
        free(buf);
        return -1;
    }
    if (n && buf[n - 1] == '\r' && i < len)
        n--;
    if (fl_push(out, n ? buf : (const uint8_t *)"", n))
        goto nomem;
    free(buf);
    return (int64_t)(i < len ? i + 1 : i);
nomem:
    free(buf);
    return -2;
}

#ifndef SOURCE_IDLE_MS
#define SOURCE_IDLE_MS 100 /* a live stream this long without data: hand on what came */
#endif
#ifndef SOURCE_HOLD_MS
#define SOURCE_HOLD_MS 500 /* and never hold what came longer (a steady trickle) */
#endif

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Read more of stream is into *buf until it is full or the input ends;
 * grow the buffer first when asked (or when it has none). A live stream
 * (a pipe: instream_is_live) returns sooner once this call has read
 * something: when nothing more came for SOURCE_IDLE_MS, or SOURCE_HOLD_MS
 * after the first bytes came, so that rows that arrived are handed on
 * (`tail -f | pcsv filter`); and at once when wake_fd (>= 0) is readable
 * (the reader thread is told to stop). The first read waits for data as
 * long as it takes. A regular file (zstd) always fills the buffer: its
 * buffers, hence its chunks, never depend on timing. -1 on error. */
static int stream_fill(struct instream *is, uint8_t **buf, size_t *len, size_t *cap, bool *eof,
                       bool grow, int wake_fd, struct pcsv_error *err)
{
    if (grow || !*cap) {
        size_t nc = *cap ? *cap * 2 : SOURCE_STREAM_BUF;
        uint8_t *b = realloc(*buf, nc);
        if (!b)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory"), -1;
        *buf = b;
        *cap = nc;
    }
    const bool live = instream_is_live(is);
    int64_t hold = 0; /* live: when what this call read must be handed on */
    while (*len < *cap && !*eof) {
        if (live) {
            int wait = -1;
            if (hold) {
                int64_t left = hold - now_ms();
                if (left <= 0)
                    break;
                wait = left < SOURCE_IDLE_MS ? (int)left : SOURCE_IDLE_MS;
            }
            if (instream_wait(is, wait, wake_fd) != 1)
                break; /* quiet for a while (hand on what came), or told to stop */
        }
        ssize_t n = instream_read(is, *buf + *len, *cap - *len, err);
        if (n < 0)
            return -1;
        if (n == 0)
            *eof = true;
        *len += (size_t)n;
        if (live && n > 0 && !hold)
            hold = now_ms() + SOURCE_HOLD_MS;
    }
    return 0;
}

static int source_fill(struct source *s, bool grow, struct pcsv_error *err)
{
    return stream_fill(s->is, &s->buf, &s->buflen, &s->bufcap, &s->eof, grow, -1, err);
}

static void fl_free(struct fieldlist *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
}

/* The header of data[pos, len): names, the offset after it. */
static int read_header(struct source *in, const uint8_t *d, size_t len, size_t pos, uint8_t delim,
                       uint8_t quote, bool header, struct pcsv_error *err)
{
    struct fieldlist f = {0};
    int64_t end = serial_row(d, len, pos, delim, quote, &f);
    if (end < 0) {
        fl_free(&f); /* the fields read before the row went wrong */
        if (end == -2)
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        uint64_t line = 1;
        for (size_t i = 0; i < pos; i++)
            line += d[i] == '\n';
        return pcsv_error_set(err, PCSV_EDATA, 0, in->path, line, "unterminated quoted field");
    }
    if (header) {
        in->names = f.v;
        in->ncols = f.n;
        for (size_t i = 0; i < (size_t)end; i++)
            in->header_lines += d[i] == '\n';
        in->data_begin = (size_t)end;
    } else {
        in->ncols = f.n;
        in->names = f.v; /* source_close frees them, also after a failure here */
        for (int i = 0; i < f.n; i++) {
            free(f.v[i]);
            char num[16];
            snprintf(num, sizeof num, "%d", i + 1);
            f.v[i] = strdup(num);
            if (!f.v[i])
                return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        }
        for (size_t i = 0; i < pos; i++)
            in->header_lines += d[i] == '\n';
    }
    return 0;
}

/* Where the data starts: after a BOM and blank lines. */
static size_t skip_preamble(const uint8_t *d, size_t len)
{
    size_t pos = 0;
    if (len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF)
        pos = 3;
    while (pos < len && (d[pos] == '\n' || (d[pos] == '\r' && pos + 1 < len && d[pos + 1] == '\n')))
        pos += d[pos] == '\n' ? 1 : 2;
    return pos;
}

/* zstd or gzip: read as a stream, decompressed */
static bool is_compressed_file(int fd)
{
    uint8_t m[4];
    ssize_t n = pread(fd, m, 4, 0);
    return n > 0 && (instream_is_zstd_magic(m, (size_t)n) || instream_is_gzip_magic(m, (size_t)n));
}

int source_open(struct source *in, const char *path, const char *path_shown, uint8_t delim,
                uint8_t quote, bool header, struct pcsv_error *err)
{
    memset(in, 0, sizeof *in);
    in->path = path_shown;
    in->map.fd = -1;
    in->quote = quote;
    struct stat st;
    bool regular = strcmp(path, "-") == 0 ? fstat(0, &st) == 0 && S_ISREG(st.st_mode)
                                          : stat(path, &st) == 0 && S_ISREG(st.st_mode);
    if (regular) {
        int rc = mapfile_open(&in->map, strcmp(path, "-") == 0 ? "/dev/stdin" : path, err);
        if (rc) {
            snprintf(err->path, sizeof err->path, "%s", path_shown);
            return rc;
        }
        in->map.path = path_shown;
        /* bzip2, xz, zip: refused by name, never read as CSV */
        size_t nm = in->map.size < INSTREAM_MAGIC_MAX ? in->map.size : INSTREAM_MAGIC_MAX;
        if (nm &&
            instream_refuse_foreign(in->map.data, nm, path_shown, strcmp(path, "-") == 0, err))
            return err->code;
        if (!is_compressed_file(in->map.fd)) {
            const uint8_t *d = in->map.data;
            size_t len = in->map.size, pos = skip_preamble(d, len);
            in->data_begin = pos;
            if (pos >= len)
                return 0; /* empty: no columns, no rows */
            return read_header(in, d, len, pos, delim, quote, header, err);
        }
        mapfile_close(&in->map); /* zstd, gzip: read it as a stream */
        in->map.fd = -1;
    }
    in->is = instream_open(path, path_shown, err);
    if (!in->is)
        return err->code;
    size_t nm;
    const uint8_t *magic = instream_magic(in->is, &nm);
    if (instream_refuse_foreign(magic, nm, path_shown, strcmp(path, "-") == 0, err))
        return err->code;
    /* read until the header row is whole */
    for (;;) {
        if (source_fill(in, in->buflen == in->bufcap, err) < 0)
            return err->code;
        size_t pos = skip_preamble(in->buf, in->buflen);
        if (pos >= in->buflen && in->eof) {
            in->data_begin = in->buflen;
            return 0;
        }
        size_t cut = scan_last_row_end(in->buf + pos, in->buflen - pos, quote);
        if (cut || in->eof) {
            in->data_begin = pos;
            return read_header(in, in->buf, in->buflen, pos, delim, quote, header, err);
        }
    }
}

/* ------------------------------------------------------------ stream regions */

/* A stream between regions: the reader thread fills the spare buffer (the
 * unfinished row of the current one, then new data) while the caller works
 * on the current region; source_next waits for it and swaps the two. */
struct source_stream {
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool started;    /* the thread runs */
    bool busy, quit; /* under mu: a fill is asked for / running; the thread must end */
    int rc;          /* the last fill's result (-1: err says why) */
    struct pcsv_error err;
    struct instream *is;
    int wake[2];  /* a live stream: a byte in wake[1] ends the reader's wait for input */
    uint8_t *buf; /* the spare buffer */
    size_t buflen, bufcap;
    bool eof;
    /* the region handed out: [start, end) of the current buffer */
    bool out, last;
    size_t start, end;
    uint64_t lines; /* line ends before start, in the whole input */
};

static void *reader_main(void *arg)
{
    struct source_stream *r = arg;
    pthread_mutex_lock(&r->mu);
    for (;;) {
        while (!r->busy && !r->quit)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->quit)
            break;
        pthread_mutex_unlock(&r->mu);
        int rc = stream_fill(r->is, &r->buf, &r->buflen, &r->bufcap, &r->eof, false, r->wake[0],
                             &r->err) < 0
                     ? -1
                     : 0;
        pthread_mutex_lock(&r->mu);
        r->rc = rc;
        r->busy = false;
        pthread_cond_broadcast(&r->cv);
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static void reader_wait(struct source_stream *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->busy)
        pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
}

static void reader_start(struct source_stream *r)
{
    pthread_mutex_lock(&r->mu);
    r->busy = true;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* Join the reader (after its fill, if one runs) and free the spare. */
static void stream_stop(struct source *s)
{
    struct source_stream *r = s->st;
    if (!r)
        return;
    if (r->started) {
        /* The reader may be waiting for input that comes late or never (a
         * slow pipe, and head has its rows): wake it up. */
        if (r->wake[1] >= 0 && write(r->wake[1], "", 1) < 0) {
            /* cannot fail: a new pipe has room */
        }
        reader_wait(r);
        pthread_mutex_lock(&r->mu);
        r->quit = true;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->t, NULL);
    }
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    for (int i = 0; i < 2; i++)
        if (r->wake[i] >= 0)
            close(r->wake[i]);
    free(r->buf);
    free(r);
    s->st = NULL;
}

static int stream_next(struct source *s, bool *last, struct pcsv_error *err)
{
    struct source_stream *r = s->st;
    if (!r) {
        if (!(r = s->st = calloc(1, sizeof *r)))
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        pthread_mutex_init(&r->mu, NULL);
        pthread_cond_init(&r->cv, NULL);
        r->is = s->is;
        r->wake[0] = r->wake[1] = -1;
        if (instream_is_live(s->is)) {
            if (pipe(r->wake) < 0) {
                r->wake[0] = r->wake[1] = -1;
                return pcsv_error_set(err, PCSV_EIO, errno, NULL, 0, "cannot start the reader");
            }
            fcntl(r->wake[0], F_SETFD, FD_CLOEXEC);
            fcntl(r->wake[1], F_SETFD, FD_CLOEXEC);
        }
        r->start = s->data_begin;
        r->lines = s->header_lines;
        r->started = pthread_create(&r->t, NULL, reader_main, r) == 0;
        if (!r->started)
            return pcsv_error_set(err, PCSV_ENOMEM, errno, NULL, 0, "cannot start the reader");
    } else if (r->out) {
        /* the previous region is done: its spare (tail + new data) becomes current */
        reader_wait(r);
        if (r->rc) {
            *err = r->err;
            return err->code;
        }
        uint64_t q, nl;
        scan_count(s->buf + r->start, r->end - r->start, s->quote, &q, &nl);
        r->lines += nl;
        uint8_t *b = s->buf;
        size_t cap = s->bufcap;
        s->buf = r->buf;
        s->buflen = r->buflen;
        s->bufcap = r->bufcap;
        s->eof = r->eof;
        s->offset_base += r->end;
        r->buf = b;
        r->bufcap = cap;
        r->start = 0;
        r->out = false;
    }
    /* The buffer is full, or holds what a live stream had when it went
     * quiet (stream_fill), or the end. Hand out its whole rows; with none,
     * read on (this waits for new data: never a busy loop), growing a full
     * buffer (one row longer than it). A partly filled buffer is cut like a
     * full one: after its last line end outside quotes. */
    size_t start = r->start, end;
    for (;;) {
        end = s->eof ? s->buflen
                     : start + scan_last_row_end(s->buf + start, s->buflen - start, s->quote);
        if (end > start || s->eof)
            break;
        if (source_fill(s, s->buflen == s->bufcap, err) < 0)
            return err->code;
    }
    r->last = s->eof && end == s->buflen;
    /* the unfinished row goes to the spare buffer, which the reader then
     * fills while the caller works on [start, end) */
    if (!r->last) {
        size_t tail = s->buflen - end;
        if (r->bufcap < s->bufcap) {
            uint8_t *b = realloc(r->buf, s->bufcap);
            if (!b)
                return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
            r->buf = b;
            r->bufcap = s->bufcap;
        }
        memcpy(r->buf, s->buf + end, tail);
        r->buflen = tail;
        r->eof = s->eof;
        reader_start(r);
    }
    r->out = true;
    r->end = end;
    s->map.fd = -1;
    s->map.data = s->buf;
    s->map.size = end;
    s->map.page = 4096;
    s->data_begin = start;
    s->header_lines = r->lines;
    *last = r->last;
    return 0;
}

int source_next(struct source *s, bool *last, struct pcsv_error *err)
{
    if (!s->is) {
        *last = true; /* a file is one region */
        return 0;
    }
    return stream_next(s, last, err);
}

int source_finish(struct source *s, int rc, struct pcsv_error *err)
{
    if (s->is) {
        stream_stop(s);
    } else if (mapfile_changed(&s->map)) {
        rc = pcsv_error_set(err, PCSV_EIO, 0, s->path, 0, "file changed while reading");
    }
    return rc;
}

void source_close(struct source *in)
{
    stream_stop(in);
    for (int i = 0; i < in->ncols; i++)
        free(in->names[i]);
    free(in->names);
    in->names = NULL;
    if (in->is) {
        instream_close(in->is);
        in->is = NULL;
        free(in->buf);
        in->buf = NULL;
    } else {
        mapfile_close(&in->map);
    }
}
