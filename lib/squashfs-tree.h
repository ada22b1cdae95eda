/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "image-tree.h"

/* The squashfs reader of image-tree.h: libsquashfs (squashfs-tools-ng, dlopen()ed, squashfs-dl.h)
 * reading through a file object of our own that only calls image_source_pread() inside the region,
 * so it never opens a path and never reads outside the image.
 *
 * libsquashfs is not hardened against hostile images (it allocates what inode and table fields
 * say), so inodes are parsed here, every field checked, and the library is only asked for what the
 * checks bound: the file inode of a file no larger than the caller's max, the tables after their
 * sizes are checked against the superblock's layout (as the kernel does).
 *
 * TreeNode: id is the inode number, priv the inode reference (metadata block << 16 | offset).
 * Errors: -EOPNOTSUPP if libsquashfs cannot be loaded or has no decompressor for the image's
 * compression (LZO in Debian's build); -EBADMSG for anything malformed (also a truncated image);
 * what image_source_pread() returns for I/O and verification errors; -ENOMEM. */

int squashfs_tree_open(const ImageSource *src, ImageTree *ret);
