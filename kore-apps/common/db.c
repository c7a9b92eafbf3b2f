/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.c: one SQL statement at a time on a request, through kore_pgsql's
 * async interface: the request sleeps while PostgreSQL works, connecting
 * included (Kore patched: pgsql-connect-async). Rows come back as a JSON
 * array of objects (text values). A connection found broken after an
 * error is flagged for Kore to close as it is released, and the statement
 * runs again on another, opened without blocking: the service heals by
 * itself and no worker ever waits on PostgreSQL. A
 * statement can also run without a request (svc_db_detached), with a
 * callback. Each statement has a deadline (DB_STATEMENT_TIMEOUT_MS, its
 * retries included): a server that does not answer (hung, partitioned)
 * fails the statement as unavailable, and Kore (patched) closes the
 * connection it ran on instead of waiting for it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tracing.h>

#include "strbuf.h"
#include "svc_db.h"
#include "svc_env.h"
#include "svc_identity.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_trace.h"

/* Bounded by the connections a worker's pool can hold, plus one. */
#define SVC_DB_RETRIES		9

/* What the spans say about each registered database. */
struct db_info {
	char	name[32];
	char	dbname[64];
	char	host[128];
	long	port;
};

static struct db_info	dbs[4];
static int		ndbs;
static long long	statement_timeout_ms = -1;

static int	db_drive(struct http_request *, struct svc_db *);

/* The value of key in a libpq keyword/value string (quotes handled). */
static void
conninfo_get(const char *ci, const char *key, char *out, size_t len)
{
	size_t	klen, o;
	const char *p;

	out[0] = '\0';
	klen = strlen(key);
	for (p = ci; *p != '\0'; ) {
		while (*p == ' ')
			p++;
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			p += klen + 1;
			o = 0;
			if (*p == '\'') {
				for (p++; *p != '\0' && *p != '\''; p++) {
					if (*p == '\\' && p[1] != '\0')
						p++;
					if (o + 1 < len)
						out[o++] = *p;
				}
			} else {
				while (*p != '\0' && *p != ' ' && o + 1 < len)
					out[o++] = *p++;
			}
			out[o] = '\0';
			return;
		}
		/* skip this pair */
		while (*p != '\0' && *p != '=')
			p++;
		if (*p == '=')
			p++;
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++) {
				if (*p == '\\' && p[1] != '\0')
					p++;
			}
			if (*p == '\'')
				p++;
		} else {
			while (*p != '\0' && *p != ' ')
				p++;
		}
	}
}

void
svc_db_register(const char *name, const char *conninfo)
{
	struct db_info	*d;
	char		port[16];

	if (!kore_pgsql_register(name, conninfo))
		fatal("cannot register database %s", name);
	if (ndbs == (int)(sizeof(dbs) / sizeof(dbs[0])))
		return;
	d = &dbs[ndbs++];
	(void)snprintf(d->name, sizeof(d->name), "%s", name);
	conninfo_get(conninfo, "dbname", d->dbname, sizeof(d->dbname));
	conninfo_get(conninfo, "host", d->host, sizeof(d->host));
	conninfo_get(conninfo, "port", port, sizeof(port));
	d->port = port[0] != '\0' ? strtol(port, NULL, 10) : 5432;
}

/*
 * The span of a statement: "SELECT reserve_stock", "UPDATE
 * idempotency_keys": the operation and what it works on.
 */
static void
db_span_start(struct http_request *req, struct svc_db *db)
{
	struct tracing_attr	a[8];
	const char		*q, *w;
	char			op[16], target[64], name[96];
	size_t			n, i;
	int			k;

	n = strcspn(db->query, " ");
	i = 0;
	svc_put(op, sizeof(op), &i, db->query, n);
	target[0] = '\0';
	q = db->query;
	for (k = 0; k < 2 && target[0] == '\0'; k++) {
		w = strstr(q, k == 0 ? " FROM " : !strcmp(op, "UPDATE") ?
		    "UPDATE " : " INTO ");
		if (w == NULL)
			continue;
		w = strchr(w + 1, ' ') + 1;
		n = strcspn(w, " ($,;");
		i = 0;
		svc_put(target, sizeof(target), &i, w, n);
	}
	i = 0;
	svc_put(name, sizeof(name), &i, op, strlen(op));
	if (target[0] != '\0') {
		svc_put(name, sizeof(name), &i, " ", 1);
		svc_put(name, sizeof(name), &i, target, strlen(target));
	}

	db->span = db->parent != NULL ?
	    svc_span_child(db->parent, name, TRACING_SPAN_CLIENT) :
	    svc_span_start(req, name, TRACING_SPAN_CLIENT);
	if (db->span == NULL || !tracing_span_is_recording(db->span))
		return;

	n = 0;
	a[n++] = TRACING_ATTR_STR("db.system.name", "postgresql");
	a[n++] = TRACING_ATTR_STR("db.operation.name", op);
	a[n++] = TRACING_ATTR_STR("db.query.summary", name);
	/* The statement with its $n placeholders: never the values. */
	a[n++] = TRACING_ATTR_STR("db.query.text", db->query);
	for (i = 0; i < (size_t)ndbs; i++) {
		if (strcmp(dbs[i].name, db->dbname) != 0)
			continue;
		a[n++] = TRACING_ATTR_STR("db.namespace", dbs[i].dbname);
		a[n++] = TRACING_ATTR_STR("server.address", dbs[i].host);
		a[n++] = TRACING_ATTR_INTV("server.port", dbs[i].port);
	}
	(void)tracing_span_set_attrs(db->span, a, n);
}

/*
 * The span a statement of req would get, for a statement run on its
 * behalf by someone else (the inventory's batched reservations).
 */
struct tracing_span *
svc_db_span(struct http_request *req, const char *dbname, const char *query)
{
	struct svc_db	tmp;

	memset(&tmp, 0, sizeof(tmp));
	tmp.dbname = dbname;
	tmp.query = query;
	db_span_start(req, &tmp);
	return (tmp.span);
}

static void
db_span_end(struct svc_db *db, int ok)
{
	if (db->span == NULL)
		return;
	if (!ok && db->timed_out) {
		(void)tracing_span_set_str(db->span, "error.type", "timeout");
		(void)tracing_span_set_status(db->span, TRACING_STATUS_ERROR,
		    db->error);
	} else if (ok) {
		(void)tracing_span_set_int(db->span, "db.response.returned_rows",
		    (int64_t)json_array_size(db->rows));
	} else {
		(void)tracing_span_set_str(db->span, "error.type",
		    db->sqlstate[0] != '\0' ? db->sqlstate : "connection");
		if (db->sqlstate[0] != '\0')
			(void)tracing_span_set_str(db->span,
			    "db.response.status_code", db->sqlstate);
		(void)tracing_span_set_status(db->span, TRACING_STATUS_ERROR,
		    db->error);
	}
	svc_span_end(db->span);
	db->span = NULL;
}

void
svc_db_prepare(struct svc_db *db, const char *dbname, const char *query)
{
	struct tracing_span	*parent = db->parent;

	svc_db_cleanup(db);
	memset(db, 0, sizeof(*db));
	db->parent = parent;
	db->dbname = dbname;
	db->query = query;
}

/* Adds a text parameter; borrowed, must live until svc_db_run is done. */
void
svc_db_param(struct svc_db *db, const char *value)
{
	if (db->nparams == (int)(sizeof(db->params) / sizeof(db->params[0])))
		fatal("svc_db_param: too many parameters");
	db->params[db->nparams] = value;
	db->lengths[db->nparams] = value != NULL ? (int)strlen(value) : 0;
	db->nparams++;
}

static void
db_collect(struct svc_db *db)
{
	json_t	*row;
	int	r, c, rows, cols;

	if (db->rows == NULL)
		db->rows = json_array();

	rows = kore_pgsql_ntuples(&db->sql);
	cols = kore_pgsql_nfields(&db->sql);
	for (r = 0; r < rows; r++) {
		row = json_object();
		for (c = 0; c < cols; c++) {
			if (PQgetisnull(db->sql.result, r, c)) {
				json_object_set_new(row,
				    kore_pgsql_fieldname(&db->sql, c),
				    json_null());
				continue;
			}
			json_object_set_new(row,
			    kore_pgsql_fieldname(&db->sql, c),
			    json_stringn(kore_pgsql_getvalue(&db->sql, r, c),
			    (size_t)kore_pgsql_getlength(&db->sql, r, c)));
		}
		json_array_append_new(db->rows, row);
	}
}

static int
db_fail(struct svc_db *db)
{
	struct pgsql_conn	*conn;
	const char		*state;
	int			broken;

	conn = db->sql.conn;
	broken = 0;

	(void)snprintf(db->error, sizeof(db->error), "%s",
	    db->sql.error != NULL ? db->sql.error : "unknown database error");
	db->error[strcspn(db->error, "\n")] = '\0';

	if (db->sql.result != NULL &&
	    (state = PQresultErrorField(db->sql.result,
	    PG_DIAG_SQLSTATE)) != NULL)
		(void)snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state);

	/* Class 08 (connection), 57P (shutdown) and 53 (resources). */
	if (strncmp(db->sqlstate, "08", 2) == 0 ||
	    strncmp(db->sqlstate, "57P", 3) == 0 ||
	    strncmp(db->sqlstate, "53", 2) == 0)
		db->unavailable = 1;

	if (conn == NULL || PQstatus(conn->db) == CONNECTION_BAD ||
	    strncmp(db->sqlstate, "08", 2) == 0 ||
	    strncmp(db->sqlstate, "57P", 3) == 0) {
		broken = conn != NULL;
		db->unavailable = 1;
		/* libpq closed the socket: epoll already forgot it. */
		if (conn != NULL && PQsocket(conn->db) < 0)
			db->sql.flags &= ~KORE_PGSQL_SCHEDULED;
		/* Kore closes it as it is released (no PQreset: it blocks). */
		if (conn != NULL)
			conn->flags |= PGSQL_CONN_DISCARD;
	}

	if (broken)
		kore_log(LOG_NOTICE, "%s: closing a broken connection; the"
		    " statement goes to another", db->dbname);
	kore_pgsql_cleanup(&db->sql);
	db->started = 0;

	/*
	 * Every statement of ours may run more than once (each is idempotent:
	 * keyed by a reservation, order or Idempotency-Key id), so one that
	 * met a dead connection runs again on another: after a server restart
	 * the pool may hold several dead ones, each repaired as it is met.
	 */
	if (db->retried < SVC_DB_RETRIES && (conn == NULL || broken)) {
		db->retried++;
		if (db->span != NULL)
			(void)tracing_span_add_event(db->span,
			    "db.connection.reset", 0, NULL, 0);
		db->unavailable = 0;
		db->sqlstate[0] = '\0';
		kore_pgsql_init(&db->sql);
		return (SVC_DB_PENDING);
	}

	return (SVC_DB_ERROR);
}

static void	db_detached_cb(struct kore_pgsql *, void *);
static int	db_step(struct http_request *, struct svc_db *);

static void
db_disarm(struct svc_db *db)
{
	if (db->deadline != NULL) {
		kore_timer_remove(db->deadline);
		db->deadline = NULL;
	}
}

/* The statement's deadline passed: its owner hears it now. */
static void
db_deadline(void *arg, u_int64_t now)
{
	struct svc_db	*db = arg;
	int		 rc;

	(void)now;
	db->deadline = NULL;	/* a one-shot timer: Kore frees it */
	db->timed_out = 1;
	if (db->sql.req != NULL) {
		http_request_wakeup(db->sql.req);
		return;
	}
	if (db->driving)
		return;
	db->driving = 1;
	rc = db_drive(NULL, db);
	db->driving = 0;
	if (rc != SVC_DB_PENDING)
		db->done(db, rc, db->done_arg);
}

static void
db_arm(struct svc_db *db)
{
	if (statement_timeout_ms < 0)
		statement_timeout_ms = svc_env_int("DB_STATEMENT_TIMEOUT_MS",
		    3000, 0, 600000);
	if (statement_timeout_ms > 0 && db->deadline == NULL && !db->timed_out)
		db->deadline = kore_timer_add(db_deadline,
		    (u_int64_t)statement_timeout_ms, db, KORE_TIMER_ONESHOT);
}

/* Gives up on the statement: no answer came in time. */
static int
db_give_up(struct svc_db *db)
{
	(void)snprintf(db->error, sizeof(db->error), "the database did not"
	    " answer within %lld ms (DB_STATEMENT_TIMEOUT_MS)",
	    statement_timeout_ms);
	db->sqlstate[0] = '\0';
	db->unavailable = 1;
	/* Kore calls a bound callback as it lets go: not now. */
	db->sql.cb = NULL;
	kore_pgsql_cleanup(&db->sql);
	db->started = 0;
	db_span_end(db, 0);
	return (SVC_DB_ERROR);
}

/*
 * Drives the statement, for a request (req) or detached (req NULL: Kore
 * calls db_detached_cb as it goes).
 */
static int
db_drive(struct http_request *req, struct svc_db *db)
{
	int	rc;

	if ((rc = db_step(req, db)) != SVC_DB_PENDING)
		db_disarm(db);
	return (rc);
}

static int
db_step(struct http_request *req, struct svc_db *db)
{
	if (db->timed_out)
		return (db_give_up(db));

	if (db->span == NULL && !db->started && !db->retried &&
	    (req != NULL || db->parent != NULL))
		db_span_start(req, db);

	if (!db->started) {
		/* Woken with the error of a connection that could not open. */
		if (db->sql.state == KORE_PGSQL_STATE_ERROR) {
			db->unavailable = 1;
			if (db_fail(db) == SVC_DB_PENDING)
				return (db_drive(req, db));
			db_span_end(db, 0);
			return (SVC_DB_ERROR);
		}
		if (db->sql.req == NULL && db->sql.cb == NULL) {
			kore_pgsql_init(&db->sql);
			if (req != NULL)
				kore_pgsql_bind_request(&db->sql, req);
			else
				kore_pgsql_bind_callback(&db->sql,
				    db_detached_cb, db);
		}
		db_arm(db);
		if (!kore_pgsql_setup(&db->sql, db->dbname,
		    KORE_PGSQL_ASYNC)) {
			/* Queued for a free connection: we are woken up. */
			if (db->sql.state == KORE_PGSQL_STATE_INIT)
				return (SVC_DB_PENDING);
			db->unavailable = 1;
			(void)db_fail(db);
			db_span_end(db, 0);
			return (SVC_DB_ERROR);
		}
		if (!kore_pgsql_query_param_fields(&db->sql, db->query, 0,
		    db->nparams, (const char **)db->params, db->lengths,
		    NULL)) {
			if (db_fail(db) == SVC_DB_PENDING)
				return (db_drive(req, db));
			db_span_end(db, 0);
			return (SVC_DB_ERROR);
		}
		db->started = 1;
	}

	for (;;) {
		switch (db->sql.state) {
		case KORE_PGSQL_STATE_WAIT:
			return (SVC_DB_PENDING);
		case KORE_PGSQL_STATE_RESULT:
			db_collect(db);
			kore_pgsql_continue(&db->sql);
			break;
		case KORE_PGSQL_STATE_ERROR:
			if (db_fail(db) == SVC_DB_PENDING)
				return (db_drive(req, db));
			db_span_end(db, 0);
			return (SVC_DB_ERROR);
		case KORE_PGSQL_STATE_COMPLETE:
			kore_pgsql_cleanup(&db->sql);
			db->started = 0;
			if (db->rows == NULL)
				db->rows = json_array();
			db_span_end(db, 1);
			return (SVC_DB_DONE);
		default:
			kore_pgsql_continue(&db->sql);
			break;
		}
	}
}

/*
 * svc_db_run for a handler that answers a failed statement with the JSON
 * error of svc_reply_db_error: SVC_DB_PENDING (return KORE_RESULT_RETRY),
 * SVC_DB_ERROR (answered: return KORE_RESULT_OK) or SVC_DB_DONE.
 */
int
svc_db_answer(struct http_request *req, struct svc_db *db)
{
	int	rc;

	if ((rc = svc_db_run(req, db)) == SVC_DB_ERROR)
		svc_reply_db_error(req, db);
	return (rc);
}

/*
 * Drives the statement; call it from a state until it stops answering
 * SVC_DB_PENDING (then return KORE_RESULT_RETRY). SVC_DB_DONE: rows are in
 * db->rows. SVC_DB_ERROR: db->error, db->sqlstate and db->unavailable.
 */
int
svc_db_run(struct http_request *req, struct svc_db *db)
{
	return (db_drive(req, db));
}

/*
 * Kore's word on a detached statement. It also comes from inside our own
 * calls into kore_pgsql (db_drive reads the state itself then) and while
 * the statement waits.
 */
static void
db_detached_cb(struct kore_pgsql *sql, void *arg)
{
	struct svc_db	*db = arg;
	int		 rc;

	if (db->driving || sql->state == KORE_PGSQL_STATE_WAIT)
		return;
	db->driving = 1;
	rc = db_drive(NULL, db);
	db->driving = 0;
	if (rc != SVC_DB_PENDING)
		db->done(db, rc, db->done_arg);
}

/*
 * The statement prepared in db, with no request (one that must outlive its
 * request): its span goes under db->parent (NULL: none). SVC_DB_PENDING:
 * done(db, SVC_DB_DONE or SVC_DB_ERROR, arg) runs later, once; done may
 * free db. Otherwise the outcome is known now and done is not called.
 * Parameters and db must stay put until then.
 */
int
svc_db_detached(struct svc_db *db, void (*done)(struct svc_db *, int, void *),
    void *arg)
{
	int	rc;

	db->done = done;
	db->done_arg = arg;
	db->driving = 1;
	rc = db_drive(NULL, db);
	db->driving = 0;
	return (rc);
}

const char *
svc_db_value(struct svc_db *db, int row, const char *field)
{
	json_t	*v;

	if (db->rows == NULL ||
	    (v = json_object_get(json_array_get(db->rows, (size_t)row),
	    field)) == NULL)
		return (NULL);
	return (json_string_value(v));
}

long long
svc_db_int(struct svc_db *db, int row, const char *field)
{
	const char	*v;

	if ((v = svc_db_value(db, row, field)) == NULL)
		return (0);
	return (strtoll(v, NULL, 10));
}

void
svc_db_cleanup(struct svc_db *db)
{
	db_disarm(db);
	if (db->sql.req != NULL || db->sql.cb != NULL || db->sql.conn != NULL) {
		/* Kore calls a bound callback as it lets go: not now. */
		db->sql.cb = NULL;
		kore_pgsql_cleanup(&db->sql);
	}
	if (db->rows != NULL) {
		json_decref(db->rows);
		db->rows = NULL;
	}
	if (db->span != NULL) {
		(void)snprintf(db->error, sizeof(db->error),
		    "abandoned: the request ended first");
		db_span_end(db, 0);
	}
	db->started = 0;
}

/* The JSON 503 for a statement that failed: never the client's fault. */
void
svc_reply_db_error(struct http_request *req, struct svc_db *db)
{
	kore_log(LOG_ERR, "%s: %s (sqlstate %s)", db->dbname, db->error,
	    db->sqlstate[0] != '\0' ? db->sqlstate : "none");
	svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
	    db->unavailable ? "database_unavailable" : "database_error",
	    "the %s database cannot serve this request now", db->dbname);
}

/* The state of svc_db_single(): the statement and its copied argument. */
struct single_state {
	char		arg[96];
	struct svc_db	db;
};

static void
single_free(struct http_request *req)
{
	struct single_state	*st = svc_state_get(req);

	svc_db_cleanup(&st->db);
}

/*
 * The whole of a handler that runs one statement with at most one text
 * argument (arg, copied; NULL for none) on dbname. Returns SVC_DB_PENDING
 * (return KORE_RESULT_RETRY), or SVC_DB_DONE / SVC_DB_ERROR with the
 * statement in *out. Replying is the caller's.
 */
int
svc_db_single(struct http_request *req, const char *dbname, const char *query,
    const char *arg, struct svc_db **out)
{
	struct single_state	*st;

	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), single_free);
		svc_db_prepare(&st->db, dbname, query);
		if (arg != NULL) {
			(void)snprintf(st->arg, sizeof(st->arg), "%s", arg);
			svc_db_param(&st->db, st->arg);
		}
	}
	st = svc_state_get(req);
	*out = &st->db;
	return (svc_db_run(req, &st->db));
}

/*
 * The whole of a handler whose statement, on the path's reservation id,
 * answers one "status" (release, cancel-order): 200 {"reservationId",
 * "status"}, or the JSON 503 of a failed statement. Returns what the
 * handler returns.
 */
int
svc_db_reply_status(struct http_request *req, const char *dbname,
    const char *query, const char *id)
{
	struct svc_db	*db;
	int		 rc;

	if ((rc = svc_db_single(req, dbname, query, id, &db)) ==
	    SVC_DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (rc == SVC_DB_ERROR) {
		svc_reply_db_error(req, db);
		return (KORE_RESULT_OK);
	}
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s?}",
	    "reservationId", id, "status", svc_db_value(db, 0, "status")));
	return (KORE_RESULT_OK);
}

/* GET /ready for a service that owns a database: 200 when it answers. */
int
svc_ready_db(struct http_request *req, const char *dbname)
{
	struct svc_db	*db;
	int		rc;

	if ((rc = svc_db_single(req, dbname, "SELECT 1 AS ok", NULL, &db)) ==
	    SVC_DB_PENDING)
		return (KORE_RESULT_RETRY);
	if (rc == SVC_DB_ERROR) {
		svc_reply_error(req, HTTP_STATUS_SERVICE_UNAVAILABLE,
		    "not_ready", "database %s: %s", dbname, db->error);
		return (KORE_RESULT_OK);
	}
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s,s:{s:s}}",
	    "status", "ready", "service", svc_name(), "checks",
	    "database", "ok"));
	return (KORE_RESULT_OK);
}
