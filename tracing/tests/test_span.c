/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_span.c: span lifetime and the specification's span limits: attribute
 * types, replacement, count and length limits with dropped counts, events,
 * links, status rules, exceptions, non-recording spans, NULL safety.
 */

#include <sys/types.h>

#include <stdint.h>

#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

/* The span behind a handle, to look inside it. */
#define SP(h)	tr_span_peek(h)

static struct tracing_span	*kept;

static int
keep_export(void *arg, const struct tracing_batch *b)
{
	(void)arg;
	(void)b;
	return (TRACING_OK);
}

static uint64_t	id_counter;

static void
counter_ids(void *arg, uint8_t *id, size_t len)
{
	size_t	i;

	(void)arg;
	id_counter++;
	memset(id, 0, len);
	for (i = 0; i < 8; i++)
		id[len - 1 - i] = (uint8_t)(id_counter >> (8 * i));
}

static struct tracing_provider *
provider(const char *kv[][2])
{
	static const struct tracing_exporter_ops	 ops = {
		keep_export, NULL, NULL
	};
	struct tracing_provider				*p;
	struct tracing_config				*c;
	struct tracing_exporter				*e;
	int						 i;

	tracing_config_alloc(&c);
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	for (i = 0; kv != NULL && kv[i][0] != NULL; i++)
		if (tracing_config_set(c, kv[i][0], kv[i][1]) != TRACING_OK)
			fprintf(stderr, "# config %s refused\n", kv[i][0]);
	tracing_exporter_alloc(&e, &ops, NULL);
	tracing_config_set_exporter(c, e);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	return (p);
}

int
main(void)
{
	const char		*limits[][2] = {
		{ "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "3" },
		{ "OTEL_SPAN_EVENT_COUNT_LIMIT", "2" },
		{ "OTEL_SPAN_LINK_COUNT_LIMIT", "1" },
		{ "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "1" },
		{ "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "1" },
		{ "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4" },
		{ NULL, NULL }
	};
	const char		*offc[][2] = {
		{ "OTEL_TRACES_SAMPLER", "always_off" }, { NULL, NULL }
	};
	const char		*sa[] = { "abcdef", "\xc3\xa9\xc3\xa9\xc3\xa9" };
	struct tracing_attr	 ea[2], arr;
	struct tracing_provider	*p;
	struct tracing_tracer	*t;
	struct tracing_span	*s, *c;
	struct tracing_context	*ctx;
	const struct tr_attr	*a;
	const char		*desc;
	uint8_t			 id[16];
	int			 i;

	tracing_set_log(log_capture, NULL);
	p = provider(NULL);
	t = tracing_provider_tracer(p, "test", "1.0");
	ok(t == tracing_provider_tracer(p, "test", "1.0") &&
	    t != tracing_provider_tracer(p, "test", "2.0"),
	    "one tracer per scope name and version");

	s = tracing_span_start(t, "op", TRACING_SPAN_SERVER, NULL, 1000);
	ok(s != NULL && tracing_span_is_recording(s) &&
	    tracing_span_is_sampled(s) && SP(s)->start == 1000 &&
	    (SP(s)->sc.flags & 0x02) && !SP(s)->has_parent,
	    "root span: recording, sampled, random flag, explicit start");
	ok(tracing_span_set_str(s, "k", "v1") == TRACING_OK &&
	    tracing_span_set_str(s, "k", "v2") == TRACING_OK &&
	    SP(s)->attrs.count == 1 && strcmp(SP(s)->attrs.a[0].v.s, "v2") == 0,
	    "setting a key again replaces its value");
	ok(tracing_span_set_bool(s, "b", 1) == TRACING_OK &&
	    tracing_span_set_int(s, "i", -5) == TRACING_OK &&
	    tracing_span_set_double(s, "d", 2.5) == TRACING_OK &&
	    SP(s)->attrs.count == 4 && SP(s)->attrs.a[2].v.i == -5,
	    "bool, int and double attributes");
	arr.key = "arr";
	arr.type = TRACING_ATTR_STRING_ARRAY;
	arr.n = 2;
	arr.v.sa = sa;
	ok(tracing_span_set_attr(s, &arr) == TRACING_OK &&
	    (a = tr_attrs_find(&SP(s)->attrs, "arr", 3)) != NULL && a->n == 2 &&
	    strcmp(a->v.sa[1], sa[1]) == 0, "string array attribute");
	ok(tracing_span_set_str(s, "", "x") == TRACING_ERR_INVALID &&
	    tracing_span_set_str(s, NULL, "x") == TRACING_ERR_INVALID &&
	    tracing_span_set_str(s, "x", NULL) == TRACING_ERR_INVALID,
	    "empty or NULL keys and NULL values refused");
	ok(tracing_span_set_status(s, TRACING_STATUS_ERROR, "boom") ==
	    TRACING_OK && tracing_span_status(s, &desc) ==
	    TRACING_STATUS_ERROR && strcmp(desc, "boom") == 0,
	    "status error with a description");
	tracing_span_set_status(s, TRACING_STATUS_UNSET, NULL);
	ok(tracing_span_status(s, NULL) == TRACING_STATUS_ERROR,
	    "setting status unset is ignored");
	tracing_span_set_status(s, TRACING_STATUS_OK, "ignored");
	tracing_span_set_status(s, TRACING_STATUS_ERROR, "again");
	ok(tracing_span_status(s, &desc) == TRACING_STATUS_OK &&
	    desc == NULL, "status ok is final, without a description");
	ok(tracing_span_record_exception(s, "IOError", "disk full", NULL, 5) ==
	    TRACING_OK && SP(s)->nevents == 1 &&
	    strcmp(SP(s)->events[0].name, "exception") == 0 &&
	    SP(s)->events[0].ts == 5 &&
	    (a = tr_attrs_find(&SP(s)->events[0].attrs, "exception.type", 14)) !=
	    NULL && strcmp(a->v.s, "IOError") == 0 &&
	    (a = tr_attrs_find(&SP(s)->events[0].attrs, "exception.message",
	    17)) != NULL && strcmp(a->v.s, "disk full") == 0,
	    "record_exception: an \"exception\" event with type and message");
	c = tracing_span_start_child(t, "child", TRACING_SPAN_CLIENT, s, 0);
	tracing_span_trace_id(s, id);
	ok(c != NULL && memcmp(SP(c)->sc.trace_id, id, 16) == 0 &&
	    SP(c)->has_parent && !SP(c)->parent_remote &&
	    memcmp(SP(c)->parent_id, SP(s)->sc.span_id, 8) == 0,
	    "child span: same trace, parent is the span, local");
	tracing_span_end(c, 500);
	tracing_span_end(s, 0);
	(void)kept;
	tracing_provider_free(p);

	/* Limits. */
	p = provider(limits);
	t = tracing_provider_tracer(p, "test", NULL);
	s = tracing_span_start(t, "limits", TRACING_SPAN_INTERNAL, NULL, 0);
	for (i = 0; i < 5; i++) {
		char	k[8];

		snprintf(k, sizeof(k), "k%d", i);
		tracing_span_set_int(s, k, i);
	}
	tracing_span_set_int(s, "k0", 42);
	ok(SP(s)->attrs.count == 3 && SP(s)->attrs.dropped == 2 &&
	    SP(s)->attrs.a[0].v.i == 42,
	    "attribute count limit 3: 2 dropped, existing keys still update");
	tracing_span_set_str(s, "k1", "abcdefgh");
	ok(SP(s)->attrs.a[1].n == 4 && strcmp(SP(s)->attrs.a[1].v.s, "abcd") == 0,
	    "value length limit 4 truncates strings");
	tracing_span_set_str(s, "k2", "\xc3\xa9\xc3\xa9\xc3\xa9");
	ok(SP(s)->attrs.a[2].n == 4, "truncation keeps whole UTF-8 characters");
	ea[0] = TRACING_ATTR_STR("a", "1");
	ea[1] = TRACING_ATTR_STR("b", "2");
	for (i = 0; i < 4; i++)
		tracing_span_add_event(s, "ev", 0, ea, 2);
	ok(SP(s)->nevents == 2 && SP(s)->dropped_events == 2 &&
	    SP(s)->events[0].attrs.count == 1 && SP(s)->events[0].attrs.dropped == 1,
	    "event limit 2: 2 dropped; event attribute limit 1: 1 dropped");
	tracing_context_alloc(&ctx);
	tracing_context_set_span(ctx, s);
	tracing_span_add_link(s, ctx, ea, 2);
	tracing_span_add_link(s, ctx, ea, 2);
	ok(SP(s)->nlinks == 1 && SP(s)->dropped_links == 1 &&
	    SP(s)->links[0].attrs.dropped == 1,
	    "link limit 1: 1 dropped; link attribute limit 1: 1 dropped");
	tracing_context_reset(ctx);
	ok(tracing_span_add_link(s, ctx, NULL, 0) == TRACING_ERR_INVALID,
	    "a link needs a valid span context");
	tracing_context_free(ctx);
	tracing_span_end(s, 0);
	tracing_provider_free(p);

	/* Sampled out: a non-recording span that still propagates. */
	p = provider(offc);
	t = tracing_provider_tracer(p, "test", NULL);
	s = tracing_span_start(t, "off", TRACING_SPAN_INTERNAL, NULL, 0);
	tracing_span_trace_id(s, id);
	ok(s != NULL && !tracing_span_is_recording(s) &&
	    !tracing_span_is_sampled(s) &&
	    memcmp(id, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16) != 0 &&
	    tracing_span_set_str(s, "k", "v") == TRACING_OK &&
	    SP(s)->attrs.count == 0, "always_off: non-recording span with ids");
	tracing_span_end(s, 0);
	tracing_provider_free(p);

	/* An IdGenerator of the host's: a counter, not random. */
	{
		struct tracing_config	*cfg;
		struct tracing_span	*r;
		struct tracing_attr	 ex[2];
		char			 hex[33];
		int			 good;

		tracing_config_alloc(&cfg);
		tracing_config_set(cfg, "OTEL_TRACES_EXPORTER", "none");
		tracing_config_set_id_generator(cfg, counter_ids, NULL, 0);
		tracing_provider_alloc(&p, cfg, NULL, 0);
		tracing_config_free(cfg);
		t = tracing_provider_tracer(p, "ids", NULL);
		r = tracing_span_start(t, "r", 1, NULL, 0);
		tracing_span_trace_id_hex(r, hex);
		good = strcmp(hex, "00000000000000000000000000000001") == 0;
		tracing_span_span_id_hex(r, hex);
		good = good && strcmp(hex, "0000000000000002") == 0;
		ok(good && (SP(r)->sc.flags & 0x02) == 0,
		    "a custom IdGenerator gives the ids; not declared random: "
		    "no W3C random flag");
		ex[0] = TRACING_ATTR_STR("exception.escaped", "true");
		ex[1] = TRACING_ATTR_INTV("retry", 3);
		ok(tracing_span_record_exception_attrs(r, "E", "m", NULL, 7,
		    ex, 2) == TRACING_OK && SP(r)->nevents == 1 &&
		    SP(r)->events[0].attrs.count == 4 &&
		    tr_attrs_find(&SP(r)->events[0].attrs, "retry", 5) !=
		    NULL, "record_exception with attributes of the caller's");
		tracing_span_end(r, 0);
		tracing_provider_free(p);
	}

	/* NULL everywhere. */
	tracing_span_set_str(NULL, "k", "v");
	tracing_span_add_event(NULL, "e", 0, NULL, 0);
	tracing_span_set_status(NULL, TRACING_STATUS_ERROR, "x");
	tracing_span_end(NULL, 0);
	ok(tracing_span_start(NULL, "x", 1, NULL, 0) == NULL &&
	    !tracing_span_is_recording(NULL),
	    "a NULL span or tracer is a no-op");
	return (tap_done());
}
