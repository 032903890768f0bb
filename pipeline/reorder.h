/* reorder.h - the ordered writer: items finished in any order by several
 * threads reach a write callback in the order of their numbers (SPEC
 * section 8: row-emitting commands hand finished chunks to a single writer
 * that restores input order).
 *
 * Item k is handed in with reorder_put(k). A bounded window of
 * REORDER_WINDOW slots holds the items that wait for an earlier one: a
 * thread whose k is that far ahead of the next item to write sleeps until
 * the writer catches up (back-pressure: the memory held does not grow
 * however far one slow item falls behind). There is no writer thread:
 * whoever hands in an item and finds nobody writing becomes the writer and
 * writes every consecutive ready item, outside the lock, so the others only
 * wait for the lock, never for the write.
 *
 * Threading: reorder_put may be called from any number of threads at once,
 * for every k from 0 up exactly once; a thread must put its lower numbers
 * first (a thread asleep on k while holding a lower number would wait for
 * itself). write runs on one of the putting threads, one call at a time,
 * for k = 0, 1, 2, ... reorder_create and reorder_destroy must not race
 * with anything.
 */
#ifndef PCSV_REORDER_H
#define PCSV_REORDER_H

#include <stddef.h>

#ifndef REORDER_WINDOW
#define REORDER_WINDOW 16 /* items a thread may finish ahead of the writer */
#endif

struct reorder;

/* write(ctx, k, item) takes item k (which may be NULL) and owns it after;
 * a non-zero result is remembered (reorder_status) and writing goes on
 * (the callback decides what a failure means for the items after it).
 * drop(item) frees an item reorder_destroy finds never written (may be
 * NULL: nothing to free). NULL: out of memory. */
struct reorder *reorder_create(int (*write)(void *ctx, size_t k, void *item),
                               void (*drop)(void *item), void *ctx);
void reorder_destroy(struct reorder *o);

/* Hand in item k; sleeps while k >= REORDER_WINDOW + the next item to
 * write, and may write items (k and those after it that are ready, or
 * earlier ones) before it returns. */
void reorder_put(struct reorder *o, size_t k, void *item);

/* The first non-zero result of write, or 0. Call it once the putting
 * threads are done. */
int reorder_status(const struct reorder *o);

#endif
