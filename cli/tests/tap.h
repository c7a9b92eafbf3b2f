/*
 * tap.h: a minimal TAP producer for tracectl's unit tests: "ok N - what" or
 * "not ok N - what", numbered from an offset given as argv[1] so several
 * test programs make one stream.  Diagnostics go to stderr.
 */
#ifndef TRACECTL_TAP_H
#define TRACECTL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_n, tap_failed;

static void
tap_start(int argc, char *argv[])
{
	tap_n = argc > 1 ? atoi(argv[1]) : 0;
	tap_failed = 0;
}

__attribute__((format(printf, 4, 5))) static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list	 ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		fprintf(stderr, "failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return (cond);
}

#define ok(cond, ...)	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
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

static int
tap_done(void)
{
	return (tap_failed > 0 ? 1 : 0);
}

#endif
