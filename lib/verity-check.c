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
        [VERITY_CHECK_MISMATCH] = "mismatch",
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
        case VERITY_CHECK_MISMATCH:     return VERIFY_EXIT_MISMATCH;
        default:                        return VERIFY_EXIT_FAILURE;
        }
}

void verity_check_done(VerityCheck *c) {
        assert(c);

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

/* Where the data and its hash tree are, once the verity data is found and complete, and its
 * signature (if any, or required) trusted. */
typedef struct CheckTarget {
        int data_fd;                    /* the image, readable (owned if reopened) */
        int hash_fd;                    /* the hash tree's file (owned if a sidecar), or data_fd */
        int own_data_fd, own_hash_fd;
        uint64_t data_offset, data_size, hash_offset, hash_size;
        const char *tree_name;
} CheckTarget;

static void check_target_done(CheckTarget *t) {
        safe_close(t->own_data_fd);
        safe_close(t->own_hash_fd);
}

/* 1 and *t when there is something to verify, 0 when c's verdict is already decided, <0 on errors. */
static int check_prepare(const Context *ctx, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                         VerityPolicy policy, const VerityPin *pin, VerityCheck *c, CheckTarget *t) {
        struct stat st;
        int r;

        *t = (CheckTarget) { .data_fd = -EBADF, .hash_fd = -EBADF, .own_data_fd = -EBADF, .own_hash_fd = -EBADF,
                             .hash_size = UINT64_MAX };

        if (i->type != IMAGE_RAW) {
                r = verdict(c, VERITY_CHECK_NO_VERITY, "%s: directory images cannot carry verity data", i->path);
                return r < 0 ? r : 0;
        }

        r = verity_data_find(ctx, i, image_fd, probe, pin, &c->data);
        if (r < 0)
                return r;

        if (c->data.malformed) {
                r = verdict(c, VERITY_CHECK_MALFORMED, "%s", c->data.malformed);
                return r < 0 ? r : 0;
        }
        if (c->data.pin_mismatch) {
                r = verdict(c, VERITY_CHECK_MISMATCH, "%s: %s", i->path, c->data.pin_mismatch);
                return r < 0 ? r : 0;
        }
        if (!verity_data_complete(&c->data)) {
                if (verity_pin_set(pin))
                        r = verdict(c, VERITY_CHECK_NO_VERITY, "%s: %s pins a root hash, but there is no verity data "
                                    "(no hash tree: %s)", i->path, strna(pin->origin),
                                    probe && probe->format == RAW_FORMAT_GPT ? "no verity partition" : "no NAME.verity");
                else if (policy == VERITY_AUTO)
                        r = verdict(c, VERITY_CHECK_NO_VERITY, "%s: no verity data (no root hash)", i->path);
                else
                        r = verdict(c, VERITY_CHECK_NO_VERITY,
                                    "%s: Verity=%s, but there is no verity data (no NAME.roothash, no xattr user.verity.roothash%s%s%s)",
                                    i->path, verity_policy_to_string(policy),
                                    probe && probe->format == RAW_FORMAT_GPT ? ", no verity-sig partition" : "",
                                    c->data.uuid_hint_rejected ? "; " : "", strempty(c->data.uuid_hint_rejected));
                return r < 0 ? r : 0;
        }

        /* Signature first: it is cheap, and under Verity=signed nothing else matters without it. */
        if (c->data.signature_size > 0) {
                r = verity_signature_check(ctx, c->data.root_hash, c->data.root_hash_size, c->data.signature,
                                           c->data.signature_size, &c->signature);
                if (r < 0)
                        return r;
                c->signature_checked = true;

                const char *from = c->data.signature_path ?: "the verity-sig partition";
                switch (c->signature.verdict) {
                case VERITY_SIGNATURE_TRUSTED:
                        break;
                case VERITY_SIGNATURE_MALFORMED:
                        r = verdict(c, VERITY_CHECK_MALFORMED, "%s: %s: %s", i->path, from, c->signature.message);
                        break;
                default:
                        r = verdict(c, VERITY_CHECK_UNTRUSTED, "%s: %s: %s", i->path, from, c->signature.message);
                }
                if (r < 0)
                        return r;
                if (c->signature.verdict != VERITY_SIGNATURE_TRUSTED)
                        return 0;
        } else if (policy == VERITY_SIGNED) {
                r = verdict(c, VERITY_CHECK_UNSIGNED, "%s: Verity=signed, but the root hash is not signed (no %s%s)",
                            i->path, c->data.usr ? "NAME.usrhash.p7s" : "NAME.roothash.p7s",
                            probe && probe->format == RAW_FORMAT_GPT ? " and no verity-sig partition" : "");
                return r < 0 ? r : 0;
        }

        /* The data and the tree: the image (reopened if O_PATH), and the sidecar or the verity partition. */
        t->data_fd = fd_readable(image_fd, &t->own_data_fd);
        if (t->data_fd < 0)
                return t->data_fd;

        if (fstat(t->data_fd, &st) < 0)
                return -errno;
        if (c->data.hash_tree_in_image) {
                t->data_offset = probe->data.offset;
                t->data_size = probe->data.size;
                t->hash_fd = t->data_fd;
                t->hash_offset = probe->verity.offset;
                t->hash_size = probe->verity.size;
                t->tree_name = c->data.usr ? "usr-verity partition" : "root-verity partition";
        } else {
                _cleanup_close_ int pfd = -EBADF;

                t->data_size = (uint64_t) st.st_size;
                pfd = host_open(ctx, c->data.hash_tree_path, 0);
                if (pfd < 0)
                        return log_debug_errno(pfd, "%s: failed to open: %m", c->data.hash_tree_path);
                r = fd_verify_regular(pfd);
                if (r < 0) {
                        r = verdict(c, VERITY_CHECK_MALFORMED, "%s: not a regular file", c->data.hash_tree_path);
                        return r < 0 ? r : 0;
                }
                t->own_hash_fd = fd_reopen(pfd, O_RDONLY | O_NONBLOCK);
                if (t->own_hash_fd < 0)
                        return t->own_hash_fd;
                t->hash_fd = t->own_hash_fd;
                t->tree_name = c->data.hash_tree_path;
        }

        return 1;
}

/* The verdict for what verity_verify() or verity_source_new_full() said, in c->verify. */
static int check_verdict(VerityCheck *c, const DiscoveredImage *i, const CheckTarget *t, bool whole) {
        switch (c->verify.verdict) {
        case VERITY_INTACT:
                if (whole)
                        return verdict(c, VERITY_CHECK_INTACT, "%s: intact, %" PRIu64 " bytes verified against root hash %s (%s)%s%s",
                                       i->path, c->verify.bytes_verified, c->data.root_hash_hex, c->data.root_hash_source,
                                       c->signature_checked ? "; " : ", unsigned",
                                       c->signature_checked ? c->signature.message : "");
                return verdict(c, VERITY_CHECK_INTACT, "%s: hash tree %s matches root hash %s (%s)%s%s; data verified as read",
                               i->path, t->tree_name, c->data.root_hash_hex, c->data.root_hash_source,
                               c->signature_checked ? "; " : ", unsigned",
                               c->signature_checked ? c->signature.message : "");
        case VERITY_DATA_CORRUPTED:
                return verdict(c, VERITY_CHECK_CORRUPTED, "%s: %s", i->path, c->verify.message);
        case VERITY_TREE_CORRUPTED:
        case VERITY_ROOT_MISMATCH:
                return verdict(c, VERITY_CHECK_CORRUPTED, "%s: %s: %s", i->path, t->tree_name, c->verify.message);
        default:
                return verdict(c, VERITY_CHECK_MALFORMED, "%s: %s: %s", i->path, t->tree_name, c->verify.message);
        }
}

int verity_check_image(const Context *ctx, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                       VerityPolicy policy, const VerityPin *pin, int copy_fd, VerityCheck *ret) {
        _cleanup_(verity_check_done) VerityCheck c = {};
        _cleanup_(check_target_done) CheckTarget t = {};
        int r;

        r = check_prepare(ctx, i, image_fd, probe, policy, pin, &c, &t);
        if (r < 0)
                return r;
        if (r > 0) {
                r = verity_verify(t.data_fd, t.data_offset, t.data_size, t.hash_fd, t.hash_offset, t.hash_size,
                                  c.data.root_hash, c.data.root_hash_size, copy_fd, &c.verify);
                if (r < 0)
                        return log_debug_errno(r, "%s: failed to read while verifying: %m", i->path);

                r = check_verdict(&c, i, &t, true);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_STRUCT(c);
        return 0;
}

int verity_check_image_source(const Context *ctx, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                              VerityPolicy policy, const VerityPin *pin, VerityCheck *ret, VeritySource **ret_source) {

        _cleanup_(verity_check_done) VerityCheck c = {};
        _cleanup_(check_target_done) CheckTarget t = {};
        _cleanup_(verity_source_freep) VeritySource *v = NULL;
        int r;

        r = check_prepare(ctx, i, image_fd, probe, policy, pin, &c, &t);
        if (r < 0)
                return r;
        if (r > 0) {
                r = verity_source_new_full(t.data_fd, t.data_offset, t.data_size, t.hash_fd, t.hash_offset, t.hash_size,
                                           c.data.root_hash, c.data.root_hash_size, &c.verify, &v);
                if (r < 0 && r != -EBADMSG)
                        return log_debug_errno(r, "%s: failed to read while verifying: %m", i->path);

                r = check_verdict(&c, i, &t, false);
                if (r < 0)
                        return r;
        }

        *ret_source = c.verdict == VERITY_CHECK_INTACT ? TAKE_PTR(v) : NULL;
        *ret = TAKE_STRUCT(c);
        return 0;
}

int verity_check_image_to_memfd(const Context *ctx, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                                VerityPolicy policy, const VerityPin *pin, VerityCheck *ret, int *ret_fd) {
        _cleanup_close_ int fd = -EBADF;
        int r;

        assert(ret_fd);

        fd = memfd_create("portables-verified", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;

        r = verity_check_image(ctx, i, image_fd, probe, policy, pin, fd, ret);
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
