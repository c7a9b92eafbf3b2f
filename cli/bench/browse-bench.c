/* SPDX-License-Identifier: Apache-2.0 */
/*
 * browse-bench.c: the benchmark of `tracectl browse`: a generated trace of
 * 5,000 spans (8 services, up to 12 levels deep, attributes, events, some
 * errors) is parsed, its view built, then keys are pressed and the screen
 * redrawn after each into an in-memory screen (200x60 and 80x24).  Prints
 * milliseconds per build and per redraw (key handling plus drawing; the
 * terminal's own output is curses' and not counted).  Goal: a redraw under
 * 16 ms.
 *
 *   browse-bench [-n SPANS] [-r ROUNDS]
 *
 * BENCH_KEYS=1 also prints the time of each key of the first round.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "browse.h"

static uint64_t	 rng = 88172645463325252ULL;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

/* A legacy answer with one trace of n spans. */
static json_t *
gen(size_t n)
{
	json_t		*spans, *sp, *refs, *ref, *tags, *tag, *logs, *lg, *f;
	json_t		*procs, *proc;
	int64_t		*start, *dur;
	int		*depth;
	size_t		*par, i, p, k;
	char		 id[20], b[64];

	start = calloc(n, sizeof(*start));
	dur = calloc(n, sizeof(*dur));
	depth = calloc(n, sizeof(*depth));
	par = calloc(n, sizeof(*par));
	if (start == NULL || dur == NULL || depth == NULL || par == NULL)
		exit(1);
	spans = json_array();
	for (i = 0; i < n; i++) {
		/* A parent among the last 64 spans that is not too deep. */
		p = 0;
		if (i > 0) {
			p = i - 1 - next_rand() % (i < 64 ? i : 64);
			while (depth[p] >= 11)
				p = par[p];
			par[i] = p;
			depth[i] = depth[p] + 1;
			start[i] = start[p] + (int64_t)(next_rand() %
			    (uint64_t)(dur[p] / 2 + 1));
			dur[i] = (int64_t)(next_rand() % (uint64_t)(dur[p] -
			    (start[i] - start[p]) + 1));
		} else {
			start[i] = 1700000000000000LL;
			dur[i] = 2 * USEC_PER_SEC;
		}
		sp = json_object();
		snprintf(id, sizeof(id), "%016zx", i + 1);
		json_object_set_new(sp, "traceID",
		    json_string("0123456789abcdef0123456789abcdef"));
		json_object_set_new(sp, "spanID", json_string(id));
		snprintf(b, sizeof(b), "%s %zu", i % 5 == 0 ? "SELECT table" :
		    i % 5 == 1 ? "POST /v1/things" : "process", i % 40);
		json_object_set_new(sp, "operationName", json_string(b));
		json_object_set_new(sp, "startTime", json_integer(start[i]));
		json_object_set_new(sp, "duration", json_integer(dur[i]));
		snprintf(b, sizeof(b), "p%zu", i % 8);
		json_object_set_new(sp, "processID", json_string(b));
		refs = json_array();
		if (i > 0) {
			snprintf(id, sizeof(id), "%016zx", p + 1);
			ref = json_pack("{s:s,s:s}", "refType", "CHILD_OF",
			    "spanID", id);
			json_array_append_new(refs, ref);
		}
		json_object_set_new(sp, "references", refs);
		tags = json_array();
		for (k = 0; k < 6; k++) {
			snprintf(b, sizeof(b), "attr.%zu", k);
			tag = json_pack("{s:s,s:s,s:I}", "key", b, "type",
			    "int64", "value", (json_int_t)(next_rand() % 1000));
			json_array_append_new(tags, tag);
		}
		if (i % 97 == 0) {
			json_array_append_new(tags, json_pack("{s:s,s:s,s:b}",
			    "key", "error", "type", "bool", "value", 1));
		}
		json_object_set_new(sp, "tags", tags);
		logs = json_array();
		if (i % 10 == 0) {
			f = json_array();
			json_array_append_new(f, json_pack("{s:s,s:s,s:s}",
			    "key", "event", "type", "string", "value",
			    "cache.miss"));
			lg = json_pack("{s:I,s:o}", "timestamp",
			    (json_int_t)start[i], "fields", f);
			json_array_append_new(logs, lg);
		}
		json_object_set_new(sp, "logs", logs);
		json_array_append_new(spans, sp);
	}
	procs = json_object();
	for (k = 0; k < 8; k++) {
		snprintf(b, sizeof(b), "service-%zu", k);
		proc = json_pack("{s:s,s:[{s:s,s:s,s:s}]}", "serviceName", b,
		    "tags", "key", "host.name", "type", "string", "value",
		    "bench");
		snprintf(b, sizeof(b), "p%zu", k);
		json_object_set_new(procs, b, proc);
	}
	free(start);
	free(dur);
	free(depth);
	free(par);
	return (json_pack("{s:[{s:s,s:o,s:o}]}", "data", "traceID",
	    "0123456789abcdef0123456789abcdef", "spans", spans, "processes",
	    procs));
}

static int
cmp_i64p(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/*
 * The keys of a session: moves, folds, jumps, a search typed key by key
 * (matches follow the typing), the detail and back, a regex search.
 */
static const int session[] = {
	'j', 'j', 'j', 'j', 'j', 'j', 'j', 'j', 'j', 'j', 'k', 'k', 'k',
	BK_PGDN, BK_PGDN, BK_PGDN, BK_PGUP, 'G', 'g', 'e', 'e', 'e', 'e', 'E',
	'c', 'c', 'c', 'c', 'C', 'h', 'l', ' ', ' ', 'H', 'L', 'p', 'l', 'l',
	'/', 's', 'v', 'c', ':', '3', ' ', 'd', 'u', 'r', '>', '1', 'm', 's',
	BK_ENTER, 'n', 'n', 'n', 'N', BK_ENTER, 'j', 'j', ']', ']', BK_ESC,
	'?', 'x', 'y', 'x', 'G', 'k', 'k', 'k',
	'/', 'p', 'r', 'o', 'c', '.', '*', 's', ' ', '1', '[', '0', '-', '4',
	']', BK_ENTER, 'n', 'n'
};
#define NSESSION	(sizeof(session) / sizeof(session[0]))

static void
run(struct browse *b, struct screen *s, int rounds, int w, int h)
{
	int64_t		*t, t0, sum = 0;
	size_t		 i, n = 0, nk = (size_t)rounds * NSESSION;
	int		 r;

	t = calloc(nk, sizeof(*t));
	if (t == NULL)
		exit(1);
	screen_resize(s, w, h);
	for (r = 0; r < rounds; r++)
		for (i = 0; i < NSESSION; i++) {
			t0 = mono_us();
			(void)browse_key(b, session[i]);
			browse_draw(b, s);
			t[n] = mono_us() - t0;
			if (getenv("BENCH_KEYS") != NULL && r == 0)
				fprintf(stderr, "key %d: %lld us\n",
				    session[i], (long long)t[n]);
			sum += t[n++];
		}
	qsort(t, n, sizeof(*t), cmp_i64p);
	printf("   redraw after a key, %dx%d: %zu keys, mean %.3f ms, p50 %.3f "
	    "ms, p99 %.3f ms, max %.3f ms (goal < 16 ms: %s)\n", w, h, n,
	    (double)sum / (double)n / 1000.0, (double)t[n / 2] / 1000.0,
	    (double)t[(n * 99) / 100] / 1000.0, (double)t[n - 1] / 1000.0,
	    t[(n * 99) / 100] < 16000 ? "met" : "NOT met");
	free(t);
}

int
main(int argc, char *argv[])
{
	struct trace_set	 ts;
	struct browse		 b;
	struct screen		 s;
	struct trace		*t;
	json_t			*js;
	char			 err[256];
	int64_t			 t0, tparse, tbuild, tdraw;
	long			 nspans = 5000, rounds = 20;
	int			 ch;

	while ((ch = getopt(argc, argv, "n:r:")) != -1) {
		switch (ch) {
		case 'n':
			nspans = strtol(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtol(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: browse-bench [-n SPANS] "
			    "[-r ROUNDS]\n");
			return (2);
		}
	}
	if (nspans < 1 || rounds < 1)
		return (2);
	js = gen((size_t)nspans);
	trace_set_init(&ts);
	t0 = mono_us();
	if (model_parse_legacy(js, &ts, err, sizeof(err)) == -1 || ts.n != 1) {
		fprintf(stderr, "browse-bench: %s\n", err);
		return (1);
	}
	tparse = mono_us() - t0;
	json_decref(js);
	t = ts.traces[0];
	ts.n = 0;
	trace_set_cleanup(&ts);

	browse_init(&b, NULL);
	screen_init(&s, 200, 60, 1);
	t0 = mono_us();
	browse_set_trace(&b, t, NULL);
	tbuild = mono_us() - t0;
	t0 = mono_us();
	browse_draw(&b, &s);
	tdraw = mono_us() - t0;
	printf("== tracectl browse (cli/bench/browse-bench.c): a generated "
	    "trace of %zu spans, %zu services, %zu errors\n", t->nspans,
	    t->nservices, t->nerrors);
	printf("   model (JSON to linked trace, self time, critical path): "
	    "%.2f ms\n", (double)tparse / 1000.0);
	printf("   build the view (rows, fold state, layout): %.3f ms; "
	    "first draw at 200x60: %.3f ms\n", (double)tbuild / 1000.0,
	    (double)tdraw / 1000.0);
	run(&b, &s, (int)rounds, 200, 60);
	run(&b, &s, (int)rounds, 80, 24);
	screen_cleanup(&s);
	browse_cleanup(&b);
	return (0);
}
