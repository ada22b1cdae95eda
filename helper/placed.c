/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "log.h"
#include "names.h"
#include "placed.h"
#include "process-util.h"
#include "string-util.h"
#include "strv.h"
#include "vpick.h"

#define PLACED_RECORDS_MAX 4096U

void placed_done(Placed *p) {
        p->dir = mfree(p->dir);
        p->image = mfree(p->image);
        p->mode = mfree(p->mode);
        p->source = mfree(p->source);
        p->settings = mfree(p->settings);
}

void placed_array_free(Placed *a, size_t n) {
        for (size_t k = 0; k < n; k++)
                placed_done(a + k);
        free(a);
}

int placed_entry_name(const char *entry, char **ret) {
        int r;

        assert(entry);
        assert(ret);

        r = vpick_dir_name_parse(entry, ret, NULL);
        if (r != -EINVAL)
                return r;
        return image_name_parse(entry, endswith(entry, ".raw"), ret, NULL);
}

bool placed_entry_covers(const char *entry, const char *image) {
        const char *rest;

        if (!entry || !image)
                return false;
        if (streq(entry, image))
                return true;
        if (!endswith(entry, ".v"))
                return false;
        rest = startswith(image, entry);
        return rest && rest[0] == '/' && rest[1] != 0 && !strchr(rest + 1, '/');
}

char *root_path(const char *root, const char *host_path) {
        assert(host_path);
        if (!root || streq(root, "/"))
                return strdup(host_path);
        return strjoin(root, host_path);
}

static bool value_ok(const char *v) {
        return v && !strchr(v, '\n') && string_is_printable(v);
}

int placed_write(const char *root, const Placed *p) {
        _cleanup_free_ char *base = NULL, *d = NULL, *text = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        assert(p);
        if (!value_ok(p->image) || !value_ok(p->mode) || !value_ok(p->source) ||
            (p->settings && !value_ok(p->settings)))
                return log_error_errno(EINVAL, "Cannot record %s: unprintable name.", p->image);

        base = root_path(root, p->dir);
        if (!base)
                return log_oom();
        d = strjoin(base, "/" PLACED_RECORD_DIR);
        if (!d)
                return log_oom();
        if (mkdir(d, 0755) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Failed to create %s: %m", d);
        fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(errno, "Failed to open %s: %m", d);

        text = strjoin("# Placed by portables attach; portables detach removes what is listed here.\n",
                       "Image=", p->image, "\nMode=", p->mode, "\nSource=", p->source, "\n",
                       p->settings ? "Settings=" : "", strempty(p->settings), p->settings ? "\n" : "");
        if (!text)
                return log_oom();
        r = write_file_atomic_at(fd, p->image, text, 0644);
        if (r < 0)
                return log_error_errno(r, "Failed to write %s/%s: %m", d, p->image);
        return 0;
}

int placed_remove_record(const char *root, const char *dir, const char *image) {
        _cleanup_free_ char *base = root_path(root, dir), *d = NULL, *f = NULL;

        if (!base)
                return log_oom();
        d = strjoin(base, "/" PLACED_RECORD_DIR);
        f = strjoin(base, "/" PLACED_RECORD_DIR "/", image);
        if (!d || !f)
                return log_oom();
        if (unlink(f) < 0 && errno != ENOENT)
                return log_error_errno(errno, "Failed to remove %s: %m", f);
        /* The last record takes the directory with it: detach leaves nothing of attach. */
        if (rmdir(d) < 0 && !IN_SET(errno, ENOENT, ENOTEMPTY, EEXIST))
                log_debug_errno(errno, "Failed to remove %s, ignoring: %m", d);
        return 0;
}

static int placed_parse(const char *dir, const char *name, const char *text, Placed *ret) {
        _cleanup_(placed_done) Placed p = {};
        const char *l = text;

        while (*l) {
                const char *eol = strchrnul(l, '\n'), *v;
                _cleanup_free_ char *line = strndup(l, eol - l);
                char **field = NULL;

                if (!line)
                        return -ENOMEM;
                l = *eol ? eol + 1 : eol;
                if (line[0] == '#' || line[0] == 0)
                        continue;
                if ((v = startswith(line, "Image=")))
                        field = &p.image;
                else if ((v = startswith(line, "Mode=")))
                        field = &p.mode;
                else if ((v = startswith(line, "Source=")))
                        field = &p.source;
                else if ((v = startswith(line, "Settings=")))
                        field = &p.settings;
                else
                        continue;       /* from a later version: ignored */
                if (free_and_strdup(field, v) < 0)
                        return -ENOMEM;
        }

        /* The record must name itself and a plain file name: detach removes DIR/Image. */
        if (!p.image || !streq(p.image, name) || !image_filename_is_valid(p.image) ||
            !p.mode || !p.source ||
            (p.settings && (strchr(p.settings, '/') || !endswith(p.settings, ".portable"))))
                return -EBADMSG;

        p.dir = strdup(dir);
        if (!p.dir)
                return -ENOMEM;
        *ret = TAKE_STRUCT(p);
        return 0;
}

int placed_read_all(const char *root, const char *dir, Placed **ret, size_t *ret_n) {
        _cleanup_free_ char *base = root_path(root, dir), *d = NULL;
        _cleanup_closedir_ DIR *dd = NULL;
        _cleanup_strv_free_ char **names = NULL;
        Placed *a = NULL;
        size_t n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        if (!base)
                return log_oom();
        d = strjoin(base, "/" PLACED_RECORD_DIR);
        if (!d)
                return log_oom();
        dd = opendir(d);
        if (!dd) {
                if (errno == ENOENT || errno == ENOTDIR)
                        return 0;
                return log_error_errno(errno, "Failed to open %s: %m", d);
        }
        r = dir_list(dd, "", PLACED_RECORDS_MAX, &names);
        if (r < 0)
                return log_error_errno(r, "Failed to list %s: %m", d);

        STRV_FOREACH(i, names) {
                _cleanup_free_ char *text = NULL;
                Placed *b;

                r = read_file_at(dirfd(dd), *i, SMALL_FILE_SIZE_MAX, &text);
                if (r < 0) {
                        log_warning_errno(r, "Failed to read %s/%s, ignoring: %m", d, *i);
                        continue;
                }
                b = reallocarray(a, n + 1, sizeof(Placed));
                if (!b) {
                        placed_array_free(a, n);
                        return log_oom();
                }
                a = b;
                a[n] = (Placed) {};
                r = placed_parse(dir, *i, text, a + n);
                if (r == -ENOMEM) {
                        placed_array_free(a, n);
                        return log_oom();
                }
                if (r < 0) {
                        log_warning("%s/%s is not a valid attach record, ignoring.", d, *i);
                        continue;
                }
                n++;
        }

        *ret = a;
        *ret_n = n;
        return 0;
}

int remove_tree(const char *path) {
        struct stat st;

        assert(path);

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "Cannot access %s: %m", path);
        if (S_ISDIR(st.st_mode))
                return run_command((char *const[]) { (char *) "rm", (char *) "-rf", (char *) "--one-file-system", (char *) "--",
                                                 (char *) path, NULL });
        if (unlink(path) < 0)
                return log_error_errno(errno, "Failed to remove %s: %m", path);
        return 0;
}

int remove_settings(const char *dir, const char *fn) {
        _cleanup_free_ char *path = strjoin(dir, "/", fn), *text = NULL;
        _cleanup_close_ int dfd = -EBADF;
        int r;

        if (!path)
                return log_oom();
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return errno == ENOENT ? 0 : log_error_errno(errno, "Failed to open %s: %m", dir);
        r = read_file_at(dfd, fn, SMALL_FILE_SIZE_MAX, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "Failed to read %s: %m", path);
        if (!startswith(text, PLACED_SETTINGS_HEADER)) {
                log_notice("%s was changed by someone else: leaving it.", path);
                return 0;
        }
        if (unlinkat(dfd, fn, 0) < 0)
                return log_error_errno(errno, "Failed to remove %s: %m", path);
        log_info("Removed %s.", path);
        return 0;
}

int placed_undo(const char *root, const Placed *p) {
        _cleanup_free_ char *dir = root_path(root, p->dir), *entry = NULL;
        int r, ret = 0;

        if (!dir)
                return log_oom();
        entry = strjoin(dir, "/", p->image);
        if (!entry)
                return log_oom();
        if (streq(p->mode, "symlink")) {
                char buf[PATH_MAX];
                ssize_t n = readlink(entry, buf, sizeof buf - 1);

                if (n >= 0) {
                        buf[n] = 0;
                        if (!streq(buf, p->source) && !endswith(buf, p->source))
                                log_notice("%s now points to %s, not to %s as attach placed it; removing it anyway.",
                                           entry, buf, p->source);
                }
        }
        r = remove_tree(entry);
        if (r < 0)
                ret = r;
        else
                log_info("Removed %s.", entry);
        if (p->settings) {
                r = remove_settings(dir, p->settings);
                if (r < 0 && ret == 0)
                        ret = r;
        }
        r = placed_remove_record(root, p->dir, p->image);
        if (r < 0 && ret == 0)
                ret = r;
        return ret;
}
