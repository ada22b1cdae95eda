/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>

#include "fileio.h"
#include "log.h"
#include "profile.h"
#include "string-util.h"

void profile_done(Profile *p) {
        assert(p);

        p->name = mfree(p->name);
        p->dir = mfree(p->dir);
        for (UnitType t = 0; t < _UNIT_TYPE_MAX; t++)
                p->texts[t] = mfree(p->texts[t]);
}

static int profile_find_dir(const Context *c, const char *name, char **ret) {
        int r;

        if (name[0] == '/') {
                _cleanup_close_ int fd = host_open(c, name, O_DIRECTORY);
                if (fd < 0)
                        return fd == -ENOTDIR ? -ENOENT : fd;
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }

        for (const char *const *d = profile_dirs; *d; d++) {
                _cleanup_free_ char *p = strjoin(*d, "/", name);
                _cleanup_close_ int fd = -EBADF;

                if (!p)
                        return -ENOMEM;

                fd = host_open(c, p, O_DIRECTORY);
                if (fd == -ENOENT || fd == -ENOTDIR)
                        continue;
                if (fd < 0)
                        return log_debug_errno(fd, "Failed to open profile directory %s: %m", p);

                *ret = TAKE_PTR(p);
                return 0;
        }

        r = -ENOENT;
        return r;
}

int profile_load(const Context *c, const char *name, Profile *ret) {
        _cleanup_(profile_done) Profile p = {};
        int r;

        assert(ret);

        p.name = strdup(name);
        if (!p.name)
                return -ENOMEM;

        r = profile_find_dir(c, name, &p.dir);
        if (r < 0)
                return r;

        for (UnitType t = 0; t < _UNIT_TYPE_MAX; t++) {
                _cleanup_free_ char *f = strjoin(p.dir, "/", unit_type_to_string(t), ".conf");

                if (!f)
                        return -ENOMEM;

                r = host_read_file(c, f, SMALL_FILE_SIZE_MAX, &p.texts[t], /* ret_size= */ NULL);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return log_error_errno(r, "Failed to read profile file %s: %m", f);
        }

        if (!p.texts[UNIT_SERVICE])
                return -ENOMEDIUM;

        *ret = TAKE_STRUCT(p);
        return 0;
}
