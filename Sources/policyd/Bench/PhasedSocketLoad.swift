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
            try (0..<connections).map { _ in try LoadConnection(path: path, depth: depth) }
        }
        let flat = conns.flatMap { $0 }
        let ep = try SocketLoad.epoll(flat)
        defer { close(ep) }
        var events = [epoll_event](repeating: epoll_event(), count: flat.count)
        var next = 0
        var tally = LoadTally()

        /// Load on `target` for `seconds`; every request sent meanwhile is answered before it returns.
        func phase(_ target: Int, seconds: Double, settle: Double) throws -> (samples: [UInt64], seconds: Double) {
            tally.samples.removeAll(keepingCapacity: true)
            let start = benchNowNs()
            tally.recordFrom = start + UInt64(settle * 1e9)
            let stopAt = tally.recordFrom + UInt64(seconds * 1e9)
            var last = start
            for c in conns[target] { try c.fill(frames, next: &next, now: start) }
            var outstanding = conns[target].count * depth
            while outstanding > 0 {
                let r = try SocketLoad.wait(ep, &events)
                for k in 0..<r { last = try flat[Int(events[k].data.u64)].receive(expectations, &tally) }
                if last < stopAt {
                    for k in 0..<r { try flat[Int(events[k].data.u64)].fill(frames, next: &next, now: last) }
                }
                outstanding = conns[target].reduce(0) { $0 + $1.count }
            }
            return (tally.samples, last > tally.recordFrom ? Double(last - tally.recordFrom) / 1e9 : 0)
        }

        for t in conns.indices where warmup > 0 { _ = try phase(t, seconds: warmup, settle: 0) }
        var results: [PhaseResult] = []
        var index = 0
        for j in 0..<blocks {
            for t in Self.order(block: j, targets: conns.count) {
                announce(index, t)
                index += 1
                let p = try phase(t, seconds: phaseSeconds, settle: settle)
                results.append(PhaseResult(block: j, target: t, completed: p.samples.count, seconds: p.seconds,
                                           stats: LatencyStats(p.samples)))
            }
        }
        return (results, tally.errors, tally.wrong)
    }
}
