/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hooks.c: every hook Kore looks up in a service's module, in one place
 * (kore-apps/exports.map lists them), and svc_init, which each service's
 * kore_worker_configure calls: the parent's set-up, the worker's one-second
 * tick and parent watch, the catch-all route, the seccomp filters, and the
 * worker's teardown (drain, the services' own teardown, the last spans).
 */

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "svc_accesslog.h"
#include "svc_dispatch.h"
#include "svc_drain.h"
#include "svc_faults.h"
#include "svc_hooks.h"
#include "svc_identity.h"
#include "svc_metrics.h"
#include "svc_probe.h"
#include "svc_replay.h"
#include "svc_reply.h"
#include "svc_sandbox.h"
#include "svc_trace.h"

static void		(*teardown[4])(void);
static size_t		 nteardown;

void	kore_parent_configure(int, char **);
void	kore_seccomp_hook(void);
void	kore_worker_teardown(void);

/*
 * A service's own work in the parent before the fork (shared memory its
 * workers use), when it has any: defined by the service, or not at all.
 */
void	svc_service_parent(void) __attribute__((weak));

/* Kore calls this in the parent, before it forks the workers. */
void
kore_parent_configure(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	svc_parent_set(getpid());
	svc_metrics_map();
	svc_replay_map();
	svc_probe_map();
	if (svc_service_parent != NULL)
		svc_service_parent();
}

/*
 * Wakes the worker once a second (see svc_init), and stops it when its
 * parent is gone. Kore 4.1's workers outlive a parent killed with SIGKILL:
 * left alone they hold the service's port, and if a worker died holding
 * the accept lock (which only the parent releases) none of them accepts
 * again, so connections wait in the backlog forever and a new instance
 * cannot bind. The worker stops as at SIGTERM: it drains and exits.
 */
static void
svc_tick(void *arg, u_int64_t now)
{
	static int	told;

	(void)arg;
	(void)now;
	/* Its own parent (no fork: the front-door fuzzer) cannot lose it. */
	if (told || getppid() == svc_parent() || getpid() == svc_parent())
		return;
	told = 1;
	kore_log(LOG_NOTICE, "parent %d gone: stopping", (int)svc_parent());
	if (kill(getpid(), SIGTERM) == -1)
		kore_log(LOG_ERR, "kill(SIGTERM): %s", errno_s);
}

/*
 * Called from each service's kore_worker_configure(): its name, its routes,
 * then the per-worker parts: tracing (the export thread starts here, after
 * Kore forked the worker), fault knobs, access log.
 */
void
svc_init(const char *service, const struct svc_route *routes, size_t n)
{
	/*
	 * Kore 4.1 checks http_header_timeout and http_body_timeout only when
	 * a worker wakes up, and an idle worker with no timer sleeps without
	 * end: a half-sent request would hold its connection for as long as
	 * nothing else happens. A one-second tick bounds that.
	 */
	kore_timer_add(svc_tick, 1000, NULL, 0);
	svc_name_set(service);
	dispatch_init(routes, n);
	svc_reply_on_probe(svc_probe_answer);
	accesslog_init();
	faults_init();
	svc_trace_init(service);
	svc_metrics_init();
}

/* The route every service's Kore configuration names (route ^/.*$ svc_route). */
int
svc_route(struct http_request *req)
{
	return (svc_dispatch(req));
}

/* Kore installs these before its own filters, in every worker. */
void
kore_seccomp_hook(void)
{
	svc_sandbox_install();
}

void
svc_on_teardown(void (*fn)(void))
{
	if (nteardown == sizeof(teardown) / sizeof(teardown[0]))
		fatal("svc_on_teardown: too many");
	teardown[nteardown++] = fn;
}

/*
 * Kore calls this in each worker as it exits: the requests and work in
 * flight are finished first (svc_drain), then the services' own teardown
 * (it may end spans), then what is queued is flushed.
 */
void
kore_worker_teardown(void)
{
	svc_drain();
	while (nteardown > 0)
		teardown[--nteardown]();
	svc_trace_shutdown();
}
