/* test_mapfile.c - the SIGBUS guard of mapped files: a read of a mapping
 * past the end of a file that shrank gives zeros and sets mapfile_changed,
 * never a crash, however many files are or were open. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mapfile.h"

#define FSIZE (3 * 4096)

static void make_file(char *path)
{
    strcpy(path, "/tmp/pcsv-test-mapfile-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    char buf[FSIZE];
    memset(buf, 'x', sizeof buf);
    cr_assert_eq(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    close(fd);
}

/* Shrink m's file to nothing, then read its mapping's last page. */
static void shrink_and_touch(struct mapfile *m, const char *path)
{
    cr_assert_eq(truncate(path, 0), 0);
    volatile const uint8_t *d = m->data;
    cr_assert_eq(d[FSIZE - 1], 0, "the vanished page reads as zeros");
    cr_assert(mapfile_changed(m));
}

/* Many mappings open at once (the guard once held 64): the last one is
 * guarded too. */
Test(mapfile, guard_many_open_at_once)
{
    enum { N = 150 };
    static char paths[N][64];
    static struct mapfile m[N];
    struct pcsv_error err = {0};
    for (int i = 0; i < N; i++) {
        make_file(paths[i]);
        cr_assert_eq(mapfile_open(&m[i], paths[i], &err), 0, "%s", err.msg);
    }
    shrink_and_touch(&m[N - 1], paths[N - 1]);
    for (int i = 0; i < N; i++) {
        mapfile_close(&m[i]);
        unlink(paths[i]);
    }
}

/* Closing a mapping frees its guard entry for the next one: after many
 * files opened and closed one at a time, a new one is guarded. Each closed
 * mapping's addresses stay taken (an inaccessible placeholder), so the new
 * mapping cannot land where a stale entry would cover it by chance. */
Test(mapfile, guard_reused_after_close)
{
    enum { N = 300 };
    static void *hold[N];
    struct pcsv_error err = {0};
    char path[64];
    struct mapfile m;
    for (int i = 0; i < N; i++) {
        make_file(path);
        cr_assert_eq(mapfile_open(&m, path, &err), 0, "%s", err.msg);
        void *at = (void *)m.data;
        mapfile_close(&m);
        unlink(path);
        hold[i] = mmap(at, FSIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
                       0);
        cr_assert(hold[i] == at);
    }
    make_file(path);
    cr_assert_eq(mapfile_open(&m, path, &err), 0, "%s", err.msg);
    shrink_and_touch(&m, path);
    mapfile_close(&m);
    unlink(path);
    for (int i = 0; i < N; i++)
        munmap(hold[i], FSIZE);
}
