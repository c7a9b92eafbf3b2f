/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd_logs.c: `logs TRACE_ID`: the services' JSON log lines of one trace,
 * from the log directory the stack writes (make up: $RUN_DIR/log), merged
 * from every file in time order; and `diff A B`: two traces compared per
 * service and operation (spans in one only, count and duration changes),
 * as Jaeger UI's trace comparison.
 */

#include <sys/types.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracectl.h"

/* A log line longer than this is not one of ours (the services cap theirs). */
#define LOG_LINE_MAX	8192
/* Bytes read of one log file at most (a file may grow without end). */
#define LOG_FILE_MAX	(512LL * 1024 * 1024)

struct log_line {
	char	*time;		/* RFC 3339, sorts as text */
	char	*file;		/* the log it came from */
	char	*text;
};

static int
line_cmp(const void *a, const void *b)
{
	const struct log_line	*x = a, *y = b;
	int			 c;

	if ((c = strcmp(x->time, y->time)) != 0)
		return (c);
	return (strcmp(x->file, y->file));
}

/* The directory: --dir, TRACECTL_LOG_DIR, $RUN_DIR/log, else .run/log. */
static const char *
log_dir(const char *given, char *b, size_t n)
{
	const char	*e;

	if (given != NULL)
		return (given);
	if ((e = getenv("TRACECTL_LOG_DIR")) != NULL && *e != '\0')
		return (e);
	if ((e = getenv("RUN_DIR")) != NULL && *e != '\0') {
		snprintf(b, n, "%s/log", e);
		return (b);
	}
	return (".run/log");
}

/* The lines of one file that are JSON objects of the trace. */
static void
scan_file(const char *path, const char *name, const char *tid,
    struct log_line **v, size_t *n, size_t *cap)
{
	FILE		*fp;
	char		 line[LOG_LINE_MAX], want[64];
	json_t		*js;
	const char	*t;
	long long	 read;
	size_t		 len;

	if ((fp = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return;
	}
	snprintf(want, sizeof(want), "\"trace_id\":\"%s\"", tid);
	read = 0;
	while (read < LOG_FILE_MAX && fgets(line, sizeof(line), fp) != NULL) {
		len = strlen(line);
		read += (long long)len;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (line[0] != '{' || strstr(line, want) == NULL)
			continue;
		if ((js = json_loads(line, 0, NULL)) == NULL)
			continue;
		t = json_string_value(json_object_get(js, "time"));
		if (*n == *cap) {
			*cap = *cap == 0 ? 64 : *cap * 2;
			*v = xreallocarray(*v, *cap, sizeof(**v));
		}
		(*v)[*n].time = xstrdup(t != NULL ? t : "");
		(*v)[*n].file = xstrdup(name);
		(*v)[*n].text = xstrdup(line);
		(*n)++;
		json_decref(js);
	}
	if (ferror(fp))
		warn("%s", path);
	fclose(fp);
}

int
logs_collect(const char *given, const char *tid, char ***lines, size_t *nlines)
{
	struct log_line	*v = NULL;
	struct dirent	*de;
	DIR		*d;
	const char	*dir;
	char		 db[4096], path[8192];
	size_t		 n = 0, cap = 0, i, len;

	*lines = NULL;
	*nlines = 0;
	dir = log_dir(given, db, sizeof(db));
	if ((d = opendir(dir)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		    de->d_name) >= sizeof(path))
			continue;
		de->d_name[len - 4] = '\0';
		scan_file(path, de->d_name, tid, &v, &n, &cap);
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), line_cmp);
	*lines = xcalloc(n + 1, sizeof(**lines));
	for (i = 0; i < n; i++) {
		xasprintf(&(*lines)[i], "%s %s", v[i].file, v[i].text);
		free(v[i].time);
		free(v[i].file);
		free(v[i].text);
	}
	free(v);
	*nlines = n;
	return (0);
}

int
cmd_logs(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char	*dir = NULL, *sp;
	char		**v, db[4096], tid[40];
	size_t		 n, i;
	uint64_t	 hi, lo;
	int		 ch, rc;
	json_t		*arr, *js;

	while ((ch = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		default:
			if ((rc = command_option(c, "logs", ch, optarg)) != -1)
				return (rc);
		}
	}
	if (argc - optind != 1)
		return (usage_error("logs", "want one TRACE_ID"));
	if (parse_trace_id(argv[optind], &hi, &lo) == -1 || (hi == 0 &&
	    lo == 0))
		return (usage_error("logs", "%s: not a trace id (1 to 32 hex "
		    "digits)", argv[optind]));
	/* The services log the 32-digit form. */
	snprintf(tid, sizeof(tid), "%016llx%016llx", (unsigned long long)hi,
	    (unsigned long long)lo);
	if (logs_collect(dir, tid, &v, &n) == -1) {
		warn("%s (the stack's log directory: --dir, TRACECTL_LOG_DIR "
		    "or $RUN_DIR/log)", log_dir(dir, db, sizeof(db)));
		return (EX_UNREACH);
	}
	if (out.json) {
		arr = json_array();
		for (i = 0; i < n; i++)
			if ((sp = strchr(v[i], ' ')) != NULL &&
			    (js = json_loads(sp + 1, 0, NULL)) != NULL)
				json_array_append_new(arr, js);
		json_print(arr);
	} else
		for (i = 0; i < n; i++) {
			sp = strchr(v[i], ' ');
			printf("%s%-22.*s%s %s\n", color(C_DIM),
			    (int)(sp != NULL ? sp - v[i] : 0), v[i],
			    color(C_RESET), sp != NULL ? sp + 1 : v[i]);
		}
	if (n == 0)
		warnx("no log line of trace %s in %s/*.log", tid,
		    log_dir(dir, db, sizeof(db)));
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return (n > 0 ? EX_FOUND : EX_NOTHING);
}

/* One operation of one trace: how many spans, how long in all. */
struct dop {
	const char	*service, *operation;
	size_t		 n[2];
	int64_t		 total[2];
};

static void
diff_add(struct dop **v, size_t *n, const struct trace *t, int side)
{
	size_t	 i, j;

	for (i = 0; i < t->nspans; i++) {
		const struct span *s = t->order[i];

		for (j = 0; j < *n; j++)
			if (strcmp((*v)[j].service, s->service) == 0 &&
			    strcmp((*v)[j].operation, s->operation) == 0)
				break;
		if (j == *n) {
			*v = xreallocarray(*v, *n + 1, sizeof(**v));
			memset(&(*v)[j], 0, sizeof((*v)[j]));
			(*v)[j].service = s->service;
			(*v)[j].operation = s->operation;
			(*n)++;
		}
		(*v)[j].n[side]++;
		(*v)[j].total[side] += s->duration_us;
	}
}

static int64_t
abs64(int64_t v)
{
	return (v < 0 ? -v : v);
}

static int
dop_cmp(const void *a, const void *b)
{
	const struct dop	*x = a, *y = b;
	int64_t			 dx, dy;

	dx = abs64(x->total[1] - x->total[0]);
	dy = abs64(y->total[1] - y->total[0]);
	if (dx != dy)
		return (dx > dy ? -1 : 1);
	return (strcmp(x->operation, y->operation));
}

static void
diff_print_json(struct trace *t[2], const struct dop *v, size_t n)
{
	json_t	*o, *arr, *x;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "a", trace_json(t[0], 0));
	json_object_set_new(o, "b", trace_json(t[1], 0));
	arr = json_array();
	for (i = 0; i < n; i++) {
		x = json_object();
		json_object_set_new(x, "service", json_string(v[i].service));
		json_object_set_new(x, "operation",
		    json_string(v[i].operation));
		json_object_set_new(x, "countA",
		    json_integer((json_int_t)v[i].n[0]));
		json_object_set_new(x, "countB",
		    json_integer((json_int_t)v[i].n[1]));
		json_object_set_new(x, "totalUsA", json_integer(v[i].total[0]));
		json_object_set_new(x, "totalUsB", json_integer(v[i].total[1]));
		json_object_set_new(x, "in", json_string(v[i].n[0] == 0 ? "b" :
		    v[i].n[1] == 0 ? "a" : "both"));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "operations", arr);
	json_print(o);
}

static void
diff_print_table(struct trace *t[2], const struct dop *v, size_t n)
{
	struct table	 tab;
	size_t		 i, row, only[2] = { 0, 0 };
	char		 ca[32], cb[32], ta[32], tb[32], dd[40], id[2][40];
	int64_t		 d;
	int		 k;

	for (i = 0; i < n; i++)
		for (k = 0; k < 2; k++)
			if (v[i].n[!k] == 0)
				only[k]++;
	trace_id_str(t[0], id[0], sizeof(id[0]));
	trace_id_str(t[1], id[1], sizeof(id[1]));
	fmt_duration(t[0]->duration_us, ta, sizeof(ta));
	fmt_duration(t[1]->duration_us, tb, sizeof(tb));
	d = t[1]->duration_us - t[0]->duration_us;
	fmt_duration(abs64(d), dd, sizeof(dd));
	printf("%sA%s %s  %s, %zu spans\n%sB%s %s  %s, %zu spans  (%s%s)\n",
	    color(C_BOLD), color(C_RESET), id[0], ta, t[0]->nspans,
	    color(C_BOLD), color(C_RESET), id[1], tb, t[1]->nspans,
	    d >= 0 ? "+" : "-", dd);
	table_init(&tab, "~SERVICE|~OPERATION|>SPANS A|>SPANS B|>TOTAL A|"
	    ">TOTAL B|>CHANGE|IN");
	for (i = 0; i < n; i++) {
		snprintf(ca, sizeof(ca), "%zu", v[i].n[0]);
		snprintf(cb, sizeof(cb), "%zu", v[i].n[1]);
		fmt_duration(v[i].total[0], ta, sizeof(ta));
		fmt_duration(v[i].total[1], tb, sizeof(tb));
		d = v[i].total[1] - v[i].total[0];
		fmt_duration(abs64(d), dd + 1, sizeof(dd) - 1);
		dd[0] = d >= 0 ? '+' : '-';
		row = table_row(&tab, v[i].service, v[i].operation, ca, cb,
		    v[i].n[0] ? ta : "-", v[i].n[1] ? tb : "-", dd,
		    v[i].n[0] == 0 ? "B only" : v[i].n[1] == 0 ? "A only" : "");
		table_color(&tab, row, 6, d > 0 ? C_RED : d < 0 ? C_GREEN :
		    C_NONE);
		if (v[i].n[0] == 0 || v[i].n[1] == 0)
			table_color(&tab, row, 7, C_YELLOW);
	}
	table_print(&tab, stdout);
	table_cleanup(&tab);
	printf("%s%zu operation%s in A only, %zu in B only; the largest "
	    "change first%s\n", color(C_DIM), only[0], only[0] == 1 ? "" : "s",
	    only[1], color(C_RESET));
}

int
cmd_diff(struct ctx *c, int argc, char *argv[])
{
	static const struct option longopts[] = {
		COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct trace	*t[2] = { NULL, NULL };
	struct dop	*v = NULL;
	size_t		 n = 0;
	int		 ch, rc, k;

	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		default:
			if ((rc = command_option(c, "diff", ch, optarg)) != -1)
				return (rc);
		}
	}
	if (argc - optind != 2)
		return (usage_error("diff", "want two TRACE_IDs"));
	for (k = 0; k < 2; k++)
		if ((rc = jaeger_get_trace(ctx_jaeger(c), argv[optind + k],
		    &t[k])) != JAEGER_OK) {
			trace_free(t[0]);
			return (jaeger_fail(c, rc));
		}
	for (k = 0; k < 2; k++)
		diff_add(&v, &n, t[k], k);
	if (n > 1)
		qsort(v, n, sizeof(*v), dop_cmp);
	if (out.json)
		diff_print_json(t, v, n);
	else
		diff_print_table(t, v, n);
	free(v);
	trace_free(t[0]);
	trace_free(t[1]);
	return (EX_FOUND);
}
