/* fuzz_where.c - libFuzzer harness: --where text through expr_compile, then
 * expr_eval on a few rows.
 *
 * Input: byte 0 picks the header (all the names below when < 200, else the
 * first 1 + byte0 % 21 of them); then the expression text up to the first NUL; after it, the
 * rows: fields separated by 0x01, rows by 0x02 (at most 4 rows; a missing
 * field is empty, i.e. null).
 *
 * What must hold (abort otherwise; a crash, hang or leak is caught by the
 * sanitizers and libFuzzer's -timeout):
 *   - expr_compile gives an expression, or NULL with PCSV_EUSAGE and a
 *     message (a usage error is a fine answer to any text);
 *   - expr_columns names each column of the header at most once;
 *   - expr_describe returns the same length for any buffer size and writes
 *     a NUL-terminated prefix;
 *   - expr_eval returns 0 or 1, the same on a second evaluation of the row,
 *     and the same with a fresh context fed the rows in reverse order (no
 *     state carried from row to row); expr_ctx_status stays 0;
 *   - as a condition, `not (TEXT)` is the opposite and `(TEXT) or false`
 *     the same on every row (null is false, README "Decisions"), unless
 *     the extra level of nesting is refused as too deep.
 * Each value is copied into a buffer of exactly its length, so ASan sees
 * any read past a field.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/expr.h"

#include "fuzz_check.h"

#define MAXROWS 4
static char *names[] = {"a",      "b",      "c",      "x",          "y",       "price", "status",
                        "unit price", "s",  "n",      "weird`name", "in",      "qty",   "country",
                        "note",   "discount", "quantity", "t",        "region",  "product", "name"};
#define MAXCOLS ((int)(sizeof names / sizeof names[0]))

struct row {
    const uint8_t *f[MAXCOLS];
    size_t len[MAXCOLS];
};

static int eval_row(const struct expr *e, struct expr_ctx *c, const struct row *r, const int *cols,
                    int n)
{
    struct expr_val vals[MAXCOLS + 1];
    uint8_t *copies[MAXCOLS + 1];
    for (int i = 0; i < n; i++) {
        size_t len = r->len[cols[i]];
        copies[i] = malloc(len ? len : 1);
        if (len)
            memcpy(copies[i], r->f[cols[i]], len);
        vals[i].p = copies[i];
        vals[i].len = len;
    }
    int v = expr_eval(e, c, vals);
    for (int i = 0; i < n; i++)
        free(copies[i]);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    if (size < 1)
        return 0;
    int ncols = in[0] < 200 ? MAXCOLS : 1 + in[0] % MAXCOLS;
    const uint8_t *p = in + 1, *end = in + size;
    const uint8_t *nul = memchr(p, 0, (size_t)(end - p));
    size_t tlen = nul ? (size_t)(nul - p) : (size_t)(end - p);
    char *text = malloc(tlen + 1);
    memcpy(text, p, tlen);
    text[tlen] = 0;

    /* the rows */
    struct row rows[MAXROWS];
    memset(rows, 0, sizeof rows);
    int nrows = 0;
    if (nul) {
        const uint8_t *q = nul + 1;
        while (q <= end && nrows < MAXROWS) {
            const uint8_t *re = memchr(q, 2, (size_t)(end - q));
            if (!re)
                re = end;
            struct row *r = &rows[nrows++];
            const uint8_t *f = q;
            for (int c = 0; c < MAXCOLS && f <= re; c++) {
                const uint8_t *fe = memchr(f, 1, (size_t)(re - f));
                if (!fe)
                    fe = re;
                r->f[c] = f;
                r->len[c] = (size_t)(fe - f);
                f = fe + 1;
            }
            q = re + 1;
        }
    }
    if (!nrows)
        nrows = 1; /* one row of nulls */

    struct pcsv_error err;
    memset(&err, 0, sizeof err);
    struct expr *e = expr_compile(text, names, ncols, &err);
    if (!e) {
        CHECK(err.code == PCSV_EUSAGE || err.code == PCSV_ENOMEM, "compile failed with code %d",
              err.code);
        CHECK(err.msg[0] != 0, "compile failed without a message");
        free(text);
        return 0;
    }
    const int *cols;
    int n = expr_columns(e, &cols);
    CHECK(n >= 0 && n <= ncols, "%d columns of %d", n, ncols);
    for (int i = 0; i < n; i++) {
        CHECK(cols[i] >= 0 && cols[i] < ncols, "column %d out of range", cols[i]);
        for (int j = 0; j < i; j++)
            CHECK(cols[i] != cols[j], "column %d twice", cols[i]);
    }
    char small[8], big[65536];
    size_t l1 = expr_describe(e, small, sizeof small);
    size_t l2 = expr_describe(e, big, sizeof big);
    CHECK(l1 == l2, "describe: %zu vs %zu", l1, l2);
    CHECK(memchr(small, 0, sizeof small) != NULL, "describe: no NUL");
    if (l2 < sizeof big)
        CHECK(strlen(big) == l2, "describe: length %zu, text %zu", l2, strlen(big));

    struct expr_ctx *c1 = expr_ctx_create(e), *c2 = expr_ctx_create(e);
    CHECK(c1 && c2, "no context");
    int res[MAXROWS];
    for (int r = 0; r < nrows; r++) {
        res[r] = eval_row(e, c1, &rows[r], cols, n);
        CHECK(res[r] == 0 || res[r] == 1, "eval returned %d", res[r]);
        int again = eval_row(e, c1, &rows[r], cols, n);
        CHECK(again == res[r], "row %d: %d, then %d", r, res[r], again);
    }
    for (int r = nrows - 1; r >= 0; r--) {
        int other = eval_row(e, c2, &rows[r], cols, n);
        CHECK(other == res[r], "row %d: %d, with a fresh context in reverse order %d", r, res[r],
              other);
    }
    CHECK(expr_ctx_status(c1) == 0 && expr_ctx_status(c2) == 0, "context status");
    expr_ctx_destroy(c1);
    expr_ctx_destroy(c2);

    static const char *const wraps[2][2] = {{"not (", ")"}, {"(", ") or false"}};
    for (int k = 0; k < 2; k++) {
        char *w = malloc(tlen + 16);
        snprintf(w, tlen + 16, "%s%s%s", wraps[k][0], text, wraps[k][1]);
        struct pcsv_error werr;
        memset(&werr, 0, sizeof werr);
        struct expr *we = expr_compile(w, names, ncols, &werr);
        if (!we) {
            CHECK(werr.code == PCSV_EUSAGE && strstr(werr.msg, "too deeply"),
                  "'%s' compiles, '%s' does not: %s", text, w, werr.msg);
            free(w);
            continue;
        }
        const int *wcols;
        int wn = expr_columns(we, &wcols);
        CHECK(wn == n && (!n || memcmp(wcols, cols, (size_t)n * sizeof *cols) == 0),
              "'%s' reads other columns than '%s'", w, text);
        struct expr_ctx *wc = expr_ctx_create(we);
        for (int r = 0; r < nrows; r++) {
            int v = eval_row(we, wc, &rows[r], wcols, wn);
            CHECK(v == (k == 0 ? !res[r] : res[r]), "row %d: '%s' is %d, '%s' is %d", r, text,
                  res[r], w, v);
        }
        expr_ctx_destroy(wc);
        expr_destroy(we);
        free(w);
    }
    expr_destroy(e);
    free(text);
    return 0;
}
