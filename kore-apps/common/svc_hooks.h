/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_hooks.h: the Kore side of a service (hooks.c): svc_init, which each
 * service's kore_worker_configure calls with its name and routes; the
 * catch-all route every configuration names (svc_route); work of the
 * service's own to run as its worker exits. Kore's own hooks
 * (kore_parent_configure, kore_seccomp_hook, kore_worker_teardown) are
 * looked up by name and declared in hooks.c alone. A service with work of
 * its own in the parent before the fork defines svc_service_parent(void).
 *
 * Layer 8, the Kore hooks (see docs/development.md, "The layers of
 * kore-apps/common"): calls every layer below; nothing calls it.
 */

#ifndef SVC_HOOKS_H
#define SVC_HOOKS_H

#include <stddef.h>

#include "route.h"

struct http_request;

void	svc_init(const char *, const struct svc_route *, size_t);
int	svc_route(struct http_request *);	/* Kore's route */
/* Runs fn as the worker exits, before the last spans are flushed. */
void	svc_on_teardown(void (*)(void));

#endif
