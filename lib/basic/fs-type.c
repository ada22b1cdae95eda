/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "fs-type.h"
#include "macro.h"
#include "string-util.h"

#define MOUNTINFO_SIZE_MAX (16U * 1024U * 1024U)
#define MOUNTS_MAX 65536U

void mount_table_done(MountTable *t) {
        t->mounts = mfree(t->mounts);
        t->n_mounts = 0;
}

int mount_table_read(MountTable *ret) {
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ MountDev *m = NULL;
        size_t n = 0;
        char *line, *next;
        int r;

        assert(ret);

        r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", MOUNTINFO_SIZE_MAX, &text);
        if (r < 0)
                return r;

        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS */
        for (line = text; line && *line && n < MOUNTS_MAX; line = next) {
                unsigned maj, min;
                const char *sep;
                size_t len;
                MountDev *a;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                sep = strstr(line, " - ");
                if (!sep || sscanf(line, "%*u %*u %u:%u ", &maj, &min) != 2)
                        continue;
                sep += 3;
                len = strcspn(sep, " ");

                a = reallocarray(m, n + 1, sizeof(MountDev));
                if (!a)
                        return -ENOMEM;
                m = a;
                m[n] = (MountDev) { .dev = makedev(maj, min) };
                if (len < sizeof(m[n].fstype))
                        memcpy(m[n].fstype, sep, len);
                n++;
        }

        *ret = (MountTable) { .mounts = TAKE_PTR(m), .n_mounts = n };
        return 0;
}

const char *mount_table_fstype(const MountTable *t, dev_t dev) {
        assert(t);

        for (size_t k = 0; k < t->n_mounts; k++)
                if (t->mounts[k].dev == dev)
                        return t->mounts[k].fstype;
        return NULL;
}

bool fstype_is_local(const char *fstype) {
        static const char *const local[] = {
                "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "bcachefs", "zfs", "tmpfs", "ramfs",
        };

        assert(fstype);

        for (size_t k = 0; k < ELEMENTSOF(local); k++)
                if (streq(fstype, local[k]))
                        return true;
        return false;
}

bool mount_table_dev_is_local(const MountTable *t, dev_t dev) {
        const char *f = mount_table_fstype(t, dev);

        return f && fstype_is_local(f);
}
