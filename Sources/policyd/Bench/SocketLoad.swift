import Foundation

/// A pipelining load generator over raw Unix sockets: `connections` connections, each keeping
/// `depth` requests in flight. One thread drives every connection with poll(2); answers come
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
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw SocketLoadError.connect(path, ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
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
            while c.bufEnd - c.bufStart >= 4 {
                let s = c.bufStart
                let len = Int(c.buf[s]) << 24 | Int(c.buf[s + 1]) << 16 | Int(c.buf[s + 2]) << 8 | Int(c.buf[s + 3])
                guard c.bufEnd - s - 4 >= len else { break }
                let sent = c.sendTimes[c.head]
                let fi = c.frameIdx[c.head]
                c.head = (c.head + 1) % depth
                c.count -= 1
                let answer = c.buf[(s + 4)..<(s + 4 + len)]
                if contains(answer, Self.errorKey) {
                    errors += 1
                } else if let want = expectations[fi], !contains(answer, want) {
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
            var pfds = conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            while sending || conns.contains(where: { $0.count > 0 }) {
                let r = poll(&pfds, nfds_t(pfds.count), 1000)
                if r < 0 {
                    if errno == EINTR { continue }
                    throw SocketLoadError.io("poll", errno)
                }
                if r == 0 { throw SocketLoadError.io("no answer within 1 s", ETIMEDOUT) }
                for i in pfds.indices where pfds[i].revents != 0 {
                    try receive(conns[i])
                }
                let now = benchNowNs()
                if now >= stopAt { sending = false }
                for i in pfds.indices where pfds[i].revents != 0 { try fill(conns[i], now) }
            }
        }
        let secs = measureEnd > measureStart ? Double(measureEnd - measureStart) / 1e9 : 0
        return SocketLoadResult(stats: LatencyStats(samples), completed: completed, seconds: secs,
                                errors: errors, wrongAnswers: wrong)
    }

    static let errorKey = Array("\"error\":".utf8)

    @inline(__always)
    private func contains(_ hay: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard needle.count <= hay.count, let first = needle.first else { return false }
        var i = hay.startIndex
        let last = hay.endIndex - needle.count
        while i <= last {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return true }
            }
            i += 1
        }
        return false
    }
}
