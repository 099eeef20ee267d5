#ifndef POLICYD_CPREFETCH_SHIM_H
#define POLICYD_CPREFETCH_SHIM_H
// A cache prefetch hint for the engine's lookups in large data documents (Value/ValueIndex.swift):
// Swift has no spelling for it. A hint only: it never faults and changes no value.
static inline void policyd_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
#endif
