/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sent.h: the confirmations sent lately, by order id, shared by the
 * workers (sent.c): a second call for an order answers the first message.
 */

#ifndef SENT_H
#define SENT_H

#include <stddef.h>

#define SENT_ORDER_MAX		65	/* an orderId of 1 to 64 characters */

#define SENT_NEW		0
#define SENT_DUPLICATE		1
#define SENT_BUSY		2

void	sent_map(void);
int	sent_claim(const char *, char *, size_t, char *, size_t);
void	sent_done(const char *, const char *, const char *);
void	sent_forget(const char *);

#endif
