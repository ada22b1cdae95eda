/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The extraction cache (lib/extract-cache.h), on a directory tree standing in for a mounted image:
 * what an entry keeps (and what not), the probe round trip, the key (an in-place rewrite with the
 * mtime put back is a miss: ctime), required paths, pruning, broken entries, and the cache being
 * off against an offline tree. No root needed. */

#include <inttypes.h>
#include <sys/xattr.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract-cache.h"
#include "fileio.h"
#include "image-fs.h"
#include "names.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

static char base[] = "/tmp/test-extract-cache.XXXXXX";

static void put(const char *rel, const char *text) {
        _cleanup_free_ char *p = strjoin(base, "/", rel), *d = NULL;
        FILE *f;

        d = strdup(rel);
        if (strrchr(d, '/')) {
                _cleanup_free_ char *dir = NULL;

                *strrchr(d, '/') = 0;
                dir = strjoin(base, "/", d);
                CHECK_INT(mkdir_p_at(AT_FDCWD, dir, 0755), 0);
        }
        f = fopen(p, "we");
        CHECK(f);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

static void image_at(DiscoveredImage *i, const char *rel) {
        _cleanup_free_ char *p = strjoin(base, "/", rel);

        CHECK_INT(stat(p, &i->st), 0);
        i->path = (char *) "/var/lib/portables/test.raw";
        i->type = IMAGE_RAW;
}

static int root_fd(void) {
        _cleanup_free_ char *p = strjoin(base, "/root");
        return open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

static bool exists_in(const PackedTree *t, const char *path, bool link) {
        const PackedEntry *e = packed_tree_find(t, path);
        return e && (!link || e->type == 'l');
}

static char *read_in(const PackedTree *t, const char *path) {
        char *text = NULL;
        return image_fs_read_file(&(const ImageFS) { .fd = -EBADF, .packed = t }, path, 65536, &text) >= 0 ? text : NULL;
}

/* The questions the planner asks, answered by the packed tree as by the directory it came from. */
static void check_same_answers(int src, const PackedTree *t) {
        const ImageFS *d = IMAGE_FS_FD(src), *m = &(const ImageFS) { .fd = -EBADF, .packed = t };
        const char *const dirs[] = { "/usr/lib/systemd/system", "/usr/lib/systemd/system/foo.service.d",
                                     "/etc/systemd/system", "/usr/lib/sysusers.d", "/nonexistent", NULL };
        _cleanup_strv_free_ char **etc = NULL;

        /* The masked unit in /etc stays a mask (not a mount point marker of /etc). */
        CHECK_INT(image_fs_list_dir(m, "/etc/systemd/system", 100, &etc), 0);
        CHECK(strv_contains(etc, "masked-etc.service"));

        for (const char *const *dir = dirs; *dir; dir++) {
                _cleanup_strv_free_ char **a = NULL, **b = NULL;

                CHECK_INT(image_fs_list_dir(d, *dir, 100, &a), 0);
                CHECK_INT(image_fs_list_dir(m, *dir, 100, &b), 0);
                STRV_FOREACH(n, a) {
                        _cleanup_(image_file_done) ImageFile fa = IMAGE_FILE_NULL, fb = IMAGE_FILE_NULL;
                        _cleanup_free_ char *aa = NULL, *ab = NULL, *ta = NULL, *tb = NULL;
                        int ra, rb;

                        /* The packed tree keeps units, drop-ins and .conf files only. */
                        if (unit_name_type(*n) < 0 && !endswith(*n, ".conf") && !endswith(*n, ".d"))
                                continue;
                        CHECK(strv_contains(b, *n));
                        if (endswith(*n, ".d"))
                                continue;
                        ra = image_fs_open_unit_file(d, *dir, *n, &fa, &aa);
                        rb = image_fs_open_unit_file(m, *dir, *n, &fb, &ab);
                        CHECK_INT(rb, ra);
                        CHECK_STR(strempty(ab), strempty(aa));
                        if (ra == 0 && rb == 0) {
                                CHECK_INT(image_file_read(&fa, 65536, &ta, NULL), 0);
                                CHECK_INT(image_file_read(&fb, 65536, &tb, NULL), 0);
                                CHECK_STR(tb, ta);
                        }
                }
        }
        for (const char *const *p = (const char *const[]) { "/proc", "/etc/resolv.conf", "/etc/machine-id",
                                                             "/var/lib/foo", NULL }; *p; p++)
                CHECK_INT(image_fs_exists(m, *p), image_fs_exists(d, *p));
        /* /etc/os-release is a symlink, as in Debian: the mount point markers of /etc must not
         * turn it into a directory. (The entry has the first os-release found: this one.) */
        {
                _cleanup_free_ char *a = NULL, *b = NULL;
                CHECK_INT(image_fs_read_file(d, "/etc/os-release", 65536, &a), 0);
                CHECK_INT(image_fs_read_file(m, "/etc/os-release", 65536, &b), 0);
                CHECK_STR(b, a);
        }
}

#define TEST_CONTENT "packed,sysusers,tmpfiles,execdirs,envfiles,accounts,rundirs,bindtargets,etcscan,extrelease"

static void write_entry(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        CHECK(f);
        if (f) {
                fputs(text, f);
                fclose(f);
        }
}

/* A well-formed entry with just meta data. */
static void write_meta_entry(const char *path, const char *meta) {
        _cleanup_(packed_builder_done) PackedBuilder b = {};
        _cleanup_free_ char *text = NULL;

        CHECK_INT(packed_builder_add(&b, 'f', "/.portables-cache-meta", meta), 0);
        CHECK_INT(packed_builder_format(&b, &text), 0);
        write_entry(path, text);
}

static const RawProbe test_probe = {
        .format = RAW_FORMAT_GPT,
        .fstype = "squashfs",
        .data = { .found = true, .offset = 1048576, .size = 4096, .uuid = "0a1b2c3d-0000-4000-8000-000000000001" },
        .verity = { .found = true, .offset = 2097152, .size = 512, .uuid = "0a1b2c3d-0000-4000-8000-000000000002" },
};

static char *const required[] = { (char *) "/etc/resolv.conf", (char *) "/etc/machine-id", NULL };

TEST(off_when_rerooted) {
        ExtractCache c;
        _cleanup_(packed_tree_done) PackedTree miss = {};
        DiscoveredImage i = {};
        RawProbe p;

        image_at(&i, "img.raw");
        CHECK_INT(unsetenv("PORTABLES_CACHE_DIR"), 0);
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK(c.dir_fd < 0);
        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &miss, &p, NULL), 0);
        CHECK_INT(extract_cache_store(&c, &i, IMAGE_FS_FD(AT_FDCWD), -EBADF, &test_probe, NULL, NULL), 0);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
}

TEST(store_lookup_key_prune) {
        _cleanup_free_ char *cache = strjoin(base, "/cache"), *img = strjoin(base, "/img.raw"),
                            *img2 = strjoin(base, "/img2.raw");
        _cleanup_close_ int src = -EBADF, img_fd = -EBADF;
        _cleanup_(packed_tree_done) PackedTree hit = {}, miss = {};
        bool xattrs = false;
        ExtractCache c;
        DiscoveredImage i = {}, i2 = {};
        RawProbe p = {};
        struct timespec ts[2];
        char *t;
        int n_entries = 0;

        CHECK_INT(setenv("PORTABLES_CACHE_DIR", cache, 1), 0);

        /* The image's tree: what the planner reads, and things it does not. */
        put("root/usr/lib/os-release", "ID=test\nPORTABLE_PREFIXES=foo\n");
        put("root/usr/lib/systemd/system/foo.service", "[Service]\nExecStart=/bin/true\n");
        put("root/usr/lib/systemd/system/foo.service.d/10-x.conf", "[Service]\nNice=5\n");
        put("root/usr/lib/systemd/system/foo.service.d/README", "not a drop-in");
        put("root/usr/lib/systemd/system/notes.txt", "not a unit");
        put("root/usr/bin/big", "a binary the planner never reads");
        put("root/usr/lib/sysusers.d/foo.conf", "u foo -\n");
        put("root/etc/resolv.conf", "");
        put("root/var/lib/foo/keep", "");
        put("root/proc/.keep", "");
        {
                _cleanup_free_ char *d = strjoin(base, "/root/usr/lib/systemd/system/");
                _cleanup_free_ char *m = strjoin(d, "masked.service"), *a = strjoin(d, "foo-alias.service");
                CHECK_INT(symlink("/dev/null", m), 0);
                CHECK_INT(symlink("foo.service", a), 0);
        }
        {
                _cleanup_free_ char *o = strjoin(base, "/root/etc/os-release"),
                                    *e = strjoin(base, "/root/etc/systemd/system");
                _cleanup_free_ char *m = strjoin(e, "/masked-etc.service");
                CHECK_INT(symlink("../usr/lib/os-release", o), 0);
                CHECK_INT(mkdir_p_at(AT_FDCWD, e, 0755), 0);
                CHECK_INT(symlink("/dev/null", m), 0);
        }
        put("img.raw", "image content, version 1");
        put("img2.raw", "another image");
        image_at(&i, "img.raw");
        image_at(&i2, "img2.raw");

        src = root_fd();
        CHECK(src >= 0);
        img_fd = open(img, O_RDONLY | O_CLOEXEC);
        CHECK(img_fd >= 0);

        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK(c.dir_fd >= 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &miss, &p, NULL), 0);        /* empty: a miss */
        CHECK_INT(extract_cache_store(&c, &i, IMAGE_FS_FD(src), img_fd, &test_probe, required, NULL), 0);
        CHECK_INT(extract_cache_store(&c, &i2, IMAGE_FS_FD(src), -EBADF, &test_probe, NULL, NULL), 0);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);

        {
                _cleanup_closedir_ DIR *d = opendir(cache);
                struct dirent *de;
                struct stat st;

                CHECK(d);
                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.' && !streq(de->d_name, CACHE_BUNDLE_NAME))
                                n_entries++;
                CHECK_INT(n_entries, 2);
                CHECK_INT(stat(cache, &st), 0);
                CHECK_INT(st.st_mode & 07777, 0700);
        }

        /* A hit: the same content, masks and aliases kept, nothing else, the probe as stored. */
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &hit, &p, &xattrs), 1);
        CHECK(!xattrs);         /* img.raw has no user.verity.* xattrs */
        CHECK(hit.n_entries > 0);
        check_same_answers(src, &hit);
        CHECK_INT(p.format, RAW_FORMAT_GPT);
        CHECK_STR(p.fstype, "squashfs");
        CHECK(!p.usr_only);
        CHECK(p.data.found);
        CHECK_INT(p.data.offset, 1048576);
        CHECK_INT(p.data.size, 4096);
        CHECK_STR(p.data.uuid, test_probe.data.uuid);
        CHECK(p.verity.found);
        CHECK_INT(p.verity.offset, 2097152);
        CHECK_STR(p.verity.uuid, test_probe.verity.uuid);
        CHECK(!p.verity_sig.found);
        CHECK_STR(p.verity_sig.uuid, "");

        CHECK_STR(t = read_in(&hit, "/etc/os-release"), "ID=test\nPORTABLE_PREFIXES=foo\n");
        free(t);
        CHECK_STR(t = read_in(&hit, "/usr/lib/systemd/system/foo.service"), "[Service]\nExecStart=/bin/true\n");
        free(t);
        CHECK_STR(t = read_in(&hit, "/usr/lib/systemd/system/foo.service.d/10-x.conf"), "[Service]\nNice=5\n");
        free(t);
        CHECK_STR(t = read_in(&hit, "/usr/lib/sysusers.d/foo.conf"), "u foo -\n");
        free(t);
        CHECK(exists_in(&hit, "/usr/lib/systemd/system/masked.service", true));
        CHECK(exists_in(&hit, "/usr/lib/systemd/system/foo-alias.service", true));
        CHECK(!exists_in(&hit, "/usr/lib/systemd/system/foo.service.d/README", false));
        CHECK(!exists_in(&hit, "/usr/lib/systemd/system/notes.txt", false));
        CHECK(!exists_in(&hit, "/usr/bin/big", false));
        CHECK(exists_in(&hit, "/etc/resolv.conf", false));        /* a required path present */
        CHECK(!exists_in(&hit, "/etc/machine-id", false));        /* a required path absent */
        CHECK(exists_in(&hit, "/proc", false));                   /* API mount point */
        CHECK(exists_in(&hit, "/var/lib/foo", false));            /* *Directory= mount point */
        packed_tree_done(&hit);

        /* A path the entry did not check: a miss, so the caller reads the image again. */
        {
                char *const more[] = { (char *) "/etc/resolv.conf", (char *) "/etc/other", NULL };
                CHECK_INT(extract_cache_lookup(&c, &i, more, &miss, &p, NULL), 0);
        }
        /* i2 was stored without required paths: asking for none is a hit. */
        CHECK_INT(extract_cache_lookup(&c, &i2, NULL, &hit, &p, &xattrs), 1);
        CHECK(xattrs);          /* stored without the image file: cannot tell, so assume some */
        packed_tree_done(&hit);
        extract_cache_done(&c);

        /* Rewritten in place, same size, mtime put back: only the ctime differs, still a miss. */
        ts[0] = i.st.st_atim;
        ts[1] = i.st.st_mtim;
        usleep(20 * 1000);
        {
                int w = open(img, O_WRONLY | O_CLOEXEC);
                CHECK(w >= 0);
                CHECK_INT(pwrite(w, "IMAGE", 5, 0), 5);
                close(w);
        }
        CHECK_INT(utimensat(AT_FDCWD, img, ts, 0), 0);
        {
                DiscoveredImage j = {};
                image_at(&j, "img.raw");
                CHECK_INT(j.st.st_ino, i.st.st_ino);
                CHECK_INT(j.st.st_size, i.st.st_size);
                CHECK_INT(j.st.st_mtim.tv_nsec, i.st.st_mtim.tv_nsec);
                CHECK(j.st.st_ctim.tv_sec != i.st.st_ctim.tv_sec || j.st.st_ctim.tv_nsec != i.st.st_ctim.tv_nsec);

                /* A run that sees only the rewritten image: a miss, and pruning drops both old entries. */
                CHECK_INT(extract_cache_open(&c, true), 0);
                CHECK_INT(extract_cache_lookup(&c, &j, required, &miss, &p, NULL), 0);
                CHECK_INT(extract_cache_prune(&c), 0);
                extract_cache_done(&c);

                CHECK_INT(extract_cache_open(&c, true), 0);
                CHECK_INT(extract_cache_lookup(&c, &i, required, &miss, &p, NULL), 0);
                CHECK_INT(extract_cache_lookup(&c, &i2, NULL, &miss, &p, NULL), 0);
                extract_cache_done(&c);
        }
        (void) img2;
}

/* A lookup by a run of its own: what an earlier lookup of this process kept does not answer it. */
static int lookup_fresh(const DiscoveredImage *i, PackedTree *ret, RawProbe *p) {
        ExtractCache c;
        int r;

        CHECK_INT(extract_cache_open(&c, true), 0);
        r = extract_cache_lookup(&c, i, NULL, ret, p, NULL);
        extract_cache_done(&c);
        return r;
}

TEST(broken_entries) {
        _cleanup_free_ char *cache = strjoin(base, "/cache2");
        _cleanup_close_ int src = root_fd();
        _cleanup_(packed_tree_done) PackedTree hit = {};
        ExtractCache c;
        DiscoveredImage i = {};
        RawProbe p;

        CHECK_INT(setenv("PORTABLES_CACHE_DIR", cache, 1), 0);
        put("img3.raw", "third");
        image_at(&i, "img3.raw");

        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_store(&c, &i, IMAGE_FS_FD(src), -EBADF, &test_probe, NULL, NULL), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &hit, &p, NULL), 1);
        packed_tree_done(&hit);

        /* Overwrite the only entry with garbage, with a truncated copy, with a format out of
         * range, with an entry of an older kind (a directory). */
        {
                _cleanup_closedir_ DIR *d = opendir(cache);
                _cleanup_free_ char *good = NULL;
                struct dirent *de;
                char *entry = NULL;

                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.')
                                entry = strjoin(cache, "/", de->d_name);
                CHECK(entry);
                if (entry) {
                        CHECK_INT(read_file_at(AT_FDCWD, entry, 1 << 20, &good), 0);

                        write_entry(entry, "garbage\n");
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 0);
                        CHECK(!hit.entries);

                        good[strlen(good) - 3] = 0;
                        write_entry(entry, good);
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 0);

                        write_meta_entry(entry, "CONTENT=" TEST_CONTENT "\nFORMAT=99\nFSTYPE=squashfs\nUSR_ONLY=0\nVERITY_XATTRS=0\n"
                                         "DATA=1 0 4096 -\nVERITY=0 0 0 -\nVERITY_SIG=0 0 0 -\n");
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 0);

                        write_meta_entry(entry, "CONTENT=sysusers,tmpfiles,execdirs\nFORMAT=0\nFSTYPE=squashfs\nUSR_ONLY=0\n"
                                         "DATA=1 0 4096 -\nVERITY=0 0 0 -\nVERITY_SIG=0 0 0 -\n");
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 0);

                        write_meta_entry(entry, "CONTENT=" TEST_CONTENT "\nFORMAT=0\nFSTYPE=squashfs\nUSR_ONLY=0\nVERITY_XATTRS=0\n"
                                         "DATA=1 0 4096 -\nVERITY=0 0 0 -\nVERITY_SIG=0 0 0 -\n");
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 1);
                        CHECK_INT(p.format, RAW_FORMAT_SQUASHFS);
                        packed_tree_done(&hit);

                        /* A FIFO instead of the entry: a miss, and no hang. */
                        CHECK_INT(unlink(entry), 0);
                        CHECK_INT(mkfifo(entry, 0600), 0);
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 0);

                        /* An entry of an older version, a directory: a miss; storing replaces it. */
                        CHECK_INT(unlink(entry), 0);
                        CHECK_INT(mkdir(entry, 0700), 0);
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 0);
                        CHECK_INT(extract_cache_store(&c, &i, IMAGE_FS_FD(src), -EBADF, &test_probe, NULL, NULL), 0);
                        CHECK_INT(lookup_fresh(&i, &hit, &p), 1);
                        packed_tree_done(&hit);
                        free(entry);
                }
        }
        extract_cache_done(&c);
}

/* Removes the entries' own files, leaving the bundle. */
static void remove_entry_files(const char *cache) {
        _cleanup_closedir_ DIR *d = opendir(cache);
        struct dirent *de;

        CHECK(d);
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && !streq(de->d_name, CACHE_BUNDLE_NAME))
                        CHECK_INT(unlinkat(dirfd(d), de->d_name, 0), 0);
}

static ino_t bundle_inode(const char *cache) {
        _cleanup_free_ char *b = strjoin(cache, "/" CACHE_BUNDLE_NAME);
        struct stat st;

        return stat(b, &st) < 0 ? 0 : st.st_ino;
}

TEST(bundle) {
        _cleanup_free_ char *cache = strjoin(base, "/cache3"), *bundle = strjoin(cache, "/" CACHE_BUNDLE_NAME);
        _cleanup_close_ int src = root_fd();
        _cleanup_(packed_tree_done) PackedTree hit = {};
        DiscoveredImage i = {}, i2 = {};
        ExtractCache c;
        RawProbe p;
        ino_t ino;
        char *t;

        CHECK_INT(setenv("PORTABLES_CACHE_DIR", cache, 1), 0);
        put("img4.raw", "fourth");
        put("img5.raw", "fifth");
        image_at(&i, "img4.raw");
        image_at(&i2, "img5.raw");

        /* A complete run that stored two entries writes them into the bundle... */
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_store(&c, &i, IMAGE_FS_FD(src), -EBADF, &test_probe, required, NULL), 0);
        CHECK_INT(extract_cache_store(&c, &i2, IMAGE_FS_FD(src), -EBADF, &test_probe, NULL, NULL), 0);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
        ino = bundle_inode(cache);
        CHECK(ino != 0);

        /* ... which serves the next run without their files, checked as they are, and is not
         * rewritten when that run used exactly what it holds. */
        remove_entry_files(cache);
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &hit, &p, NULL), 1);
        CHECK_STR(t = read_in(&hit, "/etc/os-release"), "ID=test\nPORTABLE_PREFIXES=foo\n");
        free(t);
        CHECK_INT(p.data.offset, 1048576);
        packed_tree_done(&hit);
        {
                char *const more[] = { (char *) "/etc/other", NULL };
                CHECK_INT(extract_cache_lookup(&c, &i2, more, &hit, &p, NULL), 0);     /* not checked */
        }
        CHECK_INT(extract_cache_lookup(&c, &i2, NULL, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
        CHECK(bundle_inode(cache) == ino);

        /* A run that used only one of them: the other is gone from the bundle too. */
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
        CHECK(bundle_inode(cache) != ino);
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i2, NULL, &hit, &p, NULL), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        extract_cache_done(&c);

        /* An entry the bundle has without a path now required: read from its file, which has it;
         * the next bundle has that one. */
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_store(&c, &i2, IMAGE_FS_FD(src), -EBADF, &test_probe, NULL, NULL), 0);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
        remove_entry_files(cache);
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i2, required, &hit, &p, NULL), 0);
        CHECK_INT(extract_cache_store(&c, &i2, IMAGE_FS_FD(src), -EBADF, &test_probe, required, NULL), 0);
        CHECK_INT(extract_cache_lookup(&c, &i2, required, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
        remove_entry_files(cache);
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i2, required, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        extract_cache_done(&c);

        /* A malformed or truncated bundle is none: misses, no crash. */
        {
                _cleanup_free_ char *good = NULL;

                CHECK_INT(read_file_at(AT_FDCWD, bundle, 1 << 20, &good), 0);
                if (good) {
                        good[strlen(good) - 2] = 0;
                        write_entry(bundle, good);
                }
                CHECK_INT(extract_cache_open(&c, true), 0);
                CHECK_INT(extract_cache_lookup(&c, &i2, required, &hit, &p, NULL), 0);
                extract_cache_done(&c);
                write_entry(bundle, "portables-cache-bundle 1\nzz 3\nabc\n");
                CHECK_INT(extract_cache_open(&c, true), 0);
                CHECK_INT(extract_cache_lookup(&c, &i2, required, &hit, &p, NULL), 0);
                extract_cache_done(&c);
        }
}

static int n_entry_files(const char *cache) {
        _cleanup_closedir_ DIR *d = opendir(cache);
        struct dirent *de;
        int n = 0;

        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && !streq(de->d_name, CACHE_BUNDLE_NAME))
                        n++;
        return n;
}

TEST(deferred_stores) {
        _cleanup_free_ char *cache = strjoin(base, "/cache4");
        _cleanup_close_ int src = root_fd();
        _cleanup_(packed_tree_done) PackedTree hit = {};
        DiscoveredImage i = {}, i2 = {};
        ExtractCache c;
        RawProbe p;

        CHECK_INT(setenv("PORTABLES_CACHE_DIR", cache, 1), 0);
        put("img6.raw", "sixth");
        put("img7.raw", "seventh");
        image_at(&i, "img6.raw");
        image_at(&i2, "img7.raw");

        /* The generator's stores: no file of their own, found again in the same run, in the
         * bundle after a complete one. */
        CHECK_INT(extract_cache_open(&c, true), 0);
        c.defer_stores = true;
        CHECK_INT(extract_cache_store(&c, &i, IMAGE_FS_FD(src), -EBADF, &test_probe, required, NULL), 0);
        CHECK_INT(n_entry_files(cache), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
        CHECK_INT(n_entry_files(cache), 0);
        CHECK(bundle_inode(cache) != 0);

        /* An incomplete run adds what it stored and keeps what it did not look at. */
        CHECK_INT(extract_cache_open(&c, true), 0);
        c.defer_stores = true;
        CHECK_INT(extract_cache_store(&c, &i2, IMAGE_FS_FD(src), -EBADF, &test_probe, NULL, NULL), 0);
        CHECK_INT(extract_cache_flush(&c), 0);
        extract_cache_done(&c);
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        CHECK_INT(extract_cache_lookup(&c, &i2, NULL, &hit, &p, NULL), 1);
        packed_tree_done(&hit);
        extract_cache_done(&c);

        /* A child's stores (write-through) go to their own files, for its parent to read. */
        CHECK_INT(extract_cache_open(&c, true), 0);
        c.defer_stores = true;
        extract_cache_write_through(&c);
        CHECK_INT(extract_cache_store(&c, &i2, IMAGE_FS_FD(src), -EBADF, &test_probe, NULL, NULL), 0);
        extract_cache_done(&c);
        CHECK_INT(n_entry_files(cache), 1);

        /* VERITY_XATTRS=: the image's user.verity.* xattrs, not its others. */
        {
                _cleanup_free_ char *img = strjoin(base, "/img8.raw");
                _cleanup_close_ int fd = -EBADF;
                DiscoveredImage j = {};
                bool xattrs = true;

                put("img8.raw", "eighth");
                fd = open(img, O_RDONLY | O_CLOEXEC);
                CHECK(fd >= 0);
                if (fsetxattr(fd, "user.other", "x", 1, 0) < 0 && errno == EOPNOTSUPP)
                        printf("skip: no user xattrs on %s\n", base);
                else {
                        image_at(&j, "img8.raw");
                        CHECK_INT(extract_cache_open(&c, true), 0);
                        CHECK_INT(extract_cache_store(&c, &j, IMAGE_FS_FD(src), fd, &test_probe, NULL, NULL), 0);
                        CHECK_INT(extract_cache_lookup(&c, &j, NULL, &hit, &p, &xattrs), 1);
                        CHECK(!xattrs);
                        packed_tree_done(&hit);
                        extract_cache_done(&c);

                        CHECK_INT(fsetxattr(fd, "user.verity.roothash", "00", 2, 0), 0);
                        image_at(&j, "img8.raw");       /* the ctime changed: a new key */
                        CHECK_INT(extract_cache_open(&c, true), 0);
                        CHECK_INT(extract_cache_store(&c, &j, IMAGE_FS_FD(src), fd, &test_probe, NULL, NULL), 0);
                        CHECK_INT(extract_cache_lookup(&c, &j, NULL, &hit, &p, &xattrs), 1);
                        CHECK(xattrs);
                        packed_tree_done(&hit);
                        extract_cache_done(&c);
                }
        }

        /* Named DEV-INO-SIZE-MTIME-CTIME in hex, the times SEC.NSEC with 9 digits of nanoseconds. */
        {
                _cleanup_free_ char *key = NULL, *path = NULL;
                const struct stat *st = &i2.st;

                CHECK(asprintf(&key, "%" PRIx64 "-%" PRIx64 "-%" PRIx64 "-%" PRIx64 ".%09ld-%" PRIx64 ".%09ld",
                               (uint64_t) st->st_dev, (uint64_t) st->st_ino, (uint64_t) st->st_size,
                               (uint64_t) st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
                               (uint64_t) st->st_ctim.tv_sec, st->st_ctim.tv_nsec) > 0);
                path = strjoin(cache, "/", key);
                CHECK(access(path, F_OK) == 0);
        }
}

int main(void) {
        if (!mkdtemp(base)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        put("img.raw", "x");

        RUN(off_when_rerooted);
        RUN(store_lookup_key_prune);
        RUN(broken_entries);
        RUN(bundle);
        RUN(deferred_stores);

        {
                _cleanup_free_ char *cmd = strjoin("rm -rf ", base);
                (void) system(cmd);
        }
        return tests_finish();
}
