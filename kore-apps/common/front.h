/* SPDX-License-Identifier: Apache-2.0 */
/*
 * front.h: what the front door's files share, private to kore-apps/common:
 * hooks.c (every Kore hook, svc_init), dispatch.c (routing and each
 * request's life), request.c (its state, headers and body), reply.c (JSON
 * answers), faults.c (the fault knobs at run time; fault.c parses them),
 * accesslog.c (one JSON line per request), probe.c (the admin door and
 * the public /ready), util.c (clocks, randomness).
 * The services use svc.h only.
 */

#ifndef FRONT_H
#define FRONT_H

#include "svc.h"

/* dispatch.c */
void	dispatch_init(const struct svc_route *, size_t);

/* request.c: frees what svc_header_join copied for the request. */
void	request_joined_free(struct svc_request *);

/* faults.c */
void	faults_init(void);
void	fault_decide(struct http_request *, struct svc_request *);
void	fault_wake(void *, u_int64_t);
void	fault_lose_answer(struct http_request *);

/* probe.c: the admin door and the public /ready. */
void	svc_probe_map(void);
int	svc_admin_door(struct http_request *);
int	svc_probe_route(const struct svc_route *);
int	svc_probe_public(struct http_request *, struct svc_request *);
void	svc_probe_answer(struct http_request *, int);

/* accesslog.c */
void	accesslog_init(void);
void	accesslog_write(struct http_request *, struct svc_request *, int);

/* trace.c, sandbox.c: what the hooks run. */
void	svc_trace_shutdown(void);
void	svc_sandbox_install(void);

#endif
