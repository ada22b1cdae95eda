/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "image-source.h"
#include "macro.h"
#include "verity-verify.h"

/* Reads of a data region verified block by block against its dm-verity hash tree, as dm-verity
 * does in the kernel: a user-space file system reader (image-tree.h) that reads through one only
 * ever sees data that hashes up to the root hash, without the whole image being read first.
 *
 * verity_source_new() reads the superblock (cryptsetup's format, verity-verify.h), checks the
 * geometry (the data blocks inside the data region, the tree inside the hash area and the files)
 * and verifies the top hash block against the root hash, once. verity_source_pread() then reads
 * every data block it touches, hashes it and compares it with its digest in its level-0 hash block,
 * which is itself verified against its parent, up to the top. Verified hash blocks are kept in a
 * bounded cache (VERITY_SOURCE_HASH_CACHE_MAX bytes), so that a hash block is read and verified
 * once while it stays there; verified data blocks too (VERITY_SOURCE_DATA_CACHE_MAX bytes), because
 * file system readers read their metadata blocks again and again. Both are LRU. What is in a cache
 * was verified when it was read: a file changed afterwards is not seen through it (the bytes a
 * reader gets are always ones that were verified).
 *
 * Mismatches fail the read that touched the block (-EBADMSG), not the source: reads of other
 * blocks still succeed, as with dm-verity's default "EIO" mode. verity_source_failure() says which
 * block and why.
 *
 * Not thread-safe: reads update the caches. */

#define VERITY_SOURCE_HASH_CACHE_MAX (8U * 1024U * 1024U)
#define VERITY_SOURCE_DATA_CACHE_MAX (2U * 1024U * 1024U)

typedef struct VeritySource VeritySource;

/* The data region is [data_offset, data_offset + data_size) of data_fd, the hash area (superblock
 * first) [hash_offset, hash_offset + hash_size) of hash_fd; a size of UINT64_MAX means "to the end
 * of the file". The fds may be the same (hash tree appended to the image, GPT verity partition) and
 * are duplicated: the caller keeps its own. They must be open for reading (not O_PATH).
 *
 * Returns 0 and *ret, or -EBADMSG if the superblock or the geometry is malformed, the tree or the
 * data region does not fit its file, or the top of the tree does not hash to the root hash (logged
 * at debug level), -EOPNOTSUPP without libcrypto, other negative errno on I/O errors. */
int verity_source_new(int data_fd, uint64_t data_offset, uint64_t data_size,
                      int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                      const uint8_t *root_hash, size_t root_hash_size,
                      VeritySource **ret);

/* The same, and if ret_result is not NULL, when 0 or -EBADMSG is returned it says why: VERITY_INTACT
 * (the top of the tree matches the root hash; data is verified as it is read), VERITY_MALFORMED,
 * VERITY_ROOT_MISMATCH, VERITY_TREE_CORRUPTED (the top block's padding), with offset, block and a
 * one-line message as verity_verify() gives them. */
int verity_source_new_full(int data_fd, uint64_t data_offset, uint64_t data_size,
                           int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                           const uint8_t *root_hash, size_t root_hash_size,
                           VerityResult *ret_result, VeritySource **ret);

VeritySource *verity_source_free(VeritySource *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(VeritySource *, verity_source_free);

/* Reads exactly size bytes at offset, relative to the data region, verified. -EIO if [offset,
 * offset + size) is not inside the verified data (data_blocks * data_block_size bytes, see
 * verity_source_size(), which may be less than the data region) or the file is shorter than it
 * was; -EBADMSG if a data block or a hash block on its way to the top does not match (the failure
 * is logged at debug level and kept for verity_source_failure()); other negative errno on I/O
 * errors. After an error buf holds only verified bytes, but not all of them: use none. */
int verity_source_pread(VeritySource *v, void *buf, size_t size, uint64_t offset);

/* The bytes that can be read: data_blocks * data_block_size. */
uint64_t verity_source_size(const VeritySource *v);

/* Data bytes read and verified so far (cache hits are not counted again). */
uint64_t verity_source_bytes_verified(const VeritySource *v);

/* The last verification failure (verdict VERITY_DATA_CORRUPTED or VERITY_TREE_CORRUPTED, offset
 * and block as in VerityResult), or NULL if no read has failed verification. */
const VerityResult *verity_source_failure(const VeritySource *v);
/* Its one-line message, or NULL. */
const char *verity_source_error(const VeritySource *v);

/* An ImageSource that reads the verified data through v: v's own fd for the data file, the data
 * region's offset, verity_source_size() bytes. Valid as long as v is. */
ImageSource verity_source_image_source(VeritySource *v);

/* Replaces the caches by empty ones of at most hash_bytes and data_bytes (each holds at least one
 * block), for tests and measurements. 0 or -ENOMEM (then v is unchanged). */
int verity_source_set_cache_size(VeritySource *v, size_t hash_bytes, size_t data_bytes);
