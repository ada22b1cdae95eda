/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "fileio.h"
#include "ini.h"
#include "mount-points.h"
#include "string-util.h"
#include "strv.h"

void mount_point_check_done(MountPointCheck *m) {
        assert(m);

        m->missing_dirs = strv_free(m->missing_dirs);
        m->missing_targets = strv_free(m->missing_targets);
        m->override = mfree(m->override);
}

const char *const mount_point_api_dirs[] = { "/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp", NULL };

static bool path_below_fresh_fs(const char *p) {
        for (size_t i = 0; mount_point_api_dirs[i]; i++) {
                const char *e = startswith(p, mount_point_api_dirs[i]);
                if (e && (*e == '/' || *e == 0))
                        return true;
        }
        return false;
}

static int collect_binds(const char *section, const char *key, const char *value, const char *filename,
                         unsigned line, void *userdata) {
        ProfileBinds *b = userdata;
        char ***l;
        const char *p = value;
        int r;

        if (!section || !streq(section, "Service"))
                return 0;
        if (streq(key, "BindReadOnlyPaths"))
                l = &b->read_only;
        else if (streq(key, "BindPaths"))
                l = &b->read_write;
        else
                return 0;

        if (isempty(value)) {
                *l = strv_free(*l);
                return 0;
        }

        for (;;) {
                char *w;

                r = extract_first_word(&p, &w);
                if (r < 0)
                        return 0;       /* systemd will complain about it, not our business */
                if (r == 0)
                        return 0;
                r = strv_consume(l, w);
                if (r < 0)
                        return r;
        }
}

static int bind_target(const char *entry, char **ret) {
        const char *s = entry, *colon;

        /* "[-]SOURCE[:DESTINATION[:OPTIONS]]" */
        if (*s == '-')
                s++;
        colon = strchr(s, ':');
        if (colon) {
                const char *d = colon + 1, *c2 = strchr(d, ':');
                *ret = c2 ? strndup(d, c2 - d) : strdup(d);
        } else
                *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int filter_list(const ImageFS *fs, const char *key, char **entries, MountPointCheck *m, char **out) {
        _cleanup_free_ char *kept = NULL;
        bool dropped = false;
        int r;

        STRV_FOREACH(e, entries) {
                _cleanup_free_ char *t = NULL;

                r = bind_target(*e, &t);
                if (r < 0)
                        return r;

                if (t[0] == '/' && !path_below_fresh_fs(t) && !image_fs_exists(fs, t)) {
                        r = strv_extend(&m->missing_targets, t);
                        if (r < 0)
                                return r;
                        dropped = true;
                        continue;
                }

                if (strpbrk(*e, WHITESPACE "\"'\\")) {
                        /* Re-quote what needs it, as it was unquoted when read. */
                        if (!strextend(&kept, key, "=\"", *e, "\"\n"))
                                return -ENOMEM;
                } else if (!strextend(&kept, key, "=", *e, "\n"))
                        return -ENOMEM;
        }

        if (!dropped)
                return 0;

        if (!strextend(out, key, "=\n", strempty(kept)))
                return -ENOMEM;
        return 0;
}

void profile_binds_done(ProfileBinds *b) {
        assert(b);

        b->read_only = strv_free(b->read_only);
        b->read_write = strv_free(b->read_write);
}

int profile_binds_parse(const char *profile_service_text, ProfileBinds *ret) {
        _cleanup_(profile_binds_done) ProfileBinds b = {};
        int r;

        assert(ret);

        if (profile_service_text) {
                r = ini_parse(profile_service_text, "profile", collect_binds, ini_garbage_ignore, &b);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_STRUCT(b);
        return 0;
}

static int bind_targets(const char *profile_service_text, bool all, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_(profile_binds_done) ProfileBinds b = {};
        int r;

        if (profile_service_text) {
                r = profile_binds_parse(profile_service_text, &b);
                for (int k = 0; r >= 0 && k < 2; k++)
                        STRV_FOREACH(e, k == 0 ? b.read_only : b.read_write) {
                                char *t;

                                r = bind_target(*e, &t);
                                if (r < 0)
                                        break;
                                if (t[0] != '/' || (!all && path_below_fresh_fs(t)) || strv_contains(l, t)) {
                                        free(t);
                                        continue;
                                }
                                r = strv_consume(&l, t);
                                if (r < 0)
                                        break;
                        }
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

int profile_bind_targets(const char *profile_service_text, char ***ret) {
        return bind_targets(profile_service_text, /* all= */ false, ret);
}

int profile_bind_targets_all(const char *profile_service_text, char ***ret) {
        return bind_targets(profile_service_text, /* all= */ true, ret);
}

int image_check_mount_points(const ImageFS *fs, const ProfileBinds *b, MountPointCheck *ret) {
        _cleanup_(mount_point_check_done) MountPointCheck m = {};
        _cleanup_free_ char *out = NULL;
        int r;

        assert(b);
        assert(ret);

        for (size_t i = 0; mount_point_api_dirs[i]; i++)
                if (!image_fs_exists(fs, mount_point_api_dirs[i])) {
                        r = strv_extend(&m.missing_dirs, mount_point_api_dirs[i]);
                        if (r < 0)
                                return r;
                }

        r = filter_list(fs, "BindReadOnlyPaths", b->read_only, &m, &out);
        if (r >= 0)
                r = filter_list(fs, "BindPaths", b->read_write, &m, &out);
        if (r < 0)
                return r;

        if (out) {
                _cleanup_free_ char *l = strv_join(m.missing_targets, " ");
                if (!l)
                        return -ENOMEM;
                if (asprintf(&m.override,
                             "# The image has no %s to bind onto: the profile's bind mounts are repeated without it.\n%s",
                             l, out) < 0)
                        return -ENOMEM;
        }

        *ret = TAKE_STRUCT(m);
        return 0;
}
