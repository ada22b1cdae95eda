/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "crypto-dl.h"

#include "log.h"
#include "string-util.h"
#include "unaligned.h"
#include "verity-verify.h"

#define READ_CHUNK_MAX (1024U * 1024U)

void verity_result_done(VerityResult *r) {
        assert(r);

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

        assert(ret);

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
        while (i < sizeof(size_t) * 8 - 1 && ((size_t) 1 << i) < u)
                i++;
        return i;
}

int verity_result_set(VerityResult *res, VerityVerdict v, uint64_t offset, uint64_t block, const char *fmt, ...) {
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

void verity_hasher_done(VerityHasher *h) {
        assert(h);

        /* Also when libcrypto was never loaded: then all are NULL. */
        if (h->base)
                sym_EVP_MD_CTX_free(h->base);
        if (h->ctx)
                sym_EVP_MD_CTX_free(h->ctx);
        if (h->md)
                sym_EVP_MD_free(h->md);
        *h = (VerityHasher) {};
}

int verity_hasher_init(VerityHasher *h, const VerityParams *p, const char **ret_reason) {
        const char *reason = NULL;
        int r, size;

        assert(h);
        assert(p);

        *h = (VerityHasher) { .hash_type = p->hash_type, .salt_size = MIN(p->salt_size, (uint16_t) sizeof(h->salt)) };
        memcpy(h->salt, p->salt, h->salt_size);

        r = dlopen_libcrypto();
        if (r < 0)
                return log_debug_errno(r, "Cannot check dm-verity hashes without libcrypto: %m");

        h->md = sym_EVP_MD_fetch(NULL, p->algorithm, NULL);
        if (!h->md)
                reason = "hash algorithm is not supported";
        else {
                size = sym_EVP_MD_get_size(h->md);
                if (size <= 0 || (size_t) size > VERITY_DIGEST_MAX)
                        reason = "hash algorithm is not usable";
                else
                        h->digest_size = (size_t) size;
        }
        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EBADMSG;
        }

        h->base = sym_EVP_MD_CTX_new();
        h->ctx = sym_EVP_MD_CTX_new();
        if (!h->base || !h->ctx)
                return -ENOMEM;
        if (sym_EVP_DigestInit_ex(h->base, h->md, NULL) != 1)
                return -EIO;
        if (h->hash_type == 1 && sym_EVP_DigestUpdate(h->base, h->salt, h->salt_size) != 1)
                return -EIO;
        return 0;
}

int verity_hasher_block(VerityHasher *h, const void *block, size_t n, uint8_t *ret_digest) {
        unsigned len = 0;

        assert(h);
        assert(h->ctx);
        assert(block);
        assert(ret_digest);

        if (sym_EVP_MD_CTX_copy_ex(h->ctx, h->base) != 1 ||
            sym_EVP_DigestUpdate(h->ctx, block, n) != 1 ||
            (h->hash_type == 0 && sym_EVP_DigestUpdate(h->ctx, h->salt, h->salt_size) != 1) ||
            sym_EVP_DigestFinal_ex(h->ctx, ret_digest, &len) != 1 || len != h->digest_size)
                return -EIO;
        return 0;
}

int verity_geometry_init(const VerityParams *p, size_t digest_size, VerityGeometry *ret, const char **ret_reason) {
        VerityGeometry g = { .digest_size = digest_size };
        const char *reason = NULL;

        assert(p);
        assert(ret);

        /* As cryptsetup's hash_levels(). */
        if (digest_size == 0 || digest_size > VERITY_DIGEST_MAX)
                reason = "hash algorithm is not usable";
        else if ((g.hash_per_block_bits = bits_down(p->hash_block_size / digest_size)) == 0)
                reason = "hash block size too small for the hash algorithm";
        else if (p->data_blocks == 0)
                reason = "no data blocks";
        else {
                unsigned bits = g.hash_per_block_bits;

                g.digest_slot = p->hash_type == 1 ? (size_t) 1 << bits_up(digest_size) : digest_size;
                assert(g.digest_slot << bits <= p->hash_block_size);

                while (bits * g.levels < 64 && (p->data_blocks - 1) >> (bits * g.levels))
                        g.levels++;
                if (g.levels > VERITY_LEVELS_MAX)
                        reason = "too many levels";
                else
                        for (int i = (int) g.levels - 1; i >= 0; i--) {
                                unsigned shift = (unsigned) (i + 1) * bits;
                                uint64_t s = shift >= 64 ? 1 : (p->data_blocks + (UINT64_C(1) << shift) - 1) >> shift;

                                g.level_pos[i] = g.tree_blocks;
                                g.level_size[i] = s;
                                if (__builtin_add_overflow(g.tree_blocks, s, &g.tree_blocks)) {
                                        reason = "too many hash blocks";
                                        break;
                                }
                        }
        }

        if (reason) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EBADMSG;
        }

        *ret = g;
        return 0;
}

uint64_t verity_geometry_used(const VerityParams *p, const VerityGeometry *g, unsigned level, uint64_t k) {
        uint64_t children, hpb;

        assert(p);
        assert(g);
        assert(level < g->levels);
        assert(k < g->level_size[level]);

        children = level == 0 ? p->data_blocks : g->level_size[level - 1];
        hpb = UINT64_C(1) << g->hash_per_block_bits;
        return MIN(hpb, children - k * hpb);
}

static bool all_zero(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (p[i])
                        return false;
        return true;
}

bool verity_hash_block_padding_ok(const VerityGeometry *g, const uint8_t *block, size_t block_size, uint64_t used) {
        assert(g);
        assert(block);
        assert(used <= block_size / g->digest_slot);

        for (uint64_t s = 0; s < used; s++)
                if (!all_zero(block + s * g->digest_slot + g->digest_size, g->digest_slot - g->digest_size))
                        return false;
        return all_zero(block + used * g->digest_slot, block_size - used * g->digest_slot);
}

int verity_verify(int data_fd, uint64_t data_offset, uint64_t data_size,
                  int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                  const uint8_t *root_hash, size_t root_hash_size,
                  int copy_fd, VerityResult *ret) {
        assert(ret);


        _cleanup_(verity_result_done) VerityResult res = {};
        _cleanup_free_ uint8_t *tree = NULL, *chunk = NULL;
        _cleanup_(verity_hasher_done) VerityHasher h = {};
        VerityGeometry g;
        uint64_t tree_offset, tree_bytes;
        uint8_t digest[VERITY_DIGEST_MAX];
        size_t hpb, dbs, hbs, chunk_blocks;
        const char *reason = NULL;
        VerityParams p;
        int r;

#define MALFORMED(fmt, ...)                                                                     \
        do {                                                                                    \
                r = verity_result_set(&res, VERITY_MALFORMED, 0, 0, fmt, ##__VA_ARGS__);               \
                if (r < 0)                                                                      \
                        return r;                                                               \
                goto done;                                                                      \
        } while (0)

        r = dlopen_libcrypto();
        if (r < 0)
                return log_debug_errno(r, "Cannot check dm-verity hashes without libcrypto: %m");

        r = verity_params_read(hash_fd, hash_offset, &p, &reason);
        if (r == -EBADMSG)
                MALFORMED("hash tree: %s", reason);
        if (r < 0)
                return r;

        r = verity_hasher_init(&h, &p, &reason);
        if (r == -EBADMSG)
                MALFORMED("hash tree: %s: %s", p.algorithm, reason);
        if (r < 0)
                return r;

        if (root_hash_size != h.digest_size)
                MALFORMED("root hash is %zu bytes long, but the hash tree uses %s (%zu bytes)",
                          root_hash_size, p.algorithm, h.digest_size);

        dbs = p.data_block_size;
        hbs = p.hash_block_size;
        if (p.data_blocks > data_size / dbs)
                MALFORMED("hash tree covers %" PRIu64 " blocks of %zu bytes, but the data is only %" PRIu64 " bytes",
                          p.data_blocks, dbs, data_size);

        r = verity_geometry_init(&p, h.digest_size, &g, &reason);
        if (r < 0)
                MALFORMED("hash tree: %s", reason);
        hpb = (size_t) 1 << g.hash_per_block_bits;

        tree_offset = hash_offset + hbs; /* the superblock takes the first hash block */
        if (__builtin_mul_overflow(g.tree_blocks, (uint64_t) hbs, &tree_bytes) || tree_bytes > VERITY_HASH_TREE_MAX)
                MALFORMED("hash tree: %" PRIu64 " hash blocks is more than we verify", g.tree_blocks);
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
        if (g.levels > 0) {
                uint64_t top = g.level_pos[g.levels - 1];

                r = verity_hasher_block(&h, tree + top * hbs, hbs, digest);
                if (r < 0)
                        return r;
                if (memcmp(digest, root_hash, h.digest_size) != 0) {
                        r = verity_result_set(&res, VERITY_ROOT_MISMATCH, tree_offset + top * hbs, top,
                                       "the root hash does not match the hash tree (top hash block at offset %" PRIu64
                                       "): wrong root hash, or the hash tree is corrupted",
                                       tree_offset + top * hbs);
                        if (r < 0)
                                return r;
                        goto done;
                }
        }

        for (unsigned i = g.levels; i > 0; i--) {
                unsigned parent = i - 1;         /* the level whose blocks hold the digests */
                uint64_t n_children = parent == 0 ? p.data_blocks : g.level_size[parent - 1];

                /* Padding: unused digest slots and the spare bytes of each slot must be zero. */
                for (uint64_t k = 0; k < g.level_size[parent]; k++) {
                        const uint8_t *blk = tree + (g.level_pos[parent] + k) * hbs;

                        if (!verity_hash_block_padding_ok(&g, blk, hbs, verity_geometry_used(&p, &g, parent, k))) {
                                uint64_t off = tree_offset + (g.level_pos[parent] + k) * hbs;
                                r = verity_result_set(&res, VERITY_TREE_CORRUPTED, off, g.level_pos[parent] + k,
                                               "hash tree corrupted: hash block at offset %" PRIu64 " has non-zero padding", off);
                                if (r < 0)
                                        return r;
                                goto done;
                        }
                }

                if (parent == 0)
                        break; /* its children are the data blocks, checked below */

                for (uint64_t b = 0; b < n_children; b++) {
                        uint64_t child = g.level_pos[parent - 1] + b;
                        const uint8_t *expected = tree + (g.level_pos[parent] + b / hpb) * hbs + (b % hpb) * g.digest_slot;

                        r = verity_hasher_block(&h, tree + child * hbs, hbs, digest);
                        if (r < 0)
                                return r;
                        if (memcmp(digest, expected, h.digest_size) != 0) {
                                uint64_t off = tree_offset + child * hbs;
                                r = verity_result_set(&res, VERITY_TREE_CORRUPTED, off, child,
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

                        r = verity_hasher_block(&h, chunk + k * dbs, dbs, digest);
                        if (r < 0)
                                return r;

                        if (g.levels == 0)
                                expected = root_hash; /* a single data block: its hash is the root hash */
                        else
                                expected = tree + (g.level_pos[0] + blk / hpb) * hbs + (blk % hpb) * g.digest_slot;

                        if (memcmp(digest, expected, h.digest_size) != 0) {
                                uint64_t off = data_offset + blk * dbs;
                                r = verity_result_set(&res, g.levels == 0 ? VERITY_ROOT_MISMATCH : VERITY_DATA_CORRUPTED, off, blk,
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

        r = verity_result_set(&res, VERITY_INTACT, 0, 0, "intact: %" PRIu64 " data blocks of %zu bytes verified against root hash",
                       p.data_blocks, dbs);
        if (r < 0)
                return r;
done:
        *ret = TAKE_STRUCT(res);
        return 0;
#undef MALFORMED
}

int verity_tree_root_hash(int data_fd, uint64_t data_offset, uint64_t data_size,
                          int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                          uint8_t ret[static VERITY_DIGEST_MAX], size_t *ret_size, const char **ret_reason) {

        _cleanup_(verity_hasher_done) VerityHasher h = {};
        _cleanup_free_ uint8_t *block = NULL;
        const char *reason = NULL;
        VerityGeometry g;
        VerityParams p;
        uint64_t at;
        size_t n;
        int r;

        assert(data_fd >= 0);
        assert(hash_fd >= 0);
        assert(ret_size);

#define BAD(reason_)                                    \
        ({                                              \
                if (ret_reason)                         \
                        *ret_reason = (reason_);        \
                -EBADMSG;                               \
        })

        r = dlopen_libcrypto();
        if (r < 0)
                return log_debug_errno(r, "Cannot compute dm-verity hashes without libcrypto: %m");

        if (hash_size != UINT64_MAX && hash_size < VERITY_SUPERBLOCK_SIZE)
                return BAD("the hash area is too small for a verity superblock");
        r = verity_params_read(hash_fd, hash_offset, &p, &reason);
        if (r == -EBADMSG)
                return BAD(reason);
        if (r < 0)
                return r;

        r = verity_hasher_init(&h, &p, &reason);
        if (r == -EBADMSG)
                return BAD(reason);
        if (r < 0)
                return r;

        if (p.data_blocks > data_size / p.data_block_size)
                return BAD("the hash tree covers more data blocks than the data region holds");

        r = verity_geometry_init(&p, h.digest_size, &g, &reason);
        if (r < 0)
                return BAD(reason);

        if (g.levels > 0) {
                /* The top block, right after the superblock's block. */
                uint64_t top = g.level_pos[g.levels - 1];

                n = p.hash_block_size;
                if (hash_size != UINT64_MAX && (top + 2 > hash_size / n))
                        return BAD("the hash tree does not fit its hash area");
                at = hash_offset + (top + 1) * n;
        } else {
                n = p.data_block_size;
                at = data_offset;
        }

        block = malloc(n);
        if (!block)
                return -ENOMEM;
        r = pread_exact(g.levels > 0 ? hash_fd : data_fd, block, n, at);
        if (r == -EPIPE)
                return BAD("truncated");
        if (r < 0)
                return r;

        r = verity_hasher_block(&h, block, n, ret);
        if (r < 0)
                return r;
        *ret_size = h.digest_size;
        return 0;
#undef BAD
}
