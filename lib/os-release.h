/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-fs.h"

/* The image's os-release: /etc/os-release, else /usr/lib/os-release, resolved inside the image.
 * ret_fields gets KEY=VALUE pairs, ret_path which file it was. -ENOENT if there is none,
 * -EBADMSG if it has no ID=. */
int image_read_os_release(const ImageFS *fs, char ***ret_fields, char **ret_path);

/* The prefixes units must start with: PORTABLE_PREFIXES= words, else the image name.
 * Invalid words are logged and dropped; -EINVAL if none is left, -EBADMSG if PORTABLE_PREFIXES=
 * cannot be split into words. */
int image_prefixes(char *const *os_release, const char *image_name, const char *image_path, char ***ret);
