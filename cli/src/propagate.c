/*
 * propagate.c: the W3C trace context of tracectl's outgoing requests.  Today
 * it makes a fresh, sampled traceparent from random ids (getrandom), which
 * the gateway continues; when the tracing library lands, this file alone
 * changes to start tracectl's own CLIENT span and inject its context.
 */

#include <sys/types.h>
#include <sys/random.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tracectl.h"

static int
random_bytes(void *p, size_t n)
{
	ssize_t	 r;
	size_t	 got;

	for (got = 0; got < n; got += (size_t)r) {
		r = getrandom((char *)p + got, n - got, 0);
		if (r == -1) {
			if (errno == EINTR) {
				r = 0;
				continue;
			}
			return (-1);
		}
	}
	return (0);
}

int
propagate_new(struct traceparent *tp)
{
	uint64_t	 v[3];

	/* All-zero ids are invalid (W3C trace context 3.2.2.3, 3.2.2.4). */
	do {
		if (random_bytes(v, sizeof(v)) == -1)
			return (-1);
	} while ((v[0] == 0 && v[1] == 0) || v[2] == 0);
	tp->trace_hi = v[0];
	tp->trace_lo = v[1];
	tp->span_id = v[2];
	snprintf(tp->header, sizeof(tp->header),
	    "traceparent: 00-%016llx%016llx-%016llx-01",
	    (unsigned long long)tp->trace_hi, (unsigned long long)tp->trace_lo,
	    (unsigned long long)tp->span_id);
	return (0);
}

void
propagate_end(struct traceparent *tp, long http_status)
{
	/*
	 * Nothing to record without the tracing library: the context was
	 * only propagated.  With it, this ends the CLIENT span, status ERROR
	 * for no answer or a 5xx.
	 */
	(void)tp;
	(void)http_status;
}
