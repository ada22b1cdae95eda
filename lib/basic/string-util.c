/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdint.h>
#include <strings.h>

#include "extract-word.h"
#include "string-util.h"

char *startswith(const char *s, const char *prefix) {
        assert(s);
        assert(prefix);

        /* Byte by byte: most calls fail at the first one (20000 calls in a warm run of 100 images,
         * where strlen() and strncmp() cost more than the comparison). */
        for (; *prefix; s++, prefix++)
                if (*s != *prefix)
                        return NULL;
        return (char *) s;
}

char *endswith(const char *s, const char *suffix) {
        size_t sl = strlen(s), pl = strlen(suffix);

        assert(s);
        assert(suffix);

        if (pl == 0)
                return (char *) s + sl;
        if (sl < pl)
                return NULL;
        if (memcmp(s + sl - pl, suffix, pl) != 0)
                return NULL;
        return (char *) s + sl - pl;
}

char *strjoin_real(const char *x, ...) {
        va_list ap;
        size_t l = 0;
        char *r, *p;

        va_start(ap, x);
        for (const char *t = x; t; t = va_arg(ap, const char *))
                l += strlen(t);
        va_end(ap);

        r = malloc(l + 1);
        if (!r)
                return NULL;

        p = r;
        va_start(ap, x);
        for (const char *t = x; t; t = va_arg(ap, const char *))
                p = stpcpy(p, t);
        va_end(ap);
        *p = 0;
        return r;
}

char *strextend_real(char **x, ...) {
        va_list ap;
        size_t f, l = 0;
        char *r, *p;

        f = *x ? strlen(*x) : 0;

        va_start(ap, x);
        for (const char *t = va_arg(ap, const char *); t; t = va_arg(ap, const char *))
                l += strlen(t);
        va_end(ap);

        r = realloc(*x, f + l + 1);
        if (!r)
                return NULL;

        p = r + f;
        va_start(ap, x);
        for (const char *t = va_arg(ap, const char *); t; t = va_arg(ap, const char *))
                p = stpcpy(p, t);
        va_end(ap);
        *p = 0;

        *x = r;
        return r;
}

char *strextendn(char **x, const char *s, size_t n) {
        size_t f;
        char *r;

        assert(x);
        assert(s);

        f = *x ? strlen(*x) : 0;
        n = strnlen(s, n);

        r = realloc(*x, f + n + 1);
        if (!r)
                return NULL;
        memcpy(r + f, s, n);
        r[f + n] = 0;

        *x = r;
        return r;
}

int strextendf(char **x, const char *format, ...) {
        _cleanup_free_ char *t = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&t, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        return strextend(x, t) ? 0 : -ENOMEM;
}

int free_and_vasprintf(char **field, const char *format, va_list ap) {
        assert(field);
        assert(format);

        *field = mfree(*field);
        if (vasprintf(field, format, ap) < 0) {
                *field = NULL;
                return -ENOMEM;
        }
        return 0;
}

char *delete_trailing_chars(char *s, const char *bad) {
        char *c = s + strlen(s);

        assert(bad);

        /* From the end: one strchr() per trailing character, not one per character. */
        while (c > s && strchr(bad, c[-1]))
                c--;
        *c = 0;
        return s;
}

static bool is_whitespace(char c) {
        /* WHITESPACE, without a call: strstrip() runs on every line and value of every unit. */
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *strstrip(char *s) {
        char *e;

        while (is_whitespace(*s))
                s++;
        for (e = s + strlen(s); e > s && is_whitespace(e[-1]); e--)
                ;
        *e = 0;
        return s;
}

bool utf8_is_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;

        while (*p) {
                unsigned n;
                uint32_t cp;

                if (*p < 0x80) {
                        p++;
                        continue;
                } else if ((*p & 0xe0) == 0xc0) {
                        n = 1;
                        cp = *p & 0x1f;
                } else if ((*p & 0xf0) == 0xe0) {
                        n = 2;
                        cp = *p & 0x0f;
                } else if ((*p & 0xf8) == 0xf0) {
                        n = 3;
                        cp = *p & 0x07;
                } else
                        return false;

                for (unsigned i = 1; i <= n; i++) {
                        if ((p[i] & 0xc0) != 0x80)
                                return false;
                        cp = (cp << 6) | (p[i] & 0x3f);
                }

                /* Reject overlong encodings, surrogates and values beyond Unicode. */
                if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
                    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
                        return false;

                p += n + 1;
        }

        return true;
}

bool string_is_printable(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < ' ' || *p == 127)
                        return false;
        return utf8_is_valid(s);
}

int parse_boolean(const char *v) {
        if (!v)
                return -EINVAL;

        if (streq(v, "1") || strcasecmp(v, "yes") == 0 || strcasecmp(v, "y") == 0 ||
            strcasecmp(v, "true") == 0 || strcasecmp(v, "t") == 0 || strcasecmp(v, "on") == 0)
                return 1;
        if (streq(v, "0") || strcasecmp(v, "no") == 0 || strcasecmp(v, "n") == 0 ||
            strcasecmp(v, "false") == 0 || strcasecmp(v, "f") == 0 || strcasecmp(v, "off") == 0)
                return 0;

        return -EINVAL;
}

int extract_first_word(const char **p, char **ret) {
        return extract_first_word_full(p, ret, /* separators= */ NULL, EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE);
}

char *log_escape(const char *s) {
        char *r, *p;

        assert(s);

        r = malloc(strlen(s) * 4 + 1);
        if (!r)
                return NULL;

        for (p = r; *s; ) {
                const unsigned char c = (unsigned char) *s;
                size_t n = 0;

                if (c >= 0x80) {
                        /* Keep a valid UTF-8 sequence as it is. */
                        n = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
                        if (n > 0) {
                                char seq[5] = {};
                                memcpy(seq, s, strnlen(s, n));
                                if (strlen(seq) != n || !utf8_is_valid(seq))
                                        n = 0;
                        }
                }

                if (n > 0) {
                        memcpy(p, s, n);
                        p += n;
                        s += n;
                } else if (c < ' ' || c == 127 || c == '\\' || c >= 0x80) {
                        p += sprintf(p, "\\x%02x", c);
                        s++;
                } else
                        *p++ = *s++;
        }
        *p = 0;
        return r;
}

int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}
