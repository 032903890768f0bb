/* gzdecode.c - gzip members decoded incrementally (see gzdecode.h).
 *
 * The member headers and trailers are read here, a byte at a time when
 * they are cut (they are a few bytes); the deflate data between them goes
 * to ISA-L's isal_inflate in raw mode, which also keeps the CRC-32 of what
 * it writes (ISAL_GZIP_NO_HDR). ISA-L was measured faster than zlib and
 * libdeflate on a gzip of the benchmark CSV (README, Decisions).
 *
 * Where the deflate data ends: isal_inflate loads input 64 bits at a time,
 * so when the final block ends it may hold the first bytes of the trailer
 * in its bit buffer (read_in): after the padding bits of the last deflate
 * byte, read_in_length / 8 whole bytes. They are taken from there, not from
 * the input buffer, which may be another one by then. */
#include "gzdecode.h"

#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum phase {
    PH_HEADER,  /* a member's header */
    PH_DEFLATE, /* its deflate data */
    PH_TRAILER, /* CRC-32 and ISIZE */
    PH_AFTER,   /* after a whole member: another one, zero padding or the end */
    PH_PADDING, /* zero bytes after the last member */
    PH_FAILED,
};

/* the header's steps */
enum hstep { HS_FIXED, HS_XLEN, HS_EXTRA, HS_NAME, HS_COMMENT, HS_HCRC, HS_DONE };

/* header flags (RFC 1952 2.3.1) */
#define F_HCRC 0x02
#define F_EXTRA 0x04
#define F_NAME 0x08
#define F_COMMENT 0x10
#define F_RESERVED 0xE0

struct gzdecode {
    struct inflate_state st;
    enum phase ph;
    enum hstep hs;
    uint64_t off;       /* compressed bytes consumed so far */
    uint64_t member_at; /* where the current member starts */
    uint64_t isize;     /* bytes the current member has produced */
    uint8_t buf[10];    /* the header's fixed part, XLEN, HCRC, or the trailer */
    size_t buflen;
    uint8_t flags;
    uint32_t xleft;  /* FEXTRA bytes still to skip */
    uint32_t hcrc;   /* CRC-32 of the header bytes so far */
    uint32_t crc;    /* the member's data CRC, from the inflater */
    uint64_t trl_at; /* where the trailer starts */
    char msg[200];
};

struct gzdecode *gzdecode_create(void)
{
    struct gzdecode *g = calloc(1, sizeof *g);
    if (g) {
        isal_inflate_init(&g->st);
        g->ph = PH_HEADER;
    }
    return g;
}

void gzdecode_destroy(struct gzdecode *g) { free(g); }

const char *gzdecode_error(const struct gzdecode *g) { return g->msg; }

static int fail(struct gzdecode *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct gzdecode *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
    va_end(ap);
    g->ph = PH_FAILED;
    return -1;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Consume header bytes from in[*pos, n) (their CRC is kept for FHCRC).
 * 0 (the header is whole when g->hs is HS_DONE), or -1. */
static int header(struct gzdecode *g, const uint8_t *in, size_t n, size_t *pos)
{
    while (*pos < n && g->hs != HS_DONE) {
        const uint8_t *p = in + *pos;
        size_t avail = n - *pos, take = 1;
        switch (g->hs) {
        case HS_FIXED:
        case HS_XLEN:
        case HS_HCRC: {
            size_t want = g->hs == HS_FIXED ? 10 : 2;
            take = want - g->buflen < avail ? want - g->buflen : avail;
            memcpy(g->buf + g->buflen, p, take);
            g->buflen += take;
            if (g->hs == HS_FIXED && g->buflen >= 1 && g->buf[0] != 0x1f)
                goto garbage;
            if (g->hs == HS_FIXED && g->buflen >= 2 && g->buf[1] != 0x8b)
                goto garbage;
            if (g->buflen < want)
                break;
            g->buflen = 0;
            if (g->hs == HS_FIXED) {
                if (g->buf[2] != 8)
                    return fail(g,
                                "corrupt gzip data at compressed byte %llu: unknown compression "
                                "method %u (deflate is 8)",
                                (unsigned long long)g->member_at + 2, g->buf[2]);
                g->flags = g->buf[3];
                if (g->flags & F_RESERVED)
                    return fail(g,
                                "corrupt gzip data at compressed byte %llu: reserved header "
                                "flags are set",
                                (unsigned long long)g->member_at + 3);
            } else if (g->hs == HS_XLEN) {
                g->xleft = (uint32_t)g->buf[0] | (uint32_t)g->buf[1] << 8;
            } else { /* HS_HCRC: the low 16 bits of the CRC-32 of the bytes before */
                if (((uint32_t)g->buf[0] | (uint32_t)g->buf[1] << 8) != (g->hcrc & 0xffff))
                    return fail(g,
                                "corrupt gzip data at compressed byte %llu: the header's "
                                "CRC does not match",
                                (unsigned long long)(g->off + *pos + take - 2));
                *pos += take;
                g->hs = HS_DONE;
                return 0;
            }
            break;
        }
        case HS_EXTRA:
            take = g->xleft < avail ? g->xleft : avail;
            g->xleft -= (uint32_t)take;
            break;
        case HS_NAME:
        case HS_COMMENT: {
            const uint8_t *z = memchr(p, 0, avail);
            take = z ? (size_t)(z - p) + 1 : avail;
            break;
        }
        case HS_DONE: break;
        }
        if (g->hs != HS_HCRC) /* (its own bytes are not in it) */
            g->hcrc = crc32_gzip_refl(g->hcrc, p, take);
        *pos += take;
        /* the next step, when this one is complete */
        bool done = (g->hs == HS_FIXED && g->buflen == 0) || (g->hs == HS_XLEN && !g->buflen) ||
                    (g->hs == HS_EXTRA && !g->xleft) ||
                    ((g->hs == HS_NAME || g->hs == HS_COMMENT) && in[*pos - 1] == 0);
        while (done && g->hs != HS_DONE) {
            g->hs++;
            done = (g->hs == HS_XLEN && !(g->flags & F_EXTRA)) ||
                   (g->hs == HS_EXTRA && (!(g->flags & F_EXTRA) || !g->xleft)) ||
                   (g->hs == HS_NAME && !(g->flags & F_NAME)) ||
                   (g->hs == HS_COMMENT && !(g->flags & F_COMMENT)) ||
                   (g->hs == HS_HCRC && !(g->flags & F_HCRC));
        }
    }
    return 0;
garbage:
    return fail(g,
                "trailing garbage after the gzip data at compressed byte %llu (only zero bytes "
                "may follow the last member)",
                (unsigned long long)g->member_at);
}

static void member_start(struct gzdecode *g)
{
    g->ph = PH_HEADER;
    g->hs = HS_FIXED;
    g->buflen = 0;
    g->hcrc = 0;
    g->member_at = g->off;
}

static const char *inflate_error(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_INVALID_SYMBOL: return "invalid deflate code";
    case ISAL_INVALID_LOOKBACK: return "a back-reference before the start of the data";
    default: return "invalid deflate data";
    }
}

int gzdecode_run(struct gzdecode *g, const uint8_t *in, size_t inlen, size_t *inpos, uint8_t *out,
                 size_t outcap, size_t *outpos)
{
    for (;;) {
        /* the inflater may hold output for a bigger buffer: it is called
         * without input too; every other phase needs input */
        if (g->ph == PH_FAILED)
            return -1;
        if (g->ph != PH_DEFLATE && *inpos == inlen)
            return 0;
        switch (g->ph) {
        case PH_FAILED: return -1;
        case PH_HEADER: {
            size_t before = *inpos;
            int rc = header(g, in, inlen, inpos);
            g->off += *inpos - before;
            if (rc)
                return -1;
            if (g->hs == HS_DONE) {
                isal_inflate_reset(&g->st);
                g->st.crc_flag = ISAL_GZIP_NO_HDR;
                g->isize = 0;
                g->ph = PH_DEFLATE;
            }
            break;
        }
        case PH_DEFLATE: {
            if (*outpos == outcap)
                return 0; /* the output is full */
            size_t ain = inlen - *inpos, aout = outcap - *outpos;
            if (ain > (1u << 30))
                ain = 1u << 30;
            if (aout > (1u << 30))
                aout = 1u << 30;
            g->st.next_in = (uint8_t *)in + *inpos;
            g->st.avail_in = (uint32_t)ain;
            g->st.next_out = out + *outpos;
            g->st.avail_out = (uint32_t)aout;
            int r = isal_inflate(&g->st);
            size_t used = ain - g->st.avail_in, made = aout - g->st.avail_out;
            *inpos += used;
            *outpos += made;
            g->off += used;
            g->isize += made;
            if (r < 0) {
                /* the inflater has read ahead: its bit buffer, and the
                 * bytes it keeps while a code is cut */
                uint64_t ahead = (uint64_t)(g->st.read_in_length > 0 ? g->st.read_in_length / 8
                                                                     : 0) +
                                 (uint64_t)(g->st.tmp_in_size > 0 ? g->st.tmp_in_size : 0);
                uint64_t at = g->off - (ahead < g->off - g->member_at ? ahead : 0);
                return fail(g, "corrupt gzip data near compressed byte %llu: %s",
                            (unsigned long long)at, inflate_error(r));
            }
            if (g->st.block_state == ISAL_BLOCK_FINISH) {
                if (g->st.tmp_in_size || g->st.read_in_length < 0 || g->st.read_in_length > 64)
                    return fail(g,
                                "corrupt gzip data near compressed byte %llu: the inflater "
                                "stopped in an unexpected state",
                                (unsigned long long)g->off);
                int k = g->st.read_in_length / 8;
                uint64_t bits = g->st.read_in >> (g->st.read_in_length & 7);
                for (int i = 0; i < k; i++)
                    g->buf[i] = (uint8_t)(bits >> (8 * i));
                g->buflen = (size_t)k;
                g->trl_at = g->off - (uint64_t)k;
                g->crc = g->st.crc;
                g->ph = PH_TRAILER;
                break;
            }
            if (!used && !made) {
                if (*inpos == inlen)
                    return 0; /* it needs more input */
                return fail(g,
                            "corrupt gzip data near compressed byte %llu: the inflater made "
                            "no progress",
                            (unsigned long long)g->off);
            }
            break;
        }
        case PH_TRAILER: {
            size_t take = 8 - g->buflen < inlen - *inpos ? 8 - g->buflen : inlen - *inpos;
            memcpy(g->buf + g->buflen, in + *inpos, take);
            g->buflen += take;
            *inpos += take;
            g->off += take;
            break;
        }
        case PH_AFTER:
            g->member_at = g->off;
            if (in[*inpos] == 0)
                g->ph = PH_PADDING;
            else
                member_start(g);
            break;
        case PH_PADDING: {
            const uint8_t *p = in + *inpos;
            size_t n = inlen - *inpos, i = 0;
            while (i < n && p[i] == 0)
                i++;
            *inpos += i;
            g->off += i;
            if (i < n)
                return fail(g,
                            "trailing garbage after the gzip data at compressed byte %llu "
                            "(only zero bytes may follow the last member)",
                            (unsigned long long)g->off);
            break;
        }
        }
        if (g->ph == PH_TRAILER && g->buflen == 8) {
            uint32_t crc = le32(g->buf), isize = le32(g->buf + 4);
            if (crc != g->crc)
                return fail(g,
                            "corrupt gzip data at compressed byte %llu: CRC-32 mismatch (the "
                            "trailer says %08x, the data's is %08x)",
                            (unsigned long long)g->trl_at, crc, g->crc);
            if (isize != (uint32_t)g->isize)
                return fail(g,
                            "corrupt gzip data at compressed byte %llu: the member holds %llu "
                            "bytes, its trailer says %u (mod 2^32)",
                            (unsigned long long)g->trl_at + 4, (unsigned long long)g->isize, isize);
            g->ph = PH_AFTER;
        }
    }
}

int gzdecode_end(struct gzdecode *g)
{
    if (g->ph == PH_FAILED)
        return -1;
    if (g->ph == PH_AFTER || g->ph == PH_PADDING)
        return 0;
    return fail(g, "truncated gzip stream: it ends inside a member, at compressed byte %llu",
                (unsigned long long)g->off);
}
