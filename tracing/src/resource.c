/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resource.c: the resource every span is exported with: detected host,
 * OS, process and SDK attributes, then OTEL_RESOURCE_ATTRIBUTES, then the
 * host's programmatic attributes, then OTEL_SERVICE_NAME (which wins over
 * all). It is encoded to protobuf once and copied into every request.
 */

#include <sys/types.h>
#include <sys/utsname.h>

#include <errno.h>
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

/* The attributes that change in a forked child. */
int
tr_resource_refresh_process(struct tr_resource *r)
{
	struct tracing_attr	a = TRACING_ATTR_INTV("process.pid",
				    (int64_t)getpid());
	char			uuid[37];
	int			rc;

	if ((rc = tr_resource_set(r, &a)) != TRACING_OK)
		return (rc);
	if (r->own_instance_id) {
		tr_uuid4(uuid);
		if ((rc = set_str(r, "service.instance.id", uuid)) !=
		    TRACING_OK)
			return (rc);
	}
	return (tr_resource_encode(r));
}

int
tr_resource_build(struct tr_resource *r, const struct tracing_config *c)
{
	struct utsname		 u;
	const struct tr_attr	*sn;
	char			 host[256], exe[PATH_MAX], uuid[37], buf[300];
	const char		*base;
	ssize_t			 n;
	size_t			 i;
	int			 rc;

	memset(r, 0, sizeof(*r));
	tr_arena_init(&r->arena, NULL, 0);

	exe[0] = '\0';
	if ((n = readlink(SELF_EXE, exe, sizeof(exe) - 1)) > 0)
		exe[n] = '\0';
	else
		exe[0] = '\0';
	base = strrchr(exe, '/') != NULL ? strrchr(exe, '/') + 1 : exe;
	if (base[0] == '\0')
		base = PROGNAME;

	tr_uuid4(uuid);
	if ((rc = set_str(r, "telemetry.sdk.name", TRACING_SDK_NAME)) ||
	    (rc = set_str(r, "telemetry.sdk.language", "c")) ||
	    (rc = set_str(r, "telemetry.sdk.version", TRACING_VERSION)) ||
	    (rc = set_str(r, "service.instance.id", uuid)) ||
	    (rc = set_str(r, "os.type", OS_TYPE)) ||
	    (rc = set_str(r, "process.executable.name", base)))
		goto fail;
#if defined(__GLIBC__)
	if ((rc = set_str(r, "process.runtime.name", "glibc")) ||
	    (rc = set_str(r, "process.runtime.version",
	    gnu_get_libc_version())) ||
	    (rc = set_str(r, "process.runtime.description",
	    "GNU C Library")))
		goto fail;
#endif
	if (exe[0] != '\0' &&
	    (rc = set_str(r, "process.executable.path", exe)) != TRACING_OK)
		goto fail;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		if ((rc = set_str(r, "host.name", host)) != TRACING_OK)
			goto fail;
	}
	if (uname(&u) == 0) {
		if ((rc = set_str(r, "host.arch", arch_name(u.machine))) ||
		    (rc = set_str(r, "os.description", u.release)))
			goto fail;
	}
	if ((rc = tr_kvlist_parse(c->resource_env, "OTEL_RESOURCE_ATTRIBUTES",
	    env_attr, r)) != TRACING_OK)
		goto fail;
	for (i = 0; i < c->nrattrs; i++) {
		if ((rc = tr_resource_set(r, &c->rattrs[i])) != TRACING_OK)
			goto fail;
	}
	if (c->service_name != NULL &&
	    (rc = set_str(r, "service.name", c->service_name)) != TRACING_OK)
		goto fail;
	if (tr_attrs_find(&r->attrs, "service.name", 12) == NULL) {
		(void)snprintf(buf, sizeof(buf), "unknown_service:%s", base);
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
