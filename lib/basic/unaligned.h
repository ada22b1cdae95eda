/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Reading little and big endian integers from byte buffers at any alignment (superblocks, on-disk
 * headers), as systemd's unaligned.h; the caller has checked that the bytes are there. */

static inline uint16_t unaligned_read_le16(const uint8_t *p) {
        return (uint16_t) (p[0] | p[1] << 8);
}

static inline uint32_t unaligned_read_le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

static inline uint64_t unaligned_read_le64(const uint8_t *p) {
        return (uint64_t) unaligned_read_le32(p) | (uint64_t) unaligned_read_le32(p + 4) << 32;
}

static inline uint32_t unaligned_read_be32(const uint8_t *p) {
        return (uint32_t) p[3] | (uint32_t) p[2] << 8 | (uint32_t) p[1] << 16 | (uint32_t) p[0] << 24;
}

static inline uint64_t unaligned_read_be64(const uint8_t *p) {
        return (uint64_t) unaligned_read_be32(p) << 32 | (uint64_t) unaligned_read_be32(p + 4);
}
