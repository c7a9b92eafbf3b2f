/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_request.h: what the front door keeps per request (Kore's request
 * state, struct svc_request) and what a handler reads of its request and
 * keeps with it (request.c): its own state (svc_state_*), headers, the
 * body as a bounded JSON object.
 *
 * Layer 2, answers and request state (see docs/development.md, "The
 * layers of kore-apps/common"): calls layer 2 (reply.c) and below.
 */

#ifndef SVC_REQUEST_H
#define SVC_REQUEST_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "fault.h"

struct svc_joined;
struct svc_route;
struct tracing_context;
struct tracing_span;

/*
 * Timing, the route and what it is for, the SERVER span and the trace
 * ids, the fault plan, and the handler's own state (svc_state_*).
 */
struct svc_request {
	u_int64_t		start_ns;
	const struct svc_route	*route;
	int			kind;		/* SVC_ROUTE_*, route.h */
	int			finished;

	struct tracing_span	*span;
	struct tracing_context	*ctx;		/* extracted from the caller */
	char			trace_id[33];
	char			span_id[17];

	struct fault_plan	fault;
	char			fault_note[64];
	int			fault_replied;
	struct kore_timer	*timer;

	void			*state;
	void			(*state_free)(struct http_request *);
	int			probe;		/* a public /ready's check */

	struct svc_joined	*joined;	/* svc_header_join's copies */
};

void			*svc_state_create(struct http_request *, size_t,
			    void (*)(struct http_request *));
void			*svc_state_get(struct http_request *);
int			 svc_state_exists(struct http_request *);
struct svc_request	*svc_request_get(struct http_request *);
const char		*svc_header(struct http_request *, const char *);
const char		*svc_header_join(struct http_request *, const char *);
json_t			*svc_body_json(struct http_request *, size_t);

/* The front door's (dispatch.c): frees svc_header_join's copies. */
void			 request_joined_free(struct svc_request *);

#endif
