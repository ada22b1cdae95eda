/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <pthread.h>
#include <stdbool.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#  include <immintrin.h>
#  define HAVE_CRC32_CLMUL 1
#endif

#include "crc32.h"

static uint32_t crc32_table[8][256];
static pthread_once_t crc32_once = PTHREAD_ONCE_INIT;

#ifdef HAVE_CRC32_CLMUL
static bool crc32_have_clmul = false;
#endif

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
#ifdef HAVE_CRC32_CLMUL
        __builtin_cpu_init();
        crc32_have_clmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
#endif
}

#ifdef HAVE_CRC32_CLMUL
/* Folding with carry-less multiplication, four 128-bit lanes at a time, then Barrett reduction: the
 * algorithm of Intel's "Fast CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction"
 * (Gopal et al., 2009), with its constants for the bit-reflected 0x04C11DB7, as in Linux's
 * crc32-pclmul and Chromium's zlib. Takes and returns the inverted state (like the table loop);
 * size >= 64 and a multiple of 16. About 10x the table's speed. */
__attribute__((target("pclmul,sse4.1")))
static uint32_t crc32_clmul(uint32_t c, const uint8_t *p, size_t size) {
        const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
        const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
        const __m128i k5k0 = _mm_set_epi64x(0, 0x0163cd6124);
        const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
        const __m128i mask32 = _mm_setr_epi32(~0, 0, ~0, 0);
        __m128i x1, x2, x3, x4, x5, x6, x7, x8;

        x1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *) (p + 0x00)), _mm_cvtsi32_si128((int) c));
        x2 = _mm_loadu_si128((const __m128i *) (p + 0x10));
        x3 = _mm_loadu_si128((const __m128i *) (p + 0x20));
        x4 = _mm_loadu_si128((const __m128i *) (p + 0x30));
        p += 64;
        size -= 64;

        for (; size >= 64; p += 64, size -= 64) {
                x5 = _mm_clmulepi64_si128(x1, k1k2, 0x00);
                x6 = _mm_clmulepi64_si128(x2, k1k2, 0x00);
                x7 = _mm_clmulepi64_si128(x3, k1k2, 0x00);
                x8 = _mm_clmulepi64_si128(x4, k1k2, 0x00);
                x1 = _mm_clmulepi64_si128(x1, k1k2, 0x11);
                x2 = _mm_clmulepi64_si128(x2, k1k2, 0x11);
                x3 = _mm_clmulepi64_si128(x3, k1k2, 0x11);
                x4 = _mm_clmulepi64_si128(x4, k1k2, 0x11);
                x1 = _mm_xor_si128(_mm_xor_si128(x1, x5), _mm_loadu_si128((const __m128i *) (p + 0x00)));
                x2 = _mm_xor_si128(_mm_xor_si128(x2, x6), _mm_loadu_si128((const __m128i *) (p + 0x10)));
                x3 = _mm_xor_si128(_mm_xor_si128(x3, x7), _mm_loadu_si128((const __m128i *) (p + 0x20)));
                x4 = _mm_xor_si128(_mm_xor_si128(x4, x8), _mm_loadu_si128((const __m128i *) (p + 0x30)));
        }

        /* four lanes into one */
        x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), x2), x5);
        x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), x3), x5);
        x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
        x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x11), x4), x5);

        for (; size >= 16; p += 16, size -= 16) {
                x5 = _mm_clmulepi64_si128(x1, k3k4, 0x00);
                x1 = _mm_clmulepi64_si128(x1, k3k4, 0x11);
                x1 = _mm_xor_si128(_mm_xor_si128(x1, _mm_loadu_si128((const __m128i *) p)), x5);
        }

        /* 128 bits to 64 */
        x2 = _mm_clmulepi64_si128(x1, k3k4, 0x10);
        x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
        x2 = _mm_srli_si128(x1, 4);
        x1 = _mm_and_si128(x1, mask32);
        x1 = _mm_xor_si128(_mm_clmulepi64_si128(x1, k5k0, 0x00), x2);

        /* Barrett reduction to 32 */
        x2 = _mm_and_si128(x1, mask32);
        x2 = _mm_clmulepi64_si128(x2, poly, 0x10);
        x2 = _mm_and_si128(x2, mask32);
        x2 = _mm_clmulepi64_si128(x2, poly, 0x00);
        x1 = _mm_xor_si128(x1, x2);

        return (uint32_t) _mm_extract_epi32(x1, 1);
}
#endif

static uint32_t crc32_tables(uint32_t c, const uint8_t *p, size_t size) {
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

        return c;
}

uint32_t crc32_update_tables(uint32_t crc, const void *buf, size_t size) {
        if (size == 0)
                return crc;
        (void) pthread_once(&crc32_once, crc32_init);
        return ~crc32_tables(~crc, buf, size);
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t size) {
        const uint8_t *p = buf;
        uint32_t c = ~crc;

        if (size == 0)
                return crc;

        (void) pthread_once(&crc32_once, crc32_init);

#ifdef HAVE_CRC32_CLMUL
        if (crc32_have_clmul && size >= 64) {
                size_t n = size & ~(size_t) 15;

                c = crc32_clmul(c, p, n);
                p += n;
                size -= n;
        }
#endif

        return ~crc32_tables(c, p, size);
}
