/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"
#include "names.h"

/* Profiles: directories named like the profile in /etc/systemd/portable/profile,
 * /run/systemd/portable/profile, /usr/local/lib/systemd/portable/profile and
 * /usr/lib/systemd/portable/profile (first wins, as for systemd's portablectl), or an absolute
 * directory, holding "<unit type>.conf" drop-ins (service.conf, socket.conf, ...). */

typedef struct Profile {
        char *name;
        char *dir;              /* host path of the profile directory */
        char *texts[_UNIT_TYPE_MAX];    /* content of TYPE.conf, NULL if the profile has none */
} Profile;

void profile_done(Profile *p);

/* -ENOENT: no such profile. -ENOMEDIUM: the profile has no service.conf (a profile that does not
 * sandbox services is no profile: refused rather than run without one). */
int profile_load(const Context *c, const char *name, Profile *ret);
