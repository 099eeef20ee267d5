#include "copenssl_x509.h"
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include "copenssl_lazy.h"
#include <stdlib.h>
#include <string.h>

int copenssl_verify_chain(const uint8_t *const *ders, const size_t *lens, int count, long long at_unix,
                          const char *dns_name) {
    if (!copenssl_load()) return -1;
    if (count < 1) return 0;
    X509 **certs = calloc((size_t)count, sizeof(X509 *));
    if (!certs) return -1;
    int result = -1;
    for (int i = 0; i < count; i++) {
        const unsigned char *p = ders[i];
        certs[i] = d2i_X509(NULL, &p, (long)lens[i]);
        if (!certs[i]) goto done;
    }
    X509_STORE *store = X509_STORE_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    result = 0;
    if (store && untrusted && ctx && X509_STORE_add_cert(store, certs[count - 1]) == 1) {
        for (int i = 1; i < count - 1; i++) sk_X509_push(untrusted, certs[i]);
        if (X509_STORE_CTX_init(ctx, store, certs[0], untrusted) == 1) {
            X509_VERIFY_PARAM *param = X509_STORE_CTX_get0_param(ctx);
            if (at_unix >= 0) X509_VERIFY_PARAM_set_time(param, (time_t)at_unix);
            if (dns_name && *dns_name) X509_VERIFY_PARAM_set1_host(param, dns_name, strlen(dns_name));
            result = X509_verify_cert(ctx) == 1 ? 1 : 0;
        }
    }
    X509_STORE_CTX_free(ctx);
    sk_X509_free(untrusted);
    X509_STORE_free(store);
done:
    for (int i = 0; i < count; i++) X509_free(certs[i]);
    free(certs);
    return result;
}
