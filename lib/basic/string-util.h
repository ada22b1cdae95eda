/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char *startswith(const char *s, const char *prefix) _pure_;
char *endswith(const char *s, const char *suffix) _pure_;

/* Concatenates all arguments up to the NULL sentinel; returns NULL on OOM. */
char *strjoin_real(const char *x, ...) _sentinel_;
#define strjoin(a, ...) strjoin_real((a), __VA_ARGS__, NULL)

/* Appends all arguments up to the NULL sentinel to *x (which may be NULL). Returns *x or NULL on OOM. */
char *strextend_real(char **x, ...) _sentinel_;
#define strextend(x, ...) strextend_real((x), __VA_ARGS__, NULL)

/* Appends the first n bytes of s (fewer if s ends before) to *x (which may be NULL). Returns *x or
 * NULL on OOM. */
char *strextendn(char **x, const char *s, size_t n);

/* printf-style append to *x. Returns 0 or -ENOMEM. */
int strextendf(char **x, const char *format, ...) _printf_(2, 3);

/* A message formatted into a field, for the printf-like setters of result structs (plan_refuse(),
 * set_reason(), ...): *field is freed and replaced by the text. Returns 0, or -ENOMEM with *field
 * NULL. */
int free_and_vasprintf(char **field, const char *format, va_list ap) _printf_(2, 0);

char *strstrip(char *s);
char *delete_trailing_chars(char *s, const char *bad);

bool utf8_is_valid(const char *s);
/* No control characters (incl. newline and DEL) and valid UTF-8. */
bool string_is_printable(const char *s);

#define WHITESPACE " \t\n\r"
#define NEWLINE "\n\r"
#define DIGITS "0123456789"
#define LOWERCASE_LETTERS "abcdefghijklmnopqrstuvwxyz"
#define UPPERCASE_LETTERS "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define LETTERS LOWERCASE_LETTERS UPPERCASE_LETTERS
#define ALPHANUMERICAL LETTERS DIGITS

static inline bool ascii_isdigit(char c) {
        return c >= '0' && c <= '9';
}
static inline bool ascii_isalpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A copy of s safe for one log line: control characters, backslashes and bytes that are not
 * valid UTF-8 become \xNN. */
char *log_escape(const char *s);

/* The value of a hexadecimal digit, or -EINVAL. */
int unhexchar(char c) _const_;

/* Parses a boolean the way systemd does (1/yes/y/true/t/on, 0/no/n/false/f/off). */
int parse_boolean(const char *v);

/* Splits off the first whitespace separated word of *p as systemd's
 * extract_first_word(EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE) does (extract-word.h). Returns 1 and the
 * word, 0 at the end (*p is then NULL), -EINVAL on unbalanced quotes or bad escapes. */
int extract_first_word(const char **p, char **ret);
