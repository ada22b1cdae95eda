/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-fs.h"

/* Mount points a read-only image must have for its services' sandbox.
 *
 * systemd mounts the API file systems and private /tmp onto /proc, /sys, /dev, /run, /tmp and
 * /var/tmp of the image, and bind mounts host files (BindReadOnlyPaths= of the profile, e.g.
 * /etc/machine-id, /etc/resolv.conf) onto paths in it. It cannot create a missing mount point in a
 * read-only image, and the service then fails with 226/NAMESPACE and an obscure message. So:
 *
 *  - a missing directory among /proc /sys /dev /run /tmp /var/tmp refuses the image: dropping the
 *    mount would weaken the sandbox;
 *  - a missing bind target (outside /run, /dev, /tmp, /var/tmp, /proc and /sys, which are fresh
 *    file systems where systemd creates what it needs) is left out: the generated
 *    20-portable.conf resets BindReadOnlyPaths=/BindPaths= and repeats the profile's entries
 *    without it. The service starts, without that host file.
 *
 * A symlink in the image counts as present (systemd resolves it inside the image). */

typedef struct MountPointCheck {
        char **missing_dirs;            /* refuse */
        char **missing_targets;         /* left out */
        char *override;                 /* [Service] lines for 20-portable.conf, or NULL */
} MountPointCheck;

void mount_point_check_done(MountPointCheck *m);

extern const char *const mount_point_api_dirs[];

/* The bind targets of a profile that must exist in a read-only image (those outside the fresh
 * file systems). */
int profile_bind_targets(const char *profile_service_text, char ***ret);
/* All bind targets of the profile, wherever they are. */
int profile_bind_targets_all(const char *profile_service_text, char ***ret);

/* The BindReadOnlyPaths= and BindPaths= entries of a profile's service.conf, as written, in order. */
typedef struct ProfileBinds {
        char **read_only;
        char **read_write;
} ProfileBinds;

void profile_binds_done(ProfileBinds *b);
int profile_binds_parse(const char *profile_service_text, ProfileBinds *ret);

int image_check_mount_points(const ImageFS *fs, const ProfileBinds *b, MountPointCheck *ret);
