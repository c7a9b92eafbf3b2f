/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c: the libcurl layer of tracectl.  Owns curl's global state, the
 * easy handles of the synchronous clients, the write callback with its body
 * cap, and the wording of transport errors.
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* A kept-alive connection idle longer is not reused (seconds). */
#define HTTP_IDLE_REUSE_S	5L

static size_t	write_cb(char *, size_t, size_t, void *);

void
http_global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		errx(EX_INTERNAL, "curl_global_init failed");
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

void
http_client_init(struct http_client *c, long timeout_ms)
{
	if ((c->h = curl_easy_init()) == NULL)
		errx(EX_INTERNAL, "curl_easy_init failed");
	c->timeout_ms = timeout_ms;
	c->verbose = 0;
}

void
http_client_cleanup(struct http_client *c)
{
	if (c->h != NULL)
		curl_easy_cleanup(c->h);
	c->h = NULL;
}

void
http_response_init(struct http_response *r)
{
	r->status = 0;
	buf_init(&r->body, HTTP_BODY_MAX);
	r->cc = CURLE_OK;
	r->error[0] = '\0';
	r->elapsed_us = 0;
}

void
http_response_cleanup(struct http_response *r)
{
	buf_cleanup(&r->body);
}

static size_t
write_cb(char *ptr, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (buf_append(b, ptr, size * n) == -1)
		return (0);	/* over the cap: curl fails the transfer */
	return (size * n);
}

void
http_easy_setup(CURL *h, long timeout_ms, struct buf *body, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    timeout_ms < 5000 ? timeout_ms : 5000L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "tracectl/1.0");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	/*
	 * Kore closes a kept-alive connection idle for its
	 * http_header_timeout (10 s in our configurations) with a 408; a
	 * request sent on it just then reads that 408 (a load run at a low
	 * rate over many connections did). Never reuse one idle that long.
	 */
	curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, HTTP_IDLE_REUSE_S);
}

int
http_request(struct http_client *c, const char *method, const char *url,
    const char *body, size_t bodylen, const char **headers,
    struct http_response *r)
{
	struct curl_slist	*hl, *tmp;
	char			 cerr[CURL_ERROR_SIZE];
	int64_t			 t0;
	size_t			 i;

	buf_reset(&r->body);
	r->status = 0;
	r->error[0] = '\0';
	cerr[0] = '\0';
	curl_easy_reset(c->h);
	http_easy_setup(c->h, c->timeout_ms, &r->body, cerr);
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_VERBOSE, (long)c->verbose);
	hl = NULL;
	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		if ((tmp = curl_slist_append(hl, headers[i])) == NULL)
			errx(EX_INTERNAL, "curl_slist_append failed");
		hl = tmp;
	}
	if (body != NULL) {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)bodylen);
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
		curl_easy_setopt(c->h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, hl);
	t0 = mono_us();
	r->cc = curl_easy_perform(c->h);
	r->elapsed_us = mono_us() - t0;
	curl_slist_free_all(hl);
	if (r->cc != CURLE_OK) {
		if (r->cc == CURLE_WRITE_ERROR)
			snprintf(r->error, sizeof(r->error), "answer larger "
			    "than %lu MiB", HTTP_BODY_MAX / (1024 * 1024));
		else if (r->cc == CURLE_OPERATION_TIMEDOUT)
			snprintf(r->error, sizeof(r->error), "timed out "
			    "after %ld ms", c->timeout_ms);
		else
			snprintf(r->error, sizeof(r->error), "%s",
			    cerr[0] != '\0' ? cerr : curl_easy_strerror(r->cc));
		return (-1);
	}
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &r->status);
	return (0);
}

char *
http_escape(const char *s)
{
	char	*e, *r;

	if ((e = curl_easy_escape(NULL, s, 0)) == NULL)
		errx(EX_INTERNAL, "curl_easy_escape failed");
	r = xstrdup(e);
	curl_free(e);
	return (r);
}
