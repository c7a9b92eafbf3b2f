/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Maildir delivery queue (mailq.c): bounded, a few threads, completions
 * signalled on an eventfd. Used by notify.c; tested in tests/unit.c.
 */

#ifndef MAILQ_H
#define MAILQ_H

#include <stddef.h>

struct mailq;

struct mailq_job {
	char			*msg;		/* the caller's, kept until done */
	char			 name[256];	/* file name in new/, when done */
	int			 err;		/* 0, or the errno of the failure */
	void			*arg;		/* the caller's */
	struct mailq_job	*next;		/* the queue's */
};

/* 0, or an errno value. threads >= 1; max: jobs queued or running. */
int			 mailq_start(struct mailq **, const char *, int, size_t);
/* Readable (level) while completed jobs wait for mailq_done(). */
int			 mailq_fd(const struct mailq *);
/* 0, or -1 when max jobs are already in flight or the queue stops. */
int			 mailq_submit(struct mailq *, struct mailq_job *);
/* The completed jobs (a list through next), now the caller's again. */
struct mailq_job	*mailq_done(struct mailq *);
size_t			 mailq_inflight(struct mailq *);
/* Delivers what is queued, then joins the threads. */
void			 mailq_stop(struct mailq *);
void			 mailq_free(struct mailq *);

#endif
