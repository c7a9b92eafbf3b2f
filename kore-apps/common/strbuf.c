/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strbuf.c: appending to a fixed buffer, dotted-quad IPv4 text and lower
 * hex: what the request path formats per request, without the format
 * string interpretation snprintf and inet_ntop pay for each call.
 */

#include <string.h>

#include "strbuf.h"

/*
 * Appends n bytes of s at out + *o, cut to what fits before the
 * terminating NUL (len >= 1); *o moves by what was copied.
 */
void
svc_put(char *out, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o >= len - 1)
		n = 0;
	else if (n > len - 1 - *o)
		n = len - 1 - *o;
	memcpy(out + *o, s, n);
	*o += n;
	out[*o] = '\0';
}

/* Four decimal octets in network order, as inet_ntop writes them. */
void
svc_ipv4_text(const uint8_t b[4], char out[SVC_IPV4_TEXT_LEN])
{
	int	i, v;

	for (i = 0; i < 4; i++) {
		v = b[i];
		if (v >= 100)
			*out++ = (char)('0' + v / 100);
		if (v >= 10)
			*out++ = (char)('0' + v / 10 % 10);
		*out++ = (char)('0' + v % 10);
		*out++ = i < 3 ? '.' : '\0';
	}
}

/* n bytes as 2n lower-case hex digits and a NUL. */
void
svc_hex(const uint8_t *raw, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[i * 2] = digits[raw[i] >> 4];
		out[i * 2 + 1] = digits[raw[i] & 0x0f];
	}
	out[n * 2] = '\0';
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Exactly 2n hex digits into n bytes: 1, or 0 if s is anything else. */
int
svc_unhex(const char *s, uint8_t *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		if ((hi = hex_digit(s[2 * i])) < 0 ||
		    (lo = hex_digit(s[2 * i + 1])) < 0)
			return (0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (s[2 * n] == '\0');
}
