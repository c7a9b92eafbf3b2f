/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retry.c: the OTLP retry policy as pure functions: which HTTP statuses
 * and gRPC codes are retryable, the exponential backoff with jitter, the
 * Retry-After header (delta-seconds or HTTP-date) and the RetryInfo carried
 * in grpc-status-details-bin.
 *
 * gRPC: CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE
 * and DATA_LOSS are retried; RESOURCE_EXHAUSTED only when the server sent a
 * google.rpc.RetryInfo (the specification: retry "only if the server
 * signals that recovery is possible"); its delay is then honoured.
 */

#include <sys/types.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tracing_private.h"

/*
 * Short on purpose: the wait in progress is what delays the first export
 * after a collector comes back, while the queue is full and new spans are
 * dropped. See the README (Retries).
 */
#define BACKOFF_INITIAL_MS	1000
#define BACKOFF_MAX_MS		2000
#define RETRY_AFTER_MAX_MS	(3600ULL * 1000)

int
tr_http_retryable(long status)
{
	return (status == 429 || status == 502 || status == 503 ||
	    status == 504);
}

int
tr_grpc_retryable(int code, int has_retry_info)
{
	switch (code) {
	case GRPC_CANCELLED:
	case GRPC_DEADLINE_EXCEEDED:
	case GRPC_ABORTED:
	case GRPC_OUT_OF_RANGE:
	case GRPC_UNAVAILABLE:
	case GRPC_DATA_LOSS:
		return (1);
	case GRPC_RESOURCE_EXHAUSTED:
		return (has_retry_info);
	}
	return (0);
}

/* gRPC's "HTTP to gRPC status code mapping" for non-200 answers. */
int
tr_grpc_from_http(long status)
{
	switch (status) {
	case 400:
		return (GRPC_INTERNAL);
	case 401:
		return (GRPC_UNAUTHENTICATED);
	case 403:
		return (7);	/* PERMISSION_DENIED */
	case 404:
		return (GRPC_UNIMPLEMENTED);
	case 429:
	case 502:
	case 503:
	case 504:
		return (GRPC_UNAVAILABLE);
	}
	return (GRPC_UNKNOWN);
}

/*
 * Delay before retry number attempt (0-based): 1 s doubling up to 2 s,
 * with jitter: uniformly in [d/2, 3d/2).
 */
uint64_t
tr_backoff_ms(unsigned int attempt, uint64_t rnd)
{
	uint64_t	d;

	d = attempt >= 5 ? BACKOFF_MAX_MS :
	    (uint64_t)BACKOFF_INITIAL_MS << attempt;
	if (d > BACKOFF_MAX_MS)
		d = BACKOFF_MAX_MS;
	return (d / 2 + rnd % d);
}

static int
month_index(const char *m)
{
	static const char	*months[] = { "Jan", "Feb", "Mar", "Apr",
				    "May", "Jun", "Jul", "Aug", "Sep", "Oct",
				    "Nov", "Dec" };
	int			 i;

	for (i = 0; i < 12; i++)
		if (strncmp(m, months[i], 3) == 0)
			return (i);
	return (-1);
}

static int
digits(const char *s, int n, int *out)
{
	int	i, v;

	for (v = 0, i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110). */
static int
parse_imf_fixdate(const char *s, time_t *out)
{
	struct tm	tm;
	int		mday, year, h, m, sec, mon;

	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' ||
	    s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' ||
	    s[25] != ' ' || strcmp(s + 26, "GMT") != 0)
		return (-1);
	if (digits(s + 5, 2, &mday) || (mon = month_index(s + 8)) < 0 ||
	    digits(s + 12, 4, &year) || digits(s + 17, 2, &h) ||
	    digits(s + 20, 2, &m) || digits(s + 23, 2, &sec))
		return (-1);
	if (mday < 1 || mday > 31 || h > 23 || m > 59 || sec > 60)
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_mday = mday;
	tm.tm_mon = mon;
	tm.tm_year = year - 1900;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	*out = timegm(&tm);
	return (0);
}

/*
 * Retry-After: delta-seconds or an HTTP-date (IMF-fixdate; the obsolete
 * RFC 850 and asctime forms through strptime). A date in the past means 0.
 */
int
tr_retry_after_parse(const char *s, time_t now, uint64_t *ms)
{
	struct tm	 tm;
	const char	*p, *end;
	uint64_t	 secs;
	time_t		 t;
	char		 buf[64];
	size_t		 len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return (TRACING_ERR_INVALID);
	memcpy(buf, s, len);
	buf[len] = '\0';

	if (isdigit((unsigned char)buf[0])) {
		secs = 0;
		for (p = buf; *p != '\0'; p++) {
			if (!isdigit((unsigned char)*p))
				return (TRACING_ERR_INVALID);
			if (secs < RETRY_AFTER_MAX_MS)
				secs = secs * 10 + (uint64_t)(*p - '0');
		}
		secs *= 1000;
		*ms = secs > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : secs;
		return (TRACING_OK);
	}
	if (parse_imf_fixdate(buf, &t) != 0) {
		memset(&tm, 0, sizeof(tm));
		if (((end = strptime(buf, "%A, %d-%b-%y %H:%M:%S GMT", &tm)) ==
		    NULL || *end != '\0') &&
		    ((end = strptime(buf, "%a %b %e %H:%M:%S %Y", &tm)) ==
		    NULL || *end != '\0'))
			return (TRACING_ERR_INVALID);
		t = timegm(&tm);
	}
	if (t <= now) {
		*ms = 0;
		return (TRACING_OK);
	}
	secs = (uint64_t)(t - now) * 1000;
	*ms = secs > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : secs;
	return (TRACING_OK);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+' || c == '-')
		return (62);
	if (c == '/' || c == '_')
		return (63);
	return (-1);
}

/* Base64, standard or URL alphabet, padding optional. */
int
tr_base64_decode(const char *s, size_t len, uint8_t *out, size_t *outlen)
{
	uint32_t	acc;
	size_t		i, o;
	int		bits, v;

	while (len > 0 && (s[len - 1] == '=' || s[len - 1] == ' ' ||
	    s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	acc = 0;
	bits = 0;
	for (i = 0, o = 0; i < len; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0)
			return (TRACING_ERR_INVALID);
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= *outlen)
				return (TRACING_ERR_LIMIT);
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	*outlen = o;
	return (TRACING_OK);
}

struct pbr {
	const uint8_t	*p;
	const uint8_t	*end;
};

static int
pbr_varint(struct pbr *r, uint64_t *v)
{
	int	shift;

	*v = 0;
	for (shift = 0; shift < 64 && r->p < r->end; shift += 7) {
		*v |= (uint64_t)(*r->p & 0x7f) << shift;
		if ((*r->p++ & 0x80) == 0)
			return (0);
	}
	return (-1);
}

/* Next field: number, wire type, and for LEN the slice. */
static int
pbr_next(struct pbr *r, uint64_t *field, int *wt, struct pbr *sub,
    uint64_t *val)
{
	uint64_t	key, len;

	if (pbr_varint(r, &key) != 0)
		return (-1);
	*field = key >> 3;
	*wt = (int)(key & 7);
	switch (*wt) {
	case 0:
		return (pbr_varint(r, val));
	case 1:
		if (r->end - r->p < 8)
			return (-1);
		r->p += 8;
		return (0);
	case 2:
		if (pbr_varint(r, &len) != 0 ||
		    len > (uint64_t)(r->end - r->p))
			return (-1);
		sub->p = r->p;
		sub->end = r->p + len;
		r->p += len;
		return (0);
	case 5:
		if (r->end - r->p < 4)
			return (-1);
		r->p += 4;
		return (0);
	}
	return (-1);
}

static int
retry_info_delay(struct pbr *r, uint64_t *ms)
{
	struct pbr	d, sub;
	uint64_t	f, v, secs, nanos;
	int		wt;

	secs = nanos = 0;
	while (r->p < r->end) {
		if (pbr_next(r, &f, &wt, &d, &v) != 0)
			return (-1);
		if (f != 1 || wt != 2)
			continue;
		while (d.p < d.end) {
			if (pbr_next(&d, &f, &wt, &sub, &v) != 0)
				return (-1);
			if (f == 1 && wt == 0)
				secs = v;
			else if (f == 2 && wt == 0)
				nanos = v & 0xffffffff;
		}
	}
	if (secs > RETRY_AFTER_MAX_MS / 1000)
		*ms = RETRY_AFTER_MAX_MS;
	else
		*ms = secs * 1000 + (nanos % 1000000000) / 1000000;
	return (0);
}

/*
 * grpc-status-details-bin: base64 google.rpc.Status { details = 3:
 * repeated Any { type_url = 1, value = 2 } }. TRACING_OK and the delay when
 * a google.rpc.RetryInfo is in there.
 */
int
tr_grpc_status_details_retry(const char *b64, size_t len, uint64_t *ms)
{
	uint8_t		buf[4096];
	size_t		blen;
	struct pbr	r, any, sub, val;
	uint64_t	f, v;
	int		wt, is_ri, have_val;
	const char	*suffix = "google.rpc.RetryInfo";

	blen = sizeof(buf);
	if (tr_base64_decode(b64, len, buf, &blen) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	r.p = buf;
	r.end = buf + blen;
	while (r.p < r.end) {
		if (pbr_next(&r, &f, &wt, &any, &v) != 0)
			return (TRACING_ERR_INVALID);
		if (f != 3 || wt != 2)
			continue;
		is_ri = have_val = 0;
		memset(&val, 0, sizeof(val));
		while (any.p < any.end) {
			if (pbr_next(&any, &f, &wt, &sub, &v) != 0)
				return (TRACING_ERR_INVALID);
			if (f == 1 && wt == 2) {
				len = (size_t)(sub.end - sub.p);
				is_ri = len >= strlen(suffix) &&
				    memcmp(sub.end - strlen(suffix), suffix,
				    strlen(suffix)) == 0;
			} else if (f == 2 && wt == 2) {
				val = sub;
				have_val = 1;
			}
		}
		if (is_ri && have_val && retry_info_delay(&val, ms) == 0)
			return (TRACING_OK);
	}
	return (TRACING_ERR_INVALID);
}
