/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"

/* The names below /run and /var/lib, /var/cache, /var/log that the host's own services use, and
 * the identities they run as, read from the host's unit files (RuntimeDirectory=, StateDirectory=,
 * CacheDirectory=, LogsDirectory=, ConfigurationDirectory=, PIDFile=, Listen*=, User=, Group=) and
 * tmpfiles.d. They are the host's even while they do not exist (a service creates its /run
 * directory when it starts, maybe after an image's unit would have taken it), so an image's units
 * may not use them. Unit drop-ins are not read: a drop-in that adds a name is missed. Read on first
 * use, once per run. */

typedef struct HostNames {
        char **run;             /* first components below /run */
        char **var;             /* first components below /var/lib, /var/cache, /var/log */
        char **identities;      /* User=, Group= of host units, and the units' names without type
                                 * (a dynamic user's default name) */
} HostNames;

void host_names_done(HostNames *n);
int host_names_load(const Context *c, HostNames *ret);
