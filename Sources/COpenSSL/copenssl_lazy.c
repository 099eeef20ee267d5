#define COPENSSL_LAZY_IMPL
#include "copenssl_lazy.h"
#include <dlfcn.h>
#include <pthread.h>

struct copenssl_functions copenssl_fn;
static int loaded;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
    // Kept for the life of the process (never dlclose'd): OpenSSL keeps global state.
    void *lib = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return;
    struct copenssl_functions f;
#define COPENSSL_RESOLVE(name) \
    if (!(*(void **)&f.name = dlsym(lib, #name))) return;
    COPENSSL_FUNCTIONS(COPENSSL_RESOLVE)
#undef COPENSSL_RESOLVE
    copenssl_fn = f;
    loaded = 1;
}

int copenssl_load(void) {
    pthread_once(&once, load);
    return loaded;
}
