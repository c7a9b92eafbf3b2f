/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reply.c: the services' answers: JSON bodies, the error shape every error
 * has ({"error": {"code", "message", ...}}), and GET /health.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_identity.h"
#include "svc_reply.h"
#include "svc_request.h"

/* Where a public /ready's real answer goes (svc_reply_on_probe). */
static void	(*probe_answer)(struct http_request *, int);

void
svc_reply_on_probe(void (*fn)(struct http_request *, int))
{
	probe_answer = fn;
}

void
svc_reply_json(struct http_request *req, int status, json_t *obj)
{
	struct svc_request	*sr;
	char			*text;

	/* The public /ready's real check: kept, answered minimal. */
	if (http_state_exists(req) && (sr = http_state_get(req)) != NULL &&
	    sr->probe && probe_answer != NULL) {
		sr->probe = 0;
		json_decref(obj);
		probe_answer(req, status);
		return;
	}

	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);

	http_response_header(req, "content-type", "application/json");
	if (text == NULL) {
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return;
	}
	http_response(req, status, text, strlen(text));
	free(text);
}

void
svc_reply_error_obj(struct http_request *req, int status, const char *code,
    const char *message, json_t *extra)
{
	json_t	*err;

	err = json_object();
	json_object_set_new(err, "code", json_string(code));
	json_object_set_new(err, "message", json_string(message));
	if (extra != NULL) {
		(void)json_object_update_missing(err, extra);
		json_decref(extra);
	}
	svc_reply_json(req, status, json_pack("{s:o}", "error", err));
}

void
svc_reply_error(struct http_request *req, int status, const char *code,
    const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	svc_reply_error_obj(req, status, code, msg, NULL);
}

int
svc_health(struct http_request *req, struct svc_match *m)
{
	(void)m;
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s}",
	    "status", "ok", "service", svc_name()));
	return (KORE_RESULT_OK);
}
