/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_tls.c: the OTLP exporter's TLS options against tests/fake_otlp.py
 * serving HTTPS on 127.0.0.1, with a CA, a server and a client
 * certificate made by openssl(1) in a temporary directory: export with
 * OTEL_EXPORTER_OTLP_CERTIFICATE works, without it fails; with mutual TLS
 * the client certificate and key (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE,
 * _CLIENT_KEY) are presented, and without them the export fails; the
 * _TRACES_ forms win in the environment; OTEL_EXPORTER_OTLP_INSECURE
 * picks the scheme of an endpoint without one.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

#include "fake_otlp.h"

static char	dir[64];
static char	ca[128], srvcert[128], srvkey[128], clcert[128], clkey[128];

/* A CA, a server certificate for 127.0.0.1, a client one: EC P-256. */
static int
make_certs(void)
{
	char	cmd[2048];

	snprintf(dir, sizeof(dir), "/tmp/cotel-tls-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return (-1);
	snprintf(cmd, sizeof(cmd), "exec >/dev/null 2>&1; cd %s && "
	    "K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes' && "
	    "openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 "
	    "-subj /CN=cotel-test-ca && "
	    "openssl req $K -keyout server.key -out server.csr "
	    "-subj /CN=127.0.0.1 && "
	    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' >san.ext && "
	    "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out server.pem -days 2 -extfile san.ext && "
	    "openssl req $K -keyout client.key -out client.csr "
	    "-subj /CN=cotel-client && "
	    "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out client.pem -days 2", dir);
	if (system(cmd) != 0)
		return (-1);
	snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
	snprintf(srvcert, sizeof(srvcert), "%s/server.pem", dir);
	snprintf(srvkey, sizeof(srvkey), "%s/server.key", dir);
	snprintf(clcert, sizeof(clcert), "%s/client.pem", dir);
	snprintf(clkey, sizeof(clkey), "%s/client.key", dir);
	return (0);
}

static size_t
collect(char *p, size_t sz, size_t n, void *arg)
{
	struct tr_buf	*b = arg;

	tr_buf_append(b, p, sz * n);
	return (sz * n);
}

/* The peer's request log (over TLS, with the client certificate). */
static void
peer_log(struct tr_buf *out)
{
	CURL	*c;
	char	 url[128];

	snprintf(url, sizeof(url), "%s/__log", base);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_SSLCERT, clcert);
	curl_easy_setopt(c, CURLOPT_SSLKEY, clkey);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
}

/*
 * One span exported through the simple processor with the settings kv
 * (name, value, ..., NULL), and from the environment if env: the stats.
 */
static void
export_one(const char *const *kv, int env, struct tracing_stats *st)
{
	struct tracing_config	*c;
	struct tracing_provider	*p;
	struct tracing_span	*s;
	size_t			 i;

	tracing_config_alloc(&c);
	if (env)
		tracing_config_load_env(c);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", base);
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_TIMEOUT", "1500");
	for (i = 0; kv != NULL && kv[i] != NULL; i += 2)
		if (tracing_config_set(c, kv[i], kv[i + 1]) != TRACING_OK)
			fprintf(stderr, "# %s refused\n", kv[i]);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	s = tracing_span_start(tracing_provider_tracer(p, "tls", NULL), "s",
	    TRACING_SPAN_CLIENT, NULL, 0);
	tracing_span_end(s, 0);
	tracing_provider_stats(p, st);
	tracing_provider_free(p);
}

static void
test_server_tls(void)
{
	const char *const	 with_ca[] = {
		"OTEL_EXPORTER_OTLP_CERTIFICATE", ca, NULL
	};
	const char *const	 srv[] = { "--tls", srvcert, srvkey, NULL };
	struct tracing_stats	 st;
	struct tr_buf		 log;

	if (server_start_args(srv) != 0) {
		ok(0, "fake OTLP peer with TLS started");
		return;
	}
	export_one(with_ca, 0, &st);
	tr_buf_init(&log, 0);
	peer_log(&log);
	ok(st.spans_exported == 1 && strstr(tr_buf_cstr(&log),
	    " /v1/traces application/x-protobuf") != NULL,
	    "TLS: export over https with OTEL_EXPORTER_OTLP_CERTIFICATE (the "
	    "test CA) succeeds");
	tr_buf_cleanup(&log);
	log_reset();
	export_one(NULL, 0, &st);
	ok(st.spans_exported == 0 && st.export_failures == 1 &&
	    log_count("failed") >= 1,
	    "TLS: without the CA the collector's certificate is refused, the "
	    "export fails");
	setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent/ca.pem", 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", ca, 1);
	export_one(NULL, 1, &st);
	ok(st.spans_exported == 1,
	    "TLS: OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE wins over the generic "
	    "one in the environment");
	unsetenv("OTEL_EXPORTER_OTLP_CERTIFICATE");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE");
	server_stop();
}

static void
test_mutual_tls(void)
{
	const char *const	 srv[] = {
		"--tls", srvcert, srvkey, "--client-ca", ca, NULL
	};
	const char *const	 with_client[] = {
		"OTEL_EXPORTER_OTLP_CERTIFICATE", ca,
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", clcert,
		"OTEL_EXPORTER_OTLP_CLIENT_KEY", clkey, NULL
	};
	const char *const	 no_client[] = {
		"OTEL_EXPORTER_OTLP_CERTIFICATE", ca, NULL
	};
	struct tracing_stats	 st;
	struct tr_buf		 log;

	if (server_start_args(srv) != 0) {
		ok(0, "fake OTLP peer with mutual TLS started");
		return;
	}
	export_one(with_client, 0, &st);
	tr_buf_init(&log, 0);
	peer_log(&log);
	ok(st.spans_exported == 1 &&
	    strstr(tr_buf_cstr(&log), " cotel-client\n") != NULL,
	    "mutual TLS: the client certificate and key are presented and "
	    "accepted (CN cotel-client)");
	tr_buf_cleanup(&log);
	export_one(no_client, 0, &st);
	ok(st.spans_exported == 0 && st.export_failures == 1,
	    "mutual TLS: without a client certificate the export fails");
	setenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", ca, 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", clcert, 1);
	setenv("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", clkey, 1);
	export_one(NULL, 1, &st);
	ok(st.spans_exported == 1,
	    "mutual TLS: the _TRACES_ forms of CERTIFICATE, CLIENT_CERTIFICATE "
	    "and CLIENT_KEY from the environment");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE");
	unsetenv("OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY");
	server_stop();
}

static void
test_insecure(void)
{
	struct tracing_config	*c;
	char			*u1, *u2;

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317");
	tr_config_otlp_url(c, &u1);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_INSECURE", "true");
	tr_config_otlp_url(c, &u2);
	ok(u1 != NULL && u2 != NULL &&
	    strcmp(u1, "https://collector:4317") == 0 &&
	    strcmp(u2, "http://collector:4317") == 0,
	    "OTEL_EXPORTER_OTLP_INSECURE: an endpoint without a scheme is "
	    "https://, or http:// when insecure");
	tr_free(u1);
	tr_free(u2);
	ok(tracing_config_set(c, "OTEL_EXPORTER_OTLP_INSECURE", "maybe") ==
	    TRACING_ERR_INVALID && tracing_config_set(c,
	    "OTEL_EXPORTER_OTLP_TRACES_INSECURE", "false") == TRACING_OK &&
	    tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x") ==
	    TRACING_ERR_INVALID && tracing_config_set(c,
	    "OTEL_EXPORTER_OTLP_CLIENT_KEY", "") == TRACING_OK,
	    "TLS settings: a bad boolean and a foreign scheme refused");
	tracing_config_free(c);
}

int
main(int argc, char *argv[])
{
	char	cmd[128];

	tap_start(argc, argv);
	tracing_set_log(log_capture, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	test_insecure();
	if (system("command -v openssl >/dev/null 2>&1") != 0 ||
	    make_certs() != 0) {
		printf("ok %d - TLS tests # SKIP openssl missing or failed\n",
		    ++tap_n);
	} else {
		test_server_tls();
		test_mutual_tls();
	}
	if (dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", dir);
	}
	curl_global_cleanup();
	tap_plan();
	return (tap_done());
}
