/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exporter_otlp.c: the OTLP exporter over libcurl: HTTP/1.1 with protobuf
 * (POST {endpoint}/v1/traces) or gRPC (HTTP/2 cleartext with prior
 * knowledge, length-prefixed messages, grpc-status from the trailers),
 * optional gzip, TLS with the configured CA and client certificate, the
 * retry loop of the OTLP specification (retry.c decides what is
 * retryable) and failover to further endpoints
 * (TRACING_OTLP_FAILOVER_ENDPOINTS) when one fails in a retryable way.
 * A part that fails in a way that may pass goes to the spool when the
 * processor has one (spool.c), and the spool's records are sent again
 * through otlp_send_encoded. It owns its curl handle, which is used only
 * by the thread that exports (the export thread, or the caller of a flush
 * when no thread runs).
 *
 * Debian's curl 7.88.1 cannot reuse a prior-knowledge HTTP/2 connection:
 * the first gRPC request on a handle uses CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE,
 * the next ones CURL_HTTP_VERSION_2_0 (which reuses the open h2 connection),
 * and any transport failure is retried at once, one time, with prior
 * knowledge on a fresh connection (also covers GOAWAY and dead peers).
 */

#include <sys/types.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <zlib.h>

#include "tracing_private.h"

#define RESP_MAX		(1024 * 1024)
#define GRPC_PATH	TR_OTLP_GRPC_PATH

struct otlp {
	/*
	 * The export URLs: the configured endpoint, then the failovers
	 * (TRACING_OTLP_FAILOVER_ENDPOINTS). url is urls[cur], the one that
	 * last worked; a retryable failure moves on to the next, and
	 * failback_s after moving away from the first an export tries the
	 * first again (TRACING_OTLP_FAILBACK_S; 0: never).
	 */
	char			*urls[TR_OTLP_ENDPOINTS_MAX];
	size_t			 nurls;
	size_t			 cur;
	unsigned int		 failback_s;
	uint64_t		 away_since;	/* when cur left 0 */
	const char		*url;
	int			 grpc;
	int			 gzip;
	unsigned int		 timeout_ms;
	size_t			 max_request;	/* body cap, before gzip */
	struct tr_header	*headers;
	size_t			 nheaders;
	/* TLS: PEM files (OTEL_EXPORTER_OTLP_CERTIFICATE, ...); NULL: none. */
	char			*cainfo;
	char			*sslcert;
	char			*sslkey;
	CURL			*curl;
	unsigned int		 curl_gen;	/* fork generation it is of */
	int			 h2_open;	/* prior-knowledge conn made */
	struct tr_pbw		 w;
	struct tr_buf		 body;
	struct tr_buf		 resp;
	const int		*abort;
	int			 retryable;	/* the last failure may pass */
	/* From the header callback; the last value seen wins. */
	int			 grpc_status;
	char			 grpc_message[512];
	char			 retry_after[64];
	char			 details[2048];
	int			 ctype_protobuf;
};

/* The result of one attempt. */
struct attempt {
	int		ok;
	int		retryable;
	int64_t		delay_ms;	/* -1: use the backoff */
	char		what[160];
};

static pthread_once_t	curl_once = PTHREAD_ONCE_INIT;

static void
curl_init(void)
{
	CURLcode	rc;

	if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
		tr_log(TRACING_LOG_ERROR, "curl_global_init: %s",
		    curl_easy_strerror(rc));
}

void
tr_curl_global_init_once(void)
{
	(void)pthread_once(&curl_once, curl_init);
}

static void *
z_alloc(void *opaque, unsigned int n, unsigned int sz)
{
	(void)opaque;
	return (tr_calloc(n, sz));
}

static void
z_free(void *opaque, void *p)
{
	(void)opaque;
	tr_free(p);
}

/* gzip in to the end of out. */
static int
gzip_append(struct tr_buf *out, const uint8_t *in, size_t len)
{
	z_stream	z;
	size_t		bound;
	int		rc;

	memset(&z, 0, sizeof(z));
	z.zalloc = z_alloc;
	z.zfree = z_free;
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return (TRACING_ERR_NOMEM);
	bound = deflateBound(&z, (uLong)len) + 32;
	if ((rc = tr_buf_reserve(out, bound)) != TRACING_OK) {
		deflateEnd(&z);
		return (rc);
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = out->data + out->len;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc != Z_STREAM_END) {
		deflateEnd(&z);
		return (TRACING_ERR_INVALID);
	}
	out->len += z.total_out;
	deflateEnd(&z);
	return (TRACING_OK);
}

static size_t
on_write(char *p, size_t sz, size_t n, void *arg)
{
	struct otlp	*o = arg;
	size_t		 len = sz * n;

	/* Keep what fits; the rest of a huge body is discarded. */
	if (o->resp.len + len <= RESP_MAX)
		(void)tr_buf_append(&o->resp, p, len);
	return (len);
}

static void
copy_value(char *dst, size_t dlen, const char *v, size_t vlen)
{
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' ||
	    v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (vlen >= dlen)
		vlen = dlen - 1;
	memcpy(dst, v, vlen);
	dst[vlen] = '\0';
}

static int
hname(const char *line, size_t len, const char *name, const char **v,
    size_t *vlen)
{
	size_t	nl = strlen(name);

	if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return (0);
	*v = line + nl + 1;
	*vlen = len - nl - 1;
	return (1);
}

/* Headers and, for HTTP/2, trailers: the last value seen wins. */
static size_t
on_header(char *line, size_t sz, size_t n, void *arg)
{
	struct otlp	*o = arg;
	size_t		 len = sz * n, vlen;
	const char	*v;
	char		 num[64];

	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (after 100 Continue, say): start over. */
		o->grpc_status = -1;
		o->grpc_message[0] = o->retry_after[0] = '\0';
		o->details[0] = '\0';
		o->ctype_protobuf = 0;
	} else if (hname(line, len, "grpc-status", &v, &vlen)) {
		copy_value(num, sizeof(num), v, vlen);
		o->grpc_status = isdigit((unsigned char)num[0]) ?
		    atoi(num) : GRPC_UNKNOWN;
	} else if (hname(line, len, "grpc-message", &v, &vlen)) {
		copy_value(o->grpc_message, sizeof(o->grpc_message), v, vlen);
	} else if (hname(line, len, "retry-after", &v, &vlen)) {
		copy_value(o->retry_after, sizeof(o->retry_after), v, vlen);
	} else if (hname(line, len, "grpc-status-details-bin", &v, &vlen)) {
		copy_value(o->details, sizeof(o->details), v, vlen);
	} else if (hname(line, len, "content-type", &v, &vlen)) {
		copy_value(num, sizeof(num), v, vlen);
		o->ctype_protobuf = strncasecmp(num, "application/x-protobuf",
		    22) == 0 || strncasecmp(num, "application/protobuf",
		    20) == 0;
	}
	return (len);
}

static int
on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	struct otlp	*o = arg;

	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return (o->abort != NULL &&
	    __atomic_load_n(o->abort, __ATOMIC_RELAXED) != 0);
}

static int
transport_retryable(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return (1);
	default:
		return (0);
	}
}

static void
log_partial(struct otlp *o, const uint8_t *p, size_t len,
    struct tracing_batch *b)
{
	int64_t		rejected;
	char		msg[256];

	if (tr_otlp_response_parse(p, len, &rejected, msg, sizeof(msg)) !=
	    TRACING_OK) {
		tr_log(TRACING_LOG_DEBUG, "OTLP response not understood");
		return;
	}
	(void)o;
	if (rejected > 0 || msg[0] != '\0') {
		tr_log(TRACING_LOG_WARN, "OTLP partial success: %lld spans "
		    "rejected: %s", (long long)rejected, msg);
		if (rejected > 0)
			b->rejected = (uint64_t)rejected;
	}
}

/*
 * TLS for https:// endpoints: the CA bundle that verifies the collector
 * (CURLOPT_CAINFO, instead of the system's), and the client certificate
 * and key for mutual TLS. Peer and host name are always verified.
 */
static void
tls_options(struct otlp *o)
{
	if (o->cainfo != NULL)
		curl_easy_setopt(o->curl, CURLOPT_CAINFO, o->cainfo);
	if (o->sslcert != NULL) {
		curl_easy_setopt(o->curl, CURLOPT_SSLCERT, o->sslcert);
		curl_easy_setopt(o->curl, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (o->sslkey != NULL) {
		curl_easy_setopt(o->curl, CURLOPT_SSLKEY, o->sslkey);
		curl_easy_setopt(o->curl, CURLOPT_SSLKEYTYPE, "PEM");
	}
	curl_easy_setopt(o->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(o->curl, CURLOPT_SSL_VERIFYHOST, 2L);
}

static int
perform(struct otlp *o, struct curl_slist *hdrs, long timeout_ms, int h2pk,
    long *status)
{
	CURLcode	rc;

	o->resp.len = 0;
	o->grpc_status = -1;
	o->grpc_message[0] = o->retry_after[0] = o->details[0] = '\0';
	o->ctype_protobuf = 0;
	curl_easy_setopt(o->curl, CURLOPT_URL, o->url);
	curl_easy_setopt(o->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(o->curl, CURLOPT_POSTFIELDS, o->body.data);
	curl_easy_setopt(o->curl, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)o->body.len);
	curl_easy_setopt(o->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(o->curl, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(o->curl, CURLOPT_WRITEDATA, o);
	curl_easy_setopt(o->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(o->curl, CURLOPT_HEADERDATA, o);
	curl_easy_setopt(o->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(o->curl, CURLOPT_XFERINFODATA, o);
	curl_easy_setopt(o->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(o->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(o->curl, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(o->curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(o->curl, CURLOPT_USERAGENT,
	    "tracing-c/" TRACING_VERSION);
	tls_options(o);
	if (o->grpc && strncmp(o->url, "https://", 8) == 0) {
		/* TLS: HTTP/2 by ALPN, and the connection is reused. */
		curl_easy_setopt(o->curl, CURLOPT_HTTP_VERSION,
		    (long)CURL_HTTP_VERSION_2TLS);
	} else if (o->grpc) {
		curl_easy_setopt(o->curl, CURLOPT_HTTP_VERSION, h2pk ?
		    (long)CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE :
		    (long)CURL_HTTP_VERSION_2_0);
		curl_easy_setopt(o->curl, CURLOPT_FRESH_CONNECT, h2pk ? 1L :
		    0L);
	} else {
		curl_easy_setopt(o->curl, CURLOPT_HTTP_VERSION,
		    (long)CURL_HTTP_VERSION_1_1);
	}
	*status = 0;
	rc = curl_easy_perform(o->curl);
	(void)curl_easy_getinfo(o->curl, CURLINFO_RESPONSE_CODE, status);
	return ((int)rc);
}

static struct curl_slist *
build_headers(struct otlp *o, long timeout_ms)
{
	struct curl_slist	*l, *n;
	struct tr_buf		 b;
	size_t			 i;
	char			 tmo[48];

	l = NULL;
#define ADD(s)	do {							\
		if ((n = curl_slist_append(l, (s))) == NULL)		\
			goto fail;					\
		l = n;							\
	} while (0)
	if (o->grpc) {
		ADD("Content-Type: application/grpc");
		ADD("TE: trailers");
		(void)snprintf(tmo, sizeof(tmo), "grpc-timeout: %ldm",
		    timeout_ms);
		ADD(tmo);
		if (o->gzip)
			ADD("grpc-encoding: gzip");
	} else {
		ADD("Content-Type: application/x-protobuf");
		ADD("Expect:");
		if (o->gzip)
			ADD("Content-Encoding: gzip");
	}
	for (i = 0; i < o->nheaders; i++) {
		tr_buf_init(&b, 8192);
		if (tr_buf_appendf(&b, "%s: %s", o->headers[i].name,
		    o->headers[i].value) != TRACING_OK) {
			tr_buf_cleanup(&b);
			goto fail;
		}
		n = curl_slist_append(l, tr_buf_cstr(&b));
		tr_buf_cleanup(&b);
		if (n == NULL)
			goto fail;
		l = n;
	}
#undef ADD
	return (l);
fail:
	curl_slist_free_all(l);
	return (NULL);
}

static void
attempt_http(struct otlp *o, struct tracing_batch *b, long timeout_ms,
    struct attempt *a)
{
	struct curl_slist	*hdrs;
	uint64_t		 ms;
	long			 status;
	int			 rc;

	if ((hdrs = build_headers(o, timeout_ms)) == NULL) {
		(void)snprintf(a->what, sizeof(a->what), "out of memory");
		return;
	}
	rc = perform(o, hdrs, timeout_ms, 0, &status);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		a->retryable = transport_retryable(rc);
		(void)snprintf(a->what, sizeof(a->what), "%s",
		    curl_easy_strerror(rc));
		return;
	}
	if (status >= 200 && status < 300) {
		a->ok = 1;
		if (o->resp.len > 0 && o->ctype_protobuf)
			log_partial(o, o->resp.data, o->resp.len, b);
		return;
	}
	(void)snprintf(a->what, sizeof(a->what), "HTTP status %ld", status);
	if (tr_http_retryable(status)) {
		a->retryable = 1;
		if (o->retry_after[0] != '\0' && tr_retry_after_parse(
		    o->retry_after, time(NULL), &ms) == TRACING_OK)
			a->delay_ms = (int64_t)ms;
	}
}

static void
attempt_grpc(struct otlp *o, struct tracing_batch *b, long timeout_ms,
    struct attempt *a)
{
	struct curl_slist	*hdrs;
	const uint8_t		*p;
	uint64_t		 ms;
	long			 status;
	int			 rc, code, has_ri;
	char			*msg;
	uint32_t		 mlen;

	if ((hdrs = build_headers(o, timeout_ms)) == NULL) {
		(void)snprintf(a->what, sizeof(a->what), "out of memory");
		return;
	}
	rc = perform(o, hdrs, timeout_ms, !o->h2_open, &status);
	if (rc != CURLE_OK && rc != CURLE_ABORTED_BY_CALLBACK && o->h2_open) {
		/* curl 7.88.1 cannot reuse the h2c connection: once more. */
		tr_log(TRACING_LOG_DEBUG, "gRPC: %s, retrying on a new "
		    "connection", curl_easy_strerror(rc));
		rc = perform(o, hdrs, timeout_ms, 1, &status);
	}
	curl_slist_free_all(hdrs);
	o->h2_open = rc == CURLE_OK;
	if (rc != CURLE_OK) {
		a->retryable = transport_retryable(rc);
		(void)snprintf(a->what, sizeof(a->what), "%s",
		    curl_easy_strerror(rc));
		return;
	}
	if (status != 200)
		code = tr_grpc_from_http(status);
	else if (o->grpc_status < 0)
		code = GRPC_UNKNOWN;
	else
		code = o->grpc_status;
	if (code == GRPC_OK) {
		a->ok = 1;
		p = o->resp.data;
		if (o->resp.len >= 5 && p[0] == 0) {
			mlen = (uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 |
			    (uint32_t)p[3] << 8 | p[4];
			if (mlen <= o->resp.len - 5)
				log_partial(o, p + 5, mlen, b);
		}
		return;
	}
	msg = NULL;
	if (o->grpc_message[0] != '\0')
		(void)tr_percent_decode(o->grpc_message,
		    strlen(o->grpc_message), &msg);
	(void)snprintf(a->what, sizeof(a->what), "gRPC status %d (HTTP %ld)"
	    "%s%.100s", code, status, msg != NULL || o->grpc_message[0] ?
	    ": " : "", msg != NULL ? msg : o->grpc_message);
	tr_free(msg);
	has_ri = o->details[0] != '\0' && tr_grpc_status_details_retry(
	    o->details, strlen(o->details), &ms) == TRACING_OK;
	a->retryable = tr_grpc_retryable(code, has_ri);
	if (has_ri)
		a->delay_ms = (int64_t)ms;
	else if (status != 200 && o->retry_after[0] != '\0' &&
	    tr_retry_after_parse(o->retry_after, time(NULL), &ms) ==
	    TRACING_OK)
		a->delay_ms = (int64_t)ms;
}

static int
sleep_ms(struct otlp *o, uint64_t ms)
{
	struct timespec	ts;
	uint64_t	step;

	while (ms > 0) {
		if (o->abort != NULL && __atomic_load_n(o->abort,
		    __ATOMIC_RELAXED))
			return (-1);
		step = ms > 50 ? 50 : ms;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)step * 1000000L;
		(void)nanosleep(&ts, NULL);
		ms -= step;
	}
	return (0);
}

/* The request of b's spans into o->w, within the cap. */
static int
encode_part(struct otlp *o, struct tracing_batch *b)
{
	int	rc;

	tr_pbw_reset(&o->w);
	if ((rc = tr_otlp_encode(&o->w, b)) != TRACING_OK)
		return (rc);
	if (tr_pbw_len(&o->w) > o->max_request)
		return (TRACING_ERR_LIMIT);
	return (TRACING_OK);
}

/* The body to send of an encoded request: gzip and gRPC framing. */
static int
frame_body(struct otlp *o, const uint8_t *pb, size_t len)
{
	uint8_t		hdr[5];
	size_t		mlen;
	int		rc;

	o->body.len = 0;
	if (o->grpc) {
		/* Length-prefixed message: flag, 4 bytes big-endian, data. */
		if ((rc = tr_buf_append(&o->body, "\0\0\0\0\0", 5)) !=
		    TRACING_OK)
			return (rc);
	}
	if (o->gzip)
		rc = gzip_append(&o->body, pb, len);
	else
		rc = tr_buf_append(&o->body, pb, len);
	if (rc != TRACING_OK)
		return (rc);
	if (o->grpc) {
		mlen = o->body.len - 5;
		if (mlen > UINT32_MAX)
			return (TRACING_ERR_LIMIT);
		hdr[0] = o->gzip ? 1 : 0;
		hdr[1] = (uint8_t)(mlen >> 24);
		hdr[2] = (uint8_t)(mlen >> 16);
		hdr[3] = (uint8_t)(mlen >> 8);
		hdr[4] = (uint8_t)mlen;
		memcpy(o->body.data, hdr, 5);
	}
	return (TRACING_OK);
}

/* The next endpoint after a retryable failure; returns it. */
static const char *
failover(struct otlp *o)
{
	o->cur = (o->cur + 1) % o->nurls;
	o->url = o->urls[o->cur];
	if (o->cur != 0)
		o->away_since = tracing_now();
	/* A new host: the first gRPC request makes its own connection. */
	o->h2_open = 0;
	return (o->url);
}

/* Away from the main endpoint for failback_s: try it again. */
static void
failback(struct otlp *o)
{
	if (o->cur == 0 || o->failback_s == 0 || tracing_now() - o->away_since <
	    (uint64_t)o->failback_s * 1000000000ULL)
		return;
	o->cur = 0;
	o->url = o->urls[0];
	o->h2_open = 0;
	tr_log(TRACING_LOG_INFO, "OTLP export: back to %s after %u s on a "
	    "failover", o->url, o->failback_s);
}

/* The curl handle of this process. */
static int
curl_handle(struct otlp *o)
{
	if (o->curl != NULL && o->curl_gen != tr_fork_generation()) {
		/*
		 * A forked child: the handle and its connection are the
		 * parent's. They are left alone (a cleanup could write on the
		 * parent's connection, an HTTP/2 GOAWAY), and a handle of the
		 * child's own opens its own connection.
		 */
		o->curl = NULL;
		o->h2_open = 0;
	}
	if (o->curl == NULL) {
		if ((o->curl = curl_easy_init()) == NULL)
			return (TRACING_ERR_NOMEM);
		o->curl_gen = tr_fork_generation();
	}
	return (TRACING_OK);
}

/* Sends the request in o->body for b, with retries and failover. */
static int
export_body(struct otlp *o, struct tracing_batch *b)
{
	struct attempt		 a;
	uint64_t		 now, deadline, delay, left, cap;
	unsigned int		 attempt;
	size_t			 first;

	if (curl_handle(o) != TRACING_OK)
		return (TRACING_ERR_NOMEM);
	o->abort = b->abort;
	failback(o);
	now = tracing_now();
	deadline = now + (uint64_t)o->timeout_ms * 1000000ULL;
	if (b->deadline != 0 && b->deadline < deadline)
		deadline = b->deadline;
	first = o->cur;
	for (attempt = 0;; attempt++) {
		now = tracing_now();
		if (now >= deadline)
			return (TRACING_ERR_TIMEOUT);
		/*
		 * With failovers, one attempt may take only its share of the
		 * export timeout: a hung endpoint leaves time for the others.
		 */
		left = (deadline - now) / 1000000 + 1;
		cap = o->timeout_ms / o->nurls + 1;
		if (o->nurls > 1 && left > cap)
			left = cap;
		memset(&a, 0, sizeof(a));
		a.delay_ms = -1;
		if (o->grpc)
			attempt_grpc(o, b, (long)left, &a);
		else
			attempt_http(o, b, (long)left, &a);
		if (a.ok)
			return (TRACING_OK);
		if (tracing_batch_aborted(b))
			return (TRACING_ERR_EXPORT);
		if (!a.retryable) {
			o->retryable = 0;
			tr_log(TRACING_LOG_WARN, "OTLP export to %s failed: %s "
			    "(not retryable)", o->url, a.what);
			return (TRACING_ERR_EXPORT);
		}
		if (o->nurls > 1) {
			tr_log(TRACING_LOG_INFO, "OTLP export to %s failed: %s; "
			    "failing over", o->url, a.what);
			tr_log(TRACING_LOG_INFO, "OTLP export: now to %s",
			    failover(o));
			/* Each endpoint once at once, then the backoff. */
			if (o->cur != first) {
				b->retries++;
				continue;
			}
		}
		delay = a.delay_ms >= 0 ? (uint64_t)a.delay_ms :
		    tr_backoff_ms(attempt, tr_rand64());
		now = tracing_now();
		if (now + delay * 1000000ULL >= deadline) {
			tr_log(TRACING_LOG_WARN, "OTLP export to %s failed: %s; "
			    "no time left to retry", o->url, a.what);
			return (TRACING_ERR_RETRY);
		}
		tr_log(TRACING_LOG_DEBUG, "OTLP export: %s, retry in %llu ms",
		    a.what, (unsigned long long)delay);
		if (sleep_ms(o, delay) != 0)
			return (TRACING_ERR_EXPORT);
		b->retries++;
	}
}

/*
 * Sends the encoded part in o->w (nothing with spool_only); a failure
 * that may pass goes to the spool when there is one: 1 if it went there.
 */
static int
send_part(struct otlp *o, struct tracing_batch *part, int *spooled)
{
	int	rc;

	*spooled = 0;
	o->retryable = 1;
	if (part->spool_only)
		rc = TRACING_ERR_RETRY;
	else if ((rc = frame_body(o, tr_pbw_data(&o->w),
	    tr_pbw_len(&o->w))) == TRACING_OK)
		rc = export_body(o, part);
	if (rc != TRACING_OK && o->retryable && part->spool != NULL &&
	    part->spool(part->spool_arg, tr_pbw_data(&o->w),
	    tr_pbw_len(&o->w), (uint32_t)part->n) == TRACING_OK)
		*spooled = 1;
	return (rc);
}

/*
 * Exports n spans of b as one request, or, when that request would be
 * over the cap (TRACING_OTLP_MAX_REQUEST_BYTES), in halves, each checked
 * again: a span over the cap on its own cannot be sent and is dropped.
 * The spans of a part that fails are added to b->dropped, or to
 * b->spooled when the spool took them; the retries and rejections of
 * each part to b's. Returns the last failure, if any.
 */
static int
export_part(struct otlp *o, struct tracing_batch *b,
    struct tr_span **spans, size_t n)
{
	struct tracing_batch	part;
	size_t			half;
	int			rc, rc2, spooled;

	spooled = 0;
	part = *b;
	part.spans = spans;
	part.n = n;
	part.retries = 0;
	part.rejected = 0;
	part.dropped = 0;
	rc = encode_part(o, &part);
	if (rc == TRACING_ERR_LIMIT && n > 1) {
		half = n / 2;
		rc = export_part(o, b, spans, half);
		rc2 = export_part(o, b, spans + half, n - half);
		return (rc2 != TRACING_OK ? rc2 : rc);
	}
	if (rc == TRACING_ERR_LIMIT)
		tr_log(TRACING_LOG_WARN, "OTLP export: a span of %zu bytes "
		    "encoded is over TRACING_OTLP_MAX_REQUEST_BYTES (%zu): "
		    "dropped", tr_pbw_len(&o->w), o->max_request);
	else if (rc == TRACING_OK)
		rc = send_part(o, &part, &spooled);
	b->retries += part.retries;
	b->rejected += part.rejected;
	if (rc != TRACING_OK && spooled)
		b->spooled += n;
	else if (rc != TRACING_OK)
		b->dropped += n;
	return (rc);
}

static int
otlp_export(void *arg, const struct tracing_batch *cb)
{
	struct otlp		*o = arg;
	struct tracing_batch	*b = (struct tracing_batch *)cb;
	int			 rc;

	b->dropped = 0;
	b->spooled = 0;
	rc = export_part(o, b, b->spans, b->n);
	/* Nothing went: the batch failed, and its caller counts it so. */
	if (rc != TRACING_OK && b->dropped >= b->n) {
		b->dropped = 0;
		return (rc);
	}
	return (TRACING_OK);
}

/*
 * The spool's replay: an encoded request, sent with b's deadline and
 * abort. TRACING_ERR_RETRY: a failure that may pass.
 */
static int
otlp_send_encoded(void *arg, const uint8_t *pb, size_t len,
    struct tracing_batch *b)
{
	struct otlp	*o = arg;
	int		 rc;

	o->retryable = 1;
	if ((rc = frame_body(o, pb, len)) == TRACING_OK)
		rc = export_body(o, b);
	if (rc == TRACING_OK)
		return (TRACING_OK);
	return (o->retryable ? TRACING_ERR_RETRY : TRACING_ERR_EXPORT);
}

static void
otlp_free(void *arg)
{
	struct otlp	*o = arg;
	size_t		 i;

	if (o == NULL)
		return;
	if (o->curl != NULL && o->curl_gen == tr_fork_generation())
		curl_easy_cleanup(o->curl);
	for (i = 0; i < o->nheaders; i++) {
		tr_free(o->headers[i].name);
		tr_free(o->headers[i].value);
	}
	tr_free(o->headers);
	tr_free(o->cainfo);
	tr_free(o->sslcert);
	tr_free(o->sslkey);
	for (i = 0; i < o->nurls; i++)
		tr_free(o->urls[i]);
	tr_pbw_cleanup(&o->w);
	tr_buf_cleanup(&o->body);
	tr_buf_cleanup(&o->resp);
	tr_free(o);
}

static int
tls_copy(struct otlp *o, const struct tracing_config *cfg)
{
	if ((cfg->certificate != NULL &&
	    (o->cainfo = tr_strdup(cfg->certificate)) == NULL) ||
	    (cfg->client_cert != NULL &&
	    (o->sslcert = tr_strdup(cfg->client_cert)) == NULL) ||
	    (cfg->client_key != NULL &&
	    (o->sslkey = tr_strdup(cfg->client_key)) == NULL))
		return (TRACING_ERR_NOMEM);
	if ((o->sslcert == NULL) != (o->sslkey == NULL))
		tr_log(TRACING_LOG_WARN, "OTLP: a client certificate needs "
		    "its key (OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and "
		    "_CLIENT_KEY)");
	return (TRACING_OK);
}

int
tracing_exporter_otlp_alloc(struct tracing_exporter **out,
    const struct tracing_config *cfg)
{
	static const struct tracing_exporter_ops	ops = {
		otlp_export, NULL, otlp_free
	};
	struct tracing_config	 def;
	struct otlp		*o;
	char			*base;
	const char		*p, *e;
	size_t			 i;
	int			 rc;

	*out = NULL;
	if (cfg == NULL) {
		tr_config_default(&def);
		if ((rc = tracing_config_load_env(&def)) != TRACING_OK) {
			tr_config_cleanup(&def);
			return (rc);
		}
		rc = tracing_exporter_otlp_alloc(out, &def);
		tr_config_cleanup(&def);
		return (rc);
	}
	if ((o = tr_calloc(1, sizeof(*o))) == NULL)
		return (TRACING_ERR_NOMEM);
	tr_pbw_init(&o->w);
	tr_buf_init(&o->body, 0);
	tr_buf_init(&o->resp, RESP_MAX);
	o->grpc = cfg->protocol == PROTO_GRPC;
	o->gzip = cfg->gzip;
	o->timeout_ms = cfg->timeout_ms;
	o->max_request = cfg->max_request_bytes;
	o->failback_s = cfg->failback_s;
	if ((rc = tr_config_otlp_url(cfg, &base)) != TRACING_OK)
		goto fail;
	if (o->grpc) {
		/* base is a host[:port] URL either way: add the method. */
		rc = tr_otlp_endpoint_url(base, strlen(base), 1, &o->urls[0]);
		tr_free(base);
		if (rc != TRACING_OK)
			goto fail;
	} else
		o->urls[0] = base;
	o->nurls = 1;
	/* The failovers, checked by config.c: generic endpoints. */
	for (p = cfg->failover; p != NULL && *p != '\0'; p = e + (*e != '\0')) {
		if ((e = strchr(p, ',')) == NULL)
			e = p + strlen(p);
		rc = TRACING_ERR_INVALID;
		if (o->nurls == TR_OTLP_ENDPOINTS_MAX || (rc =
		    tr_otlp_endpoint_url(p, (size_t)(e - p), o->grpc,
		    &o->urls[o->nurls])) != TRACING_OK)
			goto fail;
		o->nurls++;
	}
	o->url = o->urls[0];
	rc = TRACING_ERR_NOMEM;
	if (tls_copy(o, cfg) != TRACING_OK)
		goto fail;
	if (cfg->nheaders > 0 && (o->headers = tr_calloc(cfg->nheaders,
	    sizeof(*o->headers))) == NULL)
		goto fail;
	for (i = 0; i < cfg->nheaders; i++) {
		o->nheaders++;
		if ((o->headers[i].name = tr_strdup(cfg->headers[i].name)) ==
		    NULL || (o->headers[i].value =
		    tr_strdup(cfg->headers[i].value)) == NULL)
			goto fail;
	}
	if ((rc = tracing_exporter_alloc(out, &ops, o)) != TRACING_OK)
		goto fail;
	(*out)->send_encoded = otlp_send_encoded;
	return (TRACING_OK);
fail:
	otlp_free(o);
	return (rc);
}
