/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_call.h: one outbound HTTP call with a JSON body (call.c), through
 * Kore's async curl client, on a request (it sleeps until the answer) or
 * detached with a callback; signed, traced with a CLIENT span.
 *
 * Layer 6, outbound I/O (see docs/development.md, "The layers of
 * kore-apps/common"): calls layers 4 (trace.c), 3 (auth.c), 2 (request.c)
 * and below.
 */

#ifndef SVC_CALL_H
#define SVC_CALL_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/curl.h>

#include <jansson.h>

struct tracing_context;
struct tracing_span;

struct svc_call {
	struct kore_curl	curl;
	int			active;
	long			status;		/* 0: transport failure */
	int			timed_out;
	char			error[128];
	json_t			*body;		/* parsed JSON answer or NULL */
	struct tracing_span	*span;		/* CLIENT span */
	void			(*done)(struct svc_call *, void *);
	void			*done_arg;	/* detached calls */
};

int	svc_call_start(struct http_request *, struct svc_call *, int,
	    const char *, const char *, json_t *, long);
int	svc_call_detached(struct svc_call *, int, const char *, const char *,
	    json_t *, long, struct tracing_span *, struct tracing_context *,
	    void (*)(struct svc_call *, void *), void *);
int	svc_call_done(struct http_request *, struct svc_call *);
void	svc_curl_kick(void);
void	svc_call_finish(struct svc_call *);
void	svc_call_cleanup(struct svc_call *);

#endif
