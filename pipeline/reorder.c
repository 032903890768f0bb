/* reorder.c - the ordered writer's reorder window (see reorder.h). */
#include "reorder.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct reorder {
    pthread_mutex_t mu;
    pthread_cond_t cv; /* the writer moved on: a slot may be free */
    size_t next;       /* the item to write next */
    bool writing;      /* a thread is writing (outside the lock) */
    int rc;            /* first non-zero write() result */
    int (*write)(void *ctx, size_t k, void *item);
    void (*drop)(void *item);
    void *ctx;
    struct {
        bool ready;
        void *item;
    } slot[REORDER_WINDOW]; /* item k waits in slot k % REORDER_WINDOW */
};

struct reorder *reorder_create(int (*write)(void *ctx, size_t k, void *item),
                               void (*drop)(void *item), void *ctx)
{
    struct reorder *o = calloc(1, sizeof *o);
    if (!o)
        return NULL;
    pthread_mutex_init(&o->mu, NULL);
    pthread_cond_init(&o->cv, NULL);
    o->write = write;
    o->drop = drop;
    o->ctx = ctx;
    return o;
}

void reorder_destroy(struct reorder *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < REORDER_WINDOW; i++)
        if (o->slot[i].ready && o->drop)
            o->drop(o->slot[i].item);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
    free(o);
}

void reorder_put(struct reorder *o, size_t k, void *item)
{
    pthread_mutex_lock(&o->mu);
    while (k >= o->next + REORDER_WINDOW)
        pthread_cond_wait(&o->cv, &o->mu);
    o->slot[k % REORDER_WINDOW].ready = true;
    o->slot[k % REORDER_WINDOW].item = item;
    /* Whoever finds nobody writing writes every consecutive ready item;
     * items put meanwhile by others are seen on the next turn of the loop
     * (a putter that finds a writer leaves its item to it). */
    while (!o->writing && o->slot[o->next % REORDER_WINDOW].ready) {
        o->writing = true;
        while (o->slot[o->next % REORDER_WINDOW].ready) {
            const size_t k_out = o->next, x = k_out % REORDER_WINDOW;
            void *it = o->slot[x].item;
            o->slot[x].ready = false;
            o->slot[x].item = NULL;
            pthread_mutex_unlock(&o->mu);
            int rc = o->write(o->ctx, k_out, it);
            pthread_mutex_lock(&o->mu);
            if (rc && !o->rc)
                o->rc = rc;
            o->next++;
            pthread_cond_broadcast(&o->cv);
        }
        o->writing = false;
    }
    pthread_mutex_unlock(&o->mu);
}

int reorder_status(const struct reorder *o) { return o->rc; }
