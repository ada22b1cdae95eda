/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* The user and group names of the host's /etc/passwd and /etc/group (below the context root).
 * Read as files, never through NSS: a generator must not talk to daemons. Bounded; a missing file
 * is an empty list. */
typedef struct HostUsers {
        char **users;
        char **groups;
} HostUsers;

void host_users_done(HostUsers *h);
int host_users_load(const Context *c, HostUsers *ret);
