/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "crypto-dl.h"
#include "fileio.h"
#include "hexdecode.h"
#include "log.h"
#include "string-util.h"
#include "strv.h"
#include "verity-sidecar.h"
#include "verity-signature.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(BIO *, sym_BIO_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(X509 *, sym_X509_free);
DEFINE_TRIVIAL_CLEANUP_FUNC(PKCS7 *, sym_PKCS7_free);

static inline void sk_X509_pop_freep(STACK_OF(X509) **sk) {
        if (*sk)
                dl_sk_X509_pop_free(*sk, sym_X509_free);
}
static inline void sk_X509_freep(STACK_OF(X509) **sk) {
        if (*sk)
                dl_sk_X509_free(*sk);
}

#define CERT_FILE_MAX (64U * 1024U)

const char *const verity_cert_dirs[] = {
        "/etc/verity.d",
        "/run/verity.d",
        "/usr/local/lib/verity.d",
        "/usr/lib/verity.d",
        NULL,
};

void verity_signature_result_done(VeritySignatureResult *r) {
        assert(r);

        free(r->signer);
        free(r->certificate);
        free(r->message);
        *r = (VeritySignatureResult) {};
}

static int set_message(VeritySignatureResult *res, VeritySignatureVerdict v, const char *fmt, ...) _printf_(3, 4);
static int set_message(VeritySignatureResult *res, VeritySignatureVerdict v, const char *fmt, ...) {
        va_list ap;
        int r;

        res->verdict = v;
        va_start(ap, fmt);
        r = free_and_vasprintf(&res->message, fmt, ap);
        va_end(ap);
        return r;
}

/* The certificate files, conf-files style: by name, the first directory wins; masked or unreadable
 * entries are skipped (as systemd does, with a debug message). */
static int load_trusted(const Context *c, STACK_OF(X509) *sk, char ***paths) {
        _cleanup_strv_free_ char **seen = NULL, **files = NULL;
        int r;

        for (const char *const *dir = verity_cert_dirs; *dir; dir++) {
                _cleanup_strv_free_ char **names = NULL;
                _cleanup_closedir_ DIR *d = NULL;

                r = host_opendir(c, *dir, &d);
                if (IN_SET(r, -ENOENT, -ENOTDIR))
                        continue;
                if (r < 0) {
                        log_debug_errno(r, "Failed to open %s, ignoring: %m", *dir);
                        continue;
                }
                r = dir_list(d, ".crt", SIZE_MAX, &names);
                if (r < 0)
                        return r;

                STRV_FOREACH(n, names) {
                        if (strv_contains(seen, *n))
                                continue;
                        r = strv_extend(&seen, *n);
                        if (r < 0)
                                return r;
                        r = strv_consume(&files, strjoin(*dir, "/", *n));
                        if (r < 0)
                                return r;
                }
        }
        strv_sort(files);

        STRV_FOREACH(f, files) {
                _cleanup_(sym_BIO_freep) BIO *bio = NULL;
                _cleanup_(sym_X509_freep) X509 *x = NULL;
                _cleanup_free_ char *text = NULL;
                size_t n = 0;

                /* A symlink to /dev/null masks: it is not a regular file and is skipped here. */
                r = host_read_file(c, *f, CERT_FILE_MAX, &text, &n);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        log_debug_errno(r, "Skipping %s: %m", *f);
                        continue;
                }

                bio = sym_BIO_new_mem_buf(text, (int) n);
                if (!bio)
                        return -ENOMEM;
                x = sym_PEM_read_bio_X509(bio, NULL, NULL, NULL);
                if (!x) {
                        sym_ERR_clear_error();
                        log_debug("Skipping %s: not a PEM X.509 certificate.", *f);
                        continue;
                }
                if (dl_sk_X509_push(sk, x) == 0)
                        return -ENOMEM;
                TAKE_PTR(x);
                r = strv_extend(paths, *f);
                if (r < 0)
                        return r;
        }

        return 0;
}

static char *name_to_string(const X509_NAME *name) {
        _cleanup_(sym_BIO_freep) BIO *b = NULL;
        char *s = NULL;
        long n;

        b = sym_BIO_new(sym_BIO_s_mem());
        if (!b)
                return NULL;
        if (sym_X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) < 0)
                return NULL;
        n = dl_BIO_get_mem_data(b, &s);
        if (n < 0)
                return NULL;
        return strndup(s, (size_t) n);
}

/* Who signed it, by what the signature itself says (embedded certificate, else issuer and serial). */
static char *describe_signer(PKCS7 *p7) {
        STACK_OF(PKCS7_SIGNER_INFO) *infos;
        PKCS7_SIGNER_INFO *si;
        _cleanup_free_ char *issuer = NULL, *serial = NULL;
        char *s = NULL;

        _cleanup_(sk_X509_freep) STACK_OF(X509) *embedded = sym_PKCS7_get0_signers(p7, NULL, 0);
        sym_ERR_clear_error();
        if (embedded && dl_sk_X509_num(embedded) > 0)
                return name_to_string(sym_X509_get_subject_name(dl_sk_X509_value(embedded, 0)));

        infos = sym_PKCS7_get_signer_info(p7);
        if (!infos || dl_sk_PKCS7_SIGNER_INFO_num(infos) <= 0)
                return NULL;
        si = dl_sk_PKCS7_SIGNER_INFO_value(infos, 0);
        if (!si || !si->issuer_and_serial)
                return NULL;
        issuer = name_to_string(si->issuer_and_serial->issuer);
        {
                BIGNUM *bn = sym_ASN1_INTEGER_to_BN(si->issuer_and_serial->serial, NULL);
                if (bn) {
                        char *h = sym_BN_bn2hex(bn);
                        if (h) {
                                serial = strdup(h);
                                dl_OPENSSL_free(h);
                        }
                        sym_BN_free(bn);
                }
        }
        if (asprintf(&s, "a certificate issued by %s, serial %s", strna(issuer), strna(serial)) < 0)
                return NULL;
        return s;
}

int verity_signature_check(const Context *c, const uint8_t *root_hash, size_t root_hash_size,
                           const uint8_t *sig, size_t sig_size, VeritySignatureResult *ret) {
        assert(ret);


        _cleanup_(verity_signature_result_done) VeritySignatureResult res = {};
        _cleanup_(sk_X509_pop_freep) STACK_OF(X509) *trusted = NULL;
        _cleanup_(sk_X509_freep) STACK_OF(X509) *signers = NULL;
        _cleanup_strv_free_ char **paths = NULL;
        _cleanup_(sym_PKCS7_freep) PKCS7 *p7 = NULL;
        _cleanup_free_ char *hex = NULL, *dirs = NULL;
        _cleanup_(sym_BIO_freep) BIO *bio = NULL;
        const unsigned char *d = sig;
        int r;

        if (!root_hash || root_hash_size == 0 || !sig || sig_size == 0 || sig_size > VERITY_SIGNATURE_MAX)
                return -EINVAL;

        r = dlopen_libcrypto();
        if (r < 0)
                return log_debug_errno(r, "Cannot check verity signatures without libcrypto: %m");

        dirs = strv_join((char **) verity_cert_dirs, ", ");
        if (!dirs)
                return -ENOMEM;

        p7 = sym_d2i_PKCS7(NULL, &d, (long) sig_size);
        if (!p7 || d != sig + sig_size || !dl_PKCS7_type_is_signed(p7)) {
                sym_ERR_clear_error();
                r = set_message(&res, VERITY_SIGNATURE_MALFORMED, "signature is not a DER PKCS#7 signature");
                if (r < 0)
                        return r;
                goto done;
        }

        res.signer = describe_signer(p7);

        trusted = dl_sk_X509_new_null();
        if (!trusted)
                return -ENOMEM;
        r = load_trusted(c, trusted, &paths);
        if (r < 0)
                return r;
        res.n_certificates = (unsigned) dl_sk_X509_num(trusted);

        if (res.n_certificates == 0) {
                r = set_message(&res, VERITY_SIGNATURE_UNTRUSTED,
                                "signed by %s, but there are no trusted certificates (*.crt in %s)",
                                res.signer ?: "an unknown key", dirs);
                if (r < 0)
                        return r;
                goto done;
        }

        /* Is the signer one of ours? Only our certificates are looked at, never ones in the signature. */
        signers = sym_PKCS7_get0_signers(p7, trusted, PKCS7_NOINTERN);
        if (!signers || dl_sk_X509_num(signers) <= 0) {
                sym_ERR_clear_error();
                r = set_message(&res, VERITY_SIGNATURE_UNTRUSTED,
                                "signed by %s, which is not among the %u trusted certificates in %s",
                                res.signer ?: "an unknown key", res.n_certificates, dirs);
                if (r < 0)
                        return r;
                goto done;
        }

        for (int k = 0; k < dl_sk_X509_num(trusted); k++)
                if (sym_X509_cmp(dl_sk_X509_value(trusted, k), dl_sk_X509_value(signers, 0)) == 0) {
                        res.certificate = strdup(paths[k]);
                        if (!res.certificate)
                                return -ENOMEM;
                        break;
                }
        free(res.signer);
        res.signer = name_to_string(sym_X509_get_subject_name(dl_sk_X509_value(signers, 0)));

        hex = hexmem_lower(root_hash, root_hash_size);
        if (!hex)
                return -ENOMEM;
        bio = sym_BIO_new_mem_buf(hex, (int) strlen(hex));
        if (!bio)
                return -ENOMEM;

        if (sym_PKCS7_verify(p7, trusted, NULL, bio, NULL, PKCS7_NOINTERN | PKCS7_NOVERIFY) != 1) {
                unsigned long e = sym_ERR_get_error();
                char buf[256];

                sym_ERR_error_string_n(e, buf, sizeof(buf));
                sym_ERR_clear_error();
                /* Without certificates in it, a PKCS#7 names its signer by issuer and serial only: anybody
                 * can name a trusted certificate. Do not call that "signed by" it. */
                r = set_message(&res, VERITY_SIGNATURE_INVALID,
                                "names trusted certificate %s (%s) as its signer, but does not verify with its key "
                                "over root hash %s: signed by another key or over another root hash (%s)",
                                strna(res.signer), strna(res.certificate), hex, buf);
                if (r < 0)
                        return r;
                goto done;
        }

        r = set_message(&res, VERITY_SIGNATURE_TRUSTED, "signed by %s, trusted by %s",
                        strna(res.signer), strna(res.certificate));
        if (r < 0)
                return r;

done:
        *ret = TAKE_STRUCT(res);
        return 0;
}
