/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_traceparent.c: libFuzzer target for the traceparent parser: any
 * input either fails or yields a valid, non-zero span context whose
 * serialization parses back to the same context.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tr_spanctx	sc, back;
	char			out[56];

	if (tr_traceparent_parse((const char *)data, len, &sc) != TRACING_OK)
		return (0);
	if (!sc.valid)
		abort();
	tr_traceparent_format(&sc, out);
	if (tr_traceparent_parse(out, strlen(out), &back) != TRACING_OK ||
	    memcmp(&sc, &back, sizeof(sc)) != 0)
		abort();
	return (0);
}
