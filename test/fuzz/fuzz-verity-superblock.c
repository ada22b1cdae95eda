/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The verity superblock and hash tree (NAME.verity, or a GPT image's root-verity partition) against
 * data, as verity_verify() reads them. Input layout:
 *
 *   u32 LE  data length (the first that many bytes after the header are the data file, capped)
 *   u8      flags: bit 0 hash area bounded (a GPT partition) instead of "to the end of the file";
 *                  bit 1 claim a data size of 16 MiB (more than there is: truncation paths)
 *   ...     data, then the hash area (superblock, tree)
 *
 * The root hash is computed from what the tree's top block (or single data block) hashes to, as
 * the verifier reports it, so that mutations get past the root check into the tree and the data. */

#include <openssl/evp.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "string-util.h"
#include "verity-verify.h"

static int memfd_with(const uint8_t *p, size_t n) {
        int fd = memfd_create("fuzz", MFD_CLOEXEC);
        if (fd < 0)
                abort();
        if (n > 0 && write(fd, p, n) != (ssize_t) n)
                abort();
        return fd;
}

/* H(salt || block) for type 1, H(block || salt) for type 0, as the verifier does. */
static bool block_hash(const VerityParams *p, int fd, uint64_t offset, size_t n, uint8_t *out, size_t *out_size) {
        _cleanup_free_ uint8_t *buf = malloc(n);
        EVP_MD *md = EVP_MD_fetch(NULL, p->algorithm, NULL);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        unsigned len = 0;
        bool ok;

        ok = buf && md && ctx && pread(fd, buf, n, (off_t) offset) == (ssize_t) n &&
                EVP_DigestInit_ex(ctx, md, NULL) == 1 &&
                (p->hash_type != 1 || EVP_DigestUpdate(ctx, p->salt, p->salt_size) == 1) &&
                EVP_DigestUpdate(ctx, buf, n) == 1 &&
                (p->hash_type != 0 || EVP_DigestUpdate(ctx, p->salt, p->salt_size) == 1) &&
                EVP_DigestFinal_ex(ctx, out, &len) == 1;
        EVP_MD_CTX_free(ctx);
        EVP_MD_free(md);
        *out_size = len;
        return ok && len > 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_close_ int data_fd = -EBADF, hash_fd = -EBADF;
        _cleanup_(verity_result_done) VerityResult res = {};
        uint8_t root[EVP_MAX_MD_SIZE] = {};
        size_t root_size = 32;
        uint64_t data_size, hash_size;
        const char *reason = NULL;
        VerityParams p;
        uint32_t dlen;
        uint8_t flags;

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

        /* The superblock alone, at offset 0 and at an offset past the end. */
        (void) verity_params_read(hash_fd, 0, &p, &reason);
        (void) verity_params_read(hash_fd, UINT64_MAX - 100, &p, &reason);

        if (verity_verify(data_fd, 0, data_size, hash_fd, 0, hash_size, root, root_size, -EBADF, &res) < 0)
                return 0;
        if (res.verdict == VERITY_MALFORMED && res.message && strstr(res.message, "root hash is ")) {
                /* Another digest size: try again with that size. */
                if (verity_params_read(hash_fd, 0, &p, &reason) < 0)
                        return 0;
                EVP_MD *md = EVP_MD_fetch(NULL, p.algorithm, NULL);
                if (!md)
                        return 0;
                int s = EVP_MD_get_size(md);
                EVP_MD_free(md);
                if (s <= 0 || s > EVP_MAX_MD_SIZE)
                        return 0;
                root_size = (size_t) s;
                verity_result_done(&res);
                if (verity_verify(data_fd, 0, data_size, hash_fd, 0, hash_size, root, root_size, -EBADF, &res) < 0)
                        return 0;
        }
        if (res.verdict != VERITY_ROOT_MISMATCH)
                return 0;

        /* The root hash that the top block (or the single data block) has: past the root check. */
        if (verity_params_read(hash_fd, 0, &p, &reason) < 0)
                abort(); /* it was read before */
        bool single = res.message && startswith(res.message, "data");
        size_t n = 0;
        if (!block_hash(&p, single ? data_fd : hash_fd, res.offset, single ? p.data_block_size : p.hash_block_size,
                        root, &n) || n != root_size)
                return 0;
        verity_result_done(&res);
        if (verity_verify(data_fd, 0, data_size, hash_fd, 0, hash_size, root, root_size, -EBADF, &res) < 0)
                return 0;
        if (res.verdict == VERITY_ROOT_MISMATCH)
                abort(); /* the root hash of exactly this tree must match it */
        return 0;
}
