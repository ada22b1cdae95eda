/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Writing values into unit files so that they mean exactly what they say.
 *
 * Image paths and names come from file names in the portables directories; names with control
 * characters, quotes or backslashes, or with leading or trailing white space, are refused before
 * they get here (image_filename_is_valid()), since no setting can carry them faithfully. What is
 * left needs: "%" doubled (every setting we write expands specifiers), and quoting where a
 * setting splits on white space. */

/* "%" -> "%%". For settings that take the whole value as one path (RootImage=, RootDirectory=). */
char *unit_escape_specifiers(const char *s);

/* A single word for settings that split on white space and unquote (Environment=,
 * LogExtraFields=): wrapped in double quotes, with "\\" and "\"" escaped and specifiers escaped. */
char *unit_quote_word(const char *s);
