/*
 * http.c: the front door of every service. One catch-all Kore route calls
 * svc_dispatch(), which matches the service's route table so that unknown
 * paths (404) and wrong methods (405) get the same JSON error shape as
 * everything else; plus JSON replies and bounded, typed request bodies.
 */

#include <sys/random.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "svc.h"

static void	faults_init(void);

/* A header's lines joined (svc_header_join), owned by the request. */
struct svc_joined {
	struct svc_joined	*next;
	char			value[];
};


static const char		*svc_service = "service";
static const struct svc_route	*svc_table;
static size_t			 svc_table_len;

static const char *
method_name(int method)
{
	return (http_method_text(method));
}

int	svc_access_log = 1;

/* The Kore parent of this worker (see svc_tick). */
static pid_t	svc_parent;

void	kore_parent_configure(int, char **);

/* Kore calls this in the parent, before it forks the workers. */
void
kore_parent_configure(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	svc_parent = getpid();
	svc_metrics_map();
}

/*
 * Wakes the worker once a second (see svc_init), and stops it when its
 * parent is gone. Kore 4.1's workers outlive a parent killed with SIGKILL:
 * left alone they hold the service's port, and if a worker died holding
 * the accept lock (which only the parent releases) none of them accepts
 * again, so connections wait in the backlog forever and a new instance
 * cannot bind. The worker stops as at SIGTERM: it drains and exits.
 */
static void
svc_tick(void *arg, u_int64_t now)
{
	static int	told;

	(void)arg;
	(void)now;
	/* Its own parent (no fork: the front-door fuzzer) cannot lose it. */
	if (told || getppid() == svc_parent || getpid() == svc_parent)
		return;
	told = 1;
	kore_log(LOG_NOTICE, "parent %d gone: stopping", (int)svc_parent);
	if (kill(getpid(), SIGTERM) == -1)
		kore_log(LOG_ERR, "kill(SIGTERM): %s", errno_s);
}

/*
 * Called from each service's kore_worker_configure(): its name, its routes,
 * then the per-worker parts: tracing (the export thread starts here, after
 * Kore forked the worker), fault knobs, access log.
 */
void
svc_init(const char *service, const struct svc_route *routes, size_t n)
{
	/*
	 * Kore 4.1 checks http_header_timeout and http_body_timeout only when
	 * a worker wakes up, and an idle worker with no timer sleeps without
	 * end: a half-sent request would hold its connection for as long as
	 * nothing else happens. A one-second tick bounds that.
	 */
	kore_timer_add(svc_tick, 1000, NULL, 0);
	svc_service = service;
	svc_table = routes;
	svc_table_len = n;
	svc_access_log = svc_env_int("ACCESS_LOG", 1, 0, 1);
	faults_init();
	svc_trace_init(service);
	svc_metrics_init();
}

const char *
svc_name(void)
{
	return (svc_service);
}

static const struct svc_route *
route_find(struct http_request *req, struct svc_match *m, char *allow,
    size_t allowlen, int *path_known)
{
	size_t	i, len;

	*path_known = 0;
	allow[0] = '\0';
	for (i = 0; i < svc_table_len; i++) {
		if (!svc_route_match(svc_table[i].pattern, req->path, m))
			continue;
		if (svc_table[i].method == req->method)
			return (&svc_table[i]);
		*path_known = 1;
		len = strlen(allow);
		(void)snprintf(allow + len, allowlen - len, "%s%s",
		    len > 0 ? ", " : "", method_name(svc_table[i].method));
	}
	return (NULL);
}

static uint64_t
rnd64(void)
{
	static uint64_t	x;

	if (x == 0) {
		if (getrandom(&x, sizeof(x), 0) != sizeof(x) || x == 0)
			x = 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid();
	}
	/* xorshift64*: fault decisions need speed, not secrecy. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return (x * 0x2545f4914f6cdd1dULL);
}

/*
 * The fault configuration: FAULTS_<SERVICE> from the environment, replaced
 * at run time by $FAULTS_DIR/<service>.json while that file exists (looked
 * at no more than once a second).
 */
static struct fault_cfg	faults_env;
static struct fault_cfg	faults;
static char		faults_path[512];
static struct timespec	faults_mtime;
static u_int64_t	faults_checked;

static void
faults_init(void)
{
	char		name[64], err[128];
	const char	*v;
	size_t		i;

	fault_cfg_init(&faults_env);
	(void)snprintf(name, sizeof(name), "FAULTS_%s", svc_service);
	for (i = 7; name[i] != '\0'; i++)
		name[i] = name[i] == '-' ? '_' : (char)toupper((unsigned char)name[i]);
	if ((v = getenv(name)) != NULL && *v != '\0' &&
	    !fault_cfg_parse(&faults_env, v, err, sizeof(err)))
		kore_log(LOG_WARNING, "%s ignored: %s", name, err);
	faults = faults_env;
	(void)snprintf(faults_path, sizeof(faults_path), "%s/%s.json",
	    svc_env_str("FAULTS_DIR", ".run/faults"), svc_service);
}

static void
faults_refresh(void)
{
	struct stat	st;
	struct fault_cfg c;
	char		buf[1024], err[128];
	ssize_t		n;
	int		fd;

	if (svc_now_ms() - faults_checked < 1000)
		return;
	faults_checked = svc_now_ms();

	if (stat(faults_path, &st) == -1) {
		if (faults_mtime.tv_sec != 0 || faults_mtime.tv_nsec != 0) {
			kore_log(LOG_NOTICE, "faults: %s removed, back to the"
			    " environment's settings", faults_path);
			faults = faults_env;
			memset(&faults_mtime, 0, sizeof(faults_mtime));
		}
		return;
	}
	if (st.st_mtim.tv_sec == faults_mtime.tv_sec &&
	    st.st_mtim.tv_nsec == faults_mtime.tv_nsec)
		return;
	faults_mtime = st.st_mtim;

	if ((fd = open(faults_path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n < 0)
		return;
	buf[n] = '\0';
	c = faults_env;
	if (!fault_cfg_parse(&c, buf, err, sizeof(err))) {
		kore_log(LOG_WARNING, "faults: %s ignored: %s", faults_path,
		    err);
		return;
	}
	faults = c;
	kore_log(LOG_NOTICE, "faults: now %s", buf);
}

static void
fault_wake(void *arg, u_int64_t now)
{
	struct http_request	*req = arg;
	struct svc_request	*sr = http_state_get(req);

	(void)now;
	sr->timer = NULL;
	http_request_wakeup(req);
}

static void
request_log(struct http_request *req, struct svc_request *sr, int aborted)
{
	struct timespec	ts;
	struct tm	tm;
	char		line[1024], when[32], extra[96];
	int		n, status;
	const char	*level;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);

	status = aborted ? 0 : req->status;
	level = aborted || status >= 500 ? "error" : status >= 400 ? "warn" :
	    "info";
	extra[0] = '\0';
	if (sr->fault_note[0] != '\0')
		(void)snprintf(extra, sizeof(extra), ",\"fault\":\"%s\"",
		    sr->fault_note);
	n = snprintf(line, sizeof(line), "{\"time\":\"%s.%03ldZ\","
	    "\"level\":\"%s\",\"service\":\"%s\",\"trace_id\":\"%s\","
	    "\"span_id\":\"%s\",\"method\":\"%s\",\"route\":\"%s\","
	    "\"status\":%d,\"duration_ms\":%.3f%s%s}\n",
	    when, ts.tv_nsec / 1000000, level, svc_service, sr->trace_id,
	    sr->span_id, method_name(req->method),
	    sr->route != NULL ? sr->route->pattern : "unmatched", status,
	    (double)(svc_now_ns() - sr->start_ns) / 1e6,
	    aborted ? ",\"aborted\":true" : "", extra);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	(void)write(STDOUT_FILENO, line, (size_t)n);
}

static void
request_finish(struct http_request *req, struct svc_request *sr, int aborted)
{
	if (sr->finished)
		return;
	sr->finished = 1;
	svc_trace_request_end(req, sr, aborted);
	if (svc_access_log)
		request_log(req, sr, aborted);
}

static void
request_free(struct http_request *req)
{
	struct svc_request	*sr = http_state_get(req);
	struct svc_joined	*j;

	if (sr->timer != NULL) {
		kore_timer_remove(sr->timer);
		sr->timer = NULL;
	}
	while ((j = sr->joined) != NULL) {
		sr->joined = j->next;
		kore_free(j);
	}
	if (sr->state != NULL) {
		if (sr->state_free != NULL)
			sr->state_free(req);
		kore_free(sr->state);
		sr->state = NULL;
	}
	request_finish(req, sr, 1);
}

void *
svc_state_create(struct http_request *req, size_t len,
    void (*onfree)(struct http_request *))
{
	struct svc_request	*sr = http_state_get(req);

	sr->state = kore_calloc(1, len);
	sr->state_free = onfree;
	return (sr->state);
}

void *
svc_state_get(struct http_request *req)
{
	struct svc_request	*sr = http_state_get(req);

	return (sr->state);
}

int
svc_state_exists(struct http_request *req)
{
	return (svc_state_get(req) != NULL);
}

struct svc_request *
svc_request_get(struct http_request *req)
{
	return (http_state_get(req));
}

static void
fault_decide(struct http_request *req, struct svc_request *sr)
{
	const char	*h;
	int		probe;

	faults_refresh();
	probe = sr->route != NULL && (sr->route->handler == svc_health ||
	    !strcmp(sr->route->pattern, "/ready"));

	if (faults.outage && sr->route != NULL &&
	    sr->route->handler == svc_health)
		return;
	if (faults.outage) {
		sr->fault.outage = 1;
		sr->fault.error_status = 503;
	} else if (probe) {
		return;
	} else if (faults.allow_header &&
	    (h = svc_header(req, "x-fault")) != NULL) {
		if (!fault_header_parse(h, rnd64, &sr->fault))
			memset(&sr->fault, 0, sizeof(sr->fault));
	} else {
		fault_plan(&faults, rnd64, &sr->fault);
	}
	svc_trace_fault(req, sr);
}

/* The route every service's Kore configuration names (route ^/.*$ svc_route). */
int
svc_route(struct http_request *req)
{
	return (svc_dispatch(req));
}

/*
 * The catch-all Kore route of every service: per request, a SERVER span
 * and a JSON log line; the fault knobs; then the matching handler, or a
 * JSON 404 or 405.
 */
int
svc_dispatch(struct http_request *req)
{
	struct svc_request	*sr;
	struct svc_match	m;
	const struct svc_route	*route;
	char			allow[64];
	int			known, r;

	route = route_find(req, &m, allow, sizeof(allow), &known);

	if (!http_state_exists(req)) {
		sr = http_state_create(req, sizeof(*sr), request_free);
		sr->start_ns = svc_now_ns();
		sr->route = route;
		svc_trace_request_begin(req, sr);
		if (route != NULL && !svc_auth_check(req, route)) {
			request_finish(req, sr, 0);
			return (KORE_RESULT_OK);
		}
		fault_decide(req, sr);
		if (sr->fault.latency_ms > 0) {
			sr->timer = kore_timer_add(fault_wake,
			    sr->fault.latency_ms, req, KORE_TIMER_ONESHOT);
			http_request_sleep(req);
			return (KORE_RESULT_RETRY);
		}
	}
	sr = http_state_get(req);
	if (sr->timer != NULL) {
		http_request_sleep(req);
		return (KORE_RESULT_RETRY);
	}

	if (sr->fault.error_status != 0 && !sr->fault_replied) {
		sr->fault_replied = 1;
		svc_reply_error(req, (int)sr->fault.error_status,
		    sr->fault.outage ? "service_outage" : "fault_injected",
		    "%s: %s (a configured fault)", svc_service,
		    sr->fault.outage ? "outage" : "injected error");
		request_finish(req, sr, 0);
		return (KORE_RESULT_OK);
	}

	if (route != NULL) {
		r = route->handler(req, &m);
	} else if (known) {
		http_response_header(req, "allow", allow);
		svc_reply_error(req, HTTP_STATUS_METHOD_NOT_ALLOWED,
		    "method_not_allowed", "%s is not allowed on %s (allowed: %s)",
		    method_name(req->method), req->path, allow);
		r = KORE_RESULT_OK;
	} else {
		svc_reply_error(req, HTTP_STATUS_NOT_FOUND, "not_found",
		    "no such resource: %s", req->path);
		r = KORE_RESULT_OK;
	}

	if (r != KORE_RESULT_RETRY)
		request_finish(req, sr, 0);
	return (r);
}

void
svc_reply_json(struct http_request *req, int status, json_t *obj)
{
	char	*text;

	text = json_dumps(obj, JSON_COMPACT);
	json_decref(obj);

	http_response_header(req, "content-type", "application/json");
	if (text == NULL) {
		http_response(req, HTTP_STATUS_INTERNAL_ERROR, NULL, 0);
		return;
	}
	http_response(req, status, text, strlen(text));
	free(text);
}

void
svc_reply_error_obj(struct http_request *req, int status, const char *code,
    const char *message, json_t *extra)
{
	json_t	*err;

	err = json_object();
	json_object_set_new(err, "code", json_string(code));
	json_object_set_new(err, "message", json_string(message));
	if (extra != NULL) {
		(void)json_object_update_missing(err, extra);
		json_decref(extra);
	}
	svc_reply_json(req, status, json_pack("{s:o}", "error", err));
}

void
svc_reply_error(struct http_request *req, int status, const char *code,
    const char *fmt, ...)
{
	va_list		ap;
	char		msg[512];

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	svc_reply_error_obj(req, status, code, msg, NULL);
}

/* The first line of a header, or NULL. */
const char *
svc_header(struct http_request *req, const char *name)
{
	const char	*value;

	if (!http_request_header(req, name, &value))
		return (NULL);
	return (value);
}

/*
 * Every line of a header, joined with "," in their order (RFC 9110
 * section 5.3: the lines of a list-valued field are one list): the line
 * itself when there is one, else a copy the request keeps until it ends.
 * NULL when the header is absent. Lines are bounded by http_header_max.
 */
const char *
svc_header_join(struct http_request *req, const char *name)
{
	struct http_header	*hdr;
	struct svc_request	*sr;
	struct svc_joined	*j;
	const char		*first;
	size_t			lines, len, o, n;

	first = NULL;
	lines = 0;
	len = 0;
	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		if (strcasecmp(hdr->header, name))
			continue;
		if (first == NULL)
			first = hdr->value;
		lines++;
		len += strlen(hdr->value) + 1;
	}
	if (lines <= 1 || (sr = http_state_get(req)) == NULL)
		return (first);

	j = kore_malloc(sizeof(*j) + len);
	o = 0;
	TAILQ_FOREACH(hdr, &req->req_headers, list) {
		if (strcasecmp(hdr->header, name))
			continue;
		if (o > 0)
			j->value[o++] = ',';
		n = strlen(hdr->value);
		memcpy(j->value + o, hdr->value, n);
		o += n;
	}
	j->value[o] = '\0';
	j->next = sr->joined;
	sr->joined = j;
	return (j->value);
}

/*
 * Returns the request body parsed as a JSON object, or NULL after replying
 * 415 (not JSON), 413 (over max bytes) or 400 (malformed, with position).
 */
json_t *
svc_body_json(struct http_request *req, size_t max)
{
	const char	*ctype;
	json_error_t	jerr;
	json_t		*root;
	u_int8_t	*data;
	size_t		off;
	ssize_t		r;

	ctype = svc_header(req, "content-type");
	if (ctype == NULL || strncasecmp(ctype, "application/json", 16) != 0 ||
	    (ctype[16] != '\0' && ctype[16] != ';' && ctype[16] != ' ')) {
		svc_reply_error(req, HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported_media_type",
		    "the body must be application/json");
		return (NULL);
	}

	if (req->http_body_length > max) {
		svc_reply_error(req, HTTP_STATUS_REQUEST_ENTITY_TOO_LARGE,
		    "body_too_large", "the body is %zu bytes; the limit is %zu",
		    req->http_body_length, max);
		return (NULL);
	}

	if (req->http_body_length == 0) {
		svc_reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_json",
		    "the body is empty");
		return (NULL);
	}

	data = kore_malloc(req->http_body_length);
	off = 0;
	while (off < req->http_body_length) {
		r = http_body_read(req, data + off,
		    req->http_body_length - off);
		if (r <= 0)
			break;
		off += (size_t)r;
	}

	root = json_loadb((const char *)data, off, JSON_REJECT_DUPLICATES,
	    &jerr);
	kore_free(data);

	if (root == NULL) {
		svc_reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_json",
		    "malformed JSON at line %d, column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return (NULL);
	}

	if (!json_is_object(root)) {
		json_decref(root);
		svc_reply_error(req, HTTP_STATUS_BAD_REQUEST, "invalid_json",
		    "the body must be a JSON object");
		return (NULL);
	}

	return (root);
}

int
svc_health(struct http_request *req, struct svc_match *m)
{
	(void)m;
	svc_reply_json(req, HTTP_STATUS_OK, json_pack("{s:s,s:s}",
	    "status", "ok", "service", svc_service));
	return (KORE_RESULT_OK);
}

void
svc_random_hex(char *out, size_t hexlen)
{
	u_int8_t	raw[64];
	size_t		n;

	n = hexlen / 2;
	if (n > sizeof(raw))
		n = sizeof(raw);
	if (getrandom(raw, n, 0) != (ssize_t)n)
		fatal("getrandom: %s", errno_s);
	svc_hex(raw, n, out);
}

u_int64_t
svc_now_ms(void)
{
	return (kore_time_ms());
}

u_int64_t
svc_now_ns(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return ((u_int64_t)ts.tv_sec * 1000000000ULL + (u_int64_t)ts.tv_nsec);
}
