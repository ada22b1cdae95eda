/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <inttypes.h>

#include "json-writer.h"
#include "macro.h"

JsonFormat json_format_from_string(const char *s) {
        if (streq(s, "pretty"))
                return JSON_PRETTY;
        if (streq(s, "short"))
                return JSON_SHORT;
        if (streq(s, "off"))
                return JSON_OFF;
        return _JSON_FORMAT_INVALID;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one: overlong encodings,
 * surrogates and code points beyond U+10FFFF are invalid. */
static size_t utf8_sequence_length(const unsigned char *p) {
        uint32_t cp;
        size_t n;

        if (p[0] < 0x80)
                return 1;
        if ((p[0] & 0xe0) == 0xc0) {
                n = 2;
                cp = p[0] & 0x1f;
        } else if ((p[0] & 0xf0) == 0xe0) {
                n = 3;
                cp = p[0] & 0x0f;
        } else if ((p[0] & 0xf8) == 0xf0) {
                n = 4;
                cp = p[0] & 0x07;
        } else
                return 0;

        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xc0) != 0x80)      /* also stops at the terminating NUL */
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3f);
        }

        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                return 0;
        return n;
}

void json_write_string(FILE *f, const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        fputc('"', f);
        while (*p) {
                size_t n;

                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20) {
                                fprintf(f, "\\u%04x", (unsigned) *p);
                                break;
                        }
                        n = utf8_sequence_length(p);
                        if (n == 0) {
                                /* One invalid byte at a time becomes U+FFFD. */
                                fputs("\\ufffd", f);
                                break;
                        }
                        fwrite(p, 1, n, f);
                        p += n;
                        continue;
                }
                p++;
        }
        fputc('"', f);
}

void json_writer_init(JsonWriter *w, FILE *f, JsonFormat format) {
        *w = (JsonWriter) { .f = f, .format = format };
}

static void indent(JsonWriter *w, unsigned depth) {
        fputc('\n', w->f);
        for (unsigned i = 0; i < depth; i++)
                fputc('\t', w->f);
}

/* Before any value or key: the separator from the previous element and, pretty, the indentation. */
static void element_begin(JsonWriter *w) {
        if (w->after_key) {
                w->after_key = false;
                return;
        }
        if (w->depth == 0)
                return;
        if (!w->empty[w->depth - 1])
                fputc(',', w->f);
        w->empty[w->depth - 1] = false;
        if (w->format == JSON_PRETTY)
                indent(w, w->depth);
}

static void container_begin(JsonWriter *w, char c) {
        element_begin(w);
        if (w->depth >= JSON_DEPTH_MAX) {
                if (w->error == 0)
                        w->error = -E2BIG;
                return;
        }
        fputc(c, w->f);
        w->empty[w->depth++] = true;
}

static void container_end(JsonWriter *w, char c) {
        if (w->depth == 0) {
                if (w->error == 0)
                        w->error = -EINVAL;
                return;
        }
        w->depth--;
        if (!w->empty[w->depth] && w->format == JSON_PRETTY)
                indent(w, w->depth);
        fputc(c, w->f);
}

void json_begin_object(JsonWriter *w) {
        container_begin(w, '{');
}

void json_end_object(JsonWriter *w) {
        container_end(w, '}');
}

void json_begin_array(JsonWriter *w) {
        container_begin(w, '[');
}

void json_end_array(JsonWriter *w) {
        container_end(w, ']');
}

void json_key(JsonWriter *w, const char *key) {
        element_begin(w);
        json_write_string(w->f, key);
        fputs(w->format == JSON_PRETTY ? " : " : ":", w->f);
        w->after_key = true;
}

void json_string(JsonWriter *w, const char *s) {
        element_begin(w);
        if (s)
                json_write_string(w->f, s);
        else
                fputs("null", w->f);
}

void json_null(JsonWriter *w) {
        element_begin(w);
        fputs("null", w->f);
}

void json_bool(JsonWriter *w, bool b) {
        element_begin(w);
        fputs(b ? "true" : "false", w->f);
}

void json_unsigned(JsonWriter *w, uint64_t u) {
        element_begin(w);
        fprintf(w->f, "%" PRIu64, u);
}

void json_strv(JsonWriter *w, char *const *l) {
        json_begin_array(w);
        for (char *const *s = l; s && *s; s++)
                json_string(w, *s);
        json_end_array(w);
}

void json_field_string(JsonWriter *w, const char *key, const char *s) {
        json_key(w, key);
        json_string(w, s);
}

void json_field_bool(JsonWriter *w, const char *key, bool b) {
        json_key(w, key);
        json_bool(w, b);
}

void json_field_unsigned(JsonWriter *w, const char *key, uint64_t u) {
        json_key(w, key);
        json_unsigned(w, u);
}

void json_field_strv(JsonWriter *w, const char *key, char *const *l) {
        json_key(w, key);
        json_strv(w, l);
}

int json_writer_finish(JsonWriter *w) {
        if (w->depth != 0 && w->error == 0)
                w->error = -EINVAL;
        fputc('\n', w->f);
        if (fflush(w->f) != 0 && w->error == 0)
                w->error = -errno;
        if (ferror(w->f) && w->error == 0)
                w->error = -EIO;
        return w->error;
}
