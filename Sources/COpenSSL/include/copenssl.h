// A tiny C API over the system libcrypto (OpenSSL 3) for RSA signatures that swift-crypto does
// not cover: RSASSA-PSS verification with any salt length (RSA_PSS_SALTLEN_AUTO) and RSA keys of
// any size. Keys are passed as DER: SubjectPublicKeyInfo for verification, PKCS#1/PKCS#8 for
// signing. `digest` is an OpenSSL digest name ("SHA256", "SHA384", "SHA512").
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <stddef.h>
#include <stdint.h>

/// 1: valid signature, 0: invalid, -1: unusable key or parameters.
int copenssl_rsa_verify(const uint8_t *spki, size_t spki_len, const char *digest, int pss,
                        const uint8_t *msg, size_t msg_len, const uint8_t *sig, size_t sig_len);

/// Signs `msg`; PSS signatures use a salt as long as the digest. Returns the signature length
/// written to `out` (capacity `out_cap`), or -1.
long copenssl_rsa_sign(const uint8_t *key_der, size_t key_len, const char *digest, int pss,
                       const uint8_t *msg, size_t msg_len, uint8_t *out, size_t out_cap);

/// Verifies a certificate chain given as DER blobs: ders[0] is the leaf, ders[count-1] the
/// trusted root, the rest untrusted intermediates. `at_unix` < 0 means now; `dns_name` may be
/// NULL. Returns 1 if the chain verifies, 0 if not, -1 if a certificate does not parse.
int copenssl_verify_chain(const uint8_t *const *ders, const size_t *lens, int count, long long at_unix,
                          const char *dns_name);
#endif
