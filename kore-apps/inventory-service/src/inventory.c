/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inventory-service: owns stock. Reserves all items of an order or none
 * (one transaction of conditional updates, see conf/sql/inventory.sql),
 * releases a reservation (the gateway's compensation), lists the
 * reservations still held after a while (for the gateway's sweeper) and
 * answers stock lookups. Its only caller is the api-gateway.
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

#include "batch.h"

#include <tracing.h>

#define DB		"inventory"
#define ITEMS_MAX	100
#define HELD_MAX	1000

struct held {
	char		after_us[24];
	char		after_id[80];
	char		older_than_s[16];
	char		limit[8];
	struct svc_db	db;
};

struct reserve {
	json_t		*body;
	char		*skus;		/* PostgreSQL array literals */
	char		*qtys;
	char		id[80];
	struct svc_db	db;
	struct batch_member *member;	/* batched (batch.c) */
};

void		kore_worker_configure(void);

static int	reserve(struct http_request *, struct svc_match *);
static int	release(struct http_request *, struct svc_match *);
static int	held(struct http_request *, struct svc_match *);
static int	stock(struct http_request *, struct svc_match *);
static int	ready(struct http_request *, struct svc_match *);
static void	reserve_reply(struct http_request *, struct reserve *,
		    const char *);

static const struct svc_route routes[] = {
	{ HTTP_METHOD_POST, "/v1/reservations", reserve },
	{ HTTP_METHOD_POST, "/v1/reservations/:id/release", release },
	{ HTTP_METHOD_POST, "/v1/reservations/held", held },
	{ HTTP_METHOD_GET, "/v1/stock/:sku", stock },
	{ HTTP_METHOD_GET, "/health", svc_health },
	{ HTTP_METHOD_GET, "/metrics", svc_metrics },
	{ HTTP_METHOD_GET, "/ready", ready },
};

void
kore_worker_configure(void)
{
	svc_init("inventory-service", routes,
	    sizeof(routes) / sizeof(routes[0]));
	/* Its own key alone when set; else the keys every callee takes. */
	svc_auth_require(svc_env_str("SERVICE_AUTH_ACCEPT_INVENTORY_SERVICE",
	    svc_env_str("SERVICE_AUTH_ACCEPT", "")));
	batch_init(DB);
	svc_db_register(DB, svc_env_str("INVENTORY_DB_CONNINFO",
	    "host=127.0.0.1 port=55432 dbname=inventory user=tracing"
	    " connect_timeout=2 gssencmode=disable"));
}

/*
 * POST /v1/reservations
 * {"reservationId":"...","items":[{"sku":"SKU123","quantity":2},...]}
 * 201 {"reservationId","status":"reserved","items":[{sku,quantity,available}]}
 * 200 the same when this reservation already existed with these items;
 * 409 out_of_stock / unknown_sku with sku, requested, available;
 * 409 reservation_conflict when the id was used otherwise.
 */
static void
reserve_free(struct http_request *req)
{
	struct reserve	*st = svc_state_get(req);

	json_decref(st->body);
	kore_free(st->skus);
	kore_free(st->qtys);
	batch_leave(st->member);
	svc_db_cleanup(&st->db);
}

static int
reserve_parse(struct http_request *req, struct reserve *st)
{
	struct kore_buf	skus, qtys;
	json_t		*items, *it, *sku, *qty;
	const char	*id, *s;
	size_t		i, n, k;

	id = json_string_value(json_object_get(st->body, "reservationId"));
	if (id == NULL || strlen(id) == 0 || strlen(id) >= sizeof(st->id)) {
		svc_reply_error(req, 400, "invalid_field",
		    "reservationId must be a string of 1 to %zu characters",
		    sizeof(st->id) - 1);
		return (0);
	}
	(void)snprintf(st->id, sizeof(st->id), "%s", id);

	items = json_object_get(st->body, "items");
	n = json_array_size(items);
	if (!json_is_array(items) || n < 1 || n > ITEMS_MAX) {
		svc_reply_error(req, 400, "invalid_field",
		    "items must be an array of 1 to %d items", ITEMS_MAX);
		return (0);
	}

	kore_buf_init(&skus, 256);
	kore_buf_init(&qtys, 128);
	kore_buf_append(&skus, "{", 1);
	kore_buf_append(&qtys, "{", 1);
	json_array_foreach(items, i, it) {
		sku = json_object_get(it, "sku");
		qty = json_object_get(it, "quantity");
		s = json_string_value(sku);
		if (s == NULL || *s == '\0' || strlen(s) > 64 ||
		    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
		    "vwxyz0123456789_-") != strlen(s) || !json_is_integer(qty) ||
		    json_integer_value(qty) < 1 ||
		    json_integer_value(qty) > 1000) {
			kore_buf_cleanup(&skus);
			kore_buf_cleanup(&qtys);
			svc_reply_error(req, 400, "invalid_field",
			    "items[%zu] needs a sku of [A-Za-z0-9_-]{1,64} and"
			    " a quantity from 1 to 1000", i);
			return (0);
		}
		k = i > 0;
		kore_buf_appendf(&skus, "%s\"%s\"", k ? "," : "", s);
		kore_buf_appendf(&qtys, "%s%lld", k ? "," : "",
		    (long long)json_integer_value(qty));
	}
	kore_buf_append(&skus, "}", 2);
	kore_buf_append(&qtys, "}", 2);
	st->skus = kore_strdup((char *)skus.data);
	st->qtys = kore_strdup((char *)qtys.data);
	kore_buf_cleanup(&skus);
	kore_buf_cleanup(&qtys);

	return (1);
}

/*
 * Span events of a reservation on the request's SERVER span: per item
 * "stock.checked" (available before) and "stock.reserved" (after); for the
 * item that cannot be had, "out_of_stock" or "unknown_sku", and the span's
 * status becomes ERROR.
 */
static void
stock_event(struct http_request *req, const char *name, const char *sku,
    long long requested, long long available)
{
	struct tracing_span	*span = svc_request_get(req)->span;
	struct tracing_attr	a[3];
	char			desc[128];

	if (span == NULL || sku == NULL)
		return;
	a[0] = TRACING_ATTR_STR("inventory.sku", sku);
	a[1] = TRACING_ATTR_INTV("inventory.requested", requested);
	a[2] = TRACING_ATTR_INTV("inventory.available", available);
	(void)tracing_span_add_event(span, name, 0, a, 3);
	if (!strcmp(name, "out_of_stock") || !strcmp(name, "unknown_sku")) {
		(void)snprintf(desc, sizeof(desc), "%s: %s (requested %lld,"
		    " available %lld)", !strcmp(name, "out_of_stock") ?
		    "out of stock" : "unknown sku", sku, requested, available);
		(void)tracing_span_set_str(span, "error.type", name);
		(void)tracing_span_set_status(span, TRACING_STATUS_ERROR, desc);
	}
}

static int
reserve(struct http_request *req, struct svc_match *m)
{
	struct reserve	*st;
	const char	*status, *err;
	int		rc, unavailable;

	(void)m;

	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), reserve_free);
		if ((st->body = svc_body_json(req, 64 * 1024)) == NULL)
			return (KORE_RESULT_OK);
		if (!reserve_parse(req, st))
			return (KORE_RESULT_OK);
		svc_db_prepare(&st->db, DB,
		    "SELECT status, sku, requested, available"
		    " FROM reserve_stock($1, $2::text[], $3::int[])");
		svc_db_param(&st->db, st->id);
		svc_db_param(&st->db, st->skus);
		svc_db_param(&st->db, st->qtys);
		st->member = batch_join(req, st->id, st->skus, st->qtys);
	}
	st = svc_state_get(req);

	if (st->member != NULL) {
		/* Batched: its rows come back as the statement's would. */
		if (!batch_done(st->member))
			return (KORE_RESULT_RETRY);
		if ((err = batch_error(st->member, &unavailable)) != NULL) {
			(void)snprintf(st->db.error, sizeof(st->db.error), "%s",
			    err);
			st->db.unavailable = unavailable;
			svc_reply_db_error(req, &st->db);
			return (KORE_RESULT_OK);
		}
		if (st->db.rows == NULL)
			st->db.rows = json_incref(batch_rows(st->member));
	} else if ((rc = svc_db_answer(req, &st->db)) != SVC_DB_DONE)
		return (rc == SVC_DB_PENDING ? KORE_RESULT_RETRY : KORE_RESULT_OK);

	status = svc_db_value(&st->db, 0, "status");
	if (status == NULL) {
		svc_reply_error(req, 503, "database_error",
		    "reservation returned nothing");
		return (KORE_RESULT_OK);
	}
	reserve_reply(req, st, status);
	return (KORE_RESULT_OK);
}

/*
 * The answer of a reservation whose statement said status: 409 for an item
 * that cannot be had or a reservation id used before, else the items
 * reserved (201, or 200 when it existed), with the stock events.
 */
static void
reserve_reply(struct http_request *req, struct reserve *st, const char *status)
{
	json_t		*row, *items, *extra;
	size_t		i;

	if (!strcmp(status, "out_of_stock") || !strcmp(status, "unknown_sku")) {
		row = json_array_get(st->db.rows, 0);
		stock_event(req, status, svc_db_value(&st->db, 0, "sku"),
		    svc_db_int(&st->db, 0, "requested"),
		    svc_db_int(&st->db, 0, "available"));
		extra = json_pack("{s:O,s:I,s:I}",
		    "sku", json_object_get(row, "sku"),
		    "requested", svc_db_int(&st->db, 0, "requested"),
		    "available", svc_db_int(&st->db, 0, "available"));
		svc_reply_error_obj(req, HTTP_STATUS_CONFLICT, status,
		    !strcmp(status, "out_of_stock") ?
		    "not enough stock for this item" : "no such sku", extra);
		return;
	}
	if (!strcmp(status, "conflict")) {
		svc_reply_error(req, HTTP_STATUS_CONFLICT,
		    "reservation_conflict", "reservation %s was already used"
		    " for other items or released", st->id);
		return;
	}

	items = json_array();
	json_array_foreach(st->db.rows, i, row) {
		stock_event(req, "stock.checked", svc_db_value(&st->db,
		    (int)i, "sku"), svc_db_int(&st->db, (int)i, "requested"),
		    svc_db_int(&st->db, (int)i, "available") +
		    svc_db_int(&st->db, (int)i, "requested"));
		stock_event(req, !strcmp(status, "exists") ?
		    "stock.already_reserved" : "stock.reserved",
		    svc_db_value(&st->db, (int)i, "sku"),
		    svc_db_int(&st->db, (int)i, "requested"),
		    svc_db_int(&st->db, (int)i, "available"));
		json_array_append_new(items, json_pack("{s:O,s:I,s:I}",
		    "sku", json_object_get(row, "sku"),
		    "quantity", svc_db_int(&st->db, (int)i, "requested"),
		    "available", svc_db_int(&st->db, (int)i, "available")));
	}
	svc_reply_json(req, !strcmp(status, "exists") ? HTTP_STATUS_OK :
	    HTTP_STATUS_CREATED, json_pack("{s:s,s:s,s:o}",
	    "reservationId", st->id, "status", "reserved", "items", items));
}

/*
 * POST /v1/reservations/:id/release: 200 {"reservationId","status":
 * "released"|"not_reserved"}. Safe to repeat.
 */
static int
release(struct http_request *req, struct svc_match *m)
{
	return (svc_db_reply_status(req, DB, "SELECT release_reservation($1)"
	    " AS status", m->params[0]));
}

/*
 * POST /v1/reservations/held {"afterUs":N,"afterId":"...","olderThanS":N,
 * "limit":N}: 200 {"reservations":[{"id","createdUs"}]}, the reservations
 * still holding stock, made more than olderThanS seconds ago, after the
 * cursor (afterUs: microseconds since the epoch, then afterId), oldest
 * first, at most limit (1 to HELD_MAX). A query with a body rather than a
 * GET: Kore hands query strings only to declared parameters.
 */
static void
held_free(struct http_request *req)
{
	struct held	*st = svc_state_get(req);

	svc_db_cleanup(&st->db);
}

static int
held_parse(struct http_request *req, struct held *st)
{
	json_t		*body, *after_us, *older, *limit;
	const char	*after_id;
	int		 ok;

	if ((body = svc_body_json(req, 4096)) == NULL)
		return (0);
	after_us = json_object_get(body, "afterUs");
	after_id = json_string_value(json_object_get(body, "afterId"));
	older = json_object_get(body, "olderThanS");
	limit = json_object_get(body, "limit");
	ok = json_is_integer(after_us) && json_integer_value(after_us) >= 0 &&
	    after_id != NULL && strlen(after_id) < sizeof(st->after_id) &&
	    json_is_integer(older) && json_integer_value(older) >= 0 &&
	    json_integer_value(older) <= 365 * 86400 &&
	    json_is_integer(limit) && json_integer_value(limit) >= 1 &&
	    json_integer_value(limit) <= HELD_MAX;
	if (!ok) {
		json_decref(body);
		svc_reply_error(req, 400, "invalid_field", "needs afterUs (>= 0)"
		    ", afterId (a string under %zu characters), olderThanS"
		    " (0 to a year) and limit (1 to %d)", sizeof(st->after_id),
		    HELD_MAX);
		return (0);
	}
	(void)snprintf(st->after_us, sizeof(st->after_us), "%lld",
	    (long long)json_integer_value(after_us));
	(void)snprintf(st->after_id, sizeof(st->after_id), "%s", after_id);
	(void)snprintf(st->older_than_s, sizeof(st->older_than_s), "%lld",
	    (long long)json_integer_value(older));
	(void)snprintf(st->limit, sizeof(st->limit), "%lld",
	    (long long)json_integer_value(limit));
	json_decref(body);
	return (1);
}

static int
held(struct http_request *req, struct svc_match *m)
{
	struct held	*st;
	json_t		*list, *row;
	size_t		 i;
	int		 rc;

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), held_free);
		if (!held_parse(req, st))
			return (KORE_RESULT_OK);
		svc_db_prepare(&st->db, DB, "SELECT id, created_us FROM"
		    " held_reservations($1::bigint, $2, $3::int, $4::int)");
		svc_db_param(&st->db, st->after_us);
		svc_db_param(&st->db, st->after_id);
		svc_db_param(&st->db, st->older_than_s);
		svc_db_param(&st->db, st->limit);
	}
	st = svc_state_get(req);

	if ((rc = svc_db_answer(req, &st->db)) != SVC_DB_DONE)
		return (rc == SVC_DB_PENDING ? KORE_RESULT_RETRY : KORE_RESULT_OK);
	list = json_array();
	json_array_foreach(st->db.rows, i, row) {
		json_array_append_new(list, json_pack("{s:O,s:I}",
		    "id", json_object_get(row, "id"),
		    "createdUs", svc_db_int(&st->db, (int)i, "created_us")));
	}
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:o}",
	    "reservations", list));
	return (KORE_RESULT_OK);
}

/* GET /v1/stock/:sku: 200 {"sku","name","available"}, 404 unknown. */
static int
stock(struct http_request *req, struct svc_match *m)
{
	struct svc_db	*db;
	json_t		*row;
	int		rc;

	if ((rc = svc_db_single(req, DB, "SELECT sku, name, available FROM"
	    " stock WHERE sku = $1", m->params[0], &db)) == SVC_DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (rc == SVC_DB_ERROR) {
		svc_reply_db_error(req, db);
		return (KORE_RESULT_OK);
	}
	if ((row = json_array_get(db->rows, 0)) == NULL) {
		svc_reply_error(req, HTTP_STATUS_NOT_FOUND, "unknown_sku",
		    "no such sku: %s", m->params[0]);
		return (KORE_RESULT_OK);
	}
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:O,s:O,s:I}",
	    "sku", json_object_get(row, "sku"),
	    "name", json_object_get(row, "name"),
	    "available", svc_db_int(db, 0, "available")));
	return (KORE_RESULT_OK);
}

/* GET /ready: 200 when the database answers, 503 otherwise. */
static int
ready(struct http_request *req, struct svc_match *m)
{
	(void)m;
	return (svc_ready_db(req, DB));
}
