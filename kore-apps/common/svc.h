/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc.h: the private toolkit the four Kore services share: configuration
 * from the environment, the JSON router and replies, outbound async HTTP
 * calls through Kore's curl client, async PostgreSQL through kore_pgsql with
 * reconnects, and the worker sandbox. Not a public API: only kore-apps/.
 */

#ifndef SVC_H
#define SVC_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/curl.h>
#include <kore/pgsql.h>

#include <jansson.h>

struct tracing_span;
struct tracing_context;
struct tracing_provider;

#include "route.h"
#include "fault.h"
#include "strbuf.h"

struct svc_route {
	int		method;		/* HTTP_METHOD_* */
	const char	*pattern;	/* "/v1/orders/:id" */
	int		(*handler)(struct http_request *, struct svc_match *);
};

/* env.c: every setting is an environment variable with a default. */
const char	*svc_env_str(const char *, const char *);
long long	svc_env_int(const char *, long long, long long, long long);

/*
 * What the front door keeps per request (Kore's request state): timing,
 * the route, the SERVER span and the trace ids, the fault plan, and the
 * handler's own state (svc_state_*).
 */
struct svc_request {
	u_int64_t		start_ns;
	const struct svc_route	*route;
	int			finished;

	struct tracing_span	*span;
	struct tracing_context	*ctx;		/* extracted from the caller */
	char			trace_id[33];
	char			span_id[17];

	struct fault_plan	fault;
	char			fault_note[64];
	int			fault_replied;
	struct kore_timer	*timer;

	void			*state;
	void			(*state_free)(struct http_request *);
	int			probe;		/* a public /ready's check */

	struct svc_joined	*joined;	/* svc_header_join's copies */
};

extern int	svc_access_log;

/* The front door (hooks.c, dispatch.c, request.c, reply.c): routing,
 * per-request state, JSON replies, request bodies. */
void		svc_init(const char *, const struct svc_route *, size_t);
void		*svc_state_create(struct http_request *, size_t,
		    void (*)(struct http_request *));
void		*svc_state_get(struct http_request *);
int		svc_state_exists(struct http_request *);
struct svc_request *svc_request_get(struct http_request *);
const char	*svc_name(void);
int		svc_dispatch(struct http_request *);
int		svc_route(struct http_request *);	/* Kore's route */
void		svc_reply_json(struct http_request *, int, json_t *);
void		svc_reply_error(struct http_request *, int, const char *,
		    const char *, ...)
		    __attribute__((format(printf, 4, 5)));
void		svc_reply_error_obj(struct http_request *, int, const char *,
		    const char *, json_t *);
json_t		*svc_body_json(struct http_request *, size_t);
const char	*svc_header(struct http_request *, const char *);
const char	*svc_header_join(struct http_request *, const char *);
int		svc_health(struct http_request *, struct svc_match *);

/* auth.c: service-to-service authentication (HMAC-SHA256 signatures). */
void		svc_auth_sign_calls(const char *);
void		svc_auth_target(const char *, const char *);
void		svc_auth_require(const char *);
int		svc_auth_requiring(void);

/* replay.c: the nonces of signed calls, shared by a service's workers. */
#define SVC_NONCE_LEN		16
#define SVC_REPLAY_NEW		0
#define SVC_REPLAY_SEEN		1
#define SVC_REPLAY_FULL		2
void		svc_replay_map(void);
int		svc_replay_check(const u_int8_t *, int64_t, int64_t);

/* ratelimit.c: a public door's limit per client address (429). */
void		svc_ratelimit(const char *);
int		svc_ratelimit_check(struct http_request *,
		    const struct svc_route *);
void		svc_auth_sign(struct kore_curl *, int, const char *,
		    const char *, size_t);
int		svc_auth_check(struct http_request *,
		    const struct svc_route *);

/* call.c: one outbound HTTP call with a JSON body, async on a request. */
struct svc_call {
	struct kore_curl	curl;
	int			active;
	long			status;		/* 0: transport failure */
	int			timed_out;
	char			error[128];
	json_t			*body;		/* parsed JSON answer or NULL */
	struct tracing_span	*span;		/* CLIENT span */
	void			(*done)(struct svc_call *, void *);
	void			*done_arg;	/* detached calls */
};

int		svc_call_start(struct http_request *, struct svc_call *, int,
		    const char *, const char *, json_t *, long);
int		svc_call_detached(struct svc_call *, int, const char *,
		    const char *, json_t *, long, struct tracing_span *,
		    struct tracing_context *,
		    void (*)(struct svc_call *, void *), void *);
int		svc_call_done(struct http_request *, struct svc_call *);
void		svc_curl_kick(void);
void		svc_call_finish(struct svc_call *);
void		svc_call_cleanup(struct svc_call *);

/* db.c: one async statement on a request, with connection repair. */
#define SVC_DB_PENDING		1
#define SVC_DB_DONE		2
#define SVC_DB_ERROR		3

struct svc_db {
	struct kore_pgsql	sql;
	int			started;
	int			nparams;
	const char		*params[16];
	int			lengths[16];
	const char		*query;
	const char		*dbname;
	/* Filled as results arrive. */
	json_t			*rows;		/* array of objects */
	char			sqlstate[6];
	char			error[256];
	int			unavailable;	/* server or pool, not the query */
	int			retried;	/* ran again after a reset */
	struct tracing_span	*parent;	/* NULL: the request's span */
	struct tracing_span	*span;
	void			(*done)(struct svc_db *, int, void *);
	void			*done_arg;	/* detached statements */
	int			driving;
	struct kore_timer	*deadline;	/* DB_STATEMENT_TIMEOUT_MS */
	int			timed_out;
};

void		svc_db_register(const char *, const char *);
struct tracing_span *svc_db_span(struct http_request *, const char *,
		    const char *);
void		svc_db_prepare(struct svc_db *, const char *, const char *);
void		svc_db_param(struct svc_db *, const char *);
int		svc_db_run(struct http_request *, struct svc_db *);
int		svc_db_answer(struct http_request *, struct svc_db *);
int		svc_db_detached(struct svc_db *,
		    void (*)(struct svc_db *, int, void *), void *);
void		svc_db_cleanup(struct svc_db *);
const char	*svc_db_value(struct svc_db *, int, const char *);
long long	svc_db_int(struct svc_db *, int, const char *);
void		svc_reply_db_error(struct http_request *, struct svc_db *);
int		svc_ready_db(struct http_request *, const char *);
int		svc_db_single(struct http_request *, const char *, const char *,
		    const char *, struct svc_db **);
int		svc_db_reply_status(struct http_request *, const char *,
		    const char *, const char *);

/* trace.c: the Kore side of the tracing library. */
void		svc_trace_init(const char *);
void		svc_trace_request_begin(struct http_request *,
		    struct svc_request *);
void		svc_trace_request_end(struct http_request *,
		    struct svc_request *, int);
void		svc_trace_fault(struct http_request *, struct svc_request *);
struct tracing_span *svc_span_start(struct http_request *, const char *,
		    int);
struct tracing_span *svc_span_child(struct tracing_span *, const char *,
		    int);
void		svc_span_end(struct tracing_span *);
struct tracing_span *svc_span_root(const char *, int);
const char	*svc_trace_id(struct http_request *);
struct tracing_provider *svc_tracing_provider(void);
/* Runs fn as the worker exits, before the last spans are flushed. */
void		svc_on_teardown(void (*)(void));

/* metrics.c: GET /metrics, every worker's export counters. */
void		svc_metrics_map(void);
void		svc_metrics_init(void);
void		svc_metrics_final(void);
int		svc_metrics(struct http_request *, struct svc_match *);

/* drain.c: the worker finishes what it holds before it exits. */
void		svc_drain(void);
/* fn counts work that outlives its request; the drain waits for it. */
void		svc_on_drain(size_t (*)(void));
int		svc_stopping(void);

/* util */
void		svc_random_hex(char *, size_t);
u_int64_t	svc_now_ms(void);
u_int64_t	svc_now_ns(void);

#endif
