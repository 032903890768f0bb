/* test_outfmt.c - rows as csv, tsv and jsonl, formatted into memory sinks.
 *
 * A lone empty CSV/TSV field is `""`; csv quotes exactly the fields that
 * need it and tsv escapes exactly its four bytes, for any bytes and any
 * field size around the sink's 64 KiB buffer (checked against a plain
 * reference formatter); jsonl numbers are numbers only when RFC 8259 says
 * so; invalid UTF-8 becomes U+FFFD per maximal subpart, counted by
 * outfmt_utf8_replaced. (The back ends are test_outsink.c's.)
 */
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outsink.h"
#include "testrng.h"

/* ---- formats ---- */

/* Format rows into a memory sink and return the text (NUL-terminated). */
static char *fmt_rows(enum out_format fmt, int ncols, char *const *names, const char *const *vals,
                      const enum out_kind *kinds, int nrows)
{
    struct outsink *o = outsink_open_mem(fmt);
    cr_assert_not_null(o);
    outfmt_names(o, names, ncols);
    for (int r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            const char *v = vals[r * ncols + c];
            outfmt_field(o, v, strlen(v), kinds[r * ncols + c]);
        }
        outfmt_end_row(o);
    }
    size_t n;
    const char *p = outsink_take(o, &n);
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    memcpy(s, p, n);
    s[n] = 0;
    outsink_abort(o);
    return s;
}

Test(outfmt, lone_empty_field_is_quoted_in_csv_and_tsv)
{
    char *one[] = {"a"};
    const char *vals[] = {"", "x", "", ""};
    const enum out_kind kinds[] = {OUT_NULL, OUT_STR, OUT_STR, OUT_NUM};
    for (int fmt = OUT_CSV; fmt <= OUT_TSV; fmt++) {
        char *s = fmt_rows((enum out_format)fmt, 1, one, vals, kinds, 4);
        cr_assert_str_eq(s, "\"\"\nx\n\"\"\n\"\"\n");
        free(s);
    }
    /* two columns: empty fields stay empty */
    char *two[] = {"a", "b"};
    const enum out_kind k2[] = {OUT_NULL, OUT_STR, OUT_STR, OUT_NULL};
    char *s = fmt_rows(OUT_CSV, 2, two, vals, k2, 2);
    cr_assert_str_eq(s, ",x\n,\n");
    free(s);
    s = fmt_rows(OUT_TSV, 2, two, vals, k2, 2);
    cr_assert_str_eq(s, "\tx\n\t\n");
    free(s);
    /* the header line of a column named "" is not blank either */
    struct outsink *o = outsink_open_mem(OUT_CSV);
    char *empty_name[] = {""};
    outfmt_header(o, empty_name, 1);
    size_t n;
    const char *p = outsink_take(o, &n);
    cr_assert(n == 3 && !memcmp(p, "\"\"\n", 3));
    outsink_abort(o);
    /* jsonl: null and "" as before */
    s = fmt_rows(OUT_JSONL, 1, one, vals, kinds, 3);
    cr_assert_str_eq(s, "{\"a\":null}\n{\"a\":\"x\"}\n{\"a\":\"\"}\n");
    free(s);
}

static char *json_num(const char *text)
{
    char *k[] = {"v"};
    const char *vals[] = {text};
    const enum out_kind kinds[] = {OUT_NUM};
    return fmt_rows(OUT_JSONL, 1, k, vals, kinds, 1);
}

Test(outfmt, jsonl_number_only_when_rfc8259_says_so)
{
    static const char *const numbers[] = {
        "0",    "-0",         "5",     "-5",      "10",  "123456789012345678901234567890",
        "0.5",  "-0.5",       "-0.00", "1e5",     "1E5", "1e+5",
        "1e-5", "-1.25E-300", "0e0",   "1.0e400",
    };
    static const char *const strings[] = {
        "02134", "007",   ".5",       "5.",  "+5",  "-.5", "-",   "",
        "inf",   "-inf",  "Infinity", "nan", "NaN", "1e",  "1e+", "1.e5",
        ".5e3",  "0x1F",  "1_000",    " 5",  "5 ",  "--5", "-05", "00",
        "1.2.3", "1e5.5", "١",        "5e",  "0.",  "-0.", "1,5",
    };
    for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "{\"v\":%s}\n", numbers[i]);
        char *s = json_num(numbers[i]);
        cr_expect_str_eq(s, want, "%s should be a number", numbers[i]);
        free(s);
    }
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "{\"v\":\"%s\"}\n", strings[i]);
        char *s = json_num(strings[i]);
        cr_expect_str_eq(s, want, "%s should be a string", strings[i]);
        free(s);
    }
}

static char *json_str(const char *text, const char *key)
{
    char *k[] = {(char *)key};
    const char *vals[] = {text};
    const enum out_kind kinds[] = {OUT_STR};
    return fmt_rows(OUT_JSONL, 1, k, vals, kinds, 1);
}

#define R "\xEF\xBF\xBD" /* U+FFFD */

Test(outfmt, jsonl_invalid_utf8_one_replacement_per_maximal_subpart)
{
    static const struct {
        const char *in, *out;
        unsigned long long nrep;
    } cases[] = {
        {"plain", "plain", 0},
        {"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF", /* é € 😀 U+10FFFF */
         "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF", 0},
        {"\xEF\xBF\xBD", "\xEF\xBF\xBD", 0}, /* a real U+FFFD is no replacement */
        {"a\xFF"
         "b",
         "a" R "b", 1},
        {"\x80\xBF", R R, 2}, /* lone continuation bytes */
        {"\xC0\xAF", R R, 2}, /* overlong '/' */
        {"\xC1\xBF", R R, 2},
        {"\xE0\x80\xAF", R R R, 3}, /* overlong, 3 bytes */
        {"\xE0\x9F\xBF", R R R, 3},
        {"\xF0\x8F\xBF\xBF", R R R R, 4},    /* overlong, 4 bytes */
        {"\xED\xA0\x80", R R R, 3},          /* surrogate D800 */
        {"\xED\xBF\xBF", R R R, 3},          /* surrogate DFFF */
        {"\xED\x9F\xBF", "\xED\x9F\xBF", 0}, /* U+D7FF is fine */
        {"\xF4\x90\x80\x80", R R R R, 4},    /* U+110000 */
        {"\xF5\x80\x80\x80", R R R R, 4},
        {"\xE2\x82", R, 1},      /* truncated at the end */
        {"\xE2\x82x", R "x", 1}, /* truncated before ASCII */
        {"\xF0\x9F\x98", R, 1},
        {"\xF0\x9F\x98\xC3\xA9", R "\xC3\xA9", 1},
        /* Unicode 15, section 3.9, Table 3-8 */
        {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", "a" R R R "b" R "c" R R "d", 6},
        {"\"\\\x01\x1F\n\t\x7F", "\\\"\\\\\\u0001\\u001f\\n\\t\x7F", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned long long before = outfmt_utf8_replaced();
        char *s = json_str(cases[i].in, "k");
        char want[256];
        snprintf(want, sizeof want, "{\"k\":\"%s\"}\n", cases[i].out);
        cr_expect_str_eq(s, want, "case %zu", i);
        cr_expect_eq(outfmt_utf8_replaced() - before, cases[i].nrep, "case %zu: count", i);
        free(s);
    }
    /* a key is fixed the same way, and an OUT_NUM that is no number too */
    unsigned long long before = outfmt_utf8_replaced();
    char *s = json_str("x", "k\xFFy");
    cr_assert_str_eq(s, "{\"k" R "y\":\"x\"}\n");
    free(s);
    s = json_num("5\xC0");
    cr_assert_str_eq(s, "{\"v\":\"5" R "\"}\n");
    free(s);
    cr_assert_eq(outfmt_utf8_replaced() - before, 2);
}

/* Counting from several threads, each with its own memory sink (as the
 * workers do): no replacement is lost. */
static void *utf8_worker(void *arg)
{
    (void)arg;
    struct outsink *o = outsink_open_mem(OUT_JSONL);
    char *k[] = {"k"};
    outfmt_names(o, k, 1);
    for (int i = 0; i < 10000; i++) {
        outfmt_field(o, "\xFF\xFE", 2, OUT_STR);
        outfmt_end_row(o);
        if (!(i & 255)) {
            size_t n;
            outsink_take(o, &n);
        }
    }
    outsink_abort(o);
    return NULL;
}

Test(outfmt, utf8_count_over_threads)
{
    unsigned long long before = outfmt_utf8_replaced();
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, utf8_worker, NULL), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(outfmt_utf8_replaced() - before, 4ull * 10000 * 2);
}

/* ---- csv and tsv against a reference ---- */

struct text {
    char *p;
    size_t n, cap;
};

static void text_add(struct text *t, const void *p, size_t n)
{
    if (t->n + n > t->cap) {
        t->cap = (t->n + n) * 2 + 64;
        t->p = realloc(t->p, t->cap);
        cr_assert_not_null(t->p);
    }
    if (n)
        memcpy(t->p + t->n, p, n);
    t->n += n;
}

/* The rules of outfmt.h, one byte at a time, nothing clever. */
static void ref_field(struct text *t, enum out_format fmt, int col, const char *p, size_t n,
                      enum out_kind kind)
{
    if (col)
        text_add(t, fmt == OUT_CSV ? "," : "\t", 1);
    if (fmt == OUT_CSV) {
        bool q = false;
        for (size_t i = 0; i < n; i++)
            q |= kind == OUT_STR && (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r');
        if (q)
            text_add(t, "\"", 1);
        for (size_t i = 0; i < n; i++) {
            if (q && p[i] == '"')
                text_add(t, "\"", 1);
            text_add(t, p + i, 1);
        }
        if (q)
            text_add(t, "\"", 1);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *e = p[i] == '\t'   ? "\\t"
                        : p[i] == '\n' ? "\\n"
                        : p[i] == '\r' ? "\\r"
                        : p[i] == '\\' ? "\\\\"
                                       : NULL;
        if (e)
            text_add(t, e, 2);
        else
            text_add(t, p + i, 1);
    }
}

/* Random rows of random bytes (biased to the special ones), fields from 0
 * bytes to past the buffer: the formatter's output, taken from the memory
 * sink at random points, equals the reference's. */
Test(outfmt, csv_tsv_match_reference_for_any_bytes_and_sizes)
{
    static const char special[] = ",\"\n\r\t\\a\xff";
    static const size_t sizes[] = {0, 1, 2, 7, 100, 65535, 65536, 65537, 200000};
    uint64_t rng = 12;
    char *field = malloc(200000);
    cr_assert_not_null(field);
    for (int fmt = OUT_CSV; fmt <= OUT_TSV; fmt++) {
        struct outsink *o = outsink_open_mem((enum out_format)fmt);
        cr_assert_not_null(o);
        struct text want = {0}, got = {0};
        for (int row = 0; row < 300; row++) {
            int ncols = 1 + (int)(rng_next(&rng) % 4);
            bool lone_empty = false;
            for (int c = 0; c < ncols; c++) {
                uint64_t r = rng_next(&rng);
                size_t n = r % 8 == 0 ? sizes[r / 8 % (sizeof sizes / sizeof sizes[0])]
                                      : (size_t)(r / 8 % 20);
                for (size_t i = 0; i < n; i++) {
                    uint64_t b = rng_next(&rng);
                    field[i] = b % 4 ? special[b / 4 % (sizeof special - 1)] : (char)(b >> 8);
                }
                enum out_kind kind = (enum out_kind)(rng_next(&rng) % 3);
                outfmt_field(o, field, n, kind);
                ref_field(&want, (enum out_format)fmt, c, field, n, kind);
                lone_empty = ncols == 1 && n == 0;
            }
            outfmt_end_row(o);
            if (lone_empty)
                text_add(&want, "\"\"", 2);
            text_add(&want, "\n", 1);
            if (rng_next(&rng) % 16 == 0) {
                size_t n;
                const void *p = outsink_take(o, &n);
                text_add(&got, p, n);
            }
        }
        size_t n;
        const void *p = outsink_take(o, &n);
        text_add(&got, p, n);
        cr_assert_eq(outsink_error(o), 0);
        outsink_abort(o);
        cr_assert_eq(got.n, want.n, "%s: %zu bytes, the reference %zu", fmt ? "tsv" : "csv", got.n,
                     want.n);
        cr_assert(!memcmp(got.p, want.p, want.n), "%s: the bytes differ", fmt ? "tsv" : "csv");
        free(got.p);
        free(want.p);
    }
    free(field);
}

/* The header: csv/tsv write it as a row of strings (quoted as needed);
 * jsonl writes none but keys the rows with it; a row past the names gets
 * the key "?"; a row of no fields is an empty object. */
Test(outfmt, header_and_jsonl_keys)
{
    char *names[] = {"a,b", "c"};
    static const char *const want[] = {"\"a,b\",c\n1,x\n", "a,b\tc\n1\tx\n",
                                       "{\"a,b\":1,\"c\":\"x\"}\n"};
    for (int fmt = OUT_CSV; fmt <= OUT_JSONL; fmt++) {
        struct outsink *o = outsink_open_mem((enum out_format)fmt);
        outfmt_header(o, names, 2);
        outfmt_field(o, "1", 1, OUT_NUM);
        outfmt_field(o, "x", 1, OUT_STR);
        outfmt_end_row(o);
        size_t n;
        const char *p = outsink_take(o, &n);
        cr_assert(n == strlen(want[fmt]) && !memcmp(p, want[fmt], n), "format %d: %.*s", fmt,
                  (int)n, p);
        outsink_abort(o);
    }
    struct outsink *o = outsink_open_mem(OUT_JSONL);
    outfmt_names(o, names, 1);
    outfmt_field(o, "1", 1, OUT_NUM);
    outfmt_field(o, "2", 1, OUT_NUM);
    outfmt_end_row(o);
    outfmt_end_row(o);
    size_t n;
    const char *p = outsink_take(o, &n);
    const char *w = "{\"a,b\":1,\"?\":2}\n{}\n";
    cr_assert(n == strlen(w) && !memcmp(p, w, n), "%.*s", (int)n, p);
    outsink_abort(o);
    /* no columns (an empty input): no header line */
    o = outsink_open_mem(OUT_CSV);
    outfmt_header(o, names, 0);
    outsink_take(o, &n);
    cr_assert_eq(n, 0);
    outsink_abort(o);
}

Test(outfmt, jsonl_bool_only_for_true_and_false)
{
    static const char *const cases[][2] = {
        {"true", "{\"v\":true}\n"},     {"false", "{\"v\":false}\n"},
        {"TRUE", "{\"v\":\"TRUE\"}\n"}, {"yes", "{\"v\":\"yes\"}\n"},
        {"1", "{\"v\":\"1\"}\n"},       {"truex", "{\"v\":\"truex\"}\n"},
    };
    char *k[] = {"v"};
    const enum out_kind kinds[] = {OUT_BOOL};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *vals[] = {cases[i][0]};
        char *s = fmt_rows(OUT_JSONL, 1, k, vals, kinds, 1);
        cr_expect_str_eq(s, cases[i][1], "%s", cases[i][0]);
        free(s);
        s = fmt_rows(OUT_CSV, 1, k, vals, kinds, 1);
        char want[64];
        snprintf(want, sizeof want, "%s\n", cases[i][0]);
        cr_expect_str_eq(s, want, "csv %s", cases[i][0]);
        free(s);
    }
}
