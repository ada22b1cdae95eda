/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "lz4-dl.h"

static void *lz4_dl = NULL;

DLSYM_FUNCTION(LZ4_decompress_safe);
DLSYM_FUNCTION(LZ4_decompress_safe_partial);

int dlopen_lz4(void) {
        return dlopen_many_sym(&lz4_dl, "liblz4.so.1",
                               DLSYM_ARG(LZ4_decompress_safe),
                               DLSYM_ARG(LZ4_decompress_safe_partial),
                               NULL);
}
