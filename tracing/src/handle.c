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
 * - Table: SLOT_CHUNKS chunk pointers (static), chunks of SLOT_CHUNK slots
 *   allocated on demand and kept for the life of the process. A chunk
 *   pointer is published with a release store and read with an acquire
 *   load, so decoding a handle takes no lock.
 * - Free slots: a stack threaded through the slots, under one mutex; it is
 *   touched only when a span block is allocated or freed, not per span
 *   (blocks are recycled by the provider's spare list with their slot).
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

#define SLOT_CHUNK_BITS	10
#define SLOT_CHUNK	(1U << SLOT_CHUNK_BITS)
#define SLOT_CHUNKS	8192		/* 8M span blocks at most */

#if UINTPTR_MAX > 0xffffffffU
#define H_IDX_BITS	32
#else
#define H_IDX_BITS	20
#endif
#define H_IDX_MASK	((((uintptr_t)1) << H_IDX_BITS) - 1)
#define H_GEN_MASK	(UINTPTR_MAX >> H_IDX_BITS)

struct tr_slot {
	uint32_t	 gen;		/* atomic */
	uint32_t	 lock;		/* atomic: 0 free, 1 held */
	uint32_t	 next_free;	/* index + 1, on the free stack */
	struct tr_span	*span;		/* the block that owns the slot */
};

static struct tr_slot	*chunks[SLOT_CHUNKS];
static uint32_t		 nslots;		/* under free_lock */
static uint32_t		 free_top;		/* index + 1, 0: empty */
static pthread_mutex_t	 free_lock = PTHREAD_MUTEX_INITIALIZER;

static struct tr_slot *
slot_at(uint32_t idx)
{
	struct tr_slot	*c;

	if (idx >= SLOT_CHUNKS * SLOT_CHUNK)
		return (NULL);
	c = __atomic_load_n(&chunks[idx >> SLOT_CHUNK_BITS], __ATOMIC_ACQUIRE);
	if (c == NULL)
		return (NULL);
	return (&c[idx & (SLOT_CHUNK - 1)]);
}

static void
slot_lock(struct tr_slot *sl)
{
	unsigned int	spins;

	spins = 0;
	while (__atomic_exchange_n(&sl->lock, 1, __ATOMIC_ACQUIRE) != 0) {
		while (__atomic_load_n(&sl->lock, __ATOMIC_RELAXED) != 0) {
			if (++spins >= 64) {
				spins = 0;
				(void)sched_yield();
			}
		}
	}
}

static void
slot_unlock(struct tr_slot *sl)
{
	__atomic_store_n(&sl->lock, 0, __ATOMIC_RELEASE);
}

/* Chunks of the table allocated so far (they are never freed). */
size_t
tr_handle_chunks(void)
{
	size_t	n;

	(void)pthread_mutex_lock(&free_lock);
	n = (nslots + SLOT_CHUNK - 1) / SLOT_CHUNK;
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
		sl = slot_at(idx);
		free_top = sl->next_free;
		sl->next_free = 0;
	} else {
		idx = nslots;
		if (idx >= SLOT_CHUNKS * SLOT_CHUNK) {
			(void)pthread_mutex_unlock(&free_lock);
			tr_log(TRACING_LOG_ERROR, "more than %u spans alive",
			    SLOT_CHUNKS * SLOT_CHUNK);
			return (TRACING_ERR_LIMIT);
		}
		if (chunks[idx >> SLOT_CHUNK_BITS] == NULL) {
			if ((c = tr_calloc(SLOT_CHUNK, sizeof(*c))) == NULL) {
				(void)pthread_mutex_unlock(&free_lock);
				return (TRACING_ERR_NOMEM);
			}
			__atomic_store_n(&chunks[idx >> SLOT_CHUNK_BITS], c,
			    __ATOMIC_RELEASE);
		}
		nslots++;
		sl = slot_at(idx);
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
	slot_lock(sl);
	if (__atomic_load_n(&sl->gen, __ATOMIC_RELAXED) & 1)
		__atomic_store_n(&sl->gen,
		    __atomic_load_n(&sl->gen, __ATOMIC_RELAXED) + 1,
		    __ATOMIC_RELEASE);
	sl->span = NULL;
	slot_unlock(sl);
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
	if ((gen & H_GEN_MASK) == 0)	/* skip a handle of value idx+1 */
		gen += 2;
	__atomic_store_n(&sl->gen, gen, __ATOMIC_RELEASE);
	h = (((uintptr_t)gen & H_GEN_MASK) << H_IDX_BITS) |
	    ((uintptr_t)s->slot_idx + 1);
	return ((struct tracing_span *)h);
}

/* The handle of a span as it is now (live, or ended and in a batch). */
struct tracing_span *
tr_handle(const struct tr_span *s)
{
	uintptr_t	h, gen;

	gen = __atomic_load_n(&s->slot->gen, __ATOMIC_ACQUIRE);
	h = ((gen & H_GEN_MASK) << H_IDX_BITS) | ((uintptr_t)s->slot_idx + 1);
	return ((struct tracing_span *)h);
}

static struct tr_slot *
decode(const struct tracing_span *h, uintptr_t *gen, uint32_t *idx)
{
	uintptr_t	v = (uintptr_t)h;

	if (v == 0 || (v & H_IDX_MASK) == 0)
		return (NULL);
	*idx = (uint32_t)((v & H_IDX_MASK) - 1);
	*gen = v >> H_IDX_BITS;
	return (slot_at(*idx));
}

/*
 * The span behind a handle, locked, or NULL when the handle is NULL, stale
 * or made up. With TR_LIVE, only a span that has not ended.
 */
struct tr_span *
tr_span_acquire(const struct tracing_span *h, int how)
{
	struct tr_slot	*sl;
	struct tr_span	*s;
	uintptr_t	 hgen;
	uint32_t	 gen, idx;

	if ((sl = decode(h, &hgen, &idx)) == NULL)
		return (NULL);
	slot_lock(sl);
	gen = __atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE);
	if ((gen & H_GEN_MASK) != hgen || (how == TR_LIVE && !(gen & 1))) {
		slot_unlock(sl);
		return (NULL);
	}
	if ((s = sl->span) == NULL)
		slot_unlock(sl);
	return (s);
}

void
tr_span_release(struct tr_span *s)
{
	slot_unlock(s->slot);
}

/*
 * Ends a span's life as seen through its handle: called with the span
 * acquired TR_LIVE; from the even generation on, the creator's handle is
 * stale and the batch's handle (tr_handle) reads the ended span.
 */
void
tr_handle_close(struct tr_span *s)
{
	struct tr_slot	*sl = s->slot;

	__atomic_store_n(&sl->gen, __atomic_load_n(&sl->gen, __ATOMIC_RELAXED) +
	    1, __ATOMIC_RELEASE);
}

/* The span behind a handle, unlocked: tests and single-threaded code. */
struct tr_span *
tr_span_peek(const struct tracing_span *h)
{
	struct tr_slot	*sl;
	uintptr_t	 hgen;
	uint32_t	 idx;

	if ((sl = decode(h, &hgen, &idx)) == NULL ||
	    (__atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE) & H_GEN_MASK) != hgen)
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
	for (i = 0; i < SLOT_CHUNKS; i++) {
		if ((c = chunks[i]) == NULL)
			break;
		for (j = 0; j < SLOT_CHUNK; j++)
			c[j].lock = 0;
	}
}
