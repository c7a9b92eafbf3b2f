/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_util.c: unit tests of tracectl's parsers and figures that need no
 * fixture: durations, times, integers, trace ids, percentiles and the per
 * operation aggregator.
 */

#include <stdint.h>
#include <string.h>

#include "stats.h"
#include "tap.h"
#include "util.h"

static void
test_durations(void)
{
	int64_t	 v;

	ok(parse_duration("200", USEC_PER_MSEC, &v) == 0 && v == 200000,
	    "duration: a bare number takes the default unit (ms)");
	ok(parse_duration("1.5s", USEC_PER_MSEC, &v) == 0 && v == 1500000,
	    "duration: 1.5s");
	ok(parse_duration("1h30m", 1, &v) == 0 && v == 5400LL * USEC_PER_SEC,
	    "duration: 1h30m");
	ok(parse_duration("2d", 1, &v) == 0 && v == 172800LL * USEC_PER_SEC,
	    "duration: 2d");
	ok(parse_duration("750us", 1, &v) == 0 && v == 750,
	    "duration: 750us");
	ok(parse_duration("750\xc2\xb5s", 1, &v) == 0 && v == 750,
	    "duration: 750 with the micro sign");
	ok(parse_duration("250ms", 1, &v) == 0 && v == 250000,
	    "duration: ms is not m then s");
	ok(parse_duration("1500ns", 1, &v) == 0 && v == 2,
	    "duration: ns round to the nearest microsecond");
	ok(parse_duration("", 1, &v) == -1, "duration: empty is refused");
	ok(parse_duration("abc", 1, &v) == -1, "duration: words are refused");
	ok(parse_duration("10x", 1, &v) == -1, "duration: unknown unit");
	ok(parse_duration("1h30", 1, &v) == -1,
	    "duration: a unitless tail after a unit is refused");
	ok(parse_duration("-5s", 1, &v) == -1, "duration: negative refused");
	ok(parse_duration("5 s", 1, &v) == -1, "duration: inner space refused");
}

static void
test_times(void)
{
	int64_t	 v, now = 1795549737000000LL;
	char	 b[64];

	ok(parse_time("2026-11-24T19:00:00Z", now, &v) == 0 &&
	    v == 1795546800LL * USEC_PER_SEC, "time: RFC 3339 UTC");
	ok(parse_time("2026-11-24T19:00:00.25Z", now, &v) == 0 &&
	    v == 1795546800LL * USEC_PER_SEC + 250000,
	    "time: fraction of a second");
	ok(parse_time("2026-11-24T20:00:00+01:00", now, &v) == 0 &&
	    v == 1795546800LL * USEC_PER_SEC, "time: offset east");
	ok(parse_time("2026-11-24T14:30:00-04:30", now, &v) == 0 &&
	    v == 1795546800LL * USEC_PER_SEC, "time: offset west");
	ok(parse_time("2026-11-24 19:00", now, &v) == 0 &&
	    v == 1795546800LL * USEC_PER_SEC, "time: space and no seconds");
	ok(parse_time("2026-11-24", now, &v) == 0 &&
	    v == 1795478400LL * USEC_PER_SEC, "time: a date is its midnight");
	ok(parse_time("now", now, &v) == 0 && v == now, "time: now");
	ok(parse_time("-1h", now, &v) == 0 && v == now - 3600 * USEC_PER_SEC,
	    "time: -1h is an hour ago");
	ok(parse_time("2026-13-01T00:00:00Z", now, &v) == -1,
	    "time: month 13 refused");
	ok(parse_time("2026-11-24T25:00:00Z", now, &v) == -1,
	    "time: hour 25 refused");
	ok(parse_time("2026-11-24T19:00:00Zjunk", now, &v) == -1,
	    "time: trailing junk refused");
	ok(parse_time("yesterday", now, &v) == -1, "time: words refused");
	fmt_time_rfc3339(1795546800LL * USEC_PER_SEC + 123456, 1, b,
	    sizeof(b));
	ok(strcmp(b, "2026-11-24T19:00:00.123456Z") == 0,
	    "time: RFC 3339 output with microseconds (%s)", b);
	ok(parse_time(b, now, &v) == 0 &&
	    v == 1795546800LL * USEC_PER_SEC + 123456,
	    "time: output parses back to the same microsecond");
}

static void
test_numbers(void)
{
	long long	 v;
	double		 d;

	ok(parse_int("42", 1, 100, &v) == 0 && v == 42, "int: 42");
	ok(parse_int("0", 1, 100, &v) == -1, "int: below min refused");
	ok(parse_int("101", 1, 100, &v) == -1, "int: above max refused");
	ok(parse_int("4x", 1, 100, &v) == -1, "int: junk refused");
	ok(parse_int("", 1, 100, &v) == -1, "int: empty refused");
	ok(parse_double("19.99", 0, 1e6, &d) == 0 && d > 19.98 && d < 20,
	    "double: 19.99");
	ok(parse_double("nan", 0, 1e6, &d) == -1, "double: nan refused");
}

static void
test_ids(void)
{
	uint64_t	 hi, lo;
	char		 b[40];

	ok(parse_trace_id("4bf92f3577b34da6a3ce929d0e0e4736", &hi, &lo) == 0 &&
	    hi == 0x4bf92f3577b34da6ULL && lo == 0xa3ce929d0e0e4736ULL,
	    "trace id: 32 hex digits");
	ok(parse_trace_id("A1B2C3D4E5F60718", &hi, &lo) == 0 && hi == 0 &&
	    lo == 0xa1b2c3d4e5f60718ULL, "trace id: 16 digits, upper case");
	ok(parse_trace_id("0000000000000000a1b2c3d4e5f60718", &hi, &lo) == 0 &&
	    hi == 0 && lo == 0xa1b2c3d4e5f60718ULL,
	    "trace id: 32 digits with a zero high half");
	fmt_trace_id(0, 0xa1b2c3d4e5f60718ULL, b, sizeof(b));
	ok(strcmp(b, "a1b2c3d4e5f60718") == 0,
	    "trace id: a 64-bit id prints as 16 digits, like Jaeger");
	fmt_trace_id(1, 2, b, sizeof(b));
	ok(strcmp(b, "00000000000000010000000000000002") == 0,
	    "trace id: a 128-bit id prints as 32 digits");
	ok(parse_trace_id("4bf92f3577b34da6a3ce929d0e0e47360", &hi, &lo) == -1,
	    "trace id: 33 digits refused");
	ok(parse_trace_id("xyz", &hi, &lo) == -1, "trace id: non-hex refused");
	ok(parse_trace_id("", &hi, &lo) == -1, "trace id: empty refused");
}

static void
test_percentiles(void)
{
	int64_t	 v[100], w[4] = { 40, 10, 30, 20 }, one = 7;
	int	 i;

	for (i = 0; i < 100; i++)
		v[i] = 100 - i;		/* 100..1, unsorted */
	sort_i64(v, 100);
	is_i64(percentile_sorted(v, 100, 50), 50, "p50 of 1..100 is 50");
	is_i64(percentile_sorted(v, 100, 90), 90, "p90 of 1..100 is 90");
	is_i64(percentile_sorted(v, 100, 99), 99, "p99 of 1..100 is 99");
	is_i64(percentile_sorted(v, 100, 100), 100, "p100 is the max");
	sort_i64(w, 4);
	is_i64(percentile_sorted(w, 4, 50), 20,
	    "nearest rank: p50 of 4 values is the 2nd");
	is_i64(percentile_sorted(w, 4, 90), 40,
	    "nearest rank: p90 of 4 values is the 4th (no interpolation)");
	is_i64(percentile_sorted(w, 4, 25), 10,
	    "nearest rank: p25 of 4 values is the 1st");
	is_i64(percentile_sorted(&one, 1, 99), 7, "one value is every "
	    "percentile");
	is_i64(percentile_sorted(NULL, 0, 50), 0, "no values: 0");
}

static void
test_stats(void)
{
	struct stats	 s;
	int		 i;

	stats_init(&s);
	for (i = 1; i <= 10; i++)
		stats_add(&s, "svc-b", "op", i * 1000, i == 3);
	stats_add(&s, "svc-a", "op", 5, 0);
	stats_add(&s, "svc-b", "other", 1, 1);
	stats_finish(&s);
	ok(s.nops == 3, "stats: three service+operation groups");
	ok(strcmp(s.ops[0].service, "svc-a") == 0 &&
	    strcmp(s.ops[2].operation, "other") == 0,
	    "stats: sorted by service, then operation");
	is_i64(s.ops[1].n, 10, "stats: count");
	is_i64(s.ops[1].errors, 1, "stats: errors");
	is_i64(s.ops[1].p50, 5000, "stats: p50");
	is_i64(s.ops[1].p90, 9000, "stats: p90");
	is_i64(s.ops[1].p99, 10000, "stats: p99");
	is_i64(s.ops[1].max, 10000, "stats: max");
	is_i64(s.spans, 12, "stats: span total");
	stats_cleanup(&s);
}

static void
test_format(void)
{
	char	 b[32];

	fmt_duration(999, b, sizeof(b));
	ok(strcmp(b, "999us") == 0, "format: 999us");
	fmt_duration(1500, b, sizeof(b));
	ok(strcmp(b, "1.50ms") == 0, "format: 1.50ms");
	fmt_duration(360000, b, sizeof(b));
	ok(strcmp(b, "360ms") == 0, "format: 360ms");
	fmt_duration(2500000, b, sizeof(b));
	ok(strcmp(b, "2.50s") == 0, "format: 2.50s");
}

int
main(int argc, char *argv[])
{
	tap_start(argc, argv);
	test_durations();
	test_times();
	test_numbers();
	test_ids();
	test_percentiles();
	test_stats();
	test_format();
	return (tap_done());
}
