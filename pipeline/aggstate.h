/* aggstate.h - groups' aggregate states as bytes: one encoding for spill
 * runs (and, later, partial files).
 *
 * A block is what one partial's groups of one hash partition become: a
 * header with the column-wide facts at the time (each value column's
 * decimal scale, whether it saw reals, text or an overflow), then one
 * record per group: the key, the row count, and per value column every
 * state its functions keep (exact sums, sums of squares, min/max as
 * numbers and bytes, first/last with their input positions, the distinct
 * values, the median/pN values). Nothing in a block depends on pointers,
 * on the order groups were met, or on the machine beyond little-endian
 * integers, so decoding blocks into a partial in any order gives the same
 * states as merging the partials themselves (agg_part_merge).
 *
 * Layout (integers are LEB128 varints; signed ones zigzag):
 *   block  = 'G' version=1 nvcols { scale flags } record*
 *   record = klen key blen body
 *   body   = count { n [state of the column, when n > 0] }
 * with the column's states in a fixed order (squares, first/last, sum,
 * min/max, distinct values, quantile values); aggstate.c says how each is
 * written.
 *
 * Decoding checks every length and value against the plan and never
 * reads outside the block: a corrupt or truncated block is PCSV_EDATA
 * naming its byte offset (base + offset in the block), never a crash.
 *
 * Threading: encode reads its partial, decode writes into its partial;
 * one thread per partial.
 */
#ifndef PCSV_AGGSTATE_H
#define PCSV_AGGSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "../io/status.h"
#include "agg.h"

/* A growable byte buffer. */
struct aggstate_buf {
    uint8_t *p;
    size_t len, cap;
    size_t nrec; /* records (groups) in it */
};

/* Room for n more bytes in b (it grows by doubling). -1 on ENOMEM. */
int aggstate_reserve(struct aggstate_buf *b, size_t n);

/* Append v as a varint (room reserved). Through locals, storing b->len
 * once: a byte stored through b->p may alias b itself, so
 * `b->p[b->len++] = x` would reload both at every byte. */
static inline void aggstate_put_u(struct aggstate_buf *b, uint64_t v)
{
    uint8_t *p = b->p;
    size_t n = b->len;
    while (v >= 0x80) {
        p[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (uint8_t)v;
    b->len = n;
}

/* Append the groups of a to bufs[partition] for nparts partitions by key
 * hash (aggstate_partition); a buffer that was empty gets a block header
 * first. -1 on ENOMEM. */
int aggstate_encode(const struct agg_part *a, struct aggstate_buf *bufs, unsigned nparts);

/* Sort the records of the block in b by key bytes (shorter first on a
 * tie): the canonical order of a partial file's groups. -1 on ENOMEM. */
int aggstate_sort(struct aggstate_buf *b);

/* Append the records of block src to block dst (src whole when dst is
 * empty). Both blocks must have the same header (the same column facts).
 * -1 on ENOMEM or different headers. */
int aggstate_append(struct aggstate_buf *dst, const struct aggstate_buf *src);

/* aggstate_encode with each group's kept values (distinct, median/pN) in
 * a canonical order, so that the bytes depend only on the states (a
 * partial file's groups). */
int aggstate_encode_sorted(const struct agg_part *a, struct aggstate_buf *bufs, unsigned nparts);

/* The partition (of nparts) of a group whose key hashes to h: high bits,
 * as the low bits pick slots in the tables. */
static inline unsigned aggstate_partition(uint64_t h, unsigned nparts)
{
    return (unsigned)((h >> 40) * nparts >> 24);
}

/* Merge the groups of block p[0, n) into a (same plan). 0, PCSV_EDATA
 * (err: "corrupt ... at byte base+off"), or PCSV_ENOMEM. */
int aggstate_decode(struct agg_part *a, const uint8_t *p, size_t n, uint64_t base,
                    struct pcsv_error *err);

/* v (below 2^35) as a varint of exactly 5 bytes at p: a length written
 * before what it measures is known. */
static inline void aggstate_put_len5(uint8_t *p, uint64_t v)
{
    p[0] = (uint8_t)((v & 0x7f) | 0x80);
    p[1] = (uint8_t)((v >> 7 & 0x7f) | 0x80);
    p[2] = (uint8_t)((v >> 14 & 0x7f) | 0x80);
    p[3] = (uint8_t)((v >> 21 & 0x7f) | 0x80);
    p[4] = (uint8_t)(v >> 28 & 0x7f);
}

#endif
