import Foundation

/// What a load run has seen: latencies of the answers to requests sent inside the recording
/// window, and errors and wrong verdicts over the whole run.
struct LoadTally {
    var samples: [UInt64] = []
    var errors = 0
    var wrong = 0
    /// Requests sent in `recordFrom..<recordUntil` are recorded.
    var recordFrom: UInt64 = 0
    var recordUntil: UInt64 = .max
    /// Send time of the first recorded request, read time of the last recorded answer.
    var firstSent: UInt64 = 0
    var lastAnswer: UInt64 = 0

    init() { samples.reserveCapacity(1 << 20) }
}

/// One load-generator connection (shared by `SocketLoad` and `PhasedSocketLoad`): a FIFO of
/// send times and frame indexes for the outstanding requests, the receive buffer, and the
/// outgoing batch. Answers come back in request order, so latency = answer time − send time of
/// the oldest outstanding request (queueing included, as uds_floor measures it).
final class LoadConnection {
    let fd: Int32
    private let depth: Int
    // One thread drives a connection: no dynamic exclusivity checks on its state (as in the daemon's Connection).
    @exclusivity(unchecked) private var sendTimes: [UInt64]
    @exclusivity(unchecked) private var frameIdx: [Int]
    @exclusivity(unchecked) private var head = 0
    /// Requests sent and not answered yet.
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var buf: [UInt8] = Array(repeating: 0, count: 1 << 16)
    @exclusivity(unchecked) private var bufStart = 0, bufEnd = 0
    @exclusivity(unchecked) private var out: [UInt8] = []

    init(path: String, depth: Int) throws {
        fd = try SocketLoad.connect(path)
        self.depth = depth
        sendTimes = Array(repeating: 0, count: depth)
        frameIdx = Array(repeating: 0, count: depth)
    }

    deinit { close(fd) }

    /// Tops the connection up to `depth` requests in flight (frames cycled from `next`), in one write(2).
    func fill(_ frames: [[UInt8]], next: inout Int, now: UInt64) throws {
        if count == depth - 1 {
            // One request to send (always so at depth 1): write the frame where it is, as the
            // floor's C client does, instead of copying it into the outgoing batch first.
            let slot = (head + count) % depth
            sendTimes[slot] = now
            frameIdx[slot] = next
            let frame = frames[next]
            next += 1
            if next == frames.count { next = 0 }
            count += 1
            return try frame.withUnsafeBytes { try writeAll($0) }
        }
        out.removeAll(keepingCapacity: true)
        while count < depth {
            let slot = (head + count) % depth
            sendTimes[slot] = now
            frameIdx[slot] = next
            out += frames[next]
            next += 1
            if next == frames.count { next = 0 }
            count += 1
        }
        guard !out.isEmpty else { return }
        try out.withUnsafeBytes { try writeAll($0) }
    }

    private func writeAll(_ raw: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < raw.count {
            let n = write(fd, raw.baseAddress! + off, raw.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                throw SocketLoadError.io("write", errno)
            }
            off += n
        }
    }

    /// Reads what is available and consumes the complete answers into `tally`; returns the
    /// time of the read.
    func receive(_ expectations: [[UInt8]?], _ tally: inout LoadTally) throws -> UInt64 {
        if bufEnd == buf.count {
            if bufStart > 0 {
                buf.withUnsafeMutableBytes { raw in _ = memmove(raw.baseAddress!, raw.baseAddress! + bufStart, bufEnd - bufStart) }
                bufEnd -= bufStart
                bufStart = 0
            } else {
                buf += [UInt8](repeating: 0, count: buf.count)
            }
        }
        let n = buf.withUnsafeMutableBytes { raw in read(fd, raw.baseAddress! + bufEnd, raw.count - bufEnd) }
        if n < 0 {
            if errno == EINTR { return benchNowNs() }
            throw SocketLoadError.io("read", errno)
        }
        if n == 0 { throw SocketLoadError.closed }
        bufEnd += n
        let now = benchNowNs()
        // Answers are checked in place (no slice per answer): memmem for the error key and the
        // expected verdict, as a proxy client looks for the fields it needs.
        buf.withUnsafeBytes { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            while bufEnd - bufStart >= 4 {
                let s = bufStart
                let len = Int(p[s]) << 24 | Int(p[s + 1]) << 16 | Int(p[s + 2]) << 8 | Int(p[s + 3])
                guard bufEnd - s - 4 >= len else { break }
                let sent = sendTimes[head]
                let fi = frameIdx[head]
                head = (head + 1) % depth
                count -= 1
                let answer = UnsafeRawBufferPointer(start: p + s + 4, count: len)
                if SocketLoad.contains(answer, SocketLoad.errorKey) {
                    tally.errors += 1
                } else if let want = expectations[fi], !SocketLoad.contains(answer, want) {
                    tally.wrong += 1
                }
                if sent >= tally.recordFrom && sent < tally.recordUntil {
                    if tally.samples.isEmpty { tally.firstSent = sent }
                    tally.samples.append(now &- sent)
                    tally.lastAnswer = now
                }
                bufStart = s + 4 + len
            }
        }
        if bufStart == bufEnd { bufStart = 0; bufEnd = 0 }
        return now
    }
}
