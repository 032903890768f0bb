/* hashtab.c - open-addressing group table (see hashtab.h). */
#include "hashtab.h"

#include "bigmem.h"

#include <stdlib.h>
#include <string.h>

#ifndef HASHTAB_INITIAL
#define HASHTAB_INITIAL 256
#endif

/* 32 bytes: two slots a cache line. Keys of up to 16 bytes are also kept
 * in the slot (zero-padded), so a hit on a short key touches one line. */
struct slot {
    uint64_t hash; /* 0: empty */
    uint32_t group;
    uint32_t len;    /* key length */
    uint64_t k0, k1; /* first 16 key bytes, zero-padded */
};

#define INLINE_KEY 16

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

static int grow(struct hashtab *t)
{
    size_t n = (t->mask + 1) * 2;
    struct slot *s = bigmem_alloc(n * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i <= t->mask; i++) {
        struct slot *o = &t->slots[i];
        if (!o->hash)
            continue;
        size_t j = o->hash & (n - 1);
        while (s[j].hash)
            j = (j + 1) & (n - 1);
        s[j] = *o;
    }
    bigmem_free(t->slots, (t->mask + 1) * sizeof *t->slots);
    t->slots = s;
    t->mask = n - 1;
    return 0;
}

int64_t hashtab_upsert(struct hashtab *t, const void *key, size_t len, uint64_t hash,
                       bool *inserted)
{
    uint64_t kw[2] = {0, 0};
    if (len <= INLINE_KEY && len)
        memcpy(kw, key, len);
    size_t i = hash & t->mask;
    for (;;) {
        struct slot *s = &t->slots[i];
        if (s->hash == hash && s->len == len) {
            bool eq = len <= INLINE_KEY ? (s->k0 == kw[0] && s->k1 == kw[1])
                                        : memcmp(t->arena + t->groups[s->group].off, key, len) == 0;
            if (eq) {
                *inserted = false;
                return s->group;
            }
        }
        if (!s->hash)
            break;
        i = (i + 1) & t->mask;
    }
    /* insert */
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
    t->slots[i] = (struct slot){
        .hash = hash, .group = g, .len = (uint32_t)len, .k0 = kw[0], .k1 = kw[1]};
    *inserted = true;
    if (t->ngroups * 2 > t->mask + 1 && grow(t) < 0)
        return -1;
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
    } else if (t->slots) {
        memset(t->slots, 0, (t->mask + 1) * sizeof *t->slots);
    }
    t->ngroups = 0;
    t->used = 0;
}

size_t hashtab_bytes(const struct hashtab *t)
{
    /* what the keys in it need (at most half the slots used), not what a
     * cleared table kept */
    return t->ngroups * (2 * sizeof(struct slot) + sizeof(struct group)) + t->used;
}

int64_t hashtab_find(const struct hashtab *t, const void *key, size_t len, uint64_t hash)
{
    for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
        const struct slot *s = &t->slots[i];
        if (!s->hash)
            return -1;
        if (s->hash == hash && s->len == len &&
            (!len || memcmp(t->arena + t->groups[s->group].off, key, len) == 0))
            return s->group;
    }
}

int hashtab_reserve(struct hashtab *t, size_t n)
{
    size_t want = t->mask + 1;
    while (want < 2 * n + 2)
        want *= 2;
    if (want > t->mask + 1) {
        if (t->ngroups) { /* rehash by growing */
            while ((t->mask + 1) < want)
                if (grow(t) < 0)
                    return -1;
        } else {
            struct slot *s = bigmem_alloc(want * sizeof *s);
            if (!s)
                return -1;
            bigmem_free(t->slots, (t->mask + 1) * sizeof *t->slots);
            t->slots = s;
            t->mask = want - 1;
        }
    }
    if (n > t->capgroups) {
        struct group *g = realloc(t->groups, n * sizeof *g);
        if (!g)
            return -1;
        t->groups = g;
        t->capgroups = n;
    }
    return 0;
}
