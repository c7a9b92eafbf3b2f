/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tracing_private.h: the library's internal interfaces: the span, context,
 * resource and configuration structures, the arena, the parsers shared by
 * propagation, configuration, the fuzzers and the tests.
 */

#ifndef TRACING_PRIVATE_H
#define TRACING_PRIVATE_H

#include <pthread.h>
#include <stdarg.h>

#include "tracing.h"

#define TRACING_SDK_NAME	"tracing-c"

/* Limits from the W3C specifications. */
#define TRACESTATE_MAX_MEMBERS	32
#define TRACESTATE_MAX_LEN	512
#define TRACESTATE_BIG_MEMBER	128
#define BAGGAGE_MAX_MEMBERS	64
#define BAGGAGE_MAX_BYTES	8192
/* A tracestate as received is not kept beyond this (before trimming). */
#define TRACESTATE_MAX_INPUT	(TRACESTATE_MAX_MEMBERS * 512)

#define TRACE_FLAG_SAMPLED	0x01
#define TRACE_FLAG_RANDOM	0x02

/* alloc.c */
void	*tr_malloc(size_t);
void	*tr_calloc(size_t, size_t);
void	*tr_realloc(void *, size_t);
void	 tr_free(void *);
char	*tr_strdup(const char *);
char	*tr_strndup(const char *, size_t);
void	 tr_log(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 tr_log_enabled(int);
int	 tr_log_level_parse(const char *, int *);

/* A growable byte buffer with a hard cap (0: none). */
struct tr_buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
};

void	tr_buf_init(struct tr_buf *, size_t max);
void	tr_buf_cleanup(struct tr_buf *);
int	tr_buf_append(struct tr_buf *, const void *, size_t);
int	tr_buf_appendf(struct tr_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	tr_buf_reserve(struct tr_buf *, size_t);
const char	*tr_buf_cstr(struct tr_buf *);

/* rand.c: xoshiro256** per thread, seeded from getrandom, fork-aware. */
uint64_t	tr_rand64(void);
void		tr_rand_bytes(uint8_t *, size_t);
void		tr_rand_seed(uint64_t);	/* tests: deterministic stream */
unsigned int	tr_fork_generation(void);
void		tr_uuid4(char [37]);

/* attrs.c: bump allocation for everything a span owns, freed at once. */
struct tr_arena_chunk {
	struct tr_arena_chunk	*next;
	size_t			 size;
};

struct tr_arena {
	char			*cur;
	char			*end;
	struct tr_arena_chunk	*chunks;
	size_t			 total;
};

void	 tr_arena_init(struct tr_arena *, void *, size_t);
void	 tr_arena_cleanup(struct tr_arena *);
void	*tr_arena_alloc(struct tr_arena *, size_t);
char	*tr_arena_strndup(struct tr_arena *, const char *, size_t);

/* An attribute as stored. */
struct tr_attr {
	const char	*key;
	uint32_t	 klen;
	uint8_t		 type;
	uint32_t	 n;		/* bytes (string) or elements (array) */
	union {
		const char	*s;
		int64_t		 i;
		double		 d;
		int		 b;
		const char	**sa;
		int		*ba;
		int64_t		*ia;
		double		*da;
	} v;
	uint32_t	*slens;		/* string array element lengths */
};

struct tr_attrs {
	struct tr_attr	*a;
	uint32_t	 count;
	uint32_t	 cap;
	uint32_t	 dropped;
};

struct tr_limits {
	uint32_t	attr_count;
	int64_t		attr_value_len;	/* -1: unlimited */
	uint32_t	event_count;
	uint32_t	link_count;
	uint32_t	event_attr_count;
	uint32_t	link_attr_count;
};

/* attrs.c: set or replace one; _cap sets the first array's capacity. */
int	tr_attrs_set(struct tr_arena *, struct tr_attrs *, uint32_t limit,
	    int64_t vlen_limit, const struct tracing_attr *);
int	tr_attrs_set_cap(struct tr_arena *, struct tr_attrs *, uint32_t limit,
	    int64_t vlen_limit, const struct tracing_attr *, uint32_t);
const struct tr_attr	*tr_attrs_find(const struct tr_attrs *, const char *,
			    size_t);

/* Span context as carried by spans and contexts. */
struct tr_spanctx {
	uint8_t		trace_id[16];
	uint8_t		span_id[8];
	uint8_t		flags;
	uint8_t		valid;
	uint8_t		remote;
};

struct tr_event {
	const char	*name;
	uint64_t	 ts;
	struct tr_attrs	 attrs;
};

struct tr_link {
	struct tr_spanctx	 sc;
	const char		*tracestate;
	struct tr_attrs		 attrs;
};

/*
 * A recording span is one block: the struct and SPAN_INLINE_ARENA bytes
 * for its name, attributes and events (a SERVER span with its dozen
 * attributes fits). Ended blocks come back from the export thread to a
 * per-provider list of at most SPAN_SPARE_MAX and are reused by the next
 * span_start, so the threads that make spans do not malloc them, and do not
 * contend with the exporter's frees in the allocator.
 */
#define SPAN_INLINE_ARENA	1536
#define SPAN_SPARE_MAX		512

struct tr_slot;

struct tr_span {
	struct tracing_tracer	*tracer;
	struct tr_slot		*slot;		/* handle.c: owned for life */
	uint32_t		 slot_idx;
	struct tr_spanctx	 sc;
	uint8_t			 parent_id[8];
	uint8_t			 has_parent;
	uint8_t			 parent_remote;
	uint8_t			 recording;
	uint8_t			 ended;
	uint8_t			 ending;	/* in on_ending */
	uint8_t			 kind;
	uint8_t			 status;
	const char		*name;
	const char		*status_desc;
	const char		*tracestate;
	uint64_t		 start;
	uint64_t		 end;
	struct tr_attrs		 attrs;
	struct tr_event		*events;
	uint32_t		 nevents;
	uint32_t		 events_cap;
	uint32_t		 dropped_events;
	struct tr_link		*links;
	uint32_t		 nlinks;
	uint32_t		 links_cap;
	uint32_t		 dropped_links;
	struct tr_arena		 arena;
	struct tr_span	*spare_next;	/* on the provider's list */
	/* Recording spans carry SPAN_INLINE_ARENA bytes after this. */
	char			 inline_mem[];
};

void	tr_span_free(struct tr_span *);

/* view.c: the read-only view, and copies of ended spans (memory exporter). */
void	tr_attr_view(const struct tr_attr *, struct tracing_attr *);
int	tr_span_clone(const struct tr_span *, struct tr_span **);
void	tr_span_clone_free(struct tr_span *);
void	tr_span_spares_free(struct tracing_provider *);

/* span.c: a span's context, copied out under its lock. */
struct tr_spancopy {
	struct tr_spanctx	 sc;
	char			*ts;		/* NULL, buf or the heap */
	char			 buf[TRACESTATE_MAX_LEN + 1];
};

int	tr_span_copy(const struct tracing_span *, struct tr_spancopy *);
void	tr_spancopy_cleanup(struct tr_spancopy *);

/*
 * handle.c: span handles (struct tracing_span * in the API) are a slot
 * number and a generation; see handle.c.
 */
#define TR_ANY		0	/* live or ended (an exporter's batch) */
#define TR_LIVE		1	/* not ended */

#define TR_SLOT_CHUNK_BITS	10
#define TR_SLOT_CHUNK		(1U << TR_SLOT_CHUNK_BITS)
#define TR_SLOT_CHUNKS		8192	/* 8M span blocks at most */

#if UINTPTR_MAX > 0xffffffffU
#define TR_H_IDX_BITS	32
#else
#define TR_H_IDX_BITS	20
#endif
#define TR_H_IDX_MASK	((((uintptr_t)1) << TR_H_IDX_BITS) - 1)
#define TR_H_GEN_MASK	(UINTPTR_MAX >> TR_H_IDX_BITS)

struct tr_slot {
	uint32_t	 gen;		/* atomic */
	uint32_t	 lock;		/* atomic: 0 free, 1 held */
	uint32_t	 next_free;	/* index + 1, on the free stack */
	struct tr_span	*span;		/* the block that owns the slot */
};

extern struct tr_slot	*tr_slot_chunks[TR_SLOT_CHUNKS];

int			 tr_slot_attach(struct tr_span *);
void			 tr_slot_detach(struct tr_span *);
struct tracing_span	*tr_handle_open(struct tr_span *);
struct tracing_span	*tr_handle(const struct tr_span *);
struct tr_span		*tr_span_peek(const struct tracing_span *);

static inline struct tr_slot *
tr_slot_at(uint32_t idx)
{
	struct tr_slot	*c;

	if (idx >= TR_SLOT_CHUNKS * TR_SLOT_CHUNK)
		return (NULL);
	c = __atomic_load_n(&tr_slot_chunks[idx >> TR_SLOT_CHUNK_BITS],
	    __ATOMIC_ACQUIRE);
	if (c == NULL)
		return (NULL);
	return (&c[idx & (TR_SLOT_CHUNK - 1)]);
}

void	tr_slot_lock_slow(struct tr_slot *);

static inline void
tr_slot_lock(struct tr_slot *sl)
{
	if (__atomic_exchange_n(&sl->lock, 1, __ATOMIC_ACQUIRE) != 0)
		tr_slot_lock_slow(sl);
}

static inline void
tr_slot_unlock(struct tr_slot *sl)
{
	__atomic_store_n(&sl->lock, 0, __ATOMIC_RELEASE);
}

static inline struct tr_slot *
tr_handle_decode(const struct tracing_span *h, uintptr_t *gen, uint32_t *idx)
{
	uintptr_t	v = (uintptr_t)h;

	if ((v & TR_H_IDX_MASK) == 0)
		return (NULL);
	*idx = (uint32_t)((v & TR_H_IDX_MASK) - 1);
	*gen = v >> TR_H_IDX_BITS;
	return (tr_slot_at(*idx));
}

/*
 * The span behind a handle, locked, or NULL when the handle is NULL, stale
 * or made up. With TR_LIVE, only a span that has not ended.
 */
static inline struct tr_span *
tr_span_acquire(const struct tracing_span *h, int how)
{
	struct tr_slot	*sl;
	struct tr_span	*s;
	uintptr_t	 hgen;
	uint32_t	 gen, idx;

	if ((sl = tr_handle_decode(h, &hgen, &idx)) == NULL)
		return (NULL);
	tr_slot_lock(sl);
	gen = __atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE);
	if ((gen & TR_H_GEN_MASK) != hgen || (how == TR_LIVE && !(gen & 1)) ||
	    (s = sl->span) == NULL) {
		tr_slot_unlock(sl);
		return (NULL);
	}
	return (s);
}

static inline void
tr_span_release(struct tr_span *s)
{
	tr_slot_unlock(s->slot);
}

/*
 * Ends a span's life as seen through its handle: called with the span
 * acquired TR_LIVE; from the even generation on, the creator's handle is
 * stale and the batch's handle (tr_handle) reads the ended span.
 */
static inline void
tr_handle_close(struct tr_span *s)
{
	struct tr_slot	*sl = s->slot;

	__atomic_store_n(&sl->gen, __atomic_load_n(&sl->gen, __ATOMIC_RELAXED) +
	    1, __ATOMIC_RELEASE);
}
void			 tr_handle_fork_child(void);
size_t			 tr_handle_chunks(void);

/* Baggage members, heap-allocated. */
struct tr_bag {
	char	*key;
	char	*value;
	char	*props;		/* NULL or the raw property list */
};

/* A value under a key of the host's (tracing_context_key). */
struct tr_value {
	int	 key;
	void	*value;
};

struct tracing_context {
	struct tr_spanctx	 sc;
	char			*tracestate;	/* NULL: empty */
	struct tr_bag		*bag;
	size_t			 nbag;
	struct tr_value		*values;
	size_t			 nvalues;
	size_t			 values_cap;
};

/* propagation.c: parsers, exposed for tests and fuzzers. */
int	tr_traceparent_parse(const char *, size_t, struct tr_spanctx *);
void	tr_traceparent_format(const struct tr_spanctx *, char [56]);

struct tr_tsmember {
	const char	*key;
	size_t		 klen;
	const char	*val;
	size_t		 vlen;
};

int	tr_tracestate_parse(const char *, size_t, struct tr_tsmember *,
	    size_t *);
int	tr_tracestate_key_valid(const char *, size_t);
int	tr_tracestate_value_valid(const char *, size_t);
/* Serialize members, trimming to 512 characters as the spec recommends. */
int	tr_tracestate_join(const struct tr_tsmember *, size_t, char **);
int	tr_baggage_parse(const char *, size_t, struct tracing_context *);

/* propagators.c: B3 and Jaeger. */
#define TR_PROPAGATE_CONTEXTS	(TRACING_PROPAGATE_TRACECONTEXT |	\
				 TRACING_PROPAGATE_B3 |			\
				 TRACING_PROPAGATE_B3_MULTI |		\
				 TRACING_PROPAGATE_JAEGER)
int	tr_b3_single_parse(const char *, size_t, struct tr_spanctx *);
int	tr_b3_extract(struct tracing_context *, tracing_getter_fn *, void *);
void	tr_b3_inject(const struct tr_spanctx *, int, tracing_setter_fn *,
	    void *);
int	tr_jaeger_parse(const char *, size_t, struct tr_spanctx *);
int	tr_jaeger_extract(struct tracing_context *, tracing_getter_fn *,
	    void *);
int	tr_jaeger_inject(const struct tr_spanctx *,
	    const struct tracing_context *, tracing_setter_fn *, void *);
/* propagation.c: extract in the order of OTEL_PROPAGATORS (a composite). */
int	tr_extract_ordered(const uint8_t *, size_t, struct tracing_context *,
	    tracing_getter_fn *, void *);
int	tr_baggage_format(const struct tracing_context *, struct tr_buf *);
int	tr_hex_decode(const char *, size_t, uint8_t *);
void	tr_hex_encode(const uint8_t *, size_t, char *);

/* kvlist.c: "k=v,k2=v2" lists (OTEL_RESOURCE_ATTRIBUTES, _HEADERS). */
typedef int	tr_kv_fn(void *, const char *, const char *);
int	tr_kvlist_parse(const char *, const char *what, tr_kv_fn *, void *);
int	tr_percent_decode(const char *, size_t, char **);

/* Resource. */
struct tr_resource {
	struct tr_arena	 arena;
	struct tr_attrs	 attrs;
	const char	*schema_url;	/* in the arena; NULL: none */
	uint8_t		*pb;		/* Resource message body, encoded */
	size_t		 pblen;
	int		 own_instance_id;	/* generated, renew on fork */
};

/* The API's resource: the provider's is one too (a cast of its r). */
struct tracing_resource {
	struct tr_resource	 r;
};

/* A resource detector of the host's (tracing_config_add_detector). */
struct tr_detector {
	tracing_detector_fn	*fn;
	void			*arg;
};

int	tr_resource_build(struct tr_resource *, const struct tracing_config *);
void	tr_resource_cleanup(struct tr_resource *);
int	tr_resource_set(struct tr_resource *, const struct tracing_attr *);
int	tr_resource_encode(struct tr_resource *);
int	tr_resource_refresh_process(struct tr_resource *);
int	tr_resource_merge_into(struct tr_resource *,
	    const struct tr_resource *, int *conflict);
int	tr_resource_detect_into(struct tr_resource *, unsigned int);

/* Samplers. */
struct tracing_sampler {
	int			 type;
	double			 ratio;
	uint64_t		 bound;
	tracing_sample_fn	*fn;
	tracing_sample_params_fn *pfn;
	void			*arg;
	char			 desc[96];
	struct tracing_sampler	*root;
	struct tracing_sampler	*rps;
	struct tracing_sampler	*rpns;
	struct tracing_sampler	*lps;
	struct tracing_sampler	*lpns;
};

int	tr_sampler_decide(const struct tracing_sampler *,
	    const struct tracing_sampling_params *);
int	tr_sampler_from_config(struct tracing_sampler **, const char *,
	    const char *arg, int strict);

/* Configuration, filled from defaults, environment and setters. */
#define EXPORTER_OTLP		1
#define EXPORTER_CONSOLE	2
#define EXPORTER_NONE		3

#define PROTO_HTTP_PROTOBUF	1
#define PROTO_GRPC		2

struct tr_header {
	char	*name;
	char	*value;
};

struct tracing_config {
	int			 disabled;
	char			*service_name;
	char			*resource_env;	/* OTEL_RESOURCE_ATTRIBUTES */
	struct tracing_attr	*rattrs;	/* programmatic, deep copies */
	size_t			 nrattrs;
	int			 exporter_kind;
	char			*endpoint;	/* generic */
	char			*traces_endpoint;	/* signal-specific */
	char			*failover;	/* more endpoints, comma-separated */
	int			 protocol;
	struct tr_header	*headers;
	size_t			 nheaders;
	unsigned int		 timeout_ms;
	int			 gzip;
	char			*sampler_name;
	char			*sampler_arg;
	struct tracing_sampler	*sampler;
	struct tracing_exporter	*exporter;
	unsigned int		 bsp_delay_ms;
	unsigned int		 bsp_timeout_ms;
	unsigned int		 bsp_queue;
	unsigned int		 bsp_batch;
	unsigned int		 max_request_bytes; /* OTLP body cap */
	unsigned int		 failback_s;	/* back to the main endpoint */
	int			 simple_processor;
	unsigned int		 propagators;	/* TRACING_PROPAGATE_* */
	uint8_t			 prop_order[8];	/* bit numbers, as listed */
	uint8_t			 nprop;
	int			 log_level;
	struct tr_limits	 limits;
	int			 curl_global_init;
	int			 autostart;
	tracing_id_fn		*id_fn;		/* NULL: tr_rand_bytes */
	void			*id_arg;
	int			 id_random;
	char			*spool_dir;	/* NULL: no spool */
	uint64_t		 spool_max_bytes;
	int			 spool_fsync;	/* 1: batch, 0: never */
	struct tracing_processor *procs;	/* the host's, in order */
	unsigned int		 detectors;	/* TRACING_DETECT_* */
	struct tr_detector	*dets;		/* the host's, in order */
	size_t			 ndets;
	struct tracing_resource	*resource;	/* the host's; moves */
	char			*certificate;	/* CA bundle, PEM */
	char			*client_key;
	char			*client_cert;
	int			 insecure;	/* scheme-less: http:// */
};

int	tr_config_copy(struct tracing_config *, const struct tracing_config *);
void	tr_config_default(struct tracing_config *);
void	tr_config_cleanup(struct tracing_config *);
int	tr_config_otlp_url(const struct tracing_config *, char **);
int	tr_config_subst(const char *, char **);	/* config_file.c */
int	tr_otlp_endpoint_url(const char *, size_t, int, char **);

/* TRACING_OTLP_MAX_REQUEST_BYTES by default: gRPC's default maximum. */
#define TR_OTLP_MAX_REQUEST_DEFAULT	(4U * 1024 * 1024)
/* TRACING_SPOOL_MAX_BYTES by default. */
#define TR_SPOOL_MAX_DEFAULT	(64ULL * 1024 * 1024)
/* TRACING_OTLP_FAILBACK_S by default. */
#define TR_OTLP_FAILBACK_DEFAULT	30

/* At most this many OTLP endpoints: the main one and its failovers. */
#define TR_OTLP_ENDPOINTS_MAX	8
#define TR_OTLP_GRPC_PATH	"/opentelemetry.proto.collector.trace.v1." \
				"TraceService/Export"

/* Exporters. */
struct tracing_exporter {
	struct tracing_exporter_ops	 ops;
	void				*arg;
	/*
	 * The built-in OTLP exporter only: sends an encoded request (a
	 * record of the spool) with the batch's deadline, retries and
	 * abort. TRACING_ERR_RETRY: it may work later; TRACING_ERR_EXPORT:
	 * refused for good.
	 */
	int	(*send_encoded)(void *, const uint8_t *, size_t,
		    struct tracing_batch *);
};

/* A part of a batch that failed in a retryable way, for the spool. */
typedef int	tr_spool_fn(void *, const uint8_t *, size_t, uint32_t);

struct tracing_batch {
	struct tr_span	**spans;
	size_t			  n;
	struct tr_resource	 *resource;
	uint64_t		  deadline;
	int			 *abort;	/* atomic */
	/* Filled in by the built-in exporters. */
	unsigned int		  retries;
	uint64_t		  rejected;
	/* Spans lost while the others went (an export in parts). */
	uint64_t		  dropped;
	/*
	 * The spool (export thread only): the built-in exporter hands it
	 * the encoded parts it could not deliver for now, and counts them
	 * in spooled; with spool_only it sends nothing (an outage).
	 */
	tr_spool_fn		 *spool;
	void			 *spool_arg;
	int			  spool_only;
	uint64_t		  spooled;
};

/* otlp.c: encoding ExportTraceServiceRequest by hand, back to front. */
struct tr_pbw {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 pos;		/* data lives in buf[pos .. cap) */
	int		 err;
};

void	tr_pbw_init(struct tr_pbw *);
void	tr_pbw_cleanup(struct tr_pbw *);
size_t	tr_pbw_len(const struct tr_pbw *);
const uint8_t	*tr_pbw_data(const struct tr_pbw *);
void	tr_pbw_reset(struct tr_pbw *);
void	tr_pbw_attrs(struct tr_pbw *, int, const struct tr_attrs *);
int	tr_otlp_encode(struct tr_pbw *, const struct tracing_batch *);
size_t	tr_utf8_repaired_len(const char *, size_t);
int	tr_otlp_response_parse(const uint8_t *, size_t, int64_t *rejected,
	    char *msg, size_t msglen);

/* retry.c: the OTLP retry policy, pure functions. */
#define GRPC_OK			0
#define GRPC_CANCELLED		1
#define GRPC_UNKNOWN		2
#define GRPC_INVALID_ARGUMENT	3
#define GRPC_DEADLINE_EXCEEDED	4
#define GRPC_RESOURCE_EXHAUSTED	8
#define GRPC_ABORTED		10
#define GRPC_OUT_OF_RANGE	11
#define GRPC_UNIMPLEMENTED	12
#define GRPC_INTERNAL		13
#define GRPC_UNAVAILABLE	14
#define GRPC_DATA_LOSS		15
#define GRPC_UNAUTHENTICATED	16

int		tr_http_retryable(long status);
int		tr_grpc_retryable(int code, int has_retry_info);
int		tr_grpc_from_http(long status);
uint64_t	tr_backoff_ms(unsigned int attempt, uint64_t rnd);
int		tr_retry_after_parse(const char *, time_t now, uint64_t *ms);
int		tr_grpc_status_details_retry(const char *b64, size_t,
		    uint64_t *ms);
int		tr_base64_decode(const char *, size_t, uint8_t *, size_t *);

/* Processors. */
struct tr_processor;

int	tr_processor_alloc(struct tr_processor **, struct tracing_provider *);
void	tr_processor_free(struct tr_processor *);
void	tr_processor_on_end(struct tr_processor *, struct tr_span *);
int	tr_processor_start(struct tr_processor *);
int	tr_processor_flush(struct tr_processor *, unsigned int);
int	tr_processor_shutdown(struct tr_processor *, unsigned int);
void	tr_processor_stats(struct tr_processor *, struct tracing_stats *);
void	tr_processor_fork_child(void);
int	tr_processor_busy(struct tr_processor *);
uint64_t	tr_processor_threads_started(void);

int	tr_exporter_export(struct tracing_exporter *, struct tracing_batch *);

/* spool.c: the on-disk spool of the export thread (TRACING_SPOOL_DIR). */
struct tr_spool;

int	tr_spool_open(struct tr_spool **, const struct tracing_config *);
void	tr_spool_close(struct tr_spool *);
void	tr_spool_forget(struct tr_spool *);
void	tr_spool_fork_child(void);
int	tr_spool_append(struct tr_spool *, const uint8_t *, size_t, uint32_t);
int	tr_spool_next(struct tr_spool *, struct tr_buf *, uint32_t *);
void	tr_spool_done(struct tr_spool *, int lost);
size_t	tr_spool_adopt(struct tr_spool *);
int	tr_spool_waiting(const struct tr_spool *);
void	tr_spool_counters(const struct tr_spool *, uint64_t *dropped,
	    uint64_t *bytes);
void	tr_curl_global_init_once(void);

/* spanproc.c: the host's span processors, called in order. */
struct tracing_processor {
	struct tracing_processor	*next;
	struct tracing_processor_ops	 ops;
	void				*arg;
};

void	tr_processors_free(struct tracing_processor *);
void	tr_procs_on_start(struct tracing_provider *, struct tracing_span *,
	    const struct tracing_context *);
void	tr_procs_on_ending(struct tracing_provider *, struct tracing_span *);
void	tr_procs_on_end(struct tracing_provider *, const struct tracing_span *);
int	tr_procs_flush(struct tracing_provider *, uint64_t deadline);
int	tr_procs_shutdown(struct tracing_provider *, uint64_t deadline);

/* Provider and tracers. */
struct tracing_tracer {
	struct tracing_tracer	*next;
	struct tracing_provider	*provider;
	char			*name;
	char			*version;
	char			*schema_url;	/* NULL: none */
	struct tr_arena		 arena;		/* the scope attributes */
	struct tr_attrs		 attrs;
};

struct tracing_provider {
	struct tracing_config	 cfg;
	struct tr_resource	 resource;
	struct tracing_sampler	*sampler;
	struct tracing_exporter	*exporter;
	struct tr_processor	*proc;
	struct tracing_processor *procs;	/* the host's, in order */
	int			 procs_start;	/* one has on_start */
	int			 procs_ending;	/* one has on_ending */
	pthread_mutex_t		 lock;		/* tracers list */
	struct tracing_tracer	*tracers;
	pthread_mutex_t		 spare_lock;
	struct tr_span	*spare;		/* ended recording spans */
	size_t			 nspare;
	unsigned int		 spare_gen;	/* fork generation */
	unsigned int		 resource_gen;	/* fork generation */
	uint64_t		 started;	/* atomics */
	uint64_t		 ended;
	int			 shutdown;	/* atomic */
	int			 exporter_down;	/* its shutdown op ran */
};

#endif /* !TRACING_PRIVATE_H */
