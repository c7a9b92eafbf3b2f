/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_model.c: a libFuzzer target for tracectl's parsers: any bytes as a
 * legacy answer, as an OTLP (v3) answer, and as duration and time flags.
 * Build and run: make -C cli fuzz [FUZZ_SECONDS=60].
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_set	 ts;
	json_t			*js;
	char			 err[256], *s;
	int64_t			 v;

	if ((js = json_loadb((const char *)data, size, 0, NULL)) != NULL) {
		trace_set_init(&ts);
		(void)model_parse_legacy(js, &ts, err, sizeof(err));
		trace_set_cleanup(&ts);
		(void)model_parse_v3(js, &ts, err, sizeof(err));
		trace_set_cleanup(&ts);
		json_decref(js);
	}
	if (size < 256) {
		s = xmalloc(size + 1);
		memcpy(s, data, size);
		s[size] = '\0';
		(void)parse_duration(s, 1000, &v);
		(void)parse_time(s, 1795549737000000LL, &v);
		free(s);
	}
	return (0);
}
