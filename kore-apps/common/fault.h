/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fault.h: fault knobs, for demos and for learning from slow or failing
 * traces: added latency (fixed or a range, for a percentage of requests),
 * a percentage of requests failed with a chosen 5xx, a percentage served
 * whose answer is then lost, or an outage (every request refused). Pure C
 * on jansson; the Kore side lives in faults.c.
 *
 * Layer 0, pure C (see docs/development.md, "The layers of
 * kore-apps/common"): calls nothing of kore-apps/common.
 */

#ifndef FAULT_H
#define FAULT_H

#include <stdint.h>

#include <jansson.h>

struct fault_cfg {
	unsigned int	latency_min_ms;
	unsigned int	latency_max_ms;
	unsigned int	latency_percent;	/* 0..100 */
	unsigned int	error_percent;		/* 0..100 */
	unsigned int	error_status;		/* 500..599 */
	unsigned int	lose_answer_percent;	/* 0..100 */
	int		outage;
	int		allow_header;		/* honour X-Fault */
};

/* What to do to one request. */
struct fault_plan {
	unsigned int	latency_ms;
	unsigned int	error_status;		/* 0: none */
	int		outage;
	int		lose_answer;		/* served, answer dropped */
	int		from_header;
};

void	fault_cfg_init(struct fault_cfg *);
int	fault_cfg_parse(struct fault_cfg *, const char *, char *, size_t);
int	fault_header_parse(const char *, uint64_t (*)(void),
	    struct fault_plan *);
void	fault_plan(const struct fault_cfg *, uint64_t (*)(void),
	    struct fault_plan *);
int	fault_active(const struct fault_cfg *);

#endif
