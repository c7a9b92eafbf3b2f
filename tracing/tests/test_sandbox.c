/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_sandbox.c: tracing_sandbox_syscalls() is enough. A child process
 * installs a seccomp filter that allows the library's list and nothing
 * else (besides exit_group, and a sanitizer's own calls in sanitizer
 * builds), traps every other system call, then creates a
 * provider and exports spans to tests/fake_otlp.py. Another spools spans
 * while its collector is unreachable (TRACING_SPOOL_DIR, a directory it
 * makes) and replays them from a second provider. A last child proves
 * the filter bites: a call outside the list is trapped.
 */

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tracing.h"

#include "fake_otlp.h"

#define SPANS		200
#define TRAPPED		3	/* exit status of a child hit by SIGSYS */

#if defined(__x86_64__)
#define THIS_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH	AUDIT_ARCH_AARCH64
#endif

static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char	msg[64];
	int	n, nr;

	(void)sig;
	(void)uc;
	nr = si->si_syscall;
	n = snprintf(msg, sizeof(msg), "trapped system call %d\n", nr);
	if (write(2, msg, (size_t)n) < 0)
		n = 0;		/* nothing else to do from here */
	/* Not _exit(): a sanitizer's interceptor would make more calls. */
	syscall(SYS_exit_group, TRAPPED);
}

/*
 * What AddressSanitizer's runtime itself calls when a thread starts or
 * exits (thread stack bounds, its alternate signal stack): not the
 * library's, so allowed only in sanitizer builds.
 */
static const long	runtime_extra[] = {
#if defined(__SANITIZE_ADDRESS__)
	SYS_sched_getaffinity, SYS_sigaltstack, SYS_prctl,
#endif
	SYS_exit_group
};

/* Allow the library's list and exit_group; trap everything else. */
static int
sandbox(void)
{
	const struct tracing_syscall	*sc;
	struct sock_filter		 prog[256];
	struct sock_fprog		 fp;
	struct sigaction		 sa;
	size_t				 i, n, len;

	sc = tracing_sandbox_syscalls(&n);
	if (2 * n + 16 > sizeof(prog) / sizeof(prog[0]))
		return (-1);
	len = 0;
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch));
	prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
	    THIS_ARCH, 1, 0);
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_KILL_PROCESS);
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (i = 0; i < n; i++) {
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, (uint32_t)sc[i].nr, 0, 1);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    sc[i].deny_errno ? SECCOMP_RET_ERRNO |
		    ((uint32_t)sc[i].deny_errno & SECCOMP_RET_DATA) :
		    SECCOMP_RET_ALLOW);
	}
	for (i = 0; i < sizeof(runtime_extra) / sizeof(runtime_extra[0]);
	    i++) {
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, (uint32_t)runtime_extra[i], 0, 1);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    SECCOMP_RET_ALLOW);
	}
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_TRAP);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	if (sigaction(SIGSYS, &sa, NULL) != 0)
		return (-1);
	fp.len = (unsigned short)len;
	fp.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) != 0)
		return (-1);
	return (0);
}

/*
 * In a child: the sandbox, then a started provider exporting to the fake
 * peer with this protocol, compression and schedule delay (NULL on error).
 */
static struct tracing_provider *
sandboxed_provider(const char *protocol, const char *compression,
    const char *delay)
{
	struct tracing_config	*cfg;
	struct tracing_provider	*p;
	char			 err[128];

	if (sandbox() != 0)
		return (NULL);
	if (tracing_config_alloc(&cfg) != TRACING_OK ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_ENDPOINT", base) ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_PROTOCOL", protocol) ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_COMPRESSION",
	    compression) ||
	    tracing_config_set(cfg, "OTEL_BSP_SCHEDULE_DELAY", delay) ||
	    tracing_config_set(cfg, "OTEL_SERVICE_NAME", "sandboxed"))
		return (NULL);
	if (tracing_provider_alloc(&p, cfg, err, sizeof(err)) != TRACING_OK)
		return (NULL);
	tracing_config_free(cfg);
	if (tracing_provider_start(p) != TRACING_OK)
		return (NULL);
	return (p);
}

/* In the sandbox: a provider, SPANS spans, a flush. 0 when all went out. */
static int
export_sandboxed(const char *protocol)
{
	struct tracing_provider	*p;
	struct tracing_tracer	*tr;
	struct tracing_span	*root, *s;
	struct tracing_stats	 st;
	int			 i;

	if ((p = sandboxed_provider(protocol, "gzip", "20")) == NULL)
		return (2);
	tr = tracing_provider_tracer(p, "test_sandbox", NULL);
	root = tracing_span_start(tr, "root", TRACING_SPAN_SERVER, NULL, 0);
	for (i = 1; i < SPANS; i++) {
		s = tracing_span_start_child(tr, "child", TRACING_SPAN_CLIENT,
		    root, 0);
		(void)tracing_span_set_int(s, "i", i);
		(void)tracing_span_set_str(s, "peer", "inventory-service");
		tracing_span_end(s, 0);
	}
	tracing_span_end(root, 0);
	(void)tracing_provider_force_flush(p, 5000);
	(void)tracing_provider_shutdown(p, 5000);
	tracing_provider_stats(p, &st);
	tracing_provider_free(p);
	return (st.spans_exported == SPANS && st.spans_dropped == 0 ? 0 : 1);
}

/*
 * In the sandbox: the export thread waits between batches (a long schedule
 * delay), the main thread sleeps; meanwhile the parent stops and continues
 * the process, and both timed waits resume through restart_syscall. Then
 * SPANS spans must still go out.
 */
static int
stopped_and_continued(const char *unused)
{
	struct tracing_provider	*p;
	struct tracing_tracer	*tr;
	struct tracing_stats	 st;
	struct timespec		 ts = { 0, 600 * 1000000L };
	int			 i;

	(void)unused;
	if ((p = sandboxed_provider("http/protobuf", "none", "60000")) == NULL)
		return (2);
	/* The parent stops and continues us in here. */
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	tr = tracing_provider_tracer(p, "test_sandbox", NULL);
	for (i = 0; i < SPANS; i++)
		tracing_span_end(tracing_span_start(tr, "after",
		    TRACING_SPAN_INTERNAL, NULL, 0), 0);
	(void)tracing_provider_force_flush(p, 5000);
	(void)tracing_provider_shutdown(p, 5000);
	tracing_provider_stats(p, &st);
	tracing_provider_free(p);
	return (st.spans_exported == SPANS && st.spans_dropped == 0 ? 0 : 1);
}

/* A provider with the spool in dir, exporting to endpoint. */
static struct tracing_provider *
spool_provider(const char *endpoint, const char *dir)
{
	struct tracing_config	*cfg;
	struct tracing_provider	*p;

	if (tracing_config_alloc(&cfg) != TRACING_OK ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint) ||
	    tracing_config_set(cfg, "OTEL_EXPORTER_OTLP_TIMEOUT", "300") ||
	    tracing_config_set(cfg, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "20") ||
	    tracing_config_set(cfg, "TRACING_SPOOL_DIR", dir) ||
	    tracing_config_set(cfg, "TRACING_SPOOL_FSYNC", "batch"))
		return (NULL);
	if (tracing_provider_alloc(&p, cfg, NULL, 0) != TRACING_OK)
		return (NULL);
	tracing_config_free(cfg);
	if (tracing_provider_start(p) != TRACING_OK)
		return (NULL);
	return (p);
}

/*
 * In the sandbox: SPANS spans spooled in a new directory while the
 * collector is unreachable (port 1 refuses), the provider shut down; a
 * second provider adopts the file and replays it to the fake peer.
 */
static int
spool_sandboxed(const char *dir)
{
	struct tracing_provider	*p;
	struct tracing_tracer	*tr;
	struct tracing_stats	 st;
	int			 i;

	if (sandbox() != 0 ||
	    (p = spool_provider("http://127.0.0.1:1", dir)) == NULL)
		return (2);
	tr = tracing_provider_tracer(p, "test_sandbox", NULL);
	for (i = 0; i < SPANS; i++)
		tracing_span_end(tracing_span_start(tr, "spooled",
		    TRACING_SPAN_INTERNAL, NULL, 0), 0);
	(void)tracing_provider_force_flush(p, 5000);
	(void)tracing_provider_shutdown(p, 5000);
	tracing_provider_stats(p, &st);
	tracing_provider_free(p);
	if (st.spans_spooled != SPANS)
		return (3);
	if ((p = spool_provider(base, dir)) == NULL)
		return (2);
	(void)tracing_provider_force_flush(p, 5000);
	(void)tracing_provider_shutdown(p, 5000);
	tracing_provider_stats(p, &st);
	tracing_provider_free(p);
	return (st.spans_replayed == SPANS && st.spans_dropped == 0 ? 0 : 1);
}

/* What a child ended with: its exit status, or 128 + a signal. */
static int
run_child_stopped(int (*fn)(const char *), const char *arg, int stop)
{
	struct timespec	ts = { 0, 200 * 1000000L };
	pid_t		pid;
	int		status;

	fflush(NULL);
	if ((pid = fork()) == 0)
		_exit(fn(arg));
	if (pid > 0 && stop) {
		(void)nanosleep(&ts, NULL);
		(void)kill(pid, SIGSTOP);
		(void)nanosleep(&ts, NULL);
		(void)kill(pid, SIGCONT);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return (-1);
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (WEXITSTATUS(status));
}

static int
run_child(int (*fn)(const char *), const char *arg)
{
	return (run_child_stopped(fn, arg, 0));
}

static int
outside_list(const char *unused)
{
	char	buf[64];

	(void)unused;
	if (sandbox() != 0)
		return (2);
	/* getcwd is not something the library ever needs. */
	return (syscall(SYS_getcwd, buf, sizeof(buf)) >= 0 ? 0 : 1);
}

int
main(void)
{
	const struct tracing_syscall	*sc;
	size_t				 i, n;
	int				 clone3_enosys = 0, rc;
	char				 dir[64], sub[96];

	sc = tracing_sandbox_syscalls(&n);
	for (i = 0; i < n; i++) {
		if (sc[i].nr == SYS_clone3)
			clone3_enosys = sc[i].deny_errno == ENOSYS;
	}
	ok(n > 0 && clone3_enosys,
	    "the list is not empty and clone3 fails with ENOSYS (%zu calls)",
	    n);

	/* valgrind cannot run a seccomp-filtered process: the leak run ends. */
	if (getenv("TRACING_VALGRIND") != NULL)
		return (tap_done());
#if defined(__SANITIZE_THREAD__)
	/* TSan's runtime makes system calls of its own (getcwd, ...). */
	return (tap_done());
#endif

	rc = run_child(outside_list, NULL);
	ok(rc == TRAPPED, "the filter traps a call outside the list (%d)", rc);

	if (server_start() != 0) {
		ok(0, "fake OTLP peer started");
		return (tap_done());
	}
	rc = run_child(export_sandboxed, "http/protobuf");
	ok(rc == 0, "OTLP/HTTP + gzip export under the library's list alone: "
	    "%d spans out (child status %d)", SPANS, rc);
	rc = run_child_stopped(stopped_and_continued, NULL, 1);
	ok(rc == 0, "stopped and continued while the export thread waits: "
	    "its wait resumes, %d spans out (child status %d)", SPANS, rc);
	snprintf(dir, sizeof(dir), "/tmp/cotel-sandbox-XXXXXX");
	if (mkdtemp(dir) != NULL) {
		snprintf(sub, sizeof(sub), "%s/spool", dir);
		rc = run_child(spool_sandboxed, sub);
		ok(rc == 0, "the spool under the library's list: a directory "
		    "made, %d spans spooled, adopted and replayed (child "
		    "status %d)", SPANS, rc);
		(void)rmdir(sub);
		(void)rmdir(dir);
	} else
		ok(0, "a directory for the spool");
	server_stop();
	return (tap_done());
}
