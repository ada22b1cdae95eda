/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "env-file.h"
#include "string-util.h"
#include "strv.h"

static bool env_key_char(char c, bool first) {
        return ascii_isalpha(c) || c == '_' || (!first && ascii_isdigit(c));
}

static void skip_line(const char **p) {
        *p += strcspn(*p, "\n");
}

int env_file_parse(const char *text, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = text;
        int r;

        assert(ret);

        for (;;) {
                _cleanup_free_ char *key = NULL, *value = NULL;
                const char *k;
                size_t n = 0, last_unquoted_nonspace = 0;
                bool bad = false, pre_value = true;
                char quote = 0;

                p += strspn(p, WHITESPACE);
                if (*p == 0)
                        break;

                if (*p == '#' || *p == ';') {
                        skip_line(&p);
                        continue;
                }

                for (k = p; env_key_char(*k, k == p); k++)
                        ;
                key = k > p ? strndup(p, k - p) : NULL;
                /* White space around "=" is allowed, as systemd's parse_env_file() allows it. */
                k += strspn(k, " \t");
                if (!key || *k != '=') {
                        skip_line(&p);
                        continue;
                }
                p = k + 1;

                /* The value is never longer than the rest of the text. */
                value = malloc(strlen(p) + 1);
                if (!value)
                        return -ENOMEM;

                /* Leading white space of an unquoted value is dropped. */
                p += strspn(p, " \t");

                for (; *p; p++) {
                        char c = *p;

                        if (quote == '\'') {
                                if (c == '\'') {
                                        quote = 0;
                                        pre_value = true;
                                }
                                else
                                        value[n++] = c;
                                last_unquoted_nonspace = n;
                                continue;
                        }

                        if (quote == '"') {
                                if (c == '"') {
                                        quote = 0;
                                        pre_value = true;
                                }
                                else if (c == '\\' && p[1] == '\n')
                                        p++;
                                else if (c == '\\' && p[1] && strchr("\"\\`$", p[1]))
                                        value[n++] = *++p;
                                else
                                        value[n++] = c;
                                last_unquoted_nonspace = n;
                                continue;
                        }

                        if (c == '\n')
                                break;
                        /* Quotes open only where a value (or a part after a closing quote) starts;
                         * elsewhere they are ordinary characters. */
                        if (pre_value && (c == ' ' || c == '\t'))
                                continue;
                        if (pre_value && (c == '\'' || c == '"')) {
                                quote = c;
                                continue;
                        }
                        pre_value = false;
                        if (c == '\\') {
                                if (p[1] == '\n') {
                                        p++;
                                        continue;
                                }
                                if (p[1] == 0)
                                        break;
                                value[n++] = *++p;
                                last_unquoted_nonspace = n;
                                continue;
                        }

                        value[n++] = c;
                        if (!strchr(WHITESPACE, c))
                                last_unquoted_nonspace = n;
                }

                if (quote)
                        /* Unterminated quote: the rest of the file is not trustworthy. */
                        break;

                /* Trailing white space that was not quoted is dropped. */
                if (n > last_unquoted_nonspace) {
                        size_t m = n;
                        while (m > last_unquoted_nonspace && strchr(" \t\r", value[m - 1]))
                                m--;
                        n = m;
                }
                value[n] = 0;

                for (size_t i = 0; i < n; i++)
                        if ((unsigned char) value[i] < ' ' && value[i] != '\t')
                                bad = true;
                if (bad || !utf8_is_valid(value))
                        continue;

                r = strv_consume(&l, strjoin(key, "=", value));
                if (r < 0)
                        return r;
        }

        if (!l) {
                l = calloc(1, sizeof(char *));
                if (!l)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(l);
        return 0;
}

const char *env_get(char *const *l, const char *key) {
        const char *found = NULL;

        STRV_FOREACH(i, l) {
                const char *e = startswith(*i, key);
                if (e && *e == '=')
                        found = e + 1;
        }
        return found;
}
