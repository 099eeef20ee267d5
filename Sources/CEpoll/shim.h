#ifndef POLICYD_CEPOLL_SHIM_H
#define POLICYD_CEPOLL_SHIM_H
// Swift's Glibc module does not export these headers: the daemon's own socket loop
// (Sources/policyd/Server/EventLoop) needs epoll, eventfd and accept4.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <errno.h>

// accept4(2) is declared only under _GNU_SOURCE: the same symbol under policyd's own name.
extern int policyd_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags) __asm__("accept4");
#endif
