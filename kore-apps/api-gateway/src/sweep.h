/*
 * sweep.h: the gateway's reservation sweeper (sweep.c), private to the
 * api-gateway module.
 */

#ifndef SWEEP_H
#define SWEEP_H

struct tracing_span;

/*
 * Starts the sweeper in the first worker (RESERVATION_SWEEP_S > 0): it
 * calls recover(reservation id, parent span) for each reservation held
 * with no confirmed order.
 */
void	sweep_init(const char *, long, const char *, long,
	    void (*)(const char *, struct tracing_span *));

#endif
