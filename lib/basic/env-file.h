/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Reads environment-style files (os-release): KEY=VALUE lines with shell-like quoting ('...',
 * "..." with \-escapes of "\$`), backslash-newline continuation, "#" comments. Invalid lines are
 * skipped, as systemd's parse_env_file() does. Returns a strv of "KEY=VALUE" in file order;
 * values with control characters other than tab are dropped. */
int env_file_parse(const char *text, char ***ret);

/* The value of the last assignment of key in a strv of KEY=VALUE, or NULL. */
const char *env_get(char *const *l, const char *key);
