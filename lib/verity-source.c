/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "string-util.h"
#include "verity-source.h"

#define READ_CHUNK (256U * 1024U)       /* data read with one pread(), at most */
#define SLOT_NONE UINT32_MAX

/* A small LRU cache of verified blocks, keyed by block number: a hash table with chains through
 * the slots, and a doubly linked list of the slots from most to least recently used. Capacity and
 * memory are fixed when it is made. */
typedef struct CacheSlot {
        uint64_t key;
        uint32_t prev, next;            /* LRU list */
        uint32_t chain;                 /* next slot in the same bucket */
} CacheSlot;

typedef struct BlockCache {
        size_t block_size;
        uint32_t n_slots, n_used;
        unsigned bucket_bits;
        uint32_t *buckets;              /* 2^bucket_bits heads */
        CacheSlot *slots;
        uint8_t *data;                  /* n_slots * block_size */
        uint32_t head, tail;            /* most and least recently used */
} BlockCache;

static void cache_done(BlockCache *c) {
        free(c->buckets);
        free(c->slots);
        free(c->data);
        *c = (BlockCache) {};
}

static int cache_init(BlockCache *c, size_t block_size, uint64_t max_blocks, size_t max_bytes) {
        BlockCache n = { .block_size = block_size, .head = SLOT_NONE, .tail = SLOT_NONE };

        assert(block_size > 0);

        n.n_slots = (uint32_t) MAX((uint64_t) 1, MIN(MIN(max_blocks, (uint64_t) (max_bytes / block_size)), (uint64_t) (1U << 20)));
        while ((UINT32_C(1) << n.bucket_bits) < n.n_slots * 2)
                n.bucket_bits++;

        n.buckets = malloc(sizeof(uint32_t) << n.bucket_bits);
        n.slots = calloc(n.n_slots, sizeof(CacheSlot));
        n.data = malloc((size_t) n.n_slots * block_size);
        if (!n.buckets || !n.slots || !n.data) {
                cache_done(&n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < (size_t) 1 << n.bucket_bits; i++)
                n.buckets[i] = SLOT_NONE;

        *c = n;
        return 0;
}

static uint32_t cache_bucket(const BlockCache *c, uint64_t key) {
        return c->bucket_bits == 0 ? 0 : (uint32_t) ((key * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - c->bucket_bits));
}

static void lru_unlink(BlockCache *c, uint32_t i) {
        CacheSlot *s = &c->slots[i];

        if (s->prev != SLOT_NONE)
                c->slots[s->prev].next = s->next;
        else
                c->head = s->next;
        if (s->next != SLOT_NONE)
                c->slots[s->next].prev = s->prev;
        else
                c->tail = s->prev;
        s->prev = s->next = SLOT_NONE;
}

static void lru_push_front(BlockCache *c, uint32_t i) {
        CacheSlot *s = &c->slots[i];

        s->prev = SLOT_NONE;
        s->next = c->head;
        if (c->head != SLOT_NONE)
                c->slots[c->head].prev = i;
        c->head = i;
        if (c->tail == SLOT_NONE)
                c->tail = i;
}

static uint32_t cache_find(const BlockCache *c, uint64_t key) {
        if (!c->slots)
                return SLOT_NONE;
        for (uint32_t i = c->buckets[cache_bucket(c, key)], n = 0; i != SLOT_NONE && n < c->n_used; i = c->slots[i].chain, n++)
                if (c->slots[i].key == key)
                        return i;
        return SLOT_NONE;
}

/* The block's content, made the most recently used, or NULL. Valid until the next cache_insert(). */
static const uint8_t *cache_lookup(BlockCache *c, uint64_t key) {
        uint32_t i = cache_find(c, key);

        if (i == SLOT_NONE)
                return NULL;
        if (c->head != i) {
                lru_unlink(c, i);
                lru_push_front(c, i);
        }
        return c->data + (size_t) i * c->block_size;
}

/* Stores a copy of a verified block (not in the cache yet), evicting the least recently used one
 * when full. Returns the copy, valid until the next cache_insert(). */
static const uint8_t *cache_insert(BlockCache *c, uint64_t key, const uint8_t *block) {
        uint32_t i, *p;

        assert(c->slots);
        assert(cache_find(c, key) == SLOT_NONE);

        if (c->n_used < c->n_slots)
                i = c->n_used++;
        else {
                i = c->tail;
                assert(i != SLOT_NONE);
                lru_unlink(c, i);
                /* Out of its bucket's chain. */
                for (p = &c->buckets[cache_bucket(c, c->slots[i].key)]; *p != i; p = &c->slots[*p].chain)
                        assert(*p != SLOT_NONE);
                *p = c->slots[i].chain;
        }

        c->slots[i].key = key;
        c->slots[i].chain = c->buckets[cache_bucket(c, key)];
        c->buckets[cache_bucket(c, key)] = i;
        lru_push_front(c, i);

        memcpy(c->data + (size_t) i * c->block_size, block, c->block_size);
        return c->data + (size_t) i * c->block_size;
}

struct VeritySource {
        ImageSource data;               /* the verified part of the data region, unverified reads */
        ImageSource hash;               /* the hash area, superblock first */
        VerityParams params;
        VerityHasher hasher;
        VerityGeometry geo;
        uint8_t root_hash[VERITY_DIGEST_MAX];

        uint8_t *top;                   /* the top hash block, verified (levels > 0) */
        uint8_t *hash_buf;              /* one hash block being verified */
        uint8_t *chunk;                 /* data blocks being verified */
        size_t chunk_blocks;
        BlockCache hash_cache, data_cache;

        uint64_t bytes_verified;
        VerityResult failure;
        bool failed;
};

static int fd_size(int fd, uint64_t *ret) {
        struct stat st;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISREG(st.st_mode)) {
                *ret = (uint64_t) st.st_size;
                return 0;
        }
        if (S_ISBLK(st.st_mode)) {
                uint64_t s;
                if (ioctl(fd, BLKGETSIZE64, &s) < 0)
                        return -errno;
                *ret = s;
                return 0;
        }
        return -EBADFD;
}

static int fd_dup_readable(int fd) {
        int fl = fcntl(fd, F_GETFL);

        if (fl < 0)
                return -errno;
        if (fl & O_PATH)
                return -EBADF;
        if ((fl & O_ACCMODE) == O_WRONLY)
                return -EBADF;
        return RET_NERRNO(fcntl(fd, F_DUPFD_CLOEXEC, 3));
}

VeritySource *verity_source_free(VeritySource *v) {
        if (!v)
                return NULL;

        safe_close(v->data.fd);
        if (v->hash.fd != v->data.fd)
                safe_close(v->hash.fd);
        verity_hasher_done(&v->hasher);
        free(v->top);
        free(v->hash_buf);
        free(v->chunk);
        cache_done(&v->hash_cache);
        cache_done(&v->data_cache);
        verity_result_done(&v->failure);
        return mfree(v);
}

/* Where hash block pos (counted after the superblock's block) is in the hash file. */
static uint64_t tree_block_offset(const VeritySource *v, uint64_t pos) {
        return v->hash.offset + (pos + 1) * v->params.hash_block_size;
}

static int fail(VeritySource *v, VerityVerdict verdict, uint64_t offset, uint64_t block, const char *what) {
        int r;

        if (verdict == VERITY_DATA_CORRUPTED)
                r = verity_result_set(&v->failure, verdict, offset, block,
                               "data corrupted: block %" PRIu64 " at offset %" PRIu64 " (bytes %" PRIu64 "-%" PRIu64
                               ") does not match the hash tree",
                               block, offset, offset, offset + v->params.data_block_size - 1);
        else
                r = verity_result_set(&v->failure, verdict, offset, block,
                               "hash tree corrupted: hash block %" PRIu64 " at offset %" PRIu64 " %s",
                               block, offset, what);
        if (r < 0)
                return r;
        v->failed = true;
        v->failure.bytes_verified = v->bytes_verified;

        log_debug("verity: %s", v->failure.message);
        return -EBADMSG;
}

static const uint8_t *digest_in(const VeritySource *v, const uint8_t *block, uint64_t child) {
        return block + (child & ((UINT64_C(1) << v->geo.hash_per_block_bits) - 1)) * v->geo.digest_slot;
}

static uint64_t shr(uint64_t x, uint64_t bits) {
        return bits >= 64 ? 0 : x >> bits;
}

/* Reads hash block idx of level, checks it against expected (its digest in its verified parent)
 * and its padding, and caches it. Returns the cached copy in *ret. */
static int hash_block_load(VeritySource *v, unsigned level, uint64_t idx, const uint8_t *expected, const uint8_t **ret) {
        size_t hbs = v->params.hash_block_size;
        uint64_t pos = v->geo.level_pos[level] + idx;
        uint8_t digest[VERITY_DIGEST_MAX];
        int r;

        r = image_source_pread(&v->hash, v->hash_buf, hbs, (pos + 1) * hbs);
        if (r < 0)
                return log_debug_errno(r, "verity: cannot read hash block %" PRIu64 " at offset %" PRIu64 ": %m",
                                       pos, tree_block_offset(v, pos));
        r = verity_hasher_block(&v->hasher, v->hash_buf, hbs, digest);
        if (r < 0)
                return r;
        if (memcmp(digest, expected, v->geo.digest_size) != 0)
                return fail(v, VERITY_TREE_CORRUPTED, tree_block_offset(v, pos), pos, "does not match its parent");
        if (!verity_hash_block_padding_ok(&v->geo, v->hash_buf, hbs, verity_geometry_used(&v->params, &v->geo, level, idx)))
                return fail(v, VERITY_TREE_CORRUPTED, tree_block_offset(v, pos), pos, "has non-zero padding");

        *ret = cache_insert(&v->hash_cache, pos, v->hash_buf);
        return 0;
}

/* The verified level-0 hash block over data block b: from the cache, or read and verified against
 * the lowest ancestor that is cached (or the top), level by level down. Valid until the next
 * insertion into the hash cache. */
static int hash_block_for(VeritySource *v, uint64_t b, const uint8_t **ret) {
        unsigned bits = v->geo.hash_per_block_bits, levels = v->geo.levels, k;
        uint8_t expected[VERITY_DIGEST_MAX];
        const uint8_t *parent = NULL;
        int r;

        assert(levels > 0);
        assert(b < v->params.data_blocks);

        /* The lowest level whose block over b is at hand: the top one always is. */
        for (k = 0; k < levels - 1; k++) {
                parent = cache_lookup(&v->hash_cache, v->geo.level_pos[k] + shr(b, (uint64_t) bits * (k + 1)));
                if (parent)
                        break;
        }
        if (k == levels - 1)
                parent = v->top;

        /* Down from there: each child against its digest in its parent. */
        while (k > 0) {
                uint64_t child = shr(b, (uint64_t) bits * k); /* index of the child in level k - 1 */

                memcpy(expected, digest_in(v, parent, child), v->geo.digest_size);
                k--;
                r = hash_block_load(v, k, child, expected, &parent);
                if (r < 0)
                        return r;
        }

        *ret = parent;
        return 0;
}

static int data_block_check(VeritySource *v, uint64_t b, const uint8_t *block) {
        uint8_t digest[VERITY_DIGEST_MAX];
        const uint8_t *expected;
        int r;

        if (v->geo.levels == 0)
                expected = v->root_hash;        /* a single data block: its digest is the root hash */
        else {
                r = hash_block_for(v, b, &expected);
                if (r < 0)
                        return r;
                expected = digest_in(v, expected, b);
        }

        r = verity_hasher_block(&v->hasher, block, v->params.data_block_size, digest);
        if (r < 0)
                return r;
        if (memcmp(digest, expected, v->geo.digest_size) != 0)
                return fail(v, VERITY_DATA_CORRUPTED, v->data.offset + b * v->params.data_block_size, b, NULL);

        v->bytes_verified += v->params.data_block_size;
        return 0;
}

int verity_source_pread(VeritySource *v, void *buf, size_t size, uint64_t offset) {
        uint64_t dbs, end;
        uint8_t *out = buf;
        int r;

        assert(v);
        assert(buf || size == 0);

        if (offset > v->data.size || size > v->data.size - offset)
                return -EIO;
        if (size == 0)
                return 0;

        dbs = v->params.data_block_size;
        end = offset + size;
        while (offset < end) {
                uint64_t b = offset / dbs, last = (end - 1) / dbs, n = 1;
                const uint8_t *p;
                size_t in, len;

                p = cache_lookup(&v->data_cache, b);
                if (p) {
                        in = (size_t) (offset - b * dbs);
                        len = (size_t) MIN(dbs - in, end - offset);
                        memcpy(out, p + in, len);
                        out += len;
                        offset += len;
                        continue;
                }

                /* A run of blocks not in the cache, read with one pread(), each verified and cached. */
                while (n < v->chunk_blocks && b + n <= last && cache_find(&v->data_cache, b + n) == SLOT_NONE)
                        n++;

                r = image_source_pread(&v->data, v->chunk, (size_t) (n * dbs), b * dbs);
                if (r < 0)
                        return log_debug_errno(r, "verity: cannot read data blocks %" PRIu64 "-%" PRIu64 " at offset %" PRIu64 ": %m",
                                               b, b + n - 1, v->data.offset + b * dbs);
                for (uint64_t k = 0; k < n; k++) {
                        r = data_block_check(v, b + k, v->chunk + k * dbs);
                        if (r < 0)
                                return r;
                        (void) cache_insert(&v->data_cache, b + k, v->chunk + k * dbs);
                }

                in = (size_t) (offset - b * dbs);
                len = (size_t) MIN(n * dbs - in, end - offset);
                memcpy(out, v->chunk + in, len);
                out += len;
                offset += len;
        }

        return 0;
}

uint64_t verity_source_size(const VeritySource *v) {
        assert(v);
        return v->data.size;
}

uint64_t verity_source_bytes_verified(const VeritySource *v) {
        assert(v);
        return v->bytes_verified;
}

const VerityResult *verity_source_failure(const VeritySource *v) {
        assert(v);
        return v->failed ? &v->failure : NULL;
}

const char *verity_source_error(const VeritySource *v) {
        assert(v);
        return v->failed ? v->failure.message : NULL;
}

ImageSource verity_source_image_source(VeritySource *v) {
        assert(v);
        return (ImageSource) {
                .fd = v->data.fd,
                .offset = v->data.offset,
                .size = v->data.size,
                .verity = v,
        };
}

int verity_source_set_cache_size(VeritySource *v, size_t hash_bytes, size_t data_bytes) {
        BlockCache h = {}, d = {};
        int r;

        assert(v);

        if (v->geo.levels > 1) {
                r = cache_init(&h, v->params.hash_block_size, v->geo.tree_blocks - 1, hash_bytes);
                if (r < 0)
                        return r;
        }
        r = cache_init(&d, v->params.data_block_size, v->params.data_blocks, data_bytes);
        if (r < 0) {
                cache_done(&h);
                return r;
        }

        cache_done(&v->hash_cache);
        cache_done(&v->data_cache);
        v->hash_cache = h;
        v->data_cache = d;
        return 0;
}

int verity_source_new_full(int data_fd, uint64_t data_offset, uint64_t data_size,
                           int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                           const uint8_t *root_hash, size_t root_hash_size,
                           VerityResult *ret_result, VeritySource **ret) {

        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_(verity_result_done) VerityResult res = {};
        uint64_t data_file, hash_file, data_bytes, tree_bytes, hash_end;
        uint8_t digest[VERITY_DIGEST_MAX];
        const char *reason = NULL;
        size_t dbs, hbs;
        struct stat sd, sh;
        int r;

        assert(data_fd >= 0);
        assert(hash_fd >= 0);
        assert(root_hash || root_hash_size == 0);
        assert(ret);

#define MALFORMED(fmt, ...)                                                                     \
        do {                                                                                    \
                r = verity_result_set(&res, VERITY_MALFORMED, 0, 0, fmt, ##__VA_ARGS__);               \
                if (r < 0)                                                                      \
                        return r;                                                               \
                goto bad;                                                                       \
        } while (0)

        v = malloc(sizeof(VeritySource));
        if (!v)
                return -ENOMEM;
        *v = (VeritySource) { .data.fd = -EBADF, .hash.fd = -EBADF };

        v->data.fd = fd_dup_readable(data_fd);
        if (v->data.fd < 0)
                return v->data.fd;
        if (hash_fd == data_fd)
                v->hash.fd = v->data.fd;
        else {
                v->hash.fd = fd_dup_readable(hash_fd);
                if (v->hash.fd < 0)
                        return v->hash.fd;
        }

        r = fd_size(v->data.fd, &data_file);
        if (r < 0)
                return r;
        r = fd_size(v->hash.fd, &hash_file);
        if (r < 0)
                return r;
        if (fstat(v->data.fd, &sd) < 0 || fstat(v->hash.fd, &sh) < 0)
                return -errno;

        if (data_size == UINT64_MAX)
                data_size = data_file > data_offset ? data_file - data_offset : 0;
        if (hash_size == UINT64_MAX)
                hash_size = hash_file > hash_offset ? hash_file - hash_offset : 0;
        if (hash_size < VERITY_SUPERBLOCK_SIZE)
                MALFORMED("hash tree: the hash area (%" PRIu64 " bytes) is too small for a verity superblock", hash_size);

        r = verity_params_read(v->hash.fd, hash_offset, &v->params, &reason);
        if (r == -EBADMSG)
                MALFORMED("hash tree: %s", reason);
        if (r < 0)
                return r;
        dbs = v->params.data_block_size;
        hbs = v->params.hash_block_size;

        r = verity_hasher_init(&v->hasher, &v->params, &reason);
        if (r == -EBADMSG)
                MALFORMED("hash tree: %s: %s", v->params.algorithm, reason);
        if (r < 0)
                return r;
        if (root_hash_size != v->hasher.digest_size)
                MALFORMED("root hash is %zu bytes long, but the hash tree uses %s (%zu bytes)",
                          root_hash_size, v->params.algorithm, v->hasher.digest_size);
        memcpy(v->root_hash, root_hash, root_hash_size);

        r = verity_geometry_init(&v->params, v->hasher.digest_size, &v->geo, &reason);
        if (r < 0)
                MALFORMED("hash tree: %s", reason);

        /* The data region: the blocks the tree covers inside it, inside the file. */
        data_bytes = v->params.data_blocks * dbs; /* no overflow: verity_params_read() checked */
        if (data_bytes > data_size)
                MALFORMED("hash tree covers %" PRIu64 " blocks of %zu bytes, but the data is only %" PRIu64 " bytes",
                          v->params.data_blocks, dbs, data_size);
        if (data_offset > data_file || data_bytes > data_file - data_offset)
                MALFORMED("data: truncated (needs %" PRIu64 " bytes at offset %" PRIu64 ", the file has %" PRIu64 ")",
                          data_bytes, data_offset, data_file);

        /* The hash area: superblock and tree inside it, inside the file. */
        if (__builtin_mul_overflow(v->geo.tree_blocks + 1, (uint64_t) hbs, &tree_bytes))
                MALFORMED("hash tree: %" PRIu64 " hash blocks is more than can be", v->geo.tree_blocks);
        if (tree_bytes > hash_size)
                MALFORMED("hash tree: needs %" PRIu64 " bytes, but the hash area has only %" PRIu64, tree_bytes, hash_size);
        if (hash_offset > hash_file || tree_bytes > hash_file - hash_offset)
                MALFORMED("hash tree: truncated (needs %" PRIu64 " bytes at offset %" PRIu64 ", the file has %" PRIu64 ")",
                          tree_bytes, hash_offset, hash_file);
        hash_end = hash_offset + tree_bytes;

        /* In one file, data and tree must not overlap (as cryptsetup refuses it). */
        if (sd.st_dev == sh.st_dev && sd.st_ino == sh.st_ino &&
            hash_offset < data_offset + data_bytes && data_offset < hash_end)
                MALFORMED("hash tree at offset %" PRIu64 "-%" PRIu64 " overlaps the data at %" PRIu64 "-%" PRIu64,
                          hash_offset, hash_end - 1, data_offset, data_offset + data_bytes - 1);

        v->data.offset = data_offset;
        v->data.size = data_bytes;
        v->hash.offset = hash_offset;
        v->hash.size = tree_bytes;

        v->hash_buf = malloc(hbs);
        v->chunk_blocks = MAX((size_t) 1, MIN((size_t) (READ_CHUNK / dbs), (size_t) MIN(v->params.data_blocks, (uint64_t) SIZE_MAX)));
        v->chunk = malloc(v->chunk_blocks * dbs);
        if (!v->hash_buf || !v->chunk)
                return -ENOMEM;
        r = verity_source_set_cache_size(v, VERITY_SOURCE_HASH_CACHE_MAX, VERITY_SOURCE_DATA_CACHE_MAX);
        if (r < 0)
                return r;

        /* The top, once: the top hash block against the root hash, or the only data block. */
        if (v->geo.levels > 0) {
                uint64_t top = v->geo.level_pos[v->geo.levels - 1];

                v->top = malloc(hbs);
                if (!v->top)
                        return -ENOMEM;
                r = image_source_pread(&v->hash, v->top, hbs, (top + 1) * hbs);
                if (r < 0)
                        return log_debug_errno(r, "verity: cannot read the top hash block at offset %" PRIu64 ": %m",
                                               tree_block_offset(v, top));
                r = verity_hasher_block(&v->hasher, v->top, hbs, digest);
                if (r < 0)
                        return r;
                if (memcmp(digest, v->root_hash, root_hash_size) != 0) {
                        r = verity_result_set(&res, VERITY_ROOT_MISMATCH, tree_block_offset(v, top), top,
                                       "the root hash does not match the hash tree (top hash block at offset %" PRIu64
                                       "): wrong root hash, or the hash tree is corrupted",
                                       tree_block_offset(v, top));
                        if (r < 0)
                                return r;
                        goto bad;
                }
                if (!verity_hash_block_padding_ok(&v->geo, v->top, hbs,
                                                  verity_geometry_used(&v->params, &v->geo, v->geo.levels - 1, 0))) {
                        r = verity_result_set(&res, VERITY_TREE_CORRUPTED, tree_block_offset(v, top), top,
                                       "hash tree corrupted: hash block at offset %" PRIu64 " has non-zero padding",
                                       tree_block_offset(v, top));
                        if (r < 0)
                                return r;
                        goto bad;
                }
        } else {
                r = image_source_pread(&v->data, v->chunk, dbs, 0);
                if (r < 0)
                        return log_debug_errno(r, "verity: cannot read the data block at offset %" PRIu64 ": %m", data_offset);
                r = verity_hasher_block(&v->hasher, v->chunk, dbs, digest);
                if (r < 0)
                        return r;
                if (memcmp(digest, v->root_hash, root_hash_size) != 0) {
                        r = verity_result_set(&res, VERITY_ROOT_MISMATCH, data_offset, 0,
                                       "the root hash does not match the only data block (at offset %" PRIu64
                                       "): wrong root hash, or the data is corrupted", data_offset);
                        if (r < 0)
                                return r;
                        goto bad;
                }
                v->bytes_verified = dbs;
                (void) cache_insert(&v->data_cache, 0, v->chunk);
        }

        if (ret_result) {
                r = verity_result_set(&res, VERITY_INTACT, 0, 0,
                               "the top of the hash tree matches the root hash: %" PRIu64 " data blocks of %zu bytes, verified as read",
                               v->params.data_blocks, dbs);
                if (r < 0)
                        return r;
                *ret_result = TAKE_STRUCT(res);
        }
        *ret = TAKE_PTR(v);
        return 0;

bad:
        log_debug("verity: %s", res.message);
        if (ret_result)
                *ret_result = TAKE_STRUCT(res);
        return -EBADMSG;
#undef MALFORMED
}

int verity_source_new(int data_fd, uint64_t data_offset, uint64_t data_size,
                      int hash_fd, uint64_t hash_offset, uint64_t hash_size,
                      const uint8_t *root_hash, size_t root_hash_size,
                      VeritySource **ret) {
        return verity_source_new_full(data_fd, data_offset, data_size, hash_fd, hash_offset, hash_size,
                                      root_hash, root_hash_size, NULL, ret);
}
