/* fuzz_parse.c - libFuzzer harness: the parallel parse through the real
 * pipeline (source_open + pipeline_run, any --jobs 1..4, any chunk
 * size down to 1, mapped file or stream) against a small serial model of the
 * documented rules, and the model against libcsv where both are defined.
 *
 * Input: 4 bytes of configuration, then the CSV bytes.
 *   byte 0  chunk size: < 128: 1..16; < 224: 8..1024 in steps of 8; else 64K
 *   byte 1  bits 0-1 jobs - 1, bit 2 --no-header, bit 3 skip mode (else
 *           fail), bit 4 read as a stream (a pipe) instead of a mapped file,
 *           bits 5-6 the columns the consumer selects (all; the first; the
 *           last; every other one: past the last selected column the
 *           scanner only counts delimiters), bit 7 --where
 *           'starts_with($1, "x") or ends_with($N, "y")' (N the last column;
 *           all columns selected), which rows must pass to be output
 *   byte 2  delimiter: < 8 one of , ; TAB | SPACE 0xEF x NUL->','; else the byte
 *   byte 3  quote: < 4 one of " ' " "; else the byte (\n \r NUL, or the
 *           delimiter, fall back to '"' or '\'')
 *
 * What must hold (abort otherwise):
 *   - source_open: same header names and column count as the model, or
 *     the same error at the same line;
 *   - pipeline_run: the same rows (input offset, field count, every
 *     selected unquoted field value), in input order; in skip mode the same dropped
 *     rows (line, offset, kind, column, fields found); the same error (line,
 *     message) as the model: fail mode stops at the first bad row, an
 *     unterminated quote always fails; in fail mode the rows output are
 *     exactly the good rows before the first bad one.
 *   - the model against refparse (libcsv, strict): when the model finds every
 *     quote well placed and the data has no lone '\r' (libcsv ends a row at a
 *     bare CR, pcsv does not: README "Decisions"), libcsv must parse it with
 *     the same rows, values and line numbers; when libcsv parses the data
 *     without error (and no lone CR), the model must find no misplaced quote;
 *     and the first error (libcsv's malformed or unterminated quote, or a
 *     row with the wrong field count) is at the line of the model's first
 *     error in fail mode (its kind may differ: a stray quote that no later
 *     quote closes is libcsv's malformed quote, pcsv's unterminated row).
 *
 * The model (README "Decisions", scan.h): a BOM and leading blank lines are
 * skipped; the header row is read leniently; a row starts at the data start
 * or after a '\n' outside quotes; every quote byte toggles the quoted state;
 * a quote that opens must follow the data start, the delimiter, '\n' or a
 * quote, a quote that closes must precede the delimiter, '\n', "\r\n", a
 * quote or the end of the data, else the row is bad (misplaced quote); one
 * '\r' before the line end is not data; a row that is empty or only "\r" is
 * no row; lines are 1-based physical lines where the row starts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../io/instream.h"
#include "../../pipeline/expr.h"
#include "../../pipeline/pipeline.h"
#include "../../pipeline/refparse.h"

#define MAXSEL 512 /* columns compared per row */

#define FUZZ_CHECK_MORE g_cfgdesc /* "  config: ...\n", set per input */
#include "fuzz_check.h"

static char g_cfgdesc[256];

/* ------------------------------------------------------------ byte buffers */

struct buf {
    uint8_t *p;
    size_t len, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t c = b->cap ? b->cap : 256;
        while (c < b->len + n)
            c *= 2;
        b->p = realloc(b->p, c);
        if (!b->p)
            abort();
        b->cap = c;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
}

static bool same(const struct buf *a, const struct buf *b)
{
    return a->len == b->len && (!a->len || memcmp(a->p, b->p, a->len) == 0);
}

static void put_u64(struct buf *b, uint64_t v) { put(b, &v, sizeof v); }
static void put_u32(struct buf *b, uint32_t v) { put(b, &v, sizeof v); }

/* One row in the canonical form both sides produce: offset, field count,
 * then each compared field as length + bytes. */
static void put_field(struct buf *b, const uint8_t *p, size_t n)
{
    put_u32(b, (uint32_t)n);
    put(b, p, n);
}

/* ------------------------------------------------------------ the model */

struct mbad {
    uint64_t line, offset;
    enum badrow_kind kind;
    int col;
    uint32_t nfound;
};

struct model {
    /* header */
    int hdr_err;      /* 1: unterminated quote in the header row */
    uint64_t hdr_err_line;
    int ncols;
    char **names;
    size_t data_begin;
    /* rows */
    struct buf rows;    /* good rows, canonical form (all of them) */
    struct buf rows_before_first_bad; /* fail mode output */
    struct mbad *bad;
    size_t nbad, capbad;
    bool unterminated;
    uint64_t unterm_line, unterm_offset;
    bool any_bad_quote;
    /* what the consumer selects: sel[col] = slot or -1 (slots in column
     * order), for col < nselcols */
    int32_t *sel;
    int nsel, nselcols;
    bool where;
};

/* The consumer's selection for mode 0-3 (see the header comment). */
static void model_select(struct model *m, int mode)
{
    int n = m->ncols;
    m->sel = malloc(((size_t)n + 1) * sizeof *m->sel);
    for (int i = 0; i < n; i++)
        m->sel[i] = -1;
    m->nsel = 0;
    m->nselcols = 0;
    for (int i = 0; i < n && m->nsel < MAXSEL; i++) {
        bool take = mode == 0 || (mode == 1 && i == 0) || (mode == 2 && i == n - 1) ||
                    (mode == 3 && i % 2 == 0);
        if (take) {
            m->sel[i] = m->nsel++;
            m->nselcols = i + 1;
        }
    }
}

static bool is_bom(const uint8_t *d, size_t len)
{
    return len >= 3 && d[0] == 0xEF && d[1] == 0xBB && d[2] == 0xBF;
}

/* The header (or first) row, read leniently from pos: every quote toggles,
 * a doubled quote inside quotes is one quote, one '\r' before the '\n' is
 * dropped. Returns the offset after the row's '\n' (or len), -1 when the
 * input ends inside quotes. */
static int64_t model_header(const uint8_t *d, size_t len, size_t pos, uint8_t delim, uint8_t quote,
                            char ***names, int *n)
{
    struct buf f = {0};
    char **v = NULL;
    int nv = 0;
    bool inq = false;
    size_t i = pos;
    for (; i < len; i++) {
        uint8_t c = d[i];
        if (inq) {
            if (c == quote && i + 1 < len && d[i + 1] == quote) {
                put(&f, &c, 1);
                i++;
            } else if (c == quote) {
                inq = false;
            } else {
                put(&f, &c, 1);
            }
        } else if (c == quote) {
            inq = true;
        } else if (c == delim || c == '\n') {
            if (c == '\n' && f.len && f.p[f.len - 1] == '\r')
                f.len--;
            v = realloc(v, (size_t)(nv + 1) * sizeof *v);
            v[nv] = malloc(f.len + 1);
            memcpy(v[nv], f.p ? (char *)f.p : "", f.len);
            v[nv][f.len] = 0;
            nv++;
            f.len = 0;
            if (c == '\n')
                break;
        } else {
            put(&f, &c, 1);
        }
    }
    if (inq) {
        for (int k = 0; k < nv; k++)
            free(v[k]);
        free(v);
        free(f.p);
        return -1;
    }
    if (i >= len) { /* the last field, no line end: its '\r' stays */
        v = realloc(v, (size_t)(nv + 1) * sizeof *v);
        v[nv] = malloc(f.len + 1);
        memcpy(v[nv], f.p ? (char *)f.p : "", f.len);
        v[nv][f.len] = 0;
        nv++;
    }
    free(f.p);
    *names = v;
    *n = nv;
    return (int64_t)(i < len ? i + 1 : i);
}

static void model_add_bad(struct model *m, struct mbad b)
{
    if (m->nbad == m->capbad) {
        m->capbad = m->capbad ? 2 * m->capbad : 16;
        m->bad = realloc(m->bad, m->capbad * sizeof *m->bad);
    }
    m->bad[m->nbad++] = b;
}

static void model_run(struct model *m, const uint8_t *d, size_t len, uint8_t delim, uint8_t quote,
                      bool header, int selmode, bool where)
{
    memset(m, 0, sizeof *m);
    size_t pos = is_bom(d, len) ? 3 : 0;
    for (;;) {
        if (pos < len && d[pos] == '\n')
            pos++;
        else if (pos + 1 < len && d[pos] == '\r' && d[pos + 1] == '\n')
            pos += 2;
        else
            break;
    }
    m->data_begin = pos;
    if (pos >= len)
        return; /* empty: no columns, no rows */
    char **names;
    int n;
    int64_t end = model_header(d, len, pos, delim, quote, &names, &n);
    if (end < 0) {
        m->hdr_err = 1;
        m->hdr_err_line = 1;
        for (size_t i = 0; i < pos; i++)
            m->hdr_err_line += d[i] == '\n';
        return;
    }
    m->ncols = n;
    if (header) {
        m->names = names;
        m->data_begin = (size_t)end;
    } else {
        for (int k = 0; k < n; k++) {
            free(names[k]);
            names[k] = malloc(16);
            snprintf(names[k], 16, "%d", k + 1);
        }
        m->names = names;
    }
    if (where && (m->ncols > MAXSEL || selmode != 0))
        where = false; /* its columns must be selected */
    m->where = where;
    model_select(m, selmode);

    /* the rows */
    const size_t begin = m->data_begin;
    uint64_t line = 1;
    for (size_t i = 0; i < begin; i++)
        line += d[i] == '\n';
    bool seen_bad = false;
    size_t r = begin;
    struct buf val = {0};
    while (r < len) {
        /* the row [r, e): e is its '\n' outside quotes, or len */
        bool inq = false;
        size_t e = r;
        uint32_t nf = 1;
        int bad_col = -1;
        for (; e < len; e++) {
            uint8_t c = d[e];
            if (c == quote) {
                inq = !inq;
                bool ok;
                if (inq) /* opens */
                    ok = e == begin || d[e - 1] == delim || d[e - 1] == '\n' || d[e - 1] == quote;
                else /* closes */
                    ok = e + 1 == len || d[e + 1] == delim || d[e + 1] == '\n' || d[e + 1] == quote ||
                         (d[e + 1] == '\r' && e + 2 < len && d[e + 2] == '\n');
                if (!ok && bad_col < 0)
                    bad_col = (int)nf - 1;
            } else if (!inq && c == '\n') {
                break;
            } else if (!inq && c == delim) {
                nf++;
            }
        }
        if (inq) { /* the input ends inside quotes: fatal, at this row */
            m->unterminated = true;
            m->unterm_line = line;
            m->unterm_offset = r;
            break;
        }
        /* split the fields, unquoting; one '\r' before the line end (or
         * the end of data) is not data */
        size_t fs = r;
        bool blank = false;
        struct buf row = {0};
        put_u64(&row, r);
        put_u32(&row, nf);
        uint32_t fi = 0;
        bool q = false;
        bool pass = !where; /* --where: $1 starts with x or $N ends with y */
        for (size_t i = r; i <= e; i++) {
            bool at_end = i == e;
            if (!at_end && d[i] == quote)
                q = !q;
            if (at_end || (!q && d[i] == delim)) {
                size_t fend = i;
                if (at_end && fend > fs && d[fend - 1] == '\r')
                    fend--;
                if (at_end && fi == 0 && fend == r)
                    blank = true;
                if (fi < (uint32_t)m->nselcols && m->sel[fi] >= 0) {
                    val.len = 0;
                    if (fend > fs && d[fs] == quote) {
                        /* "..." with doubled quotes (well formed when the row is good) */
                        size_t stop = fend - fs >= 2 && d[fend - 1] == quote ? fend - 1 : fend;
                        for (size_t k = fs + 1; k < stop; k++) {
                            put(&val, &d[k], 1);
                            if (d[k] == quote && k + 1 < stop && d[k + 1] == quote)
                                k++;
                        }
                    } else {
                        put(&val, d + fs, fend - fs);
                    }
                    put_field(&row, val.p, val.len);
                    if (where && fi == 0 && val.len && val.p[0] == 'x')
                        pass = true;
                    if (where && fi == (uint32_t)m->ncols - 1 && val.len && val.p[val.len - 1] == 'y')
                        pass = true;
                }
                fi++;
                fs = i + 1;
            }
        }
        if (!blank) {
            if (bad_col >= 0 || nf != (uint32_t)m->ncols) {
                struct mbad b = {.line = line, .offset = r,
                                 .kind = bad_col >= 0 ? BAD_QUOTE : BAD_FIELDS,
                                 .col = bad_col >= 0 ? bad_col : -1,
                                 .nfound = bad_col >= 0 ? 0 : nf};
                m->any_bad_quote |= bad_col >= 0;
                model_add_bad(m, b);
                seen_bad = true;
            } else if (pass) {
                put(&m->rows, row.p, row.len);
                if (!seen_bad)
                    put(&m->rows_before_first_bad, row.p, row.len);
            }
        }
        free(row.p);
        for (size_t i = r; i < e; i++)
            line += d[i] == '\n';
        if (e >= len)
            break;
        line++; /* the row's '\n' */
        r = e + 1;
    }
    free(val.p);
}

static void model_free(struct model *m)
{
    for (int i = 0; i < m->ncols; i++)
        free(m->names[i]);
    free(m->names);
    free(m->rows.p);
    free(m->rows_before_first_bad.p);
    free(m->bad);
    free(m->sel);
}

/* ------------------------------------------------------------ the pipeline */

struct sink {
    struct buf out;
    int nsel;
};

static void *w_create(void *ctx)
{
    (void)ctx;
    return malloc(1);
}

static int w_batch(void *state, const uint8_t *data, uint8_t quote, const struct scan_batch *b,
                   const uint8_t *skip, struct pipeline_worker *w)
{
    (void)state;
    struct sink *s = pipeline_consumer_ctx(w);
    struct outsink *o = pipeline_out(w);
    if (!o)
        return -1;
    const uint64_t base = pipeline_pos_base(w) & (((uint64_t)1 << 48) - 1);
    const int nsel = s->nsel;
    struct buf row = {0};
    uint8_t *scratch = NULL;
    size_t scap = 0;
    for (size_t r = 0; r < b->nrows; r++) {
        if (skip && skip[r])
            continue;
        row.len = 0;
        put_u64(&row, base + b->row_start[r]);
        put_u32(&row, b->nfields[r]);
        for (int i = 0; i < nsel; i++) {
            struct scan_field f = b->fields[r * (size_t)nsel + (size_t)i];
            size_t n = (size_t)(f.end - f.start);
            if (n > scap) {
                scap = n;
                scratch = realloc(scratch, scap);
            }
            size_t len;
            const uint8_t *v = scan_unquote(data, f, quote, scratch, &len);
            put_field(&row, v, len);
        }
        outsink_raw(o, row.p, row.len);
    }
    free(row.p);
    free(scratch);
    return 0;
}

static int w_write(void *ctx, const void *p, size_t n)
{
    struct sink *s = ctx;
    put(&s->out, p, n);
    return 0;
}

/* ------------------------------------------------------------ libcsv */

struct lc {
    struct buf rows, lines;
};

static int lc_row(void *ctx, uint64_t line, size_t nf, const uint8_t *const *v, const size_t *l)
{
    struct lc *c = ctx;
    put_u64(&c->lines, line);
    put_u32(&c->rows, (uint32_t)nf);
    for (size_t i = 0; i < nf && i < MAXSEL; i++)
        put_field(&c->rows, v[i], l[i]);
    return 0;
}

/* The model's rows in libcsv's terms: every non-blank row (good or with the
 * wrong field count), its line and fields. */
static void model_all_rows(const uint8_t *d, size_t len, size_t begin, uint8_t delim, uint8_t quote,
                           struct buf *rows, struct buf *lines)
{
    uint64_t line = 1;
    for (size_t i = 0; i < begin; i++)
        line += d[i] == '\n';
    size_t r = begin;
    struct buf val = {0};
    while (r < len) {
        bool inq = false;
        size_t e = r;
        uint32_t nf = 1;
        for (; e < len; e++) {
            if (d[e] == quote)
                inq = !inq;
            else if (!inq && d[e] == '\n')
                break;
            else if (!inq && d[e] == delim)
                nf++;
        }
        size_t fe = e;
        if (fe > r && d[fe - 1] == '\r')
            fe--;
        if (!(nf == 1 && fe == r)) {
            put_u64(lines, line);
            put_u32(rows, nf);
            size_t fs = r;
            bool q = false;
            uint32_t fi = 0;
            for (size_t i = r; i <= fe; i++) {
                bool at_end = i == fe;
                if (!at_end && d[i] == quote)
                    q = !q;
                if (at_end || (!q && d[i] == delim)) {
                    val.len = 0;
                    if (i > fs && d[fs] == quote) {
                        for (size_t k = fs + 1; k + 1 < i; k++) {
                            put(&val, &d[k], 1);
                            if (d[k] == quote)
                                k++;
                        }
                    } else {
                        put(&val, d + fs, i - fs);
                    }
                    if (fi < MAXSEL)
                        put_field(rows, val.p, val.len);
                    fi++;
                    fs = i + 1;
                }
            }
        }
        for (size_t i = r; i < e; i++)
            line += d[i] == '\n';
        if (e >= len)
            break;
        line++;
        r = e + 1;
    }
    free(val.p);
}

struct fc {
    int ncols;
    uint64_t line;
};

#define FC_STOP 99 /* not a pcsv_status */

static int fc_row(void *ctx, uint64_t line, size_t nf, const uint8_t *const *v, const size_t *l)
{
    (void)v, (void)l;
    struct fc *c = ctx;
    if (nf == (size_t)c->ncols)
        return 0;
    c->line = line;
    return FC_STOP;
}

static void check_against_libcsv(const uint8_t *d, size_t len, const struct model *m, uint8_t delim,
                                 uint8_t quote)
{
    if (m->hdr_err || m->data_begin >= len)
        return;
    for (size_t i = m->data_begin; i < len; i++)
        if (d[i] == '\r' && !(i + 1 < len && d[i + 1] == '\n'))
            return; /* a bare CR ends a row in libcsv only */
    uint64_t line0 = 1;
    for (size_t i = 0; i < m->data_begin; i++)
        line0 += d[i] == '\n';
    struct lc c = {0};
    struct pcsv_error err = {0};
    struct mapfile view = {.fd = -1, .data = d, .size = len, .path = "x", .page = 4096};
    int rc = refparse_run(&view, m->data_begin, line0, delim, quote, lc_row, &c, "x", &err);
    bool model_clean = !m->any_bad_quote && !m->unterminated;
    if (model_clean) {
        CHECK(rc == 0, "libcsv rejects what the model parses cleanly: %s (line %llu)", err.msg,
              (unsigned long long)err.line);
        struct buf rows = {0}, lines = {0};
        model_all_rows(d, len, m->data_begin, delim, quote, &rows, &lines);
        CHECK(same(&rows, &c.rows),
              "libcsv and the model read different rows (%zu vs %zu bytes)", c.rows.len,
              rows.len);
        CHECK(same(&lines, &c.lines),
              "libcsv and the model put rows on different lines");
        free(rows.p);
        free(lines.p);
    } else if (rc == 0) {
        CHECK(!m->any_bad_quote, "libcsv accepts a row the model finds a misplaced quote in");
        CHECK(!m->unterminated, "libcsv accepts an input the model finds unterminated");
    }
    free(c.rows.p);
    free(c.lines.p);

    /* the first error, as --parser libcsv (fail mode) reports it */
    struct fc f = {.ncols = m->ncols};
    memset(&err, 0, sizeof err);
    rc = refparse_run(&view, m->data_begin, line0, delim, quote, fc_row, &f, "x", &err);
    uint64_t lib_line = rc == FC_STOP ? f.line : rc == PCSV_EDATA ? err.line : 0;
    uint64_t model_line = 0;
    if (m->nbad && (!m->unterminated || m->bad[0].offset < m->unterm_offset))
        model_line = m->bad[0].line;
    else if (m->unterminated)
        model_line = m->unterm_line;
    CHECK(lib_line == model_line, "first error: libcsv at line %llu (%s), the model at line %llu",
          (unsigned long long)lib_line, rc == FC_STOP ? "field count" : err.msg,
          (unsigned long long)model_line);
}

/* ------------------------------------------------------------ the harness */

static int g_memfd = -1;

static const char *kind_name(enum badrow_kind k)
{
    switch (k) {
    case BAD_FIELDS: return "fields";
    case BAD_QUOTE: return "quote";
    case BAD_VALUE: return "value";
    case BAD_UNTERMINATED: return "unterminated";
    }
    return "?";
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
    if (size < 4)
        return 0;
    const uint8_t b0 = in[0], b1 = in[1], b2 = in[2], b3 = in[3];
    const uint8_t *d = in + 4;
    const size_t len = size - 4;
    size_t chunk = b0 < 128 ? 1 + (b0 & 15) : b0 < 224 ? 8 * (size_t)(1 + (b0 & 127)) : 65536;
    int jobs = 1 + (b1 & 3);
    bool header = !(b1 & 4);
    bool skipmode = b1 & 8;
    bool stream = b1 & 16;
    int selmode = b1 >> 5 & 3;
    bool where = b1 & 128;
    static const uint8_t delims[8] = {',', ';', '\t', '|', ' ', 0xEF, 'x', ','};
    uint8_t delim = b2 < 8 ? delims[b2] : b2;
    if (delim == '\n' || delim == '\r' || delim == 0)
        delim = ',';
    static const uint8_t quotes[4] = {'"', '\'', '"', '"'};
    uint8_t quote = b3 < 4 ? quotes[b3] : b3;
    if (quote == '\n' || quote == '\r' || quote == 0 || quote == delim)
        quote = delim == '"' ? '\'' : '"';
    if (instream_is_zstd_magic(d, len) || instream_is_gzip_magic(d, len) ||
        instream_foreign_format(d, len, NULL))
        return 0; /* zstd, gzip: fuzz_zstd's and fuzz_gzip's business; xz...: refused by name */
    snprintf(g_cfgdesc, sizeof g_cfgdesc,
             "  config: --chunk-size %zu --jobs %d%s --on-bad-row %s%s, %s, delim 0x%02x quote 0x%02x, "
             "selection %d\n", chunk, jobs, header ? "" : " -H", skipmode ? "skip" : "fail",
             where ? " --where" : "", stream ? "pipe" : "mapped", delim, quote, selmode);

    struct model m;
    model_run(&m, d, len, delim, quote, header, selmode, where);
    check_against_libcsv(d, len, &m, delim, quote);

    /* the input, as a file or a pipe */
    char path[64];
    int pfd[2] = {-1, -1};
    if (stream && len < 60000 && pipe(pfd) == 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t n = write(pfd[1], d + off, len - off);
            if (n <= 0)
                abort();
            off += (size_t)n;
        }
        close(pfd[1]);
        snprintf(path, sizeof path, "/proc/self/fd/%d", pfd[0]);
    } else {
        stream = false;
        if (g_memfd < 0)
            g_memfd = memfd_create("fuzz_parse", MFD_CLOEXEC);
        if (g_memfd < 0 || ftruncate(g_memfd, 0) < 0 || ftruncate(g_memfd, (off_t)len) < 0 ||
            pwrite(g_memfd, d, len, 0) != (ssize_t)len)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", g_memfd);
    }

    struct pipeline_cfg cfg = {.jobs = jobs, .chunk_size = chunk, .delim = delim, .quote = quote,
                           .header = header, .bad_mode = skipmode ? PIPELINE_SKIP : PIPELINE_FAIL};
    struct pcsv_error err = {0};
    struct source pin;
    int rc = source_open(&pin, path, "in.csv", cfg.delim, cfg.quote, cfg.header, &err);
    if (m.hdr_err) {
        CHECK(rc == PCSV_EDATA, "header: expected an unterminated quote, got rc %d", rc);
        CHECK(err.line == m.hdr_err_line, "header error at line %llu, model %llu",
              (unsigned long long)err.line, (unsigned long long)m.hdr_err_line);
        CHECK(strcmp(err.msg, "unterminated quoted field") == 0, "header error: %s", err.msg);
        goto out_in;
    }
    CHECK(rc == 0, "source_open: %s", err.msg);
    CHECK(pin.ncols == m.ncols, "%d columns, model %d", pin.ncols, m.ncols);
    for (int i = 0; i < m.ncols; i++)
        CHECK(strcmp(pin.names[i], m.names[i]) == 0, "column %d named '%s', model '%s'", i,
              pin.names[i], m.names[i]);

    {
        struct sink s = {.nsel = m.nsel};
        struct pipeline_consumer c = {.ctx = &s, .nsel = m.nsel, .sel = m.sel, .nselcols = m.nselcols,
                                  .worker_create = w_create, .batch = w_batch, .write = w_write,
                                  .out_format = OUT_CSV};
        struct expr *wx = NULL;
        int wslots[2];
        if (m.where) {
            char text[128];
            snprintf(text, sizeof text, "starts_with($1, \"x\") or ends_with($%d, \"y\")",
                     m.ncols);
            wx = expr_compile(text, pin.names, pin.ncols, &err);
            CHECK(wx, "--where: %s", err.msg);
            const int *wc;
            int nw = expr_columns(wx, &wc);
            for (int i = 0; i < nw; i++)
                wslots[i] = m.sel[wc[i]];
            cfg.where = wx;
            cfg.where_slots = wslots;
        }
        struct pipeline *p = pipeline_create(&cfg, &c, &err);
        CHECK(p, "pipeline_create: %s", err.msg);
        memset(&err, 0, sizeof err);
        rc = pipeline_run(p, &pin, 0, pin.ncols, &err);

        /* the error, if any: the first bad row in fail mode, the
         * unterminated quote in any mode */
        const struct mbad *first = NULL;
        struct mbad unt = {.line = m.unterm_line, .offset = m.unterm_offset,
                           .kind = BAD_UNTERMINATED, .col = -1};
        if (!skipmode && m.nbad)
            first = &m.bad[0];
        if (m.unterminated && (!first || unt.offset < first->offset))
            first = &unt;
        if (first) {
            char want[1200];
            if (first->kind == BAD_FIELDS)
                snprintf(want, sizeof want, "expected %d fields, found %u", m.ncols, first->nfound);
            else if (first->kind == BAD_QUOTE)
                snprintf(want, sizeof want, "column '%s': misplaced quote",
                         first->col < m.ncols ? m.names[first->col] : "?");
            else
                snprintf(want, sizeof want, "unterminated quoted field");
            CHECK(rc == PCSV_EDATA, "expected an error (%s at line %llu), got rc %d",
                  want, (unsigned long long)first->line, rc);
            CHECK(err.line == first->line && strcmp(err.msg, want) == 0,
                  "error at line %llu: '%s'; model: line %llu: '%s'",
                  (unsigned long long)err.line, err.msg, (unsigned long long)first->line, want);
            CHECK(err.offset == first->offset, "error at offset %llu, model %llu",
                  (unsigned long long)err.offset, (unsigned long long)first->offset);
        } else {
            CHECK(rc == 0, "unexpected error: rc %d line %llu: %s", rc,
                  (unsigned long long)err.line, err.msg);
        }

        /* the rows */
        const struct buf *want = skipmode ? &m.rows : &m.rows_before_first_bad;
        CHECK(same(&s.out, want),
              "rows differ: %zu bytes of rows, model %zu", s.out.len, want->len);

        /* skip mode: the dropped rows */
        if (skipmode) {
            size_t nb;
            const struct badrow *bad = pipeline_bad_rows(p, &nb);
            size_t mb = m.nbad;
            if (m.unterminated) /* bad rows after the unterminated one do not exist */
                while (mb && m.bad[mb - 1].offset > m.unterm_offset)
                    mb--;
            /* every drop is counted; the first BADROW_KEEP are kept */
            CHECK(pipeline_bad_count(p) == mb, "%llu rows dropped, model %zu",
                  (unsigned long long)pipeline_bad_count(p), mb);
            CHECK(nb == (mb < BADROW_KEEP ? mb : BADROW_KEEP), "%zu rows kept of %zu", nb, mb);
            for (size_t i = 0; i < nb; i++) {
                const struct mbad *x = &m.bad[i];
                CHECK(bad[i].line == x->line && bad[i].offset == x->offset &&
                          bad[i].kind == x->kind && bad[i].col == x->col &&
                          (x->kind != BAD_FIELDS || bad[i].nfound == x->nfound),
                      "dropped row %zu: line %llu offset %llu %s col %d found %u; model: line "
                      "%llu offset %llu %s col %d found %u",
                      i, (unsigned long long)bad[i].line, (unsigned long long)bad[i].offset,
                      kind_name(bad[i].kind), bad[i].col, bad[i].nfound,
                      (unsigned long long)x->line, (unsigned long long)x->offset,
                      kind_name(x->kind), x->col, x->nfound);
            }
        }
        for (int i = 0; i < pipeline_nworkers(p); i++)
            free(pipeline_worker_state(p, i));
        pipeline_destroy(p);
        expr_destroy(wx);
        free(s.out.p);
    }
out_in:
    source_close(&pin); /* also what a failed open had made */
    if (pfd[0] >= 0)
        close(pfd[0]);
    model_free(&m);
    return 0;
}

/* LLVM's libomp keeps its thread pool's memory until exit: not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) { return "leak:libomp.so\n"; }
