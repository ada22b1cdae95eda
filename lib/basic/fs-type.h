/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* Whether the file open at fd (O_PATH will do) is on a file system that is local storage or memory
 * (ext2/3/4, xfs, btrfs, f2fs, bcachefs, zfs, tmpfs, ramfs), where a read waits at most for a disk:
 * an allowlist, so that anything else (NFS, SMB, FUSE, ceph, 9p, overlays of those, anything not
 * known) counts as a file system that may stop answering. false if fstatfs() fails. */
bool fd_on_local_fs(int fd);
