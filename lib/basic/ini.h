/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* A reader for systemd's INI dialect (unit files, portable.conf, NAME.portable), reading a text
 * exactly as systemd 252's config_parse() reads a file, so that what a rule sees is what systemd
 * will apply:
 *  - lines end at "\n", "\r", "\r\n" or "\n\r" (read_line());
 *  - a line whose first non-blank character is "#" or ";" is a comment, also inside a
 *    continuation, looked for before a UTF-8 byte order mark is removed (any line may start with
 *    one, until the first one seen);
 *  - a trailing odd backslash continues the line (it becomes a space); the joined line is
 *    reported by the number of its last line;
 *  - "[Section]" headers (systemd refuses the whole file for a header without "]" or with
 *    control characters, quotes or backslashes in the name, and for a line that is not UTF-8);
 *  - "Key=Value" with white space around both stripped; a line without "=", or with nothing
 *    before it, is ignored by systemd.
 * Values are passed on raw: quoting, escaping and specifiers belong to each setting. A NUL byte
 * ends a line for systemd but ends the text here: callers must not pass text with NUL bytes they
 * care about (unit files with NUL bytes are not read at all, see unit-extract.h). */

/* Called for each assignment. section is NULL before the first header (systemd ignores such
 * assignments). Return 0 to go on; any other value stops the parse and is returned by
 * ini_parse(). */
typedef int (*ini_assignment_t)(const char *section, const char *key, const char *value,
                                const char *filename, unsigned line, void *userdata);

/* Called for lines that are neither (no "=" outside a header); return 0 to go on, else stops.
 * May be NULL, then such lines are an error (-EBADMSG). */
typedef int (*ini_garbage_t)(const char *line_text, const char *filename, unsigned line, void *userdata);

int ini_parse(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
              void *userdata);

/* A garbage callback that goes on, as systemd does with lines without "=". */
int ini_garbage_ignore(const char *line_text, const char *filename, unsigned line, void *userdata);

/* As ini_parse(), and lines for which systemd refuses to load the whole file go to invalid (with
 * why instead of the line's text) rather than to garbage. */
int ini_parse_full(const char *text, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
                   ini_garbage_t invalid, void *userdata);

/* A text read once, for callers that read the same text several times with different callbacks
 * (a unit is read by each module that looks at it): ini_lines_parse() takes its lines as
 * ini_parse_full() would, without calling anything; ini_lines_replay() then makes exactly the
 * calls, debug messages and return value ini_parse_full() would make on the text with these
 * callbacks and filename. ini_lines_parse() fails (and nothing is kept) where ini_parse_full()
 * would fail on its own, e.g. on a line that is too long: then parse the text. */
typedef struct IniLines IniLines;

int ini_lines_parse(const char *text, const char *filename, IniLines **ret);
int ini_lines_replay(const IniLines *l, const char *filename, ini_assignment_t assignment, ini_garbage_t garbage,
                     ini_garbage_t invalid, void *userdata);
IniLines *ini_lines_free(IniLines *l);
DEFINE_TRIVIAL_CLEANUP_FUNC(IniLines *, ini_lines_free);

/* ini_lines_replay() of l, or ini_parse_full() of text if l is NULL. */
int ini_parse_lines(const IniLines *l, const char *text, const char *filename, ini_assignment_t assignment,
                    ini_garbage_t garbage, ini_garbage_t invalid, void *userdata);
