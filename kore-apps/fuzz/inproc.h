/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inproc.h: Kore in one process (inproc.c), for the front-door fuzzer and
 * the I/O tests, which link Kore's objects with a service's code.
 */

#ifndef INPROC_H
#define INPROC_H

#include <sys/types.h>

void	inproc_start(const char *);
void	inproc_turn(u_int64_t);

/* Kore's pool regions, from the heap (build.sh renames pool.c's calls). */
void	*fuzz_pool_mmap(void *, size_t, int, int, int, off_t);
int	 fuzz_pool_munmap(void *, size_t);

#endif
