/* hashtab.c - open-addressing group table (see hashtab.h). */
#include "hashtab.h"

#include "bigmem.h"

#include <stdlib.h>
#include <string.h>

#ifndef HASHTAB_INITIAL
#define HASHTAB_INITIAL 256
#endif

/* 16 bytes: four slots a cache line. A slot keeps the group, the key's
 * length, 16 more bits of the hash (its low bits are the slot's place)
 * and the key's first 8 bytes: a hit on a key of up to 8 bytes (a number,
 * a code) reads the slot alone, and a table of 32K groups (a worker's,
 * flushed at that size when groups are many) has a 1 MiB index, in L2. */
struct slot {
    uint32_t group; /* + 1; 0: empty */
    uint16_t len;   /* the key's length, SLOT_LONG if more */
    uint16_t tag;   /* hash >> 48 */
    uint64_t k0;    /* the key's first 8 bytes, zero-padded */
};
#define SLOT_LONG 0xffff

static inline uint16_t slot_len(size_t len) { return len < SLOT_LONG ? (uint16_t)len : SLOT_LONG; }

/* The first 8 bytes of k[0, len), zero-padded: loads from each end that
 * overlap (a memcpy of unknown size is a call; bytes read twice are the
 * same bytes in the same places). */
static inline uint64_t first8(const uint8_t *k, size_t len)
{
    uint64_t w;
    if (len >= 8) {
        memcpy(&w, k, 8);
        return w;
    }
    if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, k, 4);
        memcpy(&hi, k + len - 4, 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (len - 4));
    }
    if (!len)
        return 0;
    return (uint64_t)k[0] | (uint64_t)k[len / 2] << (8 * (len / 2)) |
           (uint64_t)k[len - 1] << (8 * (len - 1));
}

struct group {
    uint64_t off; /* of the key in the arena */
    uint64_t hash;
    uint32_t len;
};

struct hashtab {
    struct slot *slots;
    size_t mask; /* slots - 1 */
    struct group *groups;
    size_t ngroups, capgroups;
    uint8_t *arena;
    size_t used, cap;
    size_t indexed; /* groups put in the index since it was cleared */
};

struct hashtab *hashtab_create(void)
{
    struct hashtab *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->slots = bigmem_alloc(HASHTAB_INITIAL * sizeof *t->slots);
    if (!t->slots) {
        free(t);
        return NULL;
    }
    t->mask = HASHTAB_INITIAL - 1;
    return t;
}

void hashtab_destroy(struct hashtab *t)
{
    if (!t)
        return;
    if (t->slots)
        bigmem_free(t->slots, (t->mask + 1) * sizeof *t->slots);
    free(t->groups);
    free(t->arena);
    free(t);
}

/* Put group g (hash h) in the first empty slot of its run. */
static inline void place(const struct hashtab *t, struct slot *s, size_t mask, uint32_t g)
{
    const struct group *gr = &t->groups[g];
    size_t j = gr->hash & mask;
    while (s[j].group)
        j = (j + 1) & mask;
    s[j] = (struct slot){.group = g + 1,
                         .len = slot_len(gr->len),
                         .tag = (uint16_t)(gr->hash >> 48),
                         .k0 = first8(t->arena + gr->off, gr->len)};
}

/* An index of n slots for the groups there are (the old one freed). */
static int reindex(struct hashtab *t, size_t n)
{
    struct slot *s = bigmem_alloc(n * sizeof *s);
    if (!s)
        return -1;
    for (size_t g = 0; g < t->ngroups; g++)
        place(t, s, n - 1, (uint32_t)g);
    bigmem_free(t->slots, (t->mask + 1) * sizeof *t->slots);
    t->slots = s;
    t->mask = n - 1;
    t->indexed = t->ngroups;
    return 0;
}

static int grow(struct hashtab *t) { return reindex(t, (t->mask + 1) * 2); }

/* Whether group g's key, of a slot that agreed on the length, the tag and
 * the first 8 bytes, is key[0, len) with len > 8. */
static inline bool rest_is(const struct hashtab *t, const struct group *g, const uint8_t *key,
                           size_t len)
{
    if (g->len != len) /* (lengths from SLOT_LONG on) */
        return false;
    const uint8_t *a = t->arena + g->off;
    if (len > 24)
        return memcmp(a + 8, key + 8, len - 8) == 0;
    /* bytes 8 to len in loads of 8 that may overlap (two keys of two
     * short columns are 10 to 24 bytes) */
    uint64_t x0, y0, x1, y1;
    memcpy(&x1, a + len - 8, 8);
    memcpy(&y1, key + len - 8, 8);
    if (len <= 16)
        return x1 == y1;
    memcpy(&x0, a + 8, 8);
    memcpy(&y0, key + 8, 8);
    return !((x0 ^ y0) | (x1 ^ y1));
}

static int64_t add_group(struct hashtab *t, const void *key, size_t len, uint64_t hash);

int64_t hashtab_upsert(struct hashtab *t, const void *key, size_t len, uint64_t hash,
                       bool *inserted)
{
    uint16_t tag = (uint16_t)(hash >> 48), sl = slot_len(len);
    uint64_t k0 = first8(key, len);
    size_t i = hash & t->mask;
    for (;;) {
        struct slot *s = &t->slots[i];
        if (!s->group)
            break;
        if (s->k0 == k0 && s->tag == tag && s->len == sl &&
            (len <= 8 || rest_is(t, &t->groups[s->group - 1], key, len))) {
            *inserted = false;
            return s->group - 1;
        }
        i = (i + 1) & t->mask;
    }
    int64_t g = add_group(t, key, len, hash);
    if (g < 0)
        return -1;
    t->slots[i] = (struct slot){.group = (uint32_t)g + 1, .len = sl, .tag = tag, .k0 = k0};
    t->indexed++;
    *inserted = true;
    if (t->ngroups * 2 > t->mask + 1 && grow(t) < 0)
        return -1;
    return g;
}

int64_t hashtab_append(struct hashtab *t, const void *key, size_t len, uint64_t hash)
{
    return add_group(t, key, len, hash);
}

/* Group ngroups: its key into the arena. -1 on ENOMEM. */
static int64_t add_group(struct hashtab *t, const void *key, size_t len, uint64_t hash)
{
    if (t->ngroups == t->capgroups) {
        size_t nc = t->capgroups ? t->capgroups * 2 : 64;
        struct group *g = realloc(t->groups, nc * sizeof *g);
        if (!g)
            return -1;
        t->groups = g;
        t->capgroups = nc;
    }
    if (t->used + len > t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 4096;
        while (nc < t->used + len)
            nc *= 2;
        uint8_t *a = realloc(t->arena, nc);
        if (!a)
            return -1;
        t->arena = a;
        t->cap = nc;
    }
    if (len)
        memcpy(t->arena + t->used, key, len);
    uint32_t g = (uint32_t)t->ngroups++;
    t->groups[g] = (struct group){.off = t->used, .hash = hash, .len = (uint32_t)len};
    t->used += len;
    return g;
}

void hashtab_prefetch(const struct hashtab *t, uint64_t hash)
{
    __builtin_prefetch(&t->slots[hash & t->mask]);
}

void hashtab_drop_index(struct hashtab *t)
{
    bigmem_free(t->slots, (t->mask + 1) * sizeof *t->slots);
    t->slots = NULL;
    t->mask = 0;
}

size_t hashtab_size(const struct hashtab *t) { return t->ngroups; }

const uint8_t *hashtab_key(const struct hashtab *t, uint32_t g, size_t *len)
{
    *len = t->groups[g].len;
    /* (no arena yet when every key so far was empty) */
    return t->arena ? t->arena + t->groups[g].off : (const uint8_t *)"";
}

uint64_t hashtab_key_hash(const struct hashtab *t, uint32_t g) { return t->groups[g].hash; }

void hashtab_clear(struct hashtab *t)
{
    /* an index much larger than its last fill would make every clear (and
     * every probe's cache footprint) pay for a size it no longer needs */
    size_t fit = HASHTAB_INITIAL;
    while (fit < 2 * t->ngroups)
        fit *= 2;
    if (t->slots && t->mask + 1 > 4 * fit) {
        struct slot *s = bigmem_alloc(fit * sizeof *s);
        if (s) {
            bigmem_free(t->slots, (t->mask + 1) * sizeof *t->slots);
            t->slots = s;
            t->mask = fit - 1;
            /* and the key arena and group list, sized for the same past */
            free(t->groups);
            free(t->arena);
            t->groups = NULL;
            t->arena = NULL;
            t->capgroups = t->cap = 0;
        }
    } else if (t->slots && t->indexed) { /* (appended groups left it clear) */
        memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
    }
    t->ngroups = 0;
    t->used = 0;
    t->indexed = 0;
}

size_t hashtab_bytes(const struct hashtab *t)
{
    /* what the keys in it need (at most half the slots used), not what a
     * cleared table kept */
    return t->ngroups * (2 * sizeof(struct slot) + sizeof(struct group)) + t->used;
}

int64_t hashtab_find(const struct hashtab *t, const void *key, size_t len, uint64_t hash)
{
    uint16_t tag = (uint16_t)(hash >> 48), sl = slot_len(len);
    uint64_t k0 = first8(key, len);
    for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        const struct slot *s = &t->slots[i];
        if (!s->group)
            return -1;
        if (s->k0 == k0 && s->tag == tag && s->len == sl &&
            (len <= 8 || rest_is(t, &t->groups[s->group - 1], key, len)))
            return s->group - 1;
    }
}

int hashtab_reserve(struct hashtab *t, size_t n)
{
    size_t want = t->mask + 1;
    while (want < 2 * n + 2)
        want *= 2;
    if (want > t->mask + 1 && reindex(t, want) < 0)
        return -1;
    if (n > t->capgroups) {
        struct group *g = realloc(t->groups, n * sizeof *g);
        if (!g)
            return -1;
        t->groups = g;
        t->capgroups = n;
    }
    return 0;
}
