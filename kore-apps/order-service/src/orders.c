/* SPDX-License-Identifier: Apache-2.0 */
/*
 * order-service: owns orders. Creates an order for a reservation (once:
 * a retry with the same reservation id returns the first order), fetches
 * orders, cancels the order of a reservation when the gateway gives up
 * on it, and tells which reservations have an order (for the gateway's
 * sweeper). Its only caller is the api-gateway.
 */

#include <stdio.h>
#include <string.h>

#include "route.h"
#include "svc_auth.h"
#include "svc_db.h"
#include "svc_env.h"
#include "svc_hooks.h"
#include "svc_metrics.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_trace.h"
#include "validate.h"

#include <tracing.h>

#define DB		"orders"
#define LOOKUP_MAX	1000

struct lookup {
	char		*ids;		/* JSON text of the ids */
	struct svc_db	db;
};

struct create {
	struct tracing_span *span;	/* process_order */
	json_t		*body;
	char		*items;		/* JSON text of the items */
	char		reservation[80];
	char		user[24];
	char		trace[33];
	struct svc_db	db;
};

void		kore_worker_configure(void);

static int	create(struct http_request *, struct svc_match *);
static int	fetch(struct http_request *, struct svc_match *);
static int	cancel(struct http_request *, struct svc_match *);
static int	lookup(struct http_request *, struct svc_match *);
static int	ready(struct http_request *, struct svc_match *);

static const struct svc_route routes[] = {
	{ HTTP_METHOD_POST, "/v1/orders", create },
	{ HTTP_METHOD_GET, "/v1/orders/:id", fetch },
	{ HTTP_METHOD_POST, "/v1/reservations/:id/cancel-order", cancel },
	{ HTTP_METHOD_POST, "/v1/orders/lookup", lookup },
	{ HTTP_METHOD_GET, "/health", svc_health },
	{ HTTP_METHOD_GET, "/metrics", svc_metrics },
	{ HTTP_METHOD_GET, "/ready", ready },
};

void
kore_worker_configure(void)
{
	svc_init("order-service", routes,
	    sizeof(routes) / sizeof(routes[0]));
	/* Its own key alone when set; else the keys every callee takes. */
	svc_auth_require(svc_env_str("SERVICE_AUTH_ACCEPT_ORDER_SERVICE",
	    svc_env_str("SERVICE_AUTH_ACCEPT", "")));
	svc_db_register(DB, svc_env_str("ORDER_DB_CONNINFO",
	    "host=127.0.0.1 port=55432 dbname=orders user=tracing"
	    " connect_timeout=2 gssencmode=disable"));
}

static void
create_free(struct http_request *req)
{
	struct create	*st = svc_state_get(req);

	json_decref(st->body);
	free(st->items);
	svc_db_cleanup(&st->db);
	if (st->span != NULL) {
		(void)tracing_span_set_status(st->span, TRACING_STATUS_ERROR,
		    "the request ended first");
		svc_span_end(st->span);
	}
}

/* Ends process_order with what became of the order. */
static void
process_end(struct create *st, json_t *order, const char *error)
{
	if (st->span == NULL)
		return;
	if (order != NULL) {
		(void)tracing_span_set_str(st->span, "order.id",
		    json_string_value(json_object_get(order, "orderId")));
		(void)tracing_span_set_double(st->span, "order.total",
		    json_number_value(json_object_get(order, "total")));
		(void)tracing_span_set_str(st->span, "order.status",
		    json_string_value(json_object_get(order, "status")));
	}
	if (error != NULL)
		(void)tracing_span_set_status(st->span, TRACING_STATUS_ERROR,
		    error);
	svc_span_end(st->span);
	st->span = NULL;
}

/*
 * POST /v1/orders {"reservationId","userId","email","items":[{sku,
 * quantity,price}],"traceId"?}: 201 with the order, 200 with the existing
 * order of this reservation, 400 on invalid input.
 */
/* 400 for a field of the body: field, its message; 0 then. */
static int
create_refuse(struct http_request *req, struct create *st, const char *code,
    const char *field, const char *message, const char *why)
{
	process_end(st, NULL, why);
	svc_reply_error_obj(req, 400, code, message,
	    json_pack("{s:s}", "field", field));
	return (0);
}

/*
 * The order in the request's body, checked, under a process_order span,
 * and its statement prepared: 1; 0 when it is refused (answered).
 */
static int
create_begin(struct http_request *req, struct create *st)
{
	struct order_error	 err;
	const char		*s;
	json_t			*tid;

	/*
	 * process_order: the business logic of an order, a manual INTERNAL
	 * span with the order's own attributes; its SQL runs beneath it.
	 */
	st->span = svc_span_start(req, "process_order", TRACING_SPAN_INTERNAL);
	if (!order_validate(st->body, &err))
		return (create_refuse(req, st, err.code, err.field,
		    err.message, err.message));
	s = json_string_value(json_object_get(st->body, "reservationId"));
	if (s == NULL || *s == '\0' || strlen(s) >= sizeof(st->reservation))
		return (create_refuse(req, st, "invalid_field",
		    "reservationId", "reservationId must be a non-empty string",
		    "reservationId missing"));
	(void)snprintf(st->reservation, sizeof(st->reservation), "%s", s);
	(void)snprintf(st->user, sizeof(st->user), "%lld",
	    (long long)json_integer_value(json_object_get(st->body,
	    "userId")));
	/* Absent, empty (untraced), or 32 lower-case hex digits. */
	tid = json_object_get(st->body, "traceId");
	s = json_string_value(tid);
	if (tid != NULL && (s == NULL || (*s != '\0' && (strlen(s) != 32 ||
	    strspn(s, "0123456789abcdef") != 32))))
		return (create_refuse(req, st, "invalid_field", "traceId",
		    "traceId must be 32 lower-case hex digits",
		    "traceId malformed"));
	(void)snprintf(st->trace, sizeof(st->trace), "%s", s != NULL ? s : "");
	st->items = json_dumps(json_object_get(st->body, "items"),
	    JSON_COMPACT);
	if (st->span != NULL) {
		(void)tracing_span_set_int(st->span, "order.item_count",
		    (int64_t)json_array_size(json_object_get(st->body,
		    "items")));
		(void)tracing_span_set_int(st->span, "user.id",
		    (int64_t)json_integer_value(json_object_get(st->body,
		    "userId")));
		(void)tracing_span_set_str(st->span, "order.reservation_id",
		    st->reservation);
	}
	st->db.parent = st->span;
	svc_db_prepare(&st->db, DB, "SELECT created, body::text AS body"
	    " FROM create_order($1, $2::bigint, $3, $4::jsonb,"
	    " nullif($5, ''))");
	svc_db_param(&st->db, st->reservation);
	svc_db_param(&st->db, st->user);
	svc_db_param(&st->db, json_string_value(json_object_get(st->body,
	    "email")));
	svc_db_param(&st->db, st->items);
	svc_db_param(&st->db, st->trace);
	return (1);
}

static int
create(struct http_request *req, struct svc_match *m)
{
	struct create	*st;
	const char	*s, *created;
	json_t		*order;
	int		 rc;

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), create_free);
		if ((st->body = svc_body_json(req, 256 * 1024)) == NULL ||
		    !create_begin(req, st))
			return (KORE_RESULT_OK);
	}
	st = svc_state_get(req);

	if ((rc = svc_db_run(req, &st->db)) == SVC_DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (rc == SVC_DB_ERROR) {
		process_end(st, NULL, "the order could not be stored");
		svc_reply_db_error(req, &st->db);
		return (KORE_RESULT_OK);
	}

	s = svc_db_value(&st->db, 0, "body");
	if (s == NULL || (order = json_loads(s, 0, NULL)) == NULL) {
		process_end(st, NULL, "order creation returned nothing");
		svc_reply_error(req, 503, "database_error",
		    "order creation returned nothing");
		return (KORE_RESULT_OK);
	}
	created = svc_db_value(&st->db, 0, "created");
	if (st->span != NULL)
		(void)tracing_span_set_bool(st->span, "order.created",
		    created != NULL && *created == 't');
	process_end(st, order, NULL);
	svc_reply_json(req, created != NULL && *created == 't' ?
	    HTTP_STATUS_CREATED : HTTP_STATUS_OK, order);
	return (KORE_RESULT_OK);
}

static int
uuid_valid(const char *s)
{
	size_t	i;

	if (strlen(s) != 36)
		return (0);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return (0);
		} else if (strchr("0123456789abcdefABCDEF", s[i]) == NULL) {
			return (0);
		}
	}
	return (1);
}

/* GET /v1/orders/:id: 200 with the order, 404 if there is none. */
static int
fetch(struct http_request *req, struct svc_match *m)
{
	struct svc_db	*db;
	const char	*s;
	json_t		*order;
	int		rc;

	if (!svc_state_exists(req) && !uuid_valid(m->params[0])) {
		svc_reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "no such order: %s", m->params[0]);
		return (KORE_RESULT_OK);
	}
	if ((rc = svc_db_single(req, DB, "SELECT order_json($1::uuid)::text"
	    " AS body", m->params[0], &db)) == SVC_DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (rc == SVC_DB_ERROR) {
		svc_reply_db_error(req, db);
		return (KORE_RESULT_OK);
	}
	s = svc_db_value(db, 0, "body");
	if (s == NULL || (order = json_loads(s, 0, NULL)) == NULL) {
		svc_reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "no such order: %s", m->params[0]);
		return (KORE_RESULT_OK);
	}
	svc_reply_json(req, HTTP_STATUS_OK, order);
	return (KORE_RESULT_OK);
}

/*
 * POST /v1/reservations/:id/cancel-order: the gateway's compensation when
 * it could not confirm an order: 200 {"status":"cancelled"|"not_found"}.
 */
static int
cancel(struct http_request *req, struct svc_match *m)
{
	return (svc_db_reply_status(req, DB, "SELECT cancel_order_for($1) AS"
	    " status", m->params[0]));
}

/*
 * POST /v1/orders/lookup {"reservationIds":["...",...]} (1 to LOOKUP_MAX):
 * 200 {"orders":{"<reservation id>":"confirmed"|"cancelled",...}}, the
 * reservations that have an order; the others are left out.
 */
static void
lookup_free(struct http_request *req)
{
	struct lookup	*st = svc_state_get(req);

	free(st->ids);
	svc_db_cleanup(&st->db);
}

static int
lookup(struct http_request *req, struct svc_match *m)
{
	struct lookup	*st;
	json_t		*body, *ids, *id, *found, *row;
	size_t		 i, n;
	int		 rc;

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), lookup_free);
		if ((body = svc_body_json(req, 128 * 1024)) == NULL)
			return (KORE_RESULT_OK);
		ids = json_object_get(body, "reservationIds");
		n = json_array_size(ids);
		rc = json_is_array(ids) && n >= 1 && n <= LOOKUP_MAX;
		json_array_foreach(ids, i, id) {
			if (!json_is_string(id) || json_string_length(id) < 1 ||
			    json_string_length(id) >= 80)
				rc = 0;
		}
		if (!rc) {
			json_decref(body);
			svc_reply_error(req, 400, "invalid_field",
			    "reservationIds must be an array of 1 to %d strings"
			    " of 1 to 79 characters", LOOKUP_MAX);
			return (KORE_RESULT_OK);
		}
		st->ids = json_dumps(ids, JSON_COMPACT);
		json_decref(body);
		if (st->ids == NULL) {
			svc_reply_error(req, 500, "internal_error",
			    "cannot encode the ids");
			return (KORE_RESULT_OK);
		}
		svc_db_prepare(&st->db, DB, "SELECT reservation_id, status FROM"
		    " orders_of($1::jsonb)");
		svc_db_param(&st->db, st->ids);
	}
	st = svc_state_get(req);

	if ((rc = svc_db_answer(req, &st->db)) != SVC_DB_DONE)
		return (rc == SVC_DB_PENDING ? KORE_RESULT_RETRY : KORE_RESULT_OK);
	found = json_object();
	json_array_foreach(st->db.rows, i, row) {
		(void)json_object_set(found, json_string_value(
		    json_object_get(row, "reservation_id")),
		    json_object_get(row, "status"));
	}
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:o}", "orders",
	    found));
	return (KORE_RESULT_OK);
}

/* GET /ready: 200 when the database answers, 503 otherwise. */
static int
ready(struct http_request *req, struct svc_match *m)
{
	(void)m;
	return (svc_ready_db(req, DB));
}
