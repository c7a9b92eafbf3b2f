/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.c: the configuration object: the specification's defaults, the
 * OTEL_* environment variables (a bad value is logged and the default
 * kept), and programmatic overrides through the same names and parsers
 * (a bad value is an error there).
 */

#include <sys/types.h>

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tracing_private.h"

struct cfg_var {
	const char	*name;
	int		(*set)(struct tracing_config *, const char *);
};

static int	set_disabled(struct tracing_config *, const char *);
static int	set_service(struct tracing_config *, const char *);
static int	set_resource(struct tracing_config *, const char *);
static int	set_exporter(struct tracing_config *, const char *);
static int	set_endpoint(struct tracing_config *, const char *);
static int	set_traces_endpoint(struct tracing_config *, const char *);
static int	set_protocol(struct tracing_config *, const char *);
static int	set_headers(struct tracing_config *, const char *);
static int	set_timeout(struct tracing_config *, const char *);
static int	set_compression(struct tracing_config *, const char *);
static int	set_sampler(struct tracing_config *, const char *);
static int	set_sampler_arg(struct tracing_config *, const char *);
static int	set_bsp_delay(struct tracing_config *, const char *);
static int	set_bsp_timeout(struct tracing_config *, const char *);
static int	set_bsp_queue(struct tracing_config *, const char *);
static int	set_bsp_batch(struct tracing_config *, const char *);
static int	set_propagators(struct tracing_config *, const char *);
static int	set_log_level(struct tracing_config *, const char *);
static int	set_attr_count(struct tracing_config *, const char *);
static int	set_attr_len(struct tracing_config *, const char *);
static int	set_span_attr_count(struct tracing_config *, const char *);
static int	set_event_count(struct tracing_config *, const char *);
static int	set_link_count(struct tracing_config *, const char *);
static int	set_event_attr_count(struct tracing_config *, const char *);
static int	set_link_attr_count(struct tracing_config *, const char *);
static int	set_processor(struct tracing_config *, const char *);
static int	set_curl_init(struct tracing_config *, const char *);
static int	set_autostart(struct tracing_config *, const char *);
static int	set_failover(struct tracing_config *, const char *);
static int	set_max_request(struct tracing_config *, const char *);
static int	set_failback(struct tracing_config *, const char *);
static int	set_spool_dir(struct tracing_config *, const char *);
static int	set_spool_max(struct tracing_config *, const char *);
static int	set_spool_fsync(struct tracing_config *, const char *);
static int	set_certificate(struct tracing_config *, const char *);
static int	set_client_key(struct tracing_config *, const char *);
static int	set_client_cert(struct tracing_config *, const char *);
static int	set_insecure(struct tracing_config *, const char *);

/* Generic before signal-specific: the specific one wins from the env. */
static const struct cfg_var	vars[] = {
	{ "OTEL_SDK_DISABLED",			set_disabled },
	{ "OTEL_LOG_LEVEL",			set_log_level },
	{ "OTEL_RESOURCE_ATTRIBUTES",		set_resource },
	{ "OTEL_SERVICE_NAME",			set_service },
	{ "OTEL_TRACES_EXPORTER",		set_exporter },
	{ "OTEL_EXPORTER_OTLP_ENDPOINT",	set_endpoint },
	{ "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",	set_traces_endpoint },
	{ "OTEL_EXPORTER_OTLP_PROTOCOL",	set_protocol },
	{ "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",	set_protocol },
	{ "OTEL_EXPORTER_OTLP_HEADERS",		set_headers },
	{ "OTEL_EXPORTER_OTLP_TRACES_HEADERS",	set_headers },
	{ "OTEL_EXPORTER_OTLP_TIMEOUT",		set_timeout },
	{ "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",	set_timeout },
	{ "OTEL_EXPORTER_OTLP_COMPRESSION",	set_compression },
	{ "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", set_compression },
	{ "OTEL_EXPORTER_OTLP_CERTIFICATE",	set_certificate },
	{ "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", set_certificate },
	{ "OTEL_EXPORTER_OTLP_CLIENT_KEY",	set_client_key },
	{ "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", set_client_key },
	{ "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", set_client_cert },
	{ "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", set_client_cert },
	{ "OTEL_EXPORTER_OTLP_INSECURE",	set_insecure },
	{ "OTEL_EXPORTER_OTLP_TRACES_INSECURE",	set_insecure },
	{ "OTEL_TRACES_SAMPLER",		set_sampler },
	{ "OTEL_TRACES_SAMPLER_ARG",		set_sampler_arg },
	{ "OTEL_BSP_SCHEDULE_DELAY",		set_bsp_delay },
	{ "OTEL_BSP_EXPORT_TIMEOUT",		set_bsp_timeout },
	{ "OTEL_BSP_MAX_QUEUE_SIZE",		set_bsp_queue },
	{ "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",	set_bsp_batch },
	{ "OTEL_PROPAGATORS",			set_propagators },
	{ "OTEL_ATTRIBUTE_COUNT_LIMIT",		set_attr_count },
	{ "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",	set_attr_len },
	{ "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",	set_span_attr_count },
	{ "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", set_attr_len },
	{ "OTEL_SPAN_EVENT_COUNT_LIMIT",	set_event_count },
	{ "OTEL_SPAN_LINK_COUNT_LIMIT",		set_link_count },
	{ "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",	set_event_attr_count },
	{ "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",	set_link_attr_count },
	{ "TRACING_PROCESSOR",			set_processor },
	{ "TRACING_CURL_GLOBAL_INIT",		set_curl_init },
	{ "TRACING_AUTOSTART",			set_autostart },
	{ "TRACING_OTLP_FAILOVER_ENDPOINTS",	set_failover },
	{ "TRACING_OTLP_MAX_REQUEST_BYTES",	set_max_request },
	{ "TRACING_OTLP_FAILBACK_S",		set_failback },
	{ "TRACING_SPOOL_DIR",			set_spool_dir },
	{ "TRACING_SPOOL_MAX_BYTES",		set_spool_max },
	{ "TRACING_SPOOL_FSYNC",		set_spool_fsync },
	{ NULL,					NULL }
};

void
tr_config_default(struct tracing_config *c)
{
	memset(c, 0, sizeof(*c));
	c->exporter_kind = EXPORTER_OTLP;
	c->protocol = PROTO_HTTP_PROTOBUF;
	c->timeout_ms = 10000;
	c->bsp_delay_ms = 5000;
	c->bsp_timeout_ms = 30000;
	c->bsp_queue = 2048;
	c->bsp_batch = 512;
	c->max_request_bytes = TR_OTLP_MAX_REQUEST_DEFAULT;
	c->failback_s = TR_OTLP_FAILBACK_DEFAULT;
	c->propagators = TRACING_PROPAGATE_TRACECONTEXT |
	    TRACING_PROPAGATE_BAGGAGE;
	c->prop_order[0] = 0;		/* tracecontext */
	c->prop_order[1] = 1;		/* baggage */
	c->nprop = 2;
	c->log_level = -1;
	c->limits.attr_count = 128;
	c->limits.attr_value_len = -1;
	c->limits.event_count = 128;
	c->limits.link_count = 128;
	c->limits.event_attr_count = 128;
	c->limits.link_attr_count = 128;
	c->curl_global_init = 1;
	c->autostart = 1;
	c->spool_max_bytes = TR_SPOOL_MAX_DEFAULT;
	c->spool_fsync = 1;
	c->detectors = TRACING_DETECT_ALL;
}

static void
headers_free(struct tr_header *h, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		tr_free(h[i].name);
		tr_free(h[i].value);
	}
	tr_free(h);
}

static void
rattrs_free(struct tracing_attr *a, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		tr_free((char *)a[i].key);
		if (a[i].type == TRACING_ATTR_STRING)
			tr_free((char *)a[i].v.s);
	}
	tr_free(a);
}

void
tr_config_cleanup(struct tracing_config *c)
{
	tr_free(c->service_name);
	tr_free(c->resource_env);
	rattrs_free(c->rattrs, c->nrattrs);
	tr_free(c->endpoint);
	tr_free(c->traces_endpoint);
	tr_free(c->failover);
	tr_free(c->spool_dir);
	headers_free(c->headers, c->nheaders);
	tr_free(c->sampler_name);
	tr_free(c->sampler_arg);
	tracing_sampler_free(c->sampler);
	tracing_exporter_free(c->exporter);
	tr_processors_free(c->procs);
	tr_free(c->dets);
	tracing_resource_free(c->resource);
	tr_free(c->certificate);
	tr_free(c->client_key);
	tr_free(c->client_cert);
	memset(c, 0, sizeof(*c));
}

static int
dupstr(char **dst, const char *src)
{
	char	*p;

	p = NULL;
	if (src != NULL && (p = tr_strdup(src)) == NULL)
		return (TRACING_ERR_NOMEM);
	tr_free(*dst);
	*dst = p;
	return (TRACING_OK);
}

/*
 * Deep copy of src into dst (a zeroed struct); the sampler, the exporter
 * and the processors move: they belong to one provider only. On failure dst is cleaned up.
 */
int
tr_config_copy(struct tracing_config *dst, const struct tracing_config *src)
{
	struct tracing_config	*s = (struct tracing_config *)src;
	size_t			 i;

	*dst = *src;
	dst->service_name = dst->resource_env = dst->endpoint = NULL;
	dst->traces_endpoint = dst->sampler_name = dst->sampler_arg = NULL;
	dst->failover = dst->spool_dir = NULL;
	dst->headers = NULL;
	dst->nheaders = 0;
	dst->rattrs = NULL;
	dst->nrattrs = 0;
	dst->certificate = dst->client_key = dst->client_cert = NULL;
	dst->dets = NULL;
	dst->ndets = 0;
	dst->sampler = s->sampler;
	dst->exporter = s->exporter;
	dst->procs = s->procs;
	dst->resource = s->resource;
	s->sampler = NULL;
	s->exporter = NULL;
	s->procs = NULL;
	s->resource = NULL;
	if (dupstr(&dst->service_name, src->service_name) != TRACING_OK ||
	    dupstr(&dst->resource_env, src->resource_env) != TRACING_OK ||
	    dupstr(&dst->endpoint, src->endpoint) != TRACING_OK ||
	    dupstr(&dst->traces_endpoint, src->traces_endpoint) !=
	    TRACING_OK ||
	    dupstr(&dst->failover, src->failover) != TRACING_OK ||
	    dupstr(&dst->spool_dir, src->spool_dir) != TRACING_OK ||
	    dupstr(&dst->sampler_name, src->sampler_name) != TRACING_OK ||
	    dupstr(&dst->sampler_arg, src->sampler_arg) != TRACING_OK ||
	    dupstr(&dst->certificate, src->certificate) != TRACING_OK ||
	    dupstr(&dst->client_key, src->client_key) != TRACING_OK ||
	    dupstr(&dst->client_cert, src->client_cert) != TRACING_OK)
		goto fail;
	if (src->ndets > 0) {
		if ((dst->dets = tr_calloc(src->ndets, sizeof(*dst->dets))) ==
		    NULL)
			goto fail;
		memcpy(dst->dets, src->dets, src->ndets * sizeof(*dst->dets));
		dst->ndets = src->ndets;
	}
	if (src->nheaders > 0) {
		if ((dst->headers = tr_calloc(src->nheaders,
		    sizeof(*dst->headers))) == NULL)
			goto fail;
		for (i = 0; i < src->nheaders; i++) {
			dst->nheaders++;
			if (dupstr(&dst->headers[i].name,
			    src->headers[i].name) != TRACING_OK ||
			    dupstr(&dst->headers[i].value,
			    src->headers[i].value) != TRACING_OK)
				goto fail;
		}
	}
	for (i = 0; i < src->nrattrs; i++) {
		if (tracing_config_set_resource_attr(dst, &src->rattrs[i]) !=
		    TRACING_OK)
			goto fail;
	}
	return (TRACING_OK);
fail:
	tr_config_cleanup(dst);
	return (TRACING_ERR_NOMEM);
}

int
tracing_config_alloc(struct tracing_config **out)
{
	struct tracing_config	*c;

	*out = NULL;
	if ((c = tr_malloc(sizeof(*c))) == NULL)
		return (TRACING_ERR_NOMEM);
	tr_config_default(c);
	*out = c;
	return (TRACING_OK);
}

void
tracing_config_free(struct tracing_config *c)
{
	if (c == NULL)
		return;
	tr_config_cleanup(c);
	tr_free(c);
}

int
tracing_config_set(struct tracing_config *c, const char *name,
    const char *value)
{
	const struct cfg_var	*v;

	if (c == NULL || name == NULL || value == NULL)
		return (TRACING_ERR_INVALID);
	for (v = vars; v->name != NULL; v++) {
		if (strcmp(v->name, name) == 0)
			return (v->set(c, value));
	}
	return (TRACING_ERR_INVALID);
}

int
tracing_config_load_env(struct tracing_config *c)
{
	const struct cfg_var	*v;
	const char		*val;
	int			 rc;

	if (c == NULL)
		return (TRACING_ERR_INVALID);
	for (v = vars; v->name != NULL; v++) {
		if ((val = getenv(v->name)) == NULL || val[0] == '\0')
			continue;
		rc = v->set(c, val);
		if (rc == TRACING_ERR_NOMEM)
			return (rc);
		if (rc != TRACING_OK)
			tr_log(TRACING_LOG_WARN, "%s: invalid value \"%.64s\", "
			    "using the default", v->name, val);
	}
	return (TRACING_OK);
}

int
tracing_config_set_resource_attr(struct tracing_config *c,
    const struct tracing_attr *a)
{
	struct tracing_attr	*na, cp;
	size_t			 len;

	if (c == NULL || a == NULL || a->key == NULL || a->key[0] == '\0')
		return (TRACING_ERR_INVALID);
	if (a->type < TRACING_ATTR_STRING || a->type > TRACING_ATTR_DOUBLE)
		return (TRACING_ERR_INVALID);
	if (a->type == TRACING_ATTR_STRING && a->v.s == NULL)
		return (TRACING_ERR_INVALID);
	cp = *a;
	if ((cp.key = tr_strdup(a->key)) == NULL)
		return (TRACING_ERR_NOMEM);
	if (a->type == TRACING_ATTR_STRING) {
		len = a->n == TRACING_STRLEN ? strlen(a->v.s) : a->n;
		if ((cp.v.s = tr_strndup(a->v.s, len)) == NULL) {
			tr_free((char *)cp.key);
			return (TRACING_ERR_NOMEM);
		}
		cp.n = len;
	}
	if ((na = tr_realloc(c->rattrs, (c->nrattrs + 1) * sizeof(*na))) ==
	    NULL) {
		tr_free((char *)cp.key);
		if (cp.type == TRACING_ATTR_STRING)
			tr_free((char *)cp.v.s);
		return (TRACING_ERR_NOMEM);
	}
	c->rattrs = na;
	c->rattrs[c->nrattrs++] = cp;
	return (TRACING_OK);
}

int
tracing_config_set_sampler(struct tracing_config *c, struct tracing_sampler *s)
{
	if (c == NULL) {
		tracing_sampler_free(s);
		return (TRACING_ERR_INVALID);
	}
	tracing_sampler_free(c->sampler);
	c->sampler = s;
	return (TRACING_OK);
}

int
tracing_config_set_exporter(struct tracing_config *c,
    struct tracing_exporter *e)
{
	if (c == NULL) {
		tracing_exporter_free(e);
		return (TRACING_ERR_INVALID);
	}
	tracing_exporter_free(c->exporter);
	c->exporter = e;
	return (TRACING_OK);
}

int
tracing_config_set_id_generator(struct tracing_config *c, tracing_id_fn *fn,
    void *arg, int random)
{
	if (c == NULL)
		return (TRACING_ERR_INVALID);
	c->id_fn = fn;
	c->id_arg = fn != NULL ? arg : NULL;
	c->id_random = fn != NULL ? random != 0 : 0;
	return (TRACING_OK);
}

int
tracing_config_set_detectors(struct tracing_config *c, unsigned int which)
{
	if (c == NULL || (which & ~(unsigned int)TRACING_DETECT_ALL) != 0)
		return (TRACING_ERR_INVALID);
	c->detectors = which;
	return (TRACING_OK);
}

int
tracing_config_add_detector(struct tracing_config *c,
    tracing_detector_fn *fn, void *arg)
{
	struct tr_detector	*nd;

	if (c == NULL || fn == NULL)
		return (TRACING_ERR_INVALID);
	if ((nd = tr_realloc(c->dets, (c->ndets + 1) * sizeof(*nd))) == NULL)
		return (TRACING_ERR_NOMEM);
	nd[c->ndets].fn = fn;
	nd[c->ndets].arg = arg;
	c->dets = nd;
	c->ndets++;
	return (TRACING_OK);
}

int
tracing_config_set_resource(struct tracing_config *c,
    struct tracing_resource *r)
{
	if (c == NULL) {
		tracing_resource_free(r);
		return (TRACING_ERR_INVALID);
	}
	tracing_resource_free(c->resource);
	c->resource = r;
	return (TRACING_OK);
}

static int
parse_bool(const char *v, int *out)
{
	if (strcasecmp(v, "true") == 0) {
		*out = 1;
		return (TRACING_OK);
	}
	if (strcasecmp(v, "false") == 0) {
		*out = 0;
		return (TRACING_OK);
	}
	return (TRACING_ERR_INVALID);
}

/* A whole decimal number in [min, max]; no sign, no junk. */
static int
parse_num(const char *v, long long min, long long max, long long *out)
{
	long long	n;
	char		*end;

	while (*v == ' ')
		v++;
	if (*v < '0' || *v > '9')
		return (TRACING_ERR_INVALID);
	errno = 0;
	n = strtoll(v, &end, 10);
	while (*end == ' ')
		end++;
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return (TRACING_ERR_INVALID);
	*out = n;
	return (TRACING_OK);
}

static int
set_disabled(struct tracing_config *c, const char *v)
{
	return (parse_bool(v, &c->disabled));
}

static int
set_service(struct tracing_config *c, const char *v)
{
	return (dupstr(&c->service_name, v));
}

static int
set_resource(struct tracing_config *c, const char *v)
{
	return (dupstr(&c->resource_env, v));
}

static int
set_exporter(struct tracing_config *c, const char *v)
{
	const char	*p, *end;
	size_t		 len;

	/* A list: the first one we know wins, the others are reported. */
	for (p = v; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (*p == ' ')
			p++;
		len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 4 && strncmp(p, "otlp", 4) == 0) {
			c->exporter_kind = EXPORTER_OTLP;
			return (TRACING_OK);
		}
		if ((len == 7 && strncmp(p, "console", 7) == 0) ||
		    (len == 7 && strncmp(p, "logging", 7) == 0)) {
			c->exporter_kind = EXPORTER_CONSOLE;
			return (TRACING_OK);
		}
		if (len == 4 && strncmp(p, "none", 4) == 0) {
			c->exporter_kind = EXPORTER_NONE;
			return (TRACING_OK);
		}
	}
	return (TRACING_ERR_INVALID);
}

static int
url_valid(const char *v)
{
	return (strncmp(v, "http://", 7) == 0 ||
	    strncmp(v, "https://", 8) == 0);
}

/*
 * An endpoint: a URL, or host:port without a scheme (for gRPC, as the
 * specification allows; OTEL_EXPORTER_OTLP_INSECURE picks the scheme).
 */
static int
endpoint_valid(const char *v)
{
	if (url_valid(v))
		return (1);
	if (strstr(v, "://") != NULL || *v == '\0' || *v == ':' || *v == '/')
		return (0);
	return (strpbrk(v, " \t\r\n") == NULL);
}

static int
set_endpoint(struct tracing_config *c, const char *v)
{
	if (!endpoint_valid(v))
		return (TRACING_ERR_INVALID);
	return (dupstr(&c->endpoint, v));
}

static int
set_traces_endpoint(struct tracing_config *c, const char *v)
{
	if (!endpoint_valid(v))
		return (TRACING_ERR_INVALID);
	return (dupstr(&c->traces_endpoint, v));
}

/*
 * Further OTLP endpoints (base URLs, as OTEL_EXPORTER_OTLP_ENDPOINT), comma
 * separated, at most TR_OTLP_ENDPOINTS_MAX - 1: an export that fails in a
 * retryable way goes on to the next (exporter_otlp.c). Empty: none.
 */
static int
set_failover(struct tracing_config *c, const char *v)
{
	const char	*p, *e;
	char		 one[1024];
	size_t		 n;

	if (*v == '\0')
		return (dupstr(&c->failover, NULL));
	for (p = v, n = 0;; p = e + 1) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if ((size_t)(e - p) >= sizeof(one) ||
		    ++n >= TR_OTLP_ENDPOINTS_MAX)
			return (TRACING_ERR_INVALID);
		memcpy(one, p, (size_t)(e - p));
		one[e - p] = '\0';
		if (!url_valid(one))
			return (TRACING_ERR_INVALID);
		if (*e == '\0')
			break;
	}
	return (dupstr(&c->failover, v));
}

/*
 * TLS (exporter_otlp.c): PEM files, the CA bundle that verifies the
 * collector, and the client's certificate and key for mutual TLS. Empty:
 * none (the system's CA bundle, no client certificate).
 */
static int
set_tls_file(char **dst, const char *v)
{
	if (strlen(v) > 4096)
		return (TRACING_ERR_INVALID);
	return (dupstr(dst, *v != '\0' ? v : NULL));
}

static int
set_certificate(struct tracing_config *c, const char *v)
{
	return (set_tls_file(&c->certificate, v));
}

static int
set_client_key(struct tracing_config *c, const char *v)
{
	return (set_tls_file(&c->client_key, v));
}

static int
set_client_cert(struct tracing_config *c, const char *v)
{
	return (set_tls_file(&c->client_cert, v));
}

/* An endpoint without a scheme: http:// when true, else https://. */
static int
set_insecure(struct tracing_config *c, const char *v)
{
	return (parse_bool(v, &c->insecure));
}

static int
set_protocol(struct tracing_config *c, const char *v)
{
	if (strcmp(v, "http/protobuf") == 0) {
		c->protocol = PROTO_HTTP_PROTOBUF;
		return (TRACING_OK);
	}
	if (strcmp(v, "grpc") == 0) {
		c->protocol = PROTO_GRPC;
		return (TRACING_OK);
	}
	if (strcmp(v, "http/json") == 0) {
		tr_log(TRACING_LOG_WARN, "protocol http/json is not "
		    "supported, using http/protobuf");
		c->protocol = PROTO_HTTP_PROTOBUF;
		return (TRACING_OK);
	}
	return (TRACING_ERR_INVALID);
}

struct hdr_list {
	struct tr_header	*h;
	size_t			 n;
};

static int
header_add(void *arg, const char *k, const char *v)
{
	struct hdr_list		*l = arg;
	struct tr_header	*nh;
	const char		*p;

	for (p = k; *p != '\0'; p++) {
		if (*p <= ' ' || *p == ':' || *p == 0x7f)
			break;
	}
	if (*p != '\0' || strpbrk(v, "\r\n") != NULL) {
		tr_log(TRACING_LOG_WARN, "OTLP headers: bad header name or "
		    "value skipped");
		return (TRACING_ERR_INVALID);
	}
	if ((nh = tr_realloc(l->h, (l->n + 1) * sizeof(*nh))) == NULL)
		return (TRACING_ERR_NOMEM);
	l->h = nh;
	nh[l->n].name = tr_strdup(k);
	nh[l->n].value = tr_strdup(v);
	l->n++;
	if (nh[l->n - 1].name == NULL || nh[l->n - 1].value == NULL)
		return (TRACING_ERR_NOMEM);
	return (TRACING_OK);
}

static int
set_headers(struct tracing_config *c, const char *v)
{
	struct hdr_list		l;
	int			rc;

	memset(&l, 0, sizeof(l));
	if ((rc = tr_kvlist_parse(v, "OTLP headers", header_add, &l)) !=
	    TRACING_OK) {
		headers_free(l.h, l.n);
		return (rc);
	}
	headers_free(c->headers, c->nheaders);
	c->headers = l.h;
	c->nheaders = l.n;
	return (TRACING_OK);
}

static int
set_timeout(struct tracing_config *c, const char *v)
{
	long long	n;

	if (parse_num(v, 1, 3600 * 1000, &n) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	c->timeout_ms = (unsigned int)n;
	return (TRACING_OK);
}

static int
set_compression(struct tracing_config *c, const char *v)
{
	if (strcmp(v, "gzip") == 0)
		c->gzip = 1;
	else if (strcmp(v, "none") == 0)
		c->gzip = 0;
	else
		return (TRACING_ERR_INVALID);
	return (TRACING_OK);
}

static int
set_sampler(struct tracing_config *c, const char *v)
{
	struct tracing_sampler	*s;
	int			 rc;

	if ((rc = tr_sampler_from_config(&s, v, NULL, 1)) != TRACING_OK)
		return (rc);
	tracing_sampler_free(s);
	return (dupstr(&c->sampler_name, v));
}

static int
set_sampler_arg(struct tracing_config *c, const char *v)
{
	double	d;
	char	*end;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !(d >= 0.0 && d <= 1.0))
		return (TRACING_ERR_INVALID);
	return (dupstr(&c->sampler_arg, v));
}

static int
set_uint(unsigned int *dst, const char *v, long long min, long long max)
{
	long long	n;

	if (parse_num(v, min, max, &n) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	*dst = (unsigned int)n;
	return (TRACING_OK);
}

static int
set_bsp_delay(struct tracing_config *c, const char *v)
{
	return (set_uint(&c->bsp_delay_ms, v, 0, 24LL * 3600 * 1000));
}

static int
set_bsp_timeout(struct tracing_config *c, const char *v)
{
	return (set_uint(&c->bsp_timeout_ms, v, 1, 24LL * 3600 * 1000));
}

static int
set_bsp_queue(struct tracing_config *c, const char *v)
{
	return (set_uint(&c->bsp_queue, v, 1, 1 << 24));
}

static int
set_bsp_batch(struct tracing_config *c, const char *v)
{
	return (set_uint(&c->bsp_batch, v, 1, 1 << 24));
}

/*
 * The largest OTLP request body, encoded and before compression: a batch
 * over it goes in parts (exporter_otlp.c). 4 MiB by default, what gRPC
 * servers (the OpenTelemetry and Jaeger collectors) take by default.
 */
static int
set_max_request(struct tracing_config *c, const char *v)
{
	return (set_uint(&c->max_request_bytes, v, 1024, 1U << 30));
}

/*
 * Seconds after a failover before an export tries the main endpoint again
 * (exporter_otlp.c); 0: it stays on the one that worked.
 */
static int
set_failback(struct tracing_config *c, const char *v)
{
	return (set_uint(&c->failback_s, v, 0, 86400));
}

/*
 * The spool directory (spool.c): requests the collector could not take
 * wait there for it. Empty: no spool. Made (one level) if missing.
 */
static int
set_spool_dir(struct tracing_config *c, const char *v)
{
	if (strlen(v) > 400)
		return (TRACING_ERR_INVALID);
	return (dupstr(&c->spool_dir, *v != '\0' ? v : NULL));
}

/* The bytes of spool files a process holds, at most (4 KiB to 1 TiB). */
static int
set_spool_max(struct tracing_config *c, const char *v)
{
	long long	n;

	if (parse_num(v, 4096, 1LL << 40, &n) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	c->spool_max_bytes = (uint64_t)n;
	return (TRACING_OK);
}

/* batch: each record synced before it counts as spooled; never. */
static int
set_spool_fsync(struct tracing_config *c, const char *v)
{
	if (strcmp(v, "batch") == 0)
		c->spool_fsync = 1;
	else if (strcmp(v, "never") == 0)
		c->spool_fsync = 0;
	else
		return (TRACING_ERR_INVALID);
	return (TRACING_OK);
}

static int
set_propagators(struct tracing_config *c, const char *v)
{
	static const struct {
		const char	*name;
		unsigned int	 bit;
	} known[] = {
		{ "tracecontext",	TRACING_PROPAGATE_TRACECONTEXT },
		{ "baggage",		TRACING_PROPAGATE_BAGGAGE },
		{ "b3",			TRACING_PROPAGATE_B3 },
		{ "b3multi",		TRACING_PROPAGATE_B3_MULTI },
		{ "jaeger",		TRACING_PROPAGATE_JAEGER },
	};
	const char	*p, *end;
	unsigned int	 which;
	uint8_t		 order[8];
	size_t		 len, i, n;
	int		 bad;

	which = 0;
	bad = 0;
	n = 0;
	for (p = v; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (*p == ' ')
			p++;
		len = (size_t)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (len == 4 && strncmp(p, "none", 4) == 0)
			continue;
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strlen(known[i].name) == len &&
			    strncmp(p, known[i].name, len) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0])) {
			if (len > 0) {
				tr_log(TRACING_LOG_WARN, "OTEL_PROPAGATORS: "
				    "\"%.*s\" is not supported", (int)len, p);
				bad = 1;
			}
			continue;
		}
		if (which & known[i].bit)
			continue;		/* listed twice: the first */
		which |= known[i].bit;
		order[n++] = (uint8_t)__builtin_ctz(known[i].bit);
	}
	if (bad && which == 0)
		return (TRACING_ERR_INVALID);
	c->propagators = which;
	memcpy(c->prop_order, order, n);
	c->nprop = (uint8_t)n;
	return (TRACING_OK);
}

static int
set_log_level(struct tracing_config *c, const char *v)
{
	return (tr_log_level_parse(v, &c->log_level));
}

static int
set_count(uint32_t *dst, const char *v)
{
	long long	n;

	if (parse_num(v, 0, UINT32_MAX, &n) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	*dst = (uint32_t)n;
	return (TRACING_OK);
}

static int
set_attr_count(struct tracing_config *c, const char *v)
{
	uint32_t	n;

	if (set_count(&n, v) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	c->limits.attr_count = c->limits.event_attr_count =
	    c->limits.link_attr_count = n;
	return (TRACING_OK);
}

static int
set_attr_len(struct tracing_config *c, const char *v)
{
	long long	n;

	if (parse_num(v, 0, INT32_MAX, &n) != TRACING_OK)
		return (TRACING_ERR_INVALID);
	c->limits.attr_value_len = n;
	return (TRACING_OK);
}

static int
set_span_attr_count(struct tracing_config *c, const char *v)
{
	return (set_count(&c->limits.attr_count, v));
}

static int
set_event_count(struct tracing_config *c, const char *v)
{
	return (set_count(&c->limits.event_count, v));
}

static int
set_link_count(struct tracing_config *c, const char *v)
{
	return (set_count(&c->limits.link_count, v));
}

static int
set_event_attr_count(struct tracing_config *c, const char *v)
{
	return (set_count(&c->limits.event_attr_count, v));
}

static int
set_link_attr_count(struct tracing_config *c, const char *v)
{
	return (set_count(&c->limits.link_attr_count, v));
}

static int
set_processor(struct tracing_config *c, const char *v)
{
	if (strcmp(v, "batch") == 0)
		c->simple_processor = 0;
	else if (strcmp(v, "simple") == 0)
		c->simple_processor = 1;
	else
		return (TRACING_ERR_INVALID);
	return (TRACING_OK);
}

static int
set_curl_init(struct tracing_config *c, const char *v)
{
	return (parse_bool(v, &c->curl_global_init));
}

static int
set_autostart(struct tracing_config *c, const char *v)
{
	return (parse_bool(v, &c->autostart));
}

/*
 * The URL to POST to: the signal-specific endpoint as-is; the generic
 * one with /v1/traces appended for HTTP, as-is for gRPC (the method path
 * is added by the gRPC transport); else the protocol's default.
 */
/*
 * The export URL of a base endpoint (len bytes of base): trailing slashes
 * cut, then /v1/traces for OTLP/HTTP or the gRPC method's path.
 */
int
tr_otlp_endpoint_url(const char *base, size_t len, int grpc, char **out)
{
	struct tr_buf	 b;
	const char	*path;
	int		 rc;

	*out = NULL;
	while (len > 0 && base[len - 1] == '/')
		len--;
	path = grpc ? TR_OTLP_GRPC_PATH : "/v1/traces";
	tr_buf_init(&b, 0);
	if ((rc = tr_buf_append(&b, base, len)) != TRACING_OK ||
	    (rc = tr_buf_append(&b, path, strlen(path))) != TRACING_OK) {
		tr_buf_cleanup(&b);
		return (rc);
	}
	*out = (char *)b.data;
	return (TRACING_OK);
}

int
tr_config_otlp_url(const struct tracing_config *c, char **out)
{
	struct tr_buf	 b;
	const char	*base;
	size_t		 len;
	int		 rc;

	*out = NULL;
	tr_buf_init(&b, 0);
	/* host:port: the scheme OTEL_EXPORTER_OTLP_INSECURE says. */
	base = c->traces_endpoint != NULL ? c->traces_endpoint : c->endpoint;
	if (base != NULL && !url_valid(base) && (rc = tr_buf_appendf(&b,
	    "%s", c->insecure ? "http://" : "https://")) != TRACING_OK) {
		tr_buf_cleanup(&b);
		return (rc);
	}
	if (c->traces_endpoint != NULL) {
		rc = tr_buf_append(&b, c->traces_endpoint,
		    strlen(c->traces_endpoint));
	} else {
		base = c->endpoint;
		if (base == NULL)
			base = c->protocol == PROTO_GRPC ?
			    "http://localhost:4317" : "http://localhost:4318";
		len = strlen(base);
		while (len > 0 && base[len - 1] == '/')
			len--;
		rc = tr_buf_append(&b, base, len);
		if (rc == TRACING_OK && c->protocol != PROTO_GRPC)
			rc = tr_buf_append(&b, "/v1/traces", 10);
	}
	if (rc != TRACING_OK) {
		tr_buf_cleanup(&b);
		return (rc);
	}
	*out = (char *)b.data;
	return (TRACING_OK);
}
