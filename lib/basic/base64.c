/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "base64.h"
#include "macro.h"

static int unbase64char(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -EINVAL;
}

int base64_decode_strict(const char *s, size_t n, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t pad = 0, o = 0;

        assert(s || n == 0);
        assert(ret);
        assert(ret_size);

        if (n == 0 || n % 4 != 0)
                return -EBADMSG;
        if (s[n - 1] == '=')
                pad++;
        if (s[n - 2] == '=')
                pad++;

        buf = malloc(n / 4 * 3);
        if (!buf)
                return -ENOMEM;

        for (size_t i = 0; i < n; i += 4) {
                int v[4];
                bool last = i + 4 == n;

                for (size_t k = 0; k < 4; k++) {
                        if (last && s[i + k] == '=' && k >= 4 - pad) {
                                v[k] = 0;
                                continue;
                        }
                        v[k] = unbase64char(s[i + k]);
                        if (v[k] < 0)
                                return -EBADMSG;
                }

                buf[o++] = (uint8_t) (v[0] << 2 | v[1] >> 4);
                if (!last || pad < 2)
                        buf[o++] = (uint8_t) ((v[1] & 15) << 4 | v[2] >> 2);
                if (!last || pad < 1)
                        buf[o++] = (uint8_t) ((v[2] & 3) << 6 | v[3]);
        }

        *ret = TAKE_PTR(buf);
        *ret_size = o;
        return 0;
}
