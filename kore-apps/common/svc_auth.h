/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_auth.h: service-to-service authentication (auth.c): the calls a
 * service makes signed with HMAC-SHA256, the calls to its routes checked
 * (401 unless signed by an accepted caller, for this service, recently,
 * once).
 *
 * Layer 3, the door's checks (see docs/development.md, "The layers of
 * kore-apps/common"): calls replay.c, layers 2 (reply.c, request.c) and 1.
 */

#ifndef SVC_AUTH_H
#define SVC_AUTH_H

#include <stddef.h>

struct http_request;
struct kore_curl;
struct svc_request;

/* The service's set-up (kore_worker_configure). */
void	svc_auth_sign_calls(const char *);
void	svc_auth_target(const char *, const char *);
void	svc_auth_require(const char *);
int	svc_auth_requiring(void);

/* An outbound call's authorization header (call.c). */
void	svc_auth_sign(struct kore_curl *, int, const char *, const char *,
	    size_t);

/* The front door's (dispatch.c): 1, or 0 after answering 401 or 503. */
int	svc_auth_check(struct http_request *, const struct svc_request *);

#endif
