/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_start.c: span start with options (tracing_span_start_opts): the
 * attributes and links given at creation reach the sampler (custom
 * samplers with parameters, through the parent-based one too), are
 * recorded under the span limits, are there when on_start runs, and are
 * left out of a span that is dropped; a parent span or a parent context.
 */

#include <sys/types.h>

#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

/* What the sampler was asked, the last time. */
struct seen {
	int		calls;
	size_t		nattrs;
	size_t		nlinks;
	char		first_key[32];
	int64_t		prio;
	uint8_t		link_tid[16];
	size_t		link_nattrs;
	int		had_parent;
};

static struct seen	seen;

/* Samples a span whose "prio" attribute is at least 5; drops the rest. */
static int
prio_sampler(void *arg, const struct tracing_sampling_params *sp)
{
	size_t	i;

	(void)arg;
	memset(&seen, 0, sizeof(seen));
	seen.calls = 1;
	seen.nattrs = sp->nattrs;
	seen.nlinks = sp->nlinks;
	seen.had_parent = sp->parent != NULL;
	if (sp->nattrs > 0)
		snprintf(seen.first_key, sizeof(seen.first_key), "%s",
		    sp->attrs[0].key);
	seen.prio = -1;
	for (i = 0; i < sp->nattrs; i++)
		if (strcmp(sp->attrs[i].key, "prio") == 0)
			seen.prio = sp->attrs[i].v.i;
	if (sp->nlinks > 0) {
		tracing_context_trace_id(sp->links[0].context, seen.link_tid);
		seen.link_nattrs = sp->links[0].nattrs;
	}
	return (seen.prio >= 5 ? TRACING_SAMPLE_RECORD_AND_SAMPLE :
	    TRACING_SAMPLE_DROP);
}

/* on_start: how many attributes and links the span has then. */
static size_t	started_attrs, started_links;

static void
on_start(void *arg, struct tracing_span *s, const struct tracing_context *p)
{
	(void)arg;
	(void)p;
	started_attrs = tracing_span_attr_count(s, TRACING_ATTRS_SPAN, 0, NULL);
	started_links = tracing_span_link_count(s, NULL);
}

static void
on_end(void *arg, const struct tracing_span *s)
{
	(void)arg;
	(void)s;
}

static struct tracing_provider *
provider(struct tracing_sampler *smp, const char *linklimit)
{
	static const struct tracing_processor_ops	ops = {
		on_start, NULL, on_end, NULL, NULL, NULL
	};
	struct tracing_config		*c;
	struct tracing_processor	*pr;
	struct tracing_provider		*p;

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_TRACES_EXPORTER", "none");
	if (linklimit != NULL)
		tracing_config_set(c, "OTEL_SPAN_LINK_COUNT_LIMIT", linklimit);
	tracing_config_set_sampler(c, smp);
	tracing_processor_alloc(&pr, &ops, NULL);
	tracing_config_add_processor(c, pr);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	return (p);
}

static struct tracing_context *
linked_context(uint8_t fill)
{
	struct tracing_context	*ctx;

	tracing_context_alloc(&ctx);
	ctx->sc.valid = 1;
	ctx->sc.remote = 1;
	ctx->sc.flags = 0x01;
	memset(ctx->sc.trace_id, fill, 16);
	memset(ctx->sc.span_id, fill, 8);
	tracing_context_tracestate_set(ctx, "vendor", "x");
	return (ctx);
}

static void
test_sampler_sees(void)
{
	struct tracing_sampler		*smp;
	struct tracing_provider		*p;
	struct tracing_tracer		*t;
	struct tracing_span		*s;
	struct tracing_context		*l1, *l2, *out;
	struct tracing_attr		 a[3], la[1], got;
	struct tracing_link		 links[2];
	struct tracing_span_opts	 o;
	uint8_t				 tid[16];

	tracing_sampler_custom_params_alloc(&smp, prio_sampler, NULL,
	    "PrioSampler");
	p = provider(smp, NULL);
	t = tracing_provider_tracer(p, "start", NULL);
	l1 = linked_context(0x11);
	l2 = linked_context(0x22);
	a[0] = tracing_attr_str("http.route", "/orders/{id}");
	a[1] = tracing_attr_int("prio", 7);
	a[2] = tracing_attr_bool("cached", 0);
	la[0] = tracing_attr_str("link.kind", "batch");
	links[0].context = l1;
	links[0].attrs = la;
	links[0].nattrs = 1;
	links[1].context = l2;
	links[1].attrs = NULL;
	links[1].nattrs = 0;
	memset(&o, 0, sizeof(o));
	o.kind = TRACING_SPAN_SERVER;
	o.start_ns = 4242;
	o.attrs = a;
	o.nattrs = 3;
	o.links = links;
	o.nlinks = 2;

	s = tracing_span_start_opts(t, "GET /orders/{id}", &o);
	memset(tid, 0x11, 16);
	ok(seen.calls == 1 && seen.nattrs == 3 && seen.prio == 7 &&
	    strcmp(seen.first_key, "http.route") == 0,
	    "start_opts: the sampler sees the attributes given at creation");
	ok(seen.nlinks == 2 && memcmp(seen.link_tid, tid, 16) == 0 &&
	    seen.link_nattrs == 1,
	    "start_opts: the sampler sees the links given at creation");
	ok(tracing_span_is_sampled(s) &&
	    tracing_span_attr_count(s, TRACING_ATTRS_SPAN, 0, NULL) == 3 &&
	    tracing_span_attr_at(s, TRACING_ATTRS_SPAN, 0, 1, &got) ==
	    TRACING_OK && got.v.i == 7 && tracing_span_kind(s) ==
	    TRACING_SPAN_SERVER && tracing_span_start_time(s) == 4242,
	    "start_opts: attributes recorded, kind and start time kept");
	tracing_context_alloc(&out);
	memset(tid, 0, 16);
	if (tracing_span_link_at(s, 0, out) == TRACING_OK)
		tracing_context_trace_id(out, tid);
	ok(tracing_span_link_count(s, NULL) == 2 &&
	    memcmp(tid, seen.link_tid, 16) == 0 &&
	    strcmp(tracing_context_tracestate(out),
	    "vendor=x") == 0 && tracing_span_attr_count(s, TRACING_ATTRS_LINK,
	    0, NULL) == 1, "links recorded at creation: ids, tracestate, "
	    "attributes, in order");
	ok(started_attrs == 3 && started_links == 2,
	    "on_start sees the attributes and links given at creation");
	tracing_span_end(s, 0);

	a[1] = tracing_attr_int("prio", 1);
	s = tracing_span_start_opts(t, "low", &o);
	ok(s != NULL && !tracing_span_is_recording(s) &&
	    tracing_span_attr_count(s, TRACING_ATTRS_SPAN, 0, NULL) == 0 &&
	    tracing_span_link_count(s, NULL) == 0,
	    "start_opts: the sampler drops on an attribute; nothing recorded");
	tracing_span_end(s, 0);

	tracing_context_free(out);
	tracing_context_free(l1);
	tracing_context_free(l2);
	tracing_provider_free(p);
}

static void
test_parents(void)
{
	struct tracing_sampler		*smp, *pb;
	struct tracing_provider		*p;
	struct tracing_tracer		*t;
	struct tracing_span		*root, *child, *c2;
	struct tracing_context		*bad, *remote;
	struct tracing_attr		 a[1];
	struct tracing_link		 links[2];
	struct tracing_span_opts	 o;
	uint8_t				 t1[16], t2[16], pid[8], sid[8];

	/* Parent-based: a root goes to the prio sampler, children follow. */
	tracing_sampler_custom_params_alloc(&smp, prio_sampler, NULL, NULL);
	tracing_sampler_parent_based_alloc(&pb, smp, NULL, NULL, NULL, NULL);
	p = provider(pb, "1");
	t = tracing_provider_tracer(p, "start", NULL);
	a[0] = tracing_attr_int("prio", 9);
	memset(&o, 0, sizeof(o));
	o.attrs = a;
	o.nattrs = 1;
	root = tracing_span_start_opts(t, "root", &o);
	ok(seen.calls == 1 && !seen.had_parent && tracing_span_is_sampled(root)
	    && tracing_span_kind(root) == TRACING_SPAN_INTERNAL,
	    "parent-based: the root delegate sees the attributes; kind 0 is "
	    "INTERNAL");

	memset(&seen, 0, sizeof(seen));
	memset(&o, 0, sizeof(o));
	o.parent_span = root;
	o.kind = TRACING_SPAN_CLIENT;
	child = tracing_span_start_opts(t, "child", &o);
	tracing_span_trace_id(root, t1);
	tracing_span_trace_id(child, t2);
	tracing_span_span_id(root, sid);
	ok(seen.calls == 0 && tracing_span_is_sampled(child) &&
	    memcmp(t1, t2, 16) == 0 && tracing_span_parent_span_id(child,
	    pid) && memcmp(pid, sid, 8) == 0 &&
	    !tracing_span_parent_is_remote(child),
	    "start_opts with parent_span: same trace, local parent, sampled "
	    "as the parent");

	/* Invalid link contexts are left out; the link limit holds. */
	tracing_context_alloc(&bad);
	remote = linked_context(0x33);
	links[0].context = bad;
	links[0].attrs = NULL;
	links[0].nattrs = 0;
	links[1].context = remote;
	links[1].attrs = NULL;
	links[1].nattrs = 0;
	memset(&o, 0, sizeof(o));
	o.parent = remote;
	o.links = links;
	o.nlinks = 2;
	c2 = tracing_span_start_opts(t, "linked", &o);
	tracing_span_trace_id(c2, t2);
	ok(tracing_span_link_count(c2, NULL) == 1 &&
	    tracing_span_parent_is_remote(c2) && t2[0] == 0x33,
	    "start_opts: an invalid link is left out; parent from a context");
	tracing_span_end(c2, 0);
	links[0].context = remote;
	c2 = tracing_span_start_opts(t, "limited", &o);
	{
		uint32_t	dropped;

		ok(tracing_span_link_count(c2, &dropped) == 1 && dropped == 1,
		    "start_opts: links at creation count against the link "
		    "limit (1 kept, 1 dropped)");
	}
	tracing_span_end(c2, 0);
	c2 = tracing_span_start_opts(t, "null opts", NULL);
	ok(c2 != NULL && !tracing_span_parent_span_id(c2, pid) &&
	    tracing_span_start_opts(NULL, "x", &o) == NULL,
	    "start_opts: NULL options start a root span; NULL tracer: NULL");
	tracing_span_end(c2, 0);

	tracing_span_end(child, 0);
	tracing_span_end(root, 0);
	tracing_context_free(bad);
	tracing_context_free(remote);
	tracing_provider_free(p);
}

static void
test_direct(void)
{
	struct tracing_sampler		*smp, *ar;
	struct tracing_sampling_params	 sp;
	struct tracing_attr		 a[1];
	uint8_t				 tid[16];

	tracing_sampler_custom_params_alloc(&smp, prio_sampler, NULL, NULL);
	tracing_sampler_always_record_alloc(&ar, smp);
	memset(tid, 1, 16);
	memset(&sp, 0, sizeof(sp));
	sp.trace_id = tid;
	a[0] = tracing_attr_int("prio", 5);
	sp.attrs = a;
	sp.nattrs = 1;
	ok(tracing_sampler_should_sample_params(ar, &sp) ==
	    TRACING_SAMPLE_RECORD_AND_SAMPLE && tracing_sampler_should_sample(
	    ar, NULL, tid, "n", 1) == TRACING_SAMPLE_RECORD_ONLY &&
	    seen.nattrs == 0 && strcmp(tracing_sampler_description(smp),
	    "CustomSampler") == 0,
	    "should_sample_params: attributes through AlwaysRecord; the old "
	    "call gives none");
	sp.trace_id = NULL;
	ok(tracing_sampler_should_sample_params(ar, &sp) ==
	    TRACING_SAMPLE_DROP && tracing_sampler_custom_params_alloc(&smp,
	    NULL, NULL, NULL) == TRACING_ERR_INVALID,
	    "should_sample_params without a trace id: drop; no function: "
	    "invalid");
	tracing_sampler_free(ar);
}

int
main(int argc, char *argv[])
{
	tap_start(argc, argv);
	tracing_set_log(log_capture, NULL);
	test_sampler_sees();
	test_parents();
	test_direct();
	tap_plan();
	return (tap_done());
}
