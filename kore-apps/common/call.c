/* SPDX-License-Identifier: Apache-2.0 */
/*
 * call.c: one outbound HTTP call with a JSON body from inside a request,
 * through Kore's async curl client: the request sleeps until the answer or
 * the call's own timeout, and the worker serves others meanwhile. A call
 * can also run without a request (svc_call_detached), with a callback.
 */

#include <stdlib.h>
#include <string.h>

#include <tracing.h>

#include "strbuf.h"
#include "svc_auth.h"
#include "svc_call.h"
#include "svc_env.h"
#include "svc_request.h"
#include "svc_trace.h"

static long	upstream_idle_s = -1;
static int	kick_pending;

/*
 * Kore 4.1 only drives a newly added curl handle at the top of its next
 * event-loop turn, and with requests in flight and no timer due that turn
 * waits up to 100 ms for events: every call would start 100 ms late. A
 * timer due now makes the next turn come at once.
 */
static void
call_kick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	kick_pending = 0;
}

static void
header_set(void *carrier, const char *name, const char *value)
{
	kore_curl_http_set_header(carrier, name, value);
}

/* The CLIENT span of a call: "POST /v1/orders", under parent. */
static void
call_span_start(struct tracing_span *parent, struct svc_call *call,
    int method, const char *url, const char *tmpl)
{
	struct tracing_attr	a[4];
	char			name[160], host[256];
	const char		*p, *end;
	long			port;
	size_t			len;

	len = 0;
	svc_put(name, sizeof(name), &len, http_method_text(method),
	    strlen(http_method_text(method)));
	if (tmpl != NULL) {
		svc_put(name, sizeof(name), &len, " ", 1);
		svc_put(name, sizeof(name), &len, tmpl, strlen(tmpl));
	}
	if ((call->span = svc_span_child(parent, name, TRACING_SPAN_CLIENT)) ==
	    NULL || !tracing_span_is_recording(call->span))
		return;

	a[0] = TRACING_ATTR_STR("http.request.method",
	    http_method_text(method));
	a[1] = TRACING_ATTR_STR("url.full", url);
	(void)tracing_span_set_attrs(call->span, a, 2);

	/* server.address and server.port from "scheme://host[:port]/..." */
	if ((p = strstr(url, "://")) == NULL)
		return;
	p += 3;
	end = p + strcspn(p, "/?#");
	len = (size_t)(end - p);
	if (len == 0 || len >= sizeof(host))
		return;
	memcpy(host, p, len);
	host[len] = '\0';
	port = strncmp(url, "https", 5) == 0 ? 443 : 80;
	if ((p = strrchr(host, ':')) != NULL && strchr(host, ']') < p) {
		port = strtol(p + 1, NULL, 10);
		host[p - host] = '\0';
	}
	(void)tracing_span_set_str(call->span, "server.address", host);
	(void)tracing_span_set_int(call->span, "server.port", port);
}

static void
call_span_end(struct svc_call *call)
{
	char	code[24];

	if (call->span == NULL)
		return;
	if (call->status != 0) {
		(void)tracing_span_set_int(call->span,
		    "http.response.status_code", call->status);
		if (call->status >= 400) {
			(void)snprintf(code, sizeof(code), "%ld", call->status);
			(void)tracing_span_set_str(call->span, "error.type",
			    code);
			(void)tracing_span_set_status(call->span,
			    TRACING_STATUS_ERROR, NULL);
		}
	} else {
		(void)tracing_span_set_str(call->span, "error.type",
		    call->timed_out ? "timeout" : "transport");
		(void)tracing_span_set_status(call->span, TRACING_STATUS_ERROR,
		    call->error);
	}
	svc_span_end(call->span);
	call->span = NULL;
}

void
svc_curl_kick(void)
{
	if (!kick_pending) {
		kick_pending = 1;
		(void)kore_timer_add(call_kick, 0, NULL, KORE_TIMER_ONESHOT);
	}
}

/*
 * Sets the call up: URL, body, headers, the CLIENT span under parent with
 * the trace context (and ctx's baggage and tracestate, when there is one),
 * timeouts. Returns KORE_RESULT_ERROR if it could not (call->error).
 */
static int
call_setup(struct svc_call *call, int method, const char *url,
    const char *tmpl, json_t *body, long timeout_ms,
    struct tracing_span *parent, struct tracing_context *ctx)
{
	char	*text;

	svc_call_cleanup(call);
	memset(call, 0, sizeof(*call));

	if (upstream_idle_s == -1)
		upstream_idle_s = svc_env_int("UPSTREAM_IDLE_S", 4, 0, 3600);

	if (!kore_curl_init(&call->curl, url, KORE_CURL_ASYNC)) {
		(void)snprintf(call->error, sizeof(call->error),
		    "cannot set up a call to %s", url);
		return (KORE_RESULT_ERROR);
	}

	text = NULL;
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL) {
		kore_curl_cleanup(&call->curl);
		(void)snprintf(call->error, sizeof(call->error),
		    "cannot encode the request body");
		return (KORE_RESULT_ERROR);
	}

	/*
	 * The body goes in as copied POST fields rather than Kore's read
	 * callback, so that curl can send it again when a kept-alive
	 * connection turns out to be closed.
	 */
	kore_curl_http_setup(&call->curl, method, NULL, 0);
	svc_auth_sign(&call->curl, method, url, text,
	    text != NULL ? strlen(text) : 0);
	if (text != NULL) {
		curl_easy_setopt(call->curl.handle, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(text));
		curl_easy_setopt(call->curl.handle, CURLOPT_COPYPOSTFIELDS,
		    text);
		free(text);
	}

	if (body != NULL)
		kore_curl_http_set_header(&call->curl, "content-type",
		    "application/json");
	kore_curl_http_set_header(&call->curl, "accept", "application/json");

	call_span_start(parent, call, method, url, tmpl);
	(void)tracing_inject(svc_tracing_provider(), call->span, ctx,
	    header_set, &call->curl);

	curl_easy_setopt(call->curl.handle, CURLOPT_TIMEOUT_MS, timeout_ms);
	/*
	 * Kore closes a kept-alive connection that stays idle for
	 * http_keepalive_time (60 s, 30 s in production: the timeout its
	 * answers announce); a request sent on it just then would find it
	 * closed. Never reuse a connection idle for longer than
	 * UPSTREAM_IDLE_S.
	 */
	curl_easy_setopt(call->curl.handle, CURLOPT_MAXAGE_CONN, upstream_idle_s);
	curl_easy_setopt(call->curl.handle, CURLOPT_CONNECTTIMEOUT_MS,
	    timeout_ms < 1000 ? timeout_ms : 1000);
	return (KORE_RESULT_OK);
}

/*
 * Starts the call and puts req to sleep; the caller returns
 * KORE_RESULT_RETRY and calls svc_call_finish() when svc_call_done() says
 * so. A CLIENT span named after method and tmpl (the path's template, or
 * NULL) covers it, and the request's trace context (traceparent,
 * tracestate, baggage) goes with it. body is borrowed. Returns
 * KORE_RESULT_ERROR if the call could not even start (call->error).
 */
int
svc_call_start(struct http_request *req, struct svc_call *call, int method,
    const char *url, const char *tmpl, json_t *body, long timeout_ms)
{
	struct svc_request	*sr;

	sr = svc_request_get(req);
	if (!call_setup(call, method, url, tmpl, body, timeout_ms,
	    sr != NULL ? sr->span : NULL, sr != NULL ? sr->ctx : NULL))
		return (KORE_RESULT_ERROR);

	kore_curl_bind_request(&call->curl, req);
	kore_curl_run(&call->curl);
	call->active = 1;
	svc_curl_kick();

	return (KORE_RESULT_OK);
}

static void
call_detached_done(struct kore_curl *curl, void *arg)
{
	struct svc_call	*call = arg;

	(void)curl;
	svc_call_finish(call);
	call->done(call, call->done_arg);
}

/*
 * The same call with no request (one that must outlive its request): its
 * CLIENT span goes under parent (NULL: none), with ctx's baggage and
 * tracestate when there is one (a request's, borrowed for the start), and
 * done(call, arg) runs once it has finished, svc_call_finish() already
 * done; done may free the call.
 * The call must stay put until then. Returns KORE_RESULT_ERROR, without
 * calling done, if it could not start (call->error).
 */
int
svc_call_detached(struct svc_call *call, int method, const char *url,
    const char *tmpl, json_t *body, long timeout_ms,
    struct tracing_span *parent, struct tracing_context *ctx,
    void (*done)(struct svc_call *, void *), void *arg)
{
	if (!call_setup(call, method, url, tmpl, body, timeout_ms, parent,
	    ctx))
		return (KORE_RESULT_ERROR);
	call->done = done;
	call->done_arg = arg;
	kore_curl_bind_callback(&call->curl, call_detached_done, call);
	kore_curl_run(&call->curl);
	call->active = 1;
	svc_curl_kick();
	return (KORE_RESULT_OK);
}

/*
 * Returns 1 when the call has finished (Kore's curl layer drops the easy
 * handle then). When it has not, puts req back to sleep: the request is
 * woken by whichever of its calls finishes first.
 */
int
svc_call_done(struct http_request *req, struct svc_call *call)
{
	if (!call->active || call->curl.handle == NULL)
		return (1);
	http_request_sleep(req);
	return (0);
}

/* Collects the outcome of a finished call: status, parsed body, error. */
void
svc_call_finish(struct svc_call *call)
{
	const u_int8_t	*data;
	size_t		len;

	if (!call->active)
		return;

	if (kore_curl_success(&call->curl)) {
		call->status = call->curl.http.status;
		kore_curl_response_as_bytes(&call->curl, &data, &len);
		if (len > 0)
			call->body = json_loadb((const char *)data, len, 0,
			    NULL);
	} else {
		call->status = 0;
		call->timed_out =
		    call->curl.result == CURLE_OPERATION_TIMEDOUT;
		(void)snprintf(call->error, sizeof(call->error), "%s",
		    kore_curl_strerror(&call->curl));
	}

	kore_curl_cleanup(&call->curl);
	call->active = 0;
	call_span_end(call);
}

void
svc_call_cleanup(struct svc_call *call)
{
	if (call->active) {
		kore_curl_cleanup(&call->curl);
		call->active = 0;
		(void)snprintf(call->error, sizeof(call->error),
		    "abandoned: the request ended first");
		call_span_end(call);
	}
	if (call->body != NULL) {
		json_decref(call->body);
		call->body = NULL;
	}
}
