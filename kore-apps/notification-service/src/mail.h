/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mail.h: the confirmation e-mail as an RFC 5322 message, and its Maildir
 * delivery. Pure C on jansson and POSIX, so the unit tests use it directly.
 */

#ifndef MAIL_H
#define MAIL_H

#include <time.h>

#include <jansson.h>

#define MAIL_MSGID_MAX	160

char	*mail_render(const json_t *, const char *, time_t, const char *,
	    char *, size_t);
int	mail_address(const char *, char *, size_t);
int	mail_maildir_deliver(const char *, const char *, char *, size_t);

#endif
