/* test_gzdecode.c - the gzip decoder on its own: members of any size cut
 * anywhere, truncation at every byte, a flipped byte anywhere, padding and
 * trailing bytes, and through io/instream on a file.
 *
 * The gzip data is made here with ISA-L's own compressor (isal_deflate,
 * gzip header and trailer), one member per piece of the text.
 */
#include <criterion/criterion.h>

#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gzdecode.h"
#include "instream.h"
#include "testrng.h"

/* CSV-like text of n bytes (compressible, not trivially). */
static uint8_t *text_of(size_t n, uint64_t seed)
{
    uint8_t *p = malloc(n ? n : 1);
    cr_assert_not_null(p);
    for (size_t i = 0; i < n; i++) {
        uint64_t r = rng_next(&seed);
        p[i] = r % 12 == 0 ? '\n' : r % 7 == 0 ? ',' : (uint8_t)('a' + r % 6);
    }
    return p;
}

/* text[0, n) as one gzip member appended to z[*zn, cap). */
static void add_member(uint8_t *z, size_t cap, size_t *zn, const uint8_t *text, size_t n)
{
    struct isal_zstream s;
    isal_deflate_init(&s);
    s.gzip_flag = IGZIP_GZIP;
    s.end_of_stream = 1;
    s.flush = NO_FLUSH;
    s.next_in = (uint8_t *)text;
    s.avail_in = (uint32_t)n;
    s.next_out = z + *zn;
    s.avail_out = (uint32_t)(cap - *zn);
    cr_assert_eq(isal_deflate(&s), COMP_OK);
    cr_assert_eq(s.internal_state.state, ZSTATE_END, "output too small");
    *zn += s.total_out;
}

/* The text cut into members at cut[0..nm], as one gzip stream. */
static uint8_t *gzip_of(const uint8_t *text, const size_t *cut, int nm, size_t *zn, size_t *ends)
{
    size_t cap = cut[nm] * 2 + 1024 * (size_t)nm;
    uint8_t *z = malloc(cap);
    cr_assert_not_null(z);
    *zn = 0;
    for (int i = 0; i < nm; i++) {
        add_member(z, cap, zn, text + cut[i], cut[i + 1] - cut[i]);
        if (ends)
            ends[i] = *zn;
    }
    return z;
}

/* Decode z[0, zn) given in pieces: the input cut at incut (one cut; zn for
 * none) and then every inpiece bytes, the output at most outpiece bytes a
 * call. 0 and *out, or -1 and msg. */
static int decode(const uint8_t *z, size_t zn, size_t incut, size_t inpiece, size_t outpiece,
                  uint8_t **out, size_t *outlen, char *msg, size_t msgcap)
{
    struct gzdecode *g = gzdecode_create();
    cr_assert_not_null(g);
    size_t cap = 1 << 16, len = 0, at = 0;
    uint8_t *o = malloc(cap);
    int rc = 0;
    while (at < zn && !rc) {
        size_t end = at < incut && incut < zn ? incut : zn;
        if (end - at > inpiece)
            end = at + inpiece;
        size_t pos = 0;
        while (!rc) {
            while (cap - len < outpiece) {
                o = realloc(o, cap *= 2);
                cr_assert_not_null(o);
            }
            size_t before = len;
            rc = gzdecode_run(g, z + at, end - at, &pos, o, len + outpiece, &len);
            cr_assert(len <= before + outpiece);
            if (pos == end - at && len - before < outpiece)
                break; /* the piece is used up and the decoder holds nothing */
        }
        at = end;
    }
    /* what the decoder may still hold after the last piece */
    while (!rc) {
        size_t pos = 0, before = len;
        while (cap - len < outpiece) {
            o = realloc(o, cap *= 2);
            cr_assert_not_null(o);
        }
        rc = gzdecode_run(g, z, 0, &pos, o, len + outpiece, &len);
        if (len == before)
            break;
    }
    if (!rc)
        rc = gzdecode_end(g);
    if (rc)
        snprintf(msg, msgcap, "%s", gzdecode_error(g));
    gzdecode_destroy(g);
    *out = o;
    *outlen = len;
    return rc;
}

Test(gzdecode, members_cut_at_every_byte)
{
    /* three members (one empty), the stream split in two at every byte, so
     * that a member boundary, a header and a trailer fall on every edge;
     * outputs of 1 byte a call, a few, and many */
    size_t n = 3000;
    uint8_t *text = text_of(n, 7);
    size_t cut[] = {0, 1200, 1200, n};
    size_t zn, ends[3];
    uint8_t *z = gzip_of(text, cut, 3, &zn, ends);
    static const size_t outs[] = {1, 7, 1 << 20};
    for (size_t c = 0; c <= zn; c++) {
        for (size_t k = 0; k < 3; k++) {
            if (k != 2 && c % 13)
                continue; /* tiny outputs at every 13th cut: the run stays short */
            uint8_t *o;
            size_t ol;
            char msg[256];
            int rc = decode(z, zn, c, zn, outs[k], &o, &ol, msg, sizeof msg);
            cr_assert_eq(rc, 0, "cut %zu out %zu: %s", c, outs[k], msg);
            cr_assert_eq(ol, n, "cut %zu out %zu", c, outs[k]);
            cr_assert(memcmp(o, text, n) == 0, "cut %zu out %zu", c, outs[k]);
            free(o);
        }
    }
    /* one byte at a time, in and out */
    uint8_t *o;
    size_t ol;
    char msg[256];
    cr_assert_eq(decode(z, zn, zn, 1, 1, &o, &ol, msg, sizeof msg), 0, "%s", msg);
    cr_assert(ol == n && memcmp(o, text, n) == 0);
    free(o);
    free(z);
    free(text);
}

Test(gzdecode, big_members_any_pieces)
{
    size_t n = (size_t)3 << 20;
    uint8_t *text = text_of(n, 11);
    size_t cut[] = {0, 1 << 20, (1 << 20) + 5, n};
    size_t zn;
    uint8_t *z = gzip_of(text, cut, 3, &zn, NULL);
    static const size_t ins[] = {4093, 65536, (size_t)1 << 30};
    static const size_t outs[] = {1000, 65536, (size_t)16 << 20};
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 3; k++) {
            uint8_t *o;
            size_t ol;
            char msg[256];
            cr_assert_eq(decode(z, zn, zn, ins[i], outs[k], &o, &ol, msg, sizeof msg), 0, "%s",
                         msg);
            cr_assert(ol == n && memcmp(o, text, n) == 0, "in %zu out %zu", ins[i], outs[k]);
            free(o);
        }
    }
    free(z);
    free(text);
}

Test(gzdecode, truncated_at_every_byte)
{
    size_t n = 800;
    uint8_t *text = text_of(n, 3);
    size_t cut[] = {0, 500, n};
    size_t zn, ends[2];
    uint8_t *z = gzip_of(text, cut, 2, &zn, ends);
    for (size_t c = 1; c < zn; c++) {
        uint8_t *o;
        size_t ol;
        char msg[256];
        int rc = decode(z, c, c / 2, c, 64, &o, &ol, msg, sizeof msg);
        if (c == ends[0]) { /* a whole first member: a stream of its own */
            cr_assert_eq(rc, 0, "%s", msg);
            cr_assert(ol == 500 && memcmp(o, text, 500) == 0);
        } else {
            char want[128];
            snprintf(want, sizeof want,
                     "truncated gzip stream: it ends inside a member, at compressed byte %zu", c);
            cr_assert_eq(rc, -1, "cut %zu decoded", c);
            cr_assert_str_eq(msg, want);
        }
        free(o);
    }
    free(z);
    free(text);
}

Test(gzdecode, flipped_byte_is_an_error)
{
    size_t n = 2000;
    uint8_t *text = text_of(n, 5);
    size_t cut[] = {0, n};
    size_t zn;
    uint8_t *z = gzip_of(text, cut, 1, &zn, NULL);
    /* FTEXT and bytes 4-9 (MTIME, XFL, OS) are not checked: from the flags on, a
     * flipped bit anywhere is an error (the CRC-32 catches what the
     * inflater does not) */
    for (size_t i = 3; i < zn; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            if ((i >= 4 && i < 10) || (i == 3 && bit == 0)) /* or FTEXT */
                continue;
            z[i] ^= (uint8_t)(1 << bit);
            uint8_t *o;
            size_t ol;
            char msg[256];
            int rc = decode(z, zn, i, 977, 4096, &o, &ol, msg, sizeof msg);
            cr_assert_eq(rc, -1, "byte %zu bit %d: no error", i, bit);
            cr_assert(strstr(msg, "gzip"), "%s", msg);
            free(o);
            z[i] ^= (uint8_t)(1 << bit);
        }
    }
    free(z);
    free(text);
}

Test(gzdecode, padding_and_trailing_garbage)
{
    size_t n = 100;
    uint8_t *text = text_of(n, 9);
    size_t cut[] = {0, n};
    size_t zn;
    uint8_t *z = gzip_of(text, cut, 1, &zn, NULL);
    uint8_t *p = calloc(zn + 600, 1);
    memcpy(p, z, zn);
    uint8_t *o;
    size_t ol;
    char msg[256];
    cr_assert_eq(decode(p, zn + 512, zn + 3, 100, 4096, &o, &ol, msg, sizeof msg), 0, "%s", msg);
    cr_assert_eq(ol, n);
    free(o);
    p[zn + 300] = 'x';
    cr_assert_eq(decode(p, zn + 512, zn + 3, 100, 4096, &o, &ol, msg, sizeof msg), -1);
    char want[160];
    snprintf(want, sizeof want,
             "trailing garbage after the gzip data at compressed byte %zu (only zero bytes may "
             "follow the last member)",
             zn + 300);
    cr_assert_str_eq(msg, want);
    free(o);
    p[zn] = '\n'; /* right after the member */
    cr_assert_eq(decode(p, zn + 1, zn, 100, 4096, &o, &ol, msg, sizeof msg), -1);
    snprintf(want, sizeof want,
             "trailing garbage after the gzip data at compressed byte %zu (only zero bytes may "
             "follow the last member)",
             zn);
    cr_assert_str_eq(msg, want);
    free(o);
    free(p);
    free(z);
    free(text);
}

Test(gzdecode, through_instream)
{
    /* a gzip file read by io/instream: its magic, the decoded bytes in any
     * read size, the compressed offset at the end */
    size_t n = 200000;
    uint8_t *text = text_of(n, 13);
    size_t cut[] = {0, 70000, n};
    size_t zn;
    uint8_t *z = gzip_of(text, cut, 2, &zn, NULL);
    char path[64];
    snprintf(path, sizeof path, "/tmp/pcsv-test-gzdecode-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, z, zn), (ssize_t)zn);
    close(fd);
    static const size_t caps[] = {1, 4096, 1 << 20};
    for (int k = 0; k < 3; k++) {
        struct pcsv_error err = {0};
        struct instream *s = instream_open(path, "in.gz", &err);
        cr_assert_not_null(s);
        cr_assert(instream_is_gzip(s));
        cr_assert(!instream_is_zstd(s));
        uint8_t *o = malloc(n + (1 << 20));
        size_t len = 0;
        ssize_t r;
        while ((r = instream_read(s, o + len, caps[k], &err)) > 0)
            len += (size_t)r;
        cr_assert_eq(r, 0, "%s", err.msg);
        cr_assert(len == n && memcmp(o, text, n) == 0);
        cr_assert_eq(instream_raw_offset(s), zn);
        instream_close(s);
        free(o);
    }
    unlink(path);
    free(z);
    free(text);
}
