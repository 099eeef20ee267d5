#ifndef COPENSSL_X509_H
#define COPENSSL_X509_H
#include <stddef.h>
#include <stdint.h>

/// Verifies a certificate chain given as DER blobs: ders[0] is the leaf, ders[count-1] the
/// trusted root, the rest untrusted intermediates. `at_unix` < 0 means now; `dns_name` may be
/// NULL. Returns 1 if the chain verifies, 0 if not, -1 if a certificate does not parse.
int copenssl_verify_chain(const uint8_t *const *ders, const size_t *lens, int count, long long at_unix,
                          const char *dns_name);
#endif
