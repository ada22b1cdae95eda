/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which host accounts `portables users` created for an image, so that `portables detach --clean`
 * removes those and only those (an account that existed before is the host's). One file per image
 * NAME, /etc/portables/.users/NAME (below the root; hidden: image discovery skips it), lines
 * "user X" or "group X". Accounts are /etc state: the record lives beside them in /etc. */

#define USERS_RECORD_DIR "/etc/portables/.users"

/* Adds the accounts of created (sysusers_check_host()'s "user X (uid N)", "group X") to NAME's record. */
int users_record_add(const char *root, const char *name, char *const *created);
/* The record's lines ("user X", "group X"); NULL if there is none. */
int users_record_read(const char *root, const char *name, char ***ret);
int users_record_remove(const char *root, const char *name);
