#ifndef POLICYD_CEPOLL_SHIM_H
#define POLICYD_CEPOLL_SHIM_H
// Swift's Glibc module does not export these headers: the daemon's own socket loop
// (Sources/policyd/Server/EventLoop) needs epoll, eventfd, timerfd and accept4.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <errno.h>
#include <pthread.h>

// The constants under policyd's own names: the release build did not see the headers' enum
// constants (EPOLLIN, MSG_NOSIGNAL, ...) that the debug build saw.
enum {
    POLICYD_EPOLLIN = EPOLLIN,
    POLICYD_EPOLLOUT = EPOLLOUT,
    POLICYD_EPOLLERR = EPOLLERR,
    POLICYD_EPOLLHUP = EPOLLHUP,
    POLICYD_EPOLLRDHUP = EPOLLRDHUP,
    POLICYD_EPOLL_CLOEXEC = EPOLL_CLOEXEC,
    POLICYD_MSG_NOSIGNAL = MSG_NOSIGNAL,
    POLICYD_MSG_PEEK = MSG_PEEK,
    POLICYD_SO_PEEK_OFF = SO_PEEK_OFF,
    POLICYD_EFD_FLAGS = EFD_NONBLOCK | EFD_CLOEXEC,
    POLICYD_TFD_FLAGS = TFD_NONBLOCK | TFD_CLOEXEC,
    // Glibc's `enum __socket_type` constants: a clean build sometimes resolved <sys/socket.h>
    // through this module and then Swift did not see SOCK_STREAM & co. in the files importing it.
    POLICYD_SOCK_STREAM = SOCK_STREAM,
    POLICYD_SOCK_NONBLOCK = SOCK_NONBLOCK,
    POLICYD_SOCK_CLOEXEC = SOCK_CLOEXEC,
};

// accept4(2) is declared only under _GNU_SOURCE: the same symbol under policyd's own name.
extern int policyd_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) __asm__("accept4");
// pthread_setname_np(3) is declared only under _GNU_SOURCE: names the loop threads (ps, perf,
// /proc/PID/task/*/comm); Foundation's Thread.name does not on Linux.
extern int policyd_pthread_setname_np(pthread_t thread, const char *name) __asm__("pthread_setname_np");
// The request path's system calls, raw: recvfrom/sendto/epoll_pwait straight to the kernel.
// glibc's wrappers of these are pthread cancellation points (an enable/disable-asynccancel pair
// around every call, ~1.5 % of the loop thread's samples) and set errno through TLS; the daemon
// never cancels threads. They return the result, or -errno on failure.
#include <sys/syscall.h>
#include <stddef.h>
static inline long policyd_syscall6(long n, long a, long b, long c, long d, long e, long f) {
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#else
    long ret = syscall(n, a, b, c, d, e, f);
    return ret < 0 ? -errno : ret;
#include "uring.h"
#endif
}
/// recv(2) (no VFS layer, unlike read(2)).
static inline long policyd_recv(int fd, void *buf, size_t n) {
    return policyd_syscall6(SYS_recvfrom, fd, (long)buf, (long)n, 0, 0, 0);
}
/// recv(2) with flags (MSG_PEEK: the connection reads at its peek offset, SO_PEEK_OFF).
static inline long policyd_recv_flags(int fd, void *buf, size_t n, int flags) {
    return policyd_syscall6(SYS_recvfrom, fd, (long)buf, (long)n, flags, 0, 0);
}
static inline long policyd_send(int fd, const void *buf, size_t n, int flags) {
    return policyd_syscall6(SYS_sendto, fd, (long)buf, (long)n, flags, 0, 0);
}
static inline int policyd_epoll_wait(int epfd, struct epoll_event *events, int max, int timeout) {
    return (int)policyd_syscall6(SYS_epoll_pwait, epfd, (long)events, max, timeout, 0, 8);
}
#include "uring.h"
#endif
