/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-reader.h"
#include "macro.h"
#include "string-util.h"

void json_reader_skip_ws(JsonReader *j) {
        assert(j);

        while (j->p < j->end && strchr(" \t\n\r", *j->p) && *j->p != '\0')
                j->p++;
}

int json_reader_fail(JsonReader *j, const char *reason) {
        assert(j);

        if (!j->reason)
                j->reason = reason;
        return -EBADMSG;
}

bool json_reader_peek(const JsonReader *j, char c) {
        assert(j);

        return j->p < j->end && *j->p == c;
}

bool json_reader_consume(JsonReader *j, char c) {
        if (!json_reader_peek(j, c))
                return false;
        j->p++;
        return true;
}

int json_reader_string(JsonReader *j, char **ret) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        assert(j);

        if (!json_reader_consume(j, '"'))
                return json_reader_fail(j, "expected a string");

        /* Decoded length is at most the raw length. */
        if (ret) {
                s = malloc((size_t) (j->end - j->p) + 1);
                if (!s)
                        return -ENOMEM;
        }

        for (;;) {
                char c;

                if (j->p >= j->end)
                        return json_reader_fail(j, "unterminated string");
                c = *j->p++;
                if (c == '"')
                        break;
                if ((unsigned char) c < 0x20)
                        return json_reader_fail(j, "control character in a string");
                if (c == '\\') {
                        if (j->p >= j->end)
                                return json_reader_fail(j, "unterminated string");
                        c = *j->p++;
                        switch (c) {
                        case '"': case '\\': case '/':
                                break;
                        case 'b': c = '\b'; break;
                        case 'f': c = '\f'; break;
                        case 'n': c = '\n'; break;
                        case 'r': c = '\r'; break;
                        case 't': c = '\t'; break;
                        case 'u': {
                                int v = 0;

                                if (j->end - j->p < 4)
                                        return json_reader_fail(j, "bad \\u escape");
                                for (int k = 0; k < 4; k++) {
                                        int h = unhexchar(j->p[k]);
                                        if (h < 0)
                                                return json_reader_fail(j, "bad \\u escape");
                                        v = v << 4 | h;
                                }
                                j->p += 4;
                                if (v == 0 || v >= 0x80)
                                        return json_reader_fail(j, "\\u escape outside ASCII");
                                c = (char) v;
                                break;
                        }
                        default:
                                return json_reader_fail(j, "bad escape in a string");
                        }
                }
                if (s)
                        s[n++] = c;
        }

        if (ret) {
                s[n] = '\0';
                *ret = TAKE_PTR(s);
        }
        return 0;
}

static int json_reader_skip_container(JsonReader *j, unsigned depth, char open, char close) {
        int r;

        if (depth >= JSON_DEPTH_MAX)
                return json_reader_fail(j, "nested too deeply");
        j->p++; /* open */
        json_reader_skip_ws(j);
        if (json_reader_consume(j, close))
                return 0;
        for (;;) {
                if (open == '{') {
                        r = json_reader_string(j, /* ret= */ NULL);
                        if (r < 0)
                                return r;
                        json_reader_skip_ws(j);
                        if (!json_reader_consume(j, ':'))
                                return json_reader_fail(j, "expected ':'");
                        json_reader_skip_ws(j);
                }
                r = json_reader_skip_value(j, depth + 1);
                if (r < 0)
                        return r;
                json_reader_skip_ws(j);
                if (json_reader_consume(j, ',')) {
                        json_reader_skip_ws(j);
                        continue;
                }
                if (json_reader_consume(j, close))
                        return 0;
                return json_reader_fail(j, "expected ',' or the end of an object or array");
        }
}

int json_reader_skip_value(JsonReader *j, unsigned depth) {
        assert(j);

        if (j->p >= j->end)
                return json_reader_fail(j, "expected a value");

        switch (*j->p) {
        case '"':
                return json_reader_string(j, /* ret= */ NULL);
        case '{':
                return json_reader_skip_container(j, depth, '{', '}');
        case '[':
                return json_reader_skip_container(j, depth, '[', ']');
        default:
                if (j->end - j->p >= 4 && (memcmp(j->p, "true", 4) == 0 || memcmp(j->p, "null", 4) == 0)) {
                        j->p += 4;
                        return 0;
                }
                if (j->end - j->p >= 5 && memcmp(j->p, "false", 5) == 0) {
                        j->p += 5;
                        return 0;
                }
                if (*j->p == '-' || ascii_isdigit(*j->p)) {
                        j->p++;
                        while (j->p < j->end && (ascii_isdigit(*j->p) || strchr(".eE+-", *j->p)) && *j->p != '\0')
                                j->p++;
                        return 0;
                }
                return json_reader_fail(j, "unexpected character");
        }
}
