/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Strict base64 (RFC 4648, with padding, no white space): n characters of s into a new buffer.
 * Returns 0 with *ret (freed by the caller) and *ret_size, -EBADMSG on anything else, -ENOMEM. */
int base64_decode_strict(const char *s, size_t n, uint8_t **ret, size_t *ret_size);
