/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-fs.h"
#include "unit-extract.h"
#include "unit-rules.h"

/* What an unmodified package's service needs from its sandbox that its unit does not say.
 *
 * A distribution's unit is written for a writable root: the package's directories under /var/lib,
 * /var/cache, /var/log and /run are there, and the daemon writes into them (nginx creates
 * /var/lib/nginx/body, mosquitto's log goes to /var/log/mosquitto). In a read-only image they
 * are not writable, so they become the service's own StateDirectory=, CacheDirectory=,
 * LogsDirectory= and RuntimeDirectory= (on the host, owned by its user, bound onto the image's
 * directory), when the image shows that they are the package's:
 *
 *  - a directory BASE/NAME in the image (BASE /var/lib, /var/cache, /var/log, /run), or for /run
 *    a "d"/"D" line of the image's tmpfiles.d, or the directory of the unit's PIDFile=;
 *  - that belongs to one service of the image: the one whose PIDFile= is in /run/NAME/, else the
 *    one named NAME (NAME.service, NAME@.service), else the one whose unit names the path
 *    BASE/NAME, else the one whose name starts with "NAME-" (redis-server for /var/lib/redis); of
 *    equals a unit before a template; another tie gives it to none;
 *  - that no unit of the image declares already, and below which the unit binds nothing (the
 *    service owns the directory: the service manager must not create mount points in it);
 *  - and that the host lets the image have, as if the unit had declared it (unit-rules.h's
 *    UnitRuleHost: in the image's name space, not the host's or another image's).
 *
 * The directory on the host starts empty: the image's content there (usually none) is hidden.
 *
 * Every service also gets a /run of its own that it can write (a tmpfs, mode 1777, made afresh for
 * each of its commands, like the /run that MountAPIVFS= gives a RootImage= service, which only
 * root can write). A PIDFile= directly in /run (nginx: /run/nginx.pid) is in that /run, which the
 * service manager does not see: it is reset, so that systemd finds the main process itself. */

/* While the image's root is open: fills derived_dirs and pid_file_reset of its services. */
int unit_adapt_derive(const ImageFS *fs, ImageUnits *units);

/* The drop-in lines for u (for its [Service] section), appended to *text: the derived directories
 * that h allows (NULL: all), the /run of its own, the PIDFile= reset. image_path for log messages. */
int unit_adapt_text(const ImageUnit *u, const UnitRuleHost *h, const char *image_path, char **text);

/* The destinations of the BindPaths= and BindReadOnlyPaths= of one unit file or drop-in text,
 * added to *targets (the extraction cache records which of them exist). */
int unit_text_bind_targets(const char *text, const char *filename, char ***targets);

/* For a read-only image: sets refused of each service whose own BindPaths=/BindReadOnlyPaths=
 * destinations are missing where the service manager cannot create them (haproxy's
 * /var/lib/haproxy/dev/log), naming them. Call after unit_adapt_derive(). */
int unit_adapt_check_mount_points(const ImageFS *fs, ImageUnits *units);

/* The host directories ("/var/lib/NAME", ...) of every service's derived_dirs, added to *paths:
 * the rules refuse bind mounts below them (unit-rules.h, writable_dirs). */
int unit_adapt_derived_paths(const ImageUnits *units, char ***paths);
