/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ready.c: GET /ready for the gateway: its database answers and the three
 * services answer their own /ready, checked in parallel, each within its
 * call timeout; 200 when all do, else 503 with what did not.
 */

#include <stdio.h>

#include "route.h"
#include "svc_call.h"
#include "svc_db.h"
#include "svc_identity.h"
#include "svc_reply.h"
#include "svc_request.h"

#include "gateway.h"

struct readiness {
	struct svc_db	db;
	int		db_rc;
	struct svc_call	calls[3];
	int		started;
};

static void
readiness_free(struct http_request *req)
{
	struct readiness	*st = svc_state_get(req);
	int			i;

	svc_db_cleanup(&st->db);
	for (i = 0; i < 3; i++)
		svc_call_cleanup(&st->calls[i]);
}

int
gw_ready(struct http_request *req, struct svc_match *m)
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
	bases[0] = gw.inventory;
	bases[1] = gw.order;
	bases[2] = gw.notification;
	timeouts[0] = gw.inventory_ms;
	timeouts[1] = gw.order_ms;
	timeouts[2] = gw.notification_ms;

	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), readiness_free);
		svc_db_prepare(&st->db, GW_DB, "SELECT 1 AS ok");
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
