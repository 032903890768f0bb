/* fuzz_gzip.c - libFuzzer harness: io/instream on gzip input (io/gzdecode):
 * arbitrary bytes, or members the harness compresses itself (1-4 members,
 * a flipped byte, cut short, zero padding, a trailing byte).
 *
 * Input: byte 0: bit 0 read through a pipe instead of a regular file; bits
 * 1-3 pick the read size (1 to 1M); bit 4 "make members": the harness
 * compresses the rest itself (ISA-L's isal_deflate, gzip wrapper). Without
 * bit 4 the rest is the file. With it, bytes 1-3 say how: byte 1 bits 0-1
 * members - 1, bit 2 flip byte 2 * byte 2 of the stream, bit 3 cut it to
 * 1 + 7 * byte 3 bytes, bit 4 append byte 3 zero bytes, bit 5 then a
 * nonzero byte; the data (split evenly between the members) is the rest.
 *
 * What must hold (abort otherwise; crashes, hangs and leaks are the
 * sanitizers' and libFuzzer's business):
 *   - the reads end in 0 (the end) or -1 with a PCSV_EIO error and a
 *     message; the harness stops on its own after LIMIT bytes of output;
 *   - input without the gzip magic comes back byte for byte;
 *   - gzip input, against zlib (inflate, one member after another; only
 *     zero bytes may follow the last): when zlib decodes it completely,
 *     instream gives the same bytes and no error; when zlib finds it cut
 *     short, or a check (CRC-32, length, header CRC, method, flags) fails,
 *     or bytes other than zeros follow, instream reports an error too
 *     (never a short result), after output that agrees with zlib's as far
 *     as both go. (Where zlib rejects deflate data itself, ISA-L may differ
 *     on what an invalid code is: only the agreement is checked then.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "../../io/instream.h"

#define LIMIT ((size_t)8 << 20) /* output the harness reads at most */

#include "fuzz_check.h"
#include "fuzz_instream.h"

/* zlib alone: 0 decoded completely, 1 must be an error (truncated, a check
 * failed, trailing bytes), 3 zlib rejects the deflate data (undecided),
 * 2 more than LIMIT bytes (undecided). *out gets what was decoded. */
static int reference(const uint8_t *d, size_t n, uint8_t **out, size_t *outlen)
{
    size_t cap = 1 << 16, len = 0, pos = 0;
    uint8_t *o = malloc(cap);
    int rc = 0;
    bool first = true;
    while (pos < n && rc == 0) {
        if (!first && d[pos] == 0) { /* padding: zeros to the end */
            while (pos < n && d[pos] == 0)
                pos++;
            rc = pos < n;
            break;
        }
        first = false;
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, 16 + 15) != Z_OK)
            abort();
        z.next_in = (uint8_t *)d + pos;
        z.avail_in = (uInt)(n - pos);
        int r = Z_OK;
        for (;;) {
            if (len == cap) {
                if (cap >= LIMIT) {
                    rc = 2;
                    break;
                }
                cap *= 2;
                o = realloc(o, cap);
            }
            z.next_out = o + len;
            z.avail_out = (uInt)(cap - len);
            r = inflate(&z, Z_NO_FLUSH);
            len = cap - z.avail_out;
            if (r == Z_STREAM_END)
                break;
            if (r == Z_DATA_ERROR) {
                const char *m = z.msg ? z.msg : "";
                rc = strstr(m, "check") || strstr(m, "header") || strstr(m, "method") ||
                             strstr(m, "flags") || strstr(m, "magic")
                         ? 1
                         : 3;
                break;
            }
            if (r != Z_OK && r != Z_BUF_ERROR) {
                rc = 3;
                break;
            }
            if (z.avail_in == 0 && z.avail_out > 0) { /* cut short */
                rc = 1;
                break;
            }
        }
        pos = n - z.avail_in;
        inflateEnd(&z);
    }
    *out = o;
    *outlen = len;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct fuzz_plan plan = fuzz_plan_of(data[0]);
    const uint8_t *d = data + 1;
    size_t n = size - 1;
    uint8_t *made = NULL;
    if (plan.make) {
        if (size < 4)
            return 0;
        uint8_t how = data[1], flip = data[2], extra = data[3];
        const uint8_t *src = data + 4;
        size_t srclen = size - 4;
        int members = 1 + (how & 3);
        size_t room = (size_t)members * (srclen + srclen / 8 + 1024) + 512;
        made = malloc(room);
        size_t mlen = 0;
        for (int f = 0; f < members; f++) {
            size_t a = srclen * (size_t)f / (size_t)members;
            size_t b = srclen * (size_t)(f + 1) / (size_t)members;
            struct isal_zstream s;
            isal_deflate_init(&s);
            s.gzip_flag = IGZIP_GZIP;
            s.end_of_stream = 1;
            s.flush = NO_FLUSH;
            s.next_in = (uint8_t *)src + a;
            s.avail_in = (uint32_t)(b - a);
            s.next_out = made + mlen;
            s.avail_out = (uint32_t)(room - mlen - 300);
            if (isal_deflate(&s) != COMP_OK || s.internal_state.state != ZSTATE_END)
                abort();
            mlen += s.total_out;
        }
        if (how & 4 && mlen)
            made[(2 * (size_t)flip) % mlen] ^= 0x5a;
        if (how & 8 && 1 + 7 * (size_t)extra < mlen)
            mlen = 1 + 7 * (size_t)extra;
        if (how & 16) {
            memset(made + mlen, 0, extra);
            mlen += extra;
        }
        if (how & 32)
            made[mlen++] = 'x';
        d = made;
        n = mlen;
    }

    struct fuzz_read fr;
    fuzz_read_through(d, n, plan.use_pipe, plan.cap, "in.gz", &fr);
    CHECK(fr.gzip == (instream_is_gzip_magic(d, n) && !instream_is_zstd_magic(d, n)),
          "gzip by magic");
    if (!fr.gzip && !fr.zstd) {
        fuzz_check_plain(&fr, d, n);
    } else if (fr.gzip) {
        uint8_t *want;
        size_t wlen;
        int ref = reference(d, n, &want, &wlen);
        fuzz_check_decoded(&fr, ref, want, wlen, "zlib");
        free(want);
    }
    free(fr.got);
    free(made);
    return 0;
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libomp.so\n"; }
