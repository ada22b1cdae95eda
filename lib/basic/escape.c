/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "escape.h"
#include "string-util.h"

char *unit_escape_specifiers(const char *s) {
        char *r, *p;

        assert(s);

        r = malloc(strlen(s) * 2 + 1);
        if (!r)
                return NULL;

        for (p = r; *s; s++) {
                if (*s == '%')
                        *p++ = '%';
                *p++ = *s;
        }
        *p = 0;
        return r;
}

char *unit_quote_word(const char *s) {
        char *r, *p;

        assert(s);

        /* Worst case every character doubles, plus two quotes. */
        r = malloc(strlen(s) * 2 + 3);
        if (!r)
                return NULL;

        p = r;
        *p++ = '"';
        for (; *s; s++) {
                if (*s == '%')
                        *p++ = '%';
                else if (*s == '\\' || *s == '"')
                        *p++ = '\\';
                *p++ = *s;
        }
        *p++ = '"';
        *p = 0;
        return r;
}
