/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_identity.h: who this process is (identity.c): the service's name,
 * which svc_init sets once per worker and everything else reads, and the
 * Kore parent its workers watch.
 *
 * Layer 1, the process (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef SVC_IDENTITY_H
#define SVC_IDENTITY_H

#include <sys/types.h>

const char	*svc_name(void);
void		 svc_name_set(const char *);
pid_t		 svc_parent(void);
void		 svc_parent_set(pid_t);

#endif
