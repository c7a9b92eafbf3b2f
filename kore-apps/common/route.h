/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route.h: a service's routes: the table entry (method, path pattern,
 * handler), what a route is for, and path patterns with ":name" segments
 * (route.c), shared by the router (dispatch.c) and the unit tests.
 *
 * Layer 0, pure C (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef ROUTE_H
#define ROUTE_H

#define SVC_PARAMS_MAX		2

struct http_request;

/* A matched route: up to two ":name" path segments. */
struct svc_match {
	int		nparams;
	char		params[SVC_PARAMS_MAX][96];
};

struct svc_route {
	int		method;		/* HTTP_METHOD_* */
	const char	*pattern;	/* "/v1/orders/:id" */
	int		(*handler)(struct http_request *, struct svc_match *);
};

/*
 * What a request's route is for (dispatch.c decides, svc_request's kind):
 * the service's work, or the probes and the scrape, which every door has
 * and which authentication, rate limits and fault knobs let pass.
 */
#define SVC_ROUTE_NONE		0	/* no route matched */
#define SVC_ROUTE_WORK		1
#define SVC_ROUTE_HEALTH	2	/* handled by svc_health */
#define SVC_ROUTE_METRICS	3	/* handled by svc_metrics */
#define SVC_ROUTE_READY		4	/* "/ready" */

int	svc_route_match(const char *, const char *, struct svc_match *);

#endif
