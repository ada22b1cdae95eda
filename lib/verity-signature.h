/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "context.h"

/* Checking a dm-verity root hash signature in userspace, as systemd does (dissect-image.c,
 * validate_signature_userspace()): the signature is a DER PKCS#7 (openssl smime -sign -binary
 * -noattr -outform der) over the root hash as lowercase hex text, without newline; the trusted
 * certificates are the "*.crt" PEM files (first certificate of each) in /etc/verity.d,
 * /run/verity.d, /usr/local/lib/verity.d, /usr/lib/verity.d, where a file name in an earlier
 * directory overrides the same name in later ones and a symlink to /dev/null masks it. The signer's
 * certificate must be one of them (PKCS7_NOINTERN: certificates carried in the signature are not
 * trusted; PKCS7_NOVERIFY: no chain, the listed certificate itself is the trust anchor). All paths
 * are host paths, re-rooted through the Context. */

extern const char *const verity_cert_dirs[];

typedef enum VeritySignatureVerdict {
        VERITY_SIGNATURE_TRUSTED,       /* signed by a trusted certificate, over this root hash */
        VERITY_SIGNATURE_UNTRUSTED,     /* signed by a key that is not trusted (or no certificates at all) */
        VERITY_SIGNATURE_INVALID,       /* signer is trusted, but the signature does not match this root hash */
        VERITY_SIGNATURE_MALFORMED,     /* not a DER PKCS#7 signature */
        _VERITY_SIGNATURE_VERDICT_MAX,
} VeritySignatureVerdict;

typedef struct VeritySignatureResult {
        VeritySignatureVerdict verdict;
        char *signer;           /* subject of the signer's certificate, if known ("CN=...") */
        char *certificate;      /* host path of the trusted certificate that matched */
        char *message;          /* one line, for logs and the CLI */
        unsigned n_certificates;/* trusted certificates loaded */
} VeritySignatureResult;

void verity_signature_result_done(VeritySignatureResult *r);

/* Checks sig (DER) over the lowercase hex of root_hash. Returns 0 with *ret filled, <0 on OOM. */
int verity_signature_check(const Context *c, const uint8_t *root_hash, size_t root_hash_size,
                           const uint8_t *sig, size_t sig_size, VeritySignatureResult *ret);
