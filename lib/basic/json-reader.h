/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/* A small strict JSON reader over a bounded buffer of hostile text, for the few values the caller
 * wants out of it (the verity-sig partition's object): the caller walks the top-level object itself
 * and reads or skips each value. Strings decode ASCII and \u escapes below 0x80 only (the values
 * wanted are hex and base64, and keys are ASCII); containers nest at most JSON_DEPTH_MAX deep.
 * Every function returns 0 or -EBADMSG with the first problem kept in JsonReader.reason (static
 * text), or -ENOMEM. */

#define JSON_DEPTH_MAX 8

typedef struct JsonReader {
        const char *p, *end;
        const char *reason;             /* the first problem met, or NULL */
} JsonReader;

/* Skips JSON white space. */
void json_reader_skip_ws(JsonReader *j);

/* Sets reason (if none is set yet) and returns -EBADMSG. */
int json_reader_fail(JsonReader *j, const char *reason);

/* If the next byte is c, consumes it and returns true. */
bool json_reader_consume(JsonReader *j, char c);

/* true if the next byte is c (false at the end). */
bool json_reader_peek(const JsonReader *j, char c);

/* Reads a string: decoded into *ret (freed by the caller) if ret is non-NULL, else skipped. */
int json_reader_string(JsonReader *j, char **ret);

/* Skips one value of any type; depth is the nesting level it is at. */
int json_reader_skip_value(JsonReader *j, unsigned depth);
