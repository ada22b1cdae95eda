/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "plan.h"

/* What a planned service will run as and what it mounts, read from the files the generator writes
 * for it, in the order systemd applies them: the unit, then its drop-ins sorted by file name
 * (00-image-*, 10-profile.conf, 20-portable.conf). Drop-ins the host adds in /etc or /run come
 * later still and are not seen here. */

typedef struct UnitInfo {
        char *user;                     /* User=, NULL if unset (root) */
        char *group;                    /* Group= */
        int dynamic_user;               /* DynamicUser=, -1 if unset */
        char **supplementary_groups;
        int mount_apivfs;               /* MountAPIVFS=, -1 if unset (on: we always set a root) */
        int private_tmp;                /* PrivateTmp=, -1 if unset (off) */
        char **bind_targets;            /* where BindPaths=/BindReadOnlyPaths= mount, in the service's root */
} UnitInfo;

void unit_info_done(UnitInfo *i);

/* Only services have users and mounts: for other types ret is left empty. */
int unit_info_from_plan(const PlannedUnit *u, UnitInfo *ret);
