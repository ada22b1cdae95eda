/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "extract-word.h"
#include "macro.h"
#include "string-util.h"

static int unoctchar(char c) {
        return c >= '0' && c <= '7' ? c - '0' : -EINVAL;
}

/* As systemd: below the end of Unicode, not a UTF-16 surrogate, not a non-character. */
static bool unichar_is_valid(uint32_t c) {
        return c < 0x110000 && (c & 0xFFFFF800) != 0xD800 && !(c >= 0xFDD0 && c <= 0xFDEF) &&
               (c & 0xFFFE) != 0xFFFE;
}

static int hex_digits(const char *p, size_t n, uint32_t *ret) {
        uint32_t v = 0;

        for (size_t i = 0; i < n; i++) {
                int d = unhexchar(p[i]);
                if (d < 0)
                        return -EINVAL;
                v = (v << 4) | (uint32_t) d;
        }
        *ret = v;
        return 0;
}

int cunescape_one(const char *p, uint32_t *ret, int *eight_bit) {
        static const char simple[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"''s ";
        uint32_t v;

        assert(p);
        assert(ret);
        assert(eight_bit);

        *eight_bit = false;

        if (*p == 0)
                return -EINVAL;

        for (size_t i = 0; simple[i]; i += 2)
                if (*p == simple[i]) {
                        *ret = (unsigned char) simple[i + 1];
                        return 1;
                }

        switch (*p) {
        case 'x':       /* two hex digits, a raw byte */
                if (hex_digits(p + 1, 2, &v) < 0 || v == 0)
                        return -EINVAL;
                *ret = v;
                *eight_bit = true;
                return 3;

        case 'u':       /* four hex digits, a code point */
                if (hex_digits(p + 1, 4, &v) < 0 || v == 0)
                        return -EINVAL;
                *ret = v;
                return 5;

        case 'U':       /* eight hex digits, a valid code point */
                if (hex_digits(p + 1, 8, &v) < 0 || v == 0 || !unichar_is_valid(v))
                        return -EINVAL;
                *ret = v;
                return 9;

        case '0' ... '7': {     /* three octal digits, a raw byte */
                int a = unoctchar(p[0]), b = unoctchar(p[1]), c = a >= 0 && b >= 0 ? unoctchar(p[2]) : -EINVAL;

                if (a < 0 || b < 0 || c < 0)
                        return -EINVAL;
                v = ((uint32_t) a << 6) | ((uint32_t) b << 3) | (uint32_t) c;
                if (v == 0 || v > 255)
                        return -EINVAL;
                *ret = v;
                *eight_bit = true;
                return 3;
        }

        default:
                return -EINVAL;
        }
}

size_t utf8_encode_unichar(char *out, uint32_t g) {
        assert(out);

        if (g < 0x80) {
                out[0] = (char) g;
                return 1;
        }
        if (g < 0x800) {
                out[0] = (char) (0xc0 | (g >> 6));
                out[1] = (char) (0x80 | (g & 0x3f));
                return 2;
        }
        if (g < 0x10000) {
                out[0] = (char) (0xe0 | (g >> 12));
                out[1] = (char) (0x80 | ((g >> 6) & 0x3f));
                out[2] = (char) (0x80 | (g & 0x3f));
                return 3;
        }
        if (g < 0x200000) {
                out[0] = (char) (0xf0 | (g >> 18));
                out[1] = (char) (0x80 | ((g >> 12) & 0x3f));
                out[2] = (char) (0x80 | ((g >> 6) & 0x3f));
                out[3] = (char) (0x80 | (g & 0x3f));
                return 4;
        }
        return 0;
}

int extract_first_word_full(const char **p, char **ret, const char *separators, ExtractFlags flags) {
        _cleanup_free_ char *s = NULL;
        size_t n = 0;
        char quote = 0;
        bool backslash = false;
        const char *c;

        assert(p);
        assert(ret);
        assert(!((flags & EXTRACT_KEEP_QUOTE) && (flags & EXTRACT_UNQUOTE)));

        /* The word is never longer than its input (an escape is at least as long as what it decodes
         * to), so one allocation of strlen(input) + 1 holds it. */
        *ret = NULL;
        if (!*p)
                return 0;
        if (!separators)
                separators = WHITESPACE;
        c = *p;

        /* Leading separators: skipped, or with EXTRACT_DONT_COALESCE_SEPARATORS each one ends an
         * empty word. */
        if (flags & EXTRACT_DONT_COALESCE_SEPARATORS) {
                s = malloc(strlen(c) + 1);
                if (!s)
                        return -ENOMEM;
                if (*c && strchr(separators, *c)) {
                        if (!(flags & EXTRACT_RETAIN_SEPARATORS))
                                c++;
                        goto next;
                }
        } else {
                c += strspn(c, separators);
                if (*c == 0) {
                        *p = NULL;
                        return 0;
                }
                s = malloc(strlen(c) + 1);
                if (!s)
                        return -ENOMEM;
        }

        for (;; c++) {
                if (backslash) {
                        backslash = false;
                        if (*c == 0) {
                                if ((flags & EXTRACT_UNESCAPE_RELAX) && (quote == 0 || (flags & EXTRACT_RELAX))) {
                                        s[n++] = '\\';
                                        goto end;
                                }
                                if (flags & EXTRACT_RELAX)
                                        goto end;
                                return -EINVAL;
                        }
                        if (flags & (EXTRACT_CUNESCAPE | EXTRACT_UNESCAPE_SEPARATORS)) {
                                uint32_t u;
                                int eight_bit, k = -EINVAL;

                                if (flags & EXTRACT_CUNESCAPE)
                                        k = cunescape_one(c, &u, &eight_bit);
                                if (k > 0) {
                                        c += k - 1;
                                        if (eight_bit)
                                                s[n++] = (char) u;
                                        else
                                                n += utf8_encode_unichar(s + n, u);
                                } else if ((flags & EXTRACT_UNESCAPE_SEPARATORS) && (strchr(separators, *c) || *c == '\\'))
                                        s[n++] = *c;
                                else if (flags & EXTRACT_UNESCAPE_RELAX) {
                                        s[n++] = '\\';
                                        s[n++] = *c;
                                } else
                                        return -EINVAL;
                        } else
                                s[n++] = *c;
                        continue;
                }

                if (*c == 0) {
                        if (quote != 0 && !(flags & EXTRACT_RELAX))
                                return -EINVAL;
                        goto end;
                }

                if (quote != 0) {
                        if (*c == quote) {
                                quote = 0;
                                if (flags & EXTRACT_UNQUOTE)
                                        continue;
                        } else if (*c == '\\' && !(flags & EXTRACT_RETAIN_ESCAPE)) {
                                backslash = true;
                                continue;
                        }
                        s[n++] = *c;
                        continue;
                }

                if ((*c == '\'' || *c == '"') && (flags & (EXTRACT_KEEP_QUOTE | EXTRACT_UNQUOTE))) {
                        quote = *c;
                        if (flags & EXTRACT_UNQUOTE)
                                continue;
                        s[n++] = *c;
                        continue;
                }
                if (*c == '\\' && !(flags & EXTRACT_RETAIN_ESCAPE)) {
                        backslash = true;
                        continue;
                }
                if (strchr(separators, *c)) {
                        if (flags & EXTRACT_DONT_COALESCE_SEPARATORS) {
                                if (!(flags & EXTRACT_RETAIN_SEPARATORS))
                                        c++;
                                goto next;
                        }
                        if (!(flags & EXTRACT_RETAIN_SEPARATORS)) {
                                c += strspn(c, separators);
                                if (*c == 0)
                                        goto end;
                        }
                        goto next;
                }
                s[n++] = *c;
        }

end:
        c = NULL;
next:
        s[n] = 0;
        *p = c;
        *ret = TAKE_PTR(s);
        return 1;
}
