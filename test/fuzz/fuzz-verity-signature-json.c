/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The content of a GPT image's root-verity-sig partition: read as is (not NUL terminated: the
 * partition is a byte range), as read_sig_partition() hands it over, then what comes next with
 * the result: the rootHash parsed as a root hash. */

#include "fuzz.h"
#include "verity-sidecar.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *hex = NULL, *fingerprint = NULL, *copy = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        const char *reason = NULL;
        uint8_t h[VERITY_ROOT_HASH_MAX];
        size_t sig_size = 0, hn = 0;
        int r;

        fuzz_setup();

        /* An exact-size heap copy, so that ASan sees any read past the end. */
        copy = malloc(size ?: 1);
        if (!copy)
                abort();
        memcpy(copy, data, size);

        r = verity_parse_signature_json(copy, size, &hex, &sig, &sig_size, &fingerprint, &reason);
        if (r < 0) {
                if (r != -EBADMSG || !reason)
                        abort();        /* every refusal says why */
                return 0;
        }
        if (!hex || !sig || sig_size == 0 || sig_size > VERITY_SIGNATURE_MAX)
                abort();
        (void) verity_parse_root_hash(hex, strlen(hex), h, &hn, &reason);
        return 0;
}
