/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ratelimit.c: a rate limit at a public door, per client address: a token
 * bucket of RATE requests a second and BURST at once (svc_ratelimit, from
 * GATEWAY_RATE_LIMIT "RATE" or "RATE/BURST"; off when unset or 0). A
 * request over it gets a JSON 429 with Retry-After; the probes (/health,
 * /ready) and the scrape (/metrics) are never limited.
 *
 * Each worker keeps its own buckets (workers share no memory), so each
 * takes its share: RATE and BURST divided by SERVICE_WORKERS. A client's
 * connections may land on any worker, so the limit is a bound within a
 * factor of the workers' count, not an exact count; that is what a public
 * door needs against a flood. The table is bounded (RL_SLOTS buckets): a
 * new address takes the least recently seen bucket of its probe window.
 */

#include <sys/socket.h>

#include <netinet/in.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kore/kore.h>
#include <kore/http.h>

#include "route.h"
#include "svc_env.h"
#include "svc_ratelimit.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_util.h"

#define RL_SLOTS	4096		/* a power of two */
#define RL_PROBE	8

struct rl_bucket {
	u_int8_t	addr[16];
	u_int8_t	used;
	double		tokens;
	u_int64_t	last_ns;
};

static struct rl_bucket	*buckets;
static double		 rl_rate;	/* tokens a second, this worker's */
static double		 rl_burst;

/* "RATE" or "RATE/BURST", both positive; 0 on anything else. */
static int
limit_parse(const char *v, double *rate, double *burst)
{
	char	*end;

	*rate = strtod(v, &end);
	if (end == v || !isfinite(*rate) || *rate <= 0)
		return (0);
	*burst = *rate;
	if (*end == '/') {
		v = end + 1;
		*burst = strtod(v, &end);
		if (end == v || !isfinite(*burst) || *burst < 1)
			return (0);
	}
	return (*end == '\0');
}

void
svc_ratelimit(const char *var)
{
	const char	*v;
	double		 rate, burst, workers;

	v = svc_env_str(var, "");
	if (*v == '\0' || !strcmp(v, "0") || !strcmp(v, "off"))
		return;
	if (!limit_parse(v, &rate, &burst)) {
		kore_log(LOG_WARNING, "%s: \"%s\" is not RATE or RATE/BURST "
		    "(requests a second, per client address): no limit", var, v);
		return;
	}
	if ((buckets = calloc(RL_SLOTS, sizeof(*buckets))) == NULL)
		fatal("ratelimit: out of memory");
	workers = (double)svc_env_int("SERVICE_WORKERS", 1, 1, 1024);
	rl_rate = rate / workers;
	rl_burst = burst / workers < 1 ? 1 : burst / workers;
	kore_log(LOG_NOTICE, "%s: %g requests a second per client address, "
	    "bursts of %g (this worker: %g, %g)", var, rate, burst, rl_rate,
	    rl_burst);
}

static void
client_key(struct http_request *req, u_int8_t key[16])
{
	memset(key, 0, 16);
	if (req->owner == NULL)
		return;
	if (req->owner->family == AF_INET)
		memcpy(key + 12, &req->owner->addr.ipv4.sin_addr, 4);
	else if (req->owner->family == AF_INET6)
		memcpy(key, &req->owner->addr.ipv6.sin6_addr, 16);
}

/* FNV-1a over the address. */
static u_int32_t
key_hash(const u_int8_t key[16])
{
	u_int32_t	h = 2166136261U;
	int		i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619U;
	return (h);
}

static struct rl_bucket *
bucket_for(const u_int8_t key[16], u_int64_t now)
{
	struct rl_bucket	*b, *oldest;
	u_int32_t		 h;
	int			 i;

	h = key_hash(key);
	oldest = NULL;
	for (i = 0; i < RL_PROBE; i++) {
		b = &buckets[(h + (u_int32_t)i) & (RL_SLOTS - 1)];
		if (b->used && memcmp(b->addr, key, 16) == 0)
			return (b);
		if (!b->used || oldest == NULL ||
		    (oldest->used && b->last_ns < oldest->last_ns))
			oldest = b;
		if (!b->used)
			break;
	}
	memcpy(oldest->addr, key, 16);
	oldest->used = 1;
	oldest->tokens = rl_burst;
	oldest->last_ns = now;
	return (oldest);
}

/*
 * 1 if req may go on; 0 after answering 429. Only the routes of the
 * service's work count: the probes and the scrape pass.
 */
int
svc_ratelimit_check(struct http_request *req, const struct svc_request *sr)
{
	struct rl_bucket	*b;
	u_int8_t		 key[16];
	u_int64_t		 now;
	double			 wait;
	char			 after[24];

	if (buckets == NULL || sr->kind != SVC_ROUTE_WORK)
		return (1);
	now = svc_now_ns();
	client_key(req, key);
	b = bucket_for(key, now);
	b->tokens += (double)(now - b->last_ns) / 1e9 * rl_rate;
	if (b->tokens > rl_burst)
		b->tokens = rl_burst;
	b->last_ns = now;
	if (b->tokens >= 1) {
		b->tokens -= 1;
		return (1);
	}
	wait = ceil((1 - b->tokens) / rl_rate);
	(void)snprintf(after, sizeof(after), "%.0f", wait < 1 ? 1 : wait);
	http_response_header(req, "retry-after", after);
	svc_reply_error(req, 429, "rate_limited", "too many requests from "
	    "this address: try again in %s s", after);
	return (0);
}
