/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_tracestate.c: libFuzzer target for the tracestate parser and the
 * trimming serializer: what the parser keeps is at most 32 members, each
 * with a valid key and value, no key twice (later duplicates are dropped);
 * what we send is at most 512 characters, parses again, and has at most
 * as many members.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tr_tsmember	m[TRACESTATE_MAX_MEMBERS], m2[TRACESTATE_MAX_MEMBERS];
	size_t			n, n2, i, j;
	char			*s;

	if (tr_tracestate_parse((const char *)data, len, m, &n) != TRACING_OK)
		return (0);
	if (n > TRACESTATE_MAX_MEMBERS)
		abort();
	for (i = 0; i < n; i++) {
		if (!tr_tracestate_key_valid(m[i].key, m[i].klen) ||
		    !tr_tracestate_value_valid(m[i].val, m[i].vlen))
			abort();
		for (j = 0; j < i; j++)
			if (m[j].klen == m[i].klen &&
			    memcmp(m[j].key, m[i].key, m[i].klen) == 0)
				abort();
	}
	if (tr_tracestate_join(m, n, &s) != TRACING_OK)
		return (0);
	if (s != NULL) {
		if (strlen(s) > TRACESTATE_MAX_LEN ||
		    tr_tracestate_parse(s, strlen(s), m2, &n2) != TRACING_OK ||
		    n2 > n)
			abort();
		tr_free(s);
	}
	return (0);
}
