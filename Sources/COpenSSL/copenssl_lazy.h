// libcrypto is loaded on first use (dlopen), not at start: a daemon that never verifies a
// signature, signs a JWT or checks a certificate chain does not map OpenSSL at all (its data
// relocations and tables are ~1.5 MiB of an idle daemon's RSS; docs/performance.md). The shim
// files include this header after the OpenSSL ones: every libcrypto function they call
// (directly or through OpenSSL's macros) becomes a call through a pointer that
// copenssl_load() resolves once. Each public copenssl_* function calls copenssl_load() first.
#ifndef COPENSSL_LAZY_H
#define COPENSSL_LAZY_H
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

// X(name) for every libcrypto function the shim uses. A function missing here fails the link
// (the target does not link libcrypto), so the list cannot silently fall behind the code.
#define COPENSSL_FUNCTIONS(X) \
    X(BIO_ctrl) X(BIO_free) X(BIO_new) X(BIO_new_mem_buf) X(BIO_s_mem) X(BN_bn2binpad) \
    X(CRYPTO_free) X(CRYPTO_malloc) X(ECDSA_SIG_free) X(ECDSA_SIG_get0) X(ERR_clear_error) \
    X(EVP_Digest) X(EVP_DigestSign) X(EVP_DigestSignInit) X(EVP_DigestVerify) X(EVP_DigestVerifyInit) \
    X(EVP_MD_CTX_free) X(EVP_MD_CTX_new) X(EVP_MD_get_size) X(EVP_PKEY_CTX_set_rsa_mgf1_md) \
    X(EVP_PKEY_CTX_set_rsa_padding) X(EVP_PKEY_CTX_set_rsa_pss_saltlen) X(EVP_PKEY_free) \
    X(EVP_PKEY_get_base_id) X(EVP_PKEY_get_bits) X(EVP_get_digestbyname) X(OPENSSL_sk_free) \
    X(OPENSSL_sk_new_null) X(OPENSSL_sk_push) X(PEM_read_bio_PrivateKey) X(PEM_write_bio_PUBKEY) \
    X(X509_STORE_CTX_free) X(X509_STORE_CTX_get0_param) X(X509_STORE_CTX_init) X(X509_STORE_CTX_new) \
    X(X509_STORE_add_cert) X(X509_STORE_free) X(X509_STORE_new) X(X509_VERIFY_PARAM_set1_host) \
    X(X509_VERIFY_PARAM_set_time) X(X509_free) X(X509_verify_cert) X(d2i_AutoPrivateKey) \
    X(d2i_ECDSA_SIG) X(d2i_PUBKEY) X(d2i_X509)

struct copenssl_functions {
#define COPENSSL_POINTER(name) __typeof__(&name) name;
    COPENSSL_FUNCTIONS(COPENSSL_POINTER)
#undef COPENSSL_POINTER
};
extern struct copenssl_functions copenssl_fn;

/// Loads libcrypto and resolves every function, once (thread-safe). 1 when usable, 0 when
/// libcrypto.so.3 or one of its functions is missing (callers answer COPENSSL_ERR_INTERNAL).
int copenssl_load(void);

#ifndef COPENSSL_LAZY_IMPL
#define BIO_ctrl (copenssl_fn.BIO_ctrl)
#define BIO_free (copenssl_fn.BIO_free)
#define BIO_new (copenssl_fn.BIO_new)
#define BIO_new_mem_buf (copenssl_fn.BIO_new_mem_buf)
#define BIO_s_mem (copenssl_fn.BIO_s_mem)
#define BN_bn2binpad (copenssl_fn.BN_bn2binpad)
#define CRYPTO_free (copenssl_fn.CRYPTO_free)
#define CRYPTO_malloc (copenssl_fn.CRYPTO_malloc)
#define ECDSA_SIG_free (copenssl_fn.ECDSA_SIG_free)
#define ECDSA_SIG_get0 (copenssl_fn.ECDSA_SIG_get0)
#define ERR_clear_error (copenssl_fn.ERR_clear_error)
#define EVP_Digest (copenssl_fn.EVP_Digest)
#define EVP_DigestSign (copenssl_fn.EVP_DigestSign)
#define EVP_DigestSignInit (copenssl_fn.EVP_DigestSignInit)
#define EVP_DigestVerify (copenssl_fn.EVP_DigestVerify)
#define EVP_DigestVerifyInit (copenssl_fn.EVP_DigestVerifyInit)
#define EVP_MD_CTX_free (copenssl_fn.EVP_MD_CTX_free)
#define EVP_MD_CTX_new (copenssl_fn.EVP_MD_CTX_new)
#define EVP_MD_get_size (copenssl_fn.EVP_MD_get_size)
#define EVP_PKEY_CTX_set_rsa_mgf1_md (copenssl_fn.EVP_PKEY_CTX_set_rsa_mgf1_md)
#define EVP_PKEY_CTX_set_rsa_padding (copenssl_fn.EVP_PKEY_CTX_set_rsa_padding)
#define EVP_PKEY_CTX_set_rsa_pss_saltlen (copenssl_fn.EVP_PKEY_CTX_set_rsa_pss_saltlen)
#define EVP_PKEY_free (copenssl_fn.EVP_PKEY_free)
#define EVP_PKEY_get_base_id (copenssl_fn.EVP_PKEY_get_base_id)
#define EVP_PKEY_get_bits (copenssl_fn.EVP_PKEY_get_bits)
#define EVP_get_digestbyname (copenssl_fn.EVP_get_digestbyname)
#define OPENSSL_sk_free (copenssl_fn.OPENSSL_sk_free)
#define OPENSSL_sk_new_null (copenssl_fn.OPENSSL_sk_new_null)
#define OPENSSL_sk_push (copenssl_fn.OPENSSL_sk_push)
#define PEM_read_bio_PrivateKey (copenssl_fn.PEM_read_bio_PrivateKey)
#define PEM_write_bio_PUBKEY (copenssl_fn.PEM_write_bio_PUBKEY)
#define X509_STORE_CTX_free (copenssl_fn.X509_STORE_CTX_free)
#define X509_STORE_CTX_get0_param (copenssl_fn.X509_STORE_CTX_get0_param)
#define X509_STORE_CTX_init (copenssl_fn.X509_STORE_CTX_init)
#define X509_STORE_CTX_new (copenssl_fn.X509_STORE_CTX_new)
#define X509_STORE_add_cert (copenssl_fn.X509_STORE_add_cert)
#define X509_STORE_free (copenssl_fn.X509_STORE_free)
#define X509_STORE_new (copenssl_fn.X509_STORE_new)
#define X509_VERIFY_PARAM_set1_host (copenssl_fn.X509_VERIFY_PARAM_set1_host)
#define X509_VERIFY_PARAM_set_time (copenssl_fn.X509_VERIFY_PARAM_set_time)
#define X509_free (copenssl_fn.X509_free)
#define X509_verify_cert (copenssl_fn.X509_verify_cert)
#define d2i_AutoPrivateKey (copenssl_fn.d2i_AutoPrivateKey)
#define d2i_ECDSA_SIG (copenssl_fn.d2i_ECDSA_SIG)
#define d2i_PUBKEY (copenssl_fn.d2i_PUBKEY)
#define d2i_X509 (copenssl_fn.d2i_X509)
#endif
#endif
