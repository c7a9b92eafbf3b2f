/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz_front_door.c: libFuzzer over a real worker's request path. Kore
 * (patched as bin/kore is) and the notification service are linked into
 * one process, set up as Kore sets up a worker (inproc.c), listening on an
 * abstract Unix socket; each input is written as raw bytes on a new
 * connection, the worker's event loop runs until it has answered all it
 * can, and what came back is checked: a sequence of HTTP/1.x responses,
 * each with a status, headers and a Content-Length body, JSON for every
 * JSON answer and every error.
 * Anything else aborts (libFuzzer reports it), as do ASan and UBSan.
 *
 * FUZZ_AUTH=required fuzzes with service authentication on (the
 * authorization header's parser; every route then answers 401); off by
 * default, so that inputs reach the handlers and their validation.
 */

#include <sys/socket.h>
#include <sys/stat.h>

#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <kore/kore.h>
#include <kore/http.h>

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#include "inproc.h"

/* How long one input may keep the worker busy, and how much comes back. */
#define RUN_MS		2000
#define REPLY_MAX	(4 * 1024 * 1024)

static struct sockaddr_un	 listen_addr;
static socklen_t		 listen_len;
static char			 tmpdir[PATH_MAX];
static char			 maildir[PATH_MAX];
static unsigned long		 inputs;
static u_int8_t			*reply;

static void
die(const char *what, const uint8_t *data, size_t len)
{
	fprintf(stderr, "fuzz_front_door: %s\n", what);
	fprintf(stderr, "--- reply (%zu bytes) ---\n%.*s\n", len,
	    (int)(len > 4096 ? 4096 : len), (const char *)data);
	abort();
}

/* The delivered messages go; the Maildir's directories stay. */
static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_F)
		(void)unlink(path);
	return (0);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	conf[PATH_MAX + 16], name[64];
	FILE	*fp;

	(void)argc;
	(void)argv;
	/* Memory, if there is some: the Maildir deliveries fsync. */
	snprintf(tmpdir, sizeof(tmpdir), "%s/fuzz-front-door.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") :
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(maildir, sizeof(maildir), "%s/maildir", tmpdir);
	/*
	 * An abstract Unix socket, not TCP: a run opens hundreds of thousands
	 * of connections, and loopback TCP would cycle every ephemeral port
	 * through TIME_WAIT (PostgreSQL then failed to bind its port).
	 */
	snprintf(name, sizeof(name), "fuzz-front-door-%d", (int)getpid());
	memset(&listen_addr, 0, sizeof(listen_addr));
	listen_addr.sun_family = AF_UNIX;
	memcpy(listen_addr.sun_path + 1, name, strlen(name));
	listen_len = (socklen_t)(sizeof(listen_addr.sun_family) + 1 +
	    strlen(name));

	/* The service's settings: no exporter reachable, no access log. */
	setenv("MAILDIR", maildir, 1);
	setenv("SERVICE_AUTH", getenv("FUZZ_AUTH") != NULL ?
	    getenv("FUZZ_AUTH") : "off", 1);
	setenv("SERVICE_AUTH_ACCEPT", "api-gateway/k1:fuzz-front-door-secret-0123456789", 1);
	setenv("ACCESS_LOG", "0", 1);
	setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9", 1);
	setenv("OTEL_LOG_LEVEL", "error", 1);
	setenv("SHUTDOWN_DRAIN_MS", "0", 1);

	snprintf(conf, sizeof(conf), "%s/fuzz.conf", tmpdir);
	if ((fp = fopen(conf, "w")) == NULL) {
		perror(conf);
		exit(1);
	}
	/* As kore-apps/notification-service/conf/, less the module load. */
	fprintf(fp,
	    "server default {\n\tunix @%s\n\ttls no\n}\n"
	    "workers 1\nworker_max_connections 64\n"
	    "pidfile %s/kore.pid\n"
	    "http_hsts_enable 0\nhttp_server_version notification-service\n"
	    "http_header_max 8192\nhttp_header_timeout 10\n"
	    "http_body_max 1048576\nhttp_body_timeout 10\n"
	    "http_keepalive_time 60\nhttp_request_limit 1000\n"
	    "curl_timeout 30\ncurl_recv_max 1048576\n"
	    "domain * {\n\tattach default\n\troute ^/.*$ svc_route\n}\n",
	    name, tmpdir);
	fclose(fp);

	if (getenv("FUZZ_VERBOSE") == NULL)
		(void)freopen("/dev/null", "w", stdout);
	inproc_start(conf);
	if ((reply = malloc(REPLY_MAX)) == NULL)
		abort();
	return (0);
}

/* The header's value in the head [h, end), or NULL. */
static const char *
header(const char *h, const char *end, const char *name, size_t *vlen)
{
	const char	*line, *eol, *v;
	size_t		 n;

	n = strlen(name);
	for (line = h; line < end; line = eol + 2) {
		if ((eol = memmem(line, (size_t)(end - line), "\r\n", 2)) ==
		    NULL)
			eol = end;
		if ((size_t)(eol - line) > n + 1 && line[n] == ':' &&
		    strncasecmp(line, name, n) == 0) {
			for (v = line + n + 1; v < eol && *v == ' '; v++)
				;
			*vlen = (size_t)(eol - v);
			return (v);
		}
		if (eol == end)
			break;
	}
	return (NULL);
}

/*
 * What came back: one or more responses. A body may be absent only when
 * the input held a HEAD request (its answer has a length but no body).
 */
static void
check_reply(const u_int8_t *r, size_t len, int maybe_head)
{
	const char	*p, *resp, *end, *head_end, *v;
	char		 num[24];
	size_t		 vlen, clen, left;
	long		 status;
	json_t		*j;
	json_error_t	 jerr;

	p = (const char *)r;
	end = p + len;
	while (p < end) {
		resp = p;
		left = (size_t)(end - p);
		/* Every answer says HTTP/1.1 (RFC 9110 section 2.5). */
		if (left < 17 || memcmp(p, "HTTP/1.1 ", 9) != 0)
			die("an answer that is not HTTP/1.1", r, len);
		status = strtol(p + 9, NULL, 10);
		if (status < 100 || status > 599 || p[12] != ' ')
			die("a status line without a status", r, len);
		if ((head_end = memmem(p, left, "\r\n\r\n", 4)) == NULL)
			die("a response head that never ends", r, len);
		if ((v = header(p, head_end, "content-length", &vlen)) ==
		    NULL || vlen == 0 || vlen >= sizeof(num))
			die("a response without a Content-Length", r, len);
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		clen = strtoul(num, NULL, 10);
		p = head_end + 4;
		if (clen == 0)
			continue;
		if (maybe_head && ((size_t)(end - p) < clen ||
		    strncmp(p, "HTTP/1.", 7) == 0))
			continue;
		if ((size_t)(end - p) < clen)
			die("a body shorter than its Content-Length", r, len);
		v = header(resp, head_end, "content-type", &vlen);
		if ((v != NULL && vlen >= 16 &&
		    strncmp(v, "application/json", 16) == 0) || status >= 400) {
			if ((j = json_loadb(p, clen, 0, &jerr)) == NULL)
				die("a JSON answer that does not parse", r, len);
			if (status >= 400 && !json_is_string(json_object_get(
			    json_object_get(j, "error"), "code")))
				die("an error without error.code", r, len);
			json_decref(j);
		}
		p += clen;
	}
}

/*
 * Whether the worker is working on a request it has read whole (a handler
 * waiting for a Maildir delivery, say) rather than waiting for the client.
 */
static int
worker_busy(void)
{
	struct connection	*c;
	struct http_request	*req;

	TAILQ_FOREACH(c, &connections, list) {
		TAILQ_FOREACH(req, &c->http_requests, olist) {
			if (req->flags & HTTP_REQUEST_COMPLETE)
				return (1);
		}
	}
	return (0);
}

/* Reads what the worker sent; 0 once it closed the connection. */
static int
drain_reply(int fd, size_t *got)
{
	ssize_t	n;

	for (;;) {
		n = read(fd, reply + *got, REPLY_MAX - *got);
		if (n > 0) {
			*got += (size_t)n;
			if (*got == REPLY_MAX)
				die("an answer too large", reply, *got);
			continue;
		}
		return (n == 0 ? 0 : 1);
	}
}

/*
 * One input: written on a new connection; the worker runs until it has
 * answered everything it read whole and waits for the client. Then the
 * client half-closes (the worker's answer to a request cut short), and
 * last closes; the worker lets the connection go.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u_int64_t	start;
	size_t		sent, got;
	ssize_t		n;
	int		fd, idle, half;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1)
		abort();
	if (connect(fd, (struct sockaddr *)&listen_addr, listen_len) == -1 &&
	    errno != EINPROGRESS && errno != EAGAIN)
		abort();

	sent = got = 0;
	idle = half = 0;
	start = kore_time_ms();
	while (kore_time_ms() - start < RUN_MS) {
		if (sent < size) {
			n = write(fd, data + sent, size - sent);
			if (n > 0)
				sent += (size_t)n;
			else if (n == -1 && errno != EAGAIN && errno != EINTR &&
			    errno != ENOTCONN)
				sent = size;	/* the worker closed on us */
		}
		/* Loopback: what is written is readable at once. */
		if (worker_busy()) {
			inproc_turn(1);
			idle = 0;
		} else {
			inproc_turn(0);
			idle++;
		}
		if (!drain_reply(fd, &got))
			break;
		if (sent < size || idle < 3)
			continue;
		if (half)
			break;
		(void)shutdown(fd, SHUT_WR);
		half = 1;
		idle = 0;
	}
	close(fd);
	/* Kore sees the close and lets the connection go. */
	for (idle = 0; idle < 3 || http_request_count > 0; idle++) {
		inproc_turn(http_request_count > 0 ? 1 : 0);
		if (idle > 1000)
			break;
	}
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_front_door: %zu bytes in, %zu out in %llu"
		    " ms: %.*s\n", size, got,
		    (unsigned long long)(kore_time_ms() - start),
		    (int)(got > 12 ? 12 : got), (const char *)reply);
	check_reply(reply, got, memmem(data, size, "HEAD", 4) != NULL);

	/* The deliveries of valid notifications pile up: clear them now and
	 * then. */
	if (++inputs % 2000 == 0)
		(void)nftw(maildir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return (0);
}
