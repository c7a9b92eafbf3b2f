/* SPDX-License-Identifier: Apache-2.0 */
/*
 * identity.c: who this process is: the service's name ("service" until
 * svc_init names it), which the spans, the logs, the answers and the fault
 * and auth settings are keyed by, and the Kore parent of its workers
 * (kore_parent_configure records it; the workers' tick stops them when it
 * is gone).
 */

#include <sys/types.h>

#include "svc_identity.h"

static const char	*service = "service";
static pid_t		 parent;

const char *
svc_name(void)
{
	return (service);
}

/* Borrowed: name must outlive the process (a string literal). */
void
svc_name_set(const char *name)
{
	service = name;
}

pid_t
svc_parent(void)
{
	return (parent);
}

void
svc_parent_set(pid_t pid)
{
	parent = pid;
}
