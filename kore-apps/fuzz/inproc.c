/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inproc.c: Kore in one process, for the front-door fuzzer and the I/O
 * tests: the parent's part of kore.c's main() and a worker's part of
 * worker.c's kore_worker_entry(), without the fork, from a configuration
 * file; one turn of the worker loop at a time, as the patched worker.c
 * runs it; and the heap regions Kore's pools take instead of mmap (so
 * that LeakSanitizer sees every reference, see build.sh).
 */

#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kore/kore.h>
#include <kore/http.h>
#if defined(KORE_USE_CURL)
#include <kore/curl.h>
#endif
#if defined(KORE_USE_PGSQL)
#include <kore/pgsql.h>
#endif
#if defined(KORE_USE_TASKS)
#include <kore/tasks.h>
#endif

#include "inproc.h"

/* Kore's own, not in its public header. */
extern char	*config_file;
extern int	 skip_runas, skip_chroot, kore_foreground;
void		 kore_parent_configure(int, char **);
void		 kore_worker_configure(void);

static struct kore_worker	 fake_worker;

/* Kore's pool regions, from the heap (see build.sh). */
void *
fuzz_pool_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void	*p;

	(void)addr;
	(void)prot;
	(void)flags;
	(void)fd;
	(void)off;
	if (posix_memalign(&p, 4096, len) != 0)
		return (MAP_FAILED);
	memset(p, 0, len);
	return (p);
}

int
fuzz_pool_munmap(void *p, size_t len)
{
	(void)len;
	free(p);
	return (0);
}

/* Kore set up from the configuration file conf, as one worker. */
void
inproc_start(const char *conf)
{
	kore_foreground = 1;
	kore_quiet = 1;
	skip_runas = 1;
	skip_chroot = 1;

	/* The parent's part of kore.c's main(). */
	kore_mem_init();
	kore_platform_init();
	kore_log_init();
	http_parent_init();
#if defined(KORE_USE_CURL)
	kore_curl_sysinit();
#endif
#if defined(KORE_USE_PGSQL)
	kore_pgsql_sys_init();
#endif
	kore_auth_init();
	kore_validator_init();
	kore_filemap_init();
	kore_domain_init();
	kore_module_init();
	kore_module_load(NULL, NULL, KORE_MODULE_NATIVE);
	config_file = kore_strdup(conf);
	kore_parse_config();
	kore_parent_configure(0, NULL);

	/* A worker's part (worker.c, kore_worker_entry), without the fork. */
	fake_worker.id = 1;
	fake_worker.pid = getpid();
	fake_worker.running = 1;
	worker = &fake_worker;
	net_init();
	kore_connection_init();
	kore_platform_event_init();
#if defined(KORE_USE_TASKS)
	kore_task_init();
#endif
	http_init();
	kore_accesslog_worker_init();
	kore_timer_init();
	kore_fileref_init();
	kore_worker_configure();
	kore_platform_enable_accept();
}

/*
 * One turn of Kore's worker loop (worker.c as patched: gone connections
 * are pruned before http_process as well), waiting at most wait_ms.
 */
void
inproc_turn(u_int64_t wait_ms)
{
	u_int64_t	now, next;

	now = kore_time_ms();
	next = kore_timer_next_run(now);
	kore_platform_event_wait(next < wait_ms ? next : wait_ms);
	now = kore_time_ms();
	kore_timer_run(now);
#if defined(KORE_USE_CURL)
	kore_curl_run_scheduled();
	kore_curl_do_timeout();
#endif
	kore_connection_prune(KORE_CONNECTION_PRUNE_DISCONNECT);
	http_process();
	kore_connection_check_timeout(now);
	kore_connection_prune(KORE_CONNECTION_PRUNE_DISCONNECT);
}

