/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Builds real images at test time (mksquashfs, mkfs.erofs, mkfs.ext4, mkfs.btrfs, mkfs.xfs, sfdisk,
 * systemd-repart), probes them, mounts them, and checks that nothing is left behind: no mount, no
 * loop device backed by our files. Needs root and loop devices; exits 77 (skip) without them. A
 * missing mkfs tool skips only the cases that need it. */

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <systemd/sd-gpt.h>
#include <systemd/sd-id128.h>
#include <time.h>

#include "image-mount.h"
#include "log.h"
#include "macro.h"
#include "string-util.h"
#include "test-shell.h"

static unsigned n_failed, n_passed, n_skipped;
static char tmpdir[] = "/var/tmp/test-image-raw.XXXXXX";

#define check(expr)                                                                             \
        ({                                                                                      \
                bool _ok_ = (expr);                                                             \
                if (_ok_)                                                                       \
                        n_passed++;                                                             \
                else {                                                                          \
                        n_failed++;                                                             \
                        fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr);         \
                }                                                                               \
                _ok_;                                                                           \
        })

#define check_r(r, expected)                                                                    \
        ({                                                                                      \
                int _r_ = (r), _e_ = (expected);                                                \
                if (_r_ != _e_)                                                                 \
                        fprintf(stderr, "  got %d (%s), expected %d (%s)\n",                    \
                                _r_, strerror(abs(_r_)), _e_, strerror(abs(_e_)));             \
                check(_r_ == _e_);                                                              \
        })


static char *tpath(const char *name) {
        char *p = strjoin(tmpdir, "/", name);
        if (!p)
                abort();
        return p;
}

static uint64_t file_size(const char *path) {
        struct stat st;

        if (stat(path, &st) < 0)
                return 0;
        return (uint64_t) st.st_size;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

static int probe_path(const char *name, RawProbe *ret) {
        _cleanup_free_ char *p = tpath(name);
        _cleanup_close_ int fd = -EBADF;

        fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0)
                return -errno;
        return raw_image_probe(fd, p, ret);
}

/* No mount below our directory, no loop device whose backing file is ours. The kernel detaches an
 * autoclear device when its last user is gone; give a udev that might be probing it a moment. */
static bool nothing_left(void) {
        for (unsigned i = 0; i < 200; i++) {
                _cleanup_fclose_ FILE *f = NULL;
                _cleanup_closedir_ DIR *d = NULL;
                bool left = false;
                char line[4096];
                struct dirent *de;

                f = fopen("/proc/self/mountinfo", "re");
                if (!f)
                        return false;
                while (fgets(line, sizeof(line), f))
                        if (strstr(line, tmpdir)) {
                                fprintf(stderr, "  mount left: %s", line);
                                return false;
                        }

                d = opendir("/sys/block");
                if (!d)
                        return false;
                while ((de = readdir(d))) {
                        _cleanup_free_ char *bf = NULL;
                        _cleanup_fclose_ FILE *b = NULL;

                        if (!startswith(de->d_name, "loop"))
                                continue;
                        bf = strjoin("/sys/block/", de->d_name, "/loop/backing_file");
                        if (!bf)
                                abort();
                        b = fopen(bf, "re");
                        if (!b)
                                continue; /* not bound */
                        if (fgets(line, sizeof(line), b) && strstr(line, tmpdir)) {
                                if (i == 199)
                                        fprintf(stderr, "  loop device left: %s -> %s", de->d_name, line);
                                left = true;
                        }
                }
                if (!left)
                        return true;
                (void) usleep(10000);
        }
        return false;
}

/* The mountinfo line of the mount at 'where', or "" */
static void mount_line(const char *where, char *buf, size_t n) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *pattern = strjoin(" ", where, " ");
        char line[4096];

        buf[0] = 0;
        f = fopen("/proc/self/mountinfo", "re");
        if (!f || !pattern)
                return;
        while (fgets(line, sizeof(line), f))
                if (strstr(line, pattern))
                        (void) snprintf(buf, n, "%s", line); /* the last one: the top of the stack */
}

static char *read_small(const char *path) {
        _cleanup_fclose_ FILE *f = NULL;
        char buf[4096];
        size_t n;

        f = fopen(path, "re");
        if (!f)
                return NULL;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = 0;
        return strdup(buf);
}

/* Mounts the image, reads os-release below it, unmounts, checks nothing is left. */
static void check_mount(const char *name, const char *os_release_path, const char *expect) {
        _cleanup_free_ char *p = tpath(name), *mnt = tpath("mnt"), *osr = NULL, *content = NULL;
        _cleanup_close_ int fd = -EBADF;
        RawMount *m = NULL;
        char line[4096];
        uint64_t t;
        int r;

        fprintf(stderr, "-- mount %s\n", name);

        fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (!check(fd >= 0))
                return;

        t = now_usec();
        r = raw_image_mount(fd, p, mnt, &m);
        t = now_usec() - t;
        if (!check_r(r, 0))
                return;
        fprintf(stderr, "  probe + loop + mount took %llu.%03llu ms\n",
                (unsigned long long) t / 1000, (unsigned long long) t % 1000);
        check(raw_mount_probe(m) != NULL);

        mount_line(mnt, line, sizeof(line));
        fprintf(stderr, "  %s", line);
        check(strstr(line, " ro,") || strstr(line, " ro "));
        check(strstr(line, "nosuid") != NULL);
        check(strstr(line, "nodev") != NULL);

        if (os_release_path) {
                osr = strjoin(mnt, "/", os_release_path);
                content = osr ? read_small(osr) : NULL;
                if (check(content != NULL))
                        check(streq(content, expect));
        }

        /* Read-only, really. */
        _cleanup_free_ char *probe_dir = strjoin(mnt, "/should-not-exist");
        check(probe_dir && mkdir(probe_dir, 0755) < 0 && errno == EROFS);

        raw_mount_free(m);
        check(nothing_left());
}

static int make_squashfs(const char *src, const char *name) {
        _cleanup_free_ char *s = tpath(src), *o = tpath(name);

        return shell("mksquashfs %s %s -noappend -quiet -all-root >/dev/null", s, o);
}

typedef struct Part {
        sd_id128_t type;
        const char *label;
        const char *attrs;      /* sfdisk attrs=, e.g. "GUID:63" */
        const char *content;    /* file in tmpdir written into the partition, or NULL */
} Part;

/* A GPT image with partitions of 1 MiB granularity, each just big enough for its content. */
static int make_gpt(const char *name, const char *label, const Part *parts, size_t n) {
        _cleanup_free_ char *o = tpath(name), *script = NULL;
        uint64_t start = 1, sizes[16];
        int r;

        if (n > ELEMENTSOF(sizes))
                return -E2BIG;

        r = strextendf(&script, "label: %s\n", label);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                _cleanup_free_ char *c = parts[i].content ? tpath(parts[i].content) : NULL;

                sizes[i] = c ? (file_size(c) + (1 << 20) - 1) >> 20 : 1;
                if (sizes[i] == 0)
                        sizes[i] = 1;
                r = strextendf(&script, "start=%llu, size=%llu, type=" SD_ID128_UUID_FORMAT_STR "%s%s%s%s%s\n",
                               (unsigned long long) start << 11, (unsigned long long) sizes[i] << 11,
                               SD_ID128_FORMAT_VAL(parts[i].type),
                               parts[i].label ? ", name=\"" : "", strempty(parts[i].label), parts[i].label ? "\"" : "",
                               parts[i].attrs ? ", attrs=" : "", strempty(parts[i].attrs));
                start += sizes[i];
        }
        if (r < 0)
                return r;

        r = shell("rm -f %s && truncate -s %lluM %s", o, (unsigned long long) start + 1, o);
        if (r < 0)
                return r;

        if (streq(label, "dos")) {
                /* sfdisk wants MBR types, not UUIDs: one Linux partition. */
                r = shell("echo 'start=2048, type=83' | sfdisk --quiet --no-reread --no-tell-kernel %s >/dev/null", o);
        } else
                r = shell("printf '%%s' '%s' | sfdisk --quiet --no-reread --no-tell-kernel %s >/dev/null", script, o);
        if (r < 0)
                return r;

        start = 1;
        for (size_t i = 0; i < n; i++) {
                if (parts[i].content) {
                        _cleanup_free_ char *c = tpath(parts[i].content);

                        r = shell("dd if=%s of=%s bs=1M seek=%llu conv=notrunc status=none", c, o,
                                  (unsigned long long) start);
                        if (r < 0)
                                return r;
                }
                start += sizes[i];
        }
        return 0;
}

static void test_bare(const char *tool, const char *name, RawFormat format, const char *fstype, bool with_content) {
        RawProbe p;

        fprintf(stderr, "-- %s\n", name);
        if (!have(tool)) {
                fprintf(stderr, "  %s missing, skipping\n", tool);
                n_skipped++;
                return;
        }

        if (streq(tool, "mksquashfs"))
                check_r(make_squashfs("tree", name), 0);
        else if (streq(tool, "mkfs.erofs")) {
                _cleanup_free_ char *o = tpath(name), *t = tpath("tree");
                check_r(shell("mkfs.erofs --quiet %s %s", o, t), 0);
        } else if (streq(tool, "mkfs.ext4")) {
                _cleanup_free_ char *o = tpath(name), *t = tpath("tree");
                check_r(shell("truncate -s 8M %s && mkfs.ext4 -q -F -d %s %s", o, t, o), 0);
        } else if (streq(tool, "mkfs.btrfs")) {
                _cleanup_free_ char *o = tpath(name), *t = tpath("tree");
                check_r(shell("truncate -s 128M %s && mkfs.btrfs -q -f --rootdir %s %s >/dev/null", o, t, o), 0);
        } else if (streq(tool, "mkfs.xfs")) {
                _cleanup_free_ char *o = tpath(name);
                check_r(shell("truncate -s 320M %s && mkfs.xfs -q -f %s", o, o), 0);
        }

        if (!check_r(probe_path(name, &p), 0))
                return;
        check(p.format == format);
        check(streq(p.fstype, fstype));
        check(streq(raw_format_to_string(p.format), fstype));
        check(p.data.found && p.data.offset == 0);
        {
                _cleanup_free_ char *o = tpath(name);
                check(p.data.size == file_size(o));
        }
        check(streq(p.data.uuid, ""));
        check(!p.usr_only && !p.verity.found && !p.verity_sig.found);

        check_mount(name, with_content ? "usr/lib/os-release" : NULL, "ID=test\nVERSION_ID=1\n");
}

/* The refusal's reason, as the generator logs it: the same messages as before gpt-table.c. */
static void check_reason(const char *name, const char *expected) {
        RawProbe p = {};

        check_r(probe_path(name, &p), -EMEDIUMTYPE);
        if (!check(strstr(p.reason, expected)))
                fprintf(stderr, "  reason '%s', expected '%s'\n", p.reason, expected);
}

static void test_refused(const char *what, const char *name, int expected) {
        RawProbe p;
        uint64_t t;
        int r;

        fprintf(stderr, "-- %s (%s)\n", what, name);
        t = now_usec();
        r = probe_path(name, &p);
        t = now_usec() - t;
        check_r(r, expected);
        fprintf(stderr, "  probe took %llu.%03llu ms\n", (unsigned long long) t / 1000, (unsigned long long) t % 1000);
        check(t < 500 * 1000); /* generous: milliseconds are expected */

        /* And mounting refuses just the same, leaving nothing behind. */
        {
                _cleanup_free_ char *p2 = tpath(name), *mnt = tpath("mnt");
                _cleanup_close_ int fd = open(p2, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
                RawMount *m = NULL;

                check(fd >= 0);
                check_r(raw_image_mount(fd, p2, mnt, &m), expected);
                check(!m);
                check(nothing_left());
        }
}

static sd_id128_t foreign_root(void) {
        /* A root partition type that is neither native nor secondary here. */
        if (sd_id128_equal(SD_GPT_ROOT_NATIVE, SD_GPT_ROOT_ARM64) || sd_id128_equal(SD_GPT_ROOT_NATIVE, SD_GPT_ROOT_ARM))
                return SD_GPT_ROOT_X86_64;
        return SD_GPT_ROOT_ARM64;
}

/* Without udev and devtmpfs (a container with a tmpfs /dev), /dev/loopN does not exist: the node is
 * made for the time of the mount, and removed again. Runs in a child with its own /dev. */
static void test_no_device_nodes(void) {
        _cleanup_free_ char *img = tpath("img.squashfs"), *mnt = tpath("mnt");
        int status;
        pid_t pid;

        fprintf(stderr, "-- tmpfs /dev without loop device nodes\n");

        pid = fork();
        if (!check(pid >= 0))
                return;
        if (pid == 0) {
                _cleanup_free_ char *osr = strjoin(mnt, "/usr/lib/os-release"), *content = NULL;
                _cleanup_closedir_ DIR *d = NULL;
                RawMount *m = NULL;
                struct dirent *de;
                int fd, r;

                if (unshare(CLONE_NEWNS) < 0 ||
                    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
                    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755") < 0 ||
                    mknod("/dev/loop-control", S_IFCHR | 0600, makedev(10, 237)) < 0)
                        _exit(2);

                fd = open(img, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        _exit(3);
                r = raw_image_mount(fd, img, mnt, &m);
                if (r < 0) {
                        fprintf(stderr, "  raw_image_mount: %s\n", strerror(-r));
                        _exit(4);
                }
                content = read_small(osr);
                if (!content || !streq(content, "ID=test\nVERSION_ID=1\n"))
                        _exit(5);
                raw_mount_free(m);
                if (!nothing_left())
                        _exit(6);

                /* The node we made is gone again: /dev has only loop-control. */
                d = opendir("/dev");
                if (!d)
                        _exit(7);
                while ((de = readdir(d)))
                        if (startswith(de->d_name, "loop") && !streq(de->d_name, "loop-control")) {
                                fprintf(stderr, "  left in /dev: %s\n", de->d_name);
                                _exit(8);
                        }
                _exit(0);
        }

        check(waitpid(pid, &status, 0) == pid);
        if (!check(WIFEXITED(status) && WEXITSTATUS(status) == 0))
                fprintf(stderr, "  child status %d\n", status);
        check(nothing_left());
}

int main(int argc, char *argv[]) {
        _cleanup_free_ char *mnt = NULL;
        RawProbe p;
        int r;

        log_setup("test-image-raw", LOG_TARGET_CONSOLE);
        if (!getenv("SYSTEMD_LOG_LEVEL"))
                log_set_max_level(LOG_DEBUG);

        if (geteuid() != 0) {
                fprintf(stderr, "Not root, skipping.\n");
                return 77;
        }
        if (access("/dev/loop-control", F_OK) < 0) {
                fprintf(stderr, "No /dev/loop-control, skipping.\n");
                return 77;
        }
        if (!have("mksquashfs") || !have("sfdisk") || !have("truncate") || !have("dd")) {
                fprintf(stderr, "mksquashfs or sfdisk missing, skipping.\n");
                return 77;
        }

        r = mount_namespace_private();
        if (r < 0) {
                fprintf(stderr, "Cannot create a private mount namespace (%s), skipping.\n", strerror(-r));
                return 77;
        }

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return 1;
        }
        mnt = tpath("mnt");

        /* A small OS tree; the 64k of random data make the squashfs big enough to be cut short. */
        {
                _cleanup_free_ char *t = tpath("tree"), *t2 = tpath("tree2");
                if (shell("mkdir -p %1$s %2$s/usr/lib/systemd/system %2$s/etc %3$s/usr/lib && "
                          "printf 'ID=test\\nVERSION_ID=1\\n' >%2$s/usr/lib/os-release && "
                          "ln -s ../usr/lib/os-release %2$s/etc/os-release && "
                          "printf '[Service]\\nExecStart=/bin/true\\n' >%2$s/usr/lib/systemd/system/foo.service && "
                          "head -c 65536 /dev/urandom >%2$s/usr/lib/random && "
                          "printf 'ID=test\\nVERSION_ID=2\\n' >%3$s/usr/lib/os-release",
                          mnt, t, t2) < 0)
                        return 1;
        }

        /* Bare file systems */
        test_bare("mksquashfs", "img.squashfs", RAW_FORMAT_SQUASHFS, "squashfs", true);
        test_bare("mkfs.erofs", "img.erofs", RAW_FORMAT_EROFS, "erofs", true);
        test_bare("mkfs.ext4", "img.ext4", RAW_FORMAT_EXT4, "ext4", true);
        test_bare("mkfs.btrfs", "img.btrfs", RAW_FORMAT_BTRFS, "btrfs", true);
        test_bare("mkfs.xfs", "img.xfs", RAW_FORMAT_XFS, "xfs", false);

        test_no_device_nodes();

        /* Probing through an O_PATH fd works too. */
        {
                _cleanup_free_ char *sq = tpath("img.squashfs");
                _cleanup_close_ int fd = open(sq, O_PATH | O_CLOEXEC);

                fprintf(stderr, "-- O_PATH fd\n");
                check(fd >= 0);
                check_r(raw_image_probe(fd, sq, &p), 0);
                check(p.format == RAW_FORMAT_SQUASHFS);
        }

        /* Pieces for GPT images */
        check_r(make_squashfs("tree", "root.squashfs"), 0);
        check_r(make_squashfs("tree2", "root2.squashfs"), 0);
        {
                _cleanup_free_ char *u = tpath("tree/usr"), *o = tpath("usr.squashfs"), *d = tpath("dummy");
                check_r(shell("mksquashfs %s %s -noappend -quiet -all-root >/dev/null", u, o), 0);
                check_r(shell("head -c 4096 /dev/urandom >%s", d), 0);
        }

        /* GPT made by systemd-repart, root partition for the host architecture */
        if (have("systemd-repart")) {
                _cleanup_free_ char *defs = tpath("repart.d"), *t = tpath("tree"), *o = tpath("repart.raw");

                fprintf(stderr, "-- repart.raw\n");
                check_r(shell("mkdir -p %1$s && printf '[Partition]\\nType=root\\nFormat=squashfs\\nCopyFiles=/:/\\nLabel=root_1\\n' >%1$s/10-root.conf && "
                              "systemd-repart --empty=create --size=auto --dry-run=no --no-pager --definitions=%1$s --root=%2$s %3$s >/dev/null 2>&1",
                              defs, t, o), 0);
                if (check_r(probe_path("repart.raw", &p), 0)) {
                        check(p.format == RAW_FORMAT_GPT);
                        check(streq(p.fstype, "squashfs"));
                        check(p.data.found && p.data.offset == 1024 * 1024);
                        check(strlen(p.data.uuid) == 36);
                        check(!p.usr_only && !p.verity.found);
                        for (const char *c = p.data.uuid; *c; c++)
                                check(!(*c >= 'A' && *c <= 'Z'));
                        check_mount("repart.raw", "usr/lib/os-release", "ID=test\nVERSION_ID=1\n");
                }
                check(nothing_left()); /* repart's own loop device is gone too */
        } else {
                fprintf(stderr, "-- systemd-repart missing, skipping\n");
                n_skipped++;
        }

        /* GPT: root + root-verity + root-verity-sig, plus an ESP and a foreign root that are ignored */
        {
                const Part parts[] = {
                        { SD_GPT_ESP, "esp", NULL, "dummy" },
                        { foreign_root(), "foreign", NULL, "root2.squashfs" },
                        { SD_GPT_ROOT_NATIVE, "root_1", "GUID:60", "root.squashfs" },
                        { SD_GPT_ROOT_NATIVE_VERITY, "root_1-verity", NULL, "dummy" },
                        { SD_GPT_ROOT_NATIVE_VERITY_SIG, "root_1-verity-sig", NULL, "dummy" },
                };
                fprintf(stderr, "-- verity.raw\n");
                check_r(make_gpt("verity.raw", "gpt", parts, ELEMENTSOF(parts)), 0);
                if (check_r(probe_path("verity.raw", &p), 0)) {
                        check(p.format == RAW_FORMAT_GPT && streq(p.fstype, "squashfs") && !p.usr_only);
                        check(p.data.found && p.data.offset == 3 << 20);
                        check(p.verity.found && p.verity.offset == 4 << 20 && p.verity.size == 1 << 20);
                        check(p.verity_sig.found && p.verity_sig.offset == 5 << 20);
                        check(strlen(p.verity.uuid) == 36 && !streq(p.verity.uuid, p.data.uuid));
                        check_mount("verity.raw", "usr/lib/os-release", "ID=test\nVERSION_ID=1\n");
                }

                /* The primary header corrupted: the backup's table, the same result. Both: no GPT,
                 * and libblkid names what is left. */
                RawProbe q;
                _cleanup_free_ char *v = tpath("verity.raw"), *vb = tpath("verity-backup.raw");
                fprintf(stderr, "-- verity-backup.raw\n");
                check_r(shell("cp %s %s && printf '\\377' | dd of=%s bs=1 seek=572 conv=notrunc status=none", v, vb, vb), 0);
                if (check_r(probe_path("verity-backup.raw", &q), 0)) {
                        check(q.data.offset == p.data.offset && q.data.size == p.data.size);
                        check(streq(q.data.uuid, p.data.uuid) && streq(q.verity.uuid, p.verity.uuid));
                        check(q.verity_sig.found && q.verity_sig.offset == p.verity_sig.offset);
                }
                /* An SGI label's magic in the boot code: libblkid tries that label first (its checksum
                 * fails here), so it decides, and finds the same GPT. */
                _cleanup_free_ char *vs = tpath("verity-sgi.raw");
                fprintf(stderr, "-- verity-sgi.raw\n");
                check_r(shell("cp %s %s && printf '\\013\\345\\251\\101' | dd of=%s bs=1 conv=notrunc status=none", v, vs, vs), 0);
                if (check_r(probe_path("verity-sgi.raw", &q), 0))
                        check(q.data.offset == p.data.offset && streq(q.verity.uuid, p.verity.uuid));

                check_r(shell("printf '\\377' | dd of=%s bs=1 seek=$(( $(stat -c %%s %s) - 512 + 60 )) conv=notrunc status=none",
                              vb, vb), 0);
                check_reason("verity-backup.raw", "'PMBR' partition table, only GPT is supported.");
        }

        /* usr-only GPT: mounted below a read-only tmpfs at where/usr */
        {
                const Part parts[] = {
                        { SD_GPT_USR_NATIVE, "usr_1", NULL, "usr.squashfs" },
                        { SD_GPT_USR_NATIVE_VERITY, "usr_1-verity", NULL, "dummy" },
                };
                fprintf(stderr, "-- usr.raw\n");
                check_r(make_gpt("usr.raw", "gpt", parts, ELEMENTSOF(parts)), 0);
                if (check_r(probe_path("usr.raw", &p), 0)) {
                        check(p.usr_only && streq(p.fstype, "squashfs"));
                        check(p.data.offset == 1 << 20);
                        check(p.verity.found && !p.verity_sig.found);
                        check_mount("usr.raw", "usr/lib/os-release", "ID=test\nVERSION_ID=1\n");
                }
        }

        /* Two root partitions: the newest version in the label wins, wherever it is */
        {
                const Part parts[] = {
                        { SD_GPT_ROOT_NATIVE, "foo_1", NULL, "root.squashfs" },
                        { SD_GPT_ROOT_NATIVE, "foo_2", NULL, "root2.squashfs" },
                        { SD_GPT_ROOT_NATIVE, "foo_1.9", NULL, "root.squashfs" },
                };
                fprintf(stderr, "-- versions.raw\n");
                check_r(make_gpt("versions.raw", "gpt", parts, ELEMENTSOF(parts)), 0);
                if (check_r(probe_path("versions.raw", &p), 0)) {
                        check(p.data.offset == 2 << 20);
                        check_mount("versions.raw", "usr/lib/os-release", "ID=test\nVERSION_ID=2\n");
                }
        }

        /* no-auto (bit 63): that partition is not considered */
        {
                const Part parts[] = {
                        { SD_GPT_ROOT_NATIVE, "foo_3", "GUID:63", "root.squashfs" },
                        { SD_GPT_ROOT_NATIVE, "foo_1", NULL, "root2.squashfs" },
                };
                fprintf(stderr, "-- noauto.raw\n");
                check_r(make_gpt("noauto.raw", "gpt", parts, ELEMENTSOF(parts)), 0);
                if (check_r(probe_path("noauto.raw", &p), 0))
                        check(p.data.offset == 2 << 20);

                check_r(make_gpt("noauto-only.raw", "gpt", parts, 1), 0);
                test_refused("GPT whose only root partition is no-auto", "noauto-only.raw", -EMEDIUMTYPE);
        }

        /* A single generic Linux partition is the root; two are ambiguous */
        {
                const Part parts[] = {
                        { SD_GPT_LINUX_GENERIC, "data", NULL, "root.squashfs" },
                        { SD_GPT_LINUX_GENERIC, "data", NULL, "root2.squashfs" },
                };
                fprintf(stderr, "-- generic.raw\n");
                check_r(make_gpt("generic.raw", "gpt", parts, 1), 0);
                if (check_r(probe_path("generic.raw", &p), 0))
                        check(!p.usr_only && p.data.offset == 1 << 20 && streq(p.fstype, "squashfs"));

                check_r(make_gpt("generic2.raw", "gpt", parts, 2), 0);
                test_refused("GPT with two generic partitions", "generic2.raw", -ENOTUNIQ);
        }

        /* Refused images */
        {
                _cleanup_free_ char *g = tpath("garbage.raw"), *g2 = tpath("garbage-sparse.raw"),
                        *e = tpath("empty.raw"), *sq = tpath("img.squashfs"), *tr = tpath("truncated.squashfs"),
                        *e2 = tpath("img.ext2"), *t = tpath("tree");
                uint64_t sz = file_size(sq);

                check_r(shell("head -c 16M /dev/urandom >%s", g), 0);
                check_r(shell("head -c 1M /dev/urandom >%1$s && truncate -s 4G %1$s", g2), 0);
                check_r(shell(": >%s", e), 0);
                check(sz > 8192);
                check_r(shell("head -c %llu %s >%s", (unsigned long long) sz / 2, sq, tr), 0);
                if (have("mkfs.ext2"))
                        check_r(shell("truncate -s 8M %1$s && mkfs.ext2 -q -F -d %2$s %1$s", e2, t), 0);

                test_refused("garbage", "garbage.raw", -EMEDIUMTYPE);
                check_reason("garbage.raw", "no file system or partition table found.");
                test_refused("sparse garbage", "garbage-sparse.raw", -EMEDIUMTYPE);
                test_refused("empty file", "empty.raw", -EMEDIUMTYPE);
                test_refused("truncated squashfs", "truncated.squashfs", -EMEDIUMTYPE);
                if (have("mkfs.ext2"))
                {
                        test_refused("ext2", "img.ext2", -EMEDIUMTYPE);
                        check_reason("img.ext2", "image: unsupported file system 'ext2'");
                }
        }
        {
                const Part root[] = { { SD_GPT_ROOT_NATIVE, "root", NULL, "root.squashfs" } };
                const Part foreign[] = { { foreign_root(), "root", NULL, "root.squashfs" } };
                const Part esp[] = { { SD_GPT_ESP, "esp", NULL, "dummy" } };
                const Part sig_only[] = {
                        { SD_GPT_ROOT_NATIVE, "root", NULL, "root.squashfs" },
                        { SD_GPT_ROOT_NATIVE_VERITY_SIG, "sig", NULL, "dummy" },
                };
                const Part garbage_root[] = { { SD_GPT_ROOT_NATIVE, "root", NULL, "dummy" } };
                _cleanup_free_ char *cut = tpath("cut.raw");

                check_r(make_gpt("mbr.raw", "dos", root, 1), 0);
                test_refused("MBR disk", "mbr.raw", -EMEDIUMTYPE);
                check_reason("mbr.raw", "'dos' partition table, only GPT is supported.");
                check_r(make_gpt("foreign.raw", "gpt", foreign, 1), 0);
                test_refused("GPT with a root for another architecture", "foreign.raw", -EMEDIUMTYPE);
                check_r(make_gpt("esp.raw", "gpt", esp, 1), 0);
                test_refused("GPT with only an ESP", "esp.raw", -EMEDIUMTYPE);
                check_r(make_gpt("sig.raw", "gpt", sig_only, 2), 0);
                test_refused("GPT with a verity signature but no verity", "sig.raw", -EMEDIUMTYPE);
                check_r(make_gpt("garbage-root.raw", "gpt", garbage_root, 1), 0);
                test_refused("GPT root partition without a file system", "garbage-root.raw", -EMEDIUMTYPE);
                check_reason("garbage-root.raw", "no file system found in the data partition.");

                /* The image ends inside the partition. */
                check_r(make_gpt("cut.raw", "gpt", root, 1), 0);
                check_r(shell("truncate -s 1200K %s", cut), 0);
                test_refused("GPT cut short", "cut.raw", -EMEDIUMTYPE);
        }

        fprintf(stderr, "-- losetup -a (all loop devices on the system):\n");
        (void) shell("losetup -a >&2");
        check(nothing_left());

        (void) shell("rm -rf %s", tmpdir);

        fprintf(stderr, "%u checks passed, %u failed, %u cases skipped\n", n_passed, n_failed, n_skipped);
        return n_failed > 0 ? 1 : 0;
}
