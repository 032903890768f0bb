/* outbuf.h - the front of every sink: the buffer its bytes wait in, with
 * inline appends, and the state of the row being formatted. Internal to
 * io/: outsink.c owns it, outfmt.c formats into it; nothing else includes
 * this header.
 *
 * Why it is not opaque: the formatter appends byte by byte (quotes, escapes,
 * JSON strings), and a call into outsink.c per byte would cost more than
 * the formatting. So the appends are inline here, and only a full buffer
 * calls out, to outbuf_flush/outbuf_spill (in outsink.c), which hand the
 * bytes to the sink's one emit path. A struct outsink begins with its
 * struct outbuf, so outbuf_of is a cast (outsink.c asserts the layout).
 *
 * Threading: the sink's (one thread writes to a sink).
 */
#ifndef PCSV_OUTBUF_H
#define PCSV_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "outfmt.h"

#ifndef OUTSINK_BUF
#define OUTSINK_BUF (1 << 16)
#endif

struct outbuf {
    size_t n; /* bytes in buf */
    /* the row being formatted: outfmt.c's, but fmt, set by outsink_open */
    enum out_format fmt;
    char **names; /* jsonl keys, borrowed (outfmt_names) */
    int nnames, col;
    bool first_empty; /* csv/tsv: the row's first field was empty */
    /* Starts on a cache line of its own, away from n, which every append
     * loads and stores: right behind n, `select --format jsonl --jobs 1`
     * took 16 % more CPU (1.20 s against 1.05 s on 3M rows); like this, or
     * at the offset it had before the split (n and buf on separate lines),
     * it takes what it did. outsink.c allocates sinks 64-byte aligned. */
    _Alignas(64) char buf[OUTSINK_BUF];
};

/* Defined in outsink.c, which owns the back ends. outbuf_flush: hand
 * buf[0, n) to the sink's back end and empty the buffer. outbuf_spill: the
 * same, then take p[0, n) (n > 0): into the buffer, or straight to the back
 * end when it is larger than the buffer. A failed sink drops the bytes. */
void outbuf_flush(struct outbuf *b);
void outbuf_spill(struct outbuf *b, const void *p, size_t n);

/* The buffer at the front of sink o. */
static inline struct outbuf *outbuf_of(struct outsink *o) { return (struct outbuf *)(void *)o; }

static inline void outbuf_put(struct outbuf *b, const void *p, size_t n)
{
    if (b->n + n > sizeof b->buf) {
        outbuf_spill(b, p, n);
        return;
    }
    if (n)
        memcpy(b->buf + b->n, p, n);
    b->n += n;
}

static inline void outbuf_putc(struct outbuf *b, char c)
{
    if (b->n == sizeof b->buf)
        outbuf_flush(b);
    b->buf[b->n++] = c;
}

#endif
