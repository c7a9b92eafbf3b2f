/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_io.c: unit tests of the front door's I/O against real peers, in one
 * process with Kore (fuzz/inproc.c): call.c's detached calls through
 * Kore's async curl to an HTTP peer on a thread of this test (answers,
 * timeouts, refusals, trace context, a call chained from another's
 * completion), and db.c's detached statements on the real PostgreSQL
 * named by IO_DB_CONNINFO (rows, parameters, errors, the statement
 * deadline, one svc_db reused and chained as the sweeper does, and, the
 * pool being one connection, a statement queued behind a hung one); and
 * the front door (dispatch.c, request.c, reply.c) of this worker, over its
 * Unix socket, with routes of the test's own: matching, 404 and 405, JSON
 * bodies within a limit, joined header lines, a request whose client
 * hangs up freed at once. Run by tests/e2e.sh with the stack's database;
 * without IO_DB_CONNINFO the statements are skipped. Prints TAP.
 */

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "route.h"
#include "svc_call.h"
#include "svc_db.h"
#include "svc_hooks.h"
#include "svc_reply.h"
#include "svc_request.h"
#include "svc_trace.h"

#include "inproc.h"
#include "tap.h"

#include <tracing.h>

#define IO_DB		"io"
#define DEADLINE_MS	1000		/* DB_STATEMENT_TIMEOUT_MS here */

void	kore_worker_configure(void);

static char		listen_name[64];	/* the worker's, abstract */
static int		freed;			/* states freed (/sleep) */

static int		peer_port;
static pthread_mutex_t	peer_lock = PTHREAD_MUTEX_INITIALIZER;
static char		peer_head[4096];	/* the last request's head */

static u_int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((u_int64_t)ts.tv_sec * 1000 + (u_int64_t)ts.tv_nsec / 1000000);
}

/*
 * The HTTP peer, one thread per connection: GET or POST
 * /answer/STATUS/DELAY_MS/json|text answers STATUS after DELAY_MS, with a
 * JSON body (the request's own body in "echo") or plain text, and closes.
 */
static void *
peer_conn(void *arg)
{
	char		 buf[8192], body[512], out[1024];
	const char	*kind;
	size_t		 len, blen;
	ssize_t		 r;
	int		 fd = (int)(intptr_t)arg, status, delay, clen;
	char		*end, *p;

	len = 0;
	end = NULL;
	while (len < sizeof(buf) - 1 && (end == NULL ||
	    (size_t)(end + 4 - buf) + (size_t)clen > len)) {
		if ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			p = strcasestr(buf, "\r\ncontent-length:");
			clen = p != NULL && p < end ? atoi(p + 17) : 0;
		}
	}
	if (end == NULL) {
		close(fd);
		return (NULL);
	}
	pthread_mutex_lock(&peer_lock);
	(void)snprintf(peer_head, sizeof(peer_head), "%.*s",
	    (int)(end - buf), buf);
	pthread_mutex_unlock(&peer_lock);
	status = 200;
	delay = 0;
	kind = "json";
	if ((p = strstr(buf, "/answer/")) != NULL)
		(void)sscanf(p, "/answer/%d/%d", &status, &delay);
	if (p != NULL && strstr(p, "/text ") != NULL)
		kind = "text";
	if (delay > 0)
		usleep((useconds_t)delay * 1000);
	blen = len - (size_t)(end + 4 - buf);
	if (strcmp(kind, "json") == 0)
		(void)snprintf(body, sizeof(body),
		    "{\"ok\":true,\"echo\":%.*s}", blen > 0 ? (int)blen : 4,
		    blen > 0 ? end + 4 : "null");
	else
		(void)snprintf(body, sizeof(body), "not json");
	(void)snprintf(out, sizeof(out), "HTTP/1.1 %d X\r\ncontent-type: %s\r\n"
	    "content-length: %zu\r\nconnection: close\r\n\r\n%s", status,
	    strcmp(kind, "json") == 0 ? "application/json" : "text/plain",
	    strlen(body), body);
	(void)write(fd, out, strlen(out));
	close(fd);
	return (NULL);
}

static void *
peer_main(void *arg)
{
	pthread_t	t;
	int		lfd = (int)(intptr_t)arg, fd;

	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) == -1)
			continue;
		if (pthread_create(&t, NULL, peer_conn,
		    (void *)(intptr_t)fd) != 0) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
	return (NULL);
}

/* A TCP port on 127.0.0.1 that nothing listens on. */
static int
closed_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	(void)getsockname(fd, (struct sockaddr *)&sin, &slen);
	port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

static void
peer_start(void)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	pthread_t		t;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		abort();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 64) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1)
		abort();
	peer_port = ntohs(sin.sin_port);
	if (pthread_create(&t, NULL, peer_main, (void *)(intptr_t)fd) != 0)
		abort();
}

/* Runs the worker until *flag is set or ms pass; 1 if it was set. */
static int
run_until(const int *flag, u_int64_t ms)
{
	u_int64_t	start = now_ms();

	while (!*flag && now_ms() - start < ms)
		inproc_turn(10);
	return (*flag);
}

/* Runs the worker for ms, whatever happens. */
static void
run_for(u_int64_t ms)
{
	u_int64_t	start = now_ms();

	while (now_ms() - start < ms)
		inproc_turn(10);
}

struct done {
	int		 n;		/* how often done ran */
	u_int64_t	 at;		/* when, first */
	int		 rc;		/* statements: the outcome */
	struct svc_call	*next;		/* a call to chain from done */
	char		 next_url[128];
	struct done	*next_done;
};

static void	call_done(struct svc_call *, void *);

static void
call_done(struct svc_call *call, void *arg)
{
	struct done	*d = arg;

	(void)call;
	if (d->n++ == 0)
		d->at = now_ms();
	if (d->next != NULL && !svc_call_detached(d->next, HTTP_METHOD_GET,
	    d->next_url, "/answer", NULL, 2000, NULL, NULL, call_done,
	    d->next_done))
		d->next_done->n = -1;
}

static void
url(char *buf, size_t len, int port, int status, int delay, const char *kind)
{
	(void)snprintf(buf, len, "http://127.0.0.1:%d/answer/%d/%d/%s", port,
	    status, delay, kind);
}

/* Calls started from another's completion, and five at once. */
static void
test_calls_together(void)
{
	struct svc_call		 c, c2, many[5];
	struct done		 d, d2, dm[5];
	char			 u[128];
	u_int64_t		 t0;
	int			 i, order_ok;

	memset(&c, 0, sizeof(c));
	memset(&c2, 0, sizeof(c2));
	memset(many, 0, sizeof(many));

	/* Chained from the first one's completion (Kore patch 0004). */
	memset(&d, 0, sizeof(d));
	memset(&d2, 0, sizeof(d2));
	d.next = &c2;
	d.next_done = &d2;
	url(d.next_url, sizeof(d.next_url), peer_port, 202, 0, "json");
	url(u, sizeof(u), peer_port, 503, 0, "json");
	t0 = now_ms();
	ok(svc_call_detached(&c, HTTP_METHOD_GET, u, "/answer", NULL, 2000,
	    NULL, NULL, call_done, &d) && run_until(&d2.n, 5000) &&
	    c.status == 503 && c2.status == 202 && d2.at - t0 < 1000,
	    "call: one started from another's completion runs at once "
	    "(both done after %llu ms)", (unsigned long long)(d2.at - t0));
	svc_call_cleanup(&c);
	svc_call_cleanup(&c2);

	/* Five at once, answered in the order of their delays. */
	memset(dm, 0, sizeof(dm));
	for (i = 0; i < 5; i++) {
		url(u, sizeof(u), peer_port, 200, (5 - i) * 150, "json");
		(void)svc_call_detached(&many[i], HTTP_METHOD_GET, u,
		    "/answer", NULL, 3000, NULL, NULL, call_done, &dm[i]);
	}
	(void)run_until(&dm[0].n, 5000);
	order_ok = 1;
	for (i = 0; i < 5; i++) {
		if (dm[i].n != 1 || many[i].status != 200 ||
		    (i > 0 && dm[i].at > dm[i - 1].at))
			order_ok = 0;
		svc_call_cleanup(&many[i]);
	}
	ok(order_ok, "call: five at once, each done once, in the order of "
	    "the peer's delays (one worker serves them all)");
}

static void
test_calls(void)
{
	struct svc_call		 c;
	struct done		 d;
	struct tracing_span	*root;
	char			 u[128], want[64], tid[33];
	json_t			*body;
	u_int64_t		 t0;

	memset(&c, 0, sizeof(c));

	memset(&d, 0, sizeof(d));
	url(u, sizeof(u), peer_port, 201, 0, "json");
	root = svc_span_root("io-test", TRACING_SPAN_INTERNAL);
	body = json_pack("{s:i}", "qty", 2);
	ok(svc_call_detached(&c, HTTP_METHOD_POST, u, "/answer", body, 2000,
	    root, NULL, call_done, &d) && run_until(&d.n, 5000) && d.n == 1 &&
	    c.status == 201 && c.body != NULL &&
	    json_is_true(json_object_get(c.body, "ok")) &&
	    json_integer_value(json_object_get(json_object_get(c.body,
	    "echo"), "qty")) == 2 &&
	    c.error[0] == '\0', "call: POST with a JSON body, 201: done once, "
	    "the status and the parsed answer (the peer echoed the body)");
	json_decref(body);
	tid[0] = '\0';
	if (root != NULL)
		tracing_span_trace_id_hex(root, tid);
	(void)snprintf(want, sizeof(want), "traceparent: 00-%s-", tid);
	pthread_mutex_lock(&peer_lock);
	ok(root != NULL && strcasestr(peer_head, want) != NULL &&
	    strcasestr(peer_head, "\r\ncontent-type: application/json") != NULL,
	    "call: the peer got the parent's trace id in traceparent, and "
	    "content-type application/json");
	pthread_mutex_unlock(&peer_lock);
	svc_call_cleanup(&c);

	memset(&d, 0, sizeof(d));
	url(u, sizeof(u), peer_port, 200, 0, "text");
	ok(svc_call_detached(&c, HTTP_METHOD_GET, u, "/answer", NULL, 2000,
	    NULL, NULL, call_done, &d) && run_until(&d.n, 5000) &&
	    c.status == 200 && c.body == NULL, "call: an answer that is not "
	    "JSON: its status, no body");
	svc_call_cleanup(&c);

	memset(&d, 0, sizeof(d));
	url(u, sizeof(u), peer_port, 200, 3000, "json");
	t0 = now_ms();
	ok(svc_call_detached(&c, HTTP_METHOD_GET, u, "/answer", NULL, 300,
	    NULL, NULL, call_done, &d) && run_until(&d.n, 5000) &&
	    c.status == 0 && c.timed_out && c.error[0] != '\0' &&
	    d.at - t0 < 2500, "call: a peer slower than the call's 300 ms "
	    "timeout: status 0, timed out (%s) after %llu ms, not the peer's "
	    "3 s", c.error, (unsigned long long)(d.at - t0));
	svc_call_cleanup(&c);

	memset(&d, 0, sizeof(d));
	url(u, sizeof(u), closed_port(), 200, 0, "json");
	ok(svc_call_detached(&c, HTTP_METHOD_GET, u, "/answer", NULL, 2000,
	    NULL, NULL, call_done, &d) && run_until(&d.n, 5000) &&
	    c.status == 0 && !c.timed_out && c.error[0] != '\0',
	    "call: a port nobody listens on: status 0, not a timeout (%s)",
	    c.error);
	svc_call_cleanup(&c);

	test_calls_together();
	if (root != NULL)
		tracing_span_end(root, 0);
}

static void
db_done(struct svc_db *db, int rc, void *arg)
{
	struct done	*d = arg;

	(void)db;
	d->rc = rc;
	if (d->n++ == 0)
		d->at = now_ms();
}

/* Runs db's statement detached until it is done; its outcome. */
static int
db_run(struct svc_db *db, struct done *d)
{
	int	rc;

	memset(d, 0, sizeof(*d));
	if ((rc = svc_db_detached(db, db_done, d)) != SVC_DB_PENDING)
		return (rc);
	if (!run_until(&d->n, 10000))
		return (-1);
	return (d->rc);
}

/* The sweeper's way: each statement's done prepares the next, 5 times. */
struct chain {
	struct svc_db	db;
	int		left, failed, finished;
	char		param[16];
};

static void
chain_done(struct svc_db *db, int rc, void *arg)
{
	struct chain	*ch = arg;

	if (rc != SVC_DB_DONE || svc_db_int(db, 0, "v") != 5 - ch->left)
		ch->failed = 1;
	if (--ch->left == 0 || ch->failed) {
		ch->finished = 1;
		return;
	}
	svc_db_prepare(db, IO_DB, "SELECT $1::int AS v");
	(void)snprintf(ch->param, sizeof(ch->param), "%d", 5 - ch->left);
	svc_db_param(db, ch->param);
	if ((rc = svc_db_detached(db, chain_done, ch)) != SVC_DB_PENDING) {
		ch->failed = 1;
		ch->finished = 1;
	}
}

/* Statements queued behind a hung one, and abandoned in flight. */
static void
test_db_queue(void)
{
	struct svc_db	a, b;
	struct done	da, db_;
	int		rc;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));

	/*
	 * The pool is one connection: a statement hung in the server holds it,
	 * the next waits in Kore's queue; the hung one's deadline closes its
	 * connection, and the queued one then runs within its own deadline.
	 */
	svc_db_prepare(&a, IO_DB, "SELECT pg_sleep(10)");
	memset(&da, 0, sizeof(da));
	memset(&db_, 0, sizeof(db_));
	rc = svc_db_detached(&a, db_done, &da);
	run_for(400);
	svc_db_prepare(&b, IO_DB, "SELECT 9 AS v");
	if (rc == SVC_DB_PENDING)
		rc = svc_db_detached(&b, db_done, &db_);
	ok(rc == SVC_DB_PENDING && run_until(&db_.n, 5000) &&
	    da.n == 1 && da.rc == SVC_DB_ERROR && db_.rc == SVC_DB_DONE &&
	    svc_db_int(&b, 0, "v") == 9 && db_.at >= da.at,
	    "db: with one connection, a statement queued behind a hung one "
	    "runs once the hung one's deadline gives the connection up (%s)",
	    a.error);
	svc_db_cleanup(&a);
	svc_db_cleanup(&b);

	/* Abandoned in flight, as a request that ends first abandons its. */
	svc_db_prepare(&a, IO_DB, "SELECT pg_sleep(10)");
	memset(&da, 0, sizeof(da));
	rc = svc_db_detached(&a, db_done, &da);
	run_for(200);
	svc_db_cleanup(&a);
	run_for(200);
	ok(rc == SVC_DB_PENDING && da.n == 0, "db: a statement abandoned in "
	    "flight (svc_db_cleanup) is not reported done");
}

static void
test_db(void)
{
	struct svc_db	db;
	struct chain	ch;
	struct done	d;
	u_int64_t	t0;
	int		rc;

	memset(&db, 0, sizeof(db));

	svc_db_prepare(&db, IO_DB, "SELECT 1 AS one, 'x' AS s, NULL AS n");
	rc = db_run(&db, &d);
	ok(rc == SVC_DB_DONE && d.n == 1 && json_array_size(db.rows) == 1 &&
	    svc_db_int(&db, 0, "one") == 1 &&
	    strcmp(svc_db_value(&db, 0, "s"), "x") == 0 &&
	    svc_db_value(&db, 0, "n") == NULL, "db: a row, done once: "
	    "values by name, NULL as no value");

	svc_db_prepare(&db, IO_DB, "SELECT $1::int + 1 AS v, $2::text AS t");
	svc_db_param(&db, "41");
	svc_db_param(&db, "it's; DROP TABLE x");
	rc = db_run(&db, &d);
	ok(rc == SVC_DB_DONE && svc_db_int(&db, 0, "v") == 42 &&
	    strcmp(svc_db_value(&db, 0, "t"), "it's; DROP TABLE x") == 0,
	    "db: parameters are values, never SQL");

	svc_db_prepare(&db, IO_DB, "SELEC 1");
	rc = db_run(&db, &d);
	ok(rc == SVC_DB_ERROR && strcmp(db.sqlstate, "42601") == 0 &&
	    !db.unavailable && db.error[0] != '\0', "db: a syntax error: "
	    "ERROR, sqlstate 42601, not taken for the database being away");

	svc_db_prepare(&db, IO_DB, "SELECT pg_sleep(10)");
	t0 = now_ms();
	rc = db_run(&db, &d);
	ok(rc == SVC_DB_ERROR && db.unavailable &&
	    strstr(db.error, "DB_STATEMENT_TIMEOUT_MS") != NULL &&
	    d.at - t0 >= DEADLINE_MS - 50 && d.at - t0 < DEADLINE_MS + 1500,
	    "db: a statement the server sits on ends at its deadline "
	    "(%llu ms), as the database being away",
	    (unsigned long long)(d.at - t0));

	/* The same svc_db again after its deadline, as the sweeper does. */
	svc_db_prepare(&db, IO_DB, "SELECT 7 AS v");
	rc = db_run(&db, &d);
	ok(rc == SVC_DB_DONE && svc_db_int(&db, 0, "v") == 7,
	    "db: the svc_db that timed out runs its next statement");

	memset(&ch, 0, sizeof(ch));
	ch.left = 5;
	svc_db_prepare(&ch.db, IO_DB, "SELECT 0 AS v");
	if (svc_db_detached(&ch.db, chain_done, &ch) != SVC_DB_PENDING)
		ch.failed = ch.finished = 1;
	ok(run_until(&ch.finished, 10000) && !ch.failed && ch.left == 0,
	    "db: five statements chained, each prepared by the previous one's "
	    "completion on one svc_db");
	svc_db_cleanup(&ch.db);

	test_db_queue();

	svc_db_prepare(&db, IO_DB, "SELECT 3 AS v");
	rc = db_run(&db, &d);
	ok(rc == SVC_DB_DONE && svc_db_int(&db, 0, "v") == 3,
	    "db: the pool serves the next statement afterwards");
	svc_db_cleanup(&db);
}

/* The front door's routes here. */
static int
r_item(struct http_request *req, struct svc_match *m)
{
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s}", "id",
	    m->params[0]));
	return (KORE_RESULT_OK);
}

static int
r_echo(struct http_request *req, struct svc_match *m)
{
	json_t	*body;

	(void)m;
	if ((body = svc_body_json(req, 64)) == NULL)
		return (KORE_RESULT_OK);	/* answered */
	svc_reply_json(req, HTTP_STATUS_OK, body);
	return (KORE_RESULT_OK);
}

static int
r_join(struct http_request *req, struct svc_match *m)
{
	const char	*v = svc_header_join(req, "x-a");

	(void)m;
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s?}", "joined", v));
	return (KORE_RESULT_OK);
}

struct sleeper {
	struct kore_timer	*timer;
};

/* The request goes (answered or abandoned): its timer with it. */
static void
sleep_free(struct http_request *req)
{
	struct sleeper	*st = svc_state_get(req);

	if (st->timer != NULL)
		kore_timer_remove(st->timer);
	freed++;
}

static void
sleep_wake(void *arg, u_int64_t now)
{
	struct sleeper	*st = svc_state_get(arg);

	(void)now;
	st->timer = NULL;	/* a one-shot timer: Kore frees it */
	http_request_wakeup(arg);
}

/* Sleeps 2 s, then answers; its state counts how often it is freed. */
static int
r_sleep(struct http_request *req, struct svc_match *m)
{
	struct sleeper	*st;

	(void)m;
	if (!svc_state_exists(req)) {
		st = svc_state_create(req, sizeof(*st), sleep_free);
		st->timer = kore_timer_add(sleep_wake, 2000, req,
		    KORE_TIMER_ONESHOT);
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	st = svc_state_get(req);
	if (st->timer != NULL) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:b}", "slept", 1));
	return (KORE_RESULT_OK);
}

static const struct svc_route	routes[] = {
	{ HTTP_METHOD_GET, "/items/:id", r_item },
	{ HTTP_METHOD_POST, "/echo", r_echo },
	{ HTTP_METHOD_GET, "/join", r_join },
	{ HTTP_METHOD_GET, "/sleep", r_sleep },
};

/* A connection to the worker's own listener. */
static int
door_connect(void)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, listen_name, strlen(listen_name));
	len = (socklen_t)(sizeof(sun.sun_family) + 1 + strlen(listen_name));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		abort();
	if (connect(fd, (struct sockaddr *)&sun, len) == -1 &&
	    errno != EINPROGRESS)
		abort();
	return (fd);
}

struct answer {
	int	 status;
	char	 head[2048];	/* status line and headers, lower-cased */
	json_t	*body;
};

/*
 * Sends raw on a new connection and runs the worker until the answer is
 * whole (its Content-Length read): 0, or -1 if none came in 5 s.
 */
static int
door(const char *raw, struct answer *a)
{
	char		 buf[8192], *end, *p;
	size_t		 len = 0, sent = 0, want = 0;
	ssize_t		 n;
	u_int64_t	 start = now_ms();
	int		 fd = door_connect();

	memset(a, 0, sizeof(*a));
	end = NULL;
	while (now_ms() - start < 5000) {
		if (sent < strlen(raw) && (n = write(fd, raw + sent,
		    strlen(raw) - sent)) > 0)
			sent += (size_t)n;
		inproc_turn(5);
		while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
			len += (size_t)n;
		buf[len] = '\0';
		if (end == NULL && (end = strstr(buf, "\r\n\r\n")) != NULL) {
			*end = '\0';
			(void)snprintf(a->head, sizeof(a->head), "%s", buf);
			*end = '\r';
			for (p = a->head; *p != '\0'; p++)
				*p = (char)tolower((unsigned char)*p);
			if ((p = strstr(a->head, "\r\ncontent-length:")) != NULL)
				want = (size_t)atoi(p + 18);
			a->status = atoi(buf + 9);
		}
		if (end != NULL && len >= (size_t)(end + 4 - buf) + want) {
			a->body = json_loadb(end + 4, want, 0, NULL);
			close(fd);
			return (0);
		}
	}
	close(fd);
	return (-1);
}

/* POST path with body as ctype. */
static int
door_post(const char *path, const char *ctype, const char *body,
    struct answer *a)
{
	char	raw[1024];

	(void)snprintf(raw, sizeof(raw), "POST %s HTTP/1.1\r\nHost: x\r\n"
	    "content-type: %s\r\ncontent-length: %zu\r\n\r\n%s", path, ctype,
	    strlen(body), body);
	return (door(raw, a));
}

static const char *
error_code(const struct answer *a)
{
	return (json_string_value(json_object_get(json_object_get(a->body,
	    "error"), "code")));
}

static void
test_front_door(void)
{
	struct answer	 a;
	const char	*req;
	u_int64_t	 t0;
	int		 fd;

	ok(door("GET /items/42 HTTP/1.1\r\nHost: x\r\n\r\n", &a) == 0 &&
	    a.status == 200 && strstr(a.head, "content-type: application/json")
	    != NULL && strcmp(json_string_value(json_object_get(a.body, "id")),
	    "42") == 0, "front door: a route with a parameter answers JSON");
	json_decref(a.body);
	ok(door("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", &a) == 0 &&
	    a.status == 404 && error_code(&a) != NULL,
	    "front door: no route: 404 with a JSON error (%s)",
	    error_code(&a) != NULL ? error_code(&a) : "none");
	json_decref(a.body);
	ok(door("DELETE /items/42 HTTP/1.1\r\nHost: x\r\n\r\n", &a) == 0 &&
	    a.status == 405 && strstr(a.head, "\r\nallow: get") != NULL &&
	    error_code(&a) != NULL &&
	    strcmp(error_code(&a), "method_not_allowed") == 0,
	    "front door: a known path, another method: 405, Allow: GET, JSON");
	json_decref(a.body);
	ok(door_post("/echo", "application/json", "{\"a\":1}", &a) == 0 &&
	    a.status == 200 &&
	    json_integer_value(json_object_get(a.body, "a")) == 1,
	    "front door: a JSON body within the handler's limit");
	json_decref(a.body);
	ok(door_post("/echo", "application/json", "{\"a\":\"xxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}", &a) == 0 &&
	    a.status == 413 && error_code(&a) != NULL &&
	    strcmp(error_code(&a), "body_too_large") == 0,
	    "front door: a body over the handler's 64 bytes: 413, JSON");
	json_decref(a.body);
	ok(door_post("/echo", "application/json", "not json", &a) == 0 &&
	    a.status == 400 && error_code(&a) != NULL &&
	    strcmp(error_code(&a), "invalid_json") == 0,
	    "front door: a body that is not JSON: 400 invalid_json");
	json_decref(a.body);
	ok(door_post("/echo", "application/json", "[1]", &a) == 0 &&
	    a.status == 400 && error_code(&a) != NULL &&
	    strcmp(error_code(&a), "invalid_json") == 0,
	    "front door: a JSON body that is no object: 400 invalid_json");
	json_decref(a.body);
	ok(door_post("/echo", "text/plain", "{}", &a) == 0 &&
	    a.status == 415 && error_code(&a) != NULL,
	    "front door: a body that is not application/json: 415, JSON");
	json_decref(a.body);
	ok(door("GET /join HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
	    &a) == 0 && a.status == 200 && json_string_value(json_object_get(
	    a.body, "joined")) != NULL && strcmp(json_string_value(
	    json_object_get(a.body, "joined")), "1,2") == 0,
	    "front door: a header's lines joined in order (RFC 9110 5.3)");
	json_decref(a.body);

	/* A client gone while its request sleeps: freed in that round. */
	freed = 0;
	fd = door_connect();
	req = "GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n";
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req))
		abort();
	run_for(100);
	close(fd);
	t0 = now_ms();
	while (freed == 0 && now_ms() - t0 < 3000)
		inproc_turn(1000);
	ok(freed == 1 && now_ms() - t0 < 500, "front door: a sleeping request "
	    "whose client hung up is freed at once (%llu ms; its handler's "
	    "timer was 2 s)", (unsigned long long)(now_ms() - t0));
	run_for(100);
}

/* The test's own worker set-up: its routes, the database registered. */
void
kore_worker_configure(void)
{
	const char	*ci = getenv("IO_DB_CONNINFO");

	svc_init("io-tests", routes, sizeof(routes) / sizeof(routes[0]));
	if (ci != NULL && *ci != '\0')
		svc_db_register(IO_DB, ci);
}

int
main(void)
{
	char		 dir[PATH_MAX], conf[PATH_MAX + 16], ms[16];
	const char	*ci = getenv("IO_DB_CONNINFO");
	FILE		*fp;

	(void)snprintf(dir, sizeof(dir), "/tmp/io-tests.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (1);
	(void)snprintf(ms, sizeof(ms), "%d", DEADLINE_MS);
	setenv("DB_STATEMENT_TIMEOUT_MS", ms, 1);
	setenv("SERVICE_AUTH", "off", 1);
	setenv("ACCESS_LOG", "0", 1);
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", 1);
	setenv("OTEL_LOG_LEVEL", "error", 1);
	setenv("SHUTDOWN_DRAIN_MS", "0", 1);
	(void)snprintf(conf, sizeof(conf), "%s/io.conf", dir);
	if ((fp = fopen(conf, "w")) == NULL)
		return (1);
	(void)snprintf(listen_name, sizeof(listen_name), "io-tests-%d",
	    (int)getpid());
	fprintf(fp, "server default {\n\tunix @%s\n\ttls no\n}\n"
	    "workers 1\nworker_max_connections 64\npidfile %s/kore.pid\n"
	    "pgsql_conn_max 1\ncurl_timeout 30\ncurl_recv_max 1048576\n"
	    "domain * {\n\tattach default\n\troute ^/.*$ svc_route\n}\n",
	    listen_name, dir);
	fclose(fp);
	peer_start();
	inproc_start(conf);

	test_calls();
	test_front_door();
	if (ci != NULL && *ci != '\0')
		test_db();
	else
		printf("ok %d - db: statements against PostgreSQL # SKIP "
		    "IO_DB_CONNINFO is not set\n", ++tap_n);
	(void)unlink(conf);
	(void)rmdir(dir);
	return (tap_done());
}
