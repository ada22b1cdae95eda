/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "image-fs.h"

/* Account databases in the files format of passwd(5) and group(5), read as files, never through
 * NSS (a generator must not talk to daemons): the host's, below the context root, and an image's,
 * through its ImageFS. Bounded; a missing file is an empty list; lines that are not
 * "name:x:id:..." (comments, NIS "+"/"-" entries, bad ids) are skipped. */

#define ACCOUNTS_FILE_SIZE_MAX (16U * 1024U * 1024U)
/* An image's: what a service's sandbox may get a copy of (unit-identity.h). */
#define IMAGE_ACCOUNTS_FILE_SIZE_MAX (256U * 1024U)

typedef struct HostAccount {
        char *name;
        uint32_t id;
        uint32_t gid;           /* users only: the primary group (UINT32_MAX: not a valid one) */
        char **members;         /* groups only */
} HostAccount;

typedef struct HostAccounts {
        HostAccount *users, *groups;
        size_t n_users, n_groups;
} HostAccounts;

void host_accounts_done(HostAccounts *h);
int host_accounts_load(const Context *c, HostAccounts *ret);
int image_accounts_load(const ImageFS *fs, HostAccounts *ret);
const HostAccount *host_account_by_name(const HostAccount *a, size_t n, const char *name);
const HostAccount *host_account_by_id(const HostAccount *a, size_t n, uint32_t id);

/* Decimal, as systemd's parse_uid(): no sign, no white space, not the invalid 65535 and 2^32-1. */
int account_parse_id(const char *s, uint32_t *ret);
