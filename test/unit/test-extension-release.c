/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* extension-release.h: each check extension_release_validate() (systemd 252) makes, and the
 * reason named when one fails; and the stacked ImageFS (image-fs.h) the readers see. */

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env-file.h"
#include "extension-release.h"
#include "fileio.h"
#include "macro.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"

static int check(const char *release, const char *base, char **reason) {
        _cleanup_strv_free_ char **r = NULL, **b = NULL;

        free(*reason);
        *reason = NULL;
        CHECK_INT(env_file_parse(release, &r), 0);
        CHECK_INT(env_file_parse(base, &b), 0);
        return extension_release_check(r, b, "x86-64", reason);
}

TEST(names) {
        _cleanup_free_ char *a = extension_release_file_name("foo_1.raw"), *b = extension_release_file_name("foo"),
                *c = extension_release_file_name(".raw");

        CHECK_STR(a, "extension-release.foo_1");
        CHECK_STR(b, "extension-release.foo");
        CHECK_STR(c, "extension-release..raw");
}

TEST(checks) {
        _cleanup_free_ char *why = NULL;
        const char *base = "ID=debian\nVERSION_ID=12\n";
        const char *base_level = "ID=debian\nVERSION_ID=12\nSYSEXT_LEVEL=1.0\n";

        CHECK_INT(check("ID=debian\nVERSION_ID=12\n", base, &why), 0);
        CHECK_INT(check("ID=_any\n", base, &why), 0);
        CHECK_INT(check("ID=_any\nARCHITECTURE=s390\n", base, &why), 1);       /* ARCHITECTURE= first */
        CHECK(strstr(why, "ARCHITECTURE=s390"));
        CHECK_INT(check("ID=debian\nVERSION_ID=12\nARCHITECTURE=x86-64\n", base, &why), 0);
        CHECK_INT(check("ID=debian\nVERSION_ID=12\nARCHITECTURE=_any\n", base, &why), 0);
        CHECK_INT(check("ID=fedora\nVERSION_ID=12\n", base, &why), 1);
        CHECK(strstr(why, "ID=fedora") && strstr(why, "debian"));
        CHECK_INT(check("VERSION_ID=12\n", base, &why), 1);
        CHECK(strstr(why, "no ID="));
        CHECK_INT(check("ID=debian\n", base, &why), 1);
        CHECK(strstr(why, "no VERSION_ID="));
        CHECK_INT(check("ID=debian\nVERSION_ID=11\n", base, &why), 1);
        CHECK(strstr(why, "VERSION_ID=11"));
        /* SYSEXT_LEVEL= on both sides decides, not VERSION_ID=. */
        CHECK_INT(check("ID=debian\nVERSION_ID=11\nSYSEXT_LEVEL=1.0\n", base_level, &why), 0);
        CHECK_INT(check("ID=debian\nVERSION_ID=12\nSYSEXT_LEVEL=2.0\n", base_level, &why), 1);
        CHECK(strstr(why, "SYSEXT_LEVEL=2.0"));
        /* The extension without a level: VERSION_ID= again. */
        CHECK_INT(check("ID=debian\nVERSION_ID=11\n", base_level, &why), 1);
        /* A rolling base: the ID is enough. */
        CHECK_INT(check("ID=arch\nVERSION_ID=1\n", "ID=arch\n", &why), 0);
        /* The scope must allow portable use; unset allows it. */
        CHECK_INT(check("ID=debian\nVERSION_ID=12\nSYSEXT_SCOPE=\"system portable\"\n", base, &why), 0);
        CHECK_INT(check("ID=debian\nVERSION_ID=12\nSYSEXT_SCOPE=portable\n", base, &why), 0);
        CHECK_INT(check("ID=debian\nVERSION_ID=12\nSYSEXT_SCOPE=\"system initrd\"\n", base, &why), 1);
        CHECK(strstr(why, "SYSEXT_SCOPE="));
        CHECK_INT(check("", base, &why), 1);
}

static int run(const char *a, const char *b, const char *c) {
        _cleanup_free_ char *cmd = strjoin(a, b, c);
        return cmd ? system(cmd) : -ENOMEM;
}

static void make_file(const char *root, const char *path, const char *text) {
        _cleanup_free_ char *p = strjoin(root, path), *d = NULL;
        char *s;

        d = strdup(p);
        s = strrchr(d, '/');
        *s = 0;
        CHECK_INT(run("mkdir -p ", d, ""), 0);
        CHECK_INT(write_file_new_at(AT_FDCWD, p, text, 0644), 0);
}

TEST(stack) {
        char base_dir[] = "/tmp/test-stack-base.XXXXXX", ext_dir[] = "/tmp/test-stack-ext.XXXXXX";
        _cleanup_close_ int base_fd = -EBADF, ext_fd = -EBADF;
        _cleanup_strv_free_ char **l = NULL, **fields = NULL;
        _cleanup_free_ char *t = NULL, *path = NULL;

        CHECK(mkdtemp(base_dir));
        CHECK(mkdtemp(ext_dir));
        make_file(base_dir, "/etc/os-release", "ID=debian\n");
        make_file(base_dir, "/etc/passwd", "base\n");
        make_file(base_dir, "/usr/lib/systemd/system/a.service", "base a\n");
        make_file(base_dir, "/usr/lib/systemd/system/b.service", "base b\n");
        make_file(ext_dir, "/usr/lib/systemd/system/b.service", "ext b\n");
        make_file(ext_dir, "/usr/lib/systemd/system/c.service", "ext c\n");
        make_file(ext_dir, "/etc/passwd", "ext\n");                    /* not overlaid at run time */
        make_file(ext_dir, "/etc/os-release", "ID=ext\n");
        make_file(ext_dir, "/opt/x/y", "y\n");
        make_file(ext_dir, "/usr/lib/extension-release.d/extension-release.e", "ID=_any\n");

        base_fd = open(base_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ext_fd = open(ext_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(base_fd >= 0 && ext_fd >= 0);

        const ImageFS layers[] = { { .fd = base_fd }, { .fd = ext_fd } };
        const ImageFS fs = { .fd = -EBADF, .layers = layers, .n_layers = 2 };

        CHECK_INT(image_fs_list_dir(&fs, "/usr/lib/systemd/system", 100, &l), 0);
        t = strv_join(l, " ");
        CHECK_STR(t, "a.service b.service c.service");
        t = mfree(t);
        CHECK_INT(image_fs_read_file(&fs, "/usr/lib/systemd/system/b.service", 100, &t), 0);
        CHECK_STR(t, "ext b\n");
        t = mfree(t);
        CHECK_INT(image_fs_read_file(&fs, "/usr/lib/systemd/system/a.service", 100, &t), 0);
        CHECK_STR(t, "base a\n");
        t = mfree(t);
        CHECK_INT(image_fs_layer_of(&fs, "/usr/lib/systemd/system/a.service"), 0);
        CHECK_INT(image_fs_layer_of(&fs, "/usr/lib/systemd/system/b.service"), 1);
        CHECK_INT(image_fs_layer_of(&fs, "/usr/lib/systemd/system/nope.service"), -ENOENT);
        /* /etc is the base's, but for the unit directories. */
        CHECK_INT(image_fs_read_file(&fs, "/etc/passwd", 100, &t), 0);
        CHECK_STR(t, "base\n");
        t = mfree(t);
        CHECK_INT(image_fs_read_file(&fs, "/etc/os-release", 100, &t), 0);
        CHECK_STR(t, "ID=debian\n");
        t = mfree(t);
        /* Classified by components, as the path resolves: "//usr" and "/./usr" are /usr; a path with
         * ".." is the base's ("/usr/../etc" names /usr by its text and resolves to /etc). */
        CHECK_INT(image_fs_read_file(&fs, "//usr/lib/systemd/system/b.service", 100, &t), 0);
        CHECK_STR(t, "ext b\n");
        t = mfree(t);
        CHECK_INT(image_fs_read_file(&fs, "/./usr//lib/./systemd/system/b.service", 100, &t), 0);
        CHECK_STR(t, "ext b\n");
        t = mfree(t);
        CHECK_INT(image_fs_read_file(&fs, "/usr/../etc/passwd", 100, &t), 0);
        CHECK_STR(t, "base\n");
        t = mfree(t);
        CHECK_INT(image_fs_layer_of(&fs, "/usr/lib/../lib/systemd/system/c.service"), -ENOENT);
        /* Listing / shows /opt, which only the extension has; not its /etc entries. */
        l = strv_free(l);
        CHECK_INT(image_fs_list_dir(&fs, "/", 100, &l), 0);
        CHECK(strv_contains(l, "opt") && strv_contains(l, "usr") && strv_contains(l, "etc"));
        l = strv_free(l);
        CHECK_INT(image_fs_list_dir(&fs, "/etc", 100, &l), 0);
        t = strv_join(l, " ");
        CHECK_STR(t, "os-release passwd");
        CHECK(image_fs_is_dir(&fs, "/opt/x"));

        /* The extension-release file, read from the extension. */
        CHECK_INT(extension_release_read(&layers[1], "e", &fields, &path), 0);
        CHECK_STR(path, "/usr/lib/extension-release.d/extension-release.e");
        CHECK_STR(env_get(fields, "ID"), "_any");
        CHECK_INT(extension_release_read(&layers[1], "f.raw", &fields, NULL), -ENOENT);

        CHECK_INT(run("rm -rf ", base_dir, ""), 0);
        CHECK_INT(run("rm -rf ", ext_dir, ""), 0);
}

int main(void) {
        RUN(names);
        RUN(checks);
        RUN(stack);
        return tests_finish();
}
