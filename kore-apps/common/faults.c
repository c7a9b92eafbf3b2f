/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faults.c: the fault knobs at run time (fault.c parses them): the
 * configuration from FAULTS_<SERVICE>, replaced while $FAULTS_DIR/<service>
 * .json exists, and each request's plan: latency (the request sleeps on a
 * timer), an injected error, an answer lost after the work is done, an
 * outage; an X-Fault header when allowed.
 *
 * An X-Fault header is honoured only when allow_header is on and the
 * request is trusted: a signed call (a service that requires them, whose
 * check already passed), or one that carries X-Fault-Token equal to
 * FAULTS_TOKEN (compared in constant time; a service without a
 * FAULTS_TOKEN trusts no unsigned X-Fault). Its latency is capped at
 * X_FAULT_LATENCY_MAX_MS: a header cannot hold a worker's request for a
 * minute.
 */

#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "fault.h"
#include "route.h"
#include "svc_auth.h"
#include "svc_env.h"
#include "svc_faults.h"
#include "svc_identity.h"
#include "svc_request.h"
#include "svc_trace.h"
#include "svc_util.h"

#define X_FAULT_LATENCY_MAX_MS	10000

static const char	*fault_token;	/* FAULTS_TOKEN, "" when none */

/* May this request's X-Fault header be honoured? */
static int
header_trusted(struct http_request *req)
{
	const char	*t;
	size_t		 n;

	if (svc_auth_requiring())
		return (1);		/* signed: dispatch checked it */
	if ((n = strlen(fault_token)) == 0 ||
	    (t = svc_header(req, "x-fault-token")) == NULL || strlen(t) != n)
		return (0);
	return (CRYPTO_memcmp(t, fault_token, n) == 0);
}

static uint64_t
rnd64(void)
{
	static uint64_t	x;

	if (x == 0) {
		if (getrandom(&x, sizeof(x), 0) != sizeof(x) || x == 0)
			x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	}
	/* xorshift64*: fault decisions need speed, not secrecy. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return (x * 0x2545f4914f6cdd1dULL);
}

/*
 * The fault configuration: FAULTS_<SERVICE> from the environment, replaced
 * at run time by $FAULTS_DIR/<service>.json while that file exists (looked
 * at no more than once a second).
 */
static struct fault_cfg	faults_env;
static struct fault_cfg	faults;
static char		faults_path[512];
static struct timespec	faults_mtime;
static u_int64_t	faults_checked;

void
faults_init(void)
{
	char		name[64], err[128];
	const char	*v;
	size_t		i;

	fault_cfg_init(&faults_env);
	(void)snprintf(name, sizeof(name), "FAULTS_%s", svc_name());
	for (i = 7; name[i] != '\0'; i++)
		name[i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	if ((v = getenv(name)) != NULL && *v != '\0' &&
	    !fault_cfg_parse(&faults_env, v, err, sizeof(err)))
		kore_log(LOG_WARNING, "%s ignored: %s", name, err);
	faults = faults_env;
	fault_token = svc_env_str("FAULTS_TOKEN", "");
	(void)snprintf(faults_path, sizeof(faults_path), "%s/%s.json",
	    svc_env_str("FAULTS_DIR", ".run/faults"), svc_name());
}

static void
faults_refresh(void)
{
	struct stat	st;
	struct fault_cfg c;
	char		buf[1024], err[128];
	ssize_t		n;
	int		fd;

	if (svc_now_ms() - faults_checked < 1000)
		return;
	faults_checked = svc_now_ms();

	if (stat(faults_path, &st) == -1) {
		if (faults_mtime.tv_sec != 0 || faults_mtime.tv_nsec != 0) {
			kore_log(LOG_NOTICE, "faults: %s removed, back to the"
			    " environment's settings", faults_path);
			faults = faults_env;
			memset(&faults_mtime, 0, sizeof(faults_mtime));
		}
		return;
	}
	if (st.st_mtim.tv_sec == faults_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == faults_mtime.tv_nsec)
		return;
	faults_mtime = st.st_mtim;

	if ((fd = open(faults_path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n < 0)
		return;
	buf[n] = '\0';
	c = faults_env;
	if (!fault_cfg_parse(&c, buf, err, sizeof(err))) {
		kore_log(LOG_WARNING, "faults: %s ignored: %s", faults_path,
		    err);
		return;
	}
	faults = c;
	kore_log(LOG_NOTICE, "faults: now %s", buf);
}

void
fault_wake(void *arg, u_int64_t now)
{
	struct http_request	*req = arg;
	struct svc_request	*sr = http_state_get(req);

	(void)now;
	sr->timer = NULL;
	http_request_wakeup(req);
}

void
fault_decide(struct http_request *req, struct svc_request *sr)
{
	const char	*h;
	int		probe;

	faults_refresh();
	/*
	 * The probes and the scrape are not the service's work: no latency or
	 * error is injected into them, and an outage leaves /health (the
	 * process lives) and /metrics (its counters go on) answering.
	 */
	probe = sr->kind != SVC_ROUTE_NONE && sr->kind != SVC_ROUTE_WORK;

	if (faults.outage && (sr->kind == SVC_ROUTE_HEALTH ||
	    sr->kind == SVC_ROUTE_METRICS))
		return;
	if (faults.outage) {
		sr->fault.outage = 1;
		sr->fault.error_status = 503;
	} else if (probe) {
		return;
	} else if (faults.allow_header &&
	    (h = svc_header(req, "x-fault")) != NULL && header_trusted(req)) {
		if (!fault_header_parse(h, rnd64, &sr->fault))
			memset(&sr->fault, 0, sizeof(sr->fault));
		if (sr->fault.latency_ms > X_FAULT_LATENCY_MAX_MS)
			sr->fault.latency_ms = X_FAULT_LATENCY_MAX_MS;
	} else {
		fault_plan(&faults, rnd64, &sr->fault);
	}
	svc_trace_fault(req, sr);
}

/*
 * The lose_answer knob: the request was served (its statement committed,
 * its answer queued), and the answer is lost: the connection is shut down
 * before Kore sends it, as if the process died right after the commit.
 * Kore's flush then fails and drops the connection.
 */
void
fault_lose_answer(struct http_request *req)
{
	struct connection	*c = req->owner;

	kore_log(LOG_NOTICE, "fault: the answer %d to %s %s is lost (a"
	    " configured fault)", req->status, http_method_text(req->method),
	    req->path);
	if (c != NULL)
		(void)shutdown(c->fd, SHUT_RDWR);
}
