/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "plan.h"
#include "string-util.h"

static int ensure_parent(int out_fd, const char *name) {
        _cleanup_free_ char *dir = NULL;
        const char *slash = strrchr(name, '/');

        if (!slash)
                return 0;
        dir = strndup(name, slash - name);
        if (!dir)
                return -ENOMEM;
        return mkdir_p_at(out_fd, dir, 0755);
}

static bool file_is_dir(const PlannedFile *f) {
        return !f->text && !f->link_target;
}

/* A directory of the plan: made with its mode (the umask aside), or there already, as one. */
static int write_dir(int out_fd, const PlannedFile *f) {
        struct stat st;

        if (mkdirat(out_fd, f->name, f->mode) >= 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        if (fstatat(out_fd, f->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -EEXIST;
}

/* A file another image planned too and wrote first: the same text is expected (the verification
 * drop-in of an image that is also another's extension, or of an extension two images have); if
 * the image changed between the two reads the first stays, and its verification, pinned to the
 * root hash the first read, fails the start of the units of the second, as it must. */
static int shared_file_check(int out_fd, const char *out_path, const PlannedFile *f) {
        _cleanup_free_ char *t = NULL;
        int r;

        r = read_file_at(out_fd, f->name, strlen(f->text) + 1, &t);
        if (r == -ENOMEM)
                return r;
        if (r >= 0 && streq(t, f->text)) {
                log_debug("File %s/%s written already, with the same text.", out_path, f->name);
                return 0;
        }
        log_warning("File %s/%s was written already for another image, with other text; leaving it.", out_path, f->name);
        return 0;
}

static void unit_rollback(const PlannedUnit *u, size_t n_written, int out_fd) {
        for (size_t k = n_written; k > 0; k--) {
                const PlannedFile *f = u->files + k - 1;
                const char *slash;

                /* A directory only goes if it is empty: .portables-private is shared. So are the
                 * files other images have too. */
                if (!f->shared)
                        (void) unlinkat(out_fd, f->name, file_is_dir(f) ? AT_REMOVEDIR : 0);
                slash = strrchr(u->files[k - 1].name, '/');
                if (slash) {
                        _cleanup_free_ char *dir = strndup(u->files[k - 1].name, slash - u->files[k - 1].name);
                        /* Only removes it if it is empty: another unit's links may share it. */
                        if (dir)
                                (void) unlinkat(out_fd, dir, AT_REMOVEDIR);
                }
        }
}

static int unit_write(const PlannedUnit *u, int out_fd, const char *out_path) {
        _cleanup_free_ char *dropin_dir = strjoin(u->name, ".d");
        bool dropin_dir_made = false;

        if (!dropin_dir)
                return log_oom();

        for (size_t k = 0; k < u->n_files; k++) {
                const PlannedFile *f = u->files + k;
                const char *rest = startswith(f->name, dropin_dir);
                int r;

                /* The unit's own drop-in directory is never there yet: made before its first file. */
                if (rest && rest[0] == '/' && !dropin_dir_made) {
                        if (mkdirat(out_fd, dropin_dir, 0755) < 0 && errno != EEXIST) {
                                r = log_error_errno(errno, "Failed to create %s/%s: %m", out_path, dropin_dir);
                                unit_rollback(u, k, out_fd);
                                return r;
                        }
                        dropin_dir_made = true;
                }

                /* Write first, and create the parent only when it is missing: most are there. */
                for (unsigned attempt = 0;; attempt++) {
                        if (f->link_target)
                                r = RET_NERRNO(symlinkat(f->link_target, out_fd, f->name));
                        else if (file_is_dir(f))
                                r = write_dir(out_fd, f);
                        else
                                r = write_file_new_at(out_fd, f->name, f->text, f->mode ?: 0644);
                        if (r != -ENOENT || attempt > 0)
                                break;
                        r = ensure_parent(out_fd, f->name);
                        if (r < 0)
                                break;
                }
                if (r == -EEXIST && f->link_target) {
                        log_debug("Link %s/%s exists already, leaving it.", out_path, f->name);
                        continue;
                }
                if (r == -EEXIST && f->shared) {
                        r = shared_file_check(out_fd, out_path, f);
                        if (r == -ENOMEM)
                                return log_oom();
                        continue;
                }
                if (r < 0) {
                        log_error_errno(r, "Failed to write %s/%s: %m", out_path, f->name);
                        unit_rollback(u, k, out_fd);
                        if (dropin_dir_made)
                                (void) unlinkat(out_fd, dropin_dir, AT_REMOVEDIR);
                        return r;
                }
                log_debug("Wrote %s/%s%s%s%s.", out_path, f->name, file_is_dir(f) ? "/" : "",
                          f->link_target ? " -> " : "", strempty(f->link_target));
        }
        return 0;
}

int image_plan_write(const ImagePlan *p, int out_fd, const char *out_path) {
        int ret = 0;

        assert(p);

        if (p->refused)
                return 0;

        for (size_t k = 0; k < p->n_units; k++) {
                const PlannedUnit *u = p->units + k;
                int r;

                if (u->skipped)
                        continue;

                r = unit_write(u, out_fd, out_path);
                if (r < 0 && ret == 0)
                        ret = r;
        }

        return ret;
}
