/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_otlp.h: starts and stops tests/fake_otlp.py, the scripted OTLP/HTTP
 * peer, for the unit tests that export over a real socket (test_retry.c,
 * test_sandbox.c, test_tls.c). Its address ends up in base
 * ("http://127.0.0.1:PORT", or https:// with TLS).
 */

#ifndef FAKE_OTLP_H
#define FAKE_OTLP_H

#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pid_t	server_pid = -1;
static int	server_fd = -1;
static char	base[64];

/*
 * The peer with more arguments for fake_otlp.py (NULL-terminated; TLS:
 * "--tls", cert, key[, "--client-ca", ca]): base is then https://.
 */
static __attribute__((unused)) int
server_start_args(const char *const *extra)
{
	char		 portfile[] = "/tmp/fake-otlp-XXXXXX";
	char		 script[1024], port[16];
	const char	*dir, *argv[16];
	FILE		*f;
	int		 fds[2], fd, i, tls;

	if ((fd = mkstemp(portfile)) < 0)
		return (-1);
	close(fd);
	unlink(portfile);
	dir = getenv("TRACING_TESTDIR");
	snprintf(script, sizeof(script), "%s/fake_otlp.py",
	    dir != NULL ? dir : "tests");
	argv[0] = "python3";
	argv[1] = script;
	argv[2] = portfile;
	tls = 0;
	for (i = 0; extra != NULL && extra[i] != NULL && i < 12; i++) {
		argv[3 + i] = extra[i];
		tls = tls || strcmp(extra[i], "--tls") == 0;
	}
	argv[3 + i] = NULL;
	if (pipe(fds) != 0)
		return (-1);
	if ((server_pid = fork()) == 0) {
		dup2(fds[0], 0);
		close(fds[1]);
		execvp("python3", (char *const *)argv);
		_exit(127);
	}
	close(fds[0]);
	server_fd = fds[1];
	for (i = 0; i < 500; i++) {
		struct timespec	ts = { 0, 10000000 };

		if ((f = fopen(portfile, "r")) != NULL) {
			if (fgets(port, sizeof(port), f) != NULL) {
				fclose(f);
				unlink(portfile);
				snprintf(base, sizeof(base),
				    "%s://127.0.0.1:%d", tls ? "https" : "http",
				    atoi(port));
				return (0);
			}
			fclose(f);
		}
		nanosleep(&ts, NULL);
	}
	return (-1);
}

static __attribute__((unused)) int
server_start(void)
{
	return (server_start_args(NULL));
}

static void
server_stop(void)
{
	if (server_fd >= 0)
		close(server_fd);
	if (server_pid > 0)
		waitpid(server_pid, NULL, 0);
}

#endif
