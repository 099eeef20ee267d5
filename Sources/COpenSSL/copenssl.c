#include "copenssl.h"
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

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
