/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exporter.c: the exporter vtable wrapper that lets hosts plug in their
 * own exporters, the console exporter (one human-readable line per
 * span, for debugging) and the in-memory exporter (copies of the spans
 * it is given, for tests, under its own mutex: the export thread adds,
 * the host reads).
 */

#include <sys/types.h>

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tracing_private.h"

static int	console_export(void *, const struct tracing_batch *);

static const char	*kind_names[] = {
	"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"
};

static const char	*status_names[] = { "UNSET", "OK", "ERROR" };

int
tracing_exporter_alloc(struct tracing_exporter **out,
    const struct tracing_exporter_ops *ops, void *arg)
{
	struct tracing_exporter	*e;

	*out = NULL;
	if (ops == NULL || ops->export_spans == NULL)
		return (TRACING_ERR_INVALID);
	if ((e = tr_calloc(1, sizeof(*e))) == NULL)
		return (TRACING_ERR_NOMEM);
	e->ops = *ops;
	e->arg = arg;
	*out = e;
	return (TRACING_OK);
}

void
tracing_exporter_free(struct tracing_exporter *e)
{
	if (e == NULL)
		return;
	if (e->ops.shutdown != NULL)
		e->ops.shutdown(e->arg);
	if (e->ops.free != NULL)
		e->ops.free(e->arg);
	tr_free(e);
}

int
tr_exporter_export(struct tracing_exporter *e, struct tracing_batch *b)
{
	if (e == NULL)
		return (TRACING_OK);
	return (e->ops.export_spans(e->arg, b));
}

static void
print_str(FILE *f, const char *s, size_t n)
{
	size_t	i;

	fputc('"', f);
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if ((unsigned char)s[i] < 0x20)
			fprintf(f, "\\x%02x", (unsigned char)s[i]);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
}

static void
print_attrs(FILE *f, const struct tr_attrs *as)
{
	const struct tr_attr	*a;
	uint32_t		 i, j;

	fputc('{', f);
	for (i = 0; i < as->count; i++) {
		a = &as->a[i];
		fprintf(f, "%s%.*s=", i > 0 ? ", " : "", (int)a->klen, a->key);
		switch (a->type) {
		case TRACING_ATTR_STRING:
			print_str(f, a->v.s, a->n);
			break;
		case TRACING_ATTR_BOOL:
			fputs(a->v.b ? "true" : "false", f);
			break;
		case TRACING_ATTR_INT:
			fprintf(f, "%" PRId64, a->v.i);
			break;
		case TRACING_ATTR_DOUBLE:
			fprintf(f, "%g", a->v.d);
			break;
		default:
			fputc('[', f);
			for (j = 0; j < a->n; j++) {
				if (j > 0)
					fputs(", ", f);
				if (a->type == TRACING_ATTR_STRING_ARRAY)
					print_str(f, a->v.sa[j], a->slens[j]);
				else if (a->type == TRACING_ATTR_BOOL_ARRAY)
					fputs(a->v.ba[j] ? "true" : "false", f);
				else if (a->type == TRACING_ATTR_INT_ARRAY)
					fprintf(f, "%" PRId64, a->v.ia[j]);
				else
					fprintf(f, "%g", a->v.da[j]);
			}
			fputc(']', f);
		}
	}
	if (as->dropped)
		fprintf(f, "%s(%u dropped)", as->count ? ", " : "",
		    as->dropped);
	fputc('}', f);
}

static int
console_export(void *arg, const struct tracing_batch *b)
{
	FILE				*f = arg;
	const struct tr_span	*s;
	char				 tid[33], sid[17], pid[17];
	size_t				 i;
	uint32_t			 j;

	flockfile(f);
	for (i = 0; i < b->n; i++) {
		s = b->spans[i];
		tr_hex_encode(s->sc.trace_id, 16, tid);
		tr_hex_encode(s->sc.span_id, 8, sid);
		if (s->has_parent)
			tr_hex_encode(s->parent_id, 8, pid);
		else
			strcpy(pid, "-");
		fprintf(f, "span %s trace=%s id=%s parent=%s%s kind=%s "
		    "start=%" PRIu64 " duration_us=%" PRIu64 " status=%s",
		    s->tracer->name, tid, sid, pid,
		    s->parent_remote ? "(remote)" : "", kind_names[s->kind],
		    s->start, (s->end - s->start) / 1000,
		    status_names[s->status]);
		if (s->status_desc != NULL) {
			fputc('(', f);
			print_str(f, s->status_desc, strlen(s->status_desc));
			fputc(')', f);
		}
		fputs(" name=", f);
		print_str(f, s->name, strlen(s->name));
		fputs(" attrs=", f);
		print_attrs(f, &s->attrs);
		for (j = 0; j < s->nevents; j++) {
			fputs(" event=", f);
			print_str(f, s->events[j].name,
			    strlen(s->events[j].name));
			print_attrs(f, &s->events[j].attrs);
		}
		for (j = 0; j < s->nlinks; j++) {
			tr_hex_encode(s->links[j].sc.trace_id, 16, tid);
			tr_hex_encode(s->links[j].sc.span_id, 8, sid);
			fprintf(f, " link=%s/%s", tid, sid);
			print_attrs(f, &s->links[j].attrs);
		}
		if (s->dropped_events || s->dropped_links)
			fprintf(f, " dropped_events=%u dropped_links=%u",
			    s->dropped_events, s->dropped_links);
		fputc('\n', f);
	}
	fflush(f);
	funlockfile(f);
	return (TRACING_OK);
}

int
tracing_exporter_console_alloc(struct tracing_exporter **out, FILE *f)
{
	static const struct tracing_exporter_ops	ops = {
		console_export, NULL, NULL
	};

	return (tracing_exporter_alloc(out, &ops, f != NULL ? f : stderr));
}

struct tr_memory {
	pthread_mutex_t	  lock;
	struct tr_span	**spans;
	size_t		  n;
	size_t		  cap;
};

static int
memory_export(void *arg, const struct tracing_batch *b)
{
	struct tr_memory	*m = arg;
	struct tr_span		*c, **ns;
	size_t			 i, ncap;
	int			 rc;

	rc = TRACING_OK;
	(void)pthread_mutex_lock(&m->lock);
	for (i = 0; i < b->n; i++) {
		if (m->n == m->cap) {
			ncap = m->cap == 0 ? 16 : m->cap * 2;
			if ((ns = tr_realloc(m->spans, ncap * sizeof(*ns))) ==
			    NULL) {
				rc = TRACING_ERR_NOMEM;
				break;
			}
			m->spans = ns;
			m->cap = ncap;
		}
		if ((rc = tr_span_clone(b->spans[i], &c)) != TRACING_OK)
			break;
		m->spans[m->n++] = c;
	}
	(void)pthread_mutex_unlock(&m->lock);
	return (rc);
}

static void
memory_clear(struct tr_memory *m)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		tr_span_clone_free(m->spans[i]);
	m->n = 0;
}

static void
memory_free(void *arg)
{
	struct tr_memory	*m = arg;

	memory_clear(m);
	tr_free(m->spans);
	(void)pthread_mutex_destroy(&m->lock);
	tr_free(m);
}

int
tracing_exporter_memory_alloc(struct tracing_exporter **out)
{
	static const struct tracing_exporter_ops	ops = {
		memory_export, NULL, memory_free
	};
	struct tr_memory				*m;
	int						 rc;

	*out = NULL;
	if ((m = tr_calloc(1, sizeof(*m))) == NULL)
		return (TRACING_ERR_NOMEM);
	(void)pthread_mutex_init(&m->lock, NULL);
	if ((rc = tracing_exporter_alloc(out, &ops, m)) != TRACING_OK)
		memory_free(m);
	return (rc);
}

/* The exporter's store, if it is an in-memory exporter. */
static struct tr_memory *
memory_of(struct tracing_exporter *e)
{
	if (e == NULL || e->ops.export_spans != memory_export)
		return (NULL);
	return (e->arg);
}

size_t
tracing_exporter_memory_count(struct tracing_exporter *e)
{
	struct tr_memory	*m;
	size_t			 n;

	if ((m = memory_of(e)) == NULL)
		return (0);
	(void)pthread_mutex_lock(&m->lock);
	n = m->n;
	(void)pthread_mutex_unlock(&m->lock);
	return (n);
}

const struct tracing_span *
tracing_exporter_memory_span(struct tracing_exporter *e, size_t i)
{
	struct tr_memory	*m;
	struct tracing_span	*h;

	if ((m = memory_of(e)) == NULL)
		return (NULL);
	h = NULL;
	(void)pthread_mutex_lock(&m->lock);
	if (i < m->n)
		h = tr_handle(m->spans[i]);
	(void)pthread_mutex_unlock(&m->lock);
	return (h);
}

void
tracing_exporter_memory_reset(struct tracing_exporter *e)
{
	struct tr_memory	*m;

	if ((m = memory_of(e)) == NULL)
		return;
	(void)pthread_mutex_lock(&m->lock);
	memory_clear(m);
	(void)pthread_mutex_unlock(&m->lock);
}
