#include "copenssl.h"
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

static int setup_padding(EVP_PKEY_CTX *pctx, int pss, int salt) {
    if (!pss) return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0;
}

int copenssl_rsa_verify(const uint8_t *spki, size_t spki_len, const char *digest, int pss,
                        const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len) {
    const unsigned char *p = spki;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)spki_len);
    if (!key) return -1;
    int result = -1;
    const EVP_MD *md = EVP_get_digestbyname(digest);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (md && ctx && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
        EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) == 1 &&
        setup_padding(pctx, pss, RSA_PSS_SALTLEN_AUTO)) {
        result = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1 ? 1 : 0;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return result;
}

long copenssl_rsa_sign(const uint8_t *key_der, size_t key_len, const char *digest, int pss,
                       const uint8_t *msg, size_t msg_len, uint8_t *out, size_t out_cap) {
    const unsigned char *p = key_der;
    EVP_PKEY *key = d2i_AutoPrivateKey(NULL, &p, (long)key_len);
    if (!key) return -1;
    long result = -1;
    const EVP_MD *md = EVP_get_digestbyname(digest);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    size_t len = out_cap;
    if (md && ctx && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
        EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1 &&
        setup_padding(pctx, pss, RSA_PSS_SALTLEN_DIGEST) &&
        EVP_DigestSign(ctx, out, &len, msg, msg_len) == 1) {
        result = (long)len;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return result;
}

int copenssl_verify_chain(const uint8_t *const *ders, const size_t *lens, int count, long long at_unix,
                          const char *dns_name) {
    if (count < 1) return 0;
    X509 **certs = calloc((size_t)count, sizeof(X509 *));
    if (!certs) return -1;
    int result = -1;
    for (int i = 0; i < count; i++) {
        const unsigned char *p = ders[i];
        certs[i] = d2i_X509(NULL, &p, (long)lens[i]);
        if (!certs[i]) goto done;
    }
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    result = 0;
    if (store && untrusted && ctx && X509_STORE_add_cert(store, certs[count - 1]) == 1) {
        for (int i = 1; i < count - 1; i++) sk_X509_push(untrusted, certs[i]);
        if (X509_STORE_CTX_init(ctx, store, certs[0], untrusted) == 1) {
            X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
            if (at_unix >= 0) X509_VERIFY_PARAM_set_time(param, (time_t)at_unix);
            if (dns_name && *dns_name) X509_VERIFY_PARAM_set1_host(param, dns_name, strlen(dns_name));
            result = X509_verify_cert(ctx) == 1 ? 1 : 0;
        }
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
done:
    for (int i = 0; i < count; i++) X509_free(certs[i]);
    free(certs);
    return result;
}
