/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util.c: the services' clocks (Kore's monotonic milliseconds, wall-clock
 * nanoseconds for spans and logs) and random hex ids.
 */

#include <sys/random.h>

#include <time.h>

#include <kore/kore.h>

#include "strbuf.h"
#include "svc_util.h"

void
svc_random_hex(char *out, size_t hexlen)
{
	u_int8_t	raw[64];
	size_t		n;

	n = hexlen / 2;
	if (n > sizeof(raw))
		n = sizeof(raw);
	if (getrandom(raw, n, 0) != (ssize_t)n)
		fatal("getrandom: %s", errno_s);
	svc_hex(raw, n, out);
}

u_int64_t
svc_now_ms(void)
{
	return (kore_time_ms());
}

u_int64_t
svc_now_ns(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000000ULL + (u_int64_t)ts.tv_nsec);
}
