/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gateway.h: what the api-gateway module's files share, private to it: its
 * configuration (gateway.c), the order saga (saga.c), the Idempotency-Key
 * statements (idem.c), the HTTP handlers (orders.c, ready.c).
 */

#ifndef GATEWAY_H
#define GATEWAY_H

#include <sys/types.h>

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

struct svc_db;
struct svc_match;
struct tracing_span;

/* The gateway's own database (Idempotency-Keys, the sweeper's cursor). */
#define GW_DB		"gateway"

struct gw_config {
	const char	*inventory;		/* base URLs */
	const char	*order;
	const char	*notification;
	long		 inventory_ms;		/* call timeouts */
	long		 order_ms;
	long		 notification_ms;
	long		 settle_ms;		/* an unknown create's */
	size_t		 body_max;		/* ORDER_BODY_MAX */
	char		 stale_s[16];		/* IDEMPOTENCY_STALE_S */
};

extern struct gw_config	gw;

/*
 * saga.c: one order, from the Idempotency-Key claim to its answer, as a
 * heap object that runs on detached calls and statements. A request starts
 * it attached and sleeps until saga_finished(); a request that ends first
 * (the client hung up) detaches it and the saga finishes on its own.
 */
struct saga;

struct saga	*saga_start(struct http_request *, json_t *, const char *,
		    const char *);
int		 saga_finished(const struct saga *);
void		 saga_reply(struct http_request *, struct saga *);
void		 saga_detach(struct saga *, struct http_request *);
void		 saga_recover(const char *, struct tracing_span *,
		    void (*)(void *, int), void *);
size_t		 saga_detached(void);

/* idem.c: the Idempotency-Key statements, by the claim's owner. */
enum idem_claim {
	IDEM_CLAIMED,		/* ours: go on */
	IDEM_REPLAY,		/* done before: its answer is in the row */
	IDEM_MISMATCH,		/* used with another body */
	IDEM_BUSY,		/* another request holds it */
};

void		 idem_claim_prepare(struct svc_db *, const char *,
		    const char *, const char *);
enum idem_claim	 idem_claim_outcome(struct svc_db *);
void		 idem_finish_prepare(struct svc_db *, int, const char *,
		    const char *, const char *, const char *, const char *);

/* orders.c, ready.c: the handlers. */
int		 orders_post(struct http_request *, struct svc_match *);
int		 orders_get(struct http_request *, struct svc_match *);
int		 gw_ready(struct http_request *, struct svc_match *);

#endif
