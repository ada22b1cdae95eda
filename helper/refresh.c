/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* `portables refresh`: what portables-refresh.service runs when an image is dropped into (or
 * removed from) a portables directory.
 *
 *  1. Wait until the directories have been quiet for a second (a copy of a large image is a long
 *     stream of writes), at most 30 s in all (refresh-settle.c).
 *  2. Note which units are attached now, and from which image: the generator puts the marker
 *     "# Drop-in created for image '...', do not edit." first in UNIT.d/20-portable.conf.
 *  3. Reload systemd (Manager.Reload: its reply comes when the reload is done, generators rerun;
 *     the D-Bus calls are in refresh-bus.c).
 *  4. Compare: units of images that went away are stopped (template units: every instance);
 *     units that are new are started when they are enabled, i.e. when the generator linked them
 *     into TARGET.wants/ (or .requires/, .upholds/) and TARGET is active or about to be (a start
 *     job queued, during boot): `systemctl enable --now` for an image. Units that were there
 *     before and changed (they now come from another image, a newer version, or what the
 *     generator wrote for them differs) are restarted when they run and their image's settings
 *     say Restart=changed (the admin's decision, NAME.portable or portable.conf: the same
 *     replaced() that reattach uses); otherwise they are left alone, and that is logged.
 *  5. If the directories changed again meanwhile, go back to 1 (a path unit does not trigger the
 *     service again for changes made while the service runs).
 *
 * Start and stop jobs are queued, not waited for: their result is in the units' own journal. */

#include <fcntl.h>

#include "fileio.h"
#include "log.h"
#include "context.h"
#include "names.h"
#include "output.h"
#include "placed.h"
#include "plan.h"
#include "refresh-bus.h"
#include "refresh-settle.h"
#include "refresh.h"
#include "settings.h"
#include "string-util.h"
#include "strv.h"

#define GENERATOR_NORMAL_DIR REFRESH_GENERATOR_DIR

#define ROUNDS_MAX 5U
/* What is compared of a unit's generated files: at most this many files in UNIT.d/. */
#define UNIT_FILES_MAX 64U

void attached_done(Attached *a) {
        a->units = strv_free(a->units);
        a->images = strv_free(a->images);
        a->files = strv_free(a->files);
}

static const char *attached_files(const Attached *a, const char *unit) {
        for (size_t k = 0; a->units && a->units[k]; k++)
                if (streq(a->units[k], unit))
                        return a->files[k];
        return NULL;
}

const char *attached_image(const Attached *a, const char *unit) {
        for (size_t k = 0; a->units && a->units[k]; k++)
                if (streq(a->units[k], unit))
                        return a->images[k];
        return NULL;
}

/* --- what the generator attached */

/* "# Drop-in created for image '/var/lib/portables/foo_1.raw', do not edit." -> the path. */
static int marker_image(const char *text, char **ret) {
        const char *p, *eol;
        size_t l;

        p = startswith(text, PORTABLE_DROPIN_MARKER_BEGIN);
        if (!p)
                return -ENOENT;
        eol = strchrnul(p, '\n');
        l = (size_t) (eol - p);
        if (l < strlen(PORTABLE_DROPIN_MARKER_END) ||
            !strneq(eol - strlen(PORTABLE_DROPIN_MARKER_END), PORTABLE_DROPIN_MARKER_END, strlen(PORTABLE_DROPIN_MARKER_END)))
                return -ENOENT;
        l -= strlen(PORTABLE_DROPIN_MARKER_END);
        if (l == 0)
                return -ENOENT;

        *ret = strndup(p, l);
        return *ret ? 0 : -ENOMEM;
}

/* What the generator wrote for unit in the directory dir_fd: "UNIT\n" + the unit file, then
 * "UNIT.d/NAME\n" + each file of UNIT.d/ (sorted), each followed by "\n\n". A file that cannot be
 * read is named with its error, so that a change to it still counts as a change. */
static int unit_files_read(int dir_fd, const char *unit, char **ret) {
        _cleanup_free_ char *text = NULL, *dname = NULL;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        int fd, r;

        dname = strjoin(unit, ".d");
        if (!dname)
                return -ENOMEM;
        fd = openat(dir_fd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
                d = fdopendir(fd);
                if (!d) {
                        safe_close(fd);
                        return -errno;
                }
                r = dir_list(d, "", UNIT_FILES_MAX, &names);
                if (r < 0)
                        return r;
        }

        for (ssize_t k = -1; k < (ssize_t) strv_length(names); k++) {
                _cleanup_free_ char *path = NULL, *content = NULL;
                _cleanup_close_ int ffd = -EBADF;

                path = k < 0 ? strdup(unit) : strjoin(dname, "/", names[k]);
                if (!path)
                        return -ENOMEM;
                ffd = openat(dir_fd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                r = ffd < 0 ? -errno : read_regular_fd(ffd, SMALL_FILE_SIZE_MAX, &content, /* ret_size= */ NULL);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 && strextendf(&text, "%s: %s\n\n", path, strerror(-r)) < 0)
                        return -ENOMEM;
                if (r >= 0 && !strextend(&text, path, "\n", content, "\n\n"))
                        return -ENOMEM;
        }

        *ret = TAKE_PTR(text);
        return 0;
}

int attached_read(const char *dir, Attached *ret) {
        _cleanup_(attached_done) Attached a = {};
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT) {
                        *ret = (Attached) {};
                        return 0;
                }
                return log_error_errno(errno, "Failed to open %s: %m", dir);
        }

        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *path = NULL, *text = NULL, *image = NULL, *unit = NULL, *files = NULL;
                _cleanup_close_ int fd = -EBADF;
                size_t l = strlen(de->d_name);

                if (de->d_name[0] == '.' || !endswith(de->d_name, ".d"))
                        continue;

                path = strjoin(de->d_name, "/20-portable.conf");
                if (!path)
                        return log_oom();
                fd = openat(dirfd(d), path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        if (errno != ENOENT)
                                log_warning_errno(errno, "Failed to open %s/%s, ignoring: %m", dir, path);
                        continue;
                }
                r = read_regular_fd(fd, SMALL_FILE_SIZE_MAX, &text, /* ret_size= */ NULL);
                if (r < 0) {
                        log_warning_errno(r, "Failed to read %s/%s, ignoring: %m", dir, path);
                        continue;
                }
                r = marker_image(text, &image);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        log_debug("%s/%s has no portable marker, not ours.", dir, path);
                        continue;
                }

                unit = strndup(de->d_name, l - 2);
                if (!unit)
                        return log_oom();
                r = unit_files_read(dirfd(d), unit, &files);
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0) {
                        log_warning_errno(r, "Failed to read what was generated for %s in %s, ignoring: %m", unit, dir);
                        files = strdup("");
                        if (!files)
                                return log_oom();
                }
                if (strv_consume(&a.units, TAKE_PTR(unit)) < 0 ||
                    strv_consume(&a.images, TAKE_PTR(image)) < 0 ||
                    strv_consume(&a.files, TAKE_PTR(files)) < 0)
                        return log_oom();
        }
        if (errno != 0)
                return log_error_errno(errno, "Failed to read directory %s: %m", dir);

        *ret = TAKE_STRUCT(a);
        return 0;
}

/* --- the decisions */

static bool in_scope(const RefreshOps *ops, const char *image) {
        if (!ops->only_images)
                return true;
        /* An entry attach placed: an image, or a versioned directory holding the one picked. */
        STRV_FOREACH(i, ops->only_images)
                if (placed_entry_covers(*i, image))
                        return true;
        return false;
}

/* Stops one unit whose image is gone; a failed one is reset, so that nothing of it remains. */
static int stop_gone_unit(sd_bus *bus, const char *unit, const char *image, RefreshOps *ops) {
        _cleanup_free_ char *state = NULL;
        int r;

        r = unit_state(bus, unit, &state, /* ret_job= */ NULL);
        if (r < 0)
                return r;

        if (streq(state, "failed")) {
                log_info("Unit %s of image %s is gone; resetting its failed state.", unit, image);
                r = unit_call(bus, "ResetFailedUnit", unit);
                return r == -ENOENT ? 0 : r;
        }
        if (streq(state, "inactive")) {
                log_info("Unit %s of image %s is gone.", unit, image);
                return 0;
        }

        log_info("Unit %s of image %s is gone; stopping it (it was %s).", unit, image, state);
        r = unit_call(bus, "StopUnit", unit);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        if (strv_extend(&ops->jobs, unit) < 0)
                return log_oom();
        ops->n_stopped++;
        return 0;
}

static int stop_gone(sd_bus *bus, const Attached *before, const Attached *after, RefreshOps *ops) {
        int ret = 0;

        for (size_t k = 0; before->units && before->units[k]; k++) {
                const char *unit = before->units[k], *image = before->images[k];
                int r;

                if (attached_image(after, unit) || !in_scope(ops, image))
                        continue;

                if (unit_name_is_template(unit)) {
                        _cleanup_strv_free_ char **instances = NULL;

                        log_info("Template %s of image %s is gone.", unit, image);
                        r = template_instances(bus, unit, &instances);
                        if (r < 0) {
                                ret = ret ?: r;
                                continue;
                        }
                        STRV_FOREACH(i, instances) {
                                r = stop_gone_unit(bus, *i, image, ops);
                                if (r < 0)
                                        ret = ret ?: r;
                        }
                        continue;
                }

                r = stop_gone_unit(bus, unit, image, ops);
                if (r < 0)
                        ret = ret ?: r;
        }
        return ret;
}

static bool is_new(const Attached *before, const Attached *after, const char *unit) {
        return attached_image(after, unit) && !attached_image(before, unit);
}

/* The units to start: links in TARGET.wants/ (.requires/, .upholds/) below the generator dir
 * that point to a new unit, where TARGET is active or on its way. Link names are what is started
 * (an instance, for a template with DefaultInstance=). */
static int enabled_new_units(sd_bus *bus, const char *dir, const Attached *before, const Attached *after,
                             const RefreshOps *ops, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        d = opendir(dir);
        if (!d) {
                if (errno == ENOENT) {
                        *ret = NULL;
                        return 0;
                }
                return log_error_errno(errno, "Failed to open %s: %m", dir);
        }

        while ((errno = 0, de = readdir(d))) {
                _cleanup_free_ char *target = NULL, *target_state = NULL;
                bool target_job = false;
                _cleanup_closedir_ DIR *sub = NULL;
                const char *suffix = NULL;
                struct dirent *le;
                int fd, r;

                if (de->d_name[0] == '.')
                        continue;
                for (const char *const *s = (const char *const[]) { ".wants", ".requires", ".upholds", NULL }; *s; s++)
                        if (endswith(de->d_name, *s)) {
                                suffix = *s;
                                break;
                        }
                if (!suffix)
                        continue;

                fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (fd < 0) {
                        log_warning_errno(errno, "Failed to open %s/%s, ignoring: %m", dir, de->d_name);
                        continue;
                }
                sub = fdopendir(fd);
                if (!sub) {
                        log_warning_errno(errno, "Failed to open %s/%s, ignoring: %m", dir, de->d_name);
                        safe_close(fd);
                        continue;
                }

                while ((errno = 0, le = readdir(sub))) {
                        char link[PATH_MAX];
                        const char *base;
                        ssize_t n;

                        if (le->d_name[0] == '.')
                                continue;
                        n = readlinkat(dirfd(sub), le->d_name, link, sizeof link - 1);
                        if (n < 0)
                                continue;       /* not a symlink: not a generator link */
                        link[n] = 0;
                        base = strrchr(link, '/');
                        base = base ? base + 1 : link;
                        if (!(is_new(before, after, base) || (ops->start_enabled && attached_image(after, base))) ||
                            !in_scope(ops, attached_image(after, base)))
                                continue;
                        if (strv_contains(l, le->d_name))
                                continue;

                        if (!target) {
                                target = strndup(de->d_name, strlen(de->d_name) - strlen(suffix));
                                if (!target)
                                        return log_oom();
                                r = unit_state(bus, target, &target_state, &target_job);
                                if (r < 0)
                                        return r;
                        }
                        /* During boot the target is still inactive, with a start job queued. */
                        if (!streq(target_state, "active") && !streq(target_state, "activating") &&
                            !streq(target_state, "reloading") && !target_job) {
                                log_info("Unit %s of image %s is enabled for %s, which is %s: not starting it.",
                                         le->d_name, attached_image(after, base), target, target_state);
                                continue;
                        }
                        if (strv_extend(&l, le->d_name) < 0)
                                return log_oom();
                }
                if (errno != 0)
                        log_warning_errno(errno, "Failed to read %s/%s, ignoring: %m", dir, de->d_name);
        }
        if (errno != 0)
                return log_error_errno(errno, "Failed to read directory %s: %m", dir);

        *ret = TAKE_PTR(l);
        return 0;
}

static int start_new(sd_bus *bus, const Attached *before, const Attached *after, RefreshOps *ops) {
        _cleanup_strv_free_ char **start = NULL;
        int r, ret = 0;

        for (size_t k = 0; after->units && after->units[k]; k++)
                if (is_new(before, after, after->units[k]) && in_scope(ops, after->images[k]))
                        log_info("Unit %s of image %s is attached.", after->units[k], after->images[k]);

        if (!ops->start_new)
                return 0;

        r = enabled_new_units(bus, GENERATOR_NORMAL_DIR, before, after, ops, &start);
        if (r < 0)
                return r;

        STRV_FOREACH(u, start) {
                _cleanup_free_ char *state = NULL;

                /* start_enabled: one that runs already (here before, from this image or another
                 * version) is left as it is (restarting is reattach's and Restart=changed's). */
                if (ops->start_enabled) {
                        r = unit_state(bus, *u, &state, NULL);
                        if (r < 0) {
                                ret = ret ?: r;
                                continue;
                        }
                        if (streq(state, "active") || streq(state, "activating") || streq(state, "reloading")) {
                                log_info("Unit %s (enabled) is %s already.", *u, state);
                                continue;
                        }
                }
                log_info("Starting %s (enabled).", *u);
                r = unit_call(bus, "StartUnit", *u);
                if (r == -ENOENT)
                        r = log_error_errno(r, "Failed to start %s: systemd does not know it.", *u);
                if (r < 0) {
                        ret = ret ?: r;
                        continue;
                }
                if (strv_extend(&ops->jobs, *u) < 0)
                        return log_oom();
                ops->n_started++;
        }
        return ret;
}

/* Whether the settings of the image at host path image say Restart=changed (global and its
 * NAME.portable, as the generator reads them). Settings that cannot be read: no (the generator
 * refused the image then, and its units are gone anyway). */
static bool restart_wanted(const char *image) {
        _cleanup_(portable_settings_done) PortableSettings global = PORTABLE_SETTINGS_NULL, s = PORTABLE_SETTINGS_NULL;
        _cleanup_(context_done) Context c = { .root_fd = -EBADF };
        _cleanup_free_ char *name = NULL;
        const char *fn = strrchr(image, '/');

        if (!fn || image_name_parse(fn + 1, endswith(fn + 1, ".raw"), &name, NULL) < 0)
                return false;
        if (context_init_root(&c, NULL) < 0)
                return false;
        if (portable_settings_load_global(&c, &global) < 0 || portable_settings_load_image(&c, name, &global, &s) < 0)
                return false;
        return portable_settings_restart(&s) == RESTART_CHANGED;
}

/* Units that changed, i.e. now come from another image or the generator wrote other files for
 * them: logged, and with restart_changed (or restart_by_settings and Restart=changed for the
 * image) restarted when they run (a template's running instances too), so that they run from the
 * new image with the new files. */
static int replaced(sd_bus *bus, const Attached *before, const Attached *after, RefreshOps *ops) {
        int ret = 0, r;

        for (size_t k = 0; after->units && after->units[k]; k++) {
                const char *old = attached_image(before, after->units[k]), *new = after->images[k];
                _cleanup_strv_free_ char **instances = NULL;
                _cleanup_free_ char *what = NULL;
                bool moved;

                if (!old)
                        continue;
                moved = !streq(old, new);
                if (!moved && streq_ptr(attached_files(before, after->units[k]), after->files[k]))
                        continue;
                what = moved ? strjoin("now comes from image ", new, " instead of ", old) :
                               strjoin("of image ", new, " changed");
                if (!what)
                        return log_oom();

                if (!(in_scope(ops, old) || in_scope(ops, new)) ||
                    !(ops->restart_changed || (ops->restart_by_settings && restart_wanted(new)))) {
                        log_notice("Unit %s %s; if it runs, it keeps what it started with until it is restarted%s.",
                                   after->units[k], what,
                                   ops->restart_by_settings ? " (Restart=changed in its settings restarts it)" : "");
                        continue;
                }

                if (unit_name_is_template(after->units[k])) {
                        r = template_instances(bus, after->units[k], &instances);
                        if (r < 0) {
                                ret = ret ?: r;
                                continue;
                        }
                } else if (strv_extend(&instances, after->units[k]) < 0)
                        return log_oom();

                STRV_FOREACH(u, instances) {
                        _cleanup_free_ char *state = NULL;

                        r = unit_state(bus, *u, &state, NULL);
                        if (r < 0) {
                                ret = ret ?: r;
                                continue;
                        }
                        if (!streq(state, "active") && !streq(state, "activating") && !streq(state, "reloading")) {
                                log_info("Unit %s %s; it is %s, not restarting it.", *u, what, state);
                                continue;
                        }
                        log_info("Unit %s %s; restarting it.", *u, what);
                        r = unit_call(bus, "RestartUnit", *u);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0) {
                                ret = ret ?: r;
                                continue;
                        }
                        if (strv_extend(&ops->jobs, *u) < 0)
                                return log_oom();
                        ops->n_restarted++;
                }
        }
        return ret;
}

int refresh_reload(sd_bus *bus, RefreshOps *ops) {
        _cleanup_(attached_done) Attached before = {}, after = {};
        int r, ret;

        r = attached_read(GENERATOR_NORMAL_DIR, &before);
        if (r < 0)
                return r;

        r = manager_reload(bus);
        if (r < 0)
                return r;

        r = attached_read(GENERATOR_NORMAL_DIR, &after);
        if (r < 0)
                return r;

        /* Stop first: an image replaced by one under another name may offer the same units. */
        ret = ops->stop_gone ? stop_gone(bus, &before, &after, ops) : 0;
        r = replaced(bus, &before, &after, ops);
        if (r < 0 && ret == 0)
                ret = r;
        r = start_new(bus, &before, &after, ops);
        if (r < 0 && ret == 0)
                ret = r;

        /* The generator's time budget ran out: it pulled in portables-prepare.service, which a
         * reload does not start by itself. It reads the rest into the cache and refreshes again. */
        if (access(GENERATOR_NORMAL_DIR "/multi-user.target.wants/portables-prepare.service", F_OK) >= 0) {
                log_info("The reload deferred images: starting portables-prepare.service to attach them.");
                r = unit_call(bus, "StartUnit", "portables-prepare.service");
                if (r < 0 && ret == 0)
                        ret = r;
        }
        return ret;
}

int verb_refresh(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_close_ int watch_fd = -EBADF;
        RefreshOps ops = { .stop_gone = true, .start_new = true, .restart_by_settings = true };
        int r, ret = 0;

        if (argc > 1)
                return log_error_errno(EINVAL, "'refresh' takes no arguments.");
        /* It reloads the running systemd: a tree (--root=) has none, and it must not reload ours. */
        if (!streq(output_root(), "/")) {
                log_error("'refresh' acts on the running system (it reloads systemd): not with --root= or $PORTABLES_ROOT.");
                return EXIT_USAGE;
        }

        /* What was started and stopped is this verb's output: show it unless told otherwise. */
        if (!getenv("SYSTEMD_LOG_LEVEL") && log_get_max_level() < LOG_INFO)
                log_set_max_level(LOG_INFO);

        /* Watch first, so that nothing that happens from now on is missed. */
        r = watch_setup(&watch_fd);
        if (r < 0)
                return r;

        r = sd_bus_open_system(&bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the system bus: %m");

        for (unsigned round = 1;; round++) {
                r = watch_wait_quiet(watch_fd);
                if (r < 0)
                        return r;

                r = refresh_reload(bus, &ops);
                if (r < 0)
                        ret = ret ?: r;
                if (r == -ENOMEM)
                        return r;

                r = watch_drain(watch_fd);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                if (round >= ROUNDS_MAX) {
                        log_notice("The portables directories keep changing; stopping after %u rounds.", round);
                        break;
                }
                log_info("The portables directories changed during the refresh; once more.");
        }

        log_info("Refresh done: %u unit(s) started, %u stopped, %u restarted.", ops.n_started, ops.n_stopped,
                 ops.n_restarted);
        strv_free(ops.jobs);
        return ret;
}
