/* SPDX-License-Identifier: Apache-2.0 */
/*
 * accesslog.c: one JSON line per request on stdout (ACCESS_LOG=0: none),
 * with the trace and span ids that join it to its trace, the route, the
 * status (0 when the client hung up first: "aborted"), the duration and
 * any fault applied.
 */

#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "route.h"
#include "svc_accesslog.h"
#include "svc_env.h"
#include "svc_identity.h"
#include "svc_request.h"
#include "svc_util.h"

int	svc_access_log = 1;

void
accesslog_init(void)
{
	svc_access_log = svc_env_int("ACCESS_LOG", 1, 0, 1);
}

void
accesslog_write(struct http_request *req, struct svc_request *sr, int aborted)
{
	struct timespec	ts;
	struct tm	tm;
	char		line[1024], when[32], extra[96];
	int		n, status;
	const char	*level;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	status = aborted ? 0 : req->status;
	level = aborted || status >= 500 ? "error" : status >= 400 ? "warn" :
	    "info";
	extra[0] = '\0';
	if (sr->fault_note[0] != '\0')
		(void)snprintf(extra, sizeof(extra), ",\"fault\":\"%s\"",
		    sr->fault_note);
	n = snprintf(line, sizeof(line), "{\"time\":\"%s.%03ldZ\","
	    "\"level\":\"%s\",\"service\":\"%s\",\"trace_id\":\"%s\","
	    "\"span_id\":\"%s\",\"method\":\"%s\",\"route\":\"%s\","
	    "\"status\":%d,\"duration_ms\":%.3f%s%s}\n",
	    when, ts.tv_nsec / 1000000, level, svc_name(), sr->trace_id,
	    sr->span_id, http_method_text(req->method),
	    sr->route != NULL ? sr->route->pattern : "unmatched", status,
	    (double)(svc_now_ns() - sr->start_ns) / 1e6,
	    aborted ? ",\"aborted\":true" : "", extra);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	(void)write(STDOUT_FILENO, line, (size_t)n);
}
