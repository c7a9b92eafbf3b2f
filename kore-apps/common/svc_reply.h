/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_reply.h: the services' answers (reply.c): JSON bodies, the one error
 * shape ({"error": {"code", "message", ...}}), and GET /health.
 *
 * Layer 2, answers and request state (see docs/development.md, "The
 * layers of kore-apps/common"): calls layer 1 (identity.c). The public
 * /ready's answer goes to the hook probe.c registers (svc_reply_on_probe),
 * not up to probe.c itself.
 */

#ifndef SVC_REPLY_H
#define SVC_REPLY_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "route.h"

void	svc_reply_json(struct http_request *, int, json_t *);
void	svc_reply_error(struct http_request *, int, const char *,
	    const char *, ...)
	    __attribute__((format(printf, 4, 5)));
void	svc_reply_error_obj(struct http_request *, int, const char *,
	    const char *, json_t *);
int	svc_health(struct http_request *, struct svc_match *);

/*
 * Where the answer of a request running the public /ready's real check
 * (svc_request's probe) goes instead of the client: fn(req, status) keeps
 * the status and answers minimal (probe.c's svc_probe_answer, set by
 * svc_init).
 */
void	svc_reply_on_probe(void (*)(struct http_request *, int));

#endif
