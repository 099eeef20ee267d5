import Foundation
#if canImport(CNIOLinux)
import CNIOLinux  // epoll
#endif

/// Alternating load for A/B comparisons: every target (a daemon's socket) gets its own
/// `connections` connections, all opened up front and kept open, and the load moves between
/// the targets in short phases (one target at a time, `depth` in flight per connection). On a
/// machine whose speed drifts by tens of percent within seconds, a ratio of two 5 s runs one
/// after the other measures the drift as much as the difference; phases of a second or two,
/// in an order that alternates (blocks of one phase per target, rotating and reversing, so
/// A B, B A, …), put both sides under the same drift, and the per-block ratios can be pooled
/// (median) or summed.
///
/// A target may appear twice (the same socket under two conditions, e.g. with and without
/// bundle swaps): each phase is announced on stderr as it starts (`phase I target K`), so a
/// driver can switch the condition in step.
struct PhaseResult {
    let block: Int
    let target: Int
    let completed: Int
    let seconds: Double
    let stats: LatencyStats
    var throughput: Double { seconds > 0 ? Double(completed) / seconds : 0 }
}

final class PhasedSocketLoad {
    let load: SocketLoad

    init(load: SocketLoad) { self.load = load }

    /// Block `j`'s order of `n` targets: rotated by `j`, reversed every other `n` blocks (for
    /// two targets: A B, B A, B A, A B, …; each target as often first as last).
    static func order(block j: Int, targets n: Int) -> [Int] {
        var o = (0..<n).map { ($0 + j) % n }
        if (j / n) % 2 == 1 { o.reverse() }
        return o
    }

    private final class Conn {
        let fd: Int32
        var sendTimes: [UInt64]
        var frameIdx: [Int]
        var head = 0, count = 0
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        var bufStart = 0, bufEnd = 0
        var out: [UInt8] = []
        init(fd: Int32, depth: Int) {
            self.fd = fd
            sendTimes = Array(repeating: 0, count: depth)
            frameIdx = Array(repeating: 0, count: depth)
        }
    }

    /// `blocks` blocks of one phase of `phaseSeconds` per target, after `warmup` seconds per
    /// target (not recorded). The first `settle` seconds of each phase are not recorded either:
    /// a daemon that sat idle while the other was loaded needs a moment to be back in its
    /// stride (a decision log's writer lets spare buffers go after 10 ms idle, caches are
    /// cold), which a phase of a second would otherwise count against whichever side pays
    /// more for it. Errors and wrong verdicts are counted over the whole run.
    func run(socketPaths: [String], connections: Int, depth: Int, phaseSeconds: Double, blocks: Int, warmup: Double,
             settle: Double = 0, announce: (Int, Int) -> Void) throws -> (phases: [PhaseResult], errors: Int, wrong: Int)
    {
        let frames = load.frames, expectations = load.expectations
        let conns = try socketPaths.map { path in
            try (0..<connections).map { _ in Conn(fd: try SocketLoad.connect(path), depth: depth) }
        }
        let flat = conns.flatMap { $0 }
        defer { for c in flat { close(c.fd) } }
        let ep = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard ep >= 0 else { throw SocketLoadError.io("epoll_create1", errno) }
        defer { close(ep) }
        for (i, c) in flat.enumerated() {
            var ev = epoll_event()
            ev.events = EPOLLIN.rawValue
            ev.data.u64 = UInt64(i)
            guard epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev) == 0 else { throw SocketLoadError.io("epoll_ctl", errno) }
        }
        var events = [epoll_event](repeating: epoll_event(), count: flat.count)
        var next = 0, errors = 0, wrong = 0
        var recordFrom: UInt64 = 0
        var samples: [UInt64] = []
        samples.reserveCapacity(1 << 20)

        func fill(_ c: Conn, _ now: UInt64) throws {
            c.out.removeAll(keepingCapacity: true)
            while c.count < depth {
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

        /// Reads what is available; returns the answers completed and the time they were read.
        func receive(_ c: Conn) throws -> UInt64 {
            if c.bufEnd == c.buf.count {
                if c.bufStart > 0 {
                    c.buf.withUnsafeMutableBytes { raw in
                        _ = memmove(raw.baseAddress!, raw.baseAddress! + c.bufStart, c.bufEnd - c.bufStart)
                    }
                    c.bufEnd -= c.bufStart
                    c.bufStart = 0
                } else {
                    c.buf += [UInt8](repeating: 0, count: c.buf.count)
                }
            }
            let n = c.buf.withUnsafeMutableBytes { raw in read(c.fd, raw.baseAddress! + c.bufEnd, raw.count - c.bufEnd) }
            if n < 0 {
                if errno == EINTR { return benchNowNs() }
                throw SocketLoadError.io("read", errno)
            }
            if n == 0 { throw SocketLoadError.closed }
            c.bufEnd += n
            let now = benchNowNs()
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
                    if SocketLoad.contains(answer, SocketLoad.errorKey) {
                        errors += 1
                    } else if let want = expectations[fi], !SocketLoad.contains(answer, want) {
                        wrong += 1
                    }
                    if sent >= recordFrom { samples.append(now &- sent) }
                    c.bufStart = s + 4 + len
                }
            }
            if c.bufStart == c.bufEnd { c.bufStart = 0; c.bufEnd = 0 }
            return now
        }

        /// Load on `target` for `seconds`; every request sent meanwhile is answered before it returns.
        func phase(_ target: Int, seconds: Double, settle: Double) throws
            -> (completed: Int, seconds: Double, samples: [UInt64])
        {
            samples.removeAll(keepingCapacity: true)
            let start = benchNowNs()
            recordFrom = start + UInt64(settle * 1e9)
            let stopAt = recordFrom + UInt64(seconds * 1e9)
            var last = start
            var sending = true
            for c in conns[target] { try fill(c, start) }
            var outstanding = conns[target].count * depth
            while outstanding > 0 {
                let r = events.withUnsafeMutableBufferPointer { epoll_wait(ep, $0.baseAddress, Int32($0.count), 1000) }
                if r < 0 {
                    if errno == EINTR { continue }
                    throw SocketLoadError.io("epoll_wait", errno)
                }
                if r == 0 { throw SocketLoadError.io("no answer within 1 s", ETIMEDOUT) }
                for k in 0..<Int(r) { last = try receive(flat[Int(events[k].data.u64)]) }
                if last >= stopAt { sending = false }
                if sending {
                    for k in 0..<Int(r) { try fill(flat[Int(events[k].data.u64)], last) }
                }
                outstanding = conns[target].reduce(0) { $0 + $1.count }
            }
            return (samples.count, last > recordFrom ? Double(last - recordFrom) / 1e9 : 0, samples)
        }

        for t in conns.indices where warmup > 0 { _ = try phase(t, seconds: warmup, settle: 0) }
        var results: [PhaseResult] = []
        var index = 0
        for j in 0..<blocks {
            for t in Self.order(block: j, targets: conns.count) {
                announce(index, t)
                index += 1
                let p = try phase(t, seconds: phaseSeconds, settle: settle)
                results.append(PhaseResult(block: j, target: t, completed: p.completed, seconds: p.seconds,
                                           stats: LatencyStats(p.samples)))
            }
        }
        return (results, errors, wrong)
    }
}
