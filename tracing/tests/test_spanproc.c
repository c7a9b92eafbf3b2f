/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spanproc.c: span processors of the host's and the read-only span
 * view, through the public API alone: two processors called in order
 * before the built-in one, on_start with the parent context and a span it
 * can write, on_ending that can still write, on_end reading every field
 * (scope, ids, parent, kind, times, status, attributes, events, links,
 * resource, dropped counts), AlwaysRecord spans seen by processors but not
 * exported, force_flush and shutdown propagated, the in-memory exporter
 * under the batch processor and the console exporter's line.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"

struct rec {
	const char			*name;
	char				 log[512];
	const struct tracing_context	*parent;
	uint8_t				 parent_sid[8];
	int				 parent_valid;
	uint64_t			 ending_end;	/* end time in on_ending */
	int				 flushes, shutdowns, frees;
	unsigned int			 flush_ms;
	int				 flush_rc;
	size_t				 exported_at_end;	/* memory, at on_end */
	struct tracing_exporter		*mem;
	int				 view_ok;
	const struct tracing_span	*kept;
};

static struct rec	ra = { .name = "A" }, rb = { .name = "B" };
static const char	*why = "";

static void
note(struct rec *r, const char *what)
{
	size_t	n = strlen(ra.log);

	/* One log for both processors: their order shows. */
	(void)snprintf(ra.log + n, sizeof(ra.log) - n, "%s%s:%s",
	    n > 0 ? " " : "", r->name, what);
}

static void
on_start(void *arg, struct tracing_span *s, const struct tracing_context *p)
{
	struct rec	*r = arg;
	char		 v[32];

	note(r, "start");
	r->parent = p;
	r->parent_valid = p != NULL && tracing_context_is_valid(p);
	if (r->parent_valid)
		tracing_context_span_id(p, r->parent_sid);
	(void)snprintf(v, sizeof(v), "%s", r->name);
	tracing_span_set_str(s, r == &ra ? "by.a" : "by.b", v);
}

static void
on_ending(void *arg, struct tracing_span *s)
{
	struct rec	*r = arg;

	note(r, "ending");
	r->ending_end = tracing_span_end_time(s);
	if (r == &rb)
		tracing_span_set_int(s, "ending.attr", 7);
}

static int	check_view(const struct tracing_span *);

static void
on_end(void *arg, const struct tracing_span *s)
{
	struct rec	*r = arg;

	note(r, "end");
	r->kept = s;
	if (r->mem != NULL)
		r->exported_at_end = tracing_exporter_memory_count(r->mem);
	if (r == &ra)
		r->view_ok = check_view(s);
}

static int
flush(void *arg, unsigned int ms)
{
	struct rec	*r = arg;

	r->flushes++;
	r->flush_ms = ms;
	return (r->flush_rc);
}

static int
pshutdown(void *arg, unsigned int ms)
{
	struct rec	*r = arg;

	(void)ms;
	r->shutdowns++;
	return (r == &rb ? TRACING_ERR_EXPORT : TRACING_OK);
}

static void
pfree(void *arg)
{
	((struct rec *)arg)->frees++;
}

static const struct tracing_processor_ops	pops = {
	on_start, on_ending, on_end, flush, pshutdown, pfree
};

#define CHECK(c, w)	do { if (!(c)) { why = (w); return (0); } } while (0)

static int
check_attrs(const struct tracing_span *s)
{
	struct tracing_attr	a;
	uint32_t		dropped;
	size_t			i, n;
	int			seen;

	n = tracing_span_attr_count(s, TRACING_ATTRS_SPAN, 0, &dropped);
	CHECK(n == 6 && dropped == 0, "attribute count");
	CHECK(tracing_span_attr_at(s, TRACING_ATTRS_SPAN, 0, 0, &a) ==
	    TRACING_OK && strcmp(a.key, "by.a") == 0 &&
	    a.type == TRACING_ATTR_STRING && a.n == 1 &&
	    strcmp(a.v.s, "A") == 0, "first attribute, set by on_start");
	CHECK(tracing_span_attr_at(s, TRACING_ATTRS_SPAN, 0, 3, &a) ==
	    TRACING_OK && a.type == TRACING_ATTR_INT_ARRAY && a.n == 3 &&
	    a.v.ia[2] == 30, "int array");
	CHECK(tracing_span_attr_at(s, TRACING_ATTRS_SPAN, 0, 4, &a) ==
	    TRACING_OK && a.type == TRACING_ATTR_BOOL_ARRAY && a.n == 2 &&
	    a.v.ba[0] == 1 && a.v.ba[1] == 0, "bool array");
	CHECK(tracing_span_attr_at(s, TRACING_ATTRS_SPAN, 0, 5, &a) ==
	    TRACING_OK && strcmp(a.key, "ending.attr") == 0 && a.v.i == 7,
	    "attribute set by on_ending");
	CHECK(tracing_span_attr_at(s, TRACING_ATTRS_SPAN, 0, 6, &a) ==
	    TRACING_ERR_INVALID, "attribute past the end");
	n = tracing_span_attr_count(s, TRACING_ATTRS_RESOURCE, 0, NULL);
	for (seen = 0, i = 0; i < n; i++) {
		tracing_span_attr_at(s, TRACING_ATTRS_RESOURCE, 0, i, &a);
		if (strcmp(a.key, "service.name") == 0 &&
		    strcmp(a.v.s, "unknown_service:test_spanproc") == 0)
			seen = 1;
	}
	CHECK(seen, "resource: service.name unknown_service:<exe>");
	return (1);
}

static int
check_events_links(const struct tracing_span *s)
{
	struct tracing_context	*c;
	struct tracing_attr	 a;
	const char		*name;
	uint8_t			 sid[8];
	uint64_t		 ts;
	uint32_t		 dropped;

	CHECK(tracing_span_event_count(s, &dropped) == 2 && dropped == 0,
	    "event count");
	CHECK(tracing_span_event_at(s, 0, &name, &ts) == TRACING_OK &&
	    strcmp(name, "first") == 0 && ts == 1500, "first event");
	CHECK(tracing_span_event_at(s, 1, &name, &ts) == TRACING_OK &&
	    strcmp(name, "second") == 0, "events in order");
	CHECK(tracing_span_attr_count(s, TRACING_ATTRS_EVENT, 0, NULL) == 1 &&
	    tracing_span_attr_at(s, TRACING_ATTRS_EVENT, 0, 0, &a) ==
	    TRACING_OK && strcmp(a.key, "e") == 0 && a.v.i == 1,
	    "event attribute");
	CHECK(tracing_span_link_count(s, &dropped) == 2 && dropped == 0,
	    "link count");
	tracing_context_alloc(&c);
	CHECK(tracing_span_link_at(s, 1, c) == TRACING_OK &&
	    tracing_context_is_valid(c) &&
	    strcmp(tracing_context_tracestate(c), "k=v") == 0,
	    "second link: context and tracestate");
	tracing_context_span_id(c, sid);
	CHECK(sid[7] == 0x22, "links in order");
	CHECK(tracing_span_attr_at(s, TRACING_ATTRS_LINK, 1, 0, &a) ==
	    TRACING_OK && strcmp(a.key, "l") == 0, "link attribute");
	CHECK(tracing_span_link_at(s, 2, c) == TRACING_ERR_INVALID &&
	    !tracing_context_is_valid(c), "link past the end");
	tracing_context_free(c);
	return (1);
}

static int
check_view(const struct tracing_span *s)
{
	const char	*v, *desc;
	uint8_t		 pid[8];

	CHECK(strcmp(tracing_span_name(s), "renamed") == 0, "name");
	CHECK(strcmp(tracing_span_scope(s, &v), "scope") == 0 && v != NULL &&
	    strcmp(v, "2.1") == 0, "scope name and version");
	CHECK(tracing_span_kind(s) == TRACING_SPAN_SERVER, "kind");
	CHECK(tracing_span_start_time(s) == 1000 &&
	    tracing_span_end_time(s) == 2000, "times");
	CHECK(tracing_span_status(s, &desc) == TRACING_STATUS_ERROR &&
	    strcmp(desc, "bad") == 0, "status");
	CHECK(tracing_span_parent_span_id(s, pid) && pid[7] == 0xb7 &&
	    tracing_span_parent_is_remote(s), "remote parent");
	CHECK(!tracing_span_is_recording(s) && tracing_span_is_sampled(s),
	    "not recording after end, sampled");
	return (check_attrs(s) && check_events_links(s));
}

static struct tracing_provider *
provider(const char *proc, const char *sampler, struct tracing_exporter **m)
{
	struct tracing_processor	*pa, *pb;
	struct tracing_config		*c;
	struct tracing_provider		*p;

	tracing_config_alloc(&c);
	tracing_config_set(c, "TRACING_PROCESSOR", proc);
	tracing_config_set(c, "TRACING_AUTOSTART", "false");
	if (sampler != NULL)
		tracing_config_set(c, "OTEL_TRACES_SAMPLER", sampler);
	tracing_exporter_memory_alloc(m);
	tracing_config_set_exporter(c, *m);
	tracing_processor_alloc(&pa, &pops, &ra);
	tracing_processor_alloc(&pb, &pops, &rb);
	tracing_config_add_processor(c, pa);
	tracing_config_add_processor(c, pb);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	ra.mem = rb.mem = *m;
	return (p);
}

struct hdrs {
	const char	*tp;
	const char	*ts;
};

static const char *
get(void *carrier, const char *name)
{
	struct hdrs	*h = carrier;

	if (strcmp(name, "traceparent") == 0)
		return (h->tp);
	if (strcmp(name, "tracestate") == 0)
		return (h->ts);
	return (NULL);
}

static struct tracing_context *
remote(const char *tp, const char *ts)
{
	struct tracing_context	*c;
	struct hdrs		 h = { tp, ts };

	tracing_context_alloc(&c);
	tracing_propagation_extract(TRACING_PROPAGATE_TRACECONTEXT, c, get, &h);
	return (c);
}

#define TP(sid)	"00-0af7651916cd43dd8448eb211c80319c-" sid "-01"

/* A server span with everything the view shows. */
static struct tracing_span *
full_span(struct tracing_tracer *t, struct tracing_context *in)
{
	static const int64_t	ia[] = { 10, 20, 30 };
	static const int	ba[] = { 1, 0 };
	struct tracing_attr	a, la = TRACING_ATTR_STR("l", "x");
	struct tracing_attr	ea = TRACING_ATTR_INTV("e", 1);
	struct tracing_context	*l1, *l2;
	struct tracing_span	*s;

	s = tracing_span_start(t, "orig", TRACING_SPAN_SERVER, in, 1000);
	tracing_span_set_str(s, "k", "v");
	a = (struct tracing_attr){ .key = "ia", .type = TRACING_ATTR_INT_ARRAY,
	    .n = 3, .v.ia = ia };
	tracing_span_set_attr(s, &a);
	a = (struct tracing_attr){ .key = "ba", .type = TRACING_ATTR_BOOL_ARRAY,
	    .n = 2, .v.ba = ba };
	tracing_span_set_attr(s, &a);
	tracing_span_add_event(s, "first", 1500, &ea, 1);
	tracing_span_add_event(s, "second", 0, NULL, 0);
	l1 = remote(TP("0000000000000011"), NULL);
	l2 = remote(TP("0000000000000022"), "k=v");
	tracing_span_add_link(s, l1, NULL, 0);
	tracing_span_add_link(s, l2, &la, 1);
	tracing_context_free(l1);
	tracing_context_free(l2);
	tracing_span_update_name(s, "renamed");
	tracing_span_set_status(s, TRACING_STATUS_ERROR, "bad");
	return (s);
}

static void
test_fanout(void)
{
	struct tracing_exporter	*m;
	struct tracing_provider	*p;
	struct tracing_tracer	*t;
	struct tracing_context	*in;
	struct tracing_span	*s, *c;
	uint8_t			 sid[8];

	p = provider("simple", NULL, &m);
	t = tracing_provider_tracer(p, "scope", "2.1");
	in = remote("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	    NULL);
	s = full_span(t, in);
	ok(ra.parent == in && rb.parent == in && ra.parent_valid &&
	    ra.parent_sid[7] == 0xb7,
	    "on_start: each processor gets the parent context the span "
	    "started with");
	tracing_span_end(s, 2000);
	ok(strcmp(ra.log, "A:start B:start A:ending B:ending A:end B:end") ==
	    0, "processors called in the order added: start, ending, end "
	    "(%s)", ra.log);
	ok(ra.ending_end == 2000, "on_ending: the end time is already set");
	ok(ra.exported_at_end == 0 && rb.exported_at_end == 0 &&
	    tracing_exporter_memory_count(m) == 1,
	    "the built-in processor comes after the host's: exported once");
	ok(ra.view_ok, "on_end: the read-only view has the updated name, "
	    "scope, kind, times, status, remote parent, not recording after "
	    "end, attributes (on_start's, on_ending's, arrays), events and "
	    "links in order, resource (service.name unknown_service:<exe>)%s%s",
	    ra.view_ok ? "" : ": failed at ", why);
	ok(check_view(tracing_exporter_memory_span(m, 0)),
	    "in-memory exporter: its copy has the same view%s%s",
	    why[0] == '\0' ? "" : ": failed at ", why);
	ok(tracing_span_name(ra.kept)[0] == '\0' &&
	    tracing_span_attr_count(ra.kept, TRACING_ATTRS_SPAN, 0, NULL) == 0,
	    "the on_end handle kept past the call reads as nothing");

	ra.log[0] = '\0';
	s = tracing_span_start(t, "p", TRACING_SPAN_INTERNAL, NULL, 0);
	c = tracing_span_start_child(t, "c", TRACING_SPAN_CLIENT, s, 0);
	tracing_span_span_id(s, sid);
	ok(ra.parent != NULL && ra.parent_valid &&
	    memcmp(ra.parent_sid, sid, 8) == 0 &&
	    tracing_span_parent_is_remote(c) == 0,
	    "start_child: on_start gets a context of the parent span, local");
	tracing_span_end(c, 0);
	tracing_span_end(c, 0);
	tracing_span_end(s, 0);
	ok(tracing_exporter_memory_count(m) == 3 &&
	    strcmp(tracing_span_name(tracing_exporter_memory_span(m, 1)),
	    "c") == 0, "a second end does nothing: 3 spans exported");
	tracing_exporter_memory_reset(m);
	ok(tracing_exporter_memory_count(m) == 0, "in-memory: reset");
	tracing_context_free(in);
	tracing_provider_free(p);
	ok(ra.frees == 1 && rb.frees == 1, "freeing the provider frees each "
	    "processor once");
}

static const struct tracing_context	*sampled_parent;
static const char			*sampled_bag;

static int
parent_sampler(void *arg, const struct tracing_context *parent,
    const uint8_t tid[16], const char *name, int kind)
{
	(void)arg;
	(void)tid;
	(void)name;
	(void)kind;
	sampled_parent = parent;
	sampled_bag = parent != NULL ?
	    tracing_context_baggage_get(parent, "tenant") : NULL;
	return (TRACING_SAMPLE_RECORD_AND_SAMPLE);
}

static void
test_sampler_parent(void)
{
	struct tracing_sampler	*smp;
	struct tracing_config	*c;
	struct tracing_provider	*p;
	struct tracing_context	*in;

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_TRACES_EXPORTER", "none");
	tracing_sampler_custom_alloc(&smp, parent_sampler, NULL, "parent");
	tracing_config_set_sampler(c, smp);
	tracing_provider_alloc(&p, c, NULL, 0);
	tracing_config_free(c);
	in = remote("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	    NULL);
	tracing_context_baggage_set(in, "tenant", "t1", NULL);
	tracing_span_end(tracing_span_start(tracing_provider_tracer(p, "t",
	    NULL), "s", 1, in, 0), 0);
	ok(sampled_parent == in && sampled_bag != NULL &&
	    strcmp(sampled_bag, "t1") == 0, "ShouldSample gets the full "
	    "parent context (its baggage too)");
	tracing_context_free(in);
	tracing_provider_free(p);
}

static void
test_always_record(void)
{
	struct tracing_exporter	*m;
	struct tracing_provider	*p;
	struct tracing_tracer	*t;
	struct tracing_span	*s;
	struct tracing_sampler	*off, *ar;
	struct tracing_config	*c;

	memset(ra.log, 0, sizeof(ra.log));
	tracing_config_alloc(&c);
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	tracing_exporter_memory_alloc(&m);
	tracing_config_set_exporter(c, m);
	tracing_sampler_always_off_alloc(&off);
	tracing_sampler_always_record_alloc(&ar, off);
	tracing_config_set_sampler(c, ar);
	{
		struct tracing_processor	*pa;

		tracing_processor_alloc(&pa, &pops, &ra);
		tracing_config_add_processor(c, pa);
	}
	tracing_provider_alloc(&p, c, NULL, 0);
	tracing_config_free(c);
	ra.mem = m;
	t = tracing_provider_tracer(p, "t", NULL);
	s = tracing_span_start(t, "rec", 1, NULL, 0);
	ok(tracing_span_is_recording(s) && !tracing_span_is_sampled(s),
	    "AlwaysRecord(always_off): recording, not sampled");
	tracing_span_end(s, 0);
	ok(strcmp(ra.log, "A:start A:ending A:end") == 0 &&
	    tracing_exporter_memory_count(m) == 0,
	    "AlwaysRecord: the processors see the span, the exporter does "
	    "not (%s)", ra.log);
	tracing_provider_free(p);
}

static void
test_flush_shutdown(void)
{
	struct tracing_exporter	*m;
	struct tracing_provider	*p;
	struct tracing_tracer	*t;
	int			 i, rc;

	ra.flushes = ra.shutdowns = ra.frees = 0;
	rb.flushes = rb.shutdowns = rb.frees = 0;
	p = provider("batch", NULL, &m);
	t = tracing_provider_tracer(p, "t", NULL);
	for (i = 0; i < 10; i++)
		tracing_span_end(tracing_span_start(t, "b", 1, NULL, 0), 0);
	ok(tracing_exporter_memory_count(m) == 0,
	    "batch: nothing exported before a flush");
	rb.flush_rc = TRACING_ERR_TIMEOUT;
	rc = tracing_provider_force_flush(p, 5000);
	ok(tracing_exporter_memory_count(m) == 10,
	    "in-memory exporter under the batch processor: 10 spans after "
	    "a force flush");
	ok(ra.flushes == 1 && rb.flushes == 1 && ra.flush_ms > 0 &&
	    ra.flush_ms <= 5000 && rc == TRACING_ERR_TIMEOUT,
	    "force_flush reaches every processor with what is left of the "
	    "timeout; an error is returned (%u ms)", ra.flush_ms);
	ok(strcmp(tracing_span_name(tracing_exporter_memory_span(m, 9)), "b") ==
	    0 && tracing_exporter_memory_span(m, 10) == NULL,
	    "in-memory: spans read back by index");
	rc = tracing_provider_shutdown(p, 1000);
	ok(ra.shutdowns == 1 && rb.shutdowns == 1 && rc == TRACING_ERR_EXPORT,
	    "shutdown reaches every processor; B's error is returned");
	tracing_provider_free(p);
}

static void
test_console(void)
{
	struct tracing_config	*c;
	struct tracing_exporter	*e;
	struct tracing_provider	*p;
	struct tracing_span	*s;
	char			 line[1024];
	FILE			*f;

	f = tmpfile();
	tracing_config_alloc(&c);
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	tracing_exporter_console_alloc(&e, f);
	tracing_config_set_exporter(c, e);
	tracing_provider_alloc(&p, c, NULL, 0);
	tracing_config_free(c);
	s = tracing_span_start(tracing_provider_tracer(p, "con", NULL),
	    "GET /x", TRACING_SPAN_SERVER, NULL, 0);
	tracing_span_set_int(s, "http.response.status_code", 200);
	tracing_span_end(s, 0);
	rewind(f);
	line[0] = '\0';
	(void)fgets(line, sizeof(line), f);
	ok(strncmp(line, "span con trace=", 15) == 0 &&
	    strstr(line, "kind=SERVER") != NULL &&
	    strstr(line, "name=\"GET /x\"") != NULL &&
	    strstr(line, "attrs={http.response.status_code=200}") != NULL,
	    "console exporter: one line per span with scope, kind, name, "
	    "attributes");
	tracing_provider_free(p);
	fclose(f);
}

int
main(void)
{
	struct tracing_processor	*sp;
	struct tracing_processor_ops	 bad = { NULL, NULL, NULL, NULL,
					    NULL, NULL };

	tracing_set_log(log_capture, NULL);
	ok(tracing_processor_alloc(&sp, &bad, NULL) == TRACING_ERR_INVALID &&
	    sp == NULL && tracing_config_add_processor(NULL, NULL) ==
	    TRACING_ERR_INVALID, "a processor needs on_end; NULL refused");
	test_fanout();
	test_always_record();
	test_sampler_parent();
	test_flush_shutdown();
	test_console();
	return (tap_done());
}
