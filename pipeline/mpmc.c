/* mpmc.c - the bounded MPMC ring and its sleeping waits (see mpmc.h). */
#include "mpmc.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>

int mpmc_init(struct mpmc *q, size_t cap)
{
    if (cap < 1) {
        errno = EINVAL;
        return -1;
    }
    q->slots = calloc(cap, sizeof *q->slots);
    if (!q->slots)
        return -1;
    q->cap = cap;
    for (size_t i = 0; i < cap; i++)
        atomic_init(&q->slots[i].seq, 2 * (uint64_t)i);
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->closed, 0);
    atomic_init(&q->sleepers, 0);
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    return 0;
}

void mpmc_fini(struct mpmc *q)
{
    free(q->slots);
    q->slots = NULL;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
}

/* One attempt to push, without waking anyone: what mpmc_try_push does and
 * what mpmc_push retries (also under q->mu, where wake() would deadlock). */
static bool push_once(struct mpmc *q, void *item)
{
    /* Relaxed: head is only a hint of where to try; the CAS below and the
     * slot's sequence decide. */
    uint64_t pos = atomic_load_explicit(&q->head, memory_order_relaxed);
    for (;;) {
        struct mpmc_slot *s = &q->slots[pos % q->cap];
        /* A1: acquire, pairs with R2 in pop_once: the consumer of the
         * previous lap is done reading s->item before we overwrite it. */
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        /* Signed difference: positions wrap only after 2^63 operations. */
        int64_t dif = (int64_t)(seq - 2 * pos);
        if (dif == 0) {
            /* Relaxed CAS: it only arbitrates between producers; the data
             * hand-over is ordered by the slot sequence (R1). */
            if (atomic_compare_exchange_weak_explicit(&q->head, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                s->item = item;
                /* R1: release, pairs with A2 in pop_once: publishes item. */
                atomic_store_explicit(&s->seq, 2 * pos + 1, memory_order_release);
                return true;
            }
            /* CAS failure reloaded pos; try again. */
        } else if (dif < 0) {
            return false; /* the slot still holds the item of the previous lap: full */
        } else {
            pos = atomic_load_explicit(&q->head, memory_order_relaxed);
        }
    }
}

/* One attempt to pop, without waking anyone (see push_once). */
static bool pop_once(struct mpmc *q, void **item)
{
    uint64_t pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
    for (;;) {
        struct mpmc_slot *s = &q->slots[pos % q->cap];
        /* A2: acquire, pairs with R1 in push_once: we see the item. */
        uint64_t seq = atomic_load_explicit(&s->seq, memory_order_acquire);
        int64_t dif = (int64_t)(seq - (2 * pos + 1));
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&q->tail, &pos, pos + 1, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                *item = s->item;
                /* R2: release, pairs with A1: the slot is free for the push
                 * at position pos + cap, and our read of item is done. */
                atomic_store_explicit(&s->seq, 2 * (pos + q->cap), memory_order_release);
                return true;
            }
        } else if (dif < 0) {
            return false; /* not yet filled: empty */
        } else {
            pos = atomic_load_explicit(&q->tail, memory_order_relaxed);
        }
    }
}

/* Wake sleepers after a successful push or pop. The seq_cst fence pairs with
 * the seq_cst increment of sleepers in wait_for (Dekker): either the sleeper
 * sees our change on its re-check, or we see its announcement here. */
static void wake(struct mpmc *q)
{
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&q->sleepers, memory_order_relaxed) > 0) {
        pthread_mutex_lock(&q->mu);
        pthread_cond_broadcast(&q->cv);
        pthread_mutex_unlock(&q->mu);
    }
}

/* The try_ calls wake sleepers too: a blocking pop asleep on an empty ring
 * must learn of an item a try_push queued, or a mix of the two styles
 * deadlocks (the randomised stress in tests/unit/test_mpmc.c found it:
 * consumers asleep in mpmc_pop, the ring full of try_push items, producers
 * asleep in mpmc_push). */
bool mpmc_try_push(struct mpmc *q, void *item)
{
    if (!push_once(q, item))
        return false;
    wake(q);
    return true;
}

bool mpmc_try_pop(struct mpmc *q, void **item)
{
    if (!pop_once(q, item))
        return false;
    wake(q);
    return true;
}

bool mpmc_push(struct mpmc *q, void *item)
{
    for (int spin = 0;; spin++) {
        if (atomic_load_explicit(&q->closed, memory_order_acquire))
            return false;
        if (push_once(q, item)) {
            wake(q);
            return true;
        }
        if (spin < MPMC_SPIN) {
            sched_yield();
            continue;
        }
        pthread_mutex_lock(&q->mu);
        atomic_fetch_add(&q->sleepers, 1); /* seq_cst: see wake() */
        bool ok = push_once(q, item);
        if (!ok && !atomic_load(&q->closed))
            pthread_cond_wait(&q->cv, &q->mu);
        atomic_fetch_sub(&q->sleepers, 1);
        pthread_mutex_unlock(&q->mu);
        if (ok) {
            wake(q);
            return true;
        }
        spin = 0;
    }
}

bool mpmc_pop(struct mpmc *q, void **item)
{
    for (int spin = 0;; spin++) {
        if (pop_once(q, item)) {
            wake(q);
            return true;
        }
        /* Closed and (re-checked after seeing closed) empty: done. The
         * acquire pairs with the release in mpmc_close, so every push that
         * happened before close is visible to the re-check. */
        if (atomic_load_explicit(&q->closed, memory_order_acquire)) {
            if (pop_once(q, item)) {
                wake(q);
                return true;
            }
            return false;
        }
        if (spin < MPMC_SPIN) {
            sched_yield();
            continue;
        }
        pthread_mutex_lock(&q->mu);
        atomic_fetch_add(&q->sleepers, 1);
        bool ok = pop_once(q, item);
        if (!ok && !atomic_load(&q->closed))
            pthread_cond_wait(&q->cv, &q->mu);
        atomic_fetch_sub(&q->sleepers, 1);
        pthread_mutex_unlock(&q->mu);
        if (ok) {
            wake(q);
            return true;
        }
        spin = 0;
    }
}

void mpmc_close(struct mpmc *q)
{
    pthread_mutex_lock(&q->mu);
    /* Release, pairs with the acquire loads of closed in push/pop. */
    atomic_store_explicit(&q->closed, 1, memory_order_release);
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}
