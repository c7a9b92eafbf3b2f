/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handle.c: span handles. The struct tracing_span pointer the API hands out
 * is not a span's address but a handle: the number of a slot and the slot's
 * generation. Each span block owns a slot for as long as the block exists;
 * the slot holds the span's lock and a generation that moves on twice in
 * a span's life: to an odd number when the span starts (its handle), to
 * the next even one when it ends (the handle an exporter reads it by).
 * A handle whose generation is not the slot's is stale: whatever it is
 * passed to does nothing, and since the slot table is never freed, a stale
 * or made-up handle cannot reach memory that was given back or reused.
 *
 * DESIGN
 * - Table: TR_SLOT_CHUNKS chunk pointers (static), chunks of TR_SLOT_CHUNK slots
 *   allocated on demand and kept for the life of the process. A chunk
 *   pointer is published with a release store and read with an acquire
 *   load, so decoding a handle takes no lock.
 * - Free slots: a stack threaded through the slots, under one mutex; it is
 *   touched only when a span block is allocated or freed, not per span
 *   (blocks are recycled by the provider's spare list with their slot).
 * - The hot paths (decoding a handle, the lock, acquire and release) are
 *   inline, in tracing_private.h.
 * - Lock: a test-and-test-and-set spin lock per slot that yields after a
 *   few spins. A span call holds it for a few hundred nanoseconds at most
 *   and never calls out (no sampler, exporter or log callback runs under
 *   it), so it cannot deadlock against the host.
 * - Fork: the child handler (rand.c) releases every slot lock and the free
 *   list mutex, which threads of the parent may have held.
 */

#include <sys/types.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "tracing_private.h"

/* The table: the hot paths (tracing_private.h) read it without a lock. */
struct tr_slot		*tr_slot_chunks[TR_SLOT_CHUNKS];
static uint32_t		 nslots;		/* under free_lock */
static uint32_t		 free_top;		/* index + 1, 0: empty */
static pthread_mutex_t	 free_lock = PTHREAD_MUTEX_INITIALIZER;

/* The lock is held: spin on reads, yielding now and then. */
void
tr_slot_lock_slow(struct tr_slot *sl)
{
	unsigned int	spins;

	spins = 0;
	do {
		while (__atomic_load_n(&sl->lock, __ATOMIC_RELAXED) != 0) {
			if (++spins >= 64) {
				spins = 0;
				(void)sched_yield();
			}
		}
	} while (__atomic_exchange_n(&sl->lock, 1, __ATOMIC_ACQUIRE) != 0);
}

/* Chunks of the table allocated so far (they are never freed). */
size_t
tr_handle_chunks(void)
{
	size_t	n;

	(void)pthread_mutex_lock(&free_lock);
	n = (nslots + TR_SLOT_CHUNK - 1) / TR_SLOT_CHUNK;
	(void)pthread_mutex_unlock(&free_lock);
	return (n);
}

/* Gives a new span block a slot. */
int
tr_slot_attach(struct tr_span *s)
{
	struct tr_slot	*c, *sl;
	uint32_t	 idx;

	(void)pthread_mutex_lock(&free_lock);
	if (free_top != 0) {
		idx = free_top - 1;
		sl = tr_slot_at(idx);
		free_top = sl->next_free;
		sl->next_free = 0;
	} else {
		idx = nslots;
		if (idx >= TR_SLOT_CHUNKS * TR_SLOT_CHUNK) {
			(void)pthread_mutex_unlock(&free_lock);
			tr_log(TRACING_LOG_ERROR, "more than %u spans alive",
			    TR_SLOT_CHUNKS * TR_SLOT_CHUNK);
			return (TRACING_ERR_LIMIT);
		}
		if (tr_slot_chunks[idx >> TR_SLOT_CHUNK_BITS] == NULL) {
			if ((c = tr_calloc(TR_SLOT_CHUNK, sizeof(*c))) == NULL) {
				(void)pthread_mutex_unlock(&free_lock);
				return (TRACING_ERR_NOMEM);
			}
			__atomic_store_n(&tr_slot_chunks[idx >> TR_SLOT_CHUNK_BITS], c,
			    __ATOMIC_RELEASE);
		}
		nslots++;
		sl = tr_slot_at(idx);
	}
	sl->span = s;
	(void)pthread_mutex_unlock(&free_lock);
	s->slot = sl;
	s->slot_idx = idx;
	return (TRACING_OK);
}

/* The block is being freed: its slot goes back, its generation kept. */
void
tr_slot_detach(struct tr_span *s)
{
	struct tr_slot	*sl = s->slot;

	if (sl == NULL)
		return;
	/* Make any handle of the block stale before the slot moves on. */
	tr_slot_lock(sl);
	if (__atomic_load_n(&sl->gen, __ATOMIC_RELAXED) & 1)
		__atomic_store_n(&sl->gen,
		    __atomic_load_n(&sl->gen, __ATOMIC_RELAXED) + 1,
		    __ATOMIC_RELEASE);
	sl->span = NULL;
	tr_slot_unlock(sl);
	(void)pthread_mutex_lock(&free_lock);
	sl->next_free = free_top;
	free_top = s->slot_idx + 1;
	(void)pthread_mutex_unlock(&free_lock);
	s->slot = NULL;
}

/*
 * A span starts in its block: a new odd generation. The block's fields are
 * written before the release store, so whoever is handed the handle sees
 * them. No lock: no handle of the slot is valid now (the generation is
 * even), and a stale one that holds the lock reads only the generation,
 * which matches neither the old value nor the new.
 */
struct tracing_span *
tr_handle_open(struct tr_span *s)
{
	struct tr_slot	*sl = s->slot;
	uintptr_t	 h;
	uint32_t	 gen;

	gen = __atomic_load_n(&sl->gen, __ATOMIC_RELAXED);
	gen += (gen & 1) ? 2 : 1;
	if ((gen & TR_H_GEN_MASK) == 0)	/* skip a handle of value idx+1 */
		gen += 2;
	__atomic_store_n(&sl->gen, gen, __ATOMIC_RELEASE);
	h = (((uintptr_t)gen & TR_H_GEN_MASK) << TR_H_IDX_BITS) |
	    ((uintptr_t)s->slot_idx + 1);
	return ((struct tracing_span *)h);
}

/* The handle of a span as it is now (live, or ended and in a batch). */
struct tracing_span *
tr_handle(const struct tr_span *s)
{
	uintptr_t	h, gen;

	gen = __atomic_load_n(&s->slot->gen, __ATOMIC_ACQUIRE);
	h = ((gen & TR_H_GEN_MASK) << TR_H_IDX_BITS) | ((uintptr_t)s->slot_idx + 1);
	return ((struct tracing_span *)h);
}

/* The span behind a handle, unlocked: tests and single-threaded code. */
struct tr_span *
tr_span_peek(const struct tracing_span *h)
{
	struct tr_slot	*sl;
	uintptr_t	 hgen;
	uint32_t	 idx;

	if ((sl = tr_handle_decode(h, &hgen, &idx)) == NULL ||
	    (__atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE) & TR_H_GEN_MASK) != hgen)
		return (NULL);
	return (sl->span);
}

/* Forked child: locks held by the parent's other threads are released. */
void
tr_handle_fork_child(void)
{
	struct tr_slot	*c;
	size_t		 i, j;

	(void)pthread_mutex_init(&free_lock, NULL);
	for (i = 0; i < TR_SLOT_CHUNKS; i++) {
		if ((c = tr_slot_chunks[i]) == NULL)
			break;
		for (j = 0; j < TR_SLOT_CHUNK; j++)
			c[j].lock = 0;
	}
}
