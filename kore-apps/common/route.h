/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route.h: path patterns with ":name" segments, shared by the router
 * (dispatch.c) and the unit tests.
 */

#ifndef ROUTE_H
#define ROUTE_H

#define SVC_PARAMS_MAX		2

/* A matched route: up to two ":name" path segments. */
struct svc_match {
	int		nparams;
	char		params[SVC_PARAMS_MAX][96];
};

int	svc_route_match(const char *, const char *, struct svc_match *);

#endif
