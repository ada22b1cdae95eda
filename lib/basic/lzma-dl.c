/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "lzma-dl.h"

static void *lzma_dl = NULL;

DLSYM_FUNCTION(lzma_microlzma_decoder);
DLSYM_FUNCTION(lzma_code);
DLSYM_FUNCTION(lzma_end);

int dlopen_lzma(void) {
        return dlopen_many_sym(&lzma_dl, "liblzma.so.5",
                               DLSYM_ARG(lzma_microlzma_decoder),
                               DLSYM_ARG(lzma_code),
                               DLSYM_ARG(lzma_end),
                               NULL);
}
