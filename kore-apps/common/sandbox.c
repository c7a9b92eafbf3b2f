/*
 * sandbox.c: the seccomp rules every service worker adds to Kore's own.
 * glibc on Debian 12 creates threads with clone3, which no Kore 4.1 filter
 * allows: denying it with ENOSYS makes glibc fall back to clone (allowed),
 * so threads (span export, Kore tasks, curl's resolver) work. The rest are
 * what libpq, libcurl and the Maildir delivery need.
 */

#include <sys/syscall.h>

#include "svc.h"

#include <kore/seccomp.h>

KORE_SECCOMP_FILTER("svc",
	KORE_SYSCALL_DENY(clone3, ENOSYS),
	KORE_SYSCALL_ALLOW(rseq),
	KORE_SYSCALL_ALLOW(getpeername),
	KORE_SYSCALL_ALLOW(newfstatat),
	KORE_SYSCALL_ALLOW(uname),
	KORE_SYSCALL_ALLOW(socket),
	KORE_SYSCALL_ALLOW(mkdir),
	KORE_SYSCALL_ALLOW(rename),
	KORE_SYSCALL_ALLOW(fsync),
	KORE_SYSCALL_ALLOW(fdatasync),
	KORE_SYSCALL_ALLOW(gettid),
);
