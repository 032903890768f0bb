/* fuzz_zstd.c - libFuzzer harness: io/instream on arbitrary bytes (plain,
 * zstd frames, skippable frames, several frames, truncated, corrupt).
 *
 * Input: byte 0: bit 0 read through a pipe (streaming decoder) instead of a
 * regular file (which, when it is made of several whole frames, takes the
 * parallel frame decoder); bits 1-3 pick the read size (1 to 1M); bit 4
 * "make frames": the harness compresses the rest itself. Without bit 4 the
 * rest is the file. With it, bytes 1-3 say how: byte 1 bits 0-1 frames - 1,
 * bit 2 a skippable frame before each (as pzstd writes), bit 3 flip byte
 * 2 * byte 2 of the file, bit 4 cut the file to 1 + 7 * byte 3 bytes, bit 5
 * no content size in the headers, bit 6 a checksum; the data
 * (split evenly between the frames) is the rest.
 *
 * What must hold (abort otherwise; crashes, hangs and leaks are the
 * sanitizers' and libFuzzer's business):
 *   - the reads end in 0 (the end) or -1 with a PCSV_EIO error and a
 *     message; the harness stops on its own after LIMIT bytes of output;
 *   - plain input comes back byte for byte (gzip input is fuzz_gzip's);
 *   - zstd input: when libzstd's own streaming decoder, given the whole file
 *     at once, decodes it completely, instream gives the same bytes and no
 *     error; when libzstd finds it corrupt or cut short, instream reports an
 *     error too (never a short result), after output that agrees with
 *     libzstd's as far as both go.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "../../io/instream.h"

#define LIMIT ((size_t)8 << 20) /* output the harness reads at most */

#include "fuzz_check.h"
#include "fuzz_instream.h"

/* libzstd alone: 0 decoded completely, 1 corrupt or truncated, 2 more than
 * LIMIT bytes (undecided). *out gets what was decoded. */
static int reference(const uint8_t *d, size_t n, uint8_t **out, size_t *outlen)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    size_t cap = 1 << 16, len = 0;
    uint8_t *o = malloc(cap);
    ZSTD_inBuffer in = {d, n, 0};
    size_t r = 0;
    int rc = 0;
    for (;;) {
        if (len == cap) {
            if (cap >= LIMIT) {
                rc = 2;
                break;
            }
            cap *= 2;
            o = realloc(o, cap);
        }
        ZSTD_outBuffer ob = {o, cap, len};
        r = ZSTD_decompressStream(dc, &ob, &in);
        len = ob.pos;
        if (ZSTD_isError(r)) {
            rc = 1;
            break;
        }
        if (in.pos == in.size && ob.pos < ob.size) {
            /* all input consumed and room left: nothing more comes out */
            rc = r == 0 ? 0 : 1;
            break;
        }
    }
    ZSTD_freeDCtx(dc);
    *out = o;
    *outlen = len;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    instream_threads(4); /* the CLI's --jobs 4: several frames take the pool */
    struct fuzz_plan plan = fuzz_plan_of(data[0]);
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    uint8_t *made = NULL;
    if (plan.make) {
        if (size < 4)
            return 0;
        uint8_t how = data[1], flip = data[2], cut = data[3];
        const uint8_t *src = data + 4;
        size_t srclen = size - 4;
        int frames = 1 + (how & 3);
        size_t room = (size_t)frames * (ZSTD_compressBound(srclen) + 16) + 64;
        made = malloc(room);
        size_t mlen = 0;
        ZSTD_CCtx *cc = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
        ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, !(how & 32));
        ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, !!(how & 64));
        for (int f = 0; f < frames; f++) {
            size_t a = srclen * (size_t)f / (size_t)frames, b = srclen * (size_t)(f + 1) / (size_t)frames;
            if (how & 4) { /* pzstd's skippable frame: magic, size 4, the frame's size */
                static const uint8_t skip[12] = {0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 0, 0, 0, 0};
                memcpy(made + mlen, skip, sizeof skip);
                mlen += sizeof skip;
            }
            size_t r = ZSTD_compress2(cc, made + mlen, room - mlen, src + a, b - a);
            if (ZSTD_isError(r))
                abort();
            mlen += r;
        }
        ZSTD_freeCCtx(cc);
        if (how & 8 && mlen)
            made[(2 * (size_t)flip) % mlen] ^= 0x5a;
        if (how & 16 && 1 + 7 * (size_t)cut < mlen)
            mlen = 1 + 7 * (size_t)cut;
        d = made;
        n = mlen;
    }

    struct fuzz_read fr;
    fuzz_read_through(d, n, plan.use_pipe, plan.cap, "in.zst", &fr);
    CHECK(fr.zstd == instream_is_zstd_magic(d, n), "zstd by magic");
    if (!fr.zstd && instream_is_gzip_magic(d, n)) {
        /* gzip: fuzz_gzip's business */
    } else if (!fr.zstd) {
        fuzz_check_plain(&fr, d, n);
    } else {
        uint8_t *want;
        size_t wlen;
        int ref = reference(d, n, &want, &wlen);
        fuzz_check_decoded(&fr, ref, want, wlen, "libzstd");
        free(want);
    }
    free(fr.got);
    free(made);
    return 0;
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libomp.so\n"; }
