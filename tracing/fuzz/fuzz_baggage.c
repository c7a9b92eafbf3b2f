/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_baggage.c: libFuzzer target for the baggage parser and serializer:
 * the limits hold and what we write parses back to the same members.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tracing_context	*c, *c2;
	struct tr_buf		 b;
	size_t			 i;

	if (tracing_context_alloc(&c) != TRACING_OK ||
	    tracing_context_alloc(&c2) != TRACING_OK)
		abort();
	(void)tr_baggage_parse((const char *)data, len, c);
	if (c->nbag > BAGGAGE_MAX_MEMBERS)
		abort();
	tr_buf_init(&b, BAGGAGE_MAX_BYTES);
	if (tr_baggage_format(c, &b) == TRACING_OK) {
		if (b.len > BAGGAGE_MAX_BYTES)
			abort();
		(void)tr_baggage_parse(tr_buf_cstr(&b), b.len, c2);
		if (c2->nbag > c->nbag)
			abort();
		for (i = 0; i < c2->nbag; i++) {
			if (strcmp(tracing_context_baggage_get(c,
			    c2->bag[i].key), c2->bag[i].value) != 0)
				abort();
		}
	}
	tr_buf_cleanup(&b);
	tracing_context_free(c);
	tracing_context_free(c2);
	return (0);
}
