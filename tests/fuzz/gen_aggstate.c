/* gen_aggstate.c - (re)write the seeds gen-* of tests/fuzz/corpus/aggstate
 * for fuzz_aggstate.c: real blocks of its first plan (--by k,k2, every
 * function), made by aggstate_encode from small row sets (integers,
 * decimals of several scales, big decimals, reals, text, empty values and
 * keys), each under 4096 bytes (the default -max_len). Built against the
 * release objects, from the repository root:
 *
 *   make build/test_unit
 *   cc -std=gnu11 -fopenmp -pthread tests/fuzz/gen_aggstate.c build/obj/io/[a-z]*.o \
 *       build/obj/pipeline/[a-z]*.o -lcsv -lpcre2-8 -lzstd -lm -o build/gen_aggstate
 *   build/gen_aggstate tests/fuzz/corpus/aggstate
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/agg.h"
#include "../../pipeline/aggstate.h"

/* The same as fuzz_aggstate.c's. */
#define EVERY_AGG                                                                                  \
    "count,count:x,count:y,sum:x,mean:x,min:x,max:x,min:y,max:y,first:x,last:x,first:y,last:y,"    \
    "distinct:x,distinct:y,median:x,p90:x,p1:x,p50:x,var:x,stddev:x"

static char *colnames[] = {"k", "k2", "x", "y"};

static void die(const char *what)
{
    fprintf(stderr, "gen_aggstate: %s\n", what);
    exit(1);
}

static void add(struct agg_part *a, const struct agg_plan *p, const char *const *row)
{
    struct agg_val vals[8];
    memset(vals, 0, sizeof vals);
    for (int c = 0; c < 4; c++)
        if (p->sel[c] >= 0) {
            vals[p->sel[c]].p = (const uint8_t *)row[c];
            vals[p->sel[c]].len = strlen(row[c]);
        }
    if (agg_part_row(a, vals, 0, NULL, NULL) != 0)
        die("agg_part_row");
}

static void write_seed(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/gen-%s", dir, name);
    if (n > 4096)
        die("seed past 4096 bytes");
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* Rows (4 values each, NULL-terminated list) into one block, or into
 * nparts blocks written as NAME-i. */
static void seed(const char *dir, const char *name, const struct agg_plan *p,
                 const char *const (*rows)[4], unsigned nparts)
{
    struct agg_part *a = agg_part_create(p);
    if (!a)
        die("agg_part_create");
    for (size_t i = 0; rows[i][0]; i++)
        add(a, p, rows[i]);
    struct aggstate_buf *b = calloc(nparts, sizeof *b);
    if (!b || aggstate_encode(a, b, nparts) < 0)
        die("aggstate_encode");
    for (unsigned i = 0; i < nparts; i++) {
        char nm[128];
        if (nparts == 1)
            snprintf(nm, sizeof nm, "%s", name);
        else
            snprintf(nm, sizeof nm, "%s-%u", name, i);
        if (b[i].len)
            write_seed(dir, nm, b[i].p, b[i].len);
        free(b[i].p);
    }
    free(b);
    agg_part_destroy(a);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        die("usage: gen_aggstate DIR");
    const char *dir = argv[1];
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct agg_plan *p = agg_plan_create(colnames, 4, "k,k2", EVERY_AGG, &err);
    if (!p)
        die(err.msg);

    static const char *const ints[][4] = {
        {"a", "x", "1", "10"}, {"a", "x", "2", "20"}, {"b", "y", "-3", "7"},   {"b", "", "", ""},
        {"", "", "5", "5"},    {"a", "x", "1", "30"}, {NULL, NULL, NULL, NULL}};
    seed(dir, "ints", p, ints, 1);

    static const char *const decs[][4] = {
        {"1", "2", "1.5", "0.25"},     {"1", "2", "2.125", "apple"}, {"1", "3", "-0.001", "Zed"},
        {"2", "", "100", "10.10"},     {"2", "", ".5", ""},          {"10", "x", "7.", "NA"},
        {"-3", "x", "0.0000001", "b"}, {NULL, NULL, NULL, NULL}};
    seed(dir, "decimals", p, decs, 1);

    static const char *const reals[][4] = {
        {"r", "r", "1e5", "1.5e2"},   {"r", "r", "2E-3", "x"},        {"r", "s", "-7.25e1", "3"},
        {"s", "", "4.4e-1", "1e300"}, {"s", "", "1.25", "-2.5e-300"}, {"s", "", "12", ""},
        {"t", "t", "1e30", "6e+2"},   {NULL, NULL, NULL, NULL}};
    seed(dir, "reals", p, reals, 1);

    static const char *const big[][4] = {{"big", "1", "9223372036854775807", "a"},
                                         {"big", "1", "9223372036854775807", "b"},
                                         {"big", "2", "-9223372036854775808", "c"},
                                         {"big", "2", "123456789012345678901234567890", "d"},
                                         {"big", "3", "12345678901234567.123456789", "e"},
                                         {"big", "3", "0.123456789012345678901234567890", "f"},
                                         {"big", "4", "99999999999999999999.5", "g"},
                                         {NULL, NULL, NULL, NULL}};
    seed(dir, "big", p, big, 1);

    static const char *const empty[][4] = {
        {"", "", "", ""}, {"", "", "", ""}, {"e", "", "", ""}, {NULL, NULL, NULL, NULL}};
    seed(dir, "empty", p, empty, 1);

    /* many small groups, split into 4 partitions */
    static char keys[40][8];
    static const char *many[41][4];
    for (int i = 0; i < 40; i++) {
        snprintf(keys[i], sizeof keys[i], "g%d", i);
        many[i][0] = keys[i];
        many[i][1] = i % 3 ? "x" : "";
        many[i][2] = (const char *[]){"1", "2.5", "3e1", "", "-4.75"}[i % 5];
        many[i][3] = (const char *[]){"w", "1", "", "z", "0.5", "1e2"}[i % 6];
    }
    many[40][0] = NULL;
    seed(dir, "many", p, (const char *const(*)[4])many, 4);

    /* the header alone */
    static const char *const none[][4] = {{"h", "", "1", "1"}, {NULL, NULL, NULL, NULL}};
    {
        struct agg_part *a = agg_part_create(p);
        if (!a)
            die("agg_part_create");
        for (size_t i = 0; none[i][0]; i++)
            add(a, p, none[i]);
        struct aggstate_buf b = {0};
        if (aggstate_encode(a, &b, 1) < 0)
            die("aggstate_encode");
        /* 'G' 1 nvcols { scale flags }: every varint here is one byte */
        write_seed(dir, "header-only", b.p, 3 + 2 * (size_t)p->nvcols);
        free(b.p);
        agg_part_destroy(a);
    }
    agg_plan_destroy(p);
    return 0;
}
