/* SPDX-License-Identifier: Apache-2.0 */
/*
 * drain.c: a graceful stop for the services' Kore workers. Kore 4.1 leaves
 * a worker's event loop at the first SIGTERM and drops whatever it held;
 * svc_drain() runs that loop a while longer as the worker exits: no new
 * connections, every answer closes its connection, and it returns once no
 * request is in flight and no registered work (a service's own work that
 * outlives its request, such as the gateway's abandoned orders) is pending,
 * or when SHUTDOWN_DRAIN_MS has passed.
 */

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/curl.h>

#include "svc_drain.h"
#include "svc_env.h"

#define DRAIN_MAX	4

static size_t	(*pending[DRAIN_MAX])(void);
static size_t	 npending;
static int	 stopping;

/* Whether the worker is stopping: start no new work of its own. */
int
svc_stopping(void)
{
	return (stopping);
}

void
svc_on_drain(size_t (*fn)(void))
{
	if (npending == DRAIN_MAX)
		fatal("svc_on_drain: too many");
	pending[npending++] = fn;
}

static size_t
work_pending(void)
{
	size_t	i, n;

	for (i = 0, n = 0; i < npending; i++)
		n += pending[i]();
	return (n);
}

/*
 * Kore's worker loop, less accepting and the signals: the same calls in
 * the same order (worker.c), so that timers, curl, PostgreSQL and the
 * requests sleeping on them go on as before.
 */
void
svc_drain(void)
{
	u_int64_t	now, start, deadline, wait;
	long long	ms;

	stopping = 1;
	ms = svc_env_int("SHUTDOWN_DRAIN_MS", 5000, 0, 60000);
	if (ms == 0 || (http_request_count == 0 && work_pending() == 0))
		return;

	/* Our listeners are in the event set only while we hold the lock. */
	if (worker != NULL && worker->has_lock) {
		kore_platform_disable_accept();
		worker->has_lock = 0;
	}
	http_keepalive_time = 0;	/* answers say "connection: close" */

	start = kore_time_ms();
	deadline = start + (u_int64_t)ms;
	kore_log(LOG_NOTICE, "stopping: draining %u requests and %zu pieces"
	    " of work, for up to %lld ms", http_request_count, work_pending(),
	    ms);
	for (now = start; now < deadline; now = kore_time_ms()) {
		if (http_request_count == 0 && work_pending() == 0)
			break;
		wait = kore_timer_next_run(now);
		if (wait > 100)
			wait = 100;
		if (wait > deadline - now)
			wait = deadline - now;
		kore_platform_event_wait(wait);
		now = kore_time_ms();
		kore_timer_run(now);
		kore_curl_run_scheduled();
		kore_curl_do_timeout();
		http_process();
		kore_connection_check_timeout(now);
		kore_connection_prune(KORE_CONNECTION_PRUNE_DISCONNECT);
	}
	if (http_request_count == 0 && work_pending() == 0)
		kore_log(LOG_NOTICE, "stopping: drained in %llu ms",
		    (unsigned long long)(kore_time_ms() - start));
	else
		kore_log(LOG_WARNING, "stopping: %lld ms passed with %u"
		    " requests and %zu pieces of work left; dropping them",
		    ms, http_request_count, work_pending());
}
