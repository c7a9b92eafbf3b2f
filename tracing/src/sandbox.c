/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sandbox.c: the system calls the library makes once a provider exists,
 * for hosts that run under a seccomp allow-list (a Kore worker, say). The
 * list is what strace shows the export thread and the span path doing over
 * OTLP/HTTP, OTLP/gRPC and gzip, plus what libcurl's threaded resolver and
 * the resource detection need, and the spool (TRACING_SPOOL_DIR);
 * tests/test_sandbox.c runs an export, and a spool's write and replay,
 * under exactly this list with everything else trapped.
 */

#include <sys/syscall.h>

#include <errno.h>

#include "tracing_private.h"

static const struct tracing_syscall	syscalls[] = {
	/*
	 * Threads: the export thread and curl's resolver. clone3 fails with
	 * ENOSYS so glibc falls back to clone, whose flags a filter can read.
	 */
	{ SYS_clone3, ENOSYS },
	{ SYS_clone, 0 },
	{ SYS_set_robust_list, 0 },
	{ SYS_rseq, 0 },
	{ SYS_futex, 0 },
	{ SYS_exit, 0 },
	{ SYS_rt_sigprocmask, 0 },
	{ SYS_rt_sigaction, 0 },	/* glibc, on the first thread */
	{ SYS_gettid, 0 },
	{ SYS_getpid, 0 },
	/*
	 * Memory: batches, thread stacks, the allocator's arenas; never
	 * executable (a host that refuses PROT_EXEC keeps that rule).
	 */
	{ SYS_brk, 0 },
	{ SYS_mmap, 0 },
	{ SYS_munmap, 0 },
	{ SYS_mremap, 0 },
	{ SYS_mprotect, 0 },
	{ SYS_madvise, 0 },
	/* Time and ids. */
	{ SYS_clock_gettime, 0 },
	{ SYS_clock_nanosleep, 0 },
	{ SYS_nanosleep, 0 },
	/*
	 * A timed wait (the export thread between batches, a retry's
	 * backoff) interrupted by a stop and continued (SIGSTOP/SIGCONT, a
	 * debugger or strace attaching) resumes through restart_syscall:
	 * refused, the filter killed the export thread, spans piled up
	 * unexported, and the process hung at exit destroying the condition
	 * variable the dead thread still waited on.
	 */
	{ SYS_restart_syscall, 0 },
	{ SYS_getrandom, 0 },
	/* glibc's qsort asks for the amount of memory (sysconf). */
	{ SYS_sysinfo, 0 },
	/* The connection to the collector (curl, HTTP/1.1 and HTTP/2). */
	{ SYS_socket, 0 },
	{ SYS_socketpair, 0 },
	{ SYS_connect, 0 },
	{ SYS_setsockopt, 0 },
	{ SYS_getsockopt, 0 },
	{ SYS_getsockname, 0 },
	{ SYS_getpeername, 0 },
	{ SYS_fcntl, 0 },
	{ SYS_ioctl, 0 },
#if defined(SYS_poll)
	{ SYS_poll, 0 },
#endif
	{ SYS_ppoll, 0 },
	{ SYS_sendto, 0 },
	{ SYS_recvfrom, 0 },
	{ SYS_sendmsg, 0 },
	{ SYS_recvmsg, 0 },
	{ SYS_sendmmsg, 0 },
	{ SYS_write, 0 },
	{ SYS_read, 0 },
	{ SYS_close, 0 },
	{ SYS_pipe2, 0 },
	{ SYS_eventfd2, 0 },
	{ SYS_bind, 0 },
	/* Name resolution and resource detection: files read, not written. */
	{ SYS_openat, 0 },
	{ SYS_newfstatat, 0 },
	{ SYS_fstat, 0 },
	{ SYS_lseek, 0 },
#if defined(SYS_readlink)
	{ SYS_readlink, 0 },
#endif
	{ SYS_readlinkat, 0 },
	{ SYS_uname, 0 },
	/*
	 * The spool (TRACING_SPOOL_DIR, the export thread only): its
	 * directory made, read and synced, its files created, locked,
	 * renamed, written at an offset, synced, cut and deleted.
	 */
#if defined(SYS_mkdir)
	{ SYS_mkdir, 0 },
#endif
	{ SYS_mkdirat, 0 },
	{ SYS_getdents64, 0 },
	{ SYS_flock, 0 },
#if defined(SYS_rename)
	{ SYS_rename, 0 },
#endif
	{ SYS_renameat, 0 },
	{ SYS_renameat2, 0 },
#if defined(SYS_unlink)
	{ SYS_unlink, 0 },
#endif
	{ SYS_unlinkat, 0 },
	{ SYS_pread64, 0 },
	{ SYS_pwrite64, 0 },
	{ SYS_pwritev, 0 },
	{ SYS_pwritev2, 0 },
	{ SYS_ftruncate, 0 },
	{ SYS_fsync, 0 },
	{ SYS_fdatasync, 0 },
};

const struct tracing_syscall *
tracing_sandbox_syscalls(size_t *count)
{
	*count = sizeof(syscalls) / sizeof(syscalls[0]);
	return (syscalls);
}
