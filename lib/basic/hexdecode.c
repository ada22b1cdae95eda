/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdlib.h>

#include "hexdecode.h"
#include "macro.h"
#include "string-util.h"

char *hexmem_lower(const uint8_t *p, size_t n) {
        static const char digits[] = "0123456789abcdef";
        char *s;

        assert(p || n == 0);

        s = malloc(n * 2 + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                s[2 * i] = digits[p[i] >> 4];
                s[2 * i + 1] = digits[p[i] & 15];
        }
        s[n * 2] = '\0';
        return s;
}

int unhexmem_into(const char *s, size_t n, uint8_t *ret) {
        assert(s || n == 0);
        assert(ret || n == 0);

        if (n % 2 != 0)
                return -EBADMSG;
        for (size_t k = 0; k < n / 2; k++) {
                int a = unhexchar(s[2 * k]), b = unhexchar(s[2 * k + 1]);

                if (a < 0 || b < 0)
                        return -EBADMSG;
                ret[k] = (uint8_t) (a << 4 | b);
        }
        return (int) (n / 2);
}
