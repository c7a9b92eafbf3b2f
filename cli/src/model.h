/* SPDX-License-Identifier: Apache-2.0 */
/*
 * model.h: the trace model of tracectl.  A trace is spans linked into a tree
 * by parent ids, with its services, errors, orphans and clock-skew fixes, and
 * the derived figures (self time, critical path).  Built from Jaeger's legacy
 * JSON (/api/traces) or from OTLP JSON (/api/v3); no I/O and no output here,
 * so the command views and a later curses browser share it.
 */
#ifndef TRACECTL_MODEL_H
#define TRACECTL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util.h"

enum span_kind {
	SPAN_KIND_UNSPECIFIED = 0,
	SPAN_KIND_INTERNAL,
	SPAN_KIND_SERVER,
	SPAN_KIND_CLIENT,
	SPAN_KIND_PRODUCER,
	SPAN_KIND_CONSUMER
};

/* What an attribute's value was before it became text. */
enum kv_type {
	KV_STRING = 0,
	KV_INT,
	KV_DOUBLE,
	KV_BOOL,
	KV_ARRAY	/* its elements, as "[a,b]" */
};

struct kv {
	const char	*key;
	const char	*value;
	int		 type;	/* enum kv_type */
};

struct span_event {
	int64_t		 ts_us;
	const char	*name;
	struct kv	*attrs;
	size_t		 nattrs;
};

/* A link (v3) or a reference other than the parent (legacy). */
struct span_link {
	uint64_t		 trace_hi, trace_lo;
	uint64_t		 span_id;
	const char		*type;	/* "link", "CHILD_OF", "FOLLOWS_FROM" */
	struct kv		*attrs;
	size_t			 nattrs;
};

struct span {
	uint64_t		 id;
	uint64_t		 parent_id;	/* 0: none */
	const char		*service;
	const char		*operation;
	int			 kind;
	int64_t			 start_us;	/* after clock-skew fix */
	int64_t			 duration_us;
	int64_t			 skew_us;	/* shift applied, 0 if none */
	int			 error;
	const char		*status_message;	/* NULL if none */
	int			 follows_from;
	struct kv		*attrs;
	size_t			 nattrs;
	struct span_event	*events;
	size_t			 nevents;
	struct kv		*resource;	/* process / resource attributes */
	size_t			 nresource;
	struct span_link	*links;
	size_t			 nlinks;

	/* The tree. */
	struct span		*parent;	/* NULL: root or orphan */
	struct span		**children;	/* by start time */
	size_t			 nchildren;
	int			 orphan;	/* parent id not in trace */
	int			 depth;

	/* Derived. */
	int64_t			 self_us;
	int64_t			 critical_us;	/* time on the critical path */
	int			 cp_first;	/* its first section: trace->cp */
	int64_t			 cp_start, cp_end;	/* clipped to parent */
	int			 cp_excluded;
};

/*
 * A stretch of one span on the critical path, [start_us, end_us), with the
 * index of that span's next (later) stretch in trace->cp, or -1.
 */
struct cp_section {
	int64_t			 start_us, end_us;
	int			 next;
};

struct trace {
	uint64_t		 id_hi, id_lo;
	struct span		*spans;
	size_t			 nspans;
	struct span		**roots;	/* by start time */
	size_t			 nroots;
	struct span		*root;		/* the main root */
	struct span		**order;	/* depth-first, for display */
	struct cp_section	*cp;		/* critical path, all spans */
	size_t			 ncp;
	int64_t			 start_us, end_us, duration_us;
	const char		**services;	/* sorted, distinct */
	size_t			 nservices;
	size_t			 nerrors;
	size_t			 norphans;
	size_t			 nskewed;
	const char		**warnings;
	size_t			 nwarnings;
	size_t			 nwarnings_cap;
	struct arena		 arena;
};

/* A set of traces, e.g. one search answer. */
struct trace_set {
	struct trace		**traces;
	size_t			 n;
	size_t			 cap;
};

void		 trace_set_init(struct trace_set *);
void		 trace_set_cleanup(struct trace_set *);
void		 trace_set_add(struct trace_set *, struct trace *);

/*
 * Parse a whole API answer.  Legacy: {"data": [trace, ...]}.  v3 (OTLP):
 * {"result": {"resourceSpans": [...]}}, the spans of many traces mixed, which
 * are grouped by trace id.  Adds finished traces to the set (they are new:
 * free with trace_free, or trace_set_cleanup).  Return 0, or -1 with a reason
 * in errbuf.
 */
int		 model_parse_legacy(json_t *, struct trace_set *, char *, size_t);
int		 model_parse_v3(json_t *, struct trace_set *, char *, size_t);
void		 trace_free(struct trace *);

/* Look a span up by id; NULL if absent. */
struct span	*trace_span(const struct trace *, uint64_t);
/* The span with the largest self time (ties: earliest). */
struct span	*trace_max_self(const struct trace *);
int		 trace_has_service(const struct trace *, const char *);
int		 trace_has_operation(const struct trace *, const char *,
		    const char *);
const char	*span_kind_name(int);
/* An attribute's value, or NULL. */
const char	*span_attr(const struct span *, const char *);
const char	*event_attr(const struct span_event *, const char *);

/* Internal to model.c and analyze.c: derive the figures of a linked trace. */
void		 analyze_self_time(struct trace *);
void		 analyze_critical_path(struct trace *);

#endif
