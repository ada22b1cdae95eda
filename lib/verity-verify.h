/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Verifying data against a dm-verity hash tree in userspace, for kernels without device-mapper and
 * for the generator, which must not read units from data it has not verified.
 *
 * The format is cryptsetup's (veritysetup format; lib/verity/verity.c, verity_hash.c): a 512 byte
 * superblock at the start of the hash area ("verity\0\0", version 1, hash type, uuid, algorithm,
 * block sizes, data blocks, salt), the hash tree from the next hash block on, top level first.
 * Every block is hashed as H(salt || block) (type 1) or H(block || salt) (type 0, Chrome OS); a hash
 * block holds 2^k digests (padded to a power of two for type 1), the rest zero; the root hash is the
 * hash of the single top-level block (or of the only data block).
 *
 * Unlike libcryptsetup's verify-only mode (crypt_activate_by_volume_key() with a NULL name and
 * CRYPT_VERITY_CHECK_HASH, which works without device-mapper but reads whole devices and reports
 * the failing position only through its log callback), this works on regions of one file (GPT
 * partitions), says exactly which block is bad and whether it is data or hash tree, checks the tree
 * top-down (so a corrupted hash block is reported as such, not as bad data), and can write the
 * verified data out as it goes, so that what is used afterwards is exactly what was verified. */

#define VERITY_SUPERBLOCK_SIZE 512U
#define VERITY_HASH_TREE_MAX (512U * 1024U * 1024U) /* bytes of hash tree we hold in memory */

typedef struct VerityParams {
        uint32_t hash_type;             /* 1 (normal) or 0 (Chrome OS) */
        char algorithm[32];             /* "sha256" */
        uint32_t data_block_size;
        uint32_t hash_block_size;
        uint64_t data_blocks;
        uint8_t salt[256];
        uint16_t salt_size;
        uint8_t uuid[16];
} VerityParams;

typedef enum VerityVerdict {
        VERITY_INTACT,
        VERITY_DATA_CORRUPTED,          /* a data block does not match its hash */
        VERITY_TREE_CORRUPTED,          /* a hash block does not match its parent, or its padding is not zero */
        VERITY_ROOT_MISMATCH,           /* the top of the tree does not hash to the root hash */
        VERITY_MALFORMED,               /* superblock invalid, sizes impossible, unsupported algorithm */
        _VERITY_VERDICT_MAX,
} VerityVerdict;

typedef struct VerityResult {
        VerityVerdict verdict;
        uint64_t offset;                /* byte offset of the bad block in its file (data: the image file,
                                         * tree: the hash file or image), for DATA/TREE_CORRUPTED and
                                         * ROOT_MISMATCH (the top block) */
        uint64_t block;                 /* index of the bad block (data block, or hash block in the tree) */
        uint64_t bytes_verified;        /* data bytes verified */
        char *message;                  /* one line, for logs and the CLI */
} VerityResult;

void verity_result_done(VerityResult *r);
/* Sets res's verdict, offset, block and message (formatted; the old one is freed). 0 or -ENOMEM. */
int verity_result_set(VerityResult *res, VerityVerdict v, uint64_t offset, uint64_t block, const char *fmt, ...)
        _printf_(5, 6);

/* The pieces verity_verify() is made of, shared with the block-by-block reader (verity-source.h). */

#define VERITY_LEVELS_MAX 63            /* as dm-verity's DM_VERITY_MAX_LEVELS */

/* Hashes blocks as the tree does: H(salt || block) for type 1, H(block || salt) for type 0. Keeps
 * its own copy of the salt. */
typedef struct VerityHasher {
        struct evp_md_st *md;
        struct evp_md_ctx_st *base;     /* type 1: the salt already fed */
        struct evp_md_ctx_st *ctx;
        uint32_t hash_type;
        uint8_t salt[256];
        uint16_t salt_size;
        size_t digest_size;             /* bytes of one digest, at most VERITY_DIGEST_MAX */
} VerityHasher;

#define VERITY_DIGEST_MAX 64U           /* EVP_MAX_MD_SIZE */

/* Loads libcrypto (-EOPNOTSUPP without it) and sets up p's algorithm: -EBADMSG with *ret_reason
 * (static text) if it is unknown or unusable, -ENOMEM. verity_hasher_done() also after a failure. */
int verity_hasher_init(VerityHasher *h, const VerityParams *p, const char **ret_reason);
void verity_hasher_done(VerityHasher *h);
/* The digest (h->digest_size bytes) of one block of n bytes. 0 or -EIO. */
int verity_hasher_block(VerityHasher *h, const void *block, size_t n, uint8_t *ret_digest);

/* The shape of the tree, as cryptsetup's hash_levels() and dm-verity's constructor compute it.
 * Levels are numbered from the bottom: level 0 holds the digests of the data blocks, level
 * levels - 1 is the single top block whose digest is the root hash; on disk the top level comes
 * first, right after the superblock's block. */
typedef struct VerityGeometry {
        size_t digest_size;
        size_t digest_slot;             /* bytes a digest takes in a hash block: type 1 pads to a power of two */
        unsigned hash_per_block_bits;   /* a hash block holds 2^bits digests */
        unsigned levels;                /* 0: a single data block, whose digest is the root hash */
        uint64_t level_pos[VERITY_LEVELS_MAX];  /* first block of level k, in hash blocks after the superblock's */
        uint64_t level_size[VERITY_LEVELS_MAX]; /* blocks in level k */
        uint64_t tree_blocks;           /* hash blocks after the superblock's */
} VerityGeometry;

/* 0, or -EBADMSG with *ret_reason (static text) for a tree that cannot be. */
int verity_geometry_init(const VerityParams *p, size_t digest_size, VerityGeometry *ret, const char **ret_reason);

/* How many digests block k of level holds (the rest of it is zero padding). */
uint64_t verity_geometry_used(const VerityParams *p, const VerityGeometry *g, unsigned level, uint64_t k);

/* Whether a hash block (block_size bytes) holding used digests has only zeros in its padding: the
 * spare bytes of each digest slot and the unused slots. */
bool verity_hash_block_padding_ok(const VerityGeometry *g, const uint8_t *block, size_t block_size, uint64_t used);

/* Parses the superblock at offset of fd. Returns 0, or -EBADMSG with *ret_reason (static text) for
 * anything malformed, or another negative errno for I/O errors. */
int verity_params_read(int fd, uint64_t offset, VerityParams *ret, const char **ret_reason);

/* Verifies [data_offset, data_offset + data_size) of data_fd against the hash area at hash_offset
 * (superblock there) of hash_fd, of at most hash_size bytes (UINT64_MAX: to the end), with the
 * given root hash. If copy_fd >= 0, the data blocks are written to it (from offset 0) as they are
 * verified: on VERITY_INTACT it holds exactly the data_blocks * data_block_size verified bytes.
 * Returns 0 with *ret filled (the verdict says whether the data is intact), <0 on I/O errors. */
int verity_verify(int data_fd, uint64_t data_offset, uint64_t data_size,
                  int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                  const uint8_t *root_hash, size_t root_hash_size,
                  int copy_fd, VerityResult *ret);

/* The root hash that the hash tree at hash_offset of hash_fd (superblock first; hash_size as for
 * verity_verify()) says its data has: the digest of its top hash block, or, for a tree of one data
 * block, of that block at data_offset of data_fd. Nothing below the top is checked: the data must
 * still be verified against it. This is how a root hash that is only a hint (RootHash= pinned by
 * the operator, the partition UUIDs of a systemd-repart image) is checked before it is used.
 * Returns 0 with ret (*ret_size bytes), -EBADMSG with *ret_reason (static text) for a malformed
 * superblock or a tree that does not fit, -EOPNOTSUPP without libcrypto, other errno on I/O. */
int verity_tree_root_hash(int data_fd, uint64_t data_offset, uint64_t data_size,
                          int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                          uint8_t ret[static VERITY_DIGEST_MAX], size_t *ret_size, const char **ret_reason);
