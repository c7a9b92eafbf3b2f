/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvlist.c: the "key=value,key=value" lists of OTEL_RESOURCE_ATTRIBUTES and
 * OTEL_EXPORTER_OTLP_HEADERS (W3C-baggage-like, values percent-encoded), and
 * percent-decoding. A malformed entry is logged and skipped.
 */

#include <sys/types.h>

#include <string.h>

#include "tracing_private.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decode %XY sequences; a bad sequence or %00 is invalid. */
int
tr_percent_decode(const char *s, size_t len, char **out)
{
	size_t	i, o;
	char	*d;
	int	hi, lo;

	*out = NULL;
	if ((d = tr_malloc(len + 1)) == NULL)
		return (TRACING_ERR_NOMEM);
	for (i = 0, o = 0; i < len; i++) {
		if (s[i] != '%') {
			d[o++] = s[i];
			continue;
		}
		if (len - i < 3)
			goto bad;
		if ((hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
			goto bad;
		if (hi == 0 && lo == 0)
			goto bad;
		d[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	d[o] = '\0';
	*out = d;
	return (TRACING_OK);
bad:
	tr_free(d);
	return (TRACING_ERR_INVALID);
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

/*
 * Call fn(arg, key, value) for every well-formed entry, value decoded.
 * Returns TRACING_OK, TRACING_ERR_NOMEM, or what fn returned (not OK and
 * not INVALID: INVALID from fn means "skip this entry").
 */
int
tr_kvlist_parse(const char *s, const char *what, tr_kv_fn *fn, void *arg)
{
	const char	*p, *end, *comma, *eq, *k, *v;
	size_t		 ml, kl, vl;
	char		*key, *val;
	int		 rc;

	if (s == NULL)
		return (TRACING_OK);
	p = s;
	end = s + strlen(s);
	while (p <= end) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (comma == NULL)
			comma = end;
		ml = (size_t)(comma - p);
		trim(&p, &ml);
		if (ml == 0)
			goto next;
		if ((eq = memchr(p, '=', ml)) == NULL) {
			tr_log(TRACING_LOG_WARN, "%s: entry without '=' "
			    "skipped", what);
			goto next;
		}
		k = p;
		kl = (size_t)(eq - p);
		trim(&k, &kl);
		v = eq + 1;
		vl = ml - (size_t)(v - p);
		trim(&v, &vl);
		if (kl == 0) {
			tr_log(TRACING_LOG_WARN, "%s: entry with an empty key "
			    "skipped", what);
			goto next;
		}
		if ((rc = tr_percent_decode(k, kl, &key)) != TRACING_OK) {
			if (rc == TRACING_ERR_NOMEM)
				return (rc);
			tr_log(TRACING_LOG_WARN, "%s: bad percent-encoding in "
			    "a key, entry skipped", what);
			goto next;
		}
		if ((rc = tr_percent_decode(v, vl, &val)) != TRACING_OK) {
			tr_free(key);
			if (rc == TRACING_ERR_NOMEM)
				return (rc);
			tr_log(TRACING_LOG_WARN, "%s: bad percent-encoding in "
			    "the value of an entry, skipped", what);
			goto next;
		}
		rc = fn(arg, key, val);
		tr_free(key);
		tr_free(val);
		if (rc != TRACING_OK && rc != TRACING_ERR_INVALID)
			return (rc);
next:
		p = comma + 1;
	}
	return (TRACING_OK);
}
