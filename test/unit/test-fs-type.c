/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* lib/basic/fs-type.c: the file system type from the kernel's mount table, without asking the file
 * system, for files on proc, tmpfs and wherever /tmp is (compared with findmnt). */

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "fs-type.h"
#include "macro.h"
#include "string-util.h"
#include "tests.h"

static void check_path(const char *path, const char *expected) {
        _cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
        _cleanup_free_ char *t = NULL;

        CHECK(fd >= 0);
        CHECK_INT(fd_fstype(fd, &t), 0);
        CHECK_STR(t, expected);
}

TEST(known_types) {
        check_path("/proc/self/status", "proc");
        check_path("/proc", "proc");
}

TEST(matches_findmnt) {
        char line[256] = "";
        FILE *f = popen("findmnt -n -o FSTYPE -T /dev/shm 2>/dev/null", "r");

        if (!f || !fgets(line, sizeof(line), f)) {
                fprintf(stderr, "findmnt not available, skipping\n");
                if (f)
                        pclose(f);
                return;
        }
        pclose(f);
        line[strcspn(line, "\n")] = 0;
        check_path("/dev/shm", line);
}

TEST(local) {
        CHECK(fstype_is_local("ext4"));
        CHECK(fstype_is_local("tmpfs"));
        CHECK(!fstype_is_local("nfs4"));
        CHECK(!fstype_is_local("fuse.sshfs"));
        CHECK(!fstype_is_local("overlay"));
        CHECK(!fstype_is_local(""));
        {
                _cleanup_close_ int fd = open("/proc/self/status", O_PATH | O_CLOEXEC);
                CHECK(!fd_on_local_fs(fd));
        }
}

int main(void) {
        RUN(known_types);
        RUN(matches_findmnt);
        RUN(local);
        return tests_finish();
}
