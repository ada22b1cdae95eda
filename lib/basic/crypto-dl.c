/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include "crypto-dl.h"

static void *libcrypto_dl = NULL;

DLSYM_FUNCTION(ASN1_INTEGER_to_BN);
DLSYM_FUNCTION(BIO_ctrl);
DLSYM_FUNCTION(BIO_free);
DLSYM_FUNCTION(BIO_new);
DLSYM_FUNCTION(BIO_new_mem_buf);
DLSYM_FUNCTION(BIO_s_mem);
DLSYM_FUNCTION(BN_bn2hex);
DLSYM_FUNCTION(BN_free);
DLSYM_FUNCTION(CRYPTO_free);
DLSYM_FUNCTION(ERR_clear_error);
DLSYM_FUNCTION(ERR_error_string_n);
DLSYM_FUNCTION(ERR_get_error);
DLSYM_FUNCTION(EVP_DigestFinal_ex);
DLSYM_FUNCTION(EVP_DigestInit_ex);
DLSYM_FUNCTION(EVP_DigestUpdate);
DLSYM_FUNCTION(EVP_MD_CTX_copy_ex);
DLSYM_FUNCTION(EVP_MD_CTX_free);
DLSYM_FUNCTION(EVP_MD_CTX_new);
DLSYM_FUNCTION(EVP_MD_fetch);
DLSYM_FUNCTION(EVP_MD_free);
DLSYM_FUNCTION(EVP_MD_get_size);
DLSYM_FUNCTION(OBJ_obj2nid);
DLSYM_FUNCTION(OPENSSL_sk_free);
DLSYM_FUNCTION(OPENSSL_sk_new_null);
DLSYM_FUNCTION(OPENSSL_sk_num);
DLSYM_FUNCTION(OPENSSL_sk_pop_free);
DLSYM_FUNCTION(OPENSSL_sk_push);
DLSYM_FUNCTION(OPENSSL_sk_value);
DLSYM_FUNCTION(PEM_read_bio_X509);
DLSYM_FUNCTION(PKCS7_free);
DLSYM_FUNCTION(PKCS7_get0_signers);
DLSYM_FUNCTION(PKCS7_get_signer_info);
DLSYM_FUNCTION(PKCS7_verify);
DLSYM_FUNCTION(X509_NAME_print_ex);
DLSYM_FUNCTION(X509_cmp);
DLSYM_FUNCTION(X509_free);
DLSYM_FUNCTION(X509_get_subject_name);
DLSYM_FUNCTION(d2i_PKCS7);

int dlopen_libcrypto(void) {
        return dlopen_many_sym(&libcrypto_dl, "libcrypto.so.3",
                               DLSYM_ARG(ASN1_INTEGER_to_BN),
                               DLSYM_ARG(BIO_ctrl),
                               DLSYM_ARG(BIO_free),
                               DLSYM_ARG(BIO_new),
                               DLSYM_ARG(BIO_new_mem_buf),
                               DLSYM_ARG(BIO_s_mem),
                               DLSYM_ARG(BN_bn2hex),
                               DLSYM_ARG(BN_free),
                               DLSYM_ARG(CRYPTO_free),
                               DLSYM_ARG(ERR_clear_error),
                               DLSYM_ARG(ERR_error_string_n),
                               DLSYM_ARG(ERR_get_error),
                               DLSYM_ARG(EVP_DigestFinal_ex),
                               DLSYM_ARG(EVP_DigestInit_ex),
                               DLSYM_ARG(EVP_DigestUpdate),
                               DLSYM_ARG(EVP_MD_CTX_copy_ex),
                               DLSYM_ARG(EVP_MD_CTX_free),
                               DLSYM_ARG(EVP_MD_CTX_new),
                               DLSYM_ARG(EVP_MD_fetch),
                               DLSYM_ARG(EVP_MD_free),
                               DLSYM_ARG(EVP_MD_get_size),
                               DLSYM_ARG(OBJ_obj2nid),
                               DLSYM_ARG(OPENSSL_sk_free),
                               DLSYM_ARG(OPENSSL_sk_new_null),
                               DLSYM_ARG(OPENSSL_sk_num),
                               DLSYM_ARG(OPENSSL_sk_pop_free),
                               DLSYM_ARG(OPENSSL_sk_push),
                               DLSYM_ARG(OPENSSL_sk_value),
                               DLSYM_ARG(PEM_read_bio_X509),
                               DLSYM_ARG(PKCS7_free),
                               DLSYM_ARG(PKCS7_get0_signers),
                               DLSYM_ARG(PKCS7_get_signer_info),
                               DLSYM_ARG(PKCS7_verify),
                               DLSYM_ARG(X509_NAME_print_ex),
                               DLSYM_ARG(X509_cmp),
                               DLSYM_ARG(X509_free),
                               DLSYM_ARG(X509_get_subject_name),
                               DLSYM_ARG(d2i_PKCS7),
                               NULL);
}
