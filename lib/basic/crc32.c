/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <pthread.h>

#include "crc32.h"

static uint32_t crc32_table[8][256];
static pthread_once_t crc32_once = PTHREAD_ONCE_INIT;

static void crc32_init(void) {
        for (uint32_t i = 0; i < 256; i++) {
                uint32_t c = i;

                for (unsigned k = 0; k < 8; k++)
                        c = c & 1 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
                crc32_table[0][i] = c;
        }
        /* table[k][i]: the CRC of byte i followed by k zero bytes */
        for (uint32_t i = 0; i < 256; i++)
                for (unsigned k = 1; k < 8; k++)
                        crc32_table[k][i] = (crc32_table[k - 1][i] >> 8) ^ crc32_table[0][crc32_table[k - 1][i] & 0xFF];
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t size) {
        const uint8_t *p = buf;
        uint32_t c = ~crc;

        if (size == 0)
                return crc;

        (void) pthread_once(&crc32_once, crc32_init);

        for (; size > 0 && ((uintptr_t) p & 7) != 0; size--)
                c = crc32_table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);

        /* Bytes assembled little endian by hand: correct on any host byte order. */
        for (; size >= 8; size -= 8, p += 8) {
                uint32_t lo = c ^ ((uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24);
                uint32_t hi = (uint32_t) p[4] | (uint32_t) p[5] << 8 | (uint32_t) p[6] << 16 | (uint32_t) p[7] << 24;

                c = crc32_table[7][lo & 0xFF] ^ crc32_table[6][(lo >> 8) & 0xFF] ^
                    crc32_table[5][(lo >> 16) & 0xFF] ^ crc32_table[4][lo >> 24] ^
                    crc32_table[3][hi & 0xFF] ^ crc32_table[2][(hi >> 8) & 0xFF] ^
                    crc32_table[1][(hi >> 16) & 0xFF] ^ crc32_table[0][hi >> 24];
        }

        for (; size > 0; size--)
                c = crc32_table[0][(c ^ *p++) & 0xFF] ^ (c >> 8);

        return ~c;
}
