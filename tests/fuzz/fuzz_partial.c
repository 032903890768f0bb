/* fuzz_partial.c - libFuzzer harness: the partial-state reader
 * (pipeline/partial.h: partial_reader_open, partial_reader_groups) on
 * arbitrary bytes, then the result table of whatever it read.
 *
 * Two ways of reading the input, by its first byte:
 *   - anything but 'S': the input is a partial file as it is (read through
 *     fmemopen). The seeds real-* in tests/fuzz/corpus/partial are small
 *     partials written by `pcsv aggregate|count|merge --partial` (see
 *     below); mutations of them mostly meet the checksums, so this way
 *     tests the framing: magic, version, lengths, truncation, section order.
 *   - 'S': the rest is a list of sections, each a type byte, a u16
 *     little-endian length and that many raw bytes, and the harness frames
 *     them as a valid file ("PCSVPART", version 1, then each section as its
 *     type and spillblock_encode's checksummed block), so the fuzzer reaches
 *     what lies behind the checksums: the meta section's decoder and the
 *     groups' (aggstate_decode through partial_reader_groups). The seeds
 *     sec-* are real partials' sections in this form.
 *
 * For each input: partial_reader_open; when it succeeds, a plan from the
 * meta's header, --by and --agg (agg_plan_create; a refusal is fine: a
 * meta may name columns that do not exist), a fresh agg_part, every G
 * section merged into it by partial_reader_groups until it returns 0 or
 * an error, and when it ended cleanly the table written to a memory sink.
 *
 * What must hold (abort otherwise; crashes, reads outside the input,
 * undefined behaviour and leaks are the sanitizers' and libFuzzer's
 * business):
 *   - partial_reader_open returns a reader, or NULL with err.code
 *     PCSV_EDATA or PCSV_ENOMEM (never PCSV_EIO: memory does not fail to
 *     read); a PCSV_EDATA message is one of "not a pcsv partial (...)",
 *     "truncated partial: it ends at byte N...", "corrupt partial at byte
 *     N: ...", "partial format version V at byte 8 is newer than ...",
 *     with N at most the input's length and V > PARTIAL_VERSION;
 *   - partial_reader_groups returns 1 or 0, or -PCSV_EDATA with such a
 *     message ("truncated"/"corrupt" and N <= the input's length), or
 *     -PCSV_ENOMEM; after 0 it returns 0 again;
 *   - writing the result returns 0 or PCSV_EDATA.
 *
 * The seeds were written by this script, run from the repository root with
 * a release build as `bash SCRIPT build/pcsv` (re-run it when the format
 * changes; the S form needs python3 and the zstd command):
 *
 *   set -e
 *   P=$(readlink -f "$1"); D=$(readlink -f tests/fuzz/corpus/partial); T=$(mktemp -d); cd "$T"
 *   printf 'k,k2,x,y\r\na,1,1.5,"p\nq"\r\nb,2,2,\r\na,1,,z\r\n,3,7e1,y\n"c""d",2,-3.25,"x,y"\n' >s.csv
 *   A='count,count:x,sum:x,mean:x,min:x,max:x,min:y,max:y,first:y,last:y,distinct:y,median:x,p90:x,var:x,stddev:x'
 *   "$P" aggregate s.csv --by k,k2 --agg "$A" --partial -o "$D/real-every-function"
 *   "$P" aggregate s.csv --agg "$A" --where 'x > 0' --partial -o "$D/real-no-by-where"
 *   "$P" aggregate s.csv --by k --agg count,sum:x --partial --range 12:40 -o "$D/real-range"
 *   "$P" aggregate s.csv --by k --agg count,sum:x --partial --range 40: -o r2
 *   "$P" merge --partial "$D/real-range" r2 -o "$D/real-merged" 2>/dev/null
 *   "$P" count s.csv --partial -o "$D/real-count"
 *   "$P" aggregate s.csv --by 4 --agg count,first:3 --on-bad-row skip -H --partial -o "$D/real-skip-noheader"
 *   printf 'a;b\n1;x\n2;y;z\n' >t.csv
 *   "$P" aggregate t.csv --by b --agg count,sum:a -d ';' --on-bad-row warn --partial -o "$D/real-badrows"
 *   printf 'k,v\n' >h.csv
 *   "$P" aggregate h.csv --by k --agg sum:v --partial -o "$D/real-header-only"
 *   # the S form: each section's type, u16 length, raw bytes (zstd -dc of the block's frame)
 *   for f in "$D"/real-*; do
 *   b=$(basename "$f"); python3 - "$f" "$D/sec-${b#real-}" <<'PY'
 *   import struct, subprocess, sys
 *   b = open(sys.argv[1], "rb").read()
 *   out = bytearray(b"S")
 *   i = 16
 *   while i < len(b):
 *       t = b[i]
 *       raw_len, clen = struct.unpack("<II", b[i + 5:i + 13])
 *       frame = b[i + 25:i + 25 + clen]
 *       raw = subprocess.run(["zstd", "-dcq"], input=frame, capture_output=True, check=True).stdout if clen else b""
 *       assert len(raw) == raw_len and raw_len < 65536
 *       out += bytes([t]) + struct.pack("<H", raw_len) + raw
 *       i += 25 + clen
 *   open(sys.argv[2], "wb").write(out)
 *   PY
 *   done
 *   rm -rf "$T"
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/outsink.h"
#include "../../io/spillfile.h"
#include "../../pipeline/agg.h"
#include "../../pipeline/agg_result.h"
#include "../../pipeline/partial.h"

#include "fuzz_check.h"

/* The byte offset in an EDATA message, checked against the file's size. */
static void check_edata(const struct pcsv_error *err, size_t size)
{
    const char *m = err->msg;
    unsigned long long n = 0;
    unsigned v = 0;
    CHECK(err->code == PCSV_EDATA, "err.code %d for '%s'", (int)err->code, m);
    if (strncmp(m, "not a pcsv partial (", 20) == 0)
        return;
    if (sscanf(m, "partial format version %u at byte 8 is newer", &v) == 1) {
        CHECK(v > PARTIAL_VERSION, "'%s': version %u is not newer", m, v);
        return;
    }
    if (sscanf(m, "truncated partial: it ends at byte %llu", &n) == 1 ||
        sscanf(m, "corrupt partial at byte %llu: ", &n) == 1) {
        CHECK(n <= size, "'%s': byte %llu past the input's %zu", m, n, size);
        return;
    }
    CHECK(0, "unexpected message '%s'", m);
}

/* The 'S' form framed as a file; NULL when it does not parse (ignored). */
static uint8_t *frame(const uint8_t *d, size_t n, size_t *outlen)
{
    size_t cap = 16, len = 16;
    uint8_t *f = malloc(cap);
    if (!f)
        return NULL;
    memcpy(f, "PCSVPART\1\0\0\0\0\0\0\0", 16);
    size_t i = 0;
    while (i < n) {
        if (n - i < 3)
            break;
        uint8_t type = d[i];
        size_t rl = (size_t)d[i + 1] | (size_t)d[i + 2] << 8;
        i += 3;
        if (rl > n - i)
            rl = n - i;
        size_t need = len + 1 + spillblock_bound(rl);
        if (need > cap) {
            uint8_t *g = realloc(f, need);
            if (!g) {
                free(f);
                return NULL;
            }
            f = g;
            cap = need;
        }
        f[len++] = type;
        size_t b = spillblock_encode(f + len, cap - len, d + i, rl);
        CHECK(b > 0, "spillblock_encode of %zu bytes", rl);
        len += b;
        i += rl;
    }
    *outlen = len;
    return f;
}

static void read_all(const uint8_t *data, size_t size)
{
    /* fmemopen refuses a size of 0 (older glibc): read an empty file as a
     * one-byte buffer of which nothing is readable */
    static const uint8_t nothing[1];
    FILE *f = size ? fmemopen((void *)data, size, "rb") : fmemopen((void *)nothing, 1, "rb");
    if (!f)
        return;
    if (!size)
        (void)fgetc(f);
    struct partial_meta m;
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct partial_reader *r = partial_reader_open(f, "fuzz.part", &m, &err);
    if (!r) {
        if (err.code != PCSV_ENOMEM)
            check_edata(&err, size);
        fclose(f);
        return;
    }
    CHECK(m.version >= 1 && m.version <= PARTIAL_VERSION, "version %u", m.version);
    memset(&err, 0, sizeof err);
    struct agg_plan *plan = agg_plan_create(m.names, m.ncols, m.by, m.agg, &err);
    struct agg_part *a = plan ? agg_part_create(plan) : NULL;
    if (a) {
        int rc;
        int nsec = 0;
        do {
            memset(&err, 0, sizeof err);
            rc = partial_reader_groups(r, a, &err);
            nsec++;
        } while (rc == 1 && nsec < 100000);
        if (rc == 0) {
            memset(&err, 0, sizeof err);
            CHECK(partial_reader_groups(r, a, &err) == 0, "a second end");
            struct outsink *o = outsink_open_mem(OUT_CSV);
            if (o) {
                memset(&err, 0, sizeof err);
                int wrc = agg_result_write_part(a, o, &err);
                CHECK(wrc == 0 || wrc == PCSV_EDATA, "agg_result_write_part: %d %s", wrc, err.msg);
                size_t len;
                (void)outsink_take(o, &len);
                outsink_abort(o);
            }
        } else if (rc == -PCSV_EDATA) {
            check_edata(&err, size);
        } else {
            CHECK(rc == 1 || rc == -PCSV_ENOMEM, "partial_reader_groups: %d %s", rc, err.msg);
        }
        agg_part_destroy(a);
    }
    if (plan)
        agg_plan_destroy(plan);
    partial_reader_close(r);
    partial_meta_free(&m);
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 'S') {
        size_t n = 0;
        uint8_t *f = frame(data + 1, size - 1, &n);
        if (f) {
            read_all(f, n);
            free(f);
        }
        return 0;
    }
    read_all(data, size);
    return 0;
}
