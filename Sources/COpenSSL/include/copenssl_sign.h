// JWS signatures through libcrypto: RSA of any size, RSASSA-PSS with any salt, and private
// keys of every type in PEM or DER.
#ifndef COPENSSL_SIGN_H
#define COPENSSL_SIGN_H
#include <stddef.h>
#include <stdint.h>

enum copenssl_status {
    COPENSSL_OK = 1,
    COPENSSL_BAD_SIGNATURE = 0,
    COPENSSL_ERR_KEY_PARSE = -1,   // key unreadable
    COPENSSL_ERR_KEY_TYPE = -2,    // key does not fit the algorithm (type or curve)
    COPENSSL_ERR_ALG = -3,         // unknown algorithm or digest name
    COPENSSL_ERR_INTERNAL = -4,
    COPENSSL_ERR_BUFFER = -5
};

// PSS salt lengths (OpenSSL's RSA_PSS_SALTLEN_* values).
enum copenssl_pss_salt {
    COPENSSL_PSS_SALT_DIGEST = -1,  // salt as long as the digest (the io.jwt builtins, like Go's jws)
    COPENSSL_PSS_SALT_MAX = -3      // the largest salt that fits (`opa build`, Go's PSSSaltLengthAuto)
};

/// 1: valid RSA signature (PKCS#1 v1.5, or PSS with any salt), 0: invalid, -1: unusable key or
/// parameters. `spki` is a DER SubjectPublicKeyInfo; `digest` an OpenSSL name ("SHA256").
int copenssl_rsa_verify(const uint8_t *spki, size_t spki_len, const char *digest, int pss,
                        const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len);

/// Signs `msg` as JWS algorithm `alg` (RS*, PS*, ES* — raw r||s — or EdDSA) with a private key
/// given as PEM (PKCS#1, SEC1 or PKCS#8) or DER (PKCS#1 or PKCS#8). `pss_salt` is a
/// copenssl_pss_salt for PS*. On entry *out_len is the capacity of `out`; on success it is the
/// signature length. Returns a copenssl_status.
int copenssl_jws_sign(const uint8_t *key, size_t key_len, const char *alg, int pss_salt,
                      const uint8_t *msg, size_t msg_len, uint8_t *out, size_t *out_len);
#endif
