/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "crypto-dl.h"

#include "log.h"
#include "string-util.h"
#include "unaligned.h"
#include "verity-verify.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(EVP_MD *, sym_EVP_MD_free);

#define VERITY_MAX_LEVELS 63
#define READ_CHUNK_MAX (1024U * 1024U)

void verity_result_done(VerityResult *r) {
        free(r->message);
        *r = (VerityResult) {};
}

static int pread_exact(int fd, void *buf, size_t n, uint64_t offset) {
        size_t done = 0;

        if (offset > INT64_MAX || n > INT64_MAX - offset)
                return -EFBIG;

        while (done < n) {
                ssize_t l = pread(fd, (uint8_t *) buf + done, n - done, (off_t) (offset + done));
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0)
                        return -EPIPE; /* short: the file ends early */
                done += (size_t) l;
        }
        return 0;
}

static int pwrite_exact(int fd, const void *buf, size_t n, uint64_t offset) {
        size_t done = 0;

        while (done < n) {
                ssize_t l = pwrite(fd, (const uint8_t *) buf + done, n - done, (off_t) (offset + done));
                if (l < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (l == 0)
                        return -EIO;
                done += (size_t) l;
        }
        return 0;
}

static bool block_size_ok(uint32_t s) {
        /* As cryptsetup's VERITY_BLOCK_SIZE_OK(): a power of two from 512 bytes to 512 KiB. */
        return s >= 512 && s <= 512 * 1024 && (s & (s - 1)) == 0;
}

int verity_params_read(int fd, uint64_t offset, VerityParams *ret, const char **ret_reason) {
        uint8_t sb[VERITY_SUPERBLOCK_SIZE];
        VerityParams p = {};
        const char *reason = NULL;
        int r;

        r = pread_exact(fd, sb, sizeof(sb), offset);
        if (r == -EPIPE)
                reason = "too short for a verity superblock";
        else if (r < 0)
                return r;
        else if (memcmp(sb, "verity\0\0", 8) != 0)
                reason = "no verity superblock (signature \"verity\" missing)";
        else if (unaligned_read_le32(sb + 8) != 1)
                reason = "unsupported verity superblock version";
        else {
                p.hash_type = unaligned_read_le32(sb + 12);
                memcpy(p.uuid, sb + 16, 16);
                memcpy(p.algorithm, sb + 32, 32);
                p.data_block_size = unaligned_read_le32(sb + 64);
                p.hash_block_size = unaligned_read_le32(sb + 68);
                p.data_blocks = unaligned_read_le64(sb + 72);
                p.salt_size = (uint16_t) (sb[80] | sb[81] << 8);

                if (p.hash_type > 1)
                        reason = "unsupported hash type";
                else if (!memchr(p.algorithm, '\0', sizeof(p.algorithm)) || p.algorithm[0] == '\0')
                        reason = "invalid hash algorithm name";
                else if (!block_size_ok(p.data_block_size) || !block_size_ok(p.hash_block_size))
                        reason = "invalid block size";
                else if (p.salt_size > sizeof(p.salt))
                        reason = "salt too long";
                else if (p.data_blocks == 0)
                        reason = "no data blocks";
                else if (p.data_blocks > INT64_MAX / p.data_block_size)
                        reason = "data size too large";
                else {
                        for (const char *c = p.algorithm; *c; c++)
                                if (!ascii_isalpha(*c) && !ascii_isdigit(*c) && !strchr("-_", *c)) {
                                        reason = "invalid hash algorithm name";
                                        break;
                                }
                        memcpy(p.salt, sb + 88, p.salt_size);
                }
        }

        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EBADMSG;
        }

        *ret = p;
        return 0;
}

static unsigned bits_down(size_t u) {
        unsigned i = 0;
        while ((u >> i) > 1U)
                i++;
        return i;
}

static unsigned bits_up(size_t u) {
        unsigned i = 0;
        while ((1U << i) < u)
                i++;
        return i;
}

static int set_result(VerityResult *res, VerityVerdict v, uint64_t offset, uint64_t block, const char *fmt, ...)
        _printf_(5, 6);
static int set_result(VerityResult *res, VerityVerdict v, uint64_t offset, uint64_t block, const char *fmt, ...) {
        va_list ap;
        int r;

        res->verdict = v;
        res->offset = offset;
        res->block = block;
        va_start(ap, fmt);
        r = free_and_vasprintf(&res->message, fmt, ap);
        va_end(ap);
        return r;
}

typedef struct Hasher {
        EVP_MD_CTX *base;       /* type 1: salt already fed */
        EVP_MD_CTX *ctx;
        const VerityParams *p;
        size_t digest_size;
} Hasher;

static void hasher_done(Hasher *h) {
        /* Also when libcrypto was never loaded: then both are NULL. */
        if (h->base)
                sym_EVP_MD_CTX_free(h->base);
        if (h->ctx)
                sym_EVP_MD_CTX_free(h->ctx);
}

static int hasher_init(Hasher *h, const EVP_MD *md, const VerityParams *p) {
        *h = (Hasher) { .p = p, .digest_size = (size_t) sym_EVP_MD_get_size(md) };
        h->base = sym_EVP_MD_CTX_new();
        h->ctx = sym_EVP_MD_CTX_new();
        if (!h->base || !h->ctx)
                return -ENOMEM;
        if (sym_EVP_DigestInit_ex(h->base, md, NULL) != 1)
                return -EIO;
        if (p->hash_type == 1 && sym_EVP_DigestUpdate(h->base, p->salt, p->salt_size) != 1)
                return -EIO;
        return 0;
}

static int hasher_block(Hasher *h, const uint8_t *block, size_t n, uint8_t *digest) {
        unsigned len = 0;

        if (sym_EVP_MD_CTX_copy_ex(h->ctx, h->base) != 1 ||
            sym_EVP_DigestUpdate(h->ctx, block, n) != 1 ||
            (h->p->hash_type == 0 && sym_EVP_DigestUpdate(h->ctx, h->p->salt, h->p->salt_size) != 1) ||
            sym_EVP_DigestFinal_ex(h->ctx, digest, &len) != 1 || len != h->digest_size)
                return -EIO;
        return 0;
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

int verity_verify(int data_fd, uint64_t data_offset, uint64_t data_size,
                  int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                  const uint8_t *root_hash, size_t root_hash_size,
                  int copy_fd, VerityResult *ret) {

        _cleanup_(verity_result_done) VerityResult res = {};
        _cleanup_(sym_EVP_MD_freep) EVP_MD *md = NULL;
        _cleanup_free_ uint8_t *tree = NULL, *chunk = NULL;
        _cleanup_(hasher_done) Hasher h = {};
        uint64_t level_pos[VERITY_MAX_LEVELS] = {}, level_size[VERITY_MAX_LEVELS] = {};
        uint64_t tree_blocks = 0, tree_offset, tree_bytes;
        uint8_t digest[EVP_MAX_MD_SIZE];
        size_t hpb, digest_full, dbs, hbs, chunk_blocks;
        unsigned hpb_bits, levels = 0;
        const char *reason = NULL;
        VerityParams p;
        int r;

        r = dlopen_libcrypto();
        if (r < 0)
                return log_debug_errno(r, "Cannot check dm-verity hashes without libcrypto: %m");

#define MALFORMED(fmt, ...)                                                                     \
        do {                                                                                    \
                r = set_result(&res, VERITY_MALFORMED, 0, 0, fmt, ##__VA_ARGS__);               \
                if (r < 0)                                                                      \
                        return r;                                                               \
                goto done;                                                                      \
        } while (0)

        r = verity_params_read(hash_fd, hash_offset, &p, &reason);
        if (r == -EBADMSG)
                MALFORMED("hash tree: %s", reason);
        if (r < 0)
                return r;

        md = sym_EVP_MD_fetch(NULL, p.algorithm, NULL);
        if (!md)
                MALFORMED("hash tree: hash algorithm '%s' is not supported", p.algorithm);
        r = hasher_init(&h, md, &p);
        if (r < 0)
                return r;
        if (h.digest_size == 0 || h.digest_size > EVP_MAX_MD_SIZE)
                MALFORMED("hash tree: hash algorithm '%s' is not usable", p.algorithm);

        if (root_hash_size != h.digest_size)
                MALFORMED("root hash is %zu bytes long, but the hash tree uses %s (%zu bytes)",
                          root_hash_size, p.algorithm, h.digest_size);

        dbs = p.data_block_size;
        hbs = p.hash_block_size;
        if (p.data_blocks > data_size / dbs)
                MALFORMED("hash tree covers %" PRIu64 " blocks of %zu bytes, but the data is only %" PRIu64 " bytes",
                          p.data_blocks, dbs, data_size);

        /* The geometry, as cryptsetup's hash_levels(). */
        hpb_bits = bits_down(hbs / h.digest_size);
        if (hpb_bits == 0)
                MALFORMED("hash tree: hash block size %zu too small for %s", hbs, p.algorithm);
        hpb = (size_t) 1 << hpb_bits;
        digest_full = p.hash_type == 1 ? (size_t) 1 << bits_up(h.digest_size) : h.digest_size;

        while (hpb_bits * levels < 64 && (p.data_blocks - 1) >> (hpb_bits * levels))
                levels++;
        if (levels > VERITY_MAX_LEVELS)
                MALFORMED("hash tree: too many levels");

        for (int i = (int) levels - 1; i >= 0; i--) {
                unsigned shift = (unsigned) (i + 1) * hpb_bits;
                uint64_t s = shift >= 64 ? 1 : (p.data_blocks + (UINT64_C(1) << shift) - 1) >> shift;

                level_pos[i] = tree_blocks;
                level_size[i] = s;
                tree_blocks += s;
        }

        tree_offset = hash_offset + hbs; /* the superblock takes the first hash block */
        if (__builtin_mul_overflow(tree_blocks, (uint64_t) hbs, &tree_bytes) || tree_bytes > VERITY_HASH_TREE_MAX)
                MALFORMED("hash tree: %" PRIu64 " hash blocks is more than we verify", tree_blocks);
        if (hash_size != UINT64_MAX && (hash_size < hbs || tree_bytes > hash_size - hbs))
                MALFORMED("hash tree: needs %" PRIu64 " bytes, but the hash area has only %" PRIu64,
                          tree_bytes + hbs, hash_size);

        if (tree_bytes > 0) {
                tree = malloc(tree_bytes);
                if (!tree)
                        return -ENOMEM;
                r = pread_exact(hash_fd, tree, tree_bytes, tree_offset);
                if (r == -EPIPE)
                        MALFORMED("hash tree: truncated (needs %" PRIu64 " bytes after the superblock)", tree_bytes);
                if (r < 0)
                        return r;
        }

        /* Top-down: the top block against the root hash, then each level against its parent. */
        if (levels > 0) {
                r = hasher_block(&h, tree + level_pos[levels - 1] * hbs, hbs, digest);
                if (r < 0)
                        return r;
                if (memcmp(digest, root_hash, h.digest_size) != 0) {
                        r = set_result(&res, VERITY_ROOT_MISMATCH, tree_offset + level_pos[levels - 1] * hbs,
                                       level_pos[levels - 1],
                                       "the root hash does not match the hash tree (top hash block at offset %" PRIu64
                                       "): wrong root hash, or the hash tree is corrupted",
                                       tree_offset + level_pos[levels - 1] * hbs);
                        if (r < 0)
                                return r;
                        goto done;
                }
        }

        for (unsigned i = levels; i > 0; i--) {
                unsigned parent = i - 1;         /* the level whose blocks hold the digests */
                uint64_t n_children = parent == 0 ? p.data_blocks : level_size[parent - 1];

                /* Padding: unused digest slots and the spare bytes of each slot must be zero. */
                for (uint64_t k = 0; k < level_size[parent]; k++) {
                        const uint8_t *blk = tree + (level_pos[parent] + k) * hbs;
                        uint64_t used = MIN((uint64_t) hpb, n_children - k * hpb);
                        bool bad = false;

                        for (uint64_t s = 0; s < used && !bad; s++)
                                bad = !all_zero(blk + s * digest_full + h.digest_size, digest_full - h.digest_size);
                        if (!bad)
                                bad = !all_zero(blk + used * digest_full, hbs - used * digest_full);
                        if (bad) {
                                uint64_t off = tree_offset + (level_pos[parent] + k) * hbs;
                                r = set_result(&res, VERITY_TREE_CORRUPTED, off, level_pos[parent] + k,
                                               "hash tree corrupted: hash block at offset %" PRIu64 " has non-zero padding", off);
                                if (r < 0)
                                        return r;
                                goto done;
                        }
                }

                if (parent == 0)
                        break; /* its children are the data blocks, checked below */

                for (uint64_t b = 0; b < n_children; b++) {
                        uint64_t child = level_pos[parent - 1] + b;
                        const uint8_t *expected = tree + (level_pos[parent] + b / hpb) * hbs + (b % hpb) * digest_full;

                        r = hasher_block(&h, tree + child * hbs, hbs, digest);
                        if (r < 0)
                                return r;
                        if (memcmp(digest, expected, h.digest_size) != 0) {
                                uint64_t off = tree_offset + child * hbs;
                                r = set_result(&res, VERITY_TREE_CORRUPTED, off, child,
                                               "hash tree corrupted: hash block at offset %" PRIu64 " does not match its parent", off);
                                if (r < 0)
                                        return r;
                                goto done;
                        }
                }
        }

        /* The data, streamed in chunks; each chunk is written out only once all its blocks are verified. */
        chunk_blocks = MAX((size_t) 1, MIN((size_t) (READ_CHUNK_MAX / dbs), (size_t) MIN(p.data_blocks, (uint64_t) SIZE_MAX)));
        chunk = malloc(chunk_blocks * dbs);
        if (!chunk)
                return -ENOMEM;

        for (uint64_t b = 0; b < p.data_blocks;) {
                size_t n = (size_t) MIN((uint64_t) chunk_blocks, p.data_blocks - b);

                r = pread_exact(data_fd, chunk, n * dbs, data_offset + b * dbs);
                if (r == -EPIPE)
                        MALFORMED("data: truncated at offset %" PRIu64, data_offset + b * dbs);
                if (r < 0)
                        return r;

                for (size_t k = 0; k < n; k++) {
                        uint64_t blk = b + k;
                        const uint8_t *expected;

                        r = hasher_block(&h, chunk + k * dbs, dbs, digest);
                        if (r < 0)
                                return r;

                        if (levels == 0)
                                expected = root_hash; /* a single data block: its hash is the root hash */
                        else
                                expected = tree + (level_pos[0] + blk / hpb) * hbs + (blk % hpb) * digest_full;

                        if (memcmp(digest, expected, h.digest_size) != 0) {
                                uint64_t off = data_offset + blk * dbs;
                                r = set_result(&res, levels == 0 ? VERITY_ROOT_MISMATCH : VERITY_DATA_CORRUPTED, off, blk,
                                               "data corrupted: block %" PRIu64 " at offset %" PRIu64 " (bytes %" PRIu64
                                               "-%" PRIu64 ") does not match the hash tree",
                                               blk, off, off, off + dbs - 1);
                                if (r < 0)
                                        return r;
                                goto done;
                        }
                }

                if (copy_fd >= 0) {
                        r = pwrite_exact(copy_fd, chunk, n * dbs, b * dbs);
                        if (r < 0)
                                return r;
                }

                b += n;
                res.bytes_verified = b * dbs;
        }

        r = set_result(&res, VERITY_INTACT, 0, 0, "intact: %" PRIu64 " data blocks of %zu bytes verified against root hash",
                       p.data_blocks, dbs);
        if (r < 0)
                return r;
done:
        *ret = TAKE_STRUCT(res);
        return 0;
#undef MALFORMED
}
