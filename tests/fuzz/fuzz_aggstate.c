/* fuzz_aggstate.c - libFuzzer harness: pipeline/aggstate's block decoder
 * (aggstate_decode) on arbitrary bytes, as a spilled block read back, and
 * the result table of whatever state it decoded.
 *
 * Three plans over the fixed header k,k2,x,y, made once, all with every
 * function (so the same value columns, and a block of one decodes into
 * the others): --by k,k2 (composite keys), --by k with --sort x_var:desc,
 * and no --by. The input is one block (the seeds in
 * tests/fuzz/corpus/aggstate are real blocks of the first plan, written by
 * gen_aggstate.c). For each plan: a fresh partial, aggstate_decode of the
 * whole input; when that succeeds, the partial's result table is written
 * to a memory sink; then the partial is destroyed.
 *
 * What must hold (abort otherwise; crashes, reads outside the input,
 * undefined behaviour and leaks are the sanitizers' and libFuzzer's
 * business):
 *   - aggstate_decode returns 0, PCSV_EDATA with the message "corrupt
 *     aggregate state at byte N", N at most the input's length (base 0),
 *     or PCSV_ENOMEM;
 *   - writing a decoded state returns 0 or PCSV_EDATA (an overflow or a
 *     result beyond the double range).
 *
 * Known failures, kept in the corpus as crash-* until the library is
 * fixed (so a run stops on them at once):
 *   - crash-composite-keylen-*: a composite key's four-byte lengths are
 *     not checked against the key (split_key in agg_result.c reads past
 *     it; key_facts in agg.c too while the column looks numeric);
 *   - crash-empty-key-null-offset: an empty key stored in a table with no
 *     key bytes yet: hashtab_key computes NULL + 0 (clang UBSan; any
 *     partial whose only key is empty, not only a decoded one);
 *   - crash-count-overflow: two records of one group with counts adding
 *     up past INT64_MAX (signed overflow in aggstate_decode);
 *   - crash-qval-nan: a NaN median/pN value is taken as it is; printing
 *     interpolates with it and exact.c converts NaN to an integer.
 * (edit-qvals-missing is a group without the median values its n says:
 * no crash, but the printed medians are uninitialized memory.)
 * FUZZ_AGGSTATE_NO_COMPOSITE=1 in the environment leaves the first plan
 * out, to look past the first of them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../io/outsink.h"
#include "../../pipeline/agg.h"
#include "../../pipeline/agg_result.h"
#include "../../pipeline/aggstate.h"

#include "fuzz_check.h"

/* The same as gen_aggstate.c's. */
#define EVERY_AGG                                                                                  \
    "count,count:x,count:y,sum:x,mean:x,min:x,max:x,min:y,max:y,first:x,last:x,first:y,last:y,"    \
    "distinct:x,distinct:y,median:x,p90:x,p1:x,p50:x,var:x,stddev:x"

static char *colnames[] = {"k", "k2", "x", "y"};
enum { NPLANS = 3 };
static struct agg_plan *plans[NPLANS];
static int first_plan;

static void make_plans(void)
{
    static const char *bys[NPLANS] = {"k,k2", "k", NULL};
    struct pcsv_error err;
    for (int i = 0; i < NPLANS; i++) {
        memset(&err, 0, sizeof err);
        plans[i] = agg_plan_create(colnames, 4, bys[i], EVERY_AGG, &err);
        CHECK(plans[i], "agg_plan_create: %s", err.msg);
    }
    memset(&err, 0, sizeof err);
    CHECK(agg_plan_sort(plans[1], "x_var:desc", &err) == 0, "agg_plan_sort: %s", err.msg);
    CHECK(plans[0]->nvcols == plans[1]->nvcols && plans[0]->nvcols == plans[2]->nvcols,
          "the plans' value columns differ");
    const char *e = getenv("FUZZ_AGGSTATE_NO_COMPOSITE");
    first_plan = e && *e && strcmp(e, "0") != 0;
}

static void one(const struct agg_plan *plan, const uint8_t *data, size_t size)
{
    struct agg_part *a = agg_part_create(plan);
    if (!a)
        return;
    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    int rc = aggstate_decode(a, data, size, 0, &err);
    if (rc == PCSV_EDATA) {
        unsigned long long byte = 0;
        int used = 0;
        CHECK(err.code == PCSV_EDATA, "err.code %d", (int)err.code);
        CHECK(sscanf(err.msg, "corrupt aggregate state at byte %llu%n", &byte, &used) == 1 &&
                  err.msg[used] == 0,
              "message '%s'", err.msg);
        CHECK(byte <= size, "byte %llu past the block's %zu", byte, size);
    } else if (rc == 0) {
        struct outsink *o = outsink_open_mem(OUT_CSV);
        if (o) {
            memset(&err, 0, sizeof err);
            int wrc = agg_result_write_part(a, o, &err);
            CHECK(wrc == 0 || wrc == PCSV_EDATA, "agg_result_write_part: %d %s", wrc, err.msg);
            size_t len;
            (void)outsink_take(o, &len);
            outsink_abort(o);
        }
    } else {
        CHECK(rc == PCSV_ENOMEM, "aggstate_decode: %d %s", rc, err.msg);
    }
    agg_part_destroy(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!plans[0])
        make_plans();
    for (int i = first_plan; i < NPLANS; i++)
        one(plans[i], data, size);
    return 0;
}
