/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sampler.c: the specification's samplers: always_on, always_off,
 * traceidratio, parent-based with its four delegates, AlwaysRecord, and
 * host callbacks (with or without the span's attributes and links).
 *
 * traceidratio follows the OpenTelemetry Go and Java SDKs: the lower
 * 8 bytes of the trace id, read big-endian and shifted right by one, are
 * compared with ratio * 2^63. A W3C Level 2 random trace id (or any id we
 * generate) makes that lower half uniformly random, so the decision is the
 * same in every SDK that shares this rule for one trace.
 */

#include <sys/types.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

#define S_ALWAYS_ON	1
#define S_ALWAYS_OFF	2
#define S_RATIO		3
#define S_PARENT	4
#define S_CUSTOM	5
#define S_ALWAYS_RECORD	6	/* root: the delegate; DROP becomes RECORD */
#define S_CUSTOM_PARAMS	7	/* the host's, with attributes and links */

static int
sampler_new(struct tracing_sampler **out, int type)
{
	struct tracing_sampler	*s;

	*out = NULL;
	if ((s = tr_calloc(1, sizeof(*s))) == NULL)
		return (TRACING_ERR_NOMEM);
	s->type = type;
	*out = s;
	return (TRACING_OK);
}

int
tracing_sampler_always_on_alloc(struct tracing_sampler **out)
{
	int	rc;

	if ((rc = sampler_new(out, S_ALWAYS_ON)) == TRACING_OK)
		(void)snprintf((*out)->desc, sizeof((*out)->desc),
		    "AlwaysOnSampler");
	return (rc);
}

int
tracing_sampler_always_off_alloc(struct tracing_sampler **out)
{
	int	rc;

	if ((rc = sampler_new(out, S_ALWAYS_OFF)) == TRACING_OK)
		(void)snprintf((*out)->desc, sizeof((*out)->desc),
		    "AlwaysOffSampler");
	return (rc);
}

int
tracing_sampler_ratio_alloc(struct tracing_sampler **out, double ratio)
{
	struct tracing_sampler	*s;
	int			 rc;

	*out = NULL;
	if (!(ratio >= 0.0 && ratio <= 1.0))
		return (TRACING_ERR_INVALID);
	if ((rc = sampler_new(&s, S_RATIO)) != TRACING_OK)
		return (rc);
	s->ratio = ratio;
	/* ratio * 2^63 without overflow at 1.0. */
	if (ratio >= 1.0)
		s->bound = UINT64_C(1) << 63;
	else
		s->bound = (uint64_t)(ratio * 9223372036854775808.0);
	(void)snprintf(s->desc, sizeof(s->desc), "TraceIdRatioBased{%g}",
	    ratio);
	*out = s;
	return (TRACING_OK);
}

int
tracing_sampler_parent_based_alloc(struct tracing_sampler **out,
    struct tracing_sampler *root, struct tracing_sampler *rps,
    struct tracing_sampler *rpns, struct tracing_sampler *lps,
    struct tracing_sampler *lpns)
{
	struct tracing_sampler	*s;
	int			 rc;

	*out = NULL;
	if ((rc = sampler_new(&s, S_PARENT)) != TRACING_OK)
		goto fail;
	s->root = root;
	s->rps = rps;
	s->rpns = rpns;
	s->lps = lps;
	s->lpns = lpns;
	root = rps = rpns = lps = lpns = NULL;
	if ((s->root == NULL &&
	    (rc = tracing_sampler_always_on_alloc(&s->root)) != TRACING_OK) ||
	    (s->rps == NULL &&
	    (rc = tracing_sampler_always_on_alloc(&s->rps)) != TRACING_OK) ||
	    (s->rpns == NULL &&
	    (rc = tracing_sampler_always_off_alloc(&s->rpns)) != TRACING_OK) ||
	    (s->lps == NULL &&
	    (rc = tracing_sampler_always_on_alloc(&s->lps)) != TRACING_OK) ||
	    (s->lpns == NULL &&
	    (rc = tracing_sampler_always_off_alloc(&s->lpns)) != TRACING_OK)) {
		tracing_sampler_free(s);
		return (rc);
	}
	(void)snprintf(s->desc, sizeof(s->desc), "ParentBased{root=%.64s}",
	    s->root->desc);
	*out = s;
	return (TRACING_OK);
fail:
	tracing_sampler_free(root);
	tracing_sampler_free(rps);
	tracing_sampler_free(rpns);
	tracing_sampler_free(lps);
	tracing_sampler_free(lpns);
	return (rc);
}

int
tracing_sampler_custom_alloc(struct tracing_sampler **out,
    tracing_sample_fn *fn, void *arg, const char *desc)
{
	int	rc;

	*out = NULL;
	if (fn == NULL)
		return (TRACING_ERR_INVALID);
	if ((rc = sampler_new(out, S_CUSTOM)) != TRACING_OK)
		return (rc);
	(*out)->fn = fn;
	(*out)->arg = arg;
	(void)snprintf((*out)->desc, sizeof((*out)->desc), "%s",
	    desc != NULL ? desc : "CustomSampler");
	return (TRACING_OK);
}

/* The host's sampler that also sees the span's attributes and links. */
int
tracing_sampler_custom_params_alloc(struct tracing_sampler **out,
    tracing_sample_params_fn *fn, void *arg, const char *desc)
{
	int	rc;

	*out = NULL;
	if (fn == NULL)
		return (TRACING_ERR_INVALID);
	if ((rc = sampler_new(out, S_CUSTOM_PARAMS)) != TRACING_OK)
		return (rc);
	(*out)->pfn = fn;
	(*out)->arg = arg;
	(void)snprintf((*out)->desc, sizeof((*out)->desc), "%s",
	    desc != NULL ? desc : "CustomSampler");
	return (TRACING_OK);
}

/*
 * AlwaysRecord (the specification's decorator): the delegate decides, and
 * what it would drop is recorded all the same (processors see it; it is
 * not sampled, so not exported). Takes ownership of the delegate.
 */
int
tracing_sampler_always_record_alloc(struct tracing_sampler **out,
    struct tracing_sampler *delegate)
{
	int	rc;

	*out = NULL;
	if (delegate == NULL)
		return (TRACING_ERR_INVALID);
	if ((rc = sampler_new(out, S_ALWAYS_RECORD)) != TRACING_OK) {
		tracing_sampler_free(delegate);
		return (rc);
	}
	(*out)->root = delegate;
	(void)snprintf((*out)->desc, sizeof((*out)->desc),
	    "AlwaysRecord{%.80s}", delegate->desc);
	return (TRACING_OK);
}

void
tracing_sampler_free(struct tracing_sampler *s)
{
	if (s == NULL)
		return;
	tracing_sampler_free(s->root);
	tracing_sampler_free(s->rps);
	tracing_sampler_free(s->rpns);
	tracing_sampler_free(s->lps);
	tracing_sampler_free(s->lpns);
	tr_free(s);
}

const char *
tracing_sampler_description(const struct tracing_sampler *s)
{
	return (s != NULL ? s->desc : "");
}

/* The decision of s for sp (whose parent is NULL or valid). */
static int
sample(const struct tracing_sampler *s,
    const struct tracing_sampling_params *sp)
{
	const struct tracing_context	*parent = sp->parent;
	const struct tracing_sampler	*d;
	uint64_t			 x;
	int				 i, rc;

	if (s == NULL)
		return (TRACING_SAMPLE_RECORD_AND_SAMPLE);
	switch (s->type) {
	case S_ALWAYS_ON:
		return (TRACING_SAMPLE_RECORD_AND_SAMPLE);
	case S_ALWAYS_OFF:
		return (TRACING_SAMPLE_DROP);
	case S_RATIO:
		for (x = 0, i = 8; i < 16; i++)
			x = (x << 8) | sp->trace_id[i];
		return ((x >> 1) < s->bound ?
		    TRACING_SAMPLE_RECORD_AND_SAMPLE : TRACING_SAMPLE_DROP);
	case S_PARENT:
		if (parent == NULL)
			d = s->root;
		else if (parent->sc.remote)
			d = (parent->sc.flags & TRACE_FLAG_SAMPLED) ?
			    s->rps : s->rpns;
		else
			d = (parent->sc.flags & TRACE_FLAG_SAMPLED) ?
			    s->lps : s->lpns;
		return (sample(d, sp));
	case S_ALWAYS_RECORD:
		rc = sample(s->root, sp);
		return (rc == TRACING_SAMPLE_DROP ? TRACING_SAMPLE_RECORD_ONLY :
		    rc);
	case S_CUSTOM:
		rc = s->fn(s->arg, parent, sp->trace_id, sp->name, sp->kind);
		break;
	case S_CUSTOM_PARAMS:
		rc = s->pfn(s->arg, sp);
		break;
	default:
		return (TRACING_SAMPLE_DROP);
	}
	if (rc < TRACING_SAMPLE_DROP || rc > TRACING_SAMPLE_RECORD_AND_SAMPLE)
		rc = TRACING_SAMPLE_DROP;
	return (rc);
}

/* For span start, whose params are already checked: no copy. */
int
tr_sampler_decide(const struct tracing_sampler *s,
    const struct tracing_sampling_params *sp)
{
	return (sample(s, sp));
}

int
tracing_sampler_should_sample_params(const struct tracing_sampler *s,
    const struct tracing_sampling_params *sp)
{
	struct tracing_sampling_params	p;

	if (sp == NULL || sp->trace_id == NULL)
		return (TRACING_SAMPLE_DROP);
	p = *sp;
	if (p.parent != NULL && !p.parent->sc.valid)
		p.parent = NULL;
	if (p.name == NULL)
		p.name = "";
	if (p.attrs == NULL)
		p.nattrs = 0;
	if (p.links == NULL)
		p.nlinks = 0;
	return (sample(s, &p));
}

int
tracing_sampler_should_sample(const struct tracing_sampler *s,
    const struct tracing_context *parent, const uint8_t tid[16],
    const char *name, int kind)
{
	struct tracing_sampling_params	p;

	memset(&p, 0, sizeof(p));
	p.parent = parent;
	p.trace_id = tid;
	p.name = name;
	p.kind = kind;
	return (tracing_sampler_should_sample_params(s, &p));
}

/*
 * OTEL_TRACES_SAMPLER / _ARG. With strict == 0 a bad argument is logged
 * and the ratio defaults to 1.0, as the specification says.
 */
int
tr_sampler_from_config(struct tracing_sampler **out, const char *name,
    const char *arg, int strict)
{
	struct tracing_sampler	*r;
	double			 ratio;
	char			*end;
	int			 rc, parent;

	*out = NULL;
	ratio = 1.0;
	if (arg != NULL) {
		errno = 0;
		ratio = strtod(arg, &end);
		if (errno != 0 || end == arg || *end != '\0' ||
		    !(ratio >= 0.0 && ratio <= 1.0)) {
			if (strict)
				return (TRACING_ERR_INVALID);
			tr_log(TRACING_LOG_WARN, "OTEL_TRACES_SAMPLER_ARG: "
			    "invalid ratio, using 1.0");
			ratio = 1.0;
		}
	}
	if (name == NULL)
		name = "parentbased_always_on";
	parent = strncmp(name, "parentbased_", 12) == 0;
	if (parent)
		name += 12;
	if (strcmp(name, "always_on") == 0)
		rc = tracing_sampler_always_on_alloc(&r);
	else if (strcmp(name, "always_off") == 0)
		rc = tracing_sampler_always_off_alloc(&r);
	else if (strcmp(name, "traceidratio") == 0)
		rc = tracing_sampler_ratio_alloc(&r, ratio);
	else
		return (TRACING_ERR_INVALID);
	if (rc != TRACING_OK)
		return (rc);
	if (!parent) {
		*out = r;
		return (TRACING_OK);
	}
	return (tracing_sampler_parent_based_alloc(out, r, NULL, NULL, NULL,
	    NULL));
}
