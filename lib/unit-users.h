/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "accounts.h"
#include "sysusers.h"
#include "unit-extract.h"

/* Under a profile without DynamicUser=yes (trusted), a service runs as its User= on the host, and
 * fails with 217/USER if the host has no such user. Debian's packages create their users in
 * maintainer scripts, so the image's /etc/passwd has them and its sysusers.d does not: for each
 * User= of the image's services that neither the host nor the image's sysusers.d has, a
 * sysusers.d line from the image's /etc/passwd entry: "u NAME UID[:GID] - HOME", with the image's
 * uid (and its group's gid, if the group is named as the user) where the host has no account of
 * that id, else "-" (systemd-sysusers picks one). The lines go through sysusers_parse() and the
 * host check like the image's own.
 *
 * Returns 0 with *ret_text (NULL: nothing to add), or 1 with *ret_missing naming the first user
 * that is nowhere ("unit: user"), <0 on errors. */
int unit_users_from_image(const ImageUnits *units, int profile_dynamic_user, const HostAccounts *image,
                          const HostAccounts *host, const Sysusers *s, char **ret_text, char **ret_missing);
