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
#include "vpick.h"

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
        free(i->picked);
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
        to->picked = from->picked ? strdup(from->picked) : NULL;
        if (!to->filename || !to->dir || !to->path || (from->name && !to->name) ||
            (from->version && !to->version) || (from->reason && !to->reason) ||
            (from->picked && !to->picked)) {
                discovered_image_done(to);
                return -ENOMEM;
        }
        return 0;
}

static int discover_versioned(ImageList *l, unsigned dir_index, const char *dir, const char *fn, const struct stat *st,
                              const DirScan *vs, char ***masks, char ***seen);

/* A versioned directory given by path (abspath, its stat st): the entry vpick picks in it, as the
 * generator would pick it in a portables directory. */
static int image_from_versioned_path(const Context *c, const char *abspath, const struct stat *st,
                                     DiscoveredImage *ret) {
        _cleanup_(image_list_done) ImageList l = {};
        _cleanup_(dir_scan_done) DirScan scan = {};
        _cleanup_strv_free_ char **masks = NULL, **seen = NULL;
        _cleanup_free_ char *dir = NULL;
        const char *slash = strrchr(abspath, '/');
        int r;

        dir = slash == abspath ? strdup("/") : strndup(abspath, slash - abspath);
        if (!dir)
                return log_oom();
        r = dir_scan(c, (const char *const[]) { abspath }, 1, /* deadline_usec= */ 0, &scan);
        if (r < 0)
                return log_oom();
        r = discover_versioned(&l, UINT_MAX, dir, slash + 1, st, &scan, &masks, &seen);
        if (r < 0)
                return log_oom();

        for (size_t k = 0; k < l.n_images; k++)
                if (l.images[k].state == IMAGE_CANDIDATE) {
                        r = discovered_image_copy(l.images + k, ret);
                        return r < 0 ? log_oom() : 0;
                }
        for (size_t k = 0; k < l.n_images; k++)
                if (l.images[k].state == IMAGE_INVALID && streq(l.images[k].path, abspath))
                        return log_error_errno(EINVAL, "Versioned directory %s: %s.", abspath, l.images[k].reason);
        return log_error_errno(EINVAL, "Versioned directory %s: nothing in it can be picked.", abspath);
}

int image_from_path(const Context *c, const char *arg, DiscoveredImage *ret) {
        _cleanup_(discovered_image_done) DiscoveredImage i = {
                .tries_left = VPICK_TRIES_NONE,
                .tries_done = VPICK_TRIES_NONE,
        };
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
        /* As the generator: a directory NAME.raw.v or NAME.v is a versioned one (lib/vpick.h). */
        if (S_ISDIR(i.st.st_mode) && endswith(slash + 1, ".v"))
                return image_from_versioned_path(c, abspath, &i.st, ret);
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
        /* The path of a versioned directory: the entry picked in it, else its first one. */
        for (size_t k = 0; k < l->n_images; k++)
                if (l->images[k].versioned && l->images[k].state == IMAGE_CANDIDATE && streq(l->images[k].dir, what))
                        return (ssize_t) k;
        for (size_t k = 0; k < l->n_images; k++)
                if (l->images[k].versioned && streq(l->images[k].dir, what))
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
        l->images[l->n_images] = (DiscoveredImage) {
                .type = _IMAGE_TYPE_INVALID,
                .tries_left = VPICK_TRIES_NONE,
                .tries_done = VPICK_TRIES_NONE,
        };
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

/* ---- versioned directories (NAME.raw.v/, NAME.v/), see lib/vpick.h ---- */

/* At most this many versioned directories are looked into per run, and as many entries of one
 * named in the "picked" text. */
#define VERSIONED_DIRS_MAX 1024U
#define PICK_MENTIONS_MAX 4U

typedef struct VersionedDirs {
        char **paths;           /* "/var/lib/portables/foo.raw.v", as on the host */
        DirScan *scans;         /* per path */
        size_t n;
} VersionedDirs;

static void versioned_dirs_done(VersionedDirs *v) {
        for (size_t k = 0; k < v->n; k++)
                dir_scan_done(v->scans + k);
        v->scans = mfree(v->scans);
        v->paths = strv_free(v->paths);
        v->n = 0;
}

static bool is_versioned_dir_entry(const DirScan *scan, size_t k) {
        return scan->errs[k] >= 0 && S_ISDIR(scan->sts[k].st_mode) && scan->names[k][0] != '.' &&
                endswith(scan->names[k], ".v");
}

/* Lists every versioned directory the portables directories hold, in one dir_scan() (bounded by
 * the same deadline). */
static int versioned_dirs_scan(const Context *c, const DirScan *scans, size_t n_dirs, uint64_t deadline_usec,
                               VersionedDirs *ret) {
        _cleanup_strv_free_ char **paths = NULL;
        size_t n = 0;
        int r;

        for (size_t d = 0; d < n_dirs; d++)
                for (size_t k = 0; scans[d].error >= 0 && k < scans[d].n_names; k++) {
                        if (!is_versioned_dir_entry(scans + d, k))
                                continue;
                        if (n >= VERSIONED_DIRS_MAX) {
                                log_warning("More than %u versioned directories in the portables directories: "
                                            "%s/%s and those after it are not looked into.",
                                            VERSIONED_DIRS_MAX, portable_search_dirs[d], scans[d].names[k]);
                                goto done;
                        }
                        r = strv_consume(&paths, strjoin(portable_search_dirs[d], "/", scans[d].names[k]));
                        if (r < 0)
                                return r;
                        n++;
                }
done:
        *ret = (VersionedDirs) {};
        if (n == 0)
                return 0;
        ret->scans = calloc(n, sizeof(DirScan));
        if (!ret->scans)
                return -ENOMEM;
        r = dir_scan(c, (const char *const *) paths, n, deadline_usec, ret->scans);
        ret->paths = TAKE_PTR(paths);
        ret->n = n;
        return r < 0 ? r : 0;
}

static const DirScan *versioned_dirs_find(const VersionedDirs *v, const char *path) {
        for (size_t k = 0; k < v->n; k++)
                if (streq(v->paths[k], path))
                        return v->scans + k;
        return NULL;
}

typedef struct VersionedCandidate {
        size_t k;               /* in the directory's scan */
        VPickEntry e;
} VersionedCandidate;

static int add_entry(ImageList *l, unsigned dir_index, const char *dir, const char *fn, const struct stat *st,
                     ImageType type, size_t *ret_index) {
        DiscoveredImage *i;
        int r;

        r = list_add(l, &i);
        if (r < 0)
                return r;
        i->filename = strdup(fn);
        i->dir = strdup(dir);
        i->path = strjoin(dir, "/", fn);
        if (!i->filename || !i->dir || !i->path)
                return -ENOMEM;
        i->dir_index = dir_index;
        if (st)
                i->st = *st;
        i->type = type;
        *ret_index = l->n_images - 1;
        return 0;
}

/* Why the picked entry p beat e, for e's reason. */
static int set_not_picked_reason(DiscoveredImage *i, const char *vdir, const char *p, VPickKey key) {
        const char *f = strrchr(vdir, '/') + 1;

        switch (key) {
        case VPICK_KEY_TRIES_LEFT_ZERO:
                return set_reason(i, IMAGE_SHADOWED, "not picked in %s/: no tries left (+0), %s has", f, p);
        case VPICK_KEY_VERSION:
                return set_reason(i, IMAGE_SHADOWED, "not picked in %s/: %s is newer", f, p);
        case VPICK_KEY_ARCH:
                return set_reason(i, IMAGE_SHADOWED, "not picked in %s/: %s is for a more native architecture", f, p);
        case VPICK_KEY_TRIES_LEFT:
                return set_reason(i, IMAGE_SHADOWED, "not picked in %s/: %s has more tries left", f, p);
        case VPICK_KEY_TRIES_DONE:
                return set_reason(i, IMAGE_SHADOWED, "not picked in %s/: %s has fewer tries done", f, p);
        default:
                return set_reason(i, IMAGE_SHADOWED, "not picked in %s/: %s is the same version, its name sorts later",
                                  f, p);
        }
}

/* One versioned directory fn of dir: its entries into l, the picked one a candidate (as a sibling
 * NAME_VERSION would be), the others shadowed; or the directory itself as an invalid entry, when
 * its name is not one, or nothing in it can be picked. */
static int discover_versioned(ImageList *l, unsigned dir_index, const char *dir, const char *fn, const struct stat *st,
                              const DirScan *vs, char ***masks, char ***seen) {
        _cleanup_free_ char *name = NULL, *vpath = NULL, *picked = NULL, *mentions = NULL;
        _cleanup_free_ VersionedCandidate *cands = NULL;
        size_t n_cands = 0, n_masked = 0, n_ignored = 0, n_foreign = 0, n_mentions = 0, n_more = 0, n_good = 0;
        size_t best = SIZE_MAX, idx;
        bool raw;
        int r;

        vpath = strjoin(dir, "/", fn);
        if (!vpath)
                return -ENOMEM;

        r = vpick_dir_name_parse(fn, &name, &raw);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = add_entry(l, dir_index, dir, fn, st, IMAGE_DIRECTORY, &idx);
                if (r < 0)
                        return r;
                return set_reason(l->images + idx, IMAGE_INVALID,
                                  "invalid versioned directory name (NAME.raw.v or NAME.v, NAME a valid image "
                                  "name without \"_\")");
        }

        if (strv_contains(*masks, name) || strv_contains(*masks, fn)) {
                log_debug("Versioned directory %s is masked.", vpath);
                return 0;
        }

        if (!vs || vs->error == -ETIMEDOUT) {
                log_warning("Versioned directory %s does not answer (a stalled file system?): no version of it "
                            "is looked at in this run.", vpath);
                l->incomplete = true;
                return 0;
        }
        if (vs->error == -ENOMEM)
                return vs->error;
        if (vs->error < 0)
                return log_warning_errno(vs->error, "Failed to read versioned directory %s, ignoring: %m", vpath);

        r = host_listing_add(&l->listing, vpath, vs->names);
        if (r < 0)
                return r;

        cands = calloc(vs->n_names ?: 1, sizeof(VersionedCandidate));
        if (!cands)
                return -ENOMEM;

        for (size_t k = 0; k < vs->n_names; k++) {
                _cleanup_(vpick_entry_done) VPickEntry e = {};
                _cleanup_free_ char *stem = NULL;
                const char *n = vs->names[k];

                r = vpick_entry_parse(n, name, raw ? ".raw" : "", &e);
                if (r < 0)
                        goto finish;
                if (r == VPICK_FOREIGN_ARCH) {
                        log_debug("Ignoring %s/%s: for an architecture this machine does not run.", vpath, n);
                        n_foreign++;
                        if (n_mentions < PICK_MENTIONS_MAX) {
                                if (!strextend(&mentions, "; ", n, " skipped: for another architecture")) {
                                        r = -ENOMEM;
                                        goto finish;
                                }
                                n_mentions++;
                        } else
                                n_more++;
                        continue;
                }
                if (r != VPICK_MATCH) {
                        log_debug("Ignoring %s/%s: not %s_VERSION%s.", vpath, n, name, raw ? ".raw" : "");
                        n_ignored++;
                        continue;
                }

                stem = strjoin(name, "_", e.version);
                if (!stem) {
                        r = -ENOMEM;
                        goto finish;
                }
                if (strv_contains(*masks, stem)) {
                        r = add_entry(l, dir_index, vpath, n, vs->sts + k, raw ? IMAGE_RAW : IMAGE_DIRECTORY, &idx);
                        if (r < 0)
                                goto finish;
                        l->images[idx].versioned = true;
                        l->images[idx].name = strdup(name);
                        l->images[idx].version = TAKE_PTR(e.version);
                        if (!l->images[idx].name) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        r = set_reason(l->images + idx, IMAGE_MASKED, "masked");
                        if (r < 0)
                                goto finish;
                        n_masked++;
                        continue;
                }

                cands[n_cands++] = (VersionedCandidate) { .k = k, .e = TAKE_STRUCT(e) };
        }

        /* As vpick: the best by its order, the file name last. */
        for (size_t c = 0; c < n_cands; c++) {
                int d;

                if (cands[c].e.tries_left != 0)
                        n_good++;
                if (best == SIZE_MAX) {
                        best = c;
                        continue;
                }
                d = vpick_entry_compare(&cands[c].e, &cands[best].e, NULL);
                if (d == 0)
                        d = strcmp(vs->names[cands[c].k], vs->names[cands[best].k]);
                if (d > 0)
                        best = c;
        }

        if (best == SIZE_MAX) {
                if (n_masked == 0) {
                        r = add_entry(l, dir_index, dir, fn, st, IMAGE_DIRECTORY, &idx);
                        if (r >= 0)
                                r = set_reason(l->images + idx, IMAGE_INVALID,
                                               "versioned directory without an entry %s_VERSION%s to pick "
                                               "(%zu ignored, %zu for another architecture)",
                                               name, raw ? ".raw" : "/", n_ignored, n_foreign);
                }
                goto finish;
        }

        {
                const VersionedCandidate *b = cands + best;
                const char *bn = vs->names[b->k];
                int err = vs->errs[b->k];

                /* vpick picks by name and then takes what it picked, or nothing. */
                if (err < 0 || (raw ? !S_ISREG(vs->sts[b->k].st_mode) : !S_ISDIR(vs->sts[b->k].st_mode))) {
                        r = add_entry(l, dir_index, dir, fn, st, IMAGE_DIRECTORY, &idx);
                        if (r < 0)
                                goto finish;
                        if (err == -ENOENT)
                                r = set_reason(l->images + idx, IMAGE_INVALID,
                                               "the entry picked in it, %s, is a dangling symlink", bn);
                        else if (err < 0)
                                r = set_reason(l->images + idx, IMAGE_INVALID,
                                               "the entry picked in it, %s, cannot be looked at: %s", bn, strerror(-err));
                        else
                                r = set_reason(l->images + idx, IMAGE_INVALID,
                                               "the entry picked in it, %s, is not a %s (as systemd, no other is tried)",
                                               bn, raw ? "regular file" : "directory");
                        goto finish;
                }

                if (b->e.tries_left == 0)
                        r = asprintf(&picked, "newest of %zu in %s/, none with tries left", n_cands, fn);
                else if (n_cands == 1)
                        r = asprintf(&picked, "the only entry of %s/", fn);
                else if (n_good < n_cands)
                        r = asprintf(&picked, "newest of %zu with tries left in %s/ (%zu without)", n_good, fn,
                                     n_cands - n_good);
                else
                        r = asprintf(&picked, "newest of %zu in %s/", n_cands, fn);
                if (r < 0) {
                        picked = NULL;
                        r = -ENOMEM;
                        goto finish;
                }
                if (b->e.tries_left != VPICK_TRIES_NONE &&
                    strextendf(&picked, "; %u tries left, %u done", b->e.tries_left, b->e.tries_done) < 0) {
                        r = -ENOMEM;
                        goto finish;
                }
                if (b->e.tries_left != 0)
                        for (size_t c = 0; c < n_cands; c++) {
                                if (cands[c].e.tries_left != 0 ||
                                    version_compare(cands[c].e.version, b->e.version) <= 0)
                                        continue;
                                if (n_mentions >= PICK_MENTIONS_MAX) {
                                        n_more++;
                                        continue;
                                }
                                if (!strextend(&mentions, "; ", vs->names[cands[c].k], " skipped: no tries left")) {
                                        r = -ENOMEM;
                                        goto finish;
                                }
                                n_mentions++;
                        }
                if ((mentions && !strextend(&picked, mentions)) ||
                    (n_more > 0 && strextendf(&picked, "; %zu more skipped", n_more) < 0) ||
                    (n_ignored > 0 && strextendf(&picked, "; %zu other entr%s ignored (not %s_VERSION%s)", n_ignored,
                                                 n_ignored == 1 ? "y" : "ies", name, raw ? ".raw" : "/") < 0)) {
                        r = -ENOMEM;
                        goto finish;
                }
        }

        for (size_t c = 0; c < n_cands; c++) {
                VersionedCandidate *v = cands + c;
                const char *n = vs->names[v->k];
                DiscoveredImage *i;

                if (vs->errs[v->k] < 0) {
                        log_debug("Ignoring %s/%s: %s", vpath, n, strerror(-vs->errs[v->k]));
                        continue;
                }

                r = add_entry(l, dir_index, vpath, n, vs->sts + v->k, raw ? IMAGE_RAW : IMAGE_DIRECTORY, &idx);
                if (r < 0)
                        goto finish;
                i = l->images + idx;
                i->versioned = true;
                i->name = strdup(name);
                i->version = TAKE_PTR(v->e.version);
                i->tries_left = v->e.tries_left;
                i->tries_done = v->e.tries_done;
                i->architecture = v->e.architecture;
                if (!i->name) {
                        r = -ENOMEM;
                        goto finish;
                }

                if (c != best) {
                        VPickKey key;

                        if (raw ? !S_ISREG(i->st.st_mode) : !S_ISDIR(i->st.st_mode))
                                r = set_reason(i, IMAGE_INVALID, raw ? "not a regular file" : "not a directory");
                        else {
                                (void) vpick_entry_compare(&cands[best].e, &v->e, &key);
                                r = set_not_picked_reason(i, vpath, vs->names[cands[best].k], key);
                        }
                        if (r < 0)
                                goto finish;
                        continue;
                }

                {
                        _cleanup_free_ char *stem = strjoin(name, "_", i->version);

                        if (!stem) {
                                r = -ENOMEM;
                                goto finish;
                        }
                        if (strv_contains(*seen, stem)) {
                                r = set_reason(i, IMAGE_SHADOWED, "shadowed by %s in a directory of higher precedence",
                                               stem);
                                if (r < 0)
                                        goto finish;
                                continue;
                        }
                        r = strv_consume(seen, TAKE_PTR(stem));
                        if (r < 0)
                                goto finish;
                }
                i->state = IMAGE_CANDIDATE;
                i->picked = TAKE_PTR(picked);
        }
        r = 0;

finish:
        for (size_t c = 0; c < n_cands; c++)
                vpick_entry_done(&cands[c].e);
        return r;
}

/* scan: the directory listed, one stat() per entry, shared by both passes below (the warm reload
 * does little else per image). stat() follows symlinks to images elsewhere; it never opens the
 * file, so a FIFO or a device node cannot block us here; a file system that does not answer at
 * all cannot either, past the deadline (dir_scan()). */
static int discover_dir(ImageList *l, unsigned dir_index, const DirScan *scan, const VersionedDirs *vdirs,
                        char ***masks, char ***seen) {
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

                if (is_versioned_dir_entry(scan, k)) {
                        _cleanup_free_ char *vpath = strjoin(dir, "/", *n);

                        if (!vpath)
                                return -ENOMEM;
                        r = discover_versioned(l, dir_index, portable_search_dirs[dir_index], *n, &st,
                                               versioned_dirs_find(vdirs, vpath), masks, seen);
                        if (r == -ENOMEM)
                                return r;
                        continue;
                }

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
        _cleanup_(versioned_dirs_done) VersionedDirs vdirs = {};
        size_t n_dirs = strv_length((char **) portable_search_dirs);
        _cleanup_free_ DirScan *scans = calloc(n_dirs, sizeof(DirScan));
        _cleanup_free_ bool *lost = NULL;
        int r;

        if (!scans)
                return log_oom();
        r = dir_scan(c, portable_search_dirs, n_dirs, deadline_usec, scans);
        if (r >= 0)
                r = versioned_dirs_scan(c, scans, n_dirs, deadline_usec, &vdirs);
        for (unsigned k = 0; r >= 0 && k < n_dirs; k++) {
                r = discover_dir(l, k, scans + k, &vdirs, &masks, &seen);
                if (r != -ENOMEM)
                        r = 0;  /* that directory is skipped, logged */
        }
        for (size_t k = 0; k < n_dirs; k++)
                dir_scan_done(scans + k);
        if (r == -ENOMEM)
                return log_oom();
        host_listing_seal(&l->listing);

        /* Of several versions of one NAME, one with tries left beats one without (+0, as vpick
         * has it), then the newest wins; on equal versions the earlier entry. */
        lost = calloc(l->n_images ?: 1, sizeof(bool));
        if (!lost)
                return log_oom();
        for (size_t a = 0; a < l->n_images; a++) {
                DiscoveredImage *i = l->images + a;

                if (i->state != IMAGE_CANDIDATE)
                        continue;

                for (size_t b = 0; b < l->n_images; b++) {
                        DiscoveredImage *j = l->images + b;
                        bool tries;

                        if (a == b || j->state != IMAGE_CANDIDATE || !streq(i->name, j->name))
                                continue;

                        r = CMP(i->tries_left != 0, j->tries_left != 0);
                        tries = r != 0;
                        if (r == 0)
                                r = version_compare(i->version, j->version);
                        if (r > 0 || (r == 0 && a < b))
                                continue;

                        if (tries)
                                r = set_reason(i, IMAGE_SHADOWED, "no tries left (+0), and %s has", j->path);
                        else
                                r = set_reason(i, IMAGE_SHADOWED, "shadowed by newer version %s", j->path);
                        if (r < 0)
                                return log_oom();
                        lost[a] = true;
                        break;
                }
        }
        /* The winner says how many it beat. */
        for (size_t a = 0; a < l->n_images; a++) {
                DiscoveredImage *i = l->images + a;
                size_t beaten = 0;
                char *p;

                if (i->state != IMAGE_CANDIDATE)
                        continue;
                for (size_t b = 0; b < l->n_images; b++)
                        if (lost[b] && streq(l->images[b].name, i->name))
                                beaten++;
                if (beaten == 0)
                        continue;
                if (asprintf(&p, "%s%snewest of %zu versions of %s in the portables directories",
                             strempty(i->picked), i->picked ? "; " : "", beaten + 1, i->name) < 0)
                        return log_oom();
                free(i->picked);
                i->picked = p;
        }

        for (size_t a = 0; a < l->n_images; a++) {
                DiscoveredImage *i = l->images + a;

                if (i->state == IMAGE_CANDIDATE)
                        log_debug("Found image %s (%s)%s%s.", i->path, image_type_to_string(i->type),
                                  i->picked ? ": " : "", strempty(i->picked));
                else if (i->state == IMAGE_INVALID) {
                        _cleanup_free_ char *e = log_escape(i->path);
                        log_warning("Image %s is not usable: %s.", strna(e), i->reason);
                }
                else
                        log_debug("Image %s is %s.", i->path, i->reason);
        }

        return 0;
}
