/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_db.h: one async SQL statement at a time (db.c), through kore_pgsql,
 * on a request (it sleeps while PostgreSQL works) or detached with a
 * callback; broken connections repaired, a deadline per statement, a
 * CLIENT span each; and the whole of the handlers that run one statement.
 *
 * Layer 6, outbound I/O (see docs/development.md, "The layers of
 * kore-apps/common"): calls layers 4 (trace.c), 2 (reply.c, request.c)
 * and below.
 */

#ifndef SVC_DB_H
#define SVC_DB_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <jansson.h>

struct tracing_span;

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

void			 svc_db_register(const char *, const char *);
struct tracing_span	*svc_db_span(struct http_request *, const char *,
			    const char *);
void			 svc_db_prepare(struct svc_db *, const char *,
			    const char *);
void			 svc_db_param(struct svc_db *, const char *);
int			 svc_db_run(struct http_request *, struct svc_db *);
int			 svc_db_answer(struct http_request *, struct svc_db *);
int			 svc_db_detached(struct svc_db *,
			    void (*)(struct svc_db *, int, void *), void *);
void			 svc_db_cleanup(struct svc_db *);
const char		*svc_db_value(struct svc_db *, int, const char *);
long long		 svc_db_int(struct svc_db *, int, const char *);
void			 svc_reply_db_error(struct http_request *,
			    struct svc_db *);
int			 svc_ready_db(struct http_request *, const char *);
int			 svc_db_single(struct http_request *, const char *,
			    const char *, const char *, struct svc_db **);
int			 svc_db_reply_status(struct http_request *,
			    const char *, const char *, const char *);

#endif
