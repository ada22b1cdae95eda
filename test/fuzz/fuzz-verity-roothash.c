/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* NAME.roothash / NAME.usrhash sidecars and the user.verity.roothash xattr (raw bytes, not NUL
 * terminated), and the strict base64 of the verity-sig JSON. Checks the round trip: a parsed root
 * hash printed as lowercase hex is the input without its trailing white space, lowercased. */

#include <ctype.h>

#include "base64.h"
#include "fuzz.h"
#include "hexdecode.h"
#include "verity-sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *copy = NULL, *hex = NULL;
        _cleanup_free_ uint8_t *b = NULL;
        const char *reason = NULL;
        uint8_t h[VERITY_ROOT_HASH_MAX];
        size_t hn = 0, bn = 0;
        int r;

        fuzz_setup();

        copy = malloc(size ?: 1);
        if (!copy)
                abort();
        memcpy(copy, data, size);

        r = verity_parse_root_hash(copy, size, h, &hn, &reason);
        if (r < 0) {
                if (r != -EBADMSG || !reason)
                        abort();
        } else {
                if (hn < VERITY_ROOT_HASH_MIN || hn > VERITY_ROOT_HASH_MAX)
                        abort();
                hex = hexmem_lower(h, hn);
                if (!hex || size < hn * 2)
                        abort();
                for (size_t k = 0; k < hn * 2; k++)
                        if (hex[k] != tolower((unsigned char) copy[k]))
                                abort();
        }

        r = base64_decode_strict(copy, size, &b, &bn);
        if (r == 0 && bn > size / 4 * 3)
                abort();
        return 0;
}
