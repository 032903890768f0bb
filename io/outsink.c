/* outsink.c - buffered, atomic output to stdout, a file, zstd or memory
 * (see outsink.h). */
#include "outsink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
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

#include "outbuf.h"
#include "outtable.h"

/* room for "." and ".pcsv-PID-RANDOM" around the target's name */
#define TMP_EXTRA 48

/* Where the bytes go. Chosen once, when the sink is opened, and looked at
 * in one place only (sink_emit). */
enum sink_backend {
    SINK_FD,   /* stdout, or -o FILE (its temporary file, or a device) */
    SINK_ZSTD, /* -o FILE.zst: compressed, then written to fd */
    SINK_MEM,  /* a worker's memory sink (fd unused) */
};

struct outsink {
    struct outbuf b; /* first: outbuf_of(o) is a cast */
    enum sink_backend be;
    int fd;
    ZSTD_CCtx *zc; /* SINK_ZSTD: compress on the way out */
    char *zbuf;
    size_t zcap;
    char *mem;
    size_t memlen, memcap;
    int werr;               /* first write errno */
    char *path;             /* -o as given (messages), or NULL for stdout */
    char *target;           /* the regular file replaced at commit (a symlink resolved) */
    char *tmp;              /* the temporary file beside target; NULL when writing in place */
    int sig_slot;           /* index in sig_tmp, or -1 */
    bool prepared;          /* outsink_prepare done: the file is complete and closed */
    struct outtable *table; /* --format table (not a memory sink): aligns on the way out */
};
_Static_assert(offsetof(struct outsink, b) == 0, "outbuf_of casts a sink to its buffer");

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

static int thread_budget = 1;
void outsink_threads(int n) { thread_budget = n > 1 ? n : 1; }

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
static void backend_emit(struct outsink *o, const char *p, size_t n);

static void sink_emit(struct outsink *o, const char *p, size_t n)
{
    if (!n || o->werr)
        return;
    if (o->table) { /* rows of the table stream in; aligned text out (backend_emit) */
        if (outtable_feed(o->table, p, n) < 0 && !o->werr)
            o->werr = ENOMEM;
        return;
    }
    backend_emit(o, p, n);
}

static void table_out(void *ctx, const char *p, size_t n) { backend_emit(ctx, p, n); }

static void backend_emit(struct outsink *o, const char *p, size_t n)
{
    if (!n || o->werr)
        return;
    switch (o->be) {
    case SINK_FD: write_all(o, p, n); return;
    case SINK_ZSTD: zflush(o, p, n, ZSTD_e_continue); return;
    case SINK_MEM: mem_append(o, p, n); return;
    }
}

/* The sink whose front b is (outbuf.h: b is its first member). */
static struct outsink *sink_of(struct outbuf *b) { return (struct outsink *)(void *)b; }

void outbuf_flush(struct outbuf *b)
{
    sink_emit(sink_of(b), b->buf, b->n);
    b->n = 0;
}

void outsink_flush(struct outsink *o) { outbuf_flush(&o->b); }

/* outbuf_put's slow path: p[0, n) does not fit behind what is buffered. */
void outbuf_spill(struct outbuf *b, const void *p, size_t n)
{
    outbuf_flush(b);
    if (n > sizeof b->buf) { /* larger than the buffer: straight through */
        sink_emit(sink_of(b), p, n);
        return;
    }
    memcpy(b->buf, p, n);
    b->n = n;
}

/* A zeroed sink, aligned as its buffer asks (outbuf.h), or NULL. */
static struct outsink *sink_alloc(void)
{
    struct outsink *o = aligned_alloc(_Alignof(struct outsink), sizeof *o);
    if (o)
        memset(o, 0, sizeof *o);
    return o;
}

struct outsink *outsink_open_mem(enum out_format fmt)
{
    struct outsink *o = sink_alloc();
    if (o) {
        o->fd = -1;
        o->be = SINK_MEM;
        o->b.fmt = fmt;
    }
    return o;
}

const void *outsink_take(struct outsink *o, size_t *len)
{
    if (o->be == SINK_MEM && !o->memlen && !o->werr && !o->table) {
        /* all of it still in the front buffer (a row, a small chunk's
         * rows): handed over from there, without the copy to mem */
        *len = o->b.n;
        o->b.n = 0;
        return o->b.buf;
    }
    outbuf_flush(&o->b);
    *len = o->memlen;
    o->memlen = 0;
    return o->mem;
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
    /* nbWorkers 0 compresses on the writing thread; n > 0 adds n workers
     * (the writer then only hands them input). Best effort: a libzstd
     * without threads refuses, and compresses alone. */
    ZSTD_CCtx_setParameter(o->zc, ZSTD_c_nbWorkers, thread_budget > 1 ? thread_budget : 0);
    return o;
}

struct outsink *outsink_open(const char *path, enum out_format fmt, struct pcsv_error *err)
{
    struct outsink *o = sink_alloc();
    if (!o) {
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    o->sig_slot = -1;
    o->b.fmt = fmt;
    if (fmt == OUT_TABLE && !(o->table = outtable_create(table_out, o))) {
        free(o);
        pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, NULL, 0, "out of memory");
        return NULL;
    }
    if (!path || strcmp(path, "-") == 0) {
        o->fd = 1;
        return o;
    }
    o->path = strdup(path); /* as given: the name in messages */
    if (!o->path) {
        outtable_destroy(o->table);
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

void outsink_raw(struct outsink *o, const void *p, size_t n) { outbuf_put(&o->b, p, n); }

int outsink_error(const struct outsink *o) { return o->werr; }

static void release(struct outsink *o)
{
    ZSTD_freeCCtx(o->zc);
    free(o->zbuf);
    outtable_destroy(o->table);
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
    outbuf_flush(&o->b);
    if (o->table && !o->werr && outtable_finish(o->table) < 0 && !o->werr)
        o->werr = ENOMEM;
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
