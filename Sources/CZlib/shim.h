#ifndef POLICYD_CZLIB_SHIM_H
#define POLICYD_CZLIB_SHIM_H
#include <zlib.h>
// inflateInit2 is a macro; Swift cannot call it directly.
static inline int policyd_inflate_init_gzip(z_streamp strm) { return inflateInit2(strm, 15 + 32); }
static inline int policyd_deflate_init_gzip(z_streamp strm, int level) {
    return deflateInit2(strm, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
}
#endif
