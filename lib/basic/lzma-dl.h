/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <lzma.h>

#include "dlopen-util.h"

/* liblzma.so.5, loaded on first use (lib/dlopen-util.h): for lzma (MicroLZMA) compressed erofs
 * files. lzma_microlzma_decoder() is in liblzma >= 5.3.3. */

DLSYM_PROTOTYPE(lzma_microlzma_decoder);
DLSYM_PROTOTYPE(lzma_code);
DLSYM_PROTOTYPE(lzma_end);

/* 0, or -EOPNOTSUPP if liblzma.so.5 (with the MicroLZMA decoder) cannot be loaded (logged at
 * debug level). */
int dlopen_lzma(void);
