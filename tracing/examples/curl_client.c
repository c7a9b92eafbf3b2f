/* SPDX-License-Identifier: Apache-2.0 */
/*
 * curl_client.c: an instrumented HTTP client. A CLIENT span covers one
 * libcurl GET; tracing_inject() writes its traceparent (and the baggage of
 * a context) through a setter that appends to the request's curl_slist,
 * so that the server's spans join this trace. The program uses libcurl
 * itself, so it initialises libcurl first and tells the library not to.
 * Prints the headers it sent; exits 0 if the request succeeded and the
 * span was exported.
 *
 * usage: curl_client url
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include <cotel/tracing.h>

/* A tracing_setter_fn: the carrier is the request's header list. */
static void
set_header(void *carrier, const char *name, const char *value)
{
	struct curl_slist	**headers = carrier, *l;
	char			*line;
	size_t			 len;

	len = strlen(name) + strlen(value) + 3;
	if ((line = malloc(len)) == NULL)
		return;
	(void)snprintf(line, len, "%s: %s", name, value);
	if ((l = curl_slist_append(*headers, line)) != NULL)
		*headers = l;
	free(line);
}

static size_t
discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return (size * n);
}

int
main(int argc, char *argv[])
{
	struct tracing_config	*cfg;
	struct tracing_provider	*prov;
	struct tracing_tracer	*tr;
	struct tracing_span	*span;
	struct tracing_context	*ctx;
	struct tracing_stats	 st;
	struct curl_slist	*headers, *h;
	CURL			*curl;
	CURLcode		 cc;
	long			 status;
	char			 errbuf[256];
	int			 rc;

	if (argc != 2)
		errx(2, "usage: curl_client url");

	/* Before any thread: libcurl's global init is not thread-safe. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		errx(1, "curl_global_init failed");
	if (tracing_config_alloc(&cfg) != TRACING_OK ||
	    tracing_config_load_env(cfg) != TRACING_OK ||
	    tracing_config_set(cfg, "TRACING_CURL_GLOBAL_INIT", "false") !=
	    TRACING_OK)
		errx(1, "tracing: cannot configure");
	if (tracing_provider_alloc(&prov, cfg, errbuf, sizeof(errbuf)) !=
	    TRACING_OK)
		errx(1, "tracing: %s", errbuf);
	tracing_config_free(cfg);
	if ((rc = tracing_provider_start(prov)) != TRACING_OK)
		errx(1, "tracing: %s", tracing_strerror(rc));
	tr = tracing_provider_tracer(prov, "curl_client", "1.0.0");

	/* Baggage travels with the request, next to traceparent. */
	if (tracing_context_alloc(&ctx) != TRACING_OK ||
	    tracing_context_baggage_set(ctx, "example.user", "alice",
	    NULL) != TRACING_OK)
		errx(1, "tracing: cannot make a context");

	span = tracing_span_start(tr, "GET", TRACING_SPAN_CLIENT, NULL, 0);
	tracing_span_set_str(span, "http.request.method", "GET");
	tracing_span_set_str(span, "url.full", argv[1]);

	headers = NULL;
	if ((rc = tracing_inject(prov, span, ctx, set_header, &headers)) !=
	    TRACING_OK)
		warnx("tracing: inject: %s", tracing_strerror(rc));
	for (h = headers; h != NULL; h = h->next)
		printf("%s\n", h->data);

	if ((curl = curl_easy_init()) == NULL)
		errx(1, "curl_easy_init failed");
	curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
	status = 0;
	if ((cc = curl_easy_perform(curl)) == CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		tracing_span_set_int(span, "http.response.status_code", status);
		if (status >= 400)
			tracing_span_set_status(span, TRACING_STATUS_ERROR,
			    NULL);
	} else {
		warnx("%s: %s", argv[1], curl_easy_strerror(cc));
		tracing_span_set_str(span, "error.type",
		    curl_easy_strerror(cc));
		tracing_span_set_status(span, TRACING_STATUS_ERROR,
		    curl_easy_strerror(cc));
	}
	tracing_span_end(span, 0);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	tracing_context_free(ctx);

	if ((rc = tracing_provider_shutdown(prov, 5000)) != TRACING_OK)
		warnx("tracing: shutdown: %s", tracing_strerror(rc));
	tracing_provider_stats(prov, &st);
	tracing_provider_free(prov);
	curl_global_cleanup();

	return (cc == CURLE_OK && status < 400 && rc == TRACING_OK &&
	    st.spans_exported == 1 ? 0 : 1);
}
