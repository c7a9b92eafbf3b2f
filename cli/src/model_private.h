/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model_private.h: what the model's files share (model.c, model_legacy.c,
 * model_v3.c, model_link.c), private to them: the JSON readers (missing or
 * mistyped fields read as absent), trace warnings, span kinds and ids, and
 * the linking every parsed trace goes through.
 */
#ifndef TRACECTL_MODEL_PRIVATE_H
#define TRACECTL_MODEL_PRIVATE_H

#include <jansson.h>

#include "model.h"

/* The most spans one trace may have. */
#define MAX_TRACE_SPANS	1000000

/* A new empty trace (its arena ready). */
struct trace	*trace_alloc(void);
void		 trace_warn(struct trace *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
const char	*jstr(json_t *, const char *);
int		 json_i64(json_t *, int64_t *);
const char	*json_to_str(struct arena *, json_t *);
int		 kind_from_string(const char *);
uint64_t	 span_id_of(const char *);
void		 span_status_from_attrs(struct span *);
/* model_link.c: parent links, orphans, cycles, skew, order; 0 or -1. */
int		 trace_finish(struct trace *, char *, size_t);

#endif
