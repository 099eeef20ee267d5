// TLS client connections for http.send, through the system libssl (OpenSSL 3) loaded with
// dlopen on first use (an evaluation that never sends an https request never maps libssl).
#ifndef COPENSSL_TLS_H
#define COPENSSL_TLS_H
#include <stddef.h>
#include <stdint.h>

typedef struct copenssl_tls copenssl_tls;

enum copenssl_tls_status {
    COPENSSL_TLS_EOF = 0,
    COPENSSL_TLS_ERROR = -1,     // message in err
    COPENSSL_TLS_TIMEOUT = -2,
    COPENSSL_TLS_UNAVAILABLE = -3  // libssl.so.3 missing
};

/// Handshakes over the connected non-blocking socket `fd` until `deadline_ms` (CLOCK_MONOTONIC
/// milliseconds). `server_name` is sent as SNI and, when `verify` is set, checked against the
/// certificate. Trust: `ca_pem` (PEM bundle, may be NULL) and, when `system_roots`, the system
/// store. Returns 1 with *out set, or a copenssl_tls_status (err holds OpenSSL's reason).
int copenssl_tls_connect(int fd, const char *server_name, int verify, const char *ca_pem, size_t ca_len,
                         int system_roots, long long deadline_ms, copenssl_tls **out, char *err, size_t err_len);

/// Bytes read (> 0), or a copenssl_tls_status (EOF when the peer closed).
long copenssl_tls_read(copenssl_tls *t, uint8_t *buf, size_t len, long long deadline_ms, char *err, size_t err_len);

/// Writes all of `buf`: 1, or a copenssl_tls_status.
int copenssl_tls_write(copenssl_tls *t, const uint8_t *buf, size_t len, long long deadline_ms, char *err, size_t err_len);

void copenssl_tls_free(copenssl_tls *t);
#endif
