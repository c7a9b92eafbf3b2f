/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir delivery queue: a bounded FIFO of rendered messages and a few
 * threads that write, fsync and rename each one into the Maildir, so that a
 * Kore worker never waits on the disk. Completed jobs come back on a list
 * the owner drains when the queue's eventfd becomes readable. No Kore here:
 * the unit tests drive it directly.
 */

#include <sys/eventfd.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mail.h"
#include "mailq.h"

struct mailq {
	char			*dir;
	int			 efd;
	size_t			 max;		/* jobs queued or running */
	size_t			 inflight;
	int			 stopping;
	int			 nthreads;
	pthread_t		*threads;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct mailq_job	*head, *tail;	/* waiting, FIFO */
	struct mailq_job	*done;		/* completed, any order */
};

static void *
mailq_thread(void *arg)
{
	struct mailq		*q = arg;
	struct mailq_job	*j;
	uint64_t		 one = 1;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (q->head == NULL && !q->stopping)
			pthread_cond_wait(&q->cond, &q->lock);
		if ((j = q->head) == NULL)
			break;			/* stopping, nothing left */
		if ((q->head = j->next) == NULL)
			q->tail = NULL;
		pthread_mutex_unlock(&q->lock);

		j->err = 0;
		if (mail_maildir_deliver(q->dir, j->msg, j->name,
		    sizeof(j->name)) == -1)
			j->err = errno != 0 ? errno : EIO;

		pthread_mutex_lock(&q->lock);
		j->next = q->done;
		q->done = j;
		/* A full counter (2^64 - 2) cannot happen: it is read often. */
		(void)write(q->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&q->lock);
	return (NULL);
}

int
mailq_start(struct mailq **out, const char *dir, int threads, size_t max)
{
	struct mailq	*q;
	int		 i, rc;

	*out = NULL;
	if (threads < 1 || max < 1)
		return (EINVAL);
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return (ENOMEM);
	q->efd = -1;
	q->max = max;
	if ((q->dir = strdup(dir)) == NULL ||
	    (q->threads = calloc((size_t)threads, sizeof(pthread_t))) == NULL) {
		rc = ENOMEM;
		goto fail;
	}
	if ((q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		rc = errno;
		goto fail;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
	for (i = 0; i < threads; i++) {
		if ((rc = pthread_create(&q->threads[i], NULL, mailq_thread,
		    q)) != 0) {
			q->nthreads = i;
			mailq_stop(q);
			mailq_free(q);
			return (rc);
		}
	}
	q->nthreads = threads;
	*out = q;
	return (0);

fail:
	if (q->efd != -1)
		(void)close(q->efd);
	free(q->threads);
	free(q->dir);
	free(q);
	return (rc);
}

int
mailq_fd(const struct mailq *q)
{
	return (q->efd);
}

int
mailq_submit(struct mailq *q, struct mailq_job *j)
{
	pthread_mutex_lock(&q->lock);
	if (q->stopping || q->inflight >= q->max) {
		pthread_mutex_unlock(&q->lock);
		return (-1);
	}
	q->inflight++;
	j->next = NULL;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
	return (0);
}

struct mailq_job *
mailq_done(struct mailq *q)
{
	struct mailq_job	*list, *j;
	uint64_t		 n;

	(void)read(q->efd, &n, sizeof(n));	/* EAGAIN: nothing new */
	pthread_mutex_lock(&q->lock);
	list = q->done;
	q->done = NULL;
	for (j = list; j != NULL; j = j->next)
		q->inflight--;
	pthread_mutex_unlock(&q->lock);
	return (list);
}

size_t
mailq_inflight(struct mailq *q)
{
	size_t	n;

	pthread_mutex_lock(&q->lock);
	n = q->inflight;
	pthread_mutex_unlock(&q->lock);
	return (n);
}

void
mailq_stop(struct mailq *q)
{
	int	i;

	if (q == NULL)
		return;
	pthread_mutex_lock(&q->lock);
	q->stopping = 1;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
	for (i = 0; i < q->nthreads; i++)
		(void)pthread_join(q->threads[i], NULL);
}

void
mailq_free(struct mailq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
	(void)close(q->efd);
	free(q->threads);
	free(q->dir);
	free(q);
}
