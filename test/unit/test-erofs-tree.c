/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The erofs reader (lib/erofs-tree.h) against the trees its images were made from: images are built
 * at test time with mkfs.erofs in every layout it writes (plain, inline, compact and extended
 * inodes, chunk-based, lz4/lz4hc with legacy and compact indexes, big pclusters, ztailpacking), and
 * every answer of the reader (names, types, modes, owners, sizes, contents, link targets) is checked
 * against the source tree. Then truncated and corrupted images: errors, never a crash. Skips (77)
 * without mkfs.erofs. TEST_MKFS_EROFS_NEW=/path/to/a/newer/mkfs.erofs adds its layouts (lzma,
 * fragments, dedupe, small blocks; zstd and deflate must give -EOPNOTSUPP). The committed seed
 * images of fuzz-erofs-tree (lzma among them, which Debian 12's mkfs.erofs cannot write) are read
 * too, against the tree test/fuzz/make-erofs-corpus makes. */

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "erofs-tree.h"
#include "fileio.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "test-shell.h"
#include "tests.h"

static char tmpdir[] = "/var/tmp/test-erofs-tree.XXXXXX";
static bool is_root;

typedef struct Expect {
        long uid, gid;          /* forced owner, or -1 */
        bool eopnotsupp_ok;     /* compressed files may give -EOPNOTSUPP (zstd, deflate) */
        unsigned n_eopnotsupp;
        unsigned n_files, n_dirs, n_links, n_other;
} Expect;

static int read_full_file(const char *path, char **ret, size_t *ret_size) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *b = NULL;
        struct stat st;
        size_t done = 0;

        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        b = malloc((size_t) st.st_size + 1);
        if (!b)
                return -ENOMEM;
        while (done < (size_t) st.st_size) {
                ssize_t n = read(fd, b + done, (size_t) st.st_size - done);
                if (n <= 0)
                        return -EIO;
                done += (size_t) n;
        }
        b[done] = 0;
        *ret = TAKE_PTR(b);
        *ret_size = done;
        return 0;
}

static int write_file_atomic(const char *path, const void *data, size_t size, mode_t mode) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

        if (fd < 0)
                return -errno;
        return loop_write(fd, data, size);
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint8_t rnd(void) {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        return (uint8_t) rng;
}

static void write_file(const char *dir, const char *name, size_t size, bool random, mode_t mode) {
        _cleanup_free_ char *p = strjoin(dir, "/", name);
        _cleanup_free_ uint8_t *b = malloc(size + 1);
        _cleanup_close_ int fd = -EBADF;

        if (!p || !b)
                abort();
        for (size_t i = 0; i < size; i++)
                b[i] = random ? rnd() : (uint8_t) "erofs tree test line\n"[i % 21];
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || (size > 0 && write(fd, b, size) != (ssize_t) size) || fchmod(fd, mode) < 0)
                abort();
}

static void make_tree(const char *root) {
        char p[PATH_MAX];

        CHECK(mkdir(root, 0755) == 0);
        write_file(root, "empty", 0, false, 0644);
        write_file(root, "one", 1, false, 0600);
        write_file(root, "f4095", 4095, true, 0644);
        write_file(root, "f4096", 4096, true, 0755);
        write_file(root, "f4097", 4097, false, 04755);
        write_file(root, "random100000", 100000, true, 0644);
        write_file(root, "text100000", 100000, false, 0640);
        write_file(root, "text1M", 1024 * 1024 + 123, false, 0644);
        write_file(root, "mixed300000", 0, false, 0644);
        {
                /* compressible and random runs, so that pclusters of both kinds alternate */
                snprintf(p, sizeof(p), "%s/mixed300000", root);
                _cleanup_close_ int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
                CHECK(fd >= 0);
                for (int k = 0; k < 30; k++) {
                        uint8_t b[10000];
                        for (size_t i = 0; i < sizeof(b); i++)
                                b[i] = k % 2 ? rnd() : (uint8_t) ('a' + i % 7);
                        CHECK(write(fd, b, sizeof(b)) == (ssize_t) sizeof(b));
                }
        }

        snprintf(p, sizeof(p), "%s/many", root);
        CHECK(mkdir(p, 0750) == 0);
        for (int i = 0; i < 320; i++) {
                char n[64];
                snprintf(n, sizeof(n), "entry-%03d-%.*s", i, i % 40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN");
                write_file(p, n, (size_t) i, false, 0644);
        }

        snprintf(p, sizeof(p), "%s/a", root);
        CHECK(mkdir(p, 0755) == 0);
        snprintf(p, sizeof(p), "%s/a/b", root);
        CHECK(mkdir(p, 0700) == 0);
        snprintf(p, sizeof(p), "%s/a/b/c", root);
        CHECK(mkdir(p, 0755) == 0);
        snprintf(p, sizeof(p), "%s/a/b/c", root);
        write_file(p, "deep", 5000, false, 0644);
        snprintf(p, sizeof(p), "%s/emptydir", root);
        CHECK(mkdir(p, 0755) == 0);

        snprintf(p, sizeof(p), "%s/rel", root);
        CHECK(symlink("f4095", p) == 0);
        snprintf(p, sizeof(p), "%s/abs", root);
        CHECK(symlink("/etc/os-release", p) == 0);
        snprintf(p, sizeof(p), "%s/null", root);
        CHECK(symlink("/dev/null", p) == 0);
        snprintf(p, sizeof(p), "%s/a/b/up", root);
        CHECK(symlink("../../many/entry-001-a", p) == 0);
        {
                char target[3001];
                memset(target, 'x', sizeof(target) - 1);
                for (size_t i = 100; i < sizeof(target) - 1; i += 100)
                        target[i] = '/';
                target[sizeof(target) - 1] = 0;
                snprintf(p, sizeof(p), "%s/longlink", root);
                CHECK(symlink(target, p) == 0);
        }

        if (is_root) {
                snprintf(p, sizeof(p), "%s/fifo", root);
                CHECK(mkfifo(p, 0640) == 0);
                snprintf(p, sizeof(p), "%s/nulldev", root);
                CHECK(mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0);
                snprintf(p, sizeof(p), "%s/f4096", root);
                CHECK(chown(p, 1234, 5678) == 0);
                snprintf(p, sizeof(p), "%s/a/b", root);
                CHECK(chown(p, 70000, 70001) == 0);     /* beyond 16 bits: extended inode */
                snprintf(p, sizeof(p), "%s/rel", root);
                CHECK(lchown(p, 4321, 8765) == 0);
        }
}

static char node_type(mode_t m) {
        return S_ISDIR(m) ? TREE_NODE_DIR : S_ISREG(m) ? TREE_NODE_FILE : S_ISLNK(m) ? TREE_NODE_SYMLINK : S_ISCHR(m) ? TREE_NODE_CHAR : TREE_NODE_OTHER;
}

static int strcmp_ptr(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void compare_node(ImageTree *t, const TreeNode *n, const char *path, unsigned depth, Expect *x);

static void compare_dir(ImageTree *t, const TreeNode *dir, const char *path, unsigned depth, Expect *x) {
        _cleanup_strv_free_ char **names = NULL, **fs = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        size_t n, m = 0;
        TreeNode c;
        int r;

        d = opendir(path);
        CHECK(d);
        if (!d)
                return;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        CHECK(strv_extend(&fs, de->d_name) >= 0);
        m = strv_length(fs);

        r = t->ops->list(t->data, dir, SIZE_MAX, &names);
        CHECK_INT(r, 0);
        if (r < 0)
                return;
        n = strv_length(names);
        CHECK_INT(n, m);
        if (n > 0) {
                qsort(names, n, sizeof(char *), strcmp_ptr);
                qsort(fs, m, sizeof(char *), strcmp_ptr);
                for (size_t i = 0; i < MIN(n, m); i++)
                        CHECK_STR(names[i], fs[i]);

                char **few = NULL;
                CHECK_INT(t->ops->list(t->data, dir, n - 1, &few), -E2BIG);
        }

        CHECK_INT(t->ops->lookup(t->data, dir, "no-such-entry", &c), -ENOENT);
        CHECK_INT(t->ops->lookup(t->data, dir, "zzzz-after-all", &c), -ENOENT);
        CHECK_INT(t->ops->lookup(t->data, dir, "0-before-all", &c), -ENOENT);
        STRV_FOREACH(s, names) {
                _cleanup_free_ char *p = strjoin(path, "/", *s);
                r = t->ops->lookup(t->data, dir, *s, &c);
                CHECK_INT(r, 0);
                if (r < 0) {
                        fprintf(stderr, "  lookup %s\n", p);
                        continue;
                }
                compare_node(t, &c, p, depth + 1, x);
        }
}

static void compare_node(ImageTree *t, const TreeNode *n, const char *path, unsigned depth, Expect *x) {
        struct stat st;
        TreeNode c;
        int r;

        CHECK(depth < 16);
        if (depth >= 16)
                return;
        CHECK(lstat(path, &st) == 0);
        CHECK_INT(n->type, node_type(st.st_mode));
        CHECK_INT(n->mode, st.st_mode & 07777);
        CHECK_INT(n->uid, x->uid >= 0 ? (uid_t) x->uid : st.st_uid);
        CHECK_INT(n->gid, x->gid >= 0 ? (gid_t) x->gid : st.st_gid);
        if (n->type != node_type(st.st_mode)) {
                fprintf(stderr, "  type of %s\n", path);
                return;
        }

        switch (n->type) {
        case TREE_NODE_DIR:
                x->n_dirs++;
                compare_dir(t, n, path, depth, x);
                break;

        case TREE_NODE_FILE: {
                _cleanup_free_ char *content = NULL, *expected = NULL;
                size_t size = 0, esize = 0;

                x->n_files++;
                CHECK_INT(n->size, st.st_size);
                CHECK(read_full_file(path, &expected, &esize) >= 0);
                r = t->ops->read(t->data, n, (size_t) st.st_size, &content, &size);
                if (r == -EOPNOTSUPP && x->eopnotsupp_ok) {
                        x->n_eopnotsupp++;
                        break;
                }
                CHECK_INT(r, 0);
                if (r < 0) {
                        fprintf(stderr, "  read %s\n", path);
                        break;
                }
                CHECK_INT(size, esize);
                CHECK(size == esize && memcmp(content, expected, size) == 0);
                if (size != esize || memcmp(content, expected, size) != 0)
                        fprintf(stderr, "  content of %s\n", path);
                CHECK_INT(content[size], 0);
                if (size > 0) {
                        char *s = NULL;
                        CHECK_INT(t->ops->read(t->data, n, size - 1, &s, NULL), -EFBIG);
                }
                CHECK_INT(t->ops->lookup(t->data, n, "x", &c), -ENOTDIR);
                char **l = NULL;
                CHECK_INT(t->ops->list(t->data, n, 10, &l), -ENOTDIR);
                break;
        }

        case TREE_NODE_SYMLINK: {
                _cleanup_free_ char *target = NULL;
                char buf[PATH_MAX];
                ssize_t k;

                x->n_links++;
                k = readlink(path, buf, sizeof(buf) - 1);
                CHECK(k > 0);
                if (k <= 0)
                        break;
                buf[k] = 0;
                CHECK_INT(n->size, k);
                r = t->ops->readlink(t->data, n, &target);
                CHECK_INT(r, 0);
                CHECK_STR(target, buf);
                char *s = NULL;
                CHECK_INT(t->ops->read(t->data, n, 1 << 20, &s, NULL), -EINVAL);
                break;
        }

        default: {
                char *s = NULL;
                x->n_other++;
                CHECK_INT(t->ops->read(t->data, n, 1 << 20, &s, NULL), -EINVAL);
                CHECK_INT(t->ops->readlink(t->data, n, &s), -EINVAL);
        }
        }
}

static int open_image(const char *image, uint64_t offset, uint64_t size, int *ret_fd, ImageTree *ret) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = open(image, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0)
                return -errno;
        ImageSource src = {
                .fd = fd,
                .offset = offset,
                .size = size != UINT64_MAX ? size : (uint64_t) st.st_size - offset,
        };
        r = erofs_tree_open(&src, ret);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static void tree_close(ImageTree *t, int *fd) {
        image_tree_done(t);
        *fd = safe_close(*fd);
}

/* Builds an image of src with mkfs and opts and compares it with src. Returns the image path. */
static char *check_image(const char *mkfs, const char *name, const char *opts, const char *src, Expect x) {
        _cleanup_free_ char *image = strjoin(tmpdir, "/", name, ".erofs");
        ImageTree t = {};
        TreeNode root;
        int fd = -EBADF, r;

        if (!image)
                abort();
        if (shell("%s --quiet %s '%s' '%s' >/dev/null 2>&1 || %s %s '%s' '%s'", mkfs, opts, image, src, mkfs, opts,
                  image, src) < 0) {
                fprintf(stderr, "FAIL mkfs.erofs %s\n", opts);
                CHECK(false);
                return NULL;
        }
        r = open_image(image, 0, UINT64_MAX, &fd, &t);
        CHECK_INT(r, 0);
        if (r < 0) {
                fprintf(stderr, "FAIL open %s (%s)\n", name, opts);
                return NULL;
        }
        CHECK_STR(t.ops->name, "erofs");
        CHECK_INT(t.ops->root(t.data, &root), 0);
        CHECK_INT(root.type, TREE_NODE_DIR);
        unsigned before = tests_failed;
        compare_node(&t, &root, src, 0, &x);
        CHECK(x.n_files > 300);
        CHECK(x.n_links >= 4);
        fprintf(stderr, "%s %-24s %s: %u files, %u dirs, %u links, %u other%s\n", tests_failed == before ? "ok  " : "FAIL",
                name, opts, x.n_files, x.n_dirs, x.n_links, x.n_other,
                x.n_eopnotsupp ? " (some -EOPNOTSUPP)" : "");
        tree_close(&t, &fd);
        return TAKE_PTR(image);
}

/* Whatever the reader makes of an image, it must not crash, leak or hang: walks all of it. */
static unsigned walk_any(ImageTree *t, const TreeNode *n, unsigned depth) {
        _cleanup_strv_free_ char **names = NULL;
        unsigned ok = 1;

        if (depth > 8)
                return 0;
        if (n->type == TREE_NODE_FILE) {
                _cleanup_free_ char *s = NULL;
                return t->ops->read(t->data, n, 4 << 20, &s, NULL) >= 0;
        }
        if (n->type == TREE_NODE_SYMLINK) {
                _cleanup_free_ char *s = NULL;
                return t->ops->readlink(t->data, n, &s) >= 0;
        }
        if (n->type != TREE_NODE_DIR)
                return 1;
        if (t->ops->list(t->data, n, 10000, &names) < 0)
                return 0;
        STRV_FOREACH(s, names) {
                TreeNode c;
                if (t->ops->lookup(t->data, n, *s, &c) >= 0)
                        ok += walk_any(t, &c, depth + 1);
        }
        return ok;
}

static int walk_image_file(const char *image, unsigned *ret_ok) {
        ImageTree t = {};
        TreeNode root;
        int fd = -EBADF, r;

        r = open_image(image, 0, UINT64_MAX, &fd, &t);
        if (r < 0)
                return r;
        r = t.ops->root(t.data, &root);
        if (r >= 0)
                *ret_ok = walk_any(&t, &root, 0);
        tree_close(&t, &fd);
        return r;
}

static void corrupt(const char *image, const char *name, uint64_t offset, const void *bytes, size_t n, bool fix,
                    char **ret_path) {
        _cleanup_free_ char *p = strjoin(tmpdir, "/", name);
        _cleanup_free_ char *data = NULL;
        size_t size = 0;

        CHECK(read_full_file(image, &data, &size) >= 0);
        if (offset + n <= size)
                memcpy(data + offset, bytes, n);
        if (fix)
                (void) erofs_superblock_fix_checksum((uint8_t *) data, size);    /* -EINVAL without magic */
        CHECK(write_file_atomic(p, data, size, 0644) >= 0);
        *ret_path = TAKE_PTR(p);
}

static void check_damaged(const char *image) {
        _cleanup_free_ char *data = NULL;
        size_t size = 0;
        unsigned ok = 0;
        int r;

        CHECK(read_full_file(image, &data, &size) >= 0);

        /* truncated images: refused at open (the block count) or errors on the way */
        uint64_t cuts[] = { 0, 100, 1024, 1024 + 64, 1024 + 128, 4096, 8192, size / 2, size - 4096, size - 1 };
        for (size_t i = 0; i < ELEMENTSOF(cuts); i++) {
                _cleanup_free_ char *p = strjoin(tmpdir, "/truncated.erofs");
                CHECK(write_file_atomic(p, data, cuts[i], 0644) >= 0);
                r = walk_image_file(p, &ok);
                CHECK(r < 0);
                if (r >= 0)
                        fprintf(stderr, "  truncated to %" PRIu64 " opened\n", cuts[i]);
        }

        /* superblock: magic, checksum, unknown features, block size, root nid */
        struct {
                const char *what;
                uint64_t offset;
                uint8_t bytes[4];
                size_t n;
                bool fix;
                int expected;
        } cases[] = {
                { "magic", 1024, { 0 }, 1, true, -EINVAL },
                { "checksum", 1024 + 4, { 0x55 }, 1, false, -EBADMSG },
                { "field without checksum", 1024 + 40, { 0x77 }, 1, false, -EBADMSG },
                { "incompat 0x80 (48bit)", 1024 + 80, { 0x80 }, 1, true, -EOPNOTSUPP },
                { "incompat 0x400", 1024 + 81, { 0x04 }, 1, true, -EOPNOTSUPP },
                { "extra devices", 1024 + 86, { 1 }, 1, true, -EOPNOTSUPP },
                { "block size 2^20", 1024 + 12, { 20 }, 1, true, -EINVAL },
                { "blocks", 1024 + 36, { 0xff, 0xff, 0xff, 0x0f }, 4, true, -EBADMSG },
                { "root nid", 1024 + 14, { 0xff, 0xff }, 2, true, 1 },
                { "meta blkaddr", 1024 + 40, { 0xff, 0xff, 0xff, 0x7f }, 4, true, -EBADMSG },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *p = NULL;

                corrupt(image, "sb.erofs", cases[i].offset, cases[i].bytes, cases[i].n, cases[i].fix, &p);
                r = walk_image_file(p, &ok);
                if (cases[i].expected == -EINVAL)       /* EBADMSG or EOPNOTSUPP: refused */
                        CHECK(r == -EBADMSG || r == -EOPNOTSUPP);
                else if (cases[i].expected == 1)
                        CHECK(r < 0);
                else
                        CHECK_INT(r, cases[i].expected);
                if (r >= 0)
                        fprintf(stderr, "  corrupted %s opened\n", cases[i].what);
        }

        /* every 4 bytes in the metadata area, one by one (checksum fixed): errors or answers, never
         * a crash, a leak, or a hang */
        unsigned opened = 0, tried = 0;
        for (uint64_t off = 1024 + 128; off < MIN((uint64_t) size, 64 * 1024); off += 251) {
                _cleanup_free_ char *p = NULL;
                uint8_t v[4] = { rnd(), rnd(), rnd(), rnd() };

                corrupt(image, "meta.erofs", off, v, sizeof(v), true, &p);
                if (walk_image_file(p, &ok) >= 0)
                        opened++;
                tried++;
        }
        fprintf(stderr, "     corrupted metadata: %u of %u images opened, walked without crashing\n", opened, tried);
}

static void check_offset(const char *image, const char *src) {
        _cleanup_free_ char *data = NULL, *p = strjoin(tmpdir, "/embedded.img");
        _cleanup_free_ char *big = NULL;
        size_t size = 0, off = 3 * 1024 * 1024 + 512;
        Expect x = { .uid = -1, .gid = -1 };
        ImageTree t = {};
        TreeNode root;
        int fd = -EBADF;

        CHECK(read_full_file(image, &data, &size) >= 0);
        big = malloc(off + size + 65536);
        CHECK(big);
        for (size_t i = 0; i < off; i++)
                big[i] = (char) (i % 2 ? 0xE2 : 0xE1);
        memcpy(big + off, data, size);
        memset(big + off + size, 0xAA, 65536);
        CHECK(write_file_atomic(p, big, off + size + 65536, 0644) >= 0);

        CHECK_INT(open_image(p, off, size, &fd, &t), 0);
        if (!t.ops)
                return;
        CHECK_INT(t.ops->root(t.data, &root), 0);
        compare_node(&t, &root, src, 0, &x);
        tree_close(&t, &fd);

        /* the region one block too short: truncated */
        CHECK(open_image(p, off, size - 4096, &fd, &t) < 0);
        fprintf(stderr, "ok   image at offset %zu\n", off);
}

/* The seed images of fuzz-erofs-tree, made by test/fuzz/make-erofs-corpus from the tree it
 * describes: read them against that tree, rebuilt here. */
static void check_seeds(const char *corpus, const char *maketree) {
        _cleanup_free_ char *src = strjoin(tmpdir, "/seed-src");
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        unsigned n = 0;

        if (shell("%s tree '%s'", maketree, src) < 0) {
                CHECK(false);
                return;
        }
        d = opendir(corpus);
        CHECK(d);
        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *p = NULL;
                Expect x = { .uid = 0, .gid = 0 };
                ImageTree t = {};
                TreeNode root;
                int fd = -EBADF, r;

                if (!endswith(de->d_name, ".erofs"))
                        continue;
                p = strjoin(corpus, "/", de->d_name);
                r = open_image(p, 0, UINT64_MAX, &fd, &t);
                CHECK_INT(r, 0);
                if (r < 0)
                        continue;
                unsigned before = tests_failed;
                CHECK_INT(t.ops->root(t.data, &root), 0);
                compare_node(&t, &root, src, 0, &x);
                CHECK(x.n_files >= 3);
                fprintf(stderr, "%s seed %s: %u files, %u links\n", tests_failed == before ? "ok  " : "FAIL", de->d_name,
                        x.n_files, x.n_links);
                tree_close(&t, &fd);
                n++;
        }
        CHECK(n >= 5);
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *src = NULL, *plain = NULL, *lz4 = NULL;
        const char *mkfs = getenv("TEST_MKFS_EROFS") ?: "mkfs.erofs", *newer = getenv("TEST_MKFS_EROFS_NEW");
        Expect x = { .uid = -1, .gid = -1 };
        bool have_lzma;

        log_setup("test-erofs-tree", LOG_TARGET_CONSOLE);
        if (!getenv("SYSTEMD_LOG_LEVEL"))
                log_set_max_level(LOG_WARNING);
        is_root = geteuid() == 0;

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }

        /* the committed seeds first: they need no mkfs.erofs */
        if (argc > 2)
                check_seeds(argv[1], argv[2]);

        if (shell("command -v %s >/dev/null 2>&1", mkfs) < 0) {
                fprintf(stderr, "No mkfs.erofs, skipping the images made at test time.\n");
                (void) shell("rm -rf '%s'", tmpdir);
                return tests_failed > 0 ? EXIT_FAILURE : argc > 2 ? EXIT_SUCCESS : 77;
        }
        {
                _cleanup_free_ char *cmd = NULL;
                CHECK(asprintf(&cmd, "%s --help 2>&1 | grep -q lzma", mkfs) >= 0);
                have_lzma = cmd && system(cmd) == 0;
        }

        src = strjoin(tmpdir, "/src");
        make_tree(src);

        plain = check_image(mkfs, "plain", "", src, x);
        {
                /* owners beyond 16 bits cannot be in compact inodes */
                Expect c = { .uid = 1, .gid = 2 };
                free(check_image(mkfs, "compact", "-Eforce-inode-compact --force-uid=1 --force-gid=2", src, c));
        }
        free(check_image(mkfs, "extended", "-Eforce-inode-extended", src, x));
        free(check_image(mkfs, "noinline", "-Enoinline_data", src, x));
        free(check_image(mkfs, "nosbcrc", "-Enosbcrc", src, x));
        free(check_image(mkfs, "chunk4k", "--chunksize=4096", src, x));
        free(check_image(mkfs, "chunk64k-indexes", "--chunksize=65536 -Eforce-chunk-indexes", src, x));
        free(check_image(mkfs, "chunk8k-blockmap", "--chunksize=8192 -Eforce-inode-blockmap", src, x));
        lz4 = check_image(mkfs, "lz4", "-zlz4", src, x);
        free(check_image(mkfs, "lz4hc", "-zlz4hc,12", src, x));
        free(check_image(mkfs, "lz4-legacy", "-zlz4 -Elegacy-compress", src, x));
        free(check_image(mkfs, "lz4hc-big", "-zlz4hc -C65536", src, x));
        free(check_image(mkfs, "lz4hc-big-legacy", "-zlz4hc -C16384 -Elegacy-compress", src, x));
        free(check_image(mkfs, "lz4-ztail", "-zlz4 -Eztailpacking", src, x));
        free(check_image(mkfs, "lz4hc-big-ztail", "-zlz4hc -C32768 -Eztailpacking", src, x));
        free(check_image(mkfs, "lz4-extended", "-zlz4hc -Eforce-inode-extended -Enoinline_data", src, x));
        if (have_lzma)
                free(check_image(mkfs, "lzma", "-zlzma", src, x));
        {
                Expect f = { .uid = 42, .gid = 43 };
                free(check_image(mkfs, "force-owner", "--force-uid=42 --force-gid=43", src, f));
                Expect r = { .uid = 0, .gid = 0 };
                free(check_image(mkfs, "all-root", "--all-root -zlz4", src, r));
        }

        if (newer && access(newer, X_OK) == 0) {
                Expect e = x;
                e.eopnotsupp_ok = true;
                fprintf(stderr, "     and with %s:\n", newer);
                free(check_image(newer, "new-plain", "", src, x));
                free(check_image(newer, "new-lz4", "-zlz4hc", src, x));
                free(check_image(newer, "new-lzma", "-zlzma", src, x));
                free(check_image(newer, "new-lzma-big", "-zlzma,level=9 -C131072", src, x));
                free(check_image(newer, "new-lzma-ztail", "-zlzma -Eztailpacking", src, x));
                free(check_image(newer, "new-lz4-ztail", "-zlz4 -Eztailpacking", src, x));
                free(check_image(newer, "new-fragments", "-zlz4hc -Efragments", src, x));
                free(check_image(newer, "new-all-fragments", "-zlz4hc -Eall-fragments", src, x));
                free(check_image(newer, "new-dedupe", "-zlz4hc -Ededupe", src, x));
                free(check_image(newer, "new-lzma-frag-dedupe", "-zlzma -Efragments,dedupe,ztailpacking -C65536", src, x));
                /* (not -Eztailpacking,noinline_data: erofs-utils 1.8.10 writes zeros for files of
                 * 33 to 56 bytes there, its own fsck.erofs --extract reads them so too) */
                free(check_image(newer, "new-lz4-big-frag-ztail", "-zlz4hc -C65536 -Efragments,ztailpacking", src, x));
                free(check_image(newer, "new-b512", "-b512", src, x));
                free(check_image(newer, "new-b1024-lz4", "-b1024 -zlz4hc", src, x));
                free(check_image(newer, "new-b2048-lzma", "-b2048 -zlzma -Eztailpacking", src, x));
                free(check_image(newer, "new-chunk", "--chunksize=16384", src, x));
                free(check_image(newer, "new-alt", "-zlz4:lzma -C16384", src, x));
                free(check_image(newer, "new-zstd", "-zzstd", src, e));
                free(check_image(newer, "new-deflate", "-zdeflate", src, e));
        }

        if (plain) {
                check_offset(plain, src);
                fprintf(stderr, "     damaged plain image:\n");
                check_damaged(plain);
        }
        if (lz4) {
                fprintf(stderr, "     damaged lz4 image:\n");
                check_damaged(lz4);
        }

        (void) shell("rm -rf '%s'", tmpdir);
        return tests_finish();
}
