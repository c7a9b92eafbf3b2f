/* SPDX-License-Identifier: Apache-2.0 */
/*
 * jaeger.h: tracectl's client of Jaeger's query API.  Prefers the stable
 * /api/v3 (OTLP JSON) and falls back to the legacy /api when v3 is missing or
 * cannot serve a query (tag filters, dependencies).  Searches page through
 * time windows so a result limit never silently cuts traces off.
 */
#ifndef TRACECTL_JAEGER_H
#define TRACECTL_JAEGER_H

#include "http.h"
#include "model.h"

enum jaeger_api {
	JAEGER_API_AUTO = 0,
	JAEGER_API_V3,
	JAEGER_API_LEGACY
};

/* Results: >= 0 is an answer; < 0 a failure, jaeger->error says why. */
#define JAEGER_OK		0
#define JAEGER_NOTFOUND		1
#define JAEGER_EUNREACH		(-1)	/* no HTTP answer */
#define JAEGER_ESERVER		(-2)	/* error status or a bad answer */
#define JAEGER_EQUERY		(-3)	/* the server refused the query */

struct jaeger {
	struct http_client	 http;
	char			*base;
	int			 api;		/* enum jaeger_api */
	int			 v3;		/* -1 unknown, 0 no, 1 yes */
	char			 error[1024];
	int			 verbose;
	size_t			 requests;
	size_t			 bytes;
	size_t			 windows_split;
	size_t			 truncated;	/* windows that could not split */
};

struct jaeger_query {
	const char	*service;	/* NULL: every service */
	int		 service_hint;	/* v3: search all, caller filters */
	const char	*operation;
	const char	**tags;		/* "key=value"; legacy API only */
	size_t		 ntags;
	int64_t		 start_us, end_us;
	int64_t		 min_duration_us;	/* 0: none */
	int64_t		 max_duration_us;	/* 0: none */
	size_t		 page_limit;	/* traces per request */
};

/* Gets each trace once; borrows it (freed after the call).  Non-zero stops. */
typedef int	(*jaeger_trace_cb)(struct trace *, void *);

struct jaeger_op {
	char	*name;
	char	*kind;
};

struct jaeger_dep {
	char		*parent;
	char		*child;
	long long	 calls;
};

/*
 * RED metrics from Jaeger's metrics API (/api/metrics/..., Jaeger's SPM:
 * spanmetrics -> Prometheus -> Jaeger), one series per service and
 * operation, reduced to its newest point.
 */
enum jaeger_metric {
	JAEGER_M_CALLS,		/* calls per second */
	JAEGER_M_ERRORS,	/* errors / calls, 0 to 1 */
	JAEGER_M_LATENCY	/* the quantile's duration, in ms */
};

struct jaeger_metrics_query {
	int		 metric;	/* enum jaeger_metric */
	double		 quantile;	/* JAEGER_M_LATENCY: 0 < q < 1 */
	const char	**services;	/* at least one */
	size_t		 nservices;
	const char	**span_kinds;	/* "server", ...; none: Jaeger's (server) */
	size_t		 nspan_kinds;
	int64_t		 end_ms;	/* the newest point's time */
	int64_t		 window_ms;	/* each point: rate over this window */
	int64_t		 step_ms;	/* points this far apart */
};

struct jaeger_series {
	char	*service;
	char	*operation;
	double	 value;		/* the newest point with a number */
	int	 has;		/* 0: no number in the answer (NaN: no data) */
};

/* Metrics storage not configured (HTTP 501), apart from other failures. */
#define JAEGER_ENOMETRICS	(-4)

void	 jaeger_init(struct jaeger *, const char *, long, int);
void	 jaeger_cleanup(struct jaeger *);
int	 jaeger_get_trace(struct jaeger *, const char *, struct trace **);
int	 jaeger_search(struct jaeger *, const struct jaeger_query *,
	    jaeger_trace_cb, void *);
int	 jaeger_services(struct jaeger *, char ***, size_t *);
int	 jaeger_operations(struct jaeger *, const char *, struct jaeger_op **,
	    size_t *);
int	 jaeger_dependencies(struct jaeger *, int64_t, int64_t,
	    struct jaeger_dep **, size_t *);
int	 jaeger_metrics(struct jaeger *, const struct jaeger_metrics_query *,
	    struct jaeger_series **, size_t *);
void	 jaeger_free_strings(char **, size_t);
void	 jaeger_free_series(struct jaeger_series *, size_t);
void	 jaeger_free_ops(struct jaeger_op *, size_t);
void	 jaeger_free_deps(struct jaeger_dep *, size_t);

#endif
