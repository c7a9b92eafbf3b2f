/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_saga.c: unit tests of the gateway's order saga (api-gateway/src/
 * saga.c) without Kore, PostgreSQL or the other services: the calls,
 * statements, timers and the request it uses are stand-ins defined here,
 * which record what the saga asked for; each test answers them one by one
 * and checks the next step, what the client is answered, and what happens
 * once no client waits (the compensations, their retries, the sweeper's
 * recovery).
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

#include "tap.h"

struct gw_config	gw;

/* --- the stand-ins ------------------------------------------------- */

static struct {
	struct svc_call	*call;
	void		(*done)(struct svc_call *, void *);
	void		*arg;
	char		 what[160];	/* "POST /v1/orders" */
	int		 pending;
} calls[64];
static int	ncalls;
static int	call_refuse;		/* the next call cannot start */

static struct {
	struct svc_db	*db;
	void		(*done)(struct svc_db *, int, void *);
	void		*arg;
	char		 query[64];	/* its first words */
	int		 pending;
} stmts[64];
static int	nstmts;
static int	db_now = SVC_DB_PENDING;	/* what the next statement gives */

static struct {
	void		(*cb)(void *, u_int64_t);
	void		*arg;
} timers[16];
static int	ntimers;

static u_int64_t	clock_ms = 1000000;	/* svc_now_ms() */
static int	wakeups, answered_status;
static char	answered_body[2048], answered_headers[512];
static struct svc_request	fake_sr;
static struct http_request	fake_http;
static struct http_request	*fake_req = &fake_http;

void *
kore_calloc(size_t n, size_t len)
{
	void	*p;

	if ((p = calloc(n, len)) == NULL)
		abort();
	return (p);
}

void
kore_free(void *p)
{
	free(p);
}

void
kore_log(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

struct kore_timer *
kore_timer_add(void (*cb)(void *, u_int64_t), u_int64_t ms, void *arg,
    int flags)
{
	(void)ms;
	(void)flags;
	timers[ntimers].cb = cb;
	timers[ntimers].arg = arg;
	ntimers++;
	return (NULL);
}

u_int64_t
svc_now_ms(void)
{
	return (clock_ms);
}

int
tracing_span_add_event(struct tracing_span *s, const char *name,
    uint64_t ts, const struct tracing_attr *a, size_t n)
{
	(void)s;
	(void)name;
	(void)ts;
	(void)a;
	(void)n;
	return (0);
}

void
http_request_wakeup(struct http_request *req)
{
	(void)req;
	wakeups++;
}

void
http_response_header(struct http_request *req, const char *h, const char *v)
{
	size_t	len = strlen(answered_headers);

	(void)req;
	(void)snprintf(answered_headers + len, sizeof(answered_headers) - len,
	    "%s: %s\n", h, v);
}

void
http_response(struct http_request *req, int status, const void *d, size_t l)
{
	(void)req;
	answered_status = status;
	(void)snprintf(answered_body, sizeof(answered_body), "%.*s", (int)l,
	    (const char *)d);
}

struct svc_request *
svc_request_get(struct http_request *req)
{
	(void)req;
	return (&fake_sr);
}

const char *
svc_trace_id(struct http_request *req)
{
	(void)req;
	return ("0123456789abcdef0123456789abcdef");
}

void
svc_random_hex(char *out, size_t n)
{
	memset(out, 'a', n);
	out[n] = '\0';
}

struct tracing_span *
svc_span_start(struct http_request *req, const char *name, int kind)
{
	(void)req;
	(void)name;
	(void)kind;
	return (NULL);
}

struct tracing_span *
svc_span_child(struct tracing_span *parent, const char *name, int kind)
{
	(void)parent;
	(void)name;
	(void)kind;
	return (NULL);
}

void
svc_span_end(struct tracing_span *s)
{
	(void)s;
}

int
tracing_span_set_str(struct tracing_span *s, const char *k, const char *v)
{
	(void)s;
	(void)k;
	(void)v;
	return (0);
}

int
tracing_span_set_int(struct tracing_span *s, const char *k, int64_t v)
{
	(void)s;
	(void)k;
	(void)v;
	return (0);
}

int
tracing_span_set_bool(struct tracing_span *s, const char *k, int v)
{
	(void)s;
	(void)k;
	(void)v;
	return (0);
}

int
tracing_span_set_status(struct tracing_span *s, int code, const char *d)
{
	(void)s;
	(void)code;
	(void)d;
	return (0);
}

int
svc_call_detached(struct svc_call *call, int method, const char *url,
    const char *tmpl, json_t *body, long timeout_ms,
    struct tracing_span *parent, struct tracing_context *ctx,
    void (*done)(struct svc_call *, void *), void *arg)
{
	(void)method;
	(void)url;
	(void)body;
	(void)timeout_ms;
	(void)parent;
	(void)ctx;
	json_decref(call->body);
	memset(call, 0, sizeof(*call));
	if (call_refuse) {
		call_refuse = 0;
		(void)snprintf(call->error, sizeof(call->error), "refused");
		return (KORE_RESULT_ERROR);
	}
	calls[ncalls].call = call;
	calls[ncalls].done = done;
	calls[ncalls].arg = arg;
	calls[ncalls].pending = 1;
	(void)snprintf(calls[ncalls].what, sizeof(calls[ncalls].what),
	    "POST %s", tmpl);
	ncalls++;
	return (KORE_RESULT_OK);
}

void
svc_call_cleanup(struct svc_call *call)
{
	json_decref(call->body);
	call->body = NULL;
}

void
svc_db_prepare(struct svc_db *db, const char *dbname, const char *query)
{
	json_decref(db->rows);
	memset(db, 0, sizeof(*db));
	db->dbname = dbname;
	db->query = query;
}

void
svc_db_param(struct svc_db *db, const char *v)
{
	db->params[db->nparams++] = v;
}

int
svc_db_detached(struct svc_db *db, void (*done)(struct svc_db *, int, void *),
    void *arg)
{
	size_t	n;

	if (db_now != SVC_DB_PENDING) {
		(void)snprintf(db->error, sizeof(db->error), "down");
		db->unavailable = 1;
		return (db_now);
	}
	stmts[nstmts].db = db;
	stmts[nstmts].done = done;
	stmts[nstmts].arg = arg;
	stmts[nstmts].pending = 1;
	n = strcspn(db->query, "(");
	(void)snprintf(stmts[nstmts].query, sizeof(stmts[nstmts].query),
	    "%.*s", (int)(n < 40 ? n : 40), db->query);
	nstmts++;
	return (SVC_DB_PENDING);
}

void
svc_db_cleanup(struct svc_db *db)
{
	json_decref(db->rows);
	db->rows = NULL;
}

const char *
svc_db_value(struct svc_db *db, int row, const char *field)
{
	return (json_string_value(json_object_get(json_array_get(db->rows,
	    (size_t)row), field)));
}

long long
svc_db_int(struct svc_db *db, int row, const char *field)
{
	const char	*v = svc_db_value(db, row, field);

	return (v != NULL ? strtoll(v, NULL, 10) : 0);
}

/* --- driving the saga ----------------------------------------------- */

static void
reset(void)
{
	ncalls = nstmts = ntimers = wakeups = answered_status = 0;
	answered_body[0] = answered_headers[0] = '\0';
	db_now = SVC_DB_PENDING;
	call_refuse = 0;
}

/* The call the saga is waiting for, by name, or NULL. */
static const char *
waiting(void)
{
	int	i;

	for (i = 0; i < ncalls; i++)
		if (calls[i].pending)
			return (calls[i].what);
	for (i = 0; i < nstmts; i++)
		if (stmts[i].pending)
			return (stmts[i].query);
	return ("");
}

/* Answers the pending call: status and JSON body (or NULL). */
static void
answer(long status, const char *body)
{
	int	i;

	for (i = 0; i < ncalls && !calls[i].pending; i++)
		;
	if (i == ncalls) {
		ok(0, "a call is pending");
		return;
	}
	calls[i].pending = 0;
	calls[i].call->status = status;
	calls[i].call->body = body != NULL ? json_loads(body, 0, NULL) : NULL;
	calls[i].done(calls[i].call, calls[i].arg);
}

/* Answers the pending statement: rc and its rows (JSON array or NULL). */
static void
result(int rc, const char *rows)
{
	int	i;

	for (i = 0; i < nstmts && !stmts[i].pending; i++)
		;
	if (i == nstmts) {
		ok(0, "a statement is pending");
		return;
	}
	stmts[i].pending = 0;
	if (rows != NULL)
		stmts[i].db->rows = json_loads(rows, 0, NULL);
	if (rc == SVC_DB_ERROR) {
		(void)snprintf(stmts[i].db->error, sizeof(stmts[i].db->error),
		    "down");
		stmts[i].db->unavailable = 1;
	}
	stmts[i].done(stmts[i].db, rc, stmts[i].arg);
}

/* Fires the timers set so far (the saga's retries). */
static void
fire(void)
{
	int	i, n = ntimers;

	ntimers = 0;
	for (i = 0; i < n; i++)
		timers[i].cb(timers[i].arg, 0);
}

static struct saga *
order(int with_key)
{
	json_t	*body;

	body = json_loads("{\"userId\":1,\"email\":\"a@b.co\",\"items\":"
	    "[{\"sku\":\"S\",\"quantity\":2,\"price\":5.0}]}", 0, NULL);
	return (saga_start(fake_req, body, with_key ? "k1" : NULL,
	    with_key ? "hash" : NULL));
}

#define CLAIMED	"[{\"outcome\":\"claimed\"}]"
#define RESERVED	"{\"reservationId\":\"res_x\"}"
#define ORDER	"{\"orderId\":\"o1\",\"status\":\"confirmed\",\"total\":10," \
		"\"currency\":\"USD\",\"items\":[],\"createdAt\":\"t\"}"
#define SENT	"{\"messageId\":\"m1\",\"transport\":\"maildir\"}"

static void
reply(struct saga *s)
{
	ok(saga_finished(s), "the saga has ended when its request replies");
	saga_reply(fake_req, s);
}

static void
test_happy(void)
{
	struct saga	*s;

	reset();
	s = order(1);
	ok(!strncmp(waiting(), "SELECT outcome, status", 22),
	    "with a key, the saga claims it first (%s)", waiting());
	result(SVC_DB_DONE, CLAIMED);
	ok(!strcmp(waiting(), "POST /v1/reservations"), "then reserves");
	answer(201, RESERVED);
	ok(!strcmp(waiting(), "POST /v1/orders"), "then creates the order");
	answer(201, ORDER);
	ok(!strcmp(waiting(), "POST /v1/notifications"), "then notifies");
	answer(201, SENT);
	ok(!strncmp(waiting(), "UPDATE idempotency_keys", 23),
	    "then stores the answer for the key");
	ok(wakeups == 0 && !saga_finished(s), "the request sleeps meanwhile");
	result(SVC_DB_DONE, NULL);
	ok(wakeups == 1, "the end wakes the request");
	reply(s);
	ok(answered_status == 201 && strstr(answered_body, "\"orderId\":\"o1\"")
	    && strstr(answered_body, "\"sent\":true") &&
	    strstr(answered_headers, "location: /api/orders/o1"),
	    "201 with the order, the e-mail sent, its Location");
}

static void
test_out_of_stock(void)
{
	struct saga	*s;

	reset();
	s = order(1);
	result(SVC_DB_DONE, CLAIMED);
	answer(409, "{\"error\":{\"code\":\"out_of_stock\",\"sku\":\"S\","
	    "\"requested\":2,\"available\":1}}");
	ok(!strncmp(waiting(), "UPDATE idempotency_keys", 23),
	    "out of stock: a definitive answer, stored for the key");
	result(SVC_DB_DONE, NULL);
	reply(s);
	ok(answered_status == 400 && strstr(answered_body, "out_of_stock") &&
	    strstr(answered_body, "\"available\":1") && ncalls == 1,
	    "out of stock: 400 with the sku's figures, nothing to compensate");
}

static void
test_create_fails(void)
{
	struct saga	*s;

	reset();
	s = order(1);
	result(SVC_DB_DONE, CLAIMED);
	answer(201, RESERVED);
	answer(503, NULL);
	ok(!strcmp(waiting(), "POST /v1/orders"),
	    "create failed (503): the create's outcome is settled first,"
	    " by the create again");
	answer(0, NULL);
	ok(ntimers == 1 && !strcmp(waiting(), ""),
	    "no answer to the settle: tried again after a pause, the client"
	    " waiting");
	fire();
	clock_ms += gw.settle_ms;
	answer(503, NULL);
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/cancel-order"),
	    "still unknown at the settle deadline: its order is cancelled");
	answer(200, "{}");
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/release"),
	    "then the reservation released");
	answer(200, "{}");
	ok(!strncmp(waiting(), "DELETE FROM idempotency_keys", 28),
	    "then the claim dropped (a retry orders afresh)");
	result(SVC_DB_DONE, NULL);
	reply(s);
	ok(answered_status == 503 && strstr(answered_body,
	    "order_service_unavailable") && strstr(answered_body,
	    "\"reservation\":\"released\""),
	    "503, saying the reservation was released");
}

/* A create whose answer was lost: the order stands, and is answered 201. */
static void
test_settle_found(void)
{
	struct saga	*s;

	reset();
	s = order(0);
	answer(201, RESERVED);
	answer(0, NULL);
	ok(!strcmp(waiting(), "POST /v1/orders"),
	    "a create with no answer is sent again to settle it");
	answer(200, ORDER);
	ok(!strcmp(waiting(), "POST /v1/notifications"),
	    "the order stood: on to the e-mail, nothing compensated");
	answer(201, SENT);
	reply(s);
	ok(answered_status == 201 && strstr(answered_body,
	    "\"orderId\":\"o1\"") && ncalls == 4,
	    "201 with the order whose first answer was lost");

	/* Cancelled meanwhile (the sweeper came first): released, 503. */
	reset();
	s = order(0);
	answer(201, RESERVED);
	answer(504, NULL);
	answer(200, "{\"orderId\":\"o2\",\"status\":\"cancelled\"}");
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/release"),
	    "a settled order found cancelled: its reservation released");
	answer(200, "{}");
	reply(s);
	ok(answered_status == 503 && strstr(answered_body,
	    "\"reservation\":\"released\""), "503, released: no order stands");

	/*
	 * 401 replayed: libcurl sent the create again on a new connection
	 * after the first died with no answer; the first was served. As
	 * unknown as a lost answer: settled by a new call.
	 */
	reset();
	s = order(0);
	answer(201, RESERVED);
	answer(401, "{\"error\":{\"code\":\"replayed\"}}");
	ok(!strcmp(waiting(), "POST /v1/orders") && ntimers == 0,
	    "a create answered 401 replayed is settled, not taken as refused");
	answer(401, "{\"error\":{\"code\":\"replayed\"}}");
	ok(ntimers == 1, "a settle answered 401 replayed is tried again");
	fire();
	answer(200, ORDER);
	answer(201, SENT);
	reply(s);
	ok(answered_status == 201, "and the order that stood is answered 201");

	/* A settle refused (4xx): not created, cancelled to be sure. */
	reset();
	s = order(0);
	answer(201, RESERVED);
	answer(0, NULL);
	answer(400, "{}");
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/cancel-order") &&
	    ntimers == 0, "a settle refused: cancelled at once, no retry");
	answer(200, "{}");
	answer(200, "{}");
	reply(s);
	ok(answered_status == 502 && strstr(answered_body, "order_rejected"),
	    "502 order_rejected");
}

/*
 * Neither the create nor its cancel could be told before their deadlines:
 * the client hears that the outcome is unknown, never that it failed.
 */
static void
test_settle_unknown(void)
{
	struct saga	*s;
	int		 i;

	reset();
	s = order(0);
	answer(201, RESERVED);
	answer(0, NULL);
	for (i = 0; i < 3; i++) {
		answer(0, NULL);
		fire();
	}
	clock_ms += gw.settle_ms;
	answer(0, NULL);
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/cancel-order"),
	    "settle deadline passed: cancel");
	answer(503, NULL);
	ok(ntimers == 1, "an unknown create's cancel is retried while a"
	    " client waits");
	fire();
	clock_ms += gw.settle_ms;
	answer(0, NULL);
	ok(saga_finished(s) && ntimers == 0, "its deadline passed: the end");
	reply(s);
	ok(answered_status == 503 && strstr(answered_body,
	    "order_outcome_unknown") && strstr(answered_body,
	    "\"reservation\":\"held\"") && !strstr(answered_body,
	    "could not be created"), "503 order_outcome_unknown, the stock"
	    " held: never a claim that it failed (%s)", answered_body);
}

static void
test_cancel_fails_attached(void)
{
	struct saga	*s;

	reset();
	s = order(0);
	answer(201, RESERVED);
	answer(400, "{}");
	answer(503, NULL);
	ok(saga_finished(s) && ntimers == 0 && ncalls == 3,
	    "a client waits: a failed cancel is not retried, the release not"
	    " tried (the order may exist)");
	reply(s);
	ok(answered_status == 502 && strstr(answered_body, "order_rejected") &&
	    strstr(answered_body, "\"reservation\":\"held\""),
	    "502, saying the stock stays held");
}

static void
test_reserve_cannot_start(void)
{
	struct saga	*s;

	reset();
	call_refuse = 1;
	s = order(0);
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/release"),
	    "a call that cannot start is a failure: released to be sure");
	answer(200, "{}");
	reply(s);
	ok(answered_status == 503 && strstr(answered_body,
	    "inventory_unavailable"), "503 inventory_unavailable");
}

static void
test_claim_outcomes(void)
{
	struct saga	*s;

	reset();
	s = order(1);
	result(SVC_DB_DONE, "[{\"outcome\":\"replay\",\"status\":\"201\","
	    "\"response\":\"{\\\"orderId\\\":\\\"o0\\\"}\","
	    "\"location\":\"/api/orders/o0\"}]");
	reply(s);
	ok(answered_status == 201 && !strcmp(answered_body,
	    "{\"orderId\":\"o0\"}") && strstr(answered_headers,
	    "idempotent-replayed: true") && ncalls == 0,
	    "a key done before: its answer replayed, nothing called");

	reset();
	s = order(1);
	result(SVC_DB_DONE, "[{\"outcome\":\"busy\"}]");
	reply(s);
	ok(answered_status == 409 && strstr(answered_headers,
	    "retry-after: 1") && nstmts == 1,
	    "a key in use: 409 with Retry-After, nothing more");

	reset();
	s = order(1);
	result(SVC_DB_DONE, "[{\"outcome\":\"mismatch\"}]");
	reply(s);
	ok(answered_status == 422 && strstr(answered_body,
	    "idempotency_key_reused"), "a key reused with another body: 422");

	reset();
	db_now = SVC_DB_ERROR;
	s = order(1);
	ok(saga_finished(s) && wakeups == 1,
	    "the database down at once: the saga ends in saga_start");
	reply(s);
	ok(answered_status == 503 && strstr(answered_body,
	    "database_unavailable"), "503 database_unavailable");
}

static void
test_gone(void)
{
	struct saga	*s;

	/* Gone while the stock is reserved: the call finishes, then undone. */
	reset();
	s = order(1);
	result(SVC_DB_DONE, CLAIMED);
	saga_detach(s, fake_req);
	ok(saga_detached() == 1, "a client gone: the saga goes on alone");
	answer(201, RESERVED);
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/release"),
	    "gone during reserve: the reservation made is released");
	answer(200, "{}");
	ok(!strncmp(waiting(), "DELETE FROM idempotency_keys", 28),
	    "then the claim dropped");
	result(SVC_DB_DONE, NULL);
	ok(saga_detached() == 0 && wakeups == 0 && answered_status == 0,
	    "then it ends, freed, no one answered");

	/* Gone while the order is created: created, then cancelled. */
	reset();
	s = order(0);
	answer(201, RESERVED);
	saga_detach(s, fake_req);
	answer(201, ORDER);
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/cancel-order"),
	    "gone during create: the order made is cancelled");
	answer(200, "{}");
	answer(200, "{}");
	ok(saga_detached() == 0 && ncalls == 4,
	    "and its reservation released; no claim to drop");

	/* Gone while the e-mail goes: the order stands, its 201 is kept. */
	reset();
	s = order(1);
	result(SVC_DB_DONE, CLAIMED);
	answer(201, RESERVED);
	answer(201, ORDER);
	saga_detach(s, fake_req);
	answer(201, SENT);
	ok(!strncmp(waiting(), "UPDATE idempotency_keys", 23) &&
	    strstr(stmts[nstmts - 1].db->params[3], "\"sent\":true") &&
	    !strcmp(stmts[nstmts - 1].db->params[2], "201"),
	    "gone during notify: the 201 with the e-mail's outcome is stored");
	result(SVC_DB_DONE, NULL);
	ok(saga_detached() == 0, "and the saga ends");
}

static int	recovered = -1;

static void
recover_done(void *arg, int ok_)
{
	(void)arg;
	recovered = ok_;
}

static void
test_retries(void)
{
	struct saga	*s;

	/* Detached, a release that fails may pass: tried again later. */
	reset();
	s = order(0);
	answer(201, RESERVED);
	saga_detach(s, fake_req);
	answer(503, NULL);
	answer(200, "{}");
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/release"),
	    "detached: a failed create is compensated");
	answer(503, NULL);
	ok(ntimers == 1 && !strcmp(waiting(), ""),
	    "detached: a failed release waits for a retry");
	fire();
	answer(200, "{}");
	ok(saga_detached() == 0, "the second try released it");

	/* The sweeper's recovery: cancel, release, done(ok). */
	reset();
	recovered = -1;
	saga_recover("res_y", NULL, recover_done, NULL);
	ok(!strcmp(waiting(), "POST /v1/reservations/{id}/cancel-order"),
	    "the sweeper enters at the compensation: cancel first");
	answer(200, "{}");
	answer(200, "{}");
	ok(recovered == 1 && saga_detached() == 0,
	    "then release; the sweeper hears it went well");

	/* A cancel failing three times: given up, the stock kept. */
	reset();
	recovered = -1;
	saga_recover("res_z", NULL, recover_done, NULL);
	answer(503, NULL);
	fire();
	answer(0, NULL);
	fire();
	answer(502, NULL);
	ok(recovered == 0 && ncalls == 3 && ntimers == 0,
	    "a cancel failing 3 times: given up, the release never tried");

	/* A 4xx is not retried. */
	reset();
	recovered = -1;
	saga_recover("res_w", NULL, recover_done, NULL);
	answer(404, NULL);
	ok(recovered == 0 && ncalls == 1, "a cancel refused (404): not retried");
}

int
main(void)
{
	gw.inventory = "http://inv";
	gw.order = "http://ord";
	gw.notification = "http://ntf";
	gw.settle_ms = 5000;
	(void)snprintf(gw.stale_s, sizeof(gw.stale_s), "60");
	test_happy();
	test_out_of_stock();
	test_create_fails();
	test_settle_found();
	test_settle_unknown();
	test_cancel_fails_attached();
	test_reserve_cannot_start();
	test_claim_outcomes();
	test_gone();
	test_retries();
	tap_plan();
	return (tap_done());
}
