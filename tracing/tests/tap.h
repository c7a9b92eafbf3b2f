/*
 * tap.h: the few TAP helpers every unit test uses: ok() prints one TAP
 * line on stdout (diagnostics go to stderr), tap_done() gives the exit
 * status. tests/run.sh numbers the lines of all programs in one sequence.
 * Also a log capture for the library's log callback.
 */

#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int	tap_n;
static int	tap_failed;

static void	tap_ok(int, const char *, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

static __attribute__((unused)) void
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond) {
		tap_failed++;
		fprintf(stderr, "#   failed test at %s:%d\n", file, line);
	}
}

#define ok(cond, ...)	tap_ok((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

static __attribute__((unused)) int
tap_done(void)
{
	return (tap_failed != 0 ? 1 : 0);
}

/* Log capture: every message appended, lines separated by '\n'. */
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

#endif /* !TAP_H */
