/* test_scan.c - the vectorised CSV scanner against libcsv (strict RFC 4180),
 * for any tiling of the input into ranges, plus fixed adversarial cases,
 * bad quotes, unterminated quotes and scan_count.
 *
 * Every input is copied into a buffer of exactly its length, so a build with
 * -fsanitize=address catches reads past data[len - 1].
 */
#include <criterion/criterion.h>

#include "testrng.h"

#include <csv.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan.h"

#define MAXCOLS 64
#define US "\x1f" /* expected-value notation: between fields */
#define GS "\x1d" /* projected rows: a selection slot the row does not have */
#define RS "\x1e" /* expected-value notation: after each row */

/* ---- small utilities ---- */

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void buf_put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void buf_puts(struct buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_putc(struct buf *b, uint8_t c) { buf_put(b, &c, 1); }

/* A C-like rendering of bytes for failure messages (truncated). */
static const char *esc(const uint8_t *p, size_t n)
{
    static char out[4][2048];
    static int which;
    char *o = out[which++ & 3];
    size_t k = 0;
    for (size_t i = 0; i < n && k < sizeof out[0] - 8; i++) {
        uint8_t c = p[i];
        if (c == '\n')
            k += (size_t)sprintf(o + k, "\\n");
        else if (c == '\r')
            k += (size_t)sprintf(o + k, "\\r");
        else if (c == '\\')
            k += (size_t)sprintf(o + k, "\\\\");
        else if (c < 0x20 || c >= 0x7f)
            k += (size_t)sprintf(o + k, "\\x%02x", c);
        else
            o[k++] = (char)c;
    }
    if (k >= sizeof out[0] - 8)
        k += (size_t)sprintf(o + k, "...");
    o[k] = 0;
    return o;
}

/* ---- parsed rows: a canonical form both parsers are reduced to ---- */

/* Fields are joined with US, each row is followed by RS, so rows compare as
 * byte strings (the generated data never contains US or RS). Per row, also
 * the offset of its serialisation, to point at the first difference. */
struct rows {
    struct buf text;
    size_t *off; /* off[i]: start of row i in text; off[n] == text.len */
    size_t n, cap;
};

static void rows_end_row(struct rows *r)
{
    buf_putc(&r->text, RS[0]);
    if (r->n + 2 > r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->off = realloc(r->off, r->cap * sizeof *r->off);
        cr_assert_not_null(r->off);
    }
    r->n++;
    r->off[r->n] = r->text.len;
}

static void rows_init(struct rows *r)
{
    memset(r, 0, sizeof *r);
    r->cap = 64;
    r->off = calloc(r->cap, sizeof *r->off);
    cr_assert_not_null(r->off);
}

static void rows_free(struct rows *r)
{
    free(r->text.p);
    free(r->off);
}

/* What one scan (over a tiling) reported, beyond the values. */
struct scanned {
    struct rows rows;
    struct buf meta; /* per row: row_start, row_end, nfields, bad, raw field offsets */
    uint8_t *bad;    /* per row */
    size_t nbad;
    int nunterminated;
    uint64_t unterminated_row;
};

static void scanned_free(struct scanned *s)
{
    rows_free(&s->rows);
    free(s->meta.p);
    free(s->bad);
}

/* ---- the reference: libcsv, strict ---- */

struct lc_state {
    struct rows *r;
    bool in_row;
};

static int lc_no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void lc_field(void *s, size_t n, void *data)
{
    struct lc_state *st = data;
    if (st->in_row)
        buf_putc(&st->r->text, US[0]);
    buf_put(&st->r->text, s, n);
    st->in_row = true;
}

static void lc_row(int c, void *data)
{
    (void)c;
    struct lc_state *st = data;
    rows_end_row(st->r);
    st->in_row = false;
}

static void libcsv_parse(const uint8_t *data, size_t len, uint8_t delim, uint8_t quote,
                         struct rows *out)
{
    struct csv_parser p;
    cr_assert_eq(csv_init(&p, CSV_STRICT | CSV_STRICT_FINI), 0);
    csv_set_space_func(&p, lc_no_space);
    csv_set_delim(&p, delim);
    csv_set_quote(&p, quote);
    rows_init(out);
    struct lc_state st = {out, false};
    size_t used = csv_parse(&p, data, len, lc_field, lc_row, &st);
    cr_assert_eq(used, len, "libcsv rejected generated input at byte %zu: %s (%s)", used,
                 csv_strerror(csv_error(&p)), esc(data, len));
    cr_assert_eq(csv_fini(&p, lc_field, lc_row, &st), 0, "libcsv fini: %s (%s)",
                 csv_strerror(csv_error(&p)), esc(data, len));
    csv_free(&p);
}

/* ---- the scanner over a tiling ---- */

static struct scan_field *g_fields; /* SCAN_BATCH_ROWS * MAXCOLS, kept all 0xff between uses */
static int32_t g_sel[MAXCOLS];
static const uint64_t UNSET = ~(uint64_t)0;
static char g_ctx[512]; /* what is being tested, for failure messages */

static void ctx(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_ctx, sizeof g_ctx, fmt, ap);
    va_end(ap);
}

static void fields_setup(void)
{
    if (!g_fields) {
        g_fields = malloc((size_t)SCAN_BATCH_ROWS * MAXCOLS * sizeof *g_fields);
        cr_assert_not_null(g_fields);
        memset(g_fields, 0xff, (size_t)SCAN_BATCH_ROWS * MAXCOLS * sizeof *g_fields);
    }
    for (int i = 0; i < MAXCOLS; i++)
        g_sel[i] = (int32_t)i;
}

/* memcmp, defined for empty (possibly NULL) buffers */
static bool same_bytes(const void *a, const void *b, size_t n)
{
    return n == 0 || memcmp(a, b, n) == 0;
}

static void put_u64(struct buf *b, uint64_t v) { buf_put(b, &v, sizeof v); }

/* A column selection other than "all columns, slot = column". Rows scanned
 * with it are reduced to: nfields, then per slot US and the value, or GS
 * when the row lacks the slot's column. */
struct selection {
    int32_t sel[MAXCOLS];
    int nsel, nselcols;
    int inv[MAXCOLS]; /* slot -> column */
};

static void selection_random(struct selection *sl, uint64_t *rng)
{
    memset(sl, 0, sizeof *sl);
    sl->nselcols = (int)rng_below(rng, 26); /* 0: no column selected at all */
    int cols[MAXCOLS], n = 0;
    for (int c = 0; c < sl->nselcols; c++) {
        sl->sel[c] = -1;
        if (rng_below(rng, 3) == 0 || (c == sl->nselcols - 1 && rng_below(rng, 2)))
            cols[n++] = c;
    }
    for (int i = n - 1; i > 0; i--) { /* slots in random column order */
        int j = (int)rng_below(rng, (size_t)i + 1), t = cols[i];
        cols[i] = cols[j];
        cols[j] = t;
    }
    for (int slot = 0; slot < n; slot++) {
        sl->sel[cols[slot]] = (int32_t)slot;
        sl->inv[slot] = cols[slot];
    }
    sl->nsel = n;
}

static void rows_begin_projected(struct rows *r, uint32_t nf)
{
    char num[16];
    snprintf(num, sizeof num, "%u", nf);
    buf_puts(&r->text, num);
}

/* libcsv's rows reduced by a selection. */
static void project_rows(const struct rows *full, const struct selection *sl, struct rows *out)
{
    rows_init(out);
    for (size_t i = 0; i < full->n; i++) {
        const uint8_t *row = full->text.p + full->off[i];
        size_t rlen = full->off[i + 1] - full->off[i] - 1; /* without RS */
        const uint8_t *fs[512];
        size_t fl[512];
        uint32_t nf = 0;
        size_t a = 0;
        for (size_t k = 0; k <= rlen; k++) {
            if (k == rlen || row[k] == US[0]) {
                if (nf < 512)
                    fs[nf] = row + a, fl[nf] = k - a;
                nf++;
                a = k + 1;
            }
        }
        rows_begin_projected(out, nf);
        for (int slot = 0; slot < sl->nsel; slot++) {
            buf_putc(&out->text, US[0]);
            uint32_t col = (uint32_t)sl->inv[slot];
            if (col < nf)
                buf_put(&out->text, fs[col], fl[col]);
            else
                buf_putc(&out->text, GS[0]);
        }
        rows_end_row(out);
    }
}

static void scan_tiled_sel(const uint8_t *data, size_t len, const size_t *cuts, size_t ncuts,
                           uint8_t delim, uint8_t quote, const struct selection *sl,
                           struct scanned *out);

/* Scan data[0, len) as the ranges [cuts[i], cuts[i+1]), i < ncuts - 1, with
 * data_begin 0, each range's in_quote from scan_count over [0, start), all
 * columns selected (slot = column).
 * Checks the per-row properties that do not need a reference. */
static void scan_tiled(const uint8_t *data, size_t len, const size_t *cuts, size_t ncuts,
                       uint8_t delim, uint8_t quote, struct scanned *out)
{
    scan_tiled_sel(data, len, cuts, ncuts, delim, quote, NULL, out);
}

/* The same with a selection (sl), whose rows are reduced as described at
 * struct selection. */
static void scan_tiled_sel(const uint8_t *data, size_t len, const size_t *cuts, size_t ncuts,
                           uint8_t delim, uint8_t quote, const struct selection *sl,
                           struct scanned *out)
{
    fields_setup();
    const int32_t *sel = sl ? sl->sel : g_sel;
    int nsel = sl ? sl->nsel : MAXCOLS, nselcols = sl ? sl->nselcols : MAXCOLS;
    memset(out, 0, sizeof *out);
    rows_init(&out->rows);
    uint8_t *scratch = malloc(len + 1);
    cr_assert_not_null(scratch);
    struct scan_batch *b = malloc(sizeof *b);
    cr_assert_not_null(b);
    b->fields = g_fields;
    for (size_t k = 0; k + 1 < ncuts; k++) {
        size_t start = cuts[k], stop = cuts[k + 1];
        uint64_t nq = 0, nn = 0;
        scan_count(data, start, quote, &nq, &nn);
        struct scan s;
        scan_init(&s, data, len, 0, start, stop, nq & 1, delim, quote, nsel, sel, nselcols);
        size_t n;
        while ((n = scan_next(&s, b)) > 0) {
            cr_assert_eq(n, b->nrows);
            cr_assert_leq(n, SCAN_BATCH_ROWS);
            for (size_t r = 0; r < n; r++) {
                uint64_t rs = b->row_start[r], re = b->row_end[r];
                uint32_t nf = b->nfields[r];
                cr_assert(rs >= start && rs < stop,
                          "%s: row_start %llu outside its range [%zu, %zu) in %s", g_ctx,
                          (unsigned long long)rs, start, stop, esc(data, len));
                cr_assert(rs <= re && re <= len, "%s: row [%llu, %llu) in %s", g_ctx,
                          (unsigned long long)rs, (unsigned long long)re, esc(data, len));
                cr_assert(nf >= 1 && (sl || nf <= MAXCOLS), "%s: nfields %u", g_ctx, nf);
                cr_assert(re == len || data[re] == '\n' ||
                              (data[re] == '\r' && re + 1 < len && data[re + 1] == '\n'),
                          "%s: row_end %llu is not a line end in %s", g_ctx, (unsigned long long)re,
                          esc(data, len));
                put_u64(&out->meta, rs);
                put_u64(&out->meta, re);
                put_u64(&out->meta, nf);
                put_u64(&out->meta, b->bad_quote[r]);
                out->bad = realloc(out->bad, out->nbad + 1);
                out->bad[out->nbad++] = b->bad_quote[r];
                struct scan_field *row = &b->fields[r * (size_t)nsel];
                if (sl)
                    rows_begin_projected(&out->rows, nf);
                for (uint32_t f = 0; f < (uint32_t)nsel; f++) {
                    uint32_t col = sl ? (uint32_t)sl->inv[f] : f;
                    if (col >= nf) {
                        cr_assert(
                            row[f].start == UNSET && row[f].end == UNSET,
                            "%s: row at %llu has %u fields but slot %u (column %u) was written",
                            g_ctx, (unsigned long long)rs, nf, f, col);
                        if (sl) {
                            buf_putc(&out->rows.text, US[0]);
                            buf_putc(&out->rows.text, GS[0]);
                        }
                        continue;
                    }
                    struct scan_field fd = row[f];
                    cr_assert(fd.start != UNSET, "%s: row at %llu: field %u of %u not set", g_ctx,
                              (unsigned long long)rs, f, nf);
                    cr_assert(rs <= fd.start && fd.start <= fd.end && fd.end <= re,
                              "%s: row [%llu, %llu): field %u is [%llu, %llu)", g_ctx,
                              (unsigned long long)rs, (unsigned long long)re, f,
                              (unsigned long long)fd.start, (unsigned long long)fd.end);
                    cr_assert(fd.end == fd.start || data[fd.end - 1] != '\r' ||
                                  data[fd.start] == quote,
                              "%s: an unquoted field ends with \\r", g_ctx);
                    put_u64(&out->meta, fd.start);
                    put_u64(&out->meta, fd.end);
                    size_t vlen;
                    const uint8_t *v = scan_unquote(data, fd, quote, scratch, &vlen);
                    if (f || sl)
                        buf_putc(&out->rows.text, US[0]);
                    buf_put(&out->rows.text, v, vlen);
                    row[f].start = row[f].end = UNSET;
                }
                rows_end_row(&out->rows);
            }
        }
        if (s.unterminated) {
            out->nunterminated++;
            out->unterminated_row = s.unterminated_row;
            cr_assert(s.unterminated_row >= start && s.unterminated_row < stop,
                      "%s: unterminated_row %llu outside range [%zu, %zu)", g_ctx,
                      (unsigned long long)s.unterminated_row, start, stop);
        }
        /* A finished scan stays finished. */
        cr_assert_eq(scan_next(&s, b), 0);
    }
    free(b);
    free(scratch);
}

/* Require that two row sets are equal, pointing at the first different row. */
static void rows_same(const struct rows *want, const struct rows *got, const char *what,
                      const uint8_t *data, size_t len)
{
    size_t n = want->n < got->n ? want->n : got->n;
    for (size_t i = 0; i < n; i++) {
        size_t wl = want->off[i + 1] - want->off[i], gl = got->off[i + 1] - got->off[i];
        const uint8_t *w = want->text.p + want->off[i], *g = got->text.p + got->off[i];
        cr_assert(wl == gl && same_bytes(w, g, wl),
                  "%s: %s: row %zu differs:\n  want %s\n  got  %s\n  input (%zu bytes) %s", g_ctx,
                  what, i, esc(w, wl), esc(g, gl), len, esc(data, len));
    }
    cr_assert_eq(want->n, got->n, "%s: %s: %zu rows wanted, %zu got; input (%zu bytes) %s", g_ctx,
                 what, want->n, got->n, len, esc(data, len));
}

/* ---- tilings ---- */

struct cuts {
    size_t *c;
    size_t n;
};

static void cuts_fixed(struct cuts *t, size_t len, size_t k)
{
    t->c = realloc(t->c, (len / k + 3) * sizeof *t->c);
    t->n = 0;
    for (size_t p = 0; p < len; p += k)
        t->c[t->n++] = p;
    t->c[t->n++] = len;
    if (t->n == 1) /* empty input: one empty range */
        t->c[t->n++] = len;
}

static void cuts_random(struct cuts *t, size_t len, uint64_t *rng)
{
    static const size_t menu[] = {1, 2, 3, 7, 64, 65};
    t->c = realloc(t->c, (len + 3) * sizeof *t->c);
    t->n = 0;
    size_t p = 0;
    do {
        t->c[t->n++] = p;
        size_t k = rng_below(rng, 3) ? menu[rng_below(rng, 6)] : 1 + rng_below(rng, 200);
        p += k;
    } while (p < len);
    t->c[t->n++] = len;
}

/* Everything about one input: the scanner over several tilings equals
 * libcsv, and every tiling equals the single-range scan exactly. */
static void check_input(const uint8_t *src, size_t len, uint8_t delim, uint8_t quote, uint64_t seed,
                        bool one_byte_ranges)
{
    uint8_t *data = malloc(len ? len : 1);
    cr_assert_not_null(data);
    if (len)
        memcpy(data, src, len);
    struct rows want;
    libcsv_parse(data, len, delim, quote, &want);

    struct cuts t = {0};
    cuts_fixed(&t, len, len ? len : 1);
    ctx("input seed %llu, whole", (unsigned long long)seed);
    struct scanned whole;
    scan_tiled(data, len, t.c, t.n, delim, quote, &whole);
    rows_same(&want, &whole.rows, "scanner vs libcsv", data, len);
    cr_assert_eq(whole.nunterminated, 0, "%s: unterminated on valid input", g_ctx);
    for (size_t i = 0; i < whole.nbad; i++)
        cr_assert_eq(whole.bad[i], 0, "%s: row %zu marked bad_quote in valid input %s", g_ctx, i,
                     esc(data, len));

    static const size_t fixed[] = {1, 2, 3, 7, 64, 65};
    uint64_t rng = seed ^ 0x5ca1ab1e;
    for (int v = 0; v < 4; v++) {
        char what[64];
        if (v == 0 && !one_byte_ranges)
            continue;
        if (v == 0) {
            cuts_fixed(&t, len, 1);
            snprintf(what, sizeof what, "1-byte ranges");
        } else if (v == 1) {
            size_t k = fixed[1 + rng_below(&rng, 5)];
            cuts_fixed(&t, len, k);
            snprintf(what, sizeof what, "%zu-byte ranges", k);
        } else {
            cuts_random(&t, len, &rng);
            snprintf(what, sizeof what, "random ranges #%d", v);
        }
        ctx("input seed %llu, %s", (unsigned long long)seed, what);
        struct scanned got;
        scan_tiled(data, len, t.c, t.n, delim, quote, &got);
        rows_same(&want, &got.rows, "scanner vs libcsv", data, len);
        cr_assert(got.meta.len == whole.meta.len &&
                      same_bytes(got.meta.p, whole.meta.p, got.meta.len),
                  "%s: rows (offsets, nfields, bad flags) differ from the single-range scan of %s",
                  g_ctx, esc(data, len));
        cr_assert_eq(got.nunterminated, 0);
        scanned_free(&got);
    }
    /* A random column selection: the selected fields and nfields agree
     * with libcsv; unselected columns are never written. */
    struct selection sl;
    selection_random(&sl, &rng);
    struct rows pwant;
    project_rows(&want, &sl, &pwant);
    for (int v = 0; v < 2; v++) {
        if (v == 0)
            cuts_fixed(&t, len, len ? len : 1);
        else
            cuts_random(&t, len, &rng);
        ctx("input seed %llu, selection of %d of %d columns, %s", (unsigned long long)seed, sl.nsel,
            sl.nselcols, v ? "random ranges" : "whole");
        struct scanned got;
        scan_tiled_sel(data, len, t.c, t.n, delim, quote, &sl, &got);
        rows_same(&pwant, &got.rows, "selected columns vs libcsv", data, len);
        cr_assert_eq(got.nunterminated, 0);
        for (size_t i = 0; i < got.nbad; i++)
            cr_assert_eq(got.bad[i], 0, "%s: row %zu marked bad_quote", g_ctx, i);
        scanned_free(&got);
    }
    rows_free(&pwant);
    scanned_free(&whole);
    rows_free(&want);
    free(t.c);
    free(data);
}

/* ---- random valid CSV ---- */

static void gen_plain(struct buf *b, uint64_t *rng, size_t n, uint8_t delim, uint8_t quote)
{
    static const char *const pieces[] = {
        "a",    "b",  "z", "Q", "0",  "7", " ", " ", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "\xff", "\"", "'", ";", "\t", "|", "x"};
    for (size_t i = 0; i < n; i++) {
        const char *p = pieces[rng_below(rng, sizeof pieces / sizeof pieces[0])];
        if (strlen(p) == 1 && ((uint8_t)p[0] == delim || (uint8_t)p[0] == quote))
            p = "m";
        buf_puts(b, p);
    }
}

static void gen_field(struct buf *b, uint64_t *rng, uint8_t delim, uint8_t quote)
{
    size_t kind = rng_below(rng, 10);
    if (kind < 2)
        return; /* empty */
    if (kind < 6) {
        size_t n = rng_below(rng, 12) == 0 ? 40 + rng_below(rng, 120) : 1 + rng_below(rng, 8);
        gen_plain(b, rng, n, delim, quote);
        return;
    }
    buf_putc(b, quote);
    if (kind == 6) { /* "" */
        buf_putc(b, quote);
        return;
    }
    size_t parts = rng_below(rng, 12) == 0 ? 20 + rng_below(rng, 60) : rng_below(rng, 6);
    for (size_t i = 0; i < parts; i++) {
        switch (rng_below(rng, 8)) {
        case 0: buf_putc(b, delim); break;
        case 1:
            buf_putc(b, quote);
            buf_putc(b, quote);
            break;
        case 2: buf_putc(b, '\n'); break;
        case 3: buf_puts(b, "\r\n"); break;
        default: gen_plain(b, rng, 1 + rng_below(rng, 5), delim, quote); break;
        }
    }
    buf_putc(b, quote);
}

static void gen_csv(struct buf *b, uint64_t *rng, uint8_t delim, uint8_t quote)
{
    b->len = 0;
    size_t nrows = rng_below(rng, 20) == 0 ? 200 + rng_below(rng, 600) : rng_below(rng, 14);
    for (size_t r = 0; r < nrows; r++) {
        while (rng_below(rng, 10) == 0)
            buf_puts(b, rng_below(rng, 2) ? "\n" : "\r\n"); /* blank line */
        size_t nf = 1 + rng_below(rng, rng_below(rng, 4) == 0 ? 20 : 6);
        for (size_t f = 0; f < nf; f++) {
            if (f)
                buf_putc(b, delim);
            gen_field(b, rng, delim, quote);
        }
        bool last = r + 1 == nrows;
        if (!last || rng_below(rng, 2))
            buf_puts(b, rng_below(rng, 2) ? "\n" : "\r\n");
    }
    if (nrows && rng_below(rng, 8) == 0)
        buf_puts(b, rng_below(rng, 2) ? "\n" : "\r\n");
}

Test(scan, random_valid_csv_matches_libcsv_for_any_tiling, .timeout = 120)
{
    struct buf b = {0};
    for (uint64_t i = 0; i < 4000; i++) {
        uint64_t rng = 0xC5F00D + i * 7919;
        uint64_t seed = rng;
        uint8_t delim = ',', quote = '"';
        if (i % 8 == 7)
            delim = ';', quote = '\'';
        else if (i % 8 == 6)
            delim = '\t';
        gen_csv(&b, &rng, delim, quote);
        check_input(b.p, b.len, delim, quote, seed, b.len <= 3000);
    }
    free(b.p);
}

/* ---- fixed cases ---- */

/* Parse `in` with the scanner over `cuts` and require exactly `want` (fields
 * joined by US, each row followed by RS); also compare with libcsv. */
static void expect_tiled(const char *in, size_t len, const size_t *cuts, size_t ncuts,
                         const char *want)
{
    uint8_t *data = malloc(len ? len : 1);
    memcpy(data, in, len);
    struct rows ref;
    libcsv_parse(data, len, ',', '"', &ref);
    cr_assert(ref.text.len == strlen(want) && same_bytes(ref.text.p, want, ref.text.len),
              "test expectation disagrees with libcsv: libcsv says %s",
              esc(ref.text.p, ref.text.len));
    struct scanned got;
    scan_tiled(data, len, cuts, ncuts, ',', '"', &got);
    rows_same(&ref, &got.rows, "scanner vs expected", data, len);
    cr_assert_eq(got.nunterminated, 0, "%s: unterminated", g_ctx);
    for (size_t i = 0; i < got.nbad; i++)
        cr_assert_eq(got.bad[i], 0, "%s: row %zu bad_quote", g_ctx, i);
    scanned_free(&got);
    rows_free(&ref);
    free(data);
}

static void expect_whole(const char *in, size_t len, const char *want)
{
    size_t cuts[2] = {0, len};
    ctx("whole");
    expect_tiled(in, len, cuts, 2, want);
}

/* Every single cut and, for short inputs, every pair of cuts. */
static void expect_every_cut(const char *in, size_t len, const char *want)
{
    expect_whole(in, len, want);
    for (size_t c = 0; c <= len; c++) {
        size_t cuts[3] = {0, c, len};
        ctx("cut at %zu", c);
        expect_tiled(in, len, cuts, 3, want);
    }
    if (len > 80)
        return;
    for (size_t c1 = 1; c1 < len; c1++) {
        for (size_t c2 = c1 + 1; c2 < len; c2++) {
            size_t cuts[4] = {0, c1, c2, len};
            ctx("cuts at %zu, %zu", c1, c2);
            expect_tiled(in, len, cuts, 4, want);
        }
    }
}

#define S(lit) lit, sizeof(lit) - 1

Test(scan, quoted_newline_straddles_cut_at_every_offset)
{
    expect_every_cut(S("a,\"x\ny\",b\r\nc,\"p\r\nq\"\n\"\n\",z\n\"\r\n\"\n"),
                     "a" US "x\ny" US "b" RS "c" US "p\r\nq" RS "\n" US "z" RS "\r\n" RS);
    expect_every_cut(S("\"\n\n\n\",\"\n\"\"\n\"\n\n"), "\n\n\n" US "\n\"\n" RS);
}

Test(scan, field_of_only_doubled_quotes)
{
    expect_every_cut(S("\"\"\"\"\"\",x\n\"\"\"\"\n\"\",\"\"\"\"\"\"\"\"\n"),
                     "\"\"" US "x" RS "\"" RS "" US "\"\"\"" RS);
    expect_every_cut(S("\"\"\"\""), "\"" RS);
}

Test(scan, crlf_split_between_two_ranges)
{
    const char *in = "ab,c\r\nd\r\n\r\ne,\r\n";
    size_t len = strlen(in);
    const char *want = "ab" US "c" RS "d" RS "e" US "" RS;
    /* cut between every "\r" and its "\n" */
    for (size_t i = 0; i + 1 < len; i++) {
        if (in[i] != '\r')
            continue;
        size_t cuts[3] = {0, i + 1, len};
        ctx("cut inside \\r\\n at %zu", i + 1);
        expect_tiled(in, len, cuts, 3, want);
    }
    expect_every_cut(in, len, want);
    /* row_end is the "\r"; no field contains it. */
    uint8_t *data = malloc(len);
    memcpy(data, in, len);
    size_t cuts[3] = {0, 5, len};
    struct scanned got;
    ctx("row_end check");
    scan_tiled(data, len, cuts, 3, ',', '"', &got);
    cr_assert_eq(got.nbad, 3);
    uint64_t m[4];
    memcpy(m, got.meta.p, sizeof m);
    cr_assert_eq(m[0], 0u);
    cr_assert_eq(m[1], 4u, "row_end %llu, want 4 (the \\r)", (unsigned long long)m[1]);
    cr_assert_eq(m[2], 2u);
    scanned_free(&got);
    free(data);
}

Test(scan, last_row_without_line_end)
{
    expect_every_cut(S("a,b\nc,d"), "a" US "b" RS "c" US "d" RS);
    expect_every_cut(S("a\n\"x,\ny\""), "a" RS "x,\ny" RS);
    expect_every_cut(S("a\n\"\""), "a" RS "" RS);
    expect_every_cut(S("a\nb,"), "a" RS "b" US "" RS);
    expect_every_cut(S("a\r\n,"), "a" RS "" US "" RS);
    expect_every_cut(S("x"), "x" RS);
    expect_every_cut(S("\"\""), "" RS);
    expect_every_cut(S(""), "");
    expect_every_cut(S("\n\r\n\n"), "");
}

Test(scan, one_huge_quoted_field_over_one_byte_ranges)
{
    struct buf b = {0}, want = {0};
    buf_puts(&b, "h1,h2\n\"");
    buf_puts(&want, "h1" US "h2" RS);
    uint64_t rng = 42;
    for (int i = 0; i < 3000; i++) {
        static const char *const parts[] = {",", "\"\"", "\n", "\r\n", "abc", " ", "\xc3\xa9"};
        const char *p = parts[rng_below(&rng, 7)];
        buf_puts(&b, p);
        buf_puts(&want, strcmp(p, "\"\"") ? p : "\"");
    }
    buf_puts(&b, "\",tail\r\nlast,row");
    buf_puts(&want, US "tail" RS "last" US "row" RS);
    buf_putc(&want, 0);
    struct cuts t = {0};
    cuts_fixed(&t, b.len, 1);
    ctx("1-byte ranges");
    expect_tiled((const char *)b.p, b.len, t.c, t.n, (const char *)want.p);
    for (size_t k = 2; k <= 130; k += 1 + k / 4) {
        cuts_fixed(&t, b.len, k);
        ctx("%zu-byte ranges", k);
        expect_tiled((const char *)b.p, b.len, t.c, t.n, (const char *)want.p);
    }
    free(t.c);
    free(b.p);
    free(want.p);
}

/* Inputs of exactly len bytes ending in several ways, at block edges. */
Test(scan, input_length_at_block_edges)
{
    static const size_t lens[] = {1, 2, 63, 64, 65, 127, 128, 129, 191, 192, 193};
    static const char *const tails[] = {"\n",   "\r\n",       "z",         ",",     "\"q\"",
                                        "\"\"", "\"a\nb\"\n", "\"a\"\r\n", ",\"\"", "\"x\"\"\""};
    for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
        for (size_t ti = 0; ti < sizeof tails / sizeof tails[0]; ti++) {
            size_t len = lens[li], tl = strlen(tails[ti]);
            if (tl > len)
                continue;
            struct buf b = {0};
            /* rows "xxxxxxx,yy\n" then one filler row so the tail ends at len */
            uint64_t rng = len * 31 + ti;
            while (b.len + tl + 16 < len) {
                size_t n = 1 + rng_below(&rng, 9);
                for (size_t i = 0; i < n; i++)
                    buf_putc(&b, (uint8_t)('a' + i));
                buf_puts(&b, rng_below(&rng, 2) ? ",y\n" : ",\"y\"\r\n");
            }
            bool filler = b.len + tl < len;
            while (b.len + tl < len)
                buf_putc(&b, 'w');
            if (filler && tails[ti][0] == '"')
                b.p[b.len - 1] = ','; /* a quote must open a field */
            buf_puts(&b, tails[ti]);
            cr_assert_eq(b.len, len);
            check_input(b.p, b.len, ',', '"', len * 100 + ti, true);
            free(b.p);
        }
    }
}

/* Quote-sensitive patterns shifted over every offset around the 64- and
 * 128-byte block edges: opening quotes at 63/64 (prev_carry), closing quotes
 * whose following delimiter or "\r\n" is in the next block, doubled quotes
 * split by the edge. */
Test(scan, quotes_at_block_edges)
{
    static const char *const tpl[] = {
        ",\"a\"\"b\",c\n", ",\"\"\"\"\r\n",     ",\"x\"\r\nq\n", "\n\"y,z\"\n",
        ",\"\",\"\"\n",    ",\"\r\n\"",         ",\"a\"",        "\n\"\"",
        "\n\"\"\"\"\"\"",  ",\"\n\"\n\"\n\"\n", "\r\n\"a\"\r\n", ",\"\",\"\"\r\n\"\"\r\n",
    };
    struct buf b = {0};
    for (size_t t = 0; t < sizeof tpl / sizeof tpl[0]; t++) {
        for (size_t pad = 0; pad <= 135; pad++) {
            if (pad > 8 && (pad < 54 || pad > 70) && pad < 118)
                continue;
            b.len = 0;
            for (size_t i = 0; i < pad; i++)
                buf_putc(&b, (uint8_t)(i % 17 == 16 ? ',' : 'p'));
            buf_puts(&b, tpl[t]);
            buf_puts(&b, "\ntail\n");
            check_input(b.p, b.len, ',', '"', t * 1000 + pad, true);
            b.len -= 6; /* and ending right after the template */
            check_input(b.p, b.len, ',', '"', t * 1000 + pad + 500, true);
        }
    }
    free(b.p);
}

Test(scan, many_rows_fill_several_batches)
{
    struct buf b = {0};
    uint64_t rng = 7;
    for (int r = 0; r < 3000; r++) {
        switch (rng_below(&rng, 6)) {
        case 0: buf_puts(&b, "a\n"); break;
        case 1: buf_puts(&b, "\"q\nq\",\"\"\r\n"); break;
        case 2: buf_puts(&b, "\n"); break;
        case 3: buf_puts(&b, ",\n"); break;
        default: buf_puts(&b, "x,yy,\"z\"\"\"\n"); break;
        }
    }
    check_input(b.p, b.len, ',', '"', 7, true);
    free(b.p);
}

Test(scan, selection_maps_columns_to_slots)
{
    const char *in = "a,b,c,d\ne\n\"f\",g\n";
    size_t len = strlen(in);
    int32_t sel[3] = {-1, 1, 0}; /* col 1 -> slot 1, col 2 -> slot 0, col 0 and 3 unused */
    struct scan_field fields[SCAN_BATCH_ROWS * 2];
    memset(fields, 0xff, sizeof fields);
    struct scan_batch b;
    b.fields = fields;
    struct scan s;
    scan_init(&s, (const uint8_t *)in, len, 0, 0, len, false, ',', '"', 2, sel, 3);
    cr_assert_eq(scan_next(&s, &b), 3);
    cr_assert_eq(b.nfields[0], 4);
    cr_assert_eq(fields[0].start, 4u); /* c */
    cr_assert_eq(fields[0].end, 5u);
    cr_assert_eq(fields[1].start, 2u); /* b */
    cr_assert_eq(fields[1].end, 3u);
    cr_assert_eq(b.nfields[1], 1);
    cr_assert_eq(fields[2].start, UNSET, "row 1 has no column 2");
    cr_assert_eq(fields[3].start, UNSET, "row 1 has no column 1");
    cr_assert_eq(b.nfields[2], 2);
    cr_assert_eq(fields[4].start, UNSET);
    cr_assert_eq(fields[5].start, 14u); /* g */
    cr_assert_eq(fields[5].end, 15u);
    cr_assert_eq(scan_next(&s, &b), 0);
}

Test(scan, data_begin_after_header)
{
    /* The header's quote must not matter: rows begin at data_begin. */
    const char *in = "h\"1,h2\na,\"b\nc\"\nd,e\n";
    size_t len = strlen(in), db = 7;
    struct scan_field fields[SCAN_BATCH_ROWS * 2];
    int32_t sel[2] = {0, 1};
    struct scan_batch b;
    b.fields = fields;
    for (size_t cut = db; cut <= len; cut++) {
        size_t cuts[3] = {db, cut, len};
        size_t nrows = 0;
        uint64_t starts[4];
        for (int k = 0; k < 2; k++) {
            uint64_t nq, nn;
            scan_count((const uint8_t *)in + db, cuts[k] - db, '"', &nq, &nn);
            struct scan s;
            scan_init(&s, (const uint8_t *)in, len, db, cuts[k], cuts[k + 1], nq & 1, ',', '"', 2,
                      sel, 2);
            size_t n;
            while ((n = scan_next(&s, &b)) > 0)
                for (size_t r = 0; r < n && nrows < 4; r++) {
                    cr_assert_eq(b.bad_quote[r], 0);
                    starts[nrows++] = b.row_start[r];
                }
            cr_assert_not(s.unterminated);
        }
        cr_assert_eq(nrows, 2, "cut %zu: %zu rows", cut, nrows);
        cr_assert_eq(starts[0], 7u);
        cr_assert_eq(starts[1], 15u);
    }
}

/* ---- bad quotes ---- */

/* Scan `in` (all tilings of a few sizes) and require these bad flags. */
static void expect_bad(const char *in, size_t len, const uint8_t *want_bad, size_t nrows)
{
    uint8_t *data = malloc(len);
    memcpy(data, in, len);
    struct cuts t = {0};
    static const size_t ks[] = {0, 1, 2, 3, 5, 7, 64};
    struct scanned whole = {0};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        cuts_fixed(&t, len, ks[i] ? ks[i] : len);
        ctx("bad quotes, %zu-byte ranges", ks[i] ? ks[i] : len);
        struct scanned got;
        scan_tiled(data, len, t.c, t.n, ',', '"', &got);
        cr_assert_eq(got.nbad, nrows, "%s: %zu rows, want %zu in %s", g_ctx, got.nbad, nrows,
                     esc(data, len));
        for (size_t r = 0; r < nrows; r++)
            cr_assert_eq(got.bad[r], want_bad[r], "%s: row %zu bad_quote %d, want %d in %s", g_ctx,
                         r, got.bad[r], want_bad[r], esc(data, len));
        cr_assert_eq(got.nunterminated, 0);
        if (i == 0) {
            whole = got;
        } else {
            cr_assert(got.meta.len == whole.meta.len &&
                          same_bytes(got.meta.p, whole.meta.p, got.meta.len),
                      "%s: differs from the single-range scan", g_ctx);
            scanned_free(&got);
        }
    }
    scanned_free(&whole);
    free(t.c);
    free(data);
}

Test(scan, quote_inside_unquoted_field_marks_row_bad)
{
    static const uint8_t w[] = {0, 1, 0};
    expect_bad(S("x,y\na,b\"c,d\"\ne,f\n"), w, 3);
    expect_bad(S("x,y\na,x\"y\"\ne,f\n"), w, 3);
    expect_bad(S("x,y\na\"\"b\ne,f\n"), w, 3);
    expect_bad(S("x,y\r\na\"\"b\r\ne,f\r\n"), w, 3);
}

Test(scan, text_after_closing_quote_marks_row_bad)
{
    static const uint8_t w[] = {0, 1, 0};
    expect_bad(S("x,y\n\"ab\"c,d\ne,f\n"), w, 3);
    expect_bad(S("x,y\na,\"b\"x\ne,f\n"), w, 3);
    expect_bad(S("x,y\n\"a\" ,b\ne,f\n"), w, 3);
    static const uint8_t w2[] = {1, 0};
    expect_bad(S("\"ab\"c,d\ne,f"), w2, 2);
    static const uint8_t w3[] = {0, 1};
    expect_bad(S("e,f\n\"ab\"c,d"), w3, 2);
}

Test(scan, bad_quote_flag_stays_with_its_row_across_block_edges)
{
    struct buf b = {0};
    for (size_t pad = 0; pad <= 135; pad++) {
        if (pad > 6 && (pad < 40 || pad > 66) && (pad < 104 || pad > 130))
            continue;
        b.len = 0;
        for (size_t i = 0; i < pad; i++)
            buf_putc(&b, 'p');
        buf_puts(&b, "\na\"\"b\nc,d\n\"e\"f\ng\n\"h\"\"\"\r\ni,j\"\"\n");
        static const uint8_t w[] = {0, 1, 0, 1, 0, 0, 1};
        if (pad == 0)
            expect_bad((const char *)b.p, b.len, w + 1, 6);
        else
            expect_bad((const char *)b.p, b.len, w, 7);
    }
    free(b.p);
}

/* An odd quote: the rest of the input is inside quotes. */
static void expect_unterminated(const char *in, size_t len, size_t nrows_before, uint64_t row)
{
    uint8_t *data = malloc(len);
    memcpy(data, in, len);
    struct cuts t = {0};
    for (size_t k = 1; k <= len; k++) {
        cuts_fixed(&t, len, k);
        ctx("unterminated, %zu-byte ranges", k);
        struct scanned got;
        scan_tiled(data, len, t.c, t.n, ',', '"', &got);
        cr_assert_eq(got.nunterminated, 1, "%s: %d ranges report unterminated in %s", g_ctx,
                     got.nunterminated, esc(data, len));
        cr_assert_eq(got.unterminated_row, row, "%s: unterminated_row %llu, want %llu", g_ctx,
                     (unsigned long long)got.unterminated_row, (unsigned long long)row);
        cr_assert_eq(got.nbad, nrows_before, "%s: %zu rows before, want %zu", g_ctx, got.nbad,
                     nrows_before);
        for (size_t r = 0; r < got.nbad; r++)
            cr_assert_eq(got.bad[r], 0, "%s: good row %zu marked bad", g_ctx, r);
        scanned_free(&got);
    }
    free(t.c);
    free(data);
}

Test(scan, unterminated_quote_at_end_reports_its_row_start)
{
    expect_unterminated(S("a,b\n\"cd,e\n"), 1, 4);
    expect_unterminated(S("\"abc"), 0, 0);
    expect_unterminated(S("\""), 0, 0);
    expect_unterminated(S("a\nb,\"c"), 1, 2);
    expect_unterminated(S("a\r\n\r\nb,\"c\"\"\n,\n"), 1, 5);
    /* a stray quote in an unquoted field that is never closed */
    expect_unterminated(S("x,y\na,b\"c,d\ne,f\n"), 1, 4);
    struct buf b = {0};
    for (int i = 0; i < 70; i++)
        buf_puts(&b, "r\n");
    buf_puts(&b, "s,\"");
    for (int i = 0; i < 70; i++)
        buf_puts(&b, "t\n");
    expect_unterminated((const char *)b.p, b.len, 70, 140);
    free(b.p);
}

/* ---- scan_count ---- */

Test(scan, count_matches_byte_loop)
{
    uint64_t rng = 99;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = rng_below(&rng, 301), off = rng_below(&rng, 64);
        uint8_t quote = iter % 3 == 0 ? '\'' : '"';
        /* exactly off + n bytes, so an over-read trips ASan */
        uint8_t *p = malloc(off + n ? off + n : 1);
        for (size_t i = 0; i < off + n; i++) {
            static const uint8_t alpha[] = {'"', '\'', '\n', '\r', ',', 'a', 0, 0xff};
            p[i] = alpha[rng_below(&rng, 8)];
        }
        uint8_t *exact = malloc(n ? n : 1);
        memcpy(exact, p + off, n);
        uint64_t wq = 0, wn = 0;
        for (size_t i = 0; i < n; i++) {
            wq += exact[i] == quote;
            wn += exact[i] == '\n';
        }
        uint64_t q = 12345, nl = 12345;
        scan_count(p + off, n, quote, &q, &nl);
        cr_assert(q == wq && nl == wn, "n %zu off %zu: got %llu/%llu, want %llu/%llu", n, off,
                  (unsigned long long)q, (unsigned long long)nl, (unsigned long long)wq,
                  (unsigned long long)wn);
        q = nl = 12345;
        scan_count(exact, n, quote, &q, &nl);
        cr_assert(q == wq && nl == wn, "exact buffer, n %zu", n);
        free(exact);
        free(p);
    }
}

Test(scan, row_wider_than_selection_reports_all_fields)
{
    struct buf b = {0};
    for (int i = 0; i < 100; i++) {
        char f[16];
        snprintf(f, sizeof f, i % 3 ? "%d," : "\"%d\",", i);
        buf_puts(&b, f);
    }
    buf_puts(&b, "end\r\nx\n");
    fields_setup();
    struct scan_batch *sb = malloc(sizeof *sb);
    sb->fields = g_fields;
    struct scan s;
    scan_init(&s, b.p, b.len, 0, 0, b.len, false, ',', '"', MAXCOLS, g_sel, MAXCOLS);
    cr_assert_eq(scan_next(&s, sb), 2);
    cr_assert_eq(sb->nfields[0], 101, "nfields %u", sb->nfields[0]);
    cr_assert_eq(sb->bad_quote[0], 0);
    uint8_t scratch[16];
    for (int i = 0; i < MAXCOLS; i++) {
        size_t vl;
        const uint8_t *v = scan_unquote(b.p, g_fields[i], '"', scratch, &vl);
        char want[16];
        snprintf(want, sizeof want, "%d", i);
        cr_assert(vl == strlen(want) && memcmp(v, want, vl) == 0, "field %d: %s", i, esc(v, vl));
    }
    cr_assert_eq(sb->nfields[1], 1);
    cr_assert_eq(sb->row_start[1], b.len - 2);
    cr_assert_eq(scan_next(&s, sb), 0);
    memset(g_fields, 0xff, (size_t)SCAN_BATCH_ROWS * MAXCOLS * sizeof *g_fields);
    free(sb);
    free(b.p);
}

/* scan_first_row_end against a byte-by-byte walk, from either quote state,
 * over random text from a CSV-ish alphabet (long enough to cross blocks). */
Test(scan, first_row_end_matches_a_byte_walk)
{
    static const char alpha[] = "ab,\"\n\r";
    uint64_t seed = 12345;
    uint8_t text[300];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rng_next(&seed) % sizeof text);
        unsigned mode = (unsigned)(rng_next(&seed) % 3); /* vary how rare line ends are */
        for (size_t i = 0; i < n; i++) {
            uint64_t r = rng_next(&seed);
            text[i] = (uint8_t)(mode == 0 ? alpha[r % 6] : r % 97 ? 'x' : alpha[2 + r % 4]);
        }
        for (int start_inq = 0; start_inq < 2; start_inq++) {
            bool inq = start_inq;
            size_t want = 0;
            for (size_t i = 0; i < n && !want; i++) {
                if (text[i] == '"')
                    inq = !inq;
                else if (text[i] == '\n' && !inq)
                    want = i + 1;
            }
            cr_assert_eq(scan_first_row_end(text, n, '"', start_inq), want, "round %d n %zu", round,
                         n);
        }
    }
}

/* scan_field_value: a plain field is read in place; a quoted one is
 * unquoted into the arena, which moves past it, so the values of one row
 * stay valid together. */
Test(scan, field_value_reads_plain_fields_in_place_and_unquotes_into_the_arena)
{
    static const char text[] = "ab,\"c\"\"d\",,\"\",\"e,f\"";
    const uint8_t *data = (const uint8_t *)text;
    const struct scan_field f[] = {{0, 2}, {3, 9}, {10, 10}, {11, 13}, {14, 19}};
    static const char *const want[] = {"ab", "c\"d", "", "", "e,f"};
    const bool in_place[] = {true, false, true, false, false};
    uint8_t arena[sizeof text], *s = arena;
    const uint8_t *v[5];
    size_t len[5];
    for (int i = 0; i < 5; i++) {
        uint8_t *before = s;
        v[i] = scan_field_value(data, f[i], '"', &s, &len[i]);
        cr_assert_eq(s - before, in_place[i] ? 0 : (ptrdiff_t)len[i],
                     "field %d moved the arena by %td", i, s - before);
        if (in_place[i])
            cr_assert_eq(v[i], data + f[i].start, "field %d not read in place", i);
        else
            cr_assert_eq(v[i], before, "field %d not unquoted at the arena's front", i);
    }
    for (int i = 0; i < 5; i++) /* every value still intact after the later ones */
        cr_assert(len[i] == strlen(want[i]) && memcmp(v[i], want[i], len[i]) == 0,
                  "field %d: %s, expected %s", i, esc(v[i], len[i]), want[i]);
}

/* The same value as scan_unquote, for random fields with any quote byte,
 * and the arena never moves by more than the raw bytes. */
Test(scan, field_value_matches_unquote)
{
    static const char alpha[] = "ab'\",\n";
    uint64_t seed = 777;
    uint8_t text[64], arena[64], scratch[64];
    for (int round = 0; round < 20000; round++) {
        uint8_t quote = round & 1 ? '"' : '\'';
        size_t n = rng_below(&seed, sizeof text);
        for (size_t i = 0; i < n; i++)
            text[i] = (uint8_t)alpha[rng_below(&seed, sizeof alpha - 1)];
        if (n && rng_below(&seed, 2))
            text[0] = quote;
        struct scan_field f = {0, n};
        size_t wl, gl;
        const uint8_t *w = scan_unquote(text, f, quote, scratch, &wl);
        uint8_t *s = arena;
        const uint8_t *g = scan_field_value(text, f, quote, &s, &gl);
        cr_assert(gl == wl && memcmp(g, w, wl) == 0, "round %d: %s, expected %s", round, esc(g, gl),
                  esc(w, wl));
        cr_assert((size_t)(s - arena) <= n, "round %d: arena moved %td for %zu raw bytes", round,
                  s - arena, n);
    }
}

/* scan_sel_slot: slots in order of first mention, one per column. */
Test(scan, sel_slot_gives_each_column_one_slot)
{
    int32_t sel[6];
    int nsel = 0;
    scan_sel_init(sel, 6);
    const int cols[] = {3, 1, 3, 5, 1}, want[] = {0, 1, 0, 2, 1};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(scan_sel_slot(sel, &nsel, cols[i]), want[i], "column %d", cols[i]);
    cr_assert_eq(nsel, 3);
    const int32_t map[] = {-1, 1, -1, 0, -1, 2};
    for (int c = 0; c < 6; c++)
        cr_assert_eq(sel[c], map[c], "sel[%d] = %d", c, sel[c]);
}
