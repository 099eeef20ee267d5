#ifndef POLICYD_STAGING_COPY_H
#define POLICYD_STAGING_COPY_H
// The decision log's copy of a connection's lines into the writer's staging block
// (Sources/policyd/DecisionLog/StagingBlock.swift). With non-temporal stores: the block is only
// read again by the disk's DMA (direct writes), so the lines go to memory without first reading
// the destination's cache lines (a read for ownership per 64 bytes, which plain stores to a
// block not in cache pay) and without evicting the event loop's own data from its cache.
// Measured on this machine (2 cores, VM): 6.9 KB chunks into 4 MiB blocks, 3.4-3.7 GB/s with
// memcpy, 7.1-9.8 GB/s with these stores (docs/performance.md, "Decision log, session 13").
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef long long policyd_v16 __attribute__((vector_size(16)));

static inline void policyd_copy_nontemporal(void *dst, const void *src, size_t n) {
    unsigned char *d = (unsigned char *)dst;
    const unsigned char *s = (const unsigned char *)src;
    // Up to the destination's 16-byte alignment with ordinary stores (the streaming stores
    // need it), then 64 bytes per step, then the rest ordinarily.
    size_t head = (16 - ((uintptr_t)d & 15)) & 15;
    if (head > n) head = n;
    memcpy(d, s, head);
    d += head; s += head; n -= head;
    while (n >= 64) {
        policyd_v16 a, b, c, e;
        memcpy(&a, s, 16); memcpy(&b, s + 16, 16); memcpy(&c, s + 32, 16); memcpy(&e, s + 48, 16);
        __builtin_nontemporal_store(a, (policyd_v16 *)d);
        __builtin_nontemporal_store(b, (policyd_v16 *)(d + 16));
        __builtin_nontemporal_store(c, (policyd_v16 *)(d + 32));
        __builtin_nontemporal_store(e, (policyd_v16 *)(d + 48));
        d += 64; s += 64; n -= 64;
    }
    while (n >= 16) {
        policyd_v16 a;
        memcpy(&a, s, 16);
        __builtin_nontemporal_store(a, (policyd_v16 *)d);
        d += 16; s += 16; n -= 16;
    }
    memcpy(d, s, n);
    // Streaming stores are weakly ordered: fence them before the block is handed on (the
    // writer's lock release, then another thread's write from the block).
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_sfence();
#else
    __sync_synchronize();
#endif
}
#endif
