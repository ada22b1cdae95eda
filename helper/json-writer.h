/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A small streaming JSON writer, formatting like systemd's tools: --json=pretty indents with tabs
 * and separates keys with " : ", --json=short is compact; both end with a newline. Strings are
 * escaped as JSON requires ('"', '\\', control characters); bytes that are not valid UTF-8 are
 * written as U+FFFD, so that the output is always valid JSON whatever an image holds. */

typedef enum JsonFormat {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
        _JSON_FORMAT_MAX,
        _JSON_FORMAT_INVALID = -22,
} JsonFormat;

JsonFormat json_format_from_string(const char *s);

#define JSON_DEPTH_MAX 32U

typedef struct JsonWriter {
        FILE *f;
        JsonFormat format;
        unsigned depth;
        bool empty[JSON_DEPTH_MAX];     /* no element in the container at this depth yet */
        bool after_key;                 /* a key was written, its value comes next */
        int error;                      /* first error (-E2BIG for nesting too deep) */
} JsonWriter;

void json_writer_init(JsonWriter *w, FILE *f, JsonFormat format);
/* Ends the output (a newline) and returns the first error seen, or a write error of f. */
int json_writer_finish(JsonWriter *w);

void json_begin_object(JsonWriter *w);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w);
void json_end_array(JsonWriter *w);
void json_key(JsonWriter *w, const char *key);

void json_string(JsonWriter *w, const char *s);        /* NULL: null */
void json_null(JsonWriter *w);
void json_bool(JsonWriter *w, bool b);
void json_unsigned(JsonWriter *w, uint64_t u);
void json_strv(JsonWriter *w, char *const *l);          /* NULL: [] */

/* Key and value in one. */
void json_field_string(JsonWriter *w, const char *key, const char *s);
void json_field_bool(JsonWriter *w, const char *key, bool b);
void json_field_unsigned(JsonWriter *w, const char *key, uint64_t u);
void json_field_strv(JsonWriter *w, const char *key, char *const *l);

/* Writes s as a JSON string literal (with quotes) to f. Exposed for tests. */
void json_write_string(FILE *f, const char *s);
