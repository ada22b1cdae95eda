/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "context.h"
#include "image-discover.h"
#include "image-probe.h"
#include "settings.h"
#include "verity-sidecar.h"
#include "verity-signature.h"
#include "verity-source.h"
#include "verity-verify.h"

/* The whole userspace check of one raw image under a policy: its verity data found
 * (verity-sidecar), the data verified against the hash tree (verity-verify), the root hash
 * signature checked against /etc/verity.d & co (verity-signature). One verdict, one line of text,
 * and the exit code `portables verify` documents. */

typedef enum VerityCheckVerdict {
        VERITY_CHECK_INTACT,            /* data verified (and the signature trusted, where there is one) */
        VERITY_CHECK_NO_VERITY,         /* no verity data at all (acceptable under Verity=auto only; a
                                         * directory image, or no root hash) */
        VERITY_CHECK_CORRUPTED,         /* data or hash tree does not match the root hash */
        VERITY_CHECK_UNSIGNED,          /* Verity=signed, but there is no signature */
        VERITY_CHECK_UNTRUSTED,         /* signed by an untrusted key, or the signature does not match */
        VERITY_CHECK_MALFORMED,         /* a sidecar, the superblock, the signature JSON or PKCS#7 is malformed,
                                         * or something needed is missing (root hash without hash tree, ...) */
        VERITY_CHECK_MISMATCH,          /* a root hash was pinned (VerityPin), and the image has another one */
        _VERITY_CHECK_VERDICT_MAX,
} VerityCheckVerdict;

/* Exit codes of `portables verify`. */
#define VERIFY_EXIT_INTACT 0
#define VERIFY_EXIT_FAILURE 1           /* usage, I/O, image not found */
#define VERIFY_EXIT_CORRUPTED 2
#define VERIFY_EXIT_UNSIGNED 3
#define VERIFY_EXIT_UNTRUSTED 4
#define VERIFY_EXIT_MALFORMED 5
#define VERIFY_EXIT_NO_VERITY 6
#define VERIFY_EXIT_MISMATCH 7          /* not the pinned (expected) root hash */

const char *verity_check_verdict_to_string(VerityCheckVerdict v);
int verity_check_verdict_to_exit_status(VerityCheckVerdict v);

typedef struct VerityCheck {
        VerityCheckVerdict verdict;
        char *message;                  /* one line, naming the image and what is wrong or what was checked */
        VerityData data;
        VerityResult verify;            /* valid if the data was verified */
        VeritySignatureResult signature;/* valid if a signature was checked */
        bool signature_checked;
} VerityCheck;

void verity_check_done(VerityCheck *c);

/* Checks raw image i (image_fd open for reading, probe from raw_image_probe()) under policy, with the
 * root hash pin (NULL: none; see verity-pin.h: the image must have exactly that root hash, and one
 * without a root hash of its own but with a hash tree is verified against it). With
 * VERITY_AUTO an image without verity data is VERITY_CHECK_NO_VERITY; an unsigned one is intact if
 * its data is; a signature, when present, must be trusted under every policy (as systemd requires).
 * If copy_fd >= 0 the verified data region is written to it (see verity_verify()): use it only if
 * the verdict is VERITY_CHECK_INTACT. Returns 0 with *ret filled, <0 on OOM/I/O errors. */
int verity_check_image(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                       VerityPolicy policy, const VerityPin *pin, int copy_fd, VerityCheck *ret);

/* The same, writing the verified data region into a new sealed memfd (F_SEAL_WRITE|SHRINK|GROW|SEAL):
 * *ret_fd is a file holding exactly the verified bytes, which the generator can mount instead of
 * the image (raw_image_mount() takes any fd), so that units are read from verified data only.
 * *ret_fd is set only if the verdict is VERITY_CHECK_INTACT. */
int verity_check_image_to_memfd(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                                VerityPolicy policy, const VerityPin *pin, VerityCheck *ret, int *ret_fd);

/* The same checks, but the data is not read: the top of the hash tree is verified against the
 * (trusted) root hash, and *ret_source (set only if the verdict is VERITY_CHECK_INTACT, else NULL)
 * verifies every block as it is read. verity_source_image_source(*ret_source) is what a user-space
 * file system reader (image-tree.h) takes: the data region (the whole file, or the GPT root/usr
 * partition) through the VeritySource, which keeps its own fds. Here VERITY_CHECK_INTACT says that
 * the signature and the tree are good, not the data: corrupted data fails the reads that touch it
 * (-EBADMSG, verity_source_error()). ret->verify is what verity_source_new_full() said. */
int verity_check_image_source(const Context *c, const DiscoveredImage *i, int image_fd, const RawProbe *probe,
                              VerityPolicy policy, const VerityPin *pin, VerityCheck *ret, VeritySource **ret_source);
