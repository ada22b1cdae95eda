/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Block-by-block verified reads (verity-source.h) of a hostile superblock, hash tree and data, and
 * verity_verify() of the same as the oracle. Input layout as fuzz-verity-superblock (whose corpus
 * this one starts from):
 *
 *   u32 LE  data length (the first that many bytes after the header are the data file, capped)
 *   u8      flags: bit 0 hash area bounded (a GPT partition) instead of "to the end of the file";
 *                  bit 1 claim a data size of 16 MiB (more than there is); bit 2 caches of one block
 *   ...     data, then the hash area (superblock, tree)
 *
 * The root hash is what the top block (or the single data block) hashes to, so that mutations get
 * past the root check into the tree and the data. Then every data block is read: if the whole
 * verifier calls the image intact, every read must succeed and give the file's bytes; if it finds
 * a corrupted block, some read must fail. */

#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "verity-source.h"
#include "verity-verify.h"

static int memfd_with(const uint8_t *p, size_t n) {
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        if (n > 0 && write(fd, p, n) != (ssize_t) n)
                abort();
        return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_close_ int data_fd = -EBADF, hash_fd = -EBADF;
        _cleanup_(verity_result_done) VerityResult res = {}, whole = {};
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        _cleanup_(verity_hasher_done) VerityHasher h = {};
        uint8_t root[VERITY_DIGEST_MAX] = {};
        _cleanup_free_ uint8_t *block = NULL, *top = NULL;
        uint64_t data_size, hash_size;
        size_t root_size = 32;
        VerityParams p;
        uint32_t dlen;
        uint8_t flags;
        bool all_ok = true;
        int r;

        fuzz_setup();
        if (size < 5)
                return 0;
        dlen = (uint32_t) data[0] | (uint32_t) data[1] << 8 | (uint32_t) data[2] << 16 | (uint32_t) data[3] << 24;
        flags = data[4];
        data += 5;
        size -= 5;
        if (dlen > size)
                dlen = (uint32_t) size;

        data_fd = memfd_with(data, dlen);
        hash_fd = memfd_with(data + dlen, size - dlen);
        data_size = flags & 2 ? 16U * 1024U * 1024U : dlen;
        hash_size = flags & 1 ? size - dlen : UINT64_MAX;

        if (verity_params_read(hash_fd, 0, &p, NULL) < 0 || verity_hasher_init(&h, &p, NULL) < 0)
                return 0;
        root_size = h.digest_size;

        r = verity_source_new_full(data_fd, 0, data_size, hash_fd, 0, hash_size, root, root_size, &res, &v);
        if (r == -EBADMSG && res.verdict == VERITY_ROOT_MISMATCH) {
                /* The root hash of exactly this tree: the top block, or the single data block. */
                bool single = res.message && strstr(res.message, "only data block");
                size_t n = single ? p.data_block_size : p.hash_block_size;

                top = malloc(n);
                if (!top || pread(single ? data_fd : hash_fd, top, n, (off_t) res.offset) != (ssize_t) n)
                        return 0;
                if (verity_hasher_block(&h, top, n, root) < 0)
                        return 0;
                verity_result_done(&res);
                r = verity_source_new_full(data_fd, 0, data_size, hash_fd, 0, hash_size, root, root_size, &res, &v);
                if (r == -EBADMSG && res.verdict == VERITY_ROOT_MISMATCH)
                        abort(); /* the root hash of this very tree must match it */
        }
        if (r < 0)
                return 0;
        if (res.verdict != VERITY_INTACT)
                abort();
        if (flags & 4 && verity_source_set_cache_size(v, 1, 1) < 0)
                return 0;

        /* What reads the whole of it says. */
        if (verity_verify(data_fd, 0, data_size, hash_fd, 0, hash_size, root, root_size, -EBADF, &whole) < 0)
                return 0;

        block = malloc(p.data_block_size);
        if (!block)
                abort();
        for (uint64_t b = 0; b < p.data_blocks && b < 4096; b++) {
                uint64_t off = b * p.data_block_size;
                uint8_t *expected = NULL;

                r = verity_source_pread(v, block, p.data_block_size, off);
                if (r == -EBADMSG) {
                        if (!verity_source_error(v) || !verity_source_failure(v))
                                abort();
                        all_ok = false;
                        continue;
                }
                if (r < 0)
                        abort(); /* the data is in a memfd that is long enough: new() checked */
                expected = malloc(p.data_block_size);
                if (!expected || pread(data_fd, expected, p.data_block_size, (off_t) off) != (ssize_t) p.data_block_size)
                        abort();
                if (memcmp(block, expected, p.data_block_size) != 0)
                        abort();
                free(expected);
        }
        if (verity_source_pread(v, block, 1, verity_source_size(v)) != -EIO)
                abort();

        if (p.data_blocks <= 4096) {
                if (whole.verdict == VERITY_INTACT && !all_ok)
                        abort();
                if (IN_SET(whole.verdict, VERITY_DATA_CORRUPTED, VERITY_TREE_CORRUPTED) && all_ok)
                        abort();
        }
        return 0;
}
