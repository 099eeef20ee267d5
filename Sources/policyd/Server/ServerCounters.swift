import Atomics
import NIOConcurrencyHelpers

/// Process-wide counters for `status` and STATUS=. Relaxed atomics: they are statistics.
///
/// The per-decision counts (requests, verdicts, fail-closed) are kept per event loop
/// (`RequestCounts`, one per loop, written by that loop's thread alone) and summed when read:
/// shared counters cost every decision two locked read-modify-writes on cache lines that
/// every loop writes (they move between cores at each decision under load).
final class ServerCounters: Sendable {
    let connections = ManagedAtomic<Int>(0)
    let connectionsTotal = ManagedAtomic<Int>(0)
    let protocolErrors = ManagedAtomic<Int>(0)
    let rejectedConnections = ManagedAtomic<Int>(0)
    /// Counts of requests answered outside an event loop (tests, tools): any thread.
    let shared = RequestCounts(singleWriter: false)
    private let shards = NIOLockedValueBox<[RequestCounts]>([])

    /// Counts for one event loop: only that loop's thread may count into them.
    func makeShard() -> RequestCounts {
        let s = RequestCounts(singleWriter: true)
        shards.withLockedValue { $0.append(s) }
        return s
    }

    private func total(_ slot: RequestCounts.Slot) -> Int {
        shards.withLockedValue { all in all.reduce(shared.load(slot)) { $0 &+ $1.load(slot) } }
    }

    var requests: Int { total(.requests) }
    var allow: Int { total(.allow) }
    var deny: Int { total(.deny) }
    var escalate: Int { total(.escalate) }
    var failClosed: Int { total(.failClosed) }

    var decisions: Int { allow &+ deny &+ escalate }

    var all: [(String, Int)] {
        let allow = allow, deny = deny, escalate = escalate
        return [
            ("connections", connections.load(ordering: .relaxed)),
            ("connections_total", connectionsTotal.load(ordering: .relaxed)),
            ("requests", requests),
            ("decisions", allow &+ deny &+ escalate),
            ("allow", allow),
            ("deny", deny),
            ("escalate", escalate),
            ("fail_closed", failClosed),
            ("protocol_errors", protocolErrors.load(ordering: .relaxed)),
            ("rejected_connections", rejectedConnections.load(ordering: .relaxed)),
        ]
    }
}

/// Requests, verdicts and fail-closed decisions counted by one writer (an event loop's thread:
/// a relaxed load and store, no locked instruction) or by any thread (`singleWriter` false:
/// atomic increments). The counts share one cache line, which no other counter set shares.
final class RequestCounts: @unchecked Sendable {
    enum Slot: Int {
        case requests, allow, deny, escalate, failClosed
    }

    private let storage: UnsafeMutablePointer<UnsafeAtomic<Int>.Storage>
    private let singleWriter: Bool
    private static let slots = 8  // 64 bytes: a cache line of its own

    init(singleWriter: Bool) {
        self.singleWriter = singleWriter
        let raw = UnsafeMutableRawPointer.allocate(byteCount: Self.slots * MemoryLayout<UnsafeAtomic<Int>.Storage>.stride,
                                                   alignment: 64)
        storage = raw.bindMemory(to: UnsafeAtomic<Int>.Storage.self, capacity: Self.slots)
        storage.initialize(repeating: UnsafeAtomic<Int>.Storage(0), count: Self.slots)
    }

    deinit {
        storage.deinitialize(count: Self.slots)
        storage.deallocate()
    }

    @inline(__always)
    private func atomic(_ slot: Slot) -> UnsafeAtomic<Int> {
        UnsafeAtomic(at: storage + slot.rawValue)
    }

    func load(_ slot: Slot) -> Int {
        atomic(slot).load(ordering: .relaxed)
    }

    @inline(__always)
    func increment(_ slot: Slot) {
        let a = atomic(slot)
        if singleWriter {
            a.store(a.load(ordering: .relaxed) &+ 1, ordering: .relaxed)
        } else {
            a.wrappingIncrement(ordering: .relaxed)
        }
    }

    @inline(__always)
    func count(_ v: Verdict) {
        switch v {
        case .allow: increment(.allow)
        case .deny: increment(.deny)
        case .escalate: increment(.escalate)
        }
    }
}
