/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Two versions, split at the first NUL byte. Checks antisymmetry and reflexivity too. */

#include "fuzz.h"
#include "version.h"

static int sign(int x) {
        return x < 0 ? -1 : x > 0 ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *a = NULL, *b = NULL;
        const uint8_t *nul;

        fuzz_setup();
        nul = memchr(data, 0, size);
        if (nul) {
                a = fuzz_string(data, nul - data);
                b = fuzz_string(nul + 1, size - (nul - data) - 1);
        } else {
                a = fuzz_string(data, size);
                b = strdup("");
                if (!b)
                        abort();
        }

        if (sign(version_compare(a, b)) != -sign(version_compare(b, a)))
                abort();
        if (version_compare(a, a) != 0 || version_compare(b, b) != 0)
                abort();
        return 0;
}
