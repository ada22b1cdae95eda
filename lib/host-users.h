/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "accounts.h"

/* The user and group names of the host's /etc/passwd and /etc/group, as the rules look them up
 * (unit-rules.h): the names of the host's accounts (accounts.h), read once per run. */
typedef struct HostUsers {
        char **users;
        char **groups;
} HostUsers;

void host_users_done(HostUsers *h);
int host_users_from_accounts(const HostAccounts *a, HostUsers *ret);
