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
    POLICYD_EPOLL_CLOEXEC = EPOLL_CLOEXEC,
    POLICYD_MSG_NOSIGNAL = MSG_NOSIGNAL,
    POLICYD_EFD_FLAGS = EFD_NONBLOCK | EFD_CLOEXEC,
    POLICYD_TFD_FLAGS = TFD_NONBLOCK | TFD_CLOEXEC,
};

// accept4(2) is declared only under _GNU_SOURCE: the same symbol under policyd's own name.
extern int policyd_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) __asm__("accept4");
// pthread_setname_np(3) is declared only under _GNU_SOURCE: names the loop threads (ps, perf,
// /proc/PID/task/*/comm); Foundation's Thread.name does not on Linux.
extern int policyd_pthread_setname_np(pthread_t thread, const char *name) __asm__("pthread_setname_np");
#endif
