import CEpoll
import Foundation

/// The listening socket, served by the first loop: accepts connections (non-blocking) and hands
/// them round-robin to the loops, so connections spread over every loop thread.
final class Listener: EpollSource {
    let fd: Int32
    private unowned(unsafe) let home: EpollLoop  // loops live as long as the server
    private let loops: [EpollLoop]
    private var next = 0
    private var open = true
    /// An fd held in reserve for running out of fds (EMFILE): see `ready`.
    private var spare: Int32 = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)

    /// `fd` is a listening unix stream socket (bound here or socket-activated).
    init(fd: Int32, loops: [EpollLoop]) throws {
        self.fd = fd
        self.loops = loops
        home = loops[0]
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else { throw ServerError.io("fcntl", errno) }
    }

    /// Binds and listens on a filesystem path (the caller removed a stale socket file first).
    static func bind(path: String, backlog: Int32 = 1024) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(POLICYD_SOCK_STREAM) | Int32(POLICYD_SOCK_CLOEXEC), 0)
        guard fd >= 0 else { throw ServerError.io("socket", errno) }
        guard let rc = UnixSocketAddress.with(path, { Glibc.bind(fd, $0, $1) }) else {
            close(fd)
            throw ServerError.io("socket path too long: \(path)", ENAMETOOLONG)
        }
        guard rc == 0, listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            throw ServerError.io("bind/listen \(path)", e)
        }
        return fd
    }

    /// Registers on the first loop (call on that loop's thread).
    func start() -> Bool { home.add(fd, self, events: EpollLoop.readable) }

    /// Stops accepting and closes the socket (on the first loop's thread).
    func stop() {
        guard open else { return }
        open = false
        home.remove(fd)
        close(fd)
        if spare >= 0 { close(spare) }
        spare = -1
    }

    override func ready(_ events: UInt32) {
        // Accept a bounded number per wake-up, so a connection storm cannot starve this loop's
        // own connections.
        for _ in 0..<64 where open {
            let c = policyd_accept4(fd, nil, nil, Int32(POLICYD_SOCK_NONBLOCK) | Int32(POLICYD_SOCK_CLOEXEC))
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if (errno == EMFILE || errno == ENFILE) && spare >= 0 {
                    // Out of fds: the pending connection would stay readable on the
                    // level-triggered listener and spin this loop. Free the spare, accept it and
                    // close it at once (the client sees the close), take the spare back.
                    close(spare)
                    let c = policyd_accept4(fd, nil, nil, Int32(POLICYD_SOCK_CLOEXEC))
                    if c >= 0 { close(c) }
                    spare = Glibc.open("/dev/null", O_RDONLY | O_CLOEXEC)
                    continue
                }
                return  // EAGAIN (or out of fds with no spare left: retried on the next wake-up)
            }
            let target = loops[next]
            next = (next + 1) % loops.count
            if target === home {
                target.adopt(c)
            } else if !target.execute({ $0.adopt(c) }) {
                close(c)
            }
        }
    }
}
