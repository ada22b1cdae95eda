/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <sys/stat.h>

#include "env-file.h"
#include "escape.h"
#include "exec-dirs.h"
#include "extension-release.h"
#include "fileio.h"
#include "host-names.h"
#include "host-units.h"
#include "image-open.h"
#include "install-section.h"
#include "log.h"
#include "names.h"
#include "os-release.h"
#include "plan-etc.h"
#include "plan-host.h"
#include "plan-internal.h"
#include "profile.h"
#include "sandbox-lists.h"
#include "string-util.h"
#include "strv.h"
#include "systemd-version.h"
#include "sysusers.h"
#include "time-util.h"
#include "unit-adapt.h"
#include "unit-users.h"
#include "unit-env.h"
#include "unit-extract.h"
#include "unit-rules.h"
#include "verity-check.h"
#include "verity-source.h"

void image_plan_done(ImagePlan *p) {
        portable_settings_done(&p->settings);
        free(p->profile);
        free(p->profile_dir);
        strv_free(p->os_release);
        free(p->os_release_path);
        strv_free(p->prefixes);
        for (size_t k = 0; k < p->n_extensions; k++)
                planned_extension_done(p->extensions + k);
        free(p->extensions);
        free(p->refused);
        mount_point_check_done(&p->mounts);
        verity_plan_done(&p->verity);
        free(p->extension_image_policy);
        sysusers_done(&p->sysusers);
        strv_free(p->sysusers_new);
        free(p->users_unit);
        strv_free(p->tmpfiles);
        image_usermap_done(&p->usermap);
        image_etc_done(&p->etc);
        host_accounts_done(&p->accounts);
        for (size_t i = 0; i < p->n_units; i++)
                planned_unit_done(p->units + i);
        free(p->units);
        *p = (ImagePlan) {};
}

/* Every unit name in the host's unit directories, sorted for bsearch(). Read once per run: the
 * host's units do not change while the generator runs. */
static int host_units_load(const Context *c, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        int r;

        for (const char *const *d = host_unit_dirs; *d; d++) {
                _cleanup_closedir_ DIR *dd = NULL;
                struct dirent *de;

                r = host_opendir(c, *d, &dd);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                while ((de = readdir(dd)))
                        if (de->d_name[0] != '.' && strv_extend(&l, de->d_name) < 0)
                                return -ENOMEM;
        }

        /* systemd-sysv-generator makes NAME.service of every /etc/init.d/NAME without a native
         * unit, in generator.late: ours would shadow it. */
        {
                _cleanup_closedir_ DIR *dd = NULL;
                struct dirent *de;

                r = host_opendir(c, "/etc/init.d", &dd);
                if (r == -ENOMEM)
                        return r;
                while (r >= 0 && (de = readdir(dd))) {
                        if (de->d_name[0] == '.' || strchr(de->d_name, '.') || streq(de->d_name, "README"))
                                continue;
                        if (strv_consume(&l, strjoin(de->d_name, ".service")) < 0)
                                return -ENOMEM;
                }
        }

        strv_sort(l);
        *ret = TAKE_PTR(l);
        return 0;
}

bool planner_host_has_unit(const Planner *p, const char *name) {
        return host_units_contains(p->host_units, name);
}

const char *planner_host_instance_of(const Planner *p, const char *template) {
        return host_units_instance_of(p->host_units, template);
}

/* The profile of that name, loaded once per run. */
static int planner_profile(Planner *p, const char *name, const PlannerProfile **ret) {
        PlannerProfile *pp;
        int r;

        for (size_t k = 0; k < p->n_profiles; k++)
                if (streq(p->profiles[k].name, name)) {
                        *ret = p->profiles + k;
                        return 0;
                }

        pp = reallocarray(p->profiles, p->n_profiles + 1, sizeof(PlannerProfile));
        if (!pp)
                return -ENOMEM;
        p->profiles = pp;
        pp = p->profiles + p->n_profiles++;
        *pp = (PlannerProfile) { .name = strdup(name), .dynamic_user = -1 };
        if (!pp->name)
                return -ENOMEM;

        pp->error = profile_load(p->ctx, name, &pp->profile);
        if (pp->error == -ENOMEM)
                return -ENOMEM;
        if (pp->error >= 0) {
                const char *service = pp->profile.texts[UNIT_SERVICE];

                r = profile_bind_targets(service, &pp->bind_targets);
                if (r >= 0)
                        r = profile_binds_parse(service, &pp->binds);
                if (r >= 0)
                        r = profile_bind_targets_all(service, &pp->protected_paths);
                if (r >= 0)
                        r = strv_extend(&pp->protected_paths, "/run/host");
                if (r < 0)
                        return r;
                pp->dynamic_user = service_text_boolean(service, "DynamicUser");
                /* No network for the profile's services: none for its sockets either. */
                pp->network = service_text_boolean(service, "PrivateNetwork") <= 0;
                pp->private_devices = service_text_boolean(service, "PrivateDevices") > 0;
                r = sandbox_lists_profile_allowed(service, "CapabilityBoundingSet", &pp->capabilities);
                if (r < 0)
                        return r;
        }

        *ret = pp;
        return 0;
}

int planner_init(Planner *p, const Context *ctx, const PortableSettings *global, const ImageList *images,
                 const char *mount_template, ExtractCache *cache, uint64_t budget_usec) {
        int r;

        *p = (Planner) {
                .ctx = ctx,
                .images = images,
                .global = global,
                .cache = cache,
                .deadline_usec = budget_usec > 0 ? now_usec() + budget_usec : 0,
                .budget_usec = budget_usec,
                .mount_base = MOUNT_BASE_NULL(mount_template),
                .mounts_error = 1,
                .kernel_verity = verity_kernel_supported(ctx) > 0,
                .systemd_version = -1,
                .host_has_etc_os_release = host_exists(ctx, "/etc/os-release") > 0,
                .host_has_usr_os_release = host_exists(ctx, "/usr/lib/os-release") > 0,
        };

        /* The host's accounts, once per run: for the rules (names) and for the users of images
         * whose profile has no DynamicUser=. */
        r = host_accounts_load(ctx, &p->host_accounts);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_warning_errno(r, "Failed to read the host's /etc/passwd or /etc/group: %m");
                p->host_accounts_error = r;
        }
        r = host_users_from_accounts(&p->host_accounts, &p->host_users);
        if (r < 0)
                return log_oom();

        r = host_units_load(ctx, &p->host_units);
        if (r < 0)
                return log_oom();

        for (size_t k = 0; k < images->n_images; k++) {
                if (images->images[k].state != IMAGE_CANDIDATE)
                        continue;
                if (!strv_contains(p->image_names, images->images[k].name) &&
                    strv_extend(&p->image_names, images->images[k].name) < 0)
                        return log_oom();
        }
        return 0;
}

void planner_done(Planner *p) {
        mount_table_done(&p->mounts);
        p->claimed = strv_free(p->claimed);
        p->snapshots = strv_free(p->snapshots);
        host_users_done(&p->host_users);
        host_accounts_done(&p->host_accounts);
        host_names_done(&p->host_names);
        p->image_names = strv_free(p->image_names);
        p->run_claims = strv_free(p->run_claims);
        p->after_checked = strv_free(p->after_checked);
        p->host_units = strv_free(p->host_units);
        for (size_t k = 0; k < p->n_profiles; k++) {
                PlannerProfile *pp = p->profiles + k;

                free(pp->name);
                profile_done(&pp->profile);
                strv_free(pp->bind_targets);
                strv_free(pp->protected_paths);
                strv_free(pp->capabilities);
                profile_binds_done(&pp->binds);
        }
        p->profiles = mfree(p->profiles);
        p->n_profiles = 0;
        p->deferred = strv_free(p->deferred);
        mount_base_done(&p->mount_base);
}


int plan_refuse(ImagePlan *plan, int error, const char *fmt, ...) {
        va_list ap;
        int r;

        errno = ERRNO_VALUE(error);
        va_start(ap, fmt);
        r = free_and_vasprintf(&plan->refused, fmt, ap);
        va_end(ap);
        if (r < 0)
                return r;

        log_warning("Image %s not attached: %s", plan->image->path, plan->refused);
        return 0;
}

/* What the image needs besides its units: the mount points of its services' *Directory= settings
 * (read-only raw images), its sysusers.d users under a profile without DynamicUser=yes, and a note
 * about its tmpfiles.d, which is not applied. Refusals go to plan->refused. */
static int plan_users_and_dirs(Planner *p, ImagePlan *plan, const PlannerProfile *pp, const ImageRoot *root,
                               const ImageFS *stack, const ImageUnits *units) {
        const DiscoveredImage *i = plan->image;
        const ImageFS fs = *stack;
        bool any_service = false;
        int r;

        for (size_t k = 0; k < units->n_units; k++)
                if (units->units[k].type == UNIT_SERVICE)
                        any_service = true;
        if (!any_service)
                return 0;

        if (i->type == IMAGE_RAW && !root->probe.usr_only) {
                _cleanup_strv_free_ char **missing = NULL;

                r = exec_dirs_missing(&fs, units, &missing);
                if (r < 0)
                        return r;
                if (missing) {
                        _cleanup_free_ char *l = strv_join(missing, " ");
                        return plan_refuse(plan, 0, "the image has no %s: its services' StateDirectory=, CacheDirectory=, "
                                           "LogsDirectory= or ConfigurationDirectory= are mounted there (create these "
                                           "empty directories in the image)", strna(l));
                }
        }

        if (pp->dynamic_user != 1) {
                _cleanup_(host_accounts_done) HostAccounts image = {};
                const HostAccounts *host = &p->host_accounts;
                _cleanup_free_ char *error = NULL, *problem = NULL, *esc = NULL, *from_passwd = NULL, *missing = NULL;

                r = sysusers_read_image(&fs, &plan->sysusers, &error);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return plan_refuse(plan, r, "its sysusers.d cannot be applied: %s", strna(error));

                if (p->host_accounts_error < 0)
                        return plan_refuse(plan, p->host_accounts_error,
                                           "the host's /etc/passwd or /etc/group cannot be read: %m");

                /* Users its services run as that only the image's /etc/passwd has (unit-users.h). */
                r = image_accounts_load(&fs, &image);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        log_debug_errno(r, "Image %s: its /etc/passwd or /etc/group cannot be read: %m", i->path);
                r = unit_users_from_image(units, pp->dynamic_user, &image, host, &plan->sysusers, &from_passwd, &missing);
                if (r < 0)
                        return r;
                if (r > 0)
                        return plan_refuse(plan, 0, "its service %s", missing);
                if (from_passwd) {
                        r = sysusers_parse(&plan->sysusers, from_passwd, "/etc/passwd", &error);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return plan_refuse(plan, r, "the users of its services in its /etc/passwd cannot be "
                                                   "created: %s", strna(error));
                        if (strv_extend(&plan->sysusers.files, "/etc/passwd") < 0)
                                return -ENOMEM;
                }

                if (plan->sysusers.n_entries > 0) {
                        r = sysusers_check_host(&plan->sysusers, host, &problem, &plan->sysusers_new);
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

                r = image_list_dir(&fs, *d, &names);
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

/* The phases of image_plan(). Each returns <0 on fatal errors (OOM), 0 to go on, or 1 when the
 * image is not attached (plan->refused says why, logged once). */

static int refused(int r) {
        /* plan_refuse() returns 0, or -ENOMEM. */
        return r < 0 ? r : 1;
}

static int plan_settings_and_profile(Planner *p, ImagePlan *plan, const PlannerProfile **ret_profile) {
        const PlannerProfile *pp;
        const DiscoveredImage *i = plan->image;
        int r;

        if (!p->global)
                return refused(plan_refuse(plan, 0, "the global settings in portable.conf cannot be parsed"));

        r = portable_settings_load_image(p->ctx, i->name, p->global, &plan->settings);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refused(plan_refuse(plan, r, "its settings file %s.portable cannot be parsed (see above)", i->name));

        plan->profile = strdup(portable_settings_profile(&plan->settings));
        if (!plan->profile)
                return -ENOMEM;

        r = planner_profile(p, plan->profile, &pp);
        if (r < 0)
                return r;
        r = pp->error;
        if (r == -ENOENT)
                return refused(plan_refuse(plan, r, "profile '%s' does not exist", plan->profile));
        if (r == -ENOMEDIUM)
                return refused(plan_refuse(plan, r, "profile '%s' has no service.conf", plan->profile));
        if (r < 0)
                return refused(plan_refuse(plan, r, "profile '%s' cannot be read: %m", plan->profile));

        plan->profile_dir = strdup(pp->profile.dir);
        if (!plan->profile_dir)
                return -ENOMEM;
        *ret_profile = pp;
        return 0;
}

/* Before anything is mounted: a raw image is opened and probed (the cache has the probe of an
 * image it holds), and what its verity data means under the policy decided. A cached image whose
 * file has nothing more to say (no user.verity.* xattrs, no verity signature partition) is not
 * even opened: its sidecar files are all that is left to look at. */
static int plan_verity(Planner *p, ImagePlan *plan, const ImageRoot *root, bool probed, int *image_fd,
                       RawProbe *probe) {
        const DiscoveredImage *i = plan->image;
        const char *other;
        int r;

        /* A verity partition without a signature partition may give its root hash through the partition
         * UUIDs, which is checked against its hash tree; a pin is checked against it too. */
        if (i->type == IMAGE_RAW && !(root->cached && !root->verity_xattrs && !probe->verity_sig.found &&
                                      !probe->verity.found && !portable_settings_root_hash(&plan->settings))) {
                if (*image_fd < 0)
                        *image_fd = image_file_open(p->ctx, i);
                if (*image_fd < 0)
                        return 0;       /* refused when the image is opened, with the reason */

                r = root->cached || probed ? 0 : raw_image_probe(*image_fd, i->path, probe);
                if (r == -ENOMEM)
                        return r;
                if (r == -EMEDIUMTYPE)
                        return refused(plan_refuse(plan, r, "not a usable image: %s",
                                                   isempty(probe->reason) ?
                                                   "no squashfs, erofs, ext4, btrfs or xfs file system, and no GPT "
                                                   "root or usr partition for this architecture" : probe->reason));
                if (r < 0)
                        return refused(plan_refuse(plan, r, "cannot be probed: %m"));
        }

        r = verity_plan(p->ctx, i, *image_fd, i->type == IMAGE_RAW ? probe : NULL,
                        portable_settings_verity(&plan->settings), portable_settings_root_hash(&plan->settings),
                        p->kernel_verity, &plan->verity);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refused(plan_refuse(plan, r, "its verity data cannot be read: %m"));
        if (plan->verity.refused)
                return refused(plan_refuse(plan, 0, "%s", plan->verity.refused));
        if (plan_snapshot_taken(p, &plan->verity, i->path, &other))
                return refused(plan_refuse(plan, 0, "its verified copy would be %s, which is that of %s already "
                                           "(the same file name)", plan->verity.root_image, other));

        if (i->type == IMAGE_RAW) {
                r = verity_plan_check_start(&plan->verity, i, probe, portable_settings_verity(&plan->settings),
                                            planner_systemd_version(p));
                if (r < 0)
                        return r;
                if (plan->verity.refused)
                        return refused(plan_refuse(plan, 0, "%s", plan->verity.refused));
                if (p->systemd_version >= IMAGE_POLICY_MIN_SYSTEMD) {
                        r = verity_plan_add_image_policy(&plan->verity, i, probe);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* plan-internal.h */
int planner_systemd_version(Planner *p) {
        if (p->systemd_version < 0)
                p->systemd_version = (int) systemd_version(p->ctx);
        return p->systemd_version;
}

/* plan-internal.h */
bool plan_snapshot_taken(const Planner *p, const VerityPlan *v, const char *image_path, const char **ret_other) {
        assert(p);
        assert(v);
        assert(image_path);
        assert(ret_other);

        *ret_other = NULL;
        if (v->mode != VERITY_MODE_SNAPSHOT)
                return false;

        for (size_t k = 0; p->snapshots && p->snapshots[k] && p->snapshots[k + 1]; k += 2)
                if (streq(p->snapshots[k], v->root_image) && !streq(p->snapshots[k + 1], image_path)) {
                        *ret_other = p->snapshots[k + 1];
                        return true;
                }
        return false;
}

static int claim_snapshot(Planner *p, const VerityPlan *v, const char *image_path) {
        if (v->mode != VERITY_MODE_SNAPSHOT)
                return 0;
        for (size_t k = 0; p->snapshots && p->snapshots[k] && p->snapshots[k + 1]; k += 2)
                if (streq(p->snapshots[k], v->root_image))
                        return 0;
        if (strv_extend(&p->snapshots, v->root_image) < 0 || strv_extend(&p->snapshots, image_path) < 0)
                return -ENOMEM;
        return 0;
}

/* Once an image is planned: the verified copies of it and its extensions are its. */
static int plan_claim_snapshots(Planner *p, const ImagePlan *plan) {
        int r;

        if (plan->refused)
                return 0;
        r = claim_snapshot(p, &plan->verity, plan->image->path);
        for (size_t k = 0; r >= 0 && k < plan->n_extensions; k++)
                r = claim_snapshot(p, &plan->extensions[k].verity, plan->extensions[k].image.path);
        return r;
}

/* Refuses the image for this run (plan-internal.h). */
int plan_defer(Planner *p, ImagePlan *plan, const char *why) {
        plan->deferred = true;
        if (asprintf(&plan->refused, "deferred: %s; portables-prepare.service attaches it shortly", why) < 0) {
                plan->refused = NULL;
                return -ENOMEM;
        }
        if (strv_extend(&p->deferred, plan->image->path) < 0)
                return -ENOMEM;
        log_notice("Image %s deferred: %s.", plan->image->path, why);
        return 1;
}

/* *ret_why from the format; returns the errno (> 0) that goes with it, or -ENOMEM. */
static int why_error(char **ret_why, int error, const char *fmt, ...) _printf_(3, 4);
static int why_error(char **ret_why, int error, const char *fmt, ...) {
        va_list ap;
        int r;

        assert(error != 0);

        va_start(ap, fmt);
        r = vasprintf(ret_why, fmt, ap);
        va_end(ap);
        if (r < 0) {
                *ret_why = NULL;
                return -ENOMEM;
        }
        return ERRNO_VALUE(error);
}

/* Units must come from verified data only: read what a reader knows verified block by block,
 * else verify all of it and mount the verified copy (plan-internal.h). */
int plan_open_verified(Planner *p, const DiscoveredImage *i, int image_fd, const RawProbe *probe, VerityPolicy policy,
                       const VerityPin *pin, char *const *bind_targets, ImageRoot *root, char **ret_why) {
        _cleanup_(verity_check_done) VerityCheck check = {};
        _cleanup_(verity_source_freep) VeritySource *verity = NULL;
        _cleanup_close_ int vfd = -EBADF, own_fd = -EBADF;
        int r;

        assert(p);
        assert(i);
        assert(probe);
        assert(root);
        assert(ret_why);

        if (image_fd < 0) {
                own_fd = image_file_open(p->ctx, i);
                if (own_fd < 0)
                        return why_error(ret_why, own_fd, "cannot be opened: %s", read_error_to_string(own_fd));
                image_fd = own_fd;
        }

        r = -EOPNOTSUPP;
        if (p->ctx->image_reader != IMAGE_READER_MOUNT && image_tree_supported(probe->fstype)) {
                r = verity_check_image_source(p->ctx, i, image_fd, probe, policy, pin, &check, &verity);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return why_error(ret_why, r, "its verity data cannot be checked: %s", read_error_to_string(r));
                if (check.verdict != VERITY_CHECK_INTACT || !verity)
                        return why_error(ret_why, EBADMSG, "verification failed: %s", strna(check.message));
                r = image_root_read_verified(i, probe, verity, bind_targets, root);
                if (r == -EBADMSG && verity_source_error(verity))    /* named as verity_check_image() names it */
                        return why_error(ret_why, r, "verification failed: %s: %s", i->path, verity_source_error(verity));
                if (r == -EOPNOTSUPP)
                        verity_check_done(&check);
        }
        if (r == -EOPNOTSUPP) {
                r = verity_check_image_to_memfd(p->ctx, i, image_fd, probe, policy, pin, &check, &vfd);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return why_error(ret_why, r, "its verity data cannot be checked: %s", read_error_to_string(r));
                if (check.verdict != VERITY_CHECK_INTACT || vfd < 0)
                        return why_error(ret_why, EBADMSG, "verification failed: %s", strna(check.message));
                r = image_root_open_fd(p->ctx, i, vfd, &p->mount_base, root);
        }
        return r;
}

/* The image's root: a directory, the extraction cache (looked up already: root->cached on a
 * hit), a verified copy, or the mounted image. */
static int plan_open_root(Planner *p, ImagePlan *plan, const PlannerProfile *pp, int image_fd, const RawProbe *probe,
                          ImageRoot *root) {
        const DiscoveredImage *i = plan->image;
        int r;

        if (plan->verity.verify_units) {
                _cleanup_free_ char *why = NULL;

                image_root_done(root);  /* not the cache: its content was read unverified */
                r = plan_open_verified(p, i, image_fd, probe, portable_settings_verity(&plan->settings),
                                       portable_settings_root_hash(&plan->settings), pp->bind_targets, root, &why);
                if (r > 0)
                        return refused(plan_refuse(plan, r, "%s", why));
        } else if (root->cached) {
                plan->probe = root->probe;      /* from the cache */
                return 0;
        }
        else if (i->type == IMAGE_RAW && p->deadline_usec > 0 && now_usec() > p->deadline_usec) {
                /* Past the deadline nothing more is mounted: that could make us the reason systemd's
                 * generator timeout hits. */
                return plan_defer(p, plan, "the time budget for this reload is used up");
        } else
                r = image_root_open_probed(p->ctx, i, image_fd, probe, &p->mount_base, p->cache, pp->bind_targets, root);

        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                char why[PLAN_OPEN_WHY_MAX];

                return refused(plan_refuse(plan, r, "%s", plan_open_why(r, why)));
        }

        plan->probe = root->probe;
        return 0;
}

/* os-release, prefixes, units and the mount points their sandbox needs. */
static int plan_read_image(Planner *p, ImagePlan *plan, const PlannerProfile *pp, const ImageRoot *root,
                           ExtensionStack *stack, ImageUnits *units) {
        const DiscoveredImage *i = plan->image;
        const ImageFS base = image_root_fs(root);
        ImageFS fs;
        int r;

        /* The os-release of the image itself: an extension's never replaces it. */
        r = image_read_os_release(&base, &plan->os_release, &plan->os_release_path);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT && image_fs_is_dir(&base, EXTENSION_RELEASE_DIR)) {
                /* Not an image of its own, and nothing wrong with it: not a warning, not reported. */
                plan->extension_image = true;
                plan->refused = strdup("an extension image (it has " EXTENSION_RELEASE_DIR " and no os-release): "
                                       "attached only as an image's Extensions=");
                if (!plan->refused)
                        return -ENOMEM;
                log_debug("Image %s not attached by itself: %s", i->path, plan->refused);
                return 1;
        }
        if (r == -ENOENT)
                return refused(plan_refuse(plan, r, "no os-release file (/etc/os-release or /usr/lib/os-release) in the image"));
        if (r == -EBADMSG)
                return refused(plan_refuse(plan, r, "its os-release file has no ID= field"));
        if (r < 0)
                return refused(plan_refuse(plan, r, "its os-release file cannot be read: %s", read_error_to_string(r)));

        /* What the readers see from here on: the image with its extensions stacked on it. */
        r = plan_extensions(p, plan, &base, stack);
        if (r != 0)
                return r;
        fs = stack->fs;

        if (plan->settings.prefixes) {
                STRV_FOREACH(w, plan->settings.prefixes)
                        if (strv_extend(&plan->prefixes, *w) < 0)
                                return -ENOMEM;
        } else {
                r = image_prefixes(plan->os_release, i->name, i->path, &plan->prefixes);
                if (r == -ENOMEM)
                        return r;
                if (r == -EBADMSG)
                        return refused(plan_refuse(plan, r, "PORTABLE_PREFIXES= in its os-release cannot be parsed"));
                if (r < 0)
                        return refused(plan_refuse(plan, r, "no valid unit name prefix (image name or PORTABLE_PREFIXES=)"));

                /* As portablectl: an extension's PORTABLE_PREFIXES= (in its extension-release) adds to them. */
                for (size_t k = 0; k < plan->n_extensions; k++) {
                        const PlannedExtension *e = plan->extensions + k;
                        _cleanup_strv_free_ char **l = NULL;

                        if (isempty(env_get(e->release, "PORTABLE_PREFIXES")))
                                continue;
                        r = image_prefixes(e->release, e->image.name, e->image.path, &l);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return refused(plan_refuse(plan, r, "PORTABLE_PREFIXES= in %s of extension %s cannot be "
                                                           "parsed", e->release_path, e->image.path));
                        STRV_FOREACH(w, l)
                                if (!strv_contains(plan->prefixes, *w) && strv_extend(&plan->prefixes, *w) < 0)
                                        return -ENOMEM;
                }
        }

        r = image_extract_units(&fs, i->path, plan->prefixes, units);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return refused(plan_refuse(plan, r, "its units cannot be read: %m"));
        if (units->n_units == 0) {
                _cleanup_free_ char *l = strv_join(plan->prefixes, " ");
                return refused(plan_refuse(plan, 0, "no unit files matching the prefixes '%s' in /etc/systemd/system, "
                                           "/usr/lib/systemd/system or /lib/systemd/system", strna(l)));
        }

        r = image_units_read_environment(&fs, i->path, units);
        if (r < 0)
                return r;
        r = unit_adapt_derive(&fs, units);
        if (r < 0)
                return r;

        r = plan_etc_read(plan, pp, &fs, units);
        if (r < 0)
                return r;

        /* A usr-only image gets its root from systemd, not from the image: nothing to check. */
        if (i->type == IMAGE_RAW && !root->probe.usr_only) {
                r = unit_adapt_check_mount_points(&fs, units);
                if (r < 0)
                        return r;
        }
        if (i->type == IMAGE_RAW && !root->probe.usr_only)
                for (size_t k = 0; k < units->n_units; k++) {
                        if (units->units[k].type != UNIT_SERVICE)
                                continue;

                        r = image_check_mount_points(&fs, &pp->binds, &plan->mounts);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return refused(plan_refuse(plan, r, "its mount points cannot be checked: %m"));
                        if (plan->mounts.missing_dirs) {
                                _cleanup_free_ char *l = strv_join(plan->mounts.missing_dirs, " ");
                                return refused(plan_refuse(plan, 0, "the image has no %s: its services' sandbox mounts "
                                                           "file systems there (create these empty directories in "
                                                           "the image)", strna(l)));
                        }
                        if (plan->mounts.missing_targets) {
                                _cleanup_free_ char *l = strv_join(plan->mounts.missing_targets, " ");
                                log_notice("Image %s has no %s: its services run without the profile's bind mount%s there.",
                                           i->path, strna(l), strv_length(plan->mounts.missing_targets) > 1 ? "s" : "");
                        }
                        break;
                }

        r = plan_users_and_dirs(p, plan, pp, root, &fs, units);
        if (r < 0)
                return r;
        if (plan->refused)
                return 1;

        return image_usermap_read(&fs, i->path, pp->dynamic_user, streq(plan->profile, "trusted"), units,
                                  &plan->usermap);
}

static int plan_units(Planner *p, ImagePlan *plan, const PlannerProfile *pp, const ImageUnits *units) {
        _cleanup_strv_free_ char **own = NULL, **state_dirs = NULL, **writable_dirs = NULL;
        /* Host names are the image's only in the name space the admin gave it: its name and the
         * Prefixes= of its settings, not PORTABLE_PREFIXES= (which the image itself chooses). */
        char *admin_prefixes[] = { (char *) plan->image->name, NULL };
        PlanHost hs = {
                .p = p,
                .image = plan->image->name,
                .prefixes = plan->settings.prefixes ?: admin_prefixes,
        };
        const UnitRuleHost host = plan_host_callbacks(&hs);
        size_t n_attached = 0;
        int r;

        /* The image's own units: those in it that are not the host's or an earlier image's. */
        for (size_t k = 0; k < units->n_units; k++) {
                const char *n = units->units[k].name;

                if (!planner_host_has_unit(p, n) && !strv_contains(p->claimed, n) &&
                    !(unit_name_is_template(n) && planner_host_instance_of(p, n)) && strv_extend(&own, n) < 0)
                        return -ENOMEM;
        }
        r = unit_rules_state_dirs(units, &state_dirs);
        if (r < 0)
                return r;
        r = unit_rules_writable_dirs(units, &writable_dirs);
        if (r < 0)
                return r;
        /* And those unit-adapt.h would make the services' own: its reader does not resolve
         * specifiers, the rules do (BindReadOnlyPaths=/dev/log:/var/lib/%p/sub/log). */
        r = unit_adapt_derived_paths(units, &writable_dirs);
        if (r < 0)
                return r;

        UnitRuleContext rc = {
                .own_units = own,
                .host = &p->host_users,
                .protected_paths = pp->protected_paths,
                .profile_ro_binds = pp->binds.read_only,
                .profile_caps = pp->capabilities,
                .profile_network = pp->network,
                .profile_private_devices = pp->private_devices,
                .state_dirs = state_dirs,
                .writable_dirs = writable_dirs,
                .host_state = &host,
        };

        /* A unit the rules refuse is not the image's for the others either (a socket whose service
         * is refused would activate nothing, or a host unit of that name). What is left in own passed
         * with the final context, and is not checked again. */
        if (!streq(plan->profile, "trusted")) {
                r = unit_rules_settle_own(units, &rc, &own);
                if (r < 0)
                        return r;
                rc.own_units = own;
        }

        PlanUnitInput in = {
                .host_units = p->host_units,
                .claimed = &p->claimed,
                .verity_dropin_planned = &p->verity_dropin_planned,
                .output_dir = p->output_dir,
                .host_has_etc_os_release = p->host_has_etc_os_release,
                .host_has_usr_os_release = p->host_has_usr_os_release,
                .profile = pp,
                .enable = portable_settings_enable(&plan->settings),
                .rules = &rc,
        };
        for (size_t k = 0; k < units->n_units; k++) {
                r = plan_unit(&in, plan, units->units + k);
                if (r < 0)
                        return r;
                if (!plan->units[plan->n_units - 1].skipped)
                        n_attached++;
        }

        if (n_attached == 0)
                return refused(plan_refuse(plan, 0, "none of its units can be attached"));

        log_debug("Image %s: attaching %zu unit(s) with profile %s.", plan->image->path, n_attached, plan->profile);
        return 0;
}

typedef struct Prefetch {
        Planner *p;
        ImagePlan *plan;
        const PlannerProfile *pp;
} Prefetch;

/* In a child (run_bounded()): what image_plan() does with a raw image that is not in the cache,
 * up to storing it there. 0 when stored; 1 when it is not for the cache (refused, or its units
 * must come from verified data, which is never mounted before it is verified); 2 on errors. The
 * parent then does it all again itself, and says why. */
static int prefetch(void *userdata) {
        Prefetch *f = userdata;
        ImageRoot root = IMAGE_ROOT_NULL;
        RawProbe probe = {};
        int image_fd = -EBADF, r;

        /* Refusals are logged by the parent, which sees them again; errors and debugging stay. */
        if (log_get_max_level() < LOG_DEBUG)
                log_set_max_level(LOG_ERR);
        extract_cache_write_through(f->p->cache);       /* the parent reads what we store */

        r = plan_verity(f->p, f->plan, &root, /* probed= */ false, &image_fd, &probe);
        safe_close(image_fd);
        if (r != 0 || f->plan->verity.verify_units)
                return 1;

        r = image_root_open(f->p->ctx, f->plan->image, &f->p->mount_base, f->p->cache, f->pp->bind_targets, &root);
        image_root_done(&root);
        return r < 0 ? 2 : 0;
}

/* plan-internal.h */
const char *plan_open_why(int error, char buf[static PLAN_OPEN_WHY_MAX]) {
        assert(error < 0);

        if (error == -EMEDIUMTYPE)
                return "not a usable image: no squashfs, erofs, ext4, btrfs or xfs file system, and no GPT root "
                       "or usr partition for this architecture";
        if (error == -EOPNOTSUPP)
                return "raw images cannot be opened here";
        (void) snprintf(buf, PLAN_OPEN_WHY_MAX, "cannot be opened: %s", read_error_to_string(error));
        return buf;
}

/* plan-internal.h */
const MountTable *planner_mounts(Planner *p) {
        if (p->mounts_error > 0)
                p->mounts_error = mount_table_read(&p->mounts);
        return p->mounts_error < 0 ? NULL : &p->mounts;
}

int image_plan(Planner *p, const DiscoveredImage *i, ImagePlan *ret) {
        _cleanup_(image_plan_done) ImagePlan plan = { .image = i, .settings = PORTABLE_SETTINGS_NULL };
        _cleanup_(image_root_done) ImageRoot root = IMAGE_ROOT_NULL;
        _cleanup_(image_units_done) ImageUnits units = {};
        _cleanup_(extension_stack_done) ExtensionStack stack = {};
        _cleanup_close_ int image_fd = -EBADF;
        const PlannerProfile *pp = NULL;
        RawProbe probe = {};
        bool probed = false;
        int r;

        p->verity_dropin_planned = false;

        r = plan_settings_and_profile(p, &plan, &pp);
        if (r == 0 && i->type == IMAGE_RAW && p->cache) {
                /* From the cache; else opened and probed here to be read in user space; else read
                 * into the cache by a child bounded by the budget, while some is left. Other
                 * failures are seen again below, where they are reported. */
                r = image_root_prefetch(p->ctx, i,
                                        &(const ImagePrefetch) {
                                                .cache = p->cache,
                                                .mounts = p->ctx->image_reader == IMAGE_READER_MOUNT ? NULL : planner_mounts(p),
                                                .required_paths = pp->bind_targets,
                                                .budget_usec = mount_base_usable(&p->mount_base) &&
                                                               now_usec() <= p->deadline_usec ? p->budget_usec : 0,
                                                .mount_base = &p->mount_base,
                                                .read_in_child = prefetch,
                                                .userdata = &(Prefetch) { .p = p, .plan = &plan, .pp = pp },
                                        },
                                        &root, &image_fd);
                if (r == -ETIMEDOUT)
                        r = plan_defer(p, &plan, "reading it took longer than the time budget "
                                       "(TimeBudgetSec=): its file system does not answer");
                else if (r < 0)
                        return r;
                else {
                        probed = r > 0;
                        r = 0;
                }
                probe = root.probe;
        }
        if (r == 0)
                r = plan_verity(p, &plan, &root, probed, &image_fd, &probe);
        if (r == 0)
                r = plan_open_root(p, &plan, pp, image_fd, &probe, &root);
        if (r == 0)
                r = plan_read_image(p, &plan, pp, &root, &stack, &units);
        if (r == 0) {
                /* Everything is in memory now: let go of the mount before anything is written. */
                extension_stack_done(&stack);
                image_root_done(&root);
                r = plan_units(p, &plan, pp, &units);
        }
        if (r >= 0)
                r = plan_claim_snapshots(p, &plan);
        if (r < 0)
                return r;

        *ret = TAKE_STRUCT(plan);
        return 0;
}
