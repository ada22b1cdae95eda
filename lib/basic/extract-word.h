/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Words of a unit file value, split exactly as systemd's extract_first_word() splits them, with
 * the same flags: every rule that judges a value must see the words systemd will act on, so the
 * quoting, escaping and separator rules here are systemd's to the byte (systemd 252, unchanged
 * since in these respects). */

typedef enum ExtractFlags {
        EXTRACT_RELAX                    = 1 << 0,  /* unbalanced quotes, a trailing backslash: end the word */
        EXTRACT_CUNESCAPE                = 1 << 1,  /* \n, \x2b, \u002b, \053, ... are decoded */
        EXTRACT_UNESCAPE_RELAX           = 1 << 2,  /* an unknown escape is kept as it was */
        EXTRACT_UNESCAPE_SEPARATORS      = 1 << 3,  /* "\:" is ":" for a separator ":" */
        EXTRACT_KEEP_QUOTE               = 1 << 4,  /* quotes delimit but stay in the word */
        EXTRACT_UNQUOTE                  = 1 << 5,  /* quotes delimit and are removed */
        EXTRACT_DONT_COALESCE_SEPARATORS = 1 << 6,  /* "a::b" is "a", "", "b" */
        EXTRACT_RETAIN_ESCAPE            = 1 << 7,  /* backslashes are ordinary characters */
        EXTRACT_RETAIN_SEPARATORS        = 1 << 8,  /* *p stays on the separator */
} ExtractFlags;

/* Decodes the C escape that follows a backslash at p (p points after the backslash), as systemd's
 * cunescape_one() without NUL bytes: returns how many bytes of p it used, with the code point in
 * *ret and *eight_bit set where it is a raw byte (\xNN, \NNN) rather than a Unicode character, or
 * -EINVAL. */
int cunescape_one(const char *p, uint32_t *ret, int *eight_bit);

/* UTF-8 encoding of code point g into out (at least 4 bytes); returns the length, 0 if g is too
 * large. */
size_t utf8_encode_unichar(char *out, uint32_t g);

/* The next word of *p. separators NULL means white space. Returns 1 with the word (possibly
 * empty, for "" or with EXTRACT_DONT_COALESCE_SEPARATORS), 0 at the end (*p is then NULL), or
 * -EINVAL where systemd fails too (an unbalanced quote, a bad escape), -ENOMEM. */
int extract_first_word_full(const char **p, char **ret, const char *separators, ExtractFlags flags);
