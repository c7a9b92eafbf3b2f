/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config_file.c: declarative configuration (OTEL_CONFIG_FILE), the
 * opentelemetry-configuration YAML file format read with libyaml: the
 * tracer provider (one batch or simple processor, its otlp_http,
 * otlp_grpc or console exporter with TLS and headers, the span limits,
 * the sampler tree), the propagators, the resource, the attribute limits,
 * disabled and log_level. Scalars first get ${VAR}, ${env:VAR} and
 * ${VAR:-default} substituted ($$ is a $); every value then goes through
 * the same setters as the environment, so it is checked the same way.
 * The first error stops the load, reported with its line and column.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "tracing_private.h"

/* A configuration file is read up to this size. */
#define CF_MAX_BYTES	(1024 * 1024)
/* Parent-based samplers nest at most this deep. */
#define CF_MAX_DEPTH	8

struct cf {
	struct tracing_config	*c;
	yaml_document_t		 doc;
	const char		*path;
	char			*err;
	size_t			 errlen;
	int			 rc;
};

static int	cf_sampler(struct cf *, yaml_node_t *, int,
		    struct tracing_sampler **);

static int
cf_fail(struct cf *f, const yaml_node_t *n, const char *fmt, ...)
{
	va_list	ap;
	char	msg[256];

	if (f->rc != TRACING_OK)
		return (f->rc);
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (f->err != NULL && f->errlen > 0) {
		if (n != NULL)
			(void)snprintf(f->err, f->errlen, "%s:%zu:%zu: %s",
			    f->path, n->start_mark.line + 1,
			    n->start_mark.column + 1, msg);
		else
			(void)snprintf(f->err, f->errlen, "%s: %s", f->path,
			    msg);
	}
	f->rc = TRACING_ERR_INVALID;
	return (f->rc);
}

/*
 * ${VAR}, ${env:VAR} and ${VAR:-default} in s, substituted into a new
 * string; $$ is one $. An unset variable without a default is empty.
 */
int
tr_config_subst(const char *s, char **out)
{
	struct tr_buf	 b;
	const char	*p, *end, *dflt, *v;
	size_t		 nlen;
	char		 name[256];
	int		 rc;

	*out = NULL;
	tr_buf_init(&b, CF_MAX_BYTES);
	rc = tr_buf_append(&b, "", 0);
	for (p = s; rc == TRACING_OK && *p != '\0'; p++) {
		if (p[0] != '$' || (p[1] != '{' && p[1] != '$')) {
			rc = tr_buf_append(&b, p, 1);
			continue;
		}
		if (p[1] == '$') {
			rc = tr_buf_append(&b, "$", 1);
			p++;
			continue;
		}
		if ((end = strchr(p, '}')) == NULL) {
			rc = TRACING_ERR_INVALID;
			break;
		}
		p += 2;
		if (strncmp(p, "env:", 4) == 0)
			p += 4;
		dflt = strstr(p, ":-");
		if (dflt != NULL && dflt > end)
			dflt = NULL;
		nlen = (size_t)((dflt != NULL ? dflt : end) - p);
		if (nlen == 0 || nlen >= sizeof(name) || (!isalpha(
		    (unsigned char)*p) && *p != '_')) {
			rc = TRACING_ERR_INVALID;
			break;
		}
		memcpy(name, p, nlen);
		name[nlen] = '\0';
		if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789_") != nlen) {
			rc = TRACING_ERR_INVALID;
			break;
		}
		if ((v = getenv(name)) != NULL && *v != '\0')
			rc = tr_buf_append(&b, v, strlen(v));
		else if (dflt != NULL)
			rc = tr_buf_append(&b, dflt + 2,
			    (size_t)(end - dflt - 2));
		p = end;
	}
	if (rc != TRACING_OK) {
		tr_buf_cleanup(&b);
		return (rc);
	}
	*out = (char *)b.data;
	return (TRACING_OK);
}

static yaml_node_t *
cf_node(struct cf *f, int idx)
{
	return (yaml_document_get_node(&f->doc, idx));
}

/* The value of key in the mapping m, or NULL. */
static yaml_node_t *
cf_get(struct cf *f, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t	*pr;
	yaml_node_t		*k;

	if (m == NULL || m->type != YAML_MAPPING_NODE)
		return (NULL);
	for (pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top;
	    pr++) {
		k = cf_node(f, pr->key);
		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp((char *)k->data.scalar.value, key) == 0)
			return (cf_node(f, pr->value));
	}
	return (NULL);
}

static int
cf_is_null(const yaml_node_t *n)
{
	const char	*v;

	if (n == NULL)
		return (1);
	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return (0);
	v = (const char *)n->data.scalar.value;
	return (*v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0);
}

/* A scalar's value, substituted (new; NULL for null), or an error. */
static int
cf_scalar(struct cf *f, yaml_node_t *n, const char *what, char **out)
{
	char	*v;

	*out = NULL;
	if (cf_is_null(n))
		return (TRACING_OK);
	if (n->type != YAML_SCALAR_NODE)
		return (cf_fail(f, n, "%s: a scalar value is expected", what));
	if (tr_config_subst((char *)n->data.scalar.value, &v) != TRACING_OK)
		return (cf_fail(f, n, "%s: bad ${...} substitution", what));
	if (*v == '\0') {
		tr_free(v);
		v = NULL;
	}
	*out = v;
	return (TRACING_OK);
}

/* key of m, if present and not null, through the setter of name. */
static int
cf_set(struct cf *f, yaml_node_t *m, const char *key, const char *name)
{
	yaml_node_t	*n;
	char		*v;
	int		 rc;

	if ((n = cf_get(f, m, key)) == NULL)
		return (TRACING_OK);
	if ((rc = cf_scalar(f, n, key, &v)) != TRACING_OK || v == NULL)
		return (rc);
	rc = tracing_config_set(f->c, name, v);
	if (rc == TRACING_ERR_INVALID)
		rc = cf_fail(f, n, "%s: invalid value \"%.64s\"", key, v);
	tr_free(v);
	return (rc);
}

static int
cf_expect(struct cf *f, yaml_node_t *n, yaml_node_type_t type,
    const char *what)
{
	if (n != NULL && n->type != type)
		return (cf_fail(f, n, "%s: a %s is expected", what,
		    type == YAML_MAPPING_NODE ? "mapping" : "sequence"));
	return (TRACING_OK);
}

/* s into b, percent-encoded where OTEL_EXPORTER_OTLP_HEADERS needs it. */
static int
cf_kv_escape(struct tr_buf *b, const char *s)
{
	int	rc;

	for (rc = TRACING_OK; rc == TRACING_OK && *s != '\0'; s++) {
		if (*s == '%' || *s == ',' || *s == '=' || *s == ' ' ||
		    (unsigned char)*s < 0x20)
			rc = tr_buf_appendf(b, "%%%02X", (unsigned char)*s);
		else
			rc = tr_buf_append(b, s, 1);
	}
	return (rc);
}

/*
 * headers_list, then headers [{name, value}] (which come later, so win
 * on the receiver's side); an entry whose value is null is left out.
 */
static int
cf_headers(struct cf *f, yaml_node_t *e)
{
	yaml_node_t	*hs, *h;
	yaml_node_item_t *it;
	struct tr_buf	 b;
	char		*k, *v;
	int		 rc;

	tr_buf_init(&b, CF_MAX_BYTES);
	if ((rc = cf_scalar(f, cf_get(f, e, "headers_list"), "headers_list",
	    &v)) != TRACING_OK)
		return (rc);
	rc = tr_buf_append(&b, v != NULL ? v : "", v != NULL ? strlen(v) : 0);
	tr_free(v);
	if (rc == TRACING_OK && (hs = cf_get(f, e, "headers")) != NULL &&
	    !cf_is_null(hs))
		rc = cf_expect(f, hs, YAML_SEQUENCE_NODE, "headers");
	else
		hs = NULL;
	for (it = hs != NULL ? hs->data.sequence.items.start : NULL;
	    rc == TRACING_OK && it != NULL && it < hs->data.sequence.items.top;
	    it++) {
		h = cf_node(f, *it);
		k = v = NULL;
		if ((rc = cf_scalar(f, cf_get(f, h, "name"), "name", &k)) ==
		    TRACING_OK && (rc = cf_scalar(f, cf_get(f, h, "value"),
		    "value", &v)) == TRACING_OK && k == NULL)
			rc = cf_fail(f, h, "headers: an entry has no name");
		if (rc == TRACING_OK && v != NULL && (rc = tr_buf_appendf(&b,
		    "%s", b.len > 0 ? "," : "")) == TRACING_OK &&
		    (rc = cf_kv_escape(&b, k)) == TRACING_OK &&
		    (rc = tr_buf_append(&b, "=", 1)) == TRACING_OK)
			rc = cf_kv_escape(&b, v);
		tr_free(k);
		tr_free(v);
	}
	if (rc == TRACING_OK && b.len > 0 && (rc = tracing_config_set(f->c,
	    "OTEL_EXPORTER_OTLP_HEADERS", tr_buf_cstr(&b))) != TRACING_OK)
		rc = cf_fail(f, e, "headers: invalid");
	tr_buf_cleanup(&b);
	return (rc);
}

/* otlp_http / otlp_grpc: endpoint, tls, compression, timeout, headers. */
static int
cf_otlp(struct cf *f, yaml_node_t *e, int grpc)
{
	yaml_node_t	*tls;
	int		 rc;

	if ((rc = cf_expect(f, e, YAML_MAPPING_NODE, "otlp exporter")) ||
	    (rc = tracing_config_set(f->c, "OTEL_TRACES_EXPORTER", "otlp")) ||
	    (rc = tracing_config_set(f->c, "OTEL_EXPORTER_OTLP_PROTOCOL",
	    grpc ? "grpc" : "http/protobuf")))
		return (rc);
	tls = cf_get(f, e, "tls");
	if ((rc = cf_expect(f, tls, YAML_MAPPING_NODE, "tls")) ||
	    (rc = cf_set(f, e, "endpoint",
	    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) ||
	    (rc = cf_set(f, e, "compression",
	    "OTEL_EXPORTER_OTLP_COMPRESSION")) ||
	    (rc = cf_set(f, e, "timeout", "OTEL_EXPORTER_OTLP_TIMEOUT")) ||
	    (rc = cf_set(f, tls, "certificate_file",
	    "OTEL_EXPORTER_OTLP_CERTIFICATE")) ||
	    (rc = cf_set(f, tls, "client_key_file",
	    "OTEL_EXPORTER_OTLP_CLIENT_KEY")) ||
	    (rc = cf_set(f, tls, "client_certificate_file",
	    "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE")) ||
	    (rc = cf_set(f, tls, "insecure", "OTEL_EXPORTER_OTLP_INSECURE")))
		return (rc);
	return (cf_headers(f, e));
}

static int
cf_exporter(struct cf *f, yaml_node_t *e)
{
	yaml_node_t	*n;

	if (e == NULL || e->type != YAML_MAPPING_NODE)
		return (cf_fail(f, e, "exporter: a mapping is required"));
	if ((n = cf_get(f, e, "otlp_http")) != NULL)
		return (cf_otlp(f, n, 0));
	if ((n = cf_get(f, e, "otlp_grpc")) != NULL)
		return (cf_otlp(f, n, 1));
	if (cf_get(f, e, "console") != NULL)
		return (tracing_config_set(f->c, "OTEL_TRACES_EXPORTER",
		    "console"));
	return (cf_fail(f, e, "exporter: otlp_http, otlp_grpc or console "
	    "expected"));
}

/* processors: the first batch or simple one (one exporter per provider). */
static int
cf_processors(struct cf *f, yaml_node_t *ps)
{
	yaml_node_t	*p, *b;
	int		 rc, simple;

	if (ps == NULL || ps->type != YAML_SEQUENCE_NODE ||
	    ps->data.sequence.items.top == ps->data.sequence.items.start)
		return (cf_fail(f, ps, "tracer_provider.processors: a "
		    "sequence of at least one is required"));
	if (ps->data.sequence.items.top - ps->data.sequence.items.start > 1)
		tr_log(TRACING_LOG_WARN, "%s: only the first span processor "
		    "is used", f->path);
	p = cf_node(f, ps->data.sequence.items.start[0]);
	simple = (b = cf_get(f, p, "batch")) == NULL;
	if (simple && (b = cf_get(f, p, "simple")) == NULL)
		return (cf_fail(f, p, "processor: batch or simple expected"));
	if ((rc = tracing_config_set(f->c, "TRACING_PROCESSOR", simple ?
	    "simple" : "batch")) ||
	    (rc = cf_expect(f, b, YAML_MAPPING_NODE, "processor")) ||
	    (rc = cf_set(f, b, "schedule_delay", "OTEL_BSP_SCHEDULE_DELAY")) ||
	    (rc = cf_set(f, b, "export_timeout", "OTEL_BSP_EXPORT_TIMEOUT")) ||
	    (rc = cf_set(f, b, "max_queue_size", "OTEL_BSP_MAX_QUEUE_SIZE")) ||
	    (rc = cf_set(f, b, "max_export_batch_size",
	    "OTEL_BSP_MAX_EXPORT_BATCH_SIZE")))
		return (rc);
	return (cf_exporter(f, cf_get(f, b, "exporter")));
}

/* A delegate of parent_based: NULL when absent (the default). */
static int
cf_delegate(struct cf *f, yaml_node_t *pb, const char *key, int depth,
    struct tracing_sampler **out)
{
	yaml_node_t	*n;

	*out = NULL;
	if ((n = cf_get(f, pb, key)) == NULL || cf_is_null(n))
		return (TRACING_OK);
	return (cf_sampler(f, n, depth + 1, out));
}

static int
cf_parent_based(struct cf *f, yaml_node_t *pb, int depth,
    struct tracing_sampler **out)
{
	struct tracing_sampler	*d[5];
	static const char	*keys[5] = { "root", "remote_parent_sampled",
		"remote_parent_not_sampled", "local_parent_sampled",
		"local_parent_not_sampled" };
	int			 i, rc;

	memset(d, 0, sizeof(d));
	rc = cf_expect(f, pb, YAML_MAPPING_NODE, "parent_based");
	for (i = 0; i < 5 && rc == TRACING_OK; i++)
		rc = cf_delegate(f, pb, keys[i], depth, &d[i]);
	if (rc != TRACING_OK) {
		for (i = 0; i < 5; i++)
			tracing_sampler_free(d[i]);
		return (rc);
	}
	return (tracing_sampler_parent_based_alloc(out, d[0], d[1], d[2], d[3],
	    d[4]));
}

static int
cf_sampler(struct cf *f, yaml_node_t *n, int depth,
    struct tracing_sampler **out)
{
	yaml_node_t	*r;
	char		*v, *end;
	double		 ratio;
	int		 rc;

	*out = NULL;
	if (depth > CF_MAX_DEPTH || n == NULL || n->type != YAML_MAPPING_NODE)
		return (cf_fail(f, n, "sampler: a mapping is expected"));
	if (cf_get(f, n, "always_on") != NULL)
		return (tracing_sampler_always_on_alloc(out));
	if (cf_get(f, n, "always_off") != NULL)
		return (tracing_sampler_always_off_alloc(out));
	if ((r = cf_get(f, n, "parent_based")) != NULL)
		return (cf_parent_based(f, r, depth, out));
	if ((r = cf_get(f, n, "trace_id_ratio_based")) == NULL)
		return (cf_fail(f, n, "sampler: always_on, always_off, "
		    "trace_id_ratio_based or parent_based expected"));
	ratio = 1.0;
	if ((rc = cf_scalar(f, cf_get(f, r, "ratio"), "ratio", &v)) !=
	    TRACING_OK)
		return (rc);
	if (v != NULL) {
		errno = 0;
		ratio = strtod(v, &end);
		if (errno != 0 || end == v || *end != '\0' ||
		    !(ratio >= 0.0 && ratio <= 1.0))
			rc = cf_fail(f, cf_get(f, r, "ratio"), "ratio: a "
			    "number from 0 to 1 is expected");
		tr_free(v);
		if (rc != TRACING_OK)
			return (rc);
	}
	return (tracing_sampler_ratio_alloc(out, ratio));
}

static int
cf_tracer_provider(struct cf *f, yaml_node_t *tp)
{
	struct tracing_sampler	*s;
	yaml_node_t		*l, *n;
	int			 rc;

	if ((rc = cf_expect(f, tp, YAML_MAPPING_NODE, "tracer_provider")) ||
	    (rc = cf_processors(f, cf_get(f, tp, "processors"))))
		return (rc);
	l = cf_get(f, tp, "limits");
	if ((rc = cf_expect(f, l, YAML_MAPPING_NODE, "limits")) ||
	    (rc = cf_set(f, l, "attribute_value_length_limit",
	    "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT")) ||
	    (rc = cf_set(f, l, "attribute_count_limit",
	    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT")) ||
	    (rc = cf_set(f, l, "event_count_limit",
	    "OTEL_SPAN_EVENT_COUNT_LIMIT")) ||
	    (rc = cf_set(f, l, "link_count_limit",
	    "OTEL_SPAN_LINK_COUNT_LIMIT")) ||
	    (rc = cf_set(f, l, "event_attribute_count_limit",
	    "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT")) ||
	    (rc = cf_set(f, l, "link_attribute_count_limit",
	    "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT")))
		return (rc);
	if ((n = cf_get(f, tp, "sampler")) == NULL || cf_is_null(n))
		return (TRACING_OK);
	if ((rc = cf_sampler(f, n, 0, &s)) != TRACING_OK)
		return (rc);
	return (tracing_config_set_sampler(f->c, s));
}

/* propagator: composite [{name: }...] and composite_list, in order. */
static int
cf_propagator(struct cf *f, yaml_node_t *p)
{
	yaml_node_t		*cs, *e, *k;
	yaml_node_item_t	*it;
	struct tr_buf		 b;
	char			*list;
	int			 rc;

	if ((rc = cf_expect(f, p, YAML_MAPPING_NODE, "propagator")))
		return (rc);
	tr_buf_init(&b, CF_MAX_BYTES);
	rc = tr_buf_append(&b, "none", 4);
	cs = cf_get(f, p, "composite");
	if (rc == TRACING_OK && cs != NULL && !cf_is_null(cs))
		rc = cf_expect(f, cs, YAML_SEQUENCE_NODE, "composite");
	for (it = cs != NULL && cs->type == YAML_SEQUENCE_NODE ?
	    cs->data.sequence.items.start : NULL; rc == TRACING_OK &&
	    it != NULL && it < cs->data.sequence.items.top; it++) {
		e = cf_node(f, *it);
		if (e == NULL || e->type != YAML_MAPPING_NODE ||
		    e->data.mapping.pairs.top == e->data.mapping.pairs.start ||
		    (k = cf_node(f, e->data.mapping.pairs.start->key)) == NULL
		    || k->type != YAML_SCALAR_NODE)
			rc = cf_fail(f, e, "composite: {name:} entries expected");
		else
			rc = tr_buf_appendf(&b, ",%s", k->data.scalar.value);
	}
	list = NULL;
	if (rc == TRACING_OK && (rc = cf_scalar(f, cf_get(f, p,
	    "composite_list"), "composite_list", &list)) == TRACING_OK &&
	    list != NULL)
		rc = tr_buf_appendf(&b, ",%s", list);
	tr_free(list);
	if (rc == TRACING_OK && tracing_config_set(f->c, "OTEL_PROPAGATORS",
	    tr_buf_cstr(&b)) != TRACING_OK)
		rc = cf_fail(f, p, "propagator: none of them is supported");
	tr_buf_cleanup(&b);
	return (rc);
}

/* One resource attribute {name, value, type}; type string by default. */
static int
cf_attr(struct cf *f, yaml_node_t *a, struct tracing_resource *r)
{
	struct tracing_attr	 at;
	char			*k, *v, *t, *end;
	int			 rc;

	k = v = t = NULL;
	if ((rc = cf_scalar(f, cf_get(f, a, "name"), "name", &k)) ||
	    (rc = cf_scalar(f, cf_get(f, a, "value"), "value", &v)) ||
	    (rc = cf_scalar(f, cf_get(f, a, "type"), "type", &t)))
		goto out;
	if (k == NULL) {
		rc = cf_fail(f, a, "resource attribute without a name");
		goto out;
	}
	if (v == NULL)
		goto out;
	at = tracing_attr_str(k, v);
	end = NULL;
	if (t == NULL || strcmp(t, "string") == 0)
		end = v + strlen(v);
	else if (strcmp(t, "bool") == 0 && (strcmp(v, "true") == 0 ||
	    strcmp(v, "false") == 0)) {
		at = tracing_attr_bool(k, strcmp(v, "true") == 0);
		end = v + strlen(v);
	} else if (strcmp(t, "int") == 0)
		at = tracing_attr_int(k, strtoll(v, &end, 10));
	else if (strcmp(t, "double") == 0)
		at = tracing_attr_double(k, strtod(v, &end));
	if (end == NULL || end == v || *end != '\0')
		rc = cf_fail(f, a, "resource attribute %s: not of type %s", k,
		    t != NULL ? t : "string");
	else
		rc = tracing_resource_set(r, &at);
out:
	tr_free(k);
	tr_free(v);
	tr_free(t);
	return (rc);
}

static int
cf_resource(struct cf *f, yaml_node_t *res)
{
	struct tracing_resource	*r;
	yaml_node_t		*as;
	yaml_node_item_t	*it;
	char			*url;
	int			 rc;

	if ((rc = cf_expect(f, res, YAML_MAPPING_NODE, "resource")) ||
	    (rc = cf_set(f, res, "attributes_list",
	    "OTEL_RESOURCE_ATTRIBUTES")) ||
	    (rc = cf_scalar(f, cf_get(f, res, "schema_url"), "schema_url",
	    &url)))
		return (rc);
	if ((rc = tracing_resource_alloc(&r, NULL, 0, url)) != TRACING_OK) {
		tr_free(url);
		return (rc);
	}
	tr_free(url);
	as = cf_get(f, res, "attributes");
	if (as != NULL && !cf_is_null(as))
		rc = cf_expect(f, as, YAML_SEQUENCE_NODE, "attributes");
	for (it = as != NULL && as->type == YAML_SEQUENCE_NODE ?
	    as->data.sequence.items.start : NULL; rc == TRACING_OK &&
	    it != NULL && it < as->data.sequence.items.top; it++)
		rc = cf_attr(f, cf_node(f, *it), r);
	if (rc != TRACING_OK) {
		tracing_resource_free(r);
		return (rc);
	}
	return (tracing_config_set_resource(f->c, r));
}

/* The document's root: file_format first, then each part. */
static int
cf_root(struct cf *f, yaml_node_t *root)
{
	yaml_node_t	*n;
	char		*ff;
	int		 rc;

	if (root == NULL || root->type != YAML_MAPPING_NODE)
		return (cf_fail(f, root, "a mapping is expected at the top"));
	if ((rc = cf_scalar(f, cf_get(f, root, "file_format"), "file_format",
	    &ff)) != TRACING_OK)
		return (rc);
	if (ff == NULL)
		return (cf_fail(f, root, "file_format is required"));
	if (strncmp(ff, "0.", 2) != 0 && strncmp(ff, "1.", 2) != 0)
		tr_log(TRACING_LOG_WARN, "%s: file_format \"%.32s\" is not "
		    "0.x or 1.x: read as 1.0", f->path, ff);
	tr_free(ff);
	n = cf_get(f, root, "attribute_limits");
	if ((rc = cf_set(f, root, "disabled", "OTEL_SDK_DISABLED")) ||
	    (rc = cf_set(f, root, "log_level", "OTEL_LOG_LEVEL")) ||
	    (rc = cf_expect(f, n, YAML_MAPPING_NODE, "attribute_limits")) ||
	    (rc = cf_set(f, n, "attribute_count_limit",
	    "OTEL_ATTRIBUTE_COUNT_LIMIT")) ||
	    (rc = cf_set(f, n, "attribute_value_length_limit",
	    "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT")))
		return (rc);
	if ((n = cf_get(f, root, "resource")) != NULL &&
	    (rc = cf_resource(f, n)) != TRACING_OK)
		return (rc);
	/* Omitted: no propagator, no tracer provider (a no-op one). */
	if ((rc = (n = cf_get(f, root, "propagator")) != NULL ?
	    cf_propagator(f, n) : tracing_config_set(f->c, "OTEL_PROPAGATORS",
	    "none")) != TRACING_OK)
		return (rc);
	if ((n = cf_get(f, root, "tracer_provider")) == NULL)
		return (tracing_config_set(f->c, "OTEL_SDK_DISABLED", "true"));
	return (cf_tracer_provider(f, n));
}

static int
cf_read(struct cf *f, const char *path, struct tr_buf *b)
{
	FILE	*fp;
	char	 chunk[4096];
	size_t	 n;
	int	 rc;

	if ((fp = fopen(path, "r")) == NULL)
		return (cf_fail(f, NULL, "%s", strerror(errno)));
	rc = TRACING_OK;
	while (rc == TRACING_OK && (n = fread(chunk, 1, sizeof(chunk), fp)) >
	    0)
		if ((rc = tr_buf_append(b, chunk, n)) == TRACING_ERR_LIMIT)
			rc = cf_fail(f, NULL, "larger than %d bytes",
			    CF_MAX_BYTES);
	if (rc == TRACING_OK && ferror(fp))
		rc = cf_fail(f, NULL, "read error");
	(void)fclose(fp);
	return (rc);
}

int
tracing_config_load_file(struct tracing_config *c, const char *path,
    char *err, size_t errlen)
{
	struct cf	 f;
	struct tr_buf	 b;
	yaml_parser_t	 parser;
	int		 rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (c == NULL || path == NULL)
		return (TRACING_ERR_INVALID);
	memset(&f, 0, sizeof(f));
	f.c = c;
	f.path = path;
	f.err = err;
	f.errlen = errlen;
	tr_buf_init(&b, CF_MAX_BYTES);
	if (cf_read(&f, path, &b) != TRACING_OK) {
		tr_buf_cleanup(&b);
		return (f.rc);
	}
	if (!yaml_parser_initialize(&parser)) {
		tr_buf_cleanup(&b);
		return (TRACING_ERR_NOMEM);
	}
	yaml_parser_set_input_string(&parser, b.data != NULL ? b.data :
	    (const unsigned char *)"", b.len);
	if (!yaml_parser_load(&parser, &f.doc)) {
		if (err != NULL && errlen > 0)
			(void)snprintf(err, errlen, "%s:%zu:%zu: %s", path,
			    parser.problem_mark.line + 1,
			    parser.problem_mark.column + 1,
			    parser.problem != NULL ? parser.problem : "bad YAML");
		f.rc = TRACING_ERR_INVALID;
	} else {
		rc = cf_root(&f, yaml_document_get_root_node(&f.doc));
		if (f.rc == TRACING_OK)
			f.rc = rc;
		yaml_document_delete(&f.doc);
	}
	yaml_parser_delete(&parser);
	tr_buf_cleanup(&b);
	return (f.rc);
}
