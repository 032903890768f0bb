/* badrow.c - locating, keeping, merging and formatting bad rows (see badrow.h). */
#include "badrow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BADROW_MAX_VALUE
#define BADROW_MAX_VALUE 200 /* bytes of an unusable value kept for the message */
#endif

struct badrow_log {
    bool fail, rejects;
    uint8_t delim, quote;
    struct badrow_chunk c;
    uint64_t cur_off, cur_nl; /* line-count cursor inside the chunk */
    /* skip/warn: every bad row of the current chunk (bounded by its rows) */
    struct badrow *cbad;
    size_t ncbad, capcbad;
    struct outsink *rej; /* the --rejects lines of the chunks since the last take */
    /* the first keep (BADROW_KEEP, or more: badrow_log_keep) in input
     * order, and how many in all */
    struct badrow *kept;
    size_t nkept, keep, cap; /* cap: room in kept (the merge takes two logs' rows) */
    uint64_t count;
    /* fail mode: the first bad row met, and its chunk */
    struct badrow first;
    bool has_first;
    size_t first_chunk;
};

int badrow_cmp(const void *x, const void *y)
{
    const struct badrow *a = x, *b = y;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return (a->offset > b->offset) - (a->offset < b->offset);
}

void badrow_reason(const struct badrow *b, char *const *names, int ncols, int expected, char *buf,
                   size_t cap)
{
    const char *col = b->col >= 0 && b->col < ncols ? names[b->col] : "?";
    switch (b->kind) {
    case BAD_FIELDS: snprintf(buf, cap, "expected %d fields, found %u", expected, b->nfound); break;
    case BAD_QUOTE: snprintf(buf, cap, "column '%s': misplaced quote", col); break;
    case BAD_VALUE:
        snprintf(buf, cap, "column '%s': not a number: \"%s\"", col, b->value ? b->value : "");
        break;
    case BAD_UNTERMINATED: snprintf(buf, cap, "unterminated quoted field"); break;
    }
}

struct outsink *badrow_rejects_open(const char *path, struct pcsv_error *err)
{
    struct outsink *o = outsink_open(path, OUT_CSV, err);
    if (o) {
        static char *const names[] = {"file", "line", "offset", "column", "reason", "row"};
        outsink_header(o, names, 6);
    }
    return o;
}

struct badrow_log *badrow_log_create(bool fail, bool rejects, uint8_t delim, uint8_t quote)
{
    struct badrow_log *l = calloc(1, sizeof *l);
    if (l && !(l->kept = calloc(BADROW_KEEP, sizeof *l->kept))) {
        free(l);
        l = NULL;
    }
    if (l) {
        l->keep = l->cap = BADROW_KEEP;
        l->fail = fail;
        l->rejects = rejects;
        l->delim = delim;
        l->quote = quote;
    }
    return l;
}

static void free_values(struct badrow *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(b[i].value);
}

void badrow_log_destroy(struct badrow_log *l)
{
    if (!l)
        return;
    free_values(l->cbad, l->ncbad);
    free(l->cbad);
    free_values(l->kept, l->nkept);
    free(l->kept);
    free(l->first.value);
    outsink_abort(l->rej);
    free(l);
}

void badrow_log_chunk(struct badrow_log *l, const struct badrow_chunk *c)
{
    l->c = *c;
    l->cur_off = c->start;
    l->cur_nl = 0;
}

/* The line of the row at off: counted from the last row located (bad rows
 * are rare, and mostly reported in order). */
static uint64_t line_of(struct badrow_log *l, uint64_t off)
{
    if (off < l->cur_off) { /* reported out of order: count again from the chunk start */
        l->cur_off = l->c.start;
        l->cur_nl = 0;
    }
    if (off > l->cur_off) {
        uint64_t q, nl;
        scan_count(l->c.d + l->cur_off, (size_t)(off - l->cur_off), l->quote, &q, &nl);
        l->cur_nl += nl;
        l->cur_off = off;
    }
    return l->c.lines_before + l->cur_nl + 1;
}

int badrow_log_add(struct badrow_log *l, enum badrow_kind kind, uint64_t off, uint64_t end, int col,
                   uint32_t nfound, const uint8_t *val, size_t vlen)
{
    struct badrow b = {.file = l->c.file,
                       .line = line_of(l, off),
                       .offset = l->c.offset_base + off,
                       .end = l->c.offset_base + end,
                       .kind = kind,
                       .col = col,
                       .nfound = nfound};
    if (val) {
        size_t n = vlen > BADROW_MAX_VALUE ? BADROW_MAX_VALUE : vlen;
        b.value = malloc(n + 1); /* none: the message shows no value */
        if (b.value) {
            memcpy(b.value, val, n);
            b.value[n] = 0;
        }
    }
    if (l->fail || kind == BAD_UNTERMINATED) {
        if (!l->has_first || l->c.k < l->first_chunk ||
            (l->c.k == l->first_chunk && b.offset < l->first.offset)) {
            free(l->first.value);
            l->first = b;
            l->has_first = true;
            l->first_chunk = l->c.k;
        } else {
            free(b.value);
        }
        return 0;
    }
    /* skip/warn: kept for the end of the chunk */
    if (l->ncbad == l->capcbad) {
        size_t nc = l->capcbad ? l->capcbad * 2 : 64;
        struct badrow *nb = realloc(l->cbad, nc * sizeof *nb);
        if (!nb) {
            free(b.value);
            return -1;
        }
        l->cbad = nb;
        l->capcbad = nc;
    }
    l->cbad[l->ncbad++] = b;
    return 1;
}

/* Which column of the row [s, e) has the misplaced quote. */
static int bad_quote_col(const uint8_t *d, uint64_t s, uint64_t e, uint8_t delim, uint8_t quote)
{
    int col = 0;
    uint64_t fs = s;
    bool inq = false, quoted = false;
    for (uint64_t i = s; i < e; i++) {
        uint8_t c = d[i];
        if (inq) {
            if (c == quote) {
                if (i + 1 < e && d[i + 1] == quote)
                    i++;
                else {
                    inq = false;
                    /* a closing quote must end the field */
                    if (i + 1 < e && d[i + 1] != delim && !(d[i + 1] == '\r' && i + 2 == e))
                        return col;
                }
            }
        } else if (c == quote) {
            if (i != fs || quoted)
                return col;
            inq = quoted = true;
        } else if (c == delim) {
            col++;
            fs = i + 1;
            quoted = false;
        }
    }
    return col;
}

int badrow_log_add_structural(struct badrow_log *l, const struct scan_batch *b, size_t r)
{
    if (b->bad_quote[r])
        return badrow_log_add(
            l, BAD_QUOTE, b->row_start[r], b->row_end[r],
            bad_quote_col(l->c.d, b->row_start[r], b->row_end[r], l->delim, l->quote), 0, NULL, 0);
    return badrow_log_add(l, BAD_FIELDS, b->row_start[r], b->row_end[r], -1, b->nfields[r], NULL,
                          0);
}

void badrow_log_drop_from(struct badrow_log *l, uint64_t cut)
{
    size_t keep = 0;
    for (size_t i = 0; i < l->ncbad; i++) {
        if (l->cbad[i].offset >= cut)
            free(l->cbad[i].value);
        else
            l->cbad[keep++] = l->cbad[i];
    }
    l->ncbad = keep;
}

/* v in decimal at the end of buf[32]; returns where it starts. */
static char *u64_dec(uint64_t v, char *buf)
{
    char *p = buf + 32;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

/* One --rejects line: file,line,offset,column,reason,row (the raw row as in
 * the input, without its line end). */
static void rejects_line(struct outsink *o, const struct badrow_chunk *c, const struct badrow *b)
{
    char num[32], reason[1200], *s;
    outsink_field(o, c->path, strlen(c->path), OUT_STR);
    s = u64_dec(b->line, num);
    outsink_field(o, s, (size_t)(num + 32 - s), OUT_NUM);
    s = u64_dec(b->offset, num);
    outsink_field(o, s, (size_t)(num + 32 - s), OUT_NUM);
    const char *col = b->col >= 0 && b->col < c->ncols ? c->names[b->col] : "";
    outsink_field(o, col, strlen(col), OUT_STR);
    badrow_reason(b, c->names, c->ncols, c->expected, reason, sizeof reason);
    outsink_field(o, reason, strlen(reason), OUT_STR);
    uint64_t rs = b->offset - c->offset_base, re = b->end - c->offset_base;
    outsink_field(o, c->d + rs, (size_t)(re - rs), OUT_STR);
    outsink_end_row(o);
}

/* Room for n kept rows. */
static int room(struct badrow_log *l, size_t n)
{
    if (n <= l->cap)
        return 0;
    struct badrow *k = realloc(l->kept, n * sizeof *k);
    if (!k)
        return -1;
    l->kept = k;
    l->cap = n;
    return 0;
}

int badrow_log_end_chunk(struct badrow_log *l, bool rejects)
{
    if (!l->ncbad)
        return 0;
    int rc = 0;
    /* in order already unless a batch had both shapes and values wrong */
    for (size_t i = 1; i < l->ncbad; i++)
        if (l->cbad[i - 1].offset > l->cbad[i].offset) {
            qsort(l->cbad, l->ncbad, sizeof *l->cbad, badrow_cmp);
            break;
        }
    if (l->rejects && rejects && !l->rej && !(l->rej = outsink_open_mem(OUT_CSV)))
        rc = -1;
    for (size_t i = 0; i < l->ncbad; i++) {
        struct badrow *b = &l->cbad[i];
        if (l->rej && rejects && !rc)
            rejects_line(l->rej, &l->c, b);
        if (l->nkept < l->keep && (l->nkept < l->cap || room(l, 2 * l->cap) == 0))
            l->kept[l->nkept++] = *b;
        else
            free(b->value);
        l->count++;
    }
    l->ncbad = 0;
    return rc;
}

const void *badrow_log_take_rejects(struct badrow_log *l, size_t *n)
{
    *n = 0;
    return l->rej ? outsink_take(l->rej, n) : NULL;
}

int badrow_log_keep(struct badrow_log *l, size_t n)
{
    if (n > l->keep)
        l->keep = n; /* the room grows as rows come (room) */
    return 0;
}

void badrow_log_merge(struct badrow_log *into, struct badrow_log *from)
{
    into->count += from->count;
    from->count = 0;
    /* from's kept rows are the first of its own in input order: those of
     * all logs hold the first keep of all; the first of both, by sorting */
    size_t n = into->nkept + from->nkept;
    if (room(into, n) < 0) {
        /* no memory: into's own stay (the count is right) */
        free_values(from->kept, from->nkept);
        from->nkept = 0;
        return;
    }
    memcpy(into->kept + into->nkept, from->kept, from->nkept * sizeof *from->kept);
    into->nkept = n;
    from->nkept = 0;
    if (into->nkept > 1)
        qsort(into->kept, into->nkept, sizeof *into->kept, badrow_cmp);
    if (into->nkept > into->keep) {
        free_values(into->kept + into->keep, into->nkept - into->keep);
        into->nkept = into->keep;
    }
}

const struct badrow *badrow_log_kept(const struct badrow_log *l, size_t *n)
{
    *n = l->nkept;
    return l->kept;
}

uint64_t badrow_log_count(const struct badrow_log *l) { return l->count; }

const struct badrow *badrow_log_first(const struct badrow_log *l)
{
    return l->has_first ? &l->first : NULL;
}

void badrow_log_clear_first(struct badrow_log *l)
{
    free(l->first.value);
    l->first.value = NULL;
    l->has_first = false;
}
