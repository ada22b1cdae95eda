/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* Names of images and units. */

#define IMAGE_NAME_MAX 255
#define UNIT_NAME_MAX 256

/* A file name an image may have in a portables directory: printable UTF-8, no "/", not hidden
 * (leading "."), not "." or "..", at most 255 bytes. */
bool image_filename_is_valid(const char *filename);

/* Splits "NAME[_VERSION][.raw]" (for a directory pass is_raw=false: no suffix is stripped).
 * NAME is everything before the first "_", VERSION what follows (NULL if there is no "_").
 * -EINVAL if NAME would be empty or the name is invalid. */
int image_name_parse(const char *filename, bool is_raw, char **ret_name, char **ret_version);

/* The unit types images may carry. */
typedef enum UnitType {
        UNIT_SERVICE,
        UNIT_SOCKET,
        UNIT_TARGET,
        UNIT_TIMER,
        UNIT_PATH,
        _UNIT_TYPE_MAX,
        _UNIT_TYPE_INVALID = -22,
} UnitType;

const char *unit_type_to_string(UnitType t);
UnitType unit_type_from_string(const char *s);

/* Validity as systemd checks it (unit_name_is_valid(UNIT_NAME_ANY)): [a-zA-Z0-9:-_.\@] characters,
 * a known suffix, at most one "@", a non-empty prefix. Returns the type, or _UNIT_TYPE_INVALID
 * for names that are not valid units of one of the types above. */
UnitType unit_name_type(const char *name);
/* As unit_name_type(), for a unit of any type systemd knows (device, mount, slice, ...): names a
 * unit may mention in its dependencies. */
bool unit_name_is_valid_any(const char *name);
bool unit_name_is_template(const char *name);   /* foo@.service */
bool unit_name_is_instance(const char *name);   /* foo@bar.service */

/* foo@.service + bar -> foo@bar.service. */
int unit_name_replace_instance(const char *template, const char *instance, char **ret);
/* foo@bar.service -> foo@.service */
int unit_name_template(const char *name, char **ret);
bool unit_instance_is_valid(const char *instance);

/* Portable prefix matching, as systemd's portable code does: name starts with prefix, followed by
 * "-", ".", "@" or nothing more of the name stem. */
bool unit_name_matches_prefix(const char *name, const char *prefix);
/* A valid prefix: a non-empty string of unit name characters without "@". */
bool portable_prefix_is_valid(const char *prefix);
