/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* portables-usermap: a service's own /etc/passwd and /etc/group (lib/unit-usermap.h), made with
 * full privileges before its sandboxed commands run, from the templates the generator wrote.
 * Every host path is below c's root (PORTABLES_ROOT, for tests). */

/* Writes USERMAP_RUNTIME_DIR/UNIT/{passwd,group} for unit (the running unit, "%n"), whose user
 * is user, from the templates of unit_file (the unit file it was loaded from: unit itself, or its
 * template), with the uid and gid systemd realized for user. */
int usermap_setup(const Context *c, const char *unit, const char *user, const char *unit_file);

/* Removes USERMAP_RUNTIME_DIR/UNIT. Not there: 0. */
int usermap_remove(const Context *c, const char *unit);
