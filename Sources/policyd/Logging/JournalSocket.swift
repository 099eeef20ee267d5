import CSystemd
import Glibc

/// journald's native socket for batches of entries already encoded as datagrams
/// (`JournalNative`): a whole batch goes out with one `sendmmsg`, on a non-blocking socket.
///
/// The journal must never hold up what shares its thread (the decision log's file): when
/// journald's receive queue is full, `send` waits for it at most `budget` and then gives up
/// on the rest (the caller counts them), instead of blocking like `sd_journal_sendv`.
public final class JournalSocket: @unchecked Sendable {  // used by one thread: the writer
    public static let defaultPath = "/run/systemd/journal/socket"

    /// What became of a batch: `sent` went out; `busy` were given up (journald too slow);
    /// `unavailable` could not be sent because no journald listens (the caller falls back);
    /// `oversized` are the indices of entries too big for a datagram (send them by another way).
    struct Outcome: Equatable {
        var sent = 0
        var busy = 0
        var unavailable: Range<Int> = 0..<0
        var oversized: [Int] = []
    }

    let path: String
    private var fd: Int32 = -1
    private var headers: [policyd_mmsghdr] = []
    private var vectors: [iovec] = []

    public init(path: String = JournalSocket.defaultPath) {
        self.path = path
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    /// Connects if not connected. False when nothing listens at `path`.
    private func connect() -> Bool {
        if fd >= 0 { return true }
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard s >= 0 else { return false }
        // Room for a burst of entries, as libsystemd asks for its own journal socket.
        var size: Int32 = 8 << 20
        _ = setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        guard UnixSocketAddress.with(path, { Glibc.connect(s, $0, $1) }) == 0 else {
            Glibc.close(s)
            return false
        }
        fd = s
        return true
    }

    private func disconnect() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends the datagrams `bytes[ends[i-1]..<ends[i]]` (the first starts at 0).
    func send(_ bytes: [UInt8], ends: [Int], budget: Duration) -> Outcome {
        var outcome = Outcome()
        guard !ends.isEmpty else { return outcome }
        guard connect() else {
            outcome.unavailable = 0..<ends.count
            return outcome
        }
        let deadline = ContinuousClock.now + budget
        bytes.withUnsafeBytes { all in
            let base = UnsafeMutableRawPointer(mutating: all.baseAddress!)
            vectors.removeAll(keepingCapacity: true)
            var start = 0
            for end in ends {
                vectors.append(iovec(iov_base: base + start, iov_len: end - start))
                start = end
            }
            headers = [policyd_mmsghdr](repeating: policyd_mmsghdr(), count: ends.count)
            vectors.withUnsafeMutableBufferPointer { iov in
                for i in 0..<ends.count {
                    headers[i].msg_hdr.msg_iov = iov.baseAddress! + i
                    headers[i].msg_hdr.msg_iovlen = 1
                }
                var i = 0
                while i < ends.count {
                    let n = headers.withUnsafeMutableBufferPointer {
                        policyd_sendmmsg(fd, $0.baseAddress! + i, UInt32(min(ends.count - i, 1024)),
                                         Int32(MSG_NOSIGNAL))
                    }
                    if n > 0 {
                        i += Int(n)
                        outcome.sent += Int(n)
                        continue
                    }
                    switch errno {
                    case EINTR:
                        continue
                    case EAGAIN:
                        let left = deadline - ContinuousClock.now
                        if left <= .zero || !waitWritable(left) {
                            outcome.busy += ends.count - i
                            i = ends.count
                        }
                    case EMSGSIZE, ENOBUFS:
                        outcome.oversized.append(i)
                        i += 1
                    default:  // journald went away (ECONNREFUSED, ENOTCONN, …): reconnect next time
                        disconnect()
                        outcome.unavailable = i..<ends.count
                        i = ends.count
                    }
                }
            }
        }
        return outcome
    }

    /// Waits until journald's queue has room (a connected datagram socket polls writable then).
    private func waitWritable(_ left: Duration) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let (s, attos) = left.components
        let ms = Int32(min(Int64(s) * 1000 + attos / 1_000_000_000_000_000 + 1, 1000))
        return poll(&p, 1, ms) > 0
    }
}
