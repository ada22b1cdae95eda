/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Which file systems are local, from the kernel's own mount table (/proc/self/mountinfo): nothing
 * is asked of the file systems themselves (fstatfs() would ask, and a stalled one never answers),
 * and the table is read once, however many files are looked up in it. */

typedef struct MountDev {
        dev_t dev;                      /* MAJ:MIN of the mount */
        char fstype[32];                /* truncated: never local */
} MountDev;

typedef struct MountTable {
        MountDev *mounts;
        size_t n_mounts;
} MountTable;

void mount_table_done(MountTable *t);
int mount_table_read(MountTable *ret);

/* The type of the file system with device number dev (a stat()'s st_dev), or NULL if no mount has
 * it (btrfs subvolumes, whose files have devices of their own). */
const char *mount_table_fstype(const MountTable *t, dev_t dev);

/* Whether fstype is local storage or memory (ext2/3/4, xfs, btrfs, f2fs, bcachefs, zfs, tmpfs,
 * ramfs), where a read waits at most for a disk: an allowlist, so that anything else (NFS, SMB,
 * FUSE, ceph, 9p, overlays, anything not known) counts as a file system that may stop answering. */
bool fstype_is_local(const char *fstype);

/* mount_table_fstype() and fstype_is_local(); false when the device is not in the table. */
bool mount_table_dev_is_local(const MountTable *t, dev_t dev);
