/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_metrics.h: GET /metrics (metrics.c): the tracing library's export
 * counters of every worker of a service, in Prometheus' text format.
 *
 * Layer 5, on a request's trace (see docs/development.md, "The layers of
 * kore-apps/common"): calls layers 4 (trace.c: the provider's counters)
 * and 1 (identity.c).
 */

#ifndef SVC_METRICS_H
#define SVC_METRICS_H

struct http_request;
struct svc_match;

/* The route handler a service's table names (on its admin door). */
int	svc_metrics(struct http_request *, struct svc_match *);

/* The front door's (hooks.c): the parent's page, each worker's slot. */
void	svc_metrics_map(void);
void	svc_metrics_init(void);

#endif
