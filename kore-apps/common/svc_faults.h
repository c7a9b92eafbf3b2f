/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_faults.h: the fault knobs at run time (faults.c; fault.c parses
 * them): the configuration from the environment or a file, and each
 * request's plan. The front door's alone (hooks.c, dispatch.c).
 *
 * Layer 5, on a request's trace (see docs/development.md, "The layers of
 * kore-apps/common"): calls layers 4 (trace.c), 3 (auth.c), 2 (request.c),
 * 1 and 0 (fault.c).
 */

#ifndef SVC_FAULTS_H
#define SVC_FAULTS_H

#include <sys/types.h>

struct http_request;
struct svc_request;

void	faults_init(void);
void	fault_decide(struct http_request *, struct svc_request *);
/* The timer that ends an injected latency (Kore's timer callback). */
void	fault_wake(void *, u_int64_t);
void	fault_lose_answer(struct http_request *);

#endif
