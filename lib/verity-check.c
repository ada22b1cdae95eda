/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "fileio.h"
#include "log.h"
#include "string-util.h"
#include "verity-check.h"

static const char *const verity_check_verdict_table[_VERITY_CHECK_VERDICT_MAX] = {
        [VERITY_CHECK_INTACT] = "intact",
        [VERITY_CHECK_NO_VERITY] = "no-verity",
        [VERITY_CHECK_CORRUPTED] = "corrupted",
        [VERITY_CHECK_UNSIGNED] = "unsigned",
        [VERITY_CHECK_UNTRUSTED] = "untrusted",
        [VERITY_CHECK_MALFORMED] = "malformed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(verity_check_verdict, VerityCheckVerdict);

int verity_check_verdict_to_exit_status(VerityCheckVerdict v) {
        switch (v) {
        case VERITY_CHECK_INTACT:       return VERIFY_EXIT_INTACT;
        case VERITY_CHECK_NO_VERITY:    return VERIFY_EXIT_NO_VERITY;
        case VERITY_CHECK_CORRUPTED:    return VERIFY_EXIT_CORRUPTED;
        case VERITY_CHECK_UNSIGNED:     return VERIFY_EXIT_UNSIGNED;
        case VERITY_CHECK_UNTRUSTED:    return VERIFY_EXIT_UNTRUSTED;
        case VERITY_CHECK_MALFORMED:    return VERIFY_EXIT_MALFORMED;
        default:                        return VERIFY_EXIT_FAILURE;
        }
}

void verity_check_done(VerityCheck *c) {
        free(c->message);
        verity_data_done(&c->data);
        verity_result_done(&c->verify);
        verity_signature_result_done(&c->signature);
        *c = (VerityCheck) {};
}

static int verdict(VerityCheck *c, VerityCheckVerdict v, const char *fmt, ...) _printf_(3, 4);
static int verdict(VerityCheck *c, VerityCheckVerdict v, const char *fmt, ...) {
        va_list ap;
        int r;

        c->verdict = v;
        va_start(ap, fmt);
        r = free_and_vasprintf(&c->message, fmt, ap);
        va_end(ap);
        return r;
}

int verity_check_image(const Context *ctx, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                       VerityPolicy policy, int copy_fd, VerityCheck *ret) {

        _cleanup_(verity_check_done) VerityCheck c = {};
        _cleanup_close_ int hash_fd = -EBADF, pfd = -EBADF;
        uint64_t data_offset = 0, data_size, hash_offset = 0, hash_size = UINT64_MAX;
        struct stat st;
        const char *tree_name;
        int r;

        if (i->type != IMAGE_RAW) {
                r = verdict(&c, VERITY_CHECK_NO_VERITY, "%s: directory images cannot carry verity data", i->path);
                if (r < 0)
                        return r;
                goto done;
        }

        r = verity_data_find(ctx, i, image_fd, probe, &c.data);
        if (r < 0)
                return r;

        if (c.data.malformed) {
                r = verdict(&c, VERITY_CHECK_MALFORMED, "%s", c.data.malformed);
                if (r < 0)
                        return r;
                goto done;
        }
        if (!verity_data_complete(&c.data)) {
                if (policy == VERITY_AUTO)
                        r = verdict(&c, VERITY_CHECK_NO_VERITY, "%s: no verity data (no root hash)", i->path);
                else
                        r = verdict(&c, VERITY_CHECK_NO_VERITY,
                                    "%s: Verity=%s, but there is no verity data (no NAME.roothash, no xattr user.verity.roothash%s)",
                                    i->path, verity_policy_to_string(policy),
                                    probe && probe->format == RAW_FORMAT_GPT ? ", no verity-sig partition" : "");
                if (r < 0)
                        return r;
                goto done;
        }

        /* Signature first: it is cheap, and under Verity=signed nothing else matters without it. */
        if (c.data.signature_size > 0) {
                r = verity_signature_check(ctx, c.data.root_hash, c.data.root_hash_size, c.data.signature,
                                           c.data.signature_size, &c.signature);
                if (r < 0)
                        return r;
                c.signature_checked = true;

                const char *from = c.data.signature_path ?: "the verity-sig partition";
                switch (c.signature.verdict) {
                case VERITY_SIGNATURE_TRUSTED:
                        break;
                case VERITY_SIGNATURE_MALFORMED:
                        r = verdict(&c, VERITY_CHECK_MALFORMED, "%s: %s: %s", i->path, from, c.signature.message);
                        break;
                default:
                        r = verdict(&c, VERITY_CHECK_UNTRUSTED, "%s: %s: %s", i->path, from, c.signature.message);
                }
                if (r < 0)
                        return r;
                if (c.signature.verdict != VERITY_SIGNATURE_TRUSTED)
                        goto done;
        } else if (policy == VERITY_SIGNED) {
                r = verdict(&c, VERITY_CHECK_UNSIGNED, "%s: Verity=signed, but the root hash is not signed (no %s%s)",
                            i->path, c.data.usr ? "NAME.usrhash.p7s" : "NAME.roothash.p7s",
                            probe && probe->format == RAW_FORMAT_GPT ? " and no verity-sig partition" : "");
                if (r < 0)
                        return r;
                goto done;
        }

        /* The data against the tree. */
        if (fstat(image_fd, &st) < 0)
                return -errno;
        if (c.data.hash_tree_in_image) {
                data_offset = probe->data.offset;
                data_size = probe->data.size;
                hash_offset = probe->verity.offset;
                hash_size = probe->verity.size;
                tree_name = c.data.usr ? "usr-verity partition" : "root-verity partition";
        } else {
                data_size = (uint64_t) st.st_size;
                pfd = host_open(ctx, c.data.hash_tree_path, 0);
                if (pfd < 0)
                        return log_debug_errno(pfd, "%s: failed to open: %m", c.data.hash_tree_path);
                r = fd_verify_regular(pfd);
                if (r < 0) {
                        r = verdict(&c, VERITY_CHECK_MALFORMED, "%s: not a regular file", c.data.hash_tree_path);
                        if (r < 0)
                                return r;
                        goto done;
                }
                hash_fd = fd_reopen(pfd, O_RDONLY | O_NONBLOCK);
                if (hash_fd < 0)
                        return hash_fd;
                tree_name = c.data.hash_tree_path;
        }

        {
                _cleanup_close_ int rfd = -EBADF;
                int fl = fcntl(image_fd, F_GETFL);

                if (fl < 0)
                        return -errno;
                if (fl & O_PATH) {
                        rfd = fd_reopen(image_fd, O_RDONLY | O_NONBLOCK);
                        if (rfd < 0)
                                return rfd;
                }

                r = verity_verify(rfd >= 0 ? rfd : image_fd, data_offset, data_size,
                                  hash_fd >= 0 ? hash_fd : (rfd >= 0 ? rfd : image_fd), hash_offset, hash_size,
                                  c.data.root_hash, c.data.root_hash_size, copy_fd, &c.verify);
                if (r < 0)
                        return log_debug_errno(r, "%s: failed to read while verifying: %m", i->path);
        }

        switch (c.verify.verdict) {
        case VERITY_INTACT:
                r = verdict(&c, VERITY_CHECK_INTACT, "%s: intact, %" PRIu64 " bytes verified against root hash %s (%s)%s%s",
                            i->path, c.verify.bytes_verified, c.data.root_hash_hex, c.data.root_hash_source,
                            c.signature_checked ? "; " : ", unsigned",
                            c.signature_checked ? c.signature.message : "");
                break;
        case VERITY_DATA_CORRUPTED:
                r = verdict(&c, VERITY_CHECK_CORRUPTED, "%s: %s", i->path, c.verify.message);
                break;
        case VERITY_TREE_CORRUPTED:
        case VERITY_ROOT_MISMATCH:
                r = verdict(&c, VERITY_CHECK_CORRUPTED, "%s: %s: %s", i->path, tree_name, c.verify.message);
                break;
        default:
                r = verdict(&c, VERITY_CHECK_MALFORMED, "%s: %s: %s", i->path, tree_name, c.verify.message);
        }
        if (r < 0)
                return r;

done:
        *ret = TAKE_STRUCT(c);
        return 0;
}

int verity_check_image_to_memfd(const Context *ctx, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                                VerityPolicy policy, VerityCheck *ret, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = memfd_create("portables-verified", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;

        r = verity_check_image(ctx, i, image_fd, probe, policy, fd, ret);
        if (r < 0)
                return r;
        if (ret->verdict != VERITY_CHECK_INTACT) {
                *ret_fd = -EBADF;
                return 0;
        }

        if (ftruncate(fd, (off_t) ret->verify.bytes_verified) < 0 ||
            fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
                r = -errno;
                verity_check_done(ret);
                return r;
        }

        *ret_fd = TAKE_FD(fd);
        return 0;
}
