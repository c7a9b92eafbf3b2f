/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dispatch.c: the front door's routing and each request's life. The one
 * catch-all Kore route (svc_route) comes here: per request, a SERVER span
 * and an access-log line, the service's authentication and fault knobs,
 * then the handler whose route matches, or a JSON 404 or 405 in the same
 * error shape as everything else.
 */

#include <stdio.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "route.h"
#include "svc_accesslog.h"
#include "svc_auth.h"
#include "svc_dispatch.h"
#include "svc_faults.h"
#include "svc_identity.h"
#include "svc_metrics.h"
#include "svc_probe.h"
#include "svc_ratelimit.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_trace.h"
#include "svc_util.h"

static const struct svc_route	*svc_table;
static size_t			 svc_table_len;

void
dispatch_init(const struct svc_route *routes, size_t n)
{
	svc_table = routes;
	svc_table_len = n;
}

/*
 * What a route is for (SVC_ROUTE_*): the probes and the scrape, which every
 * door has and which authentication, rate limits and fault knobs let pass,
 * or the service's work. Decided here, where the handlers are known, and
 * kept in the request's state for the layers below.
 */
static int
route_kind(const struct svc_route *r)
{
	if (r == NULL)
		return (SVC_ROUTE_NONE);
	if (r->handler == svc_health)
		return (SVC_ROUTE_HEALTH);
	if (r->handler == svc_metrics)
		return (SVC_ROUTE_METRICS);
	if (strcmp(r->pattern, "/ready") == 0)
		return (SVC_ROUTE_READY);
	return (SVC_ROUTE_WORK);
}

/*
 * The route of req's method and path, among those of the door it came
 * through (probe.c: the admin port serves /health, /ready and /metrics
 * alone; the public one all but /metrics). HEAD takes the GET route of
 * its path (RFC 9110 section 9.3.2: Kore sends the GET's headers, its
 * Content-Length included, and no body), so Allow lists HEAD after GET.
 */
static const struct svc_route *
route_find(struct http_request *req, struct svc_match *m, char *allow,
    size_t allowlen, int *path_known)
{
	size_t	i, len;
	int	method, admin;

	*path_known = 0;
	allow[0] = '\0';
	admin = svc_admin_door(req);
	for (i = 0; i < svc_table_len; i++) {
		/* The admin door has the probes alone; /metrics is its own. */
		if (admin ? route_kind(&svc_table[i]) == SVC_ROUTE_WORK :
		    svc_table[i].handler == svc_metrics)
			continue;
		if (!svc_route_match(svc_table[i].pattern, req->path, m))
			continue;
		method = svc_table[i].method;
		if (method == req->method || (method == HTTP_METHOD_GET &&
		    req->method == HTTP_METHOD_HEAD))
			return (&svc_table[i]);
		*path_known = 1;
		len = strlen(allow);
		(void)snprintf(allow + len, allowlen - len, "%s%s%s",
		    len > 0 ? ", " : "", http_method_text(method),
		    method == HTTP_METHOD_GET ? ", HEAD" : "");
	}
	return (NULL);
}

static void
request_finish(struct http_request *req, struct svc_request *sr, int aborted)
{
	if (sr->finished)
		return;
	sr->finished = 1;
	svc_trace_request_end(req, sr, aborted);
	if (svc_access_log)
		accesslog_write(req, sr, aborted);
}

/* Kore frees the request: the handler's state first, then its end. */
static void
request_free(struct http_request *req)
{
	struct svc_request	*sr = http_state_get(req);

	if (sr->timer != NULL) {
		kore_timer_remove(sr->timer);
		sr->timer = NULL;
	}
	request_joined_free(sr);
	if (sr->state != NULL) {
		if (sr->state_free != NULL)
			sr->state_free(req);
		kore_free(sr->state);
		sr->state = NULL;
	}
	request_finish(req, sr, 1);
}

/*
 * The catch-all Kore route of every service: per request, a SERVER span
 * and a JSON log line; the fault knobs; then the matching handler, or a
 * JSON 404 or 405.
 */
int
svc_dispatch(struct http_request *req)
{
	struct svc_request	*sr;
	struct svc_match	m;
	const struct svc_route	*route;
	char			allow[64];
	int			known, r;

	route = route_find(req, &m, allow, sizeof(allow), &known);

	if (!http_state_exists(req)) {
		sr = http_state_create(req, sizeof(*sr), request_free);
		sr->start_ns = svc_now_ns();
		sr->route = route;
		sr->kind = route_kind(route);
		svc_trace_request_begin(req, sr);
		if (route != NULL && (!svc_auth_check(req, sr) ||
		    !svc_ratelimit_check(req, sr))) {
			request_finish(req, sr, 0);
			return (KORE_RESULT_OK);
		}
		fault_decide(req, sr);
		if (sr->fault.latency_ms > 0) {
			sr->timer = kore_timer_add(fault_wake,
			    sr->fault.latency_ms, req, KORE_TIMER_ONESHOT);
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		}
	}
	sr = http_state_get(req);
	if (sr->timer != NULL) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}

	if (sr->fault.error_status != 0 && !sr->fault_replied) {
		sr->fault_replied = 1;
		svc_reply_error(req, (int)sr->fault.error_status,
		    sr->fault.outage ? "service_outage" : "fault_injected",
		    "%s: %s (a configured fault)", svc_name(),
		    sr->fault.outage ? "outage" : "injected error");
		request_finish(req, sr, 0);
		return (KORE_RESULT_OK);
	}

	if (route != NULL && !sr->probe && !sr->fault_replied &&
	    strcmp(route->pattern, "/ready") == 0 && !svc_admin_door(req) &&
	    svc_probe_public(req, sr)) {
		r = KORE_RESULT_OK;	/* answered from the last check */
	} else if (route != NULL) {
		r = route->handler(req, &m);
	} else if (known) {
		http_response_header(req, "allow", allow);
		svc_reply_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
		    "method_not_allowed", "%s is not allowed on %s (allowed: %s)",
		    http_method_text(req->method), req->path, allow);
		r = KORE_RESULT_OK;
	} else {
		svc_reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "no such resource: %s", req->path);
		r = KORE_RESULT_OK;
	}

	if (r != KORE_RESULT_RETRY) {
		if (sr->fault.lose_answer)
			fault_lose_answer(req);
		request_finish(req, sr, 0);
	}
	return (r);
}

