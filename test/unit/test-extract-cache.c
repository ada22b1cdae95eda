/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The extraction cache (lib/extract-cache.h), on a directory tree standing in for a mounted image:
 * what an entry keeps (and what not), the probe round trip, the key (an in-place rewrite with the
 * mtime put back is a miss: ctime), required paths, pruning, broken entries, and the cache being
 * off against an offline tree. No root needed. */

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extract-cache.h"
#include "fileio.h"
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

static bool exists_in(int fd, const char *rel, bool link) {
        struct stat st;
        return fstatat(fd, rel, &st, AT_SYMLINK_NOFOLLOW) >= 0 && (!link || S_ISLNK(st.st_mode));
}

static char *read_in(int fd, const char *path) {
        char *t = NULL;
        return read_file_in_root(fd, path, 65536, &t, NULL) >= 0 ? t : NULL;
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
        DiscoveredImage i = {};
        RawProbe p;
        int fd = -EBADF;

        image_at(&i, "img.raw");
        CHECK_INT(unsetenv("PORTABLES_CACHE_DIR"), 0);
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK(c.dir_fd < 0);
        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &fd, &p), 0);
        CHECK_INT(extract_cache_store(&c, &i, AT_FDCWD, &test_probe, NULL), 0);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);
}

TEST(store_lookup_key_prune) {
        _cleanup_free_ char *cache = strjoin(base, "/cache"), *img = strjoin(base, "/img.raw"),
                            *img2 = strjoin(base, "/img2.raw");
        _cleanup_close_ int src = -EBADF, hit = -EBADF;
        ExtractCache c;
        DiscoveredImage i = {}, i2 = {};
        RawProbe p = {};
        struct timespec ts[2];
        char *t;
        int fd = -EBADF, n_entries = 0;

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
        put("img.raw", "image content, version 1");
        put("img2.raw", "another image");
        image_at(&i, "img.raw");
        image_at(&i2, "img2.raw");

        src = root_fd();
        CHECK(src >= 0);

        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK(c.dir_fd >= 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &fd, &p), 0);        /* empty: a miss */
        CHECK_INT(extract_cache_store(&c, &i, src, &test_probe, required), 0);
        CHECK_INT(extract_cache_store(&c, &i2, src, &test_probe, NULL), 0);
        CHECK_INT(extract_cache_prune(&c), 0);
        extract_cache_done(&c);

        {
                _cleanup_closedir_ DIR *d = opendir(cache);
                struct dirent *de;
                struct stat st;

                CHECK(d);
                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.')
                                n_entries++;
                CHECK_INT(n_entries, 2);
                CHECK_INT(stat(cache, &st), 0);
                CHECK_INT(st.st_mode & 07777, 0700);
        }

        /* A hit: the same content, masks and aliases kept, nothing else, the probe as stored. */
        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, required, &hit, &p), 1);
        CHECK(hit >= 0);
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

        CHECK_STR(t = read_in(hit, "/usr/lib/os-release"), "ID=test\nPORTABLE_PREFIXES=foo\n");
        free(t);
        CHECK_STR(t = read_in(hit, "/usr/lib/systemd/system/foo.service"), "[Service]\nExecStart=/bin/true\n");
        free(t);
        CHECK_STR(t = read_in(hit, "/usr/lib/systemd/system/foo.service.d/10-x.conf"), "[Service]\nNice=5\n");
        free(t);
        CHECK_STR(t = read_in(hit, "/usr/lib/sysusers.d/foo.conf"), "u foo -\n");
        free(t);
        CHECK(exists_in(hit, "usr/lib/systemd/system/masked.service", true));
        CHECK(exists_in(hit, "usr/lib/systemd/system/foo-alias.service", true));
        CHECK(!exists_in(hit, "usr/lib/systemd/system/foo.service.d/README", false));
        CHECK(!exists_in(hit, "usr/lib/systemd/system/notes.txt", false));
        CHECK(!exists_in(hit, "usr/bin/big", false));
        CHECK(exists_in(hit, "etc/resolv.conf", false));        /* a required path present */
        CHECK(!exists_in(hit, "etc/machine-id", false));        /* a required path absent */
        CHECK(exists_in(hit, "proc", false));                   /* API mount point */
        CHECK(exists_in(hit, "var/lib/foo", false));            /* *Directory= mount point */
        hit = safe_close(hit);

        /* A path the entry did not check: a miss, so the caller reads the image again. */
        {
                char *const more[] = { (char *) "/etc/resolv.conf", (char *) "/etc/other", NULL };
                CHECK_INT(extract_cache_lookup(&c, &i, more, &fd, &p), 0);
        }
        /* i2 was stored without required paths: asking for none is a hit. */
        CHECK_INT(extract_cache_lookup(&c, &i2, NULL, &hit, &p), 1);
        hit = safe_close(hit);
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
                CHECK_INT(extract_cache_lookup(&c, &j, required, &fd, &p), 0);
                CHECK_INT(extract_cache_prune(&c), 0);
                extract_cache_done(&c);

                CHECK_INT(extract_cache_open(&c, true), 0);
                CHECK_INT(extract_cache_lookup(&c, &i, required, &fd, &p), 0);
                CHECK_INT(extract_cache_lookup(&c, &i2, NULL, &fd, &p), 0);
                extract_cache_done(&c);
        }
        (void) img2;
}

TEST(broken_entries) {
        _cleanup_free_ char *cache = strjoin(base, "/cache2");
        _cleanup_close_ int src = root_fd();
        ExtractCache c;
        DiscoveredImage i = {};
        RawProbe p;
        int fd = -EBADF;

        CHECK_INT(setenv("PORTABLES_CACHE_DIR", cache, 1), 0);
        put("img3.raw", "third");
        image_at(&i, "img3.raw");

        CHECK_INT(extract_cache_open(&c, true), 0);
        CHECK_INT(extract_cache_store(&c, &i, src, &test_probe, NULL), 0);
        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &fd, &p), 1);
        safe_close(fd);

        /* Overwrite the meta file of the only entry with garbage and with a format out of range. */
        {
                _cleanup_closedir_ DIR *d = opendir(cache);
                struct dirent *de;
                char *meta = NULL;

                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.')
                                meta = strjoin(cache, "/", de->d_name, "/meta");
                CHECK(meta);
                if (meta) {
                        FILE *f = fopen(meta, "we");
                        fputs("garbage\n", f);
                        fclose(f);
                        fd = -EBADF;
                        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &fd, &p), 0);
                        CHECK(fd < 0);

                        f = fopen(meta, "we");
                        fputs("CONTENT=sysusers,tmpfiles,execdirs\nFORMAT=99\nFSTYPE=squashfs\nUSR_ONLY=0\nCHECKED=''\n"
                              "DATA=1 0 4096 -\nVERITY=0 0 0 -\nVERITY_SIG=0 0 0 -\n", f);
                        fclose(f);
                        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &fd, &p), 0);

                        f = fopen(meta, "we");
                        fputs("CONTENT=sysusers,tmpfiles,execdirs\nFORMAT=0\nFSTYPE=squashfs\nUSR_ONLY=0\nCHECKED=''\n"
                              "DATA=1 0 4096 -\nVERITY=0 0 0 -\nVERITY_SIG=0 0 0 -\n", f);
                        fclose(f);
                        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &fd, &p), 1);
                        CHECK_INT(p.format, RAW_FORMAT_SQUASHFS);
                        safe_close(fd);

                        /* A FIFO instead of the meta file: a miss, and no hang. */
                        CHECK_INT(unlink(meta), 0);
                        CHECK_INT(mkfifo(meta, 0600), 0);
                        CHECK_INT(extract_cache_lookup(&c, &i, NULL, &fd, &p), 0);
                        free(meta);
                }
        }
        extract_cache_done(&c);
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

        {
                _cleanup_free_ char *cmd = strjoin("rm -rf ", base);
                (void) system(cmd);
        }
        return tests_finish();
}
