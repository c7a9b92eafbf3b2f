/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.h: validation of order requests and e-mail addresses. Pure C on
 * jansson, no Kore, so the unit tests exercise it directly.
 *
 * Layer 0, pure C (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef VALIDATE_H
#define VALIDATE_H

#include <jansson.h>

#define ORDER_ITEMS_MAX		100
#define ORDER_SKU_MAX		64
#define ORDER_QTY_MAX		1000
#define ORDER_PRICE_MAX		1000000000.0
#define ORDER_TOTAL_MAX		1000000000000.0	/* the orders table holds 1e14 */
#define ORDER_EMAIL_MAX		254

struct order_error {
	char	code[32];	/* missing_field, invalid_field */
	char	field[48];	/* "items[3].quantity" */
	char	message[160];
};

int	order_validate(const json_t *, struct order_error *);
int	email_plausible(const char *);
int	sku_valid(const char *);

#endif
