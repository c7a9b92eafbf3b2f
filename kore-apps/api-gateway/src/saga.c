/* SPDX-License-Identifier: Apache-2.0 */
/*
 * saga.c: the order saga. One heap object per order runs its steps from
 * one table: claim the Idempotency-Key, reserve stock (inventory-service),
 * create the order (order-service), ask for the confirmation e-mail
 * (notification-service), store the answer for the key; and the
 * compensations, cancel the order of the reservation and release it, then
 * drop the claim. Each row says what follows success, a refusal (a
 * definitive answer: out of stock, a replayed key) and a failure, what
 * follows instead once no client waits, and how often a failure that may
 * pass is tried when no one waits.
 *
 * Every step is a detached call or statement (svc_call_detached,
 * svc_db_detached), so the saga never depends on its request: a request
 * starts it attached and sleeps until it ends; a client that hangs up
 * detaches it, and the step in flight finishes. From then on the saga runs
 * under a "finish abandoned order" span: before the order exists it
 * compensates (cancel, release, drop the claim: a retry orders afresh);
 * once it exists the order stands, as one whose 201 was lost, and that
 * 201 is stored for the key (a retry replays it). The sweeper enters a
 * saga of its own at the compensation steps (saga_recover).
 *
 * A create whose outcome is unknown (no answer, a timeout, a 5xx: the
 * order service may have committed and lost its answer) is settled before
 * anyone is answered: the create is sent again, which the order service
 * answers with the order of the reservation if it has one (create is
 * idempotent by reservation), until an answer comes or ORDER_SETTLE_MS
 * have passed. An order that stands is answered 201; one that never came
 * is cancelled and released as before. Only when neither the create nor
 * the cancel could be told in time does the client hear that the outcome
 * is not known (503 order_outcome_unknown), never that it failed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_call.h"
#include "svc_db.h"
#include "svc_request.h"
#include "svc_trace.h"
#include "svc_util.h"

#include "gateway.h"

#include <tracing.h>

/* A detached saga tries a failure that may pass this often, this apart. */
#define SAGA_TRIES		3
#define SAGA_RETRY_MS		1000

enum saga_step {
	STEP_CLAIM,
	STEP_RESERVE,
	STEP_CREATE,
	STEP_SETTLE,
	STEP_NOTIFY,
	STEP_CANCEL,
	STEP_RELEASE,
	STEP_STORE,
	STEP_DROP,
	STEP_END,
};

enum outcome {
	OUT_OK,
	OUT_REFUSED,		/* a definitive no: it is the answer */
	OUT_FAIL,
};

/* What a step's start did. */
enum started {
	STARTED_WAIT,		/* its callback comes */
	STARTED_NOW,		/* its outcome is known already */
	STARTED_SKIP,		/* nothing to do: as if it succeeded */
};

struct saga {
	enum saga_step		 step;
	int			 tries;
	int			 gone;		/* no client waits */
	int			 unsettled;	/* the create's outcome unknown */
	u_int64_t		 settle_until;	/* settled by then, or cancel */
	int			 claimed;	/* the key's claim is ours */
	struct http_request	*req;		/* attached: waits for the end */
	struct tracing_span	*span;		/* once detached: its work */
	const char		*error;		/* a detached saga's failure */

	json_t			*body;		/* the order as posted */
	char			 reservation[40];
	char			 trace_id[33];
	char			 idem_key[256];
	char			 body_hash[65];
	int			 has_idem;

	json_t			*order;		/* order-service's answer */
	json_t			*notification;

	int			 status;	/* the answer */
	char			 status_text[8];
	json_t			*answer;
	char			*answer_text;
	char			 location[128];
	int			 replayed;
	int			 retry_after;

	struct svc_call		 call;
	struct svc_db		 db;
	int			 db_rc;

	void			(*done)(void *, int);	/* the sweeper's */
	void			*done_arg;
};

struct step_def {
	const char	*name;
	enum started	(*start)(struct saga *);
	enum outcome	(*finish)(struct saga *, int *);
	enum saga_step	 ok, refused, fail;
	enum saga_step	 gone_ok, gone_fail;	/* no client waits */
	int		 tries;			/* when detached */
	int		 settles;		/* retried until settle_until */
};

static enum started	start_claim(struct saga *);
static enum started	start_reserve(struct saga *);
static enum started	start_create(struct saga *);
static enum started	start_settle(struct saga *);
static enum started	start_notify(struct saga *);
static enum started	start_cancel(struct saga *);
static enum started	start_release(struct saga *);
static enum started	start_store(struct saga *);
static enum started	start_drop(struct saga *);
static enum outcome	finish_claim(struct saga *, int *);
static enum outcome	finish_reserve(struct saga *, int *);
static enum outcome	finish_create(struct saga *, int *);
static enum outcome	finish_settle(struct saga *, int *);
static enum outcome	finish_notify(struct saga *, int *);
static enum outcome	finish_cancel(struct saga *, int *);
static enum outcome	finish_release(struct saga *, int *);
static enum outcome	finish_key(struct saga *, int *);

/*
 * The saga. A failed cancel keeps the stock reserved (the order may
 * exist: never oversold); detached, it keeps the claim as well, so that a
 * retry cannot order twice before the claim goes stale. Reserve is never
 * retried: its timeout bounds the client's wait, and an unknown outcome is
 * released. An unknown create is settled (the create again, idempotent),
 * and so is its cancel, attached or not, until settle_until.
 */
static const struct step_def steps[] = {
	/*		name		start		finish
	 *		ok		refused		fail
	 *		gone_ok		gone_fail	tries	settles */
	[STEP_CLAIM] = { "idempotency_claim", start_claim, finish_claim,
			STEP_RESERVE,	STEP_END,	STEP_END,
			STEP_DROP,	STEP_END,	1 },
	[STEP_RESERVE] = { "reserve", start_reserve, finish_reserve,
			STEP_CREATE,	STEP_STORE,	STEP_RELEASE,
			STEP_RELEASE,	STEP_RELEASE,	1 },
	[STEP_CREATE] = { "create_order", start_create, finish_create,
			STEP_NOTIFY,	STEP_CANCEL,	STEP_SETTLE,
			STEP_CANCEL,	STEP_CANCEL,	1 },
	[STEP_SETTLE] = { "settle_order", start_settle, finish_settle,
			STEP_NOTIFY,	STEP_RELEASE,	STEP_CANCEL,
			STEP_CANCEL,	STEP_CANCEL,	1,	1 },
	[STEP_NOTIFY] = { "notify", start_notify, finish_notify,
			STEP_STORE,	STEP_STORE,	STEP_STORE,
			STEP_STORE,	STEP_STORE,	1 },
	[STEP_CANCEL] = { "cancel_order", start_cancel, finish_cancel,
			STEP_RELEASE,	STEP_DROP,	STEP_DROP,
			STEP_RELEASE,	STEP_END,	SAGA_TRIES,	1 },
	[STEP_RELEASE] = { "release", start_release, finish_release,
			STEP_DROP,	STEP_DROP,	STEP_DROP,
			STEP_DROP,	STEP_END,	SAGA_TRIES },
	[STEP_STORE] = { "idempotency_store", start_store, finish_key,
			STEP_END,	STEP_END,	STEP_END,
			STEP_END,	STEP_END,	SAGA_TRIES },
	[STEP_DROP] = { "idempotency_drop", start_drop, finish_key,
			STEP_END,	STEP_END,	STEP_END,
			STEP_END,	STEP_END,	SAGA_TRIES },
};

/* Sagas no request waits for: a stopping worker finishes them first. */
static size_t	detached;

static void	saga_run(struct saga *);

size_t
saga_detached(void)
{
	return (detached);
}

int
saga_finished(const struct saga *s)
{
	return (s->step == STEP_END);
}

/* The span a step's call or statement goes under. */
static struct tracing_span *
saga_parent(struct saga *s)
{
	struct svc_request	*sr;

	if (s->req != NULL && (sr = svc_request_get(s->req)) != NULL)
		return (sr->span);
	return (s->span);
}

static void
saga_free(struct saga *s)
{
	svc_call_cleanup(&s->call);
	svc_db_cleanup(&s->db);
	json_decref(s->body);
	json_decref(s->order);
	json_decref(s->notification);
	json_decref(s->answer);
	free(s->answer_text);
	kore_free(s);
}

/* The end: wake the request that waits, or finish on our own. */
static void
saga_end(struct saga *s)
{
	if (s->req != NULL) {
		http_request_wakeup(s->req);
		return;
	}
	if (s->span != NULL && s->error != NULL)
		(void)tracing_span_set_status(s->span, TRACING_STATUS_ERROR,
		    s->error);
	svc_span_end(s->span);
	if (s->done != NULL)
		s->done(s->done_arg, s->error == NULL);
	saga_free(s);
	detached--;
}

/*
 * Whether a failure of the step running is tried again (later): by a
 * detached saga up to the step's tries; a step that settles an unknown
 * create, attached or not, until the saga's settle deadline.
 */
static int
will_retry(struct saga *s, int retryable)
{
	const struct step_def	*d = &steps[s->step];

	if (!retryable)
		return (0);
	if (d->settles && s->unsettled && svc_now_ms() < s->settle_until)
		return (1);
	return (s->gone && s->tries < d->tries);
}

/* The wait before the next try: a settle backs off 100 ms to 1 s. */
static int
retry_ms(struct saga *s)
{
	int	ms;

	if (!steps[s->step].settles || !s->unsettled)
		return (SAGA_RETRY_MS);
	ms = 100 << (s->tries < 5 ? s->tries - 1 : 4);
	return (ms < SAGA_RETRY_MS ? ms : SAGA_RETRY_MS);
}

static void
saga_retry(void *arg, u_int64_t now)
{
	(void)now;
	saga_run(arg);
}

/*
 * The step's outcome is in: the next step, or a retry later. Returns 1
 * when the saga goes on now.
 */
static int
saga_advance(struct saga *s)
{
	const struct step_def	*d = &steps[s->step];
	enum outcome		 out;
	int			 retryable = 0;

	out = d->finish(s, &retryable);
	if (out == OUT_FAIL && will_retry(s, retryable)) {
		kore_log(LOG_WARNING, "order %s: %s failed (try %d); again in"
		    " %d ms", s->reservation, d->name, s->tries, retry_ms(s));
		(void)kore_timer_add(saga_retry, (u_int64_t)retry_ms(s), s,
		    KORE_TIMER_ONESHOT);
		return (0);
	}
	s->tries = 0;
	switch (out) {
	case OUT_OK:
		s->step = s->gone ? d->gone_ok : d->ok;
		break;
	case OUT_REFUSED:
		s->step = d->refused;
		break;
	default:
		s->step = s->gone ? d->gone_fail : d->fail;
		break;
	}
	return (1);
}

/* Runs steps until one waits for its call or statement, or the end. */
static void
saga_run(struct saga *s)
{
	const struct step_def	*d;

	for (;;) {
		if (s->step == STEP_END) {
			saga_end(s);
			return;
		}
		d = &steps[s->step];
		s->tries++;
		switch (d->start(s)) {
		case STARTED_WAIT:
			return;
		case STARTED_SKIP:
			s->tries = 0;
			s->step = s->gone ? d->gone_ok : d->ok;
			continue;
		case STARTED_NOW:
			break;
		}
		if (!saga_advance(s))
			return;
	}
}

static void
saga_call_done(struct svc_call *call, void *arg)
{
	struct saga	*s = arg;

	(void)call;
	if (saga_advance(s))
		saga_run(s);
}

static void
saga_db_done(struct svc_db *db, int rc, void *arg)
{
	struct saga	*s = arg;

	(void)db;
	s->db_rc = rc;
	if (saga_advance(s))
		saga_run(s);
}

/* Starts a call of the saga: STARTED_NOW when it could not even start. */
static enum started
saga_call(struct saga *s, int method, const char *base, const char *path,
    const char *tmpl, json_t *body, long timeout_ms)
{
	struct svc_request	*sr;
	char			 url[512];
	int			 ok;

	(void)snprintf(url, sizeof(url), "%s%s", base, path);
	sr = s->req != NULL ? svc_request_get(s->req) : NULL;
	ok = svc_call_detached(&s->call, method, url, tmpl, body, timeout_ms,
	    saga_parent(s), sr != NULL ? sr->ctx : NULL, saga_call_done, s);
	json_decref(body);
	if (!ok) {
		kore_log(LOG_ERR, "call %s: %s", url, s->call.error);
		return (STARTED_NOW);
	}
	return (STARTED_WAIT);
}

/* Starts the statement prepared in s->db. */
static enum started
saga_db(struct saga *s)
{
	s->db.parent = saga_parent(s);
	s->db_rc = svc_db_detached(&s->db, saga_db_done, s);
	return (s->db_rc == SVC_DB_PENDING ? STARTED_WAIT : STARTED_NOW);
}

static const char *
error_code(json_t *body)
{
	return (json_string_value(json_object_get(json_object_get(body,
	    "error"), "code")));
}

/*
 * 401 replayed: the callee had served this very call already. libcurl
 * sends a request again by itself when its kept-alive connection dies
 * with no answer, with the same signature; the first one went through,
 * its answer was lost. Its outcome is as unknown as a lost answer's.
 */
static int
call_replayed(struct saga *s)
{
	const char	*code;

	return (s->call.status == 401 &&
	    (code = error_code(s->call.body)) != NULL &&
	    strcmp(code, "replayed") == 0);
}

/* A call's failure that may pass: no answer, a 5xx, or a replay. */
static int
call_retryable(struct saga *s)
{
	return (s->call.status == 0 || s->call.status >= 500 ||
	    call_replayed(s));
}

/* The answer: status and body (taken). */
static void
saga_answer(struct saga *s, int status, json_t *answer)
{
	json_decref(s->answer);
	s->status = status;
	s->answer = answer;
}

/* The JSON error answer; extra's members (taken) join it. */
static void
saga_error(struct saga *s, int status, const char *code, const char *msg,
    json_t *extra)
{
	json_t	*err;

	err = json_pack("{s:s,s:s}", "code", code, "message", msg);
	if (extra != NULL) {
		(void)json_object_update_missing(err, extra);
		json_decref(extra);
	}
	json_object_set_new(err, "traceId", json_string(s->trace_id));
	saga_answer(s, status, json_pack("{s:o}", "error", err));
}

/*
 * What the compensation did, said in the error answer once it happened:
 * "reservation": "released", or "held" (an order may stand, or the release
 * failed: the stock stays reserved until the sweeper gives it back).
 */
static void
saga_compensated(struct saga *s, int released)
{
	json_t		*err;
	const char	*msg;
	char		 text[384];

	err = json_object_get(s->answer, "error");
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

static enum started
start_claim(struct saga *s)
{
	idem_claim_prepare(&s->db, s->idem_key, s->body_hash, s->reservation);
	return (saga_db(s));
}

static enum outcome
finish_claim(struct saga *s, int *retryable)
{
	const char	*text, *loc;

	(void)retryable;
	if (s->db_rc != SVC_DB_DONE) {
		kore_log(LOG_ERR, "idempotency: %s", s->db.error);
		saga_error(s, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "database_unavailable", "cannot check the Idempotency-Key"
		    " now; retry later", NULL);
		return (OUT_FAIL);
	}
	switch (idem_claim_outcome(&s->db)) {
	case IDEM_CLAIMED:
		s->claimed = 1;
		return (OUT_OK);
	case IDEM_REPLAY:
		s->status = (int)svc_db_int(&s->db, 0, "status");
		text = svc_db_value(&s->db, 0, "response");
		s->answer_text = strdup(text != NULL ? text : "{}");
		loc = svc_db_value(&s->db, 0, "location");
		(void)snprintf(s->location, sizeof(s->location), "%s",
		    loc != NULL ? loc : "");
		s->replayed = 1;
		break;
	case IDEM_MISMATCH:
		saga_error(s, 422, "idempotency_key_reused", "this"
		    " Idempotency-Key was used with a different body", NULL);
		break;
	case IDEM_BUSY:
		s->retry_after = 1;
		saga_error(s, HTTP_STATUS_CONFLICT, "request_in_progress",
		    "a request with this Idempotency-Key is still running",
		    NULL);
		break;
	}
	return (OUT_REFUSED);
}

static enum started
start_reserve(struct saga *s)
{
	json_t		*items, *it;
	size_t		 i;

	items = json_array();
	json_array_foreach(json_object_get(s->body, "items"), i, it) {
		json_array_append_new(items, json_pack("{s:O,s:O}",
		    "sku", json_object_get(it, "sku"),
		    "quantity", json_object_get(it, "quantity")));
	}
	return (saga_call(s, HTTP_METHOD_POST, gw.inventory,
	    "/v1/reservations", "/v1/reservations", json_pack("{s:s,s:o}",
	    "reservationId", s->reservation, "items", items),
	    gw.inventory_ms));
}

static enum outcome
finish_reserve(struct saga *s, int *retryable)
{
	const char	*code;
	json_t		*e;

	(void)retryable;
	if (s->call.status == 201 || s->call.status == 200)
		return (OUT_OK);

	code = error_code(s->call.body);
	if (s->call.status == 409 && code != NULL &&
	    (!strcmp(code, "out_of_stock") || !strcmp(code, "unknown_sku"))) {
		e = json_object_get(s->call.body, "error");
		saga_error(s, HTTP_STATUS_BAD_REQUEST, code,
		    !strcmp(code, "out_of_stock") ?
		    "not enough stock for an item; nothing was reserved" :
		    "an item has an unknown sku; nothing was reserved",
		    json_pack("{s:O?,s:O?,s:O?}",
		    "sku", json_object_get(e, "sku"),
		    "requested", json_object_get(e, "requested"),
		    "available", json_object_get(e, "available")));
		return (OUT_REFUSED);
	}

	kore_log(LOG_ERR, "reserve %s: status %ld %s", s->reservation,
	    s->call.status, s->call.error);
	/* The reservation may have happened: it is released to be sure. */
	saga_error(s, s->call.timed_out ? HTTP_STATUS_GATEWAY_TIMEOUT :
	    HTTP_STATUS_SERVICE_UNAVAILABLE, "inventory_unavailable",
	    "the inventory service could not reserve the items; nothing was"
	    " ordered", NULL);
	return (OUT_FAIL);
}

static enum started
start_create(struct saga *s)
{
	return (saga_call(s, HTTP_METHOD_POST, gw.order, "/v1/orders",
	    "/v1/orders", json_pack("{s:s,s:O,s:O,s:O,s:s}",
	    "reservationId", s->reservation,
	    "userId", json_object_get(s->body, "userId"),
	    "email", json_object_get(s->body, "email"),
	    "items", json_object_get(s->body, "items"),
	    "traceId", s->trace_id), gw.order_ms));
}

/*
 * The order service's answer to a create: OUT_OK with the order, OUT_FAIL
 * for a rejection (a 4xx: it is not created), or -1 when the outcome is
 * not known (no answer, a timeout, a 5xx).
 */
static int
create_outcome(struct saga *s)
{
	if ((s->call.status == 201 || s->call.status == 200) &&
	    json_string_value(json_object_get(s->call.body, "orderId"))) {
		json_decref(s->order);
		s->order = json_incref(s->call.body);
		s->unsettled = 0;
		return (OUT_OK);
	}
	kore_log(LOG_ERR, "%s for %s: status %ld %s", steps[s->step].name,
	    s->reservation, s->call.status, s->call.error);
	if (s->call.status >= 400 && s->call.status < 500 &&
	    !call_replayed(s)) {
		s->unsettled = 0;
		saga_error(s, HTTP_STATUS_BAD_GATEWAY, "order_rejected",
		    "the order service rejected the order", NULL);
		return (OUT_FAIL);
	}
	return (-1);
}

static enum outcome
finish_create(struct saga *s, int *retryable)
{
	int	out;

	(void)retryable;
	if ((out = create_outcome(s)) == OUT_OK)
		return (OUT_OK);
	if (out == OUT_FAIL)
		return (OUT_REFUSED);	/* rejected: cancelled to be sure */
	/* It may have been created: settled (or cancelled) before any answer. */
	s->unsettled = 1;
	s->settle_until = svc_now_ms() + (u_int64_t)gw.settle_ms;
	saga_error(s, s->call.timed_out ? HTTP_STATUS_GATEWAY_TIMEOUT :
	    HTTP_STATUS_SERVICE_UNAVAILABLE, "order_service_unavailable",
	    "the order could not be created", NULL);
	return (OUT_FAIL);
}

/* An unknown create: the create again, which tells the order if it stands. */
static enum started
start_settle(struct saga *s)
{
	struct tracing_span	*parent;

	if (s->tries == 1 && (parent = saga_parent(s)) != NULL)
		(void)tracing_span_add_event(parent, "settling an unknown"
		    " create", 0, NULL, 0);
	return (start_create(s));
}

/*
 * The settled create: an order that stands goes on to the e-mail and the
 * 201; a cancelled one (a compensation came first) is refused, its
 * reservation released; still unknown, tried again until settle_until,
 * then cancelled.
 */
static enum outcome
finish_settle(struct saga *s, int *retryable)
{
	const char	*status;
	int		 out;

	if ((out = create_outcome(s)) == -1) {
		*retryable = 1;
		return (OUT_FAIL);
	}
	if (out != OUT_OK)
		return (OUT_FAIL);
	kore_log(LOG_NOTICE, "order %s: an unknown create settled after %d"
	    " tries", s->reservation, s->tries);
	status = json_string_value(json_object_get(s->order, "status"));
	if (status != NULL && !strcmp(status, "cancelled")) {
		saga_error(s, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "order_service_unavailable", "the order could not be"
		    " created", NULL);
		return (OUT_REFUSED);
	}
	return (OUT_OK);
}

static enum started
start_notify(struct saga *s)
{
	return (saga_call(s, HTTP_METHOD_POST, gw.notification,
	    "/v1/notifications", "/v1/notifications",
	    json_pack("{s:O,s:O,s:O,s:O,s:O}",
	    "orderId", json_object_get(s->order, "orderId"),
	    "email", json_object_get(s->body, "email"),
	    "total", json_object_get(s->order, "total"),
	    "currency", json_object_get(s->order, "currency"),
	    "items", json_object_get(s->order, "items")),
	    gw.notification_ms));
}

/* The order stands whatever the e-mail's fate: the 201, saying it. */
static enum outcome
finish_notify(struct saga *s, int *retryable)
{
	const char	*id;

	(void)retryable;
	if (s->call.status == 201) {
		s->notification = json_pack("{s:b,s:O?,s:O?}", "sent", 1,
		    "messageId", json_object_get(s->call.body, "messageId"),
		    "transport", json_object_get(s->call.body, "transport"));
	} else {
		kore_log(LOG_WARNING, "notify %s: status %ld %s",
		    json_string_value(json_object_get(s->order, "orderId")),
		    s->call.status, s->call.error);
		s->notification = json_pack("{s:b,s:s}", "sent", 0, "error",
		    s->call.status == 0 ? (s->call.timed_out ? "timeout" :
		    "unreachable") : error_code(s->call.body) != NULL ?
		    error_code(s->call.body) : "failed");
	}
	id = json_string_value(json_object_get(s->order, "orderId"));
	(void)snprintf(s->location, sizeof(s->location), "/api/orders/%s", id);
	saga_answer(s, HTTP_STATUS_CREATED,
	    json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:O,s:O}",
	    "orderId", id, "traceId", s->trace_id,
	    "status", json_object_get(s->order, "status"),
	    "total", json_object_get(s->order, "total"),
	    "currency", json_object_get(s->order, "currency"),
	    "items", json_object_get(s->order, "items"),
	    "createdAt", json_object_get(s->order, "createdAt"),
	    "notification", s->notification));
	return (OUT_OK);
}

/* A compensation: POST base/v1/reservations/<id>/what. */
static enum started
compensate(struct saga *s, const char *base, const char *what,
    long timeout_ms)
{
	char	path[96], tmpl[64];

	(void)snprintf(path, sizeof(path), "/v1/reservations/%s/%s",
	    s->reservation, what);
	(void)snprintf(tmpl, sizeof(tmpl), "/v1/reservations/{id}/%s", what);
	return (saga_call(s, HTTP_METHOD_POST, base, path, tmpl, NULL,
	    timeout_ms));
}

/*
 * A compensation's outcome. Failed for good, the stock stays reserved
 * (the sweeper gives it back once no order stands): the operator sees
 * the line, the answer says "held".
 */
static enum outcome
compensated(struct saga *s, int *retryable, const char *failure)
{
	if (s->call.status == 200)
		return (OUT_OK);
	if (will_retry(s, (*retryable = call_retryable(s))))
		return (OUT_FAIL);
	kore_log(LOG_ERR, "compensation: %s of %s (status %ld %s); its stock"
	    " stays reserved", failure, s->reservation, s->call.status,
	    s->call.error);
	saga_compensated(s, 0);
	s->error = failure;
	return (OUT_FAIL);
}

/* Compensation 1: no order may stand for this reservation. */
static enum started
start_cancel(struct saga *s)
{
	/* An unknown create's cancel has a settle window of its own. */
	if (s->unsettled && s->tries == 1)
		s->settle_until = svc_now_ms() + (u_int64_t)gw.settle_ms;
	return (compensate(s, gw.order, "cancel-order", gw.order_ms));
}

static enum outcome
finish_cancel(struct saga *s, int *retryable)
{
	enum outcome	out;

	out = compensated(s, retryable, "cannot cancel the order");
	if (out == OUT_OK) {
		s->unsettled = 0;
	} else if (s->unsettled && !will_retry(s, *retryable)) {
		/* Neither created nor cancelled for sure: say so. */
		saga_error(s, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "order_outcome_unknown", "the order service did not say"
		    " whether the order was created, nor confirm its"
		    " cancellation; look it up before ordering again", NULL);
		saga_compensated(s, 0);
	}
	return (out);
}

/* Compensation 2: give the reserved stock back. */
static enum started
start_release(struct saga *s)
{
	return (compensate(s, gw.inventory, "release", gw.inventory_ms));
}

static enum outcome
finish_release(struct saga *s, int *retryable)
{
	if (s->call.status == 200) {
		kore_log(LOG_NOTICE, "order %s: reservation released%s",
		    s->reservation, s->gone ? " (no client waits)" : "");
		saga_compensated(s, 1);
	}
	return (compensated(s, retryable, "cannot release the reservation"));
}

/* The key's end: the answer stored for it, or the claim dropped. */
static enum started
start_key(struct saga *s, int store)
{
	if (!s->claimed)
		return (STARTED_SKIP);
	if (s->answer_text == NULL)
		s->answer_text = s->answer != NULL ?
		    json_dumps(s->answer, JSON_COMPACT) : strdup("{}");
	(void)snprintf(s->status_text, sizeof(s->status_text), "%d",
	    s->status);
	idem_finish_prepare(&s->db, store, s->idem_key, s->reservation,
	    s->status_text, s->answer_text, s->location);
	return (saga_db(s));
}

static enum started
start_store(struct saga *s)
{
	return (start_key(s, 1));
}

static enum started
start_drop(struct saga *s)
{
	return (start_key(s, 0));
}

static enum outcome
finish_key(struct saga *s, int *retryable)
{
	if (s->db_rc == SVC_DB_DONE)
		return (OUT_OK);
	kore_log(LOG_ERR, "idempotency %s of %s: %s", steps[s->step].name,
	    s->reservation, s->db.error);
	if (!will_retry(s, (*retryable = s->db.unavailable)))
		s->error = "cannot finish the Idempotency-Key";
	return (OUT_FAIL);
}

/*
 * A saga for the order in body (taken), attached to req, with its key and
 * body hash when the request has an Idempotency-Key (key NULL: none).
 * Runs its first step: it may have ended already (saga_finished).
 */
struct saga *
saga_start(struct http_request *req, json_t *body, const char *key,
    const char *hash)
{
	struct saga	*s;

	s = kore_calloc(1, sizeof(*s));
	s->req = req;
	s->body = body;
	(void)snprintf(s->trace_id, sizeof(s->trace_id), "%s",
	    svc_trace_id(req));
	(void)snprintf(s->reservation, sizeof(s->reservation), "res_");
	svc_random_hex(s->reservation + 4, 32);
	if (key != NULL) {
		s->has_idem = 1;
		(void)snprintf(s->idem_key, sizeof(s->idem_key), "%s", key);
		(void)snprintf(s->body_hash, sizeof(s->body_hash), "%s", hash);
	}
	s->step = s->has_idem ? STEP_CLAIM : STEP_RESERVE;
	saga_run(s);
	return (s);
}

/* The root span tells the order's outcome. */
static void
saga_outcome(struct http_request *req, struct saga *s)
{
	struct tracing_span	*span = svc_request_get(req)->span;
	const char		*code, *outcome;

	if (span == NULL)
		return;
	code = error_code(s->answer);
	if (s->replayed)
		outcome = "replayed";
	else if (s->status == HTTP_STATUS_CREATED)
		outcome = "created";
	else if (code != NULL)
		outcome = code;
	else
		outcome = "failed";
	(void)tracing_span_set_str(span, "order.outcome", outcome);
	if (s->order != NULL)
		(void)tracing_span_set_str(span, "order.id", json_string_value(
		    json_object_get(s->order, "orderId")));
	(void)tracing_span_set_int(span, "order.item_count",
	    (int64_t)json_array_size(json_object_get(s->body, "items")));
	if (s->has_idem)
		(void)tracing_span_set_bool(span, "order.idempotency_key", 1);
	if (s->notification != NULL)
		(void)tracing_span_set_bool(span, "order.notification_sent",
		    json_is_true(json_object_get(s->notification, "sent")));
}

/* A finished saga's answer to its request; the saga is freed. */
void
saga_reply(struct http_request *req, struct saga *s)
{
	saga_outcome(req, s);
	if (s->answer_text == NULL && s->answer != NULL)
		s->answer_text = json_dumps(s->answer, JSON_COMPACT);
	if (s->location[0] != '\0')
		http_response_header(req, "location", s->location);
	if (s->replayed)
		http_response_header(req, "idempotent-replayed", "true");
	if (s->retry_after)
		http_response_header(req, "retry-after", "1");
	http_response_header(req, "content-type", "application/json");
	http_response(req, s->status, s->answer_text,
	    s->answer_text != NULL ? strlen(s->answer_text) : 0);
	saga_free(s);
}

/* From now on no client waits: the saga's work goes under span. */
static void
saga_alone(struct saga *s, struct tracing_span *span)
{
	s->span = span;
	(void)tracing_span_set_str(s->span, "order.reservation_id",
	    s->reservation);
	s->req = NULL;
	s->gone = 1;
	detached++;
}

/*
 * The request ends before the saga (its client hung up): the saga goes
 * on alone, under a "finish abandoned order" span of the request's trace.
 */
void
saga_detach(struct saga *s, struct http_request *req)
{
	if (s->step == STEP_END) {
		saga_free(s);
		return;
	}
	saga_alone(s, svc_span_start(req, "finish abandoned order",
	    TRACING_SPAN_INTERNAL));
	(void)tracing_span_set_str(s->span, "order.resumed_at",
	    steps[s->step].name);
	kore_log(LOG_NOTICE, "abandoned order: the client of %s hung up"
	    " during %s; finishing it", s->reservation, steps[s->step].name);
}

/*
 * The sweeper found this reservation held with no confirmed order (its
 * gateway died mid-order): a saga of its own cancels the order of it and
 * releases it, under a "recover held reservation" span; done(arg, ok) says
 * how it went.
 */
void
saga_recover(const char *reservation, struct tracing_span *parent,
    void (*done)(void *, int), void *arg)
{
	struct saga	*s;

	s = kore_calloc(1, sizeof(*s));
	s->done = done;
	s->done_arg = arg;
	(void)snprintf(s->reservation, sizeof(s->reservation), "%s",
	    reservation);
	saga_alone(s, svc_span_child(parent, "recover held reservation",
	    TRACING_SPAN_INTERNAL));
	s->step = STEP_CANCEL;
	saga_run(s);
}
