/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_env.h: the services' settings (env.c): every setting is an
 * environment variable with a default; a value that does not parse or is
 * out of range is logged and replaced by the default.
 *
 * Layer 1, the process (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef SVC_ENV_H
#define SVC_ENV_H

const char	*svc_env_str(const char *, const char *);
long long	 svc_env_int(const char *, long long, long long, long long);

#endif
