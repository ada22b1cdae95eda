/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "placed.h"
#include "string-util.h"
#include "strv.h"
#include "sysusers.h"
#include "users-record.h"

static int record_dir(const char *root, char **ret) {
        *ret = root_path(root, USERS_RECORD_DIR);
        return *ret ? 0 : -ENOMEM;
}

int users_record_read(const char *root, const char *name, char ***ret) {
        _cleanup_free_ char *dir = NULL, *text = NULL;
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        *ret = NULL;
        if (record_dir(root, &dir) < 0)
                return log_oom();
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "Failed to open %s: %m", dir);
        r = read_file_at(fd, name, SMALL_FILE_SIZE_MAX, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read %s/%s: %m", dir, name);

        for (char *p = text, *eol; *p; p = eol + 1) {
                bool last;
                const char *v;

                eol = strchrnul(p, '\n');
                last = !*eol;
                *eol = 0;
                /* Only well-formed lines: detach runs userdel/groupdel on what is here. */
                if (((v = startswith(p, "user ")) || (v = startswith(p, "group "))) && sysusers_valid_name(v) &&
                    strv_extend(&l, p) < 0)
                        return log_oom();
                if (last)
                        break;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

int users_record_add(const char *root, const char *name, char *const *created) {
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *dir = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        assert(name);
        if (!created)
                return 0;

        r = users_record_read(root, name, &l);
        if (r < 0)
                return r;
        STRV_FOREACH(c, created) {
                _cleanup_free_ char *line = NULL;
                const char *sp = strchr(*c, ' '), *end;

                if (!sp)
                        continue;
                end = strchrnul(sp + 1, ' ');
                if (asprintf(&line, "%.*s %.*s", (int) (sp - *c), *c, (int) (end - sp - 1), sp + 1) < 0)
                        return log_oom();
                if (!strv_contains(l, line) && strv_consume(&l, TAKE_PTR(line)) < 0)
                        return log_oom();
        }

        if (record_dir(root, &dir) < 0)
                return log_oom();
        r = mkdir_p_at(AT_FDCWD, dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to create %s: %m", dir);
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", dir);
        text = strv_join(l, "\n");
        if (!text || !strextend(&text, "\n"))
                return log_oom();
        r = write_file_atomic_at(fd, name, text, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s/%s: %m", dir, name);
        return 0;
}

int users_record_remove(const char *root, const char *name) {
        _cleanup_free_ char *dir = NULL, *f = NULL;

        if (record_dir(root, &dir) < 0 || !(f = strjoin(dir, "/", name)))
                return log_oom();
        if (unlink(f) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove %s: %m", f);
        (void) rmdir(dir);
        return 0;
}
