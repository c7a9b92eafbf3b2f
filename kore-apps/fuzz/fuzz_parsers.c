/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_parsers.c: libFuzzer over the services' own small parsers, which
 * the front-door fuzzer reaches only through whole requests: the fault
 * configuration (FAULTS_<SERVICE> and $FAULTS_DIR files: fault_cfg_parse),
 * the X-Fault header (fault_header_parse) and route matching (a pattern
 * and a path, svc_route_match). The first byte picks the parser. What a
 * successful parse gives must be within its documented bounds.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "route.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t
rnd(void)
{
	static uint64_t	x = 88172645463325252ULL;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (x);
}

static void
check_cfg(const struct fault_cfg *c)
{
	if (c->latency_percent > 100 || c->error_percent > 100 ||
	    c->latency_min_ms > c->latency_max_ms ||
	    (c->error_status != 0 &&
	    (c->error_status < 500 || c->error_status > 599)))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fault_cfg	 c;
	struct fault_plan	 p;
	struct svc_match	 m;
	char			*s, *nl, err[128];
	int			 i;

	if (len < 1 || len > 8192)
		return (0);
	if ((s = malloc(len)) == NULL)
		return (0);
	memcpy(s, data + 1, len - 1);
	s[len - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		fault_cfg_init(&c);
		if (fault_cfg_parse(&c, s, err, sizeof(err))) {
			check_cfg(&c);
			memset(&p, 0, sizeof(p));
			fault_plan(&c, rnd, &p);
			if (p.error_status != 0 && (p.error_status < 500 ||
			    p.error_status > 599))
				abort();
		} else if (memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		break;
	case 1:
		memset(&p, 0, sizeof(p));
		if (fault_header_parse(s, rnd, &p) && p.error_status != 0 &&
		    (p.error_status < 500 || p.error_status > 599))
			abort();
		break;
	default:
		/* "pattern\npath" */
		if ((nl = strchr(s, '\n')) == NULL)
			break;
		*nl = '\0';
		memset(&m, 0, sizeof(m));
		if (svc_route_match(s, nl + 1, &m)) {
			if (m.nparams < 0 || m.nparams > SVC_PARAMS_MAX)
				abort();
			for (i = 0; i < m.nparams; i++)
				if (memchr(m.params[i], '\0',
				    sizeof(m.params[i])) == NULL)
					abort();
		}
		break;
	}
	free(s);
	return (0);
}
