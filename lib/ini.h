/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* A reader for systemd's INI dialect (unit files, portable.conf, NAME.portable): "[Section]"
 * headers, "Key=Value" assignments with white space around both stripped, "#" and ";" comments,
 * and lines continued with a trailing backslash (which becomes a space; comment lines inside a
 * continuation are skipped), exactly as systemd's config_parse() reads them. Values are passed on
 * raw: quoting and specifiers belong to each setting. */

/* Called for each assignment. section is NULL before the first header. Return 0 to go on; any
 * other value stops the parse and is returned by ini_parse(). */
typedef int (*ini_assignment_t)(const char *section, const char *key, const char *value,
                                const char *filename, unsigned line, void *userdata);

/* Called for lines that are neither (no "=" outside a header); return 0 to go on, else stops.
 * May be NULL, then such lines are an error (-EBADMSG). */
typedef int (*ini_garbage_t)(const char *line_text, const char *filename, unsigned line, void *userdata);

int ini_parse(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
              void *userdata);
