/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strbuf.h: small string builders for the request path (span names, header
 * values, addresses) where snprintf and inet_ntop cost more than the work.
 * Pure: shared by the services and the unit tests.
 *
 * Layer 0, pure C (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef STRBUF_H
#define STRBUF_H

#include <stddef.h>
#include <stdint.h>

/* Room for "255.255.255.255" and its NUL. */
#define SVC_IPV4_TEXT_LEN	16

void	svc_put(char *, size_t, size_t *, const char *, size_t);
void	svc_ipv4_text(const uint8_t [4], char [SVC_IPV4_TEXT_LEN]);
void	svc_hex(const uint8_t *, size_t, char *);
int	svc_unhex(const char *, uint8_t *, size_t);

#endif
