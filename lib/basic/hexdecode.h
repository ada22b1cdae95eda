/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Hexadecimal text and bytes. The digit itself: unhexchar() (string-util.h). */

/* Lowercase hex of n bytes, NUL terminated; NULL on OOM. */
char *hexmem_lower(const uint8_t *p, size_t n);

/* Decodes n hex digits (either case, n even, nothing else) into n / 2 bytes at ret, which must have
 * room for them. Returns n / 2, or -EBADMSG (ret is then partly written). */
int unhexmem_into(const char *s, size_t n, uint8_t *ret);
