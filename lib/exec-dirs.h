/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "unit-extract.h"

/* Mount points of a service's StateDirectory=, CacheDirectory=, LogsDirectory= and
 * ConfigurationDirectory= in a read-only image.
 *
 * systemd creates these directories on the host (/var/lib/private/NAME with DynamicUser=yes) and
 * bind mounts them onto /var/lib/NAME, /var/cache/NAME, /var/log/NAME and /etc/NAME of the image.
 * In a read-only image it cannot create a missing mount point, and the service fails at start with
 * 226/NAMESPACE ("Failed to create destination mount point node ... Read-only file system"; seen
 * with systemd 252). RuntimeDirectory= needs nothing: /run is a fresh file system. The planner
 * refuses such an image, naming each missing directory. */

typedef enum ExecDirType {
        EXEC_DIR_STATE,
        EXEC_DIR_CACHE,
        EXEC_DIR_LOGS,
        EXEC_DIR_CONFIGURATION,
        EXEC_DIR_RUNTIME,
        _EXEC_DIR_MAX,
} ExecDirType;

/* The settings and the host directories their names are below. */
typedef struct ExecDirKind {
        const char *key;
        const char *base;
} ExecDirKind;

extern const ExecDirKind exec_dir_kinds[_EXEC_DIR_MAX];

/* The directories the image's service units (with their drop-ins) need, in order, without
 * duplicates ("/var/lib/foo", ...). */
int exec_dirs_needed(const ImageUnits *units, char ***ret);

/* Those of exec_dirs_needed() the image lacks (NULL if none). */
int exec_dirs_missing(const ImageFS *fs, const ImageUnits *units, char ***ret);

/* The roots below which the extraction cache records directories (so that a cached image is
 * checked exactly as a mounted one, and the package's directories are found: unit-adapt.h). */
extern const char *const exec_dirs_roots[];
