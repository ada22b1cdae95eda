/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "crc32.h"
#include "tests.h"

/* The bitwise definition, to check the sliced tables against. */
static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
        uint32_t c = 0xFFFFFFFFU;

        while (n-- > 0) {
                c ^= *p++;
                for (unsigned k = 0; k < 8; k++)
                        c = c & 1 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
        }
        return ~c;
}

TEST(known_vectors) {
        /* The check value of CRC-32/ISO-HDLC (zlib's crc32()), and a few more from zlib. */
        CHECK_INT(crc32_update(0, "", 0), 0);
        CHECK_INT(crc32_update(0, "123456789", 9), 0xCBF43926U);
        CHECK_INT(crc32_update(0, "a", 1), 0xE8B7BE43U);
        CHECK_INT(crc32_update(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339U);
        /* 32 zero bytes and 32 0xFF bytes (RFC 3720 B.4 uses CRC-32C; these are CRC-32's). */
        uint8_t z[32] = {}, f[32];
        memset(f, 0xFF, sizeof(f));
        CHECK_INT(crc32_update(0, z, sizeof(z)), 0x190A55ADU);
        CHECK_INT(crc32_update(0, f, sizeof(f)), 0xFF6CAB0BU);
}

TEST(every_length_and_alignment) {
        uint8_t buf[1100];
        uint32_t x = 1;

        for (size_t i = 0; i < sizeof(buf); i++) {
                x = x * 1103515245U + 12345U;
                buf[i] = (uint8_t) (x >> 16);
        }
        for (size_t off = 0; off < 9; off++)
                for (size_t n = 0; n + off <= sizeof(buf); n += (n < 64 ? 1 : 37)) {
                        CHECK_INT(crc32_update(0, buf + off, n), crc32_bitwise(buf + off, n));
                        CHECK_INT(crc32_update_tables(0, buf + off, n), crc32_bitwise(buf + off, n));
                }
}

TEST(large) {
        /* the folding path (64 bytes and more, x86-64 with PCLMUL): a GPT entry array and more */
        static uint8_t buf[70000];
        uint32_t x = 7;

        for (size_t i = 0; i < sizeof(buf); i++) {
                x = x * 1103515245U + 12345U;
                buf[i] = (uint8_t) (x >> 16);
        }
        CHECK_INT(crc32_update(0, buf, 16384), crc32_bitwise(buf, 16384));
        CHECK_INT(crc32_update_tables(0, buf, 16384), crc32_bitwise(buf, 16384));
        CHECK_INT(crc32_update(0, buf + 3, sizeof(buf) - 3), crc32_bitwise(buf + 3, sizeof(buf) - 3));
        CHECK_INT(crc32_update(crc32_update(0, buf, 1000), buf + 1000, 69000), crc32_bitwise(buf, 70000));
        memset(buf, 0, 16384);
        CHECK_INT(crc32_update(0, buf, 16384), 0xAB54D286U);
}

TEST(chained) {
        const char *s = "The quick brown fox jumps over the lazy dog";

        for (size_t k = 0; k <= 43; k++)
                CHECK_INT(crc32_update(crc32_update(0, s, k), s + k, 43 - k), 0x414FA339U);
}

int main(void) {
        RUN(known_vectors);
        RUN(every_length_and_alignment);
        RUN(large);
        RUN(chained);
        return tests_finish();
}
