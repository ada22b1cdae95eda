/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Path resolution over a user-space file system reader (lib/image-tree.c) against what the kernel
 * gives for the same tree through openat2(RESOLVE_IN_ROOT) (lib/fileio.c): a reader that serves a
 * real directory (below) is resolved both ways, on a tree of hostile symlinks, and everything the
 * planner reads of an image (image_pack()) must come out byte-identical. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "image-fs.h"
#include "image-pack.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

static char base[] = "/tmp/test-image-tree.XXXXXX";

/* ---- a reader serving a directory: TreeNode.priv indexes the paths it handed out ---------------- */

typedef struct DirTree {
        int root_fd;
        char **paths;           /* relative to root_fd, "." for the root; only real directories on the way */
        size_t n_paths;
} DirTree;

static int dir_node(DirTree *t, const char *path, TreeNode *ret) {
        struct stat st;

        if (fstatat(t->root_fd, path, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -errno;
        if (strv_extend(&t->paths, path) < 0)
                return -ENOMEM;
        *ret = (TreeNode) {
                .id = st.st_ino,
                .priv = t->n_paths++,
                .type = S_ISDIR(st.st_mode) ? TREE_NODE_DIR : S_ISREG(st.st_mode) ? TREE_NODE_FILE :
                        S_ISLNK(st.st_mode) ? TREE_NODE_SYMLINK : S_ISCHR(st.st_mode) ? TREE_NODE_CHAR :
                        TREE_NODE_OTHER,
                .mode = st.st_mode & 07777,
                .uid = st.st_uid,
                .gid = st.st_gid,
                .size = st.st_size,
        };
        return 0;
}

static int dir_root(void *d, TreeNode *ret) {
        return dir_node(d, ".", ret);
}

static int dir_lookup(void *d, const TreeNode *dir, const char *name, TreeNode *ret) {
        DirTree *t = d;
        _cleanup_free_ char *p = strjoin(t->paths[dir->priv], "/", name);

        CHECK(!strchr(name, '/') && !streq(name, ".") && !streq(name, ".."));
        if (!p)
                return -ENOMEM;
        return dir_node(t, p, ret);
}

static int dir_list_(void *d, const TreeNode *dir, size_t max, char ***ret) {
        DirTree *t = d;
        _cleanup_strv_free_ char **l = NULL;
        DIR *dd;
        struct dirent *de;
        int fd;

        fd = openat(t->root_fd, t->paths[dir->priv], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        dd = fdopendir(fd);
        if (!dd) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(dd)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, "..")) {
                        if (strv_length(l) >= max) {
                                closedir(dd);
                                return -E2BIG;
                        }
                        if (strv_extend(&l, de->d_name) < 0) {
                                closedir(dd);
                                return -ENOMEM;
                        }
                }
        closedir(dd);
        *ret = TAKE_PTR(l);
        return 0;
}

static int dir_readlink(void *d, const TreeNode *n, char **ret) {
        DirTree *t = d;
        char buf[PATH_MAX];
        ssize_t k = readlinkat(t->root_fd, t->paths[n->priv], buf, sizeof(buf) - 1);

        if (k < 0)
                return -errno;
        buf[k] = 0;
        *ret = strdup(buf);
        return *ret ? 0 : -ENOMEM;
}

static int dir_read(void *d, const TreeNode *n, size_t max, char **ret, size_t *ret_size) {
        DirTree *t = d;
        _cleanup_close_ int fd = openat(t->root_fd, t->paths[n->priv], O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ uint8_t *b = NULL;
        int r;

        if (fd < 0)
                return -errno;
        r = read_regular_fd_binary(fd, max, &b, ret_size);
        if (r < 0)
                return r;
        *ret = (char *) TAKE_PTR(b);
        return 0;
}

static void dir_free(void *d) {
        DirTree *t = d;

        strv_free(t->paths);
        safe_close(t->root_fd);
        free(t);
}

static const ImageTreeOps dir_ops = {
        .name = "directory",
        .root = dir_root,
        .lookup = dir_lookup,
        .list = dir_list_,
        .readlink = dir_readlink,
        .read = dir_read,
        .free = dir_free,
};

static ImageTree dir_tree(const char *path) {
        DirTree *t = calloc(1, sizeof(DirTree));
        ImageTree tree;

        CHECK(t);
        t->root_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(t->root_fd >= 0);
        CHECK_INT(image_tree_make(&dir_ops, t, &tree), 0);
        return tree;
}

/* ---- the tree ------------------------------------------------------------------------------------ */

static void put(const char *rel, const char *text) {
        _cleanup_free_ char *p = strjoin(base, "/", rel);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        CHECK(fd >= 0);
        if (fd >= 0)
                CHECK_INT(loop_write(fd, text, strlen(text)), 0);
}

static void mkdir_(const char *rel, mode_t mode) {
        _cleanup_free_ char *p = strjoin(base, "/", rel);

        CHECK_INT(mkdir(p, mode), 0);
        CHECK_INT(chmod(p, mode), 0);
}

static void ln(const char *target, const char *rel) {
        _cleanup_free_ char *p = strjoin(base, "/", rel);

        CHECK_INT(symlink(target, p), 0);
}

static void make_tree(void) {
        CHECK(mkdtemp(base));
        mkdir_("etc", 0755);
        mkdir_("usr", 0755);
        mkdir_("usr/lib", 0755);
        mkdir_("usr/lib/systemd", 0755);
        mkdir_("usr/lib/systemd/system", 0755);
        mkdir_("usr/lib/systemd/system/demo.service.d", 0755);
        mkdir_("var", 0755);
        mkdir_("var/lib", 0755);
        mkdir_("var/lib/demo", 0750);
        mkdir_("etc/demo", 0750);
        mkdir_("etc/demo/sub", 0700);
        mkdir_("proc", 0555);
        put("usr/lib/os-release", "ID=debian\nVERSION_ID=12\n");
        ln("../usr/lib/os-release", "etc/os-release");
        put("usr/lib/systemd/system/demo.service", "[Service]\nExecStart=/usr/bin/demo\nBindReadOnlyPaths=/etc/demo\n");
        put("usr/lib/systemd/system/demo.service.d/10-x.conf", "[Service]\nEnvironment=A=1\n");
        put("usr/lib/systemd/system/demo-empty.service", "");
        ln("/dev/null", "usr/lib/systemd/system/demo-masked.service");
        ln("demo.service", "usr/lib/systemd/system/demo-alias.service");
        ln("../../../../../../../../usr/lib/systemd/system/demo.service", "usr/lib/systemd/system/demo-up.service");
        ln("/etc/passwd", "usr/lib/systemd/system/demo-host.service");
        ln("demo-loop2.service", "usr/lib/systemd/system/demo-loop1.service");
        ln("demo-loop1.service", "usr/lib/systemd/system/demo-loop2.service");
        put("etc/demo/demo.conf", "secret\n");
        {
                _cleanup_free_ char *p = strjoin(base, "/etc/demo/demo.conf"), *d = strjoin(base, "/etc/demo");
                CHECK_INT(chmod(p, 0640), 0);
                CHECK_INT(lchown(p, 999, 999), 0);
                CHECK_INT(lchown(d, 999, 999), 0);
        }
        put("etc/demo/sub/deep.conf", "deeper\n");
        ln("demo.conf", "etc/demo/link.conf");
        ln("/", "etc/root-link");
        ln("..", "etc/up");
        ln("/../../..", "etc/up-abs");
        put("etc/passwd", "root:x:0:0::/root:/bin/sh\ndemo:x:999:999::/:/usr/sbin/nologin\n");
        put("etc/group", "root:x:0:\ndemo:x:999:\n");
        ln("/var/lib/demo", "var/lib/demo-link");
        {
                _cleanup_free_ char *p = strjoin(base, "/etc/fifo");
                CHECK_INT(mkfifo(p, 0644), 0);
        }
}

/* Every path both ways: exists, is_dir, read_file, lstat, readlink, list. */
static const char *const probes[] = {
        "/", "/etc", "/etc/os-release", "/usr/lib/os-release", "/etc/root-link", "/etc/root-link/etc/passwd",
        "/etc/up/etc/passwd", "/etc/up-abs/usr/lib/os-release", "/../../etc/passwd", "/etc/../../../etc/group",
        "/usr/lib/systemd/system/demo-up.service", "/usr/lib/systemd/system/demo-host.service",
        "/usr/lib/systemd/system/demo-loop1.service", "/usr/lib/systemd/system/demo-masked.service",
        "/etc/demo/link.conf", "/etc/fifo", "/etc/missing", "/etc/passwd/x", "/var/lib/demo-link",
        "/var/lib/demo-link/", "//etc//./demo/./sub/deep.conf", "/proc", "/etc/root-link/etc/root-link/etc",
        NULL,
};

TEST(resolution_matches_kernel) {
        _cleanup_(image_tree_done) ImageTree tree = dir_tree(base);
        _cleanup_close_ int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        const ImageFS kfs = { .fd = fd }, tfs = { .fd = -EBADF, .tree = &tree };

        for (size_t k = 0; probes[k]; k++) {
                _cleanup_free_ char *a = NULL, *b = NULL, *la = NULL, *lb = NULL;
                _cleanup_strv_free_ char **da = NULL, **db = NULL;
                TreeNode na = {}, nb = {};
                int ra, rb;

                fprintf(stderr, "  %s\n", probes[k]);
                CHECK_INT(image_fs_exists(&tfs, probes[k]), image_fs_exists(&kfs, probes[k]));
                CHECK_INT(image_fs_is_dir(&tfs, probes[k]), image_fs_is_dir(&kfs, probes[k]));

                ra = image_fs_read_file(&kfs, probes[k], 4096, &a);
                rb = image_fs_read_file(&tfs, probes[k], 4096, &b);
                CHECK_INT(rb, ra);
                CHECK_STR(b, a);

                ra = image_fs_lstat(&kfs, probes[k], &na);
                rb = image_fs_lstat(&tfs, probes[k], &nb);
                CHECK_INT(rb, ra);
                CHECK_INT(nb.type, na.type);
                CHECK_INT(nb.mode, na.mode);
                CHECK_INT(nb.size, na.size);

                ra = image_fs_readlink(&kfs, probes[k], &la);
                rb = image_fs_readlink(&tfs, probes[k], &lb);
                CHECK_INT(rb, ra);
                CHECK_STR(lb, la);

                ra = image_fs_list_all(&kfs, probes[k], 100, &da);
                rb = image_fs_list_all(&tfs, probes[k], 100, &db);
                CHECK_INT(rb, ra);
                {
                        _cleanup_free_ char *ja = strv_join(da, ","), *jb = strv_join(db, ",");
                        CHECK_STR(jb, ja);
                }
        }
}

TEST(pack_matches_kernel) {
        _cleanup_(image_tree_done) ImageTree tree = dir_tree(base);
        _cleanup_close_ int fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_(packed_builder_done) PackedBuilder ba = {}, bb = {};
        _cleanup_free_ char *ca = strdup(""), *cb = strdup(""), *ta = NULL, *tb = NULL;
        char *const required[] = { (char *) "/etc/demo", (char *) "/etc/nothing", NULL };

        CHECK_INT(image_pack(IMAGE_FS_FD(fd), &ba, required, &ca), 0);
        CHECK_INT(image_pack(&(const ImageFS) { .fd = -EBADF, .tree = &tree }, &bb, required, &cb), 0);
        CHECK_INT(packed_builder_format(&ba, &ta), 0);
        CHECK_INT(packed_builder_format(&bb, &tb), 0);
        CHECK_STR(tb, ta);
        CHECK_STR(cb, ca);
        CHECK(ta && strstr(ta, "/usr/lib/systemd/system/demo.service"));
        CHECK(ta && strstr(ta, "secret"));      /* /etc/demo is 0750 and not root's: copied (etc-scan.h) */
}

TEST(usr_only) {
        _cleanup_free_ char *usr = strjoin(base, "/usr");
        _cleanup_(image_tree_done) ImageTree tree = dir_tree(usr);
        const ImageFS fs = { .fd = -EBADF, .tree = &tree };
        _cleanup_strv_free_ char **l = NULL;
        _cleanup_free_ char *t = NULL;

        tree.usr_only = true;
        CHECK(image_fs_is_dir(&fs, "/"));
        CHECK(image_fs_is_dir(&fs, "/usr"));
        CHECK(!image_fs_exists(&fs, "/etc"));
        CHECK_INT(image_fs_list_all(&fs, "/", 10, &l), 0);
        CHECK(l && streq(l[0], "usr") && !l[1]);
        CHECK_INT(image_fs_read_file(&fs, "/usr/lib/os-release", 4096, &t), 0);
        CHECK_STR(t, "ID=debian\nVERSION_ID=12\n");
        t = mfree(t);
        CHECK_INT(image_fs_read_file(&fs, "/usr/../../usr/lib/os-release", 4096, &t), 0);
        CHECK_INT(image_fs_read_file(&fs, "/etc/os-release", 4096, &t), -ENOENT);
}

int main(void) {
        make_tree();
        RUN(resolution_matches_kernel);
        RUN(pack_matches_kernel);
        RUN(usr_only);
        {
                _cleanup_free_ char *cmd = strjoin("rm -rf ", base);
                (void) system(cmd);
        }
        return tests_finish();
}
