/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.h: small shared helpers of tracectl: allocation that never returns
 * NULL, an arena for per-trace strings, a growable byte buffer with a cap,
 * duration and time parsing/formatting, and percentiles.
 */
#ifndef TRACECTL_UTIL_H
#define TRACECTL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The exit status of a failure of tracectl itself: memory, its output. */
#define EX_INTERNAL	4

#define USEC_PER_MSEC	1000LL
#define USEC_PER_SEC	1000000LL

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* An arena: many small allocations freed at once (one per trace). */
struct arena_chunk;
struct arena {
	struct arena_chunk	*head;
	size_t			 used;
	size_t			 size;
};

void	 arena_init(struct arena *);
void	 arena_cleanup(struct arena *);
void	*arena_alloc(struct arena *, size_t);
char	*arena_strdup(struct arena *, const char *);
char	*arena_strndup(struct arena *, const char *, size_t);

/* A growable buffer; appends fail (return -1) past its cap. */
struct buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
	size_t	 max;
};

void	 buf_init(struct buf *, size_t);
void	 buf_cleanup(struct buf *);
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_appendf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 buf_reset(struct buf *);

/*
 * Durations: "250ms", "1.5s", "2m", "1h30m", "3d", "750us", "100ns" (a bare
 * number means the given default unit).  Result in microseconds.  Return 0 on
 * success, -1 on malformed or out of range input.
 */
int	 parse_duration(const char *, int64_t, int64_t *);
/*
 * Times: RFC 3339 ("2026-11-24T19:00:00Z", fraction and offset optional, a
 * space instead of T), "now", or "-DURATION" relative to now.  Result in
 * microseconds since the epoch.
 */
int	 parse_time(const char *, int64_t, int64_t *);
/* Strictly parse a decimal integer within [min, max]. */
int	 parse_int(const char *, long long, long long, long long *);
/* Parse a decimal number (price, rate). */
int	 parse_double(const char *, double, double, double *);

int64_t	 now_us(void);
int64_t	 mono_us(void);
/* "1.23s", "45.6ms", "789us": 4 significant characters or so. */
void	 fmt_duration(int64_t, char *, size_t);
/* RFC 3339 UTC with microseconds or with seconds only. */
void	 fmt_time_rfc3339(int64_t, int, char *, size_t);
/* Local "2026-11-24 19:00:01.123" for tables. */
void	 fmt_time_local(int64_t, char *, size_t);
/* Whether a time falls on today's local date. */
int	 is_today_local(int64_t);

/*
 * Percentiles by nearest rank: the p-th percentile of n sorted values is the
 * value at 1-based rank ceil(p / 100 * n); always a value that was measured.
 * Sorts v in place.  Returns 0 for n == 0.
 */
void	 sort_i64(int64_t *, size_t);
int64_t	 percentile_sorted(const int64_t *, size_t, double);

/* Hex ids: parse up to 16 (span) or 32 (trace) hex digits, any case. */
int	 hex_to_u64(const char *, size_t, uint64_t *);
int	 parse_trace_id(const char *, uint64_t *, uint64_t *);
void	 fmt_trace_id(uint64_t, uint64_t, char *, size_t);
/* FNV-1a for hash tables. */
uint64_t hash_u64(uint64_t);

#endif
