/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_probe.h: the two doors of a service and the public readiness probe
 * (probe.c): which door a request came through, and the public /ready
 * answered from a check run at most once a second for the whole service.
 * The front door's alone (hooks.c, dispatch.c).
 *
 * Layer 3, the door's checks (see docs/development.md, "The layers of
 * kore-apps/common"): calls layers 2 (reply.c) and 1 (util.c).
 */

#ifndef SVC_PROBE_H
#define SVC_PROBE_H

struct http_request;
struct svc_request;

/* In the parent, before it forks the workers (kore_parent_configure). */
void	svc_probe_map(void);
int	svc_admin_door(struct http_request *);
int	svc_probe_public(struct http_request *, struct svc_request *);
/* The real check's answer (reply.c's hook, svc_reply_on_probe). */
void	svc_probe_answer(struct http_request *, int);

#endif
