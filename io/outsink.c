/* outsink.c - buffered, format-aware, atomic output (see outsink.h). */
#include "outsink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

/* room for "." and ".pcsv-PID-RANDOM" around the target's name */
#define TMP_EXTRA 48

#ifndef OUTSINK_BUF
#define OUTSINK_BUF (1 << 16)
#endif

/* Where the bytes go. Chosen once, when the sink is opened, and looked at
 * in one place only (sink_emit). */
enum sink_backend {
    SINK_FD,   /* stdout, or -o FILE (its temporary file, or a device) */
    SINK_ZSTD, /* -o FILE.zst: compressed, then written to fd */
    SINK_MEM,  /* a worker's memory sink (fd unused) */
};

struct outsink {
    enum sink_backend be;
    int fd;
    ZSTD_CCtx *zc; /* SINK_ZSTD: compress on the way out */
    char *zbuf;
    size_t zcap;
    char *mem;
    size_t memlen, memcap;
    enum out_format fmt;
    int werr; /* first write errno */
    char *path;   /* -o as given (messages), or NULL for stdout */
    char *target; /* the regular file replaced at commit (a symlink resolved) */
    char *tmp;    /* the temporary file beside target; NULL when writing in place */
    int sig_slot; /* index in sig_tmp, or -1 */
    bool prepared; /* outsink_prepare done: the file is complete and closed */
    char **names;
    int nnames, col;
    bool first_empty; /* csv/tsv: the row's first field was empty */
    size_t n;
    char buf[OUTSINK_BUF];
};

/* The temporary files a signal must remove (the result and --rejects may
 * be pending at once): fixed buffers, since only async-signal-safe work
 * (unlink) happens in the handler. */
#define SIG_SLOTS 4
static char sig_tmp[SIG_SLOTS][PATH_MAX];
static volatile sig_atomic_t sig_tmp_set[SIG_SLOTS];

static void on_signal(int sig)
{
    for (int i = 0; i < SIG_SLOTS; i++)
        if (sig_tmp_set[i])
            unlink(sig_tmp[i]);
    signal(sig, SIG_DFL);
    raise(sig);
}

void outsink_install_signal_cleanup(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* SIGPIPE too: a closed stdout still ends pcsv quietly, but not before
     * a pending --rejects (or -o) temporary file is removed */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        /* A signal ignored when we start stays ignored (nohup, a background
         * job of a shell without job control): catching it would let it
         * kill a run its parent meant to protect. */
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

static void write_all(struct outsink *o, const char *p, size_t n)
{
    size_t off = 0;
    while (off < n && !o->werr) {
        ssize_t w = write(o->fd, p + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            o->werr = errno;
            break;
        }
        off += (size_t)w;
    }
}

/* Compress p[0, n) (mode ZSTD_e_end: and finish the frame) to the file. */
static void zflush(struct outsink *o, const char *p, size_t n, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        ZSTD_outBuffer out = {o->zbuf, o->zcap, 0};
        size_t left = ZSTD_compressStream2(o->zc, &out, &in, mode);
        if (ZSTD_isError(left)) {
            o->werr = EIO;
            return;
        }
        write_all(o, o->zbuf, out.pos);
        if (mode == ZSTD_e_end ? left == 0 : in.pos == in.size)
            return;
    }
}

static int zstd_level = 3;
void outsink_compress_level(int level) { zstd_level = level; }

/* SINK_MEM: append p[0, n) to the memory buffer. */
static void mem_append(struct outsink *o, const char *p, size_t n)
{
    if (o->memlen + n > o->memcap) {
        size_t nc = o->memcap ? o->memcap * 2 : (size_t)1 << 16;
        while (nc < o->memlen + n)
            nc *= 2;
        char *m = realloc(o->mem, nc);
        if (!m) {
            o->werr = ENOMEM;
            return;
        }
        o->mem = m;
        o->memcap = nc;
    }
    memcpy(o->mem + o->memlen, p, n);
    o->memlen += n;
}

/* The one way bytes leave the sink, and the one place that chooses the back
 * end: the buffer's flush and the write-through of a write larger than the
 * buffer both come here. (A write-through that went straight to the fd put
 * plain rows into a .zst file, issue 11.) A failed sink takes no more. */
static void sink_emit(struct outsink *o, const char *p, size_t n)
{
    if (!n || o->werr)
        return;
    switch (o->be) {
    case SINK_FD:
        write_all(o, p, n);
        return;
    case SINK_ZSTD:
        zflush(o, p, n, ZSTD_e_continue);
        return;
    case SINK_MEM:
        mem_append(o, p, n);
        return;
    }
}

static void flush(struct outsink *o)
{
    sink_emit(o, o->buf, o->n);
    o->n = 0;
}

/* put's slow path: p[0, n) does not fit behind what is buffered. */
static void put_slow(struct outsink *o, const void *p, size_t n)
{
    flush(o);
    if (n > sizeof o->buf) { /* larger than the buffer: straight through */
        sink_emit(o, p, n);
        return;
    }
    memcpy(o->buf, p, n);
    o->n = n;
}

static inline void put(struct outsink *o, const void *p, size_t n)
{
    if (o->n + n > sizeof o->buf) {
        put_slow(o, p, n);
        return;
    }
    if (n)
        memcpy(o->buf + o->n, p, n);
    o->n += n;
}

static inline void putc1(struct outsink *o, char c)
{
    if (o->n == sizeof o->buf)
        flush(o);
    o->buf[o->n++] = c;
}

struct outsink *outsink_open_mem(enum out_format fmt)
{
    struct outsink *o = calloc(1, sizeof *o);
    if (o) {
        o->fd = -1;
        o->be = SINK_MEM;
        o->fmt = fmt;
    }
    return o;
}

const void *outsink_take(struct outsink *o, size_t *len)
{
    flush(o);
    *len = o->memlen;
    o->memlen = 0;
    return o->mem;
}

void outsink_names(struct outsink *o, char *const *names, int n)
{
    o->names = (char **)names;
    o->nnames = n;
}

static void release(struct outsink *o);

/* A path ending in .zst: compress on the way out. Returns o, or NULL (o
 * closed, its temporary file removed, freed) on ENOMEM. */
static struct outsink *setup_zstd(struct outsink *o, const char *path, struct pcsv_error *err)
{
    size_t n = strlen(path);
    if (n <= 4 || strcmp(path + n - 4, ".zst") != 0)
        return o;
    o->zc = ZSTD_createCCtx();
    o->zcap = ZSTD_CStreamOutSize();
    o->zbuf = malloc(o->zcap);
    if (!o->zc || !o->zbuf) {
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        outsink_abort(o);
        return NULL;
    }
    o->be = SINK_ZSTD;
    ZSTD_CCtx_setParameter(o->zc, ZSTD_c_compressionLevel, zstd_level);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    /* best effort: a libzstd without threads refuses, and compresses alone */
    ZSTD_CCtx_setParameter(o->zc, ZSTD_c_nbWorkers, cpus > 1 ? (int)cpus : 0);
    return o;
}

struct outsink *outsink_open(const char *path, enum out_format fmt, struct pcsv_error *err)
{
    struct outsink *o = calloc(1, sizeof *o);
    if (!o) {
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    o->sig_slot = -1;
    o->fmt = fmt;
    if (!path || strcmp(path, "-") == 0) {
        o->fd = 1;
        return o;
    }
    o->path = strdup(path); /* as given: the name in messages */
    if (!o->path) {
        free(o);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    /* Only a regular file can be replaced atomically. Anything else that
     * exists (/dev/stdout, /dev/null, a FIFO, a terminal) is written in
     * place, as `>` would: renaming a temporary file over it would replace
     * the device or FIFO itself with a regular file. */
    struct stat st, lst;
    bool exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        bool dir = S_ISDIR(st.st_mode);
        o->fd = dir ? -1 : open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (o->fd < 0) {
            pcsv_error_set(err, PCSV_EIO, dir ? EISDIR : errno, path, 0, "cannot open output");
            release(o);
            return NULL;
        }
        return setup_zstd(o, path, err);
    }
    /* A symlink to a regular file: replace its target, not the link. */
    o->target = exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) ? realpath(path, NULL)
                                                                          : strdup(path);
    size_t n = o->target ? strlen(o->target) : 0;
    o->tmp = malloc(n + TMP_EXTRA);
    if (!o->target || !o->tmp) {
        release(o);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    /* dir/.name.pcsv-PID-RANDOM: beside the target, hidden, unique. The
     * signal handler gets the name *before* the file exists (O_EXCL makes
     * the file ours alone), so a signal at any instant after the create
     * removes it; with mkstemp a signal between the create and the hand-over
     * would leave the file behind. */
    const char *slash = strrchr(o->target, '/');
    int dl = slash ? (int)(slash - o->target) + 1 : 0;
    static unsigned seq;
    for (int tries = 0;; tries++) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(o->tmp, n + TMP_EXTRA, "%.*s.%s.pcsv-%ld-%08x", dl, o->target, o->target + dl,
                 (long)getpid(), (unsigned)ts.tv_nsec ^ (seq++ * 0x9e3779b9u));
        if (o->sig_slot >= 0)
            sig_tmp_set[o->sig_slot] = 0;
        o->sig_slot = -1;
        for (int i = 0; i < SIG_SLOTS && strlen(o->tmp) < sizeof sig_tmp[i]; i++) {
            if (sig_tmp_set[i])
                continue;
            memcpy(sig_tmp[i], o->tmp, strlen(o->tmp) + 1);
            atomic_signal_fence(memory_order_seq_cst); /* the name, then the flag */
            sig_tmp_set[i] = 1;
            o->sig_slot = i;
            break;
        }
        o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (o->fd >= 0)
            break;
        int e = errno;
        if (o->sig_slot >= 0)
            sig_tmp_set[o->sig_slot] = 0;
        o->sig_slot = -1;
        if (e != EEXIST || tries == 100) {
            pcsv_error_set(err, PCSV_EIO, e, path, 0, "cannot create output");
            free(o->tmp);
            o->tmp = NULL;
            release(o);
            return NULL;
        }
    }
    return setup_zstd(o, path, err);
}

void outsink_header(struct outsink *o, char *const *names, int n)
{
    o->names = (char **)names;
    o->nnames = n;
    if (o->fmt == OUT_JSONL || n == 0) /* no columns (empty input): no header line */
        return;
    for (int i = 0; i < n; i++)
        outsink_field(o, names[i], strlen(names[i]), OUT_STR);
    outsink_end_row(o);
}

/* RFC 8259's number grammar, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?:
 * only a text that already is a JSON number is written as one (02134, .5,
 * 5., +5, inf and nan are not, and stay strings: SPEC 2). */
static bool json_number(const unsigned char *p, size_t n)
{
    size_t i = 0, s;
    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0')
        i++;
    else if (i < n && p[i] >= '1' && p[i] <= '9')
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    else
        return false;
    if (i < n && p[i] == '.') {
        for (s = ++i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == s)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        if (++i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        for (s = i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == s)
            return false;
    }
    return i == n;
}

/* U+FFFD written for invalid UTF-8, over all sinks and threads (the run's
 * one warning, see outsink.h). */
static _Atomic unsigned long long utf8_replaced;

unsigned long long outsink_utf8_replaced(void)
{
    return atomic_load_explicit(&utf8_replaced, memory_order_relaxed);
}

/* The sequence at p[0, len) (p[0] >= 0x80): its length (2 to 4) when it is
 * well-formed UTF-8, else minus the length of its maximal invalid subpart
 * (a lead byte and the continuation bytes that fit it before the one that
 * does not: Unicode's "maximal subpart" practice, one U+FFFD each).
 * Overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF) and
 * code points above U+10FFFF (F4 90-, F5-FF) are invalid. */
static int utf8_seq(const unsigned char *p, size_t len)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    int need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1;
    }
    for (int k = 1; k <= need; k++) {
        if ((size_t)k >= len || p[k] < lo || p[k] > hi)
            return -k;
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

static void json_string(struct outsink *o, const unsigned char *p, size_t len)
{
    unsigned long long bad = 0;
    putc1(o, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            int k = utf8_seq(p + i, len - i);
            if (k > 0) {
                put(o, p + i, (size_t)k);
                i += (size_t)k;
            } else {
                put(o, "\xEF\xBF\xBD", 3);
                i += (size_t)-k;
                bad++;
            }
            continue;
        }
        i++;
        if (c == '"' || c == '\\') {
            putc1(o, '\\');
            putc1(o, (char)c);
        } else if (c < 0x20) {
            char e[8];
            const char *s = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
            if (!s) {
                snprintf(e, sizeof e, "\\u%04x", c);
                s = e;
            }
            put(o, s, strlen(s));
        } else {
            putc1(o, (char)c);
        }
    }
    putc1(o, '"');
    if (bad)
        atomic_fetch_add_explicit(&utf8_replaced, bad, memory_order_relaxed);
}

void outsink_field(struct outsink *o, const void *vp, size_t len, enum out_kind kind)
{
    const unsigned char *p = vp;
    switch (o->fmt) {
    case OUT_CSV:
        if (o->col++)
            putc1(o, ',');
        else
            o->first_empty = len == 0;
        if (kind == OUT_STR) {
            bool q = false;
            for (size_t i = 0; i < len && !q; i++)
                q = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
            if (q) {
                putc1(o, '"');
                for (size_t i = 0; i < len; i++) {
                    if (p[i] == '"')
                        putc1(o, '"');
                    putc1(o, (char)p[i]);
                }
                putc1(o, '"');
                return;
            }
        }
        put(o, p, len);
        return;
    case OUT_TSV:
        if (o->col++)
            putc1(o, '\t');
        else
            o->first_empty = len == 0;
        for (size_t i = 0; i < len; i++) {
            unsigned char c = p[i];
            const char *e = c == '\t' ? "\\t" : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\\' ? "\\\\" : NULL;
            if (e)
                put(o, e, 2);
            else
                putc1(o, (char)c);
        }
        return;
    case OUT_JSONL: {
        int c = o->col++;
        putc1(o, c ? ',' : '{');
        if (c < o->nnames)
            json_string(o, (const unsigned char *)o->names[c], strlen(o->names[c]));
        else
            json_string(o, (const unsigned char *)"?", 1);
        putc1(o, ':');
        if (kind == OUT_NULL)
            put(o, "null", 4);
        else if (kind == OUT_NUM && json_number(p, len))
            put(o, p, len);
        else if (kind == OUT_BOOL && ((len == 4 && memcmp(p, "true", 4) == 0) ||
                                      (len == 5 && memcmp(p, "false", 5) == 0)))
            put(o, p, len);
        else
            json_string(o, p, len);
        return;
    }
    }
}

void outsink_end_row(struct outsink *o)
{
    if (o->fmt == OUT_JSONL) {
        if (!o->col)
            putc1(o, '{');
        putc1(o, '}');
    } else if (o->col == 1 && o->first_empty) {
        /* a lone empty field (a null too) would be a blank line, which a
         * reader skips: the row would vanish (SPEC 2) */
        put(o, "\"\"", 2);
    }
    putc1(o, '\n');
    o->col = 0;
}

void outsink_raw(struct outsink *o, const void *p, size_t n) { put(o, p, n); }

int outsink_error(const struct outsink *o) { return o->werr; }

static void release(struct outsink *o)
{
    ZSTD_freeCCtx(o->zc);
    free(o->zbuf);
    if (o->be == SINK_MEM) {
        free(o->mem);
        free(o);
        return;
    }
    if (o->sig_slot >= 0)
        sig_tmp_set[o->sig_slot] = 0;
    free(o->path);
    free(o->target);
    free(o->tmp);
    free(o);
}

int outsink_prepare(struct outsink *o, struct pcsv_error *err)
{
    if (o->prepared)
        return 0;
    flush(o);
    if (o->be == SINK_ZSTD && !o->werr)
        zflush(o, "", 0, ZSTD_e_end); /* the frame's end */
    if (o->werr)
        return pcsv_error_set(err, PCSV_EIO, o->werr, o->path ? o->path : "standard output", 0,
                              "cannot write");
    if (o->path) {
        int rc = 0;
        /* EINVAL, EROFS: a device or FIFO written in place cannot sync */
        if (fsync(o->fd) < 0 && errno != EINVAL && errno != EROFS)
            rc = pcsv_error_set(err, PCSV_EIO, errno, o->path, 0, "cannot write");
        if (close(o->fd) < 0 && !rc)
            rc = pcsv_error_set(err, PCSV_EIO, errno, o->path, 0, "cannot write");
        o->fd = -1;
        if (rc)
            return rc;
    }
    o->prepared = true;
    return 0;
}

int outsink_commit(struct outsink *o, struct pcsv_error *err)
{
    int rc = outsink_prepare(o, err);
    if (!rc && o->path && o->tmp && rename(o->tmp, o->target) < 0)
        rc = pcsv_error_set(err, PCSV_EIO, errno, o->path, 0, "cannot replace");
    if (rc && o->path && o->tmp)
        unlink(o->tmp); /* the file is closed or its fd is closed below */
    if (!rc && o->path && o->tmp) {
        free(o->tmp); /* renamed: nothing left to remove */
        o->tmp = NULL;
    }
    outsink_abort(o);
    return rc;
}

void outsink_abort(struct outsink *o)
{
    if (!o)
        return;
    if (o->path) {
        if (o->fd >= 0)
            close(o->fd);
        if (o->tmp) /* also a prepared (closed) one that was never renamed */
            unlink(o->tmp);
    }
    release(o);
}

