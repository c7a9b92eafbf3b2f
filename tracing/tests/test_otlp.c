/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_otlp.c: the hand-written OTLP encoder against protobuf-c: spans with
 * every kind of field are encoded, decoded with the code generated from
 * opentelemetry-proto, and compared field by field (ids, names, kinds,
 * times, every attribute type, arrays, events, links, status, dropped
 * counts, flags, tracestate, resource and scopes). Also the decoding of
 * partial-success responses.
 */

#include <sys/types.h>

#include <math.h>
#include <unistd.h>
#include <stdint.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest Req;
typedef Opentelemetry__Proto__Trace__V1__Span PbSpan;
typedef Opentelemetry__Proto__Common__V1__KeyValue PbKV;
typedef Opentelemetry__Proto__Common__V1__AnyValue PbAny;

static uint8_t	*enc;
static size_t	 enclen;
static size_t	 nspans;

static int
capture(void *arg, const struct tracing_batch *b)
{
	(void)arg;
	free(enc);
	nspans = tracing_batch_count(b);
	return (tracing_batch_encode_otlp(b, &enc, &enclen));
}

static const PbKV *
kv(PbKV **a, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(a[i]->key, key) == 0)
			return (a[i]);
	return (NULL);
}

static int
kv_str(PbKV **a, size_t n, const char *key, const char *want)
{
	const PbKV	*k = kv(a, n, key);

	return (k != NULL && k->value != NULL && k->value->value_case ==
	    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE &&
	    strcmp(k->value->string_value, want) == 0);
}

int
main(void)
{
	static const struct tracing_exporter_ops	ops = {
		capture, NULL, NULL
	};
	const char		*sa[] = { "x", "", "z\xc3\xa9" };
	const int		 ba[] = { 1, 0 };
	const int64_t		 ia[] = { INT64_MIN, 0, INT64_MAX };
	const double		 da[] = { -1.5, 1e300 };
	struct tracing_attr	 arrs[4], eattrs[2], rattr;
	struct tracing_config	*c;
	struct tracing_exporter	*e;
	struct tracing_provider	*p;
	struct tracing_tracer	*t1, *t2;
	struct tracing_span	*s, *s2, *s3;
	struct tracing_context	*ctx, *lctx;
	ProtobufCAllocator	*al = NULL;
	Req			*r;
	PbSpan			*ps;
	const PbKV		*k;
	uint8_t			 tid[16], sid[8], pid[8];
	int64_t			 rej;
	char			 msg[64];
	size_t			 i;
	int			 good;

	tracing_set_log(log_capture, NULL);
	tracing_config_alloc(&c);
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	tracing_config_set(c, "OTEL_SERVICE_NAME", "svc");
	tracing_config_set(c, "OTEL_RESOURCE_ATTRIBUTES",
	    "deployment.environment=test,service.name=ignored");
	rattr = TRACING_ATTR_STR("service.version", "1.2.3");
	tracing_config_set_resource_attr(c, &rattr);
	tracing_config_set(c, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "9");
	tracing_exporter_alloc(&e, &ops, NULL);
	tracing_config_set_exporter(c, e);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		return (1);
	tracing_config_free(c);
	t1 = tracing_provider_tracer(p, "scope-a", "1.0");
	t2 = tracing_provider_tracer(p, "scope-b", NULL);

	/* A remote parent with tracestate. */
	tracing_context_alloc(&ctx);
	tracing_context_alloc(&lctx);
	ctx->sc.valid = 1;
	ctx->sc.remote = 1;
	ctx->sc.flags = 0x03;
	memset(ctx->sc.trace_id, 0xab, 16);
	memset(ctx->sc.span_id, 0xcd, 8);
	tracing_context_tracestate_set(ctx, "vendor", "v1");

	s = tracing_span_start(t1, "GET /x", TRACING_SPAN_SERVER, ctx, 111);
	tracing_span_set_str(s, "s", "hello");
	tracing_span_set_bool(s, "b", 0);
	tracing_span_set_int(s, "i", -7);
	tracing_span_set_double(s, "d", 0.25);
	arrs[0] = (struct tracing_attr){ .key = "sa",
	    .type = TRACING_ATTR_STRING_ARRAY, .n = 3, .v.sa = sa };
	arrs[1] = (struct tracing_attr){ .key = "ba",
	    .type = TRACING_ATTR_BOOL_ARRAY, .n = 2, .v.ba = ba };
	arrs[2] = (struct tracing_attr){ .key = "ia",
	    .type = TRACING_ATTR_INT_ARRAY, .n = 3, .v.ia = ia };
	arrs[3] = (struct tracing_attr){ .key = "da",
	    .type = TRACING_ATTR_DOUBLE_ARRAY, .n = 2, .v.da = da };
	tracing_span_set_attrs(s, arrs, 4);
	tracing_span_set_str(s, "over1", "x");
	tracing_span_set_str(s, "over2", "x");
	eattrs[0] = TRACING_ATTR_INTV("n", 3);
	eattrs[1] = TRACING_ATTR_STR("w", "v");
	tracing_span_add_event(s, "ev1", 222, eattrs, 2);
	tracing_span_record_exception(s, "E", "m", "trace", 333);
	s2 = tracing_span_start(t2, "other", TRACING_SPAN_CONSUMER, NULL, 50);
	tracing_context_set_span(lctx, s2);
	tracing_context_tracestate_set(lctx, "lk", "lv");
	tracing_span_add_link(s, lctx, eattrs, 1);
	tracing_span_set_status(s, TRACING_STATUS_ERROR, "failed");
	tracing_span_trace_id(s, tid);
	tracing_span_span_id(s, sid);
	tracing_span_end(s, 444);

	ok(enc != NULL && nspans == 1, "the exporter got one span encoded");
	r = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
	    al, enclen, enc);
	ok(r != NULL, "protobuf-c decodes our ExportTraceServiceRequest");
	if (r == NULL)
		return (tap_done());
	ok(r->n_resource_spans == 1 && r->resource_spans[0]->resource !=
	    NULL && r->resource_spans[0]->n_scope_spans == 1,
	    "one ResourceSpans, resource, one ScopeSpans");
	{
		Opentelemetry__Proto__Resource__V1__Resource *res =
		    r->resource_spans[0]->resource;
		PbKV	**a = res->attributes;
		size_t	  n = res->n_attributes;

		ok(kv_str(a, n, "service.name", "svc") &&
		    kv_str(a, n, "service.version", "1.2.3") &&
		    kv_str(a, n, "deployment.environment", "test") &&
		    kv_str(a, n, "telemetry.sdk.language", "c") &&
		    kv_str(a, n, "telemetry.sdk.name", "tracing-c") &&
		    kv_str(a, n, "telemetry.sdk.version", TRACING_VERSION) &&
		    kv_str(a, n, "os.type", "linux") &&
		    kv(a, n, "host.name") != NULL &&
		    kv(a, n, "host.arch") != NULL &&
		    kv(a, n, "process.executable.name") != NULL &&
		    kv(a, n, "service.instance.id") != NULL &&
		    strlen(kv(a, n, "service.instance.id")->value->string_value)
		    == 36 &&
		    (k = kv(a, n, "process.pid")) != NULL &&
		    k->value->int_value == getpid(),
		    "resource: service (OTEL_SERVICE_NAME wins), env, sdk, "
		    "host, process attributes");
	}
	ok(strcmp(r->resource_spans[0]->scope_spans[0]->scope->name,
	    "scope-a") == 0 && strcmp(r->resource_spans[0]->scope_spans[0]->
	    scope->version, "1.0") == 0, "scope name and version");
	ps = r->resource_spans[0]->scope_spans[0]->spans[0];
	ok(ps->trace_id.len == 16 && memcmp(ps->trace_id.data, tid, 16) == 0 &&
	    ps->span_id.len == 8 && memcmp(ps->span_id.data, sid, 8) == 0,
	    "trace id and span id");
	memset(pid, 0xcd, 8);
	ok(ps->parent_span_id.len == 8 &&
	    memcmp(ps->parent_span_id.data, pid, 8) == 0 &&
	    memcmp(tid, ctx->sc.trace_id, 16) == 0,
	    "parent span id from the remote context, its trace id");
	ok(strcmp(ps->trace_state, "vendor=v1") == 0, "tracestate");
	ok(strcmp(ps->name, "GET /x") == 0 && ps->kind ==
	    OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER,
	    "name and kind");
	ok(ps->start_time_unix_nano == 111 && ps->end_time_unix_nano == 444,
	    "explicit start and end times");
	ok(ps->flags == (0x01 | 0x02 | 0x100 | 0x200),
	    "flags: sampled, random, has-is-remote, is-remote");
	ok(ps->n_attributes == 9 && ps->dropped_attributes_count == 1,
	    "9 attributes kept, 1 dropped (limit 9)");
	good = (k = kv(ps->attributes, ps->n_attributes, "s")) != NULL &&
	    strcmp(k->value->string_value, "hello") == 0;
	good = good && (k = kv(ps->attributes, ps->n_attributes, "b")) !=
	    NULL && k->value->value_case ==
	    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE &&
	    k->value->bool_value == 0;
	good = good && (k = kv(ps->attributes, ps->n_attributes, "i")) !=
	    NULL && k->value->int_value == -7;
	good = good && (k = kv(ps->attributes, ps->n_attributes, "d")) !=
	    NULL && k->value->value_case ==
	    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE &&
	    k->value->double_value == 0.25;
	ok(good, "string, bool (false), int and double attributes");
	good = (k = kv(ps->attributes, ps->n_attributes, "sa")) != NULL &&
	    k->value->array_value != NULL &&
	    k->value->array_value->n_values == 3;
	for (i = 0; good && i < 3; i++)
		good = strcmp(k->value->array_value->values[i]->string_value,
		    sa[i]) == 0;
	good = good && (k = kv(ps->attributes, ps->n_attributes, "ba")) !=
	    NULL && k->value->array_value->n_values == 2 &&
	    k->value->array_value->values[0]->bool_value == 1 &&
	    k->value->array_value->values[1]->value_case ==
	    OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE &&
	    k->value->array_value->values[1]->bool_value == 0;
	good = good && (k = kv(ps->attributes, ps->n_attributes, "ia")) !=
	    NULL && k->value->array_value->n_values == 3;
	for (i = 0; good && i < 3; i++)
		good = k->value->array_value->values[i]->int_value == ia[i];
	good = good && (k = kv(ps->attributes, ps->n_attributes, "da")) !=
	    NULL && k->value->array_value->n_values == 2 &&
	    k->value->array_value->values[0]->double_value == -1.5 &&
	    k->value->array_value->values[1]->double_value == 1e300;
	ok(good, "string, bool, int and double arrays, in order");
	ok(ps->n_events == 2 && strcmp(ps->events[0]->name, "ev1") == 0 &&
	    ps->events[0]->time_unix_nano == 222 &&
	    ps->events[0]->n_attributes == 2 &&
	    ps->events[0]->attributes[0]->value->int_value == 3 &&
	    strcmp(ps->events[1]->name, "exception") == 0 &&
	    ps->events[1]->time_unix_nano == 333 &&
	    kv_str(ps->events[1]->attributes, ps->events[1]->n_attributes,
	    "exception.type", "E") && kv_str(ps->events[1]->attributes,
	    ps->events[1]->n_attributes, "exception.message", "m") &&
	    kv_str(ps->events[1]->attributes, ps->events[1]->n_attributes,
	    "exception.stacktrace", "trace"),
	    "events with attributes, the exception event");
	ok(ps->n_links == 1 && memcmp(ps->links[0]->trace_id.data,
	    tr_span_peek(s2)->sc.trace_id, 16) == 0 &&
	    memcmp(ps->links[0]->span_id.data, tr_span_peek(s2)->sc.span_id, 8) == 0 &&
	    strcmp(ps->links[0]->trace_state, "lk=lv") == 0 &&
	    ps->links[0]->n_attributes == 1 && ps->links[0]->flags ==
	    (0x03 | 0x100), "link: ids, tracestate, attributes, flags");
	ok(ps->status != NULL && ps->status->code ==
	    OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR &&
	    strcmp(ps->status->message, "failed") == 0,
	    "status error with its message");
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
	    r, al);

	/* Two scopes in one batch (encoded by hand through a batch). */
	s3 = tracing_span_start(t1, "third", TRACING_SPAN_PRODUCER, NULL, 60);
	tr_span_peek(s2)->end = 70;
	tr_span_peek(s3)->end = 80;
	{
		struct tr_span		*sp[2] = { tr_span_peek(s2),
					    tr_span_peek(s3) };
		struct tracing_batch	 b = { sp, 2, &p->resource, 0, NULL,
					    0, 0, 0, NULL, NULL, 0, 0 };

		free(enc);
		enc = NULL;
		ok(tracing_batch_encode_otlp(&b, &enc, &enclen) == TRACING_OK,
		    "encode a batch of two scopes");
	}
	r = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
	    al, enclen, enc);
	ok(r != NULL && r->resource_spans[0]->n_scope_spans == 2 &&
	    strcmp(r->resource_spans[0]->scope_spans[0]->scope->name,
	    "scope-b") == 0 && strcmp(r->resource_spans[0]->scope_spans[1]->
	    spans[0]->name, "third") == 0 &&
	    r->resource_spans[0]->scope_spans[0]->spans[0]->kind == 5 &&
	    r->resource_spans[0]->scope_spans[0]->spans[0]->
	    parent_span_id.len == 0 &&
	    strcmp(r->resource_spans[0]->scope_spans[0]->scope->version, "")
	    == 0, "spans grouped by scope, a root span has no parent id");
	if (r != NULL)
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		    r, al);
	tracing_span_end(s2, 70);
	tracing_span_end(s3, 80);
	free(enc);

	/* Invalid UTF-8 goes out repaired: U+FFFD for each bad byte. */
	ok(tr_utf8_repaired_len("abc", 3) == 3 &&
	    tr_utf8_repaired_len("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9) == 9 &&
	    tr_utf8_repaired_len("\xff", 1) == 3 &&
	    tr_utf8_repaired_len("\xc0\xaf", 2) == 6 &&	/* overlong */
	    tr_utf8_repaired_len("\xed\xa0\x80", 3) == 9 &&	/* surrogate */
	    tr_utf8_repaired_len("\xf4\x90\x80\x80", 4) == 12 && /* > U+10FFFF */
	    tr_utf8_repaired_len("\xe2\x82", 2) == 6,	/* cut short */
	    "UTF-8 check: valid sequences kept; overlong, surrogate, too "
	    "large, cut short and stray bytes repaired");
	s3 = tracing_span_start(t1, "bad\xff name", TRACING_SPAN_SERVER, NULL,
	    60);
	tracing_span_set_str(s3, "user_agent.original",
	    "Mozilla\x80\xc3(x)\xe2\x82\xac");
	tracing_span_set_str(s3, "k\xfe", "v");
	tracing_span_add_event(s3, "ev\xc0", 61, NULL, 0);
	tr_span_peek(s3)->end = 80;
	{
		struct tr_span		*sp[1] = { tr_span_peek(s3) };
		struct tracing_batch	 b = { sp, 1, &p->resource, 0, NULL,
					    0, 0, 0, NULL, NULL, 0, 0 };

		enc = NULL;
		(void)tracing_batch_encode_otlp(&b, &enc, &enclen);
	}
	r = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
	    al, enclen, enc);
	ps = r != NULL ? r->resource_spans[0]->scope_spans[0]->spans[0] : NULL;
	ok(ps != NULL && strcmp(ps->name, "bad\xef\xbf\xbd name") == 0 &&
	    kv_str(ps->attributes, ps->n_attributes, "user_agent.original",
	    "Mozilla\xef\xbf\xbd\xef\xbf\xbd(x)\xe2\x82\xac") &&
	    kv(ps->attributes, ps->n_attributes, "k\xef\xbf\xbd") != NULL &&
	    ps->n_events == 1 &&
	    strcmp(ps->events[0]->name, "ev\xef\xbf\xbd") == 0,
	    "a span with invalid UTF-8 in its name, an attribute's key and "
	    "value and an event's name is encoded as valid UTF-8");
	if (r != NULL)
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		    r, al);
	tracing_span_end(s3, 80);
	free(enc);

	/* Responses. */
	{
		/* partial_success { rejected_spans: 2, error_message: "no" } */
		const uint8_t	ps1[] = { 0x0a, 0x06, 0x08, 0x02, 0x12, 0x02,
				    'n', 'o' };
		const uint8_t	bad[] = { 0x0a, 0x7f, 0x08 };

		ok(tr_otlp_response_parse(ps1, sizeof(ps1), &rej, msg,
		    sizeof(msg)) == TRACING_OK && rej == 2 &&
		    strcmp(msg, "no") == 0,
		    "partial success response: rejected count and message");
		ok(tr_otlp_response_parse(NULL, 0, &rej, msg, sizeof(msg)) ==
		    TRACING_OK && rej == 0 && msg[0] == '\0',
		    "empty response: full success");
		ok(tr_otlp_response_parse(bad, sizeof(bad), &rej, msg,
		    sizeof(msg)) == TRACING_ERR_INVALID,
		    "truncated response: invalid");
	}
	tracing_context_free(ctx);
	tracing_context_free(lctx);
	tracing_provider_free(p);
	return (tap_done());
}
