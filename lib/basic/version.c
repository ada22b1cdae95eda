/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "string-util.h"
#include "version.h"

static bool is_valid_version_char(char c) {
        return ascii_isdigit(c) || ascii_isalpha(c) || IN_SET(c, '~', '-', '^', '.');
}

int version_compare(const char *a, const char *b) {
        if (isempty(a) || isempty(b))
                return CMP(!isempty(a), !isempty(b));

        for (;;) {
                const char *aa, *bb;
                int r;

                while (*a != 0 && !is_valid_version_char(*a))
                        a++;
                while (*b != 0 && !is_valid_version_char(*b))
                        b++;

                /* "~" marks a pre-release: older than anything, even the end of the string. */
                if (*a == '~' || *b == '~') {
                        r = CMP(*a != '~', *b != '~');
                        if (r != 0)
                                return r;
                        a++;
                        b++;
                }

                /* Except for "~" segments, the string with more segments is newer. */
                if (*a == 0 || *b == 0)
                        return CMP(*a != 0, *b != 0);

                /* "-" separates version and release: the one with the separator here is older. */
                if (*a == '-' || *b == '-') {
                        r = CMP(*a != '-', *b != '-');
                        if (r != 0)
                                return r;
                        a++;
                        b++;
                }

                /* "^" marks a patched release. */
                if (*a == '^' || *b == '^') {
                        r = CMP(*a != '^', *b != '^');
                        if (r != 0)
                                return r;
                        a++;
                        b++;
                }

                /* "." separates point releases. */
                if (*a == '.' || *b == '.') {
                        r = CMP(*a != '.', *b != '.');
                        if (r != 0)
                                return r;
                        a++;
                        b++;
                }

                if (ascii_isdigit(*a) || ascii_isdigit(*b)) {
                        for (aa = a; ascii_isdigit(*aa); aa++)
                                ;
                        for (bb = b; ascii_isdigit(*bb); bb++)
                                ;

                        /* A numeric segment is newer than an alphabetic one. */
                        r = CMP(a != aa, b != bb);
                        if (r != 0)
                                return r;

                        while (*a == '0')
                                a++;
                        while (*b == '0')
                                b++;

                        r = CMP(aa - a, bb - b);
                        if (r != 0)
                                return r;

                        r = memcmp(a, b, aa - a);
                        if (r != 0)
                                return CMP(r, 0);
                } else {
                        for (aa = a; ascii_isalpha(*aa); aa++)
                                ;
                        for (bb = b; ascii_isalpha(*bb); bb++)
                                ;

                        r = memcmp(a, b, MIN(aa - a, bb - b));
                        if (r != 0)
                                return CMP(r, 0);

                        r = CMP(aa - a, bb - b);
                        if (r != 0)
                                return r;
                }

                a = aa;
                b = bb;
        }
}
