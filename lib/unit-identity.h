/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "unit-extract.h"

/* The user a service of an image runs as in its sandbox, as systemd 252 derives it: the last
 * User= of the unit and its drop-ins (an empty one resets it); with DynamicUser=yes and no User=,
 * the unit name's prefix ("foo" for foo.service and foo@bar.service), as user_from_unit_name()
 * has it. DynamicUser= is the profile's if the profile sets it (its drop-in comes after the
 * image's), else the unit's.
 *
 * *ret_user is NULL when the service runs as root, or when the name is not known before start
 * (specifiers, a numeric id, a name systemd would replace by a hashed "_du..." one): nothing is
 * derived from such a name. */
int unit_service_identity(const ImageUnit *u, int profile_dynamic_user, char **ret_user, bool *ret_dynamic);
