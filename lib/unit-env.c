/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <stdio.h>

#include "env-file.h"
#include "ini.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"
#include "unit-env.h"
#include "unit-printf.h"

#define ENV_FILE_MAX (64U * 1024U)

const char *const unit_env_dirs[] = {
        "/etc/default",
        "/etc/sysconfig",
        NULL,
};

bool unit_env_path_allowed(const char *path) {
        assert(path);

        for (size_t k = 0; unit_env_dirs[k]; k++) {
                const char *n = startswith(path, unit_env_dirs[k]);

                if (n && n[0] == '/' && !isempty(n + 1) && !strpbrk(n + 1, "/*?[") && !streq(n + 1, ".") &&
                    !streq(n + 1, ".."))
                        return true;
        }
        return false;
}

typedef struct EnvCollect {
        char **paths;           /* in order; an empty assignment resets */
} EnvCollect;

static int collect(const char *section, const char *key, const char *value, const char *filename, unsigned line,
                   void *userdata) {
        EnvCollect *c = userdata;

        if (!section || !streq(section, "Service") || !streq(key, "EnvironmentFile"))
                return 0;
        if (isempty(value)) {
                c->paths = strv_free(c->paths);
                return 0;
        }
        return strv_extend(&c->paths, value);
}

static int unit_read_environment(const ImageFS *fs, const char *image_path, ImageUnit *u) {
        _cleanup_strv_free_ char **env = NULL, **seen = NULL;
        EnvCollect c = {};
        size_t total = 0;
        int r;

        r = image_unit_parse(u, collect, ini_garbage_ignore, NULL, &c);
        for (size_t k = 0; r >= 0 && k < u->n_dropins; k++)
                r = unit_dropin_parse(u->dropins + k, collect, ini_garbage_ignore, NULL, &c);
        if (r < 0)
                goto finish;
        if (!c.paths) {
                r = 0;
                goto finish;
        }

        STRV_FOREACH(p, c.paths) {
                _cleanup_free_ char *path = NULL, *text = NULL;
                _cleanup_strv_free_ char **vars = NULL;
                bool optional = (*p)[0] == '-';

                /* Resolved as systemd would (unit_full_printf()); what cannot be is the rules'. A file
                 * named twice counts once (its assignments are the same again). */
                if (unit_printf(u->name, *p + optional, /* full= */ true, &path) < 0 || !unit_env_path_allowed(path) ||
                    strv_contains(seen, path))
                        continue;
                if (strv_extend(&seen, path) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }

                r = image_fs_read_file(fs, path, ENV_FILE_MAX, &text);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        if (optional)
                                continue;
                        if (!u->environment_refused &&
                            asprintf(&u->environment_refused, "its EnvironmentFile=%s is not in the image", path) < 0) {
                                u->environment_refused = NULL;
                                r = -ENOMEM;
                                goto finish;
                        }
                        continue;
                }

                r = env_file_parse(text, &vars);
                if (r == -ENOMEM)
                        goto finish;
                if (r < 0) {
                        log_warning_errno(r, "Image %s: %s, the EnvironmentFile= of %s, cannot be parsed, ignoring it: %m",
                                          image_path, path, u->name);
                        continue;
                }
                STRV_FOREACH(v, vars) {
                        /* As written into the drop-in: quoted, "%" doubled. */
                        total += 2 * strlen(*v) + sizeof("Environment=\"\"\n");
                        if (strv_extend(&env, *v) < 0) {
                                r = -ENOMEM;
                                goto finish;
                        }
                }
                if (total > UNIT_ENVIRONMENT_MAX) {
                        if (!u->environment_refused &&
                            asprintf(&u->environment_refused, "its EnvironmentFile= files hold more than %u KiB of "
                                     "assignments", UNIT_ENVIRONMENT_MAX / 1024) < 0) {
                                u->environment_refused = NULL;
                                r = -ENOMEM;
                                goto finish;
                        }
                        break;
                }
        }

        u->environment = TAKE_PTR(env);
        u->environment_files = true;
        r = 0;
finish:
        strv_free(c.paths);
        return r;
}

int image_units_read_environment(const ImageFS *fs, const char *image_path, ImageUnits *units) {
        int r;

        assert(fs);
        assert(units);

        for (size_t i = 0; i < units->n_units; i++) {
                if (units->units[i].type != UNIT_SERVICE)
                        continue;
                r = unit_read_environment(fs, image_path, units->units + i);
                if (r < 0)
                        return r;
        }
        return 0;
}
