/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "fileio.h"
#include "fs-type.h"
#include "macro.h"
#include "string-util.h"

#define PROC_FILE_SIZE_MAX (16U * 1024U * 1024U)

int dev_fstype(dev_t dev, char **ret) {
        _cleanup_free_ char *text = NULL;
        char *line, *next;
        int r;

        assert(ret);

        r = read_file_at(AT_FDCWD, "/proc/self/mountinfo", PROC_FILE_SIZE_MAX, &text);
        if (r < 0)
                return r;

        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS */
        for (line = text; line && *line; line = next) {
                unsigned maj, min;
                char *sep, *fstype;

                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                if (sscanf(line, "%*u %*u %u:%u ", &maj, &min) != 2 || makedev(maj, min) != dev)
                        continue;
                sep = strstr(line, " - ");
                if (!sep)
                        return -EBADMSG;
                fstype = sep + 3;
                *strchrnul(fstype, ' ') = 0;
                *ret = strdup(fstype);
                return *ret ? 0 : -ENOMEM;
        }
        return -ENOENT;
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

bool dev_on_local_fs(dev_t dev) {
        _cleanup_free_ char *t = NULL;

        return dev_fstype(dev, &t) >= 0 && fstype_is_local(t);
}
