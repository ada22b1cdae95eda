/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/sysmacros.h>

#include "dir-scan.h"
#include "image-discover.h"
#include "log.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "version.h"

static const char *const image_type_table[_IMAGE_TYPE_MAX] = {
        [IMAGE_DIRECTORY] = "directory",
        [IMAGE_RAW] = "raw",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(image_type, ImageType);

void discovered_image_done(DiscoveredImage *i) {
        assert(i);

        free(i->filename);
        free(i->dir);
        free(i->path);
        free(i->name);
        free(i->version);
        free(i->reason);
        *i = (DiscoveredImage) {};
}

int discovered_image_copy(const DiscoveredImage *from, DiscoveredImage *to) {
        assert(from);

        *to = *from;
        to->filename = strdup(from->filename);
        to->dir = strdup(from->dir);
        to->path = strdup(from->path);
        to->name = from->name ? strdup(from->name) : NULL;
        to->version = from->version ? strdup(from->version) : NULL;
        to->reason = from->reason ? strdup(from->reason) : NULL;
        if (!to->filename || !to->dir || !to->path || (from->name && !to->name) ||
            (from->version && !to->version) || (from->reason && !to->reason)) {
                discovered_image_done(to);
                return -ENOMEM;
        }
        return 0;
}

int image_from_path(const Context *c, const char *arg, DiscoveredImage *ret) {
        _cleanup_(discovered_image_done) DiscoveredImage i = {};
        _cleanup_free_ char *abspath = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *slash;
        int r;

        assert(arg);
        assert(ret);

        if (arg[0] == '/')
                abspath = strdup(arg);
        else {
                _cleanup_free_ char *cwd = getcwd(NULL, 0);
                if (!cwd)
                        return log_error_errno(errno, "Failed to get the current directory: %m");
                abspath = strjoin(cwd, streq(cwd, "/") ? "" : "/", arg);
        }
        if (!abspath)
                return log_oom();
        delete_trailing_chars(abspath, "/");
        if (isempty(abspath))
                return log_error_errno(EINVAL, "Not an image: /");

        fd = host_open(c, abspath, 0);
        if (IN_SET(fd, -ENOENT, -ENOTDIR)) {
                log_error_errno(fd, "Image %s not found: %m", abspath);
                return -ENXIO;
        }
        if (fd < 0)
                return log_error_errno(fd, "Failed to open image %s: %m", abspath);
        if (fstat(fd, &i.st) < 0)
                return log_error_errno(errno, "Failed to stat image %s: %m", abspath);

        slash = strrchr(abspath, '/');
        i.type = S_ISDIR(i.st.st_mode) ? IMAGE_DIRECTORY : IMAGE_RAW;
        if (i.type == IMAGE_RAW && !S_ISREG(i.st.st_mode))
                return log_error_errno(EBADFD, "Image %s is neither a directory nor a regular file.", abspath);
        if (i.type == IMAGE_RAW && !endswith(slash + 1, ".raw"))
                return log_error_errno(EINVAL, "Image %s is a file without the .raw suffix: the generator never takes it.",
                                       abspath);

        i.filename = strdup(slash + 1);
        i.dir = slash == abspath ? strdup("/") : strndup(abspath, slash - abspath);
        i.path = TAKE_PTR(abspath);
        i.dir_index = UINT_MAX;
        if (!i.filename || !i.dir)
                return log_oom();

        r = image_name_parse(i.filename, i.type == IMAGE_RAW, &i.name, &i.version);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Invalid image name %s (NAME[_VERSION][.raw]).", i.filename);

        i.state = IMAGE_CANDIDATE;
        *ret = TAKE_STRUCT(i);
        return 0;
}

ssize_t image_list_find(const ImageList *l, const char *what) {
        ssize_t named = -1;

        assert(l);

        /* A path names one entry, a NAME the version the generator takes, a file name (or one
         * without ".raw") one entry; else the first entry of that NAME. */
        for (size_t k = 0; k < l->n_images; k++)
                if (streq(l->images[k].path, what))
                        return (ssize_t) k;
        for (size_t k = 0; k < l->n_images; k++)
                if (l->images[k].state == IMAGE_CANDIDATE && streq_ptr(l->images[k].name, what))
                        return (ssize_t) k;
        for (size_t k = 0; k < l->n_images; k++) {
                const DiscoveredImage *i = l->images + k;
                const char *e = endswith(i->filename, ".raw");

                if (streq(i->filename, what) ||
                    (e && strlen(what) == (size_t) (e - i->filename) && strneq(i->filename, what, e - i->filename)))
                        return (ssize_t) k;
                if (named < 0 && streq_ptr(i->name, what))
                        named = (ssize_t) k;
        }
        return named;
}

int image_find(const Context *c, const char *arg, DiscoveredImage *ret) {
        _cleanup_(image_list_done) ImageList l = {};
        ssize_t k;
        int r;

        r = images_discover(c, 0, &l);
        if (r < 0)
                return log_error_errno(r, "Failed to discover images: %m");

        k = image_list_find(&l, arg);
        if (k >= 0 && l.images[k].state != IMAGE_INVALID)
                return discovered_image_copy(l.images + k, ret) < 0 ? log_oom() : 0;

        if (strchr(arg, '/'))
                return image_from_path(c, arg, ret);

        log_error("No image '%s' in the portables directories.", arg);
        return -ENOENT;
}

void image_list_done(ImageList *l) {
        assert(l);

        for (size_t i = 0; i < l->n_images; i++)
                discovered_image_done(l->images + i);
        l->images = mfree(l->images);
        l->n_images = 0;
        host_listing_done(&l->listing);
}

/* Names in a portables directory that are not images and say nothing. */
static bool filename_is_companion(const char *fn) {
        static const char *const suffixes[] = {
                ".portable", ".portable.d", ".roothash", ".usrhash", ".verity", ".roothash.p7s",
                ".usrhash.p7s", ".verity-sig",
        };

        for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
                if (endswith(fn, suffixes[i]))
                        return true;
        return false;
}

static int image_stem(const char *filename, char **ret) {
        const char *e = endswith(filename, ".raw");
        char *s = e ? strndup(filename, e - filename) : strdup(filename);

        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

static int list_add(ImageList *l, DiscoveredImage **ret) {
        DiscoveredImage *n;

        n = reallocarray(l->images, l->n_images + 1, sizeof(DiscoveredImage));
        if (!n)
                return -ENOMEM;
        l->images = n;
        l->images[l->n_images] = (DiscoveredImage) { .type = _IMAGE_TYPE_INVALID };
        *ret = l->images + l->n_images++;
        return 0;
}

static int set_reason(DiscoveredImage *i, ImageState state, const char *fmt, ...) _printf_(3, 4);
static int set_reason(DiscoveredImage *i, ImageState state, const char *fmt, ...) {
        va_list ap;
        int r;

        i->state = state;
        va_start(ap, fmt);
        r = free_and_vasprintf(&i->reason, fmt, ap);
        va_end(ap);
        return r;
}

static bool stat_is_dev_null(const struct stat *st) {
        return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && minor(st->st_rdev) == 3;
}

/* scan: the directory listed, one stat() per entry, shared by both passes below (the warm reload
 * does little else per image). stat() follows symlinks to images elsewhere; it never opens the
 * file, so a FIFO or a device node cannot block us here; a file system that does not answer at
 * all cannot either, past the deadline (dir_scan()). */
static int discover_dir(ImageList *l, unsigned dir_index, const DirScan *scan, char ***masks, char ***seen) {
        const char *dir = portable_search_dirs[dir_index];
        char *const *names = scan->names;
        const struct stat *sts = scan->sts;
        const int *errs = scan->errs;
        size_t n_names = scan->n_names;
        int r = scan->error;

        if (r == -ENOENT || r == -ENOTDIR)
                return host_listing_add(&l->listing, dir, /* names= */ NULL);
        if (r == -ETIMEDOUT) {
                /* Taken as empty for this run, so that nothing else looks into it either. */
                log_warning("Portables directory %s does not answer (a stalled file system?): its images are "
                            "not looked at in this run; portables-prepare.service tries again.", dir);
                l->incomplete = true;
                return host_listing_add(&l->listing, dir, /* names= */ NULL);
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return log_warning_errno(r, "Failed to read portables directory %s, ignoring: %m", dir);

        r = host_listing_add(&l->listing, dir, names);
        if (r < 0)
                return r;

        /* Masks first, so that they apply in their own directory regardless of name order. */
        for (size_t k = 0; k < n_names; k++) {
                char *const *n = names + k;
                char *stem;

                if (errs[k] < 0 || !stat_is_dev_null(sts + k))
                        continue;

                r = image_stem(*n, &stem);
                if (r < 0)
                        return r;
                r = strv_consume(masks, stem);
                if (r < 0)
                        return r;
                log_debug("Image name '%s' is masked by %s/%s.", stem, dir, *n);
        }

        for (size_t k = 0; k < n_names; k++) {
                _cleanup_free_ char *stem = NULL, *name = NULL, *version = NULL;
                char *const *n = names + k;
                DiscoveredImage *i;
                struct stat st = sts[k];
                bool is_raw;

                if ((*n)[0] == '.' || filename_is_companion(*n))
                        continue;

                if (errs[k] < 0) {
                        r = errs[k];
                        if (r == -ENOENT) {
                                log_warning("Image %s/%s is a dangling symlink, ignoring.", dir, *n);
                                continue;
                        }
                        log_warning_errno(r, "Failed to stat image %s/%s, ignoring: %m", dir, *n);
                        continue;
                }

                if (stat_is_dev_null(&st))
                        continue;       /* a mask, handled above */

                if (S_ISDIR(st.st_mode))
                        is_raw = false;
                else if (endswith(*n, ".raw"))
                        is_raw = true;
                else {
                        log_debug("Ignoring %s/%s: not a directory and no .raw suffix.", dir, *n);
                        continue;
                }

                r = list_add(l, &i);
                if (r < 0)
                        return r;

                i->filename = strdup(*n);
                i->dir = strdup(dir);
                i->path = strjoin(dir, "/", *n);
                if (!i->filename || !i->dir || !i->path)
                        return -ENOMEM;
                i->dir_index = dir_index;
                i->st = st;
                i->type = is_raw ? IMAGE_RAW : IMAGE_DIRECTORY;

                r = image_name_parse(*n, is_raw, &name, &version);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = set_reason(i, IMAGE_INVALID,
                                       "invalid image name (NAME[_VERSION][.raw] of printable characters, "
                                       "no quotes, backslashes or surrounding spaces)");
                        if (r < 0)
                                return r;
                        continue;
                }
                i->name = TAKE_PTR(name);
                i->version = TAKE_PTR(version);

                if (is_raw && !S_ISREG(st.st_mode)) {
                        r = set_reason(i, IMAGE_INVALID, "not a regular file");
                        if (r < 0)
                                return r;
                        continue;
                }

                r = image_stem(*n, &stem);
                if (r < 0)
                        return r;

                if (strv_contains(*masks, i->name) || strv_contains(*masks, stem)) {
                        r = set_reason(i, IMAGE_MASKED, "masked");
                        if (r < 0)
                                return r;
                        continue;
                }

                if (strv_contains(*seen, stem)) {
                        r = set_reason(i, IMAGE_SHADOWED, "shadowed by %s in a directory of higher precedence", stem);
                        if (r < 0)
                                return r;
                        continue;
                }

                r = strv_consume(seen, TAKE_PTR(stem));
                if (r < 0)
                        return r;

                i->state = IMAGE_CANDIDATE;
        }

        return 0;
}

int images_discover(const Context *c, uint64_t deadline_usec, ImageList *l) {
        _cleanup_strv_free_ char **masks = NULL, **seen = NULL;
        size_t n_dirs = strv_length((char **) portable_search_dirs);
        _cleanup_free_ DirScan *scans = calloc(n_dirs, sizeof(DirScan));
        int r;

        if (!scans)
                return log_oom();
        r = dir_scan(c, portable_search_dirs, n_dirs, deadline_usec, scans);
        for (unsigned k = 0; r >= 0 && k < n_dirs; k++) {
                r = discover_dir(l, k, scans + k, &masks, &seen);
                if (r != -ENOMEM)
                        r = 0;  /* that directory is skipped, logged */
        }
        for (size_t k = 0; k < n_dirs; k++)
                dir_scan_done(scans + k);
        if (r == -ENOMEM)
                return log_oom();
        host_listing_seal(&l->listing);

        /* Of several versions of one NAME, the newest wins; on equal versions the earlier entry. */
        for (size_t a = 0; a < l->n_images; a++) {
                DiscoveredImage *i = l->images + a;

                if (i->state != IMAGE_CANDIDATE)
                        continue;

                for (size_t b = 0; b < l->n_images; b++) {
                        DiscoveredImage *j = l->images + b;

                        if (a == b || j->state != IMAGE_CANDIDATE || !streq(i->name, j->name))
                                continue;

                        r = version_compare(i->version, j->version);
                        if (r > 0 || (r == 0 && a < b))
                                continue;

                        r = set_reason(i, IMAGE_SHADOWED, "shadowed by newer version %s", j->path);
                        if (r < 0)
                                return log_oom();
                        break;
                }
        }

        for (size_t a = 0; a < l->n_images; a++) {
                DiscoveredImage *i = l->images + a;

                if (i->state == IMAGE_CANDIDATE)
                        log_debug("Found image %s (%s).", i->path, image_type_to_string(i->type));
                else if (i->state == IMAGE_INVALID) {
                        _cleanup_free_ char *e = log_escape(i->path);
                        log_warning("Image %s is not usable: %s.", strna(e), i->reason);
                }
                else
                        log_debug("Image %s is %s.", i->path, i->reason);
        }

        return 0;
}
