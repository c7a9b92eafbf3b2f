/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tracing.h: the one public interface of the tracing library, an
 * OpenTelemetry tracing SDK in C that exports OTLP (HTTP/protobuf or gRPC).
 *
 * Objects are opaque and owned by whoever allocated them (_alloc/_free).
 * Nothing here aborts or exits: functions return a TRACING_* result code,
 * and messages go through the log callback (tracing_set_log()).
 * Every span function accepts a NULL span and then does nothing, so a host
 * never has to check what tracing_span_start() returned.
 */

#ifndef TRACING_H
#define TRACING_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__cplusplus)
extern "C" {
#endif

/*
 * The version of this header; tracing_version() gives the library's. Both
 * come from the project's VERSION file (the build checks that they agree).
 * The shared library's soname is libcotel.so.MAJOR.
 */
#define TRACING_VERSION_MAJOR	1
#define TRACING_VERSION_MINOR	0
#define TRACING_VERSION_PATCH	0
#define TRACING_VERSION		"1.0.0"

const char	*tracing_version(void);

/* Result codes. */
#define TRACING_OK		0
#define TRACING_ERR_NOMEM	-1	/* an allocation failed */
#define TRACING_ERR_INVALID	-2	/* bad argument or unparsable value */
#define TRACING_ERR_STATE	-3	/* wrong state (shut down, not started) */
#define TRACING_ERR_TIMEOUT	-4	/* a deadline passed */
#define TRACING_ERR_EXPORT	-5	/* export failed for good */
#define TRACING_ERR_SYSTEM	-6	/* a system call failed */
#define TRACING_ERR_LIMIT	-7	/* a limit was reached, data dropped */
#define TRACING_ERR_RETRY	-8	/* export failed, retryable */

const char	*tracing_strerror(int);

/*
 * Memory: every allocation the library makes goes through these three
 * functions (malloc, realloc and free by default). Set them before any other
 * call; tests use this to fail the Nth allocation.
 */
void	tracing_set_allocator(void *(*)(size_t), void *(*)(void *, size_t),
	    void (*)(void *));
void	tracing_free(void *);

/* Logging: levels as OTEL_LOG_LEVEL names them. Default: stderr, info. */
#define TRACING_LOG_NONE	0
#define TRACING_LOG_ERROR	1
#define TRACING_LOG_WARN	2
#define TRACING_LOG_INFO	3
#define TRACING_LOG_DEBUG	4

typedef void	tracing_log_fn(void *arg, int level, const char *msg);
void	tracing_set_log(tracing_log_fn *, void *arg);
void	tracing_set_log_level(int);

/* Nanoseconds since the Unix epoch (CLOCK_REALTIME). */
uint64_t	tracing_now(void);

/*
 * Sandboxing: the system calls (native numbers) the library may make once a
 * provider exists, from the caller's thread or its export thread, for hosts
 * under a seccomp allow-list such as a Kore worker's. Allow every entry
 * whose deny_errno is 0; make the others fail with deny_errno (clone3 fails
 * with ENOSYS so that glibc falls back to clone). The array is static.
 */
struct tracing_syscall {
	long	nr;
	int	deny_errno;
};
const struct tracing_syscall	*tracing_sandbox_syscalls(size_t *count);

/* Span kinds and status codes, numbered as in OTLP. */
#define TRACING_SPAN_INTERNAL	1
#define TRACING_SPAN_SERVER	2
#define TRACING_SPAN_CLIENT	3
#define TRACING_SPAN_PRODUCER	4
#define TRACING_SPAN_CONSUMER	5

#define TRACING_STATUS_UNSET	0
#define TRACING_STATUS_OK	1
#define TRACING_STATUS_ERROR	2

/*
 * An attribute as the caller describes it: a plain value descriptor (like
 * struct iovec), borrowed for the duration of a call; the library copies.
 * For TRACING_ATTR_STRING, n is the length in bytes or TRACING_STRLEN for a
 * NUL-terminated string; for arrays, n is the element count.
 */
#define TRACING_ATTR_STRING		1
#define TRACING_ATTR_BOOL		2
#define TRACING_ATTR_INT		3
#define TRACING_ATTR_DOUBLE		4
#define TRACING_ATTR_STRING_ARRAY	5
#define TRACING_ATTR_BOOL_ARRAY		6
#define TRACING_ATTR_INT_ARRAY		7
#define TRACING_ATTR_DOUBLE_ARRAY	8

#define TRACING_STRLEN		((size_t)-1)

struct tracing_attr {
	const char		*key;
	int			type;
	size_t			n;
	union {
		const char		*s;
		int			b;
		int64_t			i;
		double			d;
		const char *const	*sa;
		const int		*ba;
		const int64_t		*ia;
		const double		*da;
	} v;
};

#define TRACING_ATTR_STR(k, x)	((struct tracing_attr){ .key = (k),	\
	.type = TRACING_ATTR_STRING, .n = TRACING_STRLEN, .v.s = (x) })
#define TRACING_ATTR_BOOLV(k, x) ((struct tracing_attr){ .key = (k),	\
	.type = TRACING_ATTR_BOOL, .n = 1, .v.b = (x) })
#define TRACING_ATTR_INTV(k, x)	((struct tracing_attr){ .key = (k),	\
	.type = TRACING_ATTR_INT, .n = 1, .v.i = (x) })
#define TRACING_ATTR_DBL(k, x)	((struct tracing_attr){ .key = (k),	\
	.type = TRACING_ATTR_DOUBLE, .n = 1, .v.d = (x) })

/*
 * The same as functions, for C++ (which has no compound literals with
 * designators) and for C alike: tracing_attr_str("k", "v").
 */
static inline struct tracing_attr
tracing_attr_str(const char *key, const char *value)
{
	struct tracing_attr	a;

	a.key = key;
	a.type = TRACING_ATTR_STRING;
	a.n = TRACING_STRLEN;
	a.v.s = value;
	return (a);
}

static inline struct tracing_attr
tracing_attr_bool(const char *key, int value)
{
	struct tracing_attr	a;

	a.key = key;
	a.type = TRACING_ATTR_BOOL;
	a.n = 1;
	a.v.b = value;
	return (a);
}

static inline struct tracing_attr
tracing_attr_int(const char *key, int64_t value)
{
	struct tracing_attr	a;

	a.key = key;
	a.type = TRACING_ATTR_INT;
	a.n = 1;
	a.v.i = value;
	return (a);
}

static inline struct tracing_attr
tracing_attr_double(const char *key, double value)
{
	struct tracing_attr	a;

	a.key = key;
	a.type = TRACING_ATTR_DOUBLE;
	a.n = 1;
	a.v.d = value;
	return (a);
}

/* Opaque objects. */
struct tracing_config;
struct tracing_provider;
struct tracing_tracer;
struct tracing_span;
struct tracing_context;
struct tracing_sampler;
struct tracing_exporter;
struct tracing_batch;
struct tracing_resource;

/*
 * Configuration. tracing_config_alloc() gives the specification's defaults;
 * tracing_config_load_env() applies the OTEL_* environment (a bad value is
 * logged and ignored); tracing_config_set() then overrides by variable name
 * (a bad value returns TRACING_ERR_INVALID). Later calls win.
 */
int	tracing_config_alloc(struct tracing_config **);
void	tracing_config_free(struct tracing_config *);
int	tracing_config_load_env(struct tracing_config *);
int	tracing_config_set(struct tracing_config *, const char *name,
	    const char *value);
int	tracing_config_set_resource_attr(struct tracing_config *,
	    const struct tracing_attr *);
/*
 * Declarative configuration: the opentelemetry-configuration YAML file at
 * path (file_format 0.x or 1.x; ${VAR} and ${VAR:-default} substituted in
 * values) applied to the configuration, as tracing_config_set() would. A
 * bad file returns TRACING_ERR_INVALID and says why in errbuf, with the
 * line and column. A provider made with a NULL config reads the file of
 * OTEL_CONFIG_FILE instead of the environment, when it is set.
 */
int	tracing_config_load_file(struct tracing_config *, const char *path,
	    char *errbuf, size_t errlen);
/* Takes ownership of the sampler / exporter (also on failure). */
int	tracing_config_set_sampler(struct tracing_config *,
	    struct tracing_sampler *);
int	tracing_config_set_exporter(struct tracing_config *,
	    struct tracing_exporter *);
/*
 * An IdGenerator of the host's: fills len (16: a trace id, 8: a span id)
 * bytes, not all zero (else it is called again). random: its trace ids
 * are random enough for the W3C random flag (Level 2). NULL: the default.
 */
typedef void	tracing_id_fn(void *arg, uint8_t *id, size_t len);
int	tracing_config_set_id_generator(struct tracing_config *,
	    tracing_id_fn *, void *arg, int random);

/*
 * Resources: a set of attributes and a schema URL, as the specification's
 * Resource (create, create empty, merge, read back). alloc copies the n
 * attributes given (NULL, 0, NULL: the empty resource); set adds or
 * replaces one. merge makes a new resource: old's attributes, then
 * updating's, which win; the schema URL is the one that is not empty, or
 * the common one; two different ones are a conflict: *out is then made
 * without a schema URL and TRACING_ERR_INVALID returned. attr_at
 * describes the i-th attribute (pointing into the resource); get finds
 * one by key (TRACING_ERR_INVALID: none).
 */
int	tracing_resource_alloc(struct tracing_resource **,
	    const struct tracing_attr *, size_t, const char *schema_url);
void	tracing_resource_free(struct tracing_resource *);
int	tracing_resource_set(struct tracing_resource *,
	    const struct tracing_attr *);
int	tracing_resource_set_schema_url(struct tracing_resource *,
	    const char *);
int	tracing_resource_merge(struct tracing_resource **out,
	    const struct tracing_resource *old,
	    const struct tracing_resource *updating);
size_t	tracing_resource_attr_count(const struct tracing_resource *);
int	tracing_resource_attr_at(const struct tracing_resource *, size_t,
	    struct tracing_attr *);
int	tracing_resource_get(const struct tracing_resource *, const char *key,
	    struct tracing_attr *);
const char	*tracing_resource_schema_url(const struct tracing_resource *);

/*
 * Resource detectors. The built-in ones, by bit: telemetry.sdk.*;
 * process.* (pid, executable name and path, command, arguments,
 * runtime); host.name and host.arch; os.type and os.description. Each
 * sets TRACING_SEMCONV_SCHEMA_URL. tracing_resource_detect() runs those
 * of which into a new resource. A detector of the host's fills the
 * resource it is given (tracing_resource_set, _set_schema_url); an error
 * it returns is logged and its resource left out.
 */
#define TRACING_DETECT_SDK	0x01
#define TRACING_DETECT_PROCESS	0x02
#define TRACING_DETECT_HOST	0x04
#define TRACING_DETECT_OS	0x08
#define TRACING_DETECT_ALL	0x0f

#define TRACING_SEMCONV_SCHEMA_URL	"https://opentelemetry.io/schemas/1.26.0"

typedef int	tracing_detector_fn(void *arg, struct tracing_resource *);

int	tracing_resource_detect(struct tracing_resource **, unsigned int which);

/*
 * The provider's resource is merged, each later one winning: the built-in
 * detectors of set_detectors (TRACING_DETECT_ALL by default), the host's
 * detectors in the order added, OTEL_RESOURCE_ATTRIBUTES, the resource
 * of set_resource (which takes ownership, also on failure), the
 * attributes of set_resource_attr, and last OTEL_SERVICE_NAME.
 */
int	tracing_config_set_detectors(struct tracing_config *,
	    unsigned int which);
int	tracing_config_add_detector(struct tracing_config *,
	    tracing_detector_fn *, void *arg);
int	tracing_config_set_resource(struct tracing_config *,
	    struct tracing_resource *);

/*
 * The provider owns the resource, the tracers, the processor and the
 * exporter. With a NULL config it is configured from the environment;
 * otherwise the config is copied, except its sampler and exporter, which
 * move to the provider (the config can then be freed).
 * It starts no thread: call tracing_provider_start() in the process that
 * will export (after fork). See README.md, "Threads and fork".
 */
int	tracing_provider_alloc(struct tracing_provider **,
	    struct tracing_config *, char *errbuf, size_t errlen);
int	tracing_provider_start(struct tracing_provider *);
int	tracing_provider_force_flush(struct tracing_provider *,
	    unsigned int timeout_ms);
int	tracing_provider_shutdown(struct tracing_provider *,
	    unsigned int timeout_ms);
void	tracing_provider_free(struct tracing_provider *);
int	tracing_provider_enabled(const struct tracing_provider *);

struct tracing_stats {
	uint64_t	spans_started;	/* recording spans started */
	uint64_t	spans_ended;	/* recording spans ended */
	uint64_t	spans_queued;	/* sampled spans handed to the queue */
	uint64_t	spans_exported;	/* accepted by the exporter */
	uint64_t	spans_dropped;	/* lost: queue full, export failed */
	uint64_t	spans_rejected;	/* partial success: rejected by peer */
	uint64_t	export_failures;	/* batches that failed for good */
	uint64_t	export_retries;
	uint64_t	queue_length;	/* spans waiting right now */
	/* The spool (TRACING_SPOOL_DIR); 0 without one. */
	uint64_t	spans_spooled;	/* written to the spool */
	uint64_t	spans_replayed;	/* sent from it (in spans_exported) */
	uint64_t	spool_dropped;	/* lost from it (in spans_dropped) */
	uint64_t	spool_bytes;	/* its files held by this process now */
};

void	tracing_provider_stats(struct tracing_provider *,
	    struct tracing_stats *);

/* A tracer per instrumentation scope; borrowed, owned by the provider. */
struct tracing_tracer	*tracing_provider_tracer(struct tracing_provider *,
			    const char *scope_name, const char *scope_version);
/*
 * The same with the scope's schema URL and attributes (copied; NULL, 0:
 * none): one tracer per name, version, schema URL and attributes.
 */
struct tracing_tracer	*tracing_provider_tracer_scope(
			    struct tracing_provider *, const char *scope_name,
			    const char *scope_version, const char *schema_url,
			    const struct tracing_attr *, size_t);
/* The provider's resource, borrowed (NULL when disabled). */
const struct tracing_resource	*tracing_provider_resource(
				    const struct tracing_provider *);

/*
 * Spans. Start returns a new span (NULL only if out of memory); end gives
 * it back to the library: the pointer is invalid after tracing_span_end().
 * The parent comes explicitly from a context (extracted from a request)
 * or from a span; NULL starts a new trace. start_ns/end_ns/ts 0 mean now.
 */
struct tracing_span	*tracing_span_start(struct tracing_tracer *,
			    const char *name, int kind,
			    const struct tracing_context *parent,
			    uint64_t start_ns);
struct tracing_span	*tracing_span_start_child(struct tracing_tracer *,
			    const char *name, int kind,
			    const struct tracing_span *parent,
			    uint64_t start_ns);
void	tracing_span_end(struct tracing_span *, uint64_t end_ns);

/*
 * A link given at span start or seen by a sampler: the linked context
 * and the link's attributes, borrowed for the call.
 */
struct tracing_link {
	const struct tracing_context	*context;
	const struct tracing_attr	*attrs;
	size_t				 nattrs;
};

/*
 * Everything a span can start with, for tracing_span_start_opts(): zero
 * it, then fill in what you need. The parent is parent_span when it is
 * not NULL, else the context parent (both NULL: a new trace). The
 * attributes and links are given to the sampler, then recorded (under
 * the span limits) if the span records, before any on_start processor
 * runs; links whose context is not valid are left out. Borrowed for the
 * call.
 */
struct tracing_span_opts {
	int				 kind;	/* 0: TRACING_SPAN_INTERNAL */
	const struct tracing_context	*parent;
	const struct tracing_span	*parent_span;
	uint64_t			 start_ns;	/* 0: now */
	const struct tracing_attr	*attrs;
	size_t				 nattrs;
	const struct tracing_link	*links;
	size_t				 nlinks;
};

struct tracing_span	*tracing_span_start_opts(struct tracing_tracer *,
			    const char *name, const struct tracing_span_opts *);

int	tracing_span_set_attr(struct tracing_span *,
	    const struct tracing_attr *);
int	tracing_span_set_attrs(struct tracing_span *,
	    const struct tracing_attr *, size_t);
int	tracing_span_set_str(struct tracing_span *, const char *, const char *);
int	tracing_span_set_int(struct tracing_span *, const char *, int64_t);
int	tracing_span_set_bool(struct tracing_span *, const char *, int);
int	tracing_span_set_double(struct tracing_span *, const char *, double);
int	tracing_span_add_event(struct tracing_span *, const char *name,
	    uint64_t ts, const struct tracing_attr *, size_t);
int	tracing_span_add_link(struct tracing_span *,
	    const struct tracing_context *, const struct tracing_attr *,
	    size_t);
int	tracing_span_set_status(struct tracing_span *, int code,
	    const char *description);
int	tracing_span_record_exception(struct tracing_span *,
	    const char *type, const char *message, const char *stacktrace,
	    uint64_t ts);
/* The same with attributes of the caller's added to the event. */
int	tracing_span_record_exception_attrs(struct tracing_span *,
	    const char *type, const char *message, const char *stacktrace,
	    uint64_t ts, const struct tracing_attr *, size_t);
int	tracing_span_update_name(struct tracing_span *, const char *);

int	tracing_span_is_recording(const struct tracing_span *);
int	tracing_span_is_sampled(const struct tracing_span *);
void	tracing_span_trace_id(const struct tracing_span *, uint8_t [16]);
void	tracing_span_span_id(const struct tracing_span *, uint8_t [8]);
/* Lowercase hex, NUL-terminated: 33 and 17 bytes. */
void	tracing_span_trace_id_hex(const struct tracing_span *, char [33]);
void	tracing_span_span_id_hex(const struct tracing_span *, char [17]);

/* Read access for exporters of the host's own (see tracing_batch_*). */
const char	*tracing_span_name(const struct tracing_span *);
int		 tracing_span_kind(const struct tracing_span *);
uint64_t	 tracing_span_start_time(const struct tracing_span *);
uint64_t	 tracing_span_end_time(const struct tracing_span *);
int		 tracing_span_status(const struct tracing_span *,
		    const char **description);
int		 tracing_span_parent_span_id(const struct tracing_span *,
		    uint8_t [8]);

/*
 * The read-only view of a span, for span processors (on_end) and exporters
 * of the host's, through the handle they are given; on a live span the same
 * functions read it as it is now. Strings and values point into the span:
 * valid until the call that handed out the handle returns (a live span's:
 * until it ends). The instrumentation scope (tracer) the span was started
 * by; version NULL when it has none.
 */
const char	*tracing_span_scope(const struct tracing_span *,
		    const char **version);
int		 tracing_span_parent_is_remote(const struct tracing_span *);
/* The scope's schema URL, or NULL. */
const char	*tracing_span_scope_schema_url(const struct tracing_span *);

/* Whose attributes: the span's, an event's, a link's, the resource's. */
#define TRACING_ATTRS_SPAN	0
#define TRACING_ATTRS_EVENT	1	/* index: the event's */
#define TRACING_ATTRS_LINK	2	/* index: the link's */
#define TRACING_ATTRS_RESOURCE	3	/* the provider's resource */
#define TRACING_ATTRS_SCOPE	4	/* the tracer's scope */

/*
 * How many attributes (and, if dropped is not NULL, how many were dropped
 * by the limits); attr_at describes the i-th, in the order they were first
 * set (a bool array's v.ba points to ints, as given).
 */
size_t	tracing_span_attr_count(const struct tracing_span *, int which,
	    size_t index, uint32_t *dropped);
int	tracing_span_attr_at(const struct tracing_span *, int which,
	    size_t index, size_t i, struct tracing_attr *);
/* Events and links, in the order they were added. */
size_t	tracing_span_event_count(const struct tracing_span *,
	    uint32_t *dropped);
int	tracing_span_event_at(const struct tracing_span *, size_t,
	    const char **name, uint64_t *ts);
size_t	tracing_span_link_count(const struct tracing_span *,
	    uint32_t *dropped);
/* The link's span context and tracestate, into a context of the host's. */
int	tracing_span_link_at(const struct tracing_span *, size_t,
	    struct tracing_context *);

/*
 * Span processors of the host's. A provider calls them in the order they
 * were added to its configuration, then its built-in processor (batch or
 * simple, which exports the sampled spans), and only for recording spans:
 * on_start right after a span started (the span live and writable; parent:
 * the context the span was started with, or NULL), on_ending from
 * tracing_span_end() once the end time is set, while the span can still be
 * written, on_end once it has ended (the handle reads it, read-only, for
 * the call only: copy what you keep). These run on the thread that starts
 * or ends the span, with no lock of the library held: they must be
 * thread-safe and quick. force_flush and shutdown get what is left of the
 * provider's timeout; free is called when the provider is freed. Every
 * member but on_end may be NULL.
 */
struct tracing_processor_ops {
	void	(*on_start)(void *arg, struct tracing_span *,
		    const struct tracing_context *parent);
	void	(*on_ending)(void *arg, struct tracing_span *);
	void	(*on_end)(void *arg, const struct tracing_span *);
	int	(*force_flush)(void *arg, unsigned int timeout_ms);
	int	(*shutdown)(void *arg, unsigned int timeout_ms);
	void	(*free)(void *arg);
};

struct tracing_processor;

int	tracing_processor_alloc(struct tracing_processor **,
	    const struct tracing_processor_ops *, void *arg);
void	tracing_processor_free(struct tracing_processor *);
/* Takes ownership of the processor (also on failure); appends it. */
int	tracing_config_add_processor(struct tracing_config *,
	    struct tracing_processor *);

/*
 * Contexts: a span context (trace id, span id, flags, tracestate) plus
 * baggage, as carried between processes. Extracted from, or injected into,
 * a request through getter/setter callbacks of the host's HTTP stack.
 */
int	tracing_context_alloc(struct tracing_context **);
void	tracing_context_free(struct tracing_context *);
void	tracing_context_reset(struct tracing_context *);
int	tracing_context_set_span(struct tracing_context *,
	    const struct tracing_span *);
int	tracing_context_is_valid(const struct tracing_context *);
int	tracing_context_is_remote(const struct tracing_context *);
int	tracing_context_is_sampled(const struct tracing_context *);
int	tracing_context_trace_flags(const struct tracing_context *);
void	tracing_context_trace_id(const struct tracing_context *, uint8_t [16]);
void	tracing_context_span_id(const struct tracing_context *, uint8_t [8]);

/*
 * Values under keys of the host's: tracing_context_key() makes a key
 * unique in the process (the name is for people); set stores a pointer of
 * the host's (NULL removes it), get returns it or NULL. The library never
 * copies, frees or propagates these values.
 */
int	tracing_context_key(const char *name);
int	tracing_context_set_value(struct tracing_context *, int key,
	    void *value);
void	*tracing_context_get_value(const struct tracing_context *, int key);

/* tracestate: the whole header value ("" when none), and its members. */
const char	*tracing_context_tracestate(const struct tracing_context *);
int	tracing_context_tracestate_get(const struct tracing_context *,
	    const char *key, char *buf, size_t buflen);
int	tracing_context_tracestate_set(struct tracing_context *,
	    const char *key, const char *value);
int	tracing_context_tracestate_delete(struct tracing_context *,
	    const char *key);

/* Baggage: values are stored decoded; properties kept as received. */
int	tracing_context_baggage_set(struct tracing_context *,
	    const char *key, const char *value, const char *properties);
const char	*tracing_context_baggage_get(const struct tracing_context *,
		    const char *key);
int	tracing_context_baggage_remove(struct tracing_context *, const char *);
size_t	tracing_context_baggage_count(const struct tracing_context *);
int	tracing_context_baggage_at(const struct tracing_context *, size_t,
	    const char **key, const char **value, const char **properties);

/*
 * Propagation. The getter returns the value of a request header (several
 * headers of one name joined with ","), or NULL; the setter sets one.
 * Names are given in lowercase; a getter matches them regardless of case.
 * Formats: W3C Trace Context and Baggage, B3 (single or multiple headers;
 * extraction reads both), Jaeger. When several find a context: with a
 * bitmask, W3C wins, then B3, then Jaeger; through a provider
 * (tracing_extract), the last one OTEL_PROPAGATORS lists that finds one.
 * Extract never fails on bad input: an invalid traceparent leaves the
 * context without a span context (a new trace starts), and its tracestate
 * is ignored; an invalid tracestate is dropped whole, but a repeated key
 * only loses its later members (the first is kept). Inject writes the
 * span's context (or the context's when span is NULL) and the context's
 * baggage.
 */
#define TRACING_PROPAGATE_TRACECONTEXT	0x01	/* W3C traceparent, tracestate */
#define TRACING_PROPAGATE_BAGGAGE	0x02	/* W3C baggage */
#define TRACING_PROPAGATE_B3		0x04	/* B3, the b3 header */
#define TRACING_PROPAGATE_B3_MULTI	0x08	/* B3, the x-b3-* headers */
#define TRACING_PROPAGATE_JAEGER	0x10	/* uber-trace-id, uberctx-* */

typedef const char	*tracing_getter_fn(void *carrier, const char *name);
typedef void		 tracing_setter_fn(void *carrier, const char *name,
			    const char *value);

int	tracing_propagation_extract(unsigned int propagators,
	    struct tracing_context *, tracing_getter_fn *, void *carrier);
int	tracing_propagation_inject(unsigned int propagators,
	    const struct tracing_span *, const struct tracing_context *,
	    tracing_setter_fn *, void *carrier);
/*
 * The header names the propagators use (their Fields), into names (static
 * strings) up to max; returns how many there are. Jaeger's uberctx-*
 * baggage headers have no fixed names and are not listed.
 */
size_t	tracing_propagation_fields(unsigned int propagators,
	    const char **names, size_t max);
/*
 * The process environment as a carrier, for a parent handing its context
 * to a child process: a header name maps to the variable in uppercase
 * with '-' as '_' (TRACEPARENT, TRACESTATE, BAGGAGE). The carrier
 * argument is unused; tracing_env_set calls setenv(3).
 */
const char	*tracing_env_get(void *carrier, const char *name);
void		 tracing_env_set(void *carrier, const char *name,
		    const char *value);
/* The same with the provider's OTEL_PROPAGATORS. */
int	tracing_extract(struct tracing_provider *, struct tracing_context *,
	    tracing_getter_fn *, void *carrier);
int	tracing_inject(struct tracing_provider *, const struct tracing_span *,
	    const struct tracing_context *, tracing_setter_fn *, void *carrier);

/*
 * Samplers. Decisions as in the specification. The parent-based sampler
 * takes ownership of its delegates; a NULL delegate gets the default
 * (root: always_on, remote/local sampled parent: always_on, not sampled:
 * always_off).
 */
#define TRACING_SAMPLE_DROP		0
#define TRACING_SAMPLE_RECORD_ONLY	1
#define TRACING_SAMPLE_RECORD_AND_SAMPLE 2

typedef int	tracing_sample_fn(void *arg,
		    const struct tracing_context *parent,
		    const uint8_t trace_id[16], const char *name, int kind);

int	tracing_sampler_always_on_alloc(struct tracing_sampler **);
int	tracing_sampler_always_off_alloc(struct tracing_sampler **);
int	tracing_sampler_ratio_alloc(struct tracing_sampler **, double);
int	tracing_sampler_parent_based_alloc(struct tracing_sampler **,
	    struct tracing_sampler *root,
	    struct tracing_sampler *remote_sampled,
	    struct tracing_sampler *remote_not_sampled,
	    struct tracing_sampler *local_sampled,
	    struct tracing_sampler *local_not_sampled);
int	tracing_sampler_custom_alloc(struct tracing_sampler **,
	    tracing_sample_fn *, void *arg, const char *description);
/*
 * What a sampler is asked about a span, attributes and links included
 * (tracing_span_start_opts() gives them): all borrowed for the call;
 * parent NULL for a root span, trace_id 16 bytes.
 */
struct tracing_sampling_params {
	const struct tracing_context	*parent;
	const uint8_t			*trace_id;
	const char			*name;
	int				 kind;
	const struct tracing_attr	*attrs;
	size_t				 nattrs;
	const struct tracing_link	*links;
	size_t				 nlinks;
};

typedef int	tracing_sample_params_fn(void *arg,
		    const struct tracing_sampling_params *);

int	tracing_sampler_custom_params_alloc(struct tracing_sampler **,
	    tracing_sample_params_fn *, void *arg, const char *description);
int	tracing_sampler_should_sample_params(const struct tracing_sampler *,
	    const struct tracing_sampling_params *);
/*
 * AlwaysRecord: the delegate's decision, except that a span it would drop
 * is recorded (not sampled). Takes ownership of the delegate.
 */
int	tracing_sampler_always_record_alloc(struct tracing_sampler **,
	    struct tracing_sampler *delegate);
void	tracing_sampler_free(struct tracing_sampler *);
int	tracing_sampler_should_sample(const struct tracing_sampler *,
	    const struct tracing_context *parent, const uint8_t trace_id[16],
	    const char *name, int kind);
const char	*tracing_sampler_description(const struct tracing_sampler *);

/*
 * Exporters. The host can plug its own through ops; export is called from
 * the export thread (batch processor) or from tracing_span_end() (simple
 * processor) with a batch that is valid for the call only. Return TRACING_OK
 * or an error code. tracing_batch_aborted() turns true when shutdown wants
 * the exporter to give up.
 */
struct tracing_exporter_ops {
	int	(*export_spans)(void *arg, const struct tracing_batch *);
	void	(*shutdown)(void *arg);
	void	(*free)(void *arg);
};

int	tracing_exporter_alloc(struct tracing_exporter **,
	    const struct tracing_exporter_ops *, void *arg);
int	tracing_exporter_console_alloc(struct tracing_exporter **, FILE *);
int	tracing_exporter_otlp_alloc(struct tracing_exporter **,
	    const struct tracing_config *);
void	tracing_exporter_free(struct tracing_exporter *);

/*
 * The in-memory exporter, for tests: it keeps a copy of every span it is
 * given, read back through the span view (tracing_span_name(), ...) by
 * the handles memory_span returns (valid until the next reset, or until
 * the provider that owns the exporter is freed). The exporter pointer
 * stays the host's to read with, after the configuration took it.
 */
int	tracing_exporter_memory_alloc(struct tracing_exporter **);
size_t	tracing_exporter_memory_count(struct tracing_exporter *);
const struct tracing_span	*tracing_exporter_memory_span(
				    struct tracing_exporter *, size_t);
void	tracing_exporter_memory_reset(struct tracing_exporter *);

size_t	tracing_batch_count(const struct tracing_batch *);
const struct tracing_span	*tracing_batch_span(const struct tracing_batch *,
				    size_t);
uint64_t	tracing_batch_deadline(const struct tracing_batch *);
int	tracing_batch_aborted(const struct tracing_batch *);
/* An ExportTraceServiceRequest in protobuf; free *out with tracing_free. */
int	tracing_batch_encode_otlp(const struct tracing_batch *,
	    uint8_t **out, size_t *outlen);

#if defined(__cplusplus)
}
#endif

#endif /* !TRACING_H */
