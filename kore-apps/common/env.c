/* SPDX-License-Identifier: Apache-2.0 */
/*
 * env.c: reads the services' settings from the environment. Every setting
 * has a default; a value that does not parse or is out of range is logged
 * and replaced by the default, so a typo never takes a service down.
 */

#include <errno.h>
#include <stdlib.h>

#include <kore/kore.h>

#include "svc_env.h"

const char *
svc_env_str(const char *name, const char *def)
{
	const char	*v;

	if ((v = getenv(name)) == NULL || *v == '\0')
		return (def);
	return (v);
}

long long
svc_env_int(const char *name, long long def, long long min, long long max)
{
	const char	*v;
	char		*end;
	long long	n;

	if ((v = getenv(name)) == NULL || *v == '\0')
		return (def);

	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < min || n > max) {
		kore_log(LOG_WARNING, "%s=%s is not an integer in [%lld, %lld],"
		    " using %lld", name, v, min, max, def);
		return (def);
	}
	return (n);
}
