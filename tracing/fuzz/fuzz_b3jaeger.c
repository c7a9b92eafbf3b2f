/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_b3jaeger.c: libFuzzer target for the b3 and uber-trace-id parsers:
 * any input either fails or yields a valid, non-zero span context that
 * the injected form of the same format gives back.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char	injected[128];

static void
keep(void *carrier, const char *name, const char *value)
{
	(void)carrier;
	if (strcmp(name, "b3") == 0 || strcmp(name, "uber-trace-id") == 0)
		strncpy(injected, value, sizeof(injected) - 1);
}

static void
check(int (*parse)(const char *, size_t, struct tr_spanctx *),
    const struct tr_spanctx *sc)
{
	struct tr_spanctx	back;

	if (!sc->valid || memcmp(sc->trace_id, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
	    "\0\0", 16) == 0 || memcmp(sc->span_id, "\0\0\0\0\0\0\0\0", 8) == 0)
		abort();
	if (parse(injected, strlen(injected), &back) != TRACING_OK ||
	    memcmp(back.trace_id, sc->trace_id, 16) != 0 ||
	    memcmp(back.span_id, sc->span_id, 8) != 0 ||
	    (back.flags & 1) != (sc->flags & 1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tr_spanctx	sc;

	if (tr_b3_single_parse((const char *)data, len, &sc) == TRACING_OK) {
		tr_b3_inject(&sc, 0, keep, NULL);
		check(tr_b3_single_parse, &sc);
	}
	if (tr_jaeger_parse((const char *)data, len, &sc) == TRACING_OK) {
		(void)tr_jaeger_inject(&sc, NULL, keep, NULL);
		check(tr_jaeger_parse, &sc);
	}
	return (0);
}
