/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* The type of the file system with device number dev (a stat()'s st_dev), as the mount of it in
 * /proc/self/mountinfo names it: only the kernel's own table is read, nothing is asked of the file
 * system itself (fstatfs() would ask it, and a stalled one never answers). -ENOENT if no mount has
 * that device (btrfs subvolumes, whose files have devices of their own). */
int dev_fstype(dev_t dev, char **ret);

/* Whether fstype is local storage or memory (ext2/3/4, xfs, btrfs, f2fs, bcachefs, zfs, tmpfs,
 * ramfs), where a read waits at most for a disk: an allowlist, so that anything else (NFS, SMB,
 * FUSE, ceph, 9p, overlays, anything not known) counts as a file system that may stop answering. */
bool fstype_is_local(const char *fstype);

/* dev_fstype() and fstype_is_local(); false when the type cannot be found. */
bool dev_on_local_fs(dev_t dev);
