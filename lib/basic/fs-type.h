/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* The type of the file system the file open at fd (O_PATH will do) is on, as /proc/self/mountinfo
 * names it for the mount /proc/self/fdinfo/FD gives: only the kernel's own tables are asked, never
 * the file system itself (fstatfs() would ask it, and a stalled one never answers). */
int fd_fstype(int fd, char **ret);

/* Whether fstype is local storage or memory (ext2/3/4, xfs, btrfs, f2fs, bcachefs, zfs, tmpfs,
 * ramfs), where a read waits at most for a disk: an allowlist, so that anything else (NFS, SMB,
 * FUSE, ceph, 9p, overlays, anything not known) counts as a file system that may stop answering. */
bool fstype_is_local(const char *fstype);

/* fd_fstype() and fstype_is_local(); false when the type cannot be found. */
bool fd_on_local_fs(int fd);
