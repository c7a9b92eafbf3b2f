/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_trace.h: the Kore side of the tracing library (trace.c): the
 * worker's provider, each request's SERVER span (the front door starts and
 * ends it, never a handler), and the CLIENT, database and INTERNAL spans
 * the services start below it.
 *
 * Layer 4, a request's trace (see docs/development.md, "The layers of
 * kore-apps/common"): calls layer 3 (auth.c: an internal service continues
 * its callers' traces), layer 2 (request.c) and below. What must run
 * after the last flush is registered (svc_trace_on_flushed), not called.
 */

#ifndef SVC_TRACE_H
#define SVC_TRACE_H

struct http_request;
struct svc_request;
struct tracing_provider;
struct tracing_span;

/* Spans under the request's SERVER span, under another, or of their own. */
struct tracing_span	*svc_span_start(struct http_request *, const char *,
			    int);
struct tracing_span	*svc_span_child(struct tracing_span *, const char *,
			    int);
struct tracing_span	*svc_span_root(const char *, int);
void			 svc_span_end(struct tracing_span *);
const char		*svc_trace_id(struct http_request *);
struct tracing_provider	*svc_tracing_provider(void);

/* The front door's (hooks.c, dispatch.c, faults.c). */
void	svc_trace_init(const char *);
void	svc_trace_shutdown(void);
void	svc_trace_request_begin(struct http_request *, struct svc_request *);
void	svc_trace_request_end(struct http_request *, struct svc_request *,
	    int);
void	svc_trace_fault(struct http_request *, struct svc_request *);
/*
 * fn runs at the worker's teardown once the last spans are flushed, while
 * the provider's counters can still be read (metrics.c's final counts).
 */
void	svc_trace_on_flushed(void (*)(void));

#endif
