/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Between plan.c (images) and plan-unit.c (units); not for users of plan.h. */

#include "image-open.h"
#include "plan.h"
#include "profile.h"
#include "unit-extract.h"
#include "unit-rules.h"

/* Sets plan->refused from the format (with %m for error) and logs it once. 0, or -ENOMEM. */
int plan_refuse(ImagePlan *plan, int error, const char *fmt, ...) _printf_(3, 4);

/* What plan_unit() decides with besides the image's plan: the host's facts and this run's, read
 * by the planner beforehand. plan_unit() does no I/O of its own (what the rules ask of the host
 * goes through rules->host_state, callbacks the caller gives). */
typedef struct PlanUnitInput {
        char *const *host_units;        /* the host's unit names, sorted (host-units.h); NULL: none */
        char ***claimed;                /* units attached from earlier images; an attached unit is added */
        bool *verity_dropin_planned;    /* the verification drop-ins of the image and its extensions
                                         * are planned (once per image) */
        const char *output_dir;         /* as units name it; NULL: PLAN_OUTPUT_DIR_DEFAULT */
        bool host_has_etc_os_release;   /* what the host's os-release is bound from */
        bool host_has_usr_os_release;
        const PlannerProfile *profile;  /* the image's profile */
        bool enable;                    /* [Install] links are planned */
        const UnitRuleContext *rules;   /* what the rules check units against (unit_check_rules());
                                         * units in rules->own_units have passed them, with it */
} PlanUnitInput;

/* Plans unit u of plan's image, appended to plan->units: skipped with a reason (the host or an
 * earlier image has it, or it asks for more than the profile allows), or its drop-ins, unit file
 * and [Install] links. Claims the name in *in->claimed when it is attached. */
int plan_unit(const PlanUnitInput *in, ImagePlan *plan, const ImageUnit *u);

void planned_unit_done(PlannedUnit *u);

/* Appends a file to u; takes name, text and link_target (-ENOMEM if name is NULL, or text and
 * link_target both are: a failed strdup()). */
int planned_unit_add_file(PlannedUnit *u, char *name, char *text, char *link_target);
/* The same for a directory of that mode. */
int planned_unit_add_dir(PlannedUnit *u, char *name, mode_t mode);

/* Opens raw image i (open at image_fd, or -EBADF; probed) into root from verified data only, under
 * policy and pin: what a user-space reader reads verified block by block, else the verified copy,
 * mounted. 0 when opened; > 0 (an errno) when refused, *ret_why saying why ("verification failed:
 * ..."); -ENOMEM; other errors of opening the verified data. */
int plan_open_verified(Planner *p, const DiscoveredImage *i, int image_fd, const RawProbe *probe, VerityPolicy policy,
                       const VerityPin *pin, char *const *bind_targets, ImageRoot *root, char **ret_why);

/* Whether v->root_image, the verified copy of image_path under VERITY_MODE_SNAPSHOT, is that of
 * another image of the same file name planned in this run (*ret_other, its path): both would write
 * it. Images planned claim theirs (image_plan()). */
bool plan_snapshot_taken(const Planner *p, const VerityPlan *v, const char *image_path, const char **ret_other);

/* systemd_version() of the host, read once per run when first needed (0: not known). */
int planner_systemd_version(Planner *p);

/* Which file systems are local (fs-type.h), read once per run when first needed; NULL if it cannot
 * be read: then none counts as local. */
const MountTable *planner_mounts(Planner *p);

/* Why an image or extension that image_root_open() and the like failed on (error < 0, not
 * -ENOMEM) is refused: a fixed text, or one made in buf. */
#define PLAN_OPEN_WHY_MAX 256
const char *plan_open_why(int error, char buf[static PLAN_OPEN_WHY_MAX]);

/* Refuses the image for this run: portables-prepare.service reads it (1, or -ENOMEM). */
int plan_defer(Planner *p, ImagePlan *plan, const char *why);

/* The extensions of an image while it is read (plan-extensions.c): their roots, and the stack
 * (image-fs.h) the readers see, the image's root first. */
typedef struct ExtensionStack {
        ImageRoot *roots;
        size_t n_roots;
        ImageFS *layers;        /* n_roots + 1 */
        ImageFS fs;             /* the stack, or the base alone */
} ExtensionStack;

void extension_stack_done(ExtensionStack *s);
void planned_extension_done(PlannedExtension *e);

/* Finds, opens and checks (extension-release.h) the extensions plan->settings names, over base
 * (the image's root; plan->os_release read from it), into plan->extensions and s. 0: s->fs is
 * what the readers get; 1: refused (plan->refused names the extension, the file and the check
 * that failed); -ENOMEM. */
int plan_extensions(Planner *p, ImagePlan *plan, const ImageFS *base, ExtensionStack *s);
