/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sampler.c: always_on, always_off, traceidratio (statistics over
 * ids from a fixed seed, and the boundary rule), parent-based with each of
 * its four delegates, and OTEL_TRACES_SAMPLER names.
 */

#include <sys/types.h>

#include <math.h>
#include <stdint.h>

#include <string.h>

#include "tap.h"
#include "tracing.h"
#include "tracing_private.h"

static int
decide(int d, const struct tracing_context *p, const uint8_t *t,
    const char *n, int k)
{
	(void)p;
	(void)t;
	(void)n;
	(void)k;
	return (d);
}

static int ret_record(void *a, const struct tracing_context *p,
    const uint8_t t[16], const char *n, int k)
{ (void)a; return (decide(TRACING_SAMPLE_RECORD_ONLY, p, t, n, k)); }

static double
sample_rate(const struct tracing_sampler *s, int n)
{
	uint8_t		tid[16];
	int		i, hits;

	tr_rand_seed(42);
	for (hits = 0, i = 0; i < n; i++) {
		tr_rand_bytes(tid, 16);
		if (tracing_sampler_should_sample(s, NULL, tid, "x", 1) ==
		    TRACING_SAMPLE_RECORD_AND_SAMPLE)
			hits++;
	}
	return ((double)hits / n);
}

int
main(void)
{
	struct tracing_sampler	*s, *on, *off, *pb;
	struct tracing_context	 rs, rn, ls, ln;
	uint8_t			 tid[16];
	double			 r;
	const double		 ratios[] = { 0.0, 0.01, 0.25, 0.5, 0.9, 1.0 };
	size_t			 i;
	int			 good;

	tracing_sampler_always_on_alloc(&on);
	tracing_sampler_always_off_alloc(&off);
	memset(tid, 0x11, 16);
	ok(tracing_sampler_should_sample(on, NULL, tid, "x", 1) ==
	    TRACING_SAMPLE_RECORD_AND_SAMPLE && tracing_sampler_should_sample(
	    off, NULL, tid, "x", 1) == TRACING_SAMPLE_DROP,
	    "always_on samples, always_off drops");

	for (i = 0; i < sizeof(ratios) / sizeof(ratios[0]); i++) {
		tracing_sampler_ratio_alloc(&s, ratios[i]);
		r = sample_rate(s, 200000);
		ok(fabs(r - ratios[i]) < 0.005, "traceidratio %.2f: sampled "
		    "%.4f of 200000 ids (seed 42)", ratios[i], r);
		tracing_sampler_free(s);
	}
	tracing_sampler_ratio_alloc(&s, 0.5);
	memset(tid, 0xff, 16);
	memset(tid + 8, 0x00, 8);
	good = tracing_sampler_should_sample(s, NULL, tid, "x", 1) ==
	    TRACING_SAMPLE_RECORD_AND_SAMPLE;
	memset(tid, 0x00, 8);
	memset(tid + 8, 0xff, 8);
	good = good && tracing_sampler_should_sample(s, NULL, tid, "x", 1) ==
	    TRACING_SAMPLE_DROP;
	/* Exactly at the bound: lower half 0x8000..., >>1 = 2^62 = bound. */
	memset(tid + 8, 0, 8);
	tid[8] = 0x80;
	good = good && tracing_sampler_should_sample(s, NULL, tid, "x", 1) ==
	    TRACING_SAMPLE_DROP;
	tid[15] = 0;
	tid[8] = 0x7f;
	memset(tid + 9, 0xff, 7);
	good = good && tracing_sampler_should_sample(s, NULL, tid, "x", 1) ==
	    TRACING_SAMPLE_RECORD_AND_SAMPLE;
	ok(good, "traceidratio uses the lower 8 bytes, big-endian, >> 1, "
	    "against ratio * 2^63; the upper 8 bytes do not matter");
	ok(strcmp(tracing_sampler_description(s), "TraceIdRatioBased{0.5}") ==
	    0, "description TraceIdRatioBased{0.5}");
	ok(tracing_sampler_ratio_alloc(&pb, 1.5) == TRACING_ERR_INVALID &&
	    tracing_sampler_ratio_alloc(&pb, NAN) == TRACING_ERR_INVALID,
	    "ratio outside [0, 1] refused");
	tracing_sampler_free(s);

	/* Parent-based: each delegate gets its own decision. */
	memset(&rs, 0, sizeof(rs));
	rs.sc.valid = 1;
	rn = ls = ln = rs;
	rs.sc.remote = rn.sc.remote = 1;
	rs.sc.flags = ls.sc.flags = TRACE_FLAG_SAMPLED;
	tracing_sampler_custom_alloc(&s, ret_record, NULL, "rec");
	tracing_sampler_parent_based_alloc(&pb, s, NULL, NULL, NULL, NULL);
	ok(tracing_sampler_should_sample(pb, NULL, tid, "x", 1) ==
	    TRACING_SAMPLE_RECORD_ONLY && tracing_sampler_should_sample(pb,
	    &rs, tid, "x", 1) == TRACING_SAMPLE_RECORD_AND_SAMPLE &&
	    tracing_sampler_should_sample(pb, &rn, tid, "x", 1) ==
	    TRACING_SAMPLE_DROP && tracing_sampler_should_sample(pb, &ls, tid,
	    "x", 1) == TRACING_SAMPLE_RECORD_AND_SAMPLE &&
	    tracing_sampler_should_sample(pb, &ln, tid, "x", 1) ==
	    TRACING_SAMPLE_DROP,
	    "parentbased defaults: root delegate, follow the parent's flag");
	tracing_sampler_free(pb);
	{
		struct tracing_sampler	*a, *b, *c2, *d;

		tracing_sampler_always_off_alloc(&a);
		tracing_sampler_always_on_alloc(&b);
		tracing_sampler_custom_alloc(&c2, ret_record, NULL, NULL);
		tracing_sampler_always_on_alloc(&d);
		tracing_sampler_parent_based_alloc(&pb, NULL, a, b, c2, d);
	}
	ok(tracing_sampler_should_sample(pb, NULL, tid, "x", 1) ==
	    TRACING_SAMPLE_RECORD_AND_SAMPLE && tracing_sampler_should_sample(
	    pb, &rs, tid, "x", 1) == TRACING_SAMPLE_DROP &&
	    tracing_sampler_should_sample(pb, &rn, tid, "x", 1) ==
	    TRACING_SAMPLE_RECORD_AND_SAMPLE && tracing_sampler_should_sample(
	    pb, &ls, tid, "x", 1) == TRACING_SAMPLE_RECORD_ONLY &&
	    tracing_sampler_should_sample(pb, &ln, tid, "x", 1) ==
	    TRACING_SAMPLE_RECORD_AND_SAMPLE,
	    "parentbased: the four delegates (remote/local x sampled/not)");
	tracing_sampler_free(pb);
	tracing_sampler_free(off);
	tracing_sampler_free(on);

	good = 1;
	{
		const char	*names[] = { "always_on", "always_off",
				    "traceidratio", "parentbased_always_on",
				    "parentbased_always_off",
				    "parentbased_traceidratio" };

		for (i = 0; i < 6; i++) {
			good = good && tr_sampler_from_config(&s, names[i],
			    "0.1", 1) == TRACING_OK;
			tracing_sampler_free(s);
		}
	}
	ok(good && tr_sampler_from_config(&s, "jaeger_remote", NULL, 1) ==
	    TRACING_ERR_INVALID, "the six OTEL_TRACES_SAMPLER names");
	tr_sampler_from_config(&s, "parentbased_traceidratio", "0.25", 1);
	ok(strcmp(tracing_sampler_description(s),
	    "ParentBased{root=TraceIdRatioBased{0.25}}") == 0,
	    "parentbased_traceidratio with its argument");
	tracing_sampler_free(s);
	{
		struct tracing_sampler	*doff, *don, *ar;
		uint8_t			 xid[16] = { 1 };

		tracing_sampler_always_off_alloc(&doff);
		tracing_sampler_always_record_alloc(&ar, doff);
		ok(tracing_sampler_should_sample(ar, NULL, xid, "x", 1) ==
		    TRACING_SAMPLE_RECORD_ONLY && strcmp(
		    tracing_sampler_description(ar),
		    "AlwaysRecord{AlwaysOffSampler}") == 0,
		    "AlwaysRecord: what the delegate drops is recorded");
		tracing_sampler_free(ar);
		tracing_sampler_always_on_alloc(&don);
		tracing_sampler_always_record_alloc(&ar, don);
		ok(tracing_sampler_should_sample(ar, NULL, xid, "x", 1) ==
		    TRACING_SAMPLE_RECORD_AND_SAMPLE,
		    "AlwaysRecord: what the delegate samples stays sampled");
		tracing_sampler_free(ar);
		ok(tracing_sampler_always_record_alloc(&ar, NULL) ==
		    TRACING_ERR_INVALID && ar == NULL,
		    "AlwaysRecord needs a delegate");
	}
	return (tap_done());
}
