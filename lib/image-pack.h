/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-fs.h"

/* What the planner reads of an image, packed (image-fs.h): the os-release file, the unit files and
 * drop-ins of the unit directories (masks and aliases kept as such), sysusers.d and tmpfiles.d, the
 * files EnvironmentFile= may name, /etc/passwd and /etc/group, what of /etc only the image's users
 * may read (etc-scan.h), and markers for the mount points the sandbox checks. The extraction cache
 * stores it; an image read in user space is read this way once, and the planner reads the result,
 * so that both give the same answers.
 *
 * src is a directory or a user-space tree, never a packed tree. For each of required_paths (paths
 * whose presence the caller checks, -EINVAL for one with a newline) a "CHECKED=PATH\n" line is
 * appended to *checked, and a marker added where it exists. -E2BIG when the image has more than can
 * be recorded (a partial pack would plan differently); errors of src otherwise. */
int image_pack(const ImageFS *src, PackedBuilder *b, char *const *required_paths, char **checked);
