/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between plan.c (images) and plan-unit.c (units); not for users of plan.h. */

#include "plan.h"
#include "profile.h"
#include "unit-extract.h"
#include "unit-rules.h"

/* Sets plan->refused from the format (with %m for error) and logs it once. 0, or -ENOMEM. */
int plan_refuse(ImagePlan *plan, int error, const char *fmt, ...) _printf_(3, 4);

/* Plans unit u of plan's image: skipped with a reason (host or earlier image has it, or it asks for
 * more than the profile allows), or its drop-ins, unit file and [Install] links. Claims the name in
 * p when it is attached. rc: what the rules check it against (unit_check_rules()); units in
 * rc->own_units have passed them (with that very context). */
int plan_unit(Planner *p, ImagePlan *plan, const PlannerProfile *pp, const ImageUnit *u, bool enable,
              const UnitRuleContext *rc);

void planned_unit_done(PlannedUnit *u);

/* Appends a file to u; takes name, text and link_target (-ENOMEM if name is NULL, or text and
 * link_target both are: a failed strdup()). */
int planned_unit_add_file(PlannedUnit *u, char *name, char *text, char *link_target);
/* The same for a directory of that mode. */
int planned_unit_add_dir(PlannedUnit *u, char *name, mode_t mode);
