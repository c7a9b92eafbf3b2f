/* SPDX-License-Identifier: Apache-2.0 */
/*
 * processor.c: span processors. The batch processor owns the bounded
 * queue of ended spans and the export thread; the simple processor exports
 * each span from tracing_span_end() (tests, console, debugging).
 *
 * DESIGN (batch processor)
 *
 * Who owns what: an ended, sampled span belongs to the queue once
 * tr_processor_on_end() stored it, then to the export thread once popped;
 * the export thread frees it after the export, whatever the result. The
 * exporter and its curl handle belong to the export thread alone.
 *
 * Locking: one mutex (lock) protects the ring, the counters and the
 * flush/shutdown state. Span end holds it only to store one pointer and
 * bump a counter: no allocation, no I/O, no waiting; the export thread
 * holds it only to move up to max_batch pointers into its own array, and
 * never during an export. The queue has a fixed capacity: when it is full
 * the span is freed and counted as dropped; the first drop of a loss is
 * logged, and so is its end, with the number of spans lost.
 *
 * Wake-ups: span end signals "work" when the queue reaches a full batch;
 * otherwise the thread wakes after the schedule delay. force_flush bumps
 * flush_req and waits on "done" until the thread has emptied the queue
 * (flush_done >= its request) or the timeout passes.
 *
 * Start: exactly once per process, under one process-wide lock
 * (start_lock), whoever asks first (tracing_provider_start, or the first
 * span end with autostart). The lock-free check before it reads running
 * and gen atomically.
 *
 * Shutdown drains: the thread exports until the queue is empty and exits,
 * saying so under the lock (exited). Shutdown waits for that on "done"
 * until its deadline; past it, the abort flag is raised (the OTLP exporter
 * checks it from curl's progress callback and gives up), TRACING_ERR_TIMEOUT
 * is returned at the deadline, and the thread is joined later by
 * tr_processor_free(): an exporter that ignores the abort delays the free,
 * never the shutdown. Whatever is left in the queue is counted as dropped.
 * A drain or flush in time in which an export failed for good returns
 * TRACING_ERR_EXPORT (the spans are counted as dropped in the stats).
 * A second shutdown returns TRACING_ERR_STATE. Force flush waits in the same
 * way. With no export thread in this process, both start one (whatever
 * TRACING_AUTOSTART says: an explicit flush asks for an export, and only a
 * thread can be left at a deadline); if that fails, they export from the
 * caller with their deadline and report a late finish as a timeout.
 * Nothing is joined without its thread having said it exited, so no
 * pthread_timedjoin_np.
 *
 * The spool (TRACING_SPOOL_DIR, spool.c; with the built-in OTLP exporter)
 * belongs to the export thread alone: it opens it when it starts (and
 * adopts the files dead processes left), closes it when it exits, and is
 * the only one to touch the disk; span end never does. A part of a batch
 * that fails in a way that may pass (refused, timed out, 429/502/503/504,
 * aborted at shutdown) is written to the spool instead of dropped, and
 * the thread enters an outage: the next batches go to the spool without
 * being sent, and every SPOOL_PROBE_MS the oldest record is sent as a
 * probe (bounded by SPOOL_PROBE_TIMEOUT_MS). Once one goes, the records
 * are replayed oldest first, a burst at a time between batches of new
 * spans (ahead of them when a batch is full), until the spool is empty.
 * A force flush probes at once and replays the whole spool; shutdown
 * leaves the records on disk for the next process. Spooled spans are not
 * export failures; spooled spans lost later (the cap, a damaged record,
 * a record the collector refuses for good) are counted in spans_dropped
 * and spool_dropped. Every spool counter is copied under the lock after
 * each spool operation (spool_sync).
 */

#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "tracing_private.h"

struct tr_processor {
	struct tracing_provider	*prov;
	struct tracing_exporter	*exp;
	int			 simple;
	pthread_mutex_t		 lock;
	pthread_cond_t		 work;
	pthread_cond_t		 done;
	struct tr_span	**ring;
	size_t			 cap;
	size_t			 head;
	size_t			 count;
	size_t			 batch;
	int			 running;	/* atomic */
	int			 exited;	/* the thread returned */
	int			 joined;
	int			 shutdown;
	unsigned int		 gen;		/* atomic: fork generation */
	pthread_t		 thread;
	int			 abort;		/* atomic */
	uint64_t		 flush_req;
	uint64_t		 flush_done;
	int			 busy;
	int			 in_loss;
	uint64_t		 loss;
	struct tr_span	**out;		/* export thread's batch */
	/* Counters, under lock. */
	uint64_t		 queued;
	uint64_t		 exported;
	uint64_t		 dropped;
	uint64_t		 rejected;
	uint64_t		 failures;
	uint64_t		 retries;
	uint64_t		 spooled;
	uint64_t		 replayed;
	uint64_t		 spool_dropped;
	uint64_t		 spool_bytes;
	/* The export thread's alone. */
	struct tr_spool	*spool;
	struct tr_buf		 replay;	/* a record read back */
	int			 outage;	/* spool first, probe */
	int			 spool_idle;	/* nothing found to replay */
	uint64_t		 probe_at;	/* monotonic ns */
	uint64_t		 scan_at;
	uint64_t		 spool_seen;	/* its dropped, counted */
};

/* The spool's timing (see DESIGN). */
#define SPOOL_PROBE_MS		1000
#define SPOOL_PROBE_TIMEOUT_MS	3000
#define SPOOL_RESCAN_MS		30000
#define SPOOL_BURST		8

static void	*export_thread(void *);
static void	 export_batch(struct tr_processor *, struct tr_span **,
		    size_t, uint64_t);
static int	 start_locked(struct tr_processor *);
static int	 running_here(struct tr_processor *);

/* Starts and fork re-initialisation, process-wide. */
static pthread_mutex_t	start_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t		threads_started;	/* atomic, for the tests */
static size_t	 pop_batch(struct tr_processor *);
static void	 deadline_in(struct timespec *, unsigned int);
static void	 cond_init_monotonic(pthread_cond_t *);
static uint64_t	 mono_ns(void);

int
tr_processor_alloc(struct tr_processor **out, struct tracing_provider *prov)
{
	struct tr_processor	*p;

	*out = NULL;
	if ((p = tr_calloc(1, sizeof(*p))) == NULL)
		return (TRACING_ERR_NOMEM);
	p->prov = prov;
	p->exp = prov->exporter;
	p->simple = prov->cfg.simple_processor;
	p->cap = prov->cfg.bsp_queue;
	p->batch = prov->cfg.bsp_batch;
	if (p->batch > p->cap)
		p->batch = p->cap;
	if (!p->simple) {
		p->ring = tr_calloc(p->cap, sizeof(*p->ring));
		p->out = tr_calloc(p->batch, sizeof(*p->out));
		if (p->ring == NULL || p->out == NULL) {
			tr_free(p->ring);
			tr_free(p->out);
			tr_free(p);
			return (TRACING_ERR_NOMEM);
		}
	}
	(void)pthread_mutex_init(&p->lock, NULL);
	cond_init_monotonic(&p->work);
	cond_init_monotonic(&p->done);
	tr_buf_init(&p->replay, 0);
	if (!p->simple && prov->cfg.spool_dir != NULL &&
	    (p->exp == NULL || p->exp->send_encoded == NULL))
		tr_log(TRACING_LOG_WARN, "TRACING_SPOOL_DIR: only the built-in "
		    "OTLP exporter can use the spool: none");
	*out = p;
	return (TRACING_OK);
}

static void
drop_queue(struct tr_processor *p, int count_them)
{
	struct tr_span	*s;

	while (p->count > 0) {
		s = p->ring[p->head];
		p->ring[p->head] = NULL;
		p->head = (p->head + 1) % p->cap;
		p->count--;
		if (count_them)
			p->dropped++;
		tr_span_free(s);
	}
}

void
tr_processor_free(struct tr_processor *p)
{
	if (p == NULL)
		return;
	if (!p->shutdown)
		(void)tr_processor_shutdown(p, 0);
	if (running_here(p) && !p->joined) {
		/* A shutdown timed out: the exporter was told to abort. */
		__atomic_store_n(&p->abort, 1, __ATOMIC_RELAXED);
		(void)pthread_join(p->thread, NULL);
		p->joined = 1;
	}
	if (p->ring != NULL)
		drop_queue(p, 1);
	(void)pthread_mutex_destroy(&p->lock);
	(void)pthread_cond_destroy(&p->work);
	(void)pthread_cond_destroy(&p->done);
	tr_buf_cleanup(&p->replay);
	tr_free(p->ring);
	tr_free(p->out);
	tr_free(p);
}

static void
deadline_in(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static uint64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static void
cond_init_monotonic(pthread_cond_t *c)
{
	pthread_condattr_t	a;

	(void)pthread_condattr_init(&a);
	(void)pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	(void)pthread_cond_init(c, &a);
	(void)pthread_condattr_destroy(&a);
}

void
tr_processor_fork_child(void)
{
	(void)pthread_mutex_init(&start_lock, NULL);
}

/* The export thread runs in this process (not a parent's, before fork). */
static int
running_here(struct tr_processor *p)
{
	return (__atomic_load_n(&p->running, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&p->gen, __ATOMIC_RELAXED) ==
	    tr_fork_generation());
}

/* Start the export thread in this process (once per process). */
int
tr_processor_start(struct tr_processor *p)
{
	int	rc;

	if (p == NULL || p->simple)
		return (TRACING_OK);
	if (running_here(p))
		return (TRACING_OK);
	(void)pthread_mutex_lock(&start_lock);
	rc = start_locked(p);
	(void)pthread_mutex_unlock(&start_lock);
	return (rc);
}

/* Called with start_lock held. */
static int
start_locked(struct tr_processor *p)
{
	sigset_t	all, old;
	unsigned int	gen;
	int		rc;

	gen = tr_fork_generation();
	if (running_here(p))
		return (TRACING_OK);
	if (p->running) {
		/* A forked child: the parent's thread does not exist here. */
		(void)pthread_mutex_init(&p->lock, NULL);
		cond_init_monotonic(&p->work);
		cond_init_monotonic(&p->done);
		__atomic_store_n(&p->running, 0, __ATOMIC_RELAXED);
		p->busy = 0;
		drop_queue(p, 0);
		p->flush_req = p->flush_done = 0;
		p->queued = p->exported = p->dropped = p->rejected = 0;
		p->failures = p->retries = 0;
		p->in_loss = 0;
		p->loss = 0;
		/* The parent's spool: its descriptors are already closed. */
		tr_spool_forget(p->spool);
		p->spool = NULL;
		tr_buf_cleanup(&p->replay);
		p->spooled = p->replayed = p->spool_dropped = 0;
		p->spool_bytes = p->spool_seen = 0;
		p->outage = 0;
	}
	if (p->shutdown)
		return (TRACING_ERR_STATE);
	if (p->prov->resource_gen != gen &&
	    tr_resource_refresh_process(&p->prov->resource) == TRACING_OK)
		p->prov->resource_gen = gen;
	if (p->prov->cfg.curl_global_init)
		tr_curl_global_init_once();
	__atomic_store_n(&p->abort, 0, __ATOMIC_RELAXED);
	(void)pthread_mutex_lock(&p->lock);
	p->exited = 0;
	p->joined = 0;
	(void)pthread_mutex_unlock(&p->lock);
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&p->thread, NULL, export_thread, p);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		tr_log(TRACING_LOG_ERROR, "cannot start the export thread: %s",
		    strerror(rc));
		return (TRACING_ERR_SYSTEM);
	}
	__atomic_store_n(&p->gen, gen, __ATOMIC_RELAXED);
	__atomic_store_n(&p->running, 1, __ATOMIC_RELEASE);
	__atomic_add_fetch(&threads_started, 1, __ATOMIC_RELAXED);
	return (TRACING_OK);
}

/* Export threads this process has started. */
uint64_t
tr_processor_threads_started(void)
{
	return (__atomic_load_n(&threads_started, __ATOMIC_RELAXED));
}

void
tr_processor_on_end(struct tr_processor *p, struct tr_span *s)
{
	uint64_t		ended_loss;
	int			loss_start;

	if (p->simple) {
		(void)pthread_mutex_lock(&p->lock);
		p->queued++;
		export_batch(p, &s, 1, 0);
		(void)pthread_mutex_unlock(&p->lock);
		return;
	}
	if (p->prov->cfg.autostart && !running_here(p) &&
	    !__atomic_load_n(&p->shutdown, __ATOMIC_RELAXED))
		(void)tr_processor_start(p);

	loss_start = 0;
	ended_loss = 0;
	(void)pthread_mutex_lock(&p->lock);
	if (p->count == p->cap || p->shutdown) {
		p->dropped++;
		if (!p->in_loss) {
			p->in_loss = 1;
			loss_start = 1;
		}
		p->loss++;
		(void)pthread_mutex_unlock(&p->lock);
		tr_span_free(s);
		if (loss_start)
			tr_log(TRACING_LOG_WARN, "span queue full (%zu spans): "
			    "dropping spans", p->cap);
		return;
	}
	p->ring[(p->head + p->count) % p->cap] = s;
	p->count++;
	p->queued++;
	if (p->in_loss) {
		ended_loss = p->loss;
		p->in_loss = 0;
		p->loss = 0;
	}
	if (p->count == p->batch)
		(void)pthread_cond_signal(&p->work);
	(void)pthread_mutex_unlock(&p->lock);
	if (ended_loss != 0)
		tr_log(TRACING_LOG_WARN, "span queue accepting spans again, "
		    "%llu spans were dropped", (unsigned long long)ended_loss);
}

/* Move up to batch spans from the ring to p->out. Called locked. */
static size_t
pop_batch(struct tr_processor *p)
{
	size_t	n;

	for (n = 0; n < p->batch && p->count > 0; n++) {
		p->out[n] = p->ring[p->head];
		p->ring[p->head] = NULL;
		p->head = (p->head + 1) % p->cap;
		p->count--;
	}
	return (n);
}

/* The spool's counters, for the stats. Locked, by the export thread. */
static void
spool_sync(struct tr_processor *p)
{
	uint64_t	dropped, bytes;

	if (p->spool == NULL)
		return;
	tr_spool_counters(p->spool, &dropped, &bytes);
	p->dropped += dropped - p->spool_seen;
	p->spool_dropped += dropped - p->spool_seen;
	p->spool_seen = dropped;
	p->spool_bytes = bytes;
}

/* The exporter's way to the spool (export thread). */
static int
spool_sink(void *arg, const uint8_t *pb, size_t len, uint32_t spans)
{
	struct tr_processor	*p = arg;

	return (tr_spool_append(p->spool, pb, len, spans));
}

/* An export went (partly) to the spool: an outage. Export thread. */
static void
spool_outage(struct tr_processor *p)
{
	p->spool_idle = 0;
	p->probe_at = mono_ns() + SPOOL_PROBE_MS * 1000000ULL;
	if (p->outage)
		return;
	p->outage = 1;
	tr_log(TRACING_LOG_WARN, "the collector cannot take spans now: "
	    "spooling them to %s until it can", p->prov->cfg.spool_dir);
}

/*
 * Export n spans and free them. Called unlocked by the export thread
 * (counters are then updated under the lock), or locked by the simple
 * processor and by synchronous drains, which pass their own lock state.
 */
static void
export_batch_counted(struct tr_processor *p, struct tr_span **spans,
    size_t n, int locked, uint64_t deadline)
{
	struct tracing_batch	b;
	size_t			i;
	int			rc;

	if (n == 0)
		return;
	memset(&b, 0, sizeof(b));
	b.spans = spans;
	b.n = n;
	b.resource = &p->prov->resource;
	b.deadline = tracing_now() +
	    (uint64_t)p->prov->cfg.bsp_timeout_ms * 1000000ULL;
	if (deadline != 0 && deadline < b.deadline)
		b.deadline = deadline;
	b.abort = &p->abort;
	if (!locked && p->spool != NULL) {
		b.spool = spool_sink;
		b.spool_arg = p;
		b.spool_only = p->outage;
	}
	rc = tr_exporter_export(p->exp, &b);
	for (i = 0; i < n; i++) {
		tr_span_free(spans[i]);
		spans[i] = NULL;
	}
	if (b.spooled > n)
		b.spooled = n;
	if (!locked)
		(void)pthread_mutex_lock(&p->lock);
	p->retries += b.retries;
	p->spooled += b.spooled;
	if (rc == TRACING_OK) {
		if (b.dropped > n - b.spooled)
			b.dropped = n - b.spooled;
		if (b.rejected > n - b.spooled - b.dropped)
			b.rejected = n - b.spooled - b.dropped;
		p->rejected += b.rejected;
		p->dropped += b.dropped;
		p->exported += n - b.spooled - b.dropped - b.rejected;
	} else {
		p->failures++;
		p->dropped += n - b.spooled;
	}
	if (!locked) {
		spool_sync(p);
		(void)pthread_mutex_unlock(&p->lock);
		if (b.spooled > 0)
			spool_outage(p);
	}
	if (rc != TRACING_OK)
		tr_log(TRACING_LOG_WARN, "export of %zu spans failed: %s", n,
		    tracing_strerror(rc));
}

static void
export_batch(struct tr_processor *p, struct tr_span **spans, size_t n,
    uint64_t deadline)
{
	export_batch_counted(p, spans, n, 1, deadline);
}

/*
 * Sends the oldest record of the spool (a probe during an outage): 1 when
 * it is done with (sent, or refused for good and dropped), 0 when the
 * spool has nothing, -1 when it failed in a way that may pass. Unlocked.
 */
static int
replay_one(struct tr_processor *p)
{
	struct tracing_batch	b;
	uint64_t		ms;
	uint32_t		spans;
	int			rc;

	if (tr_spool_next(p->spool, &p->replay, &spans) != TRACING_OK)
		return (0);
	memset(&b, 0, sizeof(b));
	b.resource = &p->prov->resource;
	ms = p->outage ? SPOOL_PROBE_TIMEOUT_MS : p->prov->cfg.bsp_timeout_ms;
	b.deadline = tracing_now() + ms * 1000000ULL;
	b.abort = &p->abort;
	rc = p->exp->send_encoded(p->exp->arg, p->replay.data, p->replay.len,
	    &b);
	if (rc != TRACING_ERR_RETRY)
		tr_spool_done(p->spool, rc != TRACING_OK);
	if (rc != TRACING_OK && rc != TRACING_ERR_RETRY)
		tr_log(TRACING_LOG_WARN, "spool: the collector refused a record "
		    "of %u spans for good: dropped", spans);
	(void)pthread_mutex_lock(&p->lock);
	p->retries += b.retries;
	if (rc == TRACING_OK) {
		if (b.rejected > spans)
			b.rejected = spans;
		p->rejected += b.rejected;
		p->exported += spans - b.rejected;
		p->replayed += spans - b.rejected;
	}
	spool_sync(p);
	(void)pthread_mutex_unlock(&p->lock);
	return (rc == TRACING_ERR_RETRY ? -1 : 1);
}

/*
 * The spool's turn (locked; unlocks while it works): files of dead
 * processes adopted now and then; during an outage a probe when it is
 * due; otherwise a burst of records, or all of them for a flush, until
 * a full batch of new spans waits.
 */
static void
spool_work(struct tr_processor *p, int flushing)
{
	uint64_t	now;
	int		n, rc;

	if (p->spool == NULL || p->shutdown)
		return;
	now = mono_ns();
	if (now >= p->scan_at) {
		p->scan_at = now + SPOOL_RESCAN_MS * 1000000ULL;
		(void)pthread_mutex_unlock(&p->lock);
		(void)tr_spool_adopt(p->spool);
		(void)pthread_mutex_lock(&p->lock);
		spool_sync(p);
		p->spool_idle = 0;
	}
	if (p->outage && !flushing && now < p->probe_at)
		return;
	for (n = 0; flushing || n < SPOOL_BURST; n++) {
		if (p->spool_idle || (n > 0 && p->count >= p->batch) ||
		    __atomic_load_n(&p->abort, __ATOMIC_RELAXED))
			break;
		(void)pthread_mutex_unlock(&p->lock);
		rc = replay_one(p);
		if (rc < 0)
			spool_outage(p);
		else if (p->outage) {
			p->outage = 0;
			tr_log(TRACING_LOG_INFO, "the collector takes spans "
			    "again: replaying the spool");
		}
		(void)pthread_mutex_lock(&p->lock);
		if (rc <= 0) {
			p->spool_idle = rc == 0;
			break;
		}
	}
}

/* When the export thread must wake for the spool, if before *dl. */
static void
spool_deadline(struct tr_processor *p, struct timespec *dl)
{
	uint64_t	at, cur;

	if (p->spool == NULL)
		return;
	if (p->outage)
		at = p->probe_at;
	else if (!p->spool_idle && tr_spool_waiting(p->spool))
		at = 0;
	else
		at = p->scan_at;
	cur = (uint64_t)dl->tv_sec * 1000000000ULL + (uint64_t)dl->tv_nsec;
	if (at < cur) {
		dl->tv_sec = (time_t)(at / 1000000000ULL);
		dl->tv_nsec = (long)(at % 1000000000ULL);
	}
}

/* The export thread's spool, opened as it starts. */
static void
spool_open(struct tr_processor *p)
{
	struct tr_spool	*sp;

	if (p->prov->cfg.spool_dir == NULL || p->exp == NULL ||
	    p->exp->send_encoded == NULL ||
	    tr_spool_open(&sp, &p->prov->cfg) != TRACING_OK)
		return;
	p->outage = 0;
	p->spool_idle = 0;
	p->scan_at = mono_ns() + SPOOL_RESCAN_MS * 1000000ULL;
	(void)pthread_mutex_lock(&p->lock);
	p->spool = sp;
	p->spool_seen = 0;
	spool_sync(p);
	(void)pthread_mutex_unlock(&p->lock);
}

/* Exports what the queue holds. Locked; unlocks while exporting. */
static void
export_queue(struct tr_processor *p, uint64_t req)
{
	size_t	n;

	while (p->count > 0 &&
	    !__atomic_load_n(&p->abort, __ATOMIC_RELAXED)) {
		n = pop_batch(p);
		p->busy = 1;
		(void)pthread_mutex_unlock(&p->lock);
		export_batch_counted(p, p->out, n, 0, 0);
		(void)pthread_mutex_lock(&p->lock);
		p->busy = 0;
		/* Between flushes, leave partial batches for later. */
		if (p->count < p->batch && !p->shutdown &&
		    p->flush_req == req && req == p->flush_done)
			break;
	}
}

static void *
export_thread(void *arg)
{
	struct tr_processor	*p = arg;
	struct timespec		 dl, sdl;
	uint64_t		 req;
	int			 rc;

	spool_open(p);
	(void)pthread_mutex_lock(&p->lock);
	deadline_in(&dl, p->prov->cfg.bsp_delay_ms);
	for (;;) {
		sdl = dl;
		spool_deadline(p, &sdl);
		rc = 0;
		while (!p->shutdown && p->flush_req == p->flush_done &&
		    p->count < p->batch && rc != ETIMEDOUT)
			rc = pthread_cond_timedwait(&p->work, &p->lock, &sdl);
		req = p->flush_req;
		/* Not a wake-up for the spool alone: the queue's turn. */
		if (rc != ETIMEDOUT || p->count >= p->batch ||
		    mono_ns() >= (uint64_t)dl.tv_sec * 1000000000ULL +
		    (uint64_t)dl.tv_nsec) {
			export_queue(p, req);
			deadline_in(&dl, p->prov->cfg.bsp_delay_ms);
		}
		spool_work(p, req != p->flush_done);
		if (p->count == 0 ||
		    __atomic_load_n(&p->abort, __ATOMIC_RELAXED)) {
			p->flush_done = req;
			(void)pthread_cond_broadcast(&p->done);
		}
		if (p->shutdown && (p->count == 0 ||
		    __atomic_load_n(&p->abort, __ATOMIC_RELAXED)))
			break;
	}
	(void)pthread_mutex_unlock(&p->lock);
	/* What is left waits on disk for the next process. */
	tr_spool_close(p->spool);
	p->spool = NULL;
	(void)pthread_mutex_lock(&p->lock);
	p->spool_bytes = 0;
	p->exited = 1;
	(void)pthread_cond_broadcast(&p->done);
	(void)pthread_mutex_unlock(&p->lock);
	return (NULL);
}

/*
 * Export what is queued from the calling thread (no export thread), each
 * batch with the caller's deadline; a drain that ends late is a timeout.
 */
static int
drain_sync(struct tr_processor *p, unsigned int timeout_ms)
{
	uint64_t	end, failures;
	size_t		n;
	int		rc;

	end = tracing_now() + (uint64_t)timeout_ms * 1000000ULL;
	rc = TRACING_OK;
	(void)pthread_mutex_lock(&p->lock);
	failures = p->failures;
	while (p->count > 0) {
		if (tracing_now() >= end) {
			rc = TRACING_ERR_TIMEOUT;
			break;
		}
		n = pop_batch(p);
		export_batch(p, p->out, n, end);
	}
	if (rc == TRACING_OK && p->failures != failures)
		rc = TRACING_ERR_EXPORT;
	(void)pthread_mutex_unlock(&p->lock);
	if (rc == TRACING_OK && tracing_now() > end)
		rc = TRACING_ERR_TIMEOUT;
	return (rc);
}

/* Waits on "done" until cond holds or the deadline passes. Locked. */
static int
wait_done(struct tr_processor *p, const struct timespec *dl, uint64_t req,
    int for_exit)
{
	int	rc;

	rc = 0;
	for (;;) {
		if (for_exit ? p->exited : p->flush_done >= req)
			return (TRACING_OK);
		if (rc == ETIMEDOUT)
			return (TRACING_ERR_TIMEOUT);
		rc = pthread_cond_timedwait(&p->done, &p->lock, dl);
	}
}

/*
 * 1 if an export thread runs here, started now if need be: a flush is an
 * explicit request to export, and only a thread can be left at a deadline.
 */
static int
thread_for(struct tr_processor *p)
{
	if (running_here(p))
		return (1);
	if (tr_processor_start(p) == TRACING_OK)
		return (running_here(p));
	return (0);
}

int
tr_processor_flush(struct tr_processor *p, unsigned int timeout_ms)
{
	struct timespec	dl;
	uint64_t	req, failures;
	int		rc;

	if (p == NULL || p->simple)
		return (TRACING_OK);
	deadline_in(&dl, timeout_ms);
	if (__atomic_load_n(&p->shutdown, __ATOMIC_RELAXED))
		return (TRACING_ERR_STATE);
	if (!thread_for(p))
		return (drain_sync(p, timeout_ms));
	(void)pthread_mutex_lock(&p->lock);
	failures = p->failures;
	req = ++p->flush_req;
	(void)pthread_cond_signal(&p->work);
	rc = wait_done(p, &dl, req, 0);
	if (rc == TRACING_OK && p->failures != failures)
		rc = TRACING_ERR_EXPORT;
	(void)pthread_mutex_unlock(&p->lock);
	return (rc);
}

int
tr_processor_shutdown(struct tr_processor *p, unsigned int timeout_ms)
{
	struct timespec	dl;
	uint64_t	failures;
	int		ret, here;

	if (p == NULL)
		return (TRACING_OK);
	deadline_in(&dl, timeout_ms);
	(void)pthread_mutex_lock(&p->lock);
	failures = p->failures;
	(void)pthread_mutex_unlock(&p->lock);
	(void)pthread_mutex_lock(&start_lock);
	if (p->shutdown) {
		(void)pthread_mutex_unlock(&start_lock);
		return (TRACING_ERR_STATE);
	}
	here = 0;
	if (!p->simple) {
		here = running_here(p);
		/* Queued spans and no thread yet: one to drain them. */
		if (!here && p->count > 0 && start_locked(p) == TRACING_OK)
			here = running_here(p);
	}
	(void)pthread_mutex_lock(&p->lock);
	__atomic_store_n(&p->shutdown, 1, __ATOMIC_RELAXED);
	(void)pthread_mutex_unlock(&p->lock);
	(void)pthread_mutex_unlock(&start_lock);

	ret = TRACING_OK;
	if (p->simple)
		return (ret);
	if (!here) {
		ret = drain_sync(p, timeout_ms);
		goto out;
	}
	(void)pthread_mutex_lock(&p->lock);
	(void)pthread_cond_signal(&p->work);
	ret = wait_done(p, &dl, 0, 1);
	(void)pthread_mutex_unlock(&p->lock);
	if (ret == TRACING_OK) {
		(void)pthread_join(p->thread, NULL);
		p->joined = 1;
	} else {
		/* The exporter gives up; tr_processor_free() joins. */
		__atomic_store_n(&p->abort, 1, __ATOMIC_RELAXED);
	}
out:
	(void)pthread_mutex_lock(&p->lock);
	if (p->ring != NULL)
		drop_queue(p, 1);
	/* Drained in time, but an export failed: say so. */
	if (ret == TRACING_OK && p->failures != failures)
		ret = TRACING_ERR_EXPORT;
	(void)pthread_mutex_unlock(&p->lock);
	return (ret);
}

/* 1 while the export thread may still use the exporter. */
int
tr_processor_busy(struct tr_processor *p)
{
	return (p != NULL && !p->simple && running_here(p) && !p->joined);
}

void
tr_processor_stats(struct tr_processor *p, struct tracing_stats *st)
{
	(void)pthread_mutex_lock(&p->lock);
	st->spans_queued = p->queued;
	st->spans_exported = p->exported;
	st->spans_dropped = p->dropped;
	st->spans_rejected = p->rejected;
	st->export_failures = p->failures;
	st->export_retries = p->retries;
	st->queue_length = p->count;
	st->spans_spooled = p->spooled;
	st->spans_replayed = p->replayed;
	st->spool_dropped = p->spool_dropped;
	st->spool_bytes = p->spool_bytes;
	(void)pthread_mutex_unlock(&p->lock);
}
