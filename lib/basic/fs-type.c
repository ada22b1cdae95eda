/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <linux/magic.h>
#include <sys/vfs.h>

#include "fs-type.h"
#include "macro.h"

#ifndef BCACHEFS_SUPER_MAGIC
#define BCACHEFS_SUPER_MAGIC 0xca451a4e
#endif
#ifndef ZFS_SUPER_MAGIC
#define ZFS_SUPER_MAGIC 0x2fc12fc1
#endif

bool fd_on_local_fs(int fd) {
        static const unsigned long local[] = {
                EXT4_SUPER_MAGIC,       /* ext2, ext3 and ext4 share it */
                XFS_SUPER_MAGIC,
                BTRFS_SUPER_MAGIC,
                F2FS_SUPER_MAGIC,
                BCACHEFS_SUPER_MAGIC,
                ZFS_SUPER_MAGIC,
                TMPFS_MAGIC,
                RAMFS_MAGIC,
        };
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return false;
        for (size_t k = 0; k < ELEMENTSOF(local); k++)
                if ((unsigned long) sfs.f_type == local[k])
                        return true;
        return false;
}
