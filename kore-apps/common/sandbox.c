/*
 * sandbox.c: the seccomp rules every service worker adds to Kore's own:
 * the tracing library's list (tracing_sandbox_syscalls(): its export
 * thread, clone3 failing with ENOSYS so glibc falls back to clone), and
 * what libpq, libcurl and the Maildir delivery need beyond Kore's filter.
 */

#include <sys/syscall.h>

#include "svc.h"

#include <kore/seccomp.h>

#include <tracing.h>

static struct sock_filter	svc_filter[] = {
	/* libpq and Kore's async curl. */
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(socket),
	/* Maildir delivery: tmp/ then new/, synced. */
	KORE_SYSCALL_ALLOW(mkdir),
	KORE_SYSCALL_ALLOW(rename),
	KORE_SYSCALL_ALLOW(fsync),
	KORE_SYSCALL_ALLOW(fdatasync),
};

void	kore_seccomp_hook(void);

void
kore_seccomp_hook(void)
{
	const struct tracing_syscall	*sc;
	struct sock_filter		*f;
	size_t				 i, n;
	uint32_t			 action;

	/* Kore keeps the program until the filter is installed: never freed. */
	sc = tracing_sandbox_syscalls(&n);
	f = kore_calloc(2 * n, sizeof(*f));
	for (i = 0; i < n; i++) {
		action = sc[i].deny_errno == 0 ? SECCOMP_RET_ALLOW :
		    SECCOMP_RET_ERRNO | ((uint32_t)sc[i].deny_errno &
		    SECCOMP_RET_DATA);
		f[2 * i] = (struct sock_filter)KORE_BPF_CMP((uint32_t)sc[i].nr,
		    0, 1);
		f[2 * i + 1] = (struct sock_filter)KORE_BPF_RET(action);
	}
	kore_seccomp_filter("tracing", f, 2 * n);
	kore_seccomp_filter("svc", svc_filter, KORE_FILTER_LEN(svc_filter));
}
