/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "accounts.h"

/* A service's own /etc/passwd and /etc/group in its sandbox (unit-usermap.h): an image's account
 * databases, which are hostile input, re-emitted as well-formed lines only, and the final files,
 * where the service's user has the uid and gid systemd gave it on the host.
 *
 * Well-formed: exactly the fields of passwd(5) (7) or group(5) (4); the name a valid user name
 * (sysusers_valid_name()), ids as account_parse_id(), GECOS printable, home and shell empty or an
 * absolute path (sysusers.h); group members that are not valid names are left out. The password
 * field is written as "x" (the sandbox has no password to check against). Comments, NIS entries
 * ("+", "-") and every other line are left out. */

/* What account_text_filter() may read and write: the image's files are at most
 * IMAGE_ACCOUNTS_FILE_SIZE_MAX, normalizing a line adds at most one byte ("x" for an empty
 * password field). */
#define ACCOUNT_TEXT_SIZE_MAX (2U * IMAGE_ACCOUNTS_FILE_SIZE_MAX)

typedef enum AccountDb {
        ACCOUNT_DB_PASSWD,
        ACCOUNT_DB_GROUP,
} AccountDb;

/* The well-formed lines of text, normalized, without those named drop (NULL: none are dropped).
 * The first line named drop, normalized, goes to *ret_dropped if that is not NULL (NULL if there
 * is none). -E2BIG if text is larger than ACCOUNT_TEXT_SIZE_MAX. */
int account_text_filter(const char *text, AccountDb db, const char *drop, char **ret, char **ret_dropped);

/* The sandbox's /etc/passwd: the lines of template (filtered again, without name's) and
 * "name:x:uid:gid:GECOS:HOME:SHELL", with GECOS, home and shell of user_line (name's line in the
 * image, as account_text_filter() returned it; NULL or "" if it had none), else name, "/" and
 * "/usr/sbin/nologin". */
int account_text_passwd(const char *template, const char *user_line, const char *name, uint32_t uid, uint32_t gid,
                        char **ret);

/* The sandbox's /etc/group: the lines of template (filtered again), with the gid of the group
 * called name set to gid (a line "name:x:gid:" is added if there is none), and so that of the
 * group user_line has as its primary group in the image (the first line with that gid) unless
 * that is gid 0: "chown name:thatgroup" then gives the service's own group. */
int account_text_group(const char *template, const char *user_line, const char *name, uint32_t gid, char **ret);
