/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fault.c: parses fault configurations (JSON) and X-Fault headers, and
 * decides, with a caller-supplied random source, what happens to one
 * request. No I/O here: faults.c loads the configuration and applies plans.
 *
 * Configuration, every key optional:
 *   {"latency_ms": 250 | [100, 400], "latency_percent": 100,
 *    "error_percent": 0, "error_status": 503, "outage": false,
 *    "lose_answer_percent": 0, "allow_header": false}
 * lose_answer_percent: that share of requests is served in full (its
 * statement committed) and then its answer is lost: the connection closes
 * without one, as if the service died right after the commit.
 * X-Fault header (only when allow_header): "latency=300", "latency=100-300",
 * "error=503", or both separated by ";" or ",".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"

#define LATENCY_MAX_MS	60000

void
fault_cfg_init(struct fault_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->latency_percent = 100;
	c->error_status = 503;
}

static int
uint_in(const json_t *v, unsigned int lo, unsigned int hi, unsigned int *out)
{
	json_int_t	n;

	if (!json_is_integer(v))
		return (0);
	n = json_integer_value(v);
	if (n < lo || n > hi)
		return (0);
	*out = (unsigned int)n;
	return (1);
}

/*
 * Parses text into c (which keeps its values for absent keys). Returns 1,
 * or 0 with a message in err.
 */
int
fault_cfg_parse(struct fault_cfg *c, const char *text, char *err,
    size_t errlen)
{
	struct fault_cfg	n;
	json_error_t		jerr;
	json_t			*root, *v;
	const char		*key;
	int			ok;

	if ((root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		(void)snprintf(err, errlen, "not JSON: %s", jerr.text);
		return (0);
	}
	if (!json_is_object(root)) {
		json_decref(root);
		(void)snprintf(err, errlen, "not a JSON object");
		return (0);
	}

	n = *c;
	ok = 1;
	json_object_foreach(root, key, v) {
		if (!strcmp(key, "latency_ms")) {
			if (json_is_array(v) && json_array_size(v) == 2) {
				ok = uint_in(json_array_get(v, 0), 0,
				    LATENCY_MAX_MS, &n.latency_min_ms) &&
				    uint_in(json_array_get(v, 1),
				    n.latency_min_ms, LATENCY_MAX_MS,
				    &n.latency_max_ms);
			} else {
				ok = uint_in(v, 0, LATENCY_MAX_MS,
				    &n.latency_min_ms);
				n.latency_max_ms = n.latency_min_ms;
			}
		} else if (!strcmp(key, "latency_percent")) {
			ok = uint_in(v, 0, 100, &n.latency_percent);
		} else if (!strcmp(key, "error_percent")) {
			ok = uint_in(v, 0, 100, &n.error_percent);
		} else if (!strcmp(key, "lose_answer_percent")) {
			ok = uint_in(v, 0, 100, &n.lose_answer_percent);
		} else if (!strcmp(key, "error_status")) {
			ok = uint_in(v, 500, 599, &n.error_status);
		} else if (!strcmp(key, "outage")) {
			ok = json_is_boolean(v);
			n.outage = json_is_true(v);
		} else if (!strcmp(key, "allow_header")) {
			ok = json_is_boolean(v);
			n.allow_header = json_is_true(v);
		} else {
			(void)snprintf(err, errlen, "unknown key %s", key);
			json_decref(root);
			return (0);
		}
		if (!ok) {
			(void)snprintf(err, errlen, "bad value for %s", key);
			json_decref(root);
			return (0);
		}
	}
	json_decref(root);
	*c = n;
	return (1);
}

int
fault_active(const struct fault_cfg *c)
{
	return (c->outage || c->error_percent > 0 || c->latency_max_ms > 0 ||
	    c->lose_answer_percent > 0 || c->allow_header);
}

static int
parse_uint(const char *s, size_t len, unsigned int max, unsigned int *out)
{
	unsigned long	n;
	size_t		i;

	if (len == 0 || len > 6)
		return (0);
	n = 0;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
		n = n * 10 + (unsigned long)(s[i] - '0');
	}
	if (n > max)
		return (0);
	*out = (unsigned int)n;
	return (1);
}

/* Parses an X-Fault header into p; returns 1, or 0 if malformed. */
int
fault_header_parse(const char *h, uint64_t (*rnd)(void), struct fault_plan *p)
{
	const char	*s, *eq, *end, *dash;
	unsigned int	lo, hi;

	memset(p, 0, sizeof(*p));
	p->from_header = 1;
	for (s = h; *s != '\0'; s = *end ? end + 1 : end) {
		while (*s == ' ')
			s++;
		end = s + strcspn(s, ";,");
		if ((eq = memchr(s, '=', (size_t)(end - s))) == NULL)
			return (0);
		if ((size_t)(eq - s) == 7 && !strncmp(s, "latency", 7)) {
			dash = memchr(eq + 1, '-', (size_t)(end - eq - 1));
			if (dash == NULL) {
				if (!parse_uint(eq + 1, (size_t)(end - eq - 1),
				    LATENCY_MAX_MS, &lo))
					return (0);
				hi = lo;
			} else if (!parse_uint(eq + 1, (size_t)(dash - eq - 1),
			    LATENCY_MAX_MS, &lo) || !parse_uint(dash + 1,
			    (size_t)(end - dash - 1), LATENCY_MAX_MS, &hi) ||
			    hi < lo) {
				return (0);
			}
			p->latency_ms = lo + (hi > lo ?
			    (unsigned int)(rnd() % (hi - lo + 1)) : 0);
		} else if ((size_t)(eq - s) == 5 && !strncmp(s, "error", 5)) {
			if (!parse_uint(eq + 1, (size_t)(end - eq - 1), 599,
			    &p->error_status) || p->error_status < 500)
				return (0);
		} else {
			return (0);
		}
	}
	return (1);
}

/* Decides the fate of one request under c; rnd gives 64 random bits. */
void
fault_plan(const struct fault_cfg *c, uint64_t (*rnd)(void),
    struct fault_plan *p)
{
	memset(p, 0, sizeof(*p));
	if (c->outage) {
		p->outage = 1;
		p->error_status = 503;
		return;
	}
	if (c->latency_max_ms > 0 && rnd() % 100 < c->latency_percent) {
		p->latency_ms = c->latency_min_ms;
		if (c->latency_max_ms > c->latency_min_ms)
			p->latency_ms += (unsigned int)(rnd() %
			    (c->latency_max_ms - c->latency_min_ms + 1));
	}
	if (c->error_percent > 0 && rnd() % 100 < c->error_percent)
		p->error_status = c->error_status;
	else if (c->lose_answer_percent > 0 &&
	    rnd() % 100 < c->lose_answer_percent)
		p->lose_answer = 1;
}
