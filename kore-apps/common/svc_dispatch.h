/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_dispatch.h: the front door's routing and each request's life
 * (dispatch.c): the SERVER span and the access-log line, authentication,
 * the rate limit and the fault knobs, then the handler whose route
 * matches, or a JSON 404 or 405. The front door's alone (hooks.c).
 *
 * Layer 7, dispatch (see docs/development.md, "The layers of
 * kore-apps/common"): calls layers 5 (faults.c, metrics.c), 4, 3, 2, 1
 * and 0; never call.c or db.c.
 */

#ifndef SVC_DISPATCH_H
#define SVC_DISPATCH_H

#include <stddef.h>

struct http_request;
struct svc_route;

void	dispatch_init(const struct svc_route *, size_t);
int	svc_dispatch(struct http_request *);

#endif
