/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sweep.h: the gateway's reservation sweeper (sweep.c), private to the
 * api-gateway module.
 */

#ifndef SWEEP_H
#define SWEEP_H

struct tracing_span;

/*
 * Starts the sweeper in the first worker (RESERVATION_SWEEP_S > 0): it
 * calls recover(reservation id, parent span, done, arg) for each
 * reservation held with no confirmed order, and recover calls done(arg,
 * ok) once that reservation is released (ok) or could not be.
 */
typedef void	sweep_recover_fn(const char *, struct tracing_span *,
		    void (*)(void *, int), void *);

void	sweep_init(const char *, long, const char *, long,
	    sweep_recover_fn *);

#endif
