/* test_hashtab.c - the group table: dense group numbers in insertion order,
 * keys as arbitrary bytes (embedded NULs, the empty key), growth to a
 * million groups, and keys that share a hash.
 *
 * Keys are passed from short-lived buffers that are overwritten after each
 * upsert, so a table that kept the caller's pointer instead of copying the
 * bytes would fail.
 */
#include <criterion/criterion.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../pipeline/hashtab.h"

static int64_t upsert(struct hashtab *t, const void *key, size_t len, bool *inserted)
{
    /* a scratch copy, scribbled over afterwards */
    uint8_t *k = malloc(len ? len : 1);
    cr_assert_not_null(k);
    if (len)
        memcpy(k, key, len);
    int64_t g = hashtab_upsert(t, k, len, hashtab_hash(k, len), inserted);
    memset(k, 0xee, len ? len : 1);
    free(k);
    return g;
}

static void expect_key(const struct hashtab *t, uint32_t g, const void *key, size_t len)
{
    size_t kl = 12345;
    const uint8_t *k = hashtab_key(t, g, &kl);
    cr_assert_eq(kl, len, "group %u: key length %zu, expected %zu", g, kl, len);
    cr_assert(len == 0 || memcmp(k, key, len) == 0, "group %u: key bytes differ", g);
    cr_assert_eq(hashtab_key_hash(t, g), hashtab_hash(key, len), "group %u: hash", g);
}

Test(hashtab, groups_dense_in_insertion_order)
{
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    cr_assert_eq(hashtab_size(t), 0);
    const char *keys[] = {"pear", "apple", "fig", "apple", "pear", "kiwi", "fig", "fig"};
    const int64_t want[] = {0, 1, 2, 1, 0, 3, 2, 2};
    const bool want_ins[] = {true, true, true, false, false, true, false, false};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        bool ins = !want_ins[i];
        int64_t g = upsert(t, keys[i], strlen(keys[i]), &ins);
        cr_assert_eq(g, want[i], "'%s': group %lld, expected %lld", keys[i], (long long)g,
                     (long long)want[i]);
        cr_assert_eq(ins, want_ins[i], "'%s': inserted %d", keys[i], ins);
    }
    cr_assert_eq(hashtab_size(t), 4);
    expect_key(t, 0, "pear", 4);
    expect_key(t, 1, "apple", 5);
    expect_key(t, 2, "fig", 3);
    expect_key(t, 3, "kiwi", 4);
    hashtab_destroy(t);
}

Test(hashtab, empty_key_is_a_group)
{
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    bool ins;
    cr_assert_eq(upsert(t, "", 0, &ins), 0);
    cr_assert(ins);
    cr_assert_eq(upsert(t, "", 0, &ins), 0);
    cr_assert(!ins);
    cr_assert_eq(upsert(t, "a", 1, &ins), 1);
    cr_assert(ins);
    cr_assert_eq(upsert(t, "", 0, &ins), 0);
    cr_assert(!ins);
    cr_assert_eq(hashtab_size(t), 2);
    expect_key(t, 0, "", 0);
    expect_key(t, 1, "a", 1);
    hashtab_destroy(t);

    /* the empty key after others */
    t = hashtab_create();
    cr_assert_not_null(t);
    cr_assert_eq(upsert(t, "x", 1, &ins), 0);
    cr_assert_eq(upsert(t, "", 0, &ins), 1);
    cr_assert(ins);
    cr_assert_eq(upsert(t, "", 0, &ins), 1);
    cr_assert(!ins);
    expect_key(t, 1, "", 0);
    hashtab_destroy(t);
}

Test(hashtab, keys_with_nul_bytes)
{
    static const struct {
        const char *k;
        size_t len;
    } keys[] = {
        {"a", 1}, {"a\0", 2}, {"a\0b", 3}, {"a\0c", 3}, {"\0", 1}, {"\0\0", 2}, {"\0a", 2}, {"", 0},
    };
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    size_t nk = sizeof keys / sizeof keys[0];
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < nk; i++) {
            bool ins;
            int64_t g = upsert(t, keys[i].k, keys[i].len, &ins);
            cr_assert_eq(g, (int64_t)i, "key %zu: group %lld", i, (long long)g);
            cr_assert_eq(ins, round == 0);
        }
    }
    cr_assert_eq(hashtab_size(t), nk);
    for (size_t i = 0; i < nk; i++)
        expect_key(t, (uint32_t)i, keys[i].k, keys[i].len);
    hashtab_destroy(t);
}

/* A probe compares keys whenever the 64 hash bits agree: distinct keys with
 * one hash (as a real collision would give) stay distinct groups. */
Test(hashtab, equal_hashes_distinct_keys)
{
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    const char *keys[] = {"one", "two", "six", "three", "", "on"};
    const uint64_t h = 0x123456789abcdefull;
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            bool ins;
            int64_t g = hashtab_upsert(t, keys[i], strlen(keys[i]), h, &ins);
            cr_assert_eq(g, (int64_t)i, "'%s': group %lld", keys[i], (long long)g);
            cr_assert_eq(ins, round == 0);
        }
    }
    cr_assert_eq(hashtab_size(t), 6);
    for (uint32_t g = 0; g < 6; g++)
        cr_assert_eq(hashtab_key_hash(t, g), h);
    hashtab_destroy(t);
}

static size_t make_key(uint8_t *buf, uint32_t i)
{
    /* varying lengths, binary bytes, a shared prefix */
    size_t n = (size_t)snprintf((char *)buf, 32, "key-%u", i);
    buf[n++] = 0;
    buf[n++] = (uint8_t)(i * 131u);
    for (uint32_t j = 0; j < i % 7; j++)
        buf[n++] = (uint8_t)('a' + j);
    return n;
}

Test(hashtab, million_keys_survive_growth)
{
    enum { N = 1000000 };
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    uint8_t buf[48];
    for (uint32_t i = 0; i < N; i++) {
        size_t n = make_key(buf, i);
        bool ins = false;
        int64_t g = hashtab_upsert(t, buf, n, hashtab_hash(buf, n), &ins);
        if (g != (int64_t)i || !ins)
            cr_assert_fail("key %u: group %lld inserted %d", i, (long long)g, ins);
        memset(buf, 0xee, sizeof buf);
    }
    cr_assert_eq(hashtab_size(t), N);
    /* every key again, in another order: same group, not inserted */
    for (uint32_t k = 0; k < N; k++) {
        uint32_t i = (uint32_t)(((uint64_t)k * 7919u) % N);
        size_t n = make_key(buf, i);
        bool ins = true;
        int64_t g = hashtab_upsert(t, buf, n, hashtab_hash(buf, n), &ins);
        if (g != (int64_t)i || ins)
            cr_assert_fail("key %u again: group %lld inserted %d", i, (long long)g, ins);
    }
    cr_assert_eq(hashtab_size(t), N);
    for (uint32_t i = 0; i < N; i++) {
        size_t n = make_key(buf, i), kl;
        const uint8_t *k = hashtab_key(t, i, &kl);
        if (kl != n || memcmp(k, buf, n) != 0 || hashtab_key_hash(t, i) != hashtab_hash(buf, n))
            cr_assert_fail("group %u: wrong key bytes (length %zu, expected %zu)", i, kl, n);
    }
    hashtab_destroy(t);
}

Test(hashtab, destroy_null_is_harmless) { hashtab_destroy(NULL); }

/* Keys of every length up to 30 that differ in one byte only, at every
 * place, under one forced hash: a slot's tag agrees for all of them, so
 * the key comparison alone (the first 8 bytes in the slot, loads that
 * overlap up to 24, memcmp past that) must tell them apart. */
Test(hashtab, keys_differing_in_one_byte_share_a_hash)
{
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    const uint64_t h = 0xfeedfacecafebeefull;
    uint8_t k[30];
    int64_t next = 0;
    for (size_t len = 1; len <= 30; len++) {
        int64_t first = next;
        for (size_t p = 0; p <= len; p++) { /* p == len: the unchanged key */
            memset(k, 'k', len);
            if (p < len)
                k[p] = 'x';
            bool ins;
            int64_t g = hashtab_upsert(t, k, len, h, &ins);
            cr_assert(ins, "len %zu, byte %zu: taken for an earlier key", len, p);
            cr_assert_eq(g, next++);
        }
        for (size_t p = 0; p <= len; p++) { /* and each found again */
            memset(k, 'k', len);
            if (p < len)
                k[p] = 'x';
            cr_assert_eq(hashtab_find(t, k, len, h), first + (int64_t)p, "len %zu, byte %zu", len,
                         p);
        }
    }
    hashtab_destroy(t);
}

/* Appended groups are not looked up: a repeated key is a new group each
 * time, with its key and hash kept; after a clear the table takes
 * upserts and finds none of them. */
Test(hashtab, append_makes_a_group_per_call)
{
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    const char *keys[] = {"a", "bb", "a", "", "a long key of thirty-two bytes!!"};
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < 5; i++) {
            uint64_t h = hashtab_hash(keys[i], strlen(keys[i]));
            cr_assert_eq(hashtab_append(t, keys[i], strlen(keys[i]), h), (int64_t)i);
        }
        cr_assert_eq(hashtab_size(t), 5);
        for (uint32_t g = 0; g < 5; g++)
            expect_key(t, g, keys[g], strlen(keys[g]));
        hashtab_clear(t);
        cr_assert_eq(hashtab_size(t), 0);
    }
    bool ins;
    cr_assert_eq(upsert(t, "a", 1, &ins), 0);
    cr_assert(ins);
    cr_assert_eq(upsert(t, "bb", 2, &ins), 1);
    cr_assert(ins);
    cr_assert_eq(upsert(t, "a", 1, &ins), 0);
    cr_assert(!ins);
    cr_assert_eq(hashtab_find(t, "", 0, hashtab_hash("", 0)), -1);
    hashtab_destroy(t);
}

/* Keys too long for a slot's length field (65535 bytes and more) that
 * share it, their first 8 bytes and a hash: told apart by their whole
 * length and bytes. */
Test(hashtab, keys_past_the_slot_length)
{
    struct hashtab *t = hashtab_create();
    cr_assert_not_null(t);
    const uint64_t h = 0x0123456789abcdefull;
    size_t lens[] = {65535, 65536, 70000, 70000};
    uint8_t *k = malloc(70000);
    cr_assert_not_null(k);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 4; i++) {
            memset(k, 'z', lens[i]);
            if (i == 3)
                k[69999] = 'y';
            bool ins;
            cr_assert_eq(hashtab_upsert(t, k, lens[i], h, &ins), i);
            cr_assert_eq(ins, round == 0);
        }
    cr_assert_eq(hashtab_size(t), 4);
    free(k);
    hashtab_destroy(t);
}
