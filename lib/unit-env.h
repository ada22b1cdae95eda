/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-fs.h"
#include "unit-extract.h"

/* EnvironmentFile= of an image's unit, from the image.
 *
 * systemd reads EnvironmentFile= on the host, before the service's sandbox exists: a unit from an
 * image would read a host file (or miss its own). So the generator reads the file from the image
 * instead, and the unit gets its assignments as Environment= lines, after an empty
 * EnvironmentFile= that drops the host paths. Only files directly in the image's /etc/default or
 * /etc/sysconfig are read (where packages keep them; the extraction cache keeps these
 * directories); the rules refuse other paths (unit-rules.h). The file is parsed as an env file
 * (env-file.h), values with control characters are left out (logged), and a file marked optional
 * with "-" may be missing. Environment= reads specifiers and quotes, so every value is quoted and
 * its "%" doubled: the service sees the file's values exactly. */

extern const char *const unit_env_dirs[];

#define UNIT_ENVIRONMENT_MAX (64U * 1024U)

/* Whether path ("/etc/default/foo") is one the generator can carry over. */
bool unit_env_path_allowed(const char *path);

/* For each unit of units that has EnvironmentFile=: sets u->environment (the KEY=VALUE assignments,
 * in order) and u->environment_files (true), or u->environment_refused (why not: a file that is
 * neither in the image nor optional, or more than UNIT_ENVIRONMENT_MAX bytes of assignments; each
 * file counts once). Values are resolved for the unit's name as systemd would
 * (specifiers); paths the rules refuse are left to them. */
int image_units_read_environment(const ImageFS *fs, const char *image_path, ImageUnits *units);
