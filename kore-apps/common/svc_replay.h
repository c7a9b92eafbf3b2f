/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_replay.h: the nonces of the signed calls a service has served
 * (replay.c), in memory its workers share: each signed call is served
 * once (auth.c asks).
 *
 * Layer 3, the door's checks (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef SVC_REPLAY_H
#define SVC_REPLAY_H

#include <sys/types.h>

#include <stdint.h>

#define SVC_NONCE_LEN		16
#define SVC_REPLAY_NEW		0
#define SVC_REPLAY_SEEN		1
#define SVC_REPLAY_FULL		2

/* In the parent, before it forks the workers (kore_parent_configure). */
void	svc_replay_map(void);
int	svc_replay_check(const u_int8_t *, int64_t, int64_t);

#endif
