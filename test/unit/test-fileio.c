/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* In-root resolution (lib/fileio.h open_in_root()), through both of its paths: openat2() with
 * RESOLVE_IN_ROOT where the kernel has it, and chase_fallback(), the component-by-component walk
 * used where it has not (old kernels, seccomp filters, valgrind), forced with
 * open_in_root_force_fallback(). Every case is answered by both, and must be answered the same:
 * the file inside the root it names, or the same error. Symlinks that aim outside the root
 * (absolute, "../", "..", through a directory) must land inside it or fail, never on the file
 * outside; loops and chains longer than the kernel's 40 links fail with ELOOP; /proc magic links
 * (with a procfs mounted inside the root, as root in a mount namespace of our own) never lead out. */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "fileio.h"
#include "macro.h"
#include "string-util.h"
#include "tests.h"

static char base[] = "/tmp/test-fileio.XXXXXX";
static int root_fd = -EBADF;
static bool have_openat2 = false;

static char *at(const char *rel) {
        char *p = strjoin(base, "/", rel);
        if (!p)
                abort();
        return p;
}

static void put(const char *rel, const char *text) {
        _cleanup_free_ char *p = at(rel);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        CHECK(fd >= 0);
        if (fd >= 0)
                CHECK_INT(loop_write(fd, text, strlen(text)), 0);
}

static void dir(const char *rel) {
        _cleanup_free_ char *p = at(rel);
        CHECK_INT(mkdir(p, 0755), 0);
}

static void link_(const char *rel, const char *target) {
        _cleanup_free_ char *p = at(rel);
        CHECK_INT(symlink(target, p), 0);
}

/* The answer of one path: a negative errno, or 1 with the identity of what was opened. */
typedef struct Answer {
        int r;
        dev_t dev;
        ino_t ino;
} Answer;

static Answer resolve(bool fallback, const char *path, int flags) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        Answer a = {};

        open_in_root_force_fallback(fallback);
        fd = open_in_root(root_fd, path, flags);
        open_in_root_force_fallback(false);
        if (fd < 0)
                return (Answer) { .r = fd };
        if (fstat(fd, &st) < 0)
                return (Answer) { .r = -errno };
        a.r = 1;
        a.dev = st.st_dev;
        a.ino = st.st_ino;
        return a;
}

/* What path must resolve to: want_rel (below base, not followed if it is a symlink) or, for
 * want_rel == NULL, the error want_error. Checked through both paths. */
static void check_case(int line, const char *path, int flags, const char *want_rel, int want_error) {
        Answer want = { .r = want_error };

        if (want_rel) {
                _cleanup_free_ char *p = at(want_rel);
                struct stat st;

                CHECK_INT(lstat(p, &st), 0);
                want = (Answer) { .r = 1, .dev = st.st_dev, .ino = st.st_ino };
        }

        for (int fallback = !have_openat2; fallback <= 1; fallback++) {
                Answer a = resolve(fallback, path, flags);
                bool ok = a.r == want.r && a.dev == want.dev && a.ino == want.ino;

                tests_checked++;
                if (!ok) {
                        tests_failed++;
                        fprintf(stderr, "%s:%d: %s \"%s\" (flags %#x): got %s%s, want %s%s\n",
                                __FILE__, line, fallback ? "fallback" : "openat2", path, (unsigned) flags,
                                a.r < 0 ? strerror(-a.r) : "a file", a.r > 0 && want.r > 0 ? " (another one)" : "",
                                want.r < 0 ? strerror(-want.r) : "", want_rel ?: "");
                }
        }
}

#define CASE_FILE(path, flags, rel) check_case(__LINE__, path, flags, rel, 0)
#define CASE_ERROR(path, flags, error) check_case(__LINE__, path, flags, NULL, -(error))

static void make_tree(void) {
        _cleanup_free_ char *outside_abs = at("outside"), *root_abs = at("root");
        char name[32], target[32];

        /* base/outside and base/outdir/ are what escapes would reach; base/root is "/". */
        put("outside", "OUTSIDE\n");
        dir("outdir");
        put("outdir/os-release", "ID=outside\n");
        dir("root");
        dir("root/usr");
        dir("root/usr/lib");
        put("root/usr/lib/os-release", "ID=inside\n");
        dir("root/etc");
        link_("root/etc/os-release", "../usr/lib/os-release");
        link_("root/etc/abs", "/usr/lib/os-release");
        link_("root/etc/up", "../../../../../../../../usr/lib/os-release");
        link_("root/lib", "usr/lib");

        /* Escapes: each names something that exists outside the root only. */
        link_("root/esc-dotdot", "../outside");
        link_("root/esc-dotdot-dir", "../outdir");
        link_("root/esc-abs", outside_abs);
        link_("root/esc-abs-root", root_abs);
        link_("root/esc-up", "..");
        link_("root/esc-slashdotdot", "/..");
        link_("root/esc-mid", "usr/../../outside");
        dir("root/sub");
        link_("root/sub/esc", "../../outdir/os-release");

        /* Loops and chains. */
        link_("root/self", "self");
        link_("root/loop1", "loop2");
        link_("root/loop2", "/loop1");
        link_("root/dirloop", "dirloop/x");
        dir("root/chain");
        for (unsigned i = 0; i < 41; i++) {
                snprintf(name, sizeof(name), "root/chain/l%u", i);
                if (i == 40)
                        snprintf(target, sizeof(target), "/usr/lib/os-release");
                else
                        snprintf(target, sizeof(target), "%sl%u", i % 2 ? "/chain/" : "", i + 1);
                link_(name, target);
        }
}

TEST(inside) {
        CASE_FILE("usr/lib/os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("/usr/lib/os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("//usr//lib/./os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("etc/os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("etc/abs", 0, "root/usr/lib/os-release");
        CASE_FILE("lib/os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("lib/../lib/os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("usr/lib", O_DIRECTORY, "root/usr/lib");
        CASE_FILE("lib", O_DIRECTORY, "root/usr/lib");
        CASE_FILE("/", O_DIRECTORY, "root");
        CASE_FILE(".", 0, "root");
        /* O_NOFOLLOW: the last component is the symlink itself, not what it names. */
        CASE_FILE("etc/os-release", O_NOFOLLOW, "root/etc/os-release");
        CASE_FILE("lib/os-release", O_NOFOLLOW, "root/usr/lib/os-release");
}

TEST(errors) {
        CASE_ERROR("missing", 0, ENOENT);
        CASE_ERROR("usr/missing/os-release", 0, ENOENT);
        CASE_ERROR("usr/lib/os-release/x", 0, ENOTDIR);
        CASE_ERROR("usr/lib/os-release", O_DIRECTORY, ENOTDIR);
        CASE_ERROR("etc/os-release", O_DIRECTORY, ENOTDIR);
}

TEST(dotdot_stays_inside) {
        CASE_FILE("..", O_DIRECTORY, "root");
        CASE_FILE("../../..", O_DIRECTORY, "root");
        CASE_FILE("../../../usr/lib/os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("/../usr/../../usr/lib/os-release", 0, "root/usr/lib/os-release");
        CASE_ERROR("../outside", 0, ENOENT);
        CASE_ERROR("../../outdir/os-release", 0, ENOENT);
        CASE_FILE("etc/up", 0, "root/usr/lib/os-release");
}

TEST(symlink_escapes) {
        _cleanup_free_ char *abs_below = NULL;

        CASE_ERROR("esc-dotdot", 0, ENOENT);
        CASE_ERROR("esc-dotdot-dir/os-release", 0, ENOENT);
        CASE_ERROR("esc-abs", 0, ENOENT);
        CASE_ERROR("esc-abs-root/usr/lib/os-release", 0, ENOENT);
        CASE_FILE("esc-up", O_DIRECTORY, "root");
        CASE_ERROR("esc-up/outside", 0, ENOENT);
        CASE_FILE("esc-up/usr/lib/os-release", 0, "root/usr/lib/os-release");
        CASE_FILE("esc-slashdotdot", O_DIRECTORY, "root");
        CASE_ERROR("esc-slashdotdot/outdir/os-release", 0, ENOENT);
        CASE_ERROR("esc-mid", 0, ENOENT);
        CASE_ERROR("sub/esc", 0, ENOENT);
        CASE_ERROR("sub/../esc-dotdot", 0, ENOENT);
        /* The host's absolute path of the root, given as a path: not below the root. */
        abs_below = at("root/usr/lib/os-release");
        CASE_ERROR(abs_below, 0, ENOENT);
}

TEST(loops_and_chains) {
        CASE_ERROR("self", 0, ELOOP);
        CASE_ERROR("self/x", 0, ELOOP);
        CASE_ERROR("loop1", 0, ELOOP);
        CASE_ERROR("loop2/x", 0, ELOOP);
        CASE_ERROR("dirloop", 0, ELOOP);
        /* chain/l1 follows 40 links (the kernel's MAXSYMLINKS), chain/l0 one more. */
        CASE_FILE("chain/l1", 0, "root/usr/lib/os-release");
        CASE_ERROR("chain/l0", 0, ELOOP);
        CASE_FILE("chain/l0", O_NOFOLLOW, "root/chain/l0");
}

/* /proc inside the root: its magic links (/proc/self/root, /proc/self/cwd, /proc/self/fd/N) point
 * at things the path does not name. openat2() refuses them (RESOLVE_NO_MAGICLINKS, ELOOP); the
 * fallback never lets the kernel follow a link, it resolves their text inside the root, where the
 * outside paths do not exist (ENOENT). Either way nothing outside is reached. Ordinary procfs
 * symlinks (/proc/self) work through both. */
static void check_magic(const char *path) {
        for (int fallback = !have_openat2; fallback <= 1; fallback++) {
                Answer a = resolve(fallback, path, 0);

                tests_checked++;
                if (a.r != (fallback ? -ENOENT : -ELOOP)) {
                        tests_failed++;
                        fprintf(stderr, "%s: %s \"%s\": got %s\n", __FILE__,
                                fallback ? "fallback" : "openat2", path, a.r < 0 ? strerror(-a.r) : "a file");
                }
        }
}

TEST(proc_magic_links) {
        _cleanup_free_ char *proc = at("root/proc"), *outdir = at("outdir"), *fdpath = NULL;
        _cleanup_close_ int out_fd = -EBADF;
        int old_root_fd;

        if (geteuid() != 0 || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                fprintf(stderr, "proc_magic_links: skipped (needs root and a mount namespace)\n");
                return;
        }
        CHECK_INT(mkdir(proc, 0755), 0);
        if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
                fprintf(stderr, "proc_magic_links: skipped (mount proc: %m)\n");
                return;
        }

        /* The root as seen in the new namespace, where proc is mounted. */
        {
                _cleanup_free_ char *root = at("root");
                old_root_fd = root_fd;
                root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
                CHECK(root_fd >= 0);
        }

        out_fd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(out_fd >= 0);
        CHECK_INT(chdir(outdir), 0);
        CHECK(asprintf(&fdpath, "/proc/self/fd/%d/os-release", out_fd) > 0);

        check_magic("proc/self/cwd/os-release");
        check_magic(fdpath);
        check_magic("/proc/self/root/outside");
        check_magic("proc/thread-self/cwd/os-release");

        /* Not magic: /proc/self is "PID", resolved as any relative link. */
        for (int fallback = !have_openat2; fallback <= 1; fallback++)
                CHECK(resolve(fallback, "proc/self/status", 0).r == 1);

        CHECK_INT(chdir("/"), 0);
        safe_close(root_fd);
        root_fd = old_root_fd;
        CHECK_INT(umount2(proc, MNT_DETACH), 0);
        CHECK_INT(rmdir(proc), 0);
}

int main(void) {
        struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
        _cleanup_free_ char *root = NULL;
        int fd;

        CHECK(mkdtemp(base) != NULL);
        make_tree();
        root = at("root");
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(root_fd >= 0);

        fd = (int) syscall(SYS_openat2, root_fd, ".", &how, sizeof(how));
        have_openat2 = fd >= 0;
        if (fd >= 0)
                close(fd);
        else
                fprintf(stderr, "openat2() not available (%m): the fallback only\n");

        RUN(inside);
        RUN(errors);
        RUN(dotdot_stays_inside);
        RUN(symlink_escapes);
        RUN(loops_and_chains);
        RUN(proc_magic_links);

        safe_close(root_fd);
        {
                _cleanup_free_ char *cmd = strjoin("rm -rf ", base);
                CHECK_INT(system(cmd), 0);
        }
        return tests_finish();
}
