/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "dlopen-util.h"

/* libcrypto.so.3, loaded on first use (lib/basic/dlopen-util.h): for dm-verity hashes and signatures. */

DLSYM_PROTOTYPE(ASN1_INTEGER_to_BN);
DLSYM_PROTOTYPE(BIO_ctrl);
DLSYM_PROTOTYPE(BIO_free);
DLSYM_PROTOTYPE(BIO_new);
DLSYM_PROTOTYPE(BIO_new_mem_buf);
DLSYM_PROTOTYPE(BIO_s_mem);
DLSYM_PROTOTYPE(BN_bn2hex);
DLSYM_PROTOTYPE(BN_free);
DLSYM_PROTOTYPE(CRYPTO_free);
DLSYM_PROTOTYPE(ERR_clear_error);
DLSYM_PROTOTYPE(ERR_error_string_n);
DLSYM_PROTOTYPE(ERR_get_error);
DLSYM_PROTOTYPE(EVP_DigestFinal_ex);
DLSYM_PROTOTYPE(EVP_DigestInit_ex);
DLSYM_PROTOTYPE(EVP_DigestUpdate);
DLSYM_PROTOTYPE(EVP_MD_CTX_copy_ex);
DLSYM_PROTOTYPE(EVP_MD_CTX_free);
DLSYM_PROTOTYPE(EVP_MD_CTX_new);
DLSYM_PROTOTYPE(EVP_MD_fetch);
DLSYM_PROTOTYPE(EVP_MD_free);
DLSYM_PROTOTYPE(EVP_MD_get_size);
DLSYM_PROTOTYPE(OBJ_obj2nid);
DLSYM_PROTOTYPE(OPENSSL_sk_free);
DLSYM_PROTOTYPE(OPENSSL_sk_new_null);
DLSYM_PROTOTYPE(OPENSSL_sk_num);
DLSYM_PROTOTYPE(OPENSSL_sk_pop_free);
DLSYM_PROTOTYPE(OPENSSL_sk_push);
DLSYM_PROTOTYPE(OPENSSL_sk_value);
DLSYM_PROTOTYPE(PEM_read_bio_X509);
DLSYM_PROTOTYPE(PKCS7_free);
DLSYM_PROTOTYPE(PKCS7_get0_signers);
DLSYM_PROTOTYPE(PKCS7_get_signer_info);
DLSYM_PROTOTYPE(PKCS7_verify);
DLSYM_PROTOTYPE(X509_NAME_print_ex);
DLSYM_PROTOTYPE(X509_cmp);
DLSYM_PROTOTYPE(X509_free);
DLSYM_PROTOTYPE(X509_get_subject_name);
DLSYM_PROTOTYPE(d2i_PKCS7);

/* OpenSSL's macros and inline functions call its functions directly: these call them through
 * the pointers. */
#define dl_sk_X509_new_null() ((STACK_OF(X509) *) sym_OPENSSL_sk_new_null())
#define dl_sk_X509_num(sk) sym_OPENSSL_sk_num((const OPENSSL_STACK *) (sk))
#define dl_sk_X509_value(sk, i) ((X509 *) sym_OPENSSL_sk_value((const OPENSSL_STACK *) (sk), (i)))
#define dl_sk_X509_push(sk, x) sym_OPENSSL_sk_push((OPENSSL_STACK *) (sk), (const void *) (x))
#define dl_sk_X509_free(sk) sym_OPENSSL_sk_free((OPENSSL_STACK *) (sk))
#define dl_sk_X509_pop_free(sk, f) sym_OPENSSL_sk_pop_free((OPENSSL_STACK *) (sk), (OPENSSL_sk_freefunc) (f))
#define dl_sk_PKCS7_SIGNER_INFO_num(sk) sym_OPENSSL_sk_num((const OPENSSL_STACK *) (sk))
#define dl_sk_PKCS7_SIGNER_INFO_value(sk, i) \
        ((PKCS7_SIGNER_INFO *) sym_OPENSSL_sk_value((const OPENSSL_STACK *) (sk), (i)))
#define dl_BIO_get_mem_data(b, pp) sym_BIO_ctrl((b), BIO_CTRL_INFO, 0, (char *) (pp))
#define dl_OPENSSL_free(p) sym_CRYPTO_free((p), OPENSSL_FILE, OPENSSL_LINE)
#define dl_PKCS7_type_is_signed(a) (sym_OBJ_obj2nid((a)->type) == NID_pkcs7_signed)

/* 0, or -EOPNOTSUPP if libcrypto.so.3 cannot be loaded (logged at debug level). */
int dlopen_libcrypto(void);
