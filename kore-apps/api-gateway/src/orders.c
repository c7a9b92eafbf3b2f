/* SPDX-License-Identifier: Apache-2.0 */
/*
 * orders.c: the gateway's order handlers. POST /api/orders checks the body
 * and the Idempotency-Key, starts the order's saga (saga.c) and sleeps
 * until it ends, then answers what it decided; a client that hangs up
 * first leaves the saga to finish alone. GET /api/orders/:id reads an order
 * from order-service. docs/api.md has the contract.
 */

#include <stdio.h>
#include <string.h>

#include "route.h"
#include "svc_call.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "validate.h"

#include "gateway.h"

struct post {
	struct saga	*saga;
};

struct proxy {
	char		id[96];
	struct svc_call	call;
};

static void
post_free(struct http_request *req)
{
	struct post	*st = svc_state_get(req);

	if (st->saga != NULL)
		saga_detach(st->saga, req);
}

/*
 * The Idempotency-Key header, when there is one: 1 to 255 visible ASCII
 * characters. Returns 0 (and answers 400) if it is malformed.
 */
static int
idem_key(struct http_request *req, const char **key)
{
	size_t	i, len;

	if ((*key = svc_header(req, "idempotency-key")) == NULL)
		return (1);
	len = strlen(*key);
	for (i = 0; i < len; i++) {
		if ((*key)[i] < 0x21 || (*key)[i] > 0x7e)
			break;
	}
	if (len == 0 || len > 255 || i != len) {
		svc_reply_error_obj(req, HTTP_STATUS_BAD_REQUEST,
		    "invalid_header", "Idempotency-Key must be 1 to 255"
		    " visible ASCII characters",
		    json_pack("{s:s}", "field", "Idempotency-Key"));
		return (0);
	}
	return (1);
}

/* POST /api/orders */
int
orders_post(struct http_request *req, struct svc_match *m)
{
	struct order_error	 err;
	struct post		*st;
	const char		*key;
	json_t			*body;
	char			 hash[65];

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), post_free);
		if ((body = svc_body_json(req, gw.body_max)) == NULL)
			return (KORE_RESULT_OK);
		if (!order_validate(body, &err)) {
			svc_reply_error_obj(req, HTTP_STATUS_BAD_REQUEST,
			    err.code, err.message,
			    json_pack("{s:s}", "field", err.field));
			json_decref(body);
			return (KORE_RESULT_OK);
		}
		if (!idem_key(req, &key)) {
			json_decref(body);
			return (KORE_RESULT_OK);
		}
		if (key != NULL)
			http_body_digest(req, hash, sizeof(hash));
		st->saga = saga_start(req, body, key, key != NULL ? hash :
		    NULL);
	}
	st = svc_state_get(req);
	if (!saga_finished(st->saga)) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	saga_reply(req, st->saga);
	st->saga = NULL;
	return (KORE_RESULT_OK);
}

static void
proxy_free(struct http_request *req)
{
	struct proxy	*st = svc_state_get(req);

	svc_call_cleanup(&st->call);
}

/* GET /api/orders/:id: the stored order, 404 if none. */
int
orders_get(struct http_request *req, struct svc_match *m)
{
	struct proxy	*st;
	char		url[512];

	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), proxy_free);
		(void)snprintf(st->id, sizeof(st->id), "%s", m->params[0]);
		(void)snprintf(url, sizeof(url), "%s/v1/orders/%s", gw.order,
		    st->id);
		if (!svc_call_start(req, &st->call, HTTP_METHOD_GET, url,
		    "/v1/orders/{id}", NULL, gw.order_ms)) {
			svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
			    "order_service_unavailable", "%s", st->call.error);
			return (KORE_RESULT_OK);
		}
		return (KORE_RESULT_RETRY);
	}
	st = svc_state_get(req);
	if (!svc_call_done(req, &st->call))
		return (KORE_RESULT_RETRY);
	svc_call_finish(&st->call);

	if (st->call.status == 200 && st->call.body != NULL) {
		/* The reservation is the services' business, not the client's. */
		(void)json_object_del(st->call.body, "reservationId");
		svc_reply_json(req, HTTP_STATUS_OK, json_incref(st->call.body));
	} else if (st->call.status == 404) {
		svc_reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "no such order: %s", st->id);
	} else {
		svc_reply_error(req, st->call.timed_out ?
		    HTTP_STATUS_GATEWAY_TIMEOUT :
		    HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "order_service_unavailable",
		    "the order service cannot answer now");
	}
	return (KORE_RESULT_OK);
}
