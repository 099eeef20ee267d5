import Atomics

/// At most `burst` decision entries per `interval` go to the journal; the rest are counted
/// (and reported by the writer with their number). journald applies the same kind of limit to
/// every service (RateLimitIntervalSec=30s, RateLimitBurst=10000 by default) and discards what
/// passes it, after receiving and parsing each entry: entries beyond it cost both processes
/// CPU and are lost anyway. The decision log file keeps every decision.
///
/// Shared by the event loops: a window start and a count, both atomics. At a window's edge a
/// few entries may be counted in the old or the new window; the limit is approximate there.
/// Once the window's burst is used up, a refusal only reads the two (no write to a line the
/// event loops share); callers count refusals themselves and add them with `countSuppressed`.
final class JournalRateLimit: Sendable {
    let intervalNs: Int64
    /// 0 = no limit.
    let burst: Int
    private let windowStart = ManagedAtomic<Int64>(Int64.min)
    private let taken = ManagedAtomic<Int>(0)
    private let suppressed = ManagedAtomic<UInt64>(0)

    init(intervalMs: Int, burst: Int) {
        intervalNs = Int64(max(1, intervalMs)) * 1_000_000
        self.burst = max(0, burst)
    }

    /// Whether an entry for a decision made at `nowNs` (Unix ns) may go to the journal. A
    /// refusal is not counted here (see `countSuppressed`).
    func admit(nowNs: Int64) -> Bool {
        guard burst > 0 else { return true }
        let start = windowStart.load(ordering: .relaxed)
        if start == Int64.min || nowNs &- start >= intervalNs {
            if windowStart.compareExchange(expected: start, desired: nowNs, ordering: .relaxed).exchanged {
                taken.store(0, ordering: .relaxed)
            }
        }
        if taken.load(ordering: .relaxed) >= burst { return false }
        return taken.loadThenWrappingIncrement(ordering: .relaxed) < burst
    }

    /// Adds refusals counted by a caller.
    func countSuppressed(_ n: Int) {
        if n > 0 { suppressed.wrappingIncrement(by: UInt64(n), ordering: .relaxed) }
    }

    /// Entries suppressed so far.
    var suppressedTotal: UInt64 { suppressed.load(ordering: .relaxed) }
}
