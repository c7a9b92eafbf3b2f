/* SPDX-License-Identifier: Apache-2.0 */
/*
 * w3c-test-service: the test service the official W3C trace-context test
 * harness drives (github.com/w3c/trace-context, test/). POST /test with a
 * JSON list of {"url", "arguments"}: for each entry, in order, POST
 * arguments as the JSON body to url, carrying the trace context extracted
 * from this request (the front door's SERVER span; each call gets a CLIENT
 * span under it, and traceparent/tracestate go out from that span). It
 * calls loopback URLs only (127.0.0.0/8, [::1], localhost) unless
 * W3C_CALL_ANY_HOST=1: whoever reaches it cannot make it call elsewhere.
 */

#include <string.h>
#include <strings.h>

#include "route.h"
#include "svc_call.h"
#include "svc_env.h"
#include "svc_hooks.h"
#include "svc_metrics.h"
#include "svc_reply.h"
#include "svc_request.h"

#define CALLS_MAX	64
#define BODY_MAX	(256 * 1024)

struct harness {
	json_t		*list;
	size_t		next;
	struct svc_call	call;
};

void		kore_worker_configure(void);

static int	run_test(struct http_request *, struct svc_match *);

static const struct svc_route routes[] = {
	{ HTTP_METHOD_POST, "/test", run_test },
	{ HTTP_METHOD_GET, "/health", svc_health },
	{ HTTP_METHOD_GET, "/metrics", svc_metrics },
	{ HTTP_METHOD_GET, "/ready", svc_health },
};

static long	call_timeout_ms;
static int	call_any_host;

void
kore_worker_configure(void)
{
	svc_init("w3c-test-service", routes, sizeof(routes) / sizeof(routes[0]));
	call_timeout_ms = svc_env_int("W3C_CALL_TIMEOUT_MS", 5000, 1, 600000);
	call_any_host = svc_env_int("W3C_CALL_ANY_HOST", 0, 0, 1);
}

/* Is the host of an http:// URL a loopback one? */
static int
url_loopback(const char *url)
{
	const char	*h = url + 7;
	size_t		n;

	/* user@host: what looks like the host may be user information. */
	n = strcspn(h, "/?#");
	if (memchr(h, '@', n) != NULL)
		return (0);
	n = strcspn(h, ":/?#");
	if (h[0] == '[')
		return (strncmp(h, "[::1]", 5) == 0 &&
		    (h[5] == '\0' || strchr(":/?#", h[5]) != NULL));
	if (n == 9 && strncasecmp(h, "localhost", 9) == 0)
		return (1);
	/* 127.a.b.c, digits and dots only. */
	if (n < 9 || strncmp(h, "127.", 4) != 0 ||
	    strspn(h, "0123456789.") != n)
		return (0);
	return (1);
}

static void
harness_free(struct http_request *req)
{
	struct harness	*st = svc_state_get(req);

	json_decref(st->list);
	svc_call_cleanup(&st->call);
}

static int
run_test(struct http_request *req, struct svc_match *m)
{
	struct harness	*st;
	json_t		*body, *item;
	const char	*url;
	size_t		i;

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), harness_free);
		/* The body is a list, which svc_body_json refuses. */
		body = NULL;
		if (req->http_body_length > 0 &&
		    req->http_body_length <= BODY_MAX) {
			u_int8_t	*buf;
			ssize_t		r;
			size_t		off = 0;

			buf = kore_malloc(req->http_body_length);
			while (off < req->http_body_length &&
			    (r = http_body_read(req, buf + off,
			    req->http_body_length - off)) > 0)
				off += (size_t)r;
			body = json_loadb((const char *)buf, off, 0, NULL);
			kore_free(buf);
		}
		if (!json_is_array(body) || json_array_size(body) > CALLS_MAX) {
			json_decref(body);
			svc_reply_error(req, HTTP_STATUS_BAD_REQUEST,
			    "invalid_json", "the body must be a list of at most"
			    " %d {\"url\", \"arguments\"} objects", CALLS_MAX);
			return (KORE_RESULT_OK);
		}
		json_array_foreach(body, i, item) {
			url = json_string_value(json_object_get(item, "url"));
			if (url == NULL || strncmp(url, "http://", 7) != 0) {
				json_decref(body);
				svc_reply_error(req, HTTP_STATUS_BAD_REQUEST,
				    "invalid_field", "entry %zu needs an http://"
				    " url", i);
				return (KORE_RESULT_OK);
			}
			if (!call_any_host && !url_loopback(url)) {
				json_decref(body);
				svc_reply_error(req, HTTP_STATUS_FORBIDDEN,
				    "host_not_allowed", "entry %zu: this service"
				    " calls loopback URLs only"
				    " (W3C_CALL_ANY_HOST=1 lifts that)", i);
				return (KORE_RESULT_OK);
			}
		}
		st->list = body;
	}
	st = svc_state_get(req);

	for (;;) {
		if (st->call.active) {
			if (!svc_call_done(req, &st->call))
				return (KORE_RESULT_RETRY);
			svc_call_finish(&st->call);
			st->next++;
		}
		if (st->next >= json_array_size(st->list))
			break;
		item = json_array_get(st->list, st->next);
		body = json_object_get(item, "arguments");
		if (!svc_call_start(req, &st->call, HTTP_METHOD_POST,
		    json_string_value(json_object_get(item, "url")), NULL,
		    body != NULL ? body : json_null(), call_timeout_ms)) {
			st->next++;
			continue;
		}
		return (KORE_RESULT_RETRY);
	}

	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:I}", "calls",
	    (json_int_t)json_array_size(st->list)));
	return (KORE_RESULT_OK);
}
