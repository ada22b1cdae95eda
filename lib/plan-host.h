/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "plan.h"
#include "unit-rules.h"

/* What the unit rules need to know of the host for one image (UnitRuleHost): which names below
 * /run and /var/lib are the image's (its name space, not the host's, claimed), which identities
 * the host's units use, and which host units an image's unit may be ordered after. Answers that
 * read the host are kept in the planner for the run. */

typedef struct PlanHost {
        Planner *p;
        const char *image;              /* the image's name, which claims are made for */
        char *const *prefixes;          /* the name space the admin gave it */
} PlanHost;

UnitRuleHost plan_host_callbacks(PlanHost *h);
