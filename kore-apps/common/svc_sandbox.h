/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_sandbox.h: the seccomp rules every service worker adds to Kore's own
 * (sandbox.c), installed by Kore's seccomp hook (hooks.c).
 *
 * Layer 8, the Kore hooks (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef SVC_SANDBOX_H
#define SVC_SANDBOX_H

void	svc_sandbox_install(void);

#endif
