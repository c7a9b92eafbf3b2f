/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trace.c: the Kore side of our tracing library, shared by the four
 * services. Per worker: one provider configured from the OTEL_* environment
 * (service.name defaults to the service), its export thread started after
 * Kore forked the worker, flushed at worker teardown. Per request: a SERVER
 * span continuing the caller's W3C context (started and ended by the front
 * door in dispatch.c, never by handlers), a traceresponse header, and helpers
 * for the CLIENT, database and INTERNAL spans below it.
 *
 * At a public edge (a service that does not require signed calls: the
 * gateway), TRACE_INCOMING says what a stranger's trace context may do:
 * continue (the default, as the seed does: the SERVER span joins the
 * caller's trace), link (a new trace whose SERVER span links to the
 * caller's span, as OpenTelemetry's HTTP conventions suggest for public
 * endpoints), ignore (a new trace). The internal services always continue:
 * only the gateway's signed calls reach them.
 */

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <tracing.h>

#include "route.h"
#include "strbuf.h"
#include "svc_auth.h"
#include "svc_env.h"
#include "svc_request.h"
#include "svc_trace.h"

static struct tracing_provider	*provider;
static struct tracing_tracer	*tracer;

#define INCOMING_CONTINUE	0
#define INCOMING_LINK		1
#define INCOMING_IGNORE		2

static int			 incoming;	/* at a public edge */

/* Run once the last spans are flushed (svc_trace_on_flushed). */
static void			(*on_flushed)(void);

/*
 * Contexts of finished requests, reset and kept for the next ones: one
 * allocation less per request. Bounded: a burst leaves at most
 * CTX_SPARE_MAX behind.
 */
#define CTX_SPARE_MAX	64

static struct tracing_context	*ctx_spare[CTX_SPARE_MAX];
static size_t			 nctx_spare;

static void
trace_log(void *arg, int level, const char *msg)
{
	(void)arg;
	kore_log(level <= TRACING_LOG_ERROR ? LOG_ERR :
	    level == TRACING_LOG_WARN ? LOG_WARNING : LOG_NOTICE,
	    "tracing: %s", msg);
}

static void
incoming_configure(void)
{
	const char	*v;

	v = svc_env_str("TRACE_INCOMING", "continue");
	if (!strcmp(v, "link"))
		incoming = INCOMING_LINK;
	else if (!strcmp(v, "ignore"))
		incoming = INCOMING_IGNORE;
	else {
		if (strcmp(v, "continue"))
			kore_log(LOG_WARNING, "TRACE_INCOMING: \"%s\" is not "
			    "continue, link or ignore: continue", v);
		incoming = INCOMING_CONTINUE;
	}
}

void
svc_trace_init(const char *service)
{
	struct tracing_config	*cfg;
	char			err[256];

	tracing_set_log(trace_log, NULL);
	if (tracing_config_alloc(&cfg) != 0)
		fatal("tracing: out of memory");
	(void)tracing_config_load_env(cfg);
	if (getenv("OTEL_SERVICE_NAME") == NULL ||
	    *getenv("OTEL_SERVICE_NAME") == '\0')
		(void)tracing_config_set(cfg, "OTEL_SERVICE_NAME", service);
	{
		struct tracing_attr	a = TRACING_ATTR_STR("service.version",
					    SVC_VERSION);
		(void)tracing_config_set_resource_attr(cfg, &a);
	}
	if (tracing_provider_alloc(&provider, cfg, err, sizeof(err)) != 0)
		fatal("tracing: %s", err);
	tracing_config_free(cfg);
	if (tracing_provider_start(provider) != 0)
		kore_log(LOG_ERR, "tracing: cannot start the export thread;"
		    " spans will be dropped and counted");
	tracer = tracing_provider_tracer(provider, "kore-apps", SVC_VERSION);
	incoming_configure();
}

void
svc_trace_on_flushed(void (*fn)(void))
{
	on_flushed = fn;
}

/*
 * The worker's last act (its teardown, hooks.c): the spans still queued
 * are exported, within 3 s, and the worker's counters logged.
 */
void
svc_trace_shutdown(void)
{
	struct tracing_stats	st;

	while (nctx_spare > 0)
		tracing_context_free(ctx_spare[--nctx_spare]);
	if (provider == NULL)
		return;
	(void)tracing_provider_shutdown(provider, 3000);
	tracing_provider_stats(provider, &st);
	if (on_flushed != NULL)
		on_flushed();
	kore_log(LOG_NOTICE, "tracing: %llu spans ended, %llu exported, "
	    "%llu dropped", (unsigned long long)st.spans_ended,
	    (unsigned long long)st.spans_exported,
	    (unsigned long long)st.spans_dropped);
	tracing_provider_free(provider);
	provider = NULL;
	tracer = NULL;
}

/* traceparent, tracestate and baggage: every line of each (one list). */
static const char *
header_get(void *carrier, const char *name)
{
	return (svc_header_join(carrier, name));
}

static void
client_address(struct http_request *req, char *out, size_t len)
{
	out[0] = '\0';
	if (req->owner == NULL)
		return;
	if (req->owner->family == AF_INET && len >= SVC_IPV4_TEXT_LEN)
		svc_ipv4_text((const uint8_t *)
		    &req->owner->addr.ipv4.sin_addr, out);
	else if (req->owner->family == AF_INET6)
		(void)inet_ntop(AF_INET6, &req->owner->addr.ipv6.sin6_addr,
		    out, (socklen_t)len);
}

static int
ctx_get(struct tracing_context **ctx)
{
	if (nctx_spare > 0) {
		*ctx = ctx_spare[--nctx_spare];
		return (0);
	}
	return (tracing_context_alloc(ctx));
}

static void
ctx_put(struct tracing_context *ctx)
{
	if (nctx_spare < CTX_SPARE_MAX) {
		tracing_context_reset(ctx);
		ctx_spare[nctx_spare++] = ctx;
	} else {
		tracing_context_free(ctx);
	}
}

/* "/v1/orders/:id" -> "/v1/orders/{id}" (the semantic conventions' form). */
static void
route_template(const char *pattern, char *out, size_t len)
{
	size_t	o;

	for (o = 0; *pattern != '\0' && o + 2 < len; pattern++) {
		if (*pattern == ':') {
			out[o++] = '{';
			pattern++;
			while (*pattern != '\0' && *pattern != '/' &&
			    o + 2 < len)
				out[o++] = *pattern++;
			out[o++] = '}';
			if (*pattern == '\0')
				break;
		}
		out[o++] = *pattern;
	}
	out[o] = '\0';
}

/* The SERVER span's attributes (HTTP semantic conventions). */
static void
server_attrs(struct http_request *req, struct svc_request *sr,
    const char *method, const char *tmpl)
{
	struct tracing_attr	a[10];
	const char		*host;
	char			addr[INET6_ADDRSTRLEN], *colon;
	size_t			n, o;
	long			port;

	n = 0;
	a[n++] = TRACING_ATTR_STR("http.request.method", method);
	a[n++] = TRACING_ATTR_STR("url.path", req->path);
	a[n++] = TRACING_ATTR_STR("url.scheme", "http");
	a[n++] = TRACING_ATTR_STR("network.protocol.version", "1.1");
	if (tmpl[0] != '\0')
		a[n++] = TRACING_ATTR_STR("http.route", tmpl);
	if ((host = req->host) != NULL && *host != '\0') {
		o = 0;
		svc_put(addr, sizeof(addr), &o, host, strlen(host));
		port = 80;
		if ((colon = strrchr(addr, ':')) != NULL &&
		    strchr(addr, ']') < colon) {
			*colon = '\0';
			port = strtol(colon + 1, NULL, 10);
		}
		(void)tracing_span_set_str(sr->span, "server.address", addr);
		(void)tracing_span_set_int(sr->span, "server.port", port);
	}
	client_address(req, addr, sizeof(addr));
	if (addr[0] != '\0')
		a[n++] = TRACING_ATTR_STR("client.address", addr);
	if (req->agent != NULL)
		a[n++] = TRACING_ATTR_STR("user_agent.original", req->agent);
	(void)tracing_span_set_attrs(sr->span, a, n);
}

/* W3C Trace Context Level 2: tell the caller which trace this is. */
static void
traceresponse(struct http_request *req, struct svc_request *sr)
{
	char	tr[64];
	size_t	o;

	o = 0;
	svc_put(tr, sizeof(tr), &o, "00-", 3);
	svc_put(tr, sizeof(tr), &o, sr->trace_id, strlen(sr->trace_id));
	svc_put(tr, sizeof(tr), &o, "-", 1);
	svc_put(tr, sizeof(tr), &o, sr->span_id, strlen(sr->span_id));
	svc_put(tr, sizeof(tr), &o, tracing_span_is_sampled(sr->span) ? "-01" :
	    "-00", 3);
	http_response_header(req, "traceresponse", tr);
}

void
svc_trace_request_begin(struct http_request *req, struct svc_request *sr)
{
	const char		*method;
	char			name[160], tmpl[128];
	size_t			o;

	if (ctx_get(&sr->ctx) != 0)
		return;
	(void)tracing_extract(provider, sr->ctx, header_get, req);
	/*
	 * Prometheus scrapes GET /metrics every few seconds: a trace each
	 * time would only bury the orders' traces (and their RED metrics).
	 */
	if (sr->kind == SVC_ROUTE_METRICS)
		return;

	method = http_method_text(req->method);
	o = 0;
	svc_put(name, sizeof(name), &o, method, strlen(method));
	tmpl[0] = '\0';
	if (sr->route != NULL) {
		route_template(sr->route->pattern, tmpl, sizeof(tmpl));
		svc_put(name, sizeof(name), &o, " ", 1);
		svc_put(name, sizeof(name), &o, tmpl, strlen(tmpl));
	}

	/* Internal services have signed callers only: they continue. */
	if (incoming == INCOMING_CONTINUE || svc_auth_requiring() ||
	    !tracing_context_is_valid(sr->ctx))
		sr->span = tracing_span_start(tracer, name, TRACING_SPAN_SERVER,
		    sr->ctx, sr->start_ns);
	else {
		/* A stranger's context: a trace of our own. */
		sr->span = tracing_span_start(tracer, name,
		    TRACING_SPAN_SERVER, NULL, sr->start_ns);
		if (incoming == INCOMING_LINK)
			(void)tracing_span_add_link(sr->span, sr->ctx, NULL, 0);
	}
	if (sr->span == NULL)
		return;
	tracing_span_trace_id_hex(sr->span, sr->trace_id);
	tracing_span_span_id_hex(sr->span, sr->span_id);

	if (tracing_span_is_recording(sr->span))
		server_attrs(req, sr, method, tmpl);
	traceresponse(req, sr);
}

void
svc_trace_fault(struct http_request *req, struct svc_request *sr)
{
	struct tracing_attr	a[3];
	size_t			n;

	(void)req;
	if (sr->fault.latency_ms == 0 && sr->fault.error_status == 0)
		return;
	if (sr->fault.outage)
		(void)snprintf(sr->fault_note, sizeof(sr->fault_note),
		    "outage");
	else if (sr->fault.latency_ms > 0 && sr->fault.error_status != 0)
		(void)snprintf(sr->fault_note, sizeof(sr->fault_note),
		    "%ums latency, error %u", sr->fault.latency_ms,
		    sr->fault.error_status);
	else if (sr->fault.error_status != 0)
		(void)snprintf(sr->fault_note, sizeof(sr->fault_note),
		    "error %u", sr->fault.error_status);
	else
		(void)snprintf(sr->fault_note, sizeof(sr->fault_note),
		    "%ums latency", sr->fault.latency_ms);
	if (sr->span == NULL)
		return;

	n = 0;
	a[n++] = TRACING_ATTR_STR("fault.kind", sr->fault.outage ? "outage" :
	    sr->fault.error_status && sr->fault.latency_ms ? "latency+error" :
	    sr->fault.error_status ? "error" : "latency");
	if (sr->fault.latency_ms > 0)
		a[n++] = TRACING_ATTR_INTV("fault.latency_ms",
		    sr->fault.latency_ms);
	if (sr->fault.error_status != 0)
		a[n++] = TRACING_ATTR_INTV("fault.status",
		    sr->fault.error_status);
	(void)tracing_span_set_bool(sr->span, "fault.injected", 1);
	(void)tracing_span_add_event(sr->span, "fault.injected", 0, a, n);
	if (sr->fault.from_header)
		(void)tracing_span_set_str(sr->span, "fault.source",
		    "x-fault header");
}

void
svc_trace_request_end(struct http_request *req, struct svc_request *sr,
    int aborted)
{
	char	code[8];

	if (sr->span != NULL) {
		if (aborted) {
			(void)tracing_span_set_str(sr->span, "error.type",
			    "aborted");
			(void)tracing_span_set_status(sr->span,
			    TRACING_STATUS_ERROR, "the request ended before"
			    " an answer was sent");
		} else {
			(void)tracing_span_set_int(sr->span,
			    "http.response.status_code", req->status);
			if (req->status >= 500) {
				(void)snprintf(code, sizeof(code), "%d",
				    req->status);
				(void)tracing_span_set_str(sr->span,
				    "error.type", code);
				(void)tracing_span_set_status(sr->span,
				    TRACING_STATUS_ERROR, NULL);
			}
		}
		tracing_span_end(sr->span, 0);
		sr->span = NULL;
	}
	if (sr->ctx != NULL) {
		ctx_put(sr->ctx);
		sr->ctx = NULL;
	}
}

/* A new span under the request's SERVER span. */
struct tracing_span *
svc_span_start(struct http_request *req, const char *name, int kind)
{
	struct svc_request	*sr = svc_request_get(req);

	if (sr == NULL || sr->span == NULL)
		return (NULL);
	return (tracing_span_start_child(tracer, name, kind, sr->span, 0));
}

struct tracing_span *
svc_span_child(struct tracing_span *parent, const char *name, int kind)
{
	if (parent == NULL)
		return (NULL);
	return (tracing_span_start_child(tracer, name, kind, parent, 0));
}

/* A span of its own trace, for work that no request asked for. */
struct tracing_span *
svc_span_root(const char *name, int kind)
{
	if (tracer == NULL)
		return (NULL);
	return (tracing_span_start(tracer, name, kind, NULL, 0));
}

void
svc_span_end(struct tracing_span *span)
{
	if (span != NULL)
		tracing_span_end(span, 0);
}

const char *
svc_trace_id(struct http_request *req)
{
	return (svc_request_get(req)->trace_id);
}

struct tracing_provider *
svc_tracing_provider(void)
{
	return (provider);
}
