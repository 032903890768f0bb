/* test_reorder.c - the ordered writer on its own: items handed in by
 * several threads in random order reach the write callback once each, in
 * the order of their numbers; a thread never gets more than REORDER_WINDOW
 * items ahead of the writer; a failed write is remembered without stopping
 * the others; items never written are dropped, not leaked. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "reorder.h"
#include "testrng.h"

#define NITEMS 5000

struct run {
    struct reorder *o;
    _Atomic size_t next_k;  /* the next number a thread takes */
    _Atomic size_t written; /* write calls so far */
    size_t expect;          /* only the writer touches it (one at a time) */
    _Atomic int bad_order, ahead;
    size_t fail_at; /* write returns -1 for this k */
};

static int write_item(void *ctx, size_t k, void *item)
{
    struct run *r = ctx;
    if (k != r->expect || !item || *(size_t *)item != k)
        atomic_store(&r->bad_order, 1);
    r->expect++;
    free(item);
    atomic_fetch_add(&r->written, 1);
    return k == r->fail_at ? -1 : 0;
}

static void drop_item(void *item) { (void)item; }

static void *putter(void *arg)
{
    struct run *r = arg;
    uint64_t seed = (uint64_t)(uintptr_t)&seed;
    for (;;) {
        size_t k = atomic_fetch_add(&r->next_k, 1);
        if (k >= NITEMS)
            return NULL;
        /* finish in random order: a short pause, sometimes none */
        struct timespec ts = {0, (long)rng_below(&seed, 4) * 20000};
        if (ts.tv_nsec)
            nanosleep(&ts, NULL);
        size_t *item = malloc(sizeof *item);
        *item = k;
        reorder_put(r->o, k, item);
        /* once put returns, the writer is within the window of k */
        if (atomic_load(&r->written) + REORDER_WINDOW <= k)
            atomic_store(&r->ahead, 1);
    }
}

static void run_threads(struct run *r, int nthreads)
{
    pthread_t t[8];
    for (int i = 0; i < nthreads; i++)
        cr_assert_eq(pthread_create(&t[i], NULL, putter, r), 0);
    for (int i = 0; i < nthreads; i++)
        pthread_join(t[i], NULL);
}

Test(reorder, items_reach_write_in_order_once_each_within_the_window, .timeout = 60)
{
    for (int nthreads = 1; nthreads <= 8; nthreads *= 2) {
        struct run r = {.fail_at = SIZE_MAX};
        r.o = reorder_create(write_item, drop_item, &r);
        cr_assert_not_null(r.o);
        run_threads(&r, nthreads);
        cr_assert_eq(atomic_load(&r.written), NITEMS, "%d threads", nthreads);
        cr_assert_eq(atomic_load(&r.bad_order), 0, "%d threads", nthreads);
        cr_assert_eq(atomic_load(&r.ahead), 0, "%d threads", nthreads);
        cr_assert_eq(reorder_status(r.o), 0);
        reorder_destroy(r.o);
    }
}

Test(reorder, a_failed_write_is_remembered_and_the_rest_still_written, .timeout = 60)
{
    struct run r = {.fail_at = 77};
    r.o = reorder_create(write_item, drop_item, &r);
    run_threads(&r, 4);
    cr_assert_eq(atomic_load(&r.written), NITEMS);
    cr_assert_eq(atomic_load(&r.bad_order), 0);
    cr_assert_eq(reorder_status(r.o), -1);
    reorder_destroy(r.o);
}

static int dropped;
static void count_drop(void *item)
{
    dropped++;
    free(item);
}

Test(reorder, items_waiting_for_an_earlier_one_are_dropped_at_destroy)
{
    struct run r = {.fail_at = SIZE_MAX};
    r.o = reorder_create(write_item, count_drop, &r);
    for (size_t k = 1; k < REORDER_WINDOW; k++) { /* item 0 never comes */
        size_t *item = malloc(sizeof *item);
        *item = k;
        reorder_put(r.o, k, item);
    }
    cr_assert_eq(atomic_load(&r.written), 0);
    dropped = 0;
    reorder_destroy(r.o);
    cr_assert_eq(dropped, REORDER_WINDOW - 1);
}
