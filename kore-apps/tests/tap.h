/*
 * tap.h: the few lines of TAP the C unit tests print ("ok N - what",
 * "not ok N - what"); the harness behind `make test` counts them.
 */

#ifndef TAP_H
#define TAP_H

#include <stdio.h>

static int	tap_n;
static int	tap_failed;

#define TAP_OK(cond, ...) do {						\
	int	_c = (cond);						\
	printf("%sok %d - ", _c ? "" : "not ", ++tap_n);			\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!_c) {							\
		tap_failed++;						\
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__,	\
		    #cond);						\
	}								\
} while (0)

#define TAP_DONE()	(printf("1..%d\n", tap_n), tap_failed != 0)

#endif
