/* SPDX-License-Identifier: Apache-2.0 */
/*
 * api-gateway: the public API, its configuration and routes. POST
 * /api/orders runs the order saga (saga.c: reserve stock, create the order,
 * send the confirmation, compensate what failed) and answers 201 with the
 * order, or a JSON error; GET /api/orders/:id reads an order (orders.c);
 * GET /ready checks what the gateway needs (ready.c). In the first worker
 * the sweeper (sweep.c) gives back reservations whose gateway died.
 */

#include <stdio.h>

#include "route.h"
#include "svc_auth.h"
#include "svc_db.h"
#include "svc_drain.h"
#include "svc_env.h"
#include "svc_hooks.h"
#include "svc_metrics.h"
#include "svc_ratelimit.h"
#include "svc_reply.h"

#include "gateway.h"
#include "sweep.h"

struct gw_config	gw;

void		kore_worker_configure(void);

static const struct svc_route routes[] = {
	{ HTTP_METHOD_POST, "/api/orders", orders_post },
	{ HTTP_METHOD_GET, "/api/orders/:id", orders_get },
	{ HTTP_METHOD_GET, "/health", svc_health },
	{ HTTP_METHOD_GET, "/metrics", svc_metrics },
	{ HTTP_METHOD_GET, "/ready", gw_ready },
};

void
kore_worker_configure(void)
{
	svc_init("api-gateway", routes, sizeof(routes) / sizeof(routes[0]));
	svc_auth_sign_calls(svc_env_str("SERVICE_AUTH_KEY", ""));
	svc_ratelimit("GATEWAY_RATE_LIMIT");
	gw.inventory = svc_env_str("INVENTORY_URL", "http://127.0.0.1:8081");
	gw.order = svc_env_str("ORDER_URL", "http://127.0.0.1:8082");
	gw.notification = svc_env_str("NOTIFICATION_URL",
	    "http://127.0.0.1:8083");
	svc_auth_target(gw.inventory, "inventory-service");
	svc_auth_target(gw.order, "order-service");
	svc_auth_target(gw.notification, "notification-service");
	gw.inventory_ms = svc_env_int("INVENTORY_TIMEOUT_MS", 2000, 1, 600000);
	gw.order_ms = svc_env_int("ORDER_TIMEOUT_MS", 3000, 1, 600000);
	gw.notification_ms = svc_env_int("NOTIFICATION_TIMEOUT_MS", 5000, 1,
	    600000);
	gw.settle_ms = svc_env_int("ORDER_SETTLE_MS", 5000, 0, 600000);
	gw.body_max = (size_t)svc_env_int("ORDER_BODY_MAX", 65536, 256,
	    1024 * 1024);
	(void)snprintf(gw.stale_s, sizeof(gw.stale_s), "%lld",
	    svc_env_int("IDEMPOTENCY_STALE_S", 60, 1, 86400));
	svc_on_drain(saga_detached);
	svc_db_register(GW_DB, svc_env_str("GATEWAY_DB_CONNINFO",
	    "host=127.0.0.1 port=55432 dbname=gateway user=tracing"
	    " connect_timeout=2 gssencmode=disable"));
	sweep_init(gw.inventory, gw.inventory_ms, gw.order, gw.order_ms,
	    saga_recover);
}
