/* SPDX-License-Identifier: Apache-2.0 */
/*
 * route.c: matching request paths against route patterns such as
 * "/v1/orders/:id". Pure C, so the unit tests use it directly.
 */

#include <ctype.h>
#include <string.h>

#include "route.h"

/*
 * Matches path against pattern segment by segment; ":name" segments capture
 * 1 to 95 characters of [A-Za-z0-9_-]. Returns 1 on a match.
 */
int
svc_route_match(const char *pattern, const char *path, struct svc_match *m)
{
	const char	*p, *s;
	size_t		len;

	memset(m, 0, sizeof(*m));
	p = pattern;
	s = path;

	while (*p != '\0' && *s != '\0') {
		if (*p == ':') {
			while (*p != '\0' && *p != '/')
				p++;
			len = 0;
			while (s[len] != '\0' && s[len] != '/') {
				if (!isalnum((unsigned char)s[len]) &&
				    s[len] != '-' && s[len] != '_')
					return (0);
				len++;
			}
			if (len == 0 || len >= sizeof(m->params[0]) ||
			    m->nparams == SVC_PARAMS_MAX)
				return (0);
			memcpy(m->params[m->nparams], s, len);
			m->params[m->nparams][len] = '\0';
			m->nparams++;
			s += len;
			continue;
		}
		if (*p != *s)
			return (0);
		p++;
		s++;
	}

	return (*p == '\0' && *s == '\0');
}

