/* fuzz_spillrun.c - libFuzzer harness: io/spillfile's block decoder
 * (spillblock_decode) on arbitrary bytes, as a spill run read back.
 *
 * Input: byte 0 is the mode, the rest the run.
 *   - mode bit 1 clear: the rest is decoded as it is, block after block.
 *     With mode bit 0 the harness first rewrites each header's XXH32 (it
 *     walks the blocks by their compressed lengths), so that mutated
 *     lengths and payloads get past the header check and reach the length
 *     checks and zstd.
 *   - mode bit 1 set: the rest is data. Byte 1 picks a block size
 *     (1 + 16 * byte 1); the harness encodes the data in blocks of that
 *     size with spillblock_encode and decodes them; with mode bit 2 it
 *     first flips byte (7 * byte 2) of the encoded run (bit 3 of the mode:
 *     then it also cuts the run to half).
 *
 * What must hold (abort otherwise; crashes, reads outside the input and
 * leaks are the sanitizers' and libFuzzer's business):
 *   - each call returns 1 (a block: *used within what is left, at least a
 *     header, *len at most 1 GiB), 0 only at the end of the input, or
 *     -PCSV_EDATA / -PCSV_ENOMEM with err.code the status and a message
 *     starting "spill run: " (or "out of memory");
 *   - encoded data decodes back to exactly the data; damaged, it decodes
 *     to the data block by block as far as it goes, then fails.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "../../io/spillfile.h"

#include "fuzz_check.h"

/* Rewrite the XXH32 of each header in p[0..n) as the lengths walk. */
static void fix_headers(uint8_t *p, size_t n)
{
    size_t off = 0;
    while (n - off >= SPILLBLOCK_HEADER) {
        uint32_t h = XXH32(p + off, 20, 0), comp;
        for (int i = 0; i < 4; i++)
            p[off + 20 + i] = (uint8_t)(h >> 8 * i);
        comp = (uint32_t)p[off + 8] | (uint32_t)p[off + 9] << 8 | (uint32_t)p[off + 10] << 16 |
               (uint32_t)p[off + 11] << 24;
        if (comp > n - off - SPILLBLOCK_HEADER)
            break;
        off += SPILLBLOCK_HEADER + comp;
    }
}

/* Decode the run p[0..n). *ok: blocks that decoded; want (NULL: anything)
 * the data they must give, blk bytes a block. 1 when the run decoded to
 * its end, 0 when it failed. */
static int decode_all(const uint8_t *p, size_t n, const uint8_t *want, size_t wlen, size_t blk)
{
    uint8_t *buf = NULL;
    size_t cap = 0, off = 0, k = 0;
    int rc;
    for (;; k++) {
        size_t used = 0, len = 0;
        struct pcsv_error err;
        memset(&err, 0, sizeof err);
        rc = spillblock_decode(p + off, n - off, off, &used, &buf, &cap, &len, &err);
        if (rc == 0) {
            CHECK(off == n, "0 with %zu bytes left", n - off);
            rc = 1;
            break;
        }
        if (rc < 0) {
            CHECK(rc == -PCSV_EDATA || rc == -PCSV_ENOMEM, "rc %d", rc);
            CHECK((int)err.code == -rc, "err.code %d, rc %d", err.code, rc);
            CHECK(strncmp(err.msg, rc == -PCSV_EDATA ? "spill run: " : "out of memory", 11) == 0,
                  "message '%s'", err.msg);
            CHECK(err.offset >= off && err.offset <= n, "offset %llu outside [%zu, %zu]",
                  (unsigned long long)err.offset, off, n);
            rc = 0;
            break;
        }
        CHECK(rc == 1, "rc %d", rc);
        CHECK(used >= SPILLBLOCK_HEADER && used <= n - off, "used %zu of %zu", used, n - off);
        CHECK(len <= SPILLFILE_MAX_BLOCK, "len %zu", len);
        if (want) {
            size_t a = k * blk, b = a + blk < wlen ? a + blk : wlen;
            CHECK(a < wlen || (wlen == 0 && k == 0), "block %zu beyond the data", k);
            CHECK(len == b - a && (!len || memcmp(buf, want + a, len) == 0),
                  "block %zu: %zu bytes, not the data's %zu", k, len, b - a);
        }
        off += used;
    }
    free(buf);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t mode = data[0];
    if (!(mode & 2)) {
        uint8_t *p = malloc(size - 1 ? size - 1 : 1); /* a copy of exactly the input */
        memcpy(p, data + 1, size - 1);
        if (mode & 1)
            fix_headers(p, size - 1);
        decode_all(p, size - 1, NULL, 0, 0);
        free(p);
        return 0;
    }
    if (size < 3)
        return 0;
    size_t blk = 1 + 16 * (size_t)data[1], at = 7 * (size_t)data[2];
    const uint8_t *d = data + 3;
    size_t n = size - 3, blocks = n ? (n + blk - 1) / blk : 1;
    size_t room = blocks * spillblock_bound(blk), len = 0;
    uint8_t *run = malloc(room);
    for (size_t k = 0; k < blocks; k++) {
        size_t a = k * blk, m = a + blk < n ? blk : n - a;
        size_t r = spillblock_encode(run + len, room - len, d + a, m);
        CHECK(r > SPILLBLOCK_HEADER, "encode of %zu bytes: %zu", m, r);
        len += r;
    }
    bool damaged = mode & 4;
    if (damaged) {
        run[at % len] ^= 0x20;
        if (mode & 8)
            len /= 2;
    }
    int whole = decode_all(run, len, d, n, blk);
    CHECK(whole || damaged, "an undamaged run failed");
    free(run);
    return 0;
}
