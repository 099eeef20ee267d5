#ifndef POLICYD_DEVICE_COPY_H
#define POLICYD_DEVICE_COPY_H
// In CSystemd's module (the daemon's C shims) to need no new target in Package.swift.

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

// Copies `n` bytes into memory only a device reads next (the decision log's O_DIRECT staging
// buffer): on x86-64 with non-temporal stores, which write around the caches, so the copy
// neither reads the destination's lines first nor evicts the serving threads' data to make
// room for megabytes that the CPU never reads again. Elsewhere, memcpy. Ends with a store
// fence: the stores are visible before the write(2) that hands the buffer to the kernel.
static inline void policyd_copy_for_device(void *dst, const void *src, size_t n) {
#if defined(__x86_64__)
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    if (n < 256) {
        memcpy(d, s, n);
        return;
    }
    size_t head = (16 - ((uintptr_t)d & 15)) & 15;
    memcpy(d, s, head);
    d += head; s += head; n -= head;
    while (n >= 64) {
        __m128i a = _mm_loadu_si128((const __m128i *)s);
        __m128i b = _mm_loadu_si128((const __m128i *)(s + 16));
        __m128i c = _mm_loadu_si128((const __m128i *)(s + 32));
        __m128i e = _mm_loadu_si128((const __m128i *)(s + 48));
        _mm_stream_si128((__m128i *)d, a);
        _mm_stream_si128((__m128i *)(d + 16), b);
        _mm_stream_si128((__m128i *)(d + 32), c);
        _mm_stream_si128((__m128i *)(d + 48), e);
        d += 64; s += 64; n -= 64;
    }
    while (n >= 16) {
        _mm_stream_si128((__m128i *)d, _mm_loadu_si128((const __m128i *)s));
        d += 16; s += 16; n -= 16;
    }
    memcpy(d, s, n);
    _mm_sfence();
#else
    memcpy(dst, src, n);
#endif
}
#endif
