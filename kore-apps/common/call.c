/*
 * call.c: one outbound HTTP call with a JSON body from inside a request,
 * through Kore's async curl client: the request sleeps until the answer or
 * the call's own timeout, and the worker serves others meanwhile.
 */

#include <string.h>

#include "svc.h"

static long	upstream_idle_s = -1;

/*
 * Starts the call and puts req to sleep; the caller returns
 * HTTP_STATE_RETRY and calls svc_call_finish() when the request runs again.
 * body is borrowed; headers is NULL or a NULL-terminated name/value list.
 * Returns KORE_RESULT_ERROR if the call could not even start (call->error).
 */
int
svc_call_start(struct http_request *req, struct svc_call *call, int method,
    const char *url, json_t *body, long timeout_ms,
    const char *const *headers)
{
	char	*text;
	size_t	i;

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
	if (body != NULL && (text = json_dumps(body, JSON_COMPACT)) == NULL) {
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
	for (i = 0; headers != NULL && headers[i] != NULL &&
	    headers[i + 1] != NULL; i += 2)
		kore_curl_http_set_header(&call->curl, headers[i],
		    headers[i + 1]);

	curl_easy_setopt(call->curl.handle, CURLOPT_TIMEOUT_MS, timeout_ms);
	/*
	 * Kore answers 408 and closes a kept-alive connection that stays
	 * idle for http_header_timeout (10 s in our configurations); a
	 * request sent on it just then would read that 408. Never reuse a
	 * connection idle for longer than UPSTREAM_IDLE_S.
	 */
	curl_easy_setopt(call->curl.handle, CURLOPT_MAXAGE_CONN, upstream_idle_s);
	curl_easy_setopt(call->curl.handle, CURLOPT_CONNECTTIMEOUT_MS,
	    timeout_ms < 1000 ? timeout_ms : 1000);

	kore_curl_bind_request(&call->curl, req);
	kore_curl_run(&call->curl);
	call->active = 1;

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
}

void
svc_call_cleanup(struct svc_call *call)
{
	if (call->active) {
		kore_curl_cleanup(&call->curl);
		call->active = 0;
	}
	if (call->body != NULL) {
		json_decref(call->body);
		call->body = NULL;
	}
}
