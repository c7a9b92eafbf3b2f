/* SPDX-License-Identifier: Apache-2.0 */
/*
 * validate.c: the rules of POST /api/orders. Each failure names the field
 * and says what was expected; the first failure wins.
 */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "validate.h"

static int
fail(struct order_error *err, const char *code, const char *field,
    const char *fmt, ...)
{
	va_list	ap;

	(void)snprintf(err->code, sizeof(err->code), "%s", code);
	(void)snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	(void)vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return (0);
}

int
sku_valid(const char *s)
{
	size_t	len;

	if (s == NULL || (len = strlen(s)) == 0 || len > ORDER_SKU_MAX)
		return (0);
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return (0);
	}
	return (1);
}

/*
 * A plausible address: local@domain, at most 254 characters, a local part
 * of 1 to 64 atext characters and dots (no leading, trailing or double dot),
 * a domain of at least two dot-separated labels of letters, digits and
 * hyphens (not at either end of a label), the last one alphabetic.
 */
int
email_plausible(const char *s)
{
	const char	*at, *p, *label;
	size_t		len, llen;
	int		labels, alpha;

	if (s == NULL || (len = strlen(s)) < 3 || len > ORDER_EMAIL_MAX)
		return (0);
	if ((at = strchr(s, '@')) == NULL || strchr(at + 1, '@') != NULL)
		return (0);
	if (at == s || at - s > 64 || *s == '.' || at[-1] == '.')
		return (0);
	for (p = s; p < at; p++) {
		if (isalnum((unsigned char)*p))
			continue;
		if (*p == '.' && p[1] == '.')
			return (0);
		if (strchr(".!#$%&'*+/=?^_`{|}~-", *p) == NULL)
			return (0);
	}

	labels = 0;
	label = at + 1;
	for (;;) {
		llen = strcspn(label, ".");
		if (llen == 0 || llen > 63 || label[0] == '-' ||
		    label[llen - 1] == '-')
			return (0);
		alpha = 1;
		for (p = label; p < label + llen; p++) {
			if (!isalnum((unsigned char)*p) && *p != '-')
				return (0);
			if (!isalpha((unsigned char)*p))
				alpha = 0;
		}
		labels++;
		if (label[llen] == '\0')
			break;
		label += llen + 1;
	}
	return (labels >= 2 && alpha && llen >= 2);
}

static int
item_validate(const json_t *item, size_t i, struct order_error *err)
{
	const json_t	*v;
	char		field[48];
	json_int_t	q;
	double		price;

	if (!json_is_object(item)) {
		(void)snprintf(field, sizeof(field), "items[%zu]", i);
		return (fail(err, "invalid_field", field,
		    "each item must be an object with sku, quantity and price"));
	}

	(void)snprintf(field, sizeof(field), "items[%zu].sku", i);
	if ((v = json_object_get(item, "sku")) == NULL)
		return (fail(err, "missing_field", field, "sku is required"));
	if (!json_is_string(v) || !sku_valid(json_string_value(v)) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return (fail(err, "invalid_field", field,
		    "sku must be 1 to %d characters of A-Z, a-z, 0-9, _ and -",
		    ORDER_SKU_MAX));

	(void)snprintf(field, sizeof(field), "items[%zu].quantity", i);
	if ((v = json_object_get(item, "quantity")) == NULL)
		return (fail(err, "missing_field", field,
		    "quantity is required"));
	q = json_is_integer(v) ? json_integer_value(v) : 0;
	if (!json_is_integer(v) || q < 1 || q > ORDER_QTY_MAX)
		return (fail(err, "invalid_field", field,
		    "quantity must be an integer from 1 to %d", ORDER_QTY_MAX));

	(void)snprintf(field, sizeof(field), "items[%zu].price", i);
	if ((v = json_object_get(item, "price")) == NULL)
		return (fail(err, "missing_field", field, "price is required"));
	price = json_is_number(v) ? json_number_value(v) : -1;
	if (!json_is_number(v) || !isfinite(price) || price < 0 ||
	    price > ORDER_PRICE_MAX)
		return (fail(err, "invalid_field", field,
		    "price must be a number from 0 to %.0f", ORDER_PRICE_MAX));

	return (1);
}

int
order_validate(const json_t *body, struct order_error *err)
{
	const json_t	*v, *item;
	const char	*s;
	long double	total;
	size_t		i, n;

	memset(err, 0, sizeof(*err));

	if (!json_is_object(body))
		return (fail(err, "invalid_json", "", "the body must be a JSON"
		    " object"));

	if ((v = json_object_get(body, "userId")) == NULL)
		return (fail(err, "missing_field", "userId",
		    "userId is required"));
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return (fail(err, "invalid_field", "userId",
		    "userId must be a positive integer"));

	if ((v = json_object_get(body, "items")) == NULL)
		return (fail(err, "missing_field", "items", "items is required"));
	n = json_array_size(v);
	if (!json_is_array(v) || n < 1 || n > ORDER_ITEMS_MAX)
		return (fail(err, "invalid_field", "items",
		    "items must be an array of 1 to %d items", ORDER_ITEMS_MAX));
	total = 0;
	json_array_foreach(v, i, item) {
		if (!item_validate(item, i, err))
			return (0);
		total += (long double)json_integer_value(json_object_get(item,
		    "quantity")) * json_number_value(json_object_get(item,
		    "price"));
	}
	if (total > ORDER_TOTAL_MAX)
		return (fail(err, "invalid_field", "items", "the order total"
		    " (quantity times price, summed) must be at most %.0f",
		    ORDER_TOTAL_MAX));

	if ((v = json_object_get(body, "email")) == NULL)
		return (fail(err, "missing_field", "email", "email is required"));
	s = json_string_value(v);
	if (!json_is_string(v) || strlen(s) != json_string_length(v) ||
	    !email_plausible(s))
		return (fail(err, "invalid_field", "email",
		    "email must be a plausible address (local@domain.tld,"
		    " at most %d characters)", ORDER_EMAIL_MAX));

	return (1);
}
