/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sent.c: the confirmations this service has sent lately, by order id,
 * shared by all its workers, so that a second call for the same order
 * answers the first message and sends nothing (notify.c).
 *
 * One table in shared memory, mapped by the parent before it forks the
 * workers (svc_service_parent), under a robust process-shared lock. A call
 * claims its order (pending) before it sends, and marks it sent with the
 * message id once the Maildir or the SMTP server took the message; a
 * failed send forgets the claim, so that a retry sends. Bounded: an entry
 * is kept SENT_KEEP_S seconds (a pending one SENT_PENDING_S, should its
 * worker die), and when an order's slots are all taken the oldest of them
 * goes: a duplicate is caught within the last few minutes or the last
 * SENT_SLOTS orders, whichever is less; past that it would send again.
 */

#include <sys/mman.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <kore/kore.h>

#include "mail.h"
#include "sent.h"

#define SENT_SLOTS	16384
#define SENT_PROBES	16
#define SENT_KEEP_S	600
#define SENT_PENDING_S	60

struct sent_slot {
	char		order[SENT_ORDER_MAX];
	char		msgid[MAIL_MSGID_MAX];
	char		via[8];
	int64_t		expires;	/* UNIX seconds; 0: free */
	int		sent;		/* else pending */
};

struct sent_table {
	pthread_mutex_t		lock;
	struct sent_slot	slots[SENT_SLOTS];
};

static struct sent_table	*table;

void
sent_map(void)
{
	pthread_mutexattr_t	attr;

	table = mmap(NULL, sizeof(*table), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (table == MAP_FAILED)
		fatal("sent: mmap: %s", errno_s);
	(void)pthread_mutexattr_init(&attr);
	(void)pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	(void)pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	if (pthread_mutex_init(&table->lock, &attr) != 0)
		fatal("sent: cannot make the shared lock");
	(void)pthread_mutexattr_destroy(&attr);
}

static void
sent_lock(void)
{
	if (pthread_mutex_lock(&table->lock) == EOWNERDEAD)
		(void)pthread_mutex_consistent(&table->lock);
}

/* FNV-1a of the order id: where its slots start. */
static size_t
sent_hash(const char *order)
{
	u_int64_t	h = 0xcbf29ce484222325ULL;

	for (; *order != '\0'; order++)
		h = (h ^ (u_int8_t)*order) * 0x100000001b3ULL;
	return ((size_t)h);
}

/* The order's live slot, or NULL; *room: where it would go. Locked. */
static struct sent_slot *
sent_find(const char *order, int64_t now, struct sent_slot **room)
{
	struct sent_slot	*s, *oldest;
	size_t			 i, h;

	h = sent_hash(order);
	*room = NULL;
	oldest = NULL;
	for (i = 0; i < SENT_PROBES; i++) {
		s = &table->slots[(h + i) & (SENT_SLOTS - 1)];
		if (s->expires <= now) {
			if (*room == NULL)
				*room = s;
			continue;
		}
		if (strcmp(s->order, order) == 0)
			return (s);
		if (oldest == NULL || s->expires < oldest->expires)
			oldest = s;
	}
	if (*room == NULL)
		*room = oldest;		/* the oldest of its neighbours goes */
	return (NULL);
}

/*
 * Claims order for a send. SENT_NEW: send it (then sent_done or
 * sent_forget); SENT_DUPLICATE: sent already, msgid and via say how;
 * SENT_BUSY: another call is sending it now.
 */
int
sent_claim(const char *order, char *msgid, size_t msgidlen, char *via,
    size_t vialen)
{
	struct sent_slot	*s, *room;
	int64_t			 now = (int64_t)time(NULL);
	int			 rc;

	if (table == NULL || strlen(order) >= SENT_ORDER_MAX)
		return (SENT_NEW);
	sent_lock();
	if ((s = sent_find(order, now, &room)) != NULL) {
		rc = s->sent ? SENT_DUPLICATE : SENT_BUSY;
		(void)snprintf(msgid, msgidlen, "%s", s->msgid);
		(void)snprintf(via, vialen, "%s", s->via);
	} else {
		rc = SENT_NEW;
		room->expires = 0;
		(void)snprintf(room->order, sizeof(room->order), "%s", order);
		room->msgid[0] = room->via[0] = '\0';
		room->sent = 0;
		room->expires = now + SENT_PENDING_S;
	}
	(void)pthread_mutex_unlock(&table->lock);
	return (rc);
}

/* The claimed order's message was taken: later calls get this one. */
void
sent_done(const char *order, const char *msgid, const char *via)
{
	struct sent_slot	*s, *room;
	int64_t			 now = (int64_t)time(NULL);

	if (table == NULL)
		return;
	sent_lock();
	if ((s = sent_find(order, now, &room)) != NULL) {
		(void)snprintf(s->msgid, sizeof(s->msgid), "%s", msgid);
		(void)snprintf(s->via, sizeof(s->via), "%s", via);
		s->sent = 1;
		s->expires = now + SENT_KEEP_S;
	}
	(void)pthread_mutex_unlock(&table->lock);
}

/* The claimed order was not sent: a later call may send it. */
void
sent_forget(const char *order)
{
	struct sent_slot	*s, *room;

	if (table == NULL)
		return;
	sent_lock();
	if ((s = sent_find(order, (int64_t)time(NULL), &room)) != NULL &&
	    !s->sent)
		s->expires = 0;
	(void)pthread_mutex_unlock(&table->lock);
}
