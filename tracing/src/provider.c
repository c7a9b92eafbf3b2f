/* SPDX-License-Identifier: Apache-2.0 */
/*
 * provider.c: the tracer provider: it owns the configuration copy, the
 * resource, the sampler, the exporter, the processor and the tracers (one
 * per instrumentation scope), and it starts, flushes and shuts down the
 * export pipeline.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

static void	tracer_free(struct tracing_tracer *);

static void
seterr(char *errbuf, size_t errlen, const char *what, int rc)
{
	if (errbuf != NULL && errlen > 0)
		(void)snprintf(errbuf, errlen, "%s: %s", what,
		    tracing_strerror(rc));
}

/* The host's processors move from the configuration to the provider. */
static void
provider_procs(struct tracing_provider *p)
{
	struct tracing_processor	*sp;

	p->procs = p->cfg.procs;
	p->cfg.procs = NULL;
	for (sp = p->procs; sp != NULL; sp = sp->next) {
		if (sp->ops.on_start != NULL)
			p->procs_start = 1;
		if (sp->ops.on_ending != NULL)
			p->procs_ending = 1;
	}
}

int
tracing_provider_alloc(struct tracing_provider **out,
    struct tracing_config *cfg, char *errbuf, size_t errlen)
{
	struct tracing_provider	*p;
	const char		*file;
	int			 rc;

	*out = NULL;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';
	if ((p = tr_calloc(1, sizeof(*p))) == NULL) {
		seterr(errbuf, errlen, "provider", TRACING_ERR_NOMEM);
		return (TRACING_ERR_NOMEM);
	}
	(void)pthread_mutex_init(&p->lock, NULL);
	(void)pthread_mutex_init(&p->spare_lock, NULL);
	p->spare_gen = tr_fork_generation();
	if (cfg == NULL && (file = getenv("OTEL_CONFIG_FILE")) != NULL &&
	    file[0] != '\0') {
		/* Declarative configuration: the environment is not read. */
		tr_config_default(&p->cfg);
		if ((rc = tracing_config_load_file(&p->cfg, file, errbuf,
		    errlen)) != TRACING_OK) {
			if (errbuf == NULL || errlen == 0 || errbuf[0] == '\0')
				seterr(errbuf, errlen, "OTEL_CONFIG_FILE", rc);
			tr_log(TRACING_LOG_ERROR, "OTEL_CONFIG_FILE: %s",
			    errbuf != NULL && errlen > 0 ? errbuf : file);
			goto fail;
		}
	} else if (cfg == NULL) {
		tr_config_default(&p->cfg);
		rc = tracing_config_load_env(&p->cfg);
	} else {
		rc = tr_config_copy(&p->cfg, cfg);
	}
	if (rc != TRACING_OK) {
		seterr(errbuf, errlen, "configuration", rc);
		goto fail;
	}
	if (p->cfg.log_level >= 0)
		tracing_set_log_level(p->cfg.log_level);
	if (p->cfg.disabled) {
		*out = p;
		return (TRACING_OK);
	}
	if ((rc = tr_resource_build(&p->resource, &p->cfg)) != TRACING_OK) {
		seterr(errbuf, errlen, "resource", rc);
		goto fail;
	}
	p->resource_gen = tr_fork_generation();
	p->sampler = p->cfg.sampler;
	p->cfg.sampler = NULL;
	if (p->sampler == NULL && (rc = tr_sampler_from_config(&p->sampler,
	    p->cfg.sampler_name, p->cfg.sampler_arg, 0)) != TRACING_OK) {
		seterr(errbuf, errlen, "sampler", rc);
		goto fail;
	}
	p->exporter = p->cfg.exporter;
	p->cfg.exporter = NULL;
	provider_procs(p);
	if (p->exporter == NULL) {
		rc = TRACING_OK;
		if (p->cfg.exporter_kind == EXPORTER_OTLP)
			rc = tracing_exporter_otlp_alloc(&p->exporter, &p->cfg);
		else if (p->cfg.exporter_kind == EXPORTER_CONSOLE)
			rc = tracing_exporter_console_alloc(&p->exporter,
			    stderr);
		if (rc != TRACING_OK) {
			seterr(errbuf, errlen, "exporter", rc);
			goto fail;
		}
	}
	if (p->exporter != NULL &&
	    (rc = tr_processor_alloc(&p->proc, p)) != TRACING_OK) {
		seterr(errbuf, errlen, "processor", rc);
		goto fail;
	}
	*out = p;
	return (TRACING_OK);
fail:
	tracing_provider_free(p);
	return (rc);
}

int
tracing_provider_enabled(const struct tracing_provider *p)
{
	return (p != NULL && !p->cfg.disabled);
}

int
tracing_provider_start(struct tracing_provider *p)
{
	if (p == NULL)
		return (TRACING_ERR_INVALID);
	if (p->cfg.disabled || p->proc == NULL)
		return (TRACING_OK);
	if (__atomic_load_n(&p->shutdown, __ATOMIC_RELAXED))
		return (TRACING_ERR_STATE);
	return (tr_processor_start(p->proc));
}

/* The built-in processor, then the host's, all within the timeout. */
int
tracing_provider_force_flush(struct tracing_provider *p,
    unsigned int timeout_ms)
{
	uint64_t	deadline;
	int		rc, rc2;

	if (p == NULL)
		return (TRACING_ERR_INVALID);
	if (__atomic_load_n(&p->shutdown, __ATOMIC_RELAXED))
		return (TRACING_ERR_STATE);
	deadline = tracing_now() + (uint64_t)timeout_ms * 1000000ULL;
	rc = TRACING_OK;
	if (p->proc != NULL)
		rc = tr_processor_flush(p->proc, timeout_ms);
	rc2 = tr_procs_flush(p, deadline);
	return (rc != TRACING_OK ? rc : rc2);
}

int
tracing_provider_shutdown(struct tracing_provider *p,
    unsigned int timeout_ms)
{
	uint64_t	deadline;
	int		rc, rc2;

	if (p == NULL)
		return (TRACING_ERR_INVALID);
	if (__atomic_exchange_n(&p->shutdown, 1, __ATOMIC_ACQ_REL))
		return (TRACING_ERR_STATE);
	deadline = tracing_now() + (uint64_t)timeout_ms * 1000000ULL;
	rc = TRACING_OK;
	if (p->proc != NULL)
		rc = tr_processor_shutdown(p->proc, timeout_ms);
	if ((rc2 = tr_procs_shutdown(p, deadline)) != TRACING_OK &&
	    rc == TRACING_OK)
		rc = rc2;
	/*
	 * An export thread that overran the timeout still uses the exporter:
	 * it is shut down after the thread is joined, in the free.
	 */
	if (p->exporter != NULL && p->exporter->ops.shutdown != NULL &&
	    !tr_processor_busy(p->proc)) {
		p->exporter->ops.shutdown(p->exporter->arg);
		p->exporter_down = 1;
	}
	return (rc);
}

void
tracing_provider_free(struct tracing_provider *p)
{
	struct tracing_tracer	*t, *next;

	if (p == NULL)
		return;
	if (!p->shutdown)
		(void)tracing_provider_shutdown(p, p->cfg.bsp_timeout_ms);
	tr_processor_free(p->proc);
	if (p->exporter != NULL) {
		if (p->exporter_down)
			p->exporter->ops.shutdown = NULL;	/* done */
		tracing_exporter_free(p->exporter);
	}
	tracing_sampler_free(p->sampler);
	tr_processors_free(p->procs);
	for (t = p->tracers; t != NULL; t = next) {
		next = t->next;
		tracer_free(t);
	}
	tr_resource_cleanup(&p->resource);
	tr_config_cleanup(&p->cfg);
	tr_span_spares_free(p);
	(void)pthread_mutex_destroy(&p->lock);
	(void)pthread_mutex_destroy(&p->spare_lock);
	tr_free(p);
}

void
tracing_provider_stats(struct tracing_provider *p, struct tracing_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (p == NULL)
		return;
	st->spans_started = __atomic_load_n(&p->started, __ATOMIC_RELAXED);
	st->spans_ended = __atomic_load_n(&p->ended, __ATOMIC_RELAXED);
	if (p->proc != NULL)
		tr_processor_stats(p->proc, st);
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* Two attribute values alike (arrays element by element). */
static int
value_same(const struct tracing_attr *x, const struct tracing_attr *y)
{
	size_t	i;

	if (x->type != y->type || x->n != y->n)
		return (0);
	switch (x->type) {
	case TRACING_ATTR_STRING:
		return (memcmp(x->v.s, y->v.s, x->n) == 0);
	case TRACING_ATTR_BOOL:
		return ((x->v.b != 0) == (y->v.b != 0));
	case TRACING_ATTR_INT:
		return (x->v.i == y->v.i);
	case TRACING_ATTR_DOUBLE:
		return (memcmp(&x->v.d, &y->v.d, sizeof(double)) == 0);
	case TRACING_ATTR_STRING_ARRAY:
		for (i = 0; i < x->n; i++)
			if (strcmp(x->v.sa[i], y->v.sa[i]) != 0)
				return (0);
		return (1);
	case TRACING_ATTR_BOOL_ARRAY:
		for (i = 0; i < x->n; i++)
			if ((x->v.ba[i] != 0) != (y->v.ba[i] != 0))
				return (0);
		return (1);
	case TRACING_ATTR_INT_ARRAY:
		return (memcmp(x->v.ia, y->v.ia, x->n * sizeof(int64_t)) == 0);
	case TRACING_ATTR_DOUBLE_ARRAY:
		return (memcmp(x->v.da, y->v.da, x->n * sizeof(double)) == 0);
	}
	return (0);
}

/*
 * A tracer's scope attributes against the ones asked for: compared as
 * stored (a scratch set made with the same rules), so that a repeated key
 * or a string given with TRACING_STRLEN compares as what was kept.
 */
static int
attrs_same(const struct tracing_tracer *t, const struct tr_attrs *want)
{
	struct tracing_attr	x, y;
	uint32_t		i;

	if (t->attrs.count != want->count)
		return (0);
	for (i = 0; i < want->count; i++) {
		tr_attr_view(&t->attrs.a[i], &x);
		tr_attr_view(&want->a[i], &y);
		if (strcmp(x.key, y.key) != 0 || !value_same(&x, &y))
			return (0);
	}
	return (1);
}

static void
tracer_free(struct tracing_tracer *t)
{
	if (t == NULL)
		return;
	tr_free(t->name);
	tr_free(t->version);
	tr_free(t->schema_url);
	tr_arena_cleanup(&t->arena);
	tr_free(t);
}

static struct tracing_tracer *
tracer_new(struct tracing_provider *p, const char *name, const char *version,
    const char *schema_url, const struct tracing_attr *a, size_t n)
{
	struct tracing_tracer	*t;
	size_t			 i;

	if ((t = tr_calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->provider = p;
	tr_arena_init(&t->arena, NULL, 0);
	if ((t->name = tr_strdup(name)) == NULL ||
	    (version != NULL && (t->version = tr_strdup(version)) == NULL) ||
	    (schema_url != NULL &&
	    (t->schema_url = tr_strdup(schema_url)) == NULL)) {
		tracer_free(t);
		return (NULL);
	}
	for (i = 0; i < n; i++) {
		if (tr_attrs_set(&t->arena, &t->attrs, UINT32_MAX, -1,
		    &a[i]) == TRACING_ERR_NOMEM) {
			tracer_free(t);
			return (NULL);
		}
	}
	return (t);
}

struct tracing_tracer *
tracing_provider_tracer(struct tracing_provider *p, const char *name,
    const char *version)
{
	return (tracing_provider_tracer_scope(p, name, version, NULL, NULL, 0));
}

/*
 * One tracer per scope: name, version, schema URL and attributes. The
 * attributes asked for are first stored in a scratch tracer (the same
 * rules as the kept ones), which becomes the new tracer when none is
 * alike; without attributes, a new tracer is made under the lock.
 */
struct tracing_tracer *
tracing_provider_tracer_scope(struct tracing_provider *p, const char *name,
    const char *version, const char *schema_url,
    const struct tracing_attr *a, size_t n)
{
	struct tracing_tracer	*t, *nt;

	if (p == NULL || (n > 0 && a == NULL))
		return (NULL);
	if (name == NULL)
		name = "";
	if (schema_url != NULL && schema_url[0] == '\0')
		schema_url = NULL;
	nt = NULL;
	if (n > 0 &&
	    (nt = tracer_new(p, name, version, schema_url, a, n)) == NULL)
		return (NULL);
	(void)pthread_mutex_lock(&p->lock);
	for (t = p->tracers; t != NULL; t = t->next) {
		if (same(t->name, name) && same(t->version, version) &&
		    same(t->schema_url, schema_url) && (nt != NULL ?
		    attrs_same(t, &nt->attrs) : t->attrs.count == 0))
			break;
	}
	if (t == NULL && nt == NULL)
		nt = tracer_new(p, name, version, schema_url, NULL, 0);
	if (t == NULL && nt != NULL) {
		nt->next = p->tracers;
		p->tracers = t = nt;
		nt = NULL;
	}
	(void)pthread_mutex_unlock(&p->lock);
	tracer_free(nt);
	return (t);
}

const struct tracing_resource *
tracing_provider_resource(const struct tracing_provider *p)
{
	if (p == NULL || p->cfg.disabled)
		return (NULL);
	return ((const struct tracing_resource *)&p->resource);
}
