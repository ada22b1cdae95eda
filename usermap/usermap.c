/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "account-text.h"
#include "fileio.h"
#include "log.h"
#include "names.h"
#include "string-util.h"
#include "sysusers.h"
#include "unit-usermap.h"
#include "usermap.h"

/* The generator's normal output directory, where it wrote the templates. */
#define GENERATOR_NORMAL_DIR "/run/systemd/generator"

static bool unit_valid(const char *unit) {
        return unit_name_type(unit) == UNIT_SERVICE && !unit_name_is_template(unit);
}

static int template_read(const Context *c, const char *unit, const char *file, char **ret) {
        _cleanup_free_ char *path = strjoin(GENERATOR_NORMAL_DIR "/" USERMAP_TEMPLATE_DIR "/", unit, "/", file);
        int r;

        if (!path)
                return log_oom();
        r = host_read_file(c, path, ACCOUNT_TEXT_SIZE_MAX, ret, /* ret_size= */ NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %s", path, read_error_to_string(r));
        return 0;
}

int usermap_setup(const Context *c, const char *unit, const char *user) {
        _cleanup_free_ char *passwd_t = NULL, *group_t = NULL, *user_line = NULL, *passwd = NULL, *group = NULL;
        _cleanup_close_ int dir_fd = -EBADF;
        const char *out;
        uid_t uid = getuid();
        gid_t gid = getgid();
        int r;

        assert(c);
        assert(unit);
        assert(user);

        /* From the generated unit, but names go into paths: checked all the same. */
        if (!unit_valid(unit) || unit_name_is_template(unit) || unit_name_is_instance(unit))
                return log_error_errno(EINVAL, "Not a service unit name: %s", unit);
        if (!sysusers_valid_name(user))
                return log_error_errno(EINVAL, "Not a valid user name: %s", user);
        /* We run as the service's user: DynamicUser= with the same User= is the same user while
         * either unit runs (or the host's static user of that name, which systemd then takes). */
        if (uid == 0)
                return log_error_errno(EPERM, "Running as root: run by portables-usermap@%s.service only, "
                                       "as the service's user.", unit);
        out = getenv("RUNTIME_DIRECTORY");
        if (!out || out[0] != '/' || strchr(out, ':'))
                return log_error_errno(EINVAL, "$RUNTIME_DIRECTORY is not set: run by portables-usermap@%s.service only.", unit);

        r = template_read(c, unit, "passwd", &passwd_t);
        if (r >= 0)
                r = template_read(c, unit, "group", &group_t);
        if (r >= 0)
                r = template_read(c, unit, "user", &user_line);
        if (r < 0)
                return r;

        r = account_text_passwd(passwd_t, user_line, user, uid, gid, &passwd);
        if (r >= 0)
                r = account_text_group(group_t, user_line, user, gid, &group);
        if (r < 0)
                return log_error_errno(r, "Failed to format the account files of %s: %m", unit);

        /* Our own runtime directory, made by the service manager for us. */
        dir_fd = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", out);

        /* group first: a reader of passwd that finds the user finds its group too. */
        r = write_file_atomic_at(dir_fd, "group", group, 0644);
        if (r >= 0)
                r = write_file_atomic_at(dir_fd, "passwd", passwd, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s: %m", out);

        log_debug("%s: user %s is uid %u, gid %u in its sandbox's /etc/passwd and /etc/group.",
                  unit, user, (unsigned) uid, (unsigned) gid);
        return 0;
}
