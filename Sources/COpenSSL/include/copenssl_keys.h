#ifndef COPENSSL_KEYS_H
#define COPENSSL_KEYS_H
#include <stddef.h>
#include <stdint.h>

/// Writes the SubjectPublicKeyInfo PEM of a PEM private key's public half into `out`
/// (capacity in *out_len, result length on return). Returns a copenssl_status.
int copenssl_public_pem(const char *pem, size_t pem_len, char *out, size_t *out_len);

/// One-shot digest by OpenSSL name ("MD5", "SHA1", "SHA224", "SHA512-224", ...). Returns a
/// copenssl_status (COPENSSL_ERR_ALG for an unknown name).
int copenssl_digest(const char *name, const uint8_t *data, size_t len, uint8_t *out, size_t *out_len);
#endif
