/* outfmt.c - fields and rows as csv, tsv or jsonl (see outfmt.h). */
#include "outfmt.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "outbuf.h"

void outfmt_names(struct outsink *o, char *const *names, int n)
{
    struct outbuf *b = outbuf_of(o);
    b->names = (char **)names;
    b->nnames = n;
}

/* --format table: one field of outtable.h's stream, its kind byte and
 * its text with the display escapes. */
static void table_field(struct outbuf *b, const unsigned char *p, size_t len, char kind)
{
    if (b->col++)
        outbuf_putc(b, '\t');
    outbuf_putc(b, kind);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != 0x7f && c != '\\') {
            outbuf_putc(b, (char)c);
            continue;
        }
        char e[8];
        const char *s = c == '\\'   ? "\\\\"
                        : c == '\t' ? "\\t"
                        : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r"
                                    : NULL;
        if (!s) {
            snprintf(e, sizeof e, "\\x%02x", c);
            s = e;
        }
        outbuf_put(b, s, strlen(s));
    }
}

void outfmt_header(struct outsink *o, char *const *names, int n)
{
    struct outbuf *b = outbuf_of(o);
    b->names = (char **)names;
    b->nnames = n;
    if (b->fmt == OUT_JSONL || n == 0) /* no columns (empty input): no header line */
        return;
    for (int i = 0; i < n; i++) {
        if (b->fmt == OUT_TABLE)
            table_field(b, (const unsigned char *)names[i], strlen(names[i]), 'h');
        else
            outfmt_field(o, names[i], strlen(names[i]), OUT_STR);
    }
    outfmt_end_row(o);
}

/* RFC 8259's number grammar, -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?:
 * only a text that already is a JSON number is written as one (02134, .5,
 * 5., +5, inf and nan are not, and stay strings: SPEC 2). */
static bool json_number(const unsigned char *p, size_t n)
{
    size_t i = 0, s;
    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0')
        i++;
    else if (i < n && p[i] >= '1' && p[i] <= '9')
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    else
        return false;
    if (i < n && p[i] == '.') {
        for (s = ++i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == s)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        if (++i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        for (s = i; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
        if (i == s)
            return false;
    }
    return i == n;
}

/* U+FFFD written for invalid UTF-8, over all sinks and threads (the run's
 * one warning, see outfmt.h). */
static _Atomic unsigned long long utf8_replaced;

unsigned long long outfmt_utf8_replaced(void)
{
    return atomic_load_explicit(&utf8_replaced, memory_order_relaxed);
}

/* The sequence at p[0, len) (p[0] >= 0x80): its length (2 to 4) when it is
 * well-formed UTF-8, else minus the length of its maximal invalid subpart
 * (a lead byte and the continuation bytes that fit it before the one that
 * does not: Unicode's "maximal subpart" practice, one U+FFFD each).
 * Overlong forms (C0, C1, E0 80-9F, F0 80-8F), surrogates (ED A0-BF) and
 * code points above U+10FFFF (F4 90-, F5-FF) are invalid. */
static int utf8_seq(const unsigned char *p, size_t len)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    int need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1;
    }
    for (int k = 1; k <= need; k++) {
        if ((size_t)k >= len || p[k] < lo || p[k] > hi)
            return -k;
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

static void json_string(struct outbuf *b, const unsigned char *p, size_t len)
{
    unsigned long long bad = 0;
    outbuf_putc(b, '"');
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        if (c >= 0x80) {
            int k = utf8_seq(p + i, len - i);
            if (k > 0) {
                outbuf_put(b, p + i, (size_t)k);
                i += (size_t)k;
            } else {
                outbuf_put(b, "\xEF\xBF\xBD", 3);
                i += (size_t)-k;
                bad++;
            }
            continue;
        }
        i++;
        if (c == '"' || c == '\\') {
            outbuf_putc(b, '\\');
            outbuf_putc(b, (char)c);
        } else if (c < 0x20) {
            char e[8];
            const char *s = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
            if (!s) {
                snprintf(e, sizeof e, "\\u%04x", c);
                s = e;
            }
            outbuf_put(b, s, strlen(s));
        } else {
            outbuf_putc(b, (char)c);
        }
    }
    outbuf_putc(b, '"');
    if (bad)
        atomic_fetch_add_explicit(&utf8_replaced, bad, memory_order_relaxed);
}

/* outfmt_field's cases other than a plain CSV field, each a function of
 * its own: the common case then runs without the register saves the
 * others need. */
static __attribute__((noinline)) void csv_quoted(struct outbuf *b, const unsigned char *p,
                                                 size_t len)
{
    outbuf_putc(b, '"');
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '"')
            outbuf_putc(b, '"');
        outbuf_putc(b, (char)p[i]);
    }
    outbuf_putc(b, '"');
}

static __attribute__((noinline)) void tsv_field(struct outbuf *b, const unsigned char *p,
                                                size_t len)
{
    if (b->col++)
        outbuf_putc(b, '\t');
    else
        b->first_empty = len == 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = p[i];
        const char *e = c == '\t'   ? "\\t"
                        : c == '\n' ? "\\n"
                        : c == '\r' ? "\\r"
                        : c == '\\' ? "\\\\"
                                    : NULL;
        if (e)
            outbuf_put(b, e, 2);
        else
            outbuf_putc(b, (char)c);
    }
}

static __attribute__((noinline)) void jsonl_field(struct outbuf *b, const unsigned char *p,
                                                  size_t len, enum out_kind kind)
{
    int c = b->col++;
    outbuf_putc(b, c ? ',' : '{');
    if (c < b->nnames)
        json_string(b, (const unsigned char *)b->names[c], strlen(b->names[c]));
    else
        json_string(b, (const unsigned char *)"?", 1);
    outbuf_putc(b, ':');
    if (kind == OUT_NULL)
        outbuf_put(b, "null", 4);
    else if (kind == OUT_NUM && json_number(p, len))
        outbuf_put(b, p, len);
    else if (kind == OUT_BOOL &&
             ((len == 4 && memcmp(p, "true", 4) == 0) || (len == 5 && memcmp(p, "false", 5) == 0)))
        outbuf_put(b, p, len);
    else
        json_string(b, p, len);
}

void outfmt_field(struct outsink *o, const void *vp, size_t len, enum out_kind kind)
{
    struct outbuf *b = outbuf_of(o);
    const unsigned char *p = vp;
    switch (b->fmt) {
    case OUT_TABLE:
        table_field(b, p, len, kind == OUT_NULL || !len ? '-' : kind == OUT_NUM ? 'n' : 's');
        return;
    case OUT_CSV:
        if (b->col++)
            outbuf_putc(b, ',');
        else
            b->first_empty = len == 0;
        if (kind == OUT_STR) {
            bool q = false;
            for (size_t i = 0; i < len && !q; i++)
                q = p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r';
            if (q) {
                csv_quoted(b, p, len);
                return;
            }
        }
        outbuf_put(b, p, len);
        return;
    case OUT_TSV: tsv_field(b, p, len); return;
    case OUT_JSONL: jsonl_field(b, p, len, kind); return;
    }
}

void outfmt_end_row(struct outsink *o)
{
    struct outbuf *b = outbuf_of(o);
    if (b->fmt == OUT_JSONL) {
        if (!b->col)
            outbuf_putc(b, '{');
        outbuf_putc(b, '}');
    } else if (b->col == 1 && b->first_empty && b->fmt != OUT_TABLE) {
        /* a lone empty field (a null too) would be a blank line, which a
         * reader skips: the row would vanish (SPEC 2) */
        outbuf_put(b, "\"\"", 2);
    }
    outbuf_putc(b, '\n');
    b->col = 0;
}
