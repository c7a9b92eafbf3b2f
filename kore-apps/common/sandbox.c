/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox.c: the seccomp rules every service worker adds to Kore's own:
 * the tracing library's list (tracing_sandbox_syscalls(): its export
 * thread, clone3 failing with ENOSYS so glibc falls back to clone; its
 * sockets cover libpq's and libcurl's too; its spool's files under
 * TRACING_SPOOL_DIR: mkdir, getdents64, flock, renameat, unlinkat,
 * pread64, pwritev, ftruncate, fdatasync) minus mmap and mprotect, which
 * Kore's filter allows only without PROT_EXEC, what the Maildir
 * delivery needs and getppid for the parent watch.
 */

#include <sys/syscall.h>

#include <kore/kore.h>
#include <kore/seccomp.h>

#include <tracing.h>

#include "svc_sandbox.h"

static struct sock_filter	svc_filter[] = {
	/* Maildir delivery: tmp/ then new/, synced. */
	KORE_SYSCALL_ALLOW(mkdir),
	KORE_SYSCALL_ALLOW(rename),
	KORE_SYSCALL_ALLOW(fsync),
	KORE_SYSCALL_ALLOW(fdatasync),
	/* The parent watch (svc_tick). */
	KORE_SYSCALL_ALLOW(getppid),
	/* The lose_answer fault knob (faults.c). */
	KORE_SYSCALL_ALLOW(shutdown),
};

/* Our filters, which Kore's seccomp hook (hooks.c) installs. */
void
svc_sandbox_install(void)
{
	const struct tracing_syscall	*sc;
	struct sock_filter		*f;
	size_t				 i, j, n;
	uint32_t			 action;

	/* Kore keeps the program until the filter is installed: never freed. */
	sc = tracing_sandbox_syscalls(&n);
	f = kore_calloc(2 * n, sizeof(*f));
	for (i = j = 0; i < n; i++) {
		/*
		 * Filters added here come before Kore's own: an unconditional
		 * allow of mmap or mprotect would void its rules against
		 * writable and executable memory. Kore allows both without
		 * PROT_EXEC, which is all the library needs.
		 */
		if (sc[i].nr == SYS_mmap || sc[i].nr == SYS_mprotect)
			continue;
		action = sc[i].deny_errno == 0 ? SECCOMP_RET_ALLOW :
		    SECCOMP_RET_ERRNO | ((uint32_t)sc[i].deny_errno &
		    SECCOMP_RET_DATA);
		f[2 * j] = (struct sock_filter)KORE_BPF_CMP((uint32_t)sc[i].nr,
		    0, 1);
		f[2 * j + 1] = (struct sock_filter)KORE_BPF_RET(action);
		j++;
	}
	kore_seccomp_filter("tracing", f, 2 * j);
	kore_seccomp_filter("svc", svc_filter, KORE_FILTER_LEN(svc_filter));
}
