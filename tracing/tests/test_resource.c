/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_resource.c: resources (create, create empty, merge with the
 * specification's schema URL rules, read back), the built-in detectors
 * and detectors of the host's, the provider's precedence (detectors,
 * OTEL_RESOURCE_ATTRIBUTES, the host's resource, OTEL_SERVICE_NAME), and
 * schema URLs and scope attributes on tracers, decoded from the OTLP
 * request with protobuf-c.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

typedef Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest Req;
typedef Opentelemetry__Proto__Common__V1__KeyValue PbKV;

#define SCHEMA_A	"https://opentelemetry.io/schemas/1.21.0"
#define SCHEMA_B	"https://opentelemetry.io/schemas/1.24.0"

/* A string attribute of res, or "" when missing or of another type. */
static const char *
rstr(const struct tracing_resource *res, const char *key)
{
	struct tracing_attr	a;

	if (tracing_resource_get(res, key, &a) != TRACING_OK ||
	    a.type != TRACING_ATTR_STRING)
		return ("");
	return (a.v.s);
}

static void
test_create_merge(void)
{
	struct tracing_resource	*empty, *old, *upd, *m, *other;
	struct tracing_attr	 a[3], got;
	int			 rc;

	ok(tracing_resource_alloc(&empty, NULL, 0, NULL) == TRACING_OK &&
	    tracing_resource_attr_count(empty) == 0 &&
	    tracing_resource_schema_url(empty) == NULL,
	    "resource: create empty (no attributes, no schema URL)");
	a[0] = tracing_attr_str("service.name", "orders");
	a[1] = tracing_attr_int("k8s.pod.count", 3);
	a[2] = tracing_attr_str("cloud.region", "eu-west-1");
	ok(tracing_resource_alloc(&old, a, 3, SCHEMA_A) == TRACING_OK &&
	    tracing_resource_attr_count(old) == 3 &&
	    tracing_resource_attr_at(old, 1, &got) == TRACING_OK &&
	    strcmp(got.key, "k8s.pod.count") == 0 && got.v.i == 3 &&
	    strcmp(tracing_resource_schema_url(old), SCHEMA_A) == 0,
	    "resource: create from attributes, read back in order, schema URL");
	a[0] = tracing_attr_str("service.name", "orders-v2");
	a[1] = tracing_attr_str("service.version", "2.0");
	tracing_resource_alloc(&upd, a, 2, NULL);
	ok(tracing_resource_merge(&m, old, upd) == TRACING_OK &&
	    tracing_resource_attr_count(m) == 4 &&
	    strcmp(rstr(m, "service.name"), "orders-v2") == 0 &&
	    strcmp(rstr(m, "cloud.region"), "eu-west-1") == 0 &&
	    strcmp(rstr(m, "service.version"), "2.0") == 0 &&
	    strcmp(tracing_resource_schema_url(m), SCHEMA_A) == 0,
	    "merge: the updating resource's values win; old's schema URL when "
	    "the updating one has none");
	tracing_resource_free(m);
	tracing_resource_set_schema_url(upd, SCHEMA_A);
	ok(tracing_resource_merge(&m, empty, upd) == TRACING_OK &&
	    strcmp(tracing_resource_schema_url(m), SCHEMA_A) == 0,
	    "merge: the updating schema URL when old has none; the same one "
	    "is kept");
	tracing_resource_free(m);
	tracing_resource_alloc(&other, NULL, 0, SCHEMA_B);
	rc = tracing_resource_merge(&m, old, other);
	ok(rc == TRACING_ERR_INVALID && m != NULL &&
	    tracing_resource_schema_url(m) == NULL &&
	    tracing_resource_attr_count(m) == 3,
	    "merge: two different schema URLs are a merging error (result "
	    "without schema URL)");
	tracing_resource_free(m);
	ok(tracing_resource_get(old, "nope", &got) == TRACING_ERR_INVALID &&
	    tracing_resource_attr_at(old, 3, &got) == TRACING_ERR_INVALID &&
	    tracing_resource_set(old, &a[1]) == TRACING_OK &&
	    tracing_resource_attr_count(old) == 4 &&
	    tracing_resource_alloc(&m, NULL, 1, NULL) == TRACING_ERR_INVALID,
	    "resource: missing keys, indexes past the end and NULL arrays "
	    "refused; set adds");
	tracing_resource_free(empty);
	tracing_resource_free(old);
	tracing_resource_free(upd);
	tracing_resource_free(other);
}

static void
test_detect(void)
{
	struct tracing_resource	*r;
	struct tracing_attr	 a;
	char			 host[256];

	ok(tracing_resource_detect(&r, TRACING_DETECT_ALL) == TRACING_OK &&
	    strcmp(rstr(r, "telemetry.sdk.language"), "c") == 0 &&
	    strcmp(rstr(r, "telemetry.sdk.name"), "tracing-c") == 0 &&
	    strcmp(rstr(r, "telemetry.sdk.version"), TRACING_VERSION) == 0 &&
	    strcmp(tracing_resource_schema_url(r),
	    TRACING_SEMCONV_SCHEMA_URL) == 0,
	    "detectors populate the schema URL; telemetry.sdk.*");
	ok(tracing_resource_get(r, "process.pid", &a) == TRACING_OK &&
	    a.v.i == (int64_t)getpid() &&
	    strcmp(rstr(r, "process.executable.name"), "test_resource") == 0 &&
	    strstr(rstr(r, "process.command"), "test_resource") != NULL &&
	    tracing_resource_get(r, "process.command_args", &a) ==
	    TRACING_OK && a.type == TRACING_ATTR_STRING_ARRAY && a.n >= 1,
	    "process detector: pid, executable name, command and arguments");
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = '\0';
	ok(strcmp(rstr(r, "host.name"), host) == 0 &&
	    rstr(r, "host.arch")[0] != '\0' &&
	    strcmp(rstr(r, "os.type"), "linux") == 0 &&
	    rstr(r, "os.description")[0] != '\0',
	    "host and os detectors: host.name, host.arch, os.type, "
	    "os.description");
	tracing_resource_free(r);
	ok(tracing_resource_detect(&r, TRACING_DETECT_HOST) == TRACING_OK &&
	    tracing_resource_attr_count(r) == 2 &&
	    tracing_resource_get(r, "process.pid", &a) == TRACING_ERR_INVALID,
	    "detectors can be left out: host alone gives two attributes");
	tracing_resource_free(r);
}

/* A detector of the host's. */
static int
cloud_detector(void *arg, struct tracing_resource *r)
{
	struct tracing_attr	a = TRACING_ATTR_STR("cloud.provider", "test");
	struct tracing_attr	b = TRACING_ATTR_STR("service.name", "detected");

	(void)arg;
	tracing_resource_set(r, &a);
	tracing_resource_set(r, &b);
	return (tracing_resource_set_schema_url(r,
	    TRACING_SEMCONV_SCHEMA_URL));
}

static int
failing_detector(void *arg, struct tracing_resource *r)
{
	struct tracing_attr	a = TRACING_ATTR_STR("bad.attr", "x");

	(void)arg;
	tracing_resource_set(r, &a);
	return (TRACING_ERR_SYSTEM);
}

static void
test_provider(void)
{
	struct tracing_config		*c;
	struct tracing_provider		*p;
	struct tracing_resource		*mine;
	const struct tracing_resource	*r;
	struct tracing_attr		 a[2];

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_TRACES_EXPORTER", "none");
	tracing_config_set_detectors(c, TRACING_DETECT_SDK);
	tracing_config_add_detector(c, cloud_detector, NULL);
	tracing_config_add_detector(c, failing_detector, NULL);
	tracing_config_set(c, "OTEL_RESOURCE_ATTRIBUTES",
	    "deployment.environment=prod,team=a%2Cb,cloud.provider=env");
	a[0] = tracing_attr_str("deployment.environment", "staging");
	a[1] = tracing_attr_str("service.name", "from-code");
	tracing_resource_alloc(&mine, a, 2, NULL);
	tracing_config_set_resource(c, mine);
	log_reset();
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	r = tracing_provider_resource(p);
	ok(r != NULL && strcmp(rstr(r, "cloud.provider"), "env") == 0 &&
	    strcmp(rstr(r, "team"), "a,b") == 0 &&
	    strcmp(rstr(r, "deployment.environment"), "staging") == 0 &&
	    strcmp(rstr(r, "service.name"), "from-code") == 0,
	    "provider resource: detector < OTEL_RESOURCE_ATTRIBUTES "
	    "(percent-decoded) < the host's resource");
	ok(strcmp(rstr(r, "bad.attr"), "") == 0 &&
	    log_count("resource detector 2") == 1 &&
	    strcmp(rstr(r, "host.name"), "") == 0 &&
	    strcmp(rstr(r, "telemetry.sdk.language"), "c") == 0 &&
	    strcmp(tracing_resource_schema_url(r),
	    TRACING_SEMCONV_SCHEMA_URL) == 0,
	    "detector interface: a failing detector is logged and left out; "
	    "built-ins chosen by bit");
	tracing_provider_free(p);

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_TRACES_EXPORTER", "none");
	tracing_config_set(c, "OTEL_RESOURCE_ATTRIBUTES", "service.name=env");
	tracing_resource_alloc(&mine, a + 1, 1, NULL);
	tracing_config_set_resource(c, mine);
	tracing_config_set(c, "OTEL_SERVICE_NAME", "svc");
	tracing_provider_alloc(&p, c, NULL, 0);
	tracing_config_free(c);
	ok(strcmp(rstr(tracing_provider_resource(p), "service.name"), "svc")
	    == 0, "OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES and "
	    "the host's resource");
	tracing_provider_free(p);
	ok(tracing_config_set_detectors(NULL, 0) == TRACING_ERR_INVALID &&
	    tracing_provider_resource(NULL) == NULL,
	    "set_detectors and provider_resource refuse NULL");
}

static uint8_t	*enc;
static size_t	 enclen;

static int
capture(void *arg, const struct tracing_batch *b)
{
	(void)arg;
	free(enc);
	return (tracing_batch_encode_otlp(b, &enc, &enclen));
}

static int
kv_has(PbKV **a, size_t n, const char *key, const char *sv, int64_t iv)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(a[i]->key, key) != 0 || a[i]->value == NULL)
			continue;
		if (sv != NULL)
			return (a[i]->value->string_value != NULL &&
			    strcmp(a[i]->value->string_value, sv) == 0);
		return (a[i]->value->int_value == iv);
	}
	return (0);
}

static void
test_scope_otlp(void)
{
	static const struct tracing_exporter_ops	ops = {
		capture, NULL, NULL
	};
	struct tracing_config	*c;
	struct tracing_exporter	*e;
	struct tracing_provider	*p;
	struct tracing_tracer	*t1, *t2, *t3;
	struct tracing_span	*s;
	struct tracing_attr	 sa[2], got;
	Req			*req;
	size_t			 i;
	int			 good;

	tracing_config_alloc(&c);
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	tracing_exporter_alloc(&e, &ops, NULL);
	tracing_config_set_exporter(c, e);
	tracing_provider_alloc(&p, c, NULL, 0);
	tracing_config_free(c);
	sa[0] = tracing_attr_str("library.area", "db");
	sa[1] = tracing_attr_int("shard", 4);
	t1 = tracing_provider_tracer_scope(p, "lib", "1.0", SCHEMA_A, sa, 2);
	t2 = tracing_provider_tracer_scope(p, "lib", "1.0", SCHEMA_A, sa, 2);
	t3 = tracing_provider_tracer_scope(p, "lib", "1.0", SCHEMA_B, sa, 1);
	ok(t1 != NULL && t1 == t2 && t3 != t1 &&
	    tracing_provider_tracer(p, "lib", "1.0") != t1,
	    "tracer_scope: one tracer per name, version, schema URL and "
	    "attributes");
	s = tracing_span_start(t1, "query", TRACING_SPAN_CLIENT, NULL, 0);
	ok(strcmp(tracing_span_scope_schema_url(s), SCHEMA_A) == 0 &&
	    tracing_span_attr_count(s, TRACING_ATTRS_SCOPE, 0, NULL) == 2 &&
	    tracing_span_attr_at(s, TRACING_ATTRS_SCOPE, 0, 1, &got) ==
	    TRACING_OK && got.v.i == 4,
	    "span view: the scope's schema URL and attributes");
	tracing_span_end(s, 0);
	req = opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(
	    NULL, enclen, enc);
	good = req != NULL && req->n_resource_spans == 1 &&
	    strcmp(req->resource_spans[0]->schema_url,
	    TRACING_SEMCONV_SCHEMA_URL) == 0 &&
	    req->resource_spans[0]->n_scope_spans == 1;
	ok(good, "OTLP: SchemaURL in ResourceSpans (the detectors')");
	if (good) {
		Opentelemetry__Proto__Trace__V1__ScopeSpans *ss =
		    req->resource_spans[0]->scope_spans[0];

		ok(strcmp(ss->schema_url, SCHEMA_A) == 0 &&
		    strcmp(ss->scope->name, "lib") == 0 &&
		    ss->scope->n_attributes == 2 &&
		    kv_has(ss->scope->attributes, 2, "library.area", "db", 0) &&
		    kv_has(ss->scope->attributes, 2, "shard", NULL, 4),
		    "OTLP: SchemaURL in ScopeSpans, scope attributes in "
		    "InstrumentationScope");
	} else
		ok(0, "OTLP: SchemaURL in ScopeSpans, scope attributes in "
		    "InstrumentationScope");
	for (i = 0; req != NULL && i < 1; i++)
		opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
		    req, NULL);
	free(enc);
	enc = NULL;
	tracing_provider_free(p);
}

int
main(int argc, char *argv[])
{
	tap_start(argc, argv);
	tracing_set_log(log_capture, NULL);
	test_create_merge();
	test_detect();
	test_provider();
	test_scope_otlp();
	tap_plan();
	return (tap_done());
}
