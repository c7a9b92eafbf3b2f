/* SPDX-License-Identifier: Apache-2.0 */
/*
 * batch.h: the inventory service's group commit of reservations (batch.c).
 */

#ifndef BATCH_H
#define BATCH_H

#include <jansson.h>

struct http_request;
struct batch_member;

/*
 * Queues one reservation of req (skus and qtys are PostgreSQL array
 * literals, copied) and puts req to sleep; it is woken once its batch is
 * done. NULL when batching is off (INVENTORY_BATCH_MAX=1).
 */
struct batch_member	*batch_join(struct http_request *, const char *,
			    const char *, const char *);
/* Whether its batch is done; then the rows (borrowed) or the failure. */
int			 batch_done(struct batch_member *);
json_t			*batch_rows(struct batch_member *);
const char		*batch_error(struct batch_member *, int *);
/* The request is done with it (or gone): frees or orphans it. */
void			 batch_leave(struct batch_member *);
void			 batch_init(const char *);

#endif
