/* hashtab.c - open-addressing group table (see hashtab.h). */
#include "hashtab.h"

#include "bigmem.h"

#include <stdlib.h>
#include <string.h>

#ifndef HASHTAB_INITIAL
#define HASHTAB_INITIAL 256
#endif

/* 8 bytes: eight slots a cache line, so that a table of 32K groups (a
 * worker's, flushed at that size when groups are many) has an index of
 * 512 KiB, which stays in a core's L2 and is cheap to clear. A slot keeps
 * the hash's high 32 bits (its low bits are the slot's place) and the
 * group; the full hash, the length and the key are the group's. */
struct slot {
    uint32_t tag;   /* hash >> 32 */
    uint32_t group; /* + 1; 0: empty */
};

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
static inline void place(struct slot *s, size_t mask, uint64_t h, uint32_t g)
{
    size_t j = h & mask;
    while (s[j].group)
        j = (j + 1) & mask;
    s[j] = (struct slot){.tag = (uint32_t)(h >> 32), .group = g + 1};
}

/* An index of n slots for the groups there are (the old one freed). */
static int reindex(struct hashtab *t, size_t n)
{
    struct slot *s = bigmem_alloc(n * sizeof *s);
    if (!s)
        return -1;
    for (size_t g = 0; g < t->ngroups; g++)
        place(s, n - 1, t->groups[g].hash, (uint32_t)g);
    bigmem_free(t->slots, (t->mask + 1) * sizeof *t->slots);
    t->slots = s;
    t->mask = n - 1;
    t->indexed = t->ngroups;
    return 0;
}

static int grow(struct hashtab *t) { return reindex(t, (t->mask + 1) * 2); }

/* Whether group g's key is key[0, len). (Its hash need not be compared:
 * the slot's tag agreed, and the key decides.) */
static inline bool key_is(const struct hashtab *t, const struct group *g, const uint8_t *key,
                          size_t len)
{
    if (g->len != len)
        return false;
    const uint8_t *a = t->arena + g->off;
    if (len > 16)
        return memcmp(a, key, len) == 0;
    /* a short key in two loads from each end that overlap (a memcmp of
     * unknown size is a call) */
    if (len >= 8) {
        uint64_t x0, y0, x1, y1;
        memcpy(&x0, a, 8);
        memcpy(&y0, key, 8);
        memcpy(&x1, a + len - 8, 8);
        memcpy(&y1, key + len - 8, 8);
        return !((x0 ^ y0) | (x1 ^ y1));
    }
    if (len >= 4) {
        uint32_t x0, y0, x1, y1;
        memcpy(&x0, a, 4);
        memcpy(&y0, key, 4);
        memcpy(&x1, a + len - 4, 4);
        memcpy(&y1, key + len - 4, 4);
        return !((x0 ^ y0) | (x1 ^ y1));
    }
    return !len || (a[0] == key[0] && a[len / 2] == key[len / 2] && a[len - 1] == key[len - 1]);
}

static int64_t add_group(struct hashtab *t, const void *key, size_t len, uint64_t hash);

int64_t hashtab_upsert(struct hashtab *t, const void *key, size_t len, uint64_t hash,
                       bool *inserted)
{
    uint32_t tag = (uint32_t)(hash >> 32);
    size_t i = hash & t->mask;
    for (;;) {
        struct slot *s = &t->slots[i];
        if (!s->group)
            break;
        if (s->tag == tag) {
            const struct group *g = &t->groups[s->group - 1];
            if (key_is(t, g, key, len)) {
                *inserted = false;
                return s->group - 1;
            }
        }
        i = (i + 1) & t->mask;
    }
    int64_t g = add_group(t, key, len, hash);
    if (g < 0)
        return -1;
    t->slots[i] = (struct slot){.tag = tag, .group = (uint32_t)g + 1};
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
    uint32_t tag = (uint32_t)(hash >> 32);
    for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        const struct slot *s = &t->slots[i];
        if (!s->group)
            return -1;
        if (s->tag == tag) {
            const struct group *g = &t->groups[s->group - 1];
            if (key_is(t, g, key, len))
                return s->group - 1;
        }
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
