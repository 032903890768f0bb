/* mapfile.c - read-only files: a mapping, copies out of it, page release. */
#include "mapfile.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The SIGBUS guard: every mapping open at the moment, in a list the
 * handler walks. Nodes are never freed (a handler may be reading one): a
 * closed mapping's node is emptied (data NULL) and reused by the next open,
 * so the list is as long as the most mappings ever open at once, with no
 * limit. Registration and removal are serialised by a mutex (never taken
 * in the handler); the handler reads the nodes through lock-free atomics.
 * A node is published with its size before its data, and emptied (data
 * NULL) before its mapping goes away. */
struct guard_node {
    _Atomic(const uint8_t *) data; /* NULL: free */
    _Atomic size_t size;
    struct guard_node *next; /* set before the node is published, then fixed */
};
static struct guard_node *_Atomic guard_head;
static pthread_mutex_t guard_mu = PTHREAD_MUTEX_INITIALIZER;
/* Set by the handler, which may run in several workers at once (each
 * touching a vanished page): a lock-free atomic, async-signal-safe, where a
 * plain sig_atomic_t would be a data race between threads (TSan saw it). */
static atomic_int bus_error; /* also set by mapfile_read at an early end */

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    const uint8_t *a = si->si_addr;
    for (struct guard_node *g = atomic_load(&guard_head); g; g = g->next) {
        const uint8_t *d = atomic_load(&g->data);
        if (d && a >= d && a < d + atomic_load(&g->size)) {
            /* a page of zeros where the file was: the access then succeeds
             * and the run reports the change when it ends */
            uintptr_t page = (uintptr_t)a & ~(uintptr_t)4095;
            if (mmap((void *)page, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
                     0) != MAP_FAILED) {
                atomic_store_explicit(&bus_error, 1, memory_order_relaxed);
                return;
            }
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

/* 0, or -1 when no node could be allocated. */
static int guard(const uint8_t *data, size_t size)
{
    static bool installed;
    pthread_mutex_lock(&guard_mu);
    if (!installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, NULL);
        installed = true;
    }
    struct guard_node *g = atomic_load(&guard_head);
    while (g && atomic_load(&g->data))
        g = g->next;
    if (!g) {
        if (!(g = calloc(1, sizeof *g))) {
            pthread_mutex_unlock(&guard_mu);
            return -1;
        }
        g->next = atomic_load(&guard_head);
        atomic_store(&guard_head, g);
    }
    atomic_store(&g->size, size);
    atomic_store(&g->data, data);
    pthread_mutex_unlock(&guard_mu);
    return 0;
}

static void unguard(const uint8_t *data)
{
    pthread_mutex_lock(&guard_mu);
    for (struct guard_node *g = atomic_load(&guard_head); g; g = g->next) {
        if (atomic_load(&g->data) == data) {
            atomic_store(&g->data, NULL);
            atomic_store(&g->size, 0);
            break;
        }
    }
    pthread_mutex_unlock(&guard_mu);
}

bool mapfile_changed(const struct mapfile *m)
{
    if (m->fd < 0)
        return false;
    struct stat st;
    /* relaxed: read after the workers are joined, which orders it */
    return atomic_load_explicit(&bus_error, memory_order_relaxed) ||
           (fstat(m->fd, &st) == 0 && (size_t)st.st_size != m->size);
}

int mapfile_open(struct mapfile *m, const char *path, struct pcsv_error *err)
{
    m->fd = -1;
    m->data = NULL;
    m->size = 0;
    m->path = path;
    m->page = (size_t)sysconf(_SC_PAGESIZE);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pcsv_error_set(err, PCSV_EIO, errno, path, 0, "%s", "");
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return pcsv_error_set(err, PCSV_EIO, e, path, 0, "%s", "");
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return pcsv_error_set(err, PCSV_EIO, EISDIR, path, 0, "%s", "");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pcsv_error_set(err, PCSV_EIO, 0, path, 0,
                              "not a regular file (streams come in a later version)");
    }
    m->fd = fd;
    m->size = (size_t)st.st_size;
    if (m->size) {
        void *p = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            m->fd = -1;
            return pcsv_error_set(err, PCSV_EIO, e, path, 0, "cannot map");
        }
        if (guard(p, m->size)) {
            munmap(p, m->size);
            close(fd);
            m->fd = -1;
            m->size = 0;
            return pcsv_error_set(err, PCSV_ENOMEM, ENOMEM, path, 0, "%s", "");
        }
        m->data = p;
        madvise(p, m->size, MADV_SEQUENTIAL);
    }
    return 0;
}

void mapfile_close(struct mapfile *m)
{
    if (m->data) {
        if (m->fd >= 0)
            unguard(m->data); /* before the address can be mapped again */
        munmap((void *)m->data, m->size);
    }
    if (m->fd >= 0)
        close(m->fd);
    m->data = NULL;
    m->fd = -1;
}

int mapfile_read(const struct mapfile *m, size_t off, void *buf, size_t len)
{
    if (m->fd < 0) {
        memcpy(buf, m->data + off, len);
        return 0;
    }
    uint8_t *b = buf;
    while (len) {
        ssize_t n = pread(m->fd, b, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0) { /* the end came early: the file shrank */
                atomic_store_explicit(&bus_error, 1, memory_order_relaxed);
                errno = 0;
            }
            return -1;
        }
        b += n;
        off += (size_t)n;
        len -= (size_t)n;
    }
    return 0;
}

void mapfile_release(const struct mapfile *m, size_t off, size_t len)
{
    if (!m->data || m->fd < 0 || off >= m->size)
        return;
    if (len > m->size - off) /* never past the mapping: what lies beyond is
                                someone else's memory, and DONTNEED zeroes it */
        len = m->size - off;
    size_t ps = m->page;
    size_t a = (off + ps - 1) & ~(ps - 1);
    size_t b = (off + len) & ~(ps - 1);
    if (b > a)
        madvise((void *)(m->data + a), b - a, MADV_DONTNEED);
}
