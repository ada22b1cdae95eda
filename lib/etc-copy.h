/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"
#include "etc-scan.h"

/* Which of an image's /etc trees (etc-scan.h) a service running as the image's user `user` gets
 * readable copies of, and what of each: the trees with a hidden entry owned by that user's uid,
 * its primary group or a group it is a member of (in the image's /etc/passwd and /etc/group; root
 * never counts), with the entries that user may read in the image (the owner, group or other bits
 * that apply to it; directories it may enter, and only below those). */

typedef struct EtcCopy {
        const EtcTree *tree;
        bool *take;             /* per entry of the tree: copied (NULL for large or unreadable trees) */
        size_t n_taken;
        size_t size;            /* of the files taken */
} EtcCopy;

void etc_copies_free(EtcCopy *c, size_t n);

/* A user not in accounts (or root) gets none: *ret NULL. Large and unreadable trees are included
 * (take NULL), for the caller to say why they are not copied. */
int etc_copy_select(const ImageEtc *etc, const HostAccounts *accounts, const char *user, EtcCopy **ret,
                    size_t *ret_n);
