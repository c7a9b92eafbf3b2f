/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config.c: configuration from the environment: a table of variables
 * with good and bad values (a bad value warns and keeps the default), the
 * endpoint rules, headers and resource attribute lists, precedence of
 * programmatic settings.
 */

#include <sys/types.h>

#include <stdint.h>

#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

struct env_case {
	const char	*var;
	const char	*value;
	int		 warns;
	const char	*desc;
	int		(*check)(const struct tracing_config *);
};

static int c_disabled(const struct tracing_config *c) { return (c->disabled == 1); }
static int c_enabled(const struct tracing_config *c) { return (c->disabled == 0); }
static int c_console(const struct tracing_config *c) { return (c->exporter_kind == EXPORTER_CONSOLE); }
static int c_none(const struct tracing_config *c) { return (c->exporter_kind == EXPORTER_NONE); }
static int c_otlp(const struct tracing_config *c) { return (c->exporter_kind == EXPORTER_OTLP); }
static int c_grpc(const struct tracing_config *c) { return (c->protocol == PROTO_GRPC); }
static int c_httppb(const struct tracing_config *c) { return (c->protocol == PROTO_HTTP_PROTOBUF); }
static int c_t5000(const struct tracing_config *c) { return (c->timeout_ms == 5000); }
static int c_t10000(const struct tracing_config *c) { return (c->timeout_ms == 10000); }
static int c_gzip(const struct tracing_config *c) { return (c->gzip == 1); }
static int c_nogzip(const struct tracing_config *c) { return (c->gzip == 0); }
static int c_delay100(const struct tracing_config *c) { return (c->bsp_delay_ms == 100); }
static int c_delay5000(const struct tracing_config *c) { return (c->bsp_delay_ms == 5000); }
static int c_etimeout30000(const struct tracing_config *c) { return (c->bsp_timeout_ms == 30000); }
static int c_queue10(const struct tracing_config *c) { return (c->bsp_queue == 10); }
static int c_queue2048(const struct tracing_config *c) { return (c->bsp_queue == 2048); }
static int c_batch512(const struct tracing_config *c) { return (c->bsp_batch == 512); }
static int c_batch7(const struct tracing_config *c) { return (c->bsp_batch == 7); }
static int c_propb(const struct tracing_config *c) { return (c->propagators == TRACING_PROPAGATE_BAGGAGE); }
static int c_propdef(const struct tracing_config *c) { return (c->propagators == 3); }
static int c_propnone(const struct tracing_config *c) { return (c->propagators == 0); }
static int c_propb3j(const struct tracing_config *c) { return (c->propagators == (TRACING_PROPAGATE_TRACECONTEXT | TRACING_PROPAGATE_B3 | TRACING_PROPAGATE_B3_MULTI | TRACING_PROPAGATE_JAEGER)); }
static int c_lvldebug(const struct tracing_config *c) { return (c->log_level == TRACING_LOG_DEBUG); }
static int c_lvlunset(const struct tracing_config *c) { return (c->log_level == -1); }
static int c_attr5(const struct tracing_config *c) { return (c->limits.attr_count == 5 && c->limits.event_attr_count == 5 && c->limits.link_attr_count == 5); }
static int c_attr128(const struct tracing_config *c) { return (c->limits.attr_count == 128); }
static int c_len10(const struct tracing_config *c) { return (c->limits.attr_value_len == 10); }
static int c_lenunl(const struct tracing_config *c) { return (c->limits.attr_value_len == -1); }
static int c_ev3(const struct tracing_config *c) { return (c->limits.event_count == 3); }
static int c_link128(const struct tracing_config *c) { return (c->limits.link_count == 128); }
static int c_sampler(const struct tracing_config *c) { return (c->sampler_name != NULL && strcmp(c->sampler_name, "traceidratio") == 0); }
static int c_nosampler(const struct tracing_config *c) { return (c->sampler_name == NULL); }
static int c_sarg(const struct tracing_config *c) { return (c->sampler_arg != NULL && strcmp(c->sampler_arg, "0.5") == 0); }
static int c_nosarg(const struct tracing_config *c) { return (c->sampler_arg == NULL); }
static int c_ep(const struct tracing_config *c) { return (c->endpoint != NULL && strcmp(c->endpoint, "http://h:1") == 0); }
static int c_noep(const struct tracing_config *c) { return (c->endpoint == NULL); }
static int c_ephost(const struct tracing_config *c) { return (c->endpoint != NULL && strcmp(c->endpoint, "h:1") == 0); }
static int c_ca(const struct tracing_config *c) { return (c->certificate != NULL && strcmp(c->certificate, "/etc/ca.pem") == 0); }
static int c_ckey(const struct tracing_config *c) { return (c->client_key != NULL && strcmp(c->client_key, "/k.pem") == 0); }
static int c_ccert(const struct tracing_config *c) { return (c->client_cert != NULL && strcmp(c->client_cert, "/c.pem") == 0); }
static int c_insecure(const struct tracing_config *c) { return (c->insecure == 1); }
static int c_secure(const struct tracing_config *c) { return (c->insecure == 0); }
static int c_fo(const struct tracing_config *c) { return (c->failover != NULL && strcmp(c->failover, "http://a:1,https://b:2/") == 0); }
static int c_nofo(const struct tracing_config *c) { return (c->failover == NULL); }
static int c_fb(const struct tracing_config *c) { return (c->failback_s == 0); }
static int c_fbdef(const struct tracing_config *c) { return (c->failback_s == 30); }
static int c_cap(const struct tracing_config *c) { return (c->max_request_bytes == 65536); }
static int c_capdef(const struct tracing_config *c) { return (c->max_request_bytes == 4194304); }
static int c_svc(const struct tracing_config *c) { return (c->service_name != NULL && strcmp(c->service_name, "orders") == 0); }
static int c_hdr(const struct tracing_config *c) { return (c->nheaders == 2 && strcmp(c->headers[0].name, "api-key") == 0 && strcmp(c->headers[0].value, "a b") == 0 && strcmp(c->headers[1].name, "x") == 0 && strcmp(c->headers[1].value, "1") == 0); }
static int c_hdr1(const struct tracing_config *c) { return (c->nheaders == 1 && strcmp(c->headers[0].name, "ok") == 0); }

static const struct env_case	cases[] = {
	{ "OTEL_SDK_DISABLED", "true", 0, "sdk disabled", c_disabled },
	{ "OTEL_SDK_DISABLED", "TRUE", 0, "sdk disabled, any case", c_disabled },
	{ "OTEL_SDK_DISABLED", "yes", 1, "bad boolean: default (enabled)", c_enabled },
	{ "OTEL_SERVICE_NAME", "orders", 0, "service name", c_svc },
	{ "TRACING_OTLP_FAILOVER_ENDPOINTS", "http://a:1,https://b:2/", 0, "failover endpoints", c_fo },
	{ "TRACING_OTLP_FAILOVER_ENDPOINTS", "http://a:1,b:2", 1, "a failover without scheme: none", c_nofo },
	{ "TRACING_OTLP_FAILOVER_ENDPOINTS", "http://a:1,,http://b:2", 1, "an empty failover: none", c_nofo },
	{ "TRACING_OTLP_FAILOVER_ENDPOINTS", "http://1,http://2,http://3,http://4,http://5,http://6,http://7,http://8", 1,
	  "more than 7 failovers: none", c_nofo },
	{ "TRACING_OTLP_FAILBACK_S", "0", 0, "no failback", c_fb },
	{ "TRACING_OTLP_FAILBACK_S", "-1", 1, "failback below 0: the default, 30 s", c_fbdef },
	{ "TRACING_OTLP_MAX_REQUEST_BYTES", "65536", 0, "request cap", c_cap },
	{ "TRACING_OTLP_MAX_REQUEST_BYTES", "100", 1, "request cap below 1024: the default, 4 MiB", c_capdef },
	{ "TRACING_OTLP_MAX_REQUEST_BYTES", "4M", 1, "request cap not a number: the default", c_capdef },
	{ "OTEL_TRACES_EXPORTER", "console", 0, "console exporter", c_console },
	{ "OTEL_TRACES_EXPORTER", "none", 0, "no exporter", c_none },
	{ "OTEL_TRACES_EXPORTER", "zipkin", 1, "unknown exporter: otlp", c_otlp },
	{ "OTEL_TRACES_EXPORTER", "zipkin,console", 0, "first known exporter of a list", c_console },
	{ "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc", 0, "grpc", c_grpc },
	{ "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", 1, "http/json warns, falls back", c_httppb },
	{ "OTEL_EXPORTER_OTLP_PROTOCOL", "udp", 1, "bad protocol: default", c_httppb },
	{ "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc", 0, "signal-specific protocol", c_grpc },
	{ "OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:1", 0, "endpoint", c_ep },
	{ "OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://h:1", 1, "endpoint of another scheme refused", c_noep },
	{ "OTEL_EXPORTER_OTLP_ENDPOINT", "h:1", 0, "endpoint without scheme (gRPC; OTEL_EXPORTER_OTLP_INSECURE picks it)", c_ephost },
	{ "OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem", 0, "CA certificate file", c_ca },
	{ "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/k.pem", 0, "signal-specific client key", c_ckey },
	{ "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/c.pem", 0, "client certificate", c_ccert },
	{ "OTEL_EXPORTER_OTLP_INSECURE", "true", 0, "insecure", c_insecure },
	{ "OTEL_EXPORTER_OTLP_TRACES_INSECURE", "sure", 1, "bad insecure: default (secure)", c_secure },
	{ "OTEL_EXPORTER_OTLP_TIMEOUT", "5000", 0, "timeout", c_t5000 },
	{ "OTEL_EXPORTER_OTLP_TIMEOUT", "5s", 1, "bad timeout: default", c_t10000 },
	{ "OTEL_EXPORTER_OTLP_TIMEOUT", "-1", 1, "negative timeout: default", c_t10000 },
	{ "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "5000", 0, "signal-specific timeout", c_t5000 },
	{ "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip", 0, "gzip", c_gzip },
	{ "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd", 1, "bad compression: none", c_nogzip },
	{ "OTEL_EXPORTER_OTLP_HEADERS", "api-key=a%20b, x = 1", 0, "headers, percent-decoded", c_hdr },
	{ "OTEL_EXPORTER_OTLP_HEADERS", "ok=1,broken,=x,bad=%zz", 3, "malformed headers skipped", c_hdr1 },
	{ "OTEL_TRACES_SAMPLER", "traceidratio", 0, "sampler", c_sampler },
	{ "OTEL_TRACES_SAMPLER", "sometimes", 1, "bad sampler: default", c_nosampler },
	{ "OTEL_TRACES_SAMPLER_ARG", "0.5", 0, "sampler argument", c_sarg },
	{ "OTEL_TRACES_SAMPLER_ARG", "1.5", 1, "ratio above 1 refused", c_nosarg },
	{ "OTEL_TRACES_SAMPLER_ARG", "half", 1, "bad ratio refused", c_nosarg },
	{ "OTEL_BSP_SCHEDULE_DELAY", "100", 0, "schedule delay", c_delay100 },
	{ "OTEL_BSP_SCHEDULE_DELAY", "100ms", 1, "bad schedule delay: default", c_delay5000 },
	{ "OTEL_BSP_EXPORT_TIMEOUT", "0", 1, "zero export timeout: default", c_etimeout30000 },
	{ "OTEL_BSP_MAX_QUEUE_SIZE", "10", 0, "queue size", c_queue10 },
	{ "OTEL_BSP_MAX_QUEUE_SIZE", "0", 1, "zero queue: default", c_queue2048 },
	{ "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "7", 0, "batch size", c_batch7 },
	{ "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "99999999999", 1, "huge batch: default", c_batch512 },
	{ "OTEL_PROPAGATORS", "baggage", 0, "propagators: baggage only", c_propb },
	{ "OTEL_PROPAGATORS", "none", 0, "propagators: none", c_propnone },
	{ "OTEL_PROPAGATORS", "xray", 2, "unsupported propagator: default", c_propdef },
	{ "OTEL_PROPAGATORS", "tracecontext, b3,b3multi ,jaeger", 0, "propagators: b3, b3multi, jaeger", c_propb3j },
	{ "OTEL_LOG_LEVEL", "debug", 0, "log level", c_lvldebug },
	{ "OTEL_LOG_LEVEL", "loud", 1, "bad log level: default", c_lvlunset },
	{ "OTEL_ATTRIBUTE_COUNT_LIMIT", "5", 0, "attribute count limit", c_attr5 },
	{ "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "many", 1, "bad attribute limit: default", c_attr128 },
	{ "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "10", 0, "value length limit", c_len10 },
	{ "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "x", 1, "bad length limit: unlimited", c_lenunl },
	{ "OTEL_SPAN_EVENT_COUNT_LIMIT", "3", 0, "event count limit", c_ev3 },
	{ "OTEL_SPAN_LINK_COUNT_LIMIT", "", 0, "empty value is unset", c_link128 },
};

static void
clear_env(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		unsetenv(cases[i].var);
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
	unsetenv("OTEL_RESOURCE_ATTRIBUTES");
}

static int
url_is(const char *var, const char *val, const char *proto, const char *want)
{
	struct tracing_config	*c;
	char			*url;
	int			 good;

	clear_env();
	if (var != NULL)
		setenv(var, val, 1);
	if (proto != NULL)
		setenv("OTEL_EXPORTER_OTLP_PROTOCOL", proto, 1);
	tracing_config_alloc(&c);
	tracing_config_load_env(c);
	good = tr_config_otlp_url(c, &url) == TRACING_OK &&
	    strcmp(url, want) == 0;
	if (!good)
		fprintf(stderr, "# url %s\n", url);
	tr_free(url);
	tracing_config_free(c);
	return (good);
}

int
main(void)
{
	struct tracing_config	*c;
	struct tracing_provider	*p;
	const struct tr_attr	*a;
	size_t			 i;
	int			 good;

	tracing_set_log(log_capture, NULL);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		clear_env();
		setenv(cases[i].var, cases[i].value, 1);
		log_reset();
		tracing_config_alloc(&c);
		good = tracing_config_load_env(c) == TRACING_OK &&
		    cases[i].check(c);
		good = good && log_count("\n") == cases[i].warns;
		if (!good)
			fprintf(stderr, "# log: %s\n", logbuf);
		ok(good, "%s=%s: %s%s", cases[i].var, cases[i].value,
		    cases[i].desc, cases[i].warns ? " (warned)" : "");
		tracing_config_free(c);
	}

	ok(url_is(NULL, NULL, NULL, "http://localhost:4318/v1/traces"),
	    "default endpoint, http/protobuf");
	ok(url_is(NULL, NULL, "grpc", "http://localhost:4317"),
	    "default endpoint, grpc");
	ok(url_is("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/", NULL,
	    "http://c:4318/v1/traces"), "generic endpoint gets /v1/traces");
	ok(url_is("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:9/custom",
	    NULL, "http://c:9/custom"), "signal-specific endpoint as-is");

	/* Programmatic settings after the environment win. */
	clear_env();
	setenv("OTEL_SERVICE_NAME", "from-env", 1);
	tracing_config_alloc(&c);
	tracing_config_load_env(c);
	ok(tracing_config_set(c, "OTEL_SERVICE_NAME", "from-code") ==
	    TRACING_OK && strcmp(c->service_name, "from-code") == 0 &&
	    tracing_config_set(c, "OTEL_BSP_MAX_QUEUE_SIZE", "abc") ==
	    TRACING_ERR_INVALID && tracing_config_set(c, "NO_SUCH", "1") ==
	    TRACING_ERR_INVALID, "programmatic: overrides, errors on bad "
	    "values and unknown names");
	tracing_config_free(c);

	/* Resource attributes from the environment. */
	clear_env();
	setenv("OTEL_RESOURCE_ATTRIBUTES", "a=1,b=x%2Cy,broken,c=%ZZ,"
	    "service.name=env-name, d = sp ", 1);
	setenv("OTEL_TRACES_EXPORTER", "none", 1);
	log_reset();
	good = tracing_provider_alloc(&p, NULL, NULL, 0) == TRACING_OK;
	ok(good && (a = tr_attrs_find(&p->resource.attrs, "b", 1)) != NULL &&
	    strcmp(a->v.s, "x,y") == 0 && (a = tr_attrs_find(
	    &p->resource.attrs, "d", 1)) != NULL && strcmp(a->v.s, "sp") ==
	    0 && tr_attrs_find(&p->resource.attrs, "c", 1) == NULL &&
	    (a = tr_attrs_find(&p->resource.attrs, "service.name", 12)) !=
	    NULL && strcmp(a->v.s, "env-name") == 0 &&
	    log_count("OTEL_RESOURCE_ATTRIBUTES") == 2,
	    "OTEL_RESOURCE_ATTRIBUTES: decoded, trimmed, 2 malformed "
	    "entries warned and skipped");
	tracing_provider_free(p);
	setenv("OTEL_SERVICE_NAME", "svc-name", 1);
	good = tracing_provider_alloc(&p, NULL, NULL, 0) == TRACING_OK;
	ok(good && (a = tr_attrs_find(&p->resource.attrs, "service.name",
	    12)) != NULL && strcmp(a->v.s, "svc-name") == 0,
	    "OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES");
	tracing_provider_free(p);
	clear_env();
	unsetenv("OTEL_TRACES_EXPORTER");
	setenv("OTEL_SDK_DISABLED", "true", 1);
	good = tracing_provider_alloc(&p, NULL, NULL, 0) == TRACING_OK;
	ok(good && !tracing_provider_enabled(p) &&
	    tracing_span_start(tracing_provider_tracer(p, "x", NULL), "s",
	    1, NULL, 0) == NULL, "OTEL_SDK_DISABLED: no spans");
	tracing_provider_free(p);
	clear_env();
	return (tap_done());
}
