/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap.h: the one TAP producer of every C unit test (tracing/, kore-apps/,
 * cli/): ok(cond, fmt, ...) prints "ok N - what" or "not ok N - what" on
 * stdout (where the failure was goes to stderr), is_i64 and near_i64 say
 * what was got against what was wanted, tap_start numbers from an offset
 * given as argv[1] (several programs make one stream), tap_plan prints
 * "1..N", tap_done gives the exit status. tests/harness counts the lines.
 */

#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int	tap_n;
static int	tap_failed;

static int	tap_ok(int, const char *, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

static __attribute__((unused)) void
tap_start(int argc, char *argv[])
{
	tap_n = argc > 1 ? atoi(argv[1]) : 0;
	tap_failed = 0;
}

static __attribute__((unused)) int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond) {
		tap_failed++;
		fprintf(stderr, "#   failed test at %s:%d\n", file, line);
	}
	return (cond);
}

#define ok(cond, ...)	tap_ok((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

#define is_i64(got, want, ...) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	if (!ok(g_ == w_, __VA_ARGS__))					\
		fprintf(stderr, "  got %lld, want %lld\n", g_, w_);	\
} while (0)

#define near_i64(got, want, tol, ...) do {				\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	long long d_ = g_ > w_ ? g_ - w_ : w_ - g_;			\
	if (!ok(d_ <= (long long)(tol), __VA_ARGS__))			\
		fprintf(stderr, "  got %lld, want %lld +- %lld\n", g_,	\
		    w_, (long long)(tol));				\
} while (0)

static __attribute__((unused)) void
tap_plan(void)
{
	printf("1..%d\n", tap_n);
}

static __attribute__((unused)) int
tap_done(void)
{
	return (tap_failed != 0 ? 1 : 0);
}

#endif /* !TAP_H */
