/* SPDX-License-Identifier: Apache-2.0 */
/*
 * svc_util.h: the services' clocks and random ids (util.c): Kore's
 * monotonic milliseconds, wall-clock nanoseconds for spans and logs,
 * random lower-case hex.
 *
 * Layer 1, the process (see docs/development.md, "The layers of
 * kore-apps/common"): calls layer 0 (strbuf.c).
 */

#ifndef SVC_UTIL_H
#define SVC_UTIL_H

#include <sys/types.h>

#include <stddef.h>

void		svc_random_hex(char *, size_t);
u_int64_t	svc_now_ms(void);
u_int64_t	svc_now_ns(void);

#endif
