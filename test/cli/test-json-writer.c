/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The JSON writer of `portables`: escaping (quotes, backslashes, control characters, invalid
 * UTF-8) and the two layouts, compared byte for byte with what systemd's tools print. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-writer.h"

static int failures = 0;

static void check(const char *what, const char *got, const char *want) {
        if (strcmp(got, want) == 0)
                return;
        fprintf(stderr, "FAIL %s:\n got: %s\nwant: %s\n", what, got, want);
        failures++;
}

static void check_string(const char *in, const char *want) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);

        if (!f)
                abort();
        json_write_string(f, in);
        fclose(f);
        check(in, buf, want);
        free(buf);
}

static void write_doc(JsonWriter *w) {
        char *l[] = { (char *) "a", (char *) "b", NULL };

        json_begin_object(w);
        json_field_string(w, "name", "foo");
        json_field_string(w, "none", NULL);
        json_field_bool(w, "yes", true);
        json_field_unsigned(w, "n", 18446744073709551615ULL);
        json_field_strv(w, "list", l);
        json_field_strv(w, "empty", NULL);
        json_key(w, "obj");
        json_begin_object(w);
        json_end_object(w);
        json_end_object(w);
}

static void check_doc(JsonFormat format, const char *want) {
        char *buf = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&buf, &n);
        JsonWriter w;

        if (!f)
                abort();
        json_writer_init(&w, f, format);
        write_doc(&w);
        if (json_writer_finish(&w) != 0) {
                fprintf(stderr, "FAIL: json_writer_finish() reported an error\n");
                failures++;
        }
        fclose(f);
        check(format == JSON_PRETTY ? "pretty" : "short", buf, want);
        free(buf);
}

int main(void) {
        check_string("plain", "\"plain\"");
        check_string("q\"b\\s/", "\"q\\\"b\\\\s/\"");
        check_string("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
        check_string("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
        check_string("gr\xc3\xbcn \xe2\x82\xac \xf0\x9f\x98\x80", "\"gr\xc3\xbcn \xe2\x82\xac \xf0\x9f\x98\x80\"");
        /* Invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong "/", a
         * surrogate, beyond U+10FFFF, 0xff. Each invalid byte becomes U+FFFD. */
        check_string("a\x80z", "\"a\\ufffdz\"");
        check_string("\xe2\x82", "\"\\ufffd\\ufffd\"");
        check_string("\xc0\xaf", "\"\\ufffd\\ufffd\"");
        check_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
        check_string("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
        check_string("\xff", "\"\\ufffd\"");

        check_doc(JSON_SHORT,
                  "{\"name\":\"foo\",\"none\":null,\"yes\":true,\"n\":18446744073709551615,"
                  "\"list\":[\"a\",\"b\"],\"empty\":[],\"obj\":{}}\n");
        check_doc(JSON_PRETTY,
                  "{\n"
                  "\t\"name\" : \"foo\",\n"
                  "\t\"none\" : null,\n"
                  "\t\"yes\" : true,\n"
                  "\t\"n\" : 18446744073709551615,\n"
                  "\t\"list\" : [\n"
                  "\t\t\"a\",\n"
                  "\t\t\"b\"\n"
                  "\t],\n"
                  "\t\"empty\" : [],\n"
                  "\t\"obj\" : {}\n"
                  "}\n");

        /* Unbalanced output is reported, never silently accepted. */
        {
                char *buf = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&buf, &n);
                JsonWriter w;

                json_writer_init(&w, f, JSON_SHORT);
                json_begin_array(&w);
                if (json_writer_finish(&w) == 0) {
                        fprintf(stderr, "FAIL: an unclosed array was not reported\n");
                        failures++;
                }
                fclose(f);
                free(buf);
        }

        if (failures > 0) {
                fprintf(stderr, "%d failure(s)\n", failures);
                return EXIT_FAILURE;
        }
        printf("json-writer: all checks passed\n");
        return EXIT_SUCCESS;
}
