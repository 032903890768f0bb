/* mpmc.h - a bounded, lock-free, multi-producer multi-consumer queue of pointers.
 *
 * The ring is Dmitry Vyukov's bounded MPMC design: every slot carries a
 * sequence number that says whose turn it is, producers and consumers claim
 * positions with a CAS on their own counter and then hand the slot over with a
 * release store of its sequence. We store sequence numbers doubled (2p means
 * "free for the push at position p", 2p+1 "holds the item of position p") so
 * that a ring of one slot is legal: capacity is exact, any value >= 1.
 *
 * Waiting: the blocking calls spin a few times, then sleep on a condition
 * variable. The fast path never touches the mutex; a producer or consumer
 * only takes it when its opposite number has announced that it is asleep.
 * On a two-core machine a spinning waiter would steal the core the other
 * stage needs, so the spin is short (MPMC_SPIN tries).
 *
 * Threading: every call may be made from any number of threads at once,
 * except mpmc_init/mpmc_fini, which must not race with anything.
 */
#ifndef PCSV_MPMC_H
#define PCSV_MPMC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef MPMC_SPIN
#define MPMC_SPIN 64
#endif

struct mpmc_slot {
    _Atomic uint64_t seq;
    void *item;
};

/* Exposed so that tests can check capacity; treat the fields as private. */
struct mpmc {
    struct mpmc_slot *slots;
    uint64_t cap;
    /* Producers and consumers hammer different counters: keep them on
     * different cache lines so a push does not invalidate the line a pop
     * is spinning on. */
    _Alignas(64) _Atomic uint64_t head; /* next position to push */
    _Alignas(64) _Atomic uint64_t tail; /* next position to pop */
    _Alignas(64) _Atomic int closed;
    _Atomic int sleepers; /* threads asleep (or about to be) in push or pop */
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

/* Allocate a ring of exactly cap slots (cap >= 1). Returns 0, or -1 with
 * errno set (ENOMEM, EINVAL). */
int mpmc_init(struct mpmc *q, size_t cap);
/* Free the ring. Items still queued are not freed: they are the caller's. */
void mpmc_fini(struct mpmc *q);

/* Non-blocking. true: item queued (try_push) or taken into *item (try_pop).
 * false: the queue was full (try_push) or empty (try_pop) at that instant.
 * A success wakes threads asleep in mpmc_push/mpmc_pop, so try_ and
 * blocking calls may be mixed on one queue. */
bool mpmc_try_push(struct mpmc *q, void *item);
bool mpmc_try_pop(struct mpmc *q, void **item);

/* Blocking: wait, sleeping, until there is room. false (and the item not
 * queued) if the queue was closed. */
bool mpmc_push(struct mpmc *q, void *item);
/* Blocking: wait, sleeping, for an item. false once the queue is closed and
 * empty: the consumer's signal to stop. */
bool mpmc_pop(struct mpmc *q, void **item);
/* No more pushes: wakes every sleeper. Pops still drain what is queued. */
void mpmc_close(struct mpmc *q);

#endif
