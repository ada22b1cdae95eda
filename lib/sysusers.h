/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "context.h"
#include "accounts.h"
#include "image-fs.h"

/* An image's sysusers.d entries (sysusers.d(5)), for the profiles that run services as static
 * users (no DynamicUser=yes, e.g. "trusted"): they are created on the host, by `portables users`
 * and systemd-sysusers, before the image's services start.
 *
 * Read from the image's /etc/sysusers.d and /usr/lib/sysusers.d ("*.conf", a name in /etc hides
 * the one in /usr/lib, a symlink to /dev/null or an empty file masks it), bounded. The parser is
 * systemd-sysusers' own syntax (u, g, m and r lines, "-" for an empty field, quoting, "uid:gid" and
 * "uid:group"), and stricter where the host is at stake:
 *
 *  - names must be valid as systemd's valid_user_group_name() has them in strict mode;
 *  - uid or gid 0 is refused, except for the entries "u root 0" and "g root 0" themselves, which
 *    every host has (distribution images ship them in basic.conf): they are no-ops;
 *  - an ID given as a file path (the owner of a file on the host), specifiers ("%"), unknown line
 *    types and malformed fields are refused: they would mean something else on the host;
 *  - "r" lines are ignored: the host's allocation ranges rule.
 *
 * The host check (sysusers_check_host()) refuses what would change an existing host account: a
 * name that exists with another uid/gid, a uid/gid asked for that another name holds, and "m" lines
 * that add a member to a group the host already has (unless it is a member already). */

#define SYSUSERS_FILES_MAX 64U
#define SYSUSERS_ENTRIES_MAX 512U
#define SYSUSERS_FILE_SIZE_MAX (64U * 1024U)

typedef struct SysusersEntry {
        char type;              /* 'u', 'g', 'm' */
        char *name;             /* user or group; for 'm' the user */
        char *group;            /* 'm': the group; 'u' with "uid:group": the group name */
        bool has_uid, has_gid;  /* 'u': uid, and gid from "uid:gid"; 'g': gid */
        uid_t uid;
        gid_t gid;
        char *description, *home, *shell;       /* NULL: not given */
        char *source;           /* "path:line" in the image */
} SysusersEntry;

typedef struct Sysusers {
        SysusersEntry *entries;
        size_t n_entries;
        char **files;           /* image paths read, in order */
        size_t n_ignored;       /* "r" lines and "root 0" no-ops */
} Sysusers;

void sysusers_done(Sysusers *s);

/* Strict user/group name rules of systemd's valid_user_group_name(). */
bool sysusers_valid_name(const char *n);
/* A GECOS field: printable UTF-8 without ':'. */
bool sysusers_valid_gecos(const char *d);
/* Home directories and shells: absolute, normalized enough for /etc/passwd. */
bool sysusers_valid_passwd_path(const char *p);

/* Parses one file's text (filename for messages). Returns 0, -ENOMEM, or -EBADMSG with
 * *ret_error set to "FILE:LINE: what is wrong". */
int sysusers_parse(Sysusers *s, const char *text, const char *filename, char **ret_error);

/* Reads every sysusers.d file of the image. Same returns as sysusers_parse(); a file that
 * cannot be read is an error too (-EBADMSG with a message): the users must be all or nothing. */
int sysusers_read_image(const ImageFS *fs, Sysusers *ret, char **ret_error);

/* The entry as one line for systemd-sysusers --inline (fields quoted, "-" for empty ones). */
int sysusers_entry_format(const SysusersEntry *e, char **ret);

/* Checks the entries against the host. Returns 0 if they can be applied without changing an
 * existing account, 1 with *ret_problem ("SOURCE: why") if not, <0 on errors. ret_new, if not
 * NULL, gets one line per user or group that would be created ("user foo (uid 990)" / "group bar"). */
int sysusers_check_host(const Sysusers *s, const HostAccounts *h, char **ret_problem, char ***ret_new);

/* A boolean setting (DynamicUser=, PrivateNetwork=, ...) of a [Service] text (a profile, a unit, a
 * drop-in): 1 yes, 0 no, -ENOENT if not set (last assignment wins, an empty one resets). */
int service_text_boolean(const char *text, const char *key);
