/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The squashfs reader (lib/squashfs-tree.h) against images mksquashfs builds at test time from a
 * tree made here: every compressor libsquashfs has, with and without compressed metadata and
 * fragments, small and large blocks, forced owners; every answer of the ops is compared with the
 * source tree (names, types, modes, owners, sizes, contents, link targets, hard links). As root the
 * same images are mounted (loop, read-only, in a mount namespace of a child) and the tree is
 * compared with what the kernel shows, device nodes and FIFOs of pseudo definitions included. Then
 * images inside bigger files, truncated, with broken superblocks, and randomly corrupted: errors,
 * never crashes. Skips (77) without mksquashfs or libsquashfs. */

#include <dirent.h>
#include <endian.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>

#include "image-tree.h"
#include "log.h"
#include "macro.h"
#include "squashfs-tree.h"
#include "strv.h"
#include "tests.h"

static char base[] = "/var/tmp/test-squashfs-tree.XXXXXX";
static bool is_root;

static char *pathf(const char *fmt, ...) _printf_(1, 2);
static char *pathf(const char *fmt, ...) {
        va_list ap;
        char *p;

        va_start(ap, fmt);
        if (vasprintf(&p, fmt, ap) < 0)
                abort();
        va_end(ap);
        return p;
}

static void write_file(const char *path, const void *data, size_t size) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size)) {
                perror(path);
                abort();
        }
        close(fd);
}

static void must(int r, const char *what) {
        if (r < 0) {
                perror(what);
                abort();
        }
}

static int run(const char *cmd) {
        int r = system(cmd);
        return r == 0 ? 0 : -1;
}

/* The source tree: what every image is made of. */
static void make_source(const char *src) {
        _cleanup_free_ char *big = malloc(300000), *zeros = calloc(1, 262144), *exact = malloc(8192);
        char name[300];
        uint32_t x = 12345;

        if (!big || !zeros || !exact)
                abort();
        for (size_t i = 0; i < 300000; i++) {
                x ^= x << 13; x ^= x >> 17; x ^= x << 5;
                big[i] = (char) (i % 7 == 0 ? x : 'a' + i % 23);
        }
        memset(exact, 'e', 8192);

        must(mkdir(src, 0755), src);
        must(chdir(src), src);
        write_file("empty", "", 0);
        write_file("small", "hello\n", 6);
        write_file("big", big, 300000);
        write_file("zeros", zeros, 262144);
        write_file("exact", exact, 8192);
        write_file("setuid", "#!/bin/sh\n", 10);
        must(chmod("setuid", 04755), "chmod");
        write_file("private", "secret", 6);
        must(chmod("private", 0600), "chmod");
        must(link("small", "small.link"), "link");
        must(symlink("a/b", "rel"), "symlink");
        must(symlink("/etc/os-release", "abs"), "symlink");
        must(symlink("/dev/null", "null"), "symlink");
        must(symlink("nope/../x", "dangling"), "symlink");
        must(mkdir("a", 0755), "mkdir");
        must(mkdir("a/b", 0750), "mkdir");
        must(mkdir("a/b/c", 0700), "mkdir");
        must(mkdir("a/b/c/d", 01777), "mkdir");
        write_file("a/b/c/d/deep.txt", "deep\n", 5);
        must(mkdir("a/empty", 0755), "mkdir");
        must(mkdir("many", 0755), "mkdir");
        for (int i = 0; i < 320; i++) {
                (void) snprintf(name, sizeof(name), "many/entry-%03d-with-a-longer-name", i);
                write_file(name, name, strlen(name));
        }
        memset(name, 'n', 255);
        name[255] = 0;
        write_file(name, "long", 4);
        if (is_root) {
                must(chown("private", 1234, 5678), "chown");
                must(lchown("rel", 42, 43), "lchown");
                must(chown("a/b", 65534, 100), "chown");
        }
        must(chdir("/"), "chdir");
}

typedef struct Expect {
        int uid, gid;           /* forced owner, or -1 */
        bool dir_sizes;         /* compare directory sizes (the kernel's i_size) */
} Expect;

static void check_node(ImageTree *t, const TreeNode *n, const char *path, const Expect *e, int depth);

static void check_dir(ImageTree *t, const TreeNode *dir, const char *path, const Expect *e, int depth) {
        _cleanup_strv_free_ char **names = NULL, **want = NULL;
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;
        int r;

        CHECK(d);
        if (!d)
                return;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        CHECK_INT(strv_extend(&want, de->d_name), 0);
        strv_sort(want);

        r = t->ops->list(t->data, dir, 100000, &names);
        CHECK_INT(r, 0);
        strv_sort(names);
        CHECK_INT(strv_length(names), strv_length(want));
        for (size_t i = 0; names && want && names[i] && want[i]; i++)
                CHECK_STR(names[i], want[i]);

        if (strv_length(want) > 1) {
                _cleanup_strv_free_ char **few = NULL;
                CHECK_INT(t->ops->list(t->data, dir, strv_length(want) - 1, &few), -E2BIG);
        }
        TreeNode none;
        CHECK_INT(t->ops->lookup(t->data, dir, "no-such-entry", &none), -ENOENT);
        CHECK_INT(t->ops->lookup(t->data, dir, "zzzzzzzz", &none), -ENOENT);
        CHECK_INT(t->ops->lookup(t->data, dir, "0", &none), -ENOENT);

        STRV_FOREACH(s, want) {
                _cleanup_free_ char *p = pathf("%s/%s", path, *s);
                TreeNode n;

                r = t->ops->lookup(t->data, dir, *s, &n);
                CHECK_INT(r, 0);
                if (r < 0) {
                        fprintf(stderr, "  lookup %s: %s\n", p, strerror(-r));
                        continue;
                }
                check_node(t, &n, p, e, depth + 1);
        }
}

static void check_node(ImageTree *t, const TreeNode *n, const char *path, const Expect *e, int depth) {
        struct stat st;
        int r;

        CHECK(depth < 16);
        if (lstat(path, &st) < 0) {
                CHECK(!"lstat");
                return;
        }

        CHECK_INT(n->mode, st.st_mode & 07777);
        CHECK_INT(n->uid, e->uid >= 0 ? (uid_t) e->uid : st.st_uid);
        CHECK_INT(n->gid, e->gid >= 0 ? (gid_t) e->gid : st.st_gid);
        if (n->mode != (st.st_mode & 07777) || n->uid != (e->uid >= 0 ? (uid_t) e->uid : st.st_uid))
                fprintf(stderr, "  at %s\n", path);

        if (S_ISDIR(st.st_mode)) {
                CHECK_INT(n->type, TREE_NODE_DIR);
                if (e->dir_sizes)
                        CHECK_INT(n->size, st.st_size);
                char *c = NULL;
                size_t sz;
                CHECK_INT(t->ops->read(t->data, n, 1 << 20, &c, &sz), -EISDIR);
                check_dir(t, n, path, e, depth);
        } else if (S_ISREG(st.st_mode)) {
                _cleanup_free_ char *want = NULL, *got = NULL;
                size_t got_size = 0;
                int fd;

                CHECK_INT(n->type, TREE_NODE_FILE);
                CHECK_INT(n->size, st.st_size);
                want = malloc(st.st_size + 1);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                CHECK(want && fd >= 0 && read(fd, want, st.st_size) == st.st_size);
                if (fd >= 0)
                        close(fd);
                r = t->ops->read(t->data, n, 1 << 20, &got, &got_size);
                CHECK_INT(r, 0);
                if (r == 0) {
                        CHECK_INT(got_size, st.st_size);
                        CHECK(memcmp(got, want, st.st_size) == 0);
                        CHECK(got[got_size] == 0);
                        if (memcmp(got, want, st.st_size) != 0)
                                fprintf(stderr, "  content differs: %s\n", path);
                }
                if (st.st_size > 0) {
                        char *c = NULL;
                        CHECK_INT(t->ops->read(t->data, n, st.st_size - 1, &c, &got_size), -EFBIG);
                        CHECK(!c);
                }
                char *l = NULL;
                CHECK_INT(t->ops->readlink(t->data, n, &l), -EINVAL);
                TreeNode x;
                CHECK_INT(t->ops->lookup(t->data, n, "x", &x), -ENOTDIR);
                _cleanup_strv_free_ char **names = NULL;
                CHECK_INT(t->ops->list(t->data, n, 10, &names), -ENOTDIR);
        } else if (S_ISLNK(st.st_mode)) {
                _cleanup_free_ char *target = NULL;
                char want[PATH_MAX];
                ssize_t k;

                CHECK_INT(n->type, TREE_NODE_SYMLINK);
                k = readlink(path, want, sizeof(want) - 1);
                CHECK(k > 0);
                if (k <= 0)
                        return;
                want[k] = 0;
                CHECK_INT(n->size, k);
                CHECK_INT(t->ops->readlink(t->data, n, &target), 0);
                CHECK_STR(target, want);
                char *c = NULL;
                size_t sz;
                CHECK_INT(t->ops->read(t->data, n, 1 << 20, &c, &sz), -EINVAL);
        } else {
                CHECK_INT(n->type, S_ISCHR(st.st_mode) ? TREE_NODE_CHAR : TREE_NODE_OTHER);
                char *c = NULL;
                size_t sz;
                CHECK_INT(t->ops->read(t->data, n, 1 << 20, &c, &sz), -EINVAL);
        }
}

static int image_open(const char *img, uint64_t offset, uint64_t size, ImageTree *ret, int *ret_fd) {
        int fd = open(img, O_RDONLY | O_CLOEXEC);
        struct stat st;
        int r;

        if (fd < 0 || fstat(fd, &st) < 0)
                abort();
        if (size == UINT64_MAX)
                size = (uint64_t) st.st_size - offset;
        r = squashfs_tree_open(&(ImageSource) { .fd = fd, .offset = offset, .size = size }, ret);
        if (r < 0)
                close(fd);
        else
                *ret_fd = fd;
        return r;
}

static void close_tree(ImageTree *t, int fd) {
        image_tree_done(t);
        close(fd);
}

static void check_image(const char *img, uint64_t offset, uint64_t size, const char *src, const Expect *e) {
        ImageTree t = {};
        TreeNode root;
        int fd = -1, r;

        r = image_open(img, offset, size, &t, &fd);
        CHECK_INT(r, 0);
        if (r < 0)
                return;
        CHECK_STR(t.ops->name, "squashfs");
        CHECK_INT(t.ops->root(t.data, &root), 0);
        check_node(&t, &root, src, e, 0);

        /* Hard links: one inode. */
        TreeNode a, b;
        if (t.ops->lookup(t.data, &root, "small", &a) == 0 && t.ops->lookup(t.data, &root, "small.link", &b) == 0) {
                CHECK_INT(a.id, b.id);
                CHECK_INT(a.priv, b.priv);
        }
        close_tree(&t, fd);
}

/* As root: the kernel's view of the same image (mounted in a child's mount namespace) compared
 * with the tree. */
static void check_kernel(const char *img, const Expect *e) {
        _cleanup_free_ char *mnt = pathf("%s/mnt", base), *cmd = NULL;
        int status;
        pid_t pid;

        if (!is_root)
                return;
        (void) mkdir(mnt, 0755);
        cmd = pathf("mount -o loop,ro,nodev '%s' '%s'", img, mnt);

        pid = fork();
        must(pid, "fork");
        if (pid == 0) {
                if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        _exit(77);
                if (run(cmd) < 0)
                        _exit(77);
                Expect k = *e;
                k.uid = k.gid = -1;     /* the kernel shows the owners the image has */
                k.dir_sizes = true;
                check_image(img, 0, UINT64_MAX, mnt, &k);
                _exit(tests_failed > 0 ? 1 : 0);
        }
        must(waitpid(pid, &status, 0), "waitpid");
        if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
                fprintf(stderr, "  (the kernel cannot mount it here: kernel comparison skipped)\n");
                return;
        }
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static bool have_comp(const char *comp) {
        _cleanup_free_ char *cmd = pathf("mksquashfs -help 2>&1 | grep -A8 'Compressors available:$' | grep -qE '^\\s+%s( |$)'", comp);
        return run(cmd) == 0;
}

static int mksquashfs(const char *src, const char *img, const char *opts) {
        _cleanup_free_ char *cmd = pathf("mksquashfs '%s' '%s' -quiet -no-progress -noappend %s >/dev/null", src, img, opts);
        (void) unlink(img);
        return run(cmd);
}

TEST(variants) {
        static const char *const comps[] = { "gzip", "xz", "lz4", "zstd", "lzma" };
        static const struct {
                const char *opts;
                int uid, gid;
        } variants[] = {
                { "", -1, -1 },
                { "-noI -noD -noF -noX", -1, -1 },
                { "-no-fragments", -1, -1 },
                { "-always-use-fragments -b 4096", -1, -1 },
                { "-b 1M -no-duplicates", -1, -1 },
                { "-all-root", 0, 0 },
                { "-force-uid 1234 -force-gid 5678 -exports", 1234, 5678 },
        };
        _cleanup_free_ char *src = pathf("%s/src", base), *img = pathf("%s/img", base);
        unsigned n = 0;

        for (size_t c = 0; c < ELEMENTSOF(comps); c++) {
                if (!have_comp(comps[c])) {
                        fprintf(stderr, "  mksquashfs has no %s\n", comps[c]);
                        continue;
                }
                for (size_t v = 0; v < ELEMENTSOF(variants); v++) {
                        _cleanup_free_ char *opts = pathf("-comp %s %s", comps[c], variants[v].opts);
                        Expect e = { variants[v].uid, variants[v].gid, false };

                        if (mksquashfs(src, img, opts) < 0) {
                                fprintf(stderr, "  mksquashfs %s failed\n", opts);
                                CHECK(!"mksquashfs");
                                continue;
                        }
                        unsigned f = tests_failed;
                        check_image(img, 0, UINT64_MAX, src, &e);
                        check_kernel(img, &e);
                        if (tests_failed != f)
                                fprintf(stderr, "  ... with %s\n", opts);
                        n++;
                }
        }
        CHECK(n >= 7 * 4);
}

TEST(lzo) {
        _cleanup_free_ char *src = pathf("%s/src", base), *img = pathf("%s/img-lzo", base);
        ImageTree t;
        int fd;

        if (!have_comp("lzo"))
                return;
        CHECK_INT(mksquashfs(src, img, "-comp lzo"), 0);
        /* Debian's libsquashfs has no LZO: the caller mounts it instead. */
        CHECK_INT(image_open(img, 0, UINT64_MAX, &t, &fd), -EOPNOTSUPP);
}

TEST(pseudo) {
        _cleanup_free_ char *src = pathf("%s/src", base), *img = pathf("%s/img-pseudo", base);
        ImageTree t;
        TreeNode root, n;
        int fd, r;

        CHECK_INT(mksquashfs(src, img,
                             "-p 'cdev c 0640 12 34 1 3' -p 'bdev b 0660 0 6 7 1' -p 'fifo i 0600 5 6 f' "
                             "-p 'sock i 0601 7 8 s' -p 'a/b m 0711 99 98' -p 'plink s 0777 3 4 /dev/null'"), 0);
        r = image_open(img, 0, UINT64_MAX, &t, &fd);
        CHECK_INT(r, 0);
        if (r < 0)
                return;
        CHECK_INT(t.ops->root(t.data, &root), 0);
        static const struct {
                const char *name;
                char type;
                uint32_t mode, uid, gid;
        } want[] = {
                { "cdev", TREE_NODE_CHAR, 0640, 12, 34 },
                { "bdev", TREE_NODE_OTHER, 0660, 0, 6 },
                { "fifo", TREE_NODE_OTHER, 0600, 5, 6 },
                { "sock", TREE_NODE_OTHER, 0601, 7, 8 },
                { "plink", TREE_NODE_SYMLINK, 0777, 3, 4 },
        };
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                CHECK_INT(t.ops->lookup(t.data, &root, want[i].name, &n), 0);
                CHECK_INT(n.type, want[i].type);
                CHECK_INT(n.mode, want[i].mode);
                CHECK_INT(n.uid, want[i].uid);
                CHECK_INT(n.gid, want[i].gid);
        }
        TreeNode a, b;
        CHECK_INT(t.ops->lookup(t.data, &root, "a", &a), 0);
        CHECK_INT(t.ops->lookup(t.data, &a, "b", &b), 0);
        CHECK_INT(b.mode, 0711);
        CHECK_INT(b.uid, 99);
        CHECK_INT(b.gid, 98);
        close_tree(&t, fd);

        check_kernel(img, &(Expect) { -1, -1, true });
}

/* What the superblock says the image uses (mksquashfs pads the file to 4 KiB beyond it). */
static uint64_t bytes_used(const char *img) {
        uint64_t v = 0;
        int fd = open(img, O_RDONLY | O_CLOEXEC);

        if (fd < 0 || pread(fd, &v, 8, 40) != 8)
                abort();
        close(fd);
        return le64toh(v);
}

static void copy_with_padding(const char *img, const char *out, size_t before, size_t after, uint64_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        int in = open(img, O_RDONLY | O_CLOEXEC), o;

        if (in < 0 || fstat(in, &st) < 0)
                abort();
        buf = malloc(before + st.st_size + after);
        if (!buf)
                abort();
        for (size_t i = 0; i < before + st.st_size + after; i++)
                buf[i] = (char) (i * 131 + 7);
        /* Junk that looks like a superblock before the real one. */
        if (before >= 4)
                memcpy(buf, "hsqs", 4);
        if (read(in, buf + before, st.st_size) != st.st_size)
                abort();
        close(in);
        o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (o < 0 || write(o, buf, before + st.st_size + after) != (ssize_t) (before + st.st_size + after))
                abort();
        close(o);
        *ret_size = st.st_size;
}

TEST(offset) {
        _cleanup_free_ char *src = pathf("%s/src", base), *img = pathf("%s/img-off", base),
                *big = pathf("%s/img-big", base);
        uint64_t size;

        CHECK_INT(mksquashfs(src, img, "-comp gzip -b 4096"), 0);
        copy_with_padding(img, big, 12345, 54321, &size);
        /* Exactly the image, and a region with room after it (a partition larger than its file
         * system). */
        check_image(big, 12345, size, src, &(Expect) { -1, -1, false });
        check_image(big, 12345, size + 54321, src, &(Expect) { -1, -1, false });
        /* Not at the start of the region: no superblock there. */
        ImageTree t;
        int fd;
        CHECK_INT(image_open(big, 0, UINT64_MAX, &t, &fd), -EBADMSG);
        CHECK_INT(image_open(big, 12344, size, &t, &fd), -EBADMSG);
        /* The region ends before the image does. */
        CHECK_INT(image_open(big, 12345, bytes_used(img) - 1, &t, &fd), -EBADMSG);
}

static void write_super_field(const char *img, const char *out, size_t off, const void *v, size_t n) {
        uint64_t size;
        int fd;

        copy_with_padding(img, out, 0, 0, &size);
        fd = open(out, O_WRONLY | O_CLOEXEC);
        if (fd < 0 || pwrite(fd, v, n, off) != (ssize_t) n)
                abort();
        close(fd);
}

/* Hostile structures that random corruption rarely makes, patched into an image with uncompressed
 * metadata: each must be refused with the contract's error, without allocating what it claims. */
static char *find_in(char *buf, uint64_t from, uint64_t to, const void *what, size_t n) {
        return memmem(buf + from, to - from, what, n);
}

static int patched(const char *img, const char *out, size_t at, const void *v, size_t n, ImageTree *t, int *fd) {
        write_super_field(img, out, at, v, n);
        return image_open(out, 0, UINT64_MAX, t, fd);
}

static int lookup_path(ImageTree *t, const char *path, TreeNode *ret) {
        _cleanup_free_ char *p = strdup(path);
        char *save = NULL;
        TreeNode n;
        int r;

        r = t->ops->root(t->data, &n);
        for (char *w = strtok_r(p, "/", &save); r == 0 && w; w = strtok_r(NULL, "/", &save))
                r = t->ops->lookup(t->data, &n, w, &n);
        if (r == 0)
                *ret = n;
        return r;
}

TEST(crafted) {
        _cleanup_free_ char *src = pathf("%s/src", base), *img = pathf("%s/img-plain", base),
                *out = pathf("%s/img-crafted", base), *buf = NULL;
        uint64_t size, itab, dtab;
        ImageTree t;
        TreeNode n;
        char *p;
        int fd, in;

        CHECK_INT(mksquashfs(src, img, "-noI -noD -noF -noX"), 0);
        size = bytes_used(img);
        buf = malloc(size);
        in = open(img, O_RDONLY | O_CLOEXEC);
        CHECK(buf && in >= 0 && read(in, buf, size) == (ssize_t) size);
        close(in);
        itab = le64toh(*(uint64_t *) (buf + 64));
        dtab = le64toh(*(uint64_t *) (buf + 72));

        /* The symlink "abs": its target size (the 4 bytes before the target), its target. */
        p = find_in(buf, itab, dtab, "/etc/os-release", 15);
        CHECK(p);
        if (p) {
                static const struct {
                        uint32_t size;
                        int r;
                } sizes[] = { { 0, -EBADMSG }, { 4096, -ENAMETOOLONG }, { 0xFFFFFFF0, -ENAMETOOLONG }, { 14, 0 } };
                for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                        uint32_t v = htole32(sizes[i].size);
                        _cleanup_free_ char *target = NULL;

                        CHECK_INT(patched(img, out, p - 4 - buf, &v, 4, &t, &fd), 0);
                        CHECK_INT(lookup_path(&t, "abs", &n), 0);
                        CHECK_INT(n.size, sizes[i].size);
                        CHECK_INT(t.ops->readlink(t.data, &n, &target), sizes[i].r);
                        if (sizes[i].r == 0)
                                CHECK_STR(target, "/etc/os-releas");
                        close_tree(&t, fd);
                }
                _cleanup_free_ char *target = NULL;
                CHECK_INT(patched(img, out, p + 4 - buf, "\0", 1, &t, &fd), 0);
                CHECK_INT(lookup_path(&t, "abs", &n), 0);
                CHECK_INT(t.ops->readlink(t.data, &n, &target), -EBADMSG);
                close_tree(&t, fd);
        }

        /* Names in "many": out of order, duplicated, with a slash. */
        p = find_in(buf, dtab, size, "entry-002-with", 14);
        CHECK(p);
        if (p) {
                static const struct {
                        size_t at;
                        const char *v;
                } names[] = { { 8, "1" }, { 8, "0" }, { 9, "/" }, { 0, "\0" } };
                for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                        _cleanup_strv_free_ char **l = NULL;

                        CHECK_INT(patched(img, out, p - buf + names[i].at, names[i].v, 1, &t, &fd), 0);
                        CHECK_INT(lookup_path(&t, "many", &n), 0);
                        CHECK_INT(t.ops->list(t.data, &n, 1000, &l), -EBADMSG);
                        CHECK_INT(lookup_path(&t, "many/entry-000-with-a-longer-name", &n), 0);
                        CHECK_INT(lookup_path(&t, "many/entry-300-with-a-longer-name", &n), -EBADMSG);
                        close_tree(&t, fd);
                }
        }

        /* The size of "big" (300000, a basic file inode): claimed huge, it is refused before
         * anything is allocated for it. */
        uint32_t big = htole32(300000), huge = htole32(0xFFFFFFFF);
        p = find_in(buf, itab, dtab, &big, 4);
        CHECK(p);
        if (p) {
                _cleanup_free_ char *c = NULL;
                size_t sz;

                CHECK_INT(patched(img, out, p - buf, &huge, 4, &t, &fd), 0);
                CHECK_INT(lookup_path(&t, "big", &n), 0);
                CHECK_INT(n.size, 0xFFFFFFFF);
                CHECK_INT(t.ops->read(t.data, &n, 1 << 20, &c, &sz), -EFBIG);
                CHECK_INT(t.ops->read(t.data, &n, SIZE_MAX, &c, &sz), -EFBIG);
                close_tree(&t, fd);
        }
}

/* Every answer for the whole tree, bounded; what the fuzzer does. 0 or the first error. */
static int walk(ImageTree *t, const TreeNode *dir, int depth, unsigned *budget) {
        _cleanup_strv_free_ char **names = NULL;
        int r;

        if (depth > 8 || *budget == 0)
                return 0;
        r = t->ops->list(t->data, dir, 1000, &names);
        if (r < 0)
                return r;
        STRV_FOREACH(s, names) {
                TreeNode n;

                if (--*budget == 0)
                        return 0;
                r = t->ops->lookup(t->data, dir, *s, &n);
                if (r < 0)
                        return r;
                if (n.type == TREE_NODE_DIR)
                        r = walk(t, &n, depth + 1, budget);
                else if (n.type == TREE_NODE_FILE) {
                        _cleanup_free_ char *c = NULL;
                        r = t->ops->read(t->data, &n, 1 << 20, &c, NULL);
                        if (r == -EFBIG)
                                r = 0;
                } else if (n.type == TREE_NODE_SYMLINK) {
                        _cleanup_free_ char *c = NULL;
                        r = t->ops->readlink(t->data, &n, &c);
                        if (r == -ENAMETOOLONG)
                                r = 0;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

static bool allowed_error(int r) {
        return IN_SET(r, -EBADMSG, -EOPNOTSUPP, -EIO, -ENOTDIR, -E2BIG, -ENOENT, -EINVAL, -EISDIR, -ENOMEM);
}


TEST(broken) {
        _cleanup_free_ char *src = pathf("%s/src", base), *img = pathf("%s/img-bad", base),
                *out = pathf("%s/img-mut", base);
        ImageTree t;
        uint64_t size;
        int fd;

        CHECK_INT(mksquashfs(src, img, "-comp gzip -b 4096"), 0);

        /* Truncated: the region (and the file) shorter than the image. */
        copy_with_padding(img, out, 0, 0, &size);
        for (uint64_t s = 0; s < bytes_used(img); s += (s < 200 ? 1 : 997))
                CHECK_INT(image_open(out, 0, s, &t, &fd), -EBADMSG);
        must(truncate(out, size / 2), "truncate");
        CHECK_INT(image_open(out, 0, size, &t, &fd), -EIO);

        /* The superblock's fields. */
        static const struct {
                size_t off, n;
                uint64_t v;
                int r;
        } fields[] = {
                { 0, 4, 0x73717369, -EBADMSG },         /* magic */
                { 12, 4, 3000, -EBADMSG },              /* block size */
                { 22, 2, 13, -EBADMSG },                /* block log */
                { 20, 2, 3, -EOPNOTSUPP },              /* LZO */
                { 20, 2, 9, -EBADMSG },                 /* no such compressor */
                { 26, 2, 0, -EBADMSG },                 /* no ids */
                { 28, 2, 3, -EBADMSG },                 /* version */
                { 32, 8, 0xFFFFFFFFFFFF, -EBADMSG },    /* root inode */
                { 40, 8, 1ULL << 40, -EBADMSG },        /* bytes used */
                { 48, 8, 96, -EBADMSG },                /* id table */
                { 64, 8, 0, -EBADMSG },                 /* inode table */
                { 72, 8, 1ULL << 40, -EBADMSG },        /* directory table */
                { 4, 4, 0, -EBADMSG },                  /* inode count: fewer than fragments */
                { 16, 4, 0xFFFFFFFF, -EBADMSG },        /* fragment count */
        };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                write_super_field(img, out, fields[i].off, &fields[i].v, fields[i].n);
                int r = image_open(out, 0, UINT64_MAX, &t, &fd);
                if (r != fields[i].r)
                        fprintf(stderr, "  superblock field at %zu: %d\n", fields[i].off, r);
                CHECK_INT(r, fields[i].r);
                if (r == 0)
                        close_tree(&t, fd);
        }

        /* Random corruption of the metadata (and everything else): errors, never crashes. */
        _cleanup_free_ char *orig = malloc(size), *buf = malloc(size);
        int in = open(img, O_RDONLY | O_CLOEXEC);
        CHECK(orig && buf && in >= 0 && read(in, orig, size) == (ssize_t) size);
        close(in);
        uint32_t x = 42;
        unsigned opened = 0, failed = 0;
        for (int iter = 0; iter < 1500; iter++) {
                memcpy(buf, orig, size);
                int k = 1 + iter % 4;
                for (int j = 0; j < k; j++) {
                        x ^= x << 13; x ^= x >> 17; x ^= x << 5;
                        /* Mostly the tables at the end, where the metadata is. */
                        uint64_t pos = iter % 3 == 0 ? x % size : size - 1 - x % MIN(size, 6000);
                        buf[pos] ^= (char) (1 + (x >> 8) % 255);
                }
                write_file(out, buf, size);
                int r = image_open(out, 0, UINT64_MAX, &t, &fd);
                if (r < 0) {
                        CHECK(allowed_error(r));
                        failed++;
                        continue;
                }
                opened++;
                TreeNode root;
                unsigned budget = 5000;
                r = t.ops->root(t.data, &root);
                if (r == 0)
                        r = walk(&t, &root, 0, &budget);
                if (r < 0 && !allowed_error(r)) {
                        fprintf(stderr, "  iteration %d: %d\n", iter, r);
                        CHECK(!"allowed error");
                }
                close_tree(&t, fd);
        }
        fprintf(stderr, "  corrupted images: %u opened, %u refused\n", opened, failed);
        CHECK(opened > 0);
}

/* image_source_pread(): inside the region only, exactly, the file's shortness an error. */
TEST(source) {
        _cleanup_free_ char *path = pathf("%s/source", base);
        char buf[16] = {};
        int fd;

        write_file(path, "0123456789", 10);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        ImageSource s = { .fd = fd, .offset = 2, .size = 6 };
        CHECK_INT(image_source_pread(&s, buf, 6, 0), 0);
        CHECK(memcmp(buf, "234567", 6) == 0);
        CHECK_INT(image_source_pread(&s, buf, 2, 4), 0);
        CHECK(memcmp(buf, "67", 2) == 0);
        CHECK_INT(image_source_pread(&s, buf, 0, 6), 0);
        CHECK_INT(image_source_pread(&s, buf, 1, 6), -EIO);
        CHECK_INT(image_source_pread(&s, buf, 7, 0), -EIO);
        CHECK_INT(image_source_pread(&s, buf, 2, UINT64_MAX), -EIO);
        /* A region longer than the file. */
        s = (ImageSource) { .fd = fd, .offset = 8, .size = 6 };
        CHECK_INT(image_source_pread(&s, buf, 2, 0), 0);
        CHECK_INT(image_source_pread(&s, buf, 3, 0), -EIO);
        s = (ImageSource) { .fd = fd, .offset = UINT64_MAX - 2, .size = 2 };
        CHECK_INT(image_source_pread(&s, buf, 2, 0), -EIO);
        s = (ImageSource) { .fd = -EBADF, .offset = 0, .size = 2 };
        CHECK_INT(image_source_pread(&s, buf, 2, 0), -EBADF);
        close(fd);
}

/* Not an assertion: what opening a small image and reading files costs, printed. */
static double time_open_read(const char *img, const char *const *files, size_t n_files) {
        struct timespec a, b;
        const int rounds = 100;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
        for (int i = 0; i < rounds; i++) {
                ImageTree t;
                TreeNode root;
                int fd;

                if (image_open(img, 0, UINT64_MAX, &t, &fd) < 0 || t.ops->root(t.data, &root) < 0) {
                        CHECK(!"open");
                        return 0;
                }
                for (size_t f = 0; f < n_files; f++) {
                        _cleanup_free_ char *p = strdup(files[f]), *c = NULL;
                        TreeNode n = root;
                        char *save = NULL;

                        for (char *w = strtok_r(p, "/", &save); w; w = strtok_r(NULL, "/", &save))
                                CHECK_INT(t.ops->lookup(t.data, &n, w, &n), 0);
                        CHECK_INT(t.ops->read(t.data, &n, 1 << 20, &c, NULL), 0);
                }
                close_tree(&t, fd);
        }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
        return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / rounds;
}

TEST(timing) {
        _cleanup_free_ char *src = pathf("%s/src", base), *img = pathf("%s/img-time", base);
        static const char *const files[] = { "small", "empty", "private", "setuid", "exact",
                                             "many/entry-000-with-a-longer-name",
                                             "many/entry-150-with-a-longer-name",
                                             "many/entry-319-with-a-longer-name",
                                             "a/b/c/d/deep.txt", "small.link" };
        static const char *const comps[] = { "gzip", "zstd", "xz", "lz4" };

        for (size_t c = 0; c < ELEMENTSOF(comps); c++) {
                _cleanup_free_ char *opts = pathf("-comp %s", comps[c]);
                CHECK_INT(mksquashfs(src, img, opts), 0);
                double open_only = time_open_read(img, NULL, 0);
                double ten = time_open_read(img, files, ELEMENTSOF(files));
                double big = time_open_read(img, (const char *const[]) { "big" }, 1);
                fprintf(stderr, "  %s: open %.0f us; open + 10 small files %.0f us; open + 300000 bytes %.0f us\n",
                        comps[c], open_only, ten, big);
        }
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *src = NULL, *cmd = NULL;
        ImageTree t;

        log_set_max_level(getenv("TEST_DEBUG") ? LOG_DEBUG : LOG_ERR);
        if (run("command -v mksquashfs >/dev/null 2>&1") < 0) {
                fprintf(stderr, "no mksquashfs, skipping\n");
                return 77;
        }
        if (squashfs_tree_open(&(ImageSource) { .fd = -1, .size = 0 }, &t) == -EOPNOTSUPP) {
                fprintf(stderr, "no libsquashfs, skipping\n");
                return 77;
        }
        is_root = geteuid() == 0;
        if (!mkdtemp(base)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        src = pathf("%s/src", base);
        make_source(src);

        if (argc < 2 || strv_contains(argv + 1, "source"))
                RUN(source);
        if (argc < 2 || strv_contains(argv + 1, "variants"))
                RUN(variants);
        if (argc < 2 || strv_contains(argv + 1, "lzo"))
                RUN(lzo);
        if (argc < 2 || strv_contains(argv + 1, "pseudo"))
                RUN(pseudo);
        if (argc < 2 || strv_contains(argv + 1, "offset"))
                RUN(offset);
        if (argc < 2 || strv_contains(argv + 1, "crafted"))
                RUN(crafted);
        if (argc < 2 || strv_contains(argv + 1, "broken"))
                RUN(broken);
        if (argc < 2 || strv_contains(argv + 1, "timing"))
                RUN(timing);

        cmd = pathf("rm -rf '%s'", base);
        (void) run(cmd);
        return tests_finish();
}
