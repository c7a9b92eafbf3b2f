/* SPDX-License-Identifier: Apache-2.0 */
/*
 * request.c: what a handler reads of its request and keeps with it: its
 * own state (svc_state_*, freed with the request), the front door's
 * svc_request, headers (one line, or every line joined), and the body as
 * a bounded JSON object.
 */

#include <string.h>
#include <strings.h>

#include "svc_reply.h"
#include "svc_request.h"

/* A header's lines joined (svc_header_join), owned by the request. */
struct svc_joined {
	struct svc_joined	*next;
	char			value[];
};

void
request_joined_free(struct svc_request *sr)
{
	struct svc_joined	*j;

	while ((j = sr->joined) != NULL) {
		sr->joined = j->next;
		kore_free(j);
	}
}

void *
svc_state_create(struct http_request *req, size_t len,
    void (*onfree)(struct http_request *))
{
	struct svc_request	*sr = http_state_get(req);

	sr->state = kore_calloc(1, len);
	sr->state_free = onfree;
	return (sr->state);
}

void *
svc_state_get(struct http_request *req)
{
	struct svc_request	*sr = http_state_get(req);

	return (sr->state);
}

int
svc_state_exists(struct http_request *req)
{
	return (svc_state_get(req) != NULL);
}

struct svc_request *
svc_request_get(struct http_request *req)
{
	return (http_state_get(req));
}

/* The first line of a header, or NULL. */
const char *
svc_header(struct http_request *req, const char *name)
{
	const char	*value;

	if (!http_request_header(req, name, &value))
		return (NULL);
	return (value);
}

/*
 * Every line of a header, joined with "," in their order (RFC 9110
 * section 5.3: the lines of a list-valued field are one list): the line
 * itself when there is one, else a copy the request keeps until it ends.
 * NULL when the header is absent. Lines are bounded by http_header_max.
 */
const char *
svc_header_join(struct http_request *req, const char *name)
{
	struct http_header	*hdr;
	struct svc_request	*sr;
	struct svc_joined	*j;
	const char		*first;
	size_t			lines, len, o, n;

	first = NULL;
	lines = 0;
	len = 0;
	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		if (strcasecmp(hdr->header, name))
			continue;
		if (first == NULL)
			first = hdr->value;
		lines++;
		len += strlen(hdr->value) + 1;
	}
	if (lines <= 1 || (sr = http_state_get(req)) == NULL)
		return (first);

	j = kore_malloc(sizeof(*j) + len);
	o = 0;
	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		if (strcasecmp(hdr->header, name))
			continue;
		if (o > 0)
			j->value[o++] = ',';
		n = strlen(hdr->value);
		memcpy(j->value + o, hdr->value, n);
		o += n;
	}
	j->value[o] = '\0';
	j->next = sr->joined;
	sr->joined = j;
	return (j->value);
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
