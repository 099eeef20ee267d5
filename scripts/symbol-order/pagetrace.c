// Records which code of the main executable a process runs, for the linker's symbol ordering
// file (scripts/symbol-order/generate.py; never linked into policyd).
//
// An LD_PRELOAD constructor makes the executable's text PROT_NONE. Every SIGSEGV on it is an
// entry into a page: the handler appends "first-address\n" (hex, as a file offset) to
// $PAGETRACE_OUT the first time it sees that address, makes the page executable, and
// re-protects the page that left a small ring of recently opened pages
// ($PAGETRACE_RING pages, default 2: the fewest that let an instruction straddle two pages;
// 0 records first touches only). So every jump between pages is seen, not only the first touch
// of a page: the addresses name the functions actually entered, where a page-level trace only
// says "something on this page ran" (a callee on its caller's page is still not seen).
// Run the traced program with SWIFT_BACKTRACE=enable=no (the Swift backtracer would replace
// this SIGSEGV handler). Slow (one signal per page change); for profiling runs only.
#define _GNU_SOURCE
#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uintptr_t text_start, text_end, text_offset;
static int out_fd = -1;

#define RING_MAX 64
static _Atomic uintptr_t ring[RING_MAX];
static _Atomic unsigned ring_next;
static unsigned ring_size = 2;

#define SEEN_SIZE (1u << 22)  // open addressing set of recorded addresses (0 = empty)
static _Atomic uintptr_t *seen;

static int find_text(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size; (void)data;
    if (info->dlpi_name && info->dlpi_name[0]) return 0;  // the main program comes first, unnamed
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        text_start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)4095;
        text_end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + 4095) & ~(uintptr_t)4095;
        text_offset = ph->p_offset & ~(uintptr_t)4095;
    }
    return 1;
}

/// True the first time `a` is inserted.
static int first_time(uintptr_t a) {
    uintptr_t h = (a * 0x9E3779B97F4A7C15ull) >> 40;
    for (unsigned i = 0; i < SEEN_SIZE; i++) {
        _Atomic uintptr_t *slot = &seen[(h + i) & (SEEN_SIZE - 1)];
        uintptr_t cur = atomic_load(slot);
        if (cur == a) return 0;
        if (cur == 0) {
            uintptr_t expected = 0;
            if (atomic_compare_exchange_strong(slot, &expected, a)) return 1;
            if (expected == a) return 0;
        }
    }
    return 0;
}

static void put_hex(char **p, uintptr_t v) {
    char tmp[20]; int n = 0;
    do { tmp[n++] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    while (n) *(*p)++ = tmp[--n];
}

static void on_segv(int sig, siginfo_t *si, void *uctx) {
    (void)uctx;
    uintptr_t a = (uintptr_t)si->si_addr;
    if (a < text_start || a >= text_end) {  // not ours: die as the program would have
        signal(sig, SIG_DFL);
        return;
    }
    if (first_time(a)) {
        char line[32], *p = line;
        put_hex(&p, a - text_start + text_offset);
        *p++ = '\n';
        (void)!write(out_fd, line, (size_t)(p - line));
    }
    uintptr_t page = a & ~(uintptr_t)4095;
    mprotect((void *)page, 4096, PROT_READ | PROT_EXEC);
    if (ring_size == 0) return;  // page mode: first touches only
    unsigned i = atomic_fetch_add(&ring_next, 1) % ring_size;
    uintptr_t old = atomic_exchange(&ring[i], page);
    if (old && old != page) {
        for (unsigned j = 0; j < ring_size; j++)
            if (atomic_load(&ring[j]) == old) return;
        mprotect((void *)old, 4096, PROT_NONE);
    }
}

__attribute__((constructor)) static void pagetrace_init(void) {
    const char *path = getenv("PAGETRACE_OUT");
    if (!path) return;
    const char *r = getenv("PAGETRACE_RING");
    if (r) ring_size = (unsigned)atoi(r) > RING_MAX ? RING_MAX : (unsigned)atoi(r);
    out_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) return;
    seen = mmap(NULL, SEEN_SIZE * sizeof(uintptr_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (seen == MAP_FAILED) return;
    dl_iterate_phdr(find_text, NULL);
    if (!text_start) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    mprotect((void *)text_start, text_end - text_start, PROT_NONE);
}
