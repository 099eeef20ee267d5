#include "copenssl_sign.h"
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include "copenssl_lazy.h"
#include <string.h>

int copenssl_rsa_verify(const uint8_t *spki, size_t spki_len, const char *digest, int pss,
                        const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len) {
    if (!copenssl_load()) return -1;
    const unsigned char *p = spki;
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)spki_len);
    if (!key) return -1;
    int result = -1;
    const EVP_MD *md = EVP_get_digestbyname(digest);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    if (md && ctx && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA &&
        EVP_DigestVerifyInit(ctx, &pctx, md, NULL, key) == 1) {
        int ok = pss ? EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
                           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) > 0
                     : EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
        if (ok) result = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) == 1 ? 1 : 0;
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return result;
}

enum family { FAM_NONE, FAM_RSA, FAM_PSS, FAM_EC, FAM_ED25519 };

/// "RS256" → RSA + SHA256, "ES512" → EC P-521 + SHA512, "EdDSA" → Ed25519 (no digest).
static enum family parse_alg(const char *alg, char md[8], int *curve_bits) {
    if (strcmp(alg, "EdDSA") == 0) { md[0] = 0; return FAM_ED25519; }
    if (strlen(alg) != 5) return FAM_NONE;
    const char *bits = alg + 2;
    if (strcmp(bits, "256") && strcmp(bits, "384") && strcmp(bits, "512")) return FAM_NONE;
    memcpy(md, "SHA", 3);
    memcpy(md + 3, bits, 4);
    *curve_bits = strcmp(bits, "512") == 0 ? 521 : (bits[0] == '2' ? 256 : 384);
    if (strncmp(alg, "RS", 2) == 0) return FAM_RSA;
    if (strncmp(alg, "PS", 2) == 0) return FAM_PSS;
    if (strncmp(alg, "ES", 2) == 0) return FAM_EC;
    return FAM_NONE;
}

static EVP_PKEY *read_private_key(const uint8_t *key, size_t key_len) {
    EVP_PKEY *pkey = NULL;
    if (key_len > 10 && memcmp(key, "-----BEGIN", 10) == 0) {
        BIO *bio = BIO_new_mem_buf(key, (int)key_len);
        if (bio) pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
        BIO_free(bio);
    } else {
        const unsigned char *p = key;
        pkey = d2i_AutoPrivateKey(NULL, &p, (long)key_len);
    }
    ERR_clear_error();
    return pkey;
}

static int fits(EVP_PKEY *key, enum family fam, int curve_bits) {
    int id = EVP_PKEY_get_base_id(key);
    switch (fam) {
    case FAM_RSA:
    case FAM_PSS: return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
    case FAM_EC: return id == EVP_PKEY_EC && EVP_PKEY_get_bits(key) == curve_bits;
    case FAM_ED25519: return id == EVP_PKEY_ED25519;
    default: return 0;
    }
}

/// DER ECDSA-Sig-Value → JWS raw r||s, each half the curve's field size.
static int ecdsa_raw(const unsigned char *der, size_t len, int curve_bits, uint8_t *out, size_t *out_len) {
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    size_t half = (size_t)(curve_bits + 7) / 8;
    int status = COPENSSL_ERR_INTERNAL;
    if (es && *out_len < 2 * half) status = COPENSSL_ERR_BUFFER;
    else if (es) {
        const BIGNUM *r = NULL, *s = NULL;
        ECDSA_SIG_get0(es, &r, &s);
        if (BN_bn2binpad(r, out, (int)half) == (int)half && BN_bn2binpad(s, out + half, (int)half) == (int)half) {
            *out_len = 2 * half;
            status = COPENSSL_OK;
        }
    }
    ECDSA_SIG_free(es);
    return status;
}

int copenssl_jws_sign(const uint8_t *key, size_t key_len, const char *alg, int pss_salt,
                      const uint8_t *msg, size_t msg_len, uint8_t *out, size_t *out_len) {
    if (!copenssl_load()) return COPENSSL_ERR_INTERNAL;
    char md_name[8];
    int curve_bits = 0;
    enum family fam = parse_alg(alg, md_name, &curve_bits);
    if (fam == FAM_NONE) return COPENSSL_ERR_ALG;
    EVP_PKEY *pkey = read_private_key(key, key_len);
    if (!pkey) return COPENSSL_ERR_KEY_PARSE;
    if (!fits(pkey, fam, curve_bits)) { EVP_PKEY_free(pkey); return COPENSSL_ERR_KEY_TYPE; }
    const EVP_MD *md = fam == FAM_ED25519 ? NULL : EVP_get_digestbyname(md_name);
    if (fam != FAM_ED25519 && !md) { EVP_PKEY_free(pkey); return COPENSSL_ERR_ALG; }
    int status = COPENSSL_ERR_INTERNAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *buf = NULL;
    if (ctx && EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey) == 1) {
        int ok = 1;
        if (fam == FAM_PSS) {
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, pss_salt) == 1;
        } else if (fam == FAM_RSA) {
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
        }
        size_t len = 0;
        if (ok && EVP_DigestSign(ctx, NULL, &len, msg, msg_len) == 1 && (buf = OPENSSL_malloc(len)) &&
            EVP_DigestSign(ctx, buf, &len, msg, msg_len) == 1) {
            if (fam == FAM_EC) {
                status = ecdsa_raw(buf, len, curve_bits, out, out_len);
            } else if (*out_len < len) {
                status = COPENSSL_ERR_BUFFER;
            } else {
                memcpy(out, buf, len);
                *out_len = len;
                status = COPENSSL_OK;
            }
        }
    }
    OPENSSL_free(buf);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return status;
}
