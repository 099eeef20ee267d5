#include "pd_openssl.h"
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <string.h>

static EVP_PKEY *read_key(const char *pem, size_t pem_len, int private_key) {
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    if (!bio) return NULL;
    EVP_PKEY *key = private_key ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                                : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    return key;
}

// The key must be of the algorithm's family, and for ECDSA on the algorithm's curve.
static int check_key(EVP_PKEY *key, int kind, int curve_bits) {
    int id = EVP_PKEY_get_base_id(key);
    switch (kind) {
    case PD_SIG_RSA_PKCS1:
    case PD_SIG_RSA_PSS:
        return id == EVP_PKEY_RSA || id == EVP_PKEY_RSA_PSS;
    case PD_SIG_ECDSA_RAW:
        return id == EVP_PKEY_EC && EVP_PKEY_get_bits(key) == curve_bits;
    case PD_SIG_ED25519:
        return id == EVP_PKEY_ED25519;
    default:
        return 0;
    }
}

static int field_bytes(int curve_bits) { return (curve_bits + 7) / 8; }

int pd_sign(const char *pem, size_t pem_len, int kind, const char *md_name, int curve_bits,
            const uint8_t *msg, size_t msg_len, uint8_t *out, size_t *out_len) {
    EVP_PKEY *key = read_key(pem, pem_len, 1);
    if (!key) return PD_ERR_KEY_PARSE;
    if (!check_key(key, kind, curve_bits)) { EVP_PKEY_free(key); return PD_ERR_KEY_TYPE; }
    const EVP_MD *md = NULL;
    if (kind != PD_SIG_ED25519) {
        md = EVP_get_digestbyname(md_name);
        if (!md) { EVP_PKEY_free(key); return PD_ERR_DIGEST; }
    }
    int status = PD_ERR_INTERNAL;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *buf = NULL;
    if (ctx && EVP_DigestSignInit(ctx, &pctx, md, NULL, key) == 1) {
        int ok = 1;
        if (kind == PD_SIG_RSA_PSS) {
            // Go's signer with PSSSaltLengthAuto uses the largest salt that fits; so do we.
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
                 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) == 1 &&
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_MAX) == 1;
        } else if (kind == PD_SIG_RSA_PKCS1) {
            ok = EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
        }
        size_t len = 0;
        if (ok && EVP_DigestSign(ctx, NULL, &len, msg, msg_len) == 1 && (buf = OPENSSL_malloc(len)) &&
            EVP_DigestSign(ctx, buf, &len, msg, msg_len) == 1) {
            if (kind == PD_SIG_ECDSA_RAW) {
                const unsigned char *p = buf;
                ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
                size_t half = (size_t)field_bytes(curve_bits);
                if (!es) status = PD_ERR_INTERNAL;
                else if (*out_len < 2 * half) status = PD_ERR_BUFFER;
                else {
                    const BIGNUM *r = NULL, *s = NULL;
                    ECDSA_SIG_get0(es, &r, &s);
                    if (BN_bn2binpad(r, out, (int)half) == (int)half &&
                        BN_bn2binpad(s, out + half, (int)half) == (int)half) {
                        *out_len = 2 * half;
                        status = PD_OK;
                    }
                }
                ECDSA_SIG_free(es);
            } else if (*out_len < len) {
                status = PD_ERR_BUFFER;
            } else {
                memcpy(out, buf, len);
                *out_len = len;
                status = PD_OK;
            }
        }
    }
    OPENSSL_free(buf);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return status;
}

int pd_public_pem(const char *pem, size_t pem_len, char *out, size_t *out_len) {
    EVP_PKEY *key = read_key(pem, pem_len, 1);
    if (!key) return PD_ERR_KEY_PARSE;
    BIO *bio = BIO_new(BIO_s_mem());
    int status = PD_ERR_INTERNAL;
    if (bio && PEM_write_bio_PUBKEY(bio, key) == 1) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        if (n < 0) status = PD_ERR_INTERNAL;
        else if ((size_t)n > *out_len) status = PD_ERR_BUFFER;
        else { memcpy(out, data, (size_t)n); *out_len = (size_t)n; status = PD_OK; }
    }
    BIO_free(bio);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return status;
}

int pd_digest(const char *name, const uint8_t *data, size_t len, uint8_t *out, size_t *out_len) {
    const EVP_MD *md = EVP_get_digestbyname(name);
    if (!md) return PD_ERR_DIGEST;
    if (*out_len < (size_t)EVP_MD_get_size(md)) return PD_ERR_BUFFER;
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, md, NULL) != 1) { ERR_clear_error(); return PD_ERR_INTERNAL; }
    *out_len = n;
    return PD_OK;
}
