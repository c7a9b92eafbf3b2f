/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_accesslog.h: one JSON line per request on stdout (accesslog.c),
 * joined to its trace by the trace and span ids. The front door's alone.
 *
 * Layer 3, the door's checks (see docs/development.md, "The layers of
 * kore-apps/common"): calls layer 1 (env.c, identity.c, util.c).
 */

#ifndef SVC_ACCESSLOG_H
#define SVC_ACCESSLOG_H

struct http_request;
struct svc_request;

extern int	svc_access_log;		/* ACCESS_LOG, 1 or 0 */

void	accesslog_init(void);
void	accesslog_write(struct http_request *, struct svc_request *, int);

#endif
