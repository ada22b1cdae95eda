/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-fs.h"

/* An extension image's extension-release file, and whether it fits the image it extends, as
 * systemd 252 decides it (src/shared/extension-release.c, extension_release_validate(), with the
 * scope "portable" that portablectl attach --extension= and ExtensionImages= ask for):
 *
 *  - /usr/lib/extension-release.d/extension-release.NAME must exist, NAME the extension's file
 *    name without ".raw" (what PID1 derives from the path given in ExtensionImages=); systemd's
 *    fallback to a single other file there marked with the xattr user.extension-release.strict=0
 *    is not taken (a packed tree holds no xattrs): such an image is refused, its file must be
 *    renamed;
 *  - SYSEXT_SCOPE=, if set, must name "portable" (unset: "system portable");
 *  - ARCHITECTURE=, if set and not "_any", must be this machine's (systemd's names: "x86-64");
 *  - ID= must be set, and be "_any" (then nothing else is compared) or the base's ID=;
 *  - if the base has neither VERSION_ID= nor SYSEXT_LEVEL=, that is all (a rolling release);
 *  - if both have SYSEXT_LEVEL=, they must be equal; else if the base has VERSION_ID=, the
 *    extension's VERSION_ID= must be set and equal.
 *
 * Systemd skips an extension whose release data does not match; here the image is refused. */

#define EXTENSION_RELEASE_DIR "/usr/lib/extension-release.d"

/* The extension-release file name of an extension whose file name is filename:
 * "extension-release.foo-ext_1" for "foo-ext_1.raw" and for the directory "foo-ext_1". */
char *extension_release_file_name(const char *filename);

/* Reads the extension's release file (its fields, and its path inside the extension). -ENOENT if
 * there is none, -EBADMSG if it cannot be parsed, as image_fs_read_file() otherwise. */
int extension_release_read(const ImageFS *fs, const char *filename, char ***ret_fields, char **ret_path);

/* 0 if release fits base (the base image's os-release) on a machine of architecture arch
 * (vpick_native_architecture()); 1 if not, with *ret_reason saying which check failed (the field
 * and both values); -ENOMEM. */
int extension_release_check(char *const *release, char *const *base, const char *arch, char **ret_reason);
