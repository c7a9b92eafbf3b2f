/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fixtures.h: traces for tracectl's unit tests: a recorded fixture
 * (FIXTURES/name) or a JSON text parsed into a trace set, the one trace of
 * a set or of a fixture, a span found by service and operation.
 * Diagnostics go to stderr.
 */
#ifndef TRACECTL_FIXTURES_H
#define TRACECTL_FIXTURES_H

#include <stdio.h>
#include <string.h>

#include "model.h"

/*
 * The fixture file name parsed by the v3 or the legacy parser into a new
 * set.  *rc (when rc is not NULL) is the parser's result, or -2 when the
 * file is not JSON.
 */
static inline struct trace_set
fixture_load(const char *name, int v3, int *rc)
{
	struct trace_set	 ts;
	json_error_t		 jerr;
	json_t			*js;
	char			 path[1024], err[256];
	int			 r;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, name);
	trace_set_init(&ts);
	if ((js = json_load_file(path, 0, &jerr)) == NULL) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		r = -2;
	} else {
		r = v3 ? model_parse_v3(js, &ts, err, sizeof(err)) :
		    model_parse_legacy(js, &ts, err, sizeof(err));
		if (r == -1)
			fprintf(stderr, "%s: %s\n", path, err);
		json_decref(js);
	}
	if (rc != NULL)
		*rc = r;
	return (ts);
}

/*
 * The JSON text parsed by the v3 or the legacy parser into a new set; *rc
 * is the parser's result, or -2 when the text is not JSON.
 */
static inline struct trace_set
fixture_parse(const char *text, int v3, int *rc)
{
	struct trace_set	 ts;
	json_error_t		 jerr;
	json_t			*js;
	char			 err[256];

	trace_set_init(&ts);
	if ((js = json_loads(text, 0, &jerr)) == NULL) {
		fprintf(stderr, "bad test JSON: %s\n", jerr.text);
		*rc = -2;
		return (ts);
	}
	*rc = v3 ? model_parse_v3(js, &ts, err, sizeof(err)) :
	    model_parse_legacy(js, &ts, err, sizeof(err));
	json_decref(js);
	return (ts);
}

/*
 * The set's only trace, taken from it (new: free with trace_free), or NULL
 * when the parse (rc) failed or the set does not hold exactly one trace.
 * Cleans the set up either way.
 */
static inline struct trace *
fixture_one(struct trace_set *ts, int rc)
{
	struct trace	*t = NULL;

	if (rc == 0 && ts->n == 1) {
		t = ts->traces[0];
		ts->n = 0;
	}
	trace_set_cleanup(ts);
	return (t);
}

/* The fixture file name's only trace (new), or NULL (said on stderr). */
static inline struct trace *
fixture_trace(const char *name, int v3)
{
	struct trace_set	 ts;
	int			 rc;

	ts = fixture_load(name, v3, &rc);
	if (rc == 0 && ts.n != 1)
		fprintf(stderr, "%s/%s: not one trace\n", FIXTURES, name);
	return (fixture_one(&ts, rc));
}

/* The first span of service svc named op (borrowed), or NULL. */
static inline struct span *
fixture_find(const struct trace *t, const char *svc, const char *op)
{
	size_t	 i;

	for (i = 0; i < t->nspans; i++)
		if (strcmp(t->spans[i].service, svc) == 0 &&
		    strcmp(t->spans[i].operation, op) == 0)
			return (&t->spans[i]);
	return (NULL);
}

#endif
