/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spanproc.c: span processors of the host's (struct tracing_processor):
 * their allocation, the list a configuration hands to its provider, and
 * the fan-out of on_start, on_ending, on_end, force_flush and shutdown to
 * each of them in the order they were added. The built-in batch and simple
 * processors are processor.c's; the provider calls them after these.
 *
 * DESIGN: the list is built before the provider exists and never changes
 * afterwards, so it is read without a lock. No library lock is held while
 * a host callback runs (span.c calls them with the span unlocked).
 */

#include <sys/types.h>

#include <string.h>

#include "tracing_private.h"

int
tracing_processor_alloc(struct tracing_processor **out,
    const struct tracing_processor_ops *ops, void *arg)
{
	struct tracing_processor	*p;

	if (out == NULL)
		return (TRACING_ERR_INVALID);
	*out = NULL;
	if (ops == NULL || ops->on_end == NULL)
		return (TRACING_ERR_INVALID);
	if ((p = tr_calloc(1, sizeof(*p))) == NULL)
		return (TRACING_ERR_NOMEM);
	p->ops = *ops;
	p->arg = arg;
	*out = p;
	return (TRACING_OK);
}

void
tracing_processor_free(struct tracing_processor *p)
{
	if (p == NULL)
		return;
	if (p->ops.free != NULL)
		p->ops.free(p->arg);
	tr_free(p);
}

/* A list of processors, each freed in order. */
void
tr_processors_free(struct tracing_processor *p)
{
	struct tracing_processor	*next;

	for (; p != NULL; p = next) {
		next = p->next;
		tracing_processor_free(p);
	}
}

int
tracing_config_add_processor(struct tracing_config *c,
    struct tracing_processor *p)
{
	struct tracing_processor	**tail;

	if (c == NULL || p == NULL) {
		tracing_processor_free(p);
		return (TRACING_ERR_INVALID);
	}
	p->next = NULL;
	for (tail = &c->procs; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = p;
	return (TRACING_OK);
}

void
tr_procs_on_start(struct tracing_provider *prov, struct tracing_span *h,
    const struct tracing_context *parent)
{
	struct tracing_processor	*p;

	for (p = prov->procs; p != NULL; p = p->next) {
		if (p->ops.on_start != NULL)
			p->ops.on_start(p->arg, h, parent);
	}
}

void
tr_procs_on_ending(struct tracing_provider *prov, struct tracing_span *h)
{
	struct tracing_processor	*p;

	for (p = prov->procs; p != NULL; p = p->next) {
		if (p->ops.on_ending != NULL)
			p->ops.on_ending(p->arg, h);
	}
}

void
tr_procs_on_end(struct tracing_provider *prov, const struct tracing_span *h)
{
	struct tracing_processor	*p;

	for (p = prov->procs; p != NULL; p = p->next)
		p->ops.on_end(p->arg, h);
}

/* What is left until deadline (ns since the epoch), in ms; 0 when past. */
static unsigned int
left_ms(uint64_t deadline)
{
	uint64_t	now = tracing_now();

	if (now >= deadline)
		return (0);
	if ((deadline - now) / 1000000ULL > UINT32_MAX)
		return (UINT32_MAX);
	return ((unsigned int)((deadline - now) / 1000000ULL));
}

/*
 * Every processor's force_flush or shutdown, each with what is left of
 * the deadline: all are called, the first error is returned.
 */
static int
procs_call(struct tracing_provider *prov, uint64_t deadline, int shutdown)
{
	struct tracing_processor	*p;
	int				 rc, ret;

	ret = TRACING_OK;
	for (p = prov->procs; p != NULL; p = p->next) {
		if (shutdown && p->ops.shutdown != NULL)
			rc = p->ops.shutdown(p->arg, left_ms(deadline));
		else if (!shutdown && p->ops.force_flush != NULL)
			rc = p->ops.force_flush(p->arg, left_ms(deadline));
		else
			continue;
		if (rc != TRACING_OK && ret == TRACING_OK)
			ret = rc;
	}
	return (ret);
}

int
tr_procs_flush(struct tracing_provider *prov, uint64_t deadline)
{
	return (procs_call(prov, deadline, 0));
}

int
tr_procs_shutdown(struct tracing_provider *prov, uint64_t deadline)
{
	return (procs_call(prov, deadline, 1));
}
