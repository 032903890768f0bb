/* fuzz_instream.h - what fuzz_zstd and fuzz_gzip share: read a byte string
 * through io/instream as the CLI would (from a pipe or a regular file, in
 * reads of a chosen size), and the checks of that read against the input
 * (plain) or against a reference decoder's output (compressed).
 * Include after fuzz_check.h, with LIMIT defined (and _GNU_SOURCE: memfd). */
#ifndef PCSV_FUZZ_INSTREAM_H
#define PCSV_FUZZ_INSTREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../io/instream.h"

struct fuzz_read {
    uint8_t *got; /* what the reads gave (free it) */
    size_t len;
    bool ended;   /* a read returned 0 before LIMIT bytes */
    bool failed;  /* a read returned -1 (err says why) */
    bool gzip, zstd;
    uint64_t raw; /* instream_raw_offset at the end */
    struct pcsv_error err;
};

/* What byte 0 of fuzz_zstd's and fuzz_gzip's input says: bit 0 read through
 * a pipe, bits 1-3 the read size (1 to 1M), bit 4 the harness compresses
 * the rest itself. The rest of the input starts at data + 1. */
struct fuzz_plan {
    bool use_pipe, make;
    size_t cap;
};
static struct fuzz_plan fuzz_plan_of(uint8_t b)
{
    static const size_t caps[8] = {1, 3, 7, 64, 1000, 4096, 65536, 1 << 20};
    return (struct fuzz_plan){.use_pipe = b & 1, .make = b & 16, .cap = caps[b >> 1 & 7]};
}

/* Read d[0..n) through instream in reads of cap bytes: through a pipe when
 * use_pipe (and it fits one), else from a memfd (a regular file). */
static void fuzz_read_through(const uint8_t *d, size_t n, bool use_pipe, size_t cap,
                              const char *shown, struct fuzz_read *fr)
{
    static int memfd = -1;
    char path[64];
    int pfd[2] = {-1, -1};
    if (use_pipe && n < 60000 && pipe(pfd) == 0) {
        size_t off = 0;
        while (off < n) {
            ssize_t w = write(pfd[1], d + off, n - off);
            if (w <= 0)
                abort();
            off += (size_t)w;
        }
        close(pfd[1]);
        snprintf(path, sizeof path, "/proc/self/fd/%d", pfd[0]);
    } else {
        if (memfd < 0)
            memfd = memfd_create("fuzz_instream", MFD_CLOEXEC);
        if (memfd < 0 || ftruncate(memfd, 0) < 0 || ftruncate(memfd, (off_t)n) < 0 ||
            pwrite(memfd, d, n, 0) != (ssize_t)n)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    }

    memset(fr, 0, sizeof *fr);
    struct instream *s = instream_open(path, shown, &fr->err);
    CHECK(s, "open: %s", fr->err.msg);
    fr->gzip = instream_is_gzip(s);
    fr->zstd = instream_is_zstd(s);
    size_t gotcap = 4096;
    fr->got = malloc(gotcap);
    ssize_t r = 0;
    while (fr->len < LIMIT) {
        if (fr->len + cap > gotcap) {
            while (fr->len + cap > gotcap)
                gotcap *= 2;
            fr->got = realloc(fr->got, gotcap);
        }
        r = instream_read(s, fr->got + fr->len, cap, &fr->err);
        if (r <= 0)
            break;
        CHECK((size_t)r <= cap, "read %zd bytes into %zu", r, cap);
        fr->len += (size_t)r;
    }
    if (r < 0)
        CHECK(fr->err.code == PCSV_EIO && fr->err.msg[0], "error code %d, message '%s'",
              fr->err.code, fr->err.msg);
    fr->ended = r == 0 && fr->len < LIMIT;
    fr->failed = r < 0;
    fr->raw = instream_raw_offset(s);
    instream_close(s);
    if (pfd[0] >= 0)
        close(pfd[0]);
}

/* Input that is not compressed comes back byte for byte. */
static void fuzz_check_plain(const struct fuzz_read *fr, const uint8_t *d, size_t n)
{
    CHECK(!fr->failed, "plain input failed: %s", fr->err.msg);
    CHECK(fr->len == n && (!n || memcmp(fr->got, d, n) == 0), "plain input: %zu bytes of %zu",
          fr->len, n);
    CHECK(fr->raw == n, "raw offset %llu of %zu", (unsigned long long)fr->raw, n);
}

/* Compressed input against the reference decoder `who`, whose verdict ref
 * is 0 (decoded completely into want), 1 (must be an error), or anything
 * else (undecided: only the agreement of the bytes is checked). */
static void fuzz_check_decoded(const struct fuzz_read *fr, int ref, const uint8_t *want,
                               size_t wlen, const char *who)
{
    size_t common = fr->len < wlen ? fr->len : wlen;
    CHECK(!common || memcmp(fr->got, want, common) == 0, "decoded bytes differ from %s's", who);
    if (ref == 0) {
        CHECK(!fr->failed, "%s decodes it, instream fails: %s", who, fr->err.msg);
        if (fr->ended)
            CHECK(fr->len == wlen, "%zu bytes, %s %zu", fr->len, who, wlen);
    } else if (ref == 1) {
        CHECK(!fr->ended, "%s fails, instream ends quietly after %zu bytes (%s %zu)", who,
              fr->len, who, wlen);
    }
}

#endif
