/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool.c: the on-disk spool (TRACING_SPOOL_DIR) against
 * tests/fake_otlp.py, which can be put down (503) and up again and lists
 * the span names it took, in order: spans spooled while it is down are all
 * replayed in order once it is up; beyond the cap the oldest are dropped
 * and counted; a torn record at the tail is skipped and counted; the files
 * a dead process left are adopted and replayed, and a live provider's
 * files are not; without a spool, spans are dropped and counted as before.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <curl/curl.h>
#include <dirent.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tracing.h"
#include "tracing_private.h"

#include "fake_otlp.h"

static char	dir[64];

static size_t
collect(char *p, size_t sz, size_t n, void *arg)
{
	struct tr_buf	*b = arg;

	tr_buf_append(b, p, sz * n);
	return (sz * n);
}

static int
control(const char *path, const char *body, struct tr_buf *out)
{
	CURL	*c;
	char	 url[128];
	int	 rc;

	snprintf(url, sizeof(url), "%s%s", base, path);
	c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	rc = curl_easy_perform(c);
	curl_easy_cleanup(c);
	return (rc == CURLE_OK ? 0 : -1);
}

static void
peer(const char *path, const char *body)
{
	struct tr_buf	b;

	tr_buf_init(&b, 0);
	(void)control(path, body, &b);
	tr_buf_cleanup(&b);
}

/*
 * The span names the peer took, checked against prefix%04d from first to
 * first + n - 1, in order: 1 if they are exactly those.
 */
static int
received(const char *prefix, int first, int n)
{
	struct tr_buf	 b;
	const char	*p;
	char		 want[32];
	int		 i, good;

	tr_buf_init(&b, 0);
	if (control("/__spans", NULL, &b) != 0) {
		tr_buf_cleanup(&b);
		return (0);
	}
	p = tr_buf_cstr(&b);
	good = 1;
	for (i = 0; i < n && good; i++) {
		snprintf(want, sizeof(want), "%s%04d\n", prefix, first + i);
		if (strncmp(p, want, strlen(want)) != 0) {
			fprintf(stderr, "# span %d: want %s", i, want);
			good = 0;
		} else
			p += strlen(want);
	}
	if (good && *p != '\0') {
		fprintf(stderr, "# more spans than wanted: %.40s\n", p);
		good = 0;
	}
	tr_buf_cleanup(&b);
	return (good);
}

/* The files of the spool directory named *.spool. */
static int
spool_files(char *first, size_t len)
{
	struct dirent	*de;
	DIR		*d;
	size_t		 l;
	int		 n;

	if ((d = opendir(dir)) == NULL)
		return (-1);
	n = 0;
	while ((de = readdir(d)) != NULL) {
		l = strlen(de->d_name);
		if (l > 6 && strcmp(de->d_name + l - 6, ".spool") == 0) {
			if (n++ == 0 && first != NULL)
				snprintf(first, len, "%s/%s", dir, de->d_name);
		}
	}
	closedir(d);
	return (n);
}

static struct tracing_provider *
provider(const char *endpoint, const char *spool, const char *cap)
{
	struct tracing_config	*c;
	struct tracing_provider	*p;

	tracing_config_alloc(&c);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
	tracing_config_set(c, "OTEL_EXPORTER_OTLP_TIMEOUT", "300");
	tracing_config_set(c, "OTEL_BSP_MAX_QUEUE_SIZE", "2000");
	tracing_config_set(c, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10");
	tracing_config_set(c, "OTEL_BSP_SCHEDULE_DELAY", "60000");
	tracing_config_set(c, "TRACING_AUTOSTART", "false");
	if (spool != NULL) {
		tracing_config_set(c, "TRACING_SPOOL_DIR", spool);
		tracing_config_set(c, "TRACING_SPOOL_MAX_BYTES", cap);
		tracing_config_set(c, "TRACING_SPOOL_FSYNC", "never");
	}
	if (tracing_provider_alloc(&p, c, NULL, 0) != TRACING_OK)
		exit(1);
	tracing_config_free(c);
	tracing_provider_start(p);
	return (p);
}

static void
spans(struct tracing_provider *p, const char *prefix, int n)
{
	struct tracing_tracer	*t = tracing_provider_tracer(p, "t", NULL);
	char			 name[32];
	int			 i;

	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s%04d", prefix, i);
		tracing_span_end(tracing_span_start(t, name, 1, NULL, 0), 0);
	}
}

static void
test_down_up(void)
{
	struct tracing_provider	*p;
	struct tracing_stats	 st;
	int			 rc;

	peer("/__script", "");
	peer("/__mode", "down");
	p = provider(base, dir, "67108864");
	spans(p, "a", 50);
	rc = tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &st);
	ok(rc == TRACING_OK && st.spans_spooled == 50 &&
	    st.spans_exported == 0 && st.spans_dropped == 0 &&
	    st.export_failures == 0 && st.spool_bytes > 0 &&
	    spool_files(NULL, 0) >= 1, "collector down: 50 spans spooled, "
	    "none dropped (spooled %llu, bytes %llu, rc %d)",
	    (unsigned long long)st.spans_spooled,
	    (unsigned long long)st.spool_bytes, rc);
	peer("/__mode", "up");
	rc = tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &st);
	ok(rc == TRACING_OK && st.spans_replayed == 50 &&
	    st.spans_exported == 50 && st.spans_dropped == 0,
	    "collector up: a flush replays all 50 (replayed %llu)",
	    (unsigned long long)st.spans_replayed);
	ok(received("a", 0, 50), "the collector got a0000..a0049, in order");
	spans(p, "b", 10);
	rc = tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &st);
	ok(rc == TRACING_OK && st.spans_exported == 60 &&
	    st.spans_spooled == 50, "new spans go straight out again");
	tracing_provider_free(p);
	ok(spool_files(NULL, 0) == 0, "nothing left on disk at the end");
}

static void
test_cap(void)
{
	struct tracing_provider	*p;
	struct tracing_stats	 st;
	uint64_t		 kept;

	peer("/__script", "");
	peer("/__mode", "down");
	p = provider(base, dir, "16384");
	spans(p, "c", 400);
	(void)tracing_provider_force_flush(p, 20000);
	tracing_provider_stats(p, &st);
	ok(st.spans_spooled == 400 && st.spool_dropped > 0 &&
	    st.spans_dropped == st.spool_dropped && st.spool_bytes <= 16384,
	    "over TRACING_SPOOL_MAX_BYTES=16384: the oldest dropped and "
	    "counted (dropped %llu, bytes %llu)",
	    (unsigned long long)st.spool_dropped,
	    (unsigned long long)st.spool_bytes);
	peer("/__mode", "up");
	(void)tracing_provider_force_flush(p, 20000);
	tracing_provider_stats(p, &st);
	kept = 400 - st.spool_dropped;
	ok(st.spans_replayed == kept && st.spans_exported == kept,
	    "the %llu spans kept are replayed", (unsigned long long)kept);
	ok(received("c", (int)st.spool_dropped, (int)kept),
	    "the collector got the newest %llu spans, in order",
	    (unsigned long long)kept);
	tracing_provider_free(p);
}

static void
test_torn(void)
{
	struct tracing_provider	*p;
	struct tracing_stats	 st;
	struct stat		 sb;
	char			 path[256];

	peer("/__script", "");
	peer("/__mode", "down");
	p = provider(base, dir, "67108864");
	spans(p, "d", 30);
	(void)tracing_provider_force_flush(p, 10000);
	tracing_provider_free(p);
	ok(spool_files(path, sizeof(path)) == 1 && stat(path, &sb) == 0 &&
	    truncate(path, sb.st_size - 7) == 0,
	    "a provider shut down while the collector is down leaves its "
	    "file; its last record is torn");
	peer("/__mode", "up");
	p = provider(base, dir, "67108864");
	(void)tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &st);
	ok(st.spans_replayed == 20 && st.spool_dropped == 10 &&
	    st.spans_dropped == 10, "a new provider adopts the file: the "
	    "torn record's 10 spans skipped and counted, 20 replayed "
	    "(replayed %llu, dropped %llu)",
	    (unsigned long long)st.spans_replayed,
	    (unsigned long long)st.spool_dropped);
	ok(received("d", 0, 20), "the collector got d0000..d0019, in order");
	tracing_provider_free(p);
	ok(spool_files(NULL, 0) == 0, "the adopted file is gone");
}

static void
test_dead_owner(void)
{
	struct tracing_provider	*live, *p;
	struct tracing_stats	 st;
	pid_t			 pid;
	int			 status, forked = 1, want;

#if defined(__SANITIZE_THREAD__)
	forked = 0;
#endif
	peer("/__script", "");
	peer("/__mode", "down");
	live = provider(base, dir, "67108864");
	spans(live, "L", 10);
	(void)tracing_provider_force_flush(live, 10000);
	fflush(NULL);
	if (!forked) {
		ok(1, "a forked worker spools and dies # SKIP ThreadSanitizer "
		    "cannot follow threads started after a multi-threaded "
		    "fork (checked in the plain and ASan runs)");
	} else if ((pid = fork()) == 0) {
		/* A worker that spools, then dies without a shutdown. */
		p = provider(base, dir, "67108864");
		spans(p, "e", 30);
		(void)tracing_provider_force_flush(p, 10000);
		tracing_provider_stats(p, &st);
		_exit(st.spans_spooled == 30 ? 0 : 1);
	} else
		ok(pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
		    spool_files(NULL, 0) == 2, "a forked worker spools 30 "
		    "spans and dies; two files on disk");
	want = forked ? 30 : 0;
	peer("/__script", "");
	peer("/__mode", "up");
	p = provider(base, dir, "67108864");
	(void)tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &st);
	ok(st.spans_replayed == (uint64_t)want && st.spool_dropped == 0,
	    "a new provider adopts the dead worker's file and replays its "
	    "%d spans (replayed %llu)", want,
	    (unsigned long long)st.spans_replayed);
	ok(received("e", 0, want), "the collector got e0000..e%04d, in "
	    "order, and nothing of the live provider's file", want - 1);
	tracing_provider_free(p);
	peer("/__script", "");
	(void)tracing_provider_force_flush(live, 10000);
	tracing_provider_stats(live, &st);
	ok(st.spans_replayed == 10 && received("L", 0, 10),
	    "the live provider replays its own file");
	tracing_provider_free(live);
	ok(spool_files(NULL, 0) == 0, "nothing left on disk");
}

static void
test_off(void)
{
	struct tracing_provider	*p;
	struct tracing_stats	 st;
	int			 rc;

	peer("/__script", "");
	peer("/__mode", "down");
	p = provider(base, NULL, NULL);
	spans(p, "f", 20);
	rc = tracing_provider_force_flush(p, 10000);
	tracing_provider_stats(p, &st);
	ok(rc == TRACING_ERR_EXPORT && st.spans_dropped == 20 &&
	    st.export_failures == 2 && st.spans_spooled == 0 &&
	    st.spool_bytes == 0, "without a spool: the 20 spans are dropped "
	    "and counted, 2 failed exports, as before");
	tracing_provider_free(p);
	peer("/__mode", "up");
}

static void
test_config(void)
{
	struct tracing_config	*c;

	tracing_config_alloc(&c);
	ok(tracing_config_set(c, "TRACING_SPOOL_DIR", "/tmp/x") ==
	    TRACING_OK && tracing_config_set(c, "TRACING_SPOOL_DIR", "") ==
	    TRACING_OK && c->spool_dir == NULL &&
	    c->spool_max_bytes == 64ULL << 20 && c->spool_fsync == 1,
	    "TRACING_SPOOL_DIR set and unset; 64 MiB and fsync per batch by "
	    "default");
	ok(tracing_config_set(c, "TRACING_SPOOL_MAX_BYTES", "100") ==
	    TRACING_ERR_INVALID &&
	    tracing_config_set(c, "TRACING_SPOOL_MAX_BYTES", "1048576") ==
	    TRACING_OK && c->spool_max_bytes == 1048576 &&
	    tracing_config_set(c, "TRACING_SPOOL_FSYNC", "sometimes") ==
	    TRACING_ERR_INVALID &&
	    tracing_config_set(c, "TRACING_SPOOL_FSYNC", "never") ==
	    TRACING_OK && c->spool_fsync == 0,
	    "TRACING_SPOOL_MAX_BYTES and TRACING_SPOOL_FSYNC are checked");
	tracing_config_free(c);
}

int
main(void)
{
	test_config();
	snprintf(dir, sizeof(dir), "/tmp/cotel-spool-XXXXXX");
	if (mkdtemp(dir) == NULL || server_start() != 0) {
		ok(0, "spool directory and fake OTLP peer");
		return (tap_done());
	}
	test_down_up();
	test_cap();
	test_torn();
	test_dead_owner();
	test_off();
	server_stop();
	ok(rmdir(dir) == 0, "the spool directory is empty at the end");
	return (tap_done());
}
