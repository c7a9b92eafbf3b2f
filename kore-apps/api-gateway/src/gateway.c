/*
 * api-gateway: the public API. POST /api/orders runs the order flow as a
 * state machine on one request: claim the Idempotency-Key, reserve stock
 * (inventory-service), create the order (order-service), ask for the
 * confirmation e-mail (notification-service), answer. Every outbound call
 * is async with its own timeout; when order creation fails after stock was
 * reserved, the order is cancelled and the reservation released
 * (compensation). A client that hangs up does not leave the flow half
 * done: what is left runs on its own once the request is gone (struct
 * orphan). GET /api/orders/:id reads an order.
 */

#include <stdio.h>
#include <string.h>

#include "svc.h"
#include "sweep.h"
#include "validate.h"

#include <tracing.h>

#define DB		"gateway"

enum step {
	STEP_IDEM_CLAIM,
	STEP_RESERVE,
	STEP_CREATE,
	STEP_NOTIFY,
	STEP_CANCEL,
	STEP_RELEASE,
	STEP_IDEM_STORE,
	STEP_IDEM_ABANDON,
	STEP_REPLY,
};

struct flow {
	enum step	step;
	int		started;
	json_t		*body;
	struct svc_db	db;
	struct svc_call	call;

	char		reservation[40];
	char		trace_id[33];
	char		idem_key[256];
	char		body_hash[65];
	char		status_text[8];
	int		has_idem;

	json_t		*order;
	json_t		*notification;

	int		status;		/* the answer */
	json_t		*answer;
	char		*answer_text;
	char		location[128];
	int		replayed;
};

/*
 * The rest of a flow whose client hung up, run without the request. Before
 * the order exists: cancel the order of the reservation (when its creation
 * was asked for; a late create then finds it cancelled), release the
 * reservation, and drop the Idempotency-Key claim (a retry starts afresh).
 * Once the order exists it stands, as one whose 201 was lost: its 201 is
 * stored for the Idempotency-Key (a retry replays it). The e-mail is not
 * sent again (the notification service may have it already): that answer
 * says {"sent": false, "error": "client_gone"}, outcome unknown.
 * A client gone while the key was being claimed: the claim is dropped if
 * it is ours (claims have owners, the reservation id). Calls are tried up
 * to ORPHAN_TRIES times, ORPHAN_RETRY_MS apart; an order that cannot be
 * cancelled keeps its stock and its claim (never oversold).
 */
#define ORPHAN_TRIES		3
#define ORPHAN_RETRY_MS		1000

enum orphan_step {
	ORPHAN_CANCEL,
	ORPHAN_RELEASE,
	ORPHAN_IDEM_STORE,
	ORPHAN_IDEM_DROP,
};

struct orphan {
	enum orphan_step	 step;
	int			 tries;
	char			 reservation[40];
	char			 idem_key[256];
	int			 has_idem;
	int			 status;	/* the answer to store */
	char			 status_text[8];
	char			*answer_text;
	char			 location[128];
	struct svc_call		 call;
	struct svc_db		 db;
	struct tracing_span	*span;
	void			(*done)(void *, int);	/* the sweeper's */
	void			*done_arg;
};

/* Orphans running: a stopping worker waits for them (svc_drain). */
static size_t	orphans;

struct proxy {
	char		id[96];
	struct svc_call	call;
};

struct readiness {
	struct svc_db	db;
	int		db_rc;
	struct svc_call	calls[3];
	int		started;
};

void		kore_worker_configure(void);

static int	orders_post(struct http_request *, struct svc_match *);
static int	orders_get(struct http_request *, struct svc_match *);
static int	ready(struct http_request *, struct svc_match *);
static size_t	orphans_pending(void);
static void	orphan_recover(const char *, struct tracing_span *,
		    void (*)(void *, int), void *);

static const struct svc_route routes[] = {
	{ HTTP_METHOD_POST, "/api/orders", orders_post },
	{ HTTP_METHOD_GET, "/api/orders/:id", orders_get },
	{ HTTP_METHOD_GET, "/health", svc_health },
	{ HTTP_METHOD_GET, "/metrics", svc_metrics },
	{ HTTP_METHOD_GET, "/ready", ready },
};

static struct {
	const char	*inventory;
	const char	*order;
	const char	*notification;
	long		inventory_ms;
	long		order_ms;
	long		notification_ms;
	size_t		body_max;
	char		stale_s[16];
} cfg;

void
kore_worker_configure(void)
{
	svc_init("api-gateway", routes, sizeof(routes) / sizeof(routes[0]));
	svc_auth_sign_calls();
	cfg.inventory = svc_env_str("INVENTORY_URL", "http://127.0.0.1:8081");
	cfg.order = svc_env_str("ORDER_URL", "http://127.0.0.1:8082");
	cfg.notification = svc_env_str("NOTIFICATION_URL",
	    "http://127.0.0.1:8083");
	cfg.inventory_ms = svc_env_int("INVENTORY_TIMEOUT_MS", 2000, 1, 600000);
	cfg.order_ms = svc_env_int("ORDER_TIMEOUT_MS", 3000, 1, 600000);
	cfg.notification_ms = svc_env_int("NOTIFICATION_TIMEOUT_MS", 5000, 1,
	    600000);
	cfg.body_max = (size_t)svc_env_int("ORDER_BODY_MAX", 65536, 256,
	    1024 * 1024);
	(void)snprintf(cfg.stale_s, sizeof(cfg.stale_s), "%lld",
	    svc_env_int("IDEMPOTENCY_STALE_S", 60, 1, 86400));
	svc_on_drain(orphans_pending);
	svc_db_register(DB, svc_env_str("GATEWAY_DB_CONNINFO",
	    "host=127.0.0.1 port=55432 dbname=gateway user=tracing"
	    " password=tracing-dev connect_timeout=2 gssencmode=disable"));
	sweep_init(cfg.inventory, cfg.inventory_ms, cfg.order, cfg.order_ms,
	    orphan_recover);
}

static void	orphan_next(struct orphan *);
static json_t	*order_answer(json_t *, const char *, json_t *, char *,
		    size_t);
static void	idem_finish_prepare(struct svc_db *, int, const char *,
		    const char *, const char *, const char *, const char *);

static const char *orphan_what[] = {
	"cancel the order of", "release", "store the answer of",
	"drop the Idempotency-Key claim of",
};
static const char *orphan_step_name[] = {
	"cancel_order", "release", "idempotency_store", "idempotency_drop",
};

static void
orphan_end(struct orphan *o, const char *error)
{
	if (o->span != NULL && error != NULL)
		(void)tracing_span_set_status(o->span, TRACING_STATUS_ERROR,
		    error);
	svc_span_end(o->span);
	svc_call_cleanup(&o->call);
	svc_db_cleanup(&o->db);
	free(o->answer_text);
	if (o->done != NULL)
		o->done(o->done_arg, error == NULL);
	kore_free(o);
	orphans--;
}

static size_t
orphans_pending(void)
{
	return (orphans);
}

static void
orphan_retry(void *arg, u_int64_t now)
{
	(void)now;
	orphan_next(arg);
}

/* Step done (ok) or failed; what comes next. */
static void
orphan_step_done(struct orphan *o, int ok, int retryable, long status,
    const char *error)
{
	if (!ok && retryable && o->tries < ORPHAN_TRIES) {
		kore_log(LOG_WARNING, "abandoned order: cannot %s %s yet"
		    " (status %ld %s); again in %d ms", orphan_what[o->step],
		    o->reservation, status, error, ORPHAN_RETRY_MS);
		(void)kore_timer_add(orphan_retry, ORPHAN_RETRY_MS, o,
		    KORE_TIMER_ONESHOT);
		return;
	}
	o->tries = 0;
	if (!ok && (o->step == ORPHAN_CANCEL || o->step == ORPHAN_RELEASE)) {
		/* As in step_cancel: an order that may exist keeps its stock. */
		kore_log(LOG_ERR, "abandoned order: cannot %s %s (status %ld"
		    " %s); its stock stays reserved", orphan_what[o->step],
		    o->reservation, status, error);
		orphan_end(o, o->step == ORPHAN_CANCEL ? "cannot cancel the"
		    " order" : "cannot release the reservation");
		return;
	}
	if (!ok) {
		kore_log(LOG_ERR, "abandoned order: cannot %s %s (status %ld"
		    " %s)", orphan_what[o->step], o->reservation, status,
		    error);
	}
	switch (o->step) {
	case ORPHAN_CANCEL:
		o->step = ORPHAN_RELEASE;
		break;
	case ORPHAN_RELEASE:
		kore_log(LOG_NOTICE, "abandoned order: %s released",
		    o->reservation);
		if (!o->has_idem) {
			orphan_end(o, NULL);
			return;
		}
		o->step = ORPHAN_IDEM_DROP;
		break;
	default:
		orphan_end(o, ok ? NULL : error);
		return;
	}
	orphan_next(o);
}

static void
orphan_call_done(struct svc_call *call, void *arg)
{
	struct orphan	*o = arg;
	int		 ok;

	ok = call->status == 200;
	orphan_step_done(o, ok, call->status == 0 || call->status >= 500,
	    call->status, call->error);
}

static void
orphan_db_done(struct svc_db *db, int rc, void *arg)
{
	struct orphan	*o = arg;

	orphan_step_done(o, rc == SVC_DB_DONE, db->unavailable, 0, db->error);
}

static void
orphan_next(struct orphan *o)
{
	char		 url[512];
	const char	*base, *path, *tmpl;
	long		 timeout;
	int		 rc;

	o->tries++;
	if (o->step == ORPHAN_IDEM_STORE || o->step == ORPHAN_IDEM_DROP) {
		(void)snprintf(o->status_text, sizeof(o->status_text), "%d",
		    o->status);
		idem_finish_prepare(&o->db, o->step == ORPHAN_IDEM_STORE,
		    o->idem_key, o->reservation, o->status_text,
		    o->answer_text != NULL ? o->answer_text : "{}",
		    o->location);
		o->db.parent = o->span;
		if ((rc = svc_db_detached(&o->db, orphan_db_done, o)) !=
		    SVC_DB_PENDING)
			orphan_db_done(&o->db, rc, o);
		return;
	}

	if (o->step == ORPHAN_CANCEL) {
		base = cfg.order;
		path = "/v1/reservations/%s/cancel-order";
		tmpl = "/v1/reservations/{id}/cancel-order";
		timeout = cfg.order_ms;
	} else {
		base = cfg.inventory;
		path = "/v1/reservations/%s/release";
		tmpl = "/v1/reservations/{id}/release";
		timeout = cfg.inventory_ms;
	}
	(void)snprintf(url, sizeof(url), "%s", base);
	(void)snprintf(url + strlen(url), sizeof(url) - strlen(url), path,
	    o->reservation);
	rc = svc_call_detached(&o->call, HTTP_METHOD_POST, url, tmpl, NULL,
	    timeout, o->span, orphan_call_done, o);
	if (!rc) {
		o->tries = ORPHAN_TRIES;
		orphan_step_done(o, 0, 0, 0, o->call.error);
	}
}

/*
 * The sweeper found this reservation held with no confirmed order (its
 * gateway died mid-order): cancel the order of it and release it, as for
 * a client gone before its order existed; done(arg, ok) says how it went.
 */
static void
orphan_recover(const char *reservation, struct tracing_span *parent,
    void (*done)(void *, int), void *arg)
{
	struct orphan	*o;

	o = kore_calloc(1, sizeof(*o));
	orphans++;
	o->done = done;
	o->done_arg = arg;
	o->step = ORPHAN_CANCEL;
	(void)snprintf(o->reservation, sizeof(o->reservation), "%s",
	    reservation);
	o->span = svc_span_child(parent, "recover held reservation",
	    TRACING_SPAN_INTERNAL);
	(void)tracing_span_set_str(o->span, "order.reservation_id",
	    o->reservation);
	orphan_next(o);
}

/*
 * The request ends before its answer left (the client hung up): finish
 * what the flow had started, on our own (see struct orphan).
 */
static void
flow_abandoned(struct http_request *req, struct flow *st)
{
	struct orphan	*o;
	enum orphan_step step;
	json_t		*answer;

	switch (st->step) {
	case STEP_IDEM_CLAIM:
		/* The claim, ours if it was made (not if it ends after this). */
		if (!st->started)
			return;
		step = ORPHAN_IDEM_DROP;
		break;
	case STEP_RESERVE:
		if (!st->started)
			return;
		step = ORPHAN_RELEASE;
		break;
	case STEP_CREATE:
		step = st->started ? ORPHAN_CANCEL : ORPHAN_RELEASE;
		break;
	case STEP_CANCEL:
		step = ORPHAN_CANCEL;
		break;
	case STEP_RELEASE:
		step = ORPHAN_RELEASE;
		break;
	case STEP_NOTIFY:
		step = ORPHAN_IDEM_STORE;
		break;
	case STEP_IDEM_STORE:
		step = ORPHAN_IDEM_STORE;
		break;
	case STEP_IDEM_ABANDON:
		step = ORPHAN_IDEM_DROP;
		break;
	default:
		return;
	}
	if ((step == ORPHAN_IDEM_STORE || step == ORPHAN_IDEM_DROP) &&
	    !st->has_idem)
		return;
	o = kore_calloc(1, sizeof(*o));
	orphans++;
	o->step = step;
	(void)snprintf(o->reservation, sizeof(o->reservation), "%s",
	    st->reservation);
	(void)snprintf(o->idem_key, sizeof(o->idem_key), "%s", st->idem_key);
	o->has_idem = st->has_idem;
	o->status = st->status;
	(void)snprintf(o->location, sizeof(o->location), "%s", st->location);
	if (st->step == STEP_NOTIFY) {
		answer = order_answer(st->order, st->trace_id,
		    json_pack("{s:b,s:s}", "sent", 0, "error", "client_gone"),
		    o->location, sizeof(o->location));
		o->answer_text = json_dumps(answer, JSON_COMPACT);
		o->status = HTTP_STATUS_CREATED;
		json_decref(answer);
	} else if (st->answer_text != NULL)
		o->answer_text = strdup(st->answer_text);
	else if (st->answer != NULL)
		o->answer_text = json_dumps(st->answer, JSON_COMPACT);
	o->span = svc_span_start(req, "finish abandoned order",
	    TRACING_SPAN_INTERNAL);
	(void)tracing_span_set_str(o->span, "order.reservation_id",
	    o->reservation);
	(void)tracing_span_set_str(o->span, "order.resumed_at",
	    orphan_step_name[step]);
	kore_log(LOG_NOTICE, "abandoned order: the client of %s hung up;"
	    " going on from: %s", o->reservation, orphan_what[step]);
	orphan_next(o);
}

static void
flow_free(struct http_request *req)
{
	struct flow		*st = svc_state_get(req);
	struct svc_request	*sr = svc_request_get(req);

	svc_call_cleanup(&st->call);
	if (sr != NULL && !sr->finished)
		flow_abandoned(req, st);
	json_decref(st->body);
	json_decref(st->order);
	json_decref(st->notification);
	json_decref(st->answer);
	free(st->answer_text);
	svc_db_cleanup(&st->db);
}

/* The final answer; then the Idempotency-Key record, then the reply. */
static void
flow_answer(struct flow *st, int status, json_t *answer, enum step next)
{
	st->status = status;
	st->answer = answer;
	st->step = next;
	st->started = 0;
}

static void
flow_error(struct flow *st, int status, const char *code, const char *msg,
    json_t *extra, enum step next)
{
	json_t	*err;

	err = json_pack("{s:s,s:s}", "code", code, "message", msg);
	if (extra != NULL) {
		(void)json_object_update_missing(err, extra);
		json_decref(extra);
	}
	json_object_set_new(err, "traceId", json_string(st->trace_id));
	flow_answer(st, status, json_pack("{s:o}", "error", err), next);
}

static const char *
error_code(json_t *body)
{
	return (json_string_value(json_object_get(json_object_get(body,
	    "error"), "code")));
}

static int
flow_begin(struct http_request *req, struct flow *st)
{
	struct order_error	err;
	const char		*key;
	size_t			i, len;

	if ((st->body = svc_body_json(req, cfg.body_max)) == NULL)
		return (0);
	if (!order_validate(st->body, &err)) {
		svc_reply_error_obj(req, HTTP_STATUS_BAD_REQUEST, err.code,
		    err.message, json_pack("{s:s}", "field", err.field));
		return (0);
	}

	if ((key = svc_header(req, "idempotency-key")) != NULL) {
		len = strlen(key);
		for (i = 0; i < len; i++) {
			if (key[i] < 0x21 || key[i] > 0x7e)
				break;
		}
		if (len == 0 || len >= sizeof(st->idem_key) || i != len) {
			svc_reply_error_obj(req, HTTP_STATUS_BAD_REQUEST,
			    "invalid_header", "Idempotency-Key must be 1 to 255"
			    " visible ASCII characters",
			    json_pack("{s:s}", "field", "Idempotency-Key"));
			return (0);
		}
		(void)snprintf(st->idem_key, sizeof(st->idem_key), "%s", key);
		http_body_digest(req, st->body_hash, sizeof(st->body_hash));
		st->has_idem = 1;
	}

	(void)snprintf(st->trace_id, sizeof(st->trace_id), "%s",
	    svc_trace_id(req));
	(void)snprintf(st->reservation, sizeof(st->reservation), "res_");
	svc_random_hex(st->reservation + 4, 32);
	st->step = st->has_idem ? STEP_IDEM_CLAIM : STEP_RESERVE;
	return (1);
}

static int
step_idem_claim(struct http_request *req, struct flow *st)
{
	const char	*outcome, *text;
	int		rc;

	if (!st->started) {
		svc_db_prepare(&st->db, DB, "SELECT outcome, status, response,"
		    " location FROM idem_claim($1, $2, $3::int, $4)");
		svc_db_param(&st->db, st->idem_key);
		svc_db_param(&st->db, st->body_hash);
		svc_db_param(&st->db, cfg.stale_s);
		svc_db_param(&st->db, st->reservation);
		st->started = 1;
	}
	if ((rc = svc_db_run(req, &st->db)) == SVC_DB_PENDING)
		return (KORE_RESULT_RETRY);
	st->started = 0;

	if (rc == SVC_DB_ERROR) {
		kore_log(LOG_ERR, "idempotency: %s", st->db.error);
		flow_error(st, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "database_unavailable", "cannot check the Idempotency-Key"
		    " now; retry later", NULL, STEP_REPLY);
		return (KORE_RESULT_OK);
	}

	outcome = svc_db_value(&st->db, 0, "outcome");
	if (outcome == NULL || !strcmp(outcome, "claimed")) {
		st->step = STEP_RESERVE;
	} else if (!strcmp(outcome, "replay")) {
		st->status = (int)svc_db_int(&st->db, 0, "status");
		text = svc_db_value(&st->db, 0, "response");
		st->answer_text = strdup(text != NULL ? text : "{}");
		(void)snprintf(st->location, sizeof(st->location), "%s",
		    svc_db_value(&st->db, 0, "location") != NULL ?
		    svc_db_value(&st->db, 0, "location") : "");
		st->replayed = 1;
		st->step = STEP_REPLY;
	} else if (!strcmp(outcome, "mismatch")) {
		flow_error(st, 422, "idempotency_key_reused", "this"
		    " Idempotency-Key was used with a different body",
		    NULL, STEP_REPLY);
	} else {
		http_response_header(req, "retry-after", "1");
		flow_error(st, HTTP_STATUS_CONFLICT, "request_in_progress",
		    "a request with this Idempotency-Key is still running",
		    NULL, STEP_REPLY);
	}
	return (KORE_RESULT_OK);
}

/* Runs one outbound call of the flow; 1 when it has an outcome. */
static int
flow_call(struct http_request *req, struct flow *st, int method,
    const char *base, const char *path, const char *tmpl, json_t *body,
    long timeout_ms)
{
	char		url[512];

	if (!st->started) {
		(void)snprintf(url, sizeof(url), "%s%s", base, path);
		st->started = 1;
		if (!svc_call_start(req, &st->call, method, url, tmpl, body,
		    timeout_ms)) {
			kore_log(LOG_ERR, "call %s: %s", url, st->call.error);
			return (1);
		}
		return (0);
	}
	if (!svc_call_done(req, &st->call))
		return (0);
	svc_call_finish(&st->call);
	st->started = 0;
	return (1);
}

static int
step_reserve(struct http_request *req, struct flow *st)
{
	json_t		*body, *items, *it;
	const char	*code;
	size_t		i;
	int		done;

	body = NULL;
	if (!st->started) {
		items = json_array();
		json_array_foreach(json_object_get(st->body, "items"), i, it) {
			json_array_append_new(items, json_pack("{s:O,s:O}",
			    "sku", json_object_get(it, "sku"),
			    "quantity", json_object_get(it, "quantity")));
		}
		body = json_pack("{s:s,s:o}", "reservationId", st->reservation,
		    "items", items);
	}
	done = flow_call(req, st, HTTP_METHOD_POST, cfg.inventory,
	    "/v1/reservations", "/v1/reservations", body, cfg.inventory_ms);
	json_decref(body);
	if (!done)
		return (KORE_RESULT_RETRY);

	if (st->call.status == 201 || st->call.status == 200) {
		st->step = STEP_CREATE;
		return (KORE_RESULT_OK);
	}

	code = error_code(st->call.body);
	if (st->call.status == 409 && code != NULL &&
	    (!strcmp(code, "out_of_stock") || !strcmp(code, "unknown_sku"))) {
		json_t	*e = json_object_get(st->call.body, "error");

		flow_error(st, HTTP_STATUS_BAD_REQUEST, code,
		    !strcmp(code, "out_of_stock") ?
		    "not enough stock for an item; nothing was reserved" :
		    "an item has an unknown sku; nothing was reserved",
		    json_pack("{s:O?,s:O?,s:O?}",
		    "sku", json_object_get(e, "sku"),
		    "requested", json_object_get(e, "requested"),
		    "available", json_object_get(e, "available")),
		    STEP_IDEM_STORE);
		return (KORE_RESULT_OK);
	}

	kore_log(LOG_ERR, "reserve %s: status %ld %s", st->reservation,
	    st->call.status, st->call.error);
	/* The reservation may have happened: release it to be sure. */
	flow_error(st, st->call.timed_out ? HTTP_STATUS_GATEWAY_TIMEOUT :
	    HTTP_STATUS_SERVICE_UNAVAILABLE, "inventory_unavailable",
	    "the inventory service could not reserve the items; nothing was"
	    " ordered", NULL, STEP_RELEASE);
	return (KORE_RESULT_OK);
}

static int
step_create(struct http_request *req, struct flow *st)
{
	json_t	*body;
	int	done;

	body = NULL;
	if (!st->started) {
		body = json_pack("{s:s,s:O,s:O,s:O,s:s}",
		    "reservationId", st->reservation,
		    "userId", json_object_get(st->body, "userId"),
		    "email", json_object_get(st->body, "email"),
		    "items", json_object_get(st->body, "items"),
		    "traceId", st->trace_id);
	}
	done = flow_call(req, st, HTTP_METHOD_POST, cfg.order, "/v1/orders",
	    "/v1/orders", body, cfg.order_ms);
	json_decref(body);
	if (!done)
		return (KORE_RESULT_RETRY);

	if ((st->call.status == 201 || st->call.status == 200) &&
	    json_string_value(json_object_get(st->call.body, "orderId"))) {
		st->order = json_incref(st->call.body);
		st->step = STEP_NOTIFY;
		return (KORE_RESULT_OK);
	}

	kore_log(LOG_ERR, "create order for %s: status %ld %s",
	    st->reservation, st->call.status, st->call.error);
	if (st->call.status >= 400 && st->call.status < 500) {
		flow_error(st, HTTP_STATUS_BAD_GATEWAY, "order_rejected",
		    "the order service rejected the order", NULL, STEP_CANCEL);
	} else {
		flow_error(st, st->call.timed_out ?
		    HTTP_STATUS_GATEWAY_TIMEOUT :
		    HTTP_STATUS_SERVICE_UNAVAILABLE, "order_service_unavailable",
		    "the order could not be created", NULL, STEP_CANCEL);
	}
	return (KORE_RESULT_OK);
}

/* The 201 answer (takes notification); its Location goes in location. */
static json_t *
order_answer(json_t *order, const char *trace_id, json_t *notification,
    char *location, size_t len)
{
	const char	*id;

	id = json_string_value(json_object_get(order, "orderId"));
	(void)snprintf(location, len, "/api/orders/%s", id);
	return (json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:O,s:o}",
	    "orderId", id, "traceId", trace_id,
	    "status", json_object_get(order, "status"),
	    "total", json_object_get(order, "total"),
	    "currency", json_object_get(order, "currency"),
	    "items", json_object_get(order, "items"),
	    "createdAt", json_object_get(order, "createdAt"),
	    "notification", notification));
}

static int
step_notify(struct http_request *req, struct flow *st)
{
	json_t		*body, *answer;
	int		done;

	body = NULL;
	if (!st->started) {
		body = json_pack("{s:O,s:O,s:O,s:O,s:O}",
		    "orderId", json_object_get(st->order, "orderId"),
		    "email", json_object_get(st->body, "email"),
		    "total", json_object_get(st->order, "total"),
		    "currency", json_object_get(st->order, "currency"),
		    "items", json_object_get(st->order, "items"));
	}
	done = flow_call(req, st, HTTP_METHOD_POST, cfg.notification,
	    "/v1/notifications", "/v1/notifications", body,
	    cfg.notification_ms);
	json_decref(body);
	if (!done)
		return (KORE_RESULT_RETRY);

	if (st->call.status == 201) {
		st->notification = json_pack("{s:b,s:O?,s:O?}", "sent", 1,
		    "messageId", json_object_get(st->call.body, "messageId"),
		    "transport", json_object_get(st->call.body, "transport"));
	} else {
		kore_log(LOG_WARNING, "notify %s: status %ld %s",
		    json_string_value(json_object_get(st->order, "orderId")),
		    st->call.status, st->call.error);
		st->notification = json_pack("{s:b,s:s}", "sent", 0, "error",
		    st->call.status == 0 ? (st->call.timed_out ? "timeout" :
		    "unreachable") : error_code(st->call.body) != NULL ?
		    error_code(st->call.body) : "failed");
	}
	answer = order_answer(st->order, st->trace_id,
	    json_incref(st->notification), st->location,
	    sizeof(st->location));
	flow_answer(st, HTTP_STATUS_CREATED, answer, STEP_IDEM_STORE);
	return (KORE_RESULT_OK);
}

/*
 * What the compensation did, said in the error answer once it happened:
 * "reservation": "released", or "held" (an order may stand, or the release
 * failed: the stock stays reserved until the reservation sweeper finds no
 * order for it and gives it back).
 */
static void
flow_compensated(struct flow *st, int released)
{
	json_t		*err;
	const char	*msg;
	char		 text[384];

	err = json_object_get(st->answer, "error");
	if ((msg = json_string_value(json_object_get(err, "message"))) == NULL)
		return;
	(void)snprintf(text, sizeof(text), "%s; %s", msg, released ?
	    "the reservation was released" : "the reservation could not be"
	    " released yet: its stock stays reserved until the gateway's"
	    " sweeper gives it back");
	json_object_set_new(err, "message", json_string(text));
	json_object_set_new(err, "reservation", json_string(released ?
	    "released" : "held"));
}

/* Compensation 1: no order may stand for this reservation. */
static int
step_cancel(struct http_request *req, struct flow *st)
{
	char	path[96];

	(void)snprintf(path, sizeof(path), "/v1/reservations/%s/cancel-order",
	    st->reservation);
	if (!flow_call(req, st, HTTP_METHOD_POST, cfg.order, path,
	    "/v1/reservations/{id}/cancel-order", NULL, cfg.order_ms))
		return (KORE_RESULT_RETRY);

	if (st->call.status == 200) {
		st->step = STEP_RELEASE;
	} else {
		/*
		 * The order may exist: keeping the stock reserved is the safe
		 * side (never oversold). The operator sees this line.
		 */
		kore_log(LOG_ERR, "compensation: cannot cancel the order of %s"
		    " (status %ld %s); its stock stays reserved",
		    st->reservation, st->call.status, st->call.error);
		flow_compensated(st, 0);
		st->step = STEP_IDEM_ABANDON;
	}
	return (KORE_RESULT_OK);
}

/* Compensation 2: give the reserved stock back. */
static int
step_release(struct http_request *req, struct flow *st)
{
	char	path[96];

	(void)snprintf(path, sizeof(path), "/v1/reservations/%s/release",
	    st->reservation);
	if (!flow_call(req, st, HTTP_METHOD_POST, cfg.inventory, path,
	    "/v1/reservations/{id}/release", NULL, cfg.inventory_ms))
		return (KORE_RESULT_RETRY);

	if (st->call.status != 200) {
		kore_log(LOG_ERR, "compensation: cannot release %s (status %ld"
		    " %s)", st->reservation, st->call.status, st->call.error);
	}
	flow_compensated(st, st->call.status == 200);
	st->step = STEP_IDEM_ABANDON;
	return (KORE_RESULT_OK);
}

/*
 * The Idempotency-Key's end, by the claim's owner (the reservation id):
 * store the answer (status, answer, location: borrowed) or free the key.
 */
static void
idem_finish_prepare(struct svc_db *db, int store, const char *key,
    const char *owner, const char *status, const char *answer,
    const char *location)
{
	if (store) {
		svc_db_prepare(db, DB, "UPDATE idempotency_keys SET state ="
		    " 'done', status = $3::int, response = $4, location ="
		    " nullif($5, ''), updated_at = now() WHERE key = $1"
		    " AND owner = $2");
	} else {
		svc_db_prepare(db, DB, "DELETE FROM idempotency_keys WHERE"
		    " key = $1 AND owner = $2 AND state = 'in_progress'");
	}
	svc_db_param(db, key);
	svc_db_param(db, owner);
	if (store) {
		svc_db_param(db, status);
		svc_db_param(db, answer);
		svc_db_param(db, location);
	}
}

static int
step_idem_finish(struct http_request *req, struct flow *st, int store)
{
	int	rc;

	if (!st->has_idem) {
		st->step = STEP_REPLY;
		return (KORE_RESULT_OK);
	}
	if (!st->started) {
		if (st->answer_text == NULL)
			st->answer_text = json_dumps(st->answer, JSON_COMPACT);
		(void)snprintf(st->status_text, sizeof(st->status_text), "%d",
		    st->status);
		idem_finish_prepare(&st->db, store, st->idem_key,
		    st->reservation, st->status_text, st->answer_text,
		    st->location);
		st->started = 1;
	}
	if ((rc = svc_db_run(req, &st->db)) == SVC_DB_PENDING)
		return (KORE_RESULT_RETRY);
	st->started = 0;
	if (rc == SVC_DB_ERROR) {
		kore_log(LOG_ERR, "idempotency %s: %s", store ? "store" :
		    "release", st->db.error);
	}
	st->step = STEP_REPLY;
	return (KORE_RESULT_OK);
}

/* The root span tells the order's outcome. */
static void
flow_outcome(struct http_request *req, struct flow *st)
{
	struct tracing_span	*span = svc_request_get(req)->span;
	const char		*code, *outcome;

	if (span == NULL)
		return;
	code = error_code(st->answer);
	if (st->replayed)
		outcome = "replayed";
	else if (st->status == HTTP_STATUS_CREATED)
		outcome = "created";
	else if (code != NULL)
		outcome = code;
	else
		outcome = "failed";
	(void)tracing_span_set_str(span, "order.outcome", outcome);
	if (st->order != NULL)
		(void)tracing_span_set_str(span, "order.id", json_string_value(
		    json_object_get(st->order, "orderId")));
	(void)tracing_span_set_int(span, "order.item_count",
	    (int64_t)json_array_size(json_object_get(st->body, "items")));
	if (st->has_idem)
		(void)tracing_span_set_bool(span, "order.idempotency_key", 1);
	if (st->notification != NULL)
		(void)tracing_span_set_bool(span, "order.notification_sent",
		    json_is_true(json_object_get(st->notification, "sent")));
}

static void
flow_reply(struct http_request *req, struct flow *st)
{
	flow_outcome(req, st);
	if (st->answer_text == NULL && st->answer != NULL)
		st->answer_text = json_dumps(st->answer, JSON_COMPACT);
	if (st->location[0] != '\0')
		http_response_header(req, "location", st->location);
	if (st->replayed)
		http_response_header(req, "idempotent-replayed", "true");
	http_response_header(req, "content-type", "application/json");
	http_response(req, st->status, st->answer_text,
	    st->answer_text != NULL ? strlen(st->answer_text) : 0);
}

/* POST /api/orders: see README.md for the contract. */
static int
orders_post(struct http_request *req, struct svc_match *m)
{
	struct flow	*st;
	int		r;

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), flow_free);
		if (!flow_begin(req, st))
			return (KORE_RESULT_OK);
	}
	st = svc_state_get(req);

	for (;;) {
		switch (st->step) {
		case STEP_IDEM_CLAIM:
			r = step_idem_claim(req, st);
			break;
		case STEP_RESERVE:
			r = step_reserve(req, st);
			break;
		case STEP_CREATE:
			r = step_create(req, st);
			break;
		case STEP_NOTIFY:
			r = step_notify(req, st);
			break;
		case STEP_CANCEL:
			r = step_cancel(req, st);
			break;
		case STEP_RELEASE:
			r = step_release(req, st);
			break;
		case STEP_IDEM_STORE:
			r = step_idem_finish(req, st, 1);
			break;
		case STEP_IDEM_ABANDON:
			r = step_idem_finish(req, st, 0);
			break;
		case STEP_REPLY:
		default:
			flow_reply(req, st);
			return (KORE_RESULT_OK);
		}
		if (r == KORE_RESULT_RETRY)
			return (KORE_RESULT_RETRY);
	}
}

static void
proxy_free(struct http_request *req)
{
	struct proxy	*st = svc_state_get(req);

	svc_call_cleanup(&st->call);
}

/* GET /api/orders/:id: the stored order, 404 if none. */
static int
orders_get(struct http_request *req, struct svc_match *m)
{
	struct proxy	*st;
	char		url[512];

	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), proxy_free);
		(void)snprintf(st->id, sizeof(st->id), "%s", m->params[0]);
		(void)snprintf(url, sizeof(url), "%s/v1/orders/%s", cfg.order,
		    st->id);
		if (!svc_call_start(req, &st->call, HTTP_METHOD_GET, url,
		    "/v1/orders/{id}", NULL, cfg.order_ms)) {
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

static void
readiness_free(struct http_request *req)
{
	struct readiness	*st = svc_state_get(req);
	int			i;

	svc_db_cleanup(&st->db);
	for (i = 0; i < 3; i++)
		svc_call_cleanup(&st->calls[i]);
}

/*
 * GET /ready: the gateway's database answers and the three services answer
 * their own /ready (checked in parallel, each within its call timeout).
 */
static int
ready(struct http_request *req, struct svc_match *m)
{
	struct readiness	*st;
	const char		*names[3] = { "inventory-service",
				    "order-service", "notification-service" };
	const char		*bases[3];
	long			timeouts[3];
	json_t			*checks;
	char			url[512];
	int			i, rc, ok;

	(void)m;
	bases[0] = cfg.inventory;
	bases[1] = cfg.order;
	bases[2] = cfg.notification;
	timeouts[0] = cfg.inventory_ms;
	timeouts[1] = cfg.order_ms;
	timeouts[2] = cfg.notification_ms;

	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), readiness_free);
		svc_db_prepare(&st->db, DB, "SELECT 1 AS ok");
	}
	st = svc_state_get(req);

	if (st->db_rc == 0) {
		if ((rc = svc_db_run(req, &st->db)) == SVC_DB_PENDING)
			return (KORE_RESULT_RETRY);
		st->db_rc = rc;
	}
	if (!st->started) {
		st->started = 1;
		for (i = 0; i < 3; i++) {
			(void)snprintf(url, sizeof(url), "%s/ready", bases[i]);
			(void)svc_call_start(req, &st->calls[i],
			    HTTP_METHOD_GET, url, "/ready", NULL, timeouts[i]);
		}
	}
	for (i = 0; i < 3; i++) {
		if (!svc_call_done(req, &st->calls[i]))
			return (KORE_RESULT_RETRY);
	}

	ok = st->db_rc == SVC_DB_DONE;
	checks = json_pack("{s:s}", "database", ok ? "ok" : st->db.error);
	for (i = 0; i < 3; i++) {
		svc_call_finish(&st->calls[i]);
		if (st->calls[i].status != 200)
			ok = 0;
		json_object_set_new(checks, names[i],
		    json_string(st->calls[i].status == 200 ? "ok" :
		    st->calls[i].status == 0 ? st->calls[i].error :
		    "not ready"));
	}
	svc_reply_json(req, ok ? HTTP_STATUS_OK :
	    HTTP_STATUS_SERVICE_UNAVAILABLE, json_pack("{s:s,s:s,s:o}",
	    "status", ok ? "ready" : "not_ready", "service", svc_name(),
	    "checks", checks));
	return (KORE_RESULT_OK);
}
