/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <sys/stat.h>

#include "env-file.h"
#include "escape.h"
#include "exec-dirs.h"
#include "fileio.h"
#include "image-open.h"
#include "install-section.h"
#include "log.h"
#include "names.h"
#include "os-release.h"
#include "plan.h"
#include "profile.h"
#include "string-util.h"
#include "sysusers.h"
#include "strv.h"
#include "time-util.h"
#include "unit-extract.h"
#include "sandbox-lists.h"
#include "unit-rules.h"
#include "verity-check.h"

static void planned_unit_done(PlannedUnit *u) {
        free(u->name);
        free(u->source);
        free(u->skipped);
        for (size_t i = 0; i < u->n_files; i++) {
                free(u->files[i].name);
                free(u->files[i].text);
                free(u->files[i].link_target);
        }
        free(u->files);
}

void image_plan_done(ImagePlan *p) {
        portable_settings_done(&p->settings);
        free(p->profile);
        free(p->profile_dir);
        strv_free(p->os_release);
        free(p->os_release_path);
        strv_free(p->prefixes);
        free(p->refused);
        mount_point_check_done(&p->mounts);
        verity_plan_done(&p->verity);
        sysusers_done(&p->sysusers);
        strv_free(p->sysusers_new);
        free(p->users_unit);
        strv_free(p->tmpfiles);
        for (size_t i = 0; i < p->n_units; i++)
                planned_unit_done(p->units + i);
        free(p->units);
        *p = (ImagePlan) {};
}

int planner_init(Planner *p, const Context *ctx, const PortableSettings *global, const ImageList *images,
                 const char *mount_template, ExtractCache *cache, uint64_t budget_usec) {
        bool any_raw = false;
        int r;

        *p = (Planner) {
                .ctx = ctx,
                .global = global,
                .cache = cache,
                .deadline_usec = budget_usec > 0 ? now_usec() + budget_usec : 0,
                .kernel_verity = verity_kernel_supported(ctx) > 0,
                .host_has_etc_os_release = host_exists(ctx, "/etc/os-release") > 0,
                .host_has_usr_os_release = host_exists(ctx, "/usr/lib/os-release") > 0,
        };

        r = host_users_load(ctx, &p->host_users);
        if (r == -ENOMEM)
                return log_oom();

        for (size_t k = 0; k < images->n_images; k++)
                if (images->images[k].state == IMAGE_CANDIDATE && images->images[k].type == IMAGE_RAW)
                        any_raw = true;
        if (!any_raw || !mount_template)
                return 0;

        /* Raw images are mounted where the host never sees them, and gone when we are. */
        r = mount_namespace_private();
        if (r < 0) {
                log_error_errno(r, "Failed to set up a private mount namespace, raw images cannot be opened: %m");
                return 0;
        }

        p->mount_base = strdup(mount_template);
        if (!p->mount_base)
                return log_oom();
        (void) mkdir("/run/systemd", 0755);
        if (!mkdtemp(p->mount_base)) {
                log_error_errno(errno, "Failed to create a directory to mount raw images on: %m");
                p->mount_base = mfree(p->mount_base);
        }
        return 0;
}

void planner_done(Planner *p) {
        p->claimed = strv_free(p->claimed);
        host_users_done(&p->host_users);
        p->deferred = strv_free(p->deferred);
        if (p->mount_base) {
                if (rmdir(p->mount_base) < 0)
                        log_debug_errno(errno, "Failed to remove %s: %m", p->mount_base);
                p->mount_base = mfree(p->mount_base);
        }
}


static int plan_refuse(ImagePlan *plan, int error, const char *fmt, ...) _printf_(3, 4);
static int plan_refuse(ImagePlan *plan, int error, const char *fmt, ...) {
        va_list ap;
        int r;

        errno = ERRNO_VALUE(error);
        va_start(ap, fmt);
        r = vasprintf(&plan->refused, fmt, ap);
        va_end(ap);
        if (r < 0) {
                plan->refused = NULL;
                return -ENOMEM;
        }

        log_warning("Image %s not attached: %s", plan->image->path, plan->refused);
        return 0;
}

static int unit_add_file(PlannedUnit *u, char *name, char *text, char *link_target) {
        PlannedFile *f;

        if (!name || (!text && !link_target)) {
                free(name);
                free(text);
                free(link_target);
                return -ENOMEM;
        }

        f = reallocarray(u->files, u->n_files + 1, sizeof(PlannedFile));
        if (!f) {
                free(name);
                free(text);
                free(link_target);
                return -ENOMEM;
        }
        u->files = f;
        u->files[u->n_files++] = (PlannedFile) { .name = name, .text = text, .link_target = link_target };
        return 0;
}

static char *header(const ImagePlan *plan, const char *what, const char *source) {
        char *s = NULL;

        if (asprintf(&s,
                     "# %s, generated by systemd-portable-generator\n"
                     "# from %s in image %s.\n"
                     "# Do not edit: it is written anew on every reload. Override with drop-ins in /etc.\n",
                     what, source, plan->image->path) < 0)
                return NULL;
        return s;
}

static int host_unit_exists(const Planner *p, const char *name) {
        for (const char *const *d = host_unit_dirs; *d; d++) {
                _cleanup_free_ char *path = strjoin(*d, "/", name);
                int r;

                if (!path)
                        return -ENOMEM;
                r = host_exists(p->ctx, path);
                if (r != 0)
                        return r < 0 ? r : 1;
        }
        return 0;
}

static int portable_dropin_text(const Planner *p, const ImagePlan *plan, UnitType type, char **ret) {
        _cleanup_free_ char *t = NULL, *root = NULL, *word = NULL, *word_nv = NULL;
        const DiscoveredImage *i = plan->image;
        const char *id, *version;

        t = strjoin(PORTABLE_DROPIN_MARKER_BEGIN, i->path, PORTABLE_DROPIN_MARKER_END "\n",
                    "# Written by systemd-portable-generator: the unit's root and identity.\n");
        if (!t)
                return -ENOMEM;

        if (type != UNIT_SERVICE) {
                *ret = TAKE_PTR(t);
                return 0;
        }

        root = unit_escape_specifiers(plan->verity.root_image ?: i->path);
        word = strjoin("PORTABLE=", i->filename);
        if (!root || !word)
                return -ENOMEM;

        /* As portablectl: PORTABLE_NAME_AND_VERSION=<IMAGE_ID or ID>_<IMAGE_VERSION or VERSION_ID>. */
        id = env_get(plan->os_release, "IMAGE_ID") ?: env_get(plan->os_release, "ID");
        version = env_get(plan->os_release, "IMAGE_VERSION") ?: env_get(plan->os_release, "VERSION_ID");
        if ((id || version) &&
            asprintf(&word_nv, "PORTABLE_NAME_AND_VERSION=%s%s%s", strempty(id), id && version ? "_" : "",
                     strempty(version)) < 0)
                return -ENOMEM;
        if (word_nv && !string_is_printable(word_nv))
                word_nv = mfree(word_nv);

        {
                _cleanup_free_ char *q = unit_quote_word(word), *qnv = word_nv ? unit_quote_word(word_nv) : NULL;
                if (!q || (word_nv && !qnv))
                        return -ENOMEM;

                if ((plan->verity.unit_text || plan->users_unit) &&
                    !strextend(&t, "\n[Unit]\n", strempty(plan->verity.unit_text)))
                        return -ENOMEM;
                if (plan->users_unit) {
                        _cleanup_free_ char *u = unit_escape_specifiers(plan->users_unit);
                        if (!u || !strextend(&t,
                                             "# The image's sysusers.d users are created on the host before start.\n",
                                             "Requires=", u, "\n",
                                             "After=", u, "\n"))
                                return -ENOMEM;
                }

                if (!strextend(&t, "\n[Service]\n",
                               i->type == IMAGE_DIRECTORY ? "RootDirectory=" : "RootImage=", root, "\n",
                               strempty(plan->verity.service_text),
                               "Environment=", q, "\n",
                               "LogExtraFields=", q, "\n"))
                        return -ENOMEM;
                if (qnv && !strextend(&t, "LogExtraFields=", qnv, "\n"))
                        return -ENOMEM;
        }

        /* Resets of the profile's bind mounts come first: they must not reset ours. */
        if (plan->mounts.override && !strextend(&t, plan->mounts.override))
                return -ENOMEM;

        if (p->host_has_etc_os_release || p->host_has_usr_os_release)
                if (!strextend(&t, "BindReadOnlyPaths=",
                               p->host_has_etc_os_release ? "/etc/os-release" : "/usr/lib/os-release",
                               ":/run/host/os-release\n"))
                        return -ENOMEM;


        *ret = TAKE_PTR(t);
        return 0;
}

static int plan_links(PlannedUnit *pu, const ImageUnit *u, bool enable) {
        _cleanup_(install_info_done) InstallInfo info = {};
        _cleanup_free_ char *install_name = NULL;
        int r;

        if (!enable)
                return 0;

        /* For specifiers, templates are installed as their default instance. */
        r = install_info_parse(&info, u->content, u->name, u->source);
        if (r < 0)
                return r;
        for (size_t k = 0; k < u->n_dropins; k++) {
                r = install_info_parse(&info, u->dropins[k].content, u->name, u->dropins[k].source);
                if (r < 0)
                        return r;
        }

        if (unit_name_is_template(u->name)) {
                if (!info.default_instance) {
                        if (info.wanted_by || info.required_by || info.upheld_by)
                                log_debug("Template %s has no DefaultInstance=, not enabling it.", u->name);
                        return 0;
                }
                r = unit_name_replace_instance(u->name, info.default_instance, &install_name);
                if (r < 0)
                        return r;

                /* Re-read with the instance name, so %i resolves to it. */
                install_info_done(&info);
                r = install_info_parse(&info, u->content, install_name, u->source);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < u->n_dropins; k++) {
                        r = install_info_parse(&info, u->dropins[k].content, install_name, u->dropins[k].source);
                        if (r < 0)
                                return r;
                }
        } else {
                install_name = strdup(u->name);
                if (!install_name)
                        return -ENOMEM;
        }

        struct {
                char **list;
                const char *suffix;
        } kinds[] = {
                { info.wanted_by, ".wants" },
                { info.required_by, ".requires" },
                { info.upheld_by, ".upholds" },
        };

        for (size_t k = 0; k < ELEMENTSOF(kinds); k++)
                STRV_FOREACH(target, kinds[k].list) {
                        if (streq(*target, install_name)) {
                                log_debug("Unit %s wants itself, ignoring.", u->name);
                                continue;
                        }
                        r = unit_add_file(pu, strjoin(*target, kinds[k].suffix, "/", install_name), NULL,
                                          strjoin("../", u->name));
                        if (r < 0)
                                return r;
                }

        return 0;
}

static int plan_unit(Planner *p, ImagePlan *plan, const Profile *profile, const ImageUnit *u, bool enable,
                     char *const *protected_paths) {
        PlannedUnit *pu;
        int r;

        pu = reallocarray(plan->units, plan->n_units + 1, sizeof(PlannedUnit));
        if (!pu)
                return -ENOMEM;
        plan->units = pu;
        pu = plan->units + plan->n_units++;
        *pu = (PlannedUnit) {
                .name = strdup(u->name),
                .source = strdup(u->source),
        };
        if (!pu->name || !pu->source)
                return -ENOMEM;

        r = host_unit_exists(p, u->name);
        if (r < 0)
                return r;
        if (r > 0) {
                if (asprintf(&pu->skipped, "a unit %s exists on the host already", u->name) < 0)
                        return -ENOMEM;
                log_warning("Image %s: unit %s exists on the host, leaving the host's unit alone and skipping the image's.",
                            plan->image->path, u->name);
                return 0;
        }

        if (strv_contains(p->claimed, u->name)) {
                if (asprintf(&pu->skipped, "unit %s is attached from an image of higher precedence", u->name) < 0)
                        return -ENOMEM;
                log_warning("Image %s: unit %s is already attached from another image, skipping it.",
                            plan->image->path, u->name);
                return 0;
        }

        /* Only the trusted profile may run units that reach past their sandbox. */
        if (!streq(plan->profile, "trusted")) {
                _cleanup_free_ char *v = NULL;
                UnitRuleContext rc = {
                        .prefixes = plan->prefixes,
                        .host = &p->host_users,
                        .protected_paths = protected_paths,
                };

                r = unit_check_rules(u, &rc, &v);
                if (r < 0)
                        return r;
                if (r > 0) {
                        if (asprintf(&pu->skipped, "it asks for more than profile '%s' allows: %s", plan->profile, v) < 0)
                                return -ENOMEM;
                        log_warning("Image %s: unit %s not attached, it asks for more than profile '%s' allows: %s "
                                    "(only Profile=trusted permits this).",
                                    plan->image->path, u->name, plan->profile, v);
                        return 0;
                }
        }

        /* Once per image: the drop-in that pins the root hash for the verification unit. */
        if (plan->verity.verify_dropin_name && !p->verity_dropin_planned) {
                r = unit_add_file(pu, strdup(plan->verity.verify_dropin_name), strdup(plan->verity.verify_dropin_text), NULL);
                if (r < 0)
                        return r;
                p->verity_dropin_planned = true;
        }

        /* The image's own drop-ins first, named so that they sort before the profile. */
        for (size_t k = 0; k < u->n_dropins; k++) {
                _cleanup_free_ char *h = header(plan, "Drop-in", u->dropins[k].source);
                if (!h)
                        return -ENOMEM;
                r = unit_add_file(pu, strjoin(u->name, ".d/00-image-", u->dropins[k].name),
                                  strjoin(h, "\n", u->dropins[k].content), NULL);
                if (r < 0)
                        return r;
        }

        {
                _cleanup_free_ char *h = NULL, *before = NULL, *after = NULL,
                        *src = strjoin("profile ", profile->name, " (", profile->dir, ")");
                _cleanup_strv_free_ char **dropped = NULL;
                const char *body = profile->texts[u->type];

                if (!src)
                        return -ENOMEM;
                h = header(plan, "Sandboxing profile", src);
                if (!h)
                        return -ENOMEM;

                /* List settings add up: the unit's must not widen the profile's. */
                if (u->type == UNIT_SERVICE && body) {
                        r = sandbox_lists_merge(u, body, &before, &after, &dropped);
                        if (r < 0)
                                return r;
                        if (dropped) {
                                _cleanup_free_ char *l = strv_join(dropped, " ");
                                log_notice("Image %s: unit %s: %s would widen profile '%s' and is not applied.",
                                           plan->image->path, u->name, strna(l), plan->profile);
                        }
                }

                r = unit_add_file(pu, strjoin(u->name, ".d/10-profile.conf"),
                                  strjoin(h, body ? "\n" : "# This profile has no settings for this unit type.\n",
                                          strempty(before), before ? "\n" : "", strempty(body), strempty(after)),
                                  NULL);
                if (r < 0)
                        return r;
        }

        {
                _cleanup_free_ char *t = NULL;

                r = portable_dropin_text(p, plan, u->type, &t);
                if (r < 0)
                        return r;
                r = unit_add_file(pu, strjoin(u->name, ".d/20-portable.conf"), TAKE_PTR(t), NULL);
                if (r < 0)
                        return r;
        }

        {
                _cleanup_free_ char *h = header(plan, "Unit", u->source);
                if (!h)
                        return -ENOMEM;
                r = unit_add_file(pu, strdup(u->name), strjoin(h, "\n", u->content), NULL);
                if (r < 0)
                        return r;
        }

        r = plan_links(pu, u, enable);
        if (r < 0)
                return r;

        return strv_extend(&p->claimed, u->name);
}

/* What the image needs besides its units: the mount points of its services' *Directory= settings
 * (read-only raw images), its sysusers.d users under a profile without DynamicUser=yes, and a note
 * about its tmpfiles.d, which is not applied. Refusals go to plan->refused. */
static int plan_users_and_dirs(Planner *p, ImagePlan *plan, const Profile *profile, const ImageRoot *root,
                               const ImageUnits *units) {
        const DiscoveredImage *i = plan->image;
        bool any_service = false;
        int r;

        for (size_t k = 0; k < units->n_units; k++)
                if (units->units[k].type == UNIT_SERVICE)
                        any_service = true;
        if (!any_service)
                return 0;

        if (i->type == IMAGE_RAW && !root->probe.usr_only) {
                _cleanup_strv_free_ char **missing = NULL;

                r = exec_dirs_missing(root->fd, units, &missing);
                if (r < 0)
                        return r;
                if (missing) {
                        _cleanup_free_ char *l = strv_join(missing, " ");
                        return plan_refuse(plan, 0, "the image has no %s: its services' StateDirectory=, CacheDirectory=, "
                                           "LogsDirectory= or ConfigurationDirectory= are mounted there (create these "
                                           "empty directories in the image)", strna(l));
                }
        }

        if (service_text_dynamic_user(profile->texts[UNIT_SERVICE]) != 1) {
                _cleanup_(host_accounts_done) HostAccounts host = {};
                _cleanup_free_ char *error = NULL, *problem = NULL, *esc = NULL;

                r = sysusers_read_image(root->fd, &plan->sysusers, &error);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return plan_refuse(plan, r, "its sysusers.d cannot be applied: %s", strna(error));

                if (plan->sysusers.n_entries > 0) {
                        r = host_accounts_load(p->ctx, &host);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return plan_refuse(plan, r, "the host's /etc/passwd or /etc/group cannot be read: %m");
                        r = sysusers_check_host(&plan->sysusers, &host, &problem, &plan->sysusers_new);
                        if (r < 0)
                                return r;
                        if (r > 0)
                                return plan_refuse(plan, 0, "its sysusers.d would change the host's accounts: %s", problem);

                        esc = unit_name_path_escape(i->path);
                        if (!esc)
                                return -ENOMEM;
                        plan->users_unit = strjoin("portables-users@", esc, ".service");
                        if (!plan->users_unit)
                                return -ENOMEM;
                }
        }

        for (const char *const *d = (const char *const[]) { "/etc/tmpfiles.d", "/usr/lib/tmpfiles.d", NULL }; *d; d++) {
                _cleanup_strv_free_ char **names = NULL;

                r = image_list_dir(root->fd, *d, &names);
                if (r == -ENOMEM)
                        return r;
                STRV_FOREACH(n, names) {
                        _cleanup_free_ char *f = NULL;

                        if (!endswith(*n, ".conf"))
                                continue;
                        f = strjoin(*d, "/", *n);
                        if (!f || strv_consume(&plan->tmpfiles, TAKE_PTR(f)) < 0)
                                return -ENOMEM;
                }
        }
        if (plan->tmpfiles) {
                _cleanup_free_ char *l = strv_join(plan->tmpfiles, " ");
                log_debug("Image %s: its tmpfiles.d (%s) is not applied on the host; its services get their "
                           "directories from StateDirectory=, CacheDirectory=, LogsDirectory= and RuntimeDirectory=.",
                           i->path, strna(l));
        }

        return 0;
}

int image_plan(Planner *p, const DiscoveredImage *i, ImagePlan *ret) {
        _cleanup_(image_plan_done) ImagePlan plan = { .image = i };
        _cleanup_(image_root_done) ImageRoot root = IMAGE_ROOT_NULL;
        _cleanup_(image_units_done) ImageUnits units = {};
        _cleanup_(profile_done) Profile profile = {};
        _cleanup_close_ int image_fd = -EBADF;
        RawProbe probe = {};
        size_t n_attached = 0;
        int r;

        plan.settings = PORTABLE_SETTINGS_NULL;
        p->verity_dropin_planned = false;

        if (!p->global) {
                r = plan_refuse(&plan, 0, "the global settings in portable.conf cannot be parsed");
                goto finish;
        }

        r = portable_settings_load_image(p->ctx, i->name, p->global, &plan.settings);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = plan_refuse(&plan, r, "its settings file %s.portable cannot be parsed (see above)", i->name);
                goto finish;
        }

        plan.profile = strdup(portable_settings_profile(&plan.settings));
        if (!plan.profile)
                return -ENOMEM;

        r = profile_load(p->ctx, plan.profile, &profile);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT) {
                r = plan_refuse(&plan, r, "profile '%s' does not exist", plan.profile);
                goto finish;
        }
        if (r == -ENOMEDIUM) {
                r = plan_refuse(&plan, r, "profile '%s' has no service.conf", plan.profile);
                goto finish;
        }
        if (r < 0) {
                r = plan_refuse(&plan, r, "profile '%s' cannot be read: %m", plan.profile);
                goto finish;
        }
        plan.profile_dir = strdup(profile.dir);
        if (!plan.profile_dir)
                return -ENOMEM;

        /* Verity policy first: a refused image is refused before anything is mounted. */
        if (i->type == IMAGE_RAW) {
                image_fd = image_file_open(p->ctx, i);
                if (image_fd >= 0) {
                        r = raw_image_probe(image_fd, i->path, &probe);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                image_fd = safe_close(image_fd);        /* refused below with the reason */
                }
        }
        if (i->type == IMAGE_DIRECTORY || image_fd >= 0) {
                r = verity_plan(p->ctx, i, image_fd, i->type == IMAGE_RAW ? &probe : NULL,
                                portable_settings_verity(&plan.settings), p->kernel_verity, &plan.verity);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = plan_refuse(&plan, r, "its verity data cannot be read: %m");
                        goto finish;
                }
                if (plan.verity.refused) {
                        r = plan_refuse(&plan, 0, "%s", plan.verity.refused);
                        goto finish;
                }
        }

        {
                _cleanup_strv_free_ char **required = NULL;

                r = profile_bind_targets(profile.texts[UNIT_SERVICE], &required);
                if (r < 0)
                        return r;

                /* Past the deadline, only what the cache has is read: mounting more images could
                 * make us the reason systemd's generator timeout hits. */
                if (i->type == IMAGE_RAW && p->deadline_usec > 0 && now_usec() > p->deadline_usec) {
                        r = image_root_open(p->ctx, i, NULL, p->cache, required, &root);
                        if (r == -EOPNOTSUPP) {
                                plan.deferred = true;
                                plan.refused = strdup("deferred: the generator's time budget is used up; "
                                                      "portables-refresh.service attaches it shortly");
                                if (!plan.refused || strv_extend(&p->deferred, i->path) < 0)
                                        return -ENOMEM;
                                log_notice("Image %s deferred: the time budget for this reload is used up.", i->path);
                                r = 0;
                                goto finish;
                        }
                } else if (plan.verity.verify_units) {
                        /* Units must come from verified data only: verify, then mount the copy. */
                        _cleanup_(verity_check_done) VerityCheck check = {};
                        _cleanup_close_ int vfd = -EBADF;

                        r = verity_check_image_to_memfd(p->ctx, i, image_fd, &probe, portable_settings_verity(&plan.settings),
                                                        &check, &vfd);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                r = plan_refuse(&plan, r, "its verity data cannot be checked: %m");
                                goto finish;
                        }
                        if (check.verdict != VERITY_CHECK_INTACT || vfd < 0) {
                                r = plan_refuse(&plan, 0, "verification failed: %s", strna(check.message));
                                goto finish;
                        }
                        r = image_root_open_fd(i, vfd, p->mount_base, &root);
                } else
                        r = image_root_open(p->ctx, i, p->mount_base, p->cache, required, &root);
        }
        if (r == -ENOMEM)
                return r;
        if (r == -EMEDIUMTYPE) {
                r = plan_refuse(&plan, r, "not a usable image: no squashfs, erofs, ext4, btrfs or xfs file system, "
                                "and no GPT root or usr partition for this architecture");
                goto finish;
        }
        if (r == -EOPNOTSUPP) {
                r = plan_refuse(&plan, r, "raw images cannot be opened here");
                goto finish;
        }
        if (r < 0) {
                r = plan_refuse(&plan, r, "cannot be opened: %m");
                goto finish;
        }
        plan.probe = root.probe;

        r = image_read_os_release(root.fd, &plan.os_release, &plan.os_release_path);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT) {
                r = plan_refuse(&plan, r, "no os-release file (/etc/os-release or /usr/lib/os-release) in the image");
                goto finish;
        }
        if (r == -EBADMSG) {
                r = plan_refuse(&plan, r, "its os-release file has no ID= field");
                goto finish;
        }
        if (r < 0) {
                r = plan_refuse(&plan, r, "its os-release file cannot be read: %s", read_error_to_string(r));
                goto finish;
        }

        if (plan.settings.prefixes) {
                STRV_FOREACH(w, plan.settings.prefixes)
                        if (strv_extend(&plan.prefixes, *w) < 0)
                                return -ENOMEM;
        } else {
                r = image_prefixes(plan.os_release, i->name, i->path, &plan.prefixes);
                if (r == -ENOMEM)
                        return r;
                if (r == -EBADMSG) {
                        r = plan_refuse(&plan, r, "PORTABLE_PREFIXES= in its os-release cannot be parsed");
                        goto finish;
                }
                if (r < 0) {
                        r = plan_refuse(&plan, r, "no valid unit name prefix (image name or PORTABLE_PREFIXES=)");
                        goto finish;
                }
        }

        r = image_extract_units(root.fd, i->path, plan.prefixes, &units);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = plan_refuse(&plan, r, "its units cannot be read: %m");
                goto finish;
        }

        /* A usr-only image gets its root from systemd, not from the image: nothing to check. */
        if (i->type == IMAGE_RAW && !root.probe.usr_only)
                for (size_t k = 0; k < units.n_units; k++) {
                        if (units.units[k].type != UNIT_SERVICE)
                                continue;

                        r = image_check_mount_points(root.fd, profile.texts[UNIT_SERVICE], &plan.mounts);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                r = plan_refuse(&plan, r, "its mount points cannot be checked: %m");
                                goto finish;
                        }
                        if (plan.mounts.missing_dirs) {
                                _cleanup_free_ char *l = strv_join(plan.mounts.missing_dirs, " ");
                                r = plan_refuse(&plan, 0, "the image has no %s: its services' sandbox mounts file "
                                                "systems there (create these empty directories in the image)",
                                                strna(l));
                                goto finish;
                        }
                        if (plan.mounts.missing_targets) {
                                _cleanup_free_ char *l = strv_join(plan.mounts.missing_targets, " ");
                                log_notice("Image %s has no %s: its services run without the profile's bind mount%s there.",
                                           i->path, strna(l), strv_length(plan.mounts.missing_targets) > 1 ? "s" : "");
                        }
                        break;
                }

        r = plan_users_and_dirs(p, &plan, &profile, &root, &units);
        if (r < 0)
                return r;
        if (plan.refused) {
                r = 0;
                goto finish;
        }

        /* Everything is in memory now: let go of the mount before writing anything. */
        image_root_done(&root);

        if (units.n_units == 0) {
                _cleanup_free_ char *l = strv_join(plan.prefixes, " ");
                r = plan_refuse(&plan, 0, "no unit files matching the prefixes '%s' in /etc/systemd/system, "
                                "/usr/lib/systemd/system or /lib/systemd/system", strna(l));
                goto finish;
        }

        {
                _cleanup_strv_free_ char **protected = NULL;

                r = profile_bind_targets_all(profile.texts[UNIT_SERVICE], &protected);
                if (r >= 0)
                        r = strv_extend(&protected, "/run/host");
                if (r < 0)
                        return r;

                for (size_t k = 0; k < units.n_units; k++) {
                        r = plan_unit(p, &plan, &profile, units.units + k, portable_settings_enable(&plan.settings),
                                      protected);
                        if (r < 0)
                                return r;
                        if (!plan.units[plan.n_units - 1].skipped)
                                n_attached++;
                }
        }

        if (n_attached == 0) {
                r = plan_refuse(&plan, 0, "none of its units can be attached");
                goto finish;
        }

        log_debug("Image %s: attaching %zu unit(s) with profile %s.", i->path, n_attached, plan.profile);
        r = 0;

finish:
        if (r < 0)
                return r;
        *ret = plan;
        plan = (ImagePlan) {};
        return 0;
}
