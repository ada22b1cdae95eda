/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>

#include "env-file.h"
#include "exec-dirs.h"
#include "extract-cache.h"
#include "fileio.h"
#include "log.h"
#include "mount-points.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-extract.h"

#define META_FILE "meta"
#define ROOT_DIR "root"
/* What an entry holds besides os-release, units and API mount points; entries without it are misses. */
#define CACHE_CONTENT "sysusers,tmpfiles,execdirs"
#define EXEC_DIR_MARKERS_MAX 4096U

int extract_cache_open(ExtractCache *ret, bool rerooted) {
        const char *d = getenv("PORTABLES_CACHE_DIR");

        *ret = (ExtractCache) { .dir_fd = -EBADF };

        /* Against an offline tree, the host's cache is none of our business. */
        if (isempty(d) && rerooted)
                return 0;

        ret->dir = strdup(isempty(d) ? EXTRACT_CACHE_DIR_DEFAULT : d);
        if (!ret->dir)
                return -ENOMEM;

        (void) mkdir_p_at(AT_FDCWD, ret->dir, 0700);
        ret->dir_fd = open(ret->dir, O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (ret->dir_fd < 0)
                return log_debug_errno(errno, "Cannot use cache directory %s, not caching: %m", ret->dir);
        return 0;
}

void extract_cache_done(ExtractCache *c) {
        /* dir is set only once dir_fd is valid or -EBADF: a zero-initialized cache owns no fd. */
        if (c->dir)
                c->dir_fd = safe_close(c->dir_fd);
        c->dir = mfree(c->dir);
        c->used = strv_free(c->used);
}

static int cache_key(const DiscoveredImage *i, char **ret) {
        const struct stat *st = &i->st;

        if (asprintf(ret, "%" PRIx64 "-%" PRIx64 "-%" PRIx64 "-%" PRIx64 ".%09ld-%" PRIx64 ".%09ld",
                     (uint64_t) st->st_dev, (uint64_t) st->st_ino, (uint64_t) st->st_size,
                     (uint64_t) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                     (uint64_t) st->st_ctim.tv_sec, st->st_ctim.tv_nsec) < 0)
                return -ENOMEM;
        return 0;
}

static int rm_rf_at(int dir_fd, const char *name) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (unlinkat(dir_fd, name, 0) >= 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;

        fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) rm_rf_at(dirfd(d), de->d_name);

        return RET_NERRNO(unlinkat(dir_fd, name, AT_REMOVEDIR));
}

static int region_format(const char *name, const RawRegion *r, char **out) {
        return strextendf(out, "%s=%d %" PRIu64 " %" PRIu64 " %s\n", name, r->found, r->offset, r->size,
                          isempty(r->uuid) ? "-" : r->uuid);
}

static int region_parse(const char *v, RawRegion *r) {
        char uuid[40];
        int found;

        if (!v || sscanf(v, "%d %" SCNu64 " %" SCNu64 " %39s", &found, &r->offset, &r->size, uuid) != 4)
                return -EBADMSG;
        r->found = found;
        if (streq(uuid, "-"))
                uuid[0] = 0;
        if (strlen(uuid) >= sizeof(r->uuid))
                return -EBADMSG;
        strcpy(r->uuid, uuid);
        return 0;
}

/* FORMAT= holds the RawFormat as a number (0..._RAW_FORMAT_MAX-1). */
static int raw_format_parse(const char *v) {
        char *e;
        long l;

        errno = 0;
        l = strtol(v, &e, 10);
        if (errno != 0 || e == v || *e != 0 || l < 0 || l >= _RAW_FORMAT_MAX)
                return -EINVAL;
        return (int) l;
}

int extract_cache_lookup(ExtractCache *c, const DiscoveredImage *i, char *const *required_paths,
                         int *ret_root_fd, RawProbe *ret_probe) {
        _cleanup_free_ char *key = NULL, *meta = NULL, *path = NULL;
        _cleanup_strv_free_ char **fields = NULL, **checked = NULL;
        _cleanup_close_ int fd = -EBADF;
        RawProbe probe = {};
        const char *v;
        int format, r;

        if (c->dir_fd < 0)
                return 0;

        r = cache_key(i, &key);
        if (r < 0)
                return r;
        r = strv_extend(&c->used, key);
        if (r < 0)
                return r;

        path = strjoin(key, "/" META_FILE);
        if (!path)
                return -ENOMEM;
        r = read_file_at(c->dir_fd, path, SMALL_FILE_SIZE_MAX, &meta);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;

        r = env_file_parse(meta, &fields);
        if (r < 0)
                return r;

        /* Entries from before sysusers.d, tmpfiles.d and *Directory= mount points were cached. */
        v = env_get(fields, "CONTENT");
        if (!v || !streq(v, CACHE_CONTENT))
                return 0;
        v = env_get(fields, "FORMAT");
        format = v ? raw_format_parse(v) : -EINVAL;
        if (format < 0)
                return 0;
        probe.format = format;
        v = env_get(fields, "FSTYPE");
        if (!v || strlen(v) >= sizeof(probe.fstype))
                return 0;
        strcpy(probe.fstype, v);
        v = env_get(fields, "USR_ONLY");
        probe.usr_only = v && streq(v, "1");
        if (region_parse(env_get(fields, "DATA"), &probe.data) < 0 ||
            region_parse(env_get(fields, "VERITY"), &probe.verity) < 0 ||
            region_parse(env_get(fields, "VERITY_SIG"), &probe.verity_sig) < 0)
                return 0;

        r = strv_split_words(strempty(env_get(fields, "CHECKED")), &checked);
        if (r < 0)
                return 0;
        STRV_FOREACH(p, required_paths)
                if (!strv_contains(checked, *p)) {
                        log_debug("Cached extraction of %s did not check %s, reading the image again.", i->path, *p);
                        return 0;
                }

        free(path);
        path = strjoin(key, "/" ROOT_DIR);
        if (!path)
                return -ENOMEM;
        fd = openat(c->dir_fd, path, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return 0;

        log_debug("Image %s: using the cached extraction %s/%s.", i->path, c->dir, key);
        *ret_root_fd = TAKE_FD(fd);
        *ret_probe = probe;
        return 1;
}

/* "a/b/c" -> "a/b" in place; "c" -> "." */
static const char *parent_in_place(char *rel) {
        char *slash = strrchr(rel, '/');

        if (!slash)
                return ".";
        *slash = 0;
        return rel;
}

static int copy_regular(int root_fd, const char *path, int dst_fd, size_t max) {
        _cleanup_free_ char *text = NULL, *rel = NULL;
        int r;

        r = read_file_in_root(root_fd, path, max, &text, NULL);
        if (r < 0)
                return r;

        rel = strdup(path + 1);
        if (!rel)
                return -ENOMEM;
        r = mkdir_p_at(dst_fd, parent_in_place(rel), 0755);
        if (r < 0)
                return r;
        return write_file_atomic_at(dst_fd, path + 1, text, 0644);
}

/* One entry of a unit directory (a unit, or a drop-in): content, mask or alias kept as such. */
static int copy_unit_entry(int root_fd, const char *dir, const char *name, int dst_fd) {
        _cleanup_free_ char *alias = NULL, *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        r = image_open_unit_file(root_fd, dir, name, &fd, &alias);
        if (r < 0)
                return 0;       /* unreadable: the planner skips it as well */

        p = strjoin(dir + 1, "/", name);
        if (!p)
                return -ENOMEM;

        if (r == 1)
                return RET_NERRNO(symlinkat("/dev/null", dst_fd, p));
        if (r == 2)
                return RET_NERRNO(symlinkat(alias, dst_fd, p));

        {
                _cleanup_free_ char *text = NULL;

                r = read_regular_fd(fd, UNIT_FILE_SIZE_MAX, &text, NULL);
                if (r < 0)
                        return 0;
                return write_file_atomic_at(dst_fd, p, text, 0644);
        }
}

/* The "*.conf" entries of a configuration directory of the image (sysusers.d, tmpfiles.d), masks
 * and links kept as such, as the unit directories. */
static int copy_conf_dir(int root_fd, const char *dir, int dst_fd) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = image_list_dir(root_fd, dir, &names);
        if (r < 0 || !names)
                return r == -ENOMEM ? r : 0;
        r = mkdir_p_at(dst_fd, dir + 1, 0755);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_free_ char *path = NULL, *text = NULL, *rel = NULL;
                _cleanup_close_ int fd = -EBADF;

                if (!endswith(*n, ".conf"))
                        continue;
                r = image_open_unit_file(root_fd, dir, *n, &fd, NULL);
                if (r == 0 || r == 1) {
                        r = copy_unit_entry(root_fd, dir, *n, dst_fd);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r != 2)
                        continue;
                /* A link to another name: the planner reads what it points to. */
                path = strjoin(dir, "/", *n);
                rel = strjoin(dir + 1, "/", *n);
                if (!path || !rel)
                        return -ENOMEM;
                if (read_file_in_root(root_fd, path, UNIT_FILE_SIZE_MAX, &text, NULL) < 0)
                        continue;
                r = write_file_atomic_at(dst_fd, rel, text, 0644);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Directories (and symlinks, as directories) below root, recursively, bounded: markers for the
 * mount points of StateDirectory= and the like (lib/exec-dirs.h). */
static int mark_dirs(int root_fd, const char *path, int dst_fd, unsigned *budget) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = image_list_dir(root_fd, path, &names);
        if (r < 0 || !names)
                return r == -ENOMEM ? r : 0;

        STRV_FOREACH(n, names) {
                _cleanup_free_ char *sub = strjoin(path, "/", *n);
                _cleanup_close_ int fd = -EBADF;
                struct stat st, st2;

                if (!sub)
                        return -ENOMEM;
                fd = open_in_root(root_fd, sub, O_NOFOLLOW);
                if (fd < 0 || fstat(fd, &st) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
                        continue;
                /* Too many to record: no cache entry (a partial one would plan differently). */
                if (*budget == 0)
                        return -E2BIG;
                (*budget)--;
                if (fstatat(dst_fd, sub + 1, &st2, AT_SYMLINK_NOFOLLOW) < 0) {
                        r = mkdir_p_at(dst_fd, sub + 1, 0755);
                        if (r < 0)
                                return r;
                }
                if (S_ISDIR(st.st_mode)) {
                        r = mark_dirs(root_fd, sub, dst_fd, budget);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int store_tree(int root_fd, int dst_fd, char *const *required_paths, char **checked) {
        int r;

        for (const char *const *o = (const char *const[]) { "/etc/os-release", "/usr/lib/os-release", NULL }; *o; o++) {
                r = copy_regular(root_fd, *o, dst_fd, SMALL_FILE_SIZE_MAX);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                break;
        }

        for (size_t k = 0; image_unit_dirs[k]; k++) {
                _cleanup_strv_free_ char **names = NULL;

                r = image_list_dir(root_fd, image_unit_dirs[k], &names);
                if (r < 0)
                        return r;
                if (names) {
                        r = mkdir_p_at(dst_fd, image_unit_dirs[k] + 1, 0755);
                        if (r < 0)
                                return r;
                }

                STRV_FOREACH(n, names) {
                        const char *stem = endswith(*n, ".d");
                        _cleanup_free_ char *unit = NULL;

                        if (unit_name_type(*n) >= 0) {
                                r = copy_unit_entry(root_fd, image_unit_dirs[k], *n, dst_fd);
                                if (r < 0)
                                        return r;
                                continue;
                        }

                        if (!stem)
                                continue;
                        unit = strndup(*n, stem - *n);
                        if (!unit)
                                return -ENOMEM;
                        if (unit_name_type(unit) < 0)
                                continue;

                        {
                                _cleanup_free_ char *d = strjoin(image_unit_dirs[k], "/", *n);
                                _cleanup_strv_free_ char **confs = NULL;

                                if (!d)
                                        return -ENOMEM;
                                r = image_list_dir(root_fd, d, &confs);
                                if (r < 0)
                                        continue;
                                r = mkdir_p_at(dst_fd, d + 1, 0755);
                                if (r < 0)
                                        return r;
                                STRV_FOREACH(f, confs) {
                                        if (!endswith(*f, ".conf"))
                                                continue;
                                        r = copy_unit_entry(root_fd, d, *f, dst_fd);
                                        if (r < 0)
                                                return r;
                                }
                        }
                }
        }

        for (const char *const *d = (const char *const[]) { "/etc/sysusers.d", "/usr/lib/sysusers.d",
                                                             "/etc/tmpfiles.d", "/usr/lib/tmpfiles.d", NULL }; *d; d++) {
                r = copy_conf_dir(root_fd, *d, dst_fd);
                if (r < 0)
                        return r;
        }

        {
                unsigned budget = EXEC_DIR_MARKERS_MAX;

                for (size_t k = 0; exec_dirs_roots[k]; k++) {
                        r = mark_dirs(root_fd, exec_dirs_roots[k], dst_fd, &budget);
                        if (r < 0)
                                return r;
                }
        }

        /* Markers for the mount points: directories for the API file systems, empty files for
         * bind targets, present exactly where they are present in the image. */
        for (size_t k = 0; mount_point_api_dirs[k]; k++) {
                _cleanup_close_ int fd = open_in_root(root_fd, mount_point_api_dirs[k], O_NOFOLLOW);
                if (fd < 0)
                        continue;
                r = mkdir_p_at(dst_fd, mount_point_api_dirs[k] + 1, 0755);
                if (r < 0)
                        return r;
        }

        STRV_FOREACH(p, required_paths) {
                _cleanup_close_ int fd = open_in_root(root_fd, *p, O_NOFOLLOW);
                _cleanup_free_ char *rel = NULL;

                if (!strextend(checked, " ", *p))
                        return -ENOMEM;
                if (fd < 0)
                        continue;
                rel = strdup(*p + 1);
                if (!rel)
                        return -ENOMEM;
                r = mkdir_p_at(dst_fd, parent_in_place(rel), 0755);
                if (r < 0)
                        return r;
                r = write_file_atomic_at(dst_fd, *p + 1, "", 0644);
                if (r < 0 && r != -EISDIR)
                        return r;
        }

        return 0;
}

int extract_cache_store(ExtractCache *c, const DiscoveredImage *i, int root_fd, const RawProbe *probe,
                        char *const *required_paths) {
        _cleanup_free_ char *key = NULL, *tmp = NULL, *meta = NULL, *checked = NULL, *rootp = NULL;
        _cleanup_close_ int tmp_fd = -EBADF, root_dst = -EBADF;
        int r;

        if (c->dir_fd < 0)
                return 0;

        r = cache_key(i, &key);
        if (r < 0)
                return r;
        if (!strv_contains(c->used, key)) {
                r = strv_extend(&c->used, key);
                if (r < 0)
                        return r;
        }

        if (asprintf(&tmp, ".%s.%08x", key, (unsigned) random()) < 0)
                return -ENOMEM;
        if (mkdirat(c->dir_fd, tmp, 0700) < 0)
                return log_debug_errno(errno, "Failed to create cache entry %s/%s: %m", c->dir, tmp);

        tmp_fd = openat(c->dir_fd, tmp, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tmp_fd < 0) {
                r = -errno;
                goto fail;
        }
        if (mkdirat(tmp_fd, ROOT_DIR, 0755) < 0) {
                r = -errno;
                goto fail;
        }
        root_dst = openat(tmp_fd, ROOT_DIR, O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (root_dst < 0) {
                r = -errno;
                goto fail;
        }

        checked = strdup("");
        if (!checked) {
                r = -ENOMEM;
                goto fail;
        }
        r = store_tree(root_fd, root_dst, required_paths, &checked);
        if (r < 0)
                goto fail;

        r = strextendf(&meta, "CONTENT=" CACHE_CONTENT "\nFORMAT=%d\nFSTYPE=%s\nUSR_ONLY=%d\nCHECKED='%s'\n", probe->format, probe->fstype,
                       probe->usr_only, checked);
        if (r >= 0)
                r = region_format("DATA", &probe->data, &meta);
        if (r >= 0)
                r = region_format("VERITY", &probe->verity, &meta);
        if (r >= 0)
                r = region_format("VERITY_SIG", &probe->verity_sig, &meta);
        if (r >= 0)
                r = write_file_atomic_at(tmp_fd, META_FILE, meta, 0600);
        if (r < 0)
                goto fail;

        /* Values with spaces need quotes in the env-style meta file. */
        (void) rm_rf_at(c->dir_fd, key);
        if (renameat(c->dir_fd, tmp, c->dir_fd, key) < 0) {
                r = -errno;
                goto fail;
        }

        log_debug("Image %s: cached its extraction in %s/%s.", i->path, c->dir, key);
        return 0;

fail:
        (void) rm_rf_at(c->dir_fd, tmp);
        return log_debug_errno(r, "Failed to cache the extraction of %s: %m", i->path);
}

int extract_cache_prune(ExtractCache *c) {
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        if (c->dir_fd < 0)
                return 0;

        fd = openat(c->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }

        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (strv_contains(c->used, de->d_name))
                        continue;
                log_debug("Pruning cache entry %s/%s.", c->dir, de->d_name);
                (void) rm_rf_at(c->dir_fd, de->d_name);
        }
        return 0;
}
