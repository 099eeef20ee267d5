import Foundation
#if canImport(CNIOLinux)
import CNIOLinux  // epoll
#endif

/// A pipelining load generator over raw Unix sockets: `connections` connections, each keeping
/// `depth` requests in flight. One thread drives every connection with epoll; answers come
/// back in request order per connection, so latency = answer time − send time of the oldest
/// outstanding request (queueing included, as uds_floor measures it). Refills are written in
/// one write(2) per connection per wake-up, so the generator costs little per request.
struct SocketLoadResult {
    let stats: LatencyStats
    let completed: Int
    let seconds: Double
    let errors: Int
    let wrongAnswers: Int
    var throughput: Double { seconds > 0 ? Double(completed) / seconds : 0 }
}

enum SocketLoadError: Error, CustomStringConvertible {
    case connect(String, Int32)
    case io(String, Int32)
    case closed
    var description: String {
        switch self {
        case .connect(let p, let e): return "connect \(p): \(String(cString: strerror(e)))"
        case .io(let what, let e): return "\(what): \(String(cString: strerror(e)))"
        case .closed: return "daemon closed the connection"
        }
    }
}

final class SocketLoad {
    /// Ready-to-send frames (length prefix included), cycled through.
    let frames: [[UInt8]]
    /// For each frame, the expected `"decision":"…"` bytes in the answer (nil: do not check).
    let expectations: [[UInt8]?]

    init(frames: [[UInt8]], expectations: [[UInt8]?]) {
        self.frames = frames
        self.expectations = expectations
    }

    /// Builds decide frames for `inputs` (JSON texts) against `path`.
    static func decideFrames(path: String, inputs: [[UInt8]]) -> [[UInt8]] {
        inputs.enumerated().map { i, input in
            var body = Array("{\"id\":\(i),\"op\":\"decide\",\"path\":\"\(path)\",\"input\":".utf8)
            body += input
            body.append(UInt8(ascii: "}"))
            let n = UInt32(body.count)
            return [UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + body
        }
    }

    static func connect(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketLoadError.io("socket", errno) }
        guard let rc = UnixSocketAddress.with(path, { Foundation.connect(fd, $0, $1) }) else {
            close(fd)
            throw SocketLoadError.connect(path, ENAMETOOLONG)
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw SocketLoadError.connect(path, e)
        }
        return fd
    }

    /// Runs for `seconds` (the first `warmup` seconds are not recorded).
    func run(socketPath: String, connections: Int, depth: Int, seconds: Double, warmup: Double) throws -> SocketLoadResult {
        let conns = try (0..<connections).map { _ in try LoadConnection(path: socketPath, depth: depth) }
        var next = 0
        var tally = LoadTally()
        let start = benchNowNs()
        tally.recordFrom = start + UInt64(warmup * 1e9)
        let stopAt = tally.recordFrom + UInt64(seconds * 1e9)
        tally.recordUntil = stopAt
        var sending = true

        for c in conns { try c.fill(frames, next: &next, now: benchNowNs()) }
        if connections == 1 {
            let c = conns[0]
            while sending || c.count > 0 {
                let now = try c.receive(expectations, &tally)
                if now >= stopAt { sending = false }
                if sending { try c.fill(frames, next: &next, now: now) }
            }
        } else {
            // epoll, as an event-driven proxy client waits: one registration per connection, a
            // wake-up returns only the ready ones (poll(2) re-registered all 8 on every call).
            let ep = try Self.epoll(conns)
            defer { close(ep) }
            var events = [epoll_event](repeating: epoll_event(), count: conns.count)
            var outstanding = conns.reduce(0) { $0 + $1.count }
            while sending || outstanding > 0 {
                let r = try Self.wait(ep, &events)
                var now: UInt64 = 0
                for k in 0..<r { now = try conns[Int(events[k].data.u64)].receive(expectations, &tally) }
                if now >= stopAt { sending = false }
                if sending {
                    for k in 0..<r { try conns[Int(events[k].data.u64)].fill(frames, next: &next, now: now) }
                } else {
                    outstanding = conns.reduce(0) { $0 + $1.count }
                }
            }
        }
        let secs = tally.lastAnswer > tally.firstSent ? Double(tally.lastAnswer - tally.firstSent) / 1e9 : 0
        return SocketLoadResult(stats: LatencyStats(tally.samples), completed: tally.samples.count, seconds: secs,
                                errors: tally.errors, wrongAnswers: tally.wrong)
    }

    /// An epoll set with every connection registered for EPOLLIN (data: its index).
    static func epoll(_ conns: [LoadConnection]) throws -> Int32 {
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard ep >= 0 else { throw SocketLoadError.io("epoll_create1", errno) }
        for (i, c) in conns.enumerated() {
            var ev = epoll_event()
            ev.events = EPOLLIN.rawValue
            ev.data.u64 = UInt64(i)
            guard epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) == 0 else {
                close(ep)
                throw SocketLoadError.io("epoll_ctl", errno)
            }
        }
        return ep
    }

    /// epoll_wait for at most 1 s (no answer within a second is an error); the ready count.
    static func wait(_ ep: Int32, _ events: inout [epoll_event]) throws -> Int {
        while true {
            let r = events.withUnsafeMutableBufferPointer { epoll_wait(ep, $0.baseAddress, Int32($0.count), 1000) }
            if r < 0 {
                if errno == EINTR { continue }
                throw SocketLoadError.io("epoll_wait", errno)
            }
            if r == 0 { throw SocketLoadError.io("no answer within 1 s", ETIMEDOUT) }
            return Int(r)
        }
    }

    static let errorKey = Array("\"error\":".utf8)

    @inline(__always)
    static func contains(_ hay: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
        guard needle.count <= hay.count, !needle.isEmpty, let h = hay.baseAddress else { return false }
        // memchr (vectorised) to each occurrence of the needle's last byte (`:` for the error
        // key: a few per answer), then memcmp the window ending there.
        return needle.withUnsafeBytes { n in
            let m = n.count
            let last = Int32(n[m - 1])
            var at = m - 1
            while at < hay.count {
                guard let q = memchr(h + at, last, hay.count - at) else { return false }
                let end = UnsafeRawPointer(q) - h
                if memcmp(h + end - (m - 1), n.baseAddress!, m) == 0 { return true }
                at = end + 1
            }
            return false
        }
    }
}
