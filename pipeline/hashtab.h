/* hashtab.h - the group table: key bytes -> dense group number.
 *
 * Open addressing with linear probing over 16-byte slots (group, key
 * length, 16 bits of the hash, the key's first 8 bytes); the keys live
 * once, in an append-only arena, in group order. Group numbers are dense
 * (0, 1, 2, ... in insertion order), so the aggregate states of a group
 * sit in plain arrays indexed by it. The hash is XXH3-64 of the key bytes;
 * a key of up to 8 bytes is found in its slot alone, a longer one is
 * compared whole when its slot agrees. The table doubles at half full.
 *
 * Threading: one table per thread; no internal locking.
 */
#ifndef PCSV_HASHTAB_H
#define PCSV_HASHTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

struct hashtab;

static inline uint64_t hashtab_hash(const void *key, size_t len)
{
    uint64_t h = XXH3_64bits(key, len);
    return h ? h : 1; /* 0 marks an empty slot */
}

/* NULL on ENOMEM. */
struct hashtab *hashtab_create(void);
void hashtab_destroy(struct hashtab *t);

/* The group of key (hash = hashtab_hash(key, len)), inserting it when new
 * (*inserted = true). Returns -1 on ENOMEM. */
int64_t hashtab_upsert(struct hashtab *t, const void *key, size_t len, uint64_t hash,
                       bool *inserted);

/* A new group for key, not looked for and not put in the index: a table
 * that only gathers groups to be written out (their keys may repeat).
 * Until the next hashtab_clear, a table takes only appends or only
 * upserts, and is searched only after upserts. -1 on ENOMEM. */
int64_t hashtab_append(struct hashtab *t, const void *key, size_t len, uint64_t hash);

/* The group of key, or -1 when it has none. */
int64_t hashtab_find(const struct hashtab *t, const void *key, size_t len, uint64_t hash);

/* Hint: the slot of hash will be probed soon (the batched lookups of
 * agg_part_batch overlap their cache misses this way). */
void hashtab_prefetch(const struct hashtab *t, uint64_t hash);

/* Free the index (the slots) but keep the keys: after this, only
 * hashtab_size/key/key_hash may be called. A partial about to be merged
 * away needs its keys, not its index. */
void hashtab_drop_index(struct hashtab *t);

size_t hashtab_size(const struct hashtab *t);
/* Room for n groups without growing. -1 on ENOMEM. */
int hashtab_reserve(struct hashtab *t, size_t n);
/* Forget every key, keeping the memory (the index keeps its size). */
void hashtab_clear(struct hashtab *t);
/* Bytes its keys need (index, group list, key arena), whatever a cleared
 * table kept. */
size_t hashtab_bytes(const struct hashtab *t);
/* Key bytes of group g, valid until the next upsert. */
const uint8_t *hashtab_key(const struct hashtab *t, uint32_t g, size_t *len);
uint64_t hashtab_key_hash(const struct hashtab *t, uint32_t g);

#endif
