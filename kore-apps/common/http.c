/*
 * http.c: the front door of every service. One catch-all Kore route calls
 * svc_dispatch(), which matches the service's route table so that unknown
 * paths (404) and wrong methods (405) get the same JSON error shape as
 * everything else; plus JSON replies and bounded, typed request bodies.
 */

#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "svc.h"

static const char		*svc_service = "service";
static const struct svc_route	*svc_table;
static size_t			 svc_table_len;

static const char *
method_name(int method)
{
	return (http_method_text(method));
}

void
svc_routes_set(const char *service, const struct svc_route *routes, size_t n)
{
	svc_service = service;
	svc_table = routes;
	svc_table_len = n;
}

const char *
svc_name(void)
{
	return (svc_service);
}

int
svc_dispatch(struct http_request *req)
{
	struct svc_match	m;
	char			allow[64];
	size_t			i, len;
	int			path_known;

	path_known = 0;
	allow[0] = '\0';

	for (i = 0; i < svc_table_len; i++) {
		if (!svc_route_match(svc_table[i].pattern, req->path, &m))
			continue;
		if (svc_table[i].method == req->method)
			return (svc_table[i].handler(req, &m));
		path_known = 1;
		len = strlen(allow);
		(void)snprintf(allow + len, sizeof(allow) - len, "%s%s",
		    len > 0 ? ", " : "", method_name(svc_table[i].method));
	}

	if (path_known) {
		http_response_header(req, "allow", allow);
		svc_reply_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
		    "method_not_allowed", "%s is not allowed on %s (allowed: %s)",
		    method_name(req->method), req->path, allow);
	} else {
		svc_reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "no such resource: %s", req->path);
	}

	return (KORE_RESULT_OK);
}

void
svc_reply_json(struct http_request *req, int status, json_t *obj)
{
	char	*text;

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

const char *
svc_header(struct http_request *req, const char *name)
{
	const char	*value;

	if (!http_request_header(req, name, &value))
		return (NULL);
	return (value);
}

/*
 * Returns the request body parsed as a JSON object, or NULL after replying
 * 415 (not JSON), 413 (over max bytes) or 400 (malformed, with position).
 */
json_t *
svc_body_json(struct http_request *req, size_t max)
{
	const char	*ctype;
	json_error_t	jerr;
	json_t		*root;
	u_int8_t	*data;
	size_t		off;
	ssize_t		r;

	ctype = svc_header(req, "content-type");
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0 ||
	    (ctype[16] != '\0' && ctype[16] != ';' && ctype[16] != ' ')) {
		svc_reply_error(req, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported_media_type",
		    "the body must be application/json");
		return (NULL);
	}

	if (req->http_body_length > max) {
		svc_reply_error(req, HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE,
		    "body_too_large", "the body is %zu bytes; the limit is %zu",
		    req->http_body_length, max);
		return (NULL);
	}

	if (req->http_body_length == 0) {
		svc_reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_json",
		    "the body is empty");
		return (NULL);
	}

	data = kore_malloc(req->http_body_length);
	off = 0;
	while (off < req->http_body_length) {
		r = http_body_read(req, data + off,
		    req->http_body_length - off);
		if (r <= 0)
			break;
		off += (size_t)r;
	}

	root = json_loadb((const char *)data, off, JSON_REJECT_DUPLICATES,
	    &jerr);
	kore_free(data);

	if (root == NULL) {
		svc_reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_json",
		    "malformed JSON at line %d, column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return (NULL);
	}

	if (!json_is_object(root)) {
		json_decref(root);
		svc_reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_json",
		    "the body must be a JSON object");
		return (NULL);
	}

	return (root);
}

int
svc_health(struct http_request *req, struct svc_match *m)
{
	(void)m;
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s}",
	    "status", "ok", "service", svc_service));
	return (KORE_RESULT_OK);
}

void
svc_random_hex(char *out, size_t hexlen)
{
	u_int8_t	raw[64];
	size_t		i, n;

	n = hexlen / 2;
	if (n > sizeof(raw))
		n = sizeof(raw);
	if (getrandom(raw, n, 0) != (ssize_t)n)
		fatal("getrandom: %s", errno_s);
	for (i = 0; i < n; i++)
		(void)snprintf(out + i * 2, 3, "%02x", raw[i]);
	out[n * 2] = '\0';
}

u_int64_t
svc_now_ms(void)
{
	return (kore_time_ms());
}
