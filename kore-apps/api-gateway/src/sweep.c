/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sweep.c: the gateway's reservation sweeper. A gateway that dies (or is
 * stopped past SHUTDOWN_DRAIN_MS) between a reservation and its order
 * leaves the stock held. Every RESERVATION_SWEEP_S, in the first worker,
 * the sweeper reads the reservations still held that are older than
 * RESERVATION_STALE_S (longer than any order flow runs) from the inventory,
 * a page at a time behind a cursor kept in the gateway's database, asks the
 * order service which of them have an order, and hands each one without a
 * confirmed order to the gateway's compensation (cancel the order of that
 * reservation, release it): the same steps as for a client gone mid-order.
 * The cursor moves past a page once every reservation of it was given back;
 * a page with one that could not be is read again in the next round. Each
 * reservation is otherwise read once: one pass over the new ones.
 *
 * A round never blocks the next ones: whatever fails (a statement, a call,
 * the database restarting under it) ends the round, logged, and the next
 * tick starts afresh; a round still running past its deadline (a statement
 * or call whose answer never comes) is abandoned, its statement and call
 * torn down. Every round logs one line with what it did; a round that
 * succeeds after failed ones says the sweeper recovered.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_call.h"
#include "svc_db.h"
#include "svc_drain.h"
#include "svc_env.h"
#include "svc_trace.h"
#include "svc_util.h"

#include "sweep.h"

#include <tracing.h>

#define SWEEP_PAGE	500

enum sweep_step {
	SWEEP_CURSOR,
	SWEEP_HELD,
	SWEEP_LOOKUP,
	SWEEP_SAVE,
};

static struct {
	const char	*inventory;
	const char	*order;
	long		 inventory_ms;
	long		 order_ms;
	long long	 stale_s;
	sweep_recover_fn *recover;

	int		 running;
	enum sweep_step	 step;
	struct tracing_span *span;
	struct svc_db	 db;
	struct svc_call	 call;
	json_t		*page;		/* the held reservations read */
	char		 after_us[24], after_id[80];	/* the cursor read */
	char		 next_us[24], next_id[80];	/* and its successor */
	size_t		 checked, recovered;
	size_t		 outstanding;	/* recoveries of this page running */
	size_t		 failed;
	int		 waiting;	/* for them, before saving the cursor */

	u_int64_t	 started_ms;	/* of the round running */
	u_int64_t	 deadline_ms;	/* a round running longer is abandoned */
	u_int64_t	 rounds;
	u_int64_t	 failures;	/* rounds failed in a row */
} sw;

static void	sweep_next(void);

static const char *sweep_step_name[] = {
	"reading the cursor", "listing held reservations",
	"looking the orders up", "saving the cursor",
};

static void
sweep_end(const char *error)
{
	u_int64_t	ms = svc_now_ms() - sw.started_ms;

	sw.rounds++;
	if (error != NULL) {
		sw.failures++;
		kore_log(LOG_WARNING, "sweeper: round %llu failed after %llu ms"
		    " (%s, %llu in a row): %s; again in the next round",
		    (unsigned long long)sw.rounds, (unsigned long long)ms,
		    sweep_step_name[sw.step], (unsigned long long)sw.failures,
		    error);
		(void)tracing_span_set_status(sw.span, TRACING_STATUS_ERROR,
		    error);
	} else {
		if (sw.failures > 0) {
			kore_log(LOG_NOTICE, "sweeper: recovered after %llu"
			    " failed rounds", (unsigned long long)sw.failures);
		}
		sw.failures = 0;
		kore_log(LOG_NOTICE, "sweeper: round %llu done in %llu ms: %zu"
		    " held reservations checked, %zu with no order handed to"
		    " compensation", (unsigned long long)sw.rounds,
		    (unsigned long long)ms, sw.checked, sw.recovered);
	}
	(void)tracing_span_set_int(sw.span, "sweep.checked",
	    (long long)sw.checked);
	(void)tracing_span_set_int(sw.span, "sweep.recovered",
	    (long long)sw.recovered);
	svc_span_end(sw.span);
	sw.span = NULL;
	svc_call_cleanup(&sw.call);
	svc_db_cleanup(&sw.db);
	json_decref(sw.page);
	sw.page = NULL;
	sw.outstanding = 0;
	sw.waiting = 0;
	sw.running = 0;
}

static void
sweep_db_done(struct svc_db *db, int rc, void *arg)
{
	const char	*us, *id;

	(void)arg;
	if (rc != SVC_DB_DONE) {
		sweep_end(db->error[0] != '\0' ? db->error :
		    "the gateway database failed");
		return;
	}
	if (sw.step == SWEEP_CURSOR) {
		us = svc_db_value(db, 0, "after_us");
		id = svc_db_value(db, 0, "after_id");
		if (us == NULL || id == NULL) {
			sweep_end("no sweep cursor in the gateway database");
			return;
		}
		(void)snprintf(sw.after_us, sizeof(sw.after_us), "%s", us);
		(void)snprintf(sw.after_id, sizeof(sw.after_id), "%s", id);
		sw.step = SWEEP_HELD;
		sweep_next();
		return;
	}
	/* SWEEP_SAVE: a full page means there may be more. */
	if (json_array_size(sw.page) < SWEEP_PAGE || svc_stopping()) {
		sweep_end(NULL);
		return;
	}
	(void)snprintf(sw.after_us, sizeof(sw.after_us), "%s", sw.next_us);
	(void)snprintf(sw.after_id, sizeof(sw.after_id), "%s", sw.next_id);
	sw.step = SWEEP_HELD;
	sweep_next();
}

/* The inventory's page of held reservations: remember it and its end. */
static int
sweep_held(struct svc_call *call)
{
	json_t		*last;
	const char	*id;

	json_decref(sw.page);
	sw.page = json_incref(json_object_get(call->body, "reservations"));
	if (!json_is_array(sw.page))
		return (0);
	if (json_array_size(sw.page) == 0)
		return (1);
	last = json_array_get(sw.page, json_array_size(sw.page) - 1);
	id = json_string_value(json_object_get(last, "id"));
	if (id == NULL || !json_is_integer(json_object_get(last, "createdUs")))
		return (0);
	(void)snprintf(sw.next_us, sizeof(sw.next_us), "%lld", (long long)
	    json_integer_value(json_object_get(last, "createdUs")));
	(void)snprintf(sw.next_id, sizeof(sw.next_id), "%s", id);
	return (1);
}

/* The page's recoveries are all done: save the cursor, unless one failed. */
static void
sweep_page_done(void)
{
	char	msg[128];

	sw.waiting = 0;
	if (sw.failed > 0) {
		(void)snprintf(msg, sizeof(msg), "%zu held reservations could"
		    " not be given back; their page is read again", sw.failed);
		sweep_end(msg);
		return;
	}
	sweep_next();
}

static void
sweep_recovered(void *arg, int ok)
{
	/* A recovery of a round abandoned meanwhile counts for nothing. */
	if ((u_int64_t)(uintptr_t)arg != sw.rounds || !sw.running)
		return;
	sw.outstanding--;
	if (!ok)
		sw.failed++;
	if (sw.outstanding == 0 && sw.waiting)
		sweep_page_done();
}

/* The order service's answer: compensate those with no confirmed order. */
static void
sweep_lookup(struct svc_call *call)
{
	json_t		*orders, *r;
	const char	*id, *status;
	size_t		 i;

	orders = json_object_get(call->body, "orders");
	json_array_foreach(sw.page, i, r) {
		id = json_string_value(json_object_get(r, "id"));
		if (id == NULL)
			continue;
		sw.checked++;
		status = json_string_value(json_object_get(orders, id));
		if (status != NULL && strcmp(status, "confirmed") == 0)
			continue;
		sw.recovered++;
		sw.outstanding++;
		kore_log(LOG_NOTICE, "sweeper: reservation %s is held with %s;"
		    " cancelling and releasing it", id, status != NULL ?
		    "a cancelled order" : "no order");
		sw.recover(id, sw.span, sweep_recovered,
		    (void *)(uintptr_t)sw.rounds);
	}
}

static void
sweep_call_done(struct svc_call *call, void *arg)
{
	(void)arg;
	if (call->status != 200 || !json_is_object(call->body)) {
		sweep_end(call->status == 0 ? call->error :
		    sw.step == SWEEP_HELD ? "the inventory did not list the"
		    " held reservations" : "the order service did not look"
		    " the orders up");
		return;
	}
	if (sw.step == SWEEP_HELD) {
		if (!sweep_held(call)) {
			sweep_end("the inventory's list of held reservations"
			    " is malformed");
			return;
		}
		if (json_array_size(sw.page) == 0) {
			sweep_end(NULL);
			return;
		}
		sw.step = SWEEP_LOOKUP;
	} else {
		/* Recoveries may end at once (a call that cannot start). */
		sw.step = SWEEP_SAVE;
		sw.failed = 0;
		sweep_lookup(call);
		sw.waiting = 1;
		if (sw.outstanding == 0)
			sweep_page_done();
		return;
	}
	sweep_next();
}

/* Runs the statement prepared in sw.db under the sweep's span. */
static void
sweep_db_start(void)
{
	int	rc;

	sw.db.parent = sw.span;
	if ((rc = svc_db_detached(&sw.db, sweep_db_done, NULL)) !=
	    SVC_DB_PENDING)
		sweep_db_done(&sw.db, rc, NULL);
}

static void
sweep_next(void)
{
	json_t		*body, *ids, *r;
	char		 url[512];
	const char	*base, *path, *tmpl;
	long		 timeout;
	size_t		 i;
	int		 rc;

	switch (sw.step) {
	case SWEEP_CURSOR:
		svc_db_prepare(&sw.db, "gateway", "SELECT after_us, after_id"
		    " FROM sweep_cursor WHERE name = 'reservations'");
		sweep_db_start();
		return;
	case SWEEP_SAVE:
		/* Only from where this round started: another gateway may
		 * have moved it meanwhile (then this round's work is done
		 * twice, harmlessly). */
		svc_db_prepare(&sw.db, "gateway", "UPDATE sweep_cursor SET"
		    " after_us = $1::bigint, after_id = $2, updated_at = now()"
		    " WHERE name = 'reservations' AND after_us = $3::bigint"
		    " AND after_id = $4");
		svc_db_param(&sw.db, sw.next_us);
		svc_db_param(&sw.db, sw.next_id);
		svc_db_param(&sw.db, sw.after_us);
		svc_db_param(&sw.db, sw.after_id);
		sweep_db_start();
		return;
	case SWEEP_HELD:
		base = sw.inventory;
		path = "/v1/reservations/held";
		tmpl = path;
		timeout = sw.inventory_ms;
		body = json_pack("{s:I,s:s,s:I,s:i}",
		    "afterUs", (json_int_t)strtoll(sw.after_us, NULL, 10),
		    "afterId", sw.after_id, "olderThanS", (json_int_t)sw.stale_s,
		    "limit", SWEEP_PAGE);
		break;
	case SWEEP_LOOKUP:
	default:
		base = sw.order;
		path = "/v1/orders/lookup";
		tmpl = path;
		timeout = sw.order_ms;
		ids = json_array();
		json_array_foreach(sw.page, i, r)
			json_array_append(ids, json_object_get(r, "id"));
		body = json_pack("{s:o}", "reservationIds", ids);
		break;
	}
	(void)snprintf(url, sizeof(url), "%s%s", base, path);
	rc = svc_call_detached(&sw.call, HTTP_METHOD_POST, url, tmpl, body,
	    timeout, sw.span, NULL, sweep_call_done, NULL);
	json_decref(body);
	if (!rc)
		sweep_end(sw.call.error);
}

static void
sweep_tick(void *arg, u_int64_t now)
{
	(void)arg;
	(void)now;
	if (svc_stopping())
		return;
	if (sw.running) {
		if (svc_now_ms() - sw.started_ms < sw.deadline_ms)
			return;
		/* Tears the statement and call down (callbacks unbound). */
		sweep_end("no answer before the round's deadline: abandoned");
	}
	sw.running = 1;
	sw.started_ms = svc_now_ms();
	sw.checked = sw.recovered = sw.failed = 0;
	sw.span = svc_span_root("sweep held reservations",
	    TRACING_SPAN_INTERNAL);
	sw.step = SWEEP_CURSOR;
	sweep_next();
}

static size_t
sweep_pending(void)
{
	return (sw.running ? 1 : 0);
}

void
sweep_init(const char *inventory, long inventory_ms, const char *order,
    long order_ms, sweep_recover_fn *recover)
{
	long long	every_s, floor_s;

	every_s = svc_env_int("RESERVATION_SWEEP_S", 30, 0, 86400);
	sw.stale_s = svc_env_int("RESERVATION_STALE_S", 120, 10, 86400 * 30);
	if (every_s == 0 || worker == NULL || worker->id != 1)
		return;
	/* Never younger than an order flow that may still be running. */
	floor_s = (inventory_ms + order_ms + 999) / 1000 + 5;
	if (sw.stale_s < floor_s) {
		kore_log(LOG_NOTICE, "sweeper: RESERVATION_STALE_S raised to"
		    " %lld s, above the reservation and order timeouts",
		    floor_s);
		sw.stale_s = floor_s;
	}
	sw.inventory = inventory;
	sw.inventory_ms = inventory_ms;
	sw.order = order;
	sw.order_ms = order_ms;
	sw.recover = recover;
	/* Every step of a round, each at its longest, and then some. */
	sw.deadline_ms = (u_int64_t)(2 * (inventory_ms + order_ms) + 30000);
	svc_on_drain(sweep_pending);
	(void)kore_timer_add(sweep_tick, (u_int64_t)every_s * 1000, NULL, 0);
}
