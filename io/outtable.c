/* outtable.c - the aligned table of --format table (see outtable.h). */
#include "outtable.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct outtable {
    outtable_emit emit;
    void *ctx;
    char *pend; /* bytes fed and not yet written: the sample, or a cut row */
    size_t npend, cappend;
    size_t rows;  /* rows seen */
    bool aligned; /* the widths are set: rows are written as they come */
    bool failed;
    size_t *width;
    bool *numeric, *seen; /* per column: every sampled cell a number (seen: any) */
    size_t ncols, capcols;
    char *line; /* one rendered line */
    size_t capline;
};

struct outtable *outtable_create(outtable_emit emit, void *ctx)
{
    struct outtable *t = calloc(1, sizeof *t);
    if (t) {
        t->emit = emit;
        t->ctx = ctx;
    }
    return t;
}

void outtable_destroy(struct outtable *t)
{
    if (!t)
        return;
    free(t->pend);
    free(t->width);
    free(t->numeric);
    free(t->seen);
    free(t->line);
    free(t);
}

/* Code points in p[0, n): every byte but UTF-8 continuation bytes. */
static size_t cps(const char *p, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xC0) != 0x80;
    return c;
}

static int grow_cols(struct outtable *t, size_t n)
{
    if (n <= t->capcols)
        return 0;
    size_t nc = n < 16 ? 16 : 2 * n;
    size_t *w = realloc(t->width, nc * sizeof *w);
    if (w)
        t->width = w;
    bool *nu = w ? realloc(t->numeric, nc) : NULL;
    if (nu)
        t->numeric = nu;
    bool *se = nu ? realloc(t->seen, nc) : NULL;
    if (!se)
        return -1;
    t->seen = se;
    for (size_t i = t->capcols; i < nc; i++) {
        t->width[i] = 1;
        t->numeric[i] = true;
        t->seen[i] = false;
    }
    t->capcols = nc;
    return 0;
}

/* The sample's row r[0, n) (no line end) into the widths. */
static int measure(struct outtable *t, const char *r, size_t n)
{
    size_t col = 0;
    for (size_t i = 0; i <= n; col++) {
        const char *f = r + i, *e = memchr(f, '\t', n - i);
        size_t fl = e ? (size_t)(e - f) : n - i;
        if (grow_cols(t, col + 1) < 0)
            return -1;
        if (fl) {
            size_t w = cps(f + 1, fl - 1);
            if (w > t->width[col])
                t->width[col] = w;
            if (f[0] == 'n' || f[0] == 's') {
                t->numeric[col] &= f[0] == 'n';
                t->seen[col] = true;
            }
        }
        i += fl + 1;
    }
    if (col > t->ncols)
        t->ncols = col;
    return 0;
}

static int put(struct outtable *t, size_t *len, const char *p, size_t n, char fill)
{
    if (*len + n + 1 > t->capline) {
        size_t nc = (*len + n + 1) * 2 + 256;
        char *l = realloc(t->line, nc);
        if (!l)
            return -1;
        t->line = l;
        t->capline = nc;
    }
    if (p)
        memcpy(t->line + *len, p, n);
    else
        memset(t->line + *len, fill, n);
    *len += n;
    return 0;
}

/* Write row r[0, n) aligned (and the rule under a header). */
static int render(struct outtable *t, const char *r, size_t n)
{
    size_t len = 0, end = 0, col = 0;
    bool header = n && r[0] == 'h';
    for (size_t i = 0; i <= n; col++) {
        const char *f = r + i, *e = memchr(f, '\t', n - i);
        size_t fl = e ? (size_t)(e - f) : n - i;
        char kind = fl ? f[0] : '-';
        const char *txt = fl ? f + 1 : f;
        size_t tl = fl ? fl - 1 : 0, w = cps(txt, tl);
        size_t width = col < t->ncols ? t->width[col] : w;
        size_t pad = width > w ? width - w : 0;
        bool right = kind == 'n' ||
                     (kind == 'h' && col < t->ncols && t->numeric[col] && t->seen[col]);
        if (col && put(t, &len, NULL, 2, ' ') < 0)
            return -1;
        if (right && put(t, &len, NULL, pad, ' ') < 0)
            return -1;
        if (put(t, &len, txt, tl, 0) < 0)
            return -1;
        if (tl)
            end = len; /* padding after the last text is dropped */
        if (!right && put(t, &len, NULL, pad, ' ') < 0)
            return -1;
        i += fl + 1;
    }
    len = end;
    if (put(t, &len, "\n", 1, 0) < 0)
        return -1;
    if (header) {
        for (size_t c = 0; c < col; c++) {
            size_t width = c < t->ncols ? t->width[c] : 1;
            if ((c && put(t, &len, NULL, 2, ' ') < 0) || put(t, &len, NULL, width, '-') < 0)
                return -1;
        }
        if (put(t, &len, "\n", 1, 0) < 0)
            return -1;
    }
    t->emit(t->ctx, t->line, len);
    return 0;
}

/* Write the held rows pend[0, upto) (whole rows). */
static int render_all(struct outtable *t, size_t upto)
{
    size_t i = 0;
    while (i < upto) {
        const char *nl = memchr(t->pend + i, '\n', upto - i);
        size_t rl = (size_t)(nl - (t->pend + i));
        if (render(t, t->pend + i, rl) < 0)
            return -1;
        i += rl + 1;
    }
    return 0;
}

/* Set the widths from the header and the first OUTTABLE_SAMPLE rows held
 * (exactly those, however the bytes came: the same widths for every
 * --jobs and --chunk-size), then write every whole row held. */
static int align(struct outtable *t)
{
    size_t i = 0, upto = t->npend, data = 0;
    for (size_t j = 0; j < upto && data < OUTTABLE_SAMPLE;) {
        const char *nl = memchr(t->pend + j, '\n', upto - j);
        if (!nl)
            break;
        size_t rl = (size_t)(nl - (t->pend + j));
        if (measure(t, t->pend + j, rl) < 0)
            return -1;
        data += !(rl && t->pend[j] == 'h');
        j += rl + 1;
    }
    for (const char *nl; i < upto && (nl = memchr(t->pend + i, '\n', upto - i));)
        i = (size_t)(nl - t->pend) + 1;
    t->aligned = true;
    if (render_all(t, i) < 0)
        return -1;
    memmove(t->pend, t->pend + i, t->npend - i);
    t->npend -= i;
    return 0;
}

int outtable_feed(struct outtable *t, const char *p, size_t n)
{
    if (t->failed)
        return -1;
    if (t->npend + n > t->cappend) {
        size_t nc = (t->npend + n) * 2 + 4096;
        char *q = realloc(t->pend, nc);
        if (!q) {
            t->failed = true;
            return -1;
        }
        t->pend = q;
        t->cappend = nc;
    }
    size_t from = t->npend;
    memcpy(t->pend + t->npend, p, n);
    t->npend += n;
    if (!t->aligned) {
        /* count the rows that came: past the header and the sample, align */
        for (const char *s = t->pend + from, *e = t->pend + t->npend;
             (s = memchr(s, '\n', (size_t)(e - s))); s++)
            t->rows++;
        if (t->rows > OUTTABLE_SAMPLE + 1 && align(t) < 0) /* the sample and a header */
            t->failed = true;
        return t->failed ? -1 : 0;
    }
    /* aligned: every whole row goes out now */
    const char *last = NULL;
    for (const char *s = t->pend + t->npend; s > t->pend + from;)
        if (*--s == '\n') {
            last = s;
            break;
        }
    if (!last)
        return 0;
    size_t upto = (size_t)(last - t->pend) + 1;
    if (render_all(t, upto) < 0) {
        t->failed = true;
        return -1;
    }
    memmove(t->pend, t->pend + upto, t->npend - upto);
    t->npend -= upto;
    return 0;
}

int outtable_finish(struct outtable *t)
{
    if (t->failed)
        return -1;
    if (t->npend && t->pend[t->npend - 1] != '\n' && outtable_feed(t, "\n", 1) < 0)
        return -1;
    if (!t->aligned && align(t) < 0)
        t->failed = true;
    return t->failed ? -1 : 0;
}
