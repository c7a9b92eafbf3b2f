/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resource.c: resources (the specification's Resource: create, merge with
 * its schema URL rules, read back), the built-in detectors (telemetry.sdk,
 * process, host, os), and the provider's resource: the detectors chosen,
 * then the host's, then OTEL_RESOURCE_ATTRIBUTES, then the host's
 * resource and attributes, then OTEL_SERVICE_NAME (which wins over all).
 * It is encoded to protobuf once and copied into every request.
 */

#include <sys/types.h>
#include <sys/utsname.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__GLIBC__)
#include <gnu/libc-version.h>
#endif

#include "tracing_private.h"

/*
 * Portability: the executable's path and name, and the OS type, where the
 * platform has them. Linux and glibc are built and tested; the BSDs and
 * macOS take getprogname() and have no /proc link (the path is left out).
 */
#if defined(__linux__)
#define SELF_EXE	"/proc/self/exe"
#define OS_TYPE		"linux"
#elif defined(__FreeBSD__) || defined(__DragonFly__)
#define SELF_EXE	"/proc/curproc/file"
#define OS_TYPE		"freebsd"
#elif defined(__NetBSD__)
#define SELF_EXE	"/proc/curproc/exe"
#define OS_TYPE		"netbsd"
#elif defined(__OpenBSD__)
#define SELF_EXE	""
#define OS_TYPE		"openbsd"
#elif defined(__APPLE__)
#define SELF_EXE	""
#define OS_TYPE		"darwin"
#else
#define SELF_EXE	""
#define OS_TYPE		"unknown"
#endif

#if defined(__GLIBC__)
#define PROGNAME	program_invocation_short_name
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || \
    defined(__OpenBSD__) || defined(__DragonFly__)
#define PROGNAME	getprogname()
#else
#define PROGNAME	"unknown_service"
#endif

static int	set_str(struct tr_resource *, const char *, const char *);
static int	env_attr(void *, const char *, const char *);

/* /proc/self/cmdline is read up to this (process.command_args). */
#define CMDLINE_MAX	8192
#define CMDLINE_ARGS	64

static int
set_str(struct tr_resource *r, const char *k, const char *v)
{
	struct tracing_attr	a = TRACING_ATTR_STR(k, v);

	return (tr_resource_set(r, &a));
}

int
tr_resource_set(struct tr_resource *r, const struct tracing_attr *a)
{
	return (tr_attrs_set(&r->arena, &r->attrs, UINT32_MAX, -1, a));
}

static const char *
arch_name(const char *m)
{
	/* Values from the semantic conventions (host.arch). */
	if (strcmp(m, "x86_64") == 0)
		return ("amd64");
	if (strcmp(m, "aarch64") == 0)
		return ("arm64");
	if (strcmp(m, "i386") == 0 || strcmp(m, "i686") == 0)
		return ("x86");
	if (strncmp(m, "armv", 4) == 0)
		return ("arm32");
	if (strcmp(m, "ppc64le") == 0 || strcmp(m, "ppc64") == 0)
		return ("ppc64");
	if (strcmp(m, "s390x") == 0)
		return ("s390x");
	return (m);
}

static int
env_attr(void *arg, const char *k, const char *v)
{
	return (set_str(arg, k, v));
}

/*
 * The schema URL of a merge: the one that is not empty, or the common
 * one; two different ones conflict (the result has none).
 */
static int
schema_merge(struct tr_resource *dst, const char *url, int *conflict)
{
	if (url == NULL || url[0] == '\0')
		return (TRACING_OK);
	if (dst->schema_url != NULL && strcmp(dst->schema_url, url) == 0)
		return (TRACING_OK);
	if (dst->schema_url != NULL || (conflict != NULL && *conflict)) {
		if (conflict != NULL)
			*conflict = 1;
		dst->schema_url = NULL;
		return (TRACING_OK);
	}
	if ((dst->schema_url = tr_arena_strndup(&dst->arena, url,
	    strlen(url))) == NULL)
		return (TRACING_ERR_NOMEM);
	return (TRACING_OK);
}

/* src merged into dst: src's attributes win, the schema URL rules. */
int
tr_resource_merge_into(struct tr_resource *dst, const struct tr_resource *src,
    int *conflict)
{
	struct tracing_attr	a;
	uint32_t		i;
	int			rc;

	for (i = 0; i < src->attrs.count; i++) {
		tr_attr_view(&src->attrs.a[i], &a);
		if ((rc = tr_resource_set(dst, &a)) != TRACING_OK)
			return (rc);
	}
	return (schema_merge(dst, src->schema_url, conflict));
}

/* The attributes that change in a forked child. */
int
tr_resource_refresh_process(struct tr_resource *r)
{
	struct tracing_attr	a = TRACING_ATTR_INTV("process.pid",
				    (int64_t)getpid());
	char			uuid[37];
	int			rc;

	if (tr_attrs_find(&r->attrs, "process.pid", 11) != NULL &&
	    (rc = tr_resource_set(r, &a)) != TRACING_OK)
		return (rc);
	if (r->own_instance_id) {
		tr_uuid4(uuid);
		if ((rc = set_str(r, "service.instance.id", uuid)) !=
		    TRACING_OK)
			return (rc);
	}
	return (tr_resource_encode(r));
}

/* The executable's path (or ""), and its name (never empty). */
static const char *
exe_name(char *exe, size_t len)
{
	const char	*base;
	ssize_t		 n;

	exe[0] = '\0';
	if (SELF_EXE[0] != '\0' && (n = readlink(SELF_EXE, exe, len - 1)) > 0)
		exe[n] = '\0';
	else
		exe[0] = '\0';
	base = strrchr(exe, '/') != NULL ? strrchr(exe, '/') + 1 : exe;
	if (base[0] == '\0')
		base = PROGNAME;
	return (base);
}

/*
 * process.command and process.command_args from /proc/self/cmdline
 * (Linux), at most CMDLINE_ARGS arguments of its first CMDLINE_MAX bytes.
 */
static int
detect_cmdline(struct tr_resource *r)
{
	struct tracing_attr	 a;
	const char		*args[CMDLINE_ARGS];
	char			*buf;
	size_t			 len, n, i;
	ssize_t			 got;
	int			 fd, rc;

	if ((fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC)) < 0)
		return (TRACING_OK);
	if ((buf = tr_malloc(CMDLINE_MAX + 1)) == NULL) {
		(void)close(fd);
		return (TRACING_ERR_NOMEM);
	}
	len = 0;
	while (len < CMDLINE_MAX && (got = read(fd, buf + len,
	    CMDLINE_MAX - len)) > 0)
		len += (size_t)got;
	(void)close(fd);
	buf[len] = '\0';
	for (i = n = 0; i < len && n < CMDLINE_ARGS; i += strlen(buf + i) + 1)
		args[n++] = buf + i;
	rc = TRACING_OK;
	if (n > 0) {
		a.key = "process.command_args";
		a.type = TRACING_ATTR_STRING_ARRAY;
		a.n = n;
		a.v.sa = args;
		if ((rc = set_str(r, "process.command", args[0])) == TRACING_OK)
			rc = tr_resource_set(r, &a);
	}
	tr_free(buf);
	return (rc);
}

static int
detect_process(struct tr_resource *r)
{
	struct tracing_attr	 pid = TRACING_ATTR_INTV("process.pid",
				    (int64_t)getpid());
	char			 exe[PATH_MAX];
	const char		*base;
	int			 rc;

	base = exe_name(exe, sizeof(exe));
	if ((rc = tr_resource_set(r, &pid)) ||
	    (rc = set_str(r, "process.executable.name", base)))
		return (rc);
	if (exe[0] != '\0' &&
	    (rc = set_str(r, "process.executable.path", exe)) != TRACING_OK)
		return (rc);
#if defined(__GLIBC__)
	if ((rc = set_str(r, "process.runtime.name", "glibc")) ||
	    (rc = set_str(r, "process.runtime.version",
	    gnu_get_libc_version())) ||
	    (rc = set_str(r, "process.runtime.description",
	    "GNU C Library")))
		return (rc);
#endif
	return (detect_cmdline(r));
}

static int
detect_host(struct tr_resource *r)
{
	struct utsname	u;
	char		host[256];
	int		rc;

	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		if ((rc = set_str(r, "host.name", host)) != TRACING_OK)
			return (rc);
	}
	if (uname(&u) == 0 &&
	    (rc = set_str(r, "host.arch", arch_name(u.machine))) != TRACING_OK)
		return (rc);
	return (TRACING_OK);
}

static int
detect_os(struct tr_resource *r)
{
	struct utsname	u;
	int		rc;

	if ((rc = set_str(r, "os.type", OS_TYPE)) != TRACING_OK)
		return (rc);
	if (uname(&u) == 0 &&
	    (rc = set_str(r, "os.description", u.release)) != TRACING_OK)
		return (rc);
	return (TRACING_OK);
}

/* The built-in detectors of which, into r, with their schema URL. */
int
tr_resource_detect_into(struct tr_resource *r, unsigned int which)
{
	int	rc;

	if ((which & TRACING_DETECT_SDK) && ((rc = set_str(r,
	    "telemetry.sdk.name", TRACING_SDK_NAME)) ||
	    (rc = set_str(r, "telemetry.sdk.language", "c")) ||
	    (rc = set_str(r, "telemetry.sdk.version", TRACING_VERSION))))
		return (rc);
	if ((which & TRACING_DETECT_PROCESS) &&
	    (rc = detect_process(r)) != TRACING_OK)
		return (rc);
	if ((which & TRACING_DETECT_HOST) &&
	    (rc = detect_host(r)) != TRACING_OK)
		return (rc);
	if ((which & TRACING_DETECT_OS) && (rc = detect_os(r)) != TRACING_OK)
		return (rc);
	if ((which & TRACING_DETECT_ALL) == 0)
		return (TRACING_OK);
	return (schema_merge(r, TRACING_SEMCONV_SCHEMA_URL, NULL));
}

/* The host's detectors, each into a resource of its own, merged in. */
static int
build_detectors(struct tr_resource *r, const struct tracing_config *c,
    int *conflict)
{
	struct tracing_resource	*d;
	size_t			 i;
	int			 rc;

	for (i = 0; i < c->ndets; i++) {
		if ((rc = tracing_resource_alloc(&d, NULL, 0, NULL)) !=
		    TRACING_OK)
			return (rc);
		if ((rc = c->dets[i].fn(c->dets[i].arg, d)) != TRACING_OK)
			tr_log(TRACING_LOG_WARN, "resource detector %zu: %s, "
			    "left out", i + 1, tracing_strerror(rc));
		else
			rc = tr_resource_merge_into(r, &d->r, conflict);
		tracing_resource_free(d);
		if (rc == TRACING_ERR_NOMEM)
			return (rc);
	}
	return (TRACING_OK);
}

/* What the configuration says, after the detectors. */
static int
build_config(struct tr_resource *r, const struct tracing_config *c,
    int *conflict)
{
	size_t	i;
	int	rc;

	if ((rc = tr_kvlist_parse(c->resource_env, "OTEL_RESOURCE_ATTRIBUTES",
	    env_attr, r)) != TRACING_OK)
		return (rc);
	if (c->resource != NULL && (rc = tr_resource_merge_into(r,
	    &c->resource->r, conflict)) != TRACING_OK)
		return (rc);
	for (i = 0; i < c->nrattrs; i++) {
		if ((rc = tr_resource_set(r, &c->rattrs[i])) != TRACING_OK)
			return (rc);
	}
	if (c->service_name != NULL &&
	    (rc = set_str(r, "service.name", c->service_name)) != TRACING_OK)
		return (rc);
	return (TRACING_OK);
}

int
tr_resource_build(struct tr_resource *r, const struct tracing_config *c)
{
	const struct tr_attr	*sn;
	char			 exe[PATH_MAX], uuid[37], buf[300];
	int			 rc, conflict;

	memset(r, 0, sizeof(*r));
	tr_arena_init(&r->arena, NULL, 0);
	conflict = 0;
	tr_uuid4(uuid);
	if ((rc = tr_resource_detect_into(r, c->detectors)) ||
	    (rc = build_detectors(r, c, &conflict)) ||
	    (rc = set_str(r, "service.instance.id", uuid)) ||
	    (rc = build_config(r, c, &conflict)))
		goto fail;
	if (conflict)
		tr_log(TRACING_LOG_WARN, "resource: schema URLs differ, the "
		    "resource has none");
	if (tr_attrs_find(&r->attrs, "service.name", 12) == NULL) {
		(void)snprintf(buf, sizeof(buf), "unknown_service:%s",
		    exe_name(exe, sizeof(exe)));
		if ((rc = set_str(r, "service.name", buf)) != TRACING_OK)
			goto fail;
	}
	sn = tr_attrs_find(&r->attrs, "service.instance.id", 19);
	r->own_instance_id = sn != NULL && sn->type == TRACING_ATTR_STRING &&
	    strcmp(sn->v.s, uuid) == 0;
	if ((rc = tr_resource_refresh_process(r)) != TRACING_OK)
		goto fail;
	return (TRACING_OK);
fail:
	tr_resource_cleanup(r);
	return (rc);
}

void
tr_resource_cleanup(struct tr_resource *r)
{
	tr_arena_cleanup(&r->arena);
	tr_free(r->pb);
	memset(r, 0, sizeof(*r));
}

/* The API: resources of the host's. */
int
tracing_resource_alloc(struct tracing_resource **out,
    const struct tracing_attr *a, size_t n, const char *schema_url)
{
	struct tracing_resource	*res;
	size_t			 i;
	int			 rc;

	if (out == NULL)
		return (TRACING_ERR_INVALID);
	*out = NULL;
	if (n > 0 && a == NULL)
		return (TRACING_ERR_INVALID);
	if ((res = tr_calloc(1, sizeof(*res))) == NULL)
		return (TRACING_ERR_NOMEM);
	tr_arena_init(&res->r.arena, NULL, 0);
	for (i = 0; i < n; i++) {
		if ((rc = tr_resource_set(&res->r, &a[i])) != TRACING_OK)
			goto fail;
	}
	if ((rc = tracing_resource_set_schema_url(res, schema_url)) !=
	    TRACING_OK)
		goto fail;
	*out = res;
	return (TRACING_OK);
fail:
	tracing_resource_free(res);
	return (rc);
}

void
tracing_resource_free(struct tracing_resource *res)
{
	if (res == NULL)
		return;
	tr_resource_cleanup(&res->r);
	tr_free(res);
}

int
tracing_resource_set(struct tracing_resource *res,
    const struct tracing_attr *a)
{
	if (res == NULL || a == NULL)
		return (TRACING_ERR_INVALID);
	return (tr_resource_set(&res->r, a));
}

int
tracing_resource_set_schema_url(struct tracing_resource *res,
    const char *url)
{
	if (res == NULL)
		return (TRACING_ERR_INVALID);
	res->r.schema_url = NULL;
	if (url == NULL || url[0] == '\0')
		return (TRACING_OK);
	if ((res->r.schema_url = tr_arena_strndup(&res->r.arena, url,
	    strlen(url))) == NULL)
		return (TRACING_ERR_NOMEM);
	return (TRACING_OK);
}

int
tracing_resource_merge(struct tracing_resource **out,
    const struct tracing_resource *old, const struct tracing_resource *upd)
{
	struct tracing_resource	*res;
	int			 rc, conflict;

	if (out == NULL)
		return (TRACING_ERR_INVALID);
	*out = NULL;
	if ((rc = tracing_resource_alloc(&res, NULL, 0, NULL)) != TRACING_OK)
		return (rc);
	conflict = 0;
	if ((old != NULL &&
	    (rc = tr_resource_merge_into(&res->r, &old->r, &conflict))) ||
	    (upd != NULL &&
	    (rc = tr_resource_merge_into(&res->r, &upd->r, &conflict)))) {
		tracing_resource_free(res);
		return (rc);
	}
	*out = res;
	return (conflict ? TRACING_ERR_INVALID : TRACING_OK);
}

size_t
tracing_resource_attr_count(const struct tracing_resource *res)
{
	return (res != NULL ? res->r.attrs.count : 0);
}

int
tracing_resource_attr_at(const struct tracing_resource *res, size_t i,
    struct tracing_attr *out)
{
	if (out == NULL)
		return (TRACING_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	if (res == NULL || i >= res->r.attrs.count)
		return (TRACING_ERR_INVALID);
	tr_attr_view(&res->r.attrs.a[i], out);
	return (TRACING_OK);
}

int
tracing_resource_get(const struct tracing_resource *res, const char *key,
    struct tracing_attr *out)
{
	const struct tr_attr	*a;

	if (out == NULL)
		return (TRACING_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	if (res == NULL || key == NULL ||
	    (a = tr_attrs_find(&res->r.attrs, key, strlen(key))) == NULL)
		return (TRACING_ERR_INVALID);
	tr_attr_view(a, out);
	return (TRACING_OK);
}

const char *
tracing_resource_schema_url(const struct tracing_resource *res)
{
	return (res != NULL ? res->r.schema_url : NULL);
}

int
tracing_resource_detect(struct tracing_resource **out, unsigned int which)
{
	int	rc;

	if ((rc = tracing_resource_alloc(out, NULL, 0, NULL)) != TRACING_OK)
		return (rc);
	if ((rc = tr_resource_detect_into(&(*out)->r, which)) != TRACING_OK) {
		tracing_resource_free(*out);
		*out = NULL;
	}
	return (rc);
}
