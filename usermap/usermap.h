/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* portables-usermap: a service's own /etc/passwd and /etc/group (lib/unit-usermap.h), made by
 * portables-usermap@UNIT.service, which the generator writes for each such service: it runs as the
 * service's user (DynamicUser= with the same User=: the same dynamic user while either runs), so
 * that getuid() is the uid the service gets, and writes into its RuntimeDirectory=,
 * USERMAP_RUNTIME_DIR/UNIT. No privileges. Host paths are below c's root (PORTABLES_ROOT, tests). */

/* Writes $RUNTIME_DIRECTORY/{passwd,group} for unit, whose user is user, from the templates the
 * generator wrote for it, with our uid and gid as user's. */
int usermap_setup(const Context *c, const char *unit, const char *user);
