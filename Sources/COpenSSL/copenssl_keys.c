#include "copenssl_keys.h"
#include "copenssl_sign.h"
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include "copenssl_lazy.h"
#include <string.h>

int copenssl_public_pem(const char *pem, size_t pem_len, char *out, size_t *out_len) {
    if (!copenssl_load()) return COPENSSL_ERR_INTERNAL;
    BIO *in = BIO_new_mem_buf(pem, (int)pem_len);
    EVP_PKEY *key = in ? PEM_read_bio_PrivateKey(in, NULL, NULL, NULL) : NULL;
    BIO_free(in);
    if (!key) { ERR_clear_error(); return COPENSSL_ERR_KEY_PARSE; }
    BIO *bio = BIO_new(BIO_s_mem());
    int status = COPENSSL_ERR_INTERNAL;
    if (bio && PEM_write_bio_PUBKEY(bio, key) == 1) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        if (n < 0) status = COPENSSL_ERR_INTERNAL;
        else if ((size_t)n > *out_len) status = COPENSSL_ERR_BUFFER;
        else { memcpy(out, data, (size_t)n); *out_len = (size_t)n; status = COPENSSL_OK; }
    }
    BIO_free(bio);
    EVP_PKEY_free(key);
    ERR_clear_error();
    return status;
}

int copenssl_digest(const char *name, const uint8_t *data, size_t len, uint8_t *out, size_t *out_len) {
    if (!copenssl_load()) return COPENSSL_ERR_INTERNAL;
    const EVP_MD *md = EVP_get_digestbyname(name);
    if (!md) return COPENSSL_ERR_ALG;
    if (*out_len < (size_t)EVP_MD_get_size(md)) return COPENSSL_ERR_BUFFER;
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, md, NULL) != 1) { ERR_clear_error(); return COPENSSL_ERR_INTERNAL; }
    *out_len = n;
    return COPENSSL_OK;
}
