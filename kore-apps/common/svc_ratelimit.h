/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_ratelimit.h: a public door's rate limit per client address
 * (ratelimit.c): a token bucket per address, a JSON 429 beyond it.
 *
 * Layer 3, the door's checks (see docs/development.md, "The layers of
 * kore-apps/common"): calls layers 2 (reply.c) and 1 (env.c, util.c).
 */

#ifndef SVC_RATELIMIT_H
#define SVC_RATELIMIT_H

struct http_request;
struct svc_request;

/* The service's set-up: the variable that holds "RATE" or "RATE/BURST". */
void	svc_ratelimit(const char *);
/* The front door's (dispatch.c): 1, or 0 after answering 429. */
int	svc_ratelimit_check(struct http_request *, const struct svc_request *);

#endif
