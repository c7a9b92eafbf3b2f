/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake_otlp.h: starts and stops tests/fake_otlp.py, the scripted OTLP/HTTP
 * peer, for the unit tests that export over a real socket (test_retry.c,
 * test_sandbox.c). Its address ends up in base ("http://127.0.0.1:PORT").
 */

#ifndef FAKE_OTLP_H
#define FAKE_OTLP_H

#include <sys/types.h>
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static pid_t	server_pid = -1;
static int	server_fd = -1;
static char	base[64];

static int
server_start(void)
{
	char		 portfile[] = "/tmp/fake-otlp-XXXXXX";
	char		 script[1024], port[16];
	const char	*dir;
	FILE		*f;
	int		 fds[2], fd, i;

	if ((fd = mkstemp(portfile)) < 0)
		return (-1);
	close(fd);
	unlink(portfile);
	dir = getenv("TRACING_TESTDIR");
	snprintf(script, sizeof(script), "%s/fake_otlp.py",
	    dir != NULL ? dir : "tests");
	if (pipe(fds) != 0)
		return (-1);
	if ((server_pid = fork()) == 0) {
		dup2(fds[0], 0);
		close(fds[1]);
		execlp("python3", "python3", script, portfile, (char *)NULL);
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
				    "http://127.0.0.1:%d", atoi(port));
				return (0);
			}
			fclose(f);
		}
		nanosleep(&ts, NULL);
	}
	return (-1);
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
