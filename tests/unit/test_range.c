/* test_range.c - pipeline/range: where a byte range's rows are (issue 14).
 *
 * Properties, on generated CSV with quoted line breaks, doubled quotes,
 * CRLF and a header:
 *   - tiling: cut the data at random offsets; with each range's true start
 *     state (the parity of the quotes before it), the first rows r0 of the
 *     ranges are exactly the row starts, each in the one range it begins
 *     in, and a range's end state is what the next one starts with;
 *   - the guess: on a file whose quoted fields are short (the window after
 *     any cut sees a closing quote), the guessed state is the true one at
 *     every offset not right after a quote;
 *   - a range in the header starts at the data, its state known.
 */
#include <criterion/criterion.h>

#include "testrng.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/range.h"

/* Rows of three fields; returns the length; starts[] gets the row starts. */
static size_t gen_csv(uint64_t *seed, char *out, size_t cap, size_t *starts, size_t *nstarts,
                      size_t *data_begin)
{
    static const char *fields[] = {"a",       "12",       "\"x\ny\"", "\"q\"\"r\"", "",
                                   "\"a,b\"", "\"\r\n\"", "zz",       "\"\""};
    size_t n = (size_t)snprintf(out, cap, "k,v,t\n");
    *data_begin = n;
    *nstarts = 0;
    while (n + 64 < cap) {
        starts[(*nstarts)++] = n;
        for (int f = 0; f < 3; f++)
            n += (size_t)snprintf(out + n, cap - n, "%s%s",
                                  fields[rng_below(seed, sizeof fields / sizeof *fields)],
                                  f < 2 ? "," : (rng_below(seed, 3) ? "\n" : "\r\n"));
    }
    return n;
}

static bool parity_before(const char *d, size_t at)
{
    size_t q = 0;
    for (size_t i = 0; i < at; i++)
        q += d[i] == '"';
    return q & 1;
}

Test(range, ranges_tile_the_rows)
{
    uint64_t seed = 14;
    static char d[8192];
    static size_t starts[2048];
    for (int round = 0; round < 200; round++) {
        size_t ns, db,
            n = gen_csv(&seed, d, sizeof d - 1 - rng_below(&seed, 4000), starts, &ns, &db);
        size_t cuts[12];
        int nc = 1 + (int)rng_below(&seed, 10);
        cuts[0] = 0;
        for (int i = 1; i < nc; i++)
            cuts[i] = rng_below(&seed, n + 1);
        cuts[nc] = n;
        for (int i = 1; i < nc; i++) /* sort */
            for (int j = i; j > 1 && cuts[j] < cuts[j - 1]; j--) {
                size_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        size_t next = 0; /* the next row start not yet claimed */
        bool end_state = false;
        for (int i = 0; i < nc; i++) {
            struct range_facts f;
            bool st = parity_before(d, cuts[i]);
            range_locate((const uint8_t *)d, n, db, cuts[i], cuts[i + 1], st, ',', '"', 3, &f);
            if (i > 0)
                cr_assert_eq(f.start_quoted, end_state, "round %d range %d", round, i);
            end_state = f.r0 < f.end ? parity_before(d, f.end) : f.end_quoted;
            if (f.r0 >= f.end)
                continue;
            /* r0 is the first row start at or after the range's start */
            while (next < ns && starts[next] < cuts[i])
                next++;
            cr_assert(next < ns, "round %d: a row past the last one", round);
            cr_assert_eq(f.r0, starts[next], "round %d range %d [%zu,%zu): r0 %llu, want %zu",
                         round, i, cuts[i], cuts[i + 1], (unsigned long long)f.r0, starts[next]);
            if (f.end_quoted != parity_before(d, f.end) && f.r0 >= f.end)
                cr_assert_fail("end state");
        }
    }
}

Test(range, guess_is_right_when_quotes_are_short)
{
    uint64_t seed = 15;
    static char d[8192];
    static size_t starts[2048];
    size_t ns, db, n = gen_csv(&seed, d, sizeof d, starts, &ns, &db);
    int wrong = 0;
    /* (right after a quote, as between doubled quotes, both readings
     * break a rule: merge repairs what the guess gets wrong there) */
    for (size_t at = db + 1; at + 200 < n; at++)
        if (d[at - 1] != '"')
            wrong += range_guess((const uint8_t *)d, n, at, ',', '"', 3) != parity_before(d, at);
    cr_assert_eq(wrong, 0, "%d wrong guesses", wrong);
}

Test(range, header_range_is_known)
{
    const char *d = "\"a\nb\",c\n1,2\n3,4\n";
    size_t n = strlen(d), db = 8;
    struct range_facts f;
    range_locate((const uint8_t *)d, n, db, 2, 10, -1, ',', '"', 2, &f);
    cr_assert(f.exact);
    cr_assert(f.start_quoted);
    cr_assert_eq(f.r0, db);
    cr_assert_eq(f.lines_pre, 2); /* in the quoted name, and the header's own */
    range_locate((const uint8_t *)d, n, db, 10, n, -1, ',', '"', 2, &f);
    cr_assert_not(f.exact);
    cr_assert_eq(f.r0, 12);
}
