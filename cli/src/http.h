/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.h: tracectl's HTTP I/O over libcurl: one reusable handle per client
 * (keep-alive), capped response bodies, and transport errors turned into one
 * line of text.  Nothing here knows about Jaeger or orders.
 */
#ifndef TRACECTL_HTTP_H
#define TRACECTL_HTTP_H

#include <curl/curl.h>

#include "util.h"

/* Largest response body accepted (a search answer can be big). */
#define HTTP_BODY_MAX	(1024UL * 1024 * 1024)

struct http_client {
	CURL		*h;
	long		 timeout_ms;
	int		 verbose;
};

struct http_response {
	long		 status;	/* 0: no HTTP answer */
	struct buf	 body;
	CURLcode	 cc;
	char		 error[CURL_ERROR_SIZE + 64];
	int64_t		 elapsed_us;
};

void	http_global_init(void);
void	http_global_cleanup(void);
void	http_client_init(struct http_client *, long);
void	http_client_cleanup(struct http_client *);
void	http_response_init(struct http_response *);
void	http_response_cleanup(struct http_response *);

/*
 * A request; body may be NULL (GET).  headers: NULL-terminated "Name: value"
 * strings, or NULL.  Returns 0 when an HTTP answer came (any status), -1 on a
 * transport failure (resp->error says why).
 */
int	http_request(struct http_client *, const char *, const char *,
	    const char *, size_t, const char **, struct http_response *);
/* Options every easy handle of ours gets, for curl multi users too. */
void	http_easy_setup(CURL *, long, struct buf *, char *);
/* A percent-encoded copy of a URL component (new: free it). */
char	*http_escape(const char *);

#endif
