/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_otlp_response.c: libFuzzer target for the decoding of what an OTLP
 * peer sends back: ExportTraceServiceResponse (partial success), gRPC
 * status details (RetryInfo) and Retry-After values.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracing_private.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	int64_t		 rejected;
	uint64_t	 ms;
	char		 msg[128], *s;

	(void)tr_otlp_response_parse(data, len, &rejected, msg, sizeof(msg));
	(void)tr_grpc_status_details_retry((const char *)data, len, &ms);
	if ((s = malloc(len + 1)) == NULL)
		return (0);
	memcpy(s, data, len);
	s[len] = '\0';
	if (tr_retry_after_parse(s, time(NULL), &ms) == TRACING_OK &&
	    ms > 3600 * 1000)
		abort();
	free(s);
	return (0);
}
