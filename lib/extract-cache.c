/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
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
#include "image-pack.h"
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
#define CACHE_CONTENT "packed,sysusers,tmpfiles,execdirs,envfiles,accounts,rundirs,bindtargets,etcscan,extrelease"
/* Unit files are at most UNIT_FILE_SIZE_MAX each, IMAGE_UNIT_BYTES_MAX together. */
#define CACHE_ENTRY_SIZE_MAX (64U * 1024U * 1024U)
/* Beyond this the bundle is not written: the entries are read one by one. */
#define CACHE_BUNDLE_SIZE_MAX (64U * 1024U * 1024U)

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

/* The bundle, read on first use: a process that looks nothing up never reads it. */
static int bundle_load(ExtractCache *c) {
        int r;

        if (c->bundle_loaded)
                return 0;
        r = cache_bundle_load(c->dir_fd, CACHE_BUNDLE_SIZE_MAX, &c->bundle);
        if (r < 0)
                return r;
        c->bundle_loaded = true;
        return 0;
}

void extract_cache_done(ExtractCache *c) {
        /* dir is set only once dir_fd is valid or -EBADF: a zero-initialized cache owns no fd. */
        if (c->dir)
                c->dir_fd = safe_close(c->dir_fd);
        c->dir = mfree(c->dir);
        c->used = strv_free(c->used);
        cache_bundle_done(&c->bundle);
        cache_bundle_builder_done(&c->kept);
        c->files = strv_free(c->files);
        c->n_files = 0;
        c->files_listed = c->files_changed = false;
}

/* Appends v in lower-case hex, no leading zeros. */
static char *hex_append(char *p, uint64_t v) {
        char buf[16];
        size_t n = 0;

        do {
                buf[n++] = "0123456789abcdef"[v & 0xf];
                v >>= 4;
        } while (v > 0);
        while (n > 0)
                *p++ = buf[--n];
        return p;
}

/* Appends ".NNNNNNNNN": nanoseconds, 9 digits. */
static char *nsec_append(char *p, long ns) {
        *p++ = '.';
        for (int k = 8; k >= 0; k--) {
                p[k] = (char) ('0' + (ns % 10));
                ns /= 10;
        }
        return p + 9;
}

/* DEV-INO-SIZE-MTIME-CTIME, in hex, the times as SEC.NSEC (formatted by hand: one is made for each
 * image at every reload). */
static int cache_key(const DiscoveredImage *i, char **ret) {
        const struct stat *st = &i->st;
        char *k, *p;

        if (st->st_mtim.tv_nsec < 0 || st->st_mtim.tv_nsec > 999999999 ||
            st->st_ctim.tv_nsec < 0 || st->st_ctim.tv_nsec > 999999999)
                return -EINVAL;

        k = malloc(5 * 17 + 2 * 10 + 1);
        if (!k)
                return -ENOMEM;
        p = hex_append(k, (uint64_t) st->st_dev);
        *p++ = '-';
        p = hex_append(p, (uint64_t) st->st_ino);
        *p++ = '-';
        p = hex_append(p, (uint64_t) st->st_size);
        *p++ = '-';
        p = hex_append(p, (uint64_t) st->st_mtim.tv_sec);
        p = nsec_append(p, st->st_mtim.tv_nsec);
        *p++ = '-';
        p = hex_append(p, (uint64_t) st->st_ctim.tv_sec);
        p = nsec_append(p, st->st_ctim.tv_nsec);
        *p = 0;

        *ret = k;
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

/* A decimal number up to the next space or the end; *p moves past it and one space. */
static int parse_u64(const char **p, uint64_t *ret) {
        const char *q = *p;
        uint64_t v = 0;

        if (*q < '0' || *q > '9')
                return -EBADMSG;
        for (; *q >= '0' && *q <= '9'; q++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*q - '0');
        }
        if (*q != ' ' && *q != 0)
                return -EBADMSG;
        *p = *q == ' ' ? q + 1 : q;
        *ret = v;
        return 0;
}

/* "FOUND OFFSET SIZE UUID", as region_format() writes it (UUID "-": none). */
static int region_parse(const char *v, RawRegion *r) {
        uint64_t found;
        size_t n;

        if (!v || parse_u64(&v, &found) < 0 || found > 1 || parse_u64(&v, &r->offset) < 0 ||
            parse_u64(&v, &r->size) < 0)
                return -EBADMSG;
        n = strlen(v);
        if (n == 0 || n >= sizeof(r->uuid) || strchr(v, ' '))
                return -EBADMSG;
        r->found = found;
        if (streq(v, "-"))
                r->uuid[0] = 0;
        else
                memcpy(r->uuid, v, n + 1);
        return 0;
}

/* Splits the meta data into its lines, in place: *ret points into meta (free only the array). */
static int meta_lines(char *meta, char ***ret) {
        size_t n = 0, k = 0;
        char **l, *nl;

        for (const char *p = meta; (p = strchr(p, '\n')); p++)
                n++;
        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (char *p = meta; *p; p = nl + 1) {
                nl = strchr(p, '\n');
                if (!nl) {
                        free(l);
                        return -EBADMSG;
                }
                *nl = 0;
                l[k++] = p;
        }
        *ret = l;
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

/* An entry's content (buf, taken), from its file or the bundle: 1 and what it holds if it
 * passes, 0 if it does not. */
static int entry_read(ExtractCache *c, const DiscoveredImage *i, const char *key, char *buf,
                      char *const *required_paths, PackedTree *ret_tree, RawProbe *ret_probe,
                      bool *ret_verity_xattrs) {
        _cleanup_(packed_tree_done) PackedTree tree = {};
        _cleanup_free_ char *meta = NULL;
        _cleanup_free_ char **fields = NULL;   /* into meta */
        const PackedEntry *m;
        RawProbe probe = {};
        bool verity_xattrs;
        const char *v;
        int format, r;

        {
                size_t n = strlen(buf);
                r = packed_tree_parse(buf, n, &tree);
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

/* entry_read() on a copy of data (size bytes), which it parses in place. */
static int entry_read_copy(ExtractCache *c, const DiscoveredImage *i, const char *key, const char *data, size_t size,
                           char *const *required_paths, PackedTree *ret_tree, RawProbe *ret_probe,
                           bool *ret_verity_xattrs) {
        char *buf = strndup(data, size);

        if (!buf)
                return -ENOMEM;
        return entry_read(c, i, key, buf, required_paths, ret_tree, ret_probe, ret_verity_xattrs);
}

static int str_compare(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/* Whether the entry may have a file of its own: the directory is listed once, on the first lookup
 * that gets this far, rather than an open() failing for every image of a cold run. */
static bool entry_file_may_exist(ExtractCache *c, const char *key) {
        if (c->files_changed)
                return true;
        if (!c->files_listed) {
                _cleanup_closedir_ DIR *d = NULL;
                int fd;

                fd = openat(c->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd >= 0) {
                        d = fdopendir(fd);
                        if (!d)
                                safe_close(fd);
                }
                if (!d || dir_list(d, "", 1000000, &c->files) < 0) {
                        c->files_changed = true;        /* look for each, then */
                        return true;
                }
                c->n_files = strv_length(c->files);
                c->files_listed = true;
        }
        return c->n_files > 0 && bsearch(&key, c->files, c->n_files, sizeof(char *), str_compare);
}

int extract_cache_lookup(ExtractCache *c, const DiscoveredImage *i, char *const *required_paths,
                         PackedTree *ret_tree, RawProbe *ret_probe, bool *ret_verity_xattrs) {
        _cleanup_free_ char *key = NULL, *buf = NULL;
        CacheBundleEntry *e;
        int r;

        if (c->dir_fd < 0)
                return 0;

        r = cache_key(i, &key);
        if (r < 0)
                return r;
        r = strv_extend(&c->used, key);
        if (r < 0)
                return r;

        /* Stored in this run already; else from the bundle; else one file: open, read, close. */
        {
                size_t size;
                const char *d = cache_bundle_builder_find(&c->kept, key, &size);

                if (d) {
                        r = entry_read_copy(c, i, key, d, size, required_paths, ret_tree, ret_probe, ret_verity_xattrs);
                        if (r != 0)
                                return r;
                }
        }
        r = bundle_load(c);
        if (r < 0)
                return r;
        e = cache_bundle_find(&c->bundle, key);
        if (e) {
                r = entry_read_copy(c, i, key, e->data, e->size, required_paths, ret_tree, ret_probe, ret_verity_xattrs);
                if (r > 0 && !e->used) {
                        e->used = true;
                        c->bundle.n_used++;
                }
                if (r != 0)
                        return r;
        }

        if (!entry_file_may_exist(c, key))
                return 0;
        r = read_file_at(c->dir_fd, key, CACHE_ENTRY_SIZE_MAX, &buf);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0;
        r = entry_read_copy(c, i, key, buf, strlen(buf), required_paths, ret_tree, ret_probe, ret_verity_xattrs);
        if (r <= 0)
                return r;
        r = cache_bundle_builder_add(&c->kept, key, buf, strlen(buf));
        if (r < 0) {
                packed_tree_done(ret_tree);
                return r;
        }
        return 1;
}

/* 0 if the image file has no user.verity.* xattrs, 1 if it has or we cannot tell. */
static int verity_xattrs(int image_fd) {
        /* Most image files have no xattrs at all: one call says so. */
        if (image_fd >= 0 && flistxattr(image_fd, NULL, 0) == 0)
                return 0;
        for (const char *const *x = (const char *const[]) { "user.verity.roothash", "user.verity.usrhash", NULL }; *x; x++)
                if (fgetxattr(image_fd, *x, NULL, 0) >= 0 || !IN_SET(errno, ENODATA, ENOTSUP, EOPNOTSUPP))
                        return 1;
        return 0;
}

int extract_cache_store(ExtractCache *c, const DiscoveredImage *i, const ImageFS *src, int image_fd,
                        const RawProbe *probe, char *const *required_paths, PackedTree *ret_tree) {
        _cleanup_(packed_builder_done) PackedBuilder b = {};
        _cleanup_free_ char *key = NULL, *meta = NULL, *checked = NULL, *text = NULL;
        bool store = c && c->dir_fd >= 0;
        int r;

        assert(i);
        assert(src);
        assert(probe);

        if (!store && !ret_tree)
                return 0;

        if (store) {
                r = cache_key(i, &key);
                if (r < 0)
                        return r;
                if (!strv_contains(c->used, key)) {
                        r = strv_extend(&c->used, key);
                        if (r < 0)
                                return r;
                }
        }

        checked = strdup("");
        if (!checked)
                return -ENOMEM;
        r = image_pack(src, &b, required_paths, &checked);
        if (r < 0 && (r == -ENOMEM || ret_tree))
                return r;               /* the caller reads it otherwise, and says why */
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

        if (store && strlen(text) > CACHE_ENTRY_SIZE_MAX)
                log_debug("Not caching the extraction of %s: more than %u bytes.", i->path, CACHE_ENTRY_SIZE_MAX);
        else if (store && c->defer_stores) {
                r = cache_bundle_builder_add(&c->kept, key, text, strlen(text));
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        log_debug_errno(r, "Failed to cache the extraction of %s: %m", i->path);
        } else if (store) {
                r = write_file_atomic_at(c->dir_fd, key, text, 0600);
                if (IN_SET(r, -EISDIR, -ENOTEMPTY, -EEXIST)) {
                        /* An entry from an older version (a directory) goes first. */
                        (void) rm_rf_at(c->dir_fd, key);
                        r = write_file_atomic_at(c->dir_fd, key, text, 0600);
                }
                if (r < 0)
                        log_debug_errno(r, "Failed to cache the extraction of %s: %m", i->path);
                else {
                        log_debug("Image %s: cached its extraction in %s/%s.", i->path, c->dir, key);
                        r = cache_bundle_builder_add(&c->kept, key, text, strlen(text));
                        if (r == -ENOMEM)
                                return r;
                }
        }

        if (!ret_tree)
                return 0;
        {
                size_t n = strlen(text);
                return packed_tree_parse(TAKE_PTR(text), n, ret_tree);
        }
}

/* The next bundle: the entries from their files and those stored, then those the bundle gave (all
 * of them: also those it did not). Not rewritten when it would hold what it does. */
static int bundle_update(ExtractCache *c, bool all) {
        int r;

        if (!c->kept.keys && (all || c->bundle.n_used == c->bundle.n_entries))
                return 0;

        for (size_t k = 0; k < c->bundle.n_entries; k++) {
                const CacheBundleEntry *e = c->bundle.entries + k;

                if ((!e->used && !all) || cache_bundle_builder_has(&c->kept, e->key))
                        continue;
                r = cache_bundle_builder_add(&c->kept, e->key, e->data, e->size);
                if (r < 0)
                        return r;
        }
        r = cache_bundle_write(c->dir_fd, CACHE_BUNDLE_SIZE_MAX, &c->kept);
        if (r < 0)
                return log_debug_errno(r, "Failed to write %s/%s: %m", c->dir, CACHE_BUNDLE_NAME);
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
                if (strv_contains(c->used, de->d_name) || startswith(de->d_name, EXTRACT_CACHE_KEEP_PREFIX) ||
                    streq(de->d_name, CACHE_BUNDLE_NAME))
                        continue;
                log_debug("Pruning cache entry %s/%s.", c->dir, de->d_name);
                (void) rm_rf_at(c->dir_fd, de->d_name);
        }

        return bundle_update(c, /* all= */ false);
}

int extract_cache_flush(ExtractCache *c) {
        int r;

        if (c->dir_fd < 0)
                return 0;
        r = bundle_load(c);
        if (r < 0)
                return r;
        return bundle_update(c, /* all= */ true);
}
