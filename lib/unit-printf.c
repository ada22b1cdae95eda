/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "string-util.h"
#include "unit-printf.h"

/* As systemd's unit_name_unescape(): "-" is "/", "\xNN" a byte. */
static char *unescape(const char *s) {
        char *r = malloc(strlen(s) + 1), *t = r;

        if (!r)
                return NULL;
        for (; *s; s++) {
                int a, b;

                if (*s == '-')
                        *t++ = '/';
                else if (s[0] == '\\' && s[1] == 'x' && (a = unhexchar(s[2])) >= 0 && (b = unhexchar(s[3])) >= 0) {
                        *t++ = (char) ((a << 4) | b);
                        s += 3;
                } else
                        *t++ = *s;
        }
        *t = 0;
        return r;
}

int unit_printf(const char *unit_name, const char *format, bool full, char **ret) {
        _cleanup_free_ char *stem = NULL, *prefix = NULL, *instance = NULL, *out = NULL;
        const char *at, *dot, *dash;
        size_t n = 0;

        assert(unit_name);
        assert(format);
        assert(ret);

        dot = strrchr(unit_name, '.');
        if (!dot)
                return -EINVAL;
        at = strchr(unit_name, '@');
        if (at > dot)
                at = NULL;
        stem = strndup(unit_name, dot - unit_name);
        prefix = strndup(unit_name, (at ?: dot) - unit_name);
        instance = at ? strndup(at + 1, dot - at - 1) : strdup("");
        out = malloc(1);
        if (!stem || !prefix || !instance || !out)
                return -ENOMEM;
        dash = strrchr(prefix, '-');
        out[0] = 0;

        for (const char *f = format; *f; f++) {
                _cleanup_free_ char *u = NULL;
                const char *add;
                char *t;

                if (*f != '%' || f[1] == 0) {
                        /* The text up to the next "%" at once (a "%" at the end is text). */
                        size_t k = MAX(strcspn(f, "%"), (size_t) 1);

                        t = strextendn(&out, f, k);
                        if (!t)
                                return -ENOMEM;
                        f += k - 1;
                        continue;
                }

                switch (*++f) {
                case '%': add = "%"; break;
                case 'n': add = unit_name; break;
                case 'N': add = stem; break;
                case 'p': add = prefix; break;
                case 'i': add = instance; break;
                case 'j': add = dash ? dash + 1 : prefix; break;
                case 'P':
                case 'I':
                case 'J':
                case 'f':
                        if (!full)
                                return -EBADSLT;
                        if (*f == 'f') {
                                _cleanup_free_ char *x = unescape(*instance ? instance : prefix);
                                if (!x)
                                        return -ENOMEM;
                                u = strjoin("/", x[0] == '/' ? x + 1 : x);
                        } else
                                u = unescape(*f == 'P' ? prefix : *f == 'I' ? instance : (dash ? dash + 1 : prefix));
                        if (!u)
                                return -ENOMEM;
                        add = u;
                        break;
                default:
                        return -EBADSLT;
                }
                if (!strextend(&out, add))
                        return -ENOMEM;
                n++;
        }

        (void) n;
        *ret = TAKE_PTR(out);
        return 0;
}
