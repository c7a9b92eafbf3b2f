/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_model.c: unit tests of tracectl's trace model on fixtures recorded
 * from a real Jaeger (fixtures/, see record.sh) and on small hand-made
 * traces: JSON to model for both APIs, orphans, missing parents, cycles,
 * clock skew, 16- and 32-digit ids, errors, self time, critical path.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "model.h"
#include "tap.h"

static int64_t
critical_sum(const struct trace *t)
{
	int64_t	 sum = 0;
	size_t	 i;

	for (i = 0; i < t->nspans; i++)
		sum += t->spans[i].critical_us;
	return (sum);
}

/* A span's critical-path sections as "0-10 50-60" (offsets in the trace). */
static const char *
sections(const struct trace *t, const struct span *s)
{
	static char		 b[256];
	const struct cp_section	*cs;
	size_t			 o;
	int			 i;

	b[0] = '\0';
	o = 0;
	for (i = s->cp_first; i >= 0 && o < sizeof(b); i = cs->next) {
		cs = &t->cp[i];
		o += (size_t)snprintf(b + o, sizeof(b) - o, "%s%lld-%lld",
		    o > 0 ? " " : "", (long long)(cs->start_us - t->start_us),
		    (long long)(cs->end_us - t->start_us));
	}
	return (b);
}

static void
test_order_ok(int v3)
{
	struct trace_set	 ts;
	struct trace		*t;
	struct span		*s;
	const char		*api = v3 ? "v3" : "legacy";
	char			 name[64];

	snprintf(name, sizeof(name), "order-ok.%s.json", api);
	ts = fixture_load(name, v3, NULL);
	if (!ok(ts.n == 1, "%s: order-ok parses to one trace", api))
		return;
	t = ts.traces[0];
	ok(t->id_hi == 0x4bf92f3577b34da6ULL && t->id_lo ==
	    0xa3ce929d0e0e4736ULL, "%s: order-ok trace id", api);
	is_i64(t->nspans, 12, "%s: order-ok has 12 spans", api);
	is_i64(t->nservices, 5, "%s: order-ok has 5 services", api);
	ok(t->nroots == 1 && t->norphans == 0 && t->nwarnings == 0,
	    "%s: order-ok: one root, no orphans, no warnings", api);
	ok(t->root != NULL && strcmp(t->root->service, "tracectl") == 0 &&
	    t->root->kind == SPAN_KIND_CLIENT,
	    "%s: order-ok root is tracectl's CLIENT span", api);
	near_i64(t->duration_us, 60000, 2, "%s: order-ok lasts 60 ms", api);
	is_i64(t->nerrors, 0, "%s: order-ok has no error span", api);
	s = fixture_find(t, "order-service", "process_order");
	ok(s != NULL && s->parent != NULL && strcmp(s->parent->operation,
	    "POST /v1/orders") == 0 && s->nchildren == 2 &&
	    s->kind == SPAN_KIND_INTERNAL,
	    "%s: process_order under POST /v1/orders with 2 db spans", api);
	/* 28 ms less 14 ms and 11 ms of sequential children. */
	near_i64(s != NULL ? s->self_us : -1, 3000, 3,
	    "%s: process_order self time 3 ms", api);
	s = fixture_find(t, "order-service", "INSERT orders");
	near_i64(s != NULL ? s->self_us : -1, 14000, 2,
	    "%s: a leaf's self time is its duration", api);
	near_i64(t->root->self_us, 3000, 2, "%s: root self time 3 ms", api);
	/* Sequential children: the path covers the whole root. */
	near_i64(critical_sum(t), t->root->duration_us, 0,
	    "%s: critical path sections add up to the root", api);
	s = fixture_find(t, "notification-service", "POST /v1/notifications");
	ok(s != NULL && s->critical_us > 0 && s->nevents == 1 &&
	    strcmp(s->events[0].name, "email queued") == 0,
	    "%s: notification span on the path, with its event", api);
	s = fixture_find(t, "api-gateway", "POST /api/orders");
	ok(s != NULL && s->kind == SPAN_KIND_SERVER &&
	    span_attr(s, "http.response.status_code") != NULL &&
	    strcmp(span_attr(s, "http.response.status_code"), "201") == 0,
	    "%s: attributes and span kind read", api);
	trace_set_cleanup(&ts);
}

static void
test_apis_agree(void)
{
	struct trace_set	 a, b;
	struct trace		*x, *y;
	struct span		*s, *t;
	size_t			 i, same;

	a = fixture_load("order-slow.legacy.json", 0, NULL);
	b = fixture_load("order-slow.v3.json", 1, NULL);
	if (!ok(a.n == 1 && b.n == 1, "slow fixture in both APIs"))
		goto out;
	x = a.traces[0];
	y = b.traces[0];
	same = 0;
	for (i = 0; i < x->nspans; i++) {
		s = &x->spans[i];
		t = trace_span(y, s->id);
		if (t != NULL && t->parent_id == s->parent_id &&
		    strcmp(t->service, s->service) == 0 &&
		    llabs(t->duration_us - s->duration_us) <= 1 &&
		    llabs(t->self_us - s->self_us) <= 3 &&
		    (t->critical_us > 0) == (s->critical_us > 0))
			same++;
	}
	is_i64(same, x->nspans, "legacy and v3 give the same spans, links, "
	    "self times and path");
	near_i64(x->duration_us, 360000, 2, "slow trace lasts 360 ms");
	s = trace_max_self(x);
	ok(s != NULL && strcmp(s->operation, "INSERT orders") == 0,
	    "slow trace: INSERT orders has the largest self time");
	near_i64(s != NULL ? s->self_us : 0, 314000, 2,
	    "slow trace: its self time is 314 ms");
out:
	trace_set_cleanup(&a);
	trace_set_cleanup(&b);
}

static void
test_error(int v3)
{
	struct trace_set	 ts;
	struct trace		*t;
	struct span		*s;
	const char		*api = v3 ? "v3" : "legacy";

	ts = fixture_load(v3 ? "order-error.v3.json" :
	    "order-error.legacy.json", v3, NULL);
	if (!ok(ts.n == 1, "%s: error fixture parses", api))
		return;
	t = ts.traces[0];
	is_i64(t->nerrors, 2, "%s: two error spans (gateway, inventory)", api);
	s = fixture_find(t, "inventory-service", "POST /v1/reservations");
	ok(s != NULL && s->error && s->status_message != NULL &&
	    strcmp(s->status_message, "out of stock: SKU999") == 0,
	    "%s: inventory error and its status message", api);
	ok(s != NULL && s->nevents == 1 &&
	    strcmp(s->events[0].name, "exception") == 0,
	    "%s: the exception event", api);
	s = fixture_find(t, "inventory-service", "UPDATE inventory");
	ok(s != NULL && !s->error, "%s: a span without status is no error",
	    api);
	trace_set_cleanup(&ts);
}

static void
test_orphan(int v3)
{
	struct trace_set	 ts;
	struct trace		*t;
	struct span		*s;
	const char		*api = v3 ? "v3" : "legacy";

	ts = fixture_load(v3 ? "order-orphan.v3.json" :
	    "order-orphan.legacy.json", v3, NULL);
	if (!ok(ts.n == 1, "%s: orphan fixture parses", api))
		return;
	t = ts.traces[0];
	is_i64(t->norphans, 1, "%s: one orphan", api);
	is_i64(t->nroots, 2, "%s: the orphan is a second root", api);
	ok(t->root != NULL && strcmp(t->root->service, "tracectl") == 0,
	    "%s: the main root is the true root, not the orphan", api);
	s = fixture_find(t, "notification-service", "POST /v1/notifications");
	ok(s != NULL && s->orphan && s->parent == NULL &&
	    s->parent_id == 0xdeadbeefdeadbeefULL,
	    "%s: orphan keeps its missing parent's id", api);
	ok(t->nwarnings == 1 && strstr(t->warnings[0], "deadbeefdeadbeef") !=
	    NULL, "%s: a warning names the missing parent", api);
	ok(s != NULL && s->critical_us == 0,
	    "%s: an orphan is not on the main critical path", api);
	s = fixture_find(t, "api-gateway", "POST /v1/notifications");
	ok(s != NULL && s->nchildren == 0 && s->self_us == s->duration_us,
	    "%s: its would-be parent has no child and all self time", api);
	trace_set_cleanup(&ts);
}

static void
test_skew(int v3)
{
	struct trace_set	 ts;
	struct trace		*t;
	struct span		*s, *c;
	const char		*api = v3 ? "v3" : "legacy";

	ts = fixture_load(v3 ? "order-skew.v3.json" : "order-skew.legacy.json",
	    v3, NULL);
	if (!ok(ts.n == 1, "%s: skew fixture parses", api))
		return;
	t = ts.traces[0];
	is_i64(t->nskewed, 2, "%s: two spans moved for clock skew", api);
	s = fixture_find(t, "inventory-service", "POST /v1/reservations");
	ok(s != NULL && s->parent != NULL &&
	    s->start_us >= s->parent->start_us &&
	    s->start_us + s->duration_us <= s->parent->start_us +
	    s->parent->duration_us,
	    "%s: inventory (clock 80 ms ahead) now inside its parent", api);
	near_i64(s != NULL ? s->skew_us : 0, -80000, 2,
	    "%s: moved back by 80 ms", api);
	c = fixture_find(t, "inventory-service", "UPDATE inventory");
	ok(c != NULL && s != NULL && c->skew_us == s->skew_us &&
	    c->start_us - s->start_us == 1000,
	    "%s: same-service child moves with it", api);
	s = fixture_find(t, "notification-service", "POST /v1/notifications");
	near_i64(s != NULL ? s->skew_us : 0, 30000, 2,
	    "%s: notification (30 ms behind) moved forward", api);
	near_i64(t->duration_us, 60000, 2,
	    "%s: skew no longer stretches the trace", api);
	near_i64(critical_sum(t), t->root->duration_us, 0,
	    "%s: critical path still covers the root", api);
	trace_set_cleanup(&ts);
}

static void
test_ids64(void)
{
	struct trace_set	 a, b;

	a = fixture_load("order-64bit.legacy.json", 0, NULL);
	b = fixture_load("order-64bit.v3.json", 1, NULL);
	ok(a.n == 1 && a.traces[0]->id_hi == 0 &&
	    a.traces[0]->id_lo == 0xa1b2c3d4e5f60718ULL,
	    "legacy: 16-digit trace id");
	ok(b.n == 1 && b.traces[0]->id_hi == 0 &&
	    b.traces[0]->id_lo == 0xa1b2c3d4e5f60718ULL,
	    "v3: the same id as 32 digits");
	ok(a.n == 1 && a.traces[0]->root != NULL &&
	    strcmp(a.traces[0]->root->service, "api-gateway") == 0,
	    "64-bit trace: rooted at the gateway");
	trace_set_cleanup(&a);
	trace_set_cleanup(&b);
}

static void
test_search(void)
{
	struct trace_set	 a, b;
	size_t			 i, j, mixed;

	a = fixture_load("search-gateway.legacy.json", 0, NULL);
	b = fixture_load("search-gateway.v3.json", 1, NULL);
	is_i64(a.n, 6, "legacy search: 6 traces");
	is_i64(b.n, 6, "v3 search: spans of 6 traces grouped by id");
	mixed = 0;
	for (i = 0; i < b.n; i++)
		for (j = 0; j < b.traces[i]->nspans; j++)
			if (trace_span(b.traces[i], b.traces[i]->spans[j].id) ==
			    NULL)
				mixed++;
	ok(mixed == 0 && b.n > 0, "v3 search: every span in its own trace");
	trace_set_cleanup(&a);
	trace_set_cleanup(&b);
	a = fixture_load("notfound.legacy.json", 0, NULL);
	is_i64(a.n, 0, "legacy 404 answer: no traces, no crash");
	trace_set_cleanup(&a);
}

/* A hand-made legacy trace; spans as "id parent start dur [service]". */
static char *
mk_trace(const char *spec[], size_t n)
{
	static char	 b[8192];
	size_t		 i, len;
	char		 id[32], parent[32], svc[32];
	long		 start, dur;

	len = (size_t)snprintf(b, sizeof(b), "{\"data\":[{\"traceID\":\"ab\","
	    "\"processes\":{\"p1\":{\"serviceName\":\"s1\"},"
	    "\"p2\":{\"serviceName\":\"s2\"}},\"spans\":[");
	for (i = 0; i < n; i++) {
		strcpy(svc, "p1");
		if (sscanf(spec[i], "%31s %31s %ld %ld %31s", id, parent,
		    &start, &dur, svc) < 4)
			abort();
		len += (size_t)snprintf(b + len, sizeof(b) - len,
		    "%s{\"traceID\":\"ab\",\"spanID\":\"%s\",\"operationName\":"
		    "\"op%s\",\"references\":[%s%s%s],\"startTime\":%ld,"
		    "\"duration\":%ld,\"processID\":\"%s\"}", i ? "," : "", id,
		    id, strcmp(parent, "-") ? "{\"refType\":\"CHILD_OF\","
		    "\"spanID\":\"" : "", strcmp(parent, "-") ? parent : "",
		    strcmp(parent, "-") ? "\"}" : "", start, dur, svc);
	}
	snprintf(b + len, sizeof(b) - len, "]}]}");
	return (b);
}

static void
test_critical_path(void)
{
	/* Jaeger UI's example shape: A [0,100]; B [10,50]; C [20,80];
	 * D [60,90].  Path: A 90-100, D, A 50-60, B, A 0-10; C is off. */
	const char *spec[] = {
		"a - 1000 100", "b a 1010 40", "c a 1020 60", "d a 1060 30"
	};
	const char *nested[] = {
		"a - 0 100", "b a 10 80", "c b 20 30", "e b 60 20",
		"f a 95 30"	/* overflows a: clipped to [95,100] */
	};
	struct trace_set	 ts;
	struct trace		*t;
	int			 rc;

	ts = fixture_parse(mk_trace(spec, 4), 0, &rc);
	if (!ok(rc == 0 && ts.n == 1, "hand-made trace parses"))
		return;
	t = ts.traces[0];
	is_i64(trace_span(t, 0xa)->critical_us, 30, "cp: A has 3 sections, "
	    "30 us");
	is_i64(trace_span(t, 0xd)->critical_us, 30, "cp: D (finishes last) "
	    "fully on the path");
	is_i64(trace_span(t, 0xb)->critical_us, 40, "cp: B (ends before D "
	    "starts) fully on the path");
	is_i64(trace_span(t, 0xc)->critical_us, 0, "cp: C (overlaps D) off "
	    "the path");
	ok(strcmp(sections(t, trace_span(t, 0xa)), "0-10 50-60 90-100") == 0,
	    "cp: A's sections, in time order (%s)",
	    sections(t, trace_span(t, 0xa)));
	ok(strcmp(sections(t, trace_span(t, 0xd)), "60-90") == 0 &&
	    strcmp(sections(t, trace_span(t, 0xb)), "10-50") == 0 &&
	    trace_span(t, 0xc)->cp_first == -1,
	    "cp: D's and B's one section each, none for C");
	/* Self time counts overlapping children once: A - [10,90]. */
	is_i64(trace_span(t, 0xa)->self_us, 20, "self: overlapping children "
	    "count once");
	trace_set_cleanup(&ts);

	ts = fixture_parse(mk_trace(nested, 5), 0, &rc);
	if (!ok(rc == 0 && ts.n == 1, "nested hand-made trace parses"))
		return;
	t = ts.traces[0];
	/* a: f clipped to [95,100] finishes last -> f 95-100; back in a,
	 * b ends 90 < 95 -> a 90-95; b: e [60,80] -> b 80-90, e, b 50-60,
	 * c [20,50], b 10-20; a 0-10. */
	is_i64(trace_span(t, 0xf)->critical_us, 5, "cp: an overflowing "
	    "child counts only inside its parent");
	is_i64(trace_span(t, 0xa)->critical_us, 15, "cp: root sections");
	is_i64(trace_span(t, 0xb)->critical_us, 30, "cp: middle span "
	    "sections");
	is_i64(trace_span(t, 0xe)->critical_us, 20, "cp: nested last child");
	is_i64(trace_span(t, 0xc)->critical_us, 30, "cp: nested earlier "
	    "child");
	is_i64(critical_sum(t), 100, "cp: sections add up to the root");
	ok(strcmp(sections(t, trace_span(t, 0xb)), "10-20 50-60 80-90") == 0,
	    "cp: a middle span's sections (%s)",
	    sections(t, trace_span(t, 0xb)));
	ok(strcmp(sections(t, trace_span(t, 0xa)), "0-10 90-95") == 0 &&
	    strcmp(sections(t, trace_span(t, 0xf)), "95-100") == 0,
	    "cp: the root's sections (0-10 90-95) and its clipped child's"
	    " (95-100)");
	is_i64(trace_span(t, 0xa)->self_us, 15, "self: clipped overflow "
	    "counts only inside the parent");
	trace_set_cleanup(&ts);
}

static void
test_broken(void)
{
	const char *cycle[] = {
		"1 - 0 100", "2 3 10 10", "3 2 30 10"
	};
	const char *skew_long[] = {
		"1 - 1000 10 p1", "2 1 5000 50 p2", "3 2 5010 10 p2"
	};
	const char *same_svc[] = {
		"1 - 1000 10 p1", "2 1 1005 50 p1"
	};
	const char *dup[] = {
		"1 - 0 100", "2 1 10 10", "2 1 30 10"
	};
	struct trace_set	 ts;
	struct trace		*t;
	int			 rc;

	ts = fixture_parse(mk_trace(cycle, 3), 0, &rc);
	ok(rc == 0 && ts.n == 1 && ts.traces[0]->nroots == 2 &&
	    ts.traces[0]->norphans == 1,
	    "a parent cycle is cut into a root, not an endless loop");
	trace_set_cleanup(&ts);

	ts = fixture_parse(mk_trace(skew_long, 3), 0, &rc);
	t = ts.n == 1 ? ts.traces[0] : NULL;
	ok(t != NULL && trace_span(t, 2)->start_us == 1000 &&
	    trace_span(t, 3)->start_us == 1010,
	    "skew: a child longer than its parent starts with it, and its "
	    "subtree follows");
	trace_set_cleanup(&ts);

	ts = fixture_parse(mk_trace(same_svc, 2), 0, &rc);
	t = ts.n == 1 ? ts.traces[0] : NULL;
	ok(t != NULL && trace_span(t, 2)->start_us == 1005 && t->nskewed == 0 &&
	    t->duration_us == 55,
	    "skew: a same-service overhang is real, never moved");
	trace_set_cleanup(&ts);

	ts = fixture_parse(mk_trace(dup, 3), 0, &rc);
	t = ts.n == 1 ? ts.traces[0] : NULL;
	ok(t != NULL && t->nspans == 3 && t->nwarnings == 1 &&
	    strstr(t->warnings[0], "duplicate") != NULL,
	    "a duplicate span id is kept and reported");
	trace_set_cleanup(&ts);

	ts = fixture_parse("{\"result\":{\"resourceSpans\":{}}}", 1, &rc);
	ok(rc == -1 && ts.n == 0, "v3: resourceSpans not an array is an "
	    "error");
	trace_set_cleanup(&ts);
	ts = fixture_parse("{\"errors\":[]}", 0, &rc);
	ok(rc == 0 && ts.n == 0, "legacy: no data is no trace");
	trace_set_cleanup(&ts);
	ts = fixture_parse("[1,2]", 0, &rc);
	ok(rc == -1, "legacy: an array answer is an error");
	trace_set_cleanup(&ts);
	ts = fixture_parse("{\"data\":[{\"traceID\":\"zz\",\"spans\":[]}]}", 0,
	    &rc);
	ok(rc == -1 && ts.n == 0, "legacy: a bad trace id is an error");
	trace_set_cleanup(&ts);
	ts = fixture_parse("{\"data\":[{\"traceID\":\"ab\",\"spans\":[{"
	    "\"spanID\":\"1\"},{\"spanID\":\"2\",\"startTime\":5,"
	    "\"duration\":1}]}]}", 0, &rc);
	ok(rc == 0 && ts.n == 1 && ts.traces[0]->nspans == 1 &&
	    ts.traces[0]->nwarnings == 1,
	    "legacy: a span without startTime is skipped with a warning");
	trace_set_cleanup(&ts);
	/* Found by fuzz_model: a tag without a value crashed. */
	ts = fixture_parse("{\"data\":[{\"traceID\":\"ab\",\"spans\":[{"
	    "\"spanID\":\"1\",\"startTime\":5,\"tags\":[{\"key\":\"k\"}],"
	    "\"logs\":[{\"fields\":[{\"key\":\"event\"}]}]}]}]}", 0, &rc);
	ok(rc == 0 && ts.n == 1 && ts.traces[0]->spans[0].nattrs == 1 &&
	    strcmp(ts.traces[0]->spans[0].attrs[0].value, "") == 0,
	    "legacy: a tag or log field without a value reads as empty");
	trace_set_cleanup(&ts);
	ts = fixture_parse("{\"result\":{\"resourceSpans\":[{\"scopeSpans\":[{"
	    "\"spans\":[{\"traceId\":\"01\",\"spanId\":\"02\",\"name\":\"x\","
	    "\"kind\":\"SPAN_KIND_SERVER\",\"startTimeUnixNano\":2000,"
	    "\"endTimeUnixNano\":\"9000\",\"status\":{\"code\":"
	    "\"STATUS_CODE_ERROR\"}}]}]}]}}", 1, &rc);
	t = ts.n == 1 ? ts.traces[0] : NULL;
	ok(t != NULL && t->nspans == 1 && t->spans[0].kind ==
	    SPAN_KIND_SERVER && t->spans[0].error &&
	    t->spans[0].duration_us == 7 &&
	    strcmp(t->spans[0].service, "unknown") == 0,
	    "v3: enum names, numbers as numbers or strings, no resource");
	trace_set_cleanup(&ts);
}

/*
 * Recorded from our own running stack (`tracectl order submit --wait`,
 * then the trace from Jaeger's legacy and v3 APIs): a confirmed order and
 * an out-of-stock one, each rooted in tracectl's own CLIENT span.
 */
static void
test_stack(int v3)
{
	struct trace_set	 ts;
	struct trace		*t;
	struct span		*s, *db;
	const char		*api = v3 ? "v3" : "legacy";
	char			 name[64];
	size_t			 i;

	snprintf(name, sizeof(name), "stack-ok.%s.json", api);
	ts = fixture_load(name, v3, NULL);
	if (!ok(ts.n == 1, "%s: stack order parses to one trace", api))
		return;
	t = ts.traces[0];
	ok(t->id_hi == 0x72fd9ffc823c2bd3ULL && t->id_lo ==
	    0x3b0518125b0d5e09ULL, "%s: stack order trace id", api);
	is_i64(t->nspans, 13, "%s: stack order has 13 spans", api);
	is_i64(t->nservices, 5, "%s: stack order spans 5 services", api);
	ok(t->nroots == 1 && t->norphans == 0,
	    "%s: stack order: one root, no orphans", api);
	ok(t->root != NULL && strcmp(t->root->service, "tracectl") == 0 &&
	    t->root->kind == SPAN_KIND_CLIENT && t->root->nchildren == 1 &&
	    strcmp(t->root->children[0]->service, "api-gateway") == 0,
	    "%s: tracectl's CLIENT span roots the gateway's span", api);
	is_i64(t->nerrors, 0, "%s: stack order has no error span", api);
	s = fixture_find(t, "order-service", "process_order");
	db = fixture_find(t, "order-service", "SELECT create_order");
	ok(s != NULL && db != NULL && db->parent == s &&
	    s->kind == SPAN_KIND_INTERNAL && s->parent != NULL &&
	    strcmp(s->parent->operation, "POST /v1/orders") == 0 &&
	    span_attr(s, "order.id") != NULL,
	    "%s: process_order under POST /v1/orders, its SQL beneath", api);
	ok(db != NULL && db->self_us == db->duration_us,
	    "%s: a leaf's self time is its duration", api);
	ok(critical_sum(t) > 0 && critical_sum(t) <= t->root->duration_us,
	    "%s: the critical path lies within the root", api);
	for (i = 0; i < t->nspans; i++)
		if (t->spans[i].parent != NULL &&
		    (t->spans[i].start_us < t->spans[i].parent->start_us))
			break;
	ok(i == t->nspans, "%s: no child starts before its parent", api);
	trace_set_cleanup(&ts);

	snprintf(name, sizeof(name), "stack-oos.%s.json", api);
	ts = fixture_load(name, v3, NULL);
	if (!ok(ts.n == 1, "%s: stack out-of-stock order parses", api))
		return;
	t = ts.traces[0];
	is_i64(t->nspans, 5, "%s: out of stock: 5 spans", api);
	s = fixture_find(t, "inventory-service", "POST /v1/reservations");
	ok(s != NULL && s->error && s->status_message != NULL &&
	    strncmp(s->status_message, "out of stock: OUT-OF-STOCK", 26) == 0,
	    "%s: out of stock: the inventory span is an error with its"
	    " message", api);
	ok(s != NULL && s->nevents == 1 &&
	    strcmp(s->events[0].name, "out_of_stock") == 0,
	    "%s: out of stock: the event naming the sku", api);
	s = fixture_find(t, "api-gateway", "POST /api/orders");
	ok(s != NULL && !s->error && span_attr(s,
	    "http.response.status_code") != NULL && strcmp(span_attr(s,
	    "http.response.status_code"), "400") == 0,
	    "%s: out of stock: the gateway answered 400, not an error", api);
	trace_set_cleanup(&ts);
}


/* Attribute values keep their types, from both APIs. */
static void
test_typed_attrs(int v3)
{
	struct trace	*t = fixture_trace("stack-oos.v3.json", 1);
	const struct span *s = NULL;
	size_t		 i, k;
	int		 type_int = -1, type_str = -1;

	if (!v3) {
		trace_free(t);
		t = fixture_trace("stack-oos.legacy.json", 0);
	}
	if (!ok(t != NULL, "%s: stack-oos parsed", v3 ? "v3" : "legacy"))
		return;
	for (i = 0; i < t->nspans && s == NULL; i++)
		if (span_attr(t->order[i], "http.response.status_code") != NULL)
			s = t->order[i];
	for (k = 0; s != NULL && k < s->nattrs; k++) {
		if (strcmp(s->attrs[k].key, "http.response.status_code") == 0)
			type_int = s->attrs[k].type;
		if (strcmp(s->attrs[k].key, "http.request.method") == 0)
			type_str = s->attrs[k].type;
	}
	ok(type_int == KV_INT && type_str == KV_STRING, "%s: an int attribute "
	    "stays an int, a string a string", v3 ? "v3" : "legacy");
	trace_free(t);
}

int
main(int argc, char *argv[])
{
	tap_start(argc, argv);
	test_order_ok(0);
	test_order_ok(1);
	test_apis_agree();
	test_error(0);
	test_error(1);
	test_orphan(0);
	test_orphan(1);
	test_skew(0);
	test_skew(1);
	test_ids64();
	test_search();
	test_critical_path();
	test_broken();
	test_stack(0);
	test_stack(1);
	test_typed_attrs(0);
	test_typed_attrs(1);
	return (tap_done());
}
