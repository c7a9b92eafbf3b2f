/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loadgen.c: the order load generator behind `order submit --count N`.
 * One thread, curl multi: up to C requests in flight, each with its own
 * traceparent, started no faster than --rate (a fixed schedule: request i not
 * before start + i / rate, so a slow phase is not made up by a burst beyond
 * the concurrency).  Connections are kept per slot and reused.  Progress
 * goes to stderr: a bar on a terminal, a line every 5 s elsewhere; the
 * summary says orders/s, latency percentiles (nearest rank, successful
 * orders) and errors by kind, also after Ctrl-C (then for what was done).
 */

#include <sys/types.h>

#include <err.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracectl.h"

struct slot {
	struct traceparent	 tp;
	CURL			*h;
	struct buf		 body;
	char			 err[CURL_ERROR_SIZE];
	struct curl_slist	*hdrs;
	int64_t			 t0;
	int			 busy;
};

struct kind {
	char	*name;
	size_t	 n;
};

struct lg {
	int64_t		*lat;		/* successful requests */
	size_t		 nlat;
	struct kind	*kinds;
	size_t		 nkinds;
	size_t		 done, ok, failed, answered;
};

static void
count_kind(struct lg *lg, const char *name)
{
	size_t	 i;

	for (i = 0; i < lg->nkinds; i++)
		if (strcmp(lg->kinds[i].name, name) == 0) {
			lg->kinds[i].n++;
			return;
		}
	lg->kinds = xreallocarray(lg->kinds, lg->nkinds + 1,
	    sizeof(*lg->kinds));
	lg->kinds[lg->nkinds].name = xstrdup(name);
	lg->kinds[lg->nkinds].n = 1;
	lg->nkinds++;
}

static int
kind_cmp(const void *a, const void *b)
{
	const struct kind *x = a, *y = b;

	if (x->n != y->n)
		return (x->n > y->n ? -1 : 1);
	return (strcmp(x->name, y->name));
}

static void
finish(struct lg *lg, struct slot *s, CURLcode cc)
{
	long		 status;
	json_t		*js;
	const char	*code;
	char		 k[256];

	lg->done++;
	status = 0;
	if (cc == CURLE_OK)
		curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	propagate_end(&s->tp, status);
	if (cc != CURLE_OK) {
		lg->failed++;
		snprintf(k, sizeof(k), "transport: %s", curl_easy_strerror(cc));
		count_kind(lg, k);
		return;
	}
	lg->answered++;
	if (status >= 200 && status <= 299) {
		lg->ok++;
		lg->lat[lg->nlat++] = mono_us() - s->t0;
		return;
	}
	lg->failed++;
	js = s->body.len > 0 ? json_loadb(s->body.data, s->body.len, 0,
	    NULL) : NULL;
	code = json_string_value(json_object_get(json_object_get(js, "error"),
	    "code"));
	snprintf(k, sizeof(k), "HTTP %ld%s%s", status, code != NULL ? " " : "",
	    code != NULL ? code : "");
	count_kind(lg, k);
	json_decref(js);
}

/* Set by SIGINT or SIGTERM: stop, and say what was done. */
static volatile sig_atomic_t	lg_stop;

static void
lg_signal(int sig)
{
	lg_stop = sig;
	/* A second one is not caught: it ends tracectl at once. */
	(void)signal(sig, SIG_DFL);
}

static void
fmt_secs(double secs, char *b, size_t n)
{
	long	 t = (long)(secs + 0.5);

	if (t >= 3600)
		snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	else
		snprintf(b, n, "%ld:%02ld", t / 60, t % 60);
}

/*
 * On a terminal a bar redrawn in place; elsewhere a line every
 * LG_LINE_US.  Both say done, failed, rate, elapsed and, from the rate so
 * far, the time left.
 */
#define LG_LINE_US	(5 * USEC_PER_SEC)
static void
progress(const struct lg *lg, long total, int64_t t0, int tty, int final)
{
	char	 bar[41], el[32], eta[32];
	size_t	 fill, i;
	double	 secs, r;

	secs = (double)(mono_us() - t0) / USEC_PER_SEC;
	r = secs > 0 ? (double)lg->done / secs : 0.0;
	fmt_secs(secs, el, sizeof(el));
	if (r > 0 && lg->done < (size_t)total)
		fmt_secs((double)((size_t)total - lg->done) / r, eta,
		    sizeof(eta));
	else
		snprintf(eta, sizeof(eta), "-");
	if (!tty) {
		fprintf(stderr, "tracectl: %zu/%ld orders, %zu failed, %.0f/s, "
		    "%s elapsed, %s left\n", lg->done, total, lg->failed, r, el,
		    eta);
		return;
	}
	fill = (size_t)((double)lg->done / (double)total * 40);
	for (i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[40] = '\0';
	fprintf(stderr, "\r[%s] %zu/%ld  %zu failed  %.0f/s  %s elapsed  "
	    "ETA %s ", bar, lg->done, total, lg->failed, r, el, eta);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

/* The run as asked and as it went, for its summary. */
struct lg_run {
	long		total, conc;
	double		rate;
	int64_t		elapsed;
	size_t		inflight;	/* abandoned by an interruption */
	double		ops;
};

/* conc slots, each with its easy handle, and the multi handle in *m. */
static struct slot *
slots_new(long conc, CURLM **m)
{
	struct slot	*slots;
	long		 i;

	slots = xcalloc((size_t)conc, sizeof(*slots));
	if ((*m = curl_multi_init()) == NULL)
		errx(EX_UNREACH, "curl_multi_init failed");
	curl_multi_setopt(*m, CURLMOPT_MAX_TOTAL_CONNECTIONS, conc);
	for (i = 0; i < conc; i++) {
		if ((slots[i].h = curl_easy_init()) == NULL)
			errx(EX_UNREACH, "curl_easy_init failed");
		buf_init(&slots[i].body, 1024 * 1024);
	}
	return (slots);
}

/*
 * The slots and m go; returns how many orders were still in flight (an
 * interruption: neither ok nor failed), their spans ended.
 */
static size_t
slots_free(struct slot *slots, long conc, CURLM *m)
{
	size_t	inflight = 0;
	long	i;

	for (i = 0; i < conc; i++)
		if (slots[i].busy) {
			curl_multi_remove_handle(m, slots[i].h);
			propagate_end(&slots[i].tp, 0);
			inflight++;
		}
	for (i = 0; i < conc; i++) {
		curl_easy_cleanup(slots[i].h);
		curl_slist_free_all(slots[i].hdrs);
		buf_cleanup(&slots[i].body);
	}
	curl_multi_cleanup(m);
	free(slots);
	return (inflight);
}

/* Sends slot s's next order: a new trace context each time. */
static void
slot_start(struct ctx *c, CURLM *m, struct slot *s, const char *url,
    const char *body)
{
	if (propagate_new(&s->tp) == -1)
		err(EX_UNREACH, "getrandom");
	curl_slist_free_all(s->hdrs);
	s->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	s->hdrs = curl_slist_append(s->hdrs, s->tp.header);
	if (s->hdrs == NULL)
		errx(EX_UNREACH, "curl_slist_append failed");
	buf_reset(&s->body);
	http_easy_setup(s->h, c->timeout_ms, &s->body, s->err);
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
	s->t0 = mono_us();
	s->busy = 1;
	curl_multi_add_handle(m, s->h);
}

/* How long the loop may wait for answers before its next start. */
static int
lg_wait_ms(const struct slot *slots, const struct lg_run *run, long started,
    int64_t t0)
{
	int64_t	next;
	long	i;
	int	wait_ms = 100;

	/*
	 * Closed loop (no --rate): a slot just freed starts its next order at
	 * once; only a full house waits for an answer.
	 */
	if (run->rate <= 0 && started < run->total) {
		for (i = 0; i < run->conc && slots[i].busy; i++)
			;
		if (i < run->conc)
			return (0);
	}
	if (run->rate > 0 && started < run->total) {
		next = t0 + (int64_t)((double)started / run->rate *
		    USEC_PER_SEC) - mono_us();
		if (next < 0)
			next = 0;
		if (next / 1000 < wait_ms)
			wait_ms = (int)(next / 1000);
	}
	return (wait_ms);
}

static void
lg_report_json(const struct lg *lg, const struct lg_run *run)
{
	json_t	*o, *ko;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "orders", json_integer((json_int_t)run->total));
	json_object_set_new(o, "completed", json_integer((json_int_t)lg->done));
	json_object_set_new(o, "interrupted", json_boolean(lg_stop));
	json_object_set_new(o, "abandoned",
	    json_integer((json_int_t)run->inflight));
	json_object_set_new(o, "ok", json_integer((json_int_t)lg->ok));
	json_object_set_new(o, "failed", json_integer((json_int_t)lg->failed));
	json_object_set_new(o, "elapsedUs", json_integer(run->elapsed));
	json_object_set_new(o, "ordersPerSecond", json_real(run->ops));
	json_object_set_new(o, "concurrency", json_integer(run->conc));
	json_object_set_new(o, "rate", run->rate > 0 ? json_real(run->rate) :
	    json_null());
	json_object_set_new(o, "p50Us", json_integer(
	    percentile_sorted(lg->lat, lg->nlat, 50)));
	json_object_set_new(o, "p90Us", json_integer(
	    percentile_sorted(lg->lat, lg->nlat, 90)));
	json_object_set_new(o, "p99Us", json_integer(
	    percentile_sorted(lg->lat, lg->nlat, 99)));
	json_object_set_new(o, "maxUs", json_integer(lg->nlat > 0 ?
	    lg->lat[lg->nlat - 1] : 0));
	ko = json_object();
	for (i = 0; i < lg->nkinds; i++)
		json_object_set_new(ko, lg->kinds[i].name,
		    json_integer((json_int_t)lg->kinds[i].n));
	json_object_set_new(o, "errors", ko);
	json_print(o);
}

static void
lg_report_text(const struct lg *lg, const struct lg_run *run)
{
	struct table	tab;
	char		b1[32], b2[32], b3[32], b4[32], n[32];
	size_t		i;

	fmt_duration(run->elapsed, b1, sizeof(b1));
	if (lg_stop)
		printf("interrupted: %zu of %ld orders answered, %zu "
		    "abandoned in flight\n", lg->done, run->total,
		    run->inflight);
	printf("%zu orders in %s: %s%zu ok%s, %s%zu failed%s, %.1f "
	    "orders/s (concurrency %ld", lg->done, b1, color(C_GREEN),
	    lg->ok, color(C_RESET), lg->failed ? color(C_RED) : "",
	    lg->failed, lg->failed ? color(C_RESET) : "", run->ops, run->conc);
	if (run->rate > 0)
		printf(", rate %.1f/s", run->rate);
	printf(")\n");
	if (lg->nlat > 0) {
		fmt_duration(percentile_sorted(lg->lat, lg->nlat, 50), b1,
		    sizeof(b1));
		fmt_duration(percentile_sorted(lg->lat, lg->nlat, 90), b2,
		    sizeof(b2));
		fmt_duration(percentile_sorted(lg->lat, lg->nlat, 99), b3,
		    sizeof(b3));
		fmt_duration(lg->lat[lg->nlat - 1], b4, sizeof(b4));
		printf("latency of successful orders: p50 %s  p90 %s  "
		    "p99 %s  max %s\n", b1, b2, b3, b4);
	}
	if (lg->nkinds > 0) {
		table_init(&tab, "ERROR|>COUNT");
		for (i = 0; i < lg->nkinds; i++) {
			snprintf(n, sizeof(n), "%zu", lg->kinds[i].n);
			table_color(&tab, table_row(&tab, lg->kinds[i].name, n),
			    0, C_RED);
		}
		table_print(&tab, stdout);
		table_cleanup(&tab);
	}
}

int
loadgen_run(struct ctx *c, const char *url, const char *body, long total,
    long conc, double rate)
{
	struct slot		*slots;
	struct lg		 lg;
	struct lg_run		 run;
	CURLM			*m;
	CURLMsg			*msg;
	int64_t			 t0, now, last_draw;
	long			 started, i;
	int			 running, left, tty, wait_ms, rc;

	if (conc > total)
		conc = total;
	memset(&lg, 0, sizeof(lg));
	memset(&run, 0, sizeof(run));
	run.total = total;
	run.conc = conc;
	run.rate = rate;
	lg.lat = xcalloc((size_t)total, sizeof(*lg.lat));
	slots = slots_new(conc, &m);
	tty = isatty(STDERR_FILENO) && !out.json;
	started = 0;
	t0 = mono_us();
	last_draw = t0;
	running = 0;
	lg_stop = 0;
	(void)signal(SIGINT, lg_signal);
	(void)signal(SIGTERM, lg_signal);
	while (lg.done < (size_t)total && !lg_stop) {
		now = mono_us();
		for (i = 0; i < conc && started < total; i++) {
			if (slots[i].busy)
				continue;
			if (rate > 0 && now < t0 + (int64_t)((double)started /
			    rate * USEC_PER_SEC))
				break;
			slot_start(c, m, &slots[i], url, body);
			started++;
		}
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct slot *s;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&s);
			finish(&lg, s, msg->data.result);
			curl_multi_remove_handle(m, s->h);
			s->busy = 0;
		}
		if (mono_us() - last_draw > (tty ? 100000 : LG_LINE_US)) {
			progress(&lg, total, t0, tty, 0);
			last_draw = mono_us();
		}
		if (lg.done >= (size_t)total)
			break;
		if ((wait_ms = lg_wait_ms(slots, &run, started, t0)) == 0 &&
		    rate <= 0)
			continue;
		if (running > 0 || wait_ms > 0)
			curl_multi_poll(m, NULL, 0, wait_ms, NULL);
	}
	run.elapsed = mono_us() - t0;
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	if (tty)
		progress(&lg, total, t0, 1, 1);
	run.inflight = slots_free(slots, conc, m);

	sort_i64(lg.lat, lg.nlat);
	if (lg.nkinds > 1)
		qsort(lg.kinds, lg.nkinds, sizeof(*lg.kinds), kind_cmp);
	run.ops = run.elapsed > 0 ? (double)lg.done / ((double)run.elapsed /
	    USEC_PER_SEC) : 0;
	if (out.json)
		lg_report_json(&lg, &run);
	else
		lg_report_text(&lg, &run);
	if (lg_stop)
		rc = 128 + (int)lg_stop;	/* as the shell says a signal */
	else if (lg.answered == 0) {
		warnx("cannot reach the gateway at %s: no request was answered",
		    c->gateway_url);
		rc = EX_UNREACH;
	} else
		rc = lg.failed > 0 ? EX_NOTHING : EX_FOUND;
	for (i = 0; i < (long)lg.nkinds; i++)
		free(lg.kinds[i].name);
	free(lg.kinds);
	free(lg.lat);
	return (rc);
}
