/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Reads verified block by block (verity-source.h), against trees made by `veritysetup format`:
 * hash types 0 and 1, data block sizes 1024 and 4096, sha256/sha1/sha512, salts of no, 1, 32 and
 * 256 bytes, the tree in a file of its own or appended to the data file (--hash-offset). Every read
 * must return exactly the file's bytes; a flipped bit in a data block fails exactly the reads that
 * touch that block; one in a level-0 hash block fails the reads of the data below it; a wrong root
 * hash, a truncated hash area or data file fail verity_source_new(). The tree's layout is computed
 * here independently of lib/ (to know where to flip bits). Prints a measurement: 20 scattered reads
 * against verity_verify() of the whole image. Exits 77 (skip) without veritysetup. */

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

#include "context.h"
#include "fileio.h"
#include "image-probe.h"
#include "image-source.h"
#include "image-tree.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"
#include "tests.h"
#include "test-shell.h"
#include "verity-check.h"
#include "verity-sidecar.h"
#include "verity-source.h"
#include "verity-verify.h"

static char root[] = "/var/tmp/test-verity-source.XXXXXX";

/* A deterministic PRNG, so that a failure can be reproduced. */
static uint64_t rng_state = 0x853c49e6748fea9bULL;
static uint64_t rnd(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

typedef struct Image {
        char data[PATH_MAX], hash[PATH_MAX];    /* the same file when appended */
        uint64_t blocks, hash_offset;
        uint32_t dbs, hbs, hash_type;
        size_t digest_size;
        uint8_t root_hash[VERITY_ROOT_HASH_MAX];
        size_t root_hash_size;
        uint8_t *content;                       /* blocks * dbs bytes, as written */
} Image;

static void image_done(Image *img) {
        free(img->content);
        img->content = NULL;
}

static size_t digest_size_of(const char *algo) {
        return streq(algo, "sha1") ? 20 : streq(algo, "sha512") ? 64 : 32;
}

/* Builds ROOT/NAME.data (blocks blocks of dbs random bytes) and its tree: ROOT/NAME.hash, or at the
 * end of the data file. salt: hex, "-" for none, NULL for veritysetup's random one. */
static int make_image(Image *img, const char *name, uint64_t blocks, uint32_t dbs, uint32_t hash_type,
                      const char *algo, const char *salt, bool appended) {
        _cleanup_free_ char *hex_path = NULL, *hex = NULL;
        _cleanup_close_ int fd = -EBADF;
        int r;

        *img = (Image) {
                .blocks = blocks,
                .dbs = dbs,
                .hbs = dbs,
                .hash_type = hash_type,
                .digest_size = digest_size_of(algo),
                .hash_offset = appended ? blocks * dbs : 0,
        };
        snprintf(img->data, sizeof(img->data), "%s/%s.data", root, name);
        if (appended)
                snprintf(img->hash, sizeof(img->hash), "%s", img->data);
        else
                snprintf(img->hash, sizeof(img->hash), "%s/%s.hash", root, name);
        if (asprintf(&hex_path, "%s/%s.hex", root, name) < 0)
                return -ENOMEM;

        r = shell("set -e; head -c %" PRIu64 " /dev/urandom > %s; rm -f %s; "
                  "veritysetup format %s %s --data-block-size=%u --hash-block-size=%u --format=%u --hash=%s %s%s "
                  "--data-blocks=%" PRIu64 " --hash-offset=%" PRIu64 " --root-hash-file=%s >/dev/null",
                  blocks * dbs, img->data, appended ? "/nonexistent" : img->hash,
                  img->data, img->hash, dbs, dbs, hash_type, algo, salt ? "--salt=" : "", strempty(salt),
                  blocks, img->hash_offset, hex_path);
        if (r < 0)
                return r;

        r = read_file_at(AT_FDCWD, hex_path, 1024, &hex);
        if (r < 0)
                return r;
        r = verity_parse_root_hash(hex, strlen(hex), img->root_hash, &img->root_hash_size, NULL);
        if (r < 0)
                return r;

        img->content = malloc(blocks * dbs);
        if (!img->content)
                return -ENOMEM;
        fd = open(img->data, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (pread(fd, img->content, blocks * dbs, 0) != (ssize_t) (blocks * dbs))
                return -EIO;
        return 0;
}

/* The tree's layout, computed here from the format's description (not with lib/). */
typedef struct Layout {
        uint64_t hpb;                   /* digests per hash block */
        size_t slot;                    /* bytes per digest slot */
        unsigned levels;
        uint64_t level_size[64];
        uint64_t tree_blocks;
} Layout;

static Layout layout(const Image *img) {
        Layout l = { .hpb = 1 };

        while (l.hpb * 2 <= img->hbs / img->digest_size)
                l.hpb *= 2;
        l.slot = img->digest_size;
        if (img->hash_type == 1)
                while (l.slot & (l.slot - 1))
                        l.slot++;
        for (uint64_t n = img->blocks; n > 1; l.levels++) {
                n = (n + l.hpb - 1) / l.hpb;
                l.level_size[l.levels] = n;
                l.tree_blocks += n;
        }
        return l;
}

/* Offset in the hash file of block j of level 0 (the last level on disk: the top comes first). */
static uint64_t level0_offset(const Image *img, const Layout *l, uint64_t j) {
        return img->hash_offset + (uint64_t) img->hbs * (1 + l->tree_blocks - l->level_size[0] + j);
}

static int flip_bit(const char *path, uint64_t offset, unsigned bit) {
        _cleanup_close_ int fd = open(path, O_RDWR | O_CLOEXEC);
        uint8_t b;

        if (fd < 0 || pread(fd, &b, 1, (off_t) offset) != 1)
                return -errno;
        b ^= (uint8_t) (1U << bit);
        if (pwrite(fd, &b, 1, (off_t) offset) != 1)
                return -errno;
        return 0;
}

static int open_source(const Image *img, VerityResult *res, VeritySource **ret) {
        _cleanup_close_ int dfd = open(img->data, O_RDONLY | O_CLOEXEC), hfd = -EBADF;

        if (dfd < 0)
                return -errno;
        if (!streq(img->data, img->hash)) {
                hfd = open(img->hash, O_RDONLY | O_CLOEXEC);
                if (hfd < 0)
                        return -errno;
        }
        /* The fds are closed here: the source keeps its own. */
        return verity_source_new_full(dfd, 0, streq(img->data, img->hash) ? img->blocks * img->dbs : UINT64_MAX,
                                      hfd >= 0 ? hfd : dfd, img->hash_offset, UINT64_MAX,
                                      img->root_hash, img->root_hash_size, res, ret);
}

/* n random reads (single bytes, parts of blocks, across blocks, whole runs), each compared with the file. */
static unsigned random_reads(VeritySource *v, const Image *img, unsigned n) {
        uint64_t total = img->blocks * img->dbs;
        _cleanup_free_ uint8_t *buf = malloc(total);
        unsigned bad = 0;

        for (unsigned i = 0; i < n; i++) {
                uint64_t off = rnd() % total, max = total - off, size;

                switch (rnd() % 4) {
                case 0:  size = 1; break;
                case 1:  size = rnd() % img->dbs + 1; break;
                case 2:  size = rnd() % (3 * img->dbs) + 1; break;
                default: size = rnd() % (64 * img->dbs) + 1;
                }
                size = MIN(size, max);
                if (verity_source_pread(v, buf, size, off) != 0 || memcmp(buf, img->content + off, size) != 0) {
                        if (bad++ == 0)
                                fprintf(stderr, "  read of %" PRIu64 " bytes at %" PRIu64 " failed or differs\n", size, off);
                }
        }
        return bad;
}

/* 0 if reading data block b gives its bytes, else the error. */
static int read_block(VeritySource *v, const Image *img, uint64_t b) {
        _cleanup_free_ uint8_t *buf = malloc(img->dbs);
        int r = verity_source_pread(v, buf, img->dbs, b * img->dbs);
        if (r < 0)
                return r;
        return memcmp(buf, img->content + b * img->dbs, img->dbs) == 0 ? 0 : -EILSEQ;
}

static void check_image(const Image *img, const char *what) {
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_(verity_result_done) VerityResult res = {};
        _cleanup_free_ uint8_t *all = malloc(img->blocks * img->dbs);
        uint64_t total = img->blocks * img->dbs, k;
        Layout l = layout(img);
        uint8_t one;

        fprintf(stderr, "  %s: %" PRIu64 " blocks of %u, %u levels\n", what, img->blocks, img->dbs, l.levels);

        CHECK_INT(open_source(img, &res, &v), 0);
        CHECK_INT(res.verdict, VERITY_INTACT);
        if (!v)
                return;
        CHECK_INT(verity_source_size(v), total);
        CHECK(verity_source_failure(v) == NULL);
        CHECK(verity_source_error(v) == NULL);

        /* Everything, at random and in one read. */
        CHECK_INT(random_reads(v, img, 300), 0);
        CHECK_INT(verity_source_pread(v, all, total, 0), 0);
        CHECK(memcmp(all, img->content, total) == 0);
        CHECK(verity_source_bytes_verified(v) >= total);

        /* Bounds. */
        CHECK_INT(verity_source_pread(v, &one, 1, total - 1), 0);
        CHECK_INT(one, img->content[total - 1]);
        CHECK_INT(verity_source_pread(v, &one, 0, total), 0);
        CHECK_INT(verity_source_pread(v, &one, 1, total), -EIO);
        CHECK_INT(verity_source_pread(v, all, 2, total - 1), -EIO);
        CHECK_INT(verity_source_pread(v, &one, 1, UINT64_MAX), -EIO);
        CHECK_INT(verity_source_pread(v, all, SIZE_MAX, 1), -EIO);

        /* Through an ImageSource. */
        ImageSource s = verity_source_image_source(v);
        CHECK_INT(s.size, total);
        CHECK_INT(image_source_pread(&s, all, total, 0), 0);
        CHECK(memcmp(all, img->content, total) == 0);
        CHECK_INT(image_source_pread(&s, all, 1, total), -EIO);

        /* With caches of one block each, everything is verified again and again, and still right. */
        CHECK_INT(verity_source_set_cache_size(v, 1, 1), 0);
        CHECK_INT(random_reads(v, img, 100), 0);
        v = verity_source_free(v);

        /* A flipped bit in a data block: exactly the reads touching it fail. */
        k = rnd() % img->blocks;
        CHECK_INT(flip_bit(img->data, k * img->dbs + rnd() % img->dbs, (unsigned) (rnd() % 8)), 0);
        verity_result_done(&res);
        if (img->blocks == 1) {
                /* The only data block's digest is the root hash. */
                CHECK_INT(open_source(img, &res, &v), -EBADMSG);
                CHECK_INT(res.verdict, VERITY_ROOT_MISMATCH);
                CHECK(!v);
        } else {
                CHECK_INT(open_source(img, &res, &v), 0);
        }
        if (v) {
                CHECK_INT(read_block(v, img, k), -EBADMSG);
                CHECK(verity_source_failure(v) != NULL);
                if (verity_source_failure(v)) {
                        CHECK_INT(verity_source_failure(v)->verdict, VERITY_DATA_CORRUPTED);
                        CHECK_INT(verity_source_failure(v)->block, k);
                        CHECK_INT(verity_source_failure(v)->offset, k * img->dbs);
                }
                CHECK(verity_source_error(v) && strstr(verity_source_error(v), "data corrupted"));
                CHECK_INT(verity_source_pread(v, all, total, 0), -EBADMSG);
                CHECK_INT(verity_source_pread(v, &one, 1, k * img->dbs + img->dbs - 1), -EBADMSG);
                if (k > 0) {
                        CHECK_INT(read_block(v, img, k - 1), 0);
                        CHECK_INT(verity_source_pread(v, all, 2, k * img->dbs - 1), -EBADMSG); /* across */
                }
                if (k + 1 < img->blocks)
                        CHECK_INT(read_block(v, img, k + 1), 0);
                for (unsigned i = 0; i < 50; i++) {
                        uint64_t b = rnd() % img->blocks;
                        CHECK_INT(read_block(v, img, b), b == k ? -EBADMSG : 0);
                }
                v = verity_source_free(v);
        }
        verity_result_done(&res);

        /* Undone, and a level-0 hash block corrupted instead. */
        {
                _cleanup_close_ int fd = open(img->data, O_WRONLY | O_CLOEXEC);
                CHECK(fd >= 0 && pwrite(fd, img->content + k * img->dbs, img->dbs, (off_t) (k * img->dbs)) == (ssize_t) img->dbs);
        }
        if (l.levels == 0)
                return;

        uint64_t j = rnd() % l.level_size[0];
        uint64_t used = MIN(l.hpb, img->blocks - j * l.hpb);
        CHECK_INT(flip_bit(img->hash, level0_offset(img, &l, j) + (rnd() % used) * l.slot + rnd() % img->digest_size,
                           (unsigned) (rnd() % 8)), 0);
        if (l.levels == 1) {
                /* Level 0 is the top. */
                CHECK_INT(open_source(img, &res, &v), -EBADMSG);
                CHECK_INT(res.verdict, VERITY_ROOT_MISMATCH);
        } else {
                CHECK_INT(open_source(img, &res, &v), 0);
                for (unsigned i = 0; v && i < 50; i++) {
                        uint64_t b = rnd() % img->blocks;
                        int r = read_block(v, img, b);

                        CHECK_INT(r, b / l.hpb == j ? -EBADMSG : 0);
                        if (r == -EBADMSG) {
                                CHECK(verity_source_failure(v) && verity_source_failure(v)->verdict == VERITY_TREE_CORRUPTED);
                                CHECK(verity_source_failure(v) && verity_source_failure(v)->offset == level0_offset(img, &l, j));
                        }
                }
                if (v) {
                        CHECK_INT(read_block(v, img, j * l.hpb), -EBADMSG);
                        CHECK_INT(read_block(v, img, j * l.hpb + used - 1), -EBADMSG);
                        CHECK(verity_source_error(v) && strstr(verity_source_error(v), "does not match its parent"));
                }
                v = verity_source_free(v);
        }
        verity_result_done(&res);
}

TEST(matrix) {
        static const struct {
                uint32_t dbs;
                uint32_t hash_type;
                const char *algo;
                const char *salt;
                uint64_t blocks;
        } cases[] = {
                { 4096, 1, "sha256", NULL, 600 },       /* 2 levels: 128 digests per block */
                { 4096, 0, "sha256", NULL, 600 },
                { 1024, 1, "sha256", NULL, 2100 },      /* 3 levels: 32 per block */
                { 1024, 0, "sha256", NULL, 2100 },
                { 4096, 1, "sha256", "-", 300 },
                { 1024, 0, "sha256", "-", 700 },
                { 4096, 1, "sha256", "ab", 129 },
                { 1024, 0, "sha256", "cd", 33 },
                { 4096, 1, "sha1", NULL, 300 },         /* 20 byte digests, in 32 byte slots */
                { 4096, 0, "sha1", NULL, 300 },         /* 20 byte digests, packed */
                { 1024, 1, "sha512", NULL, 100 },       /* 16 per block */
                { 4096, 1, "sha256", NULL, 100 },       /* 1 level: the top is level 0 */
                { 4096, 1, "sha256", NULL, 1 },         /* 0 levels: the root hash is the block's */
                { 1024, 0, "sha256", "-", 1 },
        };
        char salt256[513];

        for (size_t i = 0; i < 512; i++)
                salt256[i] = "0123456789abcdef"[(i * 7) % 16];
        salt256[512] = '\0';

        for (size_t c = 0; c < ELEMENTSOF(cases) + 2; c++)
                for (int appended = 0; appended <= 1; appended++) {
                        /* The last two: the longest salt, with both hash types. */
                        uint32_t dbs = c < ELEMENTSOF(cases) ? cases[c].dbs : 4096;
                        uint32_t type = c < ELEMENTSOF(cases) ? cases[c].hash_type : (uint32_t) (c - ELEMENTSOF(cases));
                        const char *algo = c < ELEMENTSOF(cases) ? cases[c].algo : "sha256";
                        const char *salt = c < ELEMENTSOF(cases) ? cases[c].salt : salt256;
                        uint64_t blocks = c < ELEMENTSOF(cases) ? cases[c].blocks : 200;
                        _cleanup_free_ char *name = NULL, *what = NULL;
                        Image img;

                        CHECK(asprintf(&name, "m%zu-%d", c, appended) > 0);
                        CHECK(asprintf(&what, "%s, type %u, salt %s, %s", algo, type,
                                       !salt ? "random (32 bytes)" : streq(salt, "-") ? "none" : strlen(salt) > 8 ? "256 bytes" : salt,
                                       appended ? "appended" : "own file") > 0);
                        CHECK_INT(make_image(&img, name, blocks, dbs, type, algo, salt, appended), 0);
                        if (img.content)
                                check_image(&img, what);
                        image_done(&img);
                }
}

TEST(new_refuses) {
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_(verity_result_done) VerityResult res = {};
        _cleanup_close_ int dfd = -EBADF, hfd = -EBADF, tfd = -EBADF;
        _cleanup_free_ char *trunc = NULL;
        Image img;
        uint8_t h[VERITY_ROOT_HASH_MAX];
        Layout l;

        CHECK_INT(make_image(&img, "refuse", 300, 4096, 1, "sha256", NULL, false), 0);
        l = layout(&img);
        dfd = open(img.data, O_RDONLY | O_CLOEXEC);
        hfd = open(img.hash, O_RDONLY | O_CLOEXEC);
        CHECK(dfd >= 0 && hfd >= 0);

        /* The right one, for a start; also with no result asked for. */
        CHECK_INT(verity_source_new(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &v), 0);
        v = verity_source_free(v);
        CHECK_INT(verity_source_new(dfd, 0, 300 * 4096, hfd, 0, 4096 * (1 + l.tree_blocks), img.root_hash, img.root_hash_size, &v), 0);
        v = verity_source_free(v);

        /* A wrong root hash. */
        memcpy(h, img.root_hash, img.root_hash_size);
        h[5] ^= 0x10;
        CHECK_INT(verity_source_new_full(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, h, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK(!v);
        CHECK_INT(res.verdict, VERITY_ROOT_MISMATCH);
        CHECK_INT(res.offset, 4096);
        CHECK(res.message && strstr(res.message, "root hash does not match"));
        fprintf(stderr, "  %s\n", strna(res.message));
        verity_result_done(&res);
        CHECK_INT(verity_source_new(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, h, img.root_hash_size, &v), -EBADMSG);

        /* Of the wrong length. */
        CHECK_INT(verity_source_new_full(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, img.root_hash, 20, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        CHECK(res.message && strstr(res.message, "20 bytes long"));
        verity_result_done(&res);

        /* A truncated hash file: one block short. */
        CHECK(asprintf(&trunc, "%s/refuse.trunc", root) > 0);
        CHECK_INT(shell("cp %s %s && truncate -s -4096 %s", img.hash, trunc, trunc), 0);
        tfd = open(trunc, O_RDONLY | O_CLOEXEC);
        CHECK(tfd >= 0);
        CHECK_INT(verity_source_new_full(dfd, 0, UINT64_MAX, tfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        CHECK(res.message && strstr(res.message, "needs"));
        fprintf(stderr, "  %s\n", strna(res.message));
        verity_result_done(&res);
        /* A hash area said to be smaller than the tree. */
        CHECK_INT(verity_source_new_full(dfd, 0, UINT64_MAX, hfd, 0, 4096 * l.tree_blocks, img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        verity_result_done(&res);
        /* Or than a superblock. */
        CHECK_INT(verity_source_new_full(dfd, 0, UINT64_MAX, hfd, 0, 100, img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        verity_result_done(&res);
        /* A hash area with no superblock where it is said to be. */
        CHECK_INT(verity_source_new_full(dfd, 0, UINT64_MAX, hfd, 4096, UINT64_MAX, img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        CHECK(res.message && strstr(res.message, "no verity superblock"));
        verity_result_done(&res);

        /* Data regions smaller than the tree covers. */
        CHECK_INT(verity_source_new_full(dfd, 0, 299 * 4096, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        CHECK(res.message && strstr(res.message, "covers 300 blocks"));
        verity_result_done(&res);
        CHECK_INT(verity_source_new_full(dfd, 4096, UINT64_MAX, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        verity_result_done(&res);
        /* A region larger than the file it is in. */
        CHECK_INT(verity_source_new_full(dfd, 4096, 300 * 4096, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        CHECK(res.message && strstr(res.message, "data: truncated"));
        verity_result_done(&res);

        /* Data and tree overlapping in one file. */
        {
                Image a;
                _cleanup_close_ int afd = -EBADF;

                CHECK_INT(make_image(&a, "overlap", 64, 4096, 1, "sha256", NULL, true), 0);
                afd = open(a.data, O_RDONLY | O_CLOEXEC);
                CHECK(afd >= 0);
                CHECK_INT(verity_source_new_full(afd, 0, 64 * 4096, afd, 64 * 4096, UINT64_MAX, a.root_hash, a.root_hash_size, &res, &v), 0);
                v = verity_source_free(v);
                verity_result_done(&res);
                /* A copy of the hash area inside the data, named as the hash area. */
                CHECK_INT(shell("dd if=%s of=%s bs=4096 skip=64 seek=32 count=4 conv=notrunc status=none", a.data, a.data), 0);
                CHECK_INT(verity_source_new_full(afd, 0, UINT64_MAX, afd, 32 * 4096, UINT64_MAX, a.root_hash, a.root_hash_size, &res, &v), -EBADMSG);
                CHECK(res.message && strstr(res.message, "overlaps"));
                fprintf(stderr, "  %s\n", strna(res.message));
                verity_result_done(&res);
                image_done(&a);
        }

        /* A data file cut short after the source was made: -EIO, not wrong data. */
        CHECK_INT(verity_source_new(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &v), 0);
        CHECK_INT(shell("truncate -s %u %s", 200 * 4096, img.data), 0);
        CHECK_INT(read_block(v, &img, 10), 0);
        CHECK_INT(read_block(v, &img, 250), -EIO);
        v = verity_source_free(v);
        CHECK_INT(verity_source_new_full(dfd, 0, UINT64_MAX, hfd, 0, 4096 * (1 + l.tree_blocks), img.root_hash, img.root_hash_size, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_MALFORMED);
        verity_result_done(&res);

        /* Not for reading. */
        {
                _cleanup_close_ int pfd = open(img.data, O_PATH | O_CLOEXEC);
                CHECK_INT(verity_source_new(pfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &v), -EBADF);
        }

        image_done(&img);
}

/* Rewrites hash block at offset (in img's hash file) with a non-zero byte in its padding, and the
 * tree above it (one level, the top) and the root hash so that they match it: a tree made that way
 * on purpose. The hashing is lib/'s, which the matrix above checks against veritysetup. */
static int forge_padding(Image *img, uint64_t block_offset, size_t byte, uint64_t slot_in_top) {
        _cleanup_(verity_hasher_done) VerityHasher h = {};
        _cleanup_close_ int fd = open(img->hash, O_RDWR | O_CLOEXEC);
        uint8_t block[4096], top[4096], digest[VERITY_DIGEST_MAX];
        VerityParams p;
        int r;

        if (fd < 0)
                return -errno;
        r = verity_params_read(fd, img->hash_offset, &p, NULL);
        if (r < 0)
                return r;
        r = verity_hasher_init(&h, &p, NULL);
        if (r < 0)
                return r;
        if (pread(fd, block, sizeof(block), (off_t) block_offset) != sizeof(block))
                return -EIO;
        block[byte] ^= 0x01;
        if (pwrite(fd, block, sizeof(block), (off_t) block_offset) != sizeof(block))
                return -EIO;
        if (block_offset == img->hash_offset + 4096)
                memcpy(top, block, sizeof(top));        /* it is the top */
        else {
                if (verity_hasher_block(&h, block, sizeof(block), digest) < 0 ||
                    pread(fd, top, sizeof(top), (off_t) (img->hash_offset + 4096)) != sizeof(top))
                        return -EIO;
                memcpy(top + slot_in_top * 32, digest, 32);
                if (pwrite(fd, top, sizeof(top), (off_t) (img->hash_offset + 4096)) != sizeof(top))
                        return -EIO;
        }
        if (verity_hasher_block(&h, top, sizeof(top), img->root_hash) < 0)
                return -EIO;
        return 0;
}

TEST(padding) {
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_(verity_result_done) VerityResult res = {};
        Image img;
        Layout l;

        /* 200 blocks: two level-0 blocks under the top, the second with 72 of 128 slots used. A
         * non-zero byte in its unused slots, hashed into the tree: reads under it are refused. */
        CHECK_INT(make_image(&img, "padding", 200, 4096, 1, "sha256", NULL, false), 0);
        l = layout(&img);
        CHECK_INT(l.levels, 2);
        CHECK_INT(forge_padding(&img, level0_offset(&img, &l, 1), 72 * 32 + 100, 1), 0);
        CHECK_INT(open_source(&img, NULL, &v), 0);
        CHECK_INT(read_block(v, &img, 0), 0);
        CHECK_INT(read_block(v, &img, 127), 0);
        CHECK_INT(read_block(v, &img, 128), -EBADMSG);
        CHECK_INT(read_block(v, &img, 199), -EBADMSG);
        CHECK(verity_source_error(v) && strstr(verity_source_error(v), "non-zero padding"));
        fprintf(stderr, "  %s\n", strna(verity_source_error(v)));
        v = verity_source_free(v);

        /* And the top block's padding (2 of 128 slots used), checked when the source is made. */
        CHECK_INT(forge_padding(&img, img.hash_offset + 4096, 2 * 32 + 1, 0), 0);
        CHECK_INT(open_source(&img, &res, &v), -EBADMSG);
        CHECK_INT(res.verdict, VERITY_TREE_CORRUPTED);
        CHECK(res.message && strstr(res.message, "non-zero padding"));
        image_done(&img);
}

TEST(cache) {
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_free_ uint8_t *buf = malloc(4096);
        Image img;
        uint64_t n;

        CHECK_INT(make_image(&img, "cache", 1000, 4096, 1, "sha256", NULL, false), 0);
        CHECK_INT(open_source(&img, NULL, &v), 0);
        if (!v)
                return;

        /* Read twice, verified once. */
        CHECK_INT(read_block(v, &img, 500), 0);
        n = verity_source_bytes_verified(v);
        CHECK_INT(n, 4096);
        CHECK_INT(read_block(v, &img, 500), 0);
        CHECK_INT(verity_source_bytes_verified(v), n);

        /* What was verified is what is read, even if the file changes afterwards. */
        CHECK_INT(flip_bit(img.data, 500 * 4096 + 17, 1), 0);
        CHECK_INT(verity_source_pread(v, buf, 4096, 500 * 4096), 0);
        CHECK(memcmp(buf, img.content + 500 * 4096, 4096) == 0);

        /* Without the cache it is read again, and fails. */
        CHECK_INT(verity_source_set_cache_size(v, 1, 1), 0);
        CHECK_INT(read_block(v, &img, 500), -EBADMSG);
        CHECK_INT(read_block(v, &img, 501), 0);
        CHECK_INT(read_block(v, &img, 501), 0);         /* the one block cached */
        CHECK_INT(verity_source_bytes_verified(v), n + 4096);
        CHECK_INT(read_block(v, &img, 502), 0);         /* evicts 501 */
        CHECK_INT(read_block(v, &img, 501), 0);
        CHECK_INT(verity_source_bytes_verified(v), n + 3 * 4096);

        /* A cache of 4 blocks does what an LRU of 4 blocks does: a block is verified again exactly
         * when the model says it was evicted. Blocks are 16 apart so that the hash table's buckets
         * collide too. */
        CHECK_INT(verity_source_set_cache_size(v, 2 * 4096, 4 * 4096), 0);
        {
                uint64_t lru[4], n_lru = 0, expected = verity_source_bytes_verified(v);

                for (unsigned i = 0; i < 2000; i++) {
                        uint64_t b = 600 + 16 * (rnd() % 7), k;

                        for (k = 0; k < n_lru && lru[k] != b; k++)
                                ;
                        if (k == n_lru) {
                                expected += 4096;
                                if (n_lru < 4)
                                        n_lru++;
                                k = n_lru - 1;
                        }
                        memmove(lru + 1, lru, k * sizeof(lru[0]));
                        lru[0] = b;
                        CHECK_INT(read_block(v, &img, b), 0);
                }
                CHECK_INT(verity_source_bytes_verified(v), expected);
        }
        image_done(&img);
}

TEST(image_source_plain) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *path = NULL;
        uint8_t buf[64];
        ImageSource s;

        CHECK(asprintf(&path, "%s/plain", root) > 0);
        CHECK_INT(shell("printf 'abcdefghijklmnopqrstuvwxyz' > %s", path), 0);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);

        s = (ImageSource) { .fd = fd, .offset = 3, .size = 10 };
        CHECK_INT(image_source_pread(&s, buf, 10, 0), 0);
        CHECK(memcmp(buf, "defghijklm", 10) == 0);
        CHECK_INT(image_source_pread(&s, buf, 2, 8), 0);
        CHECK(memcmp(buf, "lm", 2) == 0);
        CHECK_INT(image_source_pread(&s, buf, 0, 10), 0);
        CHECK_INT(image_source_pread(&s, buf, 2, 9), -EIO);
        CHECK_INT(image_source_pread(&s, buf, 1, 11), -EIO);
        CHECK_INT(image_source_pread(&s, buf, 1, UINT64_MAX), -EIO);

        /* A region that claims more than the file has. */
        s = (ImageSource) { .fd = fd, .offset = 20, .size = 10 };
        CHECK_INT(image_source_pread(&s, buf, 6, 0), 0);
        CHECK_INT(image_source_pread(&s, buf, 7, 0), -EIO);
        s = (ImageSource) { .fd = fd, .offset = UINT64_MAX - 5, .size = 10 };
        CHECK_INT(image_source_pread(&s, buf, 1, 0), -EIO);
        s = (ImageSource) { .fd = -EBADF, .offset = 0, .size = 10 };
        CHECK_INT(image_source_pread(&s, buf, 1, 0), -EBADF);
}

/* verity-check.c's way in: sidecars found, root hash from NAME.roothash, policy applied. */
TEST(check_image_source) {
        Context ctx = { .root_fd = -EBADF };
        _cleanup_(verity_check_done) VerityCheck c = {};
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_free_ char *hex = NULL, *pdir = NULL;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        DiscoveredImage i = {
                .type = IMAGE_RAW,
                .state = IMAGE_CANDIDATE,
                .name = (char *) "chk",
                .filename = (char *) "chk.raw",
                .dir = (char *) "/var/lib/portables",
                .path = (char *) "/var/lib/portables/chk.raw",
        };
        Image img;

        CHECK(asprintf(&pdir, "%s/var/lib/portables", root) > 0);
        CHECK_INT(shell("mkdir -p %s", pdir), 0);
        CHECK_INT(make_image(&img, "var/lib/portables/chk", 300, 4096, 1, "sha256", NULL, false), 0);
        CHECK_INT(shell("cd %s && mv chk.data chk.raw && mv chk.hash chk.verity && cp chk.hex chk.roothash",
                        pdir), 0);
        CHECK_INT(context_init_root(&ctx, root), 0);
        snprintf(img.data, sizeof(img.data), "%s/chk.raw", pdir);
        fd = open(img.data, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        buf = malloc(300 * 4096);

        CHECK_INT(verity_check_image_source(&ctx, &i, fd, NULL, VERITY_REQUIRED, NULL, &c, &v), 0);
        CHECK_INT(c.verdict, VERITY_CHECK_INTACT);
        CHECK(c.message && strstr(c.message, "data verified as read"));
        fprintf(stderr, "  %s\n", strna(c.message));
        CHECK(v != NULL);
        if (v) {
                ImageSource s = verity_source_image_source(v);
                CHECK_INT(image_source_pread(&s, buf, 300 * 4096, 0), 0);
                CHECK(memcmp(buf, img.content, 300 * 4096) == 0);
        }
        v = verity_source_free(v);
        verity_check_done(&c);

        /* Unsigned under Verity=signed: no source. */
        CHECK_INT(verity_check_image_source(&ctx, &i, fd, NULL, VERITY_SIGNED, NULL, &c, &v), 0);
        CHECK_INT(c.verdict, VERITY_CHECK_UNSIGNED);
        CHECK(!v);
        verity_check_done(&c);

        /* Corrupted data: the check passes (the tree is good), the read of the block fails. */
        CHECK_INT(flip_bit(img.data, 77 * 4096 + 5, 0), 0);
        CHECK_INT(verity_check_image_source(&ctx, &i, fd, NULL, VERITY_AUTO, NULL, &c, &v), 0);
        CHECK_INT(c.verdict, VERITY_CHECK_INTACT);
        if (v) {
                ImageSource s = verity_source_image_source(v);
                CHECK_INT(image_source_pread(&s, buf, 300 * 4096, 0), -EBADMSG);
                CHECK(verity_source_error(v) && strstr(verity_source_error(v), "block 77 at offset 315392"));
                CHECK_INT(image_source_pread(&s, buf, 4096, 76 * 4096), 0);
        }
        v = verity_source_free(v);
        verity_check_done(&c);

        /* A wrong root hash: corrupted, no source. */
        CHECK_INT(shell("echo 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff > %s/chk.roothash", pdir), 0);
        CHECK_INT(verity_check_image_source(&ctx, &i, fd, NULL, VERITY_AUTO, NULL, &c, &v), 0);
        CHECK_INT(c.verdict, VERITY_CHECK_CORRUPTED);
        CHECK(!v);
        CHECK(c.message && strstr(c.message, "chk.verity: the root hash does not match"));
        fprintf(stderr, "  %s\n", strna(c.message));
        verity_check_done(&c);

        /* No verity data. */
        CHECK_INT(shell("rm %s/chk.roothash %s/chk.verity", pdir, pdir), 0);
        CHECK_INT(verity_check_image_source(&ctx, &i, fd, NULL, VERITY_AUTO, NULL, &c, &v), 0);
        CHECK_INT(c.verdict, VERITY_CHECK_NO_VERITY);
        CHECK(!v);

        image_done(&img);
        context_done(&ctx);
}

/* A GPT image by systemd-repart: root partition and root-verity partition in one file, so the
 * data region and the hash area are partitions of the image (offsets not 0, one fd). */
TEST(check_image_source_gpt) {
        Context ctx = { .root_fd = -EBADF };
        _cleanup_(verity_check_done) VerityCheck c = {};
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_free_ char *pdir = NULL, *path = NULL;
        _cleanup_free_ uint8_t *buf = NULL, *expected = NULL;
        _cleanup_close_ int fd = -EBADF;
        RawProbe probe = {};
        DiscoveredImage i = {
                .type = IMAGE_RAW,
                .state = IMAGE_CANDIDATE,
                .name = (char *) "gpt",
                .filename = (char *) "gpt.raw",
                .dir = (char *) "/var/lib/portables",
                .path = (char *) "/var/lib/portables/gpt.raw",
        };

        if (!have("systemd-repart") || !have("mksquashfs")) {
                fprintf(stderr, "  (no systemd-repart or mksquashfs, skipped)\n");
                return;
        }
        CHECK(asprintf(&pdir, "%s/var/lib/portables", root) > 0);
        CHECK(asprintf(&path, "%s/gpt.raw", pdir) > 0);
        CHECK_INT(shell("set -e; cd %s; mkdir -p %s gpt/tree/etc gpt/defs; echo ID=test > gpt/tree/etc/os-release; "
                        "head -c 300K /dev/urandom > gpt/tree/blob; "
                        "printf '[Partition]\\nType=root\\nFormat=squashfs\\nCopyFiles=/:/\\nVerity=data\\nVerityMatchKey=root\\n' "
                        "> gpt/defs/10-root.conf; "
                        "printf '[Partition]\\nType=root-verity\\nVerity=hash\\nVerityMatchKey=root\\n' > gpt/defs/20-root-verity.conf; "
                        "systemd-repart --empty=create --size=auto --dry-run=no --no-pager --json=short --definitions=gpt/defs "
                        "--root=gpt/tree --seed=random %s > gpt/repart.json 2>/dev/null; "
                        "sed -n 's/.*\"roothash\":\"\\([0-9a-f]*\\)\".*/\\1/p' gpt/repart.json > %s/gpt.roothash; "
                        "test -s %s/gpt.roothash",
                        root, pdir, path, pdir, pdir), 0);

        CHECK_INT(context_init_root(&ctx, root), 0);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        CHECK(fd >= 0);
        CHECK_INT(raw_image_probe(fd, path, &probe), 0);
        CHECK(probe.format == RAW_FORMAT_GPT && probe.data.found && probe.verity.found && probe.data.offset > 0);

        CHECK_INT(verity_check_image_source(&ctx, &i, fd, &probe, VERITY_REQUIRED, NULL, &c, &v), 0);
        CHECK_INT(c.verdict, VERITY_CHECK_INTACT);
        fprintf(stderr, "  %s\n", strna(c.message));
        CHECK(v != NULL);
        if (!v)
                goto finish;

        ImageSource s = verity_source_image_source(v);
        CHECK_INT(s.offset, probe.data.offset);
        CHECK(s.size > 0 && s.size <= probe.data.size);
        buf = malloc(s.size);
        expected = malloc(s.size);
        CHECK(pread(fd, expected, s.size, (off_t) s.offset) == (ssize_t) s.size);
        CHECK_INT(image_source_pread(&s, buf, s.size, 0), 0);
        CHECK(memcmp(buf, expected, s.size) == 0);
        CHECK(memcmp(buf, "hsqs", 4) == 0);     /* a squashfs, as the reader will see it */
        v = verity_source_free(v);
        verity_check_done(&c);

        /* A byte of the squashfs changed: the block holding it is refused, its neighbours are not. */
        CHECK_INT(flip_bit(path, probe.data.offset + 5 * 4096 + 99, 4), 0);
        CHECK_INT(verity_check_image_source(&ctx, &i, fd, &probe, VERITY_REQUIRED, NULL, &c, &v), 0);
        CHECK_INT(c.verdict, VERITY_CHECK_INTACT);
        if (v) {
                s = verity_source_image_source(v);
                CHECK_INT(image_source_pread(&s, buf, 4096, 5 * 4096), -EBADMSG);
                CHECK_INT(image_source_pread(&s, buf, 4096, 4 * 4096), 0);
                CHECK_INT(image_source_pread(&s, buf, 4096, 6 * 4096), 0);
                CHECK(verity_source_failure(v) && verity_source_failure(v)->offset == probe.data.offset + 5 * 4096);
                fprintf(stderr, "  %s\n", strna(verity_source_error(v)));
        }

finish:
        context_done(&ctx);
}

/* The squashfs reader (image-tree.h) over a VeritySource: what it reads is verified, and a file
 * whose data block was changed cannot be read, while the rest of the image still can. */
TEST(tree_through_verity) {
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_(image_tree_done) ImageTree tree = IMAGE_TREE_NULL;
        _cleanup_free_ char *dir = NULL, *raw = NULL, *hashp = NULL, *hexp = NULL, *hex = NULL, *content = NULL;
        _cleanup_free_ uint8_t *img = NULL, *blob = NULL;
        _cleanup_close_ int dfd = -EBADF, hfd = -EBADF;
        uint8_t rh[VERITY_ROOT_HASH_MAX];
        size_t rhn = 0, n = 0, img_size;
        const uint8_t *where;
        TreeNode node;
        ImageSource src;

        if (!have("mksquashfs") || !image_tree_supported("squashfs")) {
                fprintf(stderr, "  (no mksquashfs or no squashfs reader, skipped)\n");
                return;
        }
        CHECK(asprintf(&dir, "%s/sq", root) > 0);
        CHECK(asprintf(&raw, "%s/sq.raw", root) > 0);
        CHECK(asprintf(&hashp, "%s/sq.verity", root) > 0);
        CHECK(asprintf(&hexp, "%s/sq.hex", root) > 0);
        /* Uncompressed data (-noD), so that the file's bytes can be found in the image. */
        CHECK_INT(shell("set -e; mkdir -p %1$s/etc; echo ID=test > %1$s/etc/os-release; head -c 65536 /dev/urandom > %1$s/blob; "
                        "mksquashfs %1$s %2$s -quiet -noappend -noD -noF >/dev/null; "
                        "veritysetup format %2$s %3$s --root-hash-file=%4$s >/dev/null", dir, raw, hashp, hexp), 0);
        CHECK_INT(read_file_at(AT_FDCWD, hexp, 1024, &hex), 0);
        CHECK(hex && verity_parse_root_hash(hex, strlen(hex), rh, &rhn, NULL) == 0);
        dfd = open(raw, O_RDONLY | O_CLOEXEC);
        hfd = open(hashp, O_RDONLY | O_CLOEXEC);
        CHECK(dfd >= 0 && hfd >= 0);
        CHECK_INT(read_regular_fd_binary(dfd, 64 << 20, &img, &img_size), 0);
        {
                _cleanup_free_ char *bp = NULL;
                _cleanup_close_ int bfd = -EBADF;
                CHECK(asprintf(&bp, "%s/blob", dir) > 0);
                bfd = open(bp, O_RDONLY | O_CLOEXEC);
                CHECK(bfd >= 0);
                CHECK_INT(read_regular_fd_binary(bfd, 1 << 20, &blob, &n), 0);
        }
        if (!img || !blob)
                return;

        CHECK_INT(verity_source_new(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, rh, rhn, &v), 0);
        if (!v)
                return;
        src = verity_source_image_source(v);
        CHECK_INT(image_tree_open("squashfs", &src, &tree), 0);
        CHECK_INT(image_tree_resolve(&tree, "/etc/os-release", true, &node), 0);
        CHECK_INT(image_tree_read(&tree, &node, 4096, &content, &n), 0);
        CHECK_STR(content, "ID=test\n");
        content = mfree(content);
        CHECK_INT(image_tree_resolve(&tree, "/blob", true, &node), 0);
        CHECK_INT(node.size, 65536);
        CHECK(verity_source_bytes_verified(v) > 0);
        fprintf(stderr, "  squashfs of %zu bytes: os-release found and read with %" PRIu64 " bytes verified\n",
                img_size, verity_source_bytes_verified(v));
        image_tree_done(&tree);
        v = verity_source_free(v);

        /* A byte in the middle of /blob's data changed. */
        where = memmem(img, img_size, blob + 32768, 64);
        CHECK(where != NULL);
        if (!where)
                return;
        CHECK_INT(flip_bit(raw, (uint64_t) (where - img) + 10, 2), 0);
        CHECK_INT(verity_source_new(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, rh, rhn, &v), 0);
        if (!v)
                return;
        src = verity_source_image_source(v);
        CHECK_INT(image_tree_open("squashfs", &src, &tree), 0);
        CHECK_INT(image_tree_resolve(&tree, "/blob", true, &node), 0);
        CHECK_INT(image_tree_read(&tree, &node, 1 << 20, &content, &n), -EBADMSG);
        CHECK(verity_source_error(v) && strstr(verity_source_error(v), "data corrupted"));
        fprintf(stderr, "  /blob: %s\n", strna(verity_source_error(v)));
        /* The metadata is elsewhere: still readable. (Not os-release's content: the squashfs reader
         * reads it with /blob's data in one read, at least with uncompressed data blocks.) */
        {
                _cleanup_strv_free_ char **names = NULL;
                CHECK_INT(image_tree_list(&tree, "/", &names), 0);
                CHECK_INT(strv_length(names), 2);
        }
        CHECK_INT(image_tree_resolve(&tree, "/etc/os-release", true, &node), 0);
}

static double now_s(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Not asserted: 20 scattered 4 KiB reads of a 64 MiB image, against verifying all of it. */
TEST(measure) {
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_(verity_result_done) VerityResult res = {};
        _cleanup_close_ int dfd = -EBADF, hfd = -EBADF;
        uint8_t buf[4096];
        double t0, t1, t2, t3;
        Image img;

        CHECK_INT(make_image(&img, "measure", 16384, 4096, 1, "sha256", NULL, false), 0);
        dfd = open(img.data, O_RDONLY | O_CLOEXEC);
        hfd = open(img.hash, O_RDONLY | O_CLOEXEC);
        CHECK(dfd >= 0 && hfd >= 0);

        t0 = now_s();
        CHECK_INT(verity_verify(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, -EBADF, &res), 0);
        t1 = now_s();
        CHECK_INT(res.verdict, VERITY_INTACT);

        CHECK_INT(verity_source_new(dfd, 0, UINT64_MAX, hfd, 0, UINT64_MAX, img.root_hash, img.root_hash_size, &v), 0);
        t2 = now_s();
        for (unsigned i = 0; v && i < 20; i++) {
                uint64_t b = rnd() % img.blocks;
                CHECK_INT(verity_source_pread(v, buf, sizeof(buf), b * 4096), 0);
                CHECK(memcmp(buf, img.content + b * 4096, sizeof(buf)) == 0);
        }
        t3 = now_s();

        fprintf(stderr, "  measured: verity_verify() of 64 MiB: %.1f ms; verity_source_new() + 20 scattered 4 KiB reads: "
                "%.3f ms (open %.3f ms, reads %.3f ms), %" PRIu64 " data bytes verified; ratio %.0f:1\n",
                (t1 - t0) * 1e3, (t3 - t1) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3,
                v ? verity_source_bytes_verified(v) : 0, (t1 - t0) / (t3 - t1));
        image_done(&img);
}

int main(void) {
        if (!have("veritysetup")) {
                fprintf(stderr, "veritysetup missing, skipping.\n");
                return 77;
        }
        log_setup("test-verity-source", LOG_TARGET_CONSOLE);

        if (!mkdtemp(root))
                return EXIT_FAILURE;

        RUN(matrix);
        RUN(new_refuses);
        RUN(padding);
        RUN(cache);
        RUN(image_source_plain);
        RUN(check_image_source);
        RUN(check_image_source_gpt);
        RUN(tree_through_verity);
        RUN(measure);

        (void) shell("rm -rf %s", root);
        return tests_finish();
}
