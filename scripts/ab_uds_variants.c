/*
 * ab_uds_variants.c: uds_floor's one-in-flight client against variants of its server, to take
 * apart what a server's design costs a round trip when client and server share one CPU
 * (docs/performance.md, "Socket path, session 9"). Run under `taskset -c 0` (scripts/ab_uds_variants.py
 * builds it and interleaves variants). Client and server are one fork, as in uds_floor.
 *
 * Server flags:
 *   -m 0  blocking read/write (uds_floor's server)        -m 1  epoll_wait + read + send, non-blocking
 *   -m 2  epoll, recv(MSG_PEEK), answer, send, then consume what was peeked
 *   -m 3  edge-triggered epoll, SO_PEEK_OFF peeks, answer, send; consume in bulk (8 KiB)
 *   -e    eventfd + timerfd (250 ms tick) in the epoll set, as the daemon's EpollLoop
 *   -t N  N idle threads in the server process (each blocked in epoll_wait)
 *   -k N  per request, touch one cache line in each of N scattered 4 KiB pages (256 MiB heap)
 *   -K N  per request, read and write N KiB sequentially
 *   -u NS per request, spin NS nanoseconds (CPU only)
 *   -N V  server at nice V (setpriority)          -F  server SCHED_FIFO priority 1
 * Client flags:
 *   -E    the client waits in epoll_wait(EPOLLIN) before each read (an event-driven client)
 *   -n N  measured requests (default 40000)       -W N  warm-up requests (default 4000)
 * Prints the client's p50/p90/p99, its CPU and context switches per request; the server prints
 * its own (whole run, set-up included: -k's 256 MiB memset inflates it) to stderr when the
 * client closes.
 *
 * Build: gcc -O2 -pthread -o /tmp/ab_uds_variants scripts/ab_uds_variants.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RBUF (64 * 1024)
static int mode, extra_fds, threads, touch_pages, fifo, nicev, client_epoll;
static long spin_ns, touch_kb, total_req;
static volatile uint64_t sink;
static char *pages, *seq;
static uint32_t *offs;
static const char RESP[] = "{\"decision\":\"allow\",\"policy\":\"agents.rbac\",\"reasons\":[]}";

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static void die(const char *m) { perror(m); exit(1); }
static void put_be32(char *p, uint32_t v) { p[0] = (char)(v >> 24); p[1] = (char)(v >> 16); p[2] = (char)(v >> 8); p[3] = (char)v; }
static uint32_t get_be32(const char *p) {
    const unsigned char *u = (const unsigned char *)p;
    return ((uint32_t)u[0] << 24) | ((uint32_t)u[1] << 16) | ((uint32_t)u[2] << 8) | u[3];
}
static void *idle_thread(void *arg) {
    int ep = epoll_create1(0);
    struct epoll_event ev;
    for (;;) epoll_wait(ep, &ev, 1, -1);
    return arg;
}

/* The per-request "work" of a variant, then the fixed answer. */
static size_t answer(char *in, size_t *have, char *out, size_t *consumed) {
    size_t off = 0, olen = 0, rlen = sizeof(RESP) - 1;
    while (*have - off >= 4) {
        uint32_t len = get_be32(in + off);
        if (*have - off < 4 + (size_t)len) break;
        if (spin_ns) { uint64_t t = now_ns(); while (now_ns() - t < (uint64_t)spin_ns) {} }
        if (touch_kb) { uint64_t s = 0; for (long i = 0; i < touch_kb * 1024; i += 64) { s += (uint64_t)seq[i]; seq[i]++; } sink += s; }
        if (touch_pages) { uint64_t s = 0; for (int i = 0; i < touch_pages; i++) { s += (uint64_t)pages[offs[i]]; pages[offs[i]]++; } sink += s; }
        put_be32(out + olen, (uint32_t)rlen);
        memcpy(out + olen + 4, RESP, rlen);
        olen += 4 + rlen;
        off += 4 + len;
    }
    memmove(in, in + off, *have - off);
    *have -= off;
    *consumed = off;
    return olen;
}

static void server_report(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    fprintf(stderr, "server: cpu/req %.2f us vcsw/req %.2f ivcsw/req %.2f\n", cpu / (double)total_req,
            (double)ru.ru_nvcsw / (double)total_req, (double)ru.ru_nivcsw / (double)total_req);
    _exit(0);
}

static void server(int lfd) {
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) die("accept");
    if (fifo) { struct sched_param sp = { .sched_priority = 1 }; if (sched_setscheduler(0, SCHED_FIFO, &sp)) perror("SCHED_FIFO"); }
    if (nicev && setpriority(PRIO_PROCESS, 0, nicev)) perror("setpriority");
    if (touch_pages) {
        size_t sz = 256u << 20;
        pages = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        memset(pages, 0, sz);
        offs = malloc(sizeof(uint32_t) * (size_t)touch_pages);
        srand(42);
        for (int i = 0; i < touch_pages; i++) offs[i] = (uint32_t)(((size_t)rand() % (sz / 4096)) * 4096 + (size_t)(rand() % 64) * 64);
    }
    if (touch_kb) { seq = malloc((size_t)touch_kb * 1024); memset(seq, 0, (size_t)touch_kb * 1024); }
    for (int i = 0; i < threads; i++) { pthread_t t; pthread_create(&t, NULL, idle_thread, NULL); }
    char *in = malloc(RBUF), *out = malloc(RBUF * 2);
    size_t have = 0, consumed;
    if (mode == 0) {
        for (;;) {
            ssize_t r = read(fd, in + have, RBUF - have);
            if (r == 0) server_report();
            if (r < 0) { if (errno == EINTR) continue; die("read"); }
            have += (size_t)r;
            size_t olen = answer(in, &have, out, &consumed);
            if (olen && write(fd, out, olen) != (ssize_t)olen) die("write");
        }
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    int ep = epoll_create1(0), efd = -1, tfd = -1;
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 2 };
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    if (extra_fds) {
        efd = eventfd(0, EFD_NONBLOCK);
        ev.data.u64 = 0;
        epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
        tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
        struct itimerspec sp = { { 0, 250000000L }, { 0, 250000000L } };
        timerfd_settime(tfd, 0, &sp, NULL);
        ev.data.u64 = 1;
        epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    }
    struct epoll_event evs[64];
    if (mode == 3) {
        /* edge-triggered; peek at a moving offset, consume in bulk (8 KiB): the client's request
           skbs are freed (its socket's write space, which wakes it in read) once per bulk */
        int zero = 0;
        if (setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof zero)) die("SO_PEEK_OFF");
        ev.events = EPOLLIN | EPOLLET;
        ev.data.u64 = 2;
        epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        size_t unconsumed = 0;
        static char junk[RBUF];
        for (;;) {
            int n = epoll_wait(ep, evs, 64, -1);
            if (n < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
            for (int i = 0; i < n; i++) {
                uint64_t x;
                if (evs[i].data.u64 == 1) { if (read(tfd, &x, 8) < 0) {} continue; }
                if (evs[i].data.u64 == 0) { if (read(efd, &x, 8) < 0) {} continue; }
                for (;;) {
                    ssize_t r = recv(fd, in + have, RBUF - have, MSG_PEEK | MSG_DONTWAIT);
                    if (r == 0) server_report();
                    if (r < 0) { if (errno == EAGAIN || errno == EINTR) break; die("recv"); }
                    size_t space = RBUF - have;
                    have += (size_t)r;
                    unconsumed += (size_t)r;
                    size_t olen = answer(in, &have, out, &consumed);
                    if (olen && send(fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) die("send");
                    if (unconsumed >= 8192) {
                        while (unconsumed > 0) {
                            ssize_t c = recv(fd, junk, unconsumed, 0);
                            if (c <= 0) die("consume");
                            unconsumed -= (size_t)c;
                        }
                    }
                    if ((size_t)r < space) break;
                }
            }
        }
    }
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        if (n < 0) { if (errno == EINTR) continue; die("epoll_wait"); }
        for (int i = 0; i < n; i++) {
            uint64_t x;
            if (evs[i].data.u64 == 1) { if (read(tfd, &x, 8) < 0) {} continue; }
            if (evs[i].data.u64 == 0) { if (read(efd, &x, 8) < 0) {} continue; }
            ssize_t r = recv(fd, in + have, RBUF - have, mode == 2 ? MSG_PEEK : 0);
            if (r == 0) server_report();
            if (r < 0) { if (errno == EAGAIN || errno == EINTR) continue; die("recv"); }
            size_t before = have;
            have += (size_t)r;
            size_t olen = answer(in, &have, out, &consumed);
            if (olen && send(fd, out, olen, MSG_NOSIGNAL) != (ssize_t)olen) die("send");
            if (mode == 2) {
                /* consume the peeked bytes now that the answer is out; a partial frame stays in `in` */
                static char junk[RBUF];
                if (recv(fd, junk, (size_t)r, 0) != r) die("consume");
                (void)before;
            }
        }
    }
}

static char rbuf[RBUF];
static size_t rhave, roff;
static int cep = -1;
static void read_frame(int fd) {
    for (;;) {
        if (rhave - roff >= 4) {
            uint32_t len = get_be32(rbuf + roff);
            if (rhave - roff >= 4 + (size_t)len) { roff += 4 + len; return; }
        }
        if (roff) { memmove(rbuf, rbuf + roff, rhave - roff); rhave -= roff; roff = 0; }
        if (cep >= 0) { struct epoll_event ev; while (epoll_wait(cep, &ev, 1, -1) < 1) {} }
        ssize_t r = read(fd, rbuf + rhave, RBUF - rhave);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; die("client read"); }
        rhave += (size_t)r;
    }
}
static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    long n = 40000, warm = 4000;
    int opt;
    while ((opt = getopt(argc, argv, "m:et:k:K:u:N:FEn:W:")) != -1) {
        switch (opt) {
        case 'm': mode = atoi(optarg); break;
        case 'e': extra_fds = 1; break;
        case 't': threads = atoi(optarg); break;
        case 'k': touch_pages = atoi(optarg); break;
        case 'K': touch_kb = atol(optarg); break;
        case 'u': spin_ns = atol(optarg); break;
        case 'N': nicev = atoi(optarg); break;
        case 'F': fifo = 1; break;
        case 'E': client_epoll = 1; break;
        case 'n': n = atol(optarg); break;
        case 'W': warm = atol(optarg); break;
        default: fprintf(stderr, "see the comment at the top of %s\n", __FILE__); return 2;
        }
    }
    /* uds_floor's request: a ~300-byte JSON tool call, 4-byte length prefix */
    const char *tmpl =
        "{\"agent\":{\"id\":\"agent-00042\",\"roles\":[\"editor\"]},"
        "\"action\":\"write\",\"tool\":{\"name\":\"fs.write_file\",\"args\":{\"path\":\"/prod/app/config.yaml\"}},"
        "\"resource\":{\"path\":\"/prod/app/config.yaml\"},\"context\":{\"environment\":\"prod\","
        "\"request_id\":\"req-0123456789abcdef\"},\"request_time\":\"2025-03-04T10:15:00Z\",\"pad\":\"";
    size_t tl = strlen(tmpl), req_len = 300, frame = 4 + req_len;
    char *req = malloc(frame);
    put_be32(req, (uint32_t)req_len);
    memcpy(req + 4, tmpl, tl);
    memset(req + 4 + tl, 'x', req_len - tl - 2);
    memcpy(req + 4 + req_len - 2, "\"}", 2);

    char path[108];
    snprintf(path, sizeof path, "/tmp/ab_uds_variants.%d.sock", (int)getpid());
    unlink(path);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) || listen(lfd, 8)) die("bind/listen");
    total_req = n + warm;
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) server(lfd);
    close(lfd);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) die("connect");
    unlink(path);
    if (client_epoll) {
        cep = epoll_create1(0);
        struct epoll_event ev = { .events = EPOLLIN };
        epoll_ctl(cep, EPOLL_CTL_ADD, fd, &ev);
    }
    uint64_t *lat = malloc(sizeof(uint64_t) * (size_t)n);
    for (long i = 0; i < warm; i++) { if (write(fd, req, frame) != (ssize_t)frame) die("write"); read_frame(fd); }
    struct rusage ra, rb;
    struct timespec c0, c1;
    getrusage(RUSAGE_SELF, &ra);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    for (long i = 0; i < n; i++) {
        uint64_t t0 = now_ns();
        if (write(fd, req, frame) != (ssize_t)frame) die("write");
        read_frame(fd);
        lat[i] = now_ns() - t0;
    }
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    getrusage(RUSAGE_SELF, &rb);
    qsort(lat, (size_t)n, sizeof *lat, cmp_u64);
    double ccpu = ((double)(c1.tv_sec - c0.tv_sec) * 1e9 + (double)(c1.tv_nsec - c0.tv_nsec)) / (double)n / 1e3;
    printf("p50 %.2f p90 %.2f p99 %.2f us  client cpu/req %.2f us vcsw/req %.2f ivcsw/req %.2f\n",
           lat[n / 2] / 1e3, lat[n * 9 / 10] / 1e3, lat[n * 99 / 100] / 1e3, ccpu,
           (double)(rb.ru_nvcsw - ra.ru_nvcsw) / (double)n, (double)(rb.ru_nivcsw - ra.ru_nivcsw) / (double)n);
    fflush(stdout);
    close(fd);
    int st;
    waitpid(child, &st, 0);
    return 0;
}
