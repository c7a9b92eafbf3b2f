/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_retry.c: the OTLP retry policy (retryable statuses and gRPC codes,
 * backoff schedule, Retry-After, RetryInfo) and the HTTP exporter against
 * tests/fake_otlp.py on 127.0.0.1: 503 + Retry-After then 200, 400 never
 * retried, 429 with backoff, partial success, no time left, gzip, headers,
 * failover to further endpoints, and the request size cap.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <curl/curl.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <string.h>

#include "tap.h"
#include "logcap.h"
#include "tracing.h"
#include "tracing_private.h"

#include "fake_otlp.h"

static size_t
collect(char *p, size_t sz, size_t n, void *arg)
{
	struct tr_buf	*b = arg;

	tr_buf_append(b, p, sz * n);
	return (sz * n);
}

static int
control(const char *path, const char *body, struct tr_buf *out)
{
	CURL	*c;
	char	 url[128];
	int	 rc;

	snprintf(url, sizeof(url), "%s%s", base, path);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return (rc == CURLE_OK ? 0 : -1);
}

struct result {
	struct tracing_stats	st;
	struct tr_buf		log;
	int			requests;
	double			gap;	/* seconds between first two */
	double			elapsed;
};

static double
now_s(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
scenario(const char *script, const char *kv[][2], struct result *r)
{
	struct tracing_config	*c;
	struct tracing_provider	*p;
	struct tracing_span	*s;
	struct tr_buf		 dummy;
	double			 t0, a, b;
	const char		*line;
	int			 i;

	memset(r, 0, sizeof(*r));
	tr_buf_init(&r->log, 0);
	tr_buf_init(&dummy, 0);
	control("/__script", script, &dummy);
	tr_buf_cleanup(&dummy);
	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", base);
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	for (i = 0; kv != NULL && kv[i][0] != NULL; i++)
		tracing_config_set(c, kv[i][0], kv[i][1]);
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	s = tracing_span_start(tracing_provider_tracer(p, "t", NULL), "s", 1,
	    NULL, 0);
	tracing_span_set_str(s, "k", "some value that compresses well well");
	t0 = now_s();
	tracing_span_end(s, 0);
	r->elapsed = now_s() - t0;
	tracing_provider_stats(p, &r->st);
	tracing_provider_free(p);
	control("/__log", NULL, &r->log);
	line = tr_buf_cstr(&r->log);
	for (i = 0; (line = strchr(line, '\n')) != NULL; line++)
		i++;
	r->requests = i;
	if (i >= 2 && sscanf(tr_buf_cstr(&r->log), "%lf", &a) == 1 &&
	    sscanf(strchr(tr_buf_cstr(&r->log), '\n') + 1, "%lf", &b) == 1)
		r->gap = b - a;
}

static void
test_policy(void)
{
	const long	retry[] = { 429, 502, 503, 504 };
	const long	noretry[] = { 400, 401, 403, 404, 405, 413, 500, 501 };
	uint64_t	ms, lo, hi, v;
	size_t		i;
	unsigned int	a;
	int		good;

	good = 1;
	for (i = 0; i < 4; i++)
		good = good && tr_http_retryable(retry[i]);
	for (i = 0; i < 8; i++)
		good = good && !tr_http_retryable(noretry[i]);
	ok(good, "HTTP: only 429, 502, 503 and 504 are retryable");
	good = tr_grpc_retryable(GRPC_CANCELLED, 0) &&
	    tr_grpc_retryable(GRPC_DEADLINE_EXCEEDED, 0) &&
	    tr_grpc_retryable(GRPC_ABORTED, 0) &&
	    tr_grpc_retryable(GRPC_OUT_OF_RANGE, 0) &&
	    tr_grpc_retryable(GRPC_UNAVAILABLE, 0) &&
	    tr_grpc_retryable(GRPC_DATA_LOSS, 0) &&
	    !tr_grpc_retryable(GRPC_RESOURCE_EXHAUSTED, 0) &&
	    tr_grpc_retryable(GRPC_RESOURCE_EXHAUSTED, 1) &&
	    !tr_grpc_retryable(GRPC_UNKNOWN, 0) &&
	    !tr_grpc_retryable(GRPC_INVALID_ARGUMENT, 0) &&
	    !tr_grpc_retryable(GRPC_INTERNAL, 0) &&
	    !tr_grpc_retryable(GRPC_UNAUTHENTICATED, 0) &&
	    !tr_grpc_retryable(7, 0) && !tr_grpc_retryable(GRPC_UNIMPLEMENTED,
	    0);
	ok(good, "gRPC: the six retryable codes, RESOURCE_EXHAUSTED only "
	    "with RetryInfo");
	ok(tr_grpc_from_http(503) == GRPC_UNAVAILABLE &&
	    tr_grpc_from_http(400) == GRPC_INTERNAL &&
	    tr_grpc_from_http(404) == GRPC_UNIMPLEMENTED,
	    "gRPC: HTTP status mapping");
	good = 1;
	for (a = 0; a < 8; a++) {
		hi = a >= 1 ? 2000 : 1000;
		lo = hi / 2;
		hi = hi + hi / 2;
		for (i = 0; i < 1000; i++) {
			v = tr_backoff_ms(a, tr_rand64());
			good = good && v >= lo && v < hi;
		}
	}
	ok(good && tr_backoff_ms(0, 0) == 500 && tr_backoff_ms(1, 0) ==
	    1000 && tr_backoff_ms(10, 0) == 1000 && tr_backoff_ms(40, 0) ==
	    1000,
	    "backoff: 1 s doubling to 2 s, jitter in [d/2, 3d/2)");
	ok(tr_retry_after_parse("5", 0, &ms) == TRACING_OK && ms == 5000 &&
	    tr_retry_after_parse(" 0 ", 0, &ms) == TRACING_OK && ms == 0,
	    "Retry-After: delta-seconds");
	ok(tr_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", 784111767,
	    &ms) == TRACING_OK && ms == 10000 &&
	    tr_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", 784111787,
	    &ms) == TRACING_OK && ms == 0,
	    "Retry-After: IMF-fixdate, in the future and in the past");
	ok(tr_retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", 784111767,
	    &ms) == TRACING_OK && ms == 10000 &&
	    tr_retry_after_parse("Sun Nov  6 08:49:37 1994", 784111767,
	    &ms) == TRACING_OK && ms == 10000,
	    "Retry-After: RFC 850 and asctime dates");
	ok(tr_retry_after_parse("soon", 0, &ms) == TRACING_ERR_INVALID &&
	    tr_retry_after_parse("5s", 0, &ms) == TRACING_ERR_INVALID &&
	    tr_retry_after_parse("", 0, &ms) == TRACING_ERR_INVALID &&
	    tr_retry_after_parse("99999999999999999999", 0, &ms) ==
	    TRACING_OK && ms == 3600000, "Retry-After: garbage refused, "
	    "huge values capped at an hour");
	{
		const char	*ri = "CAgSCXNsb3cgZG93bho2Cih0eXBlLmdvb2dsZWFw"
				    "aXMuY29tL2dvb2dsZS5ycGMuUmV0cnlJbmZvEgoKC"
				    "AgCEIDKte4B";
		const char	*di = "CAgaLAoodHlwZS5nb29nbGVhcGlzLmNvbS9nb29"
				    "nbGUucnBjLkRlYnVnSW5mbxIA";

		ok(tr_grpc_status_details_retry(ri, strlen(ri), &ms) ==
		    TRACING_OK && ms == 2500 && tr_grpc_status_details_retry(
		    di, strlen(di), &ms) == TRACING_ERR_INVALID &&
		    tr_grpc_status_details_retry("!!", 2, &ms) ==
		    TRACING_ERR_INVALID, "grpc-status-details-bin: RetryInfo "
		    "2.5 s found, other details ignored");
	}
}

/* A loopback URL where nothing listens (a port just bound and closed). */
static void
closed_url(char *buf, size_t len)
{
	struct sockaddr_in	sin;
	socklen_t		slen = sizeof(sin);
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) != 0)
		exit(1);
	close(fd);
	snprintf(buf, len, "http://127.0.0.1:%d", ntohs(sin.sin_port));
}

/*
 * TRACING_OTLP_FAILOVER_ENDPOINTS: a refused main endpoint fails over to
 * the next at once (no backoff) and stays there; a retryable status does
 * too; when every endpoint fails, the export timeout still bounds it.
 */
static void
test_failover(void)
{
	const char	*kv[4][2];
	char		 dead[64], dead2[64];
	struct result	 r;

	closed_url(dead, sizeof(dead));
	closed_url(dead2, sizeof(dead2));
	kv[0][0] = "OTEL_EXPORTER_OTLP_ENDPOINT";
	kv[0][1] = dead;
	kv[1][0] = "TRACING_OTLP_FAILOVER_ENDPOINTS";
	kv[1][1] = base;
	kv[2][0] = kv[2][1] = NULL;
	log_reset();
	scenario("200\n", kv, &r);
	ok(r.requests == 1 && r.st.spans_exported == 1 &&
	    r.st.export_failures == 0 && r.st.export_retries == 1 &&
	    r.elapsed < 0.4 && log_count("failing over") == 1,
	    "failover: the main endpoint refused, the next one takes the "
	    "batch at once (%.2f s)", r.elapsed);
	tr_buf_cleanup(&r.log);

	/* The main endpoint answers 503 once: over to a dead one and back. */
	kv[0][1] = base;
	kv[1][1] = dead;
	log_reset();
	scenario("503\n200\n", kv, &r);
	ok(r.requests == 2 && r.st.spans_exported == 1 &&
	    r.st.export_failures == 0 && log_count("failing over") == 2,
	    "failover: 503, the failover refused, back to the main one after "
	    "the backoff: exported");
	tr_buf_cleanup(&r.log);

	kv[0][1] = dead;
	kv[1][1] = dead2;
	kv[2][0] = "OTEL_EXPORTER_OTLP_TIMEOUT";
	kv[2][1] = "1500";
	kv[3][0] = kv[3][1] = NULL;
	scenario("200\n", kv, &r);
	ok(r.requests == 0 && r.st.spans_dropped == 1 &&
	    r.st.export_failures == 1 && r.elapsed < 2.5,
	    "failover: every endpoint refused: dropped and counted within the "
	    "export timeout (%.2f s)", r.elapsed);
	tr_buf_cleanup(&r.log);
}

/*
 * TRACING_OTLP_FAILBACK_S: after a failover, an export that comes
 * failback_s later tries the main endpoint again. The main endpoint and its
 * failover are the same peer under two names (localhost, 127.0.0.1); the
 * peer's log tells them apart by Host.
 */
static void
test_failback(void)
{
	struct tracing_config	*c;
	struct tracing_provider	*p;
	struct tracing_span	*s;
	struct tr_buf		 log, dummy;
	char			 main_url[64], hosts[256];
	const char		*line, *h;
	int			 i, port;

	if (sscanf(base, "http://127.0.0.1:%d", &port) != 1)
		return;
	(void)snprintf(main_url, sizeof(main_url), "http://localhost:%d", port);
	tr_buf_init(&dummy, 0);
	tr_buf_init(&log, 0);
	control("/__script", "503\n200\n200\n200\n", &dummy);
	tr_buf_cleanup(&dummy);
	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", main_url);
	tracing_config_set(c, "TRACING_OTLP_FAILOVER_ENDPOINTS", base);
	tracing_config_set(c, "TRACING_OTLP_FAILBACK_S", "1");
	tracing_config_set(c, "TRACING_PROCESSOR", "simple");
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	for (i = 0; i < 3; i++) {
		if (i == 2)
			usleep(1200000);
		s = tracing_span_start(tracing_provider_tracer(p, "t", NULL),
		    "s", 1, NULL, 0);
		tracing_span_end(s, 0);
	}
	tracing_provider_free(p);
	control("/__log", NULL, &log);
	/* The last word of each line: the Host the export was sent to. */
	hosts[0] = '\0';
	for (line = tr_buf_cstr(&log); *line != '\0'; line = strchr(line,
	    '\n') + 1) {
		for (h = strchr(line, '\n'); h > line && h[-1] != ' '; h--)
			;
		if (strncmp(h, "localhost", 9) == 0)
			strncat(hosts, "main ", sizeof(hosts) - strlen(hosts) - 1);
		else
			strncat(hosts, "failover ", sizeof(hosts) -
			    strlen(hosts) - 1);
	}
	ok(strcmp(hosts, "main failover failover main ") == 0,
	    "failback: 503 on the main endpoint, the failover takes it and "
	    "the next export; 1 s later the main one again (%s)", hosts);
	tr_buf_cleanup(&log);
}

/*
 * n spans of about 1 KB each (span big: bigger), ended and exported as one
 * batch under a request cap; r as scenario() fills it, *maxplen the
 * largest request body the peer saw.
 */
static void
batch_scenario(const char *script, const char *cap, int n, int big,
    size_t biglen, struct result *r, int *maxplen)
{
	struct tracing_config	*c;
	struct tracing_provider	*p;
	struct tracing_span	*s;
	struct tr_buf		 dummy;
	char			*v;
	const char		*line;
	int			 i, plen;

	memset(r, 0, sizeof(*r));
	tr_buf_init(&r->log, 0);
	tr_buf_init(&dummy, 0);
	control("/__script", script, &dummy);
	tr_buf_cleanup(&dummy);
	if ((v = malloc((biglen > 1000 ? biglen : 1000) + 1)) == NULL)
		exit(1);
	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", base);
	tracing_config_set(c, "TRACING_OTLP_MAX_REQUEST_BYTES", cap);
	tracing_config_set(c, "OTEL_BSP_SCHEDULE_DELAY", "60000");
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK ||
	    tracing_provider_start(p) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	for (i = 0; i < n; i++) {
		memset(v, 'a' + i % 26, i == big ? biglen : 1000);
		v[i == big ? biglen : 1000] = '\0';
		s = tracing_span_start(tracing_provider_tracer(p, "t", NULL),
		    "s", 1, NULL, 0);
		tracing_span_set_str(s, "k", v);
		tracing_span_end(s, 0);
	}
	free(v);
	(void)tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &r->st);
	tracing_provider_free(p);
	control("/__log", NULL, &r->log);
	*maxplen = 0;
	for (line = tr_buf_cstr(&r->log); line != NULL && *line != '\0';
	    line = strchr(line, '\n') + 1) {
		r->requests++;
		if (sscanf(line, "%*f %*s %*s %*s %*d %d", &plen) == 1 &&
		    plen > *maxplen)
			*maxplen = plen;
		if (strchr(line, '\n') == NULL)
			break;
	}
}

/*
 * TRACING_OTLP_MAX_REQUEST_BYTES: a batch whose request would be over it
 * goes in parts, each under it; a span over it alone is dropped and
 * counted; a part refused loses its spans only.
 */
static void
test_request_cap(void)
{
	struct result	r;
	int		maxplen;

	batch_scenario("", "8192", 40, -1, 0, &r, &maxplen);
	ok(r.st.spans_exported == 40 && r.st.spans_dropped == 0 &&
	    r.requests > 1 && maxplen <= 8192 && maxplen > 4096,
	    "request cap: 40 spans of 1 KB under an 8 KiB cap go in %d "
	    "requests, the largest %d bytes, none dropped", r.requests,
	    maxplen);
	tr_buf_cleanup(&r.log);

	batch_scenario("", "4194304", 40, -1, 0, &r, &maxplen);
	ok(r.st.spans_exported == 40 && r.requests == 1,
	    "request cap: the same 40 under the default 4 MiB: one request "
	    "(%d bytes)", maxplen);
	tr_buf_cleanup(&r.log);

	log_reset();
	batch_scenario("", "8192", 10, 3, 20000, &r, &maxplen);
	ok(r.st.spans_exported == 9 && r.st.spans_dropped == 1 &&
	    maxplen <= 8192 && log_count("over TRACING_OTLP_MAX_REQUEST_BYTES")
	    == 1, "request cap: a span of 20 KB over an 8 KiB cap is dropped "
	    "and counted, logged; the other 9 go");
	tr_buf_cleanup(&r.log);

	batch_scenario("200\n400\n", "8192", 40, -1, 0, &r, &maxplen);
	ok(r.st.spans_dropped > 0 && r.st.spans_dropped < 40 &&
	    r.st.spans_exported == 40 - r.st.spans_dropped &&
	    r.st.export_retries == 0, "request cap: a part refused (400) "
	    "loses its %llu spans only, the other parts go",
	    (unsigned long long)r.st.spans_dropped);
	tr_buf_cleanup(&r.log);
}

int
main(void)
{
	const char	*kv_short[][2] = {
		{ "OTEL_EXPORTER_OTLP_TIMEOUT", "1500" }, { NULL, NULL }
	};
	const char	*kv_gzip[][2] = {
		{ "OTEL_EXPORTER_OTLP_COMPRESSION", "gzip" },
		{ "OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=s%20ecret,x-b=2" },
		{ NULL, NULL }
	};
	struct result	r;

	tracing_set_log(log_capture, NULL);
	tracing_set_log_level(TRACING_LOG_DEBUG);
	test_policy();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (server_start() != 0) {
		printf("ok 1 - exporter against a fake server # SKIP python3 "
		    "server did not start\n");
		server_stop();
		curl_global_cleanup();
		return (tap_done());
	}

	scenario("503|Retry-After: 1\n200\n", NULL, &r);
	ok(r.requests == 2 && r.st.spans_exported == 1 &&
	    r.st.export_retries == 1 && r.gap >= 0.95 && r.gap < 2.0,
	    "503 + Retry-After: 1, then 200: retried once after %.2f s",
	    r.gap);
	ok(strstr(tr_buf_cstr(&r.log), " /v1/traces application/x-protobuf "
	    "- ") != NULL, "POST /v1/traces, Content-Type "
	    "application/x-protobuf");
	tr_buf_cleanup(&r.log);

	scenario("400\n200\n", NULL, &r);
	ok(r.requests == 1 && r.st.spans_exported == 0 &&
	    r.st.export_failures == 1 && r.st.spans_dropped == 1 &&
	    r.st.export_retries == 0, "400: never retried, counted as failed");
	tr_buf_cleanup(&r.log);

	scenario("500\n", NULL, &r);
	ok(r.requests == 1 && r.st.export_failures == 1,
	    "500: not retryable over HTTP");
	tr_buf_cleanup(&r.log);

	scenario("429\n200\n", NULL, &r);
	ok(r.requests == 2 && r.st.spans_exported == 1 && r.gap >= 0.45 &&
	    r.gap < 1.6, "429 without Retry-After: backoff with jitter "
	    "(%.2f s)", r.gap);
	tr_buf_cleanup(&r.log);

	scenario("502|Retry-After: 5\n200\n", kv_short, &r);
	ok(r.requests == 1 && r.st.export_failures == 1 && r.elapsed < 1.0,
	    "Retry-After beyond the export timeout: gives up at once");
	tr_buf_cleanup(&r.log);

	scenario("504\n504\n504\n504\n504\n", kv_short, &r);
	ok(r.requests >= 1 && r.requests <= 2 && r.st.export_failures == 1 &&
	    r.elapsed < 2.0,
	    "repeated 504: retries bounded by the timeout (%d requests, "
	    "%.2f s)", r.requests, r.elapsed);
	tr_buf_cleanup(&r.log);

	log_reset();
	scenario("200|body=0a0d08031209626164207370616e73\n200\n", NULL, &r);
	if (log_count("partial success") != 1)
		fprintf(stderr, "# log: %s\n", logbuf);
	ok(r.requests == 1 && r.st.spans_rejected == 1 &&
	    r.st.spans_exported == 0 && r.st.export_failures == 0 &&
	    log_count("partial success: 3 spans rejected: bad spans") == 1 &&
	    r.requests > 0,
	    "partial success: logged, rejected counted, not retried");
	tr_buf_cleanup(&r.log);

	scenario("200\n", kv_gzip, &r);
	{
		int	clen = 0, plen = 0;
		char	*p = strstr(tr_buf_cstr(&r.log), "gzip ");

		if (p != NULL)
			sscanf(p + 5, "%d %d", &clen, &plen);
		ok(r.st.spans_exported == 1 && p != NULL && plen > 0 &&
		    clen > 0, "gzip: Content-Encoding gzip, the server "
		    "inflates %d bytes to %d", clen, plen);
	}
	ok(strstr(tr_buf_cstr(&r.log), "x-api-key=s ecret,x-b=2") != NULL,
	    "OTEL_EXPORTER_OTLP_HEADERS sent, percent-decoded");
	tr_buf_cleanup(&r.log);

	test_failover();
	test_request_cap();
	test_failback();
	server_stop();
	curl_global_cleanup();
	return (tap_done());
}
