/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <sys/xattr.h>

#include "accounts.h"
#include "etc-scan.h"
#include "exec-dirs.h"
#include "extract-cache.h"
#include "unit-adapt.h"
#include "unit-env.h"
#include "fileio.h"
#include "image-fs.h"
#include "log.h"
#include "mount-points.h"
#include "names.h"
#include "string-util.h"
#include "strv.h"
#include "unit-extract.h"

/* An entry is one file, a packed tree (lib/image-fs.h) named by the key. Besides what was read
 * from the image it holds META_PATH: "KEY=VALUE" lines, unquoted, with the probe, CONTENT, and a
 * CHECKED= line for each required path it recorded. */
#define META_PATH "/.portables-cache-meta"
/* What an entry holds besides os-release, units and API mount points; entries without it are misses. */
#define CACHE_CONTENT "packed,sysusers,tmpfiles,execdirs,envfiles,accounts,rundirs,bindtargets,etcscan"
/* Unit files are at most UNIT_FILE_SIZE_MAX each, IMAGE_UNIT_BYTES_MAX together. */
#define CACHE_ENTRY_SIZE_MAX (64U * 1024U * 1024U)
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

/* Splits the meta data into its lines, in place. */
static int meta_lines(char *meta, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        char *nl;
        int r;

        for (char *p = meta; *p; p = nl + 1) {
                nl = strchr(p, '\n');
                if (!nl)
                        return -EBADMSG;
                *nl = 0;
                r = strv_extend(&l, p);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

static const char *meta_get(char *const *lines, const char *key) {
        STRV_FOREACH(l, lines) {
                const char *v = startswith(*l, key);
                if (v && v[0] == '=')
                        return v + 1;
        }
        return NULL;
}

static bool meta_checked(char *const *lines, const char *path) {
        STRV_FOREACH(l, lines) {
                const char *v = startswith(*l, "CHECKED=");
                if (v && streq(v, path))
                        return true;
        }
        return false;
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
                         PackedTree *ret_tree, RawProbe *ret_probe, bool *ret_verity_xattrs) {
        _cleanup_(packed_tree_done) PackedTree tree = {};
        _cleanup_free_ char *key = NULL, *buf = NULL, *meta = NULL;
        _cleanup_strv_free_ char **fields = NULL;
        const PackedEntry *m;
        RawProbe probe = {};
        bool verity_xattrs;
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

        /* One file: open, read, close. */
        r = read_file_at(c->dir_fd, key, CACHE_ENTRY_SIZE_MAX, &buf);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        {
                size_t n = strlen(buf);
                r = packed_tree_parse(TAKE_PTR(buf), n, &tree);
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_debug("Cached extraction of %s is not readable, reading the image again.", i->path);
                return 0;
        }

        /* What is not the image's: the probe and what was checked, at a path no image has. */
        m = packed_tree_find(&tree, META_PATH);
        if (!m)
                return 0;
        meta = strndup(m->data, m->size);
        if (!meta)
                return -ENOMEM;
        r = meta_lines(meta, &fields);
        if (r < 0)
                return r == -ENOMEM ? r : 0;

        /* Entries of an older format (a directory tree, or without sysusers.d, tmpfiles.d and
         * *Directory= mount points) are misses. */
        v = meta_get(fields, "CONTENT");
        if (!v || !streq(v, CACHE_CONTENT))
                return 0;
        v = meta_get(fields, "FORMAT");
        format = v ? raw_format_parse(v) : -EINVAL;
        if (format < 0)
                return 0;
        probe.format = format;
        v = meta_get(fields, "FSTYPE");
        if (!v || strlen(v) >= sizeof(probe.fstype))
                return 0;
        strcpy(probe.fstype, v);
        v = meta_get(fields, "USR_ONLY");
        probe.usr_only = v && streq(v, "1");
        v = meta_get(fields, "VERITY_XATTRS");
        if (!v)
                return 0;
        verity_xattrs = !streq(v, "0");
        if (region_parse(meta_get(fields, "DATA"), &probe.data) < 0 ||
            region_parse(meta_get(fields, "VERITY"), &probe.verity) < 0 ||
            region_parse(meta_get(fields, "VERITY_SIG"), &probe.verity_sig) < 0)
                return 0;

        STRV_FOREACH(p, required_paths)
                if (!meta_checked(fields, *p)) {
                        log_debug("Cached extraction of %s did not check %s, reading the image again.", i->path, *p);
                        return 0;
                }

        log_debug("Image %s: using the cached extraction %s/%s.", i->path, c->dir, key);
        *ret_tree = TAKE_STRUCT(tree);
        *ret_probe = probe;
        if (ret_verity_xattrs)
                *ret_verity_xattrs = verity_xattrs;
        return 1;
}

/* One entry of a unit directory (a unit, or a drop-in): content, mask or alias kept as such. */
static int pack_unit_entry(const ImageFS *src, const char *dir, const char *name, PackedBuilder *b) {
        _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;
        _cleanup_free_ char *alias = NULL, *p = NULL, *text = NULL;
        int r;

        r = image_fs_open_unit_file(src, dir, name, &f, &alias);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;       /* unreadable: the planner skips it as well */

        p = strjoin(dir, "/", name);
        if (!p)
                return -ENOMEM;

        if (r == 1)
                return packed_builder_add(b, 'l', p, "/dev/null");
        if (r == 2)
                return packed_builder_add(b, 'l', p, alias);

        r = image_file_read(&f, UNIT_FILE_SIZE_MAX, &text, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        return packed_builder_add(b, 'f', p, text);
}

/* The entries of a configuration directory of the image (the "*.conf" ones of sysusers.d and
 * tmpfiles.d, every one of /etc/default), masks kept as such; a link to another name is stored as
 * what it points to, which the planner reads. */
static int pack_conf_dir(const ImageFS *src, const char *dir, const char *suffix, PackedBuilder *b) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = image_list_dir(src, dir, &names);
        if (r < 0 || !names)
                return r == -ENOMEM ? r : 0;
        r = packed_builder_add(b, 'd', dir, NULL);
        if (r < 0)
                return r;
        STRV_FOREACH(n, names) {
                _cleanup_(image_file_done) ImageFile f = IMAGE_FILE_NULL;
                _cleanup_free_ char *path = NULL, *text = NULL;

                if (suffix && !endswith(*n, suffix))
                        continue;
                r = image_fs_open_unit_file(src, dir, *n, &f, NULL);
                if (r == -ENOMEM)
                        return r;
                if (r == 0 || r == 1) {
                        r = pack_unit_entry(src, dir, *n, b);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (r != 2)
                        continue;
                path = strjoin(dir, "/", *n);
                if (!path)
                        return -ENOMEM;
                if (image_fs_read_file(src, path, UNIT_FILE_SIZE_MAX, &text) < 0)
                        continue;
                r = packed_builder_add(b, 'f', path, text);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Directories and symlinks below root, recursively (not into symlinks), bounded: markers for the
 * mount points of StateDirectory= and the like (lib/exec-dirs.h), where a symlink counts as
 * present. Symlinks are kept as such, so that reading one (an /etc/os-release pointing out of the
 * image) resolves as in the image, not as a directory. */
static int pack_dirs(const ImageFS *src, const char *path, PackedBuilder *b, unsigned *budget) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        r = image_list_dir(src, path, &names);
        if (r < 0 || !names)
                return r == -ENOMEM ? r : 0;

        STRV_FOREACH(n, names) {
                _cleanup_free_ char *sub = strjoin(path, "/", *n);
                _cleanup_close_ int fd = -EBADF;
                struct stat st;

                if (!sub)
                        return -ENOMEM;
                fd = open_in_root(src->fd, sub, O_NOFOLLOW);
                if (fd < 0 || fstat(fd, &st) < 0)
                        continue;
                if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))
                        continue;
                /* Too many to record: no cache entry (a partial one would plan differently). */
                if (*budget == 0)
                        return -E2BIG;
                (*budget)--;
                if (S_ISLNK(st.st_mode)) {
                        char target[PATH_MAX];
                        ssize_t k = readlinkat(fd, "", target, sizeof(target) - 1);

                        if (k <= 0)
                                continue;
                        target[k] = 0;
                        r = packed_builder_add(b, 'l', sub, target);
                } else
                        r = packed_builder_add(b, 'd', sub, NULL);
                if (r < 0)
                        return r;
                if (S_ISDIR(st.st_mode)) {
                        r = pack_dirs(src, sub, b, budget);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int pack_image(const ImageFS *src, PackedBuilder *b, char *const *required_paths, char **checked) {
        int r;

        for (const char *const *o = (const char *const[]) { "/etc/os-release", "/usr/lib/os-release", NULL }; *o; o++) {
                _cleanup_free_ char *text = NULL;

                r = image_fs_read_file(src, *o, SMALL_FILE_SIZE_MAX, &text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = packed_builder_add(b, 'f', *o, text);
                if (r < 0)
                        return r;
                break;
        }

        for (size_t k = 0; image_unit_dirs[k]; k++) {
                _cleanup_strv_free_ char **names = NULL;

                r = image_list_dir(src, image_unit_dirs[k], &names);
                if (r < 0)
                        return r;
                if (names) {
                        r = packed_builder_add(b, 'd', image_unit_dirs[k], NULL);
                        if (r < 0)
                                return r;
                }

                STRV_FOREACH(n, names) {
                        const char *stem = endswith(*n, ".d");
                        _cleanup_free_ char *unit = NULL, *d = NULL;
                        _cleanup_strv_free_ char **confs = NULL;

                        if (unit_name_type(*n) >= 0) {
                                r = pack_unit_entry(src, image_unit_dirs[k], *n, b);
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

                        d = strjoin(image_unit_dirs[k], "/", *n);
                        if (!d)
                                return -ENOMEM;
                        r = image_list_dir(src, d, &confs);
                        if (r < 0)
                                continue;
                        r = packed_builder_add(b, 'd', d, NULL);
                        if (r < 0)
                                return r;
                        STRV_FOREACH(f, confs) {
                                if (!endswith(*f, ".conf"))
                                        continue;
                                r = pack_unit_entry(src, d, *f, b);
                                if (r < 0)
                                        return r;
                        }
                }
        }

        for (const char *const *d = (const char *const[]) { "/etc/sysusers.d", "/usr/lib/sysusers.d",
                                                             "/etc/tmpfiles.d", "/usr/lib/tmpfiles.d", NULL }; *d; d++) {
                r = pack_conf_dir(src, *d, ".conf", b);
                if (r < 0)
                        return r;
        }
        /* The files EnvironmentFile= may name (unit-env.h). */
        for (size_t k = 0; unit_env_dirs[k]; k++) {
                r = pack_conf_dir(src, unit_env_dirs[k], NULL, b);
                if (r < 0)
                        return r;
        }

        /* The account databases a service's identity is looked up in (unit-identity.h). */
        for (const char *const *f = (const char *const[]) { "/etc/passwd", "/etc/group", NULL }; *f; f++) {
                _cleanup_free_ char *text = NULL;

                r = image_fs_read_file(src, *f, IMAGE_ACCOUNTS_FILE_SIZE_MAX, &text);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        continue;
                r = packed_builder_add(b, 'f', *f, text);
                if (r < 0)
                        return r;
        }

        /* What of /etc only the image's users may read, with the contents (etc-scan.h): a packed
         * tree holds no owners and modes. Before the markers, which are empty files. */
        r = etc_scan_pack(src->fd, b);
        if (r < 0)
                return r;

        {
                unsigned budget = EXEC_DIR_MARKERS_MAX;

                for (size_t k = 0; exec_dirs_roots[k]; k++) {
                        r = pack_dirs(src, exec_dirs_roots[k], b, &budget);
                        if (r < 0)
                                return r;
                }
        }

        /* Markers for the mount points: directories for the API file systems, empty files for
         * bind targets, present exactly where they are present in the image. */
        for (size_t k = 0; mount_point_api_dirs[k]; k++)
                if (image_fs_exists(src, mount_point_api_dirs[k])) {
                        r = packed_builder_add(b, 'd', mount_point_api_dirs[k], NULL);
                        if (r < 0)
                                return r;
                }

        /* Markers for the mount points of the units' own bind mounts (unit-adapt.h), after
         * everything else: a file packed with its content stays as it is. */
        {
                _cleanup_strv_free_ char **targets = NULL;

                for (size_t k = 0; k < b->n_entries; k++) {
                        const PackedEntry *e = b->entries + k;
                        bool unit_dir = false;

                        for (size_t d = 0; image_unit_dirs[d]; d++)
                                unit_dir = unit_dir || startswith(e->path, image_unit_dirs[d]);
                        if (e->type != 'f' || !unit_dir)
                                continue;
                        r = unit_text_bind_targets(e->data, e->path, &targets);
                        if (r < 0)
                                return r;
                }
                STRV_FOREACH(t, targets) {
                        if ((*t)[0] != '/' || !image_fs_exists(src, *t))
                                continue;
                        r = packed_builder_add(b, image_fs_is_dir(src, *t) ? 'd' : 'f', *t, image_fs_is_dir(src, *t) ? NULL : "");
                        if (r < 0)
                                return r;
                }
        }

        STRV_FOREACH(p, required_paths) {
                if (strchr(*p, '\n'))
                        return -EINVAL;         /* not as a line of the meta data */
                if (!strextend(checked, "CHECKED=", *p, "\n"))
                        return -ENOMEM;
                if (!image_fs_exists(src, *p))
                        continue;
                r = packed_builder_add(b, 'f', *p, "");
                if (r < 0)
                        return r;
        }

        return 0;
}

/* 0 if the image file has no user.verity.* xattrs, 1 if it has or we cannot tell. */
static int verity_xattrs(int image_fd) {
        for (const char *const *x = (const char *const[]) { "user.verity.roothash", "user.verity.usrhash", NULL }; *x; x++)
                if (fgetxattr(image_fd, *x, NULL, 0) >= 0 || !IN_SET(errno, ENODATA, ENOTSUP, EOPNOTSUPP))
                        return 1;
        return 0;
}

int extract_cache_store(ExtractCache *c, const DiscoveredImage *i, int root_fd, int image_fd, const RawProbe *probe,
                        char *const *required_paths) {
        _cleanup_(packed_builder_done) PackedBuilder b = {};
        _cleanup_free_ char *key = NULL, *meta = NULL, *checked = NULL, *text = NULL;
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

        checked = strdup("");
        if (!checked)
                return -ENOMEM;
        r = pack_image(IMAGE_FS_FD(root_fd), &b, required_paths, &checked);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return log_debug_errno(r, "Not caching the extraction of %s: %m", i->path);

        r = strextendf(&meta, "CONTENT=" CACHE_CONTENT "\nFORMAT=%d\nFSTYPE=%s\nUSR_ONLY=%d\nVERITY_XATTRS=%d\n%s",
                       probe->format, probe->fstype, probe->usr_only, verity_xattrs(image_fd), checked);
        if (r >= 0)
                r = region_format("DATA", &probe->data, &meta);
        if (r >= 0)
                r = region_format("VERITY", &probe->verity, &meta);
        if (r >= 0)
                r = region_format("VERITY_SIG", &probe->verity_sig, &meta);
        if (r >= 0)
                r = packed_builder_add(&b, 'f', META_PATH, meta);
        if (r >= 0)
                r = packed_builder_format(&b, &text);
        if (r < 0)
                return r;
        if (strlen(text) > CACHE_ENTRY_SIZE_MAX) {
                log_debug("Not caching the extraction of %s: more than %u bytes.", i->path, CACHE_ENTRY_SIZE_MAX);
                return 0;
        }

        /* An entry from an older version (a directory) goes first. */
        (void) rm_rf_at(c->dir_fd, key);
        r = write_file_atomic_at(c->dir_fd, key, text, 0600);
        if (r < 0)
                return log_debug_errno(r, "Failed to cache the extraction of %s: %m", i->path);

        log_debug("Image %s: cached its extraction in %s/%s.", i->path, c->dir, key);
        return 0;
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
                if (strv_contains(c->used, de->d_name) || startswith(de->d_name, EXTRACT_CACHE_KEEP_PREFIX))
                        continue;
                log_debug("Pruning cache entry %s/%s.", c->dir, de->d_name);
                (void) rm_rf_at(c->dir_fd, de->d_name);
        }
        return 0;
}
