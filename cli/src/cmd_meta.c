/*
 * cmd_meta.c: the views of what Jaeger knows besides traces: `services`,
 * `ops SERVICE` and `deps` (the service graph with call counts).
 */

#include <sys/types.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracectl.h"

/* Options for a command without options of its own; -1: go on. */
static int
simple_opts(struct ctx *c, const char *cmd, int argc, char *argv[],
    struct window *w)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 'S' },
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
		case 'h':
			usage_cmd(stdout, cmd);
			return (EX_FOUND);
		case '?':
			return (usage_error(cmd, NULL));
		default:
			if (ch == 'S' || (rc = common_option(c, ch,
			    optarg)) == -1)
				return (usage_error(cmd, ch == 'S' ?
				    "--since: not an option of %s" : NULL,
				    cmd));
			if (rc == 1) {
				usage_cmd(stdout, cmd);
				return (EX_FOUND);
			}
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

	if ((rc = simple_opts(c, "services", argc, argv, NULL)) != -1)
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

	if ((rc = simple_opts(c, "ops", argc, argv, NULL)) != -1)
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

int
cmd_deps(struct ctx *c, int argc, char *argv[])
{
	struct jaeger_dep	*v;
	struct window		 w;
	struct table		 tab;
	size_t			 n, i;
	int			 rc;
	char			 calls[32];
	json_t			*arr, *o;

	window_init(&w);
	w.since_us = 24 * 3600 * USEC_PER_SEC;
	if ((rc = simple_opts(c, "deps", argc, argv, &w)) != -1)
		return (rc);
	if (optind < argc)
		return (usage_error("deps", "unexpected argument: %s",
		    argv[optind]));
	rc = jaeger_dependencies(ctx_jaeger(c), now_us(), w.since_us, &v, &n);
	if (rc != JAEGER_OK)
		return (jaeger_fail(c, rc));
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
