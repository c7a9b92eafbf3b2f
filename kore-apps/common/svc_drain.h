/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_drain.h: a graceful stop (drain.c): the worker finishes the requests
 * and the registered work it holds before it exits; the services ask
 * whether it is stopping and register what outlives its request.
 *
 * Layer 8, the Kore hooks (see docs/development.md, "The layers of
 * kore-apps/common"): calls layer 1 (env.c).
 */

#ifndef SVC_DRAIN_H
#define SVC_DRAIN_H

#include <stddef.h>

/* The worker's teardown (hooks.c). */
void	svc_drain(void);
/* fn counts work that outlives its request; the drain waits for it. */
void	svc_on_drain(size_t (*)(void));
/* Whether the worker is stopping: start no new work of its own. */
int	svc_stopping(void);

#endif
