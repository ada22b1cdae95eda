/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <lz4.h>

#include "dlopen-util.h"

/* liblz4.so.1, loaded on first use (lib/dlopen-util.h): for lz4-compressed erofs files. */

DLSYM_PROTOTYPE(LZ4_decompress_safe);
DLSYM_PROTOTYPE(LZ4_decompress_safe_partial);

/* 0, or -EOPNOTSUPP if liblz4.so.1 cannot be loaded (logged at debug level). */
int dlopen_lz4(void);
