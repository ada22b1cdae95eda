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
 *  - The service's 20-portable.conf runs, with full privileges, before all its other commands,
 *    "portables-usermap setup %n USER UNIT", which writes the final files into
 *    USERMAP_RUNTIME_DIR/%n/ once systemd has realized the dynamic user, binds them on the
 *    image's files, and removes them again after the service stopped.
 *
 * Only for files the image has (a bind mount onto a missing file would fail, or create it in a
 * directory image), and only for services whose user is known before start (unit-identity.h). */

#define USERMAP_TEMPLATE_DIR ".portables-users"
#define USERMAP_RUNTIME_DIR "/run/portables-users"
#define USERMAP_BINARY LIBEXECDIR "/portables/portables-usermap"
/* What the templates of one image's services may add up to: each service gets a copy, and an
 * image may have IMAGE_UNITS_MAX of them. Services beyond it keep the image's files. */
#define USERMAP_IMAGE_BYTES_MAX (8U * 1024U * 1024U)

typedef struct ImageUsermap {
        bool enabled;           /* a profile with DynamicUser=yes, and the image has passwd or group */
        char *passwd, *group;   /* the image's, filtered (account_text_filter()); NULL: it has none */
        char *profile_text;     /* the profile's service.conf: its ExecCondition= come before ours */
        char *image_path;       /* for log messages */
        size_t bytes;           /* of the templates planned so far */
        char **units;           /* the services they are planned for */
} ImageUsermap;

void image_usermap_done(ImageUsermap *m);

/* Reads what the image's services need: their profile (profile_dynamic_user as in PlannerProfile,
 * profile_text its service.conf, may be NULL) and whether they are trusted decide whether they get
 * their own files at all. Files that cannot be read are logged (image_path names the image) and
 * left alone. 0 or -ENOMEM. */
int image_usermap_read(const ImageFS *fs, const char *image_path, int profile_dynamic_user, bool trusted,
                       const char *profile_text, const ImageUnits *units, ImageUsermap *ret);

/* For service u: the templates (PlannedFile names relative to the output directory) added to pu,
 * within USERMAP_IMAGE_BYTES_MAX for the image, and recorded in m. */
int unit_usermap_files(ImageUsermap *m, const ImageUnit *u, PlannedUnit *pu);

/* For service u, if unit_usermap_files() planned its templates: the [Service] lines of its
 * 20-portable.conf, appended to *text. */
int unit_usermap_dropin(const ImageUsermap *m, const ImageUnit *u, char **text);
