/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>

#include "escape.h"
#include "etc-copy.h"
#include "exec-dirs.h"
#include "log.h"
#include "plan-etc.h"
#include "string-util.h"
#include "strv.h"
#include "unit-identity.h"

#define PRIVATE_DIR ".portables-private"

static bool profile_copies(const ImagePlan *plan, const PlannerProfile *pp) {
        return pp->dynamic_user == 1 && !streq(plan->profile, "trusted");
}

int plan_etc_read(ImagePlan *plan, const PlannerProfile *pp, const ImageFS *fs, const ImageUnits *units) {
        bool any_service = false;
        int r;

        assert(plan);
        assert(pp);
        assert(fs);
        assert(units);

        if (!profile_copies(plan, pp))
                return 0;
        for (size_t k = 0; k < units->n_units; k++)
                if (units->units[k].type == UNIT_SERVICE)
                        any_service = true;
        if (!any_service)
                return 0;

        r = image_etc_read(fs, &plan->etc);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug_errno(r, "Image %s: its /etc cannot be looked at for files only its users may read: %m",
                                plan->image->path);
                return 0;
        }
        if (plan->etc.n_trees == 0 && !plan->etc.overflow)
                return 0;

        r = image_accounts_load(fs, &plan->accounts);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                log_debug_errno(r, "Image %s: its /etc/passwd or /etc/group cannot be read: %m", plan->image->path);
        return 0;
}

/* Whether a and b are the same path or one is below the other. */
static bool path_overlaps(const char *a, const char *b) {
        size_t n = MIN(strlen(a), strlen(b));

        return strneq(a, b, n) && IN_SET(a[n], 0, '/') && IN_SET(b[n], 0, '/');
}

/* What a unit file may name in a path as it is: the names the listing has, "/" between them. */
static bool path_plain(const char *p) {
        if (p[0] != '/')
                return false;
        for (const char *c = p + 1; *c; ) {
                const char *e = strchrnul(c, '/');
                _cleanup_free_ char *n = strndup(c, e - c);

                if (!n || !etc_name_valid(n))
                        return false;
                c = *e ? e + 1 : e;
        }
        return true;
}

static int tree_conflicts(const PlannerProfile *pp, const ImageUnit *u, const char *path, const char **ret_what) {
        _cleanup_strv_free_ char **dirs = NULL;
        ImageUnits one = { .units = (ImageUnit *) u, .n_units = 1 };
        int r;

        STRV_FOREACH(q, pp->protected_paths)
                if (path_overlaps(*q, path)) {
                        *ret_what = "the profile binds";
                        return 1;
                }
        r = exec_dirs_needed(&one, &dirs);
        if (r < 0)
                return r;
        STRV_FOREACH(q, dirs)
                if (path_overlaps(*q, path)) {
                        *ret_what = "ConfigurationDirectory= binds";
                        return 1;
                }
        return 0;
}

static int add_tree(PlannedUnit *pu, const char *base, const EtcCopy *c) {
        const EtcTree *t = c->tree;
        int r;

        for (size_t k = 0; k < t->n_entries; k++) {
                const EtcEntry *e = t->entries + k;
                _cleanup_free_ char *name = NULL;

                if (!c->take[k])
                        continue;
                /* "/etc/redis/redis.conf" -> BASE/redis/redis.conf */
                name = strjoin(base, e->path + strlen("/etc"));
                if (!name)
                        return -ENOMEM;
                if (e->type == 'd')
                        r = planned_unit_add_dir(pu, TAKE_PTR(name), 0755);
                else if (e->type == 'l')
                        r = planned_unit_add_file(pu, TAKE_PTR(name), /* text= */ NULL, strdup(e->target));
                else {
                        PlannedFile *f;

                        r = planned_unit_add_file(pu, TAKE_PTR(name), strdup(e->content), /* link_target= */ NULL);
                        if (r < 0)
                                return r;
                        f = pu->files + pu->n_files - 1;
                        f->mode = e->mode & 0111 ? 0755 : 0644;
                        f->copy_of = strdup(e->path);
                        if (!f->copy_of)
                                return -ENOMEM;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int plan_etc_copies(const Planner *p, ImagePlan *plan, const PlannerProfile *pp, const ImageUnit *u,
                    PlannedUnit *pu, char **ret_binds) {
        _cleanup_free_ char *user = NULL, *base = NULL, *binds = NULL;
        const char *out = p->output_dir ?: PLAN_OUTPUT_DIR_DEFAULT, *img = plan->image->path;
        EtcCopy *copies = NULL;
        size_t n_copies = 0;
        bool dynamic;
        int r;

        assert(ret_binds);

        *ret_binds = NULL;
        if (u->type != UNIT_SERVICE || !profile_copies(plan, pp) || (plan->etc.n_trees == 0 && !plan->etc.overflow))
                return 0;

        r = unit_service_identity(u, pp->dynamic_user, &user, &dynamic);
        if (r < 0)
                return r;
        if (!user || !dynamic || !host_account_by_name(plan->accounts.users, plan->accounts.n_users, user))
                return 0;

        if (plan->etc.overflow) {
                log_notice("Image %s: its /etc has more than %u entries, not looking for files in it that unit %s's "
                           "user %s may read and its dynamic user may not: none are copied.",
                           img, ETC_SCAN_ENTRIES_MAX, u->name, user);
                return 0;
        }

        r = etc_copy_select(&plan->etc, &plan->accounts, user, &copies, &n_copies);
        if (r < 0)
                return r;

        if (n_copies > 0 && (!path_plain(out) || !etc_name_valid(u->name))) {
                log_notice("Image %s: unit %s gets no copies of the files of /etc only its user %s may read: "
                           "%s or the unit's name cannot be named in BindReadOnlyPaths=.", img, u->name, user, out);
                goto finish;
        }

        for (size_t k = 0; k < n_copies; k++) {
                const EtcCopy *c = copies + k;
                const char *path = c->tree->path, *what = NULL;

                if (c->tree->large || c->tree->unreadable || plan->etc_copied_entries + c->n_taken > ETC_COPY_ENTRIES_MAX ||
                    plan->etc_copied_bytes + c->size > ETC_COPY_BYTES_MAX) {
                        if (c->tree->unreadable)
                                log_notice("Image %s: %s cannot be read from the image, %s is not copied for unit %s "
                                           "(its user %s may read it, its dynamic user may not).",
                                           img, c->tree->unreadable, path, u->name, user);
                        else
                                log_notice("Image %s: %s is not copied for unit %s (its user %s may read it, its "
                                           "dynamic user may not): the copies of an image take at most %u entries "
                                           "and %u KiB.", img, path, u->name, user, ETC_COPY_ENTRIES_MAX,
                                           ETC_COPY_BYTES_MAX / 1024);
                        continue;
                }
                if (c->n_taken == 0) {
                        log_debug("Image %s: unit %s's user %s may read nothing of %s, not copying it.",
                                  img, u->name, user, path);
                        continue;
                }
                r = tree_conflicts(pp, u, path, &what);
                if (r < 0)
                        goto finish;
                if (r > 0) {
                        log_notice("Image %s: %s is not copied for unit %s: %s a path there.", img, path, u->name, what);
                        continue;
                }

                if (!base) {
                        base = strjoin(PRIVATE_DIR "/", u->name);
                        if (!base) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        r = planned_unit_add_dir(pu, strdup(PRIVATE_DIR), 0700);
                        if (r >= 0)
                                r = planned_unit_add_dir(pu, strdup(base), 0755);
                        if (r >= 0 && !strextend(&binds, "# Readable copies of what its user ", user, " may read in "
                                                 "the image's /etc, and its dynamic user may not:\n"))
                                r = -ENOMEM;
                        if (r < 0)
                                goto finish;
                }
                r = add_tree(pu, base, c);
                if (r < 0)
                        goto finish;

                {
                        _cleanup_free_ char *line = strjoin("BindReadOnlyPaths=", out, "/", base,
                                                            path + strlen("/etc"), ":", path);
                        _cleanup_free_ char *esc = line ? unit_escape_specifiers(line) : NULL;

                        if (!esc || !strextend(&binds, esc, "\n")) {
                                r = -ENOMEM;
                                goto finish;
                        }
                }
                plan->etc_copied_entries += c->n_taken;
                plan->etc_copied_bytes += c->size;
                log_debug("Image %s: unit %s gets a readable copy of %s (%zu entries, %zu bytes).",
                          img, u->name, path, c->n_taken, c->size);
        }

        *ret_binds = TAKE_PTR(binds);
        r = 0;
finish:
        etc_copies_free(copies, n_copies);
        return r;
}
