#ifndef POLICYD_CEPOLL_URING_H
#define POLICYD_CEPOLL_URING_H
// A minimal io_uring (raw system calls, no liburing) for one job: send a connection's answer
// and take the request bytes it has peeked off the socket in ONE system call.
//
// Why one call: on AF_UNIX, taking bytes off the socket frees buffers charged to the client's
// socket, which wakes a client blocked in read(2) for its answer. Done on its own, that wake-up
// is spurious (the answer is not there yet) and, on a CPU shared with the client, costs two
// context switches. Inside the same call as the send, the client is woken once, with its answer
// already queued: this kernel switches tasks at the return to user space at the earliest (the
// socket paths have no preemption point in between), and a woken task leaves the socket's wait
// queue, so the second wake-up finds nobody to wake.
// docs/performance.md, "Socket path, session 12".
#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

typedef struct policyd_uring {
    int fd;
    unsigned sq_mask, cq_mask;
    unsigned *sq_tail;
    unsigned *cq_head, *cq_tail;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *ring;
    size_t ring_bytes;
    size_t sqe_bytes;
} policyd_uring;

static inline long policyd_uring_enter(int fd, unsigned submit, unsigned wait, unsigned flags) {
    return policyd_syscall6(__NR_io_uring_enter, fd, submit, wait, flags, 0, 0);  // shim.h
}

static inline void policyd_uring_close(policyd_uring *r) {
    if (r->sqes) munmap(r->sqes, r->sqe_bytes);
    if (r->ring) munmap(r->ring, r->ring_bytes);
    if (r->fd >= 0) close(r->fd);
    r->sqes = NULL;
    r->ring = NULL;
    r->fd = -1;
}

/// Sends `out_len` bytes of `out` on `fd`, then receives `discard_len` bytes into `discard`
/// (bytes already peeked), both non-blocking, in one io_uring_enter. Returns -errno when nothing
/// was submitted (neither result is set: do both the plain way); otherwise `*sent` and
/// `*consumed` hold each operation's result (a count, or -errno; -EIO if it did not run) and
/// the return is 0, or 1 when the ring misbehaved (partial submission, a failed wait) and must
/// be given up.
static inline int policyd_uring_send_consume(policyd_uring *r, int fd, const void *out, unsigned out_len,
                                             void *discard, unsigned discard_len, long *sent, long *consumed) {
    unsigned tail = *r->sq_tail;  // only this thread submits
    struct io_uring_sqe *s = &r->sqes[tail & r->sq_mask];
    memset(s, 0, sizeof *s);
    s->opcode = IORING_OP_SEND;
    s->fd = fd;
    s->addr = (unsigned long)out;
    s->len = out_len;
    // MSG_DONTWAIT: a full buffer completes with -EAGAIN at once instead of waiting in the ring.
    s->msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT;
    s->user_data = 1;
    s = &r->sqes[(tail + 1) & r->sq_mask];
    memset(s, 0, sizeof *s);
    s->opcode = IORING_OP_RECV;
    s->fd = fd;
    s->addr = (unsigned long)discard;
    s->len = discard_len;
    s->msg_flags = MSG_DONTWAIT;
    s->user_data = 2;
    __atomic_store_n(r->sq_tail, tail + 2, __ATOMIC_RELEASE);
    long e = policyd_uring_enter(r->fd, 2, 0, 0);
    if (e < 0) {  // nothing submitted: take the entries back
        __atomic_store_n(r->sq_tail, tail, __ATOMIC_RELEASE);
        return (int)e;
    }
    long res[3] = {0, -EIO, -EIO};
    for (long have = 0; have < e;) {
        unsigned head = *r->cq_head;
        unsigned ctail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
        for (; head != ctail; head++, have++) {
            struct io_uring_cqe *c = &r->cqes[head & r->cq_mask];
            if (c->user_data == 1 || c->user_data == 2) res[c->user_data] = c->res;
        }
        __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
        if (have < e) {
            // Both complete inline on a non-blocking socket; wait for a straggler regardless.
            long w = policyd_uring_enter(r->fd, 0, (unsigned)(e - have), IORING_ENTER_GETEVENTS);
            if (w < 0 && w != -EINTR) {
                e = -1;
                break;
            }
        }
    }
    *sent = res[1];
    *consumed = res[2];
    // Only part submitted: the rest would go with the next call; the caller gives the ring up.
    return e == 2 ? 0 : 1;
}

/// Sends on several sockets in one io_uring_enter: `n` (at most `policyd_uring_batch_max`) SENDs,
/// entry i of `fds`/`bufs`/`lens`, each non-blocking. A client woken by the first send is woken
/// once for all of them, and the loop makes one system call instead of `n`
/// (docs/performance.md, "Socket path, session 13"). Returns -errno when nothing was submitted
/// (no result is set: send the plain way); otherwise `results[i]` holds send i's result (a count
/// or -errno; -EIO if it did not run) and the return is 0, or 1 when the ring misbehaved and
/// must be given up.
enum { policyd_uring_batch_max = 32 };
static inline int policyd_uring_send_batch(policyd_uring *r, unsigned n, const int *fds, const void *const *bufs,
                                           const unsigned *lens, long *results) {
    if (n == 0 || n > policyd_uring_batch_max || n > r->sq_mask + 1) return -EINVAL;
    unsigned tail = *r->sq_tail;  // only this thread submits
    for (unsigned i = 0; i < n; i++) {
        struct io_uring_sqe *s = &r->sqes[(tail + i) & r->sq_mask];
        memset(s, 0, sizeof *s);
        s->opcode = IORING_OP_SEND;
        s->fd = fds[i];
        s->addr = (unsigned long)bufs[i];
        s->len = lens[i];
        s->msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT;
        s->user_data = i + 1;
        results[i] = -EIO;
    }
    __atomic_store_n(r->sq_tail, tail + n, __ATOMIC_RELEASE);
    long e = policyd_uring_enter(r->fd, n, 0, 0);
    if (e < 0) {  // nothing submitted: take the entries back
        __atomic_store_n(r->sq_tail, tail, __ATOMIC_RELEASE);
        return (int)e;
    }
    for (long have = 0; have < e;) {
        unsigned head = *r->cq_head;
        unsigned ctail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
        for (; head != ctail; head++, have++) {
            struct io_uring_cqe *c = &r->cqes[head & r->cq_mask];
            if (c->user_data >= 1 && c->user_data <= n) results[c->user_data - 1] = c->res;
        }
        __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
        if (have < e) {
            long w = policyd_uring_enter(r->fd, 0, (unsigned)(e - have), IORING_ENTER_GETEVENTS);
            if (w < 0 && w != -EINTR) {
                e = -1;
                break;
            }
        }
    }
    return e == (long)n ? 0 : 1;
}

/// Sets up a ring of `policyd_uring_batch_max` entries and checks on a socket pair that send + receive work through
/// it (io_uring may be disabled by sysctl, filtered by seccomp, or lack these operations).
/// Returns 0, or -errno (the ring is then closed).
static inline int policyd_uring_init(policyd_uring *r) {
    memset(r, 0, sizeof *r);
    r->fd = -1;
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    long fd = syscall(__NR_io_uring_setup, policyd_uring_batch_max, &p);
    if (fd < 0) return -errno;
    r->fd = (int)fd;
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
        policyd_uring_close(r);
        return -ENOSYS;
    }
    size_t sq_bytes = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_bytes = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    r->ring_bytes = sq_bytes > cq_bytes ? sq_bytes : cq_bytes;
    void *ring = mmap(NULL, r->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
    if (ring == MAP_FAILED) {
        int e = errno;
        policyd_uring_close(r);
        return -e;
    }
    r->ring = ring;
    r->sqe_bytes = p.sq_entries * sizeof(struct io_uring_sqe);
    void *sqes = mmap(NULL, r->sqe_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
    if (sqes == MAP_FAILED) {
        int e = errno;
        policyd_uring_close(r);
        return -e;
    }
    r->sqes = (struct io_uring_sqe *)sqes;
    char *b = (char *)ring;
    r->sq_mask = *(unsigned *)(b + p.sq_off.ring_mask);
    r->cq_mask = *(unsigned *)(b + p.cq_off.ring_mask);
    r->sq_tail = (unsigned *)(b + p.sq_off.tail);
    r->cq_head = (unsigned *)(b + p.cq_off.head);
    r->cq_tail = (unsigned *)(b + p.cq_off.tail);
    r->cqes = (struct io_uring_cqe *)(b + p.cq_off.cqes);
    unsigned *array = (unsigned *)(b + p.sq_off.array);
    for (unsigned i = 0; i < p.sq_entries; i++) array[i] = i;  // SQE i sits in slot i

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) {
        int e = errno;
        policyd_uring_close(r);
        return -e;
    }
    char x = 'q', in[2], got[2];
    long sent = 0, consumed = 0;
    int ok = write(sv[1], &x, 1) == 1 && policyd_uring_send_consume(r, sv[0], "a", 1, in, 2, &sent, &consumed) == 0 &&
             sent == 1 && consumed == 1 && in[0] == 'q' && read(sv[1], got, 2) == 1 && got[0] == 'a';
    close(sv[0]);
    close(sv[1]);
    if (!ok) {
        policyd_uring_close(r);
        return -ENOTSUP;
    }
    return 0;
}
#endif
