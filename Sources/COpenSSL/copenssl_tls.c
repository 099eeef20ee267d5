// TLS client for http.send over the system libssl, loaded on first use. Like
// copenssl_lazy.h, every OpenSSL function is called through a pointer resolved once, so the
// target does not link libssl (a daemon never maps it: it refuses network builtins).
#include "copenssl_tls.h"
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TLS_FUNCTIONS(X) \
    X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_free) X(SSL_CTX_set_verify) \
    X(SSL_CTX_set_default_verify_paths) X(SSL_CTX_get_cert_store) X(SSL_CTX_ctrl) X(SSL_new) X(SSL_free) \
    X(SSL_set_fd) X(SSL_connect) X(SSL_read) X(SSL_write) X(SSL_get_error) X(SSL_ctrl) X(SSL_set1_host) \
    X(SSL_get_verify_result) X(SSL_shutdown) X(X509_verify_cert_error_string) X(ERR_get_error) \
    X(ERR_error_string_n) X(ERR_clear_error) X(BIO_new_mem_buf) X(BIO_free) X(PEM_read_bio_X509) \
    X(X509_STORE_add_cert) X(X509_free)

static struct {
#define TLS_POINTER(name) __typeof__(&name) name;
    TLS_FUNCTIONS(TLS_POINTER)
#undef TLS_POINTER
} fn;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *lib = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);  // kept for the process's life
    if (!lib) return;
#define TLS_RESOLVE(name) \
    if (!(*(void **)&fn.name = dlsym(lib, #name))) return;
    TLS_FUNCTIONS(TLS_RESOLVE)
#undef TLS_RESOLVE
    loaded = 1;
}

struct copenssl_tls {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
};

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Waits for what OpenSSL asked for (SSL_ERROR_WANT_READ/WRITE): 1 ready, 0 timeout, -1 error.
static int wait_for(int fd, int ssl_error, long long deadline_ms) {
    for (;;) {
        long long left = deadline_ms - now_ms();
        if (left <= 0) return 0;
        struct pollfd p = {.fd = fd, .events = ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN};
        int rc = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (rc > 0) return 1;
        if (rc < 0 && errno != EINTR) return -1;
    }
}

// OpenSSL writes to the socket with write(2): a peer that closed would raise SIGPIPE and kill
// the process. Each public call blocks SIGPIPE on this thread and swallows one it caused.
typedef struct {
    sigset_t old;
    int was_pending;
} pipe_guard;

static void pipe_block(pipe_guard *g) {
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    g->was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &g->old);
}

static void pipe_restore(pipe_guard *g) {
    sigset_t set, pending;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    sigpending(&pending);
    if (!g->was_pending && sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        sigtimedwait(&set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

static void reason(char *err, size_t err_len, const char *what) {
    unsigned long e = fn.ERR_get_error();
    char buf[256] = "";
    if (e) fn.ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, err_len, "%s%s%s", what, buf[0] ? ": " : "", buf);
    fn.ERR_clear_error();
}

static int tls_connect_impl(int fd, const char *server_name, int verify, const char *ca_pem, size_t ca_len,
                         int system_roots, long long deadline_ms, copenssl_tls **out, char *err, size_t err_len) {
    pthread_once(&once, load);
    if (!loaded) {
        snprintf(err, err_len, "libssl.so.3 is not available");
        return COPENSSL_TLS_UNAVAILABLE;
    }
    SSL_CTX *ctx = fn.SSL_CTX_new(fn.TLS_client_method());
    if (!ctx) {
        reason(err, err_len, "tls: cannot create context");
        return COPENSSL_TLS_ERROR;
    }
    fn.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
    fn.SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (system_roots) fn.SSL_CTX_set_default_verify_paths(ctx);
    if (ca_pem && ca_len) {
        BIO *bio = fn.BIO_new_mem_buf(ca_pem, (int)ca_len);
        X509 *cert;
        int added = 0;
        while (bio && (cert = fn.PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
            if (fn.X509_STORE_add_cert(fn.SSL_CTX_get_cert_store(ctx), cert)) added++;
            fn.X509_free(cert);
        }
        if (bio) fn.BIO_free(bio);
        fn.ERR_clear_error();
        if (!added) {
            snprintf(err, err_len, "could not read any CA certificate from the PEM data");
            fn.SSL_CTX_free(ctx);
            return COPENSSL_TLS_ERROR;
        }
    }
    SSL *ssl = fn.SSL_new(ctx);
    if (!ssl || !fn.SSL_set_fd(ssl, fd)) {
        reason(err, err_len, "tls: cannot create connection");
        if (ssl) fn.SSL_free(ssl);
        fn.SSL_CTX_free(ctx);
        return COPENSSL_TLS_ERROR;
    }
    if (server_name && server_name[0]) {
        fn.SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)server_name);
        if (verify) fn.SSL_set1_host(ssl, server_name);
    }
    for (;;) {
        int rc = fn.SSL_connect(ssl);
        if (rc == 1) break;
        int e = fn.SSL_get_error(ssl, rc);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            int w = wait_for(fd, e, deadline_ms);
            if (w == 1) continue;
            fn.SSL_free(ssl);
            fn.SSL_CTX_free(ctx);
            if (w == 0) return COPENSSL_TLS_TIMEOUT;
            snprintf(err, err_len, "tls: poll failed");
            return COPENSSL_TLS_ERROR;
        }
        long v = fn.SSL_get_verify_result(ssl);
        if (verify && v != X509_V_OK) {
            // Go's crypto/x509 wording for the common failures (http.send messages match OPA's).
            switch (v) {
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
            case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
                snprintf(err, err_len, "tls: failed to verify certificate: x509: certificate signed by unknown authority");
                break;
            case X509_V_ERR_HOSTNAME_MISMATCH:
            case X509_V_ERR_IP_ADDRESS_MISMATCH:
                snprintf(err, err_len, "tls: failed to verify certificate: x509: certificate is not valid for %s", server_name);
                break;
            case X509_V_ERR_CERT_HAS_EXPIRED:
            case X509_V_ERR_CERT_NOT_YET_VALID:
                snprintf(err, err_len, "tls: failed to verify certificate: x509: certificate has expired or is not yet valid");
                break;
            default:
                snprintf(err, err_len, "tls: failed to verify certificate: %s", fn.X509_verify_cert_error_string(v));
            }
            fn.ERR_clear_error();
        } else {
            reason(err, err_len, "tls: handshake failed");
        }
        fn.SSL_free(ssl);
        fn.SSL_CTX_free(ctx);
        return COPENSSL_TLS_ERROR;
    }
    copenssl_tls *t = malloc(sizeof *t);
    if (!t) {
        fn.SSL_free(ssl);
        fn.SSL_CTX_free(ctx);
        snprintf(err, err_len, "out of memory");
        return COPENSSL_TLS_ERROR;
    }
    t->ctx = ctx;
    t->ssl = ssl;
    t->fd = fd;
    *out = t;
    return 1;
}

static long tls_read_impl(copenssl_tls *t, uint8_t *buf, size_t len, long long deadline_ms, char *err, size_t err_len) {
    for (;;) {
        int n = fn.SSL_read(t->ssl, buf, len > 1 << 30 ? 1 << 30 : (int)len);
        if (n > 0) return n;
        int e = fn.SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_ZERO_RETURN) return COPENSSL_TLS_EOF;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            int w = wait_for(t->fd, e, deadline_ms);
            if (w == 1) continue;
            if (w == 0) return COPENSSL_TLS_TIMEOUT;
        }
        // A peer closing without close_notify: treat as end of data (HTTP framing decides).
        if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL) {
            unsigned long q = fn.ERR_get_error();
            if (q == 0) { fn.ERR_clear_error(); return COPENSSL_TLS_EOF; }
            char b[256];
            fn.ERR_error_string_n(q, b, sizeof b);
            snprintf(err, err_len, "tls: read: %s", b);
            fn.ERR_clear_error();
            return COPENSSL_TLS_ERROR;
        }
        snprintf(err, err_len, "tls: read failed");
        return COPENSSL_TLS_ERROR;
    }
}

static int tls_write_impl(copenssl_tls *t, const uint8_t *buf, size_t len, long long deadline_ms, char *err, size_t err_len) {
    size_t off = 0;
    while (off < len) {
        size_t chunk = len - off > 1 << 30 ? 1 << 30 : len - off;
        int n = fn.SSL_write(t->ssl, buf + off, (int)chunk);
        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        int e = fn.SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
            int w = wait_for(t->fd, e, deadline_ms);
            if (w == 1) continue;
            if (w == 0) return COPENSSL_TLS_TIMEOUT;
        }
        reason(err, err_len, "tls: write failed");
        return COPENSSL_TLS_ERROR;
    }
    return 1;
}

int copenssl_tls_connect(int fd, const char *server_name, int verify, const char *ca_pem, size_t ca_len,
                         int system_roots, long long deadline_ms, copenssl_tls **out, char *err, size_t err_len) {
    pipe_guard g;
    pipe_block(&g);
    int rc = tls_connect_impl(fd, server_name, verify, ca_pem, ca_len, system_roots, deadline_ms, out, err, err_len);
    pipe_restore(&g);
    return rc;
}

long copenssl_tls_read(copenssl_tls *t, uint8_t *buf, size_t len, long long deadline_ms, char *err, size_t err_len) {
    pipe_guard g;
    pipe_block(&g);
    long rc = tls_read_impl(t, buf, len, deadline_ms, err, err_len);
    pipe_restore(&g);
    return rc;
}

int copenssl_tls_write(copenssl_tls *t, const uint8_t *buf, size_t len, long long deadline_ms, char *err, size_t err_len) {
    pipe_guard g;
    pipe_block(&g);
    int rc = tls_write_impl(t, buf, len, deadline_ms, err, err_len);
    pipe_restore(&g);
    return rc;
}

void copenssl_tls_free(copenssl_tls *t) {
    if (!t) return;
    fn.SSL_free(t->ssl);
    fn.SSL_CTX_free(t->ctx);
    free(t);
}
