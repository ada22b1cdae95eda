/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between plan.c, plan-unit.c and the copies of an image's /etc trees; not for users of plan.h.
 *
 * Under a profile with DynamicUser=yes (never "trusted"), a service whose user (unit-identity.h)
 * is one of the image's /etc/passwd gets readable copies of the /etc/X trees of the image that
 * user may read and others may not (etc-copy.h): in OUTPUT/.portables-private/UNIT/X (the
 * .portables-private directory mode 0700: no host user reaches them; hidden names are no units
 * to systemd), directories 0755, files 0644 (0755 if executable), owned by root, and
 * "BindReadOnlyPaths=OUTPUT/.portables-private/UNIT/X:/etc/X" in its 20-portable.conf. All
 * copies of an image together take at most ETC_COPY_ENTRIES_MAX entries and ETC_COPY_BYTES_MAX
 * bytes; a tree beyond that, or one that would replace a path the profile or the unit's
 * ConfigurationDirectory= binds, is not copied (a notice names the image, unit and path). */

#include "plan-internal.h"

/* Reads what the copies are made of (plan->etc, plan->accounts) from the image, while it is open. */
int plan_etc_read(ImagePlan *plan, const PlannerProfile *pp, const ImageFS *fs, const ImageUnits *units);

/* Adds the copies for unit u to pu, and *ret_binds the drop-in's lines for them (NULL: none).
 * output_dir: as units name it (NULL: PLAN_OUTPUT_DIR_DEFAULT). */
int plan_etc_copies(const char *output_dir, ImagePlan *plan, const PlannerProfile *pp, const ImageUnit *u,
                    PlannedUnit *pu, char **ret_binds);
