/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch.c: group commit for reservations. Every reservation of one SKU
 * updates the same stock row, whose lock is held until the transaction's
 * commit has reached the disk: one at a time, a hot SKU went no faster
 * than one commit after the other. Here the reservations waiting in a
 * worker go to PostgreSQL together, in one statement (reserve_stock_batch:
 * one transaction, one commit, each reservation in a subtransaction of its
 * own), and each request gets its own rows back. A batch starts as soon as
 * none is in flight, so nothing waits for company at low load; under load
 * the next batch gathers while the current one commits. Every answer still
 * leaves only after its reservation is committed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_db.h"
#include "svc_env.h"
#include "svc_trace.h"

#include "batch.h"

#include <tracing.h>

#define BATCH_QUERY	"SELECT idx, status, sku, requested, available" \
			" FROM reserve_stock_batch($1::jsonb)"

struct batch_member {
	TAILQ_ENTRY(batch_member) list;
	struct http_request	*req;		/* NULL: its request is gone */
	char			*id;
	char			*skus;
	char			*qtys;
	json_t			*rows;
	int			 done;
	int			 unavailable;
	char			 error[256];
	struct tracing_span	*span;
};

TAILQ_HEAD(member_list, batch_member);

struct batch {
	struct member_list	 members;
	size_t			 n;
	char			*param;
	struct svc_db		 db;
};

static struct member_list	 waiting = TAILQ_HEAD_INITIALIZER(waiting);
static struct batch		*in_flight;
static const char		*dbname;
static long long		 batch_max = 64;

static void	batch_kick(void);

void
batch_init(const char *db)
{
	dbname = db;
	batch_max = svc_env_int("INVENTORY_BATCH_MAX", 64, 1, 1000);
}

static void
member_free(struct batch_member *m)
{
	json_decref(m->rows);
	kore_free(m->id);
	kore_free(m->skus);
	kore_free(m->qtys);
	kore_free(m);
}

/* A member's outcome: its span ends, its request wakes. */
static void
member_finish(struct batch_member *m, size_t n, const char *error,
    int unavailable)
{
	m->done = 1;
	if (error != NULL) {
		(void)snprintf(m->error, sizeof(m->error), "%s", error);
		m->unavailable = unavailable;
	}
	if (m->span != NULL) {
		(void)tracing_span_set_int(m->span, "db.operation.batch.size",
		    (int64_t)n);
		if (error != NULL) {
			(void)tracing_span_set_str(m->span, "error.type",
			    unavailable ? "unavailable" : "database");
			(void)tracing_span_set_status(m->span,
			    TRACING_STATUS_ERROR, error);
		} else {
			(void)tracing_span_set_int(m->span,
			    "db.response.returned_rows",
			    (int64_t)json_array_size(m->rows));
		}
		svc_span_end(m->span);
		m->span = NULL;
	}
	if (m->req != NULL)
		http_request_wakeup(m->req);
}

/* The batch's statement is done: its rows go to their members. */
static void
batch_finished(struct svc_db *db, int rc, void *arg)
{
	struct batch		*b = arg;
	struct batch_member	*m, **by_idx;
	json_t			*row;
	size_t			 i, k;

	by_idx = kore_calloc(b->n, sizeof(*by_idx));
	k = 0;
	TAILQ_FOREACH(m, &b->members, list)
		by_idx[k++] = m;
	if (rc == SVC_DB_DONE) {
		json_array_foreach(db->rows, i, row) {
			k = (size_t)svc_db_int(db, (int)i, "idx");
			if (k >= b->n)
				continue;
			json_object_del(row, "idx");
			json_array_append(by_idx[k]->rows, row);
		}
	}
	kore_free(by_idx);

	while ((m = TAILQ_FIRST(&b->members)) != NULL) {
		TAILQ_REMOVE(&b->members, m, list);
		member_finish(m, b->n, rc == SVC_DB_DONE ? NULL : db->error,
		    db->unavailable);
		if (m->req == NULL)
			member_free(m);
	}
	svc_db_cleanup(&b->db);
	free(b->param);		/* json_dumps: jansson's allocator */
	kore_free(b);
	in_flight = NULL;
	batch_kick();
}

/* Starts a batch of what waits, unless one is in flight. */
static void
batch_kick(void)
{
	struct batch		*b;
	struct batch_member	*m;
	json_t			*arr;
	int			 rc;

	if (in_flight != NULL || TAILQ_EMPTY(&waiting))
		return;
	b = kore_calloc(1, sizeof(*b));
	TAILQ_INIT(&b->members);
	arr = json_array();
	while ((m = TAILQ_FIRST(&waiting)) != NULL &&
	    b->n < (size_t)batch_max) {
		TAILQ_REMOVE(&waiting, m, list);
		TAILQ_INSERT_TAIL(&b->members, m, list);
		json_array_append_new(arr, json_pack("{s:I,s:s,s:s,s:s}",
		    "i", (json_int_t)b->n, "id", m->id, "skus", m->skus,
		    "qtys", m->qtys));
		b->n++;
	}
	b->param = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (b->param == NULL)
		fatal("batch: out of memory");

	in_flight = b;
	svc_db_prepare(&b->db, dbname, BATCH_QUERY);
	svc_db_param(&b->db, b->param);
	if ((rc = svc_db_detached(&b->db, batch_finished, b)) != SVC_DB_PENDING)
		batch_finished(&b->db, rc, b);
}

struct batch_member *
batch_join(struct http_request *req, const char *id, const char *skus,
    const char *qtys)
{
	struct batch_member	*m;

	if (batch_max <= 1)
		return (NULL);
	m = kore_calloc(1, sizeof(*m));
	m->req = req;
	m->id = kore_strdup(id);
	m->skus = kore_strdup(skus);
	m->qtys = kore_strdup(qtys);
	m->rows = json_array();
	m->span = svc_db_span(req, dbname, BATCH_QUERY);
	TAILQ_INSERT_TAIL(&waiting, m, list);
	http_request_sleep(req);
	batch_kick();
	return (m);
}

int
batch_done(struct batch_member *m)
{
	return (m->done);
}

json_t *
batch_rows(struct batch_member *m)
{
	return (m->rows);
}

const char *
batch_error(struct batch_member *m, int *unavailable)
{
	*unavailable = m->unavailable;
	return (m->error[0] != '\0' ? m->error : NULL);
}

void
batch_leave(struct batch_member *m)
{
	struct batch_member	*w;

	if (m == NULL)
		return;
	if (m->done) {
		member_free(m);
		return;
	}
	/* Not sent yet: it never will be. */
	TAILQ_FOREACH(w, &waiting, list) {
		if (w == m) {
			TAILQ_REMOVE(&waiting, m, list);
			if (m->span != NULL) {
				(void)tracing_span_set_status(m->span,
				    TRACING_STATUS_ERROR,
				    "abandoned: the request ended first");
				svc_span_end(m->span);
			}
			member_free(m);
			return;
		}
	}
	/* In flight: the batch frees it when it is done. */
	m->req = NULL;
}
