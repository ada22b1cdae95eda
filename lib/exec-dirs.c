/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "exec-dirs.h"
#include "fileio.h"
#include "ini.h"
#include "string-util.h"
#include "strv.h"

const char *const exec_dirs_roots[] = { "/var/lib", "/var/cache", "/var/log", "/etc", "/run", NULL };

const ExecDirKind exec_dir_kinds[_EXEC_DIR_MAX] = {
        [EXEC_DIR_STATE]         = { "StateDirectory", "/var/lib" },
        [EXEC_DIR_CACHE]         = { "CacheDirectory", "/var/cache" },
        [EXEC_DIR_LOGS]          = { "LogsDirectory", "/var/log" },
        [EXEC_DIR_CONFIGURATION] = { "ConfigurationDirectory", "/etc" },
        [EXEC_DIR_RUNTIME]       = { "RuntimeDirectory", "/run" },
};

/* The ones with a mount point in the image: /run is a fresh file system. */
#define N_MOUNTED EXEC_DIR_RUNTIME

typedef struct Collect {
        char **dirs[N_MOUNTED];
} Collect;

static int collect(const char *section, const char *key, const char *value, const char *filename,
                   unsigned line, void *userdata) {
        Collect *c = userdata;
        const char *p = value;
        int r;

        if (!section || !streq(section, "Service"))
                return 0;

        for (size_t k = 0; k < N_MOUNTED; k++) {
                if (!streq(key, exec_dir_kinds[k].key))
                        continue;
                if (isempty(value)) {
                        c->dirs[k] = strv_free(c->dirs[k]);
                        return 0;
                }
                for (;;) {
                        _cleanup_free_ char *w = NULL, *path = NULL;
                        char *colon;

                        r = extract_first_word(&p, &w);
                        if (r == -ENOMEM)
                                return r;
                        if (r <= 0)
                                return 0;       /* systemd complains about bad quoting itself */
                        /* "NAME[:SYMLINK]" (systemd 250+): the mount point is NAME. */
                        colon = strchr(w, ':');
                        if (colon)
                                *colon = 0;
                        /* Relative, no "..": systemd refuses others, not our business. */
                        if (isempty(w) || w[0] == '/' || strstr(w, "..") || strchr(w, '%'))
                                continue;
                        path = strjoin(exec_dir_kinds[k].base, "/", w);
                        if (!path)
                                return -ENOMEM;
                        r = strv_consume(&c->dirs[k], TAKE_PTR(path));
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int exec_dirs_needed(const ImageUnits *units, char ***ret) {
        _cleanup_strv_free_ char **all = NULL;
        int r;

        assert(units);
        assert(ret);

        for (size_t u = 0; u < units->n_units; u++) {
                const ImageUnit *iu = units->units + u;
                Collect c = {};

                if (iu->type != UNIT_SERVICE)
                        continue;

                r = image_unit_parse(iu, collect, ini_garbage_ignore, NULL, &c);
                for (size_t d = 0; r >= 0 && d < iu->n_dropins; d++)
                        r = unit_dropin_parse(iu->dropins + d, collect, ini_garbage_ignore, NULL, &c);

                for (size_t k = 0; k < N_MOUNTED; k++) {
                        STRV_FOREACH(d, c.dirs[k])
                                if (r >= 0 && !strv_contains(all, *d))
                                        r = strv_extend(&all, *d) < 0 ? -ENOMEM : 0;
                        strv_free(c.dirs[k]);
                }
                if (r == -ENOMEM)
                        return r;
        }

        *ret = TAKE_PTR(all);
        return 0;
}

int exec_dirs_missing(const ImageFS *fs, const ImageUnits *units, char ***ret) {
        _cleanup_strv_free_ char **needed = NULL, **missing = NULL;
        int r;

        r = exec_dirs_needed(units, &needed);
        if (r < 0)
                return r;

        STRV_FOREACH(d, needed) {
                /* A symlink counts: systemd resolves it inside the image. */
                if (image_fs_exists(fs, *d))
                        continue;
                r = strv_extend(&missing, *d);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(missing);
        return 0;
}
