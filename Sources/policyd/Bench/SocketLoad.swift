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

    /// One connection's state: a FIFO of send times and of frame indexes for the outstanding
    /// requests, and the receive buffer.
    private final class Conn {
        let fd: Int32
        var sendTimes: [UInt64]
        var frameIdx: [Int]
        var head = 0, count = 0
        var buf: [UInt8] = Array(repeating: 0, count: 1 << 16)
        var bufStart = 0, bufEnd = 0
        var out: [UInt8] = []
        init(fd: Int32, depth: Int) {
            self.fd = fd
            sendTimes = Array(repeating: 0, count: depth)
            frameIdx = Array(repeating: 0, count: depth)
        }
    }

    /// Runs for `seconds` (the first `warmup` seconds are not recorded).
    func run(socketPath: String, connections: Int, depth: Int, seconds: Double, warmup: Double) throws -> SocketLoadResult {
        let conns = try (0..<connections).map { _ in Conn(fd: try Self.connect(socketPath), depth: depth) }
        defer { for c in conns { close(c.fd) } }
        var next = 0
        var samples: [UInt64] = []
        samples.reserveCapacity(1 << 20)
        var errors = 0, wrong = 0, completed = 0
        let start = benchNowNs()
        let recordFrom = start + UInt64(warmup * 1e9)
        let stopAt = recordFrom + UInt64(seconds * 1e9)
        var measureStart: UInt64 = 0, measureEnd: UInt64 = 0
        var sending = true

        func fill(_ c: Conn, _ now: UInt64) throws {
            c.out.removeAll(keepingCapacity: true)
            while sending && c.count < depth {
                let slot = (c.head + c.count) % depth
                c.sendTimes[slot] = now
                c.frameIdx[slot] = next
                c.out += frames[next]
                next += 1
                if next == frames.count { next = 0 }
                c.count += 1
            }
            guard !c.out.isEmpty else { return }
            try c.out.withUnsafeBytes { raw in
                var off = 0
                while off < raw.count {
                    let n = write(c.fd, raw.baseAddress! + off, raw.count - off)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw SocketLoadError.io("write", errno)
                    }
                    off += n
                }
            }
        }

        /// Reads what is available and consumes complete answers.
        func receive(_ c: Conn) throws {
            if c.bufEnd == c.buf.count {
                if c.bufStart > 0 {
                    c.buf.withUnsafeMutableBytes { raw in
                        _ = memmove(raw.baseAddress!, raw.baseAddress! + c.bufStart, c.bufEnd - c.bufStart)
                    }
                    c.bufEnd -= c.bufStart
                    c.bufStart = 0
                } else {
                    c.buf += Array(repeating: 0, count: c.buf.count)
                }
            }
            let n = c.buf.withUnsafeMutableBytes { raw in read(c.fd, raw.baseAddress! + c.bufEnd, raw.count - c.bufEnd) }
            if n < 0 {
                if errno == EINTR { return }
                throw SocketLoadError.io("read", errno)
            }
            if n == 0 { throw SocketLoadError.closed }
            c.bufEnd += n
            let now = benchNowNs()
            // Answers are checked in place (no slice per answer): memmem for the error key and
            // the expected verdict, as a proxy client looks for the fields it needs.
            c.buf.withUnsafeBytes { raw in
                let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
                while c.bufEnd - c.bufStart >= 4 {
                    let s = c.bufStart
                    let len = Int(p[s]) << 24 | Int(p[s + 1]) << 16 | Int(p[s + 2]) << 8 | Int(p[s + 3])
                    guard c.bufEnd - s - 4 >= len else { break }
                    let sent = c.sendTimes[c.head]
                    let fi = c.frameIdx[c.head]
                    c.head = (c.head + 1) % depth
                    c.count -= 1
                    let answer = UnsafeRawBufferPointer(start: p + s + 4, count: len)
                    if Self.contains(answer, Self.errorKey) {
                        errors += 1
                    } else if let want = expectations[fi], !Self.contains(answer, want) {
                        wrong += 1
                    }
                    if sent >= recordFrom && sent < stopAt {
                        if measureStart == 0 { measureStart = sent }
                        samples.append(now &- sent)
                        completed += 1
                        measureEnd = now
                    }
                    c.bufStart = s + 4 + len
                }
            }
            if c.bufStart == c.bufEnd { c.bufStart = 0; c.bufEnd = 0 }
        }

        for c in conns { try fill(c, benchNowNs()) }
        if connections == 1 {
            let c = conns[0]
            while sending || c.count > 0 {
                try receive(c)
                let now = benchNowNs()
                if now >= stopAt { sending = false }
                try fill(c, now)
            }
        } else {
            // epoll, as an event-driven proxy client waits: one registration per connection, a
            // wake-up returns only the ready ones (poll(2) re-registered all 8 on every call).
            let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
            guard ep >= 0 else { throw SocketLoadError.io("epoll_create1", errno) }
            defer { close(ep) }
            for (i, c) in conns.enumerated() {
                var ev = epoll_event()
                ev.events = EPOLLIN.rawValue
                ev.data.u64 = UInt64(i)
                guard epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) == 0 else { throw SocketLoadError.io("epoll_ctl", errno) }
            }
            var events = [epoll_event](repeating: epoll_event(), count: conns.count)
            var outstanding = conns.reduce(0) { $0 + $1.count }
            while sending || outstanding > 0 {
                let r = events.withUnsafeMutableBufferPointer { epoll_wait(ep, $0.baseAddress, Int32($0.count), 1000) }
                if r < 0 {
                    if errno == EINTR { continue }
                    throw SocketLoadError.io("epoll_wait", errno)
                }
                if r == 0 { throw SocketLoadError.io("no answer within 1 s", ETIMEDOUT) }
                for k in 0..<Int(r) { try receive(conns[Int(events[k].data.u64)]) }
                let now = benchNowNs()
                if now >= stopAt { sending = false }
                for k in 0..<Int(r) { try fill(conns[Int(events[k].data.u64)], now) }
                if !sending { outstanding = conns.reduce(0) { $0 + $1.count } }
            }
        }
        let secs = measureEnd > measureStart ? Double(measureEnd - measureStart) / 1e9 : 0
        return SocketLoadResult(stats: LatencyStats(samples), completed: completed, seconds: secs,
                                errors: errors, wrongAnswers: wrong)
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
