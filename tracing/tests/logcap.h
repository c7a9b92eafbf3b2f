/* SPDX-License-Identifier: Apache-2.0 */
/*
 * logcap.h: a capture of the tracing library's log for the unit tests:
 * log_capture is the log callback (every message appended, one a line),
 * log_count counts a substring in what was captured, log_reset empties it.
 */

#ifndef LOGCAP_H
#define LOGCAP_H

#include <string.h>

static char	logbuf[65536];
static size_t	loglen;

static __attribute__((unused)) void
log_capture(void *arg, int level, const char *msg)
{
	size_t	n;

	(void)arg;
	(void)level;
	n = strlen(msg);
	if (loglen + n + 2 < sizeof(logbuf)) {
		memcpy(logbuf + loglen, msg, n);
		loglen += n;
		logbuf[loglen++] = '\n';
		logbuf[loglen] = '\0';
	}
}

static __attribute__((unused)) void
log_reset(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

static __attribute__((unused)) int
log_count(const char *needle)
{
	const char	*p;
	int		 n;

	for (n = 0, p = logbuf; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return (n);
}

#endif /* !LOGCAP_H */
