/*
 * fuzz_tracestate.c: libFuzzer target for the tracestate parser and the
 * trimming serializer: what we keep is at most 512 characters, parses
 * again, and has at most 32 members.
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
	size_t			n, n2;
	char			*s;

	if (tr_tracestate_parse((const char *)data, len, m, &n) != TRACING_OK)
		return (0);
	if (n > TRACESTATE_MAX_MEMBERS)
		abort();
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
