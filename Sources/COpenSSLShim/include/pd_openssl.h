#ifndef POLICYD_OPENSSL_SHIM_H
#define POLICYD_OPENSSL_SHIM_H
// A small C surface over Debian's libcrypto (OpenSSL 3) for bundle signing the way `opa build`
// signs (PEM private keys of every type; RSASSA-PSS with the maximal salt, Go's
// PSSSaltLengthAuto) and the SHA-224 family of digests OPA accepts in signed file lists.
// Verification uses the engine's JWS support (Sources/Engine/Builtins/Support/JWS.swift).
#include <stddef.h>
#include <stdint.h>

enum pd_sig_kind {
    PD_SIG_RSA_PKCS1 = 1,   // RS256/384/512
    PD_SIG_RSA_PSS = 2,     // PS256/384/512 (max salt)
    PD_SIG_ECDSA_RAW = 3,   // ES256/384/512, JWS raw r||s
    PD_SIG_ED25519 = 4      // EdDSA
};

enum pd_status {
    PD_OK = 1,
    PD_BAD_SIGNATURE = 0,
    PD_ERR_KEY_PARSE = -1,    // PEM unreadable
    PD_ERR_KEY_TYPE = -2,     // key does not fit the algorithm (type or curve)
    PD_ERR_DIGEST = -3,       // unknown digest name
    PD_ERR_INTERNAL = -4,
    PD_ERR_BUFFER = -5
};

// Signs `msg` with a PEM private key (PKCS#1, SEC1 or PKCS#8). On entry *out_len is the
// capacity of `out`; on success it is the signature length.
int pd_sign(const char *pem, size_t pem_len, int kind, const char *md, int curve_bits,
            const uint8_t *msg, size_t msg_len, uint8_t *out, size_t *out_len);

// Writes the SubjectPublicKeyInfo PEM of a private key's public half into `out` (capacity in
// *out_len, result length on return).
int pd_public_pem(const char *pem, size_t pem_len, char *out, size_t *out_len);

// One-shot digest by OpenSSL name ("MD5", "SHA1", "SHA224", "SHA512-224", ...).
int pd_digest(const char *name, const uint8_t *data, size_t len, uint8_t *out, size_t *out_len);

#endif
