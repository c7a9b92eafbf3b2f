/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_meta.c: the views of what Jaeger knows besides traces: `services`,
 * `ops SERVICE` and `deps` (the service graph with call counts, from
 * Jaeger's dependencies API or, where the storage keeps none, from the
 * traces themselves).
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracectl.h"

/*
 * Options for a command with few of its own: --since when w is given,
 * --table when table is; -1: go on.
 */
static int
simple_opts(struct ctx *c, const char *cmd, int argc, char *argv[],
    struct window *w, int *table)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 'S' },
		{ "table", no_argument, NULL, 'T' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, rc;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		if (w != NULL && (rc = window_option(w, ch, optarg)) != 0) {
			if (rc == -1)
				return (usage_error(cmd, NULL));
			continue;
		}
		switch (ch) {
		case 'S':
			return (usage_error(cmd, "--since: not an option of %s",
			    cmd));
		case 'T':
			if (table == NULL)
				return (usage_error(cmd, "--table: not an "
				    "option of %s", cmd));
			*table = 1;
			break;
		default:
			if ((rc = command_option(c, cmd, ch, optarg)) != -1)
				return (rc);
		}
	}
	return (-1);
}

int
cmd_services(struct ctx *c, int argc, char *argv[])
{
	char	**v;
	size_t	 n, i;
	int	 rc;
	json_t	*arr;

	if ((rc = simple_opts(c, "services", argc, argv, NULL, NULL)) != -1)
		return (rc);
	if (optind < argc)
		return (usage_error("services", "unexpected argument: %s",
		    argv[optind]));
	if ((rc = jaeger_services(ctx_jaeger(c), &v, &n)) != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (out.json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(arr, json_string(v[i]));
		json_print(arr);
	} else {
		for (i = 0; i < n; i++)
			printf("%s\n", v[i]);
		if (n == 0)
			warnx("Jaeger at %s knows no services yet", c->j.base);
	}
	jaeger_free_strings(v, n);
	return (n > 0 ? EX_FOUND : EX_NOTHING);
}

int
cmd_ops(struct ctx *c, int argc, char *argv[])
{
	struct jaeger_op	*v;
	struct table		 tab;
	size_t			 n, i;
	int			 rc;
	json_t			*arr, *o;

	if ((rc = simple_opts(c, "ops", argc, argv, NULL, NULL)) != -1)
		return (rc);
	if (argc - optind != 1)
		return (usage_error("ops", "want one SERVICE"));
	rc = jaeger_operations(ctx_jaeger(c), argv[optind], &v, &n);
	if (rc != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (out.json) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			o = json_object();
			json_object_set_new(o, "name", json_string(v[i].name));
			json_object_set_new(o, "spanKind",
			    json_string(v[i].kind));
			json_array_append_new(arr, o);
		}
		json_print(arr);
	} else if (n > 0) {
		table_init(&tab, "OPERATION|KIND");
		for (i = 0; i < n; i++)
			table_row(&tab, v[i].name, v[i].kind);
		table_print(&tab, stdout);
		table_cleanup(&tab);
	} else
		warnx("no operations for service %s (is the name right? see "
		    "tracectl services)", argv[optind]);
	jaeger_free_ops(v, n);
	return (n > 0 ? EX_FOUND : EX_NOTHING);
}

static int
dep_cmp(const void *a, const void *b)
{
	const struct jaeger_dep *x = a, *y = b;
	int	 r;

	if ((r = strcmp(x->parent, y->parent)) != 0)
		return (r);
	return (strcmp(x->child, y->child));
}

/* Draws the callees of svc under it; path holds the callers above. */
static void
deps_tree(const struct jaeger_dep *v, size_t n, const char *svc,
    const char **path, size_t depth, char *prefix, size_t plen)
{
	const char	*branch, *cont, *arrow;
	size_t		 i, k, last, cnt;
	int		 cycle;

	for (i = 0, cnt = 0, last = n; i < n; i++)
		if (strcmp(v[i].parent, svc) == 0 &&
		    strcmp(v[i].child, svc) != 0) {
			cnt++;
			last = i;
		}
	if (cnt == 0 || depth >= 32)
		return;
	arrow = out.utf8 ? "\xe2\x96\xb6 " : "> ";
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].parent, svc) != 0 ||
		    strcmp(v[i].child, svc) == 0)
			continue;
		branch = out.utf8 ? (i == last ? "\xe2\x94\x94\xe2\x94\x80" :
		    "\xe2\x94\x9c\xe2\x94\x80") : (i == last ? "`-" : "|-");
		cont = out.utf8 ? (i == last ? "   " : "\xe2\x94\x82  ") :
		    (i == last ? "   " : "|  ");
		for (k = 0, cycle = 0; k < depth; k++)
			cycle |= strcmp(path[k], v[i].child) == 0;
		printf("%s%s%s%s%s  %s%lld call%s%s%s\n", prefix, branch, arrow,
		    v[i].child, cycle ? " (calls back up: cycle)" : "",
		    color(C_DIM), v[i].calls, v[i].calls == 1 ? "" : "s",
		    color(C_RESET), "");
		if (cycle || plen + strlen(cont) + 1 > 1024)
			continue;
		strcpy(prefix + plen, cont);
		path[depth] = v[i].child;
		deps_tree(v, n, v[i].child, path, depth + 1, prefix,
		    plen + strlen(cont));
		prefix[plen] = '\0';
	}
}

/*
 * The service graph as trees: from each service no other calls (else, in a
 * cycle with no such service, from the first one), its callees under it.
 */
static void
deps_graph(const struct jaeger_dep *v, size_t n)
{
	const char	*path[33];
	char		 prefix[1100];
	size_t		 i, k, roots;
	int		 called;

	for (i = 0, roots = 0; i < n; i++) {
		/* Each caller once: the first edge of it. */
		for (k = 0; k < i; k++)
			if (strcmp(v[k].parent, v[i].parent) == 0)
				break;
		if (k < i)
			continue;
		for (k = 0, called = 0; k < n; k++)
			called |= strcmp(v[k].child, v[i].parent) == 0 &&
			    strcmp(v[k].parent, v[i].parent) != 0;
		if (called)
			continue;
		printf("%s%s%s\n", color(C_BOLD), v[i].parent, color(C_RESET));
		path[0] = v[i].parent;
		prefix[0] = '\0';
		deps_tree(v, n, v[i].parent, path, 1, prefix, 0);
		roots++;
	}
	if (roots == 0 && n > 0) {
		printf("%s%s%s\n", color(C_BOLD), v[0].parent, color(C_RESET));
		path[0] = v[0].parent;
		prefix[0] = '\0';
		deps_tree(v, n, v[0].parent, path, 1, prefix, 0);
	}
}

/* At most this many traces make a graph derived from the traces. */
#define DEPS_TRACES_MAX		5000

struct deps_acc {
	struct jaeger_dep	*v;
	size_t			 n, cap;
	size_t			 traces;
};

/* One call parent -> child for each span whose parent is another service's. */
static int
deps_cb(struct trace *t, void *arg)
{
	struct deps_acc		*a = arg;
	const struct span	*s;
	size_t			 i, k;

	for (i = 0; i < t->nspans; i++) {
		s = &t->spans[i];
		if (s->parent == NULL || s->parent->service == NULL ||
		    s->service == NULL ||
		    strcmp(s->parent->service, s->service) == 0)
			continue;
		for (k = 0; k < a->n; k++)
			if (strcmp(a->v[k].parent, s->parent->service) == 0 &&
			    strcmp(a->v[k].child, s->service) == 0)
				break;
		if (k == a->n) {
			if (a->n == a->cap) {
				a->cap = a->cap ? a->cap * 2 : 16;
				a->v = xreallocarray(a->v, a->cap,
				    sizeof(*a->v));
			}
			a->v[k].parent = xstrdup(s->parent->service);
			a->v[k].child = xstrdup(s->service);
			a->v[k].calls = 0;
			a->n++;
		}
		a->v[k].calls++;
	}
	return (++a->traces >= DEPS_TRACES_MAX);
}

/*
 * The graph from the window's traces, for storage that keeps no dependency
 * data of its own (OpenSearch, Elasticsearch and Cassandra get it from
 * Jaeger's separate Spark job), counted as Jaeger's in-memory store does.
 */
static int
deps_from_traces(struct ctx *c, struct window *w, struct jaeger_dep **v,
    size_t *n, size_t *ntraces)
{
	struct jaeger_query	 q;
	struct deps_acc		 a;
	int			 rc;

	memset(&a, 0, sizeof(a));
	memset(&q, 0, sizeof(q));
	q.service_hint = 1;
	q.start_us = w->start_us;
	q.end_us = w->end_us;
	q.page_limit = 1000;
	rc = jaeger_search(ctx_jaeger(c), &q, deps_cb, &a);
	if (rc != JAEGER_OK) {
		jaeger_free_deps(a.v, a.n);
		return (rc);
	}
	*v = a.v;
	*n = a.n;
	*ntraces = a.traces;
	return (JAEGER_OK);
}

int
cmd_deps(struct ctx *c, int argc, char *argv[])
{
	struct jaeger_dep	*v;
	struct window		 w;
	struct table		 tab;
	size_t			 n, i, k, self = 0, ntraces = 0;
	int			 rc, table = 0;
	char			 calls[32];
	json_t			*arr, *o;

	window_init(&w);
	w.since_us = 24 * 3600 * USEC_PER_SEC;
	if ((rc = simple_opts(c, "deps", argc, argv, &w, &table)) != -1)
		return (rc);
	if (optind < argc)
		return (usage_error("deps", "unexpected argument: %s",
		    argv[optind]));
	if ((rc = window_finish(&w, "deps")) != 0)
		return (rc);
	rc = jaeger_dependencies(ctx_jaeger(c), w.end_us,
	    w.end_us - w.start_us, &v, &n);
	if (rc != JAEGER_OK)
		return (jaeger_fail(c, rc));
	if (n == 0) {
		free(v);
		rc = deps_from_traces(c, &w, &v, &n, &ntraces);
		if (rc != JAEGER_OK)
			return (jaeger_fail(c, rc));
		if (ntraces > 0)
			warnx("Jaeger's storage keeps no dependency data: "
			    "the graph of %zu trace%s%s", ntraces,
			    ntraces == 1 ? "" : "s",
			    ntraces >= DEPS_TRACES_MAX ? " (the first found)" :
			    "");
	}
	/* A service calling itself is no edge of the graph. */
	for (i = k = 0; i < n; i++) {
		if (strcmp(v[i].parent, v[i].child) == 0) {
			free(v[i].parent);
			free(v[i].child);
			self++;
			continue;
		}
		v[k++] = v[i];
	}
	n = k;
	qsort(v, n, sizeof(*v), dep_cmp);
	if (out.json) {
		arr = json_array();
		for (i = 0; i < n; i++) {
			o = json_object();
			json_object_set_new(o, "parent",
			    json_string(v[i].parent));
			json_object_set_new(o, "child", json_string(v[i].child));
			json_object_set_new(o, "callCount",
			    json_integer(v[i].calls));
			json_array_append_new(arr, o);
		}
		json_print(arr);
	} else if (n > 0 && !table) {
		deps_graph(v, n);
		if (self > 0)
			printf("%s%zu same-service edge%s left out%s\n",
			    color(C_DIM), self, self == 1 ? "" : "s",
			    color(C_RESET));
	} else if (n > 0) {
		table_init(&tab, "CALLER||CALLEE|>CALLS");
		for (i = 0; i < n; i++) {
			snprintf(calls, sizeof(calls), "%lld", v[i].calls);
			table_row(&tab, v[i].parent,
			    out.utf8 ? "\xe2\x86\x92" : "->", v[i].child,
			    calls);
		}
		table_print(&tab, stdout);
		table_cleanup(&tab);
	} else
		warnx("no dependencies in the window");
	jaeger_free_deps(v, n);
	return (n > 0 ? EX_FOUND : EX_NOTHING);
}
