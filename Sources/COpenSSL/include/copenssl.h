// A tiny C API over the system libcrypto (OpenSSL 3), for what swift-crypto does not cover.
// One target for the engine (JWS builtins, X.509) and the daemon (bundle signing, digests);
// one header per concern: copenssl_sign.h (JWS signatures), copenssl_x509.h (chains),
// copenssl_keys.h (PEM keys, digests by name).
#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include "copenssl_sign.h"
#include "copenssl_x509.h"
#include "copenssl_keys.h"
#include "copenssl_tls.h"
#endif
