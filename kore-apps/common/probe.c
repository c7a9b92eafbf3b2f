/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.c: the two doors of a service and the public readiness probe.
 *
 * Each service listens on its port (the API, /health and a minimal /ready)
 * and on an admin port (the Kore server named "admin", loopback natively):
 * /health, the detailed /ready and /metrics, nothing else. On the public
 * port /ready answers only {"status":"ready"} or a 503 not_ready, never the
 * checks' error text, and runs the real check at most once a second for
 * the whole service: the first worker to find the last answer a second old
 * claims the next check (a compare-and-swap on a page the parent maps
 * before it forks the workers); meanwhile every worker answers the last
 * result. A public flood of /ready costs one check a second.
 */

#include <sys/mman.h>

#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "svc_probe.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_util.h"

#define PROBE_EVERY_MS	1000

struct probe_page {
	u_int64_t	checked_ms;	/* when the last check was claimed */
	u_int64_t	status;		/* its answer; 0: none yet */
};

static struct probe_page	*page;

/* In the parent, before it forks the workers (kore_parent_configure). */
void
svc_probe_map(void)
{
	page = mmap(NULL, sizeof(*page), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		fatal("probe: mmap: %s", errno_s);
}

/* Did req come through the admin port? */
int
svc_admin_door(struct http_request *req)
{
	struct connection	*c = req->owner;

	return (c != NULL && c->owner != NULL && c->owner->server != NULL &&
	    c->owner->server->name != NULL &&
	    strcmp(c->owner->server->name, "admin") == 0);
}

/* The minimal public answer for a readiness status. */
static void
probe_reply(struct http_request *req, int status)
{
	if (status >= 200 && status < 300) {
		svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s}",
		    "status", "ready"));
	} else {
		http_response_header(req, "retry-after", "1");
		svc_reply_error_obj(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "not_ready", "the service is not ready; its admin port"
		    " tells why", NULL);
	}
}

/*
 * The public /ready: 1 when it was answered from the last check (done),
 * 0 when this request is to run the real check (its answer then goes
 * through svc_probe_answer).
 */
int
svc_probe_public(struct http_request *req, struct svc_request *sr)
{
	u_int64_t	now, last, status;

	now = svc_now_ms();
	if (page == NULL) {
		sr->probe = 1;
		return (0);
	}
	last = __atomic_load_n(&page->checked_ms, __ATOMIC_ACQUIRE);
	status = __atomic_load_n(&page->status, __ATOMIC_ACQUIRE);
	if ((last == 0 || now - last >= PROBE_EVERY_MS) &&
	    __atomic_compare_exchange_n(&page->checked_ms, &last, now, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		sr->probe = 1;
		return (0);
	}
	probe_reply(req, status == 0 ? HTTP_STATUS_SERVICE_UNAVAILABLE :
	    (int)status);
	return (1);
}

/* The real check's answer, on the public port: kept, and sent minimal. */
void
svc_probe_answer(struct http_request *req, int status)
{
	if (page != NULL)
		__atomic_store_n(&page->status, (u_int64_t)status,
		    __ATOMIC_RELEASE);
	probe_reply(req, status);
}
