/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Lookups in the host's unit names, a sorted list (NULL: none), as the planner reads it once per
 * run from systemd's unit directories. No I/O here. */

/* Whether name is in the list. */
bool host_units_contains(char *const *sorted, const char *name);

/* A name in the list that is an instance of template ("foo@bar.service" for "foo@.service"), or
 * NULL: systemd applies the template's drop-ins to that unit file. */
const char *host_units_instance_of(char *const *sorted, const char *template);
