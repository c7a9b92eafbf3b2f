/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config_file.c: declarative configuration (tracing_config_load_file,
 * OTEL_CONFIG_FILE) against the YAML files of tests/data/config: every
 * part of full.yaml read back, ${VAR} substitution, the gRPC, console and
 * no-op cases, a provider created from OTEL_CONFIG_FILE (the environment
 * not read), and every bad-*.yaml refused with its line and column.
 */

#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

static char	datadir[512];

static const char *
fixture(const char *name)
{
	static char	path[1024];

	snprintf(path, sizeof(path), "%s/%s", datadir, name);
	return (path);
}

static struct tracing_config *
load(const char *name, int *rc, char *err, size_t errlen)
{
	struct tracing_config	*c;

	tracing_config_alloc(&c);
	*rc = tracing_config_load_file(c, fixture(name), err, errlen);
	return (c);
}

static int
rattr_is(const struct tracing_config *c, const char *key, const char *sv,
    int64_t iv)
{
	struct tracing_attr	a;

	if (tracing_resource_get(c->resource, key, &a) != TRACING_OK)
		return (0);
	if (sv != NULL)
		return (a.type == TRACING_ATTR_STRING && strcmp(a.v.s, sv) == 0);
	return (a.type == TRACING_ATTR_INT && a.v.i == iv);
}

static void
test_full(void)
{
	struct tracing_config	*c;
	struct tracing_attr	 a;
	char			 err[256], *url;
	int			 rc;

	setenv("COTEL_TEST_COLLECTOR", "https://otel.example:4318", 1);
	setenv("COTEL_TEST_KEY", "s3 cret,=%", 1);
	unsetenv("COTEL_TEST_DELAY");
	unsetenv("COTEL_TEST_VERSION");
	c = load("full.yaml", &rc, err, sizeof(err));
	if (rc != TRACING_OK)
		fprintf(stderr, "# %s\n", err);
	ok(rc == TRACING_OK && !c->disabled && c->log_level ==
	    TRACING_LOG_WARN && c->limits.attr_value_len == 4096,
	    "file: parsed (YAML), disabled, log_level, attribute_limits");
	ok(rc == TRACING_OK && c->bsp_delay_ms == 250 &&
	    c->bsp_timeout_ms == 20000 && c->bsp_queue == 1024 &&
	    c->bsp_batch == 128 && !c->simple_processor,
	    "file: batch processor settings, ${VAR:-default} substituted");
	url = NULL;
	tr_config_otlp_url(c, &url);
	ok(rc == TRACING_OK && url != NULL && strcmp(url,
	    "https://otel.example:4318/v1/traces") == 0 &&
	    c->protocol == PROTO_HTTP_PROTOBUF && c->gzip &&
	    c->timeout_ms == 5000 && c->exporter_kind == EXPORTER_OTLP,
	    "file: otlp_http exporter, endpoint from ${VAR}, gzip, timeout");
	tr_free(url);
	ok(rc == TRACING_OK && c->certificate != NULL &&
	    strcmp(c->certificate, "/etc/cotel/ca.pem") == 0 &&
	    c->client_key != NULL && c->client_cert != NULL &&
	    c->nheaders == 2 && strcmp(c->headers[1].name, "api-key") == 0 &&
	    strcmp(c->headers[1].value, "s3 cret,=%") == 0 &&
	    strcmp(c->headers[0].name, "x-team") == 0,
	    "file: tls files and headers (a null value left out)");
	ok(rc == TRACING_OK && c->limits.attr_count == 32 &&
	    c->limits.event_count == 16 && c->limits.link_count == 8 &&
	    c->limits.event_attr_count == 4 && c->limits.link_attr_count == 2,
	    "file: span limits");
	ok(rc == TRACING_OK && c->sampler != NULL && strcmp(
	    tracing_sampler_description(c->sampler),
	    "ParentBased{root=TraceIdRatioBased{0.25}}") == 0 &&
	    c->sampler->rpns != NULL && strcmp(c->sampler->rpns->desc,
	    "AlwaysOnSampler") == 0,
	    "file: sampler parent_based with trace_id_ratio_based and "
	    "always_on delegates");
	ok(rc == TRACING_OK && c->propagators == (TRACING_PROPAGATE_TRACECONTEXT
	    | TRACING_PROPAGATE_B3 | TRACING_PROPAGATE_JAEGER) &&
	    c->nprop == 3 && c->prop_order[1] == 2,
	    "file: propagator composite and composite_list, in order");
	ok(rc == TRACING_OK && c->resource != NULL &&
	    rattr_is(c, "service.name", "orders-from-file", 0) &&
	    rattr_is(c, "service.version", "0.0.0", 0) &&
	    rattr_is(c, "shard", NULL, 7) &&
	    tracing_resource_get(c->resource, "canary", &a) == TRACING_OK &&
	    a.type == TRACING_ATTR_BOOL && a.v.b == 1 &&
	    tracing_resource_get(c->resource, "weight", &a) == TRACING_OK &&
	    a.type == TRACING_ATTR_DOUBLE && a.v.d == 0.5 &&
	    strcmp(tracing_resource_schema_url(c->resource),
	    TRACING_SEMCONV_SCHEMA_URL) == 0 && c->resource_env != NULL,
	    "file: resource attributes of each type, schema_url, "
	    "attributes_list");
	tracing_config_free(c);
}

static void
test_others(void)
{
	struct tracing_config	*c;
	struct tracing_attr	 a;
	char			 err[256], *url;
	int			 rc;

	c = load("grpc-simple.yaml", &rc, err, sizeof(err));
	url = NULL;
	tr_config_otlp_url(c, &url);
	ok(rc == TRACING_OK && c->simple_processor && c->protocol ==
	    PROTO_GRPC && c->insecure && url != NULL &&
	    strcmp(url, "http://collector:4317") == 0 && c->propagators == 0 &&
	    strcmp(tracing_sampler_description(c->sampler),
	    "AlwaysOffSampler") == 0,
	    "file: simple processor, otlp_grpc, insecure, always_off; no "
	    "propagator section: none");
	tr_free(url);
	tracing_config_free(c);
	log_reset();
	c = load("console.yaml", &rc, err, sizeof(err));
	ok(rc == TRACING_OK && c->exporter_kind == EXPORTER_CONSOLE &&
	    c->simple_processor && log_count("only the first") == 1 &&
	    tracing_resource_get(c->resource, "price", &a) == TRACING_OK &&
	    strcmp(a.v.s, "$5") == 0 && c->propagators ==
	    (TRACING_PROPAGATE_TRACECONTEXT | TRACING_PROPAGATE_BAGGAGE),
	    "file: console exporter, $$ escape, the first processor of two");
	tracing_config_free(c);
	c = load("no-tracer-provider.yaml", &rc, err, sizeof(err));
	ok(rc == TRACING_OK && c->disabled,
	    "file: no tracer_provider: a no-op provider (disabled)");
	tracing_config_free(c);
	c = load("missing.yaml", &rc, err, sizeof(err));
	ok(rc == TRACING_ERR_INVALID && strstr(err, "missing.yaml: No such "
	    "file") != NULL, "file: a missing file is an error that says so");
	tracing_config_free(c);
}

static void
test_subst(void)
{
	char	*v;
	int	 good;

	setenv("COTEL_A", "x", 1);
	unsetenv("COTEL_UNSET");
	good = tr_config_subst("a${COTEL_A}b${env:COTEL_A}", &v) ==
	    TRACING_OK && strcmp(v, "axbx") == 0;
	tr_free(v);
	good = good && tr_config_subst("${COTEL_UNSET}|${COTEL_UNSET:-d e}|$$"
	    "{COTEL_A}|$x", &v) == TRACING_OK && strcmp(v,
	    "|d e|${COTEL_A}|$x") == 0;
	tr_free(v);
	good = good && tr_config_subst("${1BAD}", &v) == TRACING_ERR_INVALID &&
	    tr_config_subst("${A-B}", &v) == TRACING_ERR_INVALID &&
	    tr_config_subst("${}", &v) == TRACING_ERR_INVALID;
	ok(good, "substitution: ${VAR}, ${env:VAR}, ${VAR:-default}, $$, "
	    "bad names refused");
}

/* Every bad-*.yaml: refused, with the text of its "# error: " line. */
static void
test_bad(void)
{
	struct tracing_config	*c;
	struct dirent		*de;
	DIR			*d;
	FILE			*f;
	char			 line[256], want[256], err[512];
	int			 n, good, rc;

	if ((d = opendir(datadir)) == NULL) {
		ok(0, "bad files: %s", datadir);
		return;
	}
	n = 0;
	good = 1;
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "bad-", 4) != 0)
			continue;
		want[0] = '\0';
		if ((f = fopen(fixture(de->d_name), "r")) != NULL) {
			while (fgets(line, sizeof(line), f) != NULL)
				if (sscanf(line, "# error: %255[^\n]", want) == 1)
					break;
			fclose(f);
		}
		c = load(de->d_name, &rc, err, sizeof(err));
		tracing_config_free(c);
		n++;
		if (rc != TRACING_ERR_INVALID || want[0] == '\0' ||
		    strstr(err, want) == NULL) {
			fprintf(stderr, "# %s: got \"%s\", want \"%s\"\n",
			    de->d_name, err, want);
			good = 0;
		}
	}
	closedir(d);
	ok(good && n >= 8, "bad files: %d refused, each error with its line "
	    "and column", n);
}

static void
test_provider(void)
{
	struct tracing_provider	*p;
	struct tracing_attr	 a;
	char			 err[256];
	int			 rc;

	setenv("COTEL_TEST_COLLECTOR", "http://127.0.0.1:9", 1);
	setenv("OTEL_CONFIG_FILE", fixture("full.yaml"), 1);
	setenv("OTEL_SERVICE_NAME", "from-env", 1);
	setenv("OTEL_BSP_SCHEDULE_DELAY", "9999", 1);
	rc = tracing_provider_alloc(&p, NULL, err, sizeof(err));
	ok(rc == TRACING_OK && tracing_provider_enabled(p) &&
	    tracing_resource_get(tracing_provider_resource(p), "service.name",
	    &a) == TRACING_OK && strcmp(a.v.s, "orders-from-file") == 0 &&
	    p->cfg.bsp_delay_ms == 250 && strcmp(tracing_sampler_description(
	    p->sampler), "ParentBased{root=TraceIdRatioBased{0.25}}") == 0,
	    "OTEL_CONFIG_FILE: the provider is created from the file (the "
	    "environment not read)");
	tracing_provider_free(p);
	setenv("OTEL_CONFIG_FILE", fixture("bad-value.yaml"), 1);
	rc = tracing_provider_alloc(&p, NULL, err, sizeof(err));
	ok(rc == TRACING_ERR_INVALID && p == NULL &&
	    strstr(err, "bad-value.yaml:7:25: schedule_delay") != NULL,
	    "OTEL_CONFIG_FILE: a bad file fails the provider with its line "
	    "and column");
	unsetenv("OTEL_CONFIG_FILE");
	unsetenv("OTEL_SERVICE_NAME");
	unsetenv("OTEL_BSP_SCHEDULE_DELAY");
}

int
main(int argc, char *argv[])
{
	const char	*d;

	tap_start(argc, argv);
	tracing_set_log(log_capture, NULL);
	d = getenv("TRACING_TESTDATA");
	snprintf(datadir, sizeof(datadir), "%s/config", d != NULL ? d :
	    "tests/data");
	test_full();
	test_others();
	test_subst();
	test_bad();
	test_provider();
	tap_plan();
	return (tap_done());
}
