/* SPDX-License-Identifier: Apache-2.0 */
/*
 * replay.c: the nonces of the signed calls a service has served, for as
 * long as their signatures are valid, shared by all its workers: a signed
 * call sent again, to the same worker or another, is refused (auth.c).
 *
 * One table in shared memory, mapped by the parent before it forks the
 * workers (kore_parent_configure), guarded by a robust process-shared
 * mutex (a worker that dies holding it does not stop the others). Open
 * addressing: a nonce's slots are probed from its first bytes (random by
 * construction); a slot whose entry has expired is free again. The size is
 * fixed: at REPLAY_SLOTS entries and SERVICE_AUTH_SKEW_S plus 30 s of
 * validity, a service can take about REPLAY_SLOTS / 3 / window signed calls
 * a second; past that, a call whose nonce finds no free slot is refused
 * (fail closed, 503, logged), never served unchecked.
 */

#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <kore/kore.h>

#include "svc_replay.h"

#define REPLAY_SLOTS	(1 << 18)	/* 6 MiB of shared memory */
#define REPLAY_PROBES	64

struct replay_slot {
	u_int8_t	nonce[SVC_NONCE_LEN];
	int64_t		expires;	/* UNIX seconds; 0: free */
};

struct replay_table {
	pthread_mutex_t		lock;
	struct replay_slot	slots[REPLAY_SLOTS];
};

static struct replay_table	*table;

/* In the parent, before it forks the workers (kore_parent_configure). */
void
svc_replay_map(void)
{
	pthread_mutexattr_t	attr;

	table = mmap(NULL, sizeof(*table), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (table == MAP_FAILED)
		fatal("replay: mmap: %s", errno_s);
	(void)pthread_mutexattr_init(&attr);
	(void)pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	(void)pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&table->lock, &attr) != 0)
		fatal("replay: cannot make the shared lock");
	(void)pthread_mutexattr_destroy(&attr);
}

static void
replay_lock(void)
{
	if (pthread_mutex_lock(&table->lock) == EOWNERDEAD) {
		/* A worker died holding it: the table is whole (see below). */
		kore_log(LOG_NOTICE, "replay: a worker died holding the lock");
		(void)pthread_mutex_consistent(&table->lock);
	}
}

/*
 * Records nonce as used until expires (UNIX seconds). SVC_REPLAY_NEW: it
 * was not seen; SVC_REPLAY_SEEN: a replay; SVC_REPLAY_FULL: no room.
 * A slot is written nonce first, expiry last, so a worker that dies in
 * between leaves at worst a free slot.
 */
int
svc_replay_check(const u_int8_t *nonce, int64_t expires, int64_t now)
{
	struct replay_slot	*s, *free_slot;
	u_int64_t		 h;
	size_t			 i;
	int			 rc;

	if (table == NULL)
		return (SVC_REPLAY_FULL);
	memcpy(&h, nonce, sizeof(h));
	free_slot = NULL;
	rc = SVC_REPLAY_NEW;
	replay_lock();
	for (i = 0; i < REPLAY_PROBES; i++) {
		s = &table->slots[(h + i) & (REPLAY_SLOTS - 1)];
		if (s->expires <= now) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (memcmp(s->nonce, nonce, SVC_NONCE_LEN) == 0) {
			rc = SVC_REPLAY_SEEN;
			break;
		}
	}
	if (rc == SVC_REPLAY_NEW) {
		if (free_slot == NULL) {
			rc = SVC_REPLAY_FULL;
		} else {
			free_slot->expires = 0;
			memcpy(free_slot->nonce, nonce, SVC_NONCE_LEN);
			free_slot->expires = expires;
		}
	}
	(void)pthread_mutex_unlock(&table->lock);
	return (rc);
}
