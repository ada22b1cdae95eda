/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "image-tree.h"

/* The erofs reader (image-tree.h), for images as mkfs.erofs 1.5 to 1.8 writes them.
 *
 * Read: block sizes 512 to 64 KiB, compact (32-byte) and extended (64-byte) inodes, the
 * superblock checksum, directories (several blocks, binary search as the kernel does it),
 * symlinks, character devices (TREE_NODE_CHAR), block devices, FIFOs and sockets (TREE_NODE_OTHER), and file data in every layout
 * mkfs.erofs writes by default or on request: FLAT_PLAIN, FLAT_INLINE (tail packing),
 * CHUNK_BASED (block map and chunk indexes, holes), COMPRESSED_FULL and COMPRESSED_COMPACT
 * (legacy and compact indexes, 2B and 4B packs, big pclusters, HEAD2, uncompressed (shifted and
 * interlaced) pclusters, inline tail pclusters (ztailpacking), fragments in the packed inode,
 * partial references (dedupe)) with LZ4 (liblz4.so.1) and LZMA (MicroLZMA, liblzma.so.5), both
 * loaded on first use.
 *
 * -EOPNOTSUPP from erofs_tree_open(): unknown incompatible features, 48-bit layouts, metabox,
 * extra devices (blob devices), a dirblkbits other than the block size, unknown compression
 * algorithms. -EOPNOTSUPP from read()/readlink()/list()/lookup() of one inode: DEFLATE or ZSTD
 * compression, the extent-based compressed layout (erofs-utils 1.9), compact indexes with a logical
 * cluster larger than a block, inode formats or chunk formats with unknown bits, a missing liblz4
 * or liblzma. Then the caller mounts the image instead.
 *
 * Everything read from the image is checked: offsets and lengths against the region (-EBADMSG
 * beyond it), names in directories (non-empty, at most 255 bytes, no '/' or NUL), lookback chains
 * in compressed indexes (bounded), decompressed sizes (never more than the caller's max for a file,
 * at most one pcluster's 12 MiB otherwise). */

int erofs_tree_open(const ImageSource *src, ImageTree *ret);

/* The erofs superblock checksum (CRC32C, seeded with ~0, no final inversion, as the kernel's
 * crc32c()). */
uint32_t erofs_crc32c(uint32_t crc, const void *p, size_t n);

/* Recomputes the superblock checksum of the erofs image in image (its first size bytes), if it has
 * one (EROFS_FEATURE_COMPAT_SB_CHKSUM): for tests and fuzzers that change a superblock and want
 * the reader to look further than the checksum. 0, or -EINVAL if there is no erofs superblock. */
int erofs_superblock_fix_checksum(uint8_t *image, size_t size);
