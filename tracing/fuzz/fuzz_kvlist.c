/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_kvlist.c: libFuzzer target for the "key=value,..." lists of
 * OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS, through the
 * configuration (headers) and the resource builder.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracing_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
quiet(void *arg, int level, const char *msg)
{
	(void)arg;
	(void)level;
	(void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct tracing_config	c;
	struct tr_resource	r;
	char			*s;

	tracing_set_log(quiet, NULL);
	if ((s = malloc(len + 1)) == NULL)
		return (0);
	memcpy(s, data, len);
	s[len] = '\0';
	tr_config_default(&c);
	(void)tracing_config_set(&c, "OTEL_EXPORTER_OTLP_HEADERS", s);
	(void)tracing_config_set(&c, "OTEL_RESOURCE_ATTRIBUTES", s);
	if (tr_resource_build(&r, &c) == TRACING_OK)
		tr_resource_cleanup(&r);
	tr_config_cleanup(&c);
	free(s);
	return (0);
}
