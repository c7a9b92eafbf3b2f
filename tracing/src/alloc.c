/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alloc.c: the settable allocator every allocation goes through, the log
 * callback, result code texts, the clock, and the capped byte buffer.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tracing_private.h"

static void	log_default(void *, int, const char *);

static void	*(*tr_malloc_fn)(size_t) = malloc;
static void	*(*tr_realloc_fn)(void *, size_t) = realloc;
static void	(*tr_free_fn)(void *) = free;

static tracing_log_fn	*log_fn = log_default;
static void		*log_arg = NULL;
static int		 log_level = TRACING_LOG_INFO;

static const char *level_names[] = {
	"none", "error", "warn", "info", "debug"
};

void
tracing_set_allocator(void *(*m)(size_t), void *(*r)(void *, size_t),
    void (*f)(void *))
{
	tr_malloc_fn = m != NULL ? m : malloc;
	tr_realloc_fn = r != NULL ? r : realloc;
	tr_free_fn = f != NULL ? f : free;
}

void *
tr_malloc(size_t len)
{
	if (len == 0)
		len = 1;
	return (tr_malloc_fn(len));
}

void *
tr_calloc(size_t n, size_t sz)
{
	void	*p;

	if (sz != 0 && n > SIZE_MAX / sz)
		return (NULL);
	if ((p = tr_malloc(n * sz)) != NULL)
		memset(p, 0, n * sz);
	return (p);
}

void *
tr_realloc(void *p, size_t len)
{
	if (len == 0)
		len = 1;
	return (tr_realloc_fn(p, len));
}

void
tr_free(void *p)
{
	if (p != NULL)
		tr_free_fn(p);
}

void
tracing_free(void *p)
{
	tr_free(p);
}

char *
tr_strndup(const char *s, size_t len)
{
	char	*p;

	if ((p = tr_malloc(len + 1)) == NULL)
		return (NULL);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
tr_strdup(const char *s)
{
	return (tr_strndup(s, strlen(s)));
}

const char *
tracing_version(void)
{
	return (TRACING_VERSION);
}

const char *
tracing_strerror(int code)
{
	switch (code) {
	case TRACING_OK:
		return ("success");
	case TRACING_ERR_NOMEM:
		return ("out of memory");
	case TRACING_ERR_INVALID:
		return ("invalid argument or value");
	case TRACING_ERR_STATE:
		return ("invalid state");
	case TRACING_ERR_TIMEOUT:
		return ("timed out");
	case TRACING_ERR_EXPORT:
		return ("export failed");
	case TRACING_ERR_SYSTEM:
		return ("system call failed");
	case TRACING_ERR_LIMIT:
		return ("limit reached");
	case TRACING_ERR_RETRY:
		return ("export failed, retryable");
	}
	return ("unknown error");
}

uint64_t
tracing_now(void)
{
	struct timespec		ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

static void
log_default(void *arg, int level, const char *msg)
{
	(void)arg;
	fprintf(stderr, "tracing: %s: %s\n", level_names[level], msg);
}

void
tracing_set_log(tracing_log_fn *fn, void *arg)
{
	log_fn = fn != NULL ? fn : log_default;
	log_arg = fn != NULL ? arg : NULL;
}

void
tracing_set_log_level(int level)
{
	if (level < TRACING_LOG_NONE)
		level = TRACING_LOG_NONE;
	if (level > TRACING_LOG_DEBUG)
		level = TRACING_LOG_DEBUG;
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

int
tr_log_enabled(int level)
{
	return (level <= __atomic_load_n(&log_level, __ATOMIC_RELAXED));
}

void
tr_log(int level, const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];

	if (level <= TRACING_LOG_NONE || !tr_log_enabled(level))
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_fn(log_arg, level, msg);
}

int
tr_log_level_parse(const char *s, int *level)
{
	size_t		i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*level = (int)i;
			return (TRACING_OK);
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*level = TRACING_LOG_WARN;
		return (TRACING_OK);
	}
	if (strcasecmp(s, "trace") == 0) {
		*level = TRACING_LOG_DEBUG;
		return (TRACING_OK);
	}
	return (TRACING_ERR_INVALID);
}

void
tr_buf_init(struct tr_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
tr_buf_cleanup(struct tr_buf *b)
{
	tr_free(b->data);
	memset(b, 0, sizeof(*b));
}

int
tr_buf_reserve(struct tr_buf *b, size_t extra)
{
	size_t		 need, ncap;
	uint8_t		*p;

	if (extra > SIZE_MAX - b->len - 1)
		return (TRACING_ERR_LIMIT);
	need = b->len + extra + 1;
	if (b->max != 0 && need > b->max + 1)
		return (TRACING_ERR_LIMIT);
	if (need <= b->cap)
		return (TRACING_OK);
	ncap = b->cap != 0 ? b->cap : 64;
	while (ncap < need)
		ncap *= 2;
	if ((p = tr_realloc(b->data, ncap)) == NULL)
		return (TRACING_ERR_NOMEM);
	b->data = p;
	b->cap = ncap;
	return (TRACING_OK);
}

int
tr_buf_append(struct tr_buf *b, const void *d, size_t len)
{
	int	rc;

	if ((rc = tr_buf_reserve(b, len)) != TRACING_OK)
		return (rc);
	if (len > 0)
		memcpy(b->data + b->len, d, len);
	b->len += len;
	b->data[b->len] = '\0';
	return (TRACING_OK);
}

int
tr_buf_appendf(struct tr_buf *b, const char *fmt, ...)
{
	va_list		ap;
	int		n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return (TRACING_ERR_INVALID);
	if ((rc = tr_buf_reserve(b, (size_t)n)) != TRACING_OK)
		return (rc);
	va_start(ap, fmt);
	(void)vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return (TRACING_OK);
}

const char *
tr_buf_cstr(struct tr_buf *b)
{
	if (b->data == NULL)
		return ("");
	return ((const char *)b->data);
}
