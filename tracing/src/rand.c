/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rand.c: trace and span ids. A xoshiro256** generator per thread, seeded
 * from getrandom(2); a pthread_atfork child handler bumps a generation
 * counter so a forked child (a Kore worker) reseeds before its first id and
 * never repeats its parent's sequence. Checking the counter costs a load,
 * where getpid() would cost a system call per id. The same handler
 * releases the library's process-wide locks in the child.
 */

#include <sys/types.h>
#if defined(__APPLE__) || defined(__OpenBSD__)
#include <unistd.h>		/* getentropy */
#else
#include <sys/random.h>		/* getrandom: Linux, FreeBSD, NetBSD 10 */
#endif

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tracing_private.h"

struct rng {
	uint64_t	s[4];
	unsigned int	gen;		/* fork generation seeded in */
	int		seeded;
};

static void	fork_child(void);
static ssize_t	os_random(void *, size_t);
static void	fork_once(void);
static void	rng_seed(struct rng *);

static _Thread_local struct rng	rng;
static unsigned int		fork_gen = 1;
static pthread_once_t		fork_once_ctl = PTHREAD_ONCE_INIT;

static void
fork_child(void)
{
	__atomic_add_fetch(&fork_gen, 1, __ATOMIC_RELAXED);
	/* Locks the parent's other threads may have held. */
	tr_handle_fork_child();
	tr_processor_fork_child();
	tr_spool_fork_child();
}

static void
fork_once(void)
{
	(void)pthread_atfork(NULL, NULL, fork_child);
}

unsigned int
tr_fork_generation(void)
{
	(void)pthread_once(&fork_once_ctl, fork_once);
	return (__atomic_load_n(&fork_gen, __ATOMIC_RELAXED));
}

/* Entropy from the kernel, never blocking; -1 when there is none. */
static ssize_t
os_random(void *buf, size_t len)
{
#if defined(__APPLE__) || defined(__OpenBSD__)
	return (len <= 256 && getentropy(buf, len) == 0 ? (ssize_t)len : -1);
#else
	return (getrandom(buf, len, GRND_NONBLOCK));
#endif
}

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t	z;

	z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
rng_seed(struct rng *r)
{
	struct timespec		ts;
	uint64_t		x;
	ssize_t			n;
	int			i;

	r->gen = tr_fork_generation();
	n = os_random(r->s, sizeof(r->s));
	if (n != (ssize_t)sizeof(r->s)) {
		/* No entropy (early boot, seccomp): mix what differs. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		    ((uint64_t)getpid() << 16) ^ (uint64_t)(uintptr_t)r;
		for (i = 0; i < 4; i++)
			r->s[i] = splitmix64(&x);
	}
	if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
		r->s[0] = 1;
	r->seeded = 1;
}

void
tr_rand_seed(uint64_t seed)
{
	int	i;

	rng.gen = tr_fork_generation();
	for (i = 0; i < 4; i++)
		rng.s[i] = splitmix64(&seed);
	rng.seeded = 1;
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

uint64_t
tr_rand64(void)
{
	struct rng	*r = &rng;
	uint64_t	 result, t;

	if (!r->seeded ||
	    r->gen != __atomic_load_n(&fork_gen, __ATOMIC_RELAXED))
		rng_seed(r);
	result = rotl(r->s[1] * 5, 7) * 9;
	t = r->s[1] << 17;
	r->s[2] ^= r->s[0];
	r->s[3] ^= r->s[1];
	r->s[1] ^= r->s[2];
	r->s[0] ^= r->s[3];
	r->s[2] ^= t;
	r->s[3] = rotl(r->s[3], 45);
	return (result);
}

void
tr_rand_bytes(uint8_t *out, size_t len)
{
	uint64_t	v;
	size_t		n;

	while (len > 0) {
		v = tr_rand64();
		n = len < sizeof(v) ? len : sizeof(v);
		memcpy(out, &v, n);
		out += n;
		len -= n;
	}
}

void
tr_uuid4(char out[37])
{
	uint8_t		u[16];

	if (os_random(u, sizeof(u)) != (ssize_t)sizeof(u))
		tr_rand_bytes(u, sizeof(u));
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	(void)snprintf(out, 37,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
	    u[10], u[11], u[12], u[13], u[14], u[15]);
}
