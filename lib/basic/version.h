/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Compares two version strings the way systemd does (strverscmp_improved(), as shown by
 * `systemd-analyze compare-versions`): "~" sorts before everything, numeric segments compare by
 * value, "-", "^" and "." separate segments. NULL or "" is older than any version.
 * Returns <0, 0 or >0. */
int version_compare(const char *a, const char *b);
