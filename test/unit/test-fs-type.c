/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* lib/basic/fs-type.c: the file system type from the kernel's mount table, without asking the file
 * system, for files on proc and tmpfs (compared with findmnt). */

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <stdio.h>
#include <unistd.h>

#include "fs-type.h"
#include "macro.h"
#include "string-util.h"
#include "tests.h"

static MountTable table;

static void check_path(const char *path, const char *expected) {
        struct stat st;

        CHECK_INT(stat(path, &st), 0);
        CHECK_STR(mount_table_fstype(&table, st.st_dev), expected);
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
                struct stat st;

                CHECK_INT(stat("/proc/self/status", &st), 0);
                CHECK(!mount_table_dev_is_local(&table, st.st_dev));
                CHECK_INT(stat("/dev/shm", &st), 0);
                CHECK(mount_table_dev_is_local(&table, st.st_dev));
                CHECK(!mount_table_dev_is_local(&table, makedev(4095, 1048575)));
        }
}

int main(void) {
        CHECK_INT(mount_table_read(&table), 0);
        CHECK(table.n_mounts > 0);
        RUN(known_types);
        RUN(matches_findmnt);
        RUN(local);
        mount_table_done(&table);
        return tests_finish();
}
