/* SPDX-License-Identifier: Apache-2.0 */
/*
 * propagate.c: tracectl traces itself. Each order request is a CLIENT span
 * of service "tracectl" (OTEL_SERVICE_NAME overrides), the root of the
 * order's trace, exported through our tracing library (tracing/) with the
 * standard OTEL_* settings; its W3C context goes out as traceparent. The
 * provider is made on first use; exit flushes it (at most 2 s). A context
 * in the environment (TRACEPARENT, TRACESTATE, BAGGAGE, as a shell script
 * that is traced itself hands it down) is the parent of those spans: the
 * orders continue the script's trace.
 */

#include <sys/types.h>
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracing.h>

#include "tracectl.h"

static struct tracing_provider	*provider;
static struct tracing_tracer	*tracer;
static struct tracing_context	*env_parent;	/* NULL: none */
static int			 setup_done;

/* The context the environment hands down, if it has a valid one. */
static void
env_parent_load(void)
{
	if (tracing_context_alloc(&env_parent) != TRACING_OK)
		return;
	(void)tracing_propagation_extract(TRACING_PROPAGATE_TRACECONTEXT |
	    TRACING_PROPAGATE_BAGGAGE, env_parent, tracing_env_get, NULL);
	if (!tracing_context_is_valid(env_parent)) {
		tracing_context_free(env_parent);
		env_parent = NULL;
	}
}

static void
quiet_log(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	fprintf(stderr, "tracectl: tracing: %s\n", msg);
}

static void
provider_flush(void)
{
	if (provider == NULL)
		return;
	(void)tracing_provider_shutdown(provider, 2000);
	tracing_provider_free(provider);
	provider = NULL;
}

static void
provider_setup(void)
{
	struct tracing_config	*cfg;
	char			 err[256];
	const char		*v;

	setup_done = 1;
	env_parent_load();
	tracing_set_log(quiet_log, NULL);
	/* A command-line tool stays quiet about export unless asked. */
	if ((v = getenv("OTEL_LOG_LEVEL")) == NULL || *v == '\0')
		tracing_set_log_level(TRACING_LOG_NONE);
	if (tracing_config_alloc(&cfg) != 0)
		return;
	(void)tracing_config_load_env(cfg);
	if ((v = getenv("OTEL_SERVICE_NAME")) == NULL || *v == '\0')
		(void)tracing_config_set(cfg, "OTEL_SERVICE_NAME", "tracectl");
	if (tracing_provider_alloc(&provider, cfg, err, sizeof(err)) != 0) {
		tracing_config_free(cfg);
		provider = NULL;
		return;
	}
	tracing_config_free(cfg);
	(void)tracing_provider_start(provider);
	tracer = tracing_provider_tracer(provider, "tracectl", "1.0.0");
	atexit(provider_flush);
}

static int
random_bytes(void *p, size_t n)
{
	ssize_t	 r;
	size_t	 got;

	for (got = 0; got < n; got += (size_t)r) {
		r = getrandom((char *)p + got, n - got, 0);
		if (r == -1) {
			if (errno == EINTR) {
				r = 0;
				continue;
			}
			return (-1);
		}
	}
	return (0);
}

/* The 16 lowercase hex digits at s as a number. */
static uint64_t
hex64(const char *s)
{
	uint64_t	 v;
	int		 i;

	v = 0;
	for (i = 0; i < 16; i++)
		v = v << 4 | (uint64_t)(s[i] <= '9' ? s[i] - '0' : s[i] - 'a' + 10);
	return (v);
}

int
propagate_new(struct traceparent *tp)
{
	struct tracing_span	*span;
	char			 tid[33], sid[17];
	uint64_t		 v[3];
	int			 sampled, i;

	if (!setup_done)
		provider_setup();

	span = tracer != NULL ? tracing_span_start(tracer, "POST /api/orders",
	    TRACING_SPAN_CLIENT, env_parent, 0) : NULL;
	tp->span = span;
	if (span != NULL) {
		tracing_span_trace_id_hex(span, tid);
		tracing_span_span_id_hex(span, sid);
		(void)tracing_span_set_str(span, "http.request.method", "POST");
	}
	if (span != NULL && strspn(tid, "0") != 32 && strspn(sid, "0") != 16) {
		v[0] = hex64(tid);
		v[1] = hex64(tid + 16);
		v[2] = hex64(sid);
		sampled = tracing_span_is_sampled(span);
	} else {
		/* Tracing off: still a fresh context for the gateway. */
		do {
			if (random_bytes(v, sizeof(v)) == -1)
				return (-1);
		} while ((v[0] == 0 && v[1] == 0) || v[2] == 0);
		sampled = 1;
		if (env_parent != NULL) {
			/* The script's trace, with a span id of our own. */
			uint8_t	id[16];

			tracing_context_trace_id(env_parent, id);
			for (i = 0; i < 16; i++)
				(void)snprintf(tid + 2 * i, 3, "%02x", id[i]);
			v[0] = hex64(tid);
			v[1] = hex64(tid + 16);
			sampled = tracing_context_is_sampled(env_parent);
		}
	}
	tp->trace_hi = v[0];
	tp->trace_lo = v[1];
	tp->span_id = v[2];
	snprintf(tp->header, sizeof(tp->header),
	    "traceparent: 00-%016llx%016llx-%016llx-%02x",
	    (unsigned long long)tp->trace_hi, (unsigned long long)tp->trace_lo,
	    (unsigned long long)tp->span_id, sampled ? 1 : 0);
	return (0);
}

void
propagate_end(struct traceparent *tp, long http_status)
{
	struct tracing_span	*span = tp->span;
	char			 code[24];

	if (span == NULL)
		return;
	if (http_status > 0) {
		(void)tracing_span_set_int(span, "http.response.status_code",
		    http_status);
		if (http_status >= 400) {
			(void)snprintf(code, sizeof(code), "%ld", http_status);
			(void)tracing_span_set_str(span, "error.type", code);
			(void)tracing_span_set_status(span,
			    TRACING_STATUS_ERROR, NULL);
		}
	} else {
		(void)tracing_span_set_str(span, "error.type", "transport");
		(void)tracing_span_set_status(span, TRACING_STATUS_ERROR,
		    "no answer from the gateway");
	}
	tracing_span_end(span, 0);
	tp->span = NULL;
}

/* Sends tracectl's finished spans now (before --wait reads the trace). */
void
propagate_flush(void)
{
	if (provider != NULL)
		(void)tracing_provider_force_flush(provider, 2000);
}
