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

/* systemd's range for dynamic users (DYNAMIC_UID_MIN, DYNAMIC_UID_MAX). */
#define DYNAMIC_UID_MIN 61184U
#define DYNAMIC_UID_MAX 65519U

/* Where systemd keeps "direct:NAME" -> "UID" while a dynamic user is realized
 * (src/core/dynamic-user.c, make_uid_symlinks()). */
#define DYNAMIC_UID_DIR "/run/systemd/dynamic-uid"
/* The generator's normal output directory, where it wrote the templates. */
#define GENERATOR_NORMAL_DIR "/run/systemd/generator"

static bool unit_valid(const char *unit) {
        return unit_name_type(unit) == UNIT_SERVICE && !unit_name_is_template(unit);
}

/* The uid and gid systemd runs user's services as: the dynamic user it realized (its gid is its
 * uid), else, on the real root only, NSS (systemd uses a static user of that name if there is one,
 * with its primary group). */
static int user_ids(const Context *c, const char *user, uint32_t *ret_uid, uint32_t *ret_gid) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ char *name = strjoin("direct:", user);
        char target[16];
        ssize_t n;
        uint32_t uid;
        int r;

        if (!name)
                return log_oom();

        dir_fd = host_open(c, DYNAMIC_UID_DIR, O_DIRECTORY);
        n = dir_fd >= 0 ? readlinkat(dir_fd, name, target, sizeof(target) - 1) : -1;
        if (n >= 0) {
                target[n] = 0;
                r = account_parse_id(target, &uid);
                if (r < 0 || uid < DYNAMIC_UID_MIN || uid > DYNAMIC_UID_MAX)
                        return log_error_errno(EBADMSG, "%s/%s is not a dynamic uid: %s",
                                               DYNAMIC_UID_DIR, name, target);
                *ret_uid = *ret_gid = uid;
                return 0;
        }
        r = dir_fd >= 0 ? -errno : dir_fd;
        if (r != -ENOENT)
                return log_error_errno(r, "Failed to read %s/%s: %m", DYNAMIC_UID_DIR, name);

        if (streq(c->root, "/")) {
                _cleanup_free_ char *buf = NULL;
                struct passwd pw, *p = NULL;
                long size = sysconf(_SC_GETPW_R_SIZE_MAX);

                buf = malloc(size > 0 ? (size_t) size : 16384);
                if (!buf)
                        return log_oom();
                r = getpwnam_r(user, &pw, buf, size > 0 ? (size_t) size : 16384, &p);
                if (r == 0 && p) {
                        *ret_uid = p->pw_uid;
                        *ret_gid = p->pw_gid;
                        return 0;
                }
        }

        return log_error_errno(ESRCH,
                               "User %s is not realized: no %s/%s and no such user (is the service starting?)",
                               user, DYNAMIC_UID_DIR, name);
}

static int template_read(const Context *c, const char *unit_file, const char *file, char **ret) {
        _cleanup_free_ char *path = strjoin(GENERATOR_NORMAL_DIR "/" USERMAP_TEMPLATE_DIR "/", unit_file, "/", file);
        int r;

        if (!path)
                return log_oom();
        r = host_read_file(c, path, ACCOUNT_TEXT_SIZE_MAX, ret, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %s", path, read_error_to_string(r));
        return 0;
}

/* A directory of root's (ours) that nobody else may write to, opened without following a symlink. */
static int open_own_dir(int parent_fd, const char *parent, const char *name, bool create, int *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (create && mkdirat(parent_fd, name, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s/%s: %m", parent, name);

        fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
                if (errno == ENOENT && !create)
                        return 0;
                return log_error_errno(errno, "Failed to open %s/%s: %m", parent, name);
        }
        if (fstat(fd, &st) < 0)
                return log_error_errno(errno, "Failed to stat %s/%s: %m", parent, name);
        if (st.st_uid != geteuid() || (st.st_mode & 0022))
                return log_error_errno(EPERM, "%s/%s is not a directory of our own (owner "
                                       "%u, mode %04o), not touching it.", parent, name, (unsigned) st.st_uid,
                                       (unsigned) (st.st_mode & 07777));

        *ret = TAKE_FD(fd);
        return 1;
}

/* USERMAP_RUNTIME_DIR, below the root's /run. */
static int open_base_dir(const Context *c, bool create, int *ret) {
        _cleanup_close_ int run_fd = -EBADF;

        run_fd = host_open(c, "/run", O_DIRECTORY);
        if (run_fd < 0)
                return log_error_errno(run_fd, "Failed to open /run: %m");
        return open_own_dir(run_fd, "/run", USERMAP_RUNTIME_DIR + strlen("/run/"), create, ret);
}

int usermap_setup(const Context *c, const char *unit, const char *user, const char *unit_file) {
        _cleanup_free_ char *passwd_t = NULL, *group_t = NULL, *user_line = NULL, *passwd = NULL, *group = NULL,
                *template = NULL;
        _cleanup_close_ int base_fd = -EBADF, dir_fd = -EBADF;
        uint32_t uid = UINT32_MAX, gid = UINT32_MAX;
        int r;

        assert(c);
        assert(unit);
        assert(user);
        assert(unit_file);

        /* From the generator's drop-in, but names go into paths: checked all the same. */
        if (!unit_valid(unit))
                return log_error_errno(EINVAL, "Not a service unit name: %s", unit);
        if (!sysusers_valid_name(user))
                return log_error_errno(EINVAL, "Not a valid user name: %s", user);
        if (!streq(unit_file, unit)) {
                _cleanup_free_ char *t = NULL;

                if (!unit_name_is_instance(unit) || unit_name_template(unit, &t) < 0 || !streq(t, unit_file))
                        return log_error_errno(EINVAL, "%s is not unit %s or its template.",
                                               unit_file, unit);
        }

        r = user_ids(c, user, &uid, &gid);
        if (r < 0)
                return r;

        r = template_read(c, unit_file, "passwd", &passwd_t);
        if (r >= 0)
                r = template_read(c, unit_file, "group", &group_t);
        if (r >= 0)
                r = template_read(c, unit_file, "user", &user_line);
        if (r < 0)
                return r;

        r = account_text_passwd(passwd_t, user_line, user, uid, gid, &passwd);
        if (r >= 0)
                r = account_text_group(group_t, user_line, user, gid, &group);
        if (r < 0)
                return log_error_errno(r, "Failed to format the account files of %s: %m", unit);

        r = open_base_dir(c, true, &base_fd);
        if (r >= 0)
                r = open_own_dir(base_fd, USERMAP_RUNTIME_DIR, unit, true, &dir_fd);
        if (r < 0)
                return r;

        /* group first: a reader of passwd that finds the user finds its group too. */
        r = write_file_atomic_at(dir_fd, "group", group, 0644);
        if (r >= 0)
                r = write_file_atomic_at(dir_fd, "passwd", passwd, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s/%s: %m", USERMAP_RUNTIME_DIR, unit);

        log_debug("%s: user %s is uid %" PRIu32 ", gid %" PRIu32 " in its sandbox's /etc/passwd and /etc/group.",
                  unit, user, uid, gid);
        return 0;
}

int usermap_remove(const Context *c, const char *unit) {
        _cleanup_close_ int base_fd = -EBADF, dir_fd = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int r;

        assert(c);
        assert(unit);

        if (!unit_valid(unit))
                return log_error_errno(EINVAL, "Not a service unit name: %s", unit);

        r = open_base_dir(c, false, &base_fd);
        if (r <= 0)
                return r;
        r = open_own_dir(base_fd, USERMAP_RUNTIME_DIR, unit, false, &dir_fd);
        if (r <= 0)
                return r;

        /* Our files, and temporary ones left by an interrupted setup. Never below: it has no
         * subdirectories, and if it had, removing the directory fails and says so. */
        d = fdopendir(dir_fd);
        if (!d)
                return log_error_errno(errno, "Failed to list %s/%s: %m", USERMAP_RUNTIME_DIR, unit);
        dir_fd = -EBADF;        /* owned by d now */
        while ((errno = 0, de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
                        return log_error_errno(errno, "Failed to remove %s/%s/%s: %m", USERMAP_RUNTIME_DIR, unit,
                                               de->d_name);
        }
        if (errno != 0)
                return log_error_errno(errno, "Failed to list %s/%s: %m", USERMAP_RUNTIME_DIR, unit);

        if (unlinkat(base_fd, unit, AT_REMOVEDIR) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove %s/%s: %m", USERMAP_RUNTIME_DIR, unit);
        return 0;
}
