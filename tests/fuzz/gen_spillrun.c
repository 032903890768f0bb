/* gen_spillrun.c - (re)write the seeds gen-* of tests/fuzz/corpus/spillrun
 * for fuzz_spillrun.c (see its header comment for the mode byte). Seeds are
 * made with io/spillfile's own encoder, so they are valid runs, then some
 * are damaged on purpose. From the repository root:
 *
 *   cc -std=gnu11 -Iio tests/fuzz/gen_spillrun.c io/spillfile.c io/status.c \
 *       -lzstd -pthread -o build/gen_spillrun && build/gen_spillrun tests/fuzz/corpus/spillrun
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spillfile.h"

static uint8_t run[1 << 16];
static size_t len;

static void block(const void *p, size_t n)
{
    size_t r = spillblock_encode(run + len, sizeof run - len, p, n);
    if (!r)
        exit(1);
    len += r;
}

static void seed(const char *dir, const char *name, uint8_t mode, const void *head, size_t hn,
                 const void *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/gen-%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(&mode, 1, 1, f) != 1 || fwrite(head, 1, hn, f) != hn ||
        fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_spillrun DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    static const char csv[] = "north,apples,12,3.5\nsouth,pears,7,0.25\nnorth,apples,1,-2\n"
                              "east,\"plums, red\",40,1e3\nwest,figs,0,0\n";
    uint8_t rnd[1500];
    uint64_t s = 42;
    for (size_t i = 0; i < sizeof rnd; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        rnd[i] = (uint8_t)(s >> 56);
    }
    uint8_t rep[3000];
    for (size_t i = 0; i < sizeof rep; i++)
        rep[i] = (uint8_t)csv[i % (sizeof csv - 1)];

    block(csv, sizeof csv - 1);
    block("", 0);
    block(rnd, sizeof rnd);
    block(rep, sizeof rep);
    seed(dir, "valid-4blocks", 0, "", 0, run, len);
    seed(dir, "valid-4blocks-fixhdr", 1, "", 0, run, len);
    seed(dir, "truncated", 0, "", 0, run, len - 100);
    seed(dir, "truncated-header", 0, "", 0, run, 30);
    run[SPILLBLOCK_HEADER + 10] ^= 1;
    seed(dir, "flipped-payload", 0, "", 0, run, len);
    seed(dir, "flipped-payload-fixhdr", 1, "", 0, run, len);
    len = 0;
    block("", 0);
    seed(dir, "empty-block", 0, "", 0, run, len);
    seed(dir, "empty-run", 0, "", 0, "", 0);
    len = 0;
    block(rep, sizeof rep);
    run[5] ^= 0x40; /* raw length 16K larger: the header's checksum fixed by the harness */
    seed(dir, "raw-length-lie-fixhdr", 1, "", 0, run, len);
    seed(dir, "encode-csv", 2, "\x03\x00", 2, csv, sizeof csv - 1);
    seed(dir, "encode-one-block", 2, "\xff\x00", 2, rep, sizeof rep);
    seed(dir, "encode-empty", 2, "\x00\x00", 2, "", 0);
    seed(dir, "encode-flip", 6, "\x04\x09", 2, rep, 900);
    seed(dir, "encode-flip-cut", 14, "\x01\x20", 2, rnd, 700);
    return 0;
}
