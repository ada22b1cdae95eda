/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "image-fs.h"
#include "unit-extract.h"

typedef struct PlannedUnit PlannedUnit;   /* plan.h */

/* A service's own user in its sandbox. Under a profile with DynamicUser=yes a service runs as a
 * dynamic user (uid 61184..65519, picked by systemd at start), but in its sandbox names resolve
 * through the image's /etc/passwd and /etc/group, where its user ("mosquitto") has the image's
 * uid: chown to it, setuid to it, getpwuid(getuid()) fail. So the sandbox gets files of its own on
 * /etc/passwd and /etc/group: the image's, with that user's line giving the dynamic uid and gid.
 *
 *  - The generator writes templates into its output directory (hidden: no unit loader reads
 *    them): USERMAP_TEMPLATE_DIR/UNIT/passwd (the image's, filtered, account-text.h, without the
 *    user's line), .../group (the image's, filtered), .../user (the user's own line, or empty).
 *  - It also writes portables-usermap@UNIT.service, which the service requires and is ordered
 *    after: with DynamicUser=yes and the service's User=, it runs as the very user the service
 *    gets (systemd shares a dynamic user between units of the same User= while either runs), and
 *    "portables-usermap setup UNIT USER" writes the final files, with its own uid and gid, into
 *    its RuntimeDirectory=, USERMAP_RUNTIME_DIR/UNIT/. No command runs with privileges: a "+"
 *    command of a RootImage= service would run in the image, as root.
 *  - The service's 20-portable.conf binds them on the image's files. The helper stops with the
 *    service (PartOf=, StopWhenUnneeded=), and its directory is removed.
 *
 * Only for files the image has (a bind mount onto a missing file would fail, or create it in a
 * directory image), only for services whose user is known before start (unit-identity.h), and not
 * for templates or names with ':' or '\\'. */

#define USERMAP_TEMPLATE_DIR ".portables-users"
#define USERMAP_RUNTIME_DIR "/run/portables-users"
#define USERMAP_BINARY LIBEXECDIR "/portables/portables-usermap"
#define USERMAP_HELPER_PREFIX "portables-usermap@"
/* What the templates of one image's services may add up to: each service gets a copy, and an
 * image may have IMAGE_UNITS_MAX of them. Services beyond it keep the image's files. */
#define USERMAP_IMAGE_BYTES_MAX (8U * 1024U * 1024U)

typedef struct ImageUsermap {
        bool enabled;           /* a profile with DynamicUser=yes, and the image has passwd or group */
        char *passwd, *group;   /* the image's, filtered (account_text_filter()); NULL: it has none */
        char *image_path;       /* for log messages */
        size_t bytes;           /* of the templates planned so far */
        char **units;           /* the services they are planned for */
} ImageUsermap;

void image_usermap_done(ImageUsermap *m);

/* Reads what the image's services need: their profile (profile_dynamic_user as in PlannerProfile)
 * and whether they are trusted decide whether they get
 * their own files at all. Files that cannot be read are logged (image_path names the image) and
 * left alone. 0 or -ENOMEM. */
int image_usermap_read(const ImageFS *fs, const char *image_path, int profile_dynamic_user, bool trusted,
                       const ImageUnits *units, ImageUsermap *ret);

/* For service u: the templates (PlannedFile names relative to the output directory) added to pu,
 * within USERMAP_IMAGE_BYTES_MAX for the image, and recorded in m. */
int unit_usermap_files(ImageUsermap *m, const ImageUnit *u, PlannedUnit *pu);

/* For service u, if unit_usermap_files() planned its templates: the lines of its
 * 20-portable.conf (in [Service], which they end in too), appended to *text. */
int unit_usermap_dropin(const ImageUsermap *m, const ImageUnit *u, char **text);
