/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c: allocation, arenas, capped buffers, duration and time parsing and
 * formatting, percentiles and hex ids: the helpers every other file shares.
 */

#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define ARENA_CHUNK	(64 * 1024)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	char			 data[];
};

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		err(EX_INTERNAL, "malloc(%zu)", n);
	return (p);
}

void *
xcalloc(size_t n, size_t sz)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, sz == 0 ? 1 : sz)) == NULL)
		err(EX_INTERNAL, "calloc(%zu, %zu)", n, sz);
	return (p);
}

void *
xrealloc(void *p, size_t n)
{
	if ((p = realloc(p, n == 0 ? 1 : n)) == NULL)
		err(EX_INTERNAL, "realloc(%zu)", n);
	return (p);
}

void *
xreallocarray(void *p, size_t n, size_t sz)
{
	if (sz != 0 && n > SIZE_MAX / sz)
		errx(EX_INTERNAL, "reallocarray: %zu * %zu overflows", n, sz);
	return (xrealloc(p, n * sz));
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(EX_INTERNAL, "strdup");
	return (p);
}

int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (n == -1)
		err(EX_INTERNAL, "vasprintf");
	return (n);
}

void
arena_init(struct arena *a)
{
	a->head = NULL;
	a->used = 0;
	a->size = 0;
}

void
arena_cleanup(struct arena *a)
{
	struct arena_chunk	*c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	arena_init(a);
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c;
	size_t			 sz;
	void			*p;

	n = (n + 15) & ~(size_t)15;
	if (a->head == NULL || a->used + n > a->size) {
		sz = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		c = xmalloc(sizeof(*c) + sz);
		c->size = sz;
		if (sz == n && a->head != NULL) {
			/* A big block: keep the current chunk open. */
			c->next = a->head->next;
			a->head->next = c;
			return (c->data);
		}
		c->next = a->head;
		a->head = c;
		a->used = 0;
		a->size = sz;
	}
	p = a->head->data + a->used;
	a->used += n;
	return (p);
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return (arena_strndup(a, s, strlen(s)));
}

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_cleanup(struct buf *b)
{
	free(b->data);
	buf_init(b, b->max);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
buf_append(struct buf *b, const void *d, size_t n)
{
	size_t	 ncap;

	if (n > b->max || b->len > b->max - n)
		return (-1);
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		b->data = xrealloc(b->data, ncap);
		b->cap = ncap;
	}
	memcpy(b->data + b->len, d, n);
	b->len += n;
	b->data[b->len] = '\0';
	return (0);
}

int
buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n, rc;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1)
		err(EX_INTERNAL, "vasprintf");
	rc = buf_append(b, s, (size_t)n);
	free(s);
	return (rc);
}

static const struct {
	const char	*name;
	double		 usec;
} units[] = {
	{ "ns", 0.001 },
	{ "us", 1 },
	{ "\xc2\xb5s", 1 },	/* µs */
	{ "ms", 1000 },
	{ "s", 1000000 },
	{ "m", 60 * 1000000.0 },
	{ "h", 3600 * 1000000.0 },
	{ "d", 86400 * 1000000.0 },
};

int
parse_duration(const char *s, int64_t defunit, int64_t *out)
{
	double		 total, v;
	const char	*p;
	char		*end;
	size_t		 i, len, best;
	int		 any;

	total = 0;
	any = 0;
	p = s;
	if (*p == '\0')
		return (-1);
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p) && *p != '.')
			return (-1);
		errno = 0;
		v = strtod(p, &end);
		if (end == p || errno != 0 || v < 0 || !isfinite(v))
			return (-1);
		p = end;
		if (*p == '\0') {
			if (any)
				return (-1);	/* "1h30" is ambiguous */
			total += v * (double)defunit;
			break;
		}
		best = SIZE_MAX;
		len = 0;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t n = strlen(units[i].name);
			if (strncmp(p, units[i].name, n) == 0 && n > len) {
				best = i;
				len = n;
			}
		}
		if (best == SIZE_MAX)
			return (-1);
		total += v * units[best].usec;
		p += len;
		any = 1;
	}
	if (total > (double)INT64_MAX / 2)
		return (-1);
	*out = (int64_t)llround(total);
	return (0);
}

static int
digits(const char **p, int n, int *out)
{
	int	 v, i;

	v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return (-1);
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return (0);
}

int
parse_time(const char *s, int64_t now, int64_t *out)
{
	struct tm	 tm;
	const char	*p;
	int		 y, mo, d, h, mi, sec, oh, om, sign;
	int64_t		 frac, scale, dur;
	time_t		 t;

	if (strcmp(s, "now") == 0) {
		*out = now;
		return (0);
	}
	if (s[0] == '-') {
		if (parse_duration(s + 1, USEC_PER_SEC, &dur) == -1)
			return (-1);
		*out = now - dur;
		return (0);
	}
	p = s;
	if (digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    digits(&p, 2, &d) == -1)
		return (-1);
	h = mi = sec = 0;
	frac = 0;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) == -1 || *p++ != ':' ||
		    digits(&p, 2, &mi) == -1)
			return (-1);
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) == -1)
				return (-1);
			if (*p == '.') {
				p++;
				scale = 100000;
				if (!isdigit((unsigned char)*p))
					return (-1);
				while (isdigit((unsigned char)*p)) {
					frac += (*p - '0') * scale;
					scale /= 10;
					p++;
				}
			}
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return (-1);
	sign = 0;
	oh = om = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		p++;
		if (digits(&p, 2, &oh) == -1)
			return (-1);
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om) == -1)
			return (-1);
	} else if (*p == '\0') {
		/* No zone: UTC, like the API and unlike a surprise. */
	}
	if (*p != '\0')
		return (-1);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((t = timegm(&tm)) == (time_t)-1)
		return (-1);
	t -= sign * (oh * 3600 + om * 60);
	*out = (int64_t)t * USEC_PER_SEC + frac;
	return (0);
}

int
parse_int(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

int
parse_double(const char *s, double min, double max, double *out)
{
	char	*end;
	double	 v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

int64_t
now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000);
}

int64_t
mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000);
}

void
fmt_duration(int64_t us, char *b, size_t n)
{
	double	 v;
	int64_t	 a;

	a = us < 0 ? -us : us;
	v = (double)us;
	if (a < 1000)
		snprintf(b, n, "%lldus", (long long)us);
	else if (a < 10 * 1000)
		snprintf(b, n, "%.2fms", v / 1000);
	else if (a < 100 * 1000)
		snprintf(b, n, "%.1fms", v / 1000);
	else if (a < 1000 * 1000)
		snprintf(b, n, "%.0fms", v / 1000);
	else if (a < 60 * USEC_PER_SEC)
		snprintf(b, n, "%.2fs", v / USEC_PER_SEC);
	else
		snprintf(b, n, "%.1fm", v / 60 / USEC_PER_SEC);
}

void
fmt_time_rfc3339(int64_t us, int micro, char *b, size_t n)
{
	struct tm	 tm;
	time_t		 t;
	char		 base[32];
	int64_t		 frac;

	t = (time_t)(us / USEC_PER_SEC);
	frac = us % USEC_PER_SEC;
	if (frac < 0) {
		frac += USEC_PER_SEC;
		t--;
	}
	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		snprintf(b, n, "%s.%06lldZ", base, (long long)frac);
	else
		snprintf(b, n, "%sZ", base);
}

void
fmt_time_local(int64_t us, char *b, size_t n)
{
	struct tm	 tm;
	time_t		 t;
	char		 base[32];

	t = (time_t)(us / USEC_PER_SEC);
	localtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(b, n, "%s.%03lld", base,
	    (long long)((us % USEC_PER_SEC) / 1000));
}

int
is_today_local(int64_t us)
{
	struct tm	 a, b;
	time_t		 t;

	t = time(NULL);
	localtime_r(&t, &a);
	t = (time_t)(us / USEC_PER_SEC);
	localtime_r(&t, &b);
	return (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

void
sort_i64(int64_t *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_i64);
}

int64_t
percentile_sorted(const int64_t *v, size_t n, double p)
{
	double	 r;
	size_t	 rank;

	if (n == 0)
		return (0);
	if (p <= 0)
		return (v[0]);
	r = ceil(p / 100.0 * (double)n - 1e-9);
	rank = r < 1 ? 1 : (size_t)r;
	if (rank > n)
		rank = n;
	return (v[rank - 1]);
}

int
hex_to_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t	 v;
	size_t		 i;
	int		 c;

	if (n == 0 || n > 16)
		return (-1);
	v = 0;
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			c = c - 'A' + 10;
		else
			return (-1);
		v = (v << 4) | (uint64_t)c;
	}
	*out = v;
	return (0);
}

int
parse_trace_id(const char *s, uint64_t *hi, uint64_t *lo)
{
	size_t	 n;

	n = strlen(s);
	if (n == 0 || n > 32)
		return (-1);
	if (n <= 16) {
		*hi = 0;
		return (hex_to_u64(s, n, lo));
	}
	if (hex_to_u64(s, n - 16, hi) == -1)
		return (-1);
	return (hex_to_u64(s + n - 16, 16, lo));
}

void
fmt_trace_id(uint64_t hi, uint64_t lo, char *b, size_t n)
{
	/* Like Jaeger: a 64-bit trace id prints as 16 digits. */
	if (hi == 0)
		snprintf(b, n, "%016llx", (unsigned long long)lo);
	else
		snprintf(b, n, "%016llx%016llx", (unsigned long long)hi,
		    (unsigned long long)lo);
}

uint64_t
hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (x);
}
